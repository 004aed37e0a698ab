//! The signed RPC client: one `call` for every product, with retries and timeouts.

use super::actions::Action;
use super::endpoints::Product;
use super::error::{AliyunError, ErrorBody};
use super::params::Params;
use super::sign;
use crate::cloud::http::{self, BodyError, MAX_BODY, describe, read_bounded, transport_kind};
use crate::cloud::retry::RetryPolicy;
use crate::cloud::stats::CallStats;
use crate::secret::Secret;
use crate::wire::apimeta;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Kept here for the tests and benches that call it by this path.
pub use crate::cloud::http::install_tls_provider;

/// Which signature the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// HMAC-SHA1, `SignatureVersion=1.0` (the default).
    #[default]
    V1,
    /// ACS3-HMAC-SHA256 in the `Authorization` header.
    V3,
}

/// The access key a client signs with.
#[derive(Debug, Clone)]
pub struct AccessKey {
    /// `AccessKeyId` (not secret).
    pub id: String,
    /// `AccessKeySecret`.
    pub secret: Secret,
    /// STS `SecurityToken`, with temporary credentials.
    pub security_token: Option<Secret>,
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct AliyunConfig {
    /// The region every regional product is addressed in.
    pub region: String,
    /// One base URL for every product (the simulator, a proxy); `None` = the real endpoints.
    pub endpoint_override: Option<String>,
    /// V1 (default) or V3.
    pub signature: SignatureVersion,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (one attempt).
    pub request_timeout: Duration,
    /// Retry behaviour.
    pub retry: RetryPolicy,
    /// Client-side request rate limit.
    pub rate_limit: Option<crate::cloud::ratelimit::RateLimit>,
    /// Per-action pacing within the flow-control quotas (shared by the session's clients).
    pub pacer: crate::cloud::ratelimit::Pacer,
    /// Where every request and answer is recorded (`--record`), redacted; `None`: nowhere.
    pub recorder: Option<Arc<crate::cloud::record::Recorder>>,
    /// Answers shared by every chain of one run (fleet doctor); `None`: every read is made.
    pub shared_reads: Option<SharedReads>,
}

/// The answers of reads that say nothing about any one chain (who the key is, which zones a
/// product offers in the region), made once for a run that walks many chains: the first
/// caller asks, the others wait for its answer. A failed read is not kept.
#[derive(Debug, Clone, Default)]
pub struct SharedReads(
    Arc<
        std::sync::Mutex<
            std::collections::HashMap<String, Arc<tokio::sync::OnceCell<serde_json::Value>>>,
        >,
    >,
);

impl SharedReads {
    /// True for the actions whose answer every chain of a region shares.
    pub fn shares(action: Action) -> bool {
        matches!(
            action,
            Action::GetCallerIdentity
                | Action::VpcDescribeZones
                | Action::NlbDescribeZones
                | Action::PlDescribeZones
        )
    }

    fn cell(&self, key: String) -> Arc<tokio::sync::OnceCell<serde_json::Value>> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key).or_default().clone()
    }
}

impl AliyunConfig {
    /// Defaults for `region`.
    pub fn new(region: impl Into<String>) -> Self {
        AliyunConfig {
            region: region.into(),
            endpoint_override: None,
            signature: SignatureVersion::V1,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            rate_limit: None,
            pacer: Default::default(),
            recorder: None,
            shared_reads: None,
        }
    }
}

/// A cheap-to-clone Alibaba Cloud RPC client.
#[derive(Clone)]
pub struct AliyunClient {
    http: reqwest::Client,
    cfg: Arc<AliyunConfig>,
    key: Arc<AccessKey>,
    stats: CallStats,
    /// Whitelist modes (`SecurityIPMode`) read in the last minute, by instance: a write to
    /// the allowlist right after a read of the instance does not read it again.
    pub(crate) ip_modes:
        Arc<std::sync::Mutex<std::collections::HashMap<String, (String, std::time::Instant)>>>,
    /// The cloud's clock: the `Date` of the latest answer and when it arrived.
    clock: Arc<std::sync::Mutex<Option<(std::time::SystemTime, std::time::Instant)>>>,
}

