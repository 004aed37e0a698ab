//! The axum server: Alibaba RPC at `/`, TiDB at `/v1beta1/…`; the admin routes at `/_sim/…`
//! are [`super::admin`]'s.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::any;
use serde_json::json;

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
    super::admin::routes()
        .route("/", any(alibaba_handler))
        .route("/v1beta1/{*rest}", any(tidb_handler))
        .fallback(fallback)
        .with_state(shared)
}

/// A JSON answer with `status` and content type `ctype`.
pub(super) fn json_response(
    status: u16,
    ctype: &'static str,
    body: &impl serde::Serialize,
) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r
}

const ALI_JSON: &str = "application/json;charset=utf-8";
/// TiDB Cloud's (and the admin routes') content type.
pub(super) const TIDB_JSON: &str = "application/json";

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
    super::world::uuid(rng, b"0123456789ABCDEF")
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

/// True when the action table says `action` reads (only a read can be served stale); an
/// action of no known product is not one.
fn is_read(product: Option<Product>, action: &str) -> bool {
    product.is_some_and(|p| !alibaba::is_write(p, action))
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
        let f = g.control.on_call(&name, false, is_read(product, &action));
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
            let mut r = too_many("For more information, see the API documentation.");
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
            return too_many("For more information, see the API documentation.");
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
    too_many(
        "For more quota, please contact us: https://support.pingcap.com/hc/en-us/requests/new?ticket_form_id=7800003722519",
    )
}

/// A 429 body: the per-key limit, then where to read `more` (the limiter's answer and an
/// injected fault's say different things).
fn too_many(more: &str) -> Response {
    let message =
        format!("The request exceeded the limit of 100 times per apikey per minute. {more}");
    json_response(
        429,
        TIDB_JSON,
        &json!({"details": [], "code": 49900007, "message": message}),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads are what the action table says, not what a `List`/`Describe` prefix suggests.
    #[test]
    fn reads_come_from_the_action_table() {
        assert!(is_read(Some(Product::Nlb), "ListListeners"));
        assert!(is_read(Some(Product::Nlb), "GetLoadBalancerAttribute"));
        assert!(is_read(Some(Product::PrivateLink), "CheckProductOpen"));
        assert!(!is_read(Some(Product::Nlb), "CreateListener"));
        assert!(!is_read(
            Some(Product::PrivateLink),
            "EnableVpcEndpointConnection"
        ));
        assert!(!is_read(None, "ListListeners"));
    }

    /// Both 429 bodies are TiDB Cloud's to the letter: the limiter's and an injected fault's.
    #[tokio::test]
    async fn the_429_bodies_keep_their_words() {
        let limit = "The request exceeded the limit of 100 times per apikey per minute.";
        for (r, more) in [
            (
                rate_limited(),
                "For more quota, please contact us: https://support.pingcap.com/hc/en-us/requests/new?ticket_form_id=7800003722519",
            ),
            (
                too_many("For more information, see the API documentation."),
                "For more information, see the API documentation.",
            ),
        ] {
            assert_eq!(r.status(), 429);
            let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["code"], 49900007);
            assert_eq!(v["details"], json!([]));
            assert_eq!(v["message"], format!("{limit} {more}"));
        }
    }
}
