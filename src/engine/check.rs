//! A named check result with evidence and a fix, shared by setup's pre-flight and doctor.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Broken: the evidence proves it; must be fixed.
    Fail,
    /// tilink could not look (throttled, 5xx, timeout, refused signature or permission on
    /// the read): nothing is known about this link, least of all that it is broken.
    Unknown,
    /// Being modified right now (a documented transient state: `Configuring`, `Pending`,
    /// `Provisioning`…): neither broken nor known to work; look again shortly. `--fix`
    /// never writes to such a link.
    Changing,
    /// Works, with a risk worth knowing.
    Warn,
    /// Could not run (the reason is in `detail`).
    Skip,
    /// Works: the evidence shows it as it must be.
    Pass,
}

impl Status {
    /// A short tag for text output.
    pub fn tag(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Unknown => "UNKNOWN",
            Status::Changing => "CHANGING",
            Status::Skip => "SKIP",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A check's stable id, serialised as its kebab-case name (`zone-overlap`): the JSON
/// contract's `id`, `caused_by` and `root_causes`. Doctor's checks are declared once, in
/// `engine::doctor::checks::registry::TABLE`; the last five are pre-flight's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// Both clouds accept the keys.
    Credentials,
    /// Cluster, endpoint service, NLB and RDS share one region.
    RegionMatch,
    /// The RDS instance can be the source (running MySQL primary in a VPC).
    RdsStatus,
    /// The RDS instance has a private (VPC) address and port.
    RdsEndpoint,
    /// The RDS allowlist admits the NLB's vSwitch CIDRs.
    RdsAllowlist,
    /// The server group's backend is the RDS private address.
    BackendIp,
    /// The server group is an IP/TCP group with a health check and a backend.
    ServerGroup,
    /// The NLB is Active, unlocked, cross-zone.
    NlbStatus,
    /// NLB zones overlap TiDB Cloud's.
    ZoneOverlap,
    /// A running TCP listener forwards to the server group.
    Listener,
    /// The NLB's health checks reach the backend.
    BackendHealth,
    /// The endpoint service is Active with auto-accept off.
    EndpointService,
    /// The service is attached in TiDB Cloud's zones.
    ServiceZones,
    /// TiDB Cloud's account is on the service whitelist.
    ServiceWhitelist,
    /// One private link connection per endpoint service.
    SeveralPlcs,
    /// Connection requests from accounts not on the whitelist.
    ForeignConnections,
    /// TiDB Cloud's endpoint connection is Connected.
    ConnectionState,
    /// The private link connection is ACTIVE.
    PlcState,
    /// A MySQL login through the NLB (`--probe` only).
    DataPath,
    /// Changefeeds and DM tasks that run through the connection.
    Dependents,
    /// Pre-flight: the cluster is an ACTIVE Essential cluster on Alibaba Cloud.
    Cluster,
    /// Pre-flight: PrivateLink is activated on the account.
    PrivatelinkActivated,
    /// Pre-flight: NLB and endpoint-service quota headroom.
    Quota,
    /// Pre-flight: a private link connection to adopt.
    ExistingPlc,
    /// Pre-flight: the creates pass their dry run (RAM permissions).
    Permissions,
}

impl CheckId {
    /// Every id: doctor's in the contract order, then pre-flight's own.
    pub const ALL: [CheckId; 25] = [
        CheckId::Credentials,
        CheckId::RegionMatch,
        CheckId::RdsStatus,
        CheckId::RdsEndpoint,
        CheckId::RdsAllowlist,
        CheckId::BackendIp,
        CheckId::ServerGroup,
        CheckId::NlbStatus,
        CheckId::ZoneOverlap,
        CheckId::Listener,
        CheckId::BackendHealth,
        CheckId::EndpointService,
        CheckId::ServiceZones,
        CheckId::ServiceWhitelist,
        CheckId::SeveralPlcs,
        CheckId::ForeignConnections,
        CheckId::ConnectionState,
        CheckId::PlcState,
        CheckId::DataPath,
        CheckId::Dependents,
        CheckId::Cluster,
        CheckId::PrivatelinkActivated,
        CheckId::Quota,
        CheckId::ExistingPlc,
        CheckId::Permissions,
    ];

    /// The contract id (`zone-overlap`), as JSON and text print it.
    pub fn as_str(self) -> &'static str {
        use CheckId as C;
        match self {
            C::Credentials => "credentials",
            C::RegionMatch => "region-match",
            C::RdsStatus => "rds-status",
            C::RdsEndpoint => "rds-endpoint",
            C::RdsAllowlist => "rds-allowlist",
            C::BackendIp => "backend-ip",
            C::ServerGroup => "server-group",
            C::NlbStatus => "nlb-status",
            C::ZoneOverlap => "zone-overlap",
            C::Listener => "listener",
            C::BackendHealth => "backend-health",
            C::EndpointService => "endpoint-service",
            C::ServiceZones => "service-zones",
            C::ServiceWhitelist => "service-whitelist",
            C::SeveralPlcs => "several-plcs",
            C::ForeignConnections => "foreign-connections",
            C::ConnectionState => "connection-state",
            C::PlcState => "plc-state",
            C::DataPath => "data-path",
            C::Dependents => "dependents",
            C::Cluster => "cluster",
            C::PrivatelinkActivated => "privatelink-activated",
            C::Quota => "quota",
            C::ExistingPlc => "existing-plc",
            C::Permissions => "permissions",
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so a column width (`{:<w$}`) applies.
        f.pad(self.as_str())
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One check: `{"id", "status", "title", "detail", "evidence", "fix"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable id (`zone-overlap`, `backend-ip`, …).
    pub id: CheckId,
    /// pass / warn / fail / skip.
    pub status: Status,
    /// One line.
    pub title: String,
    /// What was found, in words.
    pub detail: String,
    /// The values compared (ids, states, addresses).
    pub evidence: serde_json::Value,
    /// What to do; `None` when nothing needs doing.
    pub fix: Option<String>,
    /// The failing check this one follows from (its root cause), when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<CheckId>,
}

impl Check {
    /// A check with no evidence and no fix.
    pub fn new(
        id: CheckId,
        status: Status,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        // Titles and details carry what clouds and servers said (names, greetings, error
        // texts): never a raw control character on a terminal.
        Check {
            id,
            status,
            title: crate::wire::printable::clean(&title.into()),
            detail: crate::wire::printable::clean(&detail.into()),
            evidence: serde_json::Value::Null,
            fix: None,
            caused_by: None,
        }
    }

    /// Adds evidence.
    pub fn evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = evidence;
        self
    }

    /// Adds a fix.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(crate::wire::printable::clean(&fix.into()));
        self
    }

    /// A skipped check explaining why it could not run.
    pub fn skip(id: CheckId, title: impl Into<String>, why: impl Into<String>) -> Self {
        Check::new(id, Status::Skip, title, why)
    }
}

/// True when no check failed.
pub fn all_ok(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 29: JSON carries each id exactly as the string ids did (`as_str`), and reads
    /// it back.
    #[test]
    fn ids_serialise_as_their_contract_names() {
        for id in CheckId::ALL {
            let json = serde_json::to_value(id).unwrap();
            assert_eq!(json, serde_json::json!(id.as_str()));
            assert_eq!(serde_json::from_value::<CheckId>(json).unwrap(), id);
            assert_eq!(format!("{id:<24}|").len(), 25, "{id}: Display pads");
        }
    }
}