impl std::fmt::Debug for AliyunClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AliyunClient")
            .field("region", &self.cfg.region)
            .field("endpoint_override", &self.cfg.endpoint_override)
            .field("access_key_id", &self.key.id)
            .finish()
    }
}

impl AliyunClient {
    /// A client signing with `key`.
    pub fn new(cfg: AliyunConfig, key: AccessKey) -> Result<Self, AliyunError> {
        if !super::endpoints::is_region_id(&cfg.region) {
            return Err(AliyunError::InvalidRegion(
                cfg.region.chars().take(64).collect(),
            ));
        }
        let http = http::client(cfg.connect_timeout, cfg.request_timeout)
            .map_err(|e| AliyunError::Config(format!("cannot build HTTP client: {e}")))?;
        if let Some(r) = &cfg.recorder {
            let r = r.redactor();
            r.key_id(&key.id);
            r.secret(key.secret.expose());
            if let Some(t) = &key.security_token {
                r.secret(t.expose());
            }
        }
        Ok(AliyunClient {
            http,
            cfg: Arc::new(cfg),
            key: Arc::new(key),
            stats: CallStats::default(),
            ip_modes: Arc::default(),
            clock: Arc::default(),
        })
    }

    /// Now by the cloud's clock: the HTTP `Date` of the latest answer (RFC 9110 §6.6.1: an
    /// origin server with a clock sends one) plus the time elapsed on this machine's monotonic
    /// clock since it arrived, as smithy-rs's `ServiceClockSkew` reads the service's clock.
    /// `None` before any answer with a `Date`. Decisions shared between machines (the claim
    /// of [`crate::engine::apply`]) use it, never this machine's wall clock.
    pub fn cloud_now(&self) -> Option<std::time::SystemTime> {
        let (date, at) = (*self.clock.lock().ok()?)?;
        Some(date + at.elapsed())
    }

    /// The same client counting into `stats`.
    pub fn with_stats(mut self, stats: CallStats) -> Self {
        self.stats = stats;
        self
    }

    /// The call counters.
    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    /// The region this client addresses.
    pub fn region(&self) -> &str {
        &self.cfg.region
    }

    /// The access key id (not secret).
    pub fn access_key_id(&self) -> &str {
        &self.key.id
    }

    /// Calls `action` and decodes the JSON answer, retrying transient failures.
    ///
    /// A `ClientToken` in `params` is sent unchanged on every retry, so a create that
    /// succeeded on a lost answer is not done twice.
    pub async fn call<T: DeserializeOwned>(
        &self,
        action: Action,
        params: Params,
    ) -> Result<T, AliyunError> {
        let mut value = self.call_value(action, &params).await?;
        crate::wire::strip_nulls(&mut value);
        crate::wire::printable::clean_value(&mut value);
        serde_json::from_value(value).map_err(|e| AliyunError::Decode {
            action: action.name().to_string(),
            detail: e.to_string(),
        })
    }

    /// Like [`call`](Self::call) but returns the raw JSON.
    pub async fn call_value(
        &self,
        action: Action,
        params: &Params,
    ) -> Result<serde_json::Value, AliyunError> {
        match &self.cfg.shared_reads {
            Some(shared) if SharedReads::shares(action) => {
                let key = format!("{}|{:?}|{:?}", self.cfg.region, action, params);
                let cell = shared.cell(key);
                cell.get_or_try_init(|| self.call_made(action, params))
                    .await
                    .cloned()
            }
            _ => self.call_made(action, params).await,
        }
    }

