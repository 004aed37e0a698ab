//! Credentials stay on the wire they were meant for, and answers are bounded (issue 15,
//! items 4 and 5): no redirect is followed (a second server receives nothing, not even a
//! Referer), clear-text `http://` to another machine is refused before any call, and a huge
//! or endless body ends in a clear error instead of exhausting memory.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tilink::cloud::aliyun::client::SignatureVersion;
use tilink::cloud::aliyun::{AccessKey, AliyunClient, AliyunConfig};
use tilink::cloud::retry::{RetryBudget, RetryPolicy};
use tilink::cloud::tidb::TidbClient;
use tilink::secret::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that counts the requests it receives and answers each with `answer`.
async fn server(answer: Vec<u8>, endless: bool) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 65536];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(&answer).await;
                if endless {
                    let chunk = vec![b'x'; 1 << 16];
                    while sock.write_all(&chunk).await.is_ok() {}
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    (url, hits)
}

fn aliyun(url: &str, signature: SignatureVersion) -> AliyunClient {
    tilink::cloud::aliyun::client::install_tls_provider();
    let mut cfg = AliyunConfig::new("ap-southeast-1");
    cfg.endpoint_override = Some(url.to_string());
    cfg.signature = signature;
    cfg.retry = retry(2, Duration::from_millis(1), Duration::from_millis(2));
    let key = AccessKey {
        id: "STS.NTFAKEFAKEFAKE".into(),
        security_token: Some(Secret::new("CAISwire-test-token")),
        ..fake_key()
    };
    AliyunClient::new(cfg, key).unwrap()
}

/// A retry policy without jitter: `max_attempts` tries, backing off from `base` to `cap`.
fn retry(max_attempts: u32, base: Duration, cap: Duration) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base,
        cap,
        jitter: false,
        budget: RetryBudget::new(500),
        busy_for: Duration::from_secs(2),
    }
}

/// A long-term key no cloud knows.
fn fake_key() -> AccessKey {
    AccessKey {
        id: "LTAI5tFAKEFAKEFAKE".into(),
        secret: Secret::new("wire-test-secret"),
        security_token: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed_so_the_token_stays_home() {
    let (elsewhere, hits) = server(
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_vec(),
        false,
    )
    .await;
    let redirect = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {elsewhere}/steal\r\ncontent-length: 0\r\n\r\n"
    );
    let (home, _) = server(redirect.into_bytes(), false).await;
    for sig in [SignatureVersion::V3, SignatureVersion::V1] {
        let e = aliyun(&home, sig)
            .get_caller_identity()
            .await
            .expect_err("a redirect is not an answer");
        assert!(e.to_string().contains("307"), "{e}");
    }
    let t = TidbClient::new(&home, "PUBKEY", Secret::new("wire-test-private")).unwrap();
    let _ = t.get_cluster("1").await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the other host received a request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_and_endless_bodies_end_in_a_clear_error() {
    // Announced as 100 MB, and an endless body without a length.
    let huge =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 104857600\r\n\r\n{"
            .to_vec();
    let endless = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"x\":\"".to_vec();
    for (answer, stream) in [(huge, false), (endless, true)] {
        let (url, _) = server(answer, stream).await;
        let t0 = Instant::now();
        let e = aliyun(&url, SignatureVersion::V3)
            .get_caller_identity()
            .await
            .expect_err("a body past the cap is refused");
        assert!(e.to_string().contains("larger than 32 MiB"), "{e}");
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "took {:?}",
            t0.elapsed()
        );
        let t = TidbClient::new(&url, "PUBKEY", Secret::new("wire-test-private")).unwrap();
        let e = t.get_cluster("1").await.expect_err("refused");
        assert!(e.to_string().contains("larger than 32 MiB"), "{e}");
    }
}

#[test]
fn clear_text_to_another_machine_is_refused_before_any_call() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
        .args(["doctor", "--cluster-id", "1234567890123456789"])
        .env("TILINK_ALIBABA_ENDPOINT", "http://10.255.255.1:8080")
        .env("TILINK_NO_KEYRING", "1")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tFAKEFAKEFAKE")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wire-test-secret")
        .env("TIDBCLOUD_PUBLIC_KEY", "PUBKEY")
        .env("TIDBCLOUD_PRIVATE_KEY", "wire-test-private")
        .env_remove("TILINK_ALLOW_INSECURE_HTTP")
        .output()
        .unwrap();
    let err = common::expect_exit(&out, 2);
    assert!(err.contains("clear text"), "{err}");
    for (url, ok) in [
        ("http://127.0.0.1:9", true),
        ("http://localhost:9", true),
        ("http://[::1]:9", true),
        ("https://nlb.ap-southeast-1.aliyuncs.com", true),
        ("http://nlb.ap-southeast-1.aliyuncs.com", false),
    ] {
        assert_eq!(
            tilink::app::context::clear_text_refused(url).is_ok(),
            ok,
            "{url}"
        );
    }
}

