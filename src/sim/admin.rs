//! The simulator's admin routes (`/_sim/*`), the rehearsal contract tests and benches drive:
//! the world's state and call statistics, fault injection (`faults`, `inject`), strict rules
//! relaxed by name and real-cloud behaviours switched by name.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::faults::Fault;
use super::server::{Shared, TIDB_JSON, json_response};

/// The `/_sim/*` routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/state", get(admin_state))
        .route("/_sim/stats", get(admin_stats))
        .route("/_sim/faults", post(admin_faults))
        .route("/_sim/inject", post(admin_inject))
        .route("/_sim/relax", post(admin_relax))
        .route(
            "/_sim/behaviour",
            get(admin_behaviour_get).post(admin_behaviour),
        )
}

/// `GET /_sim/state`: the world as it is now, with the manifest.
async fn admin_state(State(s): State<Arc<Shared>>) -> Response {
    let mut g = s.lock();
    let now = g.world.clock.now();
    g.world.tick(now);
    let mut v = g.world.snapshot(now);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "manifest".into(),
            serde_json::to_value(&s.manifest).unwrap_or(Value::Null),
        );
    }
    json_response(200, TIDB_JSON, &v)
}

/// `GET /_sim/stats`: calls, faults, metadata violations and rate-limit refusals.
async fn admin_stats(State(s): State<Arc<Shared>>) -> Response {
    let g = s.lock();
    let mut v = g.control.stats_json();
    if let Some(o) = v.as_object_mut() {
        o.insert("metadata_violations".into(), json!(g.violations));
        o.insert("strict_relaxed".into(), json!(g.strict.relaxed()));
        o.insert("rate_limited".into(), json!(g.limits.refused));
    }
    json_response(200, TIDB_JSON, &v)
}

/// `GET /_sim/behaviour`: which real-cloud behaviours are on.
async fn admin_behaviour_get(State(s): State<Arc<Shared>>) -> Response {
    let g = s.lock();
    json_response(200, TIDB_JSON, &g.world.behaviours.to_json())
}

/// `POST /_sim/behaviour {"off": [...], "on": [...]}`: switches behaviours by name (`all`
/// names every one), so a test can isolate one.
async fn admin_behaviour(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_admin(format!("invalid JSON: {e}")),
    };
    let mut g = s.lock();
    for (key, on) in [("off", false), ("on", true)] {
        let names: Vec<&str> = v
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Err(e) = g.world.behaviours.set_names(names, on) {
            return bad_admin(e);
        }
    }
    json_response(200, TIDB_JSON, &g.world.behaviours.to_json())
}

/// `POST /_sim/relax {"rules": ["charset"]}`: relaxes strict rules by name (tests only).
async fn admin_relax(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_admin(format!("invalid JSON: {e}")),
    };
    let Some(rules) = v.get("rules").and_then(Value::as_array) else {
        return bad_admin("rules must be an array of rule names");
    };
    let mut g = s.lock();
    for r in rules {
        if let Err(e) = g.strict.relax(r.as_str().unwrap_or_default()) {
            return bad_admin(e);
        }
    }
    json_response(200, TIDB_JSON, &json!({"relaxed": g.strict.relaxed()}))
}

fn bad_admin(msg: impl Into<String>) -> Response {
    json_response(400, TIDB_JSON, &json!({"error": msg.into()}))
}

/// What a fault matches: an Alibaba action as named, or a TiDB route (`METHOD /path`) as
/// its template, whether the ids are written as the ids, `{id}` or the template's names.
fn fault_target(action: &str) -> String {
    match action.split_once(' ') {
        Some((method, path)) if path.starts_with('/') => super::tidb::template(method, path),
        _ => action.to_string(),
    }
}

