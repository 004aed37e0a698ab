//! Zone overlap: TiDB AZs ∩ NLB zones ∩ PrivateLink zones ∩ zones with a roomy vSwitch in
//! the RDS VPC. The recipe only asks people to "make sure zones overlap"; this computes it.

use super::facts::VSwitchInfo;
use serde::{Deserialize, Serialize};

/// Free IPs a vSwitch needs to host an NLB zone mapping (NLB uses 3; the guide says
/// "reserve at least eight").
pub const MIN_FREE_IPS: u64 = 8;

/// One zone of the region and what it offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneRow {
    /// Zone id.
    pub zone: String,
    /// TiDB Cloud can open its endpoint here.
    pub tidb: bool,
    /// NLB supports the zone.
    pub nlb: bool,
    /// PrivateLink supports the zone.
    pub privatelink: bool,
    /// The roomiest vSwitch of the RDS VPC in this zone, if any.
    pub vswitch: Option<VSwitchInfo>,
    /// An RDS node (primary or standby) lives here.
    pub rds: bool,
    /// The RDS primary lives here (the instance's own `ZoneId` / `MasterZone`).
    #[serde(default)]
    pub rds_primary: bool,
    /// All conditions hold.
    pub eligible: bool,
    /// Picked for the NLB.
    pub chosen: bool,
}

/// A zone the NLB and endpoint service will use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZonePick {
    /// Zone id.
    pub zone: String,
    /// vSwitch for the NLB zone mapping.
    pub vswitch_id: String,
    /// Its CIDR (goes into the RDS allowlist).
    pub cidr: String,
    /// False for a zone added only because NLB needs two zones.
    pub serves_tidb: bool,
}

/// The result of the overlap computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneAnalysis {
    /// Every zone seen, sorted.
    pub rows: Vec<ZoneRow>,
    /// Zones where all conditions hold.
    pub eligible: Vec<String>,
    /// What the NLB will use.
    pub chosen: Vec<ZonePick>,
}

/// Why no usable zone set exists.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZoneError {
    /// Nothing overlaps.
    #[error("no zone works for the private link: {0}")]
    NoOverlap(String),
    /// A requested zone is not usable.
    #[error("zone {zone} cannot be used: {why}")]
    Unusable {
        /// The zone.
        zone: String,
        /// What rules it out, `; `-joined (no NLB or PrivateLink there, no roomy vSwitch…).
        why: String,
    },
}

/// Inputs of the computation.
#[derive(Debug, Clone, Default)]
pub struct ZoneInputs<'a> {
    /// TiDB Cloud AZs.
    pub tidb: &'a [String],
    /// NLB-capable zones.
    pub nlb: &'a [String],
    /// PrivateLink zones.
    pub privatelink: &'a [String],
    /// vSwitches of the RDS VPC.
    pub vswitches: &'a [VSwitchInfo],
    /// Zones of RDS nodes.
    pub rds_zones: &'a [String],
    /// Zones the user asked for (empty = choose).
    pub requested: &'a [String],
    /// The RDS instance's VPC (named in the fix).
    pub rds_vpc: &'a str,
}

fn best_vswitch<'v>(vswitches: &'v [VSwitchInfo], zone: &str) -> Option<&'v VSwitchInfo> {
    vswitches
        .iter()
        .filter(|v| v.zone_id == zone)
        .max_by(|a, b| a.free_ips.cmp(&b.free_ips).then(b.id.cmp(&a.id)))
}

fn pick(v: &VSwitchInfo, serves_tidb: bool) -> ZonePick {
    ZonePick {
        zone: v.zone_id.clone(),
        vswitch_id: v.id.clone(),
        cidr: v.cidr.clone(),
        serves_tidb,
    }
}

/// One row per zone seen by any side, sorted, with what each side offers there (no pick).
/// The grid shows these even when no zone works, so the missing cell is visible.
pub fn rows(inp: &ZoneInputs<'_>) -> Vec<ZoneRow> {
    let mut zones: Vec<String> = inp
        .tidb
        .iter()
        .chain(inp.nlb)
        .chain(inp.privatelink)
        .chain(inp.vswitches.iter().map(|v| &v.zone_id))
        .chain(inp.rds_zones)
        .cloned()
        .collect();
    zones.sort();
    zones.dedup();
    let roomy =
        |z: &str| best_vswitch(inp.vswitches, z).is_some_and(|v| v.free_ips >= MIN_FREE_IPS);
    zones
        .iter()
        .map(|z| {
            let tidb = inp.tidb.contains(z);
            let nlb = inp.nlb.contains(z);
            let privatelink = inp.privatelink.contains(z);
            ZoneRow {
                zone: z.clone(),
                tidb,
                nlb,
                privatelink,
                vswitch: best_vswitch(inp.vswitches, z).cloned(),
                rds: inp.rds_zones.contains(z),
                rds_primary: inp.rds_zones.first() == Some(z),
                eligible: tidb && nlb && privatelink && roomy(z),
                chosen: false,
            }
        })
        .collect()
}

