//! Reliability and security, round 3 (issue 25): attacks that failed before, each through the
//! real binary or the public client API, on loopback only.

use crate::common;

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
        let err = common::expect_exit(&out, 2);
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
    let out = w
        .setup_cmd(None)
        .env("TILINK_CRASH_AFTER", "AddServersToServerGroup")
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
    let out = w.setup_cmd(None).output().unwrap();
    let err = common::expect_exit(&out, 0);
    assert!(!err.contains("IdempotenceSignatureMismatch"), "{err}");
    let s = w.state().await;
    assert_eq!(common::live(&s, "server_groups"), 1, "{s:#}");
}

fn setup_args(w: &common::World) -> Vec<String> {
    let c = w.setup_cmd(None);
    c.get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .chain(["-o".to_string(), "json".to_string()])
        .collect()
}

/// #7: a tampered journal that names another setup's PLC (and a service that does not
/// exist) deletes nothing: only a PLC whose service, per TiDB Cloud, is an existing endpoint
/// service tagged with the setup id is this setup's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_journal_never_deletes_another_setups_plc() {
    let w = common::world().await;
    let out = w.bin().args(setup_args(&w)).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let plc = v["resources"]["private_link_connection_id"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = w.dir.path().join("state").join("setups");
    let real = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("the journal");
    let mut j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    let fake = "tl-0000000fa4e0";
    j["setup_id"] = fake.into();
    let r = j["resources"].as_object_mut().unwrap();
    r.insert(
        "endpoint_service_id".into(),
        "epsrv-doesnotexist000000".into(),
    );
    for k in [
        "server_group_id",
        "load_balancer_id",
        "listener_id",
        "allowlist_group",
    ] {
        r.insert(k.into(), serde_json::Value::Null);
    }
    std::fs::write(dir.join(format!("{fake}.json")), j.to_string()).unwrap();
    let out = w.teardown_cmd(fake).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    let s = w.state().await;
    let plcs = s["private_link_connections"].to_string();
    assert!(plcs.contains(&plc), "the PLC was deleted: {err}");
    assert!(err.contains("cannot prove"), "{err}");
}

