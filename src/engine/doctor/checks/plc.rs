//! TiDB Cloud's side: the private link connection (`plc-state`) and its siblings on one
//! service (`several-plcs`).

use super::super::facts::ChainFacts;
use super::{changing, doctor_fix};
use crate::engine::check::{Check, CheckId, Status};
use crate::engine::facts::PlcInfo;
use crate::wire::states::ConnectionStatus;
use serde_json::json;

/// The endpoint TiDB Cloud created for the PLC, when it reports one.
pub(super) fn endpoint_id(f: &ChainFacts) -> Option<&str> {
    f.plc
        .as_ref()
        .map(|p| p.endpoint_id.as_str())
        .filter(|s| !s.is_empty())
}

/// `plc-state`: TiDB Cloud's private link connection is ACTIVE (or an orphaned Alibaba half
/// when the cluster has none on the service).
pub(super) fn state(f: &ChainFacts) -> Check {
    let Some(p) = &f.plc else {
        if f.no_plc_on_service && f.service.is_some() {
            return orphaned_half(f);
        }
        return Check::skip(
            CheckId::PlcState,
            "TiDB private link connection",
            "started from an endpoint service: no PLC given",
        );
    };
    let ev = json!({"plc": p.id, "state": p.state, "message": p.message, "service": p.service_name, "endpoint_id": p.endpoint_id});
    // The connection behind it being modified: TiDB Cloud's view follows once it settles.
    let conn_changing = f.connections.iter().any(|c| {
        !p.endpoint_id.is_empty()
            && c.endpoint_id == p.endpoint_id
            && c.connection_status.is_changing()
    });
    // Accepted on the Alibaba side, and TiDB Cloud has not caught up yet (it does within a
    // minute or so): on its way to healthy, not waiting for anyone (issue 26 #4).
    let accepted = f.connections.iter().any(|c| {
        !p.endpoint_id.is_empty()
            && c.endpoint_id == p.endpoint_id
            && c.connection_status == ConnectionStatus::Connected
    });
    match p.state.as_str() {
        "PENDING_ACCEPTANCE" if accepted => changing(CheckId::PlcState, "Private link connection is catching up with the acceptance", format!("{} is still PENDING_ACCEPTANCE, but its endpoint connection {} is already Connected: TiDB Cloud turns it ACTIVE shortly; look again in a minute", p.id, p.endpoint_id), "PENDING_ACCEPTANCE").evidence(ev),
        "ACTIVE" => Check::new(CheckId::PlcState, Status::Pass, "Private link connection is ACTIVE", format!("{} ({}) → {}", p.name, p.id, p.service_name)).evidence(ev),
        "PENDING_ACCEPTANCE" if conn_changing => changing(CheckId::PlcState, "Private link connection follows a connection being modified", format!("{} is PENDING_ACCEPTANCE while its endpoint connection is being modified", p.id), "PENDING_ACCEPTANCE").evidence(ev),
        "DELETING" => changing(CheckId::PlcState, "Private link connection is being deleted", format!("{} is DELETING", p.id), "DELETING").evidence(ev),
        "PENDING_ACCEPTANCE" => Check::new(CheckId::PlcState, Status::Fail, "Private link connection waits for acceptance", format!("{} is PENDING_ACCEPTANCE: the endpoint connection request has not been accepted on the endpoint service", p.id))
            .evidence(ev)
            .fix(format!("Accept the request from the TiDB Cloud account: {} does it safely.", doctor_fix(f))),
        "FAILED" => Check::new(CheckId::PlcState, Status::Fail, "Private link connection FAILED", format!("TiDB Cloud says: {}", if p.message.is_empty() { "(no message)" } else { &p.message }))
            .evidence(ev)
            .fix("A FAILED connection cannot be repaired: fix the causes below (whitelist, zones, region), delete it and create a new one (tilink setup)."),
        "CREATING" => Check::new(CheckId::PlcState, Status::Warn, "Private link connection is being created", format!("{} is CREATING", p.id)).evidence(ev),
        s => Check::new(CheckId::PlcState, Status::Warn, "Private link connection in an unusual state", format!("{} is {s}", p.id)).evidence(ev),
    }
}

