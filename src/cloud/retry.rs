//! Retry policy shared by both clients: exponential backoff with full jitter, a cap,
//! a bounded number of attempts and a client-wide retry budget (a token bucket, as in
//! smithy-rs' standard strategy) so a degraded cloud is not hammered.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

pub use super::http::TransportKind;

/// How one failed attempt is treated, for both clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// The resource is busy or locked for this call (the action table's busy codes): retried
    /// until [`RetryPolicy::busy_for`] has passed, at a calm pace, outside the retry budget
    /// (the cloud is healthy; one resource is mid-change). Carries the cloud's code.
    pub busy: Option<String>,
    /// Worth another attempt (throttling, 5xx, a network failure; never a refused
    /// certificate, a 4xx or a POST that may have been processed).
    pub retryable: bool,
    /// The failure below HTTP, when it was one (connect and timeout failures get fewer
    /// attempts; a timeout costs double).
    pub transport: Option<TransportKind>,
    /// How long the cloud asked to wait (`x-acs-retry-after`, `x-ratelimit-reset`).
    pub wait: Option<Duration>,
}

/// The one retry loop of both clients: runs `attempt` until it succeeds, fails for good,
/// runs out of attempts for its kind of failure, or the budget is spent.
pub async fn run<T, E, F, Fut>(
    policy: &RetryPolicy,
    what: &str,
    classify: impl Fn(&E) -> Class,
    mut attempt: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut n = 1;
    let mut busy_tries = 0;
    let started = tokio::time::Instant::now();
    loop {
        let e = match attempt().await {
            Ok(v) => {
                policy.budget.refund();
                return Ok(v);
            }
            Err(e) => e,
        };
        let c = classify(&e);
        if let Some(code) = &c.busy {
            let waited = started.elapsed();
            if waited >= policy.busy_for {
                return Err(e);
            }
            busy_tries += 1;
            let pause = policy.busy_pause(busy_tries).min(
                policy
                    .busy_for
                    .saturating_sub(waited)
                    .max(Duration::from_millis(50)),
            );
            note_busy(what, code, waited);
            tracing::info!(
                what,
                code = code.as_str(),
                ?pause,
                ?waited,
                "busy; retrying"
            );
            tokio::time::sleep(pause).await;
            continue;
        }
        let limit = match c.transport {
            Some(TransportKind::Connect) => CONNECT_ATTEMPTS,
            Some(TransportKind::Timeout) => TIMEOUT_ATTEMPTS,
            _ => policy.max_attempts,
        }
        .min(policy.max_attempts);
        if !c.retryable || n >= limit {
            return Err(e);
        }
        let cost = if c.transport == Some(TransportKind::Timeout) {
            2 * RETRY_COST
        } else {
            RETRY_COST
        };
        if !policy.budget.try_spend(cost) {
            tracing::warn!(what, "retry budget exhausted");
            return Err(e);
        }
        let pause = c
            .wait
            .map(|d| d.min(policy.cap))
            .unwrap_or_else(|| policy.backoff(n));
        tracing::debug!(what, attempt = n, ?pause, class = ?c, "retrying");
        tokio::time::sleep(pause).await;
        n += 1;
    }
}

tokio::task_local! {
    /// Who hears about busy retries in the current task (a setup step's progress line).
    static BUSY_OBSERVER: Arc<dyn Fn(&BusyNote) + Send + Sync>;
}

/// A busy or locked answer being ridden out: what was called, what the cloud answered and
/// how long tilink has been retrying it.
#[derive(Debug, Clone)]
pub struct BusyNote {
    /// The call (`AddServersToServerGroup`).
    pub call: String,
    /// The cloud's code (`Conflict.Lock`).
    pub code: String,
    /// Time since the first attempt.
    pub waited: Duration,
}

/// Runs `fut` with `observer` told of every busy retry inside it (task-local: concurrent
/// steps each hear their own).
pub async fn observe_busy<F: Future>(
    observer: Arc<dyn Fn(&BusyNote) + Send + Sync>,
    fut: F,
) -> F::Output {
    BUSY_OBSERVER.scope(observer, fut).await
}

fn note_busy(call: &str, code: &str, waited: Duration) {
    let _ = BUSY_OBSERVER.try_with(|o| {
        o(&BusyNote {
            call: call.to_string(),
            code: code.to_string(),
            waited,
        })
    });
}

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
    /// How long a busy or locked resource is retried (Terraform's resource timeout for the
    /// same calls is 5 min; `docs/API-BEHAVIOUR.md`).
    pub busy_for: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(300),
            cap: Duration::from_secs(20),
            jitter: true,
            budget: RetryBudget::new(500),
            busy_for: BUSY_FOR,
        }
    }
}

/// The default [`RetryPolicy::busy_for`]: Terraform's timeout for the same calls.
pub const BUSY_FOR: Duration = Duration::from_secs(300);

/// First pause after a busy answer; the pauses double up to [`BUSY_PAUSE_CAP`] (Terraform
/// waits 3 s, then 5 s: `common.go` `incrementalWait(3s, 5s)`).
const BUSY_PAUSE: Duration = Duration::from_secs(1);
const BUSY_PAUSE_CAP: Duration = Duration::from_secs(5);

impl RetryPolicy {
    /// The pause before busy retry number `n` (1 = first), with ±20 % jitter.
    pub fn busy_pause(&self, n: u32) -> Duration {
        let d = BUSY_PAUSE
            .saturating_mul(2u32.saturating_pow(n.saturating_sub(1).min(8)))
            .min(BUSY_PAUSE_CAP);
        if self.jitter {
            d.mul_f64(0.8 + 0.4 * fastrand::f64())
        } else {
            d
        }
    }

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