/// #11: inputs are checked before the first write: a PLC name TiDB Cloud would refuse, an
/// RDS id that is not one, a simulator on a public address, a log file that is a symlink.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_are_refused_before_anything_exists() {
    let w = common::world().await;
    let mut args = setup_args(&w);
    args.extend(["--name".to_string(), "n".repeat(65)]);
    let out = w.run(&args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut args = setup_args(&w);
    let i = args.iter().position(|a| a == "--rds-instance").unwrap();
    args[i + 1] = "rm-1/../x".into();
    let out = w.run(&args);
    assert_eq!(out.status.code(), Some(2));
    let s = w.state().await;
    for key in ["server_groups", "load_balancers", "endpoint_services"] {
        assert_eq!(common::live(&s, key), 0, "{key}: {s:#}");
    }
    let calls = w.stats().await["total_calls"].as_u64().unwrap_or(0);
    assert_eq!(calls, 0, "a refused input made calls");

    let out = w.run(["sim", "--listen", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen-any"));

    let target = w.dir.path().join("elsewhere");
    std::fs::write(&target, "").unwrap();
    let link = w.dir.path().join("tilink.log");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = w
        .bin()
        .env("TILINK_LOG", "debug")
        .args(["--log-file", link.to_str().unwrap(), "policy"])
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(0),
        "a symlinked log file was followed"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
    use std::os::unix::fs::PermissionsExt;
    let open = w.dir.path().join("open.log");
    std::fs::write(&open, "").unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = w.run(["--log-file", open.to_str().unwrap(), "policy"]);
    assert_eq!(out.status.code(), Some(0));
    let mode = std::fs::metadata(&open).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the log file keeps a readable mode");
}

/// #2 and #3: a run whose journal already names a server group (an earlier run crashed,
/// failed or stood down) re-claims before its first billed create, with the time of *this*
/// claim: an old journal and an old claim tag no longer make two runs each think the other
/// is an abandoned leftover (both used to build: two chains).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_journal_rerun_beside_a_new_run_builds_one_chain() {
    let w = common::world().await;
    let homes: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let run = |home: &std::path::Path| w.setup_cmd(Some(home));
    // HOME A: a run that died after its server group got its backend.
    let out = run(homes[0].path())
        .env("TILINK_CRASH_AFTER", "AddServersToServerGroup")
        .output()
        .unwrap();
    assert!(!out.status.success());
    // Make it stale: the journal and the group's claim two hours old.
    let dir = homes[0].path().join("state").join("setups");
    let old = common::backdate_journals(&dir);
    let s = w.state().await;
    let sg = s["server_groups"][0]["ServerGroupId"]
        .as_str()
        .unwrap()
        .to_string();
    w.clients()
        .aliyun
        .nlb_tag_resources(
            "servergroup",
            std::slice::from_ref(&sg),
            &[("tilink:claimed-at".to_string(), old.clone())],
        )
        .await
        .unwrap();
    // A reruns while B (another machine) starts fresh.
    let a = run(homes[0].path()).spawn().unwrap();
    let b = run(homes[1].path()).spawn().unwrap();
    let outs = common::outputs(vec![a, b]).await;
    let errs = common::stderrs(&outs);
    let s = w.state().await;
    assert_eq!(common::live(&s, "load_balancers"), 1, "{errs:#?}");
    assert_eq!(common::live(&s, "endpoint_services"), 1, "{errs:#?}");
    assert!(outs.iter().any(|o| o.status.success()), "{errs:#?}");
}

/// The server groups of this world's cluster, with their tags (`key=value`).
async fn groups_with_tags(w: &common::World) -> Vec<(String, Vec<(String, String)>)> {
    let by_cluster = [("tilink:cluster".to_string(), w.m.cluster_id.clone())];
    w.clients()
        .aliyun
        .list_server_groups(&[], &by_cluster)
        .await
        .unwrap()
        .into_iter()
        .map(|g| {
            let tags = g.tags.into_iter().map(|t| (t.key, t.value)).collect();
            (g.server_group_id, tags)
        })
        .collect()
}

/// #5: `kill -9` a setup right after its server group exists. Another machine's setup yields
/// to the live-looking claim and says when it lapses; once the claim is older than the
/// window by the cloud's clock (back-dated here: four minutes without a heartbeat), a rerun
/// builds the chain, and the dead run's own rerun then yields to it: one chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_claimant_blocks_for_minutes_and_its_rerun_yields() {
    let w = common::world_at(0.01).await;
    let homes: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let dead = w
        .setup_cmd(Some(homes[0].path()))
        .env("TILINK_CRASH_AFTER", "CreateServerGroup")
        .output()
        .unwrap();
    assert!(!dead.status.success(), "the crash point did not fire");
    let groups = groups_with_tags(&w).await;
    assert_eq!(groups.len(), 1, "{groups:?}");
    let (dead_group, tags) = groups[0].clone();
    let claimed = tags
        .iter()
        .find(|(k, _)| k == "tilink:claimed-at")
        .map(|(_, v)| v.clone())
        .expect("the claim is tagged");
    // The claim is the cloud's time (the simulator's Date), within seconds of now.
    let t = humantime::parse_rfc3339(&claimed).unwrap();
    let skew = std::time::SystemTime::now()
        .duration_since(t)
        .unwrap_or_default();
    assert!(skew < std::time::Duration::from_secs(30), "{claimed}");

    // Another machine starts: it yields to the live-looking claim (saying when it lapses),
    // or, when its own claim sorts first, waits for the rival to build, stand down or lapse.
    let b = w.setup_cmd(Some(homes[1].path())).spawn().unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(common::live(&w.state().await, "load_balancers"), 0);
    // Four minutes pass without a heartbeat (the dead run cannot beat).
    let old = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(240),
    )
    .to_string();
    w.clients()
        .aliyun
        .nlb_tag_resources(
            "servergroup",
            std::slice::from_ref(&dead_group),
            &[("tilink:claimed-at".to_string(), old)],
        )
        .await
        .unwrap();
    let b = tokio::task::spawn_blocking(move || b.wait_with_output().unwrap())
        .await
        .unwrap();
    if !b.status.success() {
        let err = String::from_utf8_lossy(&b.stderr);
        assert!(err.contains("lapses at"), "the yield says when: {err}");
        let b = w.setup_cmd(Some(homes[1].path())).output().unwrap();
        common::assert_ok(&b);
    }
    // The dead run's HOME reruns (its journal names its group): it re-claims and yields.
    let a = w.setup_cmd(Some(homes[0].path())).output().unwrap();
    let err = String::from_utf8_lossy(&a.stderr);
    common::assert_chain_live(&w.state().await, 1, &err);
    assert!(
        groups_with_tags(&w)
            .await
            .iter()
            .all(|(id, _)| *id != dead_group),
        "the rerun removed the dead run's group: {err}"
    );
}

/// A live run whose load balancer is slow to become Active (a minute at the real pace)
/// refreshes its claim's heartbeat, so another machine never takes it for dead (the window
/// counts from the last beat).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_claim_beats_until_its_load_balancer_exists() {
    let w = common::world_at(1.0).await;
    let home = tempfile::tempdir().unwrap();
    let mut run = w.setup_cmd(Some(home.path())).spawn().unwrap();
    let mut beat = None;
    for _ in 0..90 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let groups = groups_with_tags(&w).await;
        beat = groups.iter().find_map(|(_, tags)| {
            tags.iter()
                .find(|(k, _)| k == "tilink:alive-at")
                .map(|(_, v)| v.clone())
        });
        if beat.is_some() {
            break;
        }
    }
    let _ = run.kill();
    let _ = run.wait();
    let beat = beat.expect("no heartbeat within 90 s");
    assert!(humantime::parse_rfc3339(&beat).is_ok(), "{beat}");
}
