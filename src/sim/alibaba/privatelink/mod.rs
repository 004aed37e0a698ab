//! PrivateLink 2020-04-15: activation, endpoint services, resources, whitelist and
//! connections. Every error is HTTP 400, not-found included (alibaba-api.md §5).
//!
//! One function per action, with the checks the real API makes: endpoint services and their
//! resources (`services.rs`), whitelists (`users.rs`), connections (`connections.rs`).

use serde_json::Value;
use tokio::time::Instant;

use super::{
    AliError, Call, Ctx, Params, Reply, find_in, known_region, merge_tags, ok, page_by_token,
    tag_targets, tags_match, unknown_action, zones_offering,
};
use crate::sim::behaviour::Behaviour;
use crate::sim::clock::wall_rfc3339;
use crate::sim::world::{Connection, EndpointService, Lifecycle, ServiceResource, World};
use crate::wire::aliyun as wire;

mod connections;
mod services;
mod users;

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
    if let Some(s) = service_mut(w, id) {
        s.life.busy_until = pending.or(s.life.busy_until);
    }
}

/// Records a successful call for [`repeat_check`].
fn repeat_note(w: &mut World, action: &str, service_id: &str, now: Instant) {
    w.recent_writes.insert(repeat_key(action, service_id), now);
}

/// The end every write on service `id` shares, in the real API's order: the repeat rule,
/// then `DryRun`, then `change`, then the note for the repeat rule.
fn finish_write(
    w: &mut World,
    ctx: &Ctx<'_>,
    action: &str,
    id: &str,
    dry: bool,
    change: impl FnOnce(&mut World),
) -> Result<Value, AliError> {
    repeat_check(w, action, id, ctx.now)?;
    if dry {
        return Err(AliError::dry_run());
    }
    change(w);
    repeat_note(w, action, id, ctx.now);
    ok(wire::Ack {
        request_id: ctx.request_id.to_string(),
    })
}

/// The service `id` to change, if it is still there.
fn service_mut<'a>(w: &'a mut World, id: &str) -> Option<&'a mut EndpointService> {
    w.services.iter_mut().find(|s| s.id == id)
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
    let s = find_in(&w.services, id, region, svc_not_found)?;
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
    match action {
        "CheckProductOpen" => return check_product_open(w, ctx),
        "OpenPrivateLinkService" => return open_private_link_service(w, ctx),
        _ => {}
    }
    let region = p.req("RegionId")?.to_string();
    known_region(w, p, &region)?;
    let call = Call {
        w,
        ctx,
        p,
        region: &region,
    };
    match action {
        "DescribeZones" => describe_zones(call),
        "CreateVpcEndpointService" => services::create_vpc_endpoint_service(call),
        "ListVpcEndpointServices" => services::list_vpc_endpoint_services(call),
        "GetVpcEndpointServiceAttribute" => services::get_vpc_endpoint_service_attribute(call),
        "DeleteVpcEndpointService" => services::delete_vpc_endpoint_service(call, action),
        "AttachResourceToVpcEndpointService" => {
            services::attach_resource_to_vpc_endpoint_service(call, action)
        }
        "DetachResourceFromVpcEndpointService" => {
            services::detach_resource_from_vpc_endpoint_service(call, action)
        }
        "ListVpcEndpointServiceResources" => services::list_vpc_endpoint_service_resources(call),
        "AddUserToVpcEndpointService" | "RemoveUserFromVpcEndpointService" => {
            users::add_or_remove_user(call, action)
        }
        "ListVpcEndpointServiceUsers" => users::list_vpc_endpoint_service_users(call),
        "ListVpcEndpointConnections" => connections::list_vpc_endpoint_connections(call),
        "EnableVpcEndpointConnection" | "DisableVpcEndpointConnection" => {
            connections::enable_or_disable_connection(call, action)
        }
        "TagResources" => services::tag_resources(call),
        _ => Err(unknown_action(action)),
    }
}

/// `CheckProductOpen`.
fn check_product_open(w: &mut World, ctx: &Ctx<'_>) -> Result<Value, AliError> {
    ok(wire::CheckProductOpenResponse {
        request_id: ctx.request_id.to_string(),
        success: w.privatelink_open,
    })
}

/// `OpenPrivateLinkService`: once per account.
fn open_private_link_service(w: &mut World, ctx: &Ctx<'_>) -> Result<Value, AliError> {
    if w.privatelink_open {
        return Err(AliError::bad(
            "OrderOpend",
            "The service has been activated.",
        ));
    }
    w.privatelink_open = true;
    let order = w.digits(15);
    ok(wire::OpenPrivateLinkServiceResponse {
        request_id: ctx.request_id.to_string(),
        order_id: order,
    })
}

/// `DescribeZones`.
fn describe_zones(Call { w, ctx, region, .. }: Call<'_>) -> Reply {
    ok(wire::DescribeZonesResponse {
        request_id: ctx.request_id.to_string(),
        zones: zones_offering(w, region, |z| z.privatelink).into(),
    })
}
