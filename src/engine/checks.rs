//! Pre-flight checks for setup: each a named result with evidence and a fix, computed from
//! [`Discovery`] without I/O and shown before anything is created. The ids doctor also
//! checks (`credentials`, `region-match`, `rds-status`, `rds-endpoint`, `zone-overlap`) call
//! doctor's one function for each (`engine::doctor::checks`), so a chain gets the same
//! verdict before it is built and after.

use super::check::{Check, CheckId, Status};
use super::discover::{Discovery, cluster_unusable};
use super::doctor::checks::credentials;
use super::doctor::checks::rds;
use super::doctor::checks::region::{self, Regions, Stage};
use super::doctor::checks::zones::Reach;
use super::zones::{ZoneAnalysis, ZoneError, ZoneInputs, analyze};
use serde_json::json;

/// NLB instances per region (default quota `nlb_quota_loadbalancers_num`).
pub const NLB_QUOTA: usize = 60;
/// Endpoint services per account (default quota `pvl_quota_total_epsrv`).
pub const EPSRV_QUOTA: usize = 200;

/// Computes the zone analysis for a discovery and the requested zones.
pub fn zone_analysis(d: &Discovery, requested: &[String]) -> Result<ZoneAnalysis, ZoneError> {
    analyze(&ZoneInputs {
        tidb: &d.tidb_zones.az_ids,
        nlb: &d.nlb_zones,
        privatelink: &d.privatelink_zones,
        vswitches: &d.vswitches,
        rds_zones: &d.rds.zones,
        requested,
        rds_vpc: &d.rds.vpc_id,
    })
}

/// The zone grid's rows from what discovery found (no pick), for showing a failed overlap.
pub fn zone_rows(d: &Discovery) -> Vec<super::zones::ZoneRow> {
    super::zones::rows(&ZoneInputs {
        tidb: &d.tidb_zones.az_ids,
        nlb: &d.nlb_zones,
        privatelink: &d.privatelink_zones,
        vswitches: &d.vswitches,
        rds_zones: &d.rds.zones,
        requested: &[],
        rds_vpc: &d.rds.vpc_id,
    })
}

/// Every pre-flight check, failures first.
pub fn preflight(
    d: &Discovery,
    region: &str,
    zones: &Result<ZoneAnalysis, ZoneError>,
) -> Vec<Check> {
    let mut out = vec![
        credentials::verdict(
            &credentials::Said::Accepted(format!(
                "Alibaba Cloud account {} ({})",
                d.caller_account, d.caller_arn
            )),
            None,
            Some((&d.caller_account, &d.caller_arn)),
        ),
        cluster_check(d),
        region_check(d, region),
        rds_check(d),
        endpoint_check(d),
        zone_check(d, zones),
        privatelink_check(d),
        quota_check(d),
        existing_plc_check(d),
    ];
    out.sort_by_key(|c| c.status);
    out
}

fn cluster_check(d: &Discovery) -> Check {
    let c = &d.cluster;
    let ev = json!({"cluster_id": c.id, "provider": c.provider, "plan": c.plan, "state": c.state, "region": c.region});
    match cluster_unusable(c) {
        None => Check::new(
            CheckId::Cluster,
            Status::Pass,
            "Cluster is an ACTIVE Essential cluster on Alibaba Cloud",
            format!("{} ({}) in {}", c.name, c.id, c.region),
        )
        .evidence(ev),
        Some(why) => Check::new(
            CheckId::Cluster,
            Status::Fail,
            "Cluster cannot use an Alibaba Cloud private link",
            why,
        )
        .evidence(ev)
        .fix("Pick an ACTIVE Essential cluster created on Alibaba Cloud."),
    }
}

fn region_check(d: &Discovery, region: &str) -> Check {
    region::verdict(
        Regions {
            cluster: &d.cluster.region,
            service: region,
            nlb: region,
            rds: &d.rds.region,
        },
        Stage::Planned,
    )
}

fn rds_check(d: &Discovery) -> Check {
    rds::rds_status(&d.rds)
}

fn endpoint_check(d: &Discovery) -> Check {
    rds::rds_endpoint(&d.rds)
}

