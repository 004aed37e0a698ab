//! How the real clouds behave *between* requests, each behaviour switchable by name
//! (`POST /_sim/behaviour {"off": ["get-lag"]}`, `tilink sim --behaviour-off get-lag`) so a
//! test can isolate one. Every behaviour with a source is on by default; the two that no
//! source confirms are assumptions, marked so, and off unless asked for
//! (`{"on": ["rds-keep-one-ip"]}`). `docs/API-BEHAVIOUR.md` gives each one's evidence.

use std::collections::BTreeSet;

/// One behaviour of the real clouds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Behaviour {
    /// A server group is `Configuring` while a backend change settles; backend calls
    /// meanwhile answer `Conflict.Lock` (Terraform retries it for 5 min).
    ServerGroupLock,
    /// A load balancer is `Configuring` while a listener is created or deleted on it; a
    /// delete meanwhile answers `ResourceInConfiguring.loadbalancer`.
    LoadBalancerConfiguring,
    /// An endpoint service is `Pending` after an attach or a detach; attach, detach, the
    /// whitelist and enable/disable meanwhile answer `EndpointServiceOperationDenied`.
    ServicePending,
    /// Attach, detach, enable, disable and delete cannot be repeated on the same resource
    /// within a period (`ConcurrentCallNotSupported`; SDK 3.0.1 usage notes).
    RepeatRefusal,
    /// `DeleteVpcEndpointService` is asynchronous (`Deleting`), and a delete of a service
    /// already `Deleting` is refused with `EndpointServiceOperationDenied`.
    ServiceDeleteAsync,
    /// A connection shows `Pending` (being modified) for a moment after an enable, before
    /// `Connecting`; an enable meanwhile answers `EndpointConnectionOperationDenied`.
    ConnectionPending,
    /// A Get right after a create may not see the resource yet (404 / not found) for a short,
    /// drawn time. Unverified that the real Gets lag; Terraform's waits tolerate it.
    GetLag,
    /// Assumption: an allowlist write briefly takes the RDS instance out of `Running`, and a
    /// second write meanwhile answers 403 `IncorrectDBInstanceState` (Terraform waits for
    /// `Running` after every ModifySecurityIps).
    RdsSettling,
    /// Assumption (off by default): a `ModifyMode=Delete` that would leave a group empty is
    /// refused with 400 `SecurityIPList.Format` ("you must retain at least one IP address").
    RdsKeepOneIp,
    /// A deleted TiDB PLC stays `DELETING` for a while before it is gone (a documented state).
    PlcDeleting,
    /// TiDB Cloud reports `alicloudEndpointService.endpointId` a little after the connection
    /// request appears (its timing is undocumented).
    EndpointIdLate,
    /// The clouds' request rate limits: TiDB Cloud's 100 requests per minute and API key
    /// (429 with `X-Ratelimit-*`), Alibaba's per-action flow control (`Throttling.User`).
    /// Values and sources in `cloud::limits`.
    RateLimits,
}

impl Behaviour {
    /// Every behaviour.
    pub const ALL: &'static [Behaviour] = &[
        Behaviour::ServerGroupLock,
        Behaviour::LoadBalancerConfiguring,
        Behaviour::ServicePending,
        Behaviour::RepeatRefusal,
        Behaviour::ServiceDeleteAsync,
        Behaviour::ConnectionPending,
        Behaviour::GetLag,
        Behaviour::RdsSettling,
        Behaviour::RdsKeepOneIp,
        Behaviour::PlcDeleting,
        Behaviour::EndpointIdLate,
        Behaviour::RateLimits,
    ];

    /// Its name in the admin API and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Behaviour::ServerGroupLock => "server-group-lock",
            Behaviour::LoadBalancerConfiguring => "lb-configuring",
            Behaviour::ServicePending => "service-pending",
            Behaviour::RepeatRefusal => "repeat-refusal",
            Behaviour::ServiceDeleteAsync => "service-delete-async",
            Behaviour::ConnectionPending => "connection-pending",
            Behaviour::GetLag => "get-lag",
            Behaviour::RdsSettling => "rds-settling",
            Behaviour::RdsKeepOneIp => "rds-keep-one-ip",
            Behaviour::PlcDeleting => "plc-deleting",
            Behaviour::EndpointIdLate => "endpoint-id-late",
            Behaviour::RateLimits => "rate-limits",
        }
    }

    /// On unless asked otherwise (the assumption that changes what teardown leaves is off).
    pub fn default_on(self) -> bool {
        !matches!(self, Behaviour::RdsKeepOneIp)
    }

    /// The behaviour called `name`.
    pub fn parse(name: &str) -> Option<Behaviour> {
        Behaviour::ALL.iter().copied().find(|b| b.name() == name)
    }
}

/// Which behaviours are on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behaviours {
    on: BTreeSet<Behaviour>,
}

impl Default for Behaviours {
    fn default() -> Self {
        Behaviours {
            on: Behaviour::ALL
                .iter()
                .copied()
                .filter(|b| b.default_on())
                .collect(),
        }
    }
}

impl Behaviours {
    /// True when `b` is on.
    pub fn on(&self, b: Behaviour) -> bool {
        self.on.contains(&b)
    }

    /// Switches `b`.
    pub fn set(&mut self, b: Behaviour, on: bool) {
        if on {
            self.on.insert(b);
        } else {
            self.on.remove(&b);
        }
    }

    /// Switches behaviours by name (`all` names every one); an unknown name is an error that
    /// lists the known ones.
    pub fn set_names<'a>(
        &mut self,
        names: impl IntoIterator<Item = &'a str>,
        on: bool,
    ) -> Result<(), String> {
        for n in names {
            let n = n.trim();
            if n.is_empty() {
                continue;
            }
            if n == "all" {
                for b in Behaviour::ALL {
                    self.set(*b, on);
                }
                continue;
            }
            let b = Behaviour::parse(n).ok_or_else(|| {
                let known: Vec<&str> = Behaviour::ALL.iter().map(|b| b.name()).collect();
                format!(
                    "unknown behaviour {n}: use one of {}, all",
                    known.join(", ")
                )
            })?;
            self.set(b, on);
        }
        Ok(())
    }

    /// `{name: on}` for `GET /_sim/behaviour`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            Behaviour::ALL
                .iter()
                .map(|b| (b.name().to_string(), serde_json::Value::Bool(self.on(*b))))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for b in Behaviour::ALL {
            assert_eq!(Behaviour::parse(b.name()), Some(*b));
        }
        let mut s = Behaviours::default();
        assert!(s.on(Behaviour::GetLag) && !s.on(Behaviour::RdsKeepOneIp));
        s.set_names(["get-lag", "repeat-refusal"], false).unwrap();
        assert!(!s.on(Behaviour::GetLag) && !s.on(Behaviour::RepeatRefusal));
        let e = s.set_names(["nope"], true).unwrap_err();
        assert!(e.contains("server-group-lock"), "{e}");
        s.set_names(["all"], false).unwrap();
        assert!(Behaviour::ALL.iter().all(|b| !s.on(*b)));
    }
}
