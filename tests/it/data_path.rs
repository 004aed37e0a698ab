//! The data path, proven through the simulator's data plane: `tilink doctor --probe` logs in
//! to MySQL through the NLB on a healthy chain, and names the link for each break (an
//! allowlist that drops the NLB, a backend that is not the RDS address, a stopped
//! listener), in text and JSON. The password never appears in any output.

use crate::common;

use crate::common::World;
use serde_json::{Value, json};
use std::time::Duration;

struct Run {
    code: Option<i32>,
    json: Value,
    text: String,
}

fn doctor(w: &World, resolve: &str, user: &str, password: &str) -> Run {
    let base = |extra: &[&str]| {
        let mut c = w.bin();
        c.env("TILINK_MYSQL_PASSWORD", password)
            .args(["doctor", "--cluster-id", &w.m.cluster_id, "--probe"])
            .args(["--mysql-user", user, "--resolve", resolve])
            .args(extra)
            .stdin(std::process::Stdio::null());
        c.output().expect("tilink runs")
    };
    let j = base(&["-o", "json"]);
    let t = base(&[]);
    let all = format!(
        "{}{}{}{}",
        String::from_utf8_lossy(&j.stdout),
        String::from_utf8_lossy(&j.stderr),
        String::from_utf8_lossy(&t.stdout),
        String::from_utf8_lossy(&t.stderr)
    );
    assert!(!all.contains(password), "the MySQL password was printed");
    assert_eq!(
        j.status.code(),
        t.status.code(),
        "{}\n{}",
        String::from_utf8_lossy(&j.stdout),
        String::from_utf8_lossy(&t.stdout)
    );
    Run {
        code: j.status.code(),
        json: serde_json::from_slice(&j.stdout).expect("doctor -o json"),
        text: String::from_utf8_lossy(&t.stdout).into_owned(),
    }
}

