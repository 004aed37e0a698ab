//! `region-match`: cluster, endpoint service, NLB and RDS in one region.

use super::super::facts::ChainFacts;
use crate::engine::check::{Check, CheckId, Status};
use crate::engine::facts::region_of_service_name;
use serde_json::json;

pub(super) fn check(f: &ChainFacts) -> Check {
    let cluster = f
        .cluster
        .as_ref()
        .map(|c| c.region.clone())
        .unwrap_or_default();
    let svc = f
        .plc
        .as_ref()
        .and_then(|p| region_of_service_name(&p.service_name))
        .map(str::to_string)
        .unwrap_or_else(|| f.region.clone());
    let rds = f
        .rds
        .as_ref()
        .map(|r| r.region.clone())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| f.region.clone());
    let ev = json!({"cluster": cluster, "endpoint_service": svc, "nlb": f.region, "rds": rds});
    if cluster.is_empty() {
        return Check::new(
            CheckId::RegionMatch,
            Status::Skip,
            "Regions",
            "cluster region unknown",
        )
        .evidence(ev);
    }
    if cluster == svc && svc == f.region && rds == f.region {
        Check::new(
            CheckId::RegionMatch,
            Status::Pass,
            "One region end to end",
            format!("everything in {cluster}"),
        )
        .evidence(ev)
    } else {
        Check::new(CheckId::RegionMatch, Status::Fail, "Regions differ", format!("cluster {cluster}, endpoint service {svc}, NLB {}, RDS {rds}: TiDB Cloud does not support cross-region private links", f.region))
            .evidence(ev)
            .fix("Rebuild the chain in the cluster's region.")
    }
}
