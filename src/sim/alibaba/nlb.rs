//! NLB 2022-04-30: server groups, backends, load balancers, listeners, jobs, health and tags.
//! Not-found answers are 404 `ResourceNotFound.*`; writes return a `JobId` whose status is
//! `Processing` until the resource is ready (alibaba-api.md §6 "NLB").

use serde_json::Value;
use std::time::Duration;

use super::{
    AliError, Ctx, Params, known_region, merge_tags, ok, page_by_token, region_of, tags_match,
    unknown_action,
};
use crate::sim::net;
use crate::sim::world::{Backend, Listener, LoadBalancer, ServerGroup, World, ZoneMap};
use crate::wire::aliyun as wire;

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
        dns_name: format!("{}.{}.nlb.aliyuncsslb.com", lb.id, lb.region),
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

/// Handles one NLB action.
pub fn handle(w: &mut World, ctx: &Ctx<'_>, action: &str, p: &Params) -> Result<Value, AliError> {
    let region = region_of(w, p);
    known_region(w, p, &region)?;
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    match action {
        "DescribeZones" => ok(wire::NlbDescribeZonesResponse {
            request_id: rid,
            zones: w
                .zones(&region)
                .iter()
                .filter(|z| z.nlb)
                .map(|z| wire::Zone {
                    zone_id: z.id.clone(),
                    local_name: z.local_name.clone(),
                    zone_type: String::new(),
                })
                .collect(),
        }),
        "CreateServerGroup" => {
            let name = p.req("ServerGroupName")?;
            if name.len() < 2
                || name.len() > 128
                || !name.starts_with(|c: char| c.is_ascii_alphabetic())
            {
                return Err(p.invalid(
                    "ServerGroupName",
                    "2-128 characters, starting with a letter",
                ));
            }
            let vpc = p.req("VpcId")?;
            if !w.vpcs.iter().any(|v| v.id == vpc && v.region == region) {
                return Err(AliError::not_found(
                    "ResourceNotFound.Vpc",
                    format!("The specified resource {vpc} is not found."),
                ));
            }
            let kind = canonical(
                p,
                "ServerGroupType",
                p.opt("ServerGroupType").unwrap_or("Instance"),
                &["Instance", "Ip"],
            )?;
            let protocol = canonical(
                p,
                "Protocol",
                p.opt("Protocol").unwrap_or("TCP"),
                &["TCP", "UDP", "TCP_UDP"],
            )?;
            let scheduler = canonical(
                p,
                "Scheduler",
                p.opt("Scheduler").unwrap_or("Wrr"),
                &["Wrr", "Wlc", "rr", "sch", "tch", "qch"],
            )?;
            let preserve = p.bool("PreserveClientIpEnabled", true)?;
            let hc_type = canonical(
                p,
                "HealthCheckConfig.HealthCheckType",
                p.opt("HealthCheckConfig.HealthCheckType").unwrap_or("TCP"),
                &["TCP", "HTTP", "UDP"],
            )?;
            let port = p.u64("HealthCheckConfig.HealthCheckConnectPort", 0)?;
            if port > 65535 {
                return Err(p.invalid("HealthCheckConfig.HealthCheckConnectPort", "0-65535"));
            }
            let health = wire::HealthCheck {
                health_check_enabled: p.bool("HealthCheckConfig.HealthCheckEnabled", true)?,
                health_check_type: hc_type.into(),
                health_check_connect_port: port as u16,
                health_check_connect_timeout: p
                    .u64("HealthCheckConfig.HealthCheckConnectTimeout", 5)?
                    as u32,
                health_check_interval: p.u64("HealthCheckConfig.HealthCheckInterval", 10)? as u32,
                healthy_threshold: p.u64("HealthCheckConfig.HealthyThreshold", 2)? as u32,
                unhealthy_threshold: p.u64("HealthCheckConfig.UnhealthyThreshold", 2)? as u32,
            };
            let mut tags = vec![];
            merge_tags(&mut tags, &p.tags()?)?;
            if p.bool("DryRun", false)? {
                return Err(AliError::dry_run());
            }
            let id = w.id("sgp-", 18);
            let delay = w.draw("server_group", w.delays.server_group);
            let ready_at = now + delay;
            let job = w.job(ready_at);
            w.server_groups.push(ServerGroup {
                id: id.clone(),
                name: name.into(),
                kind: kind.into(),
                protocol: protocol.into(),
                scheduler: scheduler.into(),
                vpc_id: vpc.into(),
                region: region.clone(),
                preserve_client_ip: preserve,
                health,
                tags,
                servers: vec![],
                created_at: now,
                ready_at,
                delay,
                deleting_at: None,
            });
            ok(wire::ServerGroupJobResponse {
                request_id: rid,
                server_group_id: id,
                job_id: job,
            })
        }
        "AddServersToServerGroup" => {
            let id = p.req("ServerGroupId")?.to_string();
            let servers = p.objects("Servers");
            if servers.is_empty() {
                return Err(p.missing("Servers"));
            }
            if servers.len() > 200 {
                return Err(p.invalid("Servers", "at most 200 servers per call"));
            }
            let dry = p.bool("DryRun", false)?;
            let sg = w
                .server_groups
                .iter()
                .find(|s| s.id == id && s.region == region)
                .ok_or_else(|| sg_not_found(&id))?;
            if sg.status(now) != "Available" {
                return Err(AliError::bad(
                    "IncorrectStatus.serverGroup",
                    format!(
                        "The status of {id} is {} and does not support this operation.",
                        sg.status(now)
                    ),
                ));
            }
            let mut new = vec![];
            for (i, s) in servers.iter().enumerate() {
                let n = i + 1;
                let server_id = s
                    .get("ServerId")
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| p.missing(&format!("Servers.{n}.ServerId")))?;
                let stype = s
                    .get("ServerType")
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| p.missing(&format!("Servers.{n}.ServerType")))?;
                let stype = canonical(p, "ServerType", stype, &["Ecs", "Eni", "Eci", "Ip"])?;
                if (sg.kind == "Ip") != (stype == "Ip") {
                    return Err(AliError::bad(
                        "Mismatch.ServerType",
                        format!(
                            "Server type {stype} does not match server group type {}.",
                            sg.kind
                        ),
                    ));
                }
                let ip = s
                    .get("ServerIp")
                    .cloned()
                    .unwrap_or_else(|| server_id.clone());
                if stype == "Ip" && net::parse_ip(&ip).is_none() {
                    return Err(p.invalid("ServerIp", &format!("`{ip}` is not an IPv4 address")));
                }
                let port: u64 = s
                    .get("Port")
                    .map(|v| v.parse().unwrap_or(u64::MAX))
                    .unwrap_or(u64::MAX);
                if port == 0 || port > 65535 {
                    return Err(p.invalid("Port", "1-65535"));
                }
                let weight: u64 = s
                    .get("Weight")
                    .map(|v| v.parse().unwrap_or(u64::MAX))
                    .unwrap_or(100);
                if weight > 100 {
                    return Err(p.invalid("Weight", "0-100"));
                }
                let port = port as u16;
                if sg
                    .servers
                    .iter()
                    .any(|b| b.server_id == *server_id && b.port == port && b.removing_at.is_none())
                    || new
                        .iter()
                        .any(|b: &Backend| b.server_id == *server_id && b.port == port)
                {
                    return Err(AliError::bad(
                        "DuplicatedParam.Server",
                        format!("Server {server_id}:{port} is already in the server group."),
                    ));
                }
                let zone = net::parse_ip(&ip)
                    .and_then(|a| {
                        w.vswitches.iter().find(|v| {
                            v.vpc_id == sg.vpc_id
                                && net::parse_cidr(&v.cidr).is_some_and(|c| net::contains(c, a))
                        })
                    })
                    .map(|v| v.zone.clone())
                    .unwrap_or_default();
                new.push(Backend {
                    server_id: server_id.clone(),
                    server_ip: ip,
                    server_type: stype.into(),
                    port,
                    weight: weight as u32,
                    description: s.get("Description").cloned().unwrap_or_default(),
                    zone,
                    ready_at: now,
                    delay: Duration::ZERO,
                    removing_at: None,
                });
            }
            if dry {
                return Err(AliError::dry_run());
            }
            // One job adds them all: one drawn delay.
            let delay = w.draw("backend_add", w.delays.backend_add);
            for b in &mut new {
                b.ready_at = now + delay;
                b.delay = delay;
            }
            let job = w.job(now + delay);
            if let Some(sg) = w.server_groups.iter_mut().find(|s| s.id == id) {
                sg.servers.extend(new);
            }
            ok(wire::ServerGroupJobResponse {
                request_id: rid,
                server_group_id: id,
                job_id: job,
            })
        }
        "RemoveServersFromServerGroup" => {
            let id = p.req("ServerGroupId")?.to_string();
            let servers = p.objects("Servers");
            if servers.is_empty() {
                return Err(p.missing("Servers"));
            }
            let dry = p.bool("DryRun", false)?;
            let sg = w
                .server_groups
                .iter()
                .find(|s| s.id == id && s.region == region)
                .ok_or_else(|| sg_not_found(&id))?;
            let mut idx = vec![];
            for s in &servers {
                let sid = s.get("ServerId").cloned().unwrap_or_default();
                let port: Option<u16> = s.get("Port").and_then(|v| v.parse().ok());
                let i = sg
                    .servers
                    .iter()
                    .position(|b| {
                        b.server_id == sid
                            && port.is_none_or(|pt| pt == b.port)
                            && b.removing_at.is_none()
                    })
                    .ok_or_else(|| {
                        AliError::not_found(
                            "ResourceNotFound.BackendServer",
                            format!("The backend server {sid} is not found."),
                        )
                    })?;
                idx.push(i);
            }
            if dry {
                return Err(AliError::dry_run());
            }
            let done = now + w.draw("backend_remove", w.delays.backend_remove);
            let job = w.job(done);
            if let Some(sg) = w.server_groups.iter_mut().find(|s| s.id == id) {
                for i in idx {
                    sg.servers[i].removing_at = Some(done);
                }
            }
            ok(wire::ServerGroupJobResponse {
                request_id: rid,
                server_group_id: id,
                job_id: job,
            })
        }
        "ListServerGroups" => {
            let ids = p.list("ServerGroupIds");
            let names = p.list("ServerGroupNames");
            let tag_filter = p.tags()?;
            let items: Vec<_> = w
                .server_groups
                .iter()
                .filter(|s| s.region == region && ctx.visible(s.created_at))
                .filter(|s| ids.is_empty() || ids.contains(&s.id))
                .filter(|s| names.is_empty() || names.contains(&s.name))
                .filter(|s| {
                    p.opt("ServerGroupType")
                        .is_none_or(|t| t.eq_ignore_ascii_case(&s.kind))
                })
                .filter(|s| p.opt("VpcId").is_none_or(|v| v == s.vpc_id))
                .filter(|s| tags_match(&s.tags, &tag_filter))
                .map(|s| sg_wire(w, s, now))
                .collect();
            let (page, next, total) = page_by_token(p, items, 20, 100)?;
            let max = p.u64("MaxResults", 20)?;
            ok(wire::ListServerGroupsResponse {
                request_id: rid,
                server_groups: page,
                total_count: total,
                next_token: next,
                max_results: max,
            })
        }
        "ListServerGroupServers" => {
            let id = p.req("ServerGroupId")?;
            let sg = w
                .server_groups
                .iter()
                .find(|s| s.id == id && s.region == region)
                .ok_or_else(|| sg_not_found(id))?;
            let ids = p.list("ServerIds");
            let ips = p.list("ServerIps");
            let items: Vec<_> = sg
                .servers
                .iter()
                .filter(|b| ids.is_empty() || ids.contains(&b.server_id))
                .filter(|b| ips.is_empty() || ips.contains(&b.server_ip))
                .map(|b| wire::BackendServer {
                    server_group_id: sg.id.clone(),
                    server_id: b.server_id.clone(),
                    server_ip: b.server_ip.clone(),
                    server_type: b.server_type.clone(),
                    port: b.port,
                    weight: b.weight,
                    zone_id: b.zone.clone(),
                    status: b.status(now).into(),
                    description: b.description.clone(),
                })
                .collect();
            let (page, next, total) = page_by_token(p, items, 20, 100)?;
            let max = p.u64("MaxResults", 20)?;
            ok(wire::ListServerGroupServersResponse {
                request_id: rid,
                servers: page,
                total_count: total,
                next_token: next,
                max_results: max,
            })
        }
        "DeleteServerGroup" => {
            let id = p.req("ServerGroupId")?.to_string();
            let dry = p.bool("DryRun", false)?;
            let sg = w
                .server_groups
                .iter()
                .find(|s| s.id == id && s.region == region)
                .ok_or_else(|| sg_not_found(&id))?;
            if let Some(l) = w.listeners.iter().find(|l| l.sg_id == id) {
                return Err(AliError::bad(
                    "ResourceInUse.ServerGroup",
                    format!("The server group {id} is in use by listener {}.", l.id),
                ));
            }
            if dry {
                return Err(AliError::dry_run());
            }
            let done = sg
                .deleting_at
                .unwrap_or(now + w.draw("server_group_delete", w.delays.server_group_delete));
            let job = w.job(done);
            if let Some(sg) = w.server_groups.iter_mut().find(|s| s.id == id) {
                sg.deleting_at = Some(done);
            }
            // DeleteServerGroup returns RequestId and JobId only.
            ok(wire::JobResponse {
                request_id: rid,
                job_id: job,
            })
        }
        "CreateLoadBalancer" => create_load_balancer(w, ctx, p, &region),
        "GetLoadBalancerAttribute" => {
            let id = p.req("LoadBalancerId")?;
            let lb = w
                .load_balancers
                .iter()
                .find(|l| l.id == id && l.region == region)
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
        "ListLoadBalancers" => {
            let ids = p.list("LoadBalancerIds");
            let names = p.list("LoadBalancerNames");
            let vpcs = p.list("VpcIds");
            let tag_filter = p.tags()?;
            let items: Vec<_> = w
                .load_balancers
                .iter()
                .filter(|l| l.region == region && ctx.visible(l.created_at))
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
            let (page, next, total) = page_by_token(p, items, 20, 100)?;
            let max = p.u64("MaxResults", 20)?;
            ok(wire::ListLoadBalancersResponse {
                request_id: rid,
                load_balancers: page,
                total_count: total,
                next_token: next,
                max_results: max,
            })
        }
        "DeleteLoadBalancer" => {
            let id = p.req("LoadBalancerId")?.to_string();
            let dry = p.bool("DryRun", false)?;
            let lb = w
                .load_balancers
                .iter()
                .find(|l| l.id == id && l.region == region)
                .ok_or_else(|| lb_not_found(&id))?;
            if lb.deletion_protection {
                return Err(AliError::bad(
                    "OperationDenied.DeletionProtectionEnabled",
                    "Deletion protection is enabled.",
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
                .deleting_at
                .unwrap_or(now + w.draw("load_balancer_delete", w.delays.load_balancer_delete));
            let job = w.job(done);
            if let Some(lb) = w.load_balancers.iter_mut().find(|l| l.id == id) {
                lb.deleting_at = Some(done);
            }
            ok(wire::JobResponse {
                request_id: rid,
                job_id: job,
            })
        }
        "CreateListener" => create_listener(w, ctx, p, &region),
        "ListListeners" => {
            let lbs = p.list("LoadBalancerIds");
            let ids = p.list("ListenerIds");
            let tag_filter = p.tags()?;
            let items: Vec<_> = w
                .listeners
                .iter()
                .filter(|l| l.region == region && ctx.visible(l.created_at))
                .filter(|l| lbs.is_empty() || lbs.contains(&l.lb_id))
                .filter(|l| ids.is_empty() || ids.contains(&l.id))
                .filter(|l| {
                    p.opt("ListenerProtocol")
                        .is_none_or(|x| x.eq_ignore_ascii_case(&l.protocol))
                })
                .filter(|l| tags_match(&l.tags, &tag_filter))
                .map(|l| listener_wire(l, now))
                .collect();
            let (page, next, total) = page_by_token(p, items, 20, 100)?;
            let max = p.u64("MaxResults", 20)?;
            ok(wire::ListListenersResponse {
                request_id: rid,
                listeners: page,
                total_count: total,
                next_token: next,
                max_results: max,
            })
        }
        "GetListenerAttribute" => {
            let id = p.req("ListenerId")?;
            let l = w
                .listeners
                .iter()
                .find(|l| l.id == id && l.region == region)
                .ok_or_else(|| lsn_not_found(id))?;
            ok(wire::GetListenerAttributeResponse {
                request_id: rid,
                listener: listener_wire(l, now).map_tags(wire::TagKv::from),
            })
        }
        "DeleteListener" => {
            let id = p.req("ListenerId")?.to_string();
            let dry = p.bool("DryRun", false)?;
            let l = w
                .listeners
                .iter()
                .find(|l| l.id == id && l.region == region)
                .ok_or_else(|| lsn_not_found(&id))?;
            if dry {
                return Err(AliError::dry_run());
            }
            let done = l
                .deleting_at
                .unwrap_or(now + w.draw("listener_delete", w.delays.listener_delete));
            let job = w.job(done);
            if let Some(l) = w.listeners.iter_mut().find(|l| l.id == id) {
                l.deleting_at = Some(done);
            }
            ok(wire::JobResponse {
                request_id: rid,
                job_id: job,
            })
        }
        "GetJobStatus" => {
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
        "GetListenerHealthStatus" => {
            let id = p.req("ListenerId")?;
            let l = w
                .listeners
                .iter()
                .find(|l| l.id == id && l.region == region)
                .ok_or_else(|| lsn_not_found(id))?;
            ok(wire::GetListenerHealthStatusResponse {
                request_id: rid,
                listener_health_status: vec![health_of(w, l, now)],
                next_token: String::new(),
                max_results: 20,
                total_count: 1,
            })
        }
        "TagResources" | "UntagResources" => {
            let rtype = p.req("ResourceType")?.to_ascii_lowercase();
            let ids = p.list("ResourceId");
            if ids.is_empty() {
                return Err(p.missing("ResourceId"));
            }
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
            let apply = |tags: &mut Vec<(String, String)>| -> Result<(), AliError> {
                if action == "TagResources" {
                    merge_tags(tags, &new)
                } else {
                    tags.retain(|(k, _)| !all && !keys.contains(k));
                    Ok(())
                }
            };
            // Validate every id first so a failed call changes nothing.
            for id in &ids {
                let exists = match rtype.as_str() {
                    "loadbalancer" => w.load_balancers.iter().any(|l| &l.id == id),
                    "servergroup" => w.server_groups.iter().any(|s| &s.id == id),
                    "listener" => w.listeners.iter().any(|l| &l.id == id),
                    "securitypolicy" => false,
                    _ => {
                        return Err(p.invalid(
                            "ResourceType",
                            "loadbalancer, servergroup, listener or securitypolicy",
                        ));
                    }
                };
                if !exists {
                    return Err(AliError::not_found(
                        &format!("ResourceNotFound.{rtype}"),
                        format!("The specified resource {id} is not found."),
                    ));
                }
            }
            for id in &ids {
                match rtype.as_str() {
                    "loadbalancer" => {
                        if let Some(l) = w.load_balancers.iter_mut().find(|l| &l.id == id) {
                            apply(&mut l.tags)?;
                        }
                    }
                    "servergroup" => {
                        if let Some(s) = w.server_groups.iter_mut().find(|s| &s.id == id) {
                            apply(&mut s.tags)?;
                        }
                    }
                    _ => {
                        if let Some(l) = w.listeners.iter_mut().find(|l| &l.id == id) {
                            apply(&mut l.tags)?;
                        }
                    }
                }
            }
            ok(wire::Ack { request_id: rid })
        }
        _ => Err(unknown_action(action)),
    }
}

fn create_load_balancer(
    w: &mut World,
    ctx: &Ctx<'_>,
    p: &Params,
    region: &str,
) -> Result<Value, AliError> {
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
        created_at: now,
        ready_at: now + delay,
        delay,
        deleting_at: None,
    });
    ok(wire::CreateLoadBalancerResponse {
        request_id: ctx.request_id.into(),
        loadbalancer_id: id,
        order_id,
    })
}

fn create_listener(
    w: &mut World,
    ctx: &Ctx<'_>,
    p: &Params,
    region: &str,
) -> Result<Value, AliError> {
    let now = ctx.now;
    let lb_id = p.req("LoadBalancerId")?.to_string();
    let protocol = canonical(
        p,
        "ListenerProtocol",
        p.req("ListenerProtocol")?,
        &["TCP", "UDP", "TCPSSL"],
    )?;
    let port = p.u64("ListenerPort", u64::MAX)?;
    if p.opt("ListenerPort").is_none() {
        return Err(p.missing("ListenerPort"));
    }
    if port > 65535 {
        return Err(p.invalid("ListenerPort", "0-65535"));
    }
    if port == 0 && (p.opt("StartPort").is_none() || p.opt("EndPort").is_none()) {
        return Err(p.missing("StartPort"));
    }
    let sg_id = p.req("ServerGroupId")?.to_string();
    let lb = w
        .load_balancers
        .iter()
        .find(|l| l.id == lb_id && l.region == region)
        .ok_or_else(|| lb_not_found(&lb_id))?;
    let st = lb.status(now);
    if st != "Active" {
        return Err(AliError::bad(
            "IncorrectStatus.loadbalancer",
            format!("The status of {lb_id} is {st} and does not support this operation."),
        ));
    }
    let family = |p: &str| if p == "UDP" { "UDP" } else { "TCP" };
    if let Some(l) = w.listeners.iter().find(|l| {
        l.lb_id == lb_id && l.port == port as u16 && family(&l.protocol) == family(protocol)
    }) {
        return Err(AliError::bad(
            "Conflict.Port",
            format!("Port {port} is already used by listener {}.", l.id),
        ));
    }
    let sg = w
        .server_groups
        .iter()
        .find(|s| s.id == sg_id && s.region == region)
        .ok_or_else(|| sg_not_found(&sg_id))?;
    if sg.vpc_id != lb.vpc_id {
        return Err(AliError::bad(
            "Mismatch.VpcId",
            format!("Server group {sg_id} is not in the VPC of {lb_id}."),
        ));
    }
    let compatible = match family(protocol) {
        "UDP" => sg.protocol == "UDP" || sg.protocol == "TCP_UDP",
        _ => sg.protocol == "TCP" || sg.protocol == "TCP_UDP",
    };
    if !compatible {
        return Err(AliError::bad(
            "Mismatch.Protocol",
            format!(
                "A {protocol} listener cannot use a {} server group.",
                sg.protocol
            ),
        ));
    }
    if sg.status(now) != "Available" {
        return Err(AliError::bad(
            "IncorrectStatus.serverGroup",
            format!("The status of {sg_id} is {}.", sg.status(now)),
        ));
    }
    let idle = p.u64("IdleTimeout", 900)?;
    if !(1..=900).contains(&idle) {
        return Err(p.invalid("IdleTimeout", "1-900"));
    }
    let proxy = p.bool("ProxyProtocolEnabled", false)?;
    let mut tags = vec![];
    merge_tags(&mut tags, &p.tags()?)?;
    if p.bool("DryRun", false)? {
        return Err(AliError::dry_run());
    }
    let id = format!("{}@{port}", w.id("lsn-", 18));
    let delay = w.draw("listener", w.delays.listener);
    let ready_at = now + delay;
    let job = w.job(ready_at);
    w.listeners.push(Listener {
        id: id.clone(),
        lb_id,
        region: region.into(),
        protocol: protocol.into(),
        port: port as u16,
        sg_id,
        idle_timeout: idle as u32,
        description: p.opt("ListenerDescription").unwrap_or_default().into(),
        proxy_protocol: proxy,
        tags,
        created_at: now,
        ready_at,
        delay,
        deleting_at: None,
    });
    ok(wire::CreateListenerResponse {
        request_id: ctx.request_id.into(),
        listener_id: id,
        job_id: job,
    })
}

/// Health of a listener's backends as the NLB would see them: a backend is unhealthy when
/// it is not the RDS instance's current private IP:port (CONNECT_FAILED), or when the RDS
/// allowlist does not cover every vSwitch CIDR of the NLB, where its local IPs live
/// (CONNECT_TIMEOUT). Healthy backends are absent from `NonNormalServers`.
pub fn health_of(w: &World, l: &Listener, now: tokio::time::Instant) -> wire::ListenerHealthStatus {
    let sg = w.server_groups.iter().find(|s| s.id == l.sg_id);
    let lb = w.load_balancers.iter().find(|b| b.id == l.lb_id);
    let cidrs: Vec<(u32, u8)> = lb
        .map(|b| {
            b.zones
                .iter()
                .filter_map(|z| w.vswitches.iter().find(|v| v.id == z.vswitch_id))
                .filter_map(|v| net::parse_cidr(&v.cidr))
                .collect()
        })
        .unwrap_or_default();
    let mut infos = vec![];
    if let Some(sg) = sg {
        let mut bad = vec![];
        for b in &sg.servers {
            let status_reason = if l.status(now) != "Running" || b.status(now) != "Available" {
                Some(("Initial", ""))
            } else {
                let rds = w
                    .rds
                    .iter()
                    .find(|r| r.private_ip == b.server_ip && r.vpc_id == sg.vpc_id);
                match rds {
                    Some(r) if r.port == b.port && r.status == "Running" => {
                        let allow: Vec<(u32, u8)> = r
                            .groups
                            .iter()
                            .flat_map(|g| g.ips.iter())
                            .filter_map(|ip| net::parse_cidr(ip))
                            .collect();
                        let covered = cidrs
                            .iter()
                            .all(|c| allow.iter().any(|a| net::covers(*a, *c)));
                        (!covered).then_some(("Unhealthy", "CONNECT_TIMEOUT"))
                    }
                    _ => Some(("Unhealthy", "CONNECT_FAILED")),
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
