//! Doctor tells the truth: with any read of a healthy chain failing (after the clients'
//! retries), no check fails; the checks that read it are `unknown` (naming the call), the
//! others pass, and the exit code says "could not check everything" (4). Through the real
//! binary, in JSON and in text.

use crate::common;

use crate::common::World;
use serde_json::Value;
use std::collections::BTreeMap;

/// The checks each read feeds on a tilink-built chain (the RDS instance is found by the NLB's
/// tag, so the RDS reads do not depend on the backend lists).
const READS: &[(&str, &[&str])] = &[
    ("GetCallerIdentity", &["credentials"]),
    (
        "GetVpcEndpointServiceAttribute",
        &[
            "endpoint-service",
            "service-zones",
            "service-whitelist",
            "foreign-connections",
            "connection-state",
        ],
    ),
    ("ListVpcEndpointServiceUsers", &["service-whitelist"]),
    (
        "ListVpcEndpointConnections",
        &["foreign-connections", "connection-state"],
    ),
    (
        "GetLoadBalancerAttribute",
        &[
            "nlb-status",
            "zone-overlap",
            "listener",
            "server-group",
            "service-zones",
            "rds-allowlist",
            "rds-status",
            "rds-endpoint",
            "backend-ip",
        ],
    ),
    (
        "ListListeners",
        &["listener", "server-group", "backend-health", "backend-ip"],
    ),
    ("ListServerGroups", &["server-group"]),
    ("ListServerGroupServers", &["backend-ip", "server-group"]),
    ("GetListenerHealthStatus", &["backend-health"]),
    ("DescribeVSwitches", &["rds-allowlist"]),
    (
        "DescribeDBInstanceAttribute",
        &["rds-status", "rds-endpoint", "rds-allowlist", "backend-ip"],
    ),
    (
        "GET /v1beta1/clusters/{clusterId}/privateLinkConnections:getAvailabilityZones",
        &[
            "zone-overlap",
            "service-zones",
            "service-whitelist",
            "foreign-connections",
        ],
    ),
];

fn doctor(w: &World, json: bool) -> std::process::Output {
    let mut c = w.bin();
    c.args(["doctor", "--cluster-id", &w.m.cluster_id, "--no-color"]);
    if json {
        c.args(["-o", "json"]);
    }
    c.output().expect("tilink runs")
}

