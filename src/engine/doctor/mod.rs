//! Doctor: walk an existing chain from either end and say, link by link, what is broken,
//! why, and how to fix it; apply the safe fixes on request.

pub mod checks;
pub mod dependents;
pub mod facts;
pub mod fix;
pub mod piece;
pub mod targets;

use crate::engine::check::{Check, CheckId, Status};
use crate::engine::discover::Clients;
use crate::engine::facts::PlcInfo;
use serde::Serialize;

pub use facts::{ChainFacts, Start, gather};
pub use fix::{Fix, plan_fixes, plan_fixes_held};

/// Doctor's verdict on one chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was examined (`plc-…` or `epsrv-…`).
    pub target: String,
    /// No check failed.
    pub healthy: bool,
    /// Checks, causes before symptoms (`checks::order`).
    pub checks: Vec<Check>,
    /// Fixes doctor can apply.
    pub fixes: Vec<Fix>,
    /// Levels of dependent lookups.
    pub depth: u32,
}

/// A chain's verdict, for every front end to word its own way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict<'a> {
    /// No check failed and every link was looked at.
    Healthy,
    /// At least one check failed; `root` is the first (the root cause).
    Broken {
        /// The root cause.
        root: &'a Check,
        /// Failing checks.
        fails: usize,
        /// Checks that could not look.
        unknown: usize,
    },
    /// The key was refused or may not look (`credentials` failed): nothing is known about
    /// the links, so the chain is not called broken.
    CannotCheck {
        /// The failing `credentials` check.
        root: &'a Check,
        /// Checks that could not look.
        unknown: usize,
    },
    /// Nothing failed, but some links could not be looked at.
    Incomplete {
        /// Checks that could not look.
        unknown: usize,
        /// Links being modified right now.
        changing: usize,
    },
}

impl Report {
    /// Healthy, broken (with its root cause), not checkable with this key, or not fully
    /// checked.
    pub fn verdict(&self) -> Verdict<'_> {
        let count = |s: Status| self.checks.iter().filter(|c| c.status == s).count();
        let (fails, unknown) = (count(Status::Fail), count(Status::Unknown));
        let changing = count(Status::Changing);
        // The first link proven broken is the root cause, even when the key also failed (it
        // was read with the calls the key may make); a failed key alone leaves the chain
        // uncheckable, never broken.
        let link = self.checks.iter().find(|c| {
            c.status == Status::Fail && c.caused_by.is_none() && c.id != CheckId::Credentials
        });
        match (link, checks::root_cause(&self.checks)) {
            (Some(root), _) => Verdict::Broken {
                root,
                fails,
                unknown,
            },
            (None, Some(root)) => Verdict::CannotCheck { root, unknown },
            (None, None) if unknown + changing > 0 => Verdict::Incomplete { unknown, changing },
            (None, None) => Verdict::Healthy,
        }
    }
}

/// Examines one chain.
pub async fn examine(c: &Clients, start: &Start) -> (ChainFacts, Report) {
    let f = gather(c, start).await;
    let mut checks = checks::run_checks(&f);
    let (fixes, held) = plan_fixes_held(&f, &checks);
    // A fix held back says so on its check, with the link it waits for.
    for (fix, blockers) in held {
        if let Some(c) = checks.iter_mut().find(|c| c.id == fix.check_id()) {
            let note = format!(
                "held back: {} is being modified right now, and --fix does not write while it \
                 changes; run tilink doctor --fix again in a minute ({})",
                blockers
                    .iter()
                    .map(|b| b.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                fix.describe()
            );
            c.fix = Some(match c.fix.take() {
                Some(f) => format!("{f} — {note}"),
                None => note,
            });
        }
    }
    let target = match start {
        Start::Plc { plc, .. } => plc.id.clone(),
        Start::Service { service_id, .. } => service_id.clone(),
    };
    let healthy = checks.iter().all(|c| c.status != Status::Fail);
    let depth = f.depth;
    (
        f,
        Report {
            target,
            healthy,
            checks,
            fixes,
            depth,
        },
    )
}

/// Adds the `data-path` check: a MySQL login through the chain's NLB (its DNS name and
/// listener port, as the cloud reports them), then links causes again so a failure names
/// the control-plane link that explains it.
pub async fn add_probe(
    f: &ChainFacts,
    report: &mut Report,
    setup: &crate::engine::probe::ProbeSetup,
    cluster: Option<&str>,
) {
    use crate::engine::probe;
    let lb = f.lb.as_ref().map(|l| &l.load_balancer);
    let port = f
        .listeners
        .iter()
        .find(|l| l.listener_protocol.eq_ignore_ascii_case("TCP"))
        .map(|l| l.listener_port);
    let c = match (lb.filter(|l| !l.dns_name.is_empty()), port) {
        (Some(lb), Some(port)) => {
            let dp = probe::probe(&lb.dns_name, port, setup).await;
            let links = probe::Links::from_checks(&report.checks);
            probe::check(&dp, &setup.user, &lb.vpc_id, cluster, &links)
        }
        _ => Check::new(
            CheckId::DataPath,
            Status::Unknown,
            "could not look: no NLB listener to probe",
            "Doctor could not read the chain's NLB or its TCP listener (see nlb-status and listener), so there is no address to open a MySQL connection to.",
        ),
    };
    report.checks.retain(|x| x.id != CheckId::DataPath);
    // In order: before the first check that comes after it (`dependents`, which it may
    // explain).
    let order = checks::order();
    let rank = |id: CheckId| order.iter().position(|o| *o == id);
    let me = rank(CheckId::DataPath);
    let at = report
        .checks
        .iter()
        .position(|x| rank(x.id) > me)
        .unwrap_or(report.checks.len());
    report.checks.insert(at, c);
    checks::link_causes(&mut report.checks);
    dependents::word_root(&mut report.checks);
    report.healthy = report.checks.iter().all(|c| c.status != Status::Fail);
}

/// The Alibaba region a PLC lives in (from its service name), if it says.
pub fn plc_region(p: &PlcInfo) -> Option<String> {
    crate::engine::facts::region_of_service_name(&p.service_name).map(str::to_string)
}

#[cfg(test)]
mod verdict_tests {
    use super::*;

    fn report(checks: Vec<Check>) -> Report {
        Report {
            target: "plc-1".into(),
            healthy: false,
            checks,
            fixes: Vec::new(),
            depth: 3,
        }
    }

    /// A key that may not make one call leaves the chain uncheckable, but a link proven
    /// broken with the calls it may make is still broken, and named (a fleet run with one
    /// action denied called such a chain `unknown`).
    #[test]
    fn a_refused_key_does_not_hide_a_link_proven_broken() {
        let key = Check::new(CheckId::Credentials, Status::Fail, "key", "refused");
        let unknown = Check::new(CheckId::Listener, Status::Unknown, "listener", "?");
        let only_key = report(vec![key.clone(), unknown.clone()]);
        assert!(matches!(
            only_key.verdict(),
            Verdict::CannotCheck { unknown: 1, .. }
        ));
        let allowlist = Check::new(CheckId::RdsAllowlist, Status::Fail, "allowlist", "missing");
        let both = report(vec![key, allowlist, unknown]);
        match both.verdict() {
            Verdict::Broken { root, fails: 2, .. } => assert_eq!(root.id, CheckId::RdsAllowlist),
            v => panic!("{v:?}"),
        }
    }
}
