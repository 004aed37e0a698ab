//! A client-side request rate limit shared by every call of a client (doctor's fleet mode
//! walks many chains at once; clouds throttle per account).

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

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
