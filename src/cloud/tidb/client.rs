//! TiDB Cloud API client: HTTP Digest auth (RFC 7616, MD5 or SHA-256, qop `auth`) with the
//! challenge cached and reused with a rising nonce count, one retry on a stale nonce,
//! 429/5xx backoff, and the `{code, message, details}` error body
//! (reference `tidbcloud-api.md` §2–4).

use crate::cloud::retry::RetryPolicy;
use crate::cloud::stats::CallStats;
use crate::secret::Secret;
use digest_auth::{AuthContext, HttpMethod, WwwAuthenticateHeader};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The public TiDB Cloud serverless API.
pub const DEFAULT_ENDPOINT: &str = "https://serverless.tidbapi.com";

/// What went wrong with one TiDB Cloud call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TidbError {
    /// The API answered with an error status.
    #[error("TiDB Cloud {method} {path}: HTTP {status}{}: {message}", code_hint(*.code))]
    Api {
        /// HTTP method.
        method: String,
        /// Path called.
        path: String,
        /// HTTP status.
        status: u16,
        /// `code` from the body.
        code: Option<i64>,
        /// `message` from the body (or the raw body).
        message: String,
    },
    /// The keys were refused.
    #[error(
        "TiDB Cloud refused the API key (HTTP 401) for {path}. Check TIDBCLOUD_PUBLIC_KEY / TIDBCLOUD_PRIVATE_KEY or your ticloud profile; keys are created by an organization Owner in the TiDB Cloud console (Organization Settings → API Keys)."
    )]
    Unauthorized {
        /// Path called.
        path: String,
    },
    /// No answer.
    #[error("TiDB Cloud {method} {path}: network error: {detail}")]
    Transport {
        /// HTTP method.
        method: String,
        /// Path called.
        path: String,
        /// What failed below HTTP (a refused certificate is final).
        kind: crate::cloud::http::TransportKind,
        /// What failed, in words ("timed out", "could not connect", and the causes).
        detail: String,
    },
    /// The answer did not parse.
    #[error("TiDB Cloud {path}: unexpected response ({detail})")]
    Decode {
        /// Path called.
        path: String,
        /// What did not parse.
        detail: String,
    },
}

fn code_hint(code: Option<i64>) -> String {
    code.map(|c| format!(" (code {c})")).unwrap_or_default()
}

impl TidbError {
    /// What kind of failure this is: the one classification every caller reads.
    pub fn kind(&self) -> crate::cloud::ErrorKind {
        use crate::cloud::ErrorKind as K;
        match self {
            TidbError::Unauthorized { .. } => K::Credentials,
            TidbError::Api { status: 403, .. } => K::Permission,
            TidbError::Api { status: 429, .. } => K::Throttled,
            TidbError::Api { status: 404, .. } => K::NotFound,
            TidbError::Api { status, .. } if *status >= 500 => K::Transient,
            TidbError::Api { .. } | TidbError::Decode { .. } => K::Permanent,
            TidbError::Transport { kind, .. } => kind.error_kind(),
        }
    }

    /// True for 429, 5xx and network errors.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_transient()
    }

    /// True for 404.
    pub fn is_not_found(&self) -> bool {
        self.kind() == crate::cloud::ErrorKind::NotFound
    }
}

#[derive(Debug, Deserialize, Default)]
struct StatusBody {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
}

/// A cheap-to-clone TiDB Cloud client.
#[derive(Clone)]
pub struct TidbClient {
    http: reqwest::Client,
    base: String,
    public_key: String,
    private_key: Secret,
    challenge: Arc<Mutex<Option<WwwAuthenticateHeader>>>,
    retry: RetryPolicy,
    stats: CallStats,
    rate_limit: Option<crate::cloud::ratelimit::RateLimit>,
    /// The key's budget as TiDB Cloud's headers tell it (always on: the limit is real).
    budget: crate::cloud::ratelimit::TidbBudget,
    recorder: Option<Arc<crate::cloud::record::Recorder>>,
}

impl std::fmt::Debug for TidbClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TidbClient")
            .field("base", &self.base)
            .field("public_key", &self.public_key)
            .finish()
    }
}

