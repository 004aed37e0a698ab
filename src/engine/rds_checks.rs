//! The RDS checks that pre-flight (`engine::checks`) and doctor (`engine::doctor::checks`)
//! both make, written once so that the same instance gets the same verdict from both
//! (issue 29: `rds-status` and `rds-endpoint` had two implementations with different rules).

use super::check::{Check, CheckId, Status};
use super::discover::{rds_down, rds_unusable};
use super::facts::RdsInfo;
use serde_json::json;

/// `rds-status`: a running MySQL primary in a VPC passes; an instance busy with a task (a
/// class change, an allowlist write settling) is being modified, never broken; anything
/// else that cannot be the source fails with why.
pub fn rds_status(r: &RdsInfo) -> Check {
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
pub fn rds_endpoint(r: &RdsInfo) -> Check {
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