#[test]
fn simulator_flags_are_validated_with_clear_messages() {
    for (flag, value, says) in [
        ("--time-scale", "1e300", "out of range"),
        ("--time-scale", "0", "out of range"),
        ("--fault-rate", "2", "between 0 and 1"),
        ("--jitter", "3", "out of range"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
            .args(["sim", flag, value])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(says) && !err.contains("panicked"), "{err}");
        assert!(err.len() < 400, "{err}");
    }
}

#[test]
fn cluster_ids_are_checked_against_their_documented_form() {
    let long = "9".repeat(100_000);
    for id in [
        long.as_str(),
        "123",
        "12345678901234567a9",
        "../../etc/passwd",
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
            .args(["doctor", "--cluster-id", id])
            .env("TILINK_NO_KEYRING", "1")
            .output()
            .unwrap();
        let err = common::expect_exit(&out, 2);
        assert!(err.contains("is not a TiDB Cloud cluster id"), "{err}");
        assert!(err.len() < 600, "{} bytes of error", err.len());
    }
}

/// A TLS server on 127.0.0.1 with a self-signed certificate no CA vouches for (a real bad
/// certificate, `tests/fixtures/`): counts the TLS handshakes it is offered.
async fn bad_certificate_server() -> (String, Arc<AtomicUsize>) {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let certs =
        vec![CertificateDer::from_pem_file(dir.join("selfsigned-cert.pem")).expect("fixture cert")];
    let key = PrivateKeyDer::from_pem_file(dir.join("selfsigned-key.pem")).expect("fixture key");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(sock).await {
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                        .await;
                }
            });
        }
    });
    (url, hits)
}

/// Certificate errors are final (issue 15, item 4): one handshake, a clear error in well
/// under a second, no retry (it used to retry 8 times over 31 s), and nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_bad_certificate_fails_at_once_and_is_not_retried() {
    let (url, hits) = bad_certificate_server().await;
    // A retry policy that would retry a transport error several times.
    let mut cfg = AliyunConfig::new("ap-southeast-1");
    cfg.endpoint_override = Some(url.clone());
    cfg.retry = retry(6, Duration::from_millis(50), Duration::from_millis(100));
    let client = AliyunClient::new(cfg, fake_key()).unwrap();
    let t0 = Instant::now();
    let e = client
        .get_caller_identity()
        .await
        .expect_err("an untrusted certificate is refused");
    let text = e.to_string().to_lowercase();
    assert!(text.contains("certificate"), "{e}");
    assert!(!text.contains("wire-test-secret"), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "retried a certificate error"
    );

    let before = hits.load(Ordering::SeqCst);
    let t = TidbClient::new(&url, "PUBKEY", Secret::new("wire-test-private")).unwrap();
    let e = t.get_cluster("1").await.expect_err("refused");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    assert_eq!(hits.load(Ordering::SeqCst) - before, 1, "retried: {e}");
}