impl TidbClient {
    /// A client for `base` (e.g. [`DEFAULT_ENDPOINT`] or the simulator).
    pub fn new(
        base: impl Into<String>,
        public_key: impl Into<String>,
        private_key: Secret,
    ) -> Result<Self, TidbError> {
        let http = crate::cloud::http::client(Duration::from_secs(5), Duration::from_secs(30))
            .map_err(|e| TidbError::Transport {
                method: String::new(),
                path: String::new(),
                kind: crate::cloud::http::TransportKind::Other,
                detail: e.to_string(),
            })?;
        Ok(TidbClient {
            http,
            base: base.into().trim_end_matches('/').to_string(),
            public_key: public_key.into(),
            private_key,
            challenge: Arc::new(Mutex::new(None)),
            retry: RetryPolicy::default(),
            stats: CallStats::default(),
            rate_limit: None,
            budget: Default::default(),
            recorder: None,
        })
    }

    /// The same client recording every request and answer into `recorder` (redacted; the
    /// keys are made known to its redactor).
    pub fn with_recorder(mut self, recorder: Option<Arc<crate::cloud::record::Recorder>>) -> Self {
        if let Some(r) = &recorder {
            r.redactor().key_id(&self.public_key);
            r.redactor().secret(self.private_key.expose());
        }
        self.recorder = recorder;
        self
    }

    #[allow(clippy::too_many_arguments)]
    fn note(
        &self,
        method: &Method,
        path: &str,
        body: Option<&serde_json::Value>,
        attempt: u32,
        started: (std::time::SystemTime, std::time::Instant),
        answer: Result<(u16, &[u8]), &TidbError>,
    ) {
        let Some(r) = &self.recorder else { return };
        let (status, bytes, error) = match answer {
            Ok((s, b)) => (Some(s), b, None),
            Err(e) => (None, &[][..], Some(e.to_string())),
        };
        r.record(&crate::cloud::record::Exchange {
            product: crate::cloud::record::TIDB,
            version: None,
            action: None,
            method: method.as_str(),
            path,
            sent: crate::cloud::record::Sent::Json(body),
            status,
            body: bytes,
            request_id: None,
            attempt,
            started: started.0,
            duration: started.1.elapsed(),
            error: error.as_deref(),
        });
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The same client under a request rate limit (shared with other clients if cloned).
    pub fn with_rate_limit(mut self, limit: Option<crate::cloud::ratelimit::RateLimit>) -> Self {
        self.rate_limit = limit;
        self
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

    /// The key's rate-limit budget (for progress estimates).
    pub fn budget(&self) -> &crate::cloud::ratelimit::TidbBudget {
        &self.budget
    }

    /// The public key (not secret).
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// GET `path` (path and query, starting with `/`).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, TidbError> {
        self.request(Method::GET, path, None).await
    }

    /// POST a JSON body.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, TidbError> {
        self.request(Method::POST, path, Some(body)).await
    }

