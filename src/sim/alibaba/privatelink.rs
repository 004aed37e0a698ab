//! PrivateLink 2020-04-15: activation, endpoint services, resources, whitelist and
//! connections. Every error is HTTP 400, not-found included (alibaba-api.md §5).
//!
//! Size (~700 lines): the sixteen PrivateLink actions tilink calls, each with the checks
//! the real API makes, in the order of the API reference.

use serde_json::Value;
use tokio::time::Instant;

use super::{
    AliError, Ctx, Params, known_region, merge_tags, ok, page_by_token, tags_match, unknown_action,
};
use crate::sim::behaviour::Behaviour;
use crate::sim::clock::wall_rfc3339;
use crate::sim::world::{Connection, EndpointService, Lifecycle, ServiceResource, World};
use crate::wire::aliyun as wire;

fn svc_not_found(id: &str) -> AliError {
    AliError::bad(
        "EndpointServiceNotFound",
        format!("The specified endpoint service {id} does not exist."),
    )
}
/// Who a call's "no repeats within a period" rule is scoped to (the official docs: the
/// account for delete, enable, disable and adding users; the service for attach, detach and
/// removing users).
fn repeat_key(action: &str, service_id: &str) -> (String, String) {
    let per_account = matches!(
        action,
        "DeleteVpcEndpointService"
            | "EnableVpcEndpointConnection"
            | "DisableVpcEndpointConnection"
            | "AddUserToVpcEndpointService"
    );
    let scope = if per_account { "account" } else { service_id };
    (action.to_string(), scope.to_string())
}

/// Behaviour `repeat-refusal`: the SDK 3.0.1 usage notes say these calls "cannot be called
/// repeatedly within a specified period"; the period is not given (the profile's
/// `repeat_window`, an assumption) and the code is the one Terraform retries for them
/// (`ConcurrentCallNotSupported`, added in 99dd0a256, c7a4d6824, d5686225e, 2d2060c11).
fn repeat_check(w: &World, action: &str, service_id: &str, now: Instant) -> Result<(), AliError> {
    if !w.behaves(Behaviour::RepeatRefusal) {
        return Ok(());
    }
    match w.recent_writes.get(&repeat_key(action, service_id)) {
        Some(t) if now < *t + w.delays.repeat_window => Err(AliError::bad(
            "ConcurrentCallNotSupported",
            format!("{action} does not support concurrent or repeated calls; try again later."),
        )),
        _ => Ok(()),
    }
}

/// Behaviour `service-pending`: the service is `Pending` (being modified) while an attach or a
/// detach settles.
fn settle_pending(w: &mut World, id: &str, now: Instant) {
    let pending = w.until_if(
        Behaviour::ServicePending,
        "service_pending",
        w.delays.service_pending,
        now,
    );
    if let Some(s) = w.services.iter_mut().find(|s| s.id == id) {
        s.life.busy_until = pending.or(s.life.busy_until);
    }
}

/// Records a successful call for [`repeat_check`].
fn repeat_note(w: &mut World, action: &str, service_id: &str, now: Instant) {
    w.recent_writes.insert(repeat_key(action, service_id), now);
}

fn conn_not_found(id: &str) -> AliError {
    AliError::bad(
        "EndpointConnectionNotFound",
        format!("The specified endpoint connection {id} does not exist."),
    )
}

