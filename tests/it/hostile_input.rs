//! Hostile input (issue #7 §3).
//!
//! - Connection requests from another account, or from TiDB's account with an endpoint id
//!   the PLC does not report, are injected *while* a setup runs: only TiDB's own request is
//!   accepted; the others stay Disconnected and are reported (`ApplyModel.foreign`, the
//!   setup JSON's `foreign_requests`).
//! - A raw TCP fake on 127.0.0.1 answers tilink's Alibaba and TiDB clients with malformed,
//!   truncated, huge, deeply nested, mistyped or half-empty bodies and broken HTTP: every
//!   call returns (no panic, no hang) with a readable error, or `Ok` with defaults where
//!   tolerance is intended (missing fields, unknown enum values, extra fields).

use crate::common;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tilink::cloud::aliyun::{AccessKey, AliyunClient, AliyunConfig, AliyunError};
use tilink::cloud::retry::{RetryBudget, RetryPolicy};
use tilink::cloud::tidb::{TidbClient, TidbError};
use tilink::secret::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

// ───────────────────────── foreign connection requests ─────────────────────────

/// Polls `/_sim/state` until the first endpoint service exists; returns its id.
async fn wait_for_service(w: &common::World, limit: Duration) -> String {
    let end = Instant::now() + limit;
    loop {
        let s = w.state().await;
        if let Some(id) = s["endpoint_services"]
            .as_array()
            .and_then(|a| a.first())
            .and_then(|x| x["ServiceId"].as_str())
        {
            return id.to_string();
        }
        assert!(Instant::now() < end, "no endpoint service after {limit:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Injects one request from another account and one from TiDB's account with an unknown
/// endpoint id; returns their endpoint ids.
async fn inject_hostile(w: &common::World, svc: &str) -> (String, String) {
    let foreign = w
        .admin(
            "inject",
            serde_json::json!({"kind": "foreign-connection", "service_id": svc, "owner_id": 1234567890123456u64}),
        )
        .await;
    let unknown = w
        .admin(
            "inject",
            serde_json::json!({"kind": "plc-connection-unknown-endpoint", "service_id": svc}),
        )
        .await;
    assert_eq!(unknown["owner_id"].to_string(), w.m.tidb_account_id);
    (
        foreign["endpoint_id"].as_str().unwrap().to_string(),
        unknown["endpoint_id"].as_str().unwrap().to_string(),
    )
}

/// Reads the service's connections back through the API: TiDB's is Connected, the two
/// hostile ones are still Disconnected.
async fn assert_only_tidb_accepted(w: &common::World, svc: &str, mine: &str, hostile: &[&str]) {
    let conns = w.clients().aliyun.list_connections(svc).await.unwrap();
    assert_eq!(conns.len(), 3, "{conns:#?}");
    for c in &conns {
        if c.endpoint_id == mine {
            assert_eq!(c.connection_status.as_str(), "Connected", "{c:?}");
            assert_eq!(c.endpoint_owner_id.to_string(), w.m.tidb_account_id);
        } else {
            assert!(hostile.contains(&c.endpoint_id.as_str()), "{c:?}");
            assert_eq!(
                c.connection_status.as_str(),
                "Disconnected",
                "a hostile request was accepted: {c:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_injected_during_setup_are_never_accepted() {
    let w = common::world().await;
    let w = Arc::new(w);
    let run = {
        let w = w.clone();
        tokio::spawn(async move { w.setup().await })
    };
    let svc = wait_for_service(&w, Duration::from_secs(60)).await;
    let (foreign, unknown) = inject_hostile(&w, &svc).await;
    let m = run.await.unwrap();
    assert_eq!(m.outcome, Some(Ok(())), "log: {:#?}", m.log);
    let mine = m.journal.resources.endpoint_id.clone().unwrap();
    assert_ne!(mine, foreign);
    assert_ne!(mine, unknown);
    assert_only_tidb_accepted(&w, &svc, &mine, &[&foreign, &unknown]).await;

    // Both are reported as left alone, with their owners.
    let seen: Vec<(&str, &str)> = m
        .foreign
        .iter()
        .map(|f| (f.endpoint_id.as_str(), f.owner_id.as_str()))
        .collect();
    assert!(
        seen.contains(&(foreign.as_str(), "1234567890123456")),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(unknown.as_str(), w.m.tidb_account_id.as_str())),
        "{seen:?}"
    );
    assert!(seen.iter().all(|(ep, _)| *ep != mine), "{seen:?}");
    assert!(
        m.log.iter().any(|l| l.text.contains("left alone")),
        "{:#?}",
        m.log
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_setup_json_lists_foreign_requests_and_accepts_only_tidb() {
    let w = common::world().await;
    let state = tempfile::tempdir().unwrap();
    let child = w
        .isolated(state.path(), 0.02)
        .args(w.setup_argv(&["--non-interactive", "--yes", "-o", "json"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let svc = wait_for_service(&w, Duration::from_secs(60)).await;
    let (foreign, unknown) = inject_hostile(&w, &svc).await;
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["state"], "ACTIVE", "{v}");
    let mine = v["resources"]["endpoint_id"].as_str().unwrap().to_string();
    let listed: Vec<String> = v["foreign_requests"]
        .as_array()
        .expect("foreign_requests")
        .iter()
        .map(|f| f["endpoint_id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(listed.contains(&foreign), "{v}");
    assert!(listed.contains(&unknown), "{v}");
    assert!(!listed.contains(&mine), "{v}");
    // With -o json, progress and warnings on stderr are JSON events too.
    let warned = stderr.lines().any(|l| {
        serde_json::from_str::<serde_json::Value>(l).is_ok_and(|e| {
            e["event"] == "warning"
                && e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("left alone"))
        })
    });
    assert!(warned, "the run should warn with a JSON event: {stderr}");
    assert_only_tidb_accepted(&w, &svc, &mine, &[&foreign, &unknown]).await;
}

// ───────────────────────────── hostile HTTP answers ─────────────────────────────

/// What the fake sends back: raw bytes, so broken HTTP can be sent too.
#[derive(Clone)]
struct Canned(Arc<Mutex<Vec<u8>>>);

/// A one-answer-per-connection HTTP fake on 127.0.0.1.
struct Fake {
    url: String,
    canned: Canned,
}

impl Fake {
    async fn start() -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let canned = Canned(Arc::new(Mutex::new(Vec::new())));
        let c = canned.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let answer = c.0.lock().unwrap().clone();
                tokio::spawn(async move {
                    read_request(&mut sock).await;
                    let _ = sock.write_all(&answer).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Fake { url, canned }
    }

    fn answer(&self, raw: Vec<u8>) {
        *self.canned.0.lock().unwrap() = raw;
    }

    fn json(&self, status: u16, body: &[u8]) {
        self.answer(http(status, &[("content-type", "application/json")], body));
    }
}

/// Reads one request (headers and a Content-Length body) so the client sees a clean answer.
async fn read_request(sock: &mut tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn http(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\nconnection: close\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
        jitter: false,
        budget: RetryBudget::new(10_000),
        busy_for: Duration::from_secs(2),
    }
}

fn aliyun(url: &str) -> AliyunClient {
    tilink::cloud::aliyun::client::install_tls_provider();
    let mut cfg = AliyunConfig::new("ap-southeast-1");
    cfg.endpoint_override = Some(url.to_string());
    cfg.retry = fast_retry();
    cfg.request_timeout = Duration::from_secs(20);
    AliyunClient::new(
        cfg,
        AccessKey {
            id: "LTAI5tFAKEFAKEFAKE".into(),
            secret: Secret::new("hostile-test-secret"),
            security_token: None,
        },
    )
    .unwrap()
}

fn tidb(url: &str) -> TidbClient {
    tilink::cloud::aliyun::client::install_tls_provider();
    TidbClient::new(url, "PUBKEY", Secret::new("hostile-test-private"))
        .unwrap()
        .with_retry(fast_retry())
}

/// A readable error: names what was called and what went wrong, no secret, not absurdly long.
fn readable(msg: &str, what: &str, hint: &str) {
    assert!(msg.contains(what), "error does not name `{what}`: {msg}");
    assert!(
        msg.to_ascii_lowercase()
            .contains(&hint.to_ascii_lowercase()),
        "error does not say `{hint}`: {msg}"
    );
    assert!(!msg.contains("hostile-test-secret") && !msg.contains("hostile-test-private"));
    assert!(msg.len() < 2000, "error is {} bytes long", msg.len());
}

/// Runs `fut` with a deadline: a hostile answer must never hang a call.
async fn bounded<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), fut)
        .await
        .expect("call hung on a hostile answer")
}

const LVC: &str = "ListVpcEndpointConnections";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliyun_client_gives_clear_errors_on_hostile_answers() {
    let f = Fake::start().await;
    let a = aliyun(&f.url);
    let list = || bounded(a.list_connections("epsrv-x"));

    // Decoding errors: (body, words the message must contain).
    let bad: Vec<(Vec<u8>, &str)> = vec![
        (b"<html>502 Bad Gateway</html>".to_vec(), "not JSON"),
        (b"".to_vec(), "not JSON"),
        (
            br#"{"Connections":[{"EndpointId":"ep-1","Connec"#.to_vec(),
            "not JSON",
        ),
        (br#"{"Connections":"nope"}"#.to_vec(), "invalid type"),
        (
            br#"{"Connections":[{"EndpointOwnerId":"not-a-number"}]}"#.to_vec(),
            "invalid numeric value",
        ),
        (
            br#"{"Connections":[{"EndpointOwnerId":-5}]}"#.to_vec(),
            "invalid numeric value",
        ),
        (
            br#"{"Connections":[{"EndpointOwnerId":1e400}]}"#.to_vec(),
            "not JSON",
        ),
        (
            br#"{"Connections":[{"ResourceOwner":"maybe"}]}"#.to_vec(),
            "unexpected response",
        ),
        (b"[42]".to_vec(), "invalid type"),
        (b"42".to_vec(), "invalid type"),
        (b"\"Connected\"".to_vec(), "invalid type"),
        (
            b"{\"Connections\":[{\"EndpointId\":\"ep-\xff\xfe\"}]}".to_vec(),
            "not JSON",
        ),
        // Deep nesting is refused by the recursion limit, not a stack overflow.
        (
            [vec![b'['; 200_000], vec![b']'; 200_000]].concat(),
            "not JSON",
        ),
        (
            [b"{\"Connections\":".to_vec(), vec![b'['; 100_000]].concat(),
            "not JSON",
        ),
        // 20 MB of junk.
        (vec![b'x'; 20 << 20], "not JSON"),
        // 40 MB of junk: past the 32 MiB cap, refused before parsing.
        (vec![b'x'; 40 << 20], "larger than 32 MiB"),
    ];
    for (body, hint) in bad {
        let head = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        f.json(200, &body);
        let e = list()
            .await
            .expect_err(&format!("body {head:?} was accepted"));
        assert!(matches!(e, AliyunError::Decode { .. }), "{head:?}: {e:?}");
        assert!(!e.is_retryable());
        readable(&e.to_string(), LVC, hint);
    }

    // Tolerated: missing fields, unknown enum values, unknown extra fields.
    for body in [
        &br#"{}"#[..],
        br#"{"Connections":[],"Brand":"new","Nested":{"a":[1,2,{"b":null}]}}"#,
    ] {
        f.json(200, body);
        assert_eq!(
            list().await.unwrap(),
            vec![],
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    f.json(
        200,
        br#"{"Connections":[{"EndpointId":"ep-1","ConnectionStatus":"Quantum","EndpointOwnerId":"12","Zones":[{"ZoneStatus":"Teleporting"}],"Extra":1}],"TotalCount":"1"}"#,
    );
    let c = list().await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].connection_status.as_str(), c[0].endpoint_owner_id),
        ("Quantum", 12)
    );
    assert_eq!(c[0].zones[0].zone_status, "Teleporting");
    assert_eq!(c[0].service_id, "", "missing field defaults to empty");

    // Control characters from a cloud never reach a terminal: a display name that clears
    // the screen, sets the title or writes the clipboard (OSC 52) comes out escaped, and an
    // error message of 1 MiB is cut (reliability round 3, #10).
    f.json(
        200,
        b"{\"Connections\":[{\"EndpointId\":\"ep-1\\u001b[2J\\u001b]52;c;ZXZpbA==\\u0007\\n[PASS] fake\"}]}",
    );
    let c = list().await.unwrap();
    assert!(
        !c[0].endpoint_id.chars().any(char::is_control),
        "{:?}",
        c[0].endpoint_id
    );
    assert!(
        c[0].endpoint_id.contains("\\x1b[2J"),
        "{:?}",
        c[0].endpoint_id
    );
    let mut huge = br#"{"Code":"X","Message":""#.to_vec();
    huge.extend(b"\\u001b[31m");
    huge.extend(std::iter::repeat_n(b'm', 1 << 20));
    huge.extend_from_slice(br#"","RequestId":"R"}"#);
    f.json(400, &huge);
    let e = list().await.unwrap_err().to_string();
    assert!(
        e.len() < 2_000 && !e.chars().any(char::is_control),
        "{}",
        e.len()
    );

    // A huge but valid answer (a 16 MB string) is read, not refused.
    let mut big = br#"{"RequestId":""#.to_vec();
    big.extend(std::iter::repeat_n(b'r', 16 << 20));
    big.extend_from_slice(br#"","Connections":[{"EndpointId":"ep-big"}]}"#);
    f.json(200, &big);
    assert_eq!(list().await.unwrap()[0].endpoint_id, "ep-big");

    // Errors from the API, with bodies that are not the documented shape.
    f.json(
        400,
        br#"{"Code":"Totally.New.Code","Message":"something new","RequestId":"R-1","Unknown":true}"#,
    );
    let e = list().await.unwrap_err();
    assert_eq!(e.code(), Some("Totally.New.Code"));
    assert!(!e.is_retryable());
    readable(&e.to_string(), LVC, "something new");
    let e_str = e.to_string();
    assert!(e_str.contains("R-1"), "{e_str}");

    f.answer(http(
        503,
        &[("content-type", "text/html")],
        format!("<html>{}</html>", "é".repeat(5000)).as_bytes(),
    ));
    let e = list().await.unwrap_err();
    assert_eq!(e.code(), Some("HTTP503"));
    assert!(e.is_retryable());
    readable(&e.to_string(), LVC, "HTTP 503");

    f.json(404, b"\xff\xfe\x00garbage");
    let e = list().await.unwrap_err();
    readable(&e.to_string(), LVC, "HTTP404");

    f.json(400, br#"{"Code":123,"Message":["not","a","string"]}"#);
    let e = list().await.unwrap_err();
    readable(&e.to_string(), LVC, "HTTP 400");

    // An absurd retry-after header is capped, not slept.
    f.answer(http(
        400,
        &[
            ("content-type", "application/json"),
            ("x-acs-retry-after", "18446744073709551615"),
        ],
        br#"{"Code":"Throttling.User","Message":"slow down"}"#,
    ));
    let began = Instant::now();
    let e = list().await.unwrap_err();
    assert!(began.elapsed() < Duration::from_secs(5));
    readable(&e.to_string(), LVC, "Throttling.User");

    // Broken HTTP: truncated body, no answer at all, not HTTP, absurd content-length.
    let mut truncated = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\nconnection: close\r\n\r\n".to_vec();
    truncated.extend_from_slice(br#"{"Connections":[{"Endp"#);
    let broken: Vec<(Vec<u8>, &str)> = vec![
        (truncated, "talking to"),
        (Vec::new(), "talking to"),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec(), "talking to"),
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n{}".to_vec(),
            "talking to",
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n".to_vec(),
            "talking to",
        ),
    ];
    for (raw, hint) in broken {
        let head = String::from_utf8_lossy(&raw[..raw.len().min(30)]).into_owned();
        f.answer(raw);
        let e = list()
            .await
            .expect_err(&format!("broken HTTP {head:?} was accepted"));
        assert!(
            matches!(e, AliyunError::Transport { .. }),
            "{head:?}: {e:?}"
        );
        readable(&e.to_string(), LVC, hint);
    }

    // Every other decoder behind the engine's calls fails the same way, never panics.
    f.json(
        200,
        br#"{"LoadBalancerStatus":["x"],"ZoneMappings":{"a":1}}"#,
    );
    let e = bounded(a.get_load_balancer_attribute("nlb-x")).await;
    readable_err(e, "GetLoadBalancerAttribute", "unexpected response");
    f.json(
        200,
        br#"{"DBInstanceNetInfos":{"DBInstanceNetInfo":[{"Port":"port"}]}}"#,
    );
    let e = bounded(a.describe_db_instance_net_info("rm-x")).await;
    readable_err(e, "DescribeDBInstanceNetInfo", "invalid numeric value");
    f.json(200, br#"{"AccountId":{},"Arn":7}"#);
    let e = bounded(a.get_caller_identity()).await;
    readable_err(e, "GetCallerIdentity", "unexpected response");
}

/// A call that must fail with a readable error (see `readable`).
fn readable_err<T: std::fmt::Debug>(r: Result<T, AliyunError>, what: &str, hint: &str) {
    readable(&r.unwrap_err().to_string(), what, hint);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tidb_client_gives_clear_errors_on_hostile_answers() {
    let f = Fake::start().await;
    let t = tidb(&f.url);
    const PATH: &str = "privateLinkConnections";

    let bad: Vec<(Vec<u8>, &str)> = vec![
        (b"<html>oops</html>".to_vec(), "expected value"),
        (b"".to_vec(), "EOF"),
        (br#"{"privateLinkConnections":[{"state":"#.to_vec(), "EOF"),
        (
            br#"{"privateLinkConnections":"x"}"#.to_vec(),
            "invalid type",
        ),
        (br#"{"totalSize":"many"}"#.to_vec(), "invalid numeric value"),
        (b"null".to_vec(), "invalid type"),
        (
            [
                br#"{"privateLinkConnections":[{"attachedDomains":"#.to_vec(),
                vec![b'['; 300_000],
            ]
            .concat(),
            "recursion limit",
        ),
        (vec![b' '; 8 << 20], "EOF"),
    ];
    for (body, hint) in bad {
        let head = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        f.json(200, &body);
        let e = bounded(t.list_plcs("10000"))
            .await
            .expect_err(&format!("body {head:?} was accepted"));
        assert!(matches!(e, TidbError::Decode { .. }), "{head:?}: {e:?}");
        readable(&e.to_string(), PATH, hint);
    }

    // Tolerated: missing fields, unknown states and types, extra fields.
    f.json(200, b"{}");
    assert!(bounded(t.list_plcs("1")).await.unwrap().is_empty());
    f.json(
        200,
        br#"{"privateLinkConnectionId":"plc-1","state":"HYPERSPACE","type":"QUANTUM_ENDPOINT","future":{"x":1}}"#,
    );
    let p = bounded(t.get_plc("1", "plc-1")).await.unwrap();
    assert_eq!(
        (p.state.as_str(), p.kind.as_str()),
        ("HYPERSPACE", "QUANTUM_ENDPOINT")
    );
    assert!(p.alicloud_endpoint_service.is_none());
    f.json(200, br#"{"accountId":1234567890123456,"azIds":[]}"#);
    let z = bounded(t.availability_zones("1")).await.unwrap();
    assert_eq!(z.account_id, "1234567890123456");

    // Errors with odd bodies.
    f.json(
        404,
        br#"{"code":"not-a-number","message":"gone","details":"x"}"#,
    );
    let e = bounded(t.get_cluster("1")).await.unwrap_err();
    assert!(e.is_not_found());
    readable(&e.to_string(), "/v1beta1/clusters/1", "gone");
    f.answer(http(
        500,
        &[("content-type", "text/plain")],
        "💥".repeat(1000).as_bytes(),
    ));
    let e = bounded(t.get_cluster("1")).await.unwrap_err();
    readable(&e.to_string(), "/v1beta1/clusters/1", "HTTP 500");
    f.answer(http(
        429,
        &[("x-ratelimit-reset", "18446744073709551615")],
        b"{}",
    ));
    let began = Instant::now();
    let e = bounded(t.get_cluster("1")).await.unwrap_err();
    assert!(began.elapsed() < Duration::from_secs(5));
    readable(&e.to_string(), "/v1beta1/clusters/1", "HTTP 429");

    // Hostile digest challenges.
    let challenges: Vec<(Option<&str>, &str)> = vec![
        (None, "refused the API key"),
        (Some("Basic realm=\"x\""), "refused the API key"),
        (Some("Digest"), "challenge"),
        (
            Some("Digest realm=\"x\", nonce=\"y\", qop=\"auth\", algorithm=ROT13"),
            "challenge",
        ),
        (
            Some("Digest realm=\"x\", nonce=\"y\", qop=\"auth-int\""),
            "refused",
        ),
        (Some("Digest realm=\"unterminated, nonce=\"y"), "challenge"),
    ];
    for (ch, hint) in challenges {
        let headers: Vec<(&str, &str)> = ch.map(|c| ("www-authenticate", c)).into_iter().collect();
        f.answer(http(401, &headers, b"{}"));
        let e = bounded(t.get_cluster("1"))
            .await
            .expect_err("a 401 was accepted");
        readable(&e.to_string(), "/v1beta1/clusters/1", hint);
    }

    // Broken HTTP.
    for raw in [
        Vec::new(),
        b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{\"clusters\":[".to_vec(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
    ] {
        f.answer(raw);
        let e = bounded(t.get_cluster("1")).await.unwrap_err();
        assert!(matches!(e, TidbError::Transport { .. }), "{e:?}");
        readable(&e.to_string(), "/v1beta1/clusters/1", "network error");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_reports_hostile_answers_without_panicking() {
    let f = Fake::start().await;
    let state = tempfile::tempdir().unwrap();
    for (body, status) in [
        (&br#"{"Connections":"nope"#[..], 200u16),
        (b"<html>", 200),
        (b"{}", 200),
        (br#"{"Code":"InternalError"}"#, 500),
    ] {
        f.json(status, body);
        let out = Command::new(env!("CARGO_BIN_EXE_tilink"))
            .args([
                "doctor",
                "--cluster-id",
                "1000000000000000000",
                "-o",
                "json",
            ])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", state.path())
            .env("TILINK_NO_KEYRING", "1")
            .env("TILINK_STATE_DIR", state.path())
            .env("TILINK_REGION", "ap-southeast-1")
            .env("TILINK_ALIBABA_ENDPOINT", &f.url)
            .env("TILINK_TIDB_ENDPOINT", &f.url)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tFAKEFAKEFAKE")
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "hostile-test-secret")
            .env("TIDBCLOUD_PUBLIC_KEY", "PUBKEY")
            .env("TIDBCLOUD_PRIVATE_KEY", "hostile-test-private")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let code = out.status.code();
        // A hostile answer is a failed look: doctor says it could not look (4), or another
        // documented failure code; never a crash, never "healthy".
        assert!(
            matches!(code, Some(1..=4)),
            "exit {code:?} for {:?}\n{stderr}\n{stdout}",
            String::from_utf8_lossy(body)
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
        for s in ["hostile-test-secret", "hostile-test-private"] {
            assert!(!stderr.contains(s) && !stdout.contains(s));
        }
    }
}

/// `null` where a field is optional should read like the field is missing (JSON APIs send
/// `"Tags": null`, `"NextToken": null`); today one `null` fails the whole answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_fields_read_like_missing_ones() {
    let f = Fake::start().await;
    let a = aliyun(&f.url);
    f.json(
        200,
        br#"{"RequestId":null,"Connections":[{"EndpointId":"ep-1","Zones":null,"ModifiedTime":null}],"NextToken":null,"TotalCount":null}"#,
    );
    let c = bounded(a.list_connections("epsrv-x")).await.unwrap();
    assert_eq!(c[0].endpoint_id, "ep-1");
    let t = tidb(&f.url);
    f.json(
        200,
        br#"{"privateLinkConnections":[{"privateLinkConnectionId":"plc-1","state":"ACTIVE","message":null,"alicloudEndpointService":{"name":"n","endpointId":null}}],"nextPageToken":null}"#,
    );
    let p = bounded(t.list_plcs("1")).await.unwrap();
    assert_eq!(p[0].state, "ACTIVE");
}
