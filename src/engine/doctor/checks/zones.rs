//! `zone-overlap` (NLB zones against TiDB Cloud's) and `service-zones` (the endpoint
//! service attached where both are).

use super::super::facts::{ChainFacts, Piece};
use super::{doctor_fix, joined, skip};
use crate::engine::check::{Check, CheckId, Status};
use crate::engine::zones::MIN_FREE_IPS;
use serde_json::json;

/// How TiDB Cloud's zones meet the NLB's: the one rule of `zone-overlap`, for pre-flight
/// (the zones setup will build in, `engine::checks`) and doctor (the zones the NLB has).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// TiDB Cloud's zones are not known: nothing to compare.
    TidbUnknown,
    /// No NLB zone is a TiDB Cloud zone: TiDB Cloud cannot reach the NLB.
    Nowhere,
    /// One zone: it works, without zone redundancy.
    One(String),
    /// Two or more zones.
    Several(Vec<String>),
}

impl Reach {
    /// The NLB zones (`nlb`, in order) that are TiDB Cloud zones.
    pub(crate) fn of(tidb: &[String], nlb: &[String]) -> Reach {
        if tidb.is_empty() {
            return Reach::TidbUnknown;
        }
        let mut both: Vec<String> = nlb.iter().filter(|z| tidb.contains(z)).cloned().collect();
        match both.len() {
            0 => Reach::Nowhere,
            1 => Reach::One(both.remove(0)),
            _ => Reach::Several(both),
        }
    }

    /// The check's status.
    pub(crate) fn status(&self) -> Status {
        match self {
            Reach::TidbUnknown => Status::Skip,
            Reach::Nowhere => Status::Fail,
            Reach::One(_) => Status::Warn,
            Reach::Several(_) => Status::Pass,
        }
    }
}

/// Doctor's `zone-overlap`: the NLB's zones against TiDB Cloud's ([`Reach`]), with the
/// exact zone and vSwitch to add when they fall short.
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
    let reach = Reach::of(&tidb, &nlb);
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
                .filter(|v| &v.zone_id == z && v.free_ips >= MIN_FREE_IPS)
                .max_by_key(|v| v.free_ips)
            {
                Some(v) => format!(
                    "add zone {z} to {lb_id} with vSwitch {} ({} free IPs): UpdateLoadBalancerZones keeping the current mappings",
                    v.id, v.free_ips
                ),
                None => format!(
                    "create a vSwitch in zone {z} in {vpc} (≥ {MIN_FREE_IPS} free IPs), then add zone {z} to {lb_id}"
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
    let status = reach.status();
    match reach {
        Reach::TidbUnknown => Check::new(
            CheckId::ZoneOverlap,
            status,
            "Zone overlap",
            "TiDB Cloud zones unknown",
        )
        .evidence(ev),
        Reach::Nowhere => Check::new(
            CheckId::ZoneOverlap,
            status,
            "NLB zones do not overlap TiDB Cloud's",
            format!(
                "NLB in {}, TiDB Cloud in {}",
                nlb.join(", "),
                tidb.join(", ")
            ),
        )
        .evidence(ev)
        .fix(zone_fix("Make one zone overlap")),
        Reach::One(z) => Check::new(
            CheckId::ZoneOverlap,
            status,
            "Only one zone overlaps",
            format!("{z} only: no zone redundancy"),
        )
        .evidence(ev)
        .fix(zone_fix("Add a second overlapping zone")),
        Reach::Several(both) => Check::new(
            CheckId::ZoneOverlap,
            status,
            "Zones overlap",
            both.join(", "),
        )
        .evidence(ev),
    }
}

/// `service-zones`: the service is attached in the zones the NLB and TiDB Cloud share.
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
                joined(&missing)
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
