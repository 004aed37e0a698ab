//! The RDS instance: `rds-status` and `rds-endpoint` (shared with pre-flight,
//! `engine::rds_checks`) and `rds-allowlist` (the NLB vSwitch CIDRs admitted).

use super::super::facts::{ChainFacts, Piece, nlb_cidrs};
use super::{doctor_fix, skip};
use crate::engine::check::{Check, CheckId, Status};
use crate::engine::facts::cidr_covers;
use serde_json::json;

pub(super) fn status(f: &ChainFacts) -> Check {
    match &f.rds {
        Some(r) => crate::engine::rds_checks::rds_status(r),
        None => skip(CheckId::RdsStatus, "RDS instance", f, Piece::Rds),
    }
}

pub(super) fn endpoint(f: &ChainFacts) -> Check {
    match &f.rds {
        Some(r) => crate::engine::rds_checks::rds_endpoint(r),
        None => skip(CheckId::RdsEndpoint, "RDS endpoint", f, Piece::Rds),
    }
}

pub(super) fn allowlist(f: &ChainFacts) -> Check {
    let Some(r) = &f.rds else {
        return skip(CheckId::RdsAllowlist, "RDS allowlist", f, Piece::Rds);
    };
    let cidrs = nlb_cidrs(f);
    if cidrs.is_empty() {
        return skip(CheckId::RdsAllowlist, "RDS allowlist", f, Piece::Vswitches);
    }
    let entries: Vec<&String> = r.allowlist.iter().flat_map(|g| g.ips.iter()).collect();
    let uncovered: Vec<&(String, String)> = cidrs
        .iter()
        .filter(|(_, c)| !entries.iter().any(|e| cidr_covers(e, c)))
        .collect();
    let ev = json!({"nlb_vswitch_cidrs": cidrs.iter().map(|(v, c)| json!({"vswitch": v, "cidr": c})).collect::<Vec<_>>(), "groups": r.allowlist.iter().map(|g| json!({"name": g.name, "ips": g.ips})).collect::<Vec<_>>()});
    if entries.iter().any(|e| e.as_str() == "0.0.0.0/0") {
        return Check::new(
            CheckId::RdsAllowlist,
            Status::Warn,
            "RDS allowlist is open to everyone",
            "an entry 0.0.0.0/0 lets any address connect",
        )
        .evidence(ev)
        .fix("Replace 0.0.0.0/0 with the NLB vSwitch CIDRs.");
    }
    if uncovered.is_empty() {
        Check::new(
            CheckId::RdsAllowlist,
            Status::Pass,
            "RDS allowlist covers the NLB vSwitches",
            cidrs
                .iter()
                .map(|(_, c)| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
        .evidence(ev)
    } else {
        // The NLB's current local addresses (GetLoadBalancerAttribute): when every one is
        // admitted, the link works today; only its future is at risk (the NLB may take other
        // addresses of the vSwitches). Working is never called broken.
        let locals: Vec<&String> =
            f.lb.iter()
                .flat_map(|l| l.load_balancer.zone_mappings.iter())
                .flat_map(|z| z.load_balancer_addresses.iter())
                .flat_map(|a| a.ipv4_local_addresses.iter().flatten())
                .collect();
        let admitted = !locals.is_empty()
            && locals
                .iter()
                .all(|ip| entries.iter().any(|e| cidr_covers(e, ip)));
        let missing = uncovered
            .iter()
            .map(|(v, c)| format!("{c} ({v})"))
            .collect::<Vec<_>>()
            .join(", ");
        if admitted {
            return Check::new(
                CheckId::RdsAllowlist,
                Status::Warn,
                "RDS allowlist admits the NLB's addresses of today, not its vSwitch CIDRs",
                format!(
                    "every current NLB local address ({}) is admitted, but not all of {missing}: when the NLB takes another address there, RDS will drop it",
                    locals.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
            .evidence(ev)
            .fix(format!("Write the NLB vSwitch CIDRs to a dedicated allowlist group: {} (other groups are untouched).", doctor_fix(f)));
        }
        Check::new(CheckId::RdsAllowlist, Status::Fail, "RDS allowlist misses NLB vSwitch CIDRs", format!("NLB local IPs come from {missing}, which no allowlist group covers: RDS drops the connections"))
            .evidence(ev)
            .fix(format!("Write the NLB vSwitch CIDRs to a dedicated allowlist group: {} (other groups are untouched).", doctor_fix(f)))
    }
}