    /// DELETE `path`.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, TidbError> {
        self.request(Method::DELETE, path, None).await
    }

    /// One call with retries on 429/5xx/network errors.
    pub async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, TidbError> {
        // A POST that may have been processed (5xx, lost answer) is not repeated blindly: the
        // caller looks for what it created first. A 429 is refused before processing.
        let replayable = |status: Option<u16>| method != Method::POST || status == Some(429);
        // An attempt's failure with the wait the API asked for (`x-ratelimit-reset`).
        let tries = std::sync::atomic::AtomicU32::new(0);
        let bytes = crate::cloud::retry::run(
            &self.retry,
            path,
            |(e, wait): &(TidbError, Option<Duration>)| crate::cloud::retry::Class {
                busy: None,
                retryable: e.is_retryable()
                    && replayable(match e {
                        TidbError::Api { status, .. } => Some(*status),
                        _ => None,
                    }),
                transport: match e {
                    TidbError::Transport { kind, .. } => Some(*kind),
                    _ => None,
                },
                wait: *wait,
            },
            || async {
                let n = tries.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                match self.authenticated(&method, path, body, n).await {
                    Ok((status, bytes, _)) if status.is_success() => Ok(bytes),
                    Ok((status, bytes, reset)) => {
                        Err((api_error(&method, path, status, &bytes), reset))
                    }
                    Err(e) => Err((e, None)),
                }
            },
        )
        .await
        .map_err(|(e, _)| e)?;
        let decode = |e: serde_json::Error| TidbError::Decode {
            path: path.to_string(),
            detail: e.to_string(),
        };
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).map_err(decode)?;
        crate::wire::strip_nulls(&mut v);
        crate::wire::printable::clean_value(&mut v);
        serde_json::from_value(v).map_err(decode)
    }

    /// Sends with a cached digest answer when there is one; on a 401 takes the new
    /// challenge and resends exactly once.
    async fn authenticated(
        &self,
        method: &Method,
        path: &str,
        body: Option<&serde_json::Value>,
        attempt: u32,
    ) -> Result<(StatusCode, bytes::Bytes, Option<Duration>), TidbError> {
        let cached = self.authorization(method, path)?;
        let t0 = (std::time::SystemTime::now(), std::time::Instant::now());
        let noted = |t0, r: Result<(StatusCode, bytes::Bytes, Option<Duration>), TidbError>| {
            match &r {
                Ok((s, b, _)) => self.note(method, path, body, attempt, t0, Ok((s.as_u16(), b))),
                Err(e) => self.note(method, path, body, attempt, t0, Err(e)),
            }
            r
        };
        let first = match self.send(method, path, body, cached.clone()).await {
            Ok(r) => r,
            Err(e) => return noted(t0, Err(e)),
        };
        if first.status() != StatusCode::UNAUTHORIZED {
            return noted(t0, read(first, method, path).await);
        }
        // The digest challenge round trip is recorded too (status 401, no body).
        self.note(method, path, body, attempt, t0, Ok((401, b"")));
        let t0 = (std::time::SystemTime::now(), std::time::Instant::now());
        let challenge = first
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.trim_start().to_ascii_lowercase().starts_with("digest"))
            .map(str::to_string);
        let Some(challenge) = challenge else {
            return Err(TidbError::Unauthorized {
                path: path.to_string(),
            });
        };
        let parsed = digest_auth::parse(&challenge).map_err(|e| TidbError::Decode {
            path: path.to_string(),
            detail: format!("bad WWW-Authenticate challenge: {e}"),
        })?;
        // A 401 after a fresh (uncached) attempt, or one that is not `stale`, after we
        // already answered this same challenge means the keys are wrong.
        if cached.is_some() && !parsed.stale {
            // The server may simply have rotated nonces without `stale`; retry once anyway.
            tracing::debug!(path, "digest challenge refreshed");
        }
        if let Ok(mut slot) = self.challenge.lock() {
            *slot = Some(parsed);
        }
        let auth = self.authorization(method, path)?;
        let second = match self.send(method, path, body, auth).await {
            Ok(r) => r,
            Err(e) => return noted(t0, Err(e)),
        };
        if second.status() == StatusCode::UNAUTHORIZED {
            self.note(method, path, body, attempt, t0, Ok((401, b"")));
            if let Ok(mut slot) = self.challenge.lock() {
                *slot = None;
            }
            return Err(TidbError::Unauthorized {
                path: path.to_string(),
            });
        }
        noted(t0, read(second, method, path).await)
    }

    fn authorization(&self, method: &Method, path: &str) -> Result<Option<String>, TidbError> {
        let mut slot = match self.challenge.lock() {
            Ok(s) => s,
            Err(_) => return Ok(None),
        };
        let Some(prompt) = slot.as_mut() else {
            return Ok(None);
        };
        let ctx = AuthContext::new_with_method(
            self.public_key.as_str(),
            self.private_key.expose(),
            path,
            Option::<&[u8]>::None,
            HttpMethod(method.as_str().to_string().into()),
        );
        let answer = prompt.respond(&ctx).map_err(|e| TidbError::Decode {
            path: path.to_string(),
            detail: format!("cannot answer digest challenge: {e}"),
        })?;
        Ok(Some(answer.to_header_string()))
    }

    async fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&serde_json::Value>,
        auth: Option<String>,
    ) -> Result<reqwest::Response, TidbError> {
        if let Some(l) = &self.rate_limit {
            l.acquire().await;
        }
        self.stats
            .record(&format!("{} {}", method, route_name(path)));
        let mut req = self
            .http
            .request(method.clone(), format!("{}{}", self.base, path))
            .header("accept", "application/json");
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let hold = self.budget.acquire().await;
        let resp = req.send().await.map_err(|e| TidbError::Transport {
            method: method.to_string(),
            path: path.to_string(),
            kind: crate::cloud::http::transport_kind(&e),
            detail: crate::cloud::http::describe(&e),
        })?;
        hold.observe(crate::cloud::ratelimit::Quota::from_headers(resp.headers()));
        Ok(resp)
    }
}

