//! `region-match`: cluster, endpoint service, NLB and RDS in one region. Pre-flight
//! (`engine::checks`) and doctor share [`verdict`].

use super::super::facts::ChainFacts;
use crate::engine::check::{Check, CheckId, Status};
use crate::engine::facts::region_of_service_name;
use serde_json::json;

/// The regions of a chain's four parts, as far as they are known (empty: unknown).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Regions<'a> {
    /// The TiDB Cloud cluster's.
    pub cluster: &'a str,
    /// The endpoint service's.
    pub service: &'a str,
    /// The NLB's (the region tilink's Alibaba client works in).
    pub nlb: &'a str,
    /// The RDS instance's (empty: taken to be the NLB's, where it was looked up).
    pub rds: &'a str,
}

/// Whether the chain exists yet: the words differ (a region that would be used, a chain
/// to rebuild), the rule does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Pre-flight: the NLB and endpoint service are about to be created in `nlb`.
    Planned,
    /// Doctor: the chain exists.
    Built,
}

/// `region-match` for pre-flight and doctor: an unknown cluster region is nothing to
/// compare (skip); otherwise every part must be in the cluster's region, since TiDB Cloud
/// does not support cross-region private links.
pub(crate) fn verdict(r: Regions<'_>, stage: Stage) -> Check {
    let rds = if r.rds.is_empty() { r.nlb } else { r.rds };
    let ev = match stage {
        Stage::Planned => {
            json!({"cluster": r.cluster, "rds": r.rds, "nlb_and_endpoint_service": r.nlb})
        }
        Stage::Built => {
            json!({"cluster": r.cluster, "endpoint_service": r.service, "nlb": r.nlb, "rds": rds})
        }
    };
    if r.cluster.is_empty() {
        return Check::new(
            CheckId::RegionMatch,
            Status::Skip,
            "Regions",
            "cluster region unknown",
        )
        .evidence(ev);
    }
    let one = r.cluster == r.service && r.service == r.nlb && rds == r.nlb;
    let (status, title, detail, fix) = match (one, stage) {
        (true, Stage::Planned) => (
            Status::Pass,
            "Everything is in one region",
            format!("cluster, RDS, NLB and endpoint service in {}", r.nlb),
            None,
        ),
        (true, Stage::Built) => (
            Status::Pass,
            "One region end to end",
            format!("everything in {}", r.cluster),
            None,
        ),
        (false, Stage::Planned) => (
            Status::Fail,
            "Regions differ",
            format!(
                "cluster in {}, RDS in {rds}, NLB/endpoint service would be in {}: TiDB Cloud does not support cross-region private links",
                r.cluster, r.nlb
            ),
            Some("Use an RDS instance in the cluster's region (or a cluster in the RDS region)."),
        ),
        (false, Stage::Built) => (
            Status::Fail,
            "Regions differ",
            format!(
                "cluster {}, endpoint service {}, NLB {}, RDS {rds}: TiDB Cloud does not support cross-region private links",
                r.cluster, r.service, r.nlb
            ),
            Some("Rebuild the chain in the cluster's region."),
        ),
    };
    let check = Check::new(CheckId::RegionMatch, status, title, detail).evidence(ev);
    match fix {
        Some(fix) => check.fix(fix),
        None => check,
    }
}

/// Doctor's `region-match`: the endpoint service's region from the PLC's service name.
pub(super) fn check(f: &ChainFacts) -> Check {
    let cluster = f.cluster.as_ref().map(|c| c.region.as_str()).unwrap_or("");
    let service = f
        .plc
        .as_ref()
        .and_then(|p| region_of_service_name(&p.service_name))
        .unwrap_or(&f.region);
    let rds = f.rds.as_ref().map(|r| r.region.as_str()).unwrap_or("");
    verdict(
        Regions {
            cluster,
            service,
            nlb: &f.region,
            rds,
        },
        Stage::Built,
    )
}
