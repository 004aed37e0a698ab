//! Client-side pacing within the clouds' rate limits (`cloud::limits`): [`TidbBudget`] reads
//! TiDB Cloud's `X-Ratelimit-*` headers and spreads the rest of the window's budget over the
//! time left, [`Pacer`] keeps each Alibaba action within its flow-control quota, and
//! [`RateLimit`] is the user's own `--rate-limit`. All are shared by a client's clones.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// TiDB Cloud's budget as its last answers told it (limit, remaining, reset), shared by every
/// request of one API key. Requests go one at a time: each waits for its slot, then the
/// answer's headers update the budget. The first half of a window's budget is spent at once
/// (so the first answers come early); the second half is spread evenly over the time left,
/// and nothing is sent once it is spent until the window resets. The window's length is
/// learnt from `X-Ratelimit-Reset`, never assumed.
#[derive(Debug, Clone, Default)]
pub struct TidbBudget {
    state: Arc<tokio::sync::Mutex<BudgetState>>,
}

#[derive(Debug, Default)]
struct BudgetState {
    limit: Option<u32>,
    remaining: Option<u32>,
    /// The earliest bound on when the window resets (the header rounds up to seconds).
    reset_at: Option<Instant>,
    last: Option<Instant>,
}

/// One request's hold on the budget: [`BudgetHold::observe`] takes its answer's headers.
pub struct BudgetHold(tokio::sync::OwnedMutexGuard<BudgetState>);

/// What one answer's `X-Ratelimit-*` headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quota {
    /// `X-Ratelimit-Limit-Minute`.
    pub limit: Option<u32>,
    /// `X-Ratelimit-Remaining-Minute`.
    pub remaining: Option<u32>,
    /// `X-Ratelimit-Reset`: seconds until the window resets.
    pub reset: Option<Duration>,
}

impl Quota {
    /// Reads the headers (absent or malformed values are `None`).
    pub fn from_headers(h: &reqwest::header::HeaderMap) -> Quota {
        let num = |n: &str| {
            h.get(n)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let small = |n: &str| num(n).and_then(|v| u32::try_from(v).ok());
        Quota {
            limit: small("x-ratelimit-limit-minute"),
            remaining: small("x-ratelimit-remaining-minute"),
            reset: num("x-ratelimit-reset").map(|s| Duration::from_secs(s.min(3_600))),
        }
    }
}

impl TidbBudget {
    /// Waits for this request's slot and holds the budget until its answer is observed.
    pub async fn acquire(&self) -> BudgetHold {
        let mut g = self.state.clone().lock_owned().await;
        if let Some(slot) = g.slot(Instant::now()) {
            tokio::time::sleep_until(slot).await;
            if g.remaining == Some(0) {
                // The window has reset: the next answer tells the new budget.
                g.remaining = None;
                g.reset_at = None;
            }
        }
        BudgetHold(g)
    }