/// The real binary against a server that announces 100 MB and one that never stops: it
/// ends with the cap's error, and its peak memory stays far below the body (it used to
/// reach 526 MB and 3.4 GB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_stays_small_against_huge_and_endless_bodies() {
    let huge =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 104857600\r\n\r\n{\"x\":\""
            .to_vec();
    let endless = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"x\":\"".to_vec();
    for (answer, stream) in [(huge, true), (endless, true)] {
        let (url, _) = server(answer, stream).await;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
            .args([
                "doctor",
                "--cluster-id",
                "1234567890123456789",
                "-o",
                "json",
            ])
            .env("TILINK_TIDB_ENDPOINT", &url)
            .env("TILINK_ALIBABA_ENDPOINT", &url)
            .env("TILINK_RETRY_BASE_MS", "1")
            .env("TILINK_NO_KEYRING", "1")
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tFAKEFAKEFAKE")
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wire-test-secret")
            .env("TIDBCLOUD_PUBLIC_KEY", "PUBKEY")
            .env("TIDBCLOUD_PRIVATE_KEY", "wire-test-private")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let (status, peak_kb, out) = tokio::task::spawn_blocking(move || {
            // The child's own high-water mark (VmHWM of its memory map) while it lives: the
            // rusage `ru_maxrss` of a spawned child starts at its parent's (Linux keeps the
            // old map's peak across exec), and the parent is this whole test binary.
            let mut peak_kb = 0u64;
            let status = loop {
                if let Some(st) = child.try_wait().unwrap() {
                    break st;
                }
                if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    && let Some(kb) = s
                        .lines()
                        .find_map(|l| l.strip_prefix("VmHWM:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                {
                    peak_kb = peak_kb.max(kb);
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            };
            let mut out = String::new();
            std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
            (status, peak_kb, out)
        })
        .await
        .unwrap();
        assert!(status.code().is_some(), "killed: {status}");
        assert_ne!(status.code(), Some(0));
        let v: serde_json::Value = serde_json::from_str(out.trim())
            .unwrap_or_else(|e| panic!("{e}: the JSON contract is kept: {out:?}"));
        assert!(
            v["error"].as_str().unwrap_or_default().contains("32 MiB"),
            "{v}"
        );
        println!("peak RSS {} MB", peak_kb / 1024);
        assert!(peak_kb > 0, "the child's memory was never read");
        assert!(peak_kb < 200 * 1024, "peak RSS {} MB", peak_kb / 1024);
    }
}

/// Dead endpoints fail in seconds (issue 15, item 5): a refused connection is tried 3
/// times in about a second (the binary took 28 s before), a silent server twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_and_silent_endpoints_fail_in_seconds() {
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dead = format!("http://127.0.0.1:{port}");
    let t0 = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
        .args(["doctor", "--cluster-id", "1234567890123456789"])
        .env("TILINK_TIDB_ENDPOINT", &dead)
        .env("TILINK_ALIBABA_ENDPOINT", &dead)
        .env("TILINK_NO_KEYRING", "1")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tFAKEFAKEFAKE")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wire-test-secret")
        .env("TIDBCLOUD_PUBLIC_KEY", "PUBKEY")
        .env("TIDBCLOUD_PRIVATE_KEY", "wire-test-private")
        .env_remove("TILINK_RETRY_BASE_MS")
        .output()
        .unwrap();
    let took = t0.elapsed();
    let err = common::expect_exit(&out, 4);
    assert!(err.contains("could not connect"), "{err}");
    println!("dead endpoint: exit 4 after {took:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");

    // A server that accepts and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    let mut cfg = AliyunConfig::new("ap-southeast-1");
    cfg.endpoint_override = Some(silent);
    cfg.request_timeout = Duration::from_millis(300);
    cfg.retry = retry(8, Duration::from_millis(1), Duration::from_millis(2));
    let client = AliyunClient::new(cfg, fake_key()).unwrap();
    let e = client.get_caller_identity().await.expect_err("silence");
    assert!(e.to_string().contains("timed out"), "{e}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "a silent server is asked twice"
    );
}
