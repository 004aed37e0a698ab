//! RDS 2014-08-15: instance discovery, network info and IP allowlists.
//! Not-found is 400 `InvalidDBInstanceId.NotFound`; writes on a non-Running instance are
//! 403 `IncorrectDBInstanceState` (alibaba-api.md §5, §6).

use serde_json::Value;

use super::{AliError, Ctx, Params, ok, page_by_number, unknown_action};
use crate::sim::behaviour::Behaviour;
use crate::sim::net;
use crate::sim::world::{IpGroup, Rds, World};
use crate::wire::aliyun as wire;

fn not_found(id: &str) -> AliError {
    AliError::bad(
        "InvalidDBInstanceId.NotFound",
        format!("Specified instance {id} does not exist."),
    )
}

fn find<'a>(w: &'a World, p: &Params) -> Result<&'a Rds, AliError> {
    let id = p.req("DBInstanceId")?;
    w.rds
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| not_found(id))
}

fn net_type(_r: &Rds) -> &'static str {
    "Intranet"
}

fn summary(r: &Rds, now: tokio::time::Instant) -> wire::DbInstance {
    wire::DbInstance {
        db_instance_id: r.id.clone(),
        db_instance_description: r.description.clone(),
        region_id: r.region.clone(),
        engine: r.engine.clone(),
        engine_version: r.engine_version.clone(),
        db_instance_status: r.status_at(now).into(),
        db_instance_type: r.db_type.clone(),
        db_instance_net_type: net_type(r).into(),
        instance_network_type: r.network_type.clone(),
        connection_string: r.connection_string.clone(),
        zone_id: r.zone.clone(),
        vpc_id: r.vpc_id.clone(),
        vswitch_id: r.vswitch_id.clone(),
        lock_mode: "Unlock".into(),
        category: r.category.clone(),
        db_instance_class: r.class.clone(),
        master_instance_id: r.master_instance_id.clone(),
        create_time: r.created.clone(),
    }
}