    /// Expected time to spend `calls` more requests within the budget (for progress), when
    /// the window is known.
    pub fn eta(&self, calls: u32) -> Option<Duration> {
        let g = self.state.try_lock().ok()?;
        let (limit, rem, reset) = (g.limit?, g.remaining?, g.reset_at?);
        let left = reset.saturating_duration_since(Instant::now());
        if calls <= rem {
            return Some(Duration::ZERO);
        }
        // A whole window per `limit` calls after this one; the window's length is bounded
        // by what the last reset said at most.
        let window = g
            .last
            .map_or(left, |l| reset.saturating_duration_since(l))
            .max(left);
        let windows = (calls - rem).div_ceil(limit.max(1));
        Some(left + window * windows.saturating_sub(1))
    }
}

impl BudgetState {
    /// When the next request may go, or `None` for now.
    fn slot(&self, now: Instant) -> Option<Instant> {
        let (limit, rem, reset) = (self.limit?, self.remaining?, self.reset_at?);
        if now >= reset {
            return None;
        }
        if rem == 0 {
            return Some(reset + Duration::from_millis(10));
        }
        if rem > limit / 2 {
            return None;
        }
        let from = self.last.unwrap_or(now).min(now);
        let slot = from + reset.saturating_duration_since(from) / rem;
        (slot > now).then_some(slot)
    }
}

impl BudgetHold {
    /// Takes an answer's headers (an answer without them, e.g. a digest challenge, changes
    /// nothing).
    pub fn observe(mut self, q: Quota) {
        let (Some(rem), Some(reset)) = (q.remaining, q.reset) else {
            return;
        };
        let now = Instant::now();
        // The server counted before it answered: now + reset is a bound that is never early.
        let at = now + reset;
        let g = &mut *self.0;
        let same_window =
            g.remaining.is_some_and(|old| rem <= old) && g.reset_at.is_some_and(|t| t > now);
        g.reset_at = Some(match g.reset_at {
            Some(t) if same_window => t.min(at),
            _ => at,
        });
        g.limit = q.limit.or(g.limit).or(Some(rem.max(1)));
        g.remaining = Some(rem);
        g.last = Some(now);
    }
}

/// Keeps each Alibaba action within its flow-control quota (`cloud::limits::alibaba_quota`)
/// with a sliding log of its recent calls: never more than the quota in any window (plus a
/// 5 % margin for requests that arrive closer together than they left).
#[derive(Debug, Clone, Default)]
pub struct Pacer {
    logs: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

impl Pacer {
    /// Waits until a call of `action` fits its quota, and counts it.
    pub async fn acquire(&self, action: &str) {
        let q = crate::cloud::limits::alibaba_quota(action);
        let span = q.window + q.window / 20;
        loop {
            let wait = {
                let Ok(mut logs) = self.logs.lock() else {
                    return;
                };
                let log = logs.entry(action.to_string()).or_default();
                let now = Instant::now();
                while log.front().is_some_and(|t| now.duration_since(*t) >= span) {
                    log.pop_front();
                }
                if log.len() < q.calls as usize {
                    log.push_back(now);
                    return;
                }
                log.front().map(|t| *t + span)
            };
            match wait {
                Some(t) => tokio::time::sleep_until(t).await,
                None => return,
            }
        }
    }
}

/// Spaces requests at least `1/rate` apart; cheap to clone (shared schedule).
#[derive(Debug, Clone)]
pub struct RateLimit {
    interval: Duration,
    next: Arc<Mutex<Option<Instant>>>,
}

impl RateLimit {
    /// At most `per_second` requests per second (values ≤ 0 mean no limit).
    /// Rates are clamped to 0.01–10 000 per second; NaN is treated as no limit.
    pub fn per_second(per_second: f64) -> Option<Self> {
        (per_second > 0.0).then(|| RateLimit {
            interval: Duration::from_secs_f64(1.0 / per_second.clamp(0.01, 10_000.0)),
            next: Arc::new(Mutex::new(None)),
        })
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let slot = {
            let Ok(mut next) = self.next.lock() else {
                return;
            };
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(limit: u32, remaining: u32, reset_s: u64) -> Quota {
        Quota {
            limit: Some(limit),
            remaining: Some(remaining),
            reset: Some(Duration::from_secs(reset_s)),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_spends_half_at_once_then_spreads_and_waits_for_the_reset() {
        let b = TidbBudget::default();
        let t0 = Instant::now();
        b.acquire().await.observe(quota(100, 99, 60));
        for rem in (50..99).rev() {
            b.acquire().await.observe(quota(100, rem, 60));
        }
        assert_eq!(t0.elapsed(), Duration::ZERO, "the first half at once");
        // The rest: 50 calls spread over the 60 s left.
        for rem in (0..50).rev() {
            b.acquire()
                .await
                .observe(quota(100, rem, 60 - t0.elapsed().as_secs()));
        }
        assert!(
            t0.elapsed() <= Duration::from_secs(60),
            "{:?}",
            t0.elapsed()
        );
        assert!(
            t0.elapsed() >= Duration::from_secs(55),
            "{:?}",
            t0.elapsed()
        );
        // Spent: the next waits for the reset.
        let before = t0.elapsed();
        b.acquire().await.observe(quota(100, 99, 60));
        assert!(before <= Duration::from_secs(60), "{before:?}");
        assert!(
            t0.elapsed() >= Duration::from_secs(60),
            "{:?}",
            t0.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_without_headers_changes_nothing() {
        let b = TidbBudget::default();
        b.acquire().await.observe(Quota::default());
        b.acquire().await.observe(quota(100, 0, 5));
        let t0 = Instant::now();
        b.acquire().await.observe(Quota::default());
        assert!(t0.elapsed() >= Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn the_pacer_keeps_an_action_within_its_quota() {
        let p = Pacer::default();
        let t0 = Instant::now();
        for _ in 0..40 {
            p.acquire("ListListeners").await;
        }
        // 20 per second: the 21st waits a window (and its margin).
        assert!(t0.elapsed() >= Duration::from_secs(1), "{:?}", t0.elapsed());
        assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
        let t1 = Instant::now();
        p.acquire("GetLoadBalancerAttribute").await;
        assert_eq!(t1.elapsed(), Duration::ZERO, "per action");
    }

    #[tokio::test(start_paused = true)]
    async fn spaces_requests() {
        let l = RateLimit::per_second(10.0).unwrap();
        let t0 = Instant::now();
        for _ in 0..21 {
            l.acquire().await;
        }
        assert_eq!(t0.elapsed(), Duration::from_secs(2));
        assert!(RateLimit::per_second(0.0).is_none());
        assert!(RateLimit::per_second(f64::NAN).is_none());
        assert!(RateLimit::per_second(1e-30).is_some());
        assert!(RateLimit::per_second(f64::INFINITY).is_some());
    }
}