async fn read(
    resp: reqwest::Response,
    method: &Method,
    path: &str,
) -> Result<(StatusCode, bytes::Bytes, Option<Duration>), TidbError> {
    let status = resp.status();
    let reset = resp
        .headers()
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    use crate::cloud::http::{BodyError, MAX_BODY, describe, read_bounded};
    let bytes = match read_bounded(resp).await {
        Ok(b) => b,
        Err(BodyError::Http(e)) => {
            return Err(TidbError::Transport {
                method: method.to_string(),
                path: path.to_string(),
                kind: crate::cloud::http::transport_kind(&e),
                detail: describe(&e),
            });
        }
        Err(BodyError::TooLarge) => {
            return Err(TidbError::Api {
                method: method.to_string(),
                path: path.to_string(),
                status: status.as_u16(),
                code: None,
                message: format!(
                    "the answer is larger than {} MiB; refused (no API answer tilink reads is that large)",
                    MAX_BODY >> 20
                ),
            });
        }
    };
    Ok((status, bytes, reset))
}

fn api_error(method: &Method, path: &str, status: StatusCode, bytes: &[u8]) -> TidbError {
    let body: StatusBody = serde_json::from_slice(bytes).unwrap_or_default();
    let code = body.code.and_then(|c| match c {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    });
    TidbError::Api {
        method: method.to_string(),
        path: path.to_string(),
        status: status.as_u16(),
        code,
        message: crate::wire::printable::clean_capped(
            &body.message.unwrap_or_else(|| {
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned()
            }),
            MESSAGE_CHARS,
        ),
    }
}

/// The longest error message kept from an answer (a 1 MiB message is cut).
const MESSAGE_CHARS: usize = 1000;

/// A stable name for stats: ids replaced by `{id}`.
fn route_name(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|seg| {
            let (id, suffix) = match seg.rsplit_once(':') {
                Some((a, b)) => (a, format!(":{b}")),
                None => (seg, String::new()),
            };
            let is_id =
                id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty() || id.starts_with("plc-");
            if is_id {
                format!("{{id}}{suffix}")
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_names_hide_ids() {
        assert_eq!(
            route_name(
                "/v1beta1/clusters/1020284832261392620/privateLinkConnections:getAvailabilityZones"
            ),
            "/v1beta1/clusters/{id}/privateLinkConnections:getAvailabilityZones"
        );
        assert_eq!(
            route_name("/v1beta1/clusters/123/privateLinkConnections/plc-abc?x=1"),
            "/v1beta1/clusters/{id}/privateLinkConnections/{id}"
        );
    }

    #[test]
    fn errors_are_actionable() {
        let e = api_error(
            &Method::GET,
            "/v1beta1/clusters/1",
            StatusCode::NOT_FOUND,
            br#"{"code":404,"message":"cluster not found","details":[]}"#,
        );
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "TiDB Cloud GET /v1beta1/clusters/1: HTTP 404 (code 404): cluster not found"
        );
        let e = api_error(
            &Method::GET,
            "/x",
            StatusCode::TOO_MANY_REQUESTS,
            b"{\"code\":\"49900007\"}",
        );
        assert!(e.is_retryable());
    }
}
