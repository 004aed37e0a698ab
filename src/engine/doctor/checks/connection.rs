//! The endpoint connections on the service: TiDB Cloud's (`connection-state`) and
//! anyone else's (`foreign-connections`).

use super::super::facts::{ChainFacts, Piece};
use super::plc::endpoint_id;
use super::{aliyun_cmd, changing, doctor_fix, skip, svc_id};
use crate::engine::check::{Check, CheckId, Status};
use crate::wire::states::ConnectionStatus;
use serde_json::json;

/// `connection-state`: TiDB Cloud's endpoint connection on the service is Connected.
pub(super) fn state(f: &ChainFacts) -> Check {
    if f.service.is_none() {
        return skip(
            CheckId::ConnectionState,
            "Endpoint connection",
            f,
            Piece::Connections,
        );
    }
    let tidb = f.tidb.as_ref().map(|t| t.account_id.as_str());
    let mine = f.connections.iter().find(|c| {
        Some(c.endpoint_id.as_str()) == endpoint_id(f)
            || (endpoint_id(f).is_none() && Some(c.endpoint_owner_id.to_string().as_str()) == tidb)
    });
    let plc_state = f.plc.as_ref().map(|p| p.state.as_str()).unwrap_or("");
    let Some(c) = mine else {
        let detail = match endpoint_id(f) {
            Some(ep) => format!("no connection request from endpoint {ep} on the service"),
            None => "TiDB Cloud has not opened an endpoint towards this service yet".to_string(),
        };
        return Check::new(CheckId::ConnectionState, if plc_state == "ACTIVE" { Status::Fail } else { Status::Warn }, "No endpoint connection from TiDB Cloud", detail)
            .evidence(json!({"connections": f.connections.iter().map(|c| json!({"endpoint": c.endpoint_id, "owner": c.endpoint_owner_id, "status": c.connection_status})).collect::<Vec<_>>()}))
            .fix("Check the whitelist and zones below; TiDB Cloud opens the request a minute or two after the PLC is created.");
    };
    let ev = json!({"endpoint_id": c.endpoint_id, "owner": c.endpoint_owner_id, "status": c.connection_status, "plc_state": plc_state});
    use ConnectionStatus as C;
    match &c.connection_status {
        C::Connected if plc_state == "ACTIVE" || plc_state.is_empty() => Check::new(CheckId::ConnectionState, Status::Pass, "Endpoint connection is Connected", format!("{} from account {} is Connected", c.endpoint_id, c.endpoint_owner_id)).evidence(ev),
        C::Connected if plc_state == "PENDING_ACCEPTANCE" => Check::new(CheckId::ConnectionState, Status::Pass, "Endpoint connection is Connected", format!("{} from account {} is Connected (accepted; the PLC catches up shortly)", c.endpoint_id, c.endpoint_owner_id)).evidence(ev),
        C::Connected => Check::new(CheckId::ConnectionState, Status::Warn, "The two sides disagree", format!("the connection is Connected but the PLC is {plc_state}; TiDB Cloud may not have noticed yet")).evidence(ev),
        C::Pending | C::Disconnecting | C::Deleting => changing(CheckId::ConnectionState, "Endpoint connection is being modified", format!("{} is {} (being modified; not a request awaiting acceptance)", c.endpoint_id, c.connection_status), c.connection_status.as_str()).evidence(ev),
        C::Disconnected => Check::new(CheckId::ConnectionState, Status::Fail, "Endpoint connection not accepted", format!("{} is {} (with auto-accept off a new request shows Disconnected; a rejected or disabled one too)", c.endpoint_id, c.connection_status))
            .evidence(ev)
            .fix(format!("Accept it: {} (checks the requester first), or {}", doctor_fix(f), aliyun_cmd(f, "privatelink", "EnableVpcEndpointConnection", &[("ServiceId", svc_id(f)), ("EndpointId", &c.endpoint_id)]))),
        C::Connecting => changing(CheckId::ConnectionState, "Endpoint connection is connecting", format!("{} is Connecting (being accepted)", c.endpoint_id), "Connecting").evidence(ev),
        s => Check::new(CheckId::ConnectionState, Status::Fail, "Endpoint connection is not usable", format!("{} is {s}", c.endpoint_id)).evidence(ev)
            .fix("If the service was deleted, recreate the chain with tilink setup."),
    }
}

