//! NLB 2022-04-30: server groups, backends, load balancers, listeners, jobs, health and tags.
//! Not-found answers are 404 `ResourceNotFound.*`; writes return a `JobId` whose status is
//! `Processing` until the resource is ready (alibaba-api.md §6 "NLB").

use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

use super::{
    AliError, Call, Ctx, Params, Reply, find_in, known_region, merge_tags, ok, page_by_token,
    region_of, tag_targets, tags_match, unknown_action, zones_offering,
};
use crate::sim::behaviour::Behaviour;
use crate::sim::net;
use crate::sim::world::{Backend, Lifecycle, Listener, LoadBalancer, ServerGroup, World, ZoneMap};
use crate::wire::aliyun as wire;

mod listeners;
mod load_balancers;
mod server_groups;

fn sg_not_found(id: &str) -> AliError {
    AliError::not_found(
        "ResourceNotFound.serverGroup",
        format!("The specified resource {id} is not found."),
    )
}
fn lb_not_found(id: &str) -> AliError {
    AliError::not_found(
        "ResourceNotFound.loadBalancer",
        format!("The specified resource {id} is not found."),
    )
}
fn lsn_not_found(id: &str) -> AliError {
    AliError::not_found(
        "ResourceNotFound.listener",
        format!("The specified resource {id} is not found."),
    )
}

fn wire_tags(t: &[(String, String)]) -> Vec<wire::Tag> {
    t.iter()
        .map(|(k, v)| wire::Tag {
            key: k.clone(),
            value: v.clone(),
        })
        .collect()
}

fn canonical<'a>(
    p: &Params,
    name: &str,
    value: &str,
    allowed: &[&'a str],
) -> Result<&'a str, AliError> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value))
        .copied()
        .ok_or_else(|| p.invalid(name, &format!("must be one of {}", allowed.join(", "))))
}

fn sg_wire(w: &World, sg: &ServerGroup, now: tokio::time::Instant) -> wire::ServerGroup {
    let mut related: Vec<String> = w
        .listeners
        .iter()
        .filter(|l| l.sg_id == sg.id)
        .map(|l| l.lb_id.clone())
        .collect();
    related.dedup();
    wire::ServerGroup {
        server_group_id: sg.id.clone(),
        server_group_name: sg.name.clone(),
        server_group_type: sg.kind.clone(),
        server_group_status: sg.status(now).into(),
        protocol: sg.protocol.clone(),
        scheduler: sg.scheduler.clone(),
        vpc_id: sg.vpc_id.clone(),
        region_id: sg.region.clone(),
        address_ip_version: "ipv4".into(),
        preserve_client_ip_enabled: sg.preserve_client_ip,
        health_check: sg.health.clone(),
        related_load_balancer_ids: related,
        server_count: sg.servers.len() as u64,
        tags: wire_tags(&sg.tags),
    }
}

/// `attribute`: GetLoadBalancerAttribute (which, unlike the list, returns local addresses).
fn lb_common(
    lb: &LoadBalancer,
    now: tokio::time::Instant,
    attribute: bool,
) -> wire::LoadBalancerCommon {
    let status = lb.status(now);
    wire::LoadBalancerCommon {
        load_balancer_id: lb.id.clone(),
        load_balancer_name: lb.name.clone(),
        load_balancer_type: "Network".into(),
        address_type: lb.address_type.clone(),
        address_ip_version: lb.ip_version.clone(),
        load_balancer_status: status.into(),
        load_balancer_business_status: "Normal".into(),
        region_id: lb.region.clone(),
        vpc_id: lb.vpc_id.clone(),
        dns_name: crate::sim::dataplane::dns_name(lb),
        cross_zone_enabled: true,
        create_time: lb.create_time.clone(),
        zone_mappings: lb
            .zones
            .iter()
            .map(|z| wire::ZoneMapping {
                zone_id: z.zone.clone(),
                vswitch_id: z.vswitch_id.clone(),
                status: if status == "Provisioning" {
                    "Starting".into()
                } else {
                    "Active".into()
                },
                load_balancer_addresses: vec![wire::LoadBalancerAddress {
                    eni_id: z.eni.clone(),
                    private_ipv4_address: z.vip.clone(),
                    ipv4_local_addresses: attribute.then(|| z.locals.clone()),
                    private_ipv4_hc_status: "Healthy".into(),
                }],
            })
            .collect(),
        operation_locks: vec![],
        security_group_ids: vec![],
        deletion_protection_config: wire::DeletionProtectionConfig {
            enabled: lb.deletion_protection,
            reason: String::new(),
            enabled_time: String::new(),
        },
        load_balancer_billing_config: wire::BillingConfig {
            pay_type: "PostPay".into(),
        },
    }
}

