//! Issue 26: doctor and teardown see what runs through the chain (changefeeds and DM
//! tasks), through the real binary against the simulator.

use crate::common;

use crate::common::World;

/// A chain built through the library; returns its PLC id and setup id.
async fn chain(w: &World) -> (String, String) {
    let m = w.setup_active().await;
    let plc = common::plc_id(&m);
    (plc, m.journal.setup_id.clone())
}

/// `tilink teardown --setup SETUP --yes` with `extra`, stdin closed.
fn teardown(w: &World, setup: &str, extra: &[&str]) -> std::process::Output {
    w.teardown_cmd(setup)
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn doctor(w: &World) -> (i32, String, String) {
    let o = w
        .bin()
        .args(["doctor", "--cluster-id", &w.m.cluster_id])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A FAILED changefeed on a healthy chain: doctor exits non-zero, names the changefeed and
/// says the link is fine; with tilink's allowlist group emptied, it follows from
/// `rds-allowlist`. Today (before issue 26) doctor said "healthy", exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_changefeed_is_named_and_placed() {
    let w = common::world().await;
    let (plc, setup) = chain(&w).await;
    let (code, out, err) = doctor(&w);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("--probe"),
        "healthy says what it did not test: {out}"
    );
    w.admin(
        "inject",
        serde_json::json!({"kind": "changefeed", "cluster_id": w.m.cluster_id, "plc_id": plc,
                           "name": "cf-orders", "state": "RUNNING_FAILED"}),
    )
    .await;
    let (code, out, err) = doctor(&w);
    assert_ne!(code, 0, "{out}{err}");
    assert!(out.contains("cf-orders"), "{out}");
    assert!(out.contains("LINK OK"), "{out}");
    assert!(out.contains("connection is fine"), "{out}");
    assert!(
        out.contains("ticloud serverless changefeed describe"),
        "{out}"
    );

    // Break the allowlist: the changefeed now follows from it.
    let ids = w.store().load(&setup).unwrap().resources;
    let group = ids.allowlist_group.clone().unwrap();
    let ips = w.allowlist_ips(&group).await;
    w.clients()
        .aliyun
        .modify_security_ips(&w.m.rds_instance_id, &group, &ips, "Delete")
        .await
        .unwrap();
    let o = w.run(["doctor", "--cluster-id", &w.m.cluster_id, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    let checks = v["chains"][0]["checks"]
        .as_array()
        .or_else(|| v["checks"].as_array())
        .unwrap_or_else(|| panic!("{v:#}"));
    let dep = checks.iter().find(|c| c["id"] == "dependents").unwrap();
    assert_eq!(dep["status"], "fail", "{dep:#}");
    assert_eq!(dep["caused_by"], "rds-allowlist", "{dep:#}");
}

/// A RUNNING DM task on the PLC: teardown names it, and `--yes` alone does not delete; with
/// `--force-with-dependents` it does. Before issue 26 teardown said DM tasks could not be
/// listed and deleted the connection under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_dm_task_stops_a_plain_yes_teardown() {
    let w = common::world().await;
    let (plc, setup) = chain(&w).await;
    w.admin(
        "inject",
        serde_json::json!({"kind": "migration", "cluster_id": w.m.cluster_id, "plc_id": plc,
                           "name": "rds-orders", "state": "RUNNING"}),
    )
    .await;
    let o = teardown(&w, &setup, &[]);
    let err = common::expect_exit(&o, 2);
    assert!(err.contains("rds-orders"), "{err}");
    assert!(err.contains("--force-with-dependents"), "{err}");
    assert!(!err.contains("not listed by the API"), "{err}");
    let s = w.state().await;
    assert_eq!(common::live(&s, "load_balancers"), 1, "nothing was deleted");

    let o = teardown(&w, &setup, &["--force-with-dependents"]);
    common::assert_ok(&o);
    assert_eq!(common::live(&w.state().await, "load_balancers"), 0);
}

/// A failed DM task does not hold teardown back (nothing runs through the connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_dm_task_is_listed_but_does_not_block() {
    let w = common::world().await;
    let (plc, setup) = chain(&w).await;
    w.admin(
        "inject",
        serde_json::json!({"kind": "migration", "cluster_id": w.m.cluster_id, "plc_id": plc,
                           "name": "old-import", "state": "FAILED", "error": "binlog purged"}),
    )
    .await;
    let (code, out, _) = doctor(&w);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("binlog purged"), "{out}");
    let o = teardown(&w, &setup, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("old-import"), "{err}");
}

