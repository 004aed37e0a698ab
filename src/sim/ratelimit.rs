//! The clouds' request rate limits (behaviour `rate-limits`): TiDB Cloud's requests per
//! minute and API key, answered 429 with the `X-Ratelimit-*` headers (sent on every answer),
//! and Alibaba's per-action flow control, answered `Throttling.User`. The numbers and their
//! sources are in [`crate::cloud::limits`]; windows are fixed and aligned to the simulator's
//! start. The TiDB window may be shortened (`--rate-limit-window-ms`) so that a benchmark
//! of hundreds of chains runs a scaled minute; clients learn it from `X-Ratelimit-Reset`.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::cloud::limits::{TIDB_PER_WINDOW, TIDB_WINDOW, alibaba_quota};

/// What TiDB Cloud's gateway says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TidbQuota {
    /// `X-Ratelimit-Limit-Minute`.
    pub limit: u32,
    /// `X-Ratelimit-Remaining-Minute` (after this request).
    pub remaining: u32,
    /// `X-Ratelimit-Reset`: whole seconds until the window resets (rounded up).
    pub reset_secs: u64,
    /// False: answer 429.
    pub allowed: bool,
}

/// Counters of the fixed windows.
#[derive(Debug)]
pub struct RateLimits {
    epoch: Instant,
    /// TiDB Cloud's window.
    pub tidb_window: Duration,
    /// Every Alibaba window multiplied by the same ratio as TiDB's (1: real time): a
    /// compressed world compresses all its windows alike.
    alibaba_scale: f64,
    tidb: HashMap<String, (u64, u32)>,
    alibaba: HashMap<String, (u64, u32)>,
    /// Requests refused by a limit (`/_sim/stats` → `rate_limited`).
    pub refused: u64,
}

impl RateLimits {
    /// Limits counted from `epoch`; `tidb_window` replaces TiDB Cloud's minute when given,
    /// and shortens the Alibaba windows by the same ratio (a compressed world).
    pub fn new(epoch: Instant, tidb_window: Option<Duration>) -> Self {
        let tidb_window = tidb_window.filter(|w| !w.is_zero()).unwrap_or(TIDB_WINDOW);
        RateLimits {
            epoch,
            tidb_window,
            alibaba_scale: (tidb_window.as_secs_f64() / TIDB_WINDOW.as_secs_f64()).min(1.0),
            tidb: HashMap::new(),
            alibaba: HashMap::new(),
            refused: 0,
        }
    }

    /// Counts a request of TiDB API key `key` at `now`.
    pub fn tidb(&mut self, key: &str, now: Instant) -> TidbQuota {
        let window = self.tidb_window;
        let (index, until) = self.window(now, window);
        let slot = self.tidb.entry(key.to_string()).or_insert((index, 0));
        if slot.0 != index {
            *slot = (index, 0);
        }
        let allowed = slot.1 < TIDB_PER_WINDOW;
        if allowed {
            slot.1 += 1;
        } else {
            self.refused += 1;
        }
        TidbQuota {
            limit: TIDB_PER_WINDOW,
            remaining: TIDB_PER_WINDOW - slot.1,
            reset_secs: until.as_secs() + u64::from(until.subsec_nanos() > 0),
            allowed,
        }
    }

    /// Counts a call of Alibaba action `action` at `now`; false: throttle it.
    pub fn alibaba(&mut self, action: &str, now: Instant) -> bool {
        let q = alibaba_quota(action);
        let w = q
            .window
            .mul_f64(self.alibaba_scale)
            .max(Duration::from_millis(1));
        let (index, _) = self.window(now, w);
        let slot = self.alibaba.entry(action.to_string()).or_insert((index, 0));
        if slot.0 != index {
            *slot = (index, 0);
        }
        if slot.1 < q.calls {
            slot.1 += 1;
            true
        } else {
            self.refused += 1;
            false
        }
    }

    /// The index of the fixed window of length `w` holding `now`, and the time left in it.
    fn window(&self, now: Instant, w: Duration) -> (u64, Duration) {
        let since = now.saturating_duration_since(self.epoch).as_nanos();
        let w_ns = w.as_nanos().max(1);
        let index = since / w_ns;
        let left = w_ns - since % w_ns;
        (
            u64::try_from(index).unwrap_or(u64::MAX),
            Duration::from_nanos(u64::try_from(left).unwrap_or(u64::MAX)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_key_gets_its_hundred_per_window_then_429_until_the_reset() {
        let t0 = Instant::now();
        let mut l = RateLimits::new(t0, Some(Duration::from_secs(6)));
        for i in 0..100 {
            let q = l.tidb("k", t0 + Duration::from_millis(10));
            assert!(
                q.allowed && q.remaining == 99 - i && q.reset_secs == 6,
                "{q:?}"
            );
        }
        let q = l.tidb("k", t0 + Duration::from_millis(4_500));
        assert!(!q.allowed && q.remaining == 0 && q.reset_secs == 2, "{q:?}");
        assert!(l.tidb("other", t0).allowed, "per key");
        assert!(
            l.tidb("k", t0 + Duration::from_secs(6)).allowed,
            "a new window"
        );
        assert_eq!(l.refused, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn alibaba_reads_are_limited_per_action_per_second() {
        let t0 = Instant::now();
        let mut l = RateLimits::new(t0, None);
        assert!((0..20).all(|_| l.alibaba("ListListeners", t0)));
        assert!(!l.alibaba("ListListeners", t0));
        assert!(l.alibaba("GetLoadBalancerAttribute", t0), "per action");
        assert!(l.alibaba("ListListeners", t0 + Duration::from_secs(1)));
    }
}
