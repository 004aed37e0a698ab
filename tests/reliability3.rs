//! Reliability and security, round 3 (issue 25): attacks that failed before, each through the
//! real binary or the public client API, on loopback only.

mod common;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A loopback listener that counts the connections made to it.
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            if c.is_ok() {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, n)
}

/// #8: a region is checked before any host is built from it, from the flag, the
/// environment, or a cloud's answer: a hostile one never reaches the network.
#[test]
fn a_hostile_region_never_reaches_the_network() {
    let (port, seen) = counting_listener();
    let hostile = format!("x@127.0.0.1:{port}/#");
    for (flag, env) in [(true, false), (false, true)] {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"));
        let home = tempfile::tempdir().unwrap();
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("TILINK_NO_KEYRING", "1")
            .env("TILINK_TIDB_ENDPOINT", format!("http://127.0.0.1:{port}"))
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExampleKeyId0000")
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "example-secret")
            .env("TIDBCLOUD_PUBLIC_KEY", "PUB")
            .env("TIDBCLOUD_PRIVATE_KEY", "PRIV")
            .args([
                "setup",
                "--dry-run",
                "--non-interactive",
                "--cluster-id",
                "1379661944646413143",
                "--rds-instance",
                "rm-1",
            ])
            .stdin(std::process::Stdio::null());
        if flag {
            c.args(["--region", &hostile]);
        }
        if env {
            c.env("TILINK_REGION", &hostile);
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("region id"), "{err}");
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(seen.load(Ordering::SeqCst), 0, "a connection was made");

    // The backstop for a region that comes from a cloud's answer or a profile: the client
    // itself refuses to exist, and the engine calls that bad input (exit 2).
    use tilink::cloud::aliyun::{AccessKey, AliyunClient, AliyunConfig, AliyunError};
    let e = AliyunClient::new(
        AliyunConfig::new(hostile.clone()),
        AccessKey {
            id: "LTAI5tExampleKeyId0000".into(),
            secret: tilink::secret::Secret::new("s"),
            security_token: None,
        },
    )
    .expect_err("refused");
    assert!(matches!(e, AliyunError::InvalidRegion(_)), "{e:?}");
    let e: tilink::engine::Error = e.into();
    assert_eq!(e.kind(), tilink::engine::Kind::Input);
}

/// #6: a setup whose server group was deleted behind its back (after the backend was added)
/// recovers on rerun: the new group's backend add carries its own ClientToken, not the old
/// group's (which the cloud answers with IdempotenceSignatureMismatch forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_group_deleted_behind_its_back_does_not_stick_the_setup() {
    let w = common::world().await;
    let args = [
        "setup",
        "--non-interactive",
        "--yes",
        "--cluster-id",
        &w.m.cluster_id,
        "--rds-instance",
        &w.m.rds_instance_id,
        "-o",
        "json",
    ];
    let out = w
        .bin()
        .env("TILINK_CRASH_AFTER", "AddServersToServerGroup")
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the crash point fired");
    // Someone deletes the group (the journal still names it).
    let s = w.state().await;
    let sg = s["server_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["Tags"].to_string().contains("tilink:setup-id"))
        .and_then(|g| g["ServerGroupId"].as_str())
        .expect("the crashed run's group")
        .to_string();
    let a = w.clients().aliyun;
    for _ in 0..200 {
        match a.delete_server_group(&sg).await {
            Ok(_) => break,
            Err(e) if e.is_busy() => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            Err(e) => panic!("{e}"),
        }
    }
    for _ in 0..200 {
        if a.list_server_groups(std::slice::from_ref(&sg), &[])
            .await
            .unwrap()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let out = w.bin().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("IdempotenceSignatureMismatch"), "{err}");
    let s = w.state().await;
    assert_eq!(common::live(&s, "server_groups"), 1, "{s:#}");
}