fn zone_check(d: &Discovery, zones: &Result<ZoneAnalysis, ZoneError>) -> Check {
    match zones {
        // The analysis found no zone set to build in: TiDB Cloud could reach nothing.
        Err(e) => Check::new(CheckId::ZoneOverlap, Reach::Nowhere.status(), "No usable zone overlap", e.to_string())
            .evidence(json!({"tidb": d.tidb_zones.az_ids, "nlb": d.nlb_zones, "privatelink": d.privatelink_zones}))
            .fix(match e {
                ZoneError::NoOverlap(_) => "Create a vSwitch in the RDS VPC in one of TiDB Cloud's zones with at least 8 free IPs, then rerun.".to_string(),
                ZoneError::Unusable { .. } => "Pick zones from the overlap, or drop --zones to let tilink choose.".to_string(),
            }),
        Ok(z) => {
            let chosen: Vec<String> = z.chosen.iter().map(|c| c.zone.clone()).collect();
            let reach = Reach::of(&d.tidb_zones.az_ids, &chosen);
            let ev = json!({
                "tidb": d.tidb_zones.az_ids, "nlb": d.nlb_zones, "privatelink": d.privatelink_zones,
                "eligible": z.eligible,
                "chosen": z.chosen.iter().map(|c| json!({"zone": c.zone, "vswitch": c.vswitch_id, "cidr": c.cidr, "serves_tidb": c.serves_tidb})).collect::<Vec<_>>(),
            });
            let status = reach.status();
            match reach {
                Reach::One(zone) => Check::new(CheckId::ZoneOverlap, status, "Only one zone overlaps: no zone redundancy", format!("TiDB Cloud can reach the NLB only in {zone}; if that zone fails, the link is down"))
                    .evidence(ev)
                    .fix("Create a vSwitch (≥8 free IPs) in the RDS VPC in another TiDB Cloud zone and rerun to get two zones."),
                Reach::Several(zones) => Check::new(CheckId::ZoneOverlap, status, "Zones overlap", format!("NLB and endpoint service in {}", zones.join(", "))).evidence(ev),
                // The analysis only succeeds with a zone TiDB Cloud serves; say so if not.
                Reach::TidbUnknown | Reach::Nowhere => Check::new(CheckId::ZoneOverlap, Status::Fail, "No usable zone overlap", format!("none of the chosen zones ({}) is a TiDB Cloud zone ({})", chosen.join(", "), d.tidb_zones.az_ids.join(", "))).evidence(ev),
            }
        }
    }
}

fn privatelink_check(d: &Discovery) -> Check {
    if d.privatelink_open {
        Check::new(
            CheckId::PrivatelinkActivated,
            Status::Pass,
            "PrivateLink is activated",
            "CheckProductOpen: true",
        )
    } else {
        Check::new(CheckId::PrivatelinkActivated, Status::Warn, "PrivateLink is not activated yet", "CheckProductOpen: false; tilink activates it (free) before creating the endpoint service")
            .fix("Nothing to do: activation is part of the plan (OpenPrivateLinkService).")
    }
}

fn quota_check(d: &Discovery) -> Check {
    let ev = json!({"load_balancers": d.load_balancer_count, "nlb_quota": NLB_QUOTA, "endpoint_services": d.endpoint_service_count, "endpoint_service_quota": EPSRV_QUOTA});
    if d.load_balancer_count >= NLB_QUOTA || d.endpoint_service_count >= EPSRV_QUOTA {
        Check::new(CheckId::Quota, Status::Fail, "Quota reached", format!("{} NLBs (default quota {NLB_QUOTA}), {} endpoint services (default quota {EPSRV_QUOTA})", d.load_balancer_count, d.endpoint_service_count))
            .evidence(ev)
            .fix("Raise nlb_quota_loadbalancers_num or pvl_quota_total_epsrv in Quota Center, or delete unused ones.")
    } else {
        Check::new(
            CheckId::Quota,
            Status::Pass,
            "Quota headroom",
            format!(
                "{}/{NLB_QUOTA} NLBs, {}/{EPSRV_QUOTA} endpoint services (default quotas)",
                d.load_balancer_count, d.endpoint_service_count
            ),
        )
        .evidence(ev)
    }
}

