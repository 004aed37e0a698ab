//! Retry policy shared by both clients: exponential backoff with full jitter, a cap,
//! a bounded number of attempts and a client-wide retry budget (a token bucket, as in
//! smithy-rs' standard strategy) so a degraded cloud is not hammered.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Attempts at a connection that cannot be made (refused, unreachable, no DNS answer),
/// the first included: a dead or mistyped endpoint fails in about a second instead of
/// after the full backoff (31 s before).
pub const CONNECT_ATTEMPTS: u32 = 3;

/// Attempts at a call that timed out (no answer within the request timeout, or silence
/// past the read timeout), the first included: a silent endpoint fails in two timeouts.
pub const TIMEOUT_ATTEMPTS: u32 = 2;

/// How a client retries transient failures.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts, the first included.
    pub max_attempts: u32,
    /// First backoff ceiling.
    pub base: Duration,
    /// Largest backoff.
    pub cap: Duration,
    /// Full jitter (random in `[0, ceiling]`); off only in tests that need exact timings.
    pub jitter: bool,
    /// Retry budget shared by every call of one client.
    pub budget: RetryBudget,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(300),
            cap: Duration::from_secs(20),
            jitter: true,
            budget: RetryBudget::new(500),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `attempt` (1 = first retry).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(16)));
        let ceiling = exp.min(self.cap);
        if self.jitter {
            ceiling.mul_f64(fastrand::f64())
        } else {
            ceiling
        }
    }
}

/// A token bucket: each retry spends tokens, each success refunds one.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    tokens: Arc<AtomicI64>,
    max: i64,
}

/// Tokens a retry costs; timeouts cost double.
pub const RETRY_COST: i64 = 5;

impl RetryBudget {
    /// A bucket holding `max` tokens.
    pub fn new(max: i64) -> Self {
        RetryBudget {
            tokens: Arc::new(AtomicI64::new(max)),
            max,
        }
    }

    /// Takes `cost` tokens; false when the budget is spent (the caller must give up).
    pub fn try_spend(&self, cost: i64) -> bool {
        let mut cur = self.tokens.load(Ordering::Relaxed);
        loop {
            if cur < cost {
                return false;
            }
            match self.tokens.compare_exchange(
                cur,
                cur - cost,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
    }

    /// Gives one token back after a success.
    pub fn refund(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                (t < self.max).then_some(t + 1)
            });
    }

    /// Tokens left.
    pub fn remaining(&self) -> i64 {
        self.tokens.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            jitter: false,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        let got: Vec<u128> = (1..=6).map(|a| p.backoff(a).as_millis()).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
        let j = RetryPolicy { jitter: true, ..p };
        for a in 1..10 {
            assert!(j.backoff(a) <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn budget_runs_out_and_refills() {
        let b = RetryBudget::new(10);
        assert!(b.try_spend(5));
        assert!(b.try_spend(5));
        assert!(!b.try_spend(5));
        b.refund();
        assert_eq!(b.remaining(), 1);
        for _ in 0..20 {
            b.refund();
        }
        assert_eq!(b.remaining(), 10);
    }
}