/// Issue 26 #3: `doctor --endpoint-service epsrv-… --region …` on a healthy chain with a
/// stranger's unaccepted request: TiDB Cloud's endpoint is never called foreign and never
/// to be disabled; the stranger gets a warning, exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_service_side_tidbs_endpoint_is_never_foreign() {
    let w = common::world().await;
    let (_, setup) = chain(&w).await;
    let ids = w.store().load(&setup).unwrap().resources;
    let svc = ids.endpoint_service_id.clone().unwrap();
    w.admin(
        "inject",
        serde_json::json!({"kind": "foreign-connection", "service_id": svc}),
    )
    .await;
    let region = w.state().await["region"].as_str().unwrap().to_string();
    let o = w
        .bin()
        .args(["doctor", "--endpoint-service", &svc, "--region", &region])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let tidb_ep = ids.endpoint_id.clone().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.contains("BROKEN"), "{out}");
    let foreign = out
        .lines()
        .filter(|l| l.contains("foreign-connections") || l.contains("DisableVpcEndpointConnection"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(foreign.contains("[WARN]"), "{out}");
    assert!(
        !foreign.contains(&tidb_ep),
        "TiDB's endpoint named as foreign: {out}"
    );
}

/// Issue 26 #5: the PLC deleted in the TiDB console. Doctor finds the tilink chain by its
/// tags, reports the half that still bills with both ways out (exit 1, not 2), and the dry
/// run plans to create a PLC rather than adopt the deleting one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plc_deleted_in_the_console_leaves_a_billing_half_that_doctor_reports() {
    let w = common::world().await;
    let (plc, setup) = chain(&w).await;
    w.env
        .tidb()
        .unwrap()
        .delete_plc(&w.m.cluster_id, &plc)
        .await
        .unwrap();
    // While TiDB Cloud deletes it, the link is changing (exit 4), never broken.
    let (code, out, _) = doctor(&w);
    assert!(code == 4 || code == 1, "{out}");
    assert!(!out.contains("not usable"), "{out}");
    for _ in 0..100 {
        if w.plcs().await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (code, out, err) = doctor(&w);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("still bills"), "{out}");
    assert!(
        out.contains(&format!(
            "tilink teardown --cluster-id {} --setup {setup}",
            w.m.cluster_id
        )),
        "{out}"
    );
    assert!(out.contains("tilink setup --cluster-id"), "{out}");
    let o = w
        .bin()
        .args(w.setup_argv(&["--non-interactive", "--dry-run"]))
        .output()
        .unwrap();
    let plan = common::output_text(&o);
    let line = plan
        .lines()
        .find(|l| l.contains("TiDB private link connection"))
        .unwrap_or_else(|| panic!("{plan}"));
    assert!(line.trim_start().starts_with("create"), "{line}\n{plan}");
}

/// Issue 26 #7: a bare `tilink` (the wizard) gave up every wait after one second: its
/// arguments were a derived default (timeout 0), not `tilink setup`'s, and it ignored the
/// `TILINK_*` environment. It is now `tilink setup`, parsed as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_tilink_is_tilink_setup_with_its_defaults_and_environment() {
    assert_eq!(tilink::cli::SetupArgs::default().timeout_secs, 1800);
    let w = common::world().await;
    let o = w
        .bin()
        .env("TILINK_NON_INTERACTIVE", "1")
        .env("TILINK_DRY_RUN", "1")
        .env("TILINK_CLUSTER_ID", &w.m.cluster_id)
        .env("TILINK_RDS_INSTANCE", &w.m.rds_instance_id)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let all = common::output_text(&o);
    assert!(o.status.success(), "{all}");
    assert!(
        all.contains("TiDB private link connection"),
        "a plan: {all}"
    );
}
