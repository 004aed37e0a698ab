//! `zone-overlap` (NLB zones against TiDB Cloud's) and `service-zones` (the endpoint
//! service attached where both are).

use super::super::facts::{ChainFacts, Piece};
use super::{doctor_fix, skip};
use crate::engine::check::{Check, CheckId, Status};
use serde_json::json;

pub(super) fn overlap(f: &ChainFacts) -> Check {
    let Some(lb) = &f.lb else {
        return skip(CheckId::ZoneOverlap, "Zone overlap", f, Piece::Lb);
    };
    let tidb: Vec<String> = f
        .tidb
        .as_ref()
        .map(|t| t.az_ids.clone())
        .unwrap_or_default();
    let nlb: Vec<String> = lb
        .load_balancer
        .zone_mappings
        .iter()
        .map(|z| z.zone_id.clone())
        .collect();
    let both: Vec<&String> = nlb.iter().filter(|z| tidb.contains(z)).collect();
    let ev = json!({"tidb": tidb, "nlb": nlb});
    // The exact zones where one more NLB zone mapping would overlap TiDB Cloud, with the
    // vSwitch that could carry it.
    let lb_id = &lb.load_balancer.load_balancer_id;
    let vpc = &lb.load_balancer.vpc_id;
    let candidates: Vec<String> = tidb
        .iter()
        .filter(|z| !nlb.contains(z))
        .map(|z| {
            if f.unknown(Piece::Vswitches).is_some() {
                return format!(
                    "add zone {z} to {lb_id} with a vSwitch in {z} (the vSwitches could not be read to name one)"
                );
            }
            match f
                .vswitches
                .iter()
                .filter(|v| &v.zone_id == z && v.free_ips >= 8)
                .max_by_key(|v| v.free_ips)
            {
                Some(v) => format!(
                    "add zone {z} to {lb_id} with vSwitch {} ({} free IPs): UpdateLoadBalancerZones keeping the current mappings",
                    v.id, v.free_ips
                ),
                None => format!(
                    "create a vSwitch in zone {z} in {vpc} (≥ 8 free IPs), then add zone {z} to {lb_id}"
                ),
            }
        })
        .collect();
    let zone_fix = |lead: &str| {
        if candidates.is_empty() {
            format!("{lead}: TiDB Cloud offers no zone the NLB lacks; rebuild with tilink setup.")
        } else {
            format!(
                "{lead}: {}; then attach the zone to the endpoint service.",
                candidates.join("; or ")
            )
        }
    };
    match both.len() {
        _ if tidb.is_empty() => Check::new(
            CheckId::ZoneOverlap,
            Status::Skip,
            "Zone overlap",
            "TiDB Cloud zones unknown",
        )
        .evidence(ev),
        0 => Check::new(
            CheckId::ZoneOverlap,
            Status::Fail,
            "NLB zones do not overlap TiDB Cloud's",
            format!(
                "NLB in {}, TiDB Cloud in {}",
                nlb.join(", "),
                tidb.join(", ")
            ),
        )
        .evidence(ev)
        .fix(zone_fix("Make one zone overlap")),
        1 => Check::new(
            CheckId::ZoneOverlap,
            Status::Warn,
            "Only one zone overlaps",
            format!("{} only: no zone redundancy", both[0]),
        )
        .evidence(ev)
        .fix(zone_fix("Add a second overlapping zone")),
        _ => Check::new(
            CheckId::ZoneOverlap,
            Status::Pass,
            "Zones overlap",
            both.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
        .evidence(ev),
    }
}

pub(super) fn service_zones(f: &ChainFacts) -> Check {
    if f.service.is_none() {
        return skip(CheckId::ServiceZones, "Service zones", f, Piece::Resources);
    }
    let attached: Vec<String> = f.resources.iter().map(|r| r.zone_id.clone()).collect();
    let nlb_zones: Vec<String> =
        f.lb.as_ref()
            .map(|l| {
                l.load_balancer
                    .zone_mappings
                    .iter()
                    .map(|z| z.zone_id.clone())
                    .collect()
            })
            .unwrap_or_default();
    let tidb: Vec<String> = f
        .tidb
        .as_ref()
        .map(|t| t.az_ids.clone())
        .unwrap_or_default();
    let missing: Vec<&String> = nlb_zones
        .iter()
        .filter(|z| tidb.contains(z) && !attached.contains(z))
        .collect();
    let shared: Vec<&String> = attached.iter().filter(|z| tidb.contains(z)).collect();
    let ev = json!({"attached": attached, "nlb_zones": nlb_zones, "tidb_zones": tidb});
    if tidb.is_empty() {
        return Check::new(
            CheckId::ServiceZones,
            Status::Skip,
            "Service zones",
            "TiDB Cloud zones unknown (no cluster)",
        )
        .evidence(ev);
    }
    if shared.is_empty() {
        Check::new(CheckId::ServiceZones, Status::Fail, "No service zone is a TiDB Cloud zone", format!("attached zones {} share nothing with TiDB Cloud's {}", attached.join(", "), tidb.join(", ")))
            .evidence(ev)
            .fix("Attach the NLB in a TiDB Cloud zone (AttachResourceToVpcEndpointService), adding an NLB zone mapping there first if needed.")
    } else if !missing.is_empty() {
        Check::new(
            CheckId::ServiceZones,
            Status::Warn,
            "Some NLB zones are not attached",
            format!(
                "zones {} are NLB and TiDB Cloud zones but not attached to the service",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .evidence(ev)
        .fix(format!(
            "Attach them for zone redundancy: {}",
            doctor_fix(f)
        ))
    } else {
        Check::new(
            CheckId::ServiceZones,
            Status::Pass,
            "Service zones overlap TiDB Cloud's",
            format!("{} attached", attached.join(", ")),
        )
        .evidence(ev)
    }
}
