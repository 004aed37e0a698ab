//! NLB listeners and the health of their backends.

use super::*;

/// `ListListeners`.
pub(super) fn list_listeners(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let lbs = p.list("LoadBalancerIds");
    let ids = p.list("ListenerIds");
    let tag_filter = p.tags()?;
    let items: Vec<_> = w
        .listeners
        .iter()
        .filter(|l| l.region == region && ctx.visible(l.life.created_at))
        .filter(|l| lbs.is_empty() || lbs.contains(&l.lb_id))
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .filter(|l| {
            p.opt("ListenerProtocol")
                .is_none_or(|x| x.eq_ignore_ascii_case(&l.protocol))
        })
        .filter(|l| tags_match(&l.tags, &tag_filter))
        .map(|l| listener_wire(l, now))
        .collect();
    let page = page_by_token(p, items, 20, 100)?;
    ok(wire::ListListenersResponse {
        request_id: rid,
        listeners: page.items,
        total_count: page.total_count,
        next_token: page.next_token,
        max_results: page.max_results,
    })
}

/// `GetListenerAttribute`.
pub(super) fn get_listener_attribute(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let id = p.req("ListenerId")?;
    let l = w
        .listeners
        .iter()
        .find(|l| l.id == id && l.region == region && now >= l.visible_at)
        .ok_or_else(|| lsn_not_found(id))?;
    ok(wire::GetListenerAttributeResponse {
        request_id: rid,
        listener: listener_wire(l, now).map_tags(wire::TagKv::from),
    })
}

/// `DeleteListener`.
pub(super) fn delete_listener(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let id = p.req("ListenerId")?.to_string();
    let dry = p.bool("DryRun", false)?;
    let l = find_in(&w.listeners, &id, region, lsn_not_found)?;
    if dry {
        return Err(AliError::dry_run());
    }
    let lb_id = l.lb_id.clone();
    let done = l
        .life
        .deleting_at
        .unwrap_or(now + w.draw("listener_delete", w.delays.listener_delete));
    if let Some(l) = w.listeners.iter_mut().find(|l| l.id == id) {
        l.life.deleting_at = Some(done);
    }
    // The load balancer is being modified until the listener is gone.
    if w.behaves(Behaviour::LoadBalancerConfiguring)
        && let Some(lb) = w.load_balancers.iter_mut().find(|l| l.id == lb_id)
    {
        lb.life.busy_until = Some(done.max(lb.life.busy_until.unwrap_or(done)));
    }
    job_answer(w, ctx, done)
}

/// `StartListener`: a stopped listener starts (`Starting`, then `Running`); any other
/// state is `IncorrectStatus.listener` (the metadata's error for this action). Tilink never
/// calls it: doctor's fix for a stopped listener tells the DBA to, and this answers it.
pub(super) fn start_listener(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let id = p.req("ListenerId")?.to_string();
    let dry = p.bool("DryRun", false)?;
    let l = find_in(&w.listeners, &id, region, lsn_not_found)?;
    let st = l.status(now);
    if st != "Stopped" {
        return Err(AliError::bad(
            "IncorrectStatus.listener",
            format!("The status of listener [{id}] is incorrect."),
        ));
    }
    if dry {
        return Err(AliError::dry_run());
    }
    let done = now + w.draw("listener", w.delays.listener);
    if let Some(l) = w.listeners.iter_mut().find(|l| l.id == id) {
        l.stopped = false;
        l.starting_until = Some(done);
    }
    job_answer(w, ctx, done)
}

/// `GetListenerHealthStatus`.
pub(super) fn get_listener_health_status(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let id = p.req("ListenerId")?;
    let l = find_in(&w.listeners, id, region, lsn_not_found)?;
    ok(wire::GetListenerHealthStatusResponse {
        request_id: rid,
        listener_health_status: vec![health_of(w, l, now)],
        next_token: String::new(),
        max_results: 20,
        total_count: 1,
    })
}

pub(super) fn create_listener(Call { w, ctx, p, region }: Call<'_>) -> Reply {
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
    let lb = find_in(&w.load_balancers, &lb_id, region, lb_not_found)?;
    // A taken port is refused whatever the load balancer is doing; then its state.
    let family = |p: &str| if p == "UDP" { "UDP" } else { "TCP" };
    if let Some(l) = w.listeners.iter().find(|l| {
        l.lb_id == lb_id && l.port == port as u16 && family(&l.protocol) == family(protocol)
    }) {
        return Err(AliError::bad(
            "Conflict.Port",
            format!("Port {port} is already used by listener {}.", l.id),
        ));
    }
    let st = lb.status(now);
    if st != "Active" {
        return Err(AliError::bad(
            "IncorrectStatus.loadbalancer",
            format!("The status of {lb_id} is {st} and does not support this operation."),
        ));
    }
    let sg = find_in(&w.server_groups, &sg_id, region, sg_not_found)?;
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
    let visible_at = w.visible_from(now);
    let lb_id_for_busy = lb_id.clone();
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
        life: Lifecycle::new(now, delay),
        stopped: false,
        starting_until: None,
        visible_at,
    });
    // The load balancer is being modified while its new listener comes up.
    let busy = w.until_if(
        Behaviour::LoadBalancerConfiguring,
        "lb_configuring",
        w.delays.lb_configuring,
        now,
    );
    if let Some(lb) = w.load_balancers.iter_mut().find(|l| l.id == lb_id_for_busy) {
        lb.life.busy_until = busy.or(lb.life.busy_until);
    }
    ok(wire::CreateListenerResponse {
        request_id: ctx.request_id.into(),
        listener_id: id,
        job_id: job,
    })
}