/// The cluster has no PLC on this endpoint service (deleted in the TiDB console, say): the
/// Alibaba half still bills. Both ways out, with the ids (issue 26 #5).
fn orphaned_half(f: &ChainFacts) -> Check {
    let tag = |k: &str| {
        f.lb.as_ref()
            .and_then(|l| l.tags.iter().find(|t| t.tag_key == k))
            .map(|t| t.tag_value.clone())
    };
    let setup = tag(crate::engine::discover::TAG_SETUP);
    let rds = tag(crate::engine::discover::TAG_RDS)
        .or_else(|| f.rds.as_ref().map(|r| r.id.clone()))
        .unwrap_or_else(|| "<rds-instance-id>".into());
    let c = &f.cluster_id;
    let svc = f.service_id.as_deref().unwrap_or("?");
    let lb =
        f.lb.as_ref()
            .map(|l| l.load_balancer.load_balancer_id.clone())
            .unwrap_or_else(|| "?".into());
    let teardown = match &setup {
        Some(s) => format!("tilink teardown --cluster-id {c} --setup {s}"),
        None => format!("tilink teardown --cluster-id {c}"),
    };
    Check::new(
        CheckId::PlcState,
        Status::Fail,
        "No private link connection uses this chain",
        format!(
            "cluster {c} has no private link connection on endpoint service {svc} (deleted in the TiDB Cloud console?); {}NLB {lb} and the endpoint service still exist and the NLB still bills (≈ US$0.02/hour plus LCU, list price)",
            setup
                .as_ref()
                .map(|s| format!("tilink setup {s} built it; "))
                .unwrap_or_default()
        ),
    )
    .evidence(json!({"cluster_id": c, "service_id": svc, "load_balancer_id": lb, "setup_id": setup}))
    .fix(format!(
        "reconnect (a new PLC on this service): tilink setup --cluster-id {c} --rds-instance {rds}; or remove the billing half: {teardown}"
    ))
}

/// The PLC a chain keeps when several point at one service: the furthest along (ACTIVE
/// first), then the smallest id, so that every walk of the cluster picks the same one.
pub fn keeper<'a>(plc: &'a PlcInfo, siblings: &'a [PlcInfo]) -> &'a PlcInfo {
    let rank = |p: &PlcInfo| match p.state.as_str() {
        "ACTIVE" => 0,
        "PENDING_ACCEPTANCE" => 1,
        "CREATING" => 2,
        _ => 3,
    };
    std::iter::once(plc)
        .chain(siblings)
        .min_by(|a, b| rank(a).cmp(&rank(b)).then(a.id.cmp(&b.id)))
        .unwrap_or(plc)
}

/// `several-plcs`: one private link connection per endpoint service.
pub(super) fn several_plcs(f: &ChainFacts) -> Check {
    const TITLE: &str = "One private link connection per service";
    let Some(plc) = &f.plc else {
        return Check::skip(
            CheckId::SeveralPlcs,
            TITLE,
            "not started from a private link connection",
        );
    };
    let Some(siblings) = &f.siblings else {
        return Check::skip(
            CheckId::SeveralPlcs,
            TITLE,
            "could not look: the cluster's private link connections were not listed",
        );
    };
    if siblings.is_empty() {
        return Check::new(
            CheckId::SeveralPlcs,
            Status::Pass,
            TITLE,
            format!("only {} points at {}", plc.id, plc.service_name),
        );
    }
    let keep = keeper(plc, siblings);
    let all: Vec<&PlcInfo> = std::iter::once(plc).chain(siblings).collect();
    let extra: Vec<&str> = all
        .iter()
        .filter(|p| p.id != keep.id)
        .map(|p| p.id.as_str())
        .collect();
    Check::new(
        CheckId::SeveralPlcs,
        Status::Warn,
        format!("{} private link connections point at one service", all.len()),
        format!(
            "{} (two setups ran at once, or one was created by hand); each holds its own endpoint and connection request on {}",
            all.iter()
                .map(|p| format!("{} \"{}\" {}", p.id, p.name, p.state))
                .collect::<Vec<_>>()
                .join(", "),
            plc.service_name
        ),
    )
    .evidence(json!(all.iter().map(|p| json!({"plc": p.id, "name": p.name, "state": p.state, "endpoint": p.endpoint_id})).collect::<Vec<_>>()))
    .fix(format!(
        "Keep {} and delete {} (tilink doctor --fix does it after confirmation when the chain is tilink's; or the TiDB Cloud console: Networking > Private Link Connections).",
        keep.id,
        extra.join(", ")
    ))
}
