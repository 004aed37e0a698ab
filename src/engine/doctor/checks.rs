//! Doctor's checks: pure functions of [`ChainFacts`], one per link of the chain, with the
//! contract ids. Failure modes and detection follow `shared/reference/peers.md` §3.
//!
//! Size (~1 100 lines): eighteen pure checks with their evidence and fixes; each is a
//! short function and the ORDER/depends_on tables that link them sit on top.

use super::facts::{ChainFacts, nlb_cidrs};
use crate::engine::check::{Check, Status};
use crate::engine::facts::{PlcInfo, cidr_covers, region_of_service_name};
use crate::wire::states::{ConnectionStatus, ListenerStatus, LoadBalancerStatus, ServiceStatus};
use serde_json::json;

/// The contract ids, causes before symptoms: every check comes after the checks it depends
/// on ([`depends_on`]), so the first failure in a report is a root cause. The order follows
/// the data path outwards: credentials and regions, the RDS instance, the backend, the NLB
/// and its zones, the listener and its health, the endpoint service, then TiDB Cloud's side.
pub const ORDER: [&str; 20] = [
    "credentials",
    "region-match",
    "rds-status",
    "rds-endpoint",
    "rds-allowlist",
    "backend-ip",
    "server-group",
    "nlb-status",
    "zone-overlap",
    "listener",
    "backend-health",
    "endpoint-service",
    "service-zones",
    "service-whitelist",
    "several-plcs",
    "foreign-connections",
    "connection-state",
    "plc-state",
    // Only with `--probe`: a MySQL login through the NLB (engine::probe).
    "data-path",
    // What runs through the PLC: changefeeds and DM tasks (`dependents.rs`).
    "dependents",
];

/// The checks whose failure explains a failure of `id` (its possible causes), each listed
/// before `id` in [`ORDER`].
pub fn depends_on(id: &str) -> &'static [&'static str] {
    match id {
        "rds-endpoint" => &["rds-status"],
        "backend-ip" => &["rds-endpoint", "rds-status"],
        "zone-overlap" => &["nlb-status"],
        "listener" => &["nlb-status", "server-group"],
        "backend-health" => &[
            "backend-ip",
            "rds-status",
            "rds-endpoint",
            "rds-allowlist",
            "server-group",
            "listener",
            "nlb-status",
        ],
        "endpoint-service" => &["nlb-status"],
        "service-zones" => &["endpoint-service", "nlb-status", "zone-overlap"],
        "service-whitelist" => &["endpoint-service"],
        "connection-state" => &[
            "service-whitelist",
            "endpoint-service",
            "service-zones",
            "zone-overlap",
            "region-match",
        ],
        "plc-state" => &[
            "connection-state",
            "service-whitelist",
            "endpoint-service",
            "service-zones",
            "zone-overlap",
            "region-match",
            "backend-health",
        ],
        "dependents" => &[
            "data-path",
            "plc-state",
            "connection-state",
            "backend-health",
            "rds-allowlist",
            "listener",
            "server-group",
            "backend-ip",
            "service-whitelist",
            "service-zones",
            "endpoint-service",
            "zone-overlap",
            "nlb-status",
            "rds-endpoint",
            "rds-status",
            "region-match",
        ],
        "data-path" => &[
            "rds-allowlist",
            "backend-ip",
            "listener",
            "backend-health",
            "server-group",
            "nlb-status",
            "rds-status",
            "rds-endpoint",
        ],
        _ => &[],
    }
}

/// The facts each check reads: when one of them could not be looked at, the check is
/// unknown (it may not pass or fail on half the evidence).
fn needs(id: &str) -> &'static [&'static str] {
    match id {
        "region-match" => &["cluster"],
        "rds-status" | "rds-endpoint" => &["rds"],
        "rds-allowlist" => &["rds", "lb", "vswitches"],
        "backend-ip" => &["rds", "servers"],
        "server-group" => &["lb", "listeners", "server_groups", "servers"],
        "nlb-status" => &["lb"],
        "zone-overlap" => &["lb", "tidb"],
        "listener" => &["lb", "listeners"],
        "backend-health" => &["listeners", "health"],
        "endpoint-service" => &["service"],
        "service-zones" => &["service", "resources", "lb", "tidb"],
        "service-whitelist" => &["service", "users", "tidb"],
        "foreign-connections" => &["service", "connections", "tidb"],
        "connection-state" => &["service", "connections"],
        _ => &[],
    }
}

/// Every check, causes before symptoms, each failure linked to its root cause.
pub fn run_checks(f: &ChainFacts) -> Vec<Check> {
    let computed = [
        credentials(f),
        plc_state(f),
        connection_state(f),
        foreign(f),
        several_plcs(f),
        whitelist(f),
        endpoint_service(f),
        service_zones(f),
        region_match(f),
        zone_overlap(f),
        nlb_status(f),
        listener(f),
        server_group(f),
        backend_health(f),
        backend_ip(f),
        rds_endpoint(f),
        rds_status(f),
        rds_allowlist(f),
        super::dependents::check(f),
    ];
    let mut out: Vec<Check> = ORDER
        .iter()
        .filter_map(|id| computed.iter().find(|c| c.id == *id).cloned())
        .map(|c| unknown_if_unseen(f, c))
        .collect();
    link_causes(&mut out);
    super::dependents::word_root(&mut out);
    out
}

/// A check that read a fact tilink could not look at is unknown: it names the call and the
/// error, and its fix is about the look.
fn unknown_if_unseen(f: &ChainFacts, c: Check) -> Check {
    let Some((piece, look)) = needs(&c.id)
        .iter()
        .find_map(|p| f.unknown(p).map(|l| (p, l)))
    else {
        return c;
    };
    // The computed title may describe a failure read off an empty answer ("No TCP
    // listener"); an unknown check says only that it could not look.
    Check::new(
        &c.id,
        Status::Unknown,
        format!("could not look ({} failed)", look.call),
        format!("could not look: {} failed: {}", look.call, look.error),
    )
    .evidence(json!({"unreadable": piece, "call": look.call, "error": look.error}))
    .fix(look.fix.clone())
}

