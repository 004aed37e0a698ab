//! Several PLCs on one tilink service (issue 15, item 1): what two setups racing without a
//! lock used to leave. Doctor names it as its own check (`several-plcs`) and does not blame
//! TiDB Cloud's own endpoints as foreign; `doctor --fix` keeps one; teardown removes them
//! all, and a service that something else still holds ends teardown at once with what holds
//! it, instead of a loop of thousands of calls.

use crate::common::{self, World, live, world};
use serde_json::Value;

fn run(w: &World, args: &[&str]) -> std::process::Output {
    w.bin().args(args).output().unwrap()
}

/// A setup through the binary (journal in the world's state dir), then a second PLC on the
/// same service, made the way a racing run made it, up to its pending connection request.
async fn chain_with_two_plcs(w: &World) -> (String, String) {
    let out = run(w, &w.setup_argv(&["--non-interactive", "--yes"]));
    common::assert_ok(&out);
    let state = w.state().await;
    let service = state["endpoint_services"][0]["ServiceName"]
        .as_str()
        .expect("service name")
        .to_string();
    let first = state["private_link_connections"][0]["privateLinkConnectionId"]
        .as_str()
        .expect("plc id")
        .to_string();
    let tidb = w.clients().tidb;
    let extra = tidb
        .create_plc(&w.m.cluster_id, "rds-duplicate", &service)
        .await
        .expect("second PLC")
        .private_link_connection_id;
    for _ in 0..200 {
        let p = tidb.get_plc(&w.m.cluster_id, &extra).await.unwrap();
        let has_endpoint = p
            .alicloud_endpoint_service
            .as_ref()
            .is_some_and(|s| !s.endpoint_id.is_empty());
        if p.state == "PENDING_ACCEPTANCE" && has_endpoint {
            return (first, extra);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the second PLC never asked for a connection");
}

fn checks<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_several_plcs_and_fix_keeps_one() {
    let w = world().await;
    let (first, extra) = chain_with_two_plcs(&w).await;
    let out = run(
        &w,
        &["doctor", "--cluster-id", &w.m.cluster_id, "-o", "json"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let reports: Vec<&Value> = v["chains"].as_array().expect("chains").iter().collect();
    assert_eq!(reports.len(), 2, "one report per PLC: {stdout}");
    for r in &reports {
        let c = checks(r, "several-plcs");
        assert_eq!(c["status"], "warn", "{c}");
        let fix = c["fix"].as_str().unwrap_or_default();
        assert!(
            fix.contains(&format!("Keep {first}")) && fix.contains(&extra),
            "both walks keep the ACTIVE one: {fix}"
        );
    }
    // TiDB Cloud's endpoint of the second PLC is not a stranger's.
    let keeper = reports
        .iter()
        .find(|r| r.to_string().contains(&format!("\"{first}\"")))
        .unwrap();
    assert_eq!(checks(keeper, "foreign-connections")["status"], "pass");
    // The extra PLC is to be removed, not accepted.
    for r in &reports {
        for fix in r["fixes"].as_array().unwrap() {
            assert_ne!(fix["fix"], "accept", "{fix}");
        }
    }

    let fixed = run(
        &w,
        &["doctor", "--cluster-id", &w.m.cluster_id, "--fix", "--yes"],
    );
    let err = String::from_utf8_lossy(&fixed.stderr);
    let text = format!("{}{err}", String::from_utf8_lossy(&fixed.stdout));
    assert!(
        text.contains(&extra),
        "the fix names what it deletes: {text}"
    );
    let state = w.state().await;
    let plcs = state["private_link_connections"].as_array().unwrap();
    assert_eq!(plcs.len(), 1, "{plcs:?}");
    assert!(plcs[0].to_string().contains(&first));
    let again = run(
        &w,
        &["doctor", "--cluster-id", &w.m.cluster_id, "-o", "json"],
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_removes_every_plc_on_its_service() {
    let w = world().await;
    chain_with_two_plcs(&w).await;
    let before = w.stats().await;
    let out = run(&w, &["teardown", "--yes", "--cluster-id", &w.m.cluster_id]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let state = w.state().await;
    assert_eq!(
        state["private_link_connections"].as_array().unwrap().len(),
        0
    );
    common::assert_chain_live(&state, 0, "after teardown");
    let calls = calls(&w.stats().await) - calls(&before);
    assert!(calls < 300, "teardown took {calls} calls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_refuses_before_deleting_anything_naming_what_holds_the_service() {
    let w = world().await;
    chain_with_two_plcs(&w).await;
    let state = w.state().await;
    let svc = state["endpoint_services"][0]["ServiceId"]
        .as_str()
        .unwrap()
        .to_string();
    w.admin(
        "inject",
        serde_json::json!({"kind": "foreign-connection", "service_id": svc, "owner_id": 1234567890123456u64}),
    )
    .await;
    let before = w.stats().await;
    let t0 = std::time::Instant::now();
    let out = run(&w, &["teardown", "--yes", "--cluster-id", &w.m.cluster_id]);
    let err = common::expect_exit(&out, 1);
    assert!(
        err.contains("Teardown deleted nothing") && err.contains("1234567890123456"),
        "{err}"
    );
    assert!(t0.elapsed() < std::time::Duration::from_secs(60));
    let calls = calls(&w.stats().await) - calls(&before);
    assert!(calls < 300, "teardown took {calls} calls");
    let state = w.state().await;
    // Nothing was deleted: the PLCs keep working (before, they were deleted and the rest
    // kept, leaving a broken link and a billing NLB).
    assert_eq!(
        state["private_link_connections"].as_array().unwrap().len(),
        2
    );
    assert_eq!(live(&state, "load_balancers"), 1, "the rest is kept");
}

fn calls(stats: &Value) -> u64 {
    stats["total_calls"].as_u64().expect("total_calls")
}
