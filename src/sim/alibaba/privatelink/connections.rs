//! PrivateLink endpoint connections: list, accept and reject.

use super::*;

/// `ListVpcEndpointConnections`.
pub(super) fn list_vpc_endpoint_connections(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let rid = ctx.request_id.to_string();
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
    let page = page_by_token(p, items, 50, 1000)?;
    ok(wire::ListVpcEndpointConnectionsResponse {
        request_id: rid,
        connections: page.items,
        next_token: page.next_token,
        max_results: page.max_results,
        total_count: page.total_count,
    })
}

/// `EnableVpcEndpointConnection` / `DisableVpcEndpointConnection`.
pub(super) fn enable_or_disable_connection(
    Call { w, ctx, p, region }: Call<'_>,
    action: &str,
) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
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
    active_service(w, &sid, region, now)?;
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
            format!("The endpoint connection {ep} is Pending (being modified); retry later."),
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
