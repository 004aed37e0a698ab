//! The one table of doctor's checks: each check's id, the function that runs it, the pieces
//! of the chain it reads, the checks whose failure explains its own, and the fix that
//! repairs it. The run order, the `unknown` rule, the root-cause links and
//! `Fix::check_id` are all read off [`TABLE`].

use super::super::dependents;
use super::super::facts::{ChainFacts, Piece};
use super::super::fix::FixKind;
use super::{backend, connection, credentials, nlb, plc, rds, region, service, zones};
use crate::engine::check::{Check, CheckId, Status};
use serde_json::json;
use std::sync::OnceLock;

/// How a check runs.
#[derive(Clone, Copy)]
pub enum Run {
    /// A pure function of the chain's facts.
    Facts(fn(&ChainFacts) -> Check),
    /// Added by the data-path probe (`engine::doctor::add_probe`), only with `--probe`.
    Probe,
}

/// One doctor check, declared once.
#[derive(Clone, Copy)]
pub struct CheckDef {
    /// Its contract id.
    pub id: CheckId,
    /// How it runs.
    pub run: Run,
    /// The facts it reads: when one of them could not be looked at, the check is unknown
    /// (it may not pass or fail on half the evidence).
    pub needs: &'static [Piece],
    /// The checks whose failure explains a failure of this one (its possible causes).
    pub depends_on: &'static [CheckId],
    /// The fix `doctor --fix` applies for it, if any.
    pub fix: Option<FixKind>,
}

use CheckId as C;
use Piece as P;

