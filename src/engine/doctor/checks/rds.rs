//! The RDS instance: `rds-status` and `rds-endpoint` (pre-flight, `engine::checks`, and
//! doctor share [`rds_status`] and [`rds_endpoint`], so the same instance gets the same
//! verdict from both) and `rds-allowlist` (the NLB vSwitch CIDRs admitted).

use super::super::facts::{ChainFacts, Piece, nlb_cidrs};
use super::{doctor_fix, joined, skip};
use crate::engine::check::{Check, CheckId, Status};
use crate::engine::discover::{rds_down, rds_unusable};
use crate::engine::facts::{RdsInfo, cidr_covers};
use serde_json::json;

/// Doctor's `rds-status`: [`rds_status`] of the instance behind the backends.
pub(super) fn status(f: &ChainFacts) -> Check {
    match &f.rds {
        Some(r) => rds_status(r),
        None => skip(CheckId::RdsStatus, "RDS instance", f, Piece::Rds),
    }
}

/// Doctor's `rds-endpoint`: [`rds_endpoint`] of the instance behind the backends.
pub(super) fn endpoint(f: &ChainFacts) -> Check {
    match &f.rds {
        Some(r) => rds_endpoint(r),
        None => skip(CheckId::RdsEndpoint, "RDS endpoint", f, Piece::Rds),
    }
}

/// `rds-allowlist`: an allowlist group admits the NLB's vSwitch CIDRs.
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
                    joined(&locals)
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

/// `rds-status`: a running MySQL primary in a VPC passes; an instance busy with a task (a
/// class change, an allowlist write settling) is being modified, never broken; anything
/// else that cannot be the source fails with why.
pub(crate) fn rds_status(r: &RdsInfo) -> Check {
    let ev = json!({"instance": r.id, "engine": r.engine, "version": r.engine_version,
        "status": r.status, "network": r.network_type, "type": r.instance_type});
    match rds_unusable(&r.engine, &r.status, &r.network_type, &r.instance_type) {
        Some(why) => Check::new(
            CheckId::RdsStatus,
            Status::Fail,
            if rds_down(&r.status) {
                "RDS instance is not Running"
            } else {
                "RDS instance cannot be the source"
            },
            format!("{}: {why}", r.id),
        )
        .evidence(ev)
        .fix(if rds_down(&r.status) {
            "Start the instance, or wait for the maintenance to finish."
        } else {
            "Use the primary RDS for MySQL instance (VPC network)."
        }),
        None if !r.status.eq_ignore_ascii_case("Running") => Check::new(
            CheckId::RdsStatus,
            Status::Changing,
            "RDS instance is being modified",
            format!(
                "{} is {} (a task is running on it; it returns to Running by itself, and \
                 tilink waits for Running before and after writing its allowlist group)",
                r.id, r.status
            ),
        )
        .evidence(ev)
        .fix(format!(
            "{} is a documented transient state: look again in a minute.",
            r.status
        )),
        None => Check::new(
            CheckId::RdsStatus,
            Status::Pass,
            "RDS instance is a running MySQL primary in a VPC",
            format!("{} MySQL {} in {}", r.id, r.engine_version, r.vpc_id),
        )
        .evidence(ev),
    }
}

/// `rds-endpoint`: the instance's private (VPC) address and port, which the NLB's backend
/// must be.
pub(crate) fn rds_endpoint(r: &RdsInfo) -> Check {
    let ev = json!({"instance": r.id, "ip": r.private_ip, "port": r.port,
        "connection_string": r.connection_string, "vpc": r.vpc_id});
    if r.private_ip.is_empty() || r.port == 0 {
        Check::new(
            CheckId::RdsEndpoint,
            Status::Fail,
            "No private endpoint on the RDS instance",
            format!(
                "{}: DescribeDBInstanceNetInfo has no IPType=Private, ConnectionStringType=Normal entry",
                r.id
            ),
        )
        .evidence(ev)
        .fix("Enable the internal (VPC) endpoint of the instance in the RDS console.")
    } else {
        Check::new(
            CheckId::RdsEndpoint,
            Status::Pass,
            "RDS private endpoint",
            format!("{} → {}:{}", r.connection_string, r.private_ip, r.port),
        )
        .evidence(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rds(status: &str, kind: &str) -> RdsInfo {
        RdsInfo {
            id: "rm-1".into(),
            engine: "MySQL".into(),
            engine_version: "8.0".into(),
            status: status.into(),
            network_type: "VPC".into(),
            instance_type: kind.into(),
            vpc_id: "vpc-1".into(),
            private_ip: "10.0.0.5".into(),
            port: 3306,
            ..Default::default()
        }
    }

    #[test]
    fn one_instance_one_verdict() {
        assert_eq!(rds_status(&rds("Running", "Primary")).status, Status::Pass);
        assert_eq!(
            rds_status(&rds("DBInstanceClassChanging", "Primary")).status,
            Status::Changing
        );
        assert_eq!(rds_status(&rds("Stopped", "Primary")).status, Status::Fail);
        assert_eq!(rds_status(&rds("Running", "Readonly")).status, Status::Fail);
        let mut r = rds("Running", "Primary");
        r.private_ip.clear();
        assert_eq!(rds_endpoint(&r).status, Status::Fail);
    }
}
