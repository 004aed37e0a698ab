//! Seeded fault injection and call statistics.

use std::collections::BTreeMap;
use std::time::Duration;

/// A transient failure (or odd-but-valid answer) chosen for one call.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Alibaba 400 `Throttling.User`, optionally with `x-acs-retry-after` (ms).
    Throttle { retry_after_ms: Option<u64> },
    /// 503 `ServiceUnavailable`.
    Unavailable,
    /// 500 `InternalError`.
    Internal,
    /// TiDB 429 with `X-Ratelimit-*` headers and code 49900007.
    RateLimited,
    /// The connection is closed without a complete response.
    Drop,
    /// A real answer, late.
    Slow(Duration),
    /// A real answer in which List* results omit resources created in the last window.
    Eventual(Duration),
    /// An error the real API answers, aimed at one action (`POST /_sim/faults
    /// {"action": …, "code": …}`): the status and message follow the code.
    Code(String),
}

/// A fault aimed at one action or TiDB route (`ListListeners`,
/// `GET /v1beta1/clusters/{id}`): its next `remaining` calls (every call when `None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Targeted {
    pub action: String,
    pub fault: Fault,
    pub remaining: Option<u64>,
    /// Answers until then (`for_ms`), then is spent; `None`: until `remaining` runs out.
    pub until: Option<tokio::time::Instant>,
}

/// The HTTP status the official metadata gives `code` for `action` (any product), or 400 for
/// a code the action table lists as busy for it (known from Terraform's retry lists, absent
/// from the metadata, e.g. `ConcurrentCallNotSupported`).
pub fn documented_code(action: &str, code: &str) -> Option<u16> {
    use crate::cloud::aliyun::Action;
    static META: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let meta = META.get_or_init(|| {
        serde_json::from_str(include_str!("../../assets/alibaba-api-meta.json")).unwrap_or_default()
    });
    let listed = meta["products"].as_object().and_then(|products| {
        products.values().find_map(|p| {
            p["actions"][action]["errors"]
                .as_array()?
                .iter()
                .find(|e| e["code"] == code)
                .and_then(|e| e["http"].as_u64())
        })
    });
    if let Some(st) = listed {
        return Some(st as u16);
    }
    Action::is_busy_by_name(action, code).then_some(400)
}

/// The codes a targeted fault may answer with, as the real APIs send them: (code, HTTP
/// status, message). `drop` closes the connection; `slow:MS` answers late.
pub const TARGETED_CODES: &[(&str, u16, &str)] = &[
    (
        "ServiceUnavailable",
        503,
        "The request has failed due to a temporary failure of the server.",
    ),
    (
        "InternalError",
        500,
        "The request processing has failed due to some unknown error.",
    ),
    (
        "Throttling.User",
        400,
        "Request was denied due to user flow control.",
    ),
    (
        "SignatureDoesNotMatch",
        400,
        "Specified signature is not matched with our calculation.",
    ),
    (
        "InvalidAccessKeyId.NotFound",
        404,
        "Specified access key is not found.",
    ),
    (
        "InvalidSecurityToken.Expired",
        400,
        "Specified SecurityToken is expired.",
    ),
    (
        "Forbidden.RAM",
        403,
        "User not authorized to operate on the specified resource, or this API does not support RAM.",
    ),
    (
        "RateLimited",
        429,
        "The request exceeded the limit of 100 times per apikey per minute.",
    ),
];

impl Fault {
    /// A short name for logs and stats.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Throttle { .. } => "throttle",
            Fault::Unavailable => "unavailable",
            Fault::Internal => "internal",
            Fault::RateLimited => "rate-limited",
            Fault::Drop => "drop",
            Fault::Slow(_) => "slow",
            Fault::Eventual(_) => "eventual",
            Fault::Code(_) => "targeted",
        }
    }
}