/// Handles one RDS action.
pub fn handle(w: &mut World, ctx: &Ctx<'_>, action: &str, p: &Params) -> Result<Value, AliError> {
    match action {
        "DescribeDBInstances" => {
            let region = p.req("RegionId")?;
            let ids: Vec<&str> = p
                .opt("DBInstanceId")
                .map(|s| s.split(',').map(str::trim).collect())
                .unwrap_or_default();
            let f = |name: &str, v: &str| p.opt(name).is_none_or(|x| x.eq_ignore_ascii_case(v));
            let items: Vec<_> = w
                .rds
                .iter()
                .filter(|r| r.region == region)
                .filter(|r| ids.is_empty() || ids.contains(&r.id.as_str()))
                .filter(|r| {
                    f("Engine", &r.engine) && f("VpcId", &r.vpc_id) && f("VSwitchId", &r.vswitch_id)
                })
                .filter(|r| f("ZoneId", &r.zone) && f("DBInstanceStatus", r.status_at(ctx.now)))
                .filter(|r| {
                    f("InstanceNetworkType", &r.network_type) && f("DBInstanceType", &r.db_type)
                })
                .map(|r| summary(r, ctx.now))
                .collect();
            let (page, number, _size, total) = page_by_number(p, items, 30, 100)?;
            ok(wire::DescribeDbInstancesResponse {
                request_id: ctx.request_id.into(),
                page_record_count: page.len() as u64,
                items: page.into(),
                total_record_count: total,
                page_number: number,
                next_token: String::new(),
            })
        }
        "DescribeDBInstanceAttribute" => {
            let r = find(w, p)?;
            let a = wire::DbInstanceAttribute {
                db_instance_id: r.id.clone(),
                db_instance_description: r.description.clone(),
                region_id: r.region.clone(),
                engine: r.engine.clone(),
                engine_version: r.engine_version.clone(),
                db_instance_status: r.status_at(ctx.now).into(),
                db_instance_type: r.db_type.clone(),
                db_instance_net_type: net_type(r).into(),
                instance_network_type: r.network_type.clone(),
                connection_string: r.connection_string.clone(),
                port: r.port,
                zone_id: r.zone.clone(),
                master_zone: r.master_zone.clone(),
                slave_zones: r
                    .slave_zones
                    .iter()
                    .map(|z| wire::SlaveZone { zone_id: z.clone() })
                    .collect::<Vec<_>>()
                    .into(),
                vpc_id: r.vpc_id.clone(),
                vswitch_id: r.vswitch_id.clone(),
                security_ip_mode: r.security_ip_mode.clone(),
                lock_mode: "Unlock".into(),
                category: r.category.clone(),
                db_instance_class: r.class.clone(),
                creation_time: r.created.clone(),
            };
            ok(wire::DescribeDbInstanceAttributeResponse {
                request_id: ctx.request_id.into(),
                items: vec![a].into(),
            })
        }
        "DescribeDBInstanceNetInfo" => {
            let r = find(w, p)?;
            let vpc = r.network_type == "VPC";
            let info = wire::DbInstanceNetInfo {
                connection_string: r.connection_string.clone(),
                ip_address: r.private_ip.clone(),
                ip_type: if vpc {
                    "Private".into()
                } else {
                    "Inner".into()
                },
                port: r.port,
                vpc_id: r.vpc_id.clone(),
                vswitch_id: r.vswitch_id.clone(),
                connection_string_type: "Normal".into(),
            };
            ok(wire::DescribeDbInstanceNetInfoResponse {
                request_id: ctx.request_id.into(),
                instance_network_type: r.network_type.clone(),
                security_ip_mode: r.security_ip_mode.clone(),
                db_instance_net_infos: vec![info].into(),
            })
        }
        "DescribeDBInstanceIPArrayList" => {
            let r = find(w, p)?;
            let items: Vec<_> = r
                .groups
                .iter()
                .map(|g| wire::DbInstanceIpArray {
                    db_instance_ip_array_name: g.name.clone(),
                    db_instance_ip_array_attribute: g.attribute.clone(),
                    security_ip_type: "ipv4".into(),
                    security_ip_list: g.ips.join(","),
                })
                .collect();
            ok(wire::DescribeDbInstanceIpArrayListResponse {
                request_id: ctx.request_id.into(),
                items: items.into(),
            })
        }
        "ModifySecurityIps" => modify_security_ips(w, ctx, p),
        _ => Err(unknown_action(action)),
    }
}

