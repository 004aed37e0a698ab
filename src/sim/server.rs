//! The axum server: Alibaba RPC at `/`, TiDB at `/v1beta1/…`, admin at `/_sim/…`.
//!
//! Size (~690 lines): one router with its signature, digest and admin handlers; each
//! handler is short and the admin routes document the rehearsal contract in one place.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{any, get, post};
use serde_json::{Value, json};

use super::Manifest;
use super::alibaba::{self, AliError, Ctx, Params, Product};
use super::digest::{DigestError, DigestStore};
use super::faults::{Control, Fault};
use super::signature;
use super::strict::{self, Strictness};
use super::tidb::{self, TidbCtx, TidbError};
use super::verify::{NonceStore, SignedRequest, verify};
use super::world::World;

/// Everything the handlers share.
pub struct Shared {
    pub manifest: Manifest,
    pub latency_ms: u64,
    pub inner: Mutex<Inner>,
}

/// Mutable simulator state behind one lock (never held across an await).
pub struct Inner {
    pub world: World,
    pub control: Control,
    pub nonces: NonceStore,
    pub digest: DigestStore,
    pub req_rng: fastrand::Rng,
    /// Which metadata rules are enforced (all, unless a test relaxed one by name).
    pub strict: Strictness,
    /// Requests the metadata rejected and responses that differ from it, newest last.
    pub violations: Vec<String>,
    /// The clouds' rate limits (behaviour `rate-limits`).
    pub limits: super::ratelimit::RateLimits,
}

impl Shared {
    /// Locks the state; a poisoned lock is recovered (a panic never wedges the simulator).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Builds the router.
pub fn router(shared: Arc<Shared>) -> Router {
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
        .route("/", any(alibaba_handler))
        .route("/v1beta1/{*rest}", any(tidb_handler))
        .fallback(fallback)
        .with_state(shared)
}

fn json_response(status: u16, ctype: &'static str, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r
}

const ALI_JSON: &str = "application/json;charset=utf-8";
const TIDB_JSON: &str = "application/json";

/// A response whose body fails mid-stream: hyper aborts the connection.
fn dropped() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("simulated connection drop"))
    });
    Response::new(Body::from_stream(stream))
}

async fn pre_delay(s: &Shared) {
    let stall = s.lock().control.stall_ms;
    let total = s.latency_ms + stall;
    if total > 0 {
        tokio::time::sleep(Duration::from_millis(total)).await;
    }
}

