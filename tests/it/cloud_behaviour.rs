//! The cloud as real clients meet it (issue 24), met through the real binary: a server group
//! locked for 60 s, Gets that miss a fresh resource for 3 s, a delete that must not be
//! repeated, and a chain caught mid-modification. Every behaviour of the simulator is on
//! (its default) unless a test says otherwise; `docs/API-BEHAVIOUR.md` has each one's source.

use crate::common;

use crate::common::World;
use serde_json::{Value, json};

fn setup(w: &World) -> std::process::Output {
    w.setup_cmd(None)
        .args(["-o", "json"])
        .output()
        .expect("tilink runs")
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Asserts `n` live server groups, NLBs, listeners, endpoint services and connections (one
/// chain, or none after teardown); returns the simulator's state.
async fn chain_is(w: &World, n: usize) -> Value {
    let s = w.state().await;
    for key in common::CHAIN_KEYS.iter().chain(&["connections"]) {
        assert_eq!(common::live(&s, key), n, "{key}: {s:#}");
    }
    s
}

fn calls(stats: &Value, action: &str) -> u64 {
    stats["calls"][action].as_u64().unwrap_or(0)
}

/// Writes the simulator counted between two `/_sim/stats` snapshots.
fn writes_between(before: &Value, after: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    after["calls"]
        .as_object()
        .unwrap_or(&empty)
        .iter()
        .filter(|(a, n)| {
            let read = ["Describe", "List", "Get", "Check", "GET "]
                .iter()
                .any(|p| a.starts_with(p));
            !read && n.as_u64() > before["calls"][a.as_str()].as_u64().or(Some(0))
        })
        .map(|(a, _)| a.clone())
        .collect()
}

/// A server group locked for a minute (Terraform retries `Conflict.Lock` on backend calls for
/// 5 min) does not end the setup: tilink rides it out and says what the cloud answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60_second_lock_on_the_backend_add_is_ridden_out() {
    let w = common::world().await;
    w.admin(
        "faults",
        json!({"action": "AddServersToServerGroup", "code": "Conflict.Lock", "for_ms": 60_000}),
    )
    .await;
    let t0 = std::time::Instant::now();
    let out = setup(&w);
    let v = json_of(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{v:#} {stderr}");
    assert!(t0.elapsed().as_secs() >= 55, "the lock lasted a minute");
    let stats = w.stats().await;
    assert!(calls(&stats, "AddServersToServerGroup") > 8, "{stats:#}");
    assert!(
        stderr.contains("locked (Conflict.Lock)"),
        "the progress says what the cloud answered: {stderr}"
    );
    let s = w.state().await;
    assert_eq!(common::live(&s, "server_groups"), 1, "{s:#}");
}

/// Gets that do not see a just-created load balancer or endpoint service for 3 s are "not
/// yet", as in Terraform's waits, not the end of the setup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gets_that_miss_a_new_resource_for_3_seconds_are_waited_out() {
    let w = common::world().await;
    for (action, code) in [
        ("GetLoadBalancerAttribute", "ResourceNotFound.loadBalancer"),
        ("GetListenerAttribute", "ResourceNotFound.listener"),
        ("GetVpcEndpointServiceAttribute", "EndpointServiceNotFound"),
    ] {
        w.admin(
            "faults",
            json!({"action": action, "code": code, "for_ms": 3_000}),
        )
        .await;
    }
    let out = setup(&w);
    let v = json_of(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{v:#} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    chain_is(&w, 1).await;
}

/// Teardown asks for the endpoint service's deletion once (the call is asynchronous and
/// must not be repeated within a period), waits for the disabled connection to be
/// Disconnected, and leaves nothing behind; with RDS keeping one address per allowlist group
/// (an assumption, switched on here) it says what it left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_deletes_the_service_once_and_leaves_nothing() {
    let w = common::world().await;
    w.admin("behaviour", json!({"on": ["rds-keep-one-ip"]}))
        .await;
    let out = setup(&w);
    let v = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let setup_id = v["setup_id"].as_str().expect("setup_id").to_string();
    let group = format!("tilink_{}", setup_id.trim_start_matches("tl-"));
    let before = w.stats().await;
    let out = w.teardown_cmd(&setup_id).output().expect("tilink runs");
    let stderr =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let after = w.stats().await;
    assert_eq!(
        calls(&after, "DeleteVpcEndpointService") - calls(&before, "DeleteVpcEndpointService"),
        1,
        "one delete, then polling: {stderr}"
    );
    chain_is(&w, 0).await;
    assert_eq!(w.allowlist_ips(&group).await, ["127.0.0.1"]);
    assert!(stderr.contains("127.0.0.1"), "says what it left: {stderr}");
    // Tearing down what is already torn down is success (a rerun, or a run killed as it
    // finished), as `terraform destroy` on an empty state.
    let again = w.teardown_cmd(&setup_id).output().expect("tilink runs");
    let text = common::expect_exit(&again, 0);
    assert!(text.contains("nothing to tear down"), "{text}");
}

/// A teardown that finds the service already Deleting (an earlier run's call) does not ask
/// again: it waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_repeat_delete_is_not_repeated() {
    let w = common::world().await;
    let out = setup(&w);
    let v = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let setup_id = v["setup_id"].as_str().unwrap().to_string();
    // Every repeated delete is refused, as the usage notes allow.
    w.admin(
        "faults",
        json!({"action": "DeleteVpcEndpointService", "code": "EndpointServiceOperationDenied", "for_ms": 2_000}),
    )
    .await;
    let out = w.teardown_cmd(&setup_id).output().expect("tilink runs");
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{text}");
    let s = w.state().await;
    assert_eq!(common::live(&s, "endpoint_services"), 0, "{s:#}");
    assert_eq!(common::live(&s, "load_balancers"), 0, "{s:#}");
}

/// A chain caught while its load balancer, listener, service and connection are being
/// modified is not broken: doctor says "changing" (exit 4, never 1), and `--fix` writes
/// nothing to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_being_modified_is_changing_not_broken() {
    let w = common::world().await;
    let out = setup(&w);
    let v = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let r = &v["resources"];
    let (lb, lsn, svc, ep) = (
        r["load_balancer_id"].as_str().unwrap(),
        r["listener_id"].as_str().unwrap(),
        r["endpoint_service_id"].as_str().unwrap(),
        r["endpoint_id"].as_str().unwrap(),
    );
    for (kind, id) in [
        ("lb-configuring", lb),
        ("listener-configuring", lsn),
        ("service-pending", svc),
        ("connection-pending", ep),
    ] {
        w.admin("inject", json!({"kind": kind, "id": id, "for_ms": 120_000}))
            .await;
    }
    let doctor = |fix: bool| {
        let mut c = w.bin();
        c.args(["doctor", "--cluster-id", &w.m.cluster_id, "-o", "json"]);
        if fix {
            c.args(["--fix", "--yes"]);
        }
        c.output().expect("tilink runs")
    };
    let out = doctor(false);
    let d = json_of(&out);
    assert_eq!(out.status.code(), Some(4), "{d:#}");
    let checks = d["reports"][0]["checks"]
        .as_array()
        .or_else(|| d["checks"].as_array())
        .cloned()
        .unwrap_or_else(|| panic!("checks in {d:#}"));
    let status = |id: &str| {
        checks
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    assert!(
        checks.iter().all(|c| c["status"] != "fail"),
        "nothing fails: {d:#}"
    );
    for id in [
        "nlb-status",
        "listener",
        "endpoint-service",
        "connection-state",
    ] {
        assert_eq!(status(id), "changing", "{id}: {d:#}");
    }
    let before = w.stats().await;
    let out = doctor(true);
    let after = w.stats().await;
    assert_ne!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        writes_between(&before, &after),
        Vec::<String>::new(),
        "--fix wrote to a changing chain"
    );
}

/// The whole life cycle with every behaviour on (the assumptions included) and 50 ms on
/// every call: setup, doctor, a fix, reconcile, export and teardown each succeed, with one
/// of each resource while the chain lives and nothing but the loopback-only allowlist group
/// after teardown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_life_cycle_holds_with_every_behaviour_on() {
    let w = common::world_with(tilink::sim::SimOptions {
        time_scale: 0.01,
        latency_ms: 50,
        ..tilink::sim::SimOptions::default()
    })
    .await;
    w.admin("behaviour", json!({"on": ["all"]})).await;
    let out = setup(&w);
    let v = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    chain_is(&w, 1).await;
    let cluster = w.m.cluster_id.clone();
    let run = |args: &[&str]| w.bin().args(args).output().expect("tilink runs");
    // Doctor: healthy once nothing is settling (an exit of 4 would say "look again").
    let healthy = || {
        (0..20).any(|_| {
            let o = run(&["doctor", "--cluster-id", &cluster]);
            if o.status.code() == Some(0) {
                return true;
            }
            assert_ne!(
                o.status.code(),
                Some(1),
                "{}",
                String::from_utf8_lossy(&o.stdout)
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
            false
        })
    };
    assert!(healthy(), "doctor never said healthy");
    // Someone removes TiDB Cloud's account from the whitelist; --fix puts it back.
    let svc = v["resources"]["endpoint_service_id"].as_str().unwrap();
    w.clients()
        .aliyun
        .remove_user(svc, &w.m.tidb_account_id)
        .await
        .unwrap();
    let o = run(&["doctor", "--cluster-id", &cluster, "--fix", "--yes"]);
    assert_ne!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(healthy(), "the fix did not heal the chain");
    let o = run(&["reconcile", "--cluster-id", &cluster]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let setup_id = v["setup_id"].as_str().unwrap();
    let o = run(&[
        "export",
        "terraform",
        "--cluster-id",
        &cluster,
        "--setup",
        setup_id,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains(svc));
    let o = run(&[
        "teardown",
        "--cluster-id",
        &cluster,
        "--setup",
        setup_id,
        "--yes",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = chain_is(&w, 0).await;
    let plcs = s["private_link_connections"].as_array().unwrap();
    assert!(plcs.is_empty(), "{plcs:#?}");
}

/// A real break on a link that is also being modified: doctor still calls it broken, and
/// `--fix` holds the fix back *saying so* (which link it waits for), instead of doing nothing
/// silently. A stale backend is swapped even while the load balancer is being modified (the
/// swap writes to the server group only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_held_back_by_a_changing_link_says_so() {
    let w = common::world().await;
    let out = setup(&w);
    let v = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let r = &v["resources"];
    let (lb, svc) = (
        r["load_balancer_id"].as_str().unwrap(),
        r["endpoint_service_id"].as_str().unwrap(),
    );
    w.clients()
        .aliyun
        .remove_user(svc, &w.m.tidb_account_id)
        .await
        .unwrap();
    w.admin(
        "inject",
        json!({"kind": "service-pending", "id": svc, "for_ms": 120_000}),
    )
    .await;
    let out = w.run(["doctor", "--cluster-id", &w.m.cluster_id, "-o", "json"]);
    let d = json_of(&out);
    assert_eq!(out.status.code(), Some(1), "{d:#}");
    let wl = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "service-whitelist")
        .unwrap();
    assert_eq!(wl["status"], "fail", "{wl:#}");
    let fix = wl["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("held back") && fix.contains("endpoint-service"),
        "{fix}"
    );
    assert_eq!(d["changing"], 1, "{d:#}");

    // A stale backend while the NLB is being modified: reconcile swaps it.
    w.admin(
        "inject",
        json!({"kind": "service-pending", "id": svc, "for_ms": 0}),
    )
    .await;
    w.clients()
        .aliyun
        .add_user(svc, &w.m.tidb_account_id)
        .await
        .unwrap();
    w.admin(
        "inject",
        json!({"kind": "rds-ip-change", "instance_id": w.m.rds_instance_id}),
    )
    .await;
    w.admin(
        "inject",
        json!({"kind": "lb-configuring", "id": lb, "for_ms": 120_000}),
    )
    .await;
    let out = w.run(["reconcile", "--cluster-id", &w.m.cluster_id]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("fix for backend-ip"), "{text}");
    assert_ne!(out.status.code(), Some(1), "{text}");
}