fn existing_plc_check(d: &Discovery) -> Check {
    let ours = d
        .existing
        .endpoint_service
        .as_ref()
        .map(|(_, n)| n.as_str());
    let same: Vec<_> = d
        .plcs
        .iter()
        .filter(|p| Some(p.service_name.as_str()) == ours)
        .collect();
    if let Some(p) = same.first() {
        Check::new(
            CheckId::ExistingPlc,
            Status::Pass,
            "A private link connection already points at this service",
            format!("{} ({}) is {}; tilink adopts it", p.name, p.id, p.state),
        )
        .evidence(json!({"plc": p.id, "state": p.state, "service": p.service_name}))
    } else {
        Check::new(
            CheckId::ExistingPlc,
            Status::Pass,
            "No private link connection to adopt",
            format!("the cluster has {} other connection(s)", d.plcs.len()),
        )
        .evidence(json!({"plcs": d.plcs.iter().map(|p| &p.id).collect::<Vec<_>>()}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::doctor::checks::run_checks;
    use crate::engine::doctor::facts::ChainFacts;
    use crate::engine::facts::{ClusterInfo, RdsInfo};

    fn check(checks: &[Check], id: CheckId) -> &Check {
        checks.iter().find(|c| c.id == id).unwrap()
    }

    fn status(checks: &[Check], id: CheckId) -> Status {
        check(checks, id).status
    }

    fn discovery(cluster_region: &str, rds_region: &str) -> Discovery {
        Discovery {
            cluster: ClusterInfo {
                region: cluster_region.into(),
                ..Default::default()
            },
            rds: RdsInfo {
                region: rds_region.into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn chain(cluster_region: &str, rds_region: &str, nlb_region: &str) -> ChainFacts {
        ChainFacts {
            region: nlb_region.into(),
            cluster: Some(ClusterInfo {
                region: cluster_region.into(),
                ..Default::default()
            }),
            rds: Some(RdsInfo {
                region: rds_region.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Issue 29: pre-flight said "Regions differ: cluster in , RDS in ap-southeast-1" (a
    /// failure that blocks setup) for a cluster whose region TiDB Cloud's answer did not
    /// name; doctor skipped, as nothing is known to differ. One rule now: skip.
    #[test]
    fn an_unknown_cluster_region_is_not_a_region_mismatch() {
        let d = discovery("", "ap-southeast-1");
        let zones = zone_analysis(&d, &[]);
        let checks = preflight(&d, "ap-southeast-1", &zones);
        let c = check(&checks, CheckId::RegionMatch);
        assert_eq!(c.status, Status::Skip, "{c:?}");
        assert!(c.detail.contains("cluster region unknown"), "{c:?}");
    }

    /// Issue 29: the same regions get the same verdict from pre-flight and doctor.
    #[test]
    fn pre_flight_and_doctor_judge_regions_alike() {
        for (cluster, rds, nlb) in [
            ("ap-southeast-1", "ap-southeast-1", "ap-southeast-1"),
            ("ap-southeast-1", "", "ap-southeast-1"),
            ("ap-southeast-1", "ap-southeast-5", "ap-southeast-1"),
            ("ap-southeast-1", "ap-southeast-5", "ap-southeast-5"),
            ("", "ap-southeast-1", "ap-southeast-1"),
        ] {
            let d = discovery(cluster, rds);
            let pre = preflight(&d, nlb, &zone_analysis(&d, &[]));
            let doc = run_checks(&chain(cluster, rds, nlb));
            assert_eq!(
                status(&pre, CheckId::RegionMatch),
                status(&doc, CheckId::RegionMatch),
                "{cluster} / {rds} / {nlb}"
            );
        }
    }

    /// Issue 29: one zone where TiDB Cloud meets the NLB warns in both; two pass in both.
    #[test]
    fn pre_flight_and_doctor_judge_zone_overlap_alike() {
        use crate::engine::doctor::checks::zones::Reach;
        let z = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Reach::of(&z(&["a", "b"]), &z(&["b", "c"])).status(),
            Status::Warn
        );
        assert_eq!(
            Reach::of(&z(&["a", "b"]), &z(&["a", "b"])).status(),
            Status::Pass
        );
        assert_eq!(
            Reach::of(&z(&["a"]), &z(&["b", "c"])).status(),
            Status::Fail
        );
        assert_eq!(Reach::of(&[], &z(&["b"])).status(), Status::Skip);
    }
}