fn request_id(rng: &mut fastrand::Rng) -> String {
    let h: String = (0..32)
        .map(|_| char::from(b"0123456789ABCDEF"[rng.usize(0..16)]))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn ali_error(e: &AliError, product: Option<Product>, region: &str, rid: &str) -> Response {
    let mut r = json_response(e.status, ALI_JSON, &e.body(product, region, rid));
    if let Some(ms) = e.retry_after_ms
        && let Ok(v) = HeaderValue::from_str(&ms.to_string())
    {
        r.headers_mut().insert("x-acs-retry-after", v);
    }
    r
}

async fn alibaba_handler(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = uri.query().map(signature::parse_form).unwrap_or_default();
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let form = if ctype.contains("x-www-form-urlencoded") || (ctype.is_empty() && !body.is_empty())
    {
        std::str::from_utf8(&body)
            .map(signature::parse_form)
            .unwrap_or_default()
    } else {
        vec![]
    };
    let hdrs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let hdr = |n: &str| hdrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let param = |n: &str| {
        query
            .iter()
            .chain(form.iter())
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    let action = hdr("x-acs-action")
        .or_else(|| param("Action"))
        .unwrap_or_default();
    let version = hdr("x-acs-version")
        .or_else(|| param("Version"))
        .unwrap_or_default();
    let product = Product::from_version(&version);
    let region = param("RegionId").unwrap_or_else(|| super::world::REGION.to_string());

    pre_delay(&s).await;
    let (fault, rid) = {
        let mut g = s.lock();
        let name = if action.is_empty() {
            "(no action)".to_string()
        } else {
            action.clone()
        };
        let f = g.control.on_call(
            &name,
            false,
            action.starts_with("List") || action.starts_with("Describe"),
        );
        (f, request_id(&mut g.req_rng))
    };
    let mut hide_recent = None;
    match fault {
        Some(Fault::Drop) => return dropped(),
        Some(Fault::Throttle { retry_after_ms }) => {
            let mut e = AliError::bad(
                "Throttling.User",
                "Request was denied due to user flow control.",
            );
            e.retry_after_ms = retry_after_ms;
            return ali_error(&e, product, &region, &rid);
        }
        Some(Fault::Unavailable) | Some(Fault::RateLimited) => {
            let e = AliError::new(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            );
            return ali_error(&e, product, &region, &rid);
        }
        Some(Fault::Internal) => {
            let e = AliError::new(
                500,
                "InternalError",
                "The request processing has failed due to some unknown error.",
            );
            return ali_error(&e, product, &region, &rid);
        }
        Some(Fault::Code(code)) => {
            let (status, message) = targeted_code(&action, &code);
            return ali_error(
                &AliError::new(status, &code, message),
                product,
                &region,
                &rid,
            );
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::Eventual(d)) => hide_recent = Some(d),
        None => {}
    }
    if action.is_empty() {
        return ali_error(
            &AliError::bad(
                "MissingParameter",
                "The input parameter \"Action\" that is mandatory for processing this request is not supplied.",
            ),
            product,
            &region,
            &rid,
        );
    }
    if version.is_empty() {
        return ali_error(
            &AliError::bad(
                "MissingParameter",
                "The input parameter \"Version\" that is mandatory for processing this request is not supplied.",
            ),
            product,
            &region,
            &rid,
        );
    }
    let mut g = s.lock();
    let inner = &mut *g;
    let req = SignedRequest {
        method: method.as_str(),
        path: uri.path(),
        query: &query,
        form: &form,
        headers: &hdrs,
        body: &body,
    };
    let caller = match verify(
        &req,
        &inner.world.keys,
        &mut inner.nonces,
        SystemTime::now(),
    ) {
        Ok(k) => k.clone(),
        Err(e) => return ali_error(&e, product, &region, &rid),
    };
    if inner.world.behaves(super::behaviour::Behaviour::RateLimits)
        && !inner.limits.alibaba(&action, tokio::time::Instant::now())
    {
        let e = AliError::bad(
            "Throttling.User",
            "Request was denied due to api flow control.",
        );
        return ali_error(&e, product, &region, &rid);
    }
    if !inner.world.unreadable.is_empty()
        && query
            .iter()
            .chain(form.iter())
            .any(|(_, v)| inner.world.unreadable.contains(v))
    {
        let e = AliError::new(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        );
        return ali_error(&e, product, &region, &rid);
    }
    let Some(product) = product else {
        return ali_error(&alibaba::unknown_action(&action), None, &region, &rid);
    };
    let v3 = hdr("authorization").is_some_and(|a| a.starts_with(signature::V3_ALGORITHM));
    if let Err(e) = strict::check_request(&version, &action, &query, &form, v3, &inner.strict) {
        inner
            .violations
            .push(format!("{action}: {} {}", e.code, e.message));
        return ali_error(&e, Some(product), &region, &rid);
    }
    let now = inner.world.clock.now();
    inner.world.tick(now);
    let params = Params {
        pairs: query.iter().chain(form.iter()).cloned().collect(),
        product,
    };
    let ctx = Ctx {
        now,
        request_id: &rid,
        caller: &caller,
        hide_recent,
    };
    match alibaba::dispatch(&mut inner.world, &ctx, product, &action, &params) {
        Ok(v) => {
            let diffs = strict::check_response(&version, &action, &v);
            if diffs.is_empty() || !inner.strict.on("response") {
                return json_response(200, ALI_JSON, &v);
            }
            // A simulator defect: fail loudly rather than teach clients a shape the real
            // API never returns.
            let msg = format!(
                "simulator response differs from the API metadata: {}",
                diffs.join("; ")
            );
            inner.violations.push(format!("{action}: {msg}"));
            ali_error(
                &AliError::new(500, "InternalError", msg),
                Some(product),
                &region,
                &rid,
            )
        }
        Err(e) => ali_error(&e, Some(product), &region, &rid),
    }
}

fn tidb_error(e: &TidbError) -> Response {
    json_response(e.status, TIDB_JSON, &e.body())
}

fn unauthorized(challenge: String) -> Response {
    let mut r = json_response(
        401,
        TIDB_JSON,
        &json!({"code": 16, "message": "Unauthorized: the API key is missing or invalid", "details": []}),
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

async fn tidb_handler(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    pre_delay(&s).await;
    let path = uri.path().to_string();
    let fault = s.lock().control.on_call(
        &tidb::template(method.as_str(), &path),
        true,
        method == Method::GET,
    );
    let mut hide_recent = None;
    match fault {
        Some(Fault::Drop) => return dropped(),
        Some(Fault::RateLimited) | Some(Fault::Throttle { .. }) => {
            let mut r = json_response(
                429,
                TIDB_JSON,
                &json!({"details": [], "code": 49900007,
                "message": "The request exceeded the limit of 100 times per apikey per minute. For more information, see the API documentation."}),
            );
            let h = r.headers_mut();
            h.insert("X-Ratelimit-Limit-Minute", HeaderValue::from_static("100"));
            h.insert(
                "X-Ratelimit-Remaining-Minute",
                HeaderValue::from_static("0"),
            );
            h.insert("X-Ratelimit-Reset", HeaderValue::from_static("1"));
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
        Some(Fault::Unavailable) => {
            return tidb_error(&TidbError {
                status: 503,
                code: 14,
                message: "service unavailable".into(),
            });
        }
        Some(Fault::Internal) => {
            return tidb_error(&TidbError {
                status: 500,
                code: 13,
                message: "internal error".into(),
            });
        }
        Some(Fault::Code(code)) if code == "RateLimited" || code.starts_with("Throttling") => {
            return json_response(
                429,
                TIDB_JSON,
                &json!({"details": [], "code": 49900007,
                "message": "The request exceeded the limit of 100 times per apikey per minute. For more information, see the API documentation."}),
            );
        }
        Some(Fault::Code(code)) => {
            let (status, message) = targeted_code("", &code);
            let status = if status == 400 || status == 404 {
                401
            } else {
                status
            };
            return tidb_error(&TidbError {
                status,
                code: if status == 401 { 16 } else { 14 },
                message: message.to_string(),
            });
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::Eventual(d)) => hide_recent = Some(d),
        None => {}
    }
    let mut g = s.lock();
    let inner = &mut *g;
    let now = inner.world.clock.now();
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let uri_str = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let public_key =
        match inner
            .digest
            .verify(auth, method.as_str(), &uri_str, &inner.world.tidb_keys, now)
        {
            Ok(k) => k,
            Err(DigestError::Stale) => return unauthorized(inner.digest.challenge(true, now)),
            Err(_) => return unauthorized(inner.digest.challenge(false, now)),
        };
    // Counted per key once the key is known (an unauthenticated request names no key).
    let quota = inner
        .world
        .behaves(super::behaviour::Behaviour::RateLimits)
        .then(|| inner.limits.tidb(&public_key, tokio::time::Instant::now()));
    if let Some(q) = quota.filter(|q| !q.allowed) {
        return with_quota(rate_limited(), Some(q));
    }
    inner.world.tick(now);
    let ctx = TidbCtx {
        now,
        public_key: &public_key,
        hide_recent,
    };
    match tidb::handle(
        &mut inner.world,
        &ctx,
        method.as_str(),
        &path,
        uri.query().unwrap_or(""),
        &body,
    ) {
        Ok(v) => with_quota(json_response(200, TIDB_JSON, &v), quota),
        Err(e) => with_quota(tidb_error(&e), quota),
    }
}

/// TiDB Cloud's 429 body (`cloud::limits` cites it).
fn rate_limited() -> Response {
    json_response(
        429,
        TIDB_JSON,
        &json!({"details": [], "code": 49900007,
        "message": "The request exceeded the limit of 100 times per apikey per minute. For more quota, please contact us: https://support.pingcap.com/hc/en-us/requests/new?ticket_form_id=7800003722519"}),
    )
}

/// The `X-Ratelimit-*` headers TiDB Cloud sends on every answer.
fn with_quota(mut r: Response, q: Option<super::ratelimit::TidbQuota>) -> Response {
    let Some(q) = q else { return r };
    let h = r.headers_mut();
    for (name, v) in [
        ("x-ratelimit-limit-minute", u64::from(q.limit)),
        ("x-ratelimit-remaining-minute", u64::from(q.remaining)),
        ("x-ratelimit-reset", q.reset_secs),
    ] {
        h.insert(name, HeaderValue::from(v));
    }
    r
}

async fn fallback(uri: Uri) -> Response {
    json_response(
        404,
        TIDB_JSON,
        &json!({"code": 5, "message": format!("no route for {}", uri.path()), "details": []}),
    )
}

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

/// `POST /_sim/relax {"rules": ["charset"]}`: relaxes strict rules by name (tests only).
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

/// (HTTP status, message) of a targeted fault's code for `action`.
fn targeted_code(action: &str, code: &str) -> (u16, String) {
    if let Some((_, st, m)) = super::faults::TARGETED_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
    {
        return (*st, m.to_string());
    }
    match super::faults::documented_code(action, code) {
        Some(st) => (
            st,
            format!(
                "{code}: the resource is busy or in a state that does not allow this operation now."
            ),
        ),
        None => (
            503,
            "The request has failed due to a temporary failure of the server.".to_string(),
        ),
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
            action: action.to_string(),
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
                    x.configuring_until = Some(until);
                }),
                "listener-configuring" => w.listeners.iter_mut().find(|x| x.id == id).map(|x| {
                    x.configuring_until = Some(until);
                }),
                "service-pending" => w.services.iter_mut().find(|x| x.id == id).map(|x| {
                    x.pending_until = Some(until);
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
