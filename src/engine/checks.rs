//! Pre-flight checks for setup: each a named result with evidence and a fix, computed from
//! [`Discovery`] without I/O and shown before anything is created.

use super::check::{Check, CheckId, Status};
use super::discover::{Discovery, cluster_unusable};
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
        Check::new(
            CheckId::Credentials,
            Status::Pass,
            "Credentials work",
            format!(
                "Alibaba Cloud account {} ({})",
                d.caller_account, d.caller_arn
            ),
        )
        .evidence(json!({"account_id": d.caller_account, "arn": d.caller_arn})),
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
    let ev = json!({"cluster": d.cluster.region, "rds": d.rds.region, "nlb_and_endpoint_service": region});
    let rds_region = if d.rds.region.is_empty() {
        region
    } else {
        d.rds.region.as_str()
    };
    if d.cluster.region == rds_region && rds_region == region {
        Check::new(
            CheckId::RegionMatch,
            Status::Pass,
            "Everything is in one region",
            format!("cluster, RDS, NLB and endpoint service in {region}"),
        )
        .evidence(ev)
    } else {
        Check::new(
            CheckId::RegionMatch,
            Status::Fail,
            "Regions differ",
            format!("cluster in {}, RDS in {rds_region}, NLB/endpoint service would be in {region}: TiDB Cloud does not support cross-region private links", d.cluster.region),
        )
        .evidence(ev)
        .fix("Use an RDS instance in the cluster's region (or a cluster in the RDS region).")
    }
}

fn rds_check(d: &Discovery) -> Check {
    super::rds_checks::rds_status(&d.rds)
}

fn endpoint_check(d: &Discovery) -> Check {
    super::rds_checks::rds_endpoint(&d.rds)
}

fn zone_check(d: &Discovery, zones: &Result<ZoneAnalysis, ZoneError>) -> Check {
    match zones {
        Err(e) => Check::new(CheckId::ZoneOverlap, Status::Fail, "No usable zone overlap", e.to_string())
            .evidence(json!({"tidb": d.tidb_zones.az_ids, "nlb": d.nlb_zones, "privatelink": d.privatelink_zones}))
            .fix(match e {
                ZoneError::NoOverlap(_) => "Create a vSwitch in the RDS VPC in one of TiDB Cloud's zones with at least 8 free IPs, then rerun.".to_string(),
                ZoneError::Unusable { .. } => "Pick zones from the overlap, or drop --zones to let tilink choose.".to_string(),
            }),
        Ok(z) => {
            let tidb_zones: Vec<&str> = z.chosen.iter().filter(|c| c.serves_tidb).map(|c| c.zone.as_str()).collect();
            let ev = json!({
                "tidb": d.tidb_zones.az_ids, "nlb": d.nlb_zones, "privatelink": d.privatelink_zones,
                "eligible": z.eligible,
                "chosen": z.chosen.iter().map(|c| json!({"zone": c.zone, "vswitch": c.vswitch_id, "cidr": c.cidr, "serves_tidb": c.serves_tidb})).collect::<Vec<_>>(),
            });
            if tidb_zones.len() == 1 {
                Check::new(CheckId::ZoneOverlap, Status::Warn, "Only one zone overlaps: no zone redundancy", format!("TiDB Cloud can reach the NLB only in {}; if that zone fails, the link is down", tidb_zones[0]))
                    .evidence(ev)
                    .fix("Create a vSwitch (≥8 free IPs) in the RDS VPC in another TiDB Cloud zone and rerun to get two zones.")
            } else {
                Check::new(CheckId::ZoneOverlap, Status::Pass, "Zones overlap", format!("NLB and endpoint service in {}", tidb_zones.join(", "))).evidence(ev)
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