/// Every doctor check. Listed in the order reports show them when dependencies allow: the
/// data path outwards (credentials and regions, the RDS instance, the backend, the NLB and
/// its zones, the listener and its health, the endpoint service, then TiDB Cloud's side);
/// [`order`] sorts it so that every check comes after the checks it depends on.
pub const TABLE: &[CheckDef] = &[
    CheckDef {
        id: C::Credentials,
        run: Run::Facts(credentials::check),
        needs: &[],
        depends_on: &[],
        fix: None,
    },
    CheckDef {
        id: C::RegionMatch,
        run: Run::Facts(region::check),
        needs: &[P::Cluster],
        depends_on: &[],
        fix: None,
    },
    CheckDef {
        id: C::RdsStatus,
        run: Run::Facts(rds::status),
        needs: &[P::Rds],
        depends_on: &[],
        fix: None,
    },
    CheckDef {
        id: C::RdsEndpoint,
        run: Run::Facts(rds::endpoint),
        needs: &[P::Rds],
        depends_on: &[C::RdsStatus],
        fix: None,
    },
    CheckDef {
        id: C::RdsAllowlist,
        run: Run::Facts(rds::allowlist),
        needs: &[P::Rds, P::Lb, P::Vswitches],
        depends_on: &[],
        fix: Some(FixKind::Allowlist),
    },
    CheckDef {
        id: C::BackendIp,
        run: Run::Facts(backend::ip),
        needs: &[P::Rds, P::Servers],
        depends_on: &[C::RdsEndpoint, C::RdsStatus],
        fix: Some(FixKind::Reconcile),
    },
    CheckDef {
        id: C::ServerGroup,
        run: Run::Facts(backend::server_group),
        needs: &[P::Lb, P::Listeners, P::ServerGroups, P::Servers],
        depends_on: &[],
        fix: None,
    },
    CheckDef {
        id: C::NlbStatus,
        run: Run::Facts(nlb::status),
        needs: &[P::Lb],
        depends_on: &[],
        fix: None,
    },
    CheckDef {
        id: C::ZoneOverlap,
        run: Run::Facts(zones::overlap),
        needs: &[P::Lb, P::Tidb],
        depends_on: &[C::NlbStatus],
        fix: None,
    },
    CheckDef {
        id: C::Listener,
        run: Run::Facts(nlb::listener),
        needs: &[P::Lb, P::Listeners],
        depends_on: &[C::NlbStatus, C::ServerGroup],
        fix: None,
    },
    CheckDef {
        id: C::BackendHealth,
        run: Run::Facts(backend::health),
        needs: &[P::Listeners, P::Health],
        depends_on: &[
            C::BackendIp,
            C::RdsStatus,
            C::RdsEndpoint,
            C::RdsAllowlist,
            C::ServerGroup,
            C::Listener,
            C::NlbStatus,
        ],
        fix: None,
    },
    CheckDef {
        id: C::EndpointService,
        run: Run::Facts(service::endpoint_service),
        needs: &[P::Service],
        depends_on: &[C::NlbStatus],
        fix: None,
    },
    CheckDef {
        id: C::ServiceZones,
        run: Run::Facts(zones::service_zones),
        needs: &[P::Service, P::Resources, P::Lb, P::Tidb],
        depends_on: &[C::EndpointService, C::NlbStatus, C::ZoneOverlap],
        fix: Some(FixKind::AttachZones),
    },
    CheckDef {
        id: C::ServiceWhitelist,
        run: Run::Facts(service::whitelist),
        needs: &[P::Service, P::Users, P::Tidb],
        depends_on: &[C::EndpointService],
        fix: Some(FixKind::Whitelist),
    },
    CheckDef {
        id: C::SeveralPlcs,
        run: Run::Facts(plc::several_plcs),
        needs: &[],
        depends_on: &[],
        fix: Some(FixKind::RemovePlcs),
    },
    CheckDef {
        id: C::ForeignConnections,
        run: Run::Facts(connection::foreign),
        needs: &[P::Service, P::Connections, P::Tidb],
        depends_on: &[],
        fix: None,
    },
    CheckDef {
        id: C::ConnectionState,
        run: Run::Facts(connection::state),
        needs: &[P::Service, P::Connections],
        depends_on: &[
            C::ServiceWhitelist,
            C::EndpointService,
            C::ServiceZones,
            C::ZoneOverlap,
            C::RegionMatch,
        ],
        fix: Some(FixKind::Accept),
    },
    CheckDef {
        id: C::PlcState,
        run: Run::Facts(plc::state),
        needs: &[],
        depends_on: &[
            C::ConnectionState,
            C::ServiceWhitelist,
            C::EndpointService,
            C::ServiceZones,
            C::ZoneOverlap,
            C::RegionMatch,
            C::BackendHealth,
        ],
        fix: None,
    },
    CheckDef {
        id: C::DataPath,
        run: Run::Probe,
        needs: &[],
        depends_on: &[
            C::RdsAllowlist,
            C::BackendIp,
            C::Listener,
            C::BackendHealth,
            C::ServerGroup,
            C::NlbStatus,
            C::RdsStatus,
            C::RdsEndpoint,
        ],
        fix: None,
    },
    CheckDef {
        id: C::Dependents,
        run: Run::Facts(dependents::check),
        needs: &[],
        depends_on: &[
            C::DataPath,
            C::PlcState,
            C::ConnectionState,
            C::BackendHealth,
            C::RdsAllowlist,
            C::Listener,
            C::ServerGroup,
            C::BackendIp,
            C::ServiceWhitelist,
            C::ServiceZones,
            C::EndpointService,
            C::ZoneOverlap,
            C::NlbStatus,
            C::RdsEndpoint,
            C::RdsStatus,
            C::RegionMatch,
        ],
        fix: None,
    },
];

/// A check's row in [`TABLE`]; `None` for pre-flight's own ids.
pub fn def(id: CheckId) -> Option<&'static CheckDef> {
    TABLE.iter().find(|d| d.id == id)
}

/// The checks whose failure explains a failure of `id` (its possible causes).
pub fn depends_on(id: CheckId) -> &'static [CheckId] {
    def(id).map_or(&[], |d| d.depends_on)
}

/// The facts `id` reads.
pub fn needs(id: CheckId) -> &'static [Piece] {
    def(id).map_or(&[], |d| d.needs)
}

