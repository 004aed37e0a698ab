//! tilink's own clients over real HTTP on loopback against small scripted fakes: a retried
//! throttle (honouring `x-acs-retry-after`), a final error, a stale digest nonce, a 429.

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tilink::cloud::aliyun::{AccessKey, AliyunClient, AliyunConfig, SignatureVersion};
use tilink::cloud::retry::{RetryBudget, RetryPolicy};
use tilink::cloud::tidb::TidbClient;
use tilink::secret::Secret;

async fn serve(router: Router) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(l, router).await;
    });
    format!("http://{addr}")
}

/// A fake at `path` answering request `k` (counted from 0, with its headers) with
/// `answer(k, headers)`; its URL and the count of requests it got.
async fn counted<F>(path: &str, answer: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(usize, HeaderMap) -> Response + Clone + Send + Sync + 'static,
{
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    let base = serve(Router::new().route(
        path,
        any(move |h: HeaderMap| {
            let (seen, answer) = (seen.clone(), answer.clone());
            async move { answer(seen.fetch_add(1, Ordering::SeqCst), h) }
        }),
    ))
    .await;
    (base, n)
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        jitter: false,
        budget: RetryBudget::new(100),
        busy_for: Duration::from_secs(2),
    }
}

fn aliyun(base: &str, sig: SignatureVersion) -> AliyunClient {
    let mut cfg = AliyunConfig::new("ap-southeast-1");
    cfg.endpoint_override = Some(base.to_string());
    cfg.signature = sig;
    cfg.retry = fast_retry();
    AliyunClient::new(
        cfg,
        AccessKey {
            id: "testid".into(),
            secret: Secret::new("testsecret"),
            security_token: None,
        },
    )
    .unwrap()
}

/// A TiDB Cloud client of `base` with the fast retry policy.
fn tidb(base: &str) -> TidbClient {
    TidbClient::new(base, "PUB", Secret::new("PRIV"))
        .unwrap()
        .with_retry(fast_retry())
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[tokio::test]
async fn throttle_is_retried_after_the_servers_pause_then_succeeds() {
    let (base, n) = counted("/", |k, _| {
        if k == 0 {
            let mut r = json(
                StatusCode::BAD_REQUEST,
                serde_json::json!({"RequestId": "r1", "Code": "Throttling.User", "Message": "Request was denied due to user flow control."}),
            );
            r.headers_mut().insert("x-acs-retry-after", HeaderValue::from_static("300"));
            r
        } else {
            json(StatusCode::OK, serde_json::json!({"RequestId": "r2", "AccountId": "123", "Arn": "acs:ram::123:user/x"}))
        }
    })
    .await;
    for sig in [SignatureVersion::V1, SignatureVersion::V3] {
        n.store(0, Ordering::SeqCst);
        let c = aliyun(&base, sig);
        let t = Instant::now();
        let who = c.get_caller_identity().await.unwrap();
        assert_eq!(who.account_id, "123");
        assert_eq!(n.load(Ordering::SeqCst), 2, "one retry");
        // The server asked for 300 ms; the policy's own backoff would be 10 ms (capped 50).
        assert!(
            t.elapsed() >= Duration::from_millis(50),
            "{:?}",
            t.elapsed()
        );
    }
}

#[tokio::test]
async fn a_final_error_is_not_retried_and_keeps_its_code() {
    let (base, n) = counted("/", |_, _| {
        json(
            StatusCode::FORBIDDEN,
            serde_json::json!({"RequestId": "r9", "Code": "Forbidden.RAM", "Message": "User not authorized",
                "AccessDeniedDetail": {"AuthAction": "nlb:CreateLoadBalancer"}}),
        )
    })
    .await;
    let e = aliyun(&base, SignatureVersion::V1)
        .call_value(
            tilink::cloud::aliyun::Action::CreateLoadBalancer,
            &Default::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(n.load(Ordering::SeqCst), 1);
    assert_eq!(e.code(), Some("Forbidden.RAM"));
    assert_eq!(
        e.missing_permission().as_deref(),
        Some("nlb:CreateLoadBalancer")
    );
    assert!(e.to_string().contains("r9"), "{e}");
}

#[tokio::test]
async fn resets_and_5xx_are_retried_until_the_budget_or_attempts_run_out() {
    let (base, n) = counted("/", |_, _| {
        json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"Code": "ServiceUnavailable", "Message": "busy"}),
        )
    })
    .await;
    let e = aliyun(&base, SignatureVersion::V1)
        .get_caller_identity()
        .await
        .unwrap_err();
    assert_eq!(n.load(Ordering::SeqCst), 4, "max_attempts");
    assert!(e.is_retryable());
    // Nothing listens here: a connect error, retried, then reported with the URL, no secret.
    let e = aliyun("http://127.0.0.1:9", SignatureVersion::V1)
        .get_caller_identity()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("127.0.0.1:9") && !e.to_string().contains("testsecret"),
        "{e}"
    );
}