/// Mutable control plane of the simulator: fault settings, the fault RNG and counters.
pub struct Control {
    pub fault_rate: f64,
    pub stall_ms: u64,
    rng: fastrand::Rng,
    pub calls: BTreeMap<String, u64>,
    pub faults: BTreeMap<String, u64>,
    pub faults_injected: u64,
    pub total_calls: u64,
    /// Faults aimed at one action, tried before the random ones.
    pub targeted: Vec<Targeted>,
}

impl Control {
    /// Fault decisions are drawn from an RNG seeded with `seed`.
    pub fn new(seed: u64, fault_rate: f64) -> Self {
        Control {
            fault_rate: fault_rate.clamp(0.0, 1.0),
            stall_ms: 0,
            rng: fastrand::Rng::with_seed(seed ^ 0x5eed_fa17),
            calls: BTreeMap::new(),
            faults: BTreeMap::new(),
            faults_injected: 0,
            total_calls: 0,
            targeted: Vec::new(),
        }
    }

    /// Counts one call and maybe picks a fault for it; only a read (`is_read`) can be served
    /// stale (`Eventual`).
    pub fn on_call(&mut self, name: &str, tidb: bool, is_read: bool) -> Option<Fault> {
        *self.calls.entry(name.to_string()).or_default() += 1;
        self.total_calls += 1;
        let now = tokio::time::Instant::now();
        self.targeted.retain(|t| t.until.is_none_or(|u| now < u));
        if let Some(t) = self
            .targeted
            .iter_mut()
            .find(|t| t.action == name && t.remaining != Some(0))
        {
            if let Some(n) = &mut t.remaining {
                *n -= 1;
            }
            let f = t.fault.clone();
            self.faults_injected += 1;
            *self.faults.entry(f.name().to_string()).or_default() += 1;
            return Some(f);
        }
        if self.fault_rate <= 0.0 || self.rng.f64() >= self.fault_rate {
            return None;
        }
        let fault = loop {
            let f = match self.rng.u32(0..6) {
                0 if tidb => Fault::RateLimited,
                0 => Fault::Throttle {
                    retry_after_ms: self.rng.bool().then(|| 500 + self.rng.u64(0..1500)),
                },
                1 => Fault::Unavailable,
                2 => Fault::Internal,
                3 => Fault::Drop,
                4 => Fault::Slow(Duration::from_millis(1_500 + self.rng.u64(0..2_000))),
                _ if is_read => Fault::Eventual(Duration::from_millis(3_000)),
                _ => continue,
            };
            break f;
        };
        self.faults_injected += 1;
        *self.faults.entry(fault.name().to_string()).or_default() += 1;
        Some(fault)
    }

    /// `GET /_sim/stats`.
    pub fn stats_json(&self) -> serde_json::Value {
        serde_json::json!({
            "calls": self.calls,
            "faults_injected": self.faults_injected,
            "faults_by_kind": self.faults,
            "total_calls": self.total_calls,
            "fault_rate": self.fault_rate,
            "stall_ms": self.stall_ms,
            "targeted": self.targeted.iter().map(|t| serde_json::json!({
                "action": t.action, "fault": format!("{:?}", t.fault), "remaining": t.remaining,
                "for_ms_left": t.until.map(|u| u.saturating_duration_since(tokio::time::Instant::now()).as_millis() as u64)})).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_proportional() {
        let mut a = Control::new(7, 0.3);
        let mut b = Control::new(7, 0.3);
        let fa: Vec<_> = (0..200).map(|_| a.on_call("X", false, true)).collect();
        let fb: Vec<_> = (0..200).map(|_| b.on_call("X", false, true)).collect();
        assert_eq!(fa, fb);
        let n = fa.iter().filter(|f| f.is_some()).count();
        assert!((30..90).contains(&n), "{n}");
        let mut none = Control::new(1, 0.0);
        assert!((0..100).all(|_| none.on_call("X", true, false).is_none()));
        assert_eq!(none.total_calls, 100);
    }
}