fn listener_wire(l: &Listener, now: tokio::time::Instant) -> wire::Listener {
    wire::Listener {
        listener_id: l.id.clone(),
        load_balancer_id: l.lb_id.clone(),
        region_id: l.region.clone(),
        listener_protocol: l.protocol.clone(),
        listener_port: l.port,
        start_port: 0,
        end_port: 0,
        server_group_id: l.sg_id.clone(),
        listener_status: l.status(now).into(),
        idle_timeout: l.idle_timeout,
        listener_description: l.description.clone(),
        proxy_protocol_enabled: l.proxy_protocol,
        tags: wire_tags(&l.tags),
    }
}

/// The answer of a write whose job is done at `done`: `RequestId` and `JobId` only.
fn job_answer(w: &mut World, ctx: &Ctx<'_>, done: Instant) -> Result<Value, AliError> {
    ok(wire::JobResponse {
        request_id: ctx.request_id.to_string(),
        job_id: w.job(done),
    })
}

/// Handles one NLB action.
pub fn handle(w: &mut World, ctx: &Ctx<'_>, action: &str, p: &Params) -> Result<Value, AliError> {
    let region = region_of(w, p);
    known_region(w, p, &region)?;
    let call = Call {
        w,
        ctx,
        p,
        region: &region,
    };
    match action {
        "DescribeZones" => load_balancers::describe_zones(call),
        "CreateServerGroup" => server_groups::create_server_group(call),
        "AddServersToServerGroup" => server_groups::add_servers_to_server_group(call),
        "RemoveServersFromServerGroup" => server_groups::remove_servers_from_server_group(call),
        "ListServerGroups" => server_groups::list_server_groups(call),
        "ListServerGroupServers" => server_groups::list_server_group_servers(call),
        "DeleteServerGroup" => server_groups::delete_server_group(call),
        "CreateLoadBalancer" => load_balancers::create_load_balancer(call),
        "GetLoadBalancerAttribute" => load_balancers::get_load_balancer_attribute(call),
        "ListLoadBalancers" => load_balancers::list_load_balancers(call),
        "DeleteLoadBalancer" => load_balancers::delete_load_balancer(call),
        "CreateListener" => listeners::create_listener(call),
        "ListListeners" => listeners::list_listeners(call),
        "GetListenerAttribute" => listeners::get_listener_attribute(call),
        "DeleteListener" => listeners::delete_listener(call),
        "StartListener" => listeners::start_listener(call),
        "GetJobStatus" => get_job_status(call),
        "GetListenerHealthStatus" => listeners::get_listener_health_status(call),
        "TagResources" | "UntagResources" => tag_resources(call, action),
        _ => Err(unknown_action(action)),
    }
}

/// `GetJobStatus`.
fn get_job_status(Call { w, ctx, p, .. }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let id = p.req("JobId")?;
    let done = w.jobs.get(id).ok_or_else(|| {
        AliError::not_found(
            "ResourceNotFound.JobId",
            format!("The specified job {id} is not found."),
        )
    })?;
    ok(wire::GetJobStatusResponse {
        request_id: rid,
        status: if now >= *done {
            "Succeeded".into()
        } else {
            "Processing".into()
        },
    })
}

