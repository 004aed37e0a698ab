//! NLB load balancers (and the zones they may use).

use super::*;

/// `DescribeZones`.
pub(super) fn describe_zones(Call { w, ctx, region, .. }: Call<'_>) -> Reply {
    let rid = ctx.request_id.to_string();
    ok(wire::NlbDescribeZonesResponse {
        request_id: rid,
        zones: zones_offering(w, region, |z| z.nlb),
    })
}

/// `GetLoadBalancerAttribute`.
pub(super) fn get_load_balancer_attribute(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let id = p.req("LoadBalancerId")?;
    let lb = w
        .load_balancers
        .iter()
        .find(|l| l.id == id && l.region == region && now >= l.visible_at)
        .ok_or_else(|| lb_not_found(id))?;
    ok(wire::GetLoadBalancerAttributeResponse {
        request_id: rid,
        load_balancer: lb_common(lb, now, true),
        tags: lb
            .tags
            .iter()
            .map(|(k, v)| wire::TagKv {
                tag_key: k.clone(),
                tag_value: v.clone(),
            })
            .collect(),
    })
}

/// `ListLoadBalancers`.
pub(super) fn list_load_balancers(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let ids = p.list("LoadBalancerIds");
    let names = p.list("LoadBalancerNames");
    let vpcs = p.list("VpcIds");
    let tag_filter = p.tags()?;
    let items: Vec<_> = w
        .load_balancers
        .iter()
        .filter(|l| l.region == region && ctx.visible(l.life.created_at))
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .filter(|l| names.is_empty() || names.contains(&l.name))
        .filter(|l| vpcs.is_empty() || vpcs.contains(&l.vpc_id))
        .filter(|l| {
            p.opt("AddressType")
                .is_none_or(|t| t.eq_ignore_ascii_case(&l.address_type))
        })
        .filter(|l| {
            p.opt("LoadBalancerStatus")
                .is_none_or(|s| s == l.status(now))
        })
        .filter(|l| {
            p.opt("ZoneId")
                .is_none_or(|z| l.zones.iter().any(|m| m.zone == z))
        })
        .filter(|l| tags_match(&l.tags, &tag_filter))
        .map(|l| wire::LoadBalancer {
            common: lb_common(l, now, false),
            tags: wire_tags(&l.tags),
        })
        .collect();
    let page = page_by_token(p, items, 20, 100)?;
    ok(wire::ListLoadBalancersResponse {
        request_id: rid,
        load_balancers: page.items,
        total_count: page.total_count,
        next_token: page.next_token,
        max_results: page.max_results,
    })
}

/// `DeleteLoadBalancer`.
pub(super) fn delete_load_balancer(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let id = p.req("LoadBalancerId")?.to_string();
    let dry = p.bool("DryRun", false)?;
    let lb = find_in(&w.load_balancers, &id, region, lb_not_found)?;
    if lb.deletion_protection {
        return Err(AliError::bad(
            "OperationDenied.DeletionProtectionEnabled",
            "Deletion protection is enabled.",
        ));
    }
    if lb.status(now) == "Configuring" {
        return Err(AliError::bad(
            "ResourceInConfiguring.loadbalancer",
            format!("The load balancer {id} is being configured; try again later."),
        ));
    }
    if let Some(l) = w.listeners.iter().find(|l| l.lb_id == id) {
        return Err(AliError::bad(
            "IncorrectStatus.loadbalancer",
            format!(
                "The load balancer {id} still has listener {}; delete the listeners first.",
                l.id
            ),
        ));
    }
    if let Some(s) = w
        .services
        .iter()
        .find(|s| s.resources.iter().any(|r| r.id == id))
    {
        return Err(AliError::bad(
            "IncorrectStatus.loadbalancer",
            format!(
                "The load balancer {id} is a resource of endpoint service {}.",
                s.id
            ),
        ));
    }
    if dry {
        return Err(AliError::dry_run());
    }
    let done = lb
        .life
        .deleting_at
        .unwrap_or(now + w.draw("load_balancer_delete", w.delays.load_balancer_delete));
    if let Some(lb) = w.load_balancers.iter_mut().find(|l| l.id == id) {
        lb.life.deleting_at = Some(done);
    }
    job_answer(w, ctx, done)
}