/// Computes the overlap and picks zones: every eligible zone (or the requested ones); when
/// only one zone overlaps, a second NLB-only zone is added because NLB needs two.
pub fn analyze(inp: &ZoneInputs<'_>) -> Result<ZoneAnalysis, ZoneError> {
    let mut rows = rows(inp);
    let roomy =
        |z: &str| best_vswitch(inp.vswitches, z).is_some_and(|v| v.free_ips >= MIN_FREE_IPS);
    let eligible: Vec<String> = rows
        .iter()
        .filter(|r| r.eligible)
        .map(|r| r.zone.clone())
        .collect();

    let mut chosen: Vec<ZonePick> = Vec::new();
    if inp.requested.is_empty() {
        for z in &eligible {
            if let Some(v) = best_vswitch(inp.vswitches, z) {
                chosen.push(pick(v, true));
            }
        }
    } else {
        for z in inp.requested {
            let Some(row) = rows.iter().find(|r| &r.zone == z) else {
                return Err(ZoneError::Unusable {
                    zone: z.clone(),
                    why: "it is not a zone of this region".into(),
                });
            };
            if !(row.nlb && row.privatelink && roomy(z)) {
                return Err(ZoneError::Unusable {
                    zone: z.clone(),
                    why: why_not(row),
                });
            }
            if let Some(v) = best_vswitch(inp.vswitches, z) {
                chosen.push(pick(v, row.tidb));
            }
        }
        if !chosen.iter().any(|c| c.serves_tidb) {
            return Err(ZoneError::NoOverlap(format!(
                "none of the requested zones ({}) is a TiDB Cloud zone ({})",
                inp.requested.join(", "),
                inp.tidb.join(", ")
            )));
        }
    }

    if chosen.is_empty() {
        return Err(ZoneError::NoOverlap(no_overlap_advice(&rows, inp)));
    }
    // NLB needs at least two zones in a multi-zone region: add the roomiest other zone.
    if chosen.len() == 1 && inp.nlb.len() >= 2 {
        let extra = rows
            .iter()
            .filter(|r| r.zone != chosen[0].zone && r.nlb && r.privatelink && roomy(&r.zone))
            .filter_map(|r| best_vswitch(inp.vswitches, &r.zone))
            .max_by_key(|v| v.free_ips);
        match extra {
            Some(v) => chosen.push(pick(v, inp.tidb.contains(&v.zone_id))),
            None => {
                let others: Vec<&str> = inp
                    .nlb
                    .iter()
                    .filter(|z| **z != chosen[0].zone)
                    .map(String::as_str)
                    .collect();
                return Err(ZoneError::NoOverlap(format!(
                    "NLB needs two zones but only {} has a vSwitch with ≥{MIN_FREE_IPS} free IPs; create a vSwitch in the RDS VPC in another NLB zone ({})",
                    chosen[0].zone,
                    others.join(", ")
                )));
            }
        }
    }
    for row in &mut rows {
        row.chosen = chosen.iter().any(|c| c.zone == row.zone);
    }
    Ok(ZoneAnalysis {
        rows,
        eligible,
        chosen,
    })
}

fn why_not(row: &ZoneRow) -> String {
    let mut why = Vec::new();
    if !row.nlb {
        why.push("NLB does not support it".to_string());
    }
    if !row.privatelink {
        why.push("PrivateLink does not support it".to_string());
    }
    match &row.vswitch {
        None => why.push("the RDS VPC has no vSwitch there".to_string()),
        Some(v) if v.free_ips < MIN_FREE_IPS => why.push(format!(
            "vSwitch {} has only {} free IPs (need {MIN_FREE_IPS})",
            v.id, v.free_ips
        )),
        _ => {}
    }
    if why.is_empty() && !row.tidb {
        why.push("TiDB Cloud has no endpoint zone there".to_string());
    }
    why.join("; ")
}

