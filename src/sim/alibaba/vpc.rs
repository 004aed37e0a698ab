//! VPC 2016-04-28: DescribeVpcs, DescribeVSwitches, DescribeZones (query parameters,
//! `PageNumber`/`PageSize` paging, XML-style wrappers).

use serde_json::Value;

use super::{AliError, Ctx, Params, known_region, ok, page_by_number, unknown_action};
use crate::sim::world::World;
use crate::wire::aliyun as wire;

/// Handles one VPC action.
pub fn handle(w: &mut World, ctx: &Ctx<'_>, action: &str, p: &Params) -> Result<Value, AliError> {
    match action {
        "DescribeVpcs" => {
            let region = p.req("RegionId")?;
            known_region(w, p, region)?;
            let ids: Vec<&str> = p
                .opt("VpcId")
                .map(|s| s.split(',').map(str::trim).collect())
                .unwrap_or_default();
            let is_default = p
                .opt("IsDefault")
                .map(|_| p.bool("IsDefault", false))
                .transpose()?;
            let items: Vec<wire::Vpc> = w
                .vpcs
                .iter()
                .filter(|v| v.region == region)
                .filter(|v| ids.is_empty() || ids.contains(&v.id.as_str()))
                .filter(|v| p.opt("VpcName").is_none_or(|n| n == v.name))
                .filter(|v| is_default.is_none_or(|d| d == v.is_default))
                .map(|v| wire::Vpc {
                    vpc_id: v.id.clone(),
                    vpc_name: v.name.clone(),
                    region_id: v.region.clone(),
                    cidr_block: v.cidr.clone(),
                    status: "Available".into(),
                    is_default: v.is_default,
                    creation_time: v.created.clone(),
                    description: String::new(),
                    vswitch_ids: w
                        .vswitches
                        .iter()
                        .filter(|s| s.vpc_id == v.id)
                        .map(|s| s.id.clone())
                        .collect::<Vec<_>>()
                        .into(),
                })
                .collect();
            let (page, number, size, total) = page_by_number(p, items, 10, 50)?;
            ok(wire::DescribeVpcsResponse {
                request_id: ctx.request_id.into(),
                total_count: total,
                page_number: number,
                page_size: size,
                vpcs: page.into(),
            })
        }
        "DescribeVSwitches" => {
            let region = p.opt("RegionId");
            let vpc = p.opt("VpcId");
            if region.is_none() && vpc.is_none() {
                return Err(p.missing("RegionId"));
            }
            if let Some(r) = region {
                known_region(w, p, r)?;
            }
            let ids: Vec<&str> = p
                .opt("VSwitchId")
                .map(|s| s.split(',').map(str::trim).collect())
                .unwrap_or_default();
            let items: Vec<wire::VSwitch> = w
                .vswitches
                .iter()
                .filter(|s| region.is_none_or(|r| r == s.region))
                .filter(|s| vpc.is_none_or(|v| v == s.vpc_id))
                .filter(|s| p.opt("ZoneId").is_none_or(|z| z == s.zone))
                .filter(|s| ids.is_empty() || ids.contains(&s.id.as_str()))
                .map(|s| wire::VSwitch {
                    vswitch_id: s.id.clone(),
                    vswitch_name: s.name.clone(),
                    vpc_id: s.vpc_id.clone(),
                    zone_id: s.zone.clone(),
                    cidr_block: s.cidr.clone(),
                    available_ip_address_count: s.available,
                    status: "Available".into(),
                    is_default: false,
                    creation_time: s.created.clone(),
                    description: String::new(),
                })
                .collect();
            let (page, number, size, total) = page_by_number(p, items, 10, 50)?;
            ok(wire::DescribeVSwitchesResponse {
                request_id: ctx.request_id.into(),
                total_count: total,
                page_number: number,
                page_size: size,
                vswitches: page.into(),
            })
        }
        "DescribeZones" => {
            let region = p.req("RegionId")?;
            known_region(w, p, region)?;
            let zones = w
                .zones(region)
                .iter()
                .map(|z| wire::Zone {
                    zone_id: z.id.clone(),
                    local_name: z.local_name.clone(),
                    zone_type: "AvailabilityZone".into(),
                })
                .collect::<Vec<_>>();
            ok(wire::DescribeZonesResponse {
                request_id: ctx.request_id.into(),
                zones: zones.into(),
            })
        }
        _ => Err(unknown_action(action)),
    }
}
