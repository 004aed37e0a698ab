//! Simulated time: monotonic `tokio::time::Instant` (so paused-time tests work) plus a
//! `time_scale` applied to every provisioning delay.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

/// The simulator clock.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    scale: f64,
}

impl Clock {
    /// A clock whose delays are multiplied by `scale` (0.05 = twenty times faster).
    pub fn new(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale >= 0.0 {
            scale
        } else {
            1.0
        };
        Clock { scale }
    }

    /// Monotonic now.
    pub fn now(&self) -> Instant {
        Instant::now()
    }

    /// A realistic delay of `base_ms`, scaled.
    pub fn delay(&self, base_ms: u64) -> Duration {
        Duration::from_secs_f64(base_ms as f64 / 1000.0 * self.scale)
    }
}

/// Wall-clock time as `yyyy-MM-ddTHH:mm:ssZ`.
pub fn wall_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Wall-clock time with milliseconds, as TiDB Cloud prints it.
pub fn wall_rfc3339_millis() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// Provisioning delays, already scaled. Base magnitudes follow what the consoles show
/// (NLB ~1 min, endpoint service ~20 s, TiDB endpoint creation ~90 s).
#[derive(Clone, Debug)]
pub struct Delays {
    pub server_group: Duration,
    pub backend_add: Duration,
    pub backend_remove: Duration,
    pub load_balancer: Duration,
    pub listener: Duration,
    pub endpoint_service: Duration,
    pub plc_validate: Duration,
    pub plc_connection: Duration,
    pub connection_accept: Duration,
    pub connection_disable: Duration,
    pub plc_active: Duration,
    pub server_group_delete: Duration,
    pub listener_delete: Duration,
    pub load_balancer_delete: Duration,
    pub endpoint_service_delete: Duration,
    pub plc_delete: Duration,
    /// A load balancer's `Configuring` after a listener change (behaviour `lb-configuring`).
    pub lb_configuring: Duration,
    /// An endpoint service's `Pending` after an attach or detach (`service-pending`).
    pub service_pending: Duration,
    /// How long a Get may miss a new resource (`get-lag`; each resource draws its own).
    pub get_lag: Duration,
    /// A connection's `Pending` after an enable (`connection-pending`).
    pub connection_pending: Duration,
    /// An RDS instance's settling after an allowlist write (`rds-settling`).
    pub rds_settle: Duration,
    /// The period within which a repeated call is refused (`repeat-refusal`).
    pub repeat_window: Duration,
    /// How long after the connection request TiDB Cloud reports the endpoint id
    /// (`endpoint-id-late`).
    pub endpoint_id_lag: Duration,
    /// σ of the log-normal each drawn delay follows (0: every delay is its median).
    pub jitter: f64,
}

impl Delays {
    /// The default profile scaled by `clock`.
    pub fn new(clock: &Clock) -> Self {
        Delays {
            server_group: clock.delay(5_000),
            backend_add: clock.delay(5_000),
            backend_remove: clock.delay(5_000),
            load_balancer: clock.delay(60_000),
            listener: clock.delay(10_000),
            endpoint_service: clock.delay(20_000),
            plc_validate: clock.delay(10_000),
            plc_connection: clock.delay(90_000),
            connection_accept: clock.delay(30_000),
            connection_disable: clock.delay(10_000),
            plc_active: clock.delay(5_000),
            server_group_delete: clock.delay(5_000),
            listener_delete: clock.delay(5_000),
            load_balancer_delete: clock.delay(15_000),
            endpoint_service_delete: clock.delay(20_000),
            plc_delete: clock.delay(15_000),
            lb_configuring: clock.delay(5_000),
            service_pending: clock.delay(10_000),
            get_lag: clock.delay(2_000),
            connection_pending: clock.delay(3_000),
            rds_settle: clock.delay(3_000),
            repeat_window: clock.delay(5_000),
            endpoint_id_lag: clock.delay(5_000),
            jitter: 0.0,
        }
    }

    /// One provisioning delay: `median` itself without jitter, else `median · e^(σ·z)` with
    /// `z` a standard normal drawn from `rng` (Box–Muller, clamped to ±4σ so one unlucky
    /// draw cannot stall a run for hours). The median of the draws is `median`.
    pub fn draw(&self, rng: &mut fastrand::Rng, median: Duration) -> Duration {
        if !(self.jitter.is_finite() && self.jitter > 0.0) {
            return median;
        }
        let u1 = 1.0 - rng.f64(); // (0, 1]: ln is finite
        let u2 = rng.f64();
        let z = ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()).clamp(-4.0, 4.0);
        median.mul_f64((self.jitter * z).exp())
    }

    /// `{name: milliseconds}` for `GET /_sim/state`: the profile's medians (with jitter, each
    /// resource shows the delay it actually drew as its own `delay_ms`).
    pub fn to_json(&self) -> serde_json::Value {
        let ms = |d: Duration| d.as_millis() as u64;
        serde_json::json!({
            "server_group": ms(self.server_group),
            "backend_add": ms(self.backend_add),
            "backend_remove": ms(self.backend_remove),
            "load_balancer": ms(self.load_balancer),
            "listener": ms(self.listener),
            "endpoint_service": ms(self.endpoint_service),
            "plc_validate": ms(self.plc_validate),
            "plc_connection": ms(self.plc_connection),
            "connection_accept": ms(self.connection_accept),
            "connection_disable": ms(self.connection_disable),
            "plc_active": ms(self.plc_active),
            "server_group_delete": ms(self.server_group_delete),
            "listener_delete": ms(self.listener_delete),
            "load_balancer_delete": ms(self.load_balancer_delete),
            "endpoint_service_delete": ms(self.endpoint_service_delete),
            "plc_delete": ms(self.plc_delete),
            "lb_configuring": ms(self.lb_configuring),
            "service_pending": ms(self.service_pending),
            "get_lag": ms(self.get_lag),
            "connection_pending": ms(self.connection_pending),
            "rds_settle": ms(self.rds_settle),
            "repeat_window": ms(self.repeat_window),
            "endpoint_id_lag": ms(self.endpoint_id_lag),
            "jitter": self.jitter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_jitter_draws_the_profile() {
        let d = Delays::new(&Clock::new(1.0));
        let mut rng = fastrand::Rng::with_seed(7);
        assert_eq!(d.draw(&mut rng, d.load_balancer), d.load_balancer);
    }

    #[test]
    fn jitter_is_log_normal_around_the_median_and_reproducible() {
        let mut d = Delays::new(&Clock::new(1.0));
        d.jitter = 0.5;
        let median = Duration::from_secs(60);
        let draws = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..4001)
                .map(|_| d.draw(&mut rng, median))
                .collect::<Vec<_>>()
        };
        let a = draws(3);
        assert_eq!(a, draws(3), "same seed, same draws");
        assert_ne!(a, draws(4));
        let mut logs: Vec<f64> = a
            .iter()
            .map(|x| (x.as_secs_f64() / median.as_secs_f64()).ln())
            .collect();
        logs.sort_by(f64::total_cmp);
        let n = logs.len() as f64;
        let mean = logs.iter().sum::<f64>() / n;
        let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(logs[2000].abs() < 0.05, "median of ln ratio {}", logs[2000]);
        assert!((sd - 0.5).abs() < 0.03, "σ of ln ratio {sd}");
    }
}
