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
        }
    }

    /// `{name: milliseconds}` for `GET /_sim/state`.
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
        })
    }
}