fn data_path(r: &Run) -> &Value {
    r.json["chains"][0]["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|x| x["id"] == "data-path"))
        .expect("a data-path check")
}

fn root(r: &Run) -> &str {
    r.json["root_causes"][0].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_probe_passes_through_the_chain_and_names_each_broken_link() {
    let w = common::world().await;
    // This test's own allowlist writes would leave the instance settling for a moment
    // between the JSON and the text run; the data path is what is tested here.
    w.admin("behaviour", json!({"off": ["rds-settling"]})).await;
    let m = w.setup_active().await;
    let ids = m.journal.resources.clone();
    let lb = ids.load_balancer_id.clone().unwrap();
    let r = w.resolve_for(&lb).await;
    let (user, pw) = (w.m.rds_user.clone(), w.m.rds_password.clone());

    // Healthy: the server's greeting, the login and SELECT 1 through the NLB.
    let ok = doctor(&w, &r, &user, &pw);
    assert_eq!(ok.code, Some(0), "{}", ok.text);
    let dp = data_path(&ok);
    assert_eq!(dp["status"], "pass", "{dp}");
    assert_eq!(dp["evidence"]["server_version"], "8.0.36-tilink-sim");
    assert_eq!(dp["evidence"]["tls_offered"], false);
    assert!(dp["evidence"]["select_1_ms"].is_number(), "{dp}");
    assert!(
        ok.text.contains("[PASS] data-path")
            && ok.text.contains("MySQL 8.0.36-tilink-sim answered through"),
        "{}",
        ok.text
    );

    // Wrong credentials: the chain works, the login does not (credentials, not a broken link).
    let bad = doctor(&w, &r, &user, "not-the-password");
    let dp = data_path(&bad);
    assert_eq!(dp["status"], "warn", "{dp}");
    assert_eq!(dp["evidence"]["auth"]["error_code"], 1045);
    assert_eq!(bad.code, Some(0), "a refused login is not a broken chain");

    // 1. The allowlist no longer admits the NLB: silence, named as rds-allowlist.
    let a = w.clients().aliyun;
    let group = ids.allowlist_group.clone().unwrap();
    let ips = w.allowlist_ips(&group).await;
    a.modify_security_ips(&w.m.rds_instance_id, &group, &ips, "Delete")
        .await
        .unwrap();
    let broken = doctor(&w, &r, &user, &pw);
    assert_eq!(broken.code, Some(1));
    let dp = data_path(&broken);
    assert_eq!(dp["status"], "fail", "{dp}");
    assert_eq!(dp["evidence"]["greeting"], "none (silence)");
    assert!(
        dp["detail"].as_str().unwrap().contains("rds-allowlist"),
        "{dp}"
    );
    assert_eq!(dp["caused_by"], "rds-allowlist", "{dp}");
    assert_eq!(root(&broken), "rds-allowlist", "{}", broken.json);
    assert!(broken.text.contains("[FAIL] data-path"), "{}", broken.text);
    a.modify_security_ips(&w.m.rds_instance_id, &group, &ips, "Append")
        .await
        .unwrap();
    assert_eq!(data_path(&doctor(&w, &r, &user, &pw))["status"], "pass");

    // 2. The RDS address moves: the backend is stale, the NLB forwards to nothing.
    w.admin(
        "inject",
        json!({"kind": "rds-ip-change", "instance_id": w.m.rds_instance_id}),
    )
    .await;
    let broken = doctor(&w, &r, &user, &pw);
    assert_eq!(broken.code, Some(1));
    let dp = data_path(&broken);
    assert_eq!(dp["status"], "fail", "{dp}");
    assert_eq!(dp["evidence"]["greeting"], "none (closed)");
    assert!(
        dp["detail"].as_str().unwrap().contains("backend-ip"),
        "{dp}"
    );
    assert_eq!(root(&broken), "backend-ip", "{}", broken.json);
    let out = w.run(["doctor", "--cluster-id", &w.m.cluster_id, "--fix", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(data_path(&doctor(&w, &r, &user, &pw))["status"], "pass");

    // 3. Someone stops the listener: its port closes, the connection is refused.
    let lsn = ids.listener_id.clone().unwrap();
    w.admin(
        "inject",
        json!({"kind": "listener-stopped", "listener_id": lsn}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let broken = doctor(&w, &r, &user, &pw);
    assert_eq!(broken.code, Some(1));
    let dp = data_path(&broken);
    assert_eq!(dp["status"], "fail", "{dp}");
    assert_eq!(dp["evidence"]["connect"], "refused");
    assert!(
        dp["detail"].as_str().unwrap().contains("(listener)"),
        "{dp}"
    );
    assert_eq!(root(&broken), "listener", "{}", broken.json);
}

/// The NLB name of a real chain does not resolve outside its VPC: doctor says it could not
/// look and where to run the probe, and never calls the chain broken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_vpc_the_probe_could_not_look_and_says_where_to_run_it() {
    let (w, _) = common::world_with_chain().await;
    let out = w
        .bin()
        .env("TILINK_MYSQL_PASSWORD", &w.m.rds_password)
        .args(["doctor", "--cluster-id", &w.m.cluster_id, "--probe"])
        .args(["--mysql-user", &w.m.rds_user, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dp = v["chains"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "data-path")
        .unwrap()
        .clone();
    assert_eq!(dp["status"], "unknown", "{dp}");
    let fix = dp["fix"].as_str().unwrap();
    assert!(
        fix.contains("Run the probe on a host in VPC vpc-") && fix.contains("mysql -h nlb-"),
        "{fix}"
    );

    // Without the password anywhere and no terminal: a clear message, exit 2.
    let out = w
        .bin()
        .args(["doctor", "--cluster-id", &w.m.cluster_id, "--probe"])
        .args(["--mysql-user", &w.m.rds_user])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TILINK_MYSQL_PASSWORD"));
}

async fn data_address(w: &World) -> Option<String> {
    w.state().await["listeners"][0]["data_address"]
        .as_str()
        .map(String::from)
}

async fn wait_for(w: &World, want_some: bool) -> Option<String> {
    for _ in 0..200 {
        let a = data_address(w).await;
        if a.is_some() == want_some {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "the data plane never became {}",
        if want_some { "open" } else { "closed" }
    );
}

/// An NLB keeps its address when its listener stops and starts again; a stopped listener
/// ends the sessions that went through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_restart_keeps_the_port_and_a_stop_ends_open_sessions() {
    use tokio::io::AsyncReadExt;
    let (w, m) = common::world_with_chain().await;
    let lsn = m.journal.resources.listener_id.clone().unwrap();
    let before = wait_for(&w, true).await.unwrap();

    // A session that got its greeting stays open until the listener stops.
    let mut s = tokio::net::TcpStream::connect(&before).await.unwrap();
    let (_, greeting) = tilink::wire::mysql::read_packet(&mut s).await.unwrap();
    assert_eq!(greeting[0], 10, "a HandshakeV10 greeting");
    w.admin(
        "inject",
        json!({"kind": "listener-stopped", "listener_id": lsn}),
    )
    .await;
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf))
        .await
        .expect("the stopped listener ends the session")
        .unwrap_or(0);
    assert_eq!(n, 0, "the session was closed");
    wait_for(&w, false).await;
    assert!(
        tokio::net::TcpStream::connect(&before).await.is_err(),
        "the port is closed"
    );

    w.admin(
        "inject",
        json!({"kind": "listener-stopped", "listener_id": lsn, "stopped": false}),
    )
    .await;
    let after = wait_for(&w, true).await.unwrap();
    assert_eq!(after, before, "the same address after a restart");
}

/// An allowlist that admits one zone's NLB addresses but not the other's fails some
/// connections, as a two-zone NLB does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowlist_for_one_zone_fails_some_connections() {
    let (w, m) = common::world_with_chain().await;
    let addr: std::net::SocketAddr = wait_for(&w, true).await.unwrap().parse().unwrap();
    let a = w.clients().aliyun;
    let group = m.journal.resources.allowlist_group.clone().unwrap();
    let ips = w.allowlist_ips(&group).await;
    assert_eq!(ips.len(), 2, "{ips:?}");
    a.modify_security_ips(&w.m.rds_instance_id, &group, &ips[1..], "Delete")
        .await
        .unwrap();
    let t = tilink::wire::mysql::Timeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_millis(400),
    };
    let mut answered = 0;
    let mut silent = 0;
    for _ in 0..4 {
        let p =
            tilink::wire::mysql::probe(addr, &w.m.rds_user, w.m.rds_password.as_bytes(), t).await;
        match p.greeting {
            Some(Ok(_)) => answered += 1,
            Some(Err(tilink::wire::mysql::GreetingFailure::Silence)) => silent += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(
        answered > 0 && silent > 0,
        "answered {answered}, silent {silent}"
    );
}