fn modify_security_ips(w: &mut World, ctx: &Ctx<'_>, p: &Params) -> Result<Value, AliError> {
    let id = p.req("DBInstanceId")?.to_string();
    let ips_param = p.req("SecurityIps")?;
    let ips: Vec<String> = ips_param
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    for ip in &ips {
        if net::parse_cidr(ip).is_none() {
            return Err(AliError::bad(
                "InvalidSecurityIPList.Format",
                format!("Specified security IP list is not valid: {ip}"),
            ));
        }
    }
    let group = p
        .opt("DBInstanceIPArrayName")
        .unwrap_or("Default")
        .to_string();
    let mode = p.opt("ModifyMode").unwrap_or("Cover");
    if !["cover", "append", "delete"].contains(&mode.to_ascii_lowercase().as_str()) {
        return Err(p.invalid("ModifyMode", "must be Cover, Append or Delete"));
    }
    let task_id = w.digits(9);
    let settle = w.until_if(
        Behaviour::RdsSettling,
        "rds_settle",
        w.delays.rds_settle,
        ctx.now,
    );
    let keep_one = w.behaves(Behaviour::RdsKeepOneIp);
    let r = w
        .rds
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| not_found(&id))?;
    // WhitelistNetworkType defaults to MIX, the general-mode value; an instance in enhanced
    // whitelist mode (SecurityIPMode=safety) takes only Classic or VPC, and a general-mode one
    // only MIX (ModifySecurityIps reference; InvalidWhitelistNetType.Malformed is its code).
    let net = p.opt("WhitelistNetworkType").unwrap_or("MIX");
    let fits = if r.security_ip_mode == "safety" {
        net == "VPC" || net == "Classic"
    } else {
        net == "MIX"
    };
    if !fits {
        return Err(AliError::bad(
            "InvalidWhitelistNetType.Malformed",
            format!(
                "The specified whitelist network type {net} does not match the whitelist mode ({}) of the instance.",
                r.security_ip_mode
            ),
        ));
    }
    if r.status_at(ctx.now) != "Running" {
        return Err(AliError::new(
            403,
            "IncorrectDBInstanceState",
            format!(
                "Current DB instance state does not support this operation ({}).",
                r.status_at(ctx.now)
            ),
        ));
    }
    if let Some(g) = r
        .groups
        .iter()
        .find(|g| g.name.eq_ignore_ascii_case(&group))
        && g.attribute == "hidden"
    {
        return Err(AliError::new(
            403,
            "InvalidDBInstanceIPArrayName.Forbidden",
            "System allowlist groups cannot be modified.",
        ));
    }
    let mut created_new = false;
    let idx = match r.groups.iter().position(|g| g.name == group) {
        Some(i) => i,
        None => {
            if mode.eq_ignore_ascii_case("Delete") {
                return ok(wire::ModifySecurityIpsResponse {
                    request_id: ctx.request_id.into(),
                    task_id,
                });
            }
            if r.groups.len() >= 200 {
                return Err(AliError::bad(
                    "QuotaExceeded.IpArrayCount",
                    "At most 200 allowlist groups.",
                ));
            }
            r.groups.push(IpGroup {
                name: group.clone(),
                attribute: String::new(),
                ips: vec![],
            });
            created_new = true;
            r.groups.len() - 1
        }
    };
    let current = r.groups[idx].ips.clone();
    let new_ips: Vec<String> = match mode.to_ascii_lowercase().as_str() {
        "cover" => ips.iter().fold(vec![], |mut v, ip| {
            if !v.contains(ip) {
                v.push(ip.clone());
            }
            v
        }),
        "append" => ips.iter().fold(current.clone(), |mut v, ip| {
            if !v.contains(ip) {
                v.push(ip.clone());
            }
            v
        }),
        "delete" => current
            .iter()
            .filter(|x| !ips.contains(x))
            .cloned()
            .collect(),
        _ => return Err(p.invalid("ModifyMode", "must be Cover, Append or Delete")),
    };
    let others: usize = r
        .groups
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != idx)
        .map(|(_, g)| g.ips.len())
        .sum();
    if others + new_ips.len() > 1000 {
        if created_new {
            r.groups.remove(idx);
        }
        return Err(AliError::bad(
            "InvalidSecurityIPList.Count",
            "At most 1000 IP entries per instance.",
        ));
    }
    if new_ips.is_empty() && keep_one {
        // Behaviour `rds-keep-one-ip` (an assumption): "you must retain at least one IP
        // address in the whitelist" (ModifySecurityIps parameter docs), enforced per group,
        // with the one listed code about the resulting list's validity.
        if created_new {
            r.groups.remove(idx);
        }
        return Err(AliError::bad(
            "SecurityIPList.Format",
            "Specified SecurityIPList is not valid: at least one IP address must be retained.",
        ));
    }
    if new_ips.is_empty() && !r.groups[idx].name.eq_ignore_ascii_case("default") {
        r.groups.remove(idx);
    } else {
        r.groups[idx].ips = new_ips;
    }
    // The write is a task on the instance (behaviour `rds-settling`).
    r.settling_until = settle.or(r.settling_until);
    ok(wire::ModifySecurityIpsResponse {
        request_id: ctx.request_id.into(),
        task_id,
    })
}