/// The check a fix repairs.
pub fn fixed_by(kind: FixKind) -> Option<CheckId> {
    TABLE.iter().find(|d| d.fix == Some(kind)).map(|d| d.id)
}

/// A dependency cycle among checks (names one check on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the doctor checks depend on each other in a cycle through {0}")]
pub struct Cycle(pub CheckId);

/// `table` sorted so every check follows the checks it depends on, otherwise kept in
/// table order (a stable topological sort: each step takes the first check whose causes
/// are all placed). A dependency on an id not in the table is ignored.
pub fn sorted(table: &[CheckDef]) -> Result<Vec<CheckId>, Cycle> {
    let mut out: Vec<CheckId> = Vec::with_capacity(table.len());
    let mut left: Vec<&CheckDef> = table.iter().collect();
    while !left.is_empty() {
        let ready = left.iter().position(|d| {
            d.depends_on
                .iter()
                .all(|c| out.contains(c) || !table.iter().any(|t| t.id == *c))
        });
        match ready {
            Some(i) => out.push(left.remove(i).id),
            None => return Err(Cycle(left[0].id)),
        }
    }
    Ok(out)
}

/// The contract order, causes before symptoms: the first failure in a report is a root
/// cause.
pub fn order() -> &'static [CheckId] {
    static ORDER: OnceLock<Vec<CheckId>> = OnceLock::new();
    // `the_table_is_acyclic` proves this never panics.
    ORDER.get_or_init(|| sorted(TABLE).expect("doctor's check table is acyclic"))
}

/// Every check, causes before symptoms, each failure linked to its root cause.
pub fn run_checks(f: &ChainFacts) -> Vec<Check> {
    let mut out: Vec<Check> = order()
        .iter()
        .filter_map(|id| def(*id))
        .filter_map(|d| match d.run {
            Run::Facts(run) => Some(unknown_if_unseen(f, d, run(f))),
            Run::Probe => None,
        })
        .collect();
    link_causes(&mut out);
    dependents::word_root(&mut out);
    out
}

/// A check that read a fact tilink could not look at is unknown: it names the call and the
/// error, and its fix is about the look.
fn unknown_if_unseen(f: &ChainFacts, d: &CheckDef, c: Check) -> Check {
    let Some((piece, look)) = d.needs.iter().find_map(|p| f.unknown(*p).map(|l| (p, l))) else {
        return c;
    };
    // The computed title may describe a failure read off an empty answer ("No TCP
    // listener"); an unknown check says only that it could not look.
    Check::new(
        c.id,
        Status::Unknown,
        format!("could not look ({} failed)", look.call),
        format!("could not look: {} failed: {}", look.call, look.error),
    )
    .evidence(json!({"unreadable": piece.as_str(), "call": look.call, "error": look.error}))
    .fix(look.fix.clone())
}

/// Marks each failing check that follows from another failing one with its root cause.
pub(crate) fn link_causes(checks: &mut [Check]) {
    let failing: Vec<CheckId> = checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.id)
        .collect();
    let root = |id: CheckId| -> Option<CheckId> {
        // Follow failing causes to one with none; at most one step per check, so even a
        // cycle (which `the_table_is_acyclic` rules out) could not loop forever.
        let mut at = id;
        for _ in 0..TABLE.len() {
            match depends_on(at).iter().find(|d| failing.contains(d)) {
                Some(cause) => at = *cause,
                None => break,
            }
        }
        (at != id).then_some(at)
    };
    // Idempotent: a check already linked (doctor links again after adding the probe) keeps
    // its one note.
    for c in checks
        .iter_mut()
        .filter(|c| c.status == Status::Fail && c.caused_by.is_none())
    {
        if let Some(r) = root(c.id) {
            c.detail = format!("{} (follows from {r}, listed above)", c.detail);
            c.caused_by = Some(r);
        }
    }
}

/// The root cause of a report: the first failing check that follows from no other.
pub fn root_cause(checks: &[Check]) -> Option<&Check> {
    checks
        .iter()
        .find(|c| c.status == Status::Fail && c.caused_by.is_none())
}