async fn admin_faults(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_admin(format!("invalid JSON: {e}")),
    };
    let mut g = s.lock();
    if v.get("clear").and_then(Value::as_bool) == Some(true) {
        g.control.targeted.clear();
    }
    if let Some(action) = v.get("action") {
        let Some(action) = action.as_str().filter(|a| !a.is_empty()) else {
            return bad_admin(
                "action must be an action name (ListListeners) or a TiDB route (GET /v1beta1/clusters/{id})",
            );
        };
        let code = v
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("ServiceUnavailable");
        let fault = match code {
            "drop" => Fault::Drop,
            c if c.starts_with("slow:") => match c[5..].parse::<u64>() {
                Ok(ms) => Fault::Slow(std::time::Duration::from_millis(ms)),
                Err(_) => return bad_admin("slow:MS needs a number of milliseconds"),
            },
            // A list that omits resources created in the last MS (eventual consistency).
            c if c.starts_with("eventual:") => match c[9..].parse::<u64>() {
                Ok(ms) => Fault::Eventual(std::time::Duration::from_millis(ms)),
                Err(_) => return bad_admin("eventual:MS needs a number of milliseconds"),
            },
            c if super::faults::TARGETED_CODES
                .iter()
                .any(|(k, _, _)| *k == c) =>
            {
                Fault::Code(c.to_string())
            }
            // Any code the action's official metadata documents, with its HTTP status, or
            // one Terraform retries for it (the action table's busy codes).
            c if super::faults::documented_code(action, c).is_some() => Fault::Code(c.to_string()),
            c => {
                let known: Vec<&str> = super::faults::TARGETED_CODES
                    .iter()
                    .map(|(k, _, _)| *k)
                    .collect();
                return bad_admin(format!(
                    "unknown code {c} for {action}: use a code its API metadata documents, one of {}, drop or slow:MS",
                    known.join(", ")
                ));
            }
        };
        let until = match v.get("for_ms") {
            None | Some(Value::Null) => None,
            Some(n) => match n.as_u64() {
                Some(ms) => {
                    Some(tokio::time::Instant::now() + std::time::Duration::from_millis(ms))
                }
                None => return bad_admin("for_ms must be a non-negative integer"),
            },
        };
        let remaining = match v.get("count") {
            None | Some(Value::Null) => None,
            Some(n) => match n.as_u64() {
                Some(n) => Some(n),
                None => {
                    return bad_admin(
                        "count must be a non-negative integer (omit it for every call)",
                    );
                }
            },
        };
        g.control.targeted.push(super::faults::Targeted {
            action: fault_target(action),
            fault,
            remaining,
            until,
        });
    }
    if let Some(r) = v.get("rate") {
        match r.as_f64() {
            Some(r) if (0.0..=1.0).contains(&r) => g.control.fault_rate = r,
            _ => return bad_admin("rate must be a number between 0 and 1"),
        }
    }
    if let Some(ms) = v.get("stall_ms") {
        match ms.as_u64() {
            Some(ms) => g.control.stall_ms = ms,
            None => return bad_admin("stall_ms must be a non-negative integer"),
        }
    }
    json_response(
        200,
        TIDB_JSON,
        &json!({"rate": g.control.fault_rate, "stall_ms": g.control.stall_ms, "targeted": g.control.targeted.len()}),
    )
}