/// `attribute`: the GetVpcEndpointServiceAttribute shape (zones, no tags), else the list's.
fn svc_wire(
    s: &EndpointService,
    now: tokio::time::Instant,
    attribute: bool,
) -> wire::EndpointService {
    let mut zones: Vec<String> = s.resources.iter().map(|r| r.zone.clone()).collect();
    zones.sort();
    zones.dedup();
    wire::EndpointService {
        service_id: s.id.clone(),
        service_name: s.name.clone(),
        service_domain: s.domain.clone(),
        service_description: s.description.clone(),
        service_status: s.status(now).into(),
        service_business_status: "Normal".into(),
        service_resource_type: s.resource_type.clone(),
        service_type: "Interface".into(),
        auto_accept_enabled: s.auto_accept,
        zone_affinity_enabled: s.zone_affinity,
        payer: s.payer.clone(),
        connect_bandwidth: 3072,
        region_id: s.region.clone(),
        create_time: s.create_time.clone(),
        // The attribute call returns zones and no tags; the list returns tags and no zones.
        tags: (!attribute).then(|| {
            s.tags
                .iter()
                .map(|(k, v)| wire::Tag {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect()
        }),
        zones: attribute.then_some(zones),
    }
}

fn conn_wire(c: &Connection) -> wire::EndpointConnection {
    let zone_status = match c.status.as_str() {
        "Disconnected" if c.connected_since.is_none() => "Wait",
        s => s,
    };
    wire::EndpointConnection {
        endpoint_id: c.endpoint_id.clone(),
        endpoint_owner_id: c.owner_id,
        endpoint_vpc_id: c.vpc_id.clone(),
        endpoint_region_id: c.region.clone(),
        service_id: c.service_id.clone(),
        resource_owner: false,
        connection_status: c.status.as_str().into(),
        bandwidth: c.bandwidth,
        modified_time: c.modified_time.clone(),
        zones: c
            .zones
            .iter()
            .map(|z| wire::ConnectionZone {
                zone_id: z.zone.clone(),
                vswitch_id: z.vswitch_id.clone(),
                eni_id: z.eni_id.clone(),
                resource_id: z.resource_id.clone(),
                zone_domain: z.domain.clone(),
                zone_status: zone_status.into(),
            })
            .collect(),
    }
}

/// Finds a resource that can serve `zone` for a service: an intranet, Active NLB with that zone.
fn check_resource(
    w: &World,
    p: &Params,
    region: &str,
    id: &str,
    kind: &str,
    zone: Option<&str>,
    now: tokio::time::Instant,
) -> Result<(), AliError> {
    if !kind.eq_ignore_ascii_case("nlb") {
        // Only NLB resources are modelled.
        return Err(AliError::bad(
            "LoadBalancerNotSupportPrivateLink",
            format!("Resource type {kind} is not supported by this simulator."),
        ));
    }
    let zone = zone
        .filter(|z| !z.is_empty())
        .ok_or_else(|| p.missing("ZoneId"))?;
    let lb = w
        .load_balancers
        .iter()
        .find(|l| l.id == id && l.region == region && l.life.deleting_at.is_none())
        .ok_or_else(|| {
            AliError::bad(
                "IllegalParam.ResourceId",
                format!("The resource {id} does not exist."),
            )
        })?;
    if lb.address_type != "Intranet" {
        return Err(AliError::bad(
            "LoadBalancerNotSupportPrivateLink",
            format!("The load balancer {id} is not internal-facing."),
        ));
    }
    if lb.status(now) != "Active" {
        return Err(AliError::bad(
            "EndpointServiceOperationDenied",
            format!("The load balancer {id} is {}.", lb.status(now)),
        ));
    }
    if !lb.zones.iter().any(|z| z.zone == zone)
        || !w
            .zones(region)
            .iter()
            .any(|z| z.id == zone && z.privatelink)
    {
        return Err(AliError::bad(
            "EndpointServiceNotSupportedZone",
            format!("Zone {zone} is not available for {id}."),
        ));
    }
    if let Some(s) = w
        .services
        .iter()
        .find(|s| s.resources.iter().any(|r| r.id == id && r.zone == zone))
    {
        return Err(AliError::bad(
            "EndpointServiceResourceExist",
            format!(
                "The resource {id} in {zone} is already attached to {}.",
                s.id
            ),
        ));
    }
    Ok(())
}

fn active_service<'a>(
    w: &'a World,
    id: &str,
    region: &str,
    now: tokio::time::Instant,
) -> Result<&'a EndpointService, AliError> {
    let s = w
        .services
        .iter()
        .find(|s| s.id == id && s.region == region)
        .ok_or_else(|| svc_not_found(id))?;
    if s.status(now) != "Active" {
        return Err(AliError::bad(
            "EndpointServiceOperationDenied",
            format!(
                "The endpoint service {id} is {} and does not support this operation.",
                s.status(now)
            ),
        ));
    }
    Ok(s)
}