fn nonce_of(h: &HeaderMap) -> Option<String> {
    let a = h.get("authorization")?.to_str().ok()?;
    let i = a.find("nonce=\"")? + 7;
    Some(a[i..].split('"').next()?.to_string())
}

fn challenge(nonce: &str, stale: bool) -> Response {
    let mut r = json(
        StatusCode::UNAUTHORIZED,
        serde_json::json!({"code": 16, "message": "unauthenticated", "details": []}),
    );
    let v = format!(
        "Digest realm=\"tidb.cloud\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\"{}",
        if stale { ", stale=true" } else { "" }
    );
    r.headers_mut()
        .insert("www-authenticate", HeaderValue::from_str(&v).unwrap());
    r
}

#[tokio::test]
async fn digest_challenge_is_reused_and_a_stale_nonce_is_answered_once() {
    // nonce-1 is accepted for two requests, then declared stale; nonce-2 works after that.
    let (base, calls) = counted("/v1beta1/clusters/{id}", |k, h| {
        match (k, nonce_of(&h).as_deref()) {
            (_, None) => challenge("nonce-1", false),
            (_, Some("nonce-1")) if k < 3 => json(StatusCode::OK, serde_json::json!({"clusterId": "1", "displayName": "c", "clusterPlan": "ESSENTIAL", "region": {"name": "regions/alicloud-ap-southeast-1"}})),
            (_, Some("nonce-1")) => challenge("nonce-2", true),
            (_, Some("nonce-2")) => json(StatusCode::OK, serde_json::json!({"clusterId": "1", "displayName": "c", "clusterPlan": "ESSENTIAL", "region": {"name": "regions/alicloud-ap-southeast-1"}})),
            _ => challenge("nonce-2", false),
        }
    })
    .await;
    let t = tidb(&base);
    for _ in 0..3 {
        assert_eq!(t.get_cluster("1").await.unwrap().cluster_id, "1");
    }
    // 1 unsigned + 1 signed, then 1 preemptive (cached nonce), then stale → 1 retry with nonce-2.
    assert_eq!(calls.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn tidb_429_backs_off_and_wrong_keys_say_what_to_do() {
    let (base, calls) = counted("/v1beta1/clusters/{id}", |k, h| match nonce_of(&h) {
        None => challenge("n", false),
        Some(_) if k < 3 => {
            let mut r = json(
                StatusCode::TOO_MANY_REQUESTS,
                serde_json::json!({"details": [], "code": 49900007, "message": "The request exceeded the limit of 100 times per apikey per minute."}),
            );
            r.headers_mut().insert("x-ratelimit-remaining-minute", HeaderValue::from_static("0"));
            r.headers_mut().insert("x-ratelimit-reset", HeaderValue::from_static("0"));
            r
        }
        Some(_) => json(StatusCode::OK, serde_json::json!({"clusterId": "7", "displayName": "c", "region": {}})),
    })
    .await;
    let t = tidb(&base);
    assert_eq!(t.get_cluster("7").await.unwrap().cluster_id, "7");
    assert!(calls.load(Ordering::SeqCst) >= 4);

    let base = serve(Router::new().route(
        "/v1beta1/clusters/{id}",
        any(|| async { challenge("x", false) }),
    ))
    .await;
    let e = TidbClient::new(&base, "PUB", Secret::new("PRIV"))
        .unwrap()
        .get_cluster("1")
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("TIDBCLOUD_PUBLIC_KEY") && !msg.contains("PRIV\""),
        "{msg}"
    );
}