async fn admin_inject(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_admin(format!("invalid JSON: {e}")),
    };
    let mut g = s.lock();
    let w = &mut g.world;
    let now = w.clock.now();
    w.tick(now);
    let s_ = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    match v.get("kind").and_then(Value::as_str).unwrap_or_default() {
        "foreign-connection" | "plc-connection-unknown-endpoint" => {
            let Some(sid) = s_("service_id") else {
                return bad_admin("service_id is required");
            };
            let Some(svc) = w.services.iter().find(|x| x.id == sid) else {
                return bad_admin("unknown service_id");
            };
            let zones: Vec<(String, String)> = svc
                .resources
                .iter()
                .map(|r| (r.zone.clone(), r.id.clone()))
                .collect();
            let owner = if v["kind"] == "foreign-connection" {
                v.get("owner_id")
                    .and_then(|o| {
                        o.as_u64()
                            .or_else(|| o.as_str().and_then(|s| s.parse().ok()))
                    })
                    .unwrap_or(1_111_222_233_334_444)
            } else {
                w.tidb_account_id
            };
            let c = w.new_connection(&sid, owner, &zones, now, false);
            let out =
                json!({"endpoint_id": c.endpoint_id, "owner_id": c.owner_id, "service_id": sid});
            w.connections.push(c);
            json_response(200, TIDB_JSON, &out)
        }
        "delete-endpoint" => {
            // The owner of an endpoint deletes it (another account's, or TiDB Cloud's): its
            // connection leaves the service.
            let Some(ep) = s_("endpoint_id") else {
                return bad_admin("endpoint_id is required");
            };
            let before = w.connections.len();
            w.connections.retain(|c| c.endpoint_id != ep);
            if w.connections.len() == before {
                return bad_admin("unknown endpoint_id");
            }
            json_response(200, TIDB_JSON, &json!({"deleted": ep}))
        }
        "changefeed" => {
            // A changefeed whose MySQL sink goes through `plc_id` (the CDC API's shape).
            let (Some(cluster), Some(plc)) = (s_("cluster_id"), s_("plc_id")) else {
                return bad_admin("cluster_id and plc_id are required");
            };
            use crate::wire::tidb as wt;
            let id = w.id("cf-", 16);
            let cf = wt::Changefeed {
                cluster_id: cluster,
                changefeed_id: id.clone(),
                display_name: s_("name").unwrap_or_else(|| "orders-to-rds".into()),
                state: s_("state").unwrap_or_else(|| "RUNNING".into()),
                sink: wt::ChangefeedSink {
                    kind: "MYSQL".into(),
                    mysql: Some(wt::SinkEndpoint {
                        network: wt::SinkNetwork {
                            network_type: "PRIVATE_LINK".into(),
                            private_link: Some(wt::SinkPrivateLink {
                                private_link_connection_id: plc,
                                port: 3306,
                            }),
                        },
                    }),
                    kafka: None,
                },
            };
            w.changefeeds.push(cf);
            json_response(200, TIDB_JSON, &json!({"changefeed_id": id}))
        }
        "migration" => {
            // A DM task reading from RDS through `plc_id` (`dm.swagger.json`'s shape); its
            // `endpointId` is the PLC id unless `endpoint_id` names another.
            let (Some(cluster), Some(plc)) = (s_("cluster_id"), s_("plc_id")) else {
                return bad_admin("cluster_id and plc_id are required");
            };
            let state = s_("state").unwrap_or_else(|| "RUNNING".into());
            const STATES: [&str; 5] = ["CREATING", "RUNNING", "PAUSED", "FAILED", "DELETING"];
            if !STATES.contains(&state.as_str()) {
                return bad_admin(format!("state must be one of {}", STATES.join(", ")));
            }
            use crate::wire::tidb as wt;
            let id = w.id("mig-", 16);
            let stage = match state.as_str() {
                "FAILED" => "FAILED",
                "PAUSED" => "PAUSED",
                _ => "RUNNING",
            };
            let m = wt::Migration {
                migration_id: id.clone(),
                display_name: s_("name").unwrap_or_else(|| "rds-to-tidb".into()),
                state,
                sub_tasks: vec![wt::MigrationSubTask {
                    source: wt::MigrationSource {
                        source_type: "ALICLOUD_RDS_MYSQL".into(),
                        conn_profile: wt::ConnProfile {
                            conn_type: "PRIVATE_LINK".into(),
                            endpoint_id: s_("endpoint_id").unwrap_or(plc),
                            host: String::new(),
                            port: 3306,
                        },
                    },
                    current_step: "SYNC".into(),
                    stage: stage.into(),
                    error_msg: s_("error"),
                }],
                create_time: super::clock::wall_rfc3339(),
            };
            w.migrations.push((cluster, m));
            json_response(200, TIDB_JSON, &json!({"migration_id": id}))
        }
        "lb-configuring" | "listener-configuring" | "service-pending" | "connection-pending" => {
            // A link caught mid-modification (someone changes it in the console): the
            // documented transient states, for `for_ms` milliseconds (default 60 s).
            let kind = v["kind"].as_str().unwrap_or_default().to_string();
            let for_ms = match v.get("for_ms") {
                None | Some(Value::Null) => 60_000,
                Some(n) => match n.as_u64() {
                    Some(ms) => ms,
                    None => return bad_admin("for_ms must be a non-negative integer"),
                },
            };
            let until = now + std::time::Duration::from_millis(for_ms);
            let id = s_("id").unwrap_or_default();
            let found = match kind.as_str() {
                "lb-configuring" => w.load_balancers.iter_mut().find(|x| x.id == id).map(|x| {
                    x.life.busy_until = Some(until);
                }),
                "listener-configuring" => w.listeners.iter_mut().find(|x| x.id == id).map(|x| {
                    x.life.busy_until = Some(until);
                }),
                "service-pending" => w.services.iter_mut().find(|x| x.id == id).map(|x| {
                    x.life.busy_until = Some(until);
                }),
                _ => w
                    .connections
                    .iter_mut()
                    .find(|x| x.endpoint_id == id)
                    .map(|x| {
                        let back = x.status.clone();
                        x.status = "Pending".into();
                        x.next = Some((until, back));
                    }),
            };
            if found.is_none() {
                return bad_admin(format!(
                    "{kind} needs \"id\": a load balancer, listener, service or endpoint id that exists"
                ));
            }
            json_response(
                200,
                TIDB_JSON,
                &json!({"kind": kind, "id": id, "for_ms": for_ms}),
            )
        }
        "listener-stopped" => {
            // Someone stops (or starts again) the listener in the console.
            let Some(id) = s_("listener_id") else {
                return bad_admin("listener_id is required");
            };
            let stopped = v.get("stopped").and_then(Value::as_bool).unwrap_or(true);
            let Some(l) = w.listeners.iter_mut().find(|l| l.id == id) else {
                return bad_admin("unknown listener_id");
            };
            l.stopped = stopped;
            json_response(
                200,
                TIDB_JSON,
                &json!({"listener_id": id, "stopped": stopped}),
            )
        }
        "plc-hides-endpoint-id" => {
            w.plc_hides_endpoint_id = v.get("on").and_then(Value::as_bool).unwrap_or(true);
            json_response(
                200,
                TIDB_JSON,
                &json!({"plc_hides_endpoint_id": w.plc_hides_endpoint_id}),
            )
        }
        "rds-security-ip-mode" => {
            let Some(id) = s_("instance_id") else {
                return bad_admin("instance_id is required");
            };
            let mode = s_("mode").unwrap_or_else(|| "safety".into());
            if mode != "safety" && mode != "normal" {
                return bad_admin("mode must be safety or normal");
            }
            let Some(r) = w.rds.iter_mut().find(|r| r.id == id) else {
                return bad_admin("unknown instance_id");
            };
            r.security_ip_mode = mode.clone();
            json_response(200, TIDB_JSON, &json!({"instance_id": id, "mode": mode}))
        }
        "rds-ip-change" => {
            let Some(id) = s_("instance_id") else {
                return bad_admin("instance_id is required");
            };
            let Some(i) = w.rds.iter().position(|r| r.id == id) else {
                return bad_admin("unknown instance_id");
            };
            let (vsw_id, old) = (w.rds[i].vswitch_id.clone(), w.rds[i].private_ip.clone());
            let Some(vsw) = w.vswitches.iter_mut().find(|x| x.id == vsw_id) else {
                return bad_admin("instance has no vSwitch");
            };
            let Some(new_ip) = vsw.allocate() else {
                return bad_admin("no free address in the vSwitch");
            };
            vsw.release(&old);
            w.rds[i].private_ip = new_ip.clone();
            json_response(
                200,
                TIDB_JSON,
                &json!({"instance_id": id, "old_ip": old, "new_ip": new_ip}),
            )
        }
        "rds-status" => {
            let (Some(id), Some(st)) = (s_("instance_id"), s_("status")) else {
                return bad_admin("instance_id and status are required");
            };
            let Some(r) = w.rds.iter_mut().find(|r| r.id == id) else {
                return bad_admin("unknown instance_id");
            };
            r.status = st.clone();
            json_response(200, TIDB_JSON, &json!({"instance_id": id, "status": st}))
        }
        "deny-action" => {
            let (Some(ak), Some(action)) = (s_("access_key_id"), s_("action")) else {
                return bad_admin("access_key_id and action are required");
            };
            let Some(k) = w.keys.iter_mut().find(|k| k.id == ak) else {
                return bad_admin("unknown access_key_id");
            };
            k.denied_actions.insert(action.clone());
            json_response(
                200,
                TIDB_JSON,
                &json!({"access_key_id": ak, "denied_actions": k.denied_actions}),
            )
        }
        "privatelink-closed" => {
            w.privatelink_open = false;
            json_response(200, TIDB_JSON, &json!({"privatelink_open": false}))
        }
        other => bad_admin(format!(
            "unknown kind `{other}`; expected foreign-connection, plc-connection-unknown-endpoint, changefeed, listener-stopped, plc-hides-endpoint-id, rds-security-ip-mode, rds-ip-change, rds-status, deny-action, privatelink-closed, lb-configuring, listener-configuring, service-pending or connection-pending"
        )),
    }
}