/// Marks each failing check that follows from another failing one with its root cause.
pub(crate) fn link_causes(checks: &mut [Check]) {
    let failing: Vec<String> = checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.id.clone())
        .collect();
    let root = |id: &str| -> Option<String> {
        // Follow failing causes (each earlier in ORDER, so this ends) to one with none.
        let mut at = id.to_string();
        while let Some(cause) = depends_on(&at)
            .iter()
            .find(|d| failing.iter().any(|f| f == *d))
        {
            at = cause.to_string();
        }
        (at != id).then_some(at)
    };
    // Idempotent: a check already linked (doctor links again after adding the probe) keeps
    // its one note.
    for c in checks
        .iter_mut()
        .filter(|c| c.status == Status::Fail && c.caused_by.is_none())
    {
        if let Some(r) = root(&c.id) {
            c.detail = format!("{} (follows from {r}, listed above)", c.detail);
            c.caused_by = Some(r);
        }
    }
}

/// The root cause of a report: the first failing check that follows from no other.
pub fn root_cause(checks: &[Check]) -> Option<&Check> {
    checks
        .iter()
        .find(|c| c.status == Status::Fail && c.caused_by.is_none())
}

fn skip(id: &str, title: &str, f: &ChainFacts, piece: &str) -> Check {
    Check::skip(
        id,
        title,
        format!(
            "could not look: {}",
            f.why_missing(piece).unwrap_or("an earlier link is missing")
        ),
    )
}

/// `tilink doctor … --fix` for this chain, ready to paste.
fn doctor_fix(f: &ChainFacts) -> String {
    if !f.cluster_id.is_empty() {
        format!("tilink doctor --cluster-id {} --fix", f.cluster_id)
    } else {
        format!(
            "tilink doctor --endpoint-service {} --region {} --fix",
            f.service_id.as_deref().unwrap_or("<epsrv-id>"),
            f.region
        )
    }
}

/// An `aliyun` CLI line for `product action` in the chain's region, ready to paste.
fn aliyun_cmd(f: &ChainFacts, product: &str, action: &str, params: &[(&str, &str)]) -> String {
    let mut s = format!("aliyun {product} {action} --RegionId {}", f.region);
    for (k, v) in params {
        s.push_str(&format!(" --{k} {v}"));
    }
    s
}

/// The endpoint service id, or a placeholder.
fn svc_id(f: &ChainFacts) -> &str {
    f.service_id.as_deref().unwrap_or("<epsrv-id>")
}

/// What exactly is wrong with an Alibaba Cloud key, in words (never the API's raw message,
/// which for a signature mismatch carries the server's string to sign).
fn refusal(key: &str, code: &str) -> String {
    let shown: String = key.chars().take(8).collect();
    let key = if shown.is_empty() {
        "the access key".to_string()
    } else {
        format!("access key {shown}…")
    };
    if code.starts_with("SignatureDoesNotMatch") || code.starts_with("IncompleteSignature") {
        format!("the secret does not match {key}")
    } else if code.starts_with("InvalidAccessKeyId.Inactive") {
        format!("{key} is disabled")
    } else if code.starts_with("InvalidAccessKeyId") {
        format!("{key} does not exist (deleted, or from another account or site)")
    } else if code.starts_with("InvalidSecurityToken.Expired") {
        "the STS security token has expired: get a new one".to_string()
    } else if code.starts_with("InvalidSecurityToken") {
        format!("the STS security token does not belong to {key}")
    } else {
        format!("{key} was refused")
    }
}

/// What one cloud said about the credentials.
enum Said {
    Accepted(String),
    Refused(String),
    Unseen(String),
}

fn credentials(f: &ChainFacts) -> Check {
    use super::facts::LookKind;
    let ali = match (&f.caller, f.unknown("caller")) {
        (Some((acct, arn)), _) => Said::Accepted(format!("Alibaba Cloud account {acct} ({arn})")),
        (None, Some(l)) if l.kind == LookKind::Credentials => Said::Refused(format!(
            "Alibaba Cloud: {}",
            refusal(&f.access_key_id, l.code.as_deref().unwrap_or_default())
        )),
        (None, Some(l)) => Said::Unseen(format!("Alibaba Cloud: {} failed: {}", l.call, l.error)),
        (None, None) => Said::Refused(format!(
            "Alibaba Cloud: {}",
            f.why_missing("caller").unwrap_or("no answer")
        )),
    };
    let tidb = match (f.why_missing("cluster"), f.unknown("cluster")) {
        (None, _) => Said::Accepted("TiDB Cloud API key works".to_string()),
        (Some(why), _) if why.contains("no --cluster-id") => {
            Said::Accepted("TiDB side not checked (no cluster given)".to_string())
        }
        (_, Some(l)) if l.kind == LookKind::Credentials => {
            Said::Refused(format!("TiDB Cloud: {}", l.error))
        }
        (_, Some(l)) => Said::Unseen(format!("TiDB Cloud: {} failed: {}", l.call, l.error)),
        // The key worked; the cluster itself was not found (reported as bad input).
        (Some(why), None) => Said::Accepted(format!("TiDB Cloud API key works ({why})")),
    };
    let pick = |want: fn(&Said) -> Option<&String>| -> Vec<String> {
        [&ali, &tidb]
            .into_iter()
            .filter_map(want)
            .cloned()
            .collect()
    };
    let refused = pick(|s| match s {
        Said::Refused(x) => Some(x),
        _ => None,
    });
    let unseen = pick(|s| match s {
        Said::Unseen(x) => Some(x),
        _ => None,
    });
    let accepted = pick(|s| match s {
        Said::Accepted(x) => Some(x),
        _ => None,
    });
    if !refused.is_empty() {
        // Both clouds are reported together, so one rerun fixes both.
        let mut all = refused.clone();
        all.extend(unseen.iter().map(|u| format!("{u} (could not look)")));
        return Check::new("credentials", Status::Fail, "Credentials refused", all.join("; "))
            .evidence(json!({"refused": refused, "unreadable": unseen, "accepted": accepted}))
            .fix({
                // Only the refused cloud's keys are named: the other one works.
                let ali_refused = matches!(ali, Said::Refused(_));
                let tidb_refused = matches!(tidb, Said::Refused(_));
                let which = match (ali_refused, tidb_refused) {
                    (true, false) => "ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (or the aliyun profile)",
                    (false, true) => "TIDBCLOUD_PUBLIC_KEY / _PRIVATE_KEY (or the ticloud profile)",
                    _ => "ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (or the aliyun profile) and TIDBCLOUD_PUBLIC_KEY / _PRIVATE_KEY (or the ticloud profile)",
                };
                format!("Check {which}: each key must exist, be active and match its secret (`tilink auth status` shows which key is used).")
            });
    }
    if !unseen.is_empty() {
        return Check::new("credentials", Status::Unknown, "Credentials: could not look", format!("could not look: {}", unseen.join("; ")))
            .evidence(json!({"unreadable": unseen, "accepted": accepted}))
            .fix("tilink retried with backoff and the identity calls still failed (throttling or an outage): run doctor again in a minute.");
    }
    let mut c = Check::new(
        "credentials",
        Status::Pass,
        "Both clouds accept the credentials",
        accepted.join("; "),
    );
    if let Some((acct, arn)) = &f.caller {
        c = c.evidence(json!({"account_id": acct, "arn": arn}));
    }
    c
}