/// `foreign-connections`: connection requests from accounts that are not on the whitelist.
pub(super) fn foreign(f: &ChainFacts) -> Check {
    if f.service.is_none() {
        return skip(
            CheckId::ForeignConnections,
            "Other connection requests",
            f,
            Piece::Connections,
        );
    }
    let tidb = f
        .tidb
        .as_ref()
        .map(|t| t.account_id.clone())
        .unwrap_or_default();
    // TiDB Cloud's endpoints of the cluster's other PLCs on this service are not foreign:
    // `several-plcs` reports them.
    let sibling = |e: &str| {
        f.siblings
            .iter()
            .flatten()
            .any(|p| !p.endpoint_id.is_empty() && p.endpoint_id == e)
    };
    // An account on the service's whitelist was let in on purpose: its endpoint is never
    // an intruder, and doctor never advises disabling it (issue 26 #3). Without the TiDB
    // side (no PLC, no cluster) doctor cannot tell which whitelisted endpoint is TiDB
    // Cloud's, and says so.
    let whitelisted = |c: &crate::wire::aliyun::EndpointConnection| {
        let owner = c.endpoint_owner_id.to_string();
        f.users.contains(&owner)
    };
    let others: Vec<_> = f
        .connections
        .iter()
        .filter(|c| {
            if tidb.is_empty() {
                return !whitelisted(c);
            }
            c.endpoint_owner_id.to_string() != tidb && !whitelisted(c)
                || c.endpoint_owner_id.to_string() == tidb
                    && endpoint_id(f).is_some_and(|e| e != c.endpoint_id)
                    && !sibling(&c.endpoint_id)
        })
        .collect();
    let allowed: Vec<_> = f
        .connections
        .iter()
        .filter(|c| whitelisted(c) && c.endpoint_owner_id.to_string() != tidb)
        .collect();
    if others.is_empty() {
        let detail = if tidb.is_empty() && !f.connections.is_empty() {
            format!(
                "every request comes from an account on the service's whitelist ({}); without a private link connection doctor cannot tell which is TiDB Cloud's endpoint: pass --cluster-id to check the TiDB side",
                f.connections
                    .iter()
                    .map(|c| format!(
                        "{} from {} ({})",
                        c.endpoint_id, c.endpoint_owner_id, c.connection_status
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        } else if !allowed.is_empty() {
            format!(
                "TiDB Cloud's endpoint, and endpoints of whitelisted accounts: {}",
                allowed
                    .iter()
                    .map(|c| format!(
                        "{} from {} ({})",
                        c.endpoint_id, c.endpoint_owner_id, c.connection_status
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        } else {
            "only TiDB Cloud's endpoint asks for this service".to_string()
        };
        return Check::new(
            CheckId::ForeignConnections,
            Status::Pass,
            "No connection requests from strangers",
            detail,
        );
    }
    let connected = others
        .iter()
        .any(|c| c.connection_status == ConnectionStatus::Connected);
    Check::new(
        CheckId::ForeignConnections,
        if connected { Status::Fail } else { Status::Warn },
        "Connection requests from accounts not on the whitelist",
        others.iter().map(|c| format!("{} from account {} ({})", c.endpoint_id, c.endpoint_owner_id, c.connection_status)).collect::<Vec<_>>().join("; "),
    )
    .evidence(json!(others.iter().map(|c| json!({"endpoint": c.endpoint_id, "owner": c.endpoint_owner_id, "status": c.connection_status})).collect::<Vec<_>>()))
    .fix(format!(
        "If you do not know them, reject them (an unaccepted request gets nothing until accepted; a Connected one keeps its access until rejected): {}",
        others
            .iter()
            .map(|c| format!(
                "aliyun privatelink DisableVpcEndpointConnection --RegionId {} --ServiceId {} --EndpointId {}",
                f.region,
                f.service_id.as_deref().unwrap_or("<epsrv-id>"),
                c.endpoint_id
            ))
            .collect::<Vec<_>>()
            .join("; ")
    ))
}