fn no_overlap_advice(rows: &[ZoneRow], inp: &ZoneInputs<'_>) -> String {
    let tidb_rows: Vec<&ZoneRow> = rows.iter().filter(|r| r.tidb).collect();
    let mut parts = vec![format!(
        "TiDB Cloud zones are {}",
        if inp.tidb.is_empty() {
            "unknown".to_string()
        } else {
            inp.tidb.join(", ")
        }
    )];
    for r in &tidb_rows {
        parts.push(format!("{}: {}", r.zone, why_not(r)));
    }
    let target = tidb_rows.iter().find(|r| r.nlb && r.privatelink);
    if let Some(r) = target {
        let vpc = if inp.rds_vpc.is_empty() {
            "the RDS VPC".to_string()
        } else {
            format!("the RDS VPC {}", inp.rds_vpc)
        };
        parts.push(format!(
            "fix: create a vSwitch in {vpc} in zone {} with at least {MIN_FREE_IPS} free IPs (a /28 or larger), then run tilink again",
            r.zone
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vsw(id: &str, zone: &str, free: u64) -> VSwitchInfo {
        VSwitchInfo {
            id: id.into(),
            zone_id: zone.into(),
            cidr: format!("172.16.{}.0/24", id.len()),
            free_ips: free,
            ..Default::default()
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    /// The analysis with TiDB in zones a and b, NLB and PrivateLink in a, b and c, the RDS
    /// VPC's `vswitches`, its nodes in `rds_zones` and the user asking for `requested`.
    fn analyze_abc(
        vswitches: &[VSwitchInfo],
        rds_zones: &[&str],
        requested: &[&str],
    ) -> Result<ZoneAnalysis, ZoneError> {
        let all = s(&["a", "b", "c"]);
        analyze(&ZoneInputs {
            tidb: &s(&["a", "b"]),
            nlb: &all,
            privatelink: &all,
            vswitches,
            rds_zones: &s(rds_zones),
            requested: &s(requested),
            rds_vpc: "",
        })
    }

    #[test]
    fn picks_the_full_overlap() {
        let vs = [
            vsw("vsw-a", "a", 200),
            vsw("vsw-a2", "a", 20),
            vsw("vsw-b", "b", 100),
            vsw("vsw-c", "c", 100),
        ];
        let r = analyze_abc(&vs, &["a"], &[]).unwrap();
        assert_eq!(r.eligible, ["a", "b"]);
        let ids: Vec<_> = r.chosen.iter().map(|c| c.vswitch_id.as_str()).collect();
        assert_eq!(ids, ["vsw-a", "vsw-b"]);
        assert!(r.rows[0].rds && r.rows[0].chosen && !r.rows[2].chosen);
    }

    #[test]
    fn one_overlap_adds_an_nlb_only_zone() {
        let vs = [
            vsw("vsw-a", "a", 200),
            vsw("vsw-b", "b", 5),
            vsw("vsw-c", "c", 100),
        ];
        let r = analyze_abc(&vs, &[], &[]).unwrap();
        assert_eq!(r.eligible, ["a"]);
        assert_eq!(r.chosen.len(), 2);
        assert!(r.chosen[0].serves_tidb && !r.chosen[1].serves_tidb);
        assert_eq!(r.chosen[1].zone, "c");
    }

    #[test]
    fn no_overlap_says_which_vswitch_to_create() {
        let vs = [vsw("vsw-c", "c", 100), vsw("vsw-b", "b", 3)];
        let e = analyze_abc(&vs, &[], &[]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("a: the RDS VPC has no vSwitch there"), "{msg}");
        assert!(msg.contains("vSwitch vsw-b has only 3 free IPs"), "{msg}");
        assert!(
            msg.contains("create a vSwitch in the RDS VPC in zone a"),
            "{msg}"
        );
    }

    #[test]
    fn requested_zones_are_validated() {
        let vs = [
            vsw("vsw-a", "a", 200),
            vsw("vsw-b", "b", 100),
            vsw("vsw-c", "c", 100),
        ];
        let inp = |req: &[&str]| analyze_abc(&vs, &[], req);
        assert_eq!(inp(&["b", "c"]).unwrap().chosen.len(), 2);
        assert!(matches!(inp(&["z"]), Err(ZoneError::Unusable { .. })));
        assert!(matches!(inp(&["c"]), Err(ZoneError::NoOverlap(_))));
    }
}