fn endpoint_id(f: &ChainFacts) -> Option<&str> {
    f.plc
        .as_ref()
        .map(|p| p.endpoint_id.as_str())
        .filter(|s| !s.is_empty())
}

fn plc_state(f: &ChainFacts) -> Check {
    let Some(p) = &f.plc else {
        if f.no_plc_on_service && f.service.is_some() {
            return orphaned_half(f);
        }
        return Check::skip(
            "plc-state",
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
        "PENDING_ACCEPTANCE" if accepted => changing("plc-state", "Private link connection is catching up with the acceptance", format!("{} is still PENDING_ACCEPTANCE, but its endpoint connection {} is already Connected: TiDB Cloud turns it ACTIVE shortly; look again in a minute", p.id, p.endpoint_id), "PENDING_ACCEPTANCE").evidence(ev),
        "ACTIVE" => Check::new("plc-state", Status::Pass, "Private link connection is ACTIVE", format!("{} ({}) → {}", p.name, p.id, p.service_name)).evidence(ev),
        "PENDING_ACCEPTANCE" if conn_changing => changing("plc-state", "Private link connection follows a connection being modified", format!("{} is PENDING_ACCEPTANCE while its endpoint connection is being modified", p.id), "PENDING_ACCEPTANCE").evidence(ev),
        "DELETING" => changing("plc-state", "Private link connection is being deleted", format!("{} is DELETING", p.id), "DELETING").evidence(ev),
        "PENDING_ACCEPTANCE" => Check::new("plc-state", Status::Fail, "Private link connection waits for acceptance", format!("{} is PENDING_ACCEPTANCE: the endpoint connection request has not been accepted on the endpoint service", p.id))
            .evidence(ev)
            .fix(format!("Accept the request from the TiDB Cloud account: {} does it safely.", doctor_fix(f))),
        "FAILED" => Check::new("plc-state", Status::Fail, "Private link connection FAILED", format!("TiDB Cloud says: {}", if p.message.is_empty() { "(no message)" } else { &p.message }))
            .evidence(ev)
            .fix("A FAILED connection cannot be repaired: fix the causes below (whitelist, zones, region), delete it and create a new one (tilink setup)."),
        "CREATING" => Check::new("plc-state", Status::Warn, "Private link connection is being created", format!("{} is CREATING", p.id)).evidence(ev),
        s => Check::new("plc-state", Status::Warn, "Private link connection in an unusual state", format!("{} is {s}", p.id)).evidence(ev),
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
        "plc-state",
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

fn connection_state(f: &ChainFacts) -> Check {
    if f.service.is_none() {
        return skip("connection-state", "Endpoint connection", f, "connections");
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
        return Check::new("connection-state", if plc_state == "ACTIVE" { Status::Fail } else { Status::Warn }, "No endpoint connection from TiDB Cloud", detail)
            .evidence(json!({"connections": f.connections.iter().map(|c| json!({"endpoint": c.endpoint_id, "owner": c.endpoint_owner_id, "status": c.connection_status})).collect::<Vec<_>>()}))
            .fix("Check the whitelist and zones below; TiDB Cloud opens the request a minute or two after the PLC is created.");
    };
    let ev = json!({"endpoint_id": c.endpoint_id, "owner": c.endpoint_owner_id, "status": c.connection_status, "plc_state": plc_state});
    use ConnectionStatus as C;
    match &c.connection_status {
        C::Connected if plc_state == "ACTIVE" || plc_state.is_empty() => Check::new("connection-state", Status::Pass, "Endpoint connection is Connected", format!("{} from account {} is Connected", c.endpoint_id, c.endpoint_owner_id)).evidence(ev),
        C::Connected if plc_state == "PENDING_ACCEPTANCE" => Check::new("connection-state", Status::Pass, "Endpoint connection is Connected", format!("{} from account {} is Connected (accepted; the PLC catches up shortly)", c.endpoint_id, c.endpoint_owner_id)).evidence(ev),
        C::Connected => Check::new("connection-state", Status::Warn, "The two sides disagree", format!("the connection is Connected but the PLC is {plc_state}; TiDB Cloud may not have noticed yet")).evidence(ev),
        C::Pending | C::Disconnecting | C::Deleting => changing("connection-state", "Endpoint connection is being modified", format!("{} is {} (being modified; not a request awaiting acceptance)", c.endpoint_id, c.connection_status), c.connection_status.as_str()).evidence(ev),
        C::Disconnected => Check::new("connection-state", Status::Fail, "Endpoint connection not accepted", format!("{} is {} (with auto-accept off a new request shows Disconnected; a rejected or disabled one too)", c.endpoint_id, c.connection_status))
            .evidence(ev)
            .fix(format!("Accept it: {} (checks the requester first), or {}", doctor_fix(f), aliyun_cmd(f, "privatelink", "EnableVpcEndpointConnection", &[("ServiceId", svc_id(f)), ("EndpointId", &c.endpoint_id)]))),
        C::Connecting => changing("connection-state", "Endpoint connection is connecting", format!("{} is Connecting (being accepted)", c.endpoint_id), "Connecting").evidence(ev),
        s => Check::new("connection-state", Status::Fail, "Endpoint connection is not usable", format!("{} is {s}", c.endpoint_id)).evidence(ev)
            .fix("If the service was deleted, recreate the chain with tilink setup."),
    }
}

fn foreign(f: &ChainFacts) -> Check {
    if f.service.is_none() {
        return skip(
            "foreign-connections",
            "Other connection requests",
            f,
            "connections",
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
            "foreign-connections",
            Status::Pass,
            "No connection requests from strangers",
            detail,
        );
    }
    let connected = others
        .iter()
        .any(|c| c.connection_status == ConnectionStatus::Connected);
    Check::new(
        "foreign-connections",
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

fn several_plcs(f: &ChainFacts) -> Check {
    const TITLE: &str = "One private link connection per service";
    let Some(plc) = &f.plc else {
        return Check::skip(
            "several-plcs",
            TITLE,
            "not started from a private link connection",
        );
    };
    let Some(siblings) = &f.siblings else {
        return Check::skip(
            "several-plcs",
            TITLE,
            "could not look: the cluster's private link connections were not listed",
        );
    };
    if siblings.is_empty() {
        return Check::new(
            "several-plcs",
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
        "several-plcs",
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

fn whitelist(f: &ChainFacts) -> Check {
    if f.service.is_none() {
        return skip("service-whitelist", "Service whitelist", f, "users");
    }
    let Some(t) = &f.tidb else {
        return skip("service-whitelist", "Service whitelist", f, "tidb");
    };
    let unknown: Vec<&String> = f.users.iter().filter(|u| **u != t.account_id).collect();
    let ev = json!({"tidb_account": t.account_id, "whitelist": f.users});
    if !f.users.contains(&t.account_id) {
        Check::new("service-whitelist", Status::Fail, "TiDB Cloud account is not whitelisted", format!("account {} is missing from the service whitelist, so TiDB Cloud cannot see the service", t.account_id))
            .evidence(ev)
            .fix(format!("{}, or {}", doctor_fix(f), aliyun_cmd(f, "privatelink", "AddUserToVpcEndpointService", &[("ServiceId", svc_id(f)), ("UserId", &t.account_id)])))
    } else if !unknown.is_empty() {
        Check::new(
            "service-whitelist",
            Status::Warn,
            "Other accounts are whitelisted",
            format!(
                "besides TiDB Cloud ({}), accounts {} can request connections",
                t.account_id,
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .evidence(ev)
        .fix(format!(
            "Remove accounts you do not know: {}",
            unknown
                .iter()
                .map(|u| aliyun_cmd(
                    f,
                    "privatelink",
                    "RemoveUserFromVpcEndpointService",
                    &[("ServiceId", svc_id(f)), ("UserId", u.as_str())]
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ))
    } else {
        Check::new(
            "service-whitelist",
            Status::Pass,
            "TiDB Cloud account is whitelisted",
            format!("account {}", t.account_id),
        )
        .evidence(ev)
    }
}

/// A link in a documented transient state: being modified, neither broken nor known to work.
fn changing(id: &str, title: &str, detail: String, state: &str) -> Check {
    Check::new(id, Status::Changing, title, detail).fix(format!(
        "{state} is a documented transient state (being modified; it settles by itself). Run \
         tilink doctor again shortly; --fix does not write to a link while it changes."
    ))
}

fn endpoint_service(f: &ChainFacts) -> Check {
    let Some(s) = &f.service else {
        return Check::new("endpoint-service", Status::Fail, "Endpoint service not found", f.why_missing("service").unwrap_or("unknown").to_string())
            .fix("The PLC must name an existing endpoint service in the cluster's region; recreate it with tilink setup.");
    };
    let ev = json!({"service": s.service_id, "name": s.service_name, "status": s.service_status, "business": s.service_business_status, "auto_accept": s.auto_accept_enabled, "type": s.service_resource_type});
    let locked = s
        .service_business_status
        .eq_ignore_ascii_case("FinancialLocked");
    if s.service_status.is_changing() && !locked {
        changing(
            "endpoint-service",
            "Endpoint service is being modified",
            format!("{} is {} (being modified)", s.service_id, s.service_status),
            s.service_status.as_str(),
        )
        .evidence(ev)
    } else if s.service_status != ServiceStatus::Active || locked {
        Check::new("endpoint-service", Status::Fail, "Endpoint service is not active", format!("{} is {} / {}", s.service_id, s.service_status, s.service_business_status))
            .evidence(ev)
            .fix("A FinancialLocked service needs the account's overdue payment settled; otherwise wait for Active.")
    } else if s.auto_accept_enabled {
        Check::new("endpoint-service", Status::Warn, "Endpoint service accepts every request automatically", format!("{} has auto-accept on: any whitelisted account connects without review", s.service_id))
            .evidence(ev)
            .fix("Turn automatic acceptance off (recommended by TiDB Cloud) so only reviewed requests connect.")
    } else {
        Check::new(
            "endpoint-service",
            Status::Pass,
            "Endpoint service is Active",
            format!(
                "{} ({}), type {}, auto-accept off",
                s.service_id, s.service_name, s.service_resource_type
            ),
        )
        .evidence(ev)
    }
}

fn service_zones(f: &ChainFacts) -> Check {
    if f.service.is_none() {
        return skip("service-zones", "Service zones", f, "resources");
    }
    let attached: Vec<String> = f.resources.iter().map(|r| r.zone_id.clone()).collect();
    let nlb_zones: Vec<String> =
        f.lb.as_ref()
            .map(|l| {
                l.load_balancer
                    .zone_mappings
                    .iter()
                    .map(|z| z.zone_id.clone())
                    .collect()
            })
            .unwrap_or_default();
    let tidb: Vec<String> = f
        .tidb
        .as_ref()
        .map(|t| t.az_ids.clone())
        .unwrap_or_default();
    let missing: Vec<&String> = nlb_zones
        .iter()
        .filter(|z| tidb.contains(z) && !attached.contains(z))
        .collect();
    let shared: Vec<&String> = attached.iter().filter(|z| tidb.contains(z)).collect();
    let ev = json!({"attached": attached, "nlb_zones": nlb_zones, "tidb_zones": tidb});
    if tidb.is_empty() {
        return Check::new(
            "service-zones",
            Status::Skip,
            "Service zones",
            "TiDB Cloud zones unknown (no cluster)",
        )
        .evidence(ev);
    }
    if shared.is_empty() {
        Check::new("service-zones", Status::Fail, "No service zone is a TiDB Cloud zone", format!("attached zones {} share nothing with TiDB Cloud's {}", attached.join(", "), tidb.join(", ")))
            .evidence(ev)
            .fix("Attach the NLB in a TiDB Cloud zone (AttachResourceToVpcEndpointService), adding an NLB zone mapping there first if needed.")
    } else if !missing.is_empty() {
        Check::new(
            "service-zones",
            Status::Warn,
            "Some NLB zones are not attached",
            format!(
                "zones {} are NLB and TiDB Cloud zones but not attached to the service",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .evidence(ev)
        .fix(format!(
            "Attach them for zone redundancy: {}",
            doctor_fix(f)
        ))
    } else {
        Check::new(
            "service-zones",
            Status::Pass,
            "Service zones overlap TiDB Cloud's",
            format!("{} attached", attached.join(", ")),
        )
        .evidence(ev)
    }
}

fn region_match(f: &ChainFacts) -> Check {
    let cluster = f
        .cluster
        .as_ref()
        .map(|c| c.region.clone())
        .unwrap_or_default();
    let svc = f
        .plc
        .as_ref()
        .and_then(|p| region_of_service_name(&p.service_name))
        .map(str::to_string)
        .unwrap_or_else(|| f.region.clone());
    let rds = f
        .rds
        .as_ref()
        .map(|r| r.region.clone())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| f.region.clone());
    let ev = json!({"cluster": cluster, "endpoint_service": svc, "nlb": f.region, "rds": rds});
    if cluster.is_empty() {
        return Check::new(
            "region-match",
            Status::Skip,
            "Regions",
            "cluster region unknown",
        )
        .evidence(ev);
    }
    if cluster == svc && svc == f.region && rds == f.region {
        Check::new(
            "region-match",
            Status::Pass,
            "One region end to end",
            format!("everything in {cluster}"),
        )
        .evidence(ev)
    } else {
        Check::new("region-match", Status::Fail, "Regions differ", format!("cluster {cluster}, endpoint service {svc}, NLB {}, RDS {rds}: TiDB Cloud does not support cross-region private links", f.region))
            .evidence(ev)
            .fix("Rebuild the chain in the cluster's region.")
    }
}

fn zone_overlap(f: &ChainFacts) -> Check {
    let Some(lb) = &f.lb else {
        return skip("zone-overlap", "Zone overlap", f, "lb");
    };
    let tidb: Vec<String> = f
        .tidb
        .as_ref()
        .map(|t| t.az_ids.clone())
        .unwrap_or_default();
    let nlb: Vec<String> = lb
        .load_balancer
        .zone_mappings
        .iter()
        .map(|z| z.zone_id.clone())
        .collect();
    let both: Vec<&String> = nlb.iter().filter(|z| tidb.contains(z)).collect();
    let ev = json!({"tidb": tidb, "nlb": nlb});
    // The exact zones where one more NLB zone mapping would overlap TiDB Cloud, with the
    // vSwitch that could carry it.
    let lb_id = &lb.load_balancer.load_balancer_id;
    let vpc = &lb.load_balancer.vpc_id;
    let candidates: Vec<String> = tidb
        .iter()
        .filter(|z| !nlb.contains(z))
        .map(|z| {
            if f.unknown("vswitches").is_some() {
                return format!(
                    "add zone {z} to {lb_id} with a vSwitch in {z} (the vSwitches could not be read to name one)"
                );
            }
            match f
                .vswitches
                .iter()
                .filter(|v| &v.zone_id == z && v.free_ips >= 8)
                .max_by_key(|v| v.free_ips)
            {
                Some(v) => format!(
                    "add zone {z} to {lb_id} with vSwitch {} ({} free IPs): UpdateLoadBalancerZones keeping the current mappings",
                    v.id, v.free_ips
                ),
                None => format!(
                    "create a vSwitch in zone {z} in {vpc} (≥ 8 free IPs), then add zone {z} to {lb_id}"
                ),
            }
        })
        .collect();
    let zone_fix = |lead: &str| {
        if candidates.is_empty() {
            format!("{lead}: TiDB Cloud offers no zone the NLB lacks; rebuild with tilink setup.")
        } else {
            format!(
                "{lead}: {}; then attach the zone to the endpoint service.",
                candidates.join("; or ")
            )
        }
    };
    match both.len() {
        _ if tidb.is_empty() => Check::new(
            "zone-overlap",
            Status::Skip,
            "Zone overlap",
            "TiDB Cloud zones unknown",
        )
        .evidence(ev),
        0 => Check::new(
            "zone-overlap",
            Status::Fail,
            "NLB zones do not overlap TiDB Cloud's",
            format!(
                "NLB in {}, TiDB Cloud in {}",
                nlb.join(", "),
                tidb.join(", ")
            ),
        )
        .evidence(ev)
        .fix(zone_fix("Make one zone overlap")),
        1 => Check::new(
            "zone-overlap",
            Status::Warn,
            "Only one zone overlaps",
            format!("{} only: no zone redundancy", both[0]),
        )
        .evidence(ev)
        .fix(zone_fix("Add a second overlapping zone")),
        _ => Check::new(
            "zone-overlap",
            Status::Pass,
            "Zones overlap",
            both.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
        .evidence(ev),
    }
}

fn nlb_status(f: &ChainFacts) -> Check {
    let Some(lb) = &f.lb else {
        return skip("nlb-status", "Load balancer", f, "lb");
    };
    let l = &lb.load_balancer;
    let locks: Vec<String> = l
        .operation_locks
        .iter()
        .map(|x| format!("{} ({})", x.lock_type, x.lock_reason))
        .collect();
    let ev = json!({"load_balancer": l.load_balancer_id, "status": l.load_balancer_status, "business": l.load_balancer_business_status, "locks": locks, "cross_zone": l.cross_zone_enabled, "address_type": l.address_type});
    if l.load_balancer_status.is_changing() && locks.is_empty() {
        changing(
            "nlb-status",
            "Load balancer is being modified",
            format!(
                "{} is {} (being modified)",
                l.load_balancer_id, l.load_balancer_status
            ),
            l.load_balancer_status.as_str(),
        )
        .evidence(ev)
    } else if l.load_balancer_status != LoadBalancerStatus::Active || !locks.is_empty() {
        Check::new("nlb-status", Status::Fail, "Load balancer is not serving", format!("{} is {}{}", l.load_balancer_id, l.load_balancer_status, if locks.is_empty() { String::new() } else { format!(", locked: {}", locks.join(", ")) }))
            .evidence(ev)
            .fix("A FinancialLocked NLB needs the overdue bill settled; CreateFailed means delete and recreate (tilink teardown + setup).")
    } else if !l.cross_zone_enabled {
        Check::new("nlb-status", Status::Warn, "Cross-zone load balancing is off", format!("{}: the RDS backend is in one zone, so traffic entering other zones may not be forwarded", l.load_balancer_id))
            .evidence(ev)
            .fix("Turn cross-zone load balancing on (the default).")
    } else {
        Check::new(
            "nlb-status",
            Status::Pass,
            "Load balancer is Active",
            format!("{} ({}, cross-zone on)", l.load_balancer_id, l.address_type),
        )
        .evidence(ev)
    }
}

fn listener(f: &ChainFacts) -> Check {
    if f.lb.is_none() {
        return skip("listener", "Listener", f, "lb");
    }
    let rds_port = f.rds.as_ref().map(|r| r.port);
    let tcp: Vec<_> = f
        .listeners
        .iter()
        .filter(|l| l.listener_protocol == "TCP")
        .collect();
    let Some(l) = tcp.first() else {
        return Check::new(
            "listener",
            Status::Fail,
            "No TCP listener",
            format!("the NLB has {} listener(s), none TCP", f.listeners.len()),
        )
        .fix("Create a TCP listener on the RDS port forwarding to the server group.");
    };
    let ev = json!({"listener": l.listener_id, "protocol": l.listener_protocol, "port": l.listener_port, "status": l.listener_status, "idle_timeout": l.idle_timeout, "proxy_protocol": l.proxy_protocol_enabled, "server_group": l.server_group_id});
    if l.listener_status.is_changing() {
        return changing(
            "listener",
            "Listener is being modified",
            format!(
                "{} is {} (being modified)",
                l.listener_id, l.listener_status
            ),
            l.listener_status.as_str(),
        )
        .evidence(ev);
    }
    if l.listener_status != ListenerStatus::Running {
        return Check::new(
            "listener",
            Status::Fail,
            "Listener is not running",
            format!("{} is {}", l.listener_id, l.listener_status),
        )
        .evidence(ev)
        .fix(format!(
            "Start it: {}",
            aliyun_cmd(f, "nlb", "StartListener", &[("ListenerId", &l.listener_id)])
        ));
    }
    if l.proxy_protocol_enabled {
        return Check::new(
            "listener",
            Status::Fail,
            "Proxy protocol is on",
            "MySQL cannot parse the PROXY header: connections fail",
        )
        .evidence(ev)
        .fix(format!(
            "Turn proxy protocol off (MySQL does not speak it): {}",
            aliyun_cmd(
                f,
                "nlb",
                "UpdateListenerAttribute",
                &[
                    ("ListenerId", &l.listener_id),
                    ("ProxyProtocolEnabled", "false")
                ]
            )
        ));
    }
    if l.idle_timeout != 0 && l.idle_timeout < 900 {
        return Check::new(
            "listener",
            Status::Warn,
            "Short idle timeout",
            format!(
                "{} s: idle binlog streams are cut; DM/CDC heartbeats must be shorter",
                l.idle_timeout
            ),
        )
        .evidence(ev)
        .fix(format!(
            "Set the idle timeout to 900 s: {}",
            aliyun_cmd(
                f,
                "nlb",
                "UpdateListenerAttribute",
                &[("ListenerId", &l.listener_id), ("IdleTimeout", "900")]
            )
        ));
    }
    match rds_port {
        Some(p) if p != l.listener_port => Check::new(
            "listener",
            Status::Warn,
            "Listener port differs from the RDS port",
            format!(
                "listener :{} vs RDS :{p} (fine if intended; changefeeds must use :{})",
                l.listener_port, l.listener_port
            ),
        )
        .evidence(ev),
        _ => Check::new(
            "listener",
            Status::Pass,
            "TCP listener is running",
            format!(
                "{} :{} idle timeout {} s",
                l.listener_id, l.listener_port, l.idle_timeout
            ),
        )
        .evidence(ev),
    }
}

fn server_group(f: &ChainFacts) -> Check {
    if f.lb.is_none() {
        return skip("server-group", "Server group", f, "lb");
    }
    let Some(g) = f.server_groups.first() else {
        return skip("server-group", "Server group", f, "server_groups");
    };
    let vpc =
        f.lb.as_ref()
            .map(|l| l.load_balancer.vpc_id.clone())
            .unwrap_or_default();
    let ev = json!({"server_group": g.server_group_id, "type": g.server_group_type, "protocol": g.protocol, "status": g.server_group_status, "vpc": g.vpc_id, "nlb_vpc": vpc, "health_check": g.health_check.health_check_enabled, "servers": g.server_count});
    if !g.server_group_type.eq_ignore_ascii_case("Ip") {
        Check::new(
            "server-group",
            Status::Fail,
            "Server group is not IP type",
            format!(
                "{} is {}: RDS can only be a backend by IP",
                g.server_group_id, g.server_group_type
            ),
        )
        .evidence(ev)
        .fix("Recreate as an Ip server group (the type is immutable).")
    } else if g.vpc_id != vpc {
        Check::new(
            "server-group",
            Status::Fail,
            "Server group in another VPC",
            format!("{} is in {}, the NLB in {vpc}", g.server_group_id, g.vpc_id),
        )
        .evidence(ev)
        .fix("Recreate the server group in the NLB's VPC (the RDS VPC).")
    } else if !g.health_check.health_check_enabled {
        Check::new(
            "server-group",
            Status::Warn,
            "Health check is off",
            "a dead backend goes unnoticed",
        )
        .evidence(ev)
        .fix("Enable a TCP health check on the backend port.")
    } else if f.servers.is_empty() {
        Check::new(
            "server-group",
            Status::Fail,
            "Server group has no backend",
            format!("{} is empty", g.server_group_id),
        )
        .evidence(ev)
        .fix(format!(
            "Add the RDS private IP and port: {}",
            doctor_fix(f)
                .replace("tilink doctor", "tilink reconcile")
                .replace(" --fix", "")
        ))
    } else {
        Check::new(
            "server-group",
            Status::Pass,
            "Server group is an IP/TCP group with a health check",
            format!("{} ({} backend(s))", g.server_group_id, f.servers.len()),
        )
        .evidence(ev)
    }
}

fn backend_health(f: &ChainFacts) -> Check {
    if f.listeners.is_empty() {
        return skip("backend-health", "Backend health", f, "listeners");
    }
    let bad: Vec<_> = f
        .health
        .iter()
        .flat_map(|h| h.server_group_infos.iter())
        .flat_map(|g| g.non_normal_servers.iter())
        .collect();
    if f.health.is_empty() {
        return skip("backend-health", "Backend health", f, "health");
    }
    if !bad.is_empty() {
        // A stopped listener runs no health checks; an RDS instance running a task (a
        // restart, a class change) fails them for a while: neither is the backend's fault.
        if let Some(l) = f.listeners.iter().find(|l| {
            matches!(
                l.listener_status,
                ListenerStatus::Stopped | ListenerStatus::Stopping
            )
        }) {
            return Check::skip(
                "backend-health",
                "Backend health",
                format!(
                    "listener {} is {}: no health checks run until it is started (see listener)",
                    l.listener_id, l.listener_status
                ),
            );
        }
        if let Some(r) = f.rds.as_ref().filter(|r| {
            !r.status.eq_ignore_ascii_case("Running")
                && !crate::engine::discover::rds_down(&r.status)
        }) {
            return changing(
                "backend-health",
                "Backend health follows the RDS instance being modified",
                format!(
                    "{} backend(s) not healthy while {} is {} (see rds-status)",
                    bad.len(),
                    r.id,
                    r.status
                ),
                &r.status,
            );
        }
    }
    if bad.is_empty() {
        return Check::new(
            "backend-health",
            Status::Pass,
            "Backends are healthy",
            "no backend reported unhealthy by GetListenerHealthStatus",
        );
    }
    // `Initial`: the health check has not run yet (a new or just-changed backend or
    // listener); it settles by itself.
    if bad.iter().all(|s| s.status.eq_ignore_ascii_case("Initial")) {
        return changing(
            "backend-health",
            "Backend health is not known yet",
            format!("{} backend(s) not yet health-checked (Initial)", bad.len()),
            "Initial",
        );
    }
    let bad: Vec<_> = bad
        .into_iter()
        .filter(|s| !s.status.eq_ignore_ascii_case("Initial"))
        .collect();
    let reasons: Vec<String> = bad
        .iter()
        .map(|s| {
            let reason = if s.reason.reason_code.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.reason.reason_code)
            };
            format!("{}:{} {}{reason}", s.server_ip, s.port, s.status)
        })
        .collect();
    // A stopped (or locked, released) RDS instance answers nothing: that is the cause, not
    // the backend's address.
    let rds_down = f
        .rds
        .as_ref()
        .filter(|r| crate::engine::discover::rds_down(&r.status));
    let fix = if let Some(r) = rds_down {
        format!(
            "The RDS instance {} is {} (see rds-status): nothing answers until it runs again.",
            r.id, r.status
        )
    } else if bad.iter().any(|s| s.reason.reason_code.contains("TIMEOUT")) {
        "CONNECT_TIMEOUT usually means the RDS allowlist lacks the NLB vSwitch CIDRs (see rds-allowlist) or a network ACL drops the health checks.".to_string()
    } else if bad.iter().any(|s| s.reason.reason_code.contains("FAILED")) {
        "CONNECT_FAILED usually means a wrong backend IP or port (see backend-ip): nothing listens there.".to_string()
    } else {
        "The health checks fail without a reason code: compare the backend with the RDS address (backend-ip), the allowlist (rds-allowlist) and the listener (listener).".to_string()
    };
    Check::new("backend-health", Status::Fail, "Backends fail health checks", reasons.join("; "))
        .evidence(json!(bad.iter().map(|s| json!({"ip": s.server_ip, "port": s.port, "status": s.status, "reason": s.reason.reason_code})).collect::<Vec<_>>()))
        .fix(fix)
}

fn backend_ip(f: &ChainFacts) -> Check {
    let Some(r) = &f.rds else {
        return skip("backend-ip", "Backend IP vs RDS", f, "rds");
    };
    if f.servers.is_empty() {
        return skip("backend-ip", "Backend IP vs RDS", f, "servers");
    }
    let backends: Vec<String> = f
        .servers
        .iter()
        .map(|s| format!("{}:{}", s.server_ip, s.port))
        .collect();
    let want = format!("{}:{}", r.private_ip, r.port);
    let ev = json!({"backends": backends, "rds_now": want, "instance": r.id});
    if backends.contains(&want) {
        let stale: Vec<&String> = backends.iter().filter(|b| **b != want).collect();
        if stale.is_empty() {
            Check::new(
                "backend-ip",
                Status::Pass,
                "Backend is the RDS private endpoint",
                format!("{want} ({})", r.id),
            )
            .evidence(ev)
        } else {
            Check::new(
                "backend-ip",
                Status::Warn,
                "Extra backends in the server group",
                format!(
                    "{} besides {want}",
                    stale
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .evidence(ev)
            .fix(format!(
                "Remove backends that are not the RDS primary: {}",
                doctor_fix(f)
                    .replace("tilink doctor", "tilink reconcile")
                    .replace(" --fix", "")
            ))
        }
    } else {
        Check::new("backend-ip", Status::Fail, "Backend IP is stale", format!("server group points at {} but {} now answers at {want} (RDS IPs change after a zone migration or upgrade; NLB does not follow)", backends.join(", "), r.id))
            .evidence(ev)
            .fix(format!("{} adds the new IP, waits until it is healthy and removes the old one; run `{}` on a schedule to follow future moves.", doctor_fix(f), doctor_fix(f).replace("tilink doctor", "tilink reconcile").replace(" --fix", "")))
    }
}

fn rds_endpoint(f: &ChainFacts) -> Check {
    match &f.rds {
        Some(r) => crate::engine::rds_checks::rds_endpoint(r),
        None => skip("rds-endpoint", "RDS endpoint", f, "rds"),
    }
}

fn rds_status(f: &ChainFacts) -> Check {
    match &f.rds {
        Some(r) => crate::engine::rds_checks::rds_status(r),
        None => skip("rds-status", "RDS instance", f, "rds"),
    }
}

fn rds_allowlist(f: &ChainFacts) -> Check {
    let Some(r) = &f.rds else {
        return skip("rds-allowlist", "RDS allowlist", f, "rds");
    };
    let cidrs = nlb_cidrs(f);
    if cidrs.is_empty() {
        return skip("rds-allowlist", "RDS allowlist", f, "vswitches");
    }
    let entries: Vec<&String> = r.allowlist.iter().flat_map(|g| g.ips.iter()).collect();
    let uncovered: Vec<&(String, String)> = cidrs
        .iter()
        .filter(|(_, c)| !entries.iter().any(|e| cidr_covers(e, c)))
        .collect();
    let ev = json!({"nlb_vswitch_cidrs": cidrs.iter().map(|(v, c)| json!({"vswitch": v, "cidr": c})).collect::<Vec<_>>(), "groups": r.allowlist.iter().map(|g| json!({"name": g.name, "ips": g.ips})).collect::<Vec<_>>()});
    if entries.iter().any(|e| e.as_str() == "0.0.0.0/0") {
        return Check::new(
            "rds-allowlist",
            Status::Warn,
            "RDS allowlist is open to everyone",
            "an entry 0.0.0.0/0 lets any address connect",
        )
        .evidence(ev)
        .fix("Replace 0.0.0.0/0 with the NLB vSwitch CIDRs.");
    }
    if uncovered.is_empty() {
        Check::new(
            "rds-allowlist",
            Status::Pass,
            "RDS allowlist covers the NLB vSwitches",
            cidrs
                .iter()
                .map(|(_, c)| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
        .evidence(ev)
    } else {
        // The NLB's current local addresses (GetLoadBalancerAttribute): when every one is
        // admitted, the link works today; only its future is at risk (the NLB may take other
        // addresses of the vSwitches). Working is never called broken.
        let locals: Vec<&String> =
            f.lb.iter()
                .flat_map(|l| l.load_balancer.zone_mappings.iter())
                .flat_map(|z| z.load_balancer_addresses.iter())
                .flat_map(|a| a.ipv4_local_addresses.iter().flatten())
                .collect();
        let admitted = !locals.is_empty()
            && locals
                .iter()
                .all(|ip| entries.iter().any(|e| cidr_covers(e, ip)));
        let missing = uncovered
            .iter()
            .map(|(v, c)| format!("{c} ({v})"))
            .collect::<Vec<_>>()
            .join(", ");
        if admitted {
            return Check::new(
                "rds-allowlist",
                Status::Warn,
                "RDS allowlist admits the NLB's addresses of today, not its vSwitch CIDRs",
                format!(
                    "every current NLB local address ({}) is admitted, but not all of {missing}: when the NLB takes another address there, RDS will drop it",
                    locals.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
            .evidence(ev)
            .fix(format!("Write the NLB vSwitch CIDRs to a dedicated allowlist group: {} (other groups are untouched).", doctor_fix(f)));
        }
        Check::new("rds-allowlist", Status::Fail, "RDS allowlist misses NLB vSwitch CIDRs", format!("NLB local IPs come from {missing}, which no allowlist group covers: RDS drops the connections"))
            .evidence(ev)
            .fix(format!("Write the NLB vSwitch CIDRs to a dedicated allowlist group: {} (other groups are untouched).", doctor_fix(f)))
    }
}

#[cfg(test)]
mod tests;