pub(super) fn create_load_balancer(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let address_type = canonical(
        p,
        "AddressType",
        p.req("AddressType")?,
        &["Internet", "Intranet"],
    )?;
    let vpc = p.req("VpcId")?.to_string();
    if !w.vpcs.iter().any(|v| v.id == vpc && v.region == region) {
        return Err(AliError::not_found(
            "ResourceNotFound.Vpc",
            format!("The specified resource {vpc} is not found."),
        ));
    }
    let ip_version = canonical(
        p,
        "AddressIpVersion",
        p.opt("AddressIpVersion").unwrap_or("ipv4"),
        &["ipv4", "DualStack"],
    )?;
    if let Some(t) = p.opt("LoadBalancerType")
        && !t.eq_ignore_ascii_case("Network")
    {
        return Err(p.invalid("LoadBalancerType", "must be Network"));
    }
    let mappings = p.objects("ZoneMappings");
    let region_zones = w.zones(region).len();
    if mappings.is_empty() {
        return Err(p.missing("ZoneMappings"));
    }
    if region_zones >= 2 && mappings.len() < 2 {
        return Err(p.invalid(
            "ZoneMappings",
            "at least 2 zones are required in this region",
        ));
    }
    if mappings.len() > 10 {
        return Err(p.invalid("ZoneMappings", "at most 10 zones"));
    }
    let mut plan: Vec<(String, String, Option<String>)> = vec![];
    for (i, m) in mappings.iter().enumerate() {
        let n = i + 1;
        let zone = m
            .get("ZoneId")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| p.missing(&format!("ZoneMappings.{n}.ZoneId")))?;
        let vsw_id = m
            .get("VSwitchId")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| p.missing(&format!("ZoneMappings.{n}.VSwitchId")))?;
        let Some(zi) = w.zones(region).iter().find(|z| &z.id == zone) else {
            return Err(p.invalid("ZoneId", &format!("unknown zone {zone}")));
        };
        if !zi.nlb {
            return Err(AliError::new(
                403,
                "UnauthorizedZone",
                format!("The zone {zone} does not support NLB."),
            ));
        }
        if plan.iter().any(|(z, _, _)| z == zone) {
            return Err(AliError::bad(
                "DuplicatedParam.ZoneId",
                format!("Zone {zone} is specified more than once."),
            ));
        }
        let vsw = w
            .vswitches
            .iter()
            .find(|v| &v.id == vsw_id)
            .ok_or_else(|| {
                AliError::not_found(
                    "ResourceNotFound.VSwitch",
                    format!("The specified resource {vsw_id} is not found."),
                )
            })?;
        if vsw.vpc_id != vpc {
            return Err(AliError::bad(
                "Mismatch.VpcId",
                format!("The vSwitch {vsw_id} is not in VPC {vpc}."),
            ));
        }
        if &vsw.zone != zone {
            return Err(AliError::bad(
                "Mismatch.ZoneIdAndVswitchId",
                format!("The vSwitch {vsw_id} is in zone {}, not {zone}.", vsw.zone),
            ));
        }
        if vsw.available < 3 {
            return Err(AliError::bad(
                "ResourceNotEnough.VSwitchIp",
                format!(
                    "The vSwitch {vsw_id} has {} free IP addresses; an NLB needs 3.",
                    vsw.available
                ),
            ));
        }
        let fixed = m
            .get("PrivateIPv4Address")
            .filter(|v| !v.is_empty())
            .cloned();
        if let Some(ip) = &fixed {
            let ok_ip = net::parse_ip(ip).is_some_and(|a| {
                net::parse_cidr(&vsw.cidr).is_some_and(|c| net::contains(c, a))
                    && !vsw.used.contains(&a)
            });
            if !ok_ip {
                return Err(p.invalid(
                    "PrivateIPv4Address",
                    &format!("{ip} is not a free address of {vsw_id}"),
                ));
            }
        }
        plan.push((zone.clone(), vsw_id.clone(), fixed));
    }
    let mut tags = vec![];
    merge_tags(&mut tags, &p.tags()?)?;
    let protection = p.bool("DeletionProtectionConfig.Enabled", false)?;
    if p.bool("DryRun", false)? {
        return Err(AliError::dry_run());
    }
    let id = w.id("nlb-", 18);
    let mut zones = vec![];
    for (zone, vsw_id, fixed) in plan {
        let eni = w.id("eni-t4n", 17);
        let Some(v) = w.vswitches.iter_mut().find(|v| v.id == vsw_id) else {
            continue;
        };
        let vip = match fixed {
            Some(ip) => {
                if let Some(a) = net::parse_ip(&ip) {
                    v.used.insert(a);
                    v.available = v.available.saturating_sub(1);
                }
                ip
            }
            None => v.allocate().unwrap_or_default(),
        };
        let locals = (0..2).filter_map(|_| v.allocate()).collect();
        zones.push(ZoneMap {
            zone,
            vswitch_id: vsw_id,
            vip,
            locals,
            eni,
        });
    }
    let order_id: u64 = w.digits(15).parse().unwrap_or(1);
    let delay = w.draw("load_balancer", w.delays.load_balancer);
    let visible_at = w.visible_from(now);
    w.load_balancers.push(LoadBalancer {
        id: id.clone(),
        name: p.opt("LoadBalancerName").unwrap_or_default().into(),
        address_type: address_type.into(),
        ip_version: ip_version.into(),
        vpc_id: vpc,
        region: region.into(),
        zones,
        tags,
        deletion_protection: protection,
        create_time: crate::sim::clock::wall_rfc3339(),
        life: Lifecycle::new(now, delay),
        visible_at,
    });
    ok(wire::CreateLoadBalancerResponse {
        request_id: ctx.request_id.into(),
        loadbalancer_id: id,
        order_id,
    })
}
