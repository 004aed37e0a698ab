//! NLB server groups and their backends.

use super::*;
use std::collections::BTreeMap;

/// `CreateServerGroup`.
pub(super) fn create_server_group(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let name = p.req("ServerGroupName")?;
    if name.len() < 2 || name.len() > 128 || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
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
        health_check_connect_timeout: p.u64("HealthCheckConfig.HealthCheckConnectTimeout", 5)?
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
        region: region.to_string(),
        preserve_client_ip: preserve,
        health,
        tags,
        servers: vec![],
        life: Lifecycle::new(now, delay),
    });
    ok(wire::ServerGroupJobResponse {
        request_id: rid,
        server_group_id: id,
        job_id: job,
    })
}

/// 400 `Conflict.Lock`: a backend change is settling (Terraform retries it on backend calls
/// for 5 min: `resource_alicloud_nlb_server_group_server_attachment.go`).
fn locked(id: &str) -> AliError {
    AliError::bad(
        "Conflict.Lock",
        format!(
            "The server group {id} is locked by another operation in progress; try again later."
        ),
    )
}

/// What a backend call reads first: the group's id and its `Servers.N.*` (at least one).
fn backend_call(p: &Params) -> Result<(String, Vec<BTreeMap<String, String>>), AliError> {
    let id = p.req("ServerGroupId")?.to_string();
    let servers = p.objects("Servers");
    if servers.is_empty() {
        return Err(p.missing("Servers"));
    }
    Ok((id, servers))
}

/// The server group `id` of a backend call: in `region`, and not locked by another backend
/// change.
fn unlocked_group<'a>(
    w: &'a World,
    id: &str,
    region: &str,
    now: Instant,
) -> Result<&'a ServerGroup, AliError> {
    let sg = find_in(&w.server_groups, id, region, sg_not_found)?;
    if sg.status(now) == "Configuring" {
        return Err(locked(id));
    }
    Ok(sg)
}

/// The end of a backend change: one job until `done`, `change` made to group `id`, which is
/// `Configuring` (and locked) until then under behaviour `server-group-lock`.
fn backend_job(
    w: &mut World,
    ctx: &Ctx<'_>,
    id: String,
    done: Instant,
    change: impl FnOnce(&mut ServerGroup),
) -> Result<Value, AliError> {
    let job = w.job(done);
    let lock = w.behaves(Behaviour::ServerGroupLock);
    if let Some(sg) = w.server_groups.iter_mut().find(|s| s.id == id) {
        change(sg);
        if lock {
            sg.life.busy_until = Some(done);
        }
    }
    ok(wire::ServerGroupJobResponse {
        request_id: ctx.request_id.to_string(),
        server_group_id: id,
        job_id: job,
    })
}

/// `AddServersToServerGroup`.
pub(super) fn add_servers_to_server_group(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let (id, servers) = backend_call(p)?;
    if servers.len() > 200 {
        return Err(p.invalid("Servers", "at most 200 servers per call"));
    }
    let dry = p.bool("DryRun", false)?;
    let sg = unlocked_group(w, &id, region, now)?;
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
    backend_job(w, ctx, id, now + delay, |sg| sg.servers.extend(new))
}

/// `RemoveServersFromServerGroup`.
pub(super) fn remove_servers_from_server_group(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let (id, servers) = backend_call(p)?;
    let dry = p.bool("DryRun", false)?;
    let sg = unlocked_group(w, &id, region, now)?;
    let mut idx = vec![];
    for s in &servers {
        let sid = s.get("ServerId").cloned().unwrap_or_default();
        let port: Option<u16> = s.get("Port").and_then(|v| v.parse().ok());
        let i = sg
            .servers
            .iter()
            .position(|b| {
                b.server_id == sid && port.is_none_or(|pt| pt == b.port) && b.removing_at.is_none()
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
    backend_job(w, ctx, id, done, |sg| {
        for i in idx {
            sg.servers[i].removing_at = Some(done);
        }
    })
}

/// `ListServerGroups`.
pub(super) fn list_server_groups(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let ids = p.list("ServerGroupIds");
    let names = p.list("ServerGroupNames");
    let tag_filter = p.tags()?;
    let items: Vec<_> = w
        .server_groups
        .iter()
        .filter(|s| s.region == region && ctx.visible(s.life.created_at))
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
    let page = page_by_token(p, items, 20, 100)?;
    ok(wire::ListServerGroupsResponse {
        request_id: rid,
        server_groups: page.items,
        total_count: page.total_count,
        next_token: page.next_token,
        max_results: page.max_results,
    })
}

/// `ListServerGroupServers`.
pub(super) fn list_server_group_servers(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let id = p.req("ServerGroupId")?;
    let sg = find_in(&w.server_groups, id, region, sg_not_found)?;
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
    let page = page_by_token(p, items, 20, 100)?;
    ok(wire::ListServerGroupServersResponse {
        request_id: rid,
        servers: page.items,
        total_count: page.total_count,
        next_token: page.next_token,
        max_results: page.max_results,
    })
}

/// `DeleteServerGroup`.
pub(super) fn delete_server_group(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let id = p.req("ServerGroupId")?.to_string();
    let dry = p.bool("DryRun", false)?;
    let sg = find_in(&w.server_groups, &id, region, sg_not_found)?;
    if sg.status(now) == "Configuring" {
        return Err(AliError::bad(
            "IncorrectStatus.serverGroup",
            format!("The status of {id} is Configuring and does not support this operation."),
        ));
    }
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
        .life
        .deleting_at
        .unwrap_or(now + w.draw("server_group_delete", w.delays.server_group_delete));
    if let Some(sg) = w.server_groups.iter_mut().find(|s| s.id == id) {
        sg.life.deleting_at = Some(done);
    }
    // DeleteServerGroup returns RequestId and JobId only.
    job_answer(w, ctx, done)
}