/// Handles one PrivateLink action.
pub fn handle(w: &mut World, ctx: &Ctx<'_>, action: &str, p: &Params) -> Result<Value, AliError> {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    if action == "CheckProductOpen" {
        return ok(wire::CheckProductOpenResponse {
            request_id: rid,
            success: w.privatelink_open,
        });
    }
    if action == "OpenPrivateLinkService" {
        if w.privatelink_open {
            return Err(AliError::bad(
                "OrderOpend",
                "The service has been activated.",
            ));
        }
        w.privatelink_open = true;
        let order = w.digits(15);
        return ok(wire::OpenPrivateLinkServiceResponse {
            request_id: rid,
            order_id: order,
        });
    }
    let region = p.req("RegionId")?.to_string();
    known_region(w, p, &region)?;
    match action {
        "DescribeZones" => {
            let zones: Vec<wire::Zone> = w
                .zones(&region)
                .iter()
                .filter(|z| z.privatelink)
                .map(|z| wire::Zone {
                    zone_id: z.id.clone(),
                    local_name: z.local_name.clone(),
                    zone_type: String::new(),
                })
                .collect();
            ok(wire::DescribeZonesResponse {
                request_id: rid,
                zones: zones.into(),
            })
        }
        "CreateVpcEndpointService" => {
            let rtype = p
                .opt("ServiceResourceType")
                .unwrap_or("slb")
                .to_ascii_lowercase();
            if !["slb", "alb", "nlb", "gwlb"].contains(&rtype.as_str()) {
                return Err(p.invalid("ServiceResourceType", "slb, alb, nlb or gwlb"));
            }
            let resources = p.objects("Resource");
            if resources.len() > 10 {
                return Err(p.invalid("Resource", "at most 10 resources at create time"));
            }
            let mut planned: Vec<ServiceResource> = vec![];
            for r in &resources {
                let id = r
                    .get("ResourceId")
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| p.missing("Resource.N.ResourceId"))?;
                let kind = r
                    .get("ResourceType")
                    .map(String::as_str)
                    .unwrap_or(rtype.as_str());
                if !kind.eq_ignore_ascii_case(&rtype) {
                    return Err(
                        p.invalid("Resource.N.ResourceType", "must match ServiceResourceType")
                    );
                }
                let zone = r.get("ZoneId").map(String::as_str);
                check_resource(w, p, &region, id, kind, zone, now)?;
                let zone = zone.unwrap_or_default().to_string();
                if planned.iter().any(|x| x.id == *id && x.zone == zone) {
                    return Err(AliError::bad(
                        "EndpointServiceResourceExist",
                        format!("Resource {id} in {zone} is listed twice."),
                    ));
                }
                planned.push(ServiceResource {
                    id: id.clone(),
                    kind: rtype.clone(),
                    zone,
                });
            }
            let auto_accept = p.bool("AutoAcceptEnabled", false)?;
            let zone_affinity = p.bool("ZoneAffinityEnabled", false)?;
            let payer = p.opt("Payer").unwrap_or("Endpoint").to_string();
            let mut tags = vec![];
            merge_tags(&mut tags, &p.tags()?)?;
            if p.bool("DryRun", false)? {
                return Err(AliError::dry_run());
            }
            let id = w.id("epsrv-", 20);
            let delay = w.draw("endpoint_service", w.delays.endpoint_service);
            let svc = EndpointService {
                name: format!("com.aliyuncs.privatelink.{region}.{id}"),
                domain: format!("{id}.{region}.privatelink.aliyuncs.com"),
                id: id.clone(),
                region: region.clone(),
                resource_type: rtype,
                resources: planned,
                auto_accept,
                zone_affinity,
                description: p.opt("ServiceDescription").unwrap_or_default().into(),
                payer,
                tags,
                users: Default::default(),
                user_arns: Default::default(),
                create_time: wall_rfc3339(),
                life: Lifecycle::new(now, delay),
                visible_at: w.visible_from(now),
            };
            let resp = wire::CreateVpcEndpointServiceResponse {
                request_id: rid,
                service_id: svc.id.clone(),
                service_name: svc.name.clone(),
                service_domain: svc.domain.clone(),
                service_status: svc.status(now).into(),
                service_business_status: "Normal".into(),
                auto_accept_enabled: svc.auto_accept,
                zone_affinity_enabled: svc.zone_affinity,
                create_time: svc.create_time.clone(),
            };
            w.services.push(svc);
            ok(resp)
        }
        "ListVpcEndpointServices" => {
            let tag_filter = p.tags()?;
            let items: Vec<_> = w
                .services
                .iter()
                .filter(|s| s.region == region && ctx.visible(s.life.created_at))
                .filter(|s| p.opt("ServiceId").is_none_or(|x| x == s.id))
                .filter(|s| p.opt("ServiceName").is_none_or(|x| x == s.name))
                .filter(|s| {
                    p.opt("ResourceId")
                        .is_none_or(|x| s.resources.iter().any(|r| r.id == x))
                })
                .filter(|s| p.opt("ServiceStatus").is_none_or(|x| x == s.status(now)))
                .filter(|s| {
                    p.opt("ServiceResourceType")
                        .is_none_or(|x| x.eq_ignore_ascii_case(&s.resource_type))
                })
                .filter(|s| {
                    p.opt("AutoAcceptEnabled")
                        .is_none_or(|x| x.eq_ignore_ascii_case(&s.auto_accept.to_string()))
                })
                .filter(|s| tags_match(&s.tags, &tag_filter))
                .map(|s| svc_wire(s, now, false))
                .collect();
            let (page, next, total) = page_by_token(p, items, 50, 1000)?;
            let max = p.u64("MaxResults", 50)?;
            ok(wire::ListVpcEndpointServicesResponse {
                request_id: rid,
                services: page,
                next_token: next,
                max_results: max,
                total_count: total,
            })
        }
        "GetVpcEndpointServiceAttribute" => {
            let id = p.req("ServiceId")?;
            let s = w
                .services
                .iter()
                .find(|s| s.id == id && s.region == region && now >= s.visible_at)
                .ok_or_else(|| svc_not_found(id))?;
            ok(wire::GetVpcEndpointServiceAttributeResponse {
                request_id: rid,
                service: svc_wire(s, now, true),
            })
        }
        "DeleteVpcEndpointService" => {
            let id = p.req("ServiceId")?.to_string();
            let dry = p.bool("DryRun", false)?;
            let s = w
                .services
                .iter()
                .find(|s| s.id == id && s.region == region)
                .ok_or_else(|| svc_not_found(&id))?;
            if let Some(c) = w.connections.iter().find(|c| c.service_id == id) {
                return Err(AliError::bad(
                    "EndpointServiceConnectionDependence",
                    format!(
                        "The endpoint service {id} still has endpoint connection {} ({}).",
                        c.endpoint_id, c.status
                    ),
                ));
            }
            let asynchronous = w.behaves(Behaviour::ServiceDeleteAsync);
            if asynchronous && s.life.deleting_at.is_some() {
                // Asynchronous, and not to be asked twice (SDK 3.0.1 usage notes).
                return Err(AliError::bad(
                    "EndpointServiceOperationDenied",
                    format!(
                        "The endpoint service {id} is Deleting and does not support this operation."
                    ),
                ));
            }
            repeat_check(w, action, &id, now)?;
            if dry {
                return Err(AliError::dry_run());
            }
            let done = match s.life.deleting_at {
                Some(t) => t,
                None if asynchronous => {
                    now + w.draw("endpoint_service_delete", w.delays.endpoint_service_delete)
                }
                None => now,
            };
            if let Some(s) = w.services.iter_mut().find(|s| s.id == id) {
                s.life.deleting_at = Some(done);
            }
            repeat_note(w, action, &id, now);
            ok(wire::Ack { request_id: rid })
        }
        "AttachResourceToVpcEndpointService" => {
            let id = p.req("ServiceId")?.to_string();
            let rid_ = p.req("ResourceId")?.to_string();
            let kind = p.req("ResourceType")?.to_ascii_lowercase();
            let zone = p.opt("ZoneId").map(str::to_string);
            let dry = p.bool("DryRun", false)?;
            let s = active_service(w, &id, &region, now)?;
            if !kind.eq_ignore_ascii_case(&s.resource_type) {
                return Err(p.invalid("ResourceType", "must match the service resource type"));
            }
            check_resource(w, p, &region, &rid_, &kind, zone.as_deref(), now)?;
            repeat_check(w, action, &id, now)?;
            if dry {
                return Err(AliError::dry_run());
            }
            if let Some(s) = w.services.iter_mut().find(|s| s.id == id) {
                s.resources.push(ServiceResource {
                    id: rid_,
                    kind,
                    zone: zone.unwrap_or_default(),
                });
            }
            settle_pending(w, &id, now);
            repeat_note(w, action, &id, now);
            ok(wire::Ack { request_id: rid })
        }
        "DetachResourceFromVpcEndpointService" => {
            let id = p.req("ServiceId")?.to_string();
            let res = p.req("ResourceId")?.to_string();
            p.req("ResourceType")?;
            let zone = p.opt("ZoneId").map(str::to_string);
            let dry = p.bool("DryRun", false)?;
            let s = active_service(w, &id, &region, now)?;
            let Some(i) = s
                .resources
                .iter()
                .position(|r| r.id == res && zone.as_ref().is_none_or(|z| *z == r.zone))
            else {
                return Err(AliError::bad(
                    "EndpointServiceResourceNotFound",
                    format!("Resource {res} is not attached to {id}."),
                ));
            };
            if w.connections.iter().any(|c| c.service_id == id) {
                return Err(AliError::bad(
                    "EndpointServiceConnectionDependence",
                    format!("The endpoint service {id} still has endpoint connections."),
                ));
            }
            repeat_check(w, action, &id, now)?;
            if dry {
                return Err(AliError::dry_run());
            }
            if let Some(s) = w.services.iter_mut().find(|s| s.id == id) {
                s.resources.remove(i);
            }
            settle_pending(w, &id, now);
            repeat_note(w, action, &id, now);
            ok(wire::Ack { request_id: rid })
        }
        "ListVpcEndpointServiceResources" => {
            let id = p.req("ServiceId")?;
            let s = w
                .services
                .iter()
                .find(|s| s.id == id && s.region == region)
                .ok_or_else(|| svc_not_found(id))?;
            let items: Vec<_> = s
                .resources
                .iter()
                .filter(|r| p.opt("ZoneId").is_none_or(|z| z == r.zone))
                .map(|r| {
                    let lb = w.load_balancers.iter().find(|l| l.id == r.id);
                    let zm = lb.and_then(|l| l.zones.iter().find(|z| z.zone == r.zone));
                    wire::ServiceResource {
                        resource_id: r.id.clone(),
                        resource_type: r.kind.clone(),
                        zone_id: r.zone.clone(),
                        vpc_id: lb.map(|l| l.vpc_id.clone()).unwrap_or_default(),
                        vswitch_id: zm.map(|z| z.vswitch_id.clone()).unwrap_or_default(),
                        ip: zm.map(|z| z.vip.clone()).unwrap_or_default(),
                        region_id: s.region.clone(),
                        related_endpoint_count: w
                            .connections
                            .iter()
                            .filter(|c| {
                                c.service_id == s.id
                                    && c.zones
                                        .iter()
                                        .any(|z| z.resource_id == r.id && z.zone == r.zone)
                            })
                            .count() as u64,
                    }
                })
                .collect();
            let (page, next, _) = page_by_token(p, items, 50, 50)?;
            let max = p.u64("MaxResults", 50)?;
            ok(wire::ListVpcEndpointServiceResourcesResponse {
                request_id: rid,
                resources: page,
                next_token: next,
                max_results: max,
            })
        }
        "AddUserToVpcEndpointService" | "RemoveUserFromVpcEndpointService" => {
            let id = p.req("ServiceId")?.to_string();
            let user = p.opt("UserId");
            let arn = p.opt("UserARN");
            let uid = match (user, arn) {
                (Some(_), Some(_)) => {
                    return Err(AliError::bad(
                        "Mismatch.UserIdAndUserArn",
                        "Specify either UserId or UserARN, not both.",
                    ));
                }
                (None, None) => {
                    return Err(AliError::bad(
                        "MissingParam.UserArn",
                        "UserId or UserARN is required.",
                    ));
                }
                (Some(u), None) => Some(
                    u.trim()
                        .parse::<u64>()
                        .map_err(|_| p.invalid("UserId", "must be an account UID"))?,
                ),
                (None, Some(_)) => None,
            };
            let dry = p.bool("DryRun", false)?;
            active_service(w, &id, &region, now)?;
            repeat_check(w, action, &id, now)?;
            if dry {
                return Err(AliError::dry_run());
            }
            if let Some(s) = w.services.iter_mut().find(|s| s.id == id) {
                let add = action.starts_with("Add");
                match (uid, arn) {
                    (Some(u), _) if add => {
                        s.users.insert(u);
                    }
                    (Some(u), _) => {
                        s.users.remove(&u);
                    }
                    (None, Some(a)) if add => {
                        s.user_arns.insert(a.to_string());
                    }
                    (None, Some(a)) => {
                        s.user_arns.remove(a);
                    }
                    _ => {}
                }
            }
            repeat_note(w, action, &id, now);
            ok(wire::Ack { request_id: rid })
        }
        "ListVpcEndpointServiceUsers" => {
            let id = p.req("ServiceId")?;
            let s = w
                .services
                .iter()
                .find(|s| s.id == id && s.region == region)
                .ok_or_else(|| svc_not_found(id))?;
            let filter: Option<u64> = p.opt("UserId").and_then(|u| u.trim().parse().ok());
            let users: Vec<u64> = s
                .users
                .iter()
                .copied()
                .filter(|u| filter.is_none_or(|f| f == *u))
                .collect();
            let (page, next, total) = page_by_token(p, users, 50, 50)?;
            let max = p.u64("MaxResults", 50)?;
            ok(wire::ListVpcEndpointServiceUsersResponse {
                request_id: rid,
                users: page
                    .into_iter()
                    .map(|u| wire::ServiceUser { user_id: u })
                    .collect(),
                user_arns: s
                    .user_arns
                    .iter()
                    .map(|a| wire::ServiceUserArn {
                        user_arn: a.clone(),
                    })
                    .collect(),
                next_token: next,
                max_results: max,
                total_count: total,
            })
        }
        "ListVpcEndpointConnections" => {
            let owner: Option<u64> = match p.opt("EndpointOwnerId") {
                Some(o) => Some(
                    o.trim()
                        .parse()
                        .map_err(|_| p.invalid("EndpointOwnerId", "must be a number"))?,
                ),
                None => None,
            };
            let items: Vec<_> = w
                .connections
                .iter()
                .filter(|c| c.region == region && ctx.visible(c.created_at))
                .filter(|c| p.opt("ServiceId").is_none_or(|x| x == c.service_id))
                .filter(|c| p.opt("EndpointId").is_none_or(|x| x == c.endpoint_id))
                .filter(|c| owner.is_none_or(|o| o == c.owner_id))
                .filter(|c| p.opt("ConnectionStatus").is_none_or(|x| x == c.status))
                .filter(|c| {
                    p.opt("EniId")
                        .is_none_or(|x| c.zones.iter().any(|z| z.eni_id == x))
                })
                .filter(|c| {
                    p.opt("ResourceId")
                        .is_none_or(|x| c.zones.iter().any(|z| z.resource_id == x))
                })
                .map(conn_wire)
                .collect();
            let (page, next, total) = page_by_token(p, items, 50, 1000)?;
            let max = p.u64("MaxResults", 50)?;
            ok(wire::ListVpcEndpointConnectionsResponse {
                request_id: rid,
                connections: page,
                next_token: next,
                max_results: max,
                total_count: total,
            })
        }
        "EnableVpcEndpointConnection" | "DisableVpcEndpointConnection" => {
            let sid = p.req("ServiceId")?.to_string();
            let ep = p.req("EndpointId")?.to_string();
            let enable = action.starts_with("Enable");
            if enable && let Some(b) = p.opt("Bandwidth") {
                let b: u64 = b
                    .parse()
                    .map_err(|_| p.invalid("Bandwidth", "must be a number"))?;
                if !(100..=50_000).contains(&b) {
                    return Err(p.invalid("Bandwidth", "100-50000 Mbit/s"));
                }
            }
            let dry = p.bool("DryRun", false)?;
            active_service(w, &sid, &region, now)?;
            repeat_check(w, action, &sid, now)?;
            let disable = w.draw("connection_disable", w.delays.connection_disable);
            let pending = w.until_if(
                Behaviour::ConnectionPending,
                "connection_pending",
                w.delays.connection_pending,
                now,
            );
            let c = w
                .connections
                .iter_mut()
                .find(|c| c.service_id == sid && c.endpoint_id == ep)
                .ok_or_else(|| conn_not_found(&ep))?;
            let target = c
                .next
                .as_ref()
                .map(|(_, s)| s.as_str())
                .unwrap_or(c.status.as_str());
            let busy = c.removing_at.is_some() || c.status == "Deleting";
            if busy {
                return Err(AliError::bad(
                    "EndpointConnectionOperationDenied",
                    format!("The endpoint connection {ep} is being deleted."),
                ));
            }
            if c.status == "Pending" {
                return Err(AliError::bad(
                    "EndpointConnectionOperationDenied",
                    format!(
                        "The endpoint connection {ep} is Pending (being modified); retry later."
                    ),
                ));
            }
            if enable {
                if target == "Connected" {
                    return ok(wire::Ack { request_id: rid });
                }
                if c.status == "Disconnecting" {
                    return Err(AliError::bad(
                        "EndpointConnectionOperationDenied",
                        format!("The endpoint connection {ep} is Disconnecting; retry later."),
                    ));
                }
                if dry {
                    return Err(AliError::dry_run());
                }
                if let Some(b) = p.opt("Bandwidth").and_then(|b| b.parse().ok()) {
                    c.bandwidth = b;
                }
                match pending {
                    // Being modified first, then Connecting (the tick chains the two).
                    Some(t) => {
                        c.status = "Pending".into();
                        c.next = Some((t, "Connecting".into()));
                    }
                    None => {
                        c.status = "Connecting".into();
                        c.next = Some((now + c.delay, "Connected".into()));
                    }
                }
            } else {
                if target == "Disconnected" {
                    return ok(wire::Ack { request_id: rid });
                }
                if dry {
                    return Err(AliError::dry_run());
                }
                c.status = "Disconnecting".into();
                c.connected_since = None;
                c.next = Some((now + disable, "Disconnected".into()));
            }
            c.modified_time = wall_rfc3339();
            repeat_note(w, action, &sid, now);
            ok(wire::Ack { request_id: rid })
        }
        "TagResources" => {
            let rtype = p.req("ResourceType")?.to_ascii_lowercase();
            let ids = p.list("ResourceId");
            if ids.is_empty() {
                return Err(p.missing("ResourceId"));
            }
            let new = p.tags()?;
            if new.is_empty() {
                return Err(p.missing("Tag.N.Key"));
            }
            if rtype != "vpcendpointservice" {
                return Err(p.invalid("ResourceType", "only vpcendpointservice is modelled"));
            }
            for id in &ids {
                if !w.services.iter().any(|s| &s.id == id) {
                    return Err(svc_not_found(id));
                }
            }
            for s in w.services.iter_mut().filter(|s| ids.contains(&s.id)) {
                merge_tags(&mut s.tags, &new)?;
            }
            ok(wire::Ack { request_id: rid })
        }
        _ => Err(unknown_action(action)),
    }
}