fn statuses(v: &Value) -> BTreeMap<String, String> {
    v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_failed_read_makes_a_healthy_link_fail() {
    let (w, _) = common::world_with_chain().await;

    let out = doctor(&w, true);
    let healthy: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(out.status.code(), Some(0), "{healthy}");
    let baseline = statuses(&healthy);
    assert!(
        baseline
            .values()
            .all(|s| s == "pass" || s == "warn" || s == "skip"),
        "{baseline:?}"
    );

    for (read, dependents) in READS {
        w.admin("faults", serde_json::json!({"clear": true})).await;
        w.admin(
            "faults",
            serde_json::json!({"action": read, "code": "ServiceUnavailable"}),
        )
        .await;
        let before = w.stats().await["calls"][read].as_u64().unwrap_or(0);
        let out = doctor(&w, true);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{read}: no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let got = statuses(&v);
        for (id, status) in &got {
            assert_ne!(status, "fail", "{read} failing made {id} fail: {v:#}");
            let want = if dependents.contains(&id.as_str()) {
                "unknown"
            } else {
                &baseline[id]
            };
            assert_eq!(status, want, "{read}: {id} is {status}, want {want}: {v:#}");
        }
        let unknown = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["status"] == "unknown")
            .unwrap();
        assert!(
            unknown["detail"]
                .as_str()
                .unwrap()
                .contains("could not look")
                && unknown["fix"].is_string(),
            "{unknown}"
        );
        assert_eq!(out.status.code(), Some(4), "{read}: exit code, {v}");
        assert_eq!(v["exit_code"], 4);
        // The clients retried before declaring the link unknown.
        let after = w.stats().await["calls"][read].as_u64().unwrap_or(0);
        assert!(
            after - before >= 2,
            "{read}: {} attempt(s) only",
            after - before
        );
    }

    // Text: the same truth, readable.
    w.admin("faults", serde_json::json!({"clear": true})).await;
    w.admin(
        "faults",
        serde_json::json!({"action": "ListListeners", "code": "ServiceUnavailable"}),
    )
    .await;
    let out = doctor(&w, false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(!text.contains("[FAIL]"), "{text}");
    assert!(text.contains("[UNKNOWN] listener"), "{text}");
    assert!(text.contains("ListListeners failed"), "{text}");
    assert!(text.contains("NOT FULLY CHECKED"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_refused_signatures_on_reads_are_unknown_and_credentials_are_exact() {
    let (w, _) = common::world_with_chain().await;

    // Throttled identity call: the credentials are not "refused".
    w.admin(
        "faults",
        serde_json::json!({"action": "GetCallerIdentity", "code": "Throttling.User"}),
    )
    .await;
    let out = doctor(&w, true);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(statuses(&v)["credentials"], "unknown", "{v:#}");
    assert_eq!(out.status.code(), Some(4));

    // A refused signature on one read is about the look, not the link.
    w.admin("faults", serde_json::json!({"clear": true})).await;
    w.admin(
        "faults",
        serde_json::json!({"action": "ListListeners", "code": "SignatureDoesNotMatch"}),
    )
    .await;
    let out = doctor(&w, true);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(statuses(&v)["listener"], "unknown", "{v:#}");
    let fix = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "listener")
        .unwrap()["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fix.contains("access key"), "{fix}");

    // A refused identity: credentials fail, exit 3.
    w.admin("faults", serde_json::json!({"clear": true})).await;
    w.admin(
        "faults",
        serde_json::json!({"action": "GetCallerIdentity", "code": "InvalidAccessKeyId.NotFound"}),
    )
    .await;
    let out = doctor(&w, true);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(statuses(&v)["credentials"], "fail", "{v:#}");
    assert_eq!(out.status.code(), Some(3), "{v:#}");

    // The cluster's PLC list failing is "could not look" (4), not broken.
    w.admin("faults", serde_json::json!({"clear": true})).await;
    w.admin("faults", serde_json::json!({"action": "GET /v1beta1/clusters/{clusterId}/privateLinkConnections", "code": "ServiceUnavailable"})).await;
    let out = doctor(&w, false);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not look"));
}

/// Breaks a healthy chain in several ways: the first failure in the report is the root cause,
/// symptoms name it (`caused_by`) and come after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_failure_is_the_root_cause() {
    use tilink::engine::check::Status;
    use tilink::engine::doctor::{Start, checks::root_cause, examine, facts::plcs};
    let (w, _) = common::world_with_chain().await;
    let c = w.clients();
    let list = c.tidb.list_plcs(&w.m.cluster_id).await.unwrap();
    let start = Start::Plc {
        cluster_id: w.m.cluster_id.clone(),
        plc: plcs(&list).remove(0),
        all: Some(plcs(&list)),
    };
    let check = |want_root: &'static str| {
        let (c, start) = (c.clone(), start.clone());
        async move {
            let (_, r) = examine(&c, &start).await;
            let failing: Vec<_> = r
                .checks
                .iter()
                .filter(|c| c.status == Status::Fail)
                .collect();
            assert!(!failing.is_empty(), "nothing failed");
            assert_eq!(failing[0].id, want_root, "first failure: {:#?}", failing);
            assert_eq!(
                root_cause(&r.checks).map(|c| c.id.as_str()),
                Some(want_root)
            );
            for f in &failing[1..] {
                if tilink::engine::doctor::checks::depends_on(f.id)
                    .iter()
                    .any(|d| *d == want_root)
                {
                    assert_eq!(f.caused_by.map(|c| c.as_str()), Some(want_root), "{f:#?}");
                    assert!(
                        f.detail.contains(&format!("follows from {want_root}")),
                        "{f:#?}"
                    );
                }
            }
            failing.iter().map(|c| c.id.to_string()).collect::<Vec<_>>()
        }
    };

    w.admin(
        "inject",
        serde_json::json!({"kind": "rds-ip-change", "instance_id": w.m.rds_instance_id}),
    )
    .await;
    let failing = check("backend-ip").await;
    assert!(
        failing.contains(&"backend-health".to_string()) || failing.len() == 1,
        "{failing:?}"
    );

    w.admin("inject", serde_json::json!({"kind": "rds-status", "instance_id": w.m.rds_instance_id, "status": "Stopped"})).await;
    check("rds-status").await;
}

/// The issue's own repro: a wrong secret. Credentials fail with what exactly is wrong (exit
/// 3), no link is called broken, no string to sign is shown; an unknown cluster is bad input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_a_credentials_problem_not_a_broken_chain() {
    let (w, _) = common::world_with_chain().await;
    let out = w
        .bin()
        .env(
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "not-the-secret-at-all-000000000",
        )
        .args(["doctor", "--cluster-id", &w.m.cluster_id, "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(out.status.code(), Some(3), "{v:#}");
    let all = v.to_string();
    assert!(!all.contains("string to sign is"), "{all}");
    let cred = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "credentials")
        .unwrap();
    assert_eq!(cred["status"], "fail");
    let key: String = w.m.alibaba_access_key_id.chars().take(8).collect();
    assert!(
        cred["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("the secret does not match access key {key}…")),
        "{cred}"
    );
    for c in v["checks"].as_array().unwrap() {
        if c["id"] != "credentials" {
            assert_ne!(c["status"], "fail", "{c}");
        }
    }

    let out = w.run(["doctor", "--cluster-id", "1234567890123456789"]);
    let err = common::expect_exit(&out, 2);
    assert!(err.contains("no such cluster"), "{err}");
}

/// `tilink reconcile` after a zone migration: swaps the backend and exits 0, the re-check
/// waiting for the old backend's removal instead of calling it stale while it drains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_swaps_a_stale_backend_and_exits_healthy() {
    let (w, _) = common::world_with_chain().await;
    w.admin(
        "inject",
        serde_json::json!({"kind": "rds-ip-change", "instance_id": w.m.rds_instance_id}),
    )
    .await;
    let out = w.run(["reconcile", "--cluster-id", &w.m.cluster_id, "--no-color"]);
    let text = common::output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("healthy"), "{text}");
}