    /// The call itself, with its retries.
    async fn call_made(
        &self,
        action: Action,
        params: &Params,
    ) -> Result<serde_json::Value, AliyunError> {
        // Every retryable write carries an idempotency token, the same on each retry.
        let filled;
        let params = if action.takes_client_token() && params.get("ClientToken").is_none() {
            filled = params
                .clone()
                .set("ClientToken", format!("tilink-{}", nonce()));
            &filled
        } else {
            params
        };
        let tries = std::sync::atomic::AtomicU32::new(0);
        let v = crate::cloud::retry::run(
            &self.cfg.retry,
            action.name(),
            AliyunError::retry_class,
            || {
                let n = tries.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                self.attempt(action.product(), action.name(), params, n)
            },
        )
        .await?;
        crate::cloud::crash_point(action.name());
        Ok(v)
    }

    async fn attempt(
        &self,
        product: Product,
        action: &str,
        params: &Params,
        attempt: u32,
    ) -> Result<serde_json::Value, AliyunError> {
        if let Some(l) = &self.cfg.rate_limit {
            l.acquire().await;
        }
        self.cfg.pacer.acquire(action).await;
        let started = (SystemTime::now(), std::time::Instant::now());
        let note = |status: Option<u16>, body: &[u8], error: Option<&str>| {
            if let Some(r) = &self.cfg.recorder {
                r.record(&crate::cloud::record::Exchange {
                    product: product.ram_code(),
                    version: Some(product.version()),
                    action: Some(action),
                    method: "POST",
                    path: "/",
                    sent: crate::cloud::record::Sent::Pairs(params.pairs()),
                    status,
                    body,
                    request_id: None,
                    attempt,
                    started: started.0,
                    duration: started.1.elapsed(),
                    error,
                });
            }
        };
        self.stats.record(action);
        let base = product.base_url(&self.cfg.region, self.cfg.endpoint_override.as_deref());
        let target = Target {
            base: &base,
            product,
            action,
            params,
        };
        let request = match self.cfg.signature {
            SignatureVersion::V1 => self.build_v1(target),
            SignatureVersion::V3 => self.build_v3(target),
        };
        let resp = request.send().await.map_err(|e| {
            let e = transport(action, &base, &e);
            note(None, b"", Some(&e.to_string()));
            e
        })?;
        let status = resp.status().as_u16();
        if let Some(date) = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            && let Ok(mut c) = self.clock.lock()
        {
            *c = Some((date, std::time::Instant::now()));
        }
        let retry_after = resp
            .headers()
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            // The SDKs treat the value as milliseconds (ThrottlingException.retry_after).
            .map(Duration::from_millis);
        let bytes = match read_bounded(resp).await {
            Ok(b) => b,
            Err(BodyError::Http(e)) => {
                let e = transport(action, &base, &e);
                note(Some(status), b"", Some(&e.to_string()));
                return Err(e);
            }
            Err(BodyError::TooLarge) => {
                note(Some(status), b"", Some("answer too large"));
                return Err(AliyunError::Decode {
                    action: action.to_string(),
                    detail: format!(
                        "HTTP {status}: the answer is larger than {} MiB; refused (no API answer tilink reads is that large)",
                        MAX_BODY >> 20
                    ),
                });
            }
        };
        note(Some(status), &bytes, None);
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes).map_err(|e| AliyunError::Decode {
                action: action.to_string(),
                detail: format!("HTTP {status}, body is not JSON: {e}"),
            });
        }
        let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
        Err(AliyunError::Api {
            action: action.to_string(),
            status,
            code: if body.code.is_empty() {
                format!("HTTP{status}")
            } else {
                body.code
            },
            message: crate::wire::printable::clean_capped(
                &self.redact(if body.message.is_empty() {
                    String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned()
                } else {
                    body.message
                }),
                1000,
            ),
            request_id: body.request_id,
            recommend: body.recommend,
            auth_action: body.access_denied.and_then(|d| d.auth_action),
            retry_after,
        })
    }

    /// Hides the STS token in a server message: `SignatureDoesNotMatch` echoes the server's
    /// string to sign, which holds the token (raw, or percent-encoded once or twice).
    fn redact(&self, mut msg: String) -> String {
        if let Some(tok) = &self.key.security_token {
            let t = tok.expose();
            if !t.is_empty() {
                let once = sign::pe(t);
                let twice = sign::pe(&once);
                for form in [twice, once, t.to_string()] {
                    msg = msg.replace(&form, "***");
                }
            }
        }
        msg
    }

    fn build_v1(&self, to: Target<'_>) -> reqwest::RequestBuilder {
        let (base, product, action, params) = (to.base, to.product, to.action, to.params);
        let mut common: Vec<(String, String)> = vec![
            ("Action".into(), action.into()),
            ("Version".into(), product.version().into()),
            ("Format".into(), "JSON".into()),
            ("AccessKeyId".into(), self.key.id.clone()),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureVersion".into(), "1.0".into()),
            ("SignatureNonce".into(), nonce()),
            ("Timestamp".into(), timestamp()),
        ];
        if let Some(tok) = &self.key.security_token {
            common.push(("SecurityToken".into(), tok.expose().to_string()));
        }
        let mut all = common.clone();
        all.extend(params.pairs().iter().cloned());
        let sts = sign::v1_string_to_sign("POST", &all);
        common.push((
            "Signature".into(),
            sign::v1_signature(self.key.secret.expose(), &sts),
        ));
        let query = encode_pairs(&common);
        let body = encode_pairs(params.pairs());
        self.http
            .post(format!("{base}/?{query}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-acs-action", action)
            .header("x-acs-version", product.version())
            .body(body)
    }

    fn build_v3(&self, to: Target<'_>) -> reqwest::RequestBuilder {
        let (base, product, action, params) = (to.base, to.product, to.action, to.params);
        // Each parameter travels where the API metadata's `in` says, as the SDKs send it.
        let meta = apimeta::action(product.version(), action).map(|(_, m)| m);
        let (query, form): (Vec<_>, Vec<_>) =
            params.pairs().iter().cloned().partition(|(k, _)| {
                meta.is_some_and(|m| m.placement(k) == apimeta::Placement::Query)
            });
        let body = encode_pairs(&form);
        let host = base
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(base)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host),
            ("x-acs-action".into(), action.into()),
            ("x-acs-version".into(), product.version().into()),
            ("x-acs-date".into(), timestamp()),
            ("x-acs-signature-nonce".into(), nonce()),
            (
                "x-acs-content-sha256".into(),
                sign::sha256_hex(body.as_bytes()),
            ),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ];
        if let Some(tok) = &self.key.security_token {
            headers.push(("x-acs-security-token".into(), tok.expose().to_string()));
        }
        let signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        let hashed = sign::sha256_hex(body.as_bytes());
        let canonical = sign::v3_canonical_request("POST", "/", &query, &headers, &signed, &hashed);
        let signature = sign::v3_signature(
            self.key.secret.expose(),
            &sign::v3_string_to_sign(&canonical),
        );
        let mut names = signed.clone();
        names.sort();
        let auth = format!(
            "{} Credential={},SignedHeaders={},Signature={signature}",
            sign::ACS3,
            self.key.id,
            names.join(";")
        );
        let url = if query.is_empty() {
            format!("{base}/")
        } else {
            format!("{base}/?{}", sign::canonical_query(&query))
        };
        let mut req = self.http.post(url).body(body);
        for (k, v) in headers.into_iter().filter(|(k, _)| k != "host") {
            req = req.header(k, v);
        }
        req.header("authorization", auth)
    }
}

/// What one request is sent to: the endpoint, its product and action, and the parameters.
#[derive(Clone, Copy)]
struct Target<'a> {
    base: &'a str,
    product: Product,
    action: &'a str,
    params: &'a Params,
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", sign::pe(k), sign::pe(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn transport(action: &str, url: &str, e: &reqwest::Error) -> AliyunError {
    AliyunError::Transport {
        action: action.to_string(),
        kind: transport_kind(e),
        url: url.to_string(),
        detail: describe(e),
    }
}

/// A fresh 32-hex-character nonce (the Python SDK's shape).
pub fn nonce() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// Now as `yyyy-MM-ddTHH:mm:ssZ`.
pub fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}