/// `TagResources` / `UntagResources`.
fn tag_resources(Call { w, ctx, p, .. }: Call<'_>, action: &str) -> Reply {
    let rid = ctx.request_id.to_string();
    let (rtype, ids) = tag_targets(p)?;
    let new = if action == "TagResources" {
        p.tags()?
    } else {
        vec![]
    };
    if action == "TagResources" && new.is_empty() {
        return Err(p.missing("Tag"));
    }
    let keys = p.list("TagKey");
    let all = p.bool("All", false)?;
    if !matches!(
        rtype.as_str(),
        "loadbalancer" | "servergroup" | "listener" | "securitypolicy"
    ) {
        return Err(p.invalid(
            "ResourceType",
            "loadbalancer, servergroup, listener or securitypolicy",
        ));
    }
    // Validate every id first so a failed call changes nothing.
    if let Some(id) = ids.iter().find(|id| tags_mut(w, &rtype, id).is_none()) {
        return Err(AliError::not_found(
            &format!("ResourceNotFound.{rtype}"),
            format!("The specified resource {id} is not found."),
        ));
    }
    for id in &ids {
        let Some(tags) = tags_mut(w, &rtype, id) else {
            continue;
        };
        if action == "TagResources" {
            merge_tags(tags, &new)?;
        } else {
            tags.retain(|(k, _)| !all && !keys.contains(k));
        }
    }
    ok(wire::Ack { request_id: rid })
}

/// The tags of resource `id` of a tag call's `ResourceType` (none for a security policy: they
/// are not modelled).
fn tags_mut<'a>(w: &'a mut World, rtype: &str, id: &str) -> Option<&'a mut Vec<(String, String)>> {
    match rtype {
        "loadbalancer" => w
            .load_balancers
            .iter_mut()
            .find(|l| l.id == id)
            .map(|l| &mut l.tags),
        "servergroup" => w
            .server_groups
            .iter_mut()
            .find(|s| s.id == id)
            .map(|s| &mut s.tags),
        "listener" => w
            .listeners
            .iter_mut()
            .find(|l| l.id == id)
            .map(|l| &mut l.tags),
        _ => None,
    }
}

/// Health of a listener's backends as the NLB would see them: a backend is unhealthy when
/// it is not the RDS instance's current private IP:port (CONNECT_FAILED), or when the RDS
/// allowlist does not cover every vSwitch CIDR of the NLB, where its local IPs live
/// (CONNECT_TIMEOUT). Healthy backends are absent from `NonNormalServers`.
pub fn health_of(w: &World, l: &Listener, now: tokio::time::Instant) -> wire::ListenerHealthStatus {
    let sg = w.server_groups.iter().find(|s| s.id == l.sg_id);
    let lb = w.load_balancers.iter().find(|b| b.id == l.lb_id);
    let mut infos = vec![];
    if let Some(sg) = sg {
        let mut bad = vec![];
        for b in &sg.servers {
            // The same path a connection takes (crate::sim::dataplane), and the RDS end
            // as its last real TCP check found it.
            use crate::sim::dataplane::{Path, backend_path};
            let status_reason = if !matches!(l.status(now), "Running" | "Configuring")
                || b.status(now) != "Available"
            {
                Some(("Initial", ""))
            } else {
                match backend_path(w, lb, sg, b) {
                    Path::Rds { .. } if w.rds_up => None,
                    Path::Rds { .. } | Path::Refused => Some(("Unhealthy", "CONNECT_FAILED")),
                    Path::Dropped => Some(("Unhealthy", "CONNECT_TIMEOUT")),
                }
            };
            if let Some((status, reason)) = status_reason {
                bad.push(wire::NonNormalServer {
                    server_id: b.server_id.clone(),
                    server_ip: b.server_ip.clone(),
                    port: b.port,
                    status: status.into(),
                    reason: wire::HealthReason {
                        reason_code: reason.into(),
                    },
                });
            }
        }
        infos.push(wire::ServerGroupHealth {
            server_group_id: sg.id.clone(),
            heath_check_enabled: sg.health.health_check_enabled,
            non_normal_servers: bad,
        });
    }
    wire::ListenerHealthStatus {
        listener_id: l.id.clone(),
        listener_port: l.port,
        listener_protocol: l.protocol.clone(),
        server_group_infos: infos,
    }
}
