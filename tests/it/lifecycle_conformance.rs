//! A whole life cycle of the real binary against the strict simulator, in V1 and in V3:
//! setup, doctor, a break and `doctor --fix`, a backend IP change and `reconcile`, export,
//! teardown, and the sandbox. The simulator checks every request against the official API
//! metadata and every response against its fields; the run must leave zero violations.

use crate::common;

use serde_json::{Value, json};
use std::process::{Command, Output};

struct Bin<'a> {
    w: &'a common::World,
    sig: &'a str,
}

impl Bin<'_> {
    fn run(&self, args: &[&str]) -> Output {
        tokio::task::block_in_place(|| {
            self.w
                .bin()
                .args(args)
                .env("TILINK_SIGNATURE", self.sig)
                .output()
                .expect("the binary runs")
        })
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "tilink {} ({}):\n{}\n{}",
            args.join(" "),
            self.sig,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

async fn life_cycle(sig: &str, enhanced_whitelist: bool) {
    let w = common::world().await;
    let b = Bin { w: &w, sig };
    let cluster = w.m.cluster_id.clone();
    let rds = w.m.rds_instance_id.clone();
    if enhanced_whitelist {
        w.admin(
            "inject",
            json!({"kind": "rds-security-ip-mode", "instance_id": rds, "mode": "safety"}),
        )
        .await;
    }
    let setup = json_of(&b.ok(&[
        "setup",
        "--non-interactive",
        "--yes",
        "--cluster-id",
        &cluster,
        "--rds-instance",
        &rds,
        "-o",
        "json",
    ]));
    assert_eq!(setup["state"], "ACTIVE", "{setup}");
    let sid = setup["setup_id"].as_str().expect("setup id").to_string();
    let svc = setup["resources"]["endpoint_service_id"]
        .as_str()
        .expect("service id")
        .to_string();

    let doctor = json_of(&b.ok(&["doctor", "--cluster-id", &cluster, "-o", "json"]));
    assert_eq!(doctor["healthy"], true, "{doctor}");

    // A broken whitelist: doctor names it, --fix repairs it.
    w.clients()
        .aliyun
        .remove_user(&svc, &w.m.tidb_account_id)
        .await
        .expect("remove the whitelist entry");
    assert_eq!(
        b.run(&["doctor", "--cluster-id", &cluster, "-o", "json"])
            .status
            .code(),
        Some(1)
    );
    b.ok(&[
        "doctor",
        "--cluster-id",
        &cluster,
        "--fix",
        "--yes",
        "-o",
        "json",
    ]);
    let doctor = json_of(&b.ok(&["doctor", "--cluster-id", &cluster, "-o", "json"]));
    assert_eq!(doctor["healthy"], true, "{doctor}");

    // The RDS private IP moves; reconcile follows it.
    w.admin(
        "inject",
        json!({"kind": "rds-ip-change", "instance_id": rds}),
    )
    .await;
    // Reconcile swaps the backend; its re-examination may still see the old backend draining
    // (exit 1), so the chain is judged by doctor once the removal has finished.
    let rec = b.run(&["reconcile", "--cluster-id", &cluster]);
    assert!(
        matches!(rec.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&rec.stderr)
    );
    let mut healthy = false;
    for _ in 0..20 {
        let d = b.run(&["doctor", "--cluster-id", &cluster, "-o", "json"]);
        if d.status.code() == Some(0) {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(healthy, "the chain is healthy after reconcile");

    let hcl = b.ok(&[
        "export",
        "terraform",
        "--cluster-id",
        &cluster,
        "--setup",
        &sid,
    ]);
    let hcl = String::from_utf8_lossy(&hcl.stdout);
    assert!(
        hcl.contains("tilink:setup-id"),
        "export keeps the tags:\n{hcl}"
    );

    // A changefeed sinks through the connection: teardown names it before deleting.
    let plc = setup["resources"]["private_link_connection_id"]
        .as_str()
        .expect("PLC id")
        .to_string();
    let cf = w
        .admin(
            "inject",
            json!({"kind": "changefeed", "cluster_id": cluster, "plc_id": plc, "name": "orders-to-rds"}),
        )
        .await;
    let cf = cf["changefeed_id"]
        .as_str()
        .expect("changefeed id")
        .to_string();
    let out = b.ok(&[
        "teardown",
        "--cluster-id",
        &cluster,
        "--setup",
        &sid,
        "--yes",
        // The changefeed above is running: deleting under it needs saying so.
        "--force-with-dependents",
        "-o",
        "json",
    ]);
    // With -o json, stderr is JSON lines: the notes carry the text.
    let err: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["note"].as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        err.contains("these stop working when the connection is deleted")
            && err.contains(&format!(
                "changefeed {cf} \"orders-to-rds\" (RUNNING, MYSQL sink via {plc})"
            )),
        "{err}"
    );
    let td = json_of(&out);
    assert_eq!(td["dependents"][0]["changefeed_id"], cf.as_str(), "{td}");

    let stats = w.stats().await;
    assert_eq!(
        stats["metadata_violations"],
        json!([]),
        "the {sig} life cycle sent requests the official metadata rejects or read fields it lacks"
    );
    let state = w.state().await;
    for key in [
        "load_balancers",
        "server_groups",
        "listeners",
        "endpoint_services",
    ] {
        let left = state[key].as_array().map_or(0, Vec::len);
        assert_eq!(left, 0, "{key} left after teardown: {}", state[key]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_life_cycle_obeys_the_official_metadata() {
    life_cycle("v1", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v3_life_cycle_in_enhanced_whitelist_mode_obeys_the_official_metadata() {
    life_cycle("v3", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_runs_against_the_strict_simulator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tokio::task::block_in_place(|| {
        Command::new(env!("CARGO_BIN_EXE_tilink"))
            .args(["sandbox", "--non-interactive", "-o", "json"])
            .env("TILINK_STATE_DIR", dir.path())
            .env("TILINK_NO_KEYRING", "1")
            .env("HOME", dir.path())
            .env("TILINK_SIM_TIME_SCALE", "0.05")
            .output()
            .expect("the binary runs")
    });
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["state"], "ACTIVE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plc_without_an_endpoint_id_is_never_accepted_blindly() {
    let w = common::world().await;
    let b = Bin { w: &w, sig: "v1" };
    w.admin("inject", json!({"kind": "plc-hides-endpoint-id"}))
        .await;
    let setup = w.setup_argv(&["--non-interactive", "--yes", "-o", "json"]);
    let out = b.run(&setup);
    assert_eq!(out.status.code(), Some(1));
    let err = json_of(&out)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        err.contains("does not report its endpoint id") && err.contains("--accept-endpoint"),
        "{err}"
    );
    // Nothing was accepted: the request from TiDB's account is still waiting.
    let state = w.state().await;
    let conns = state["connections"].as_array().expect("connections");
    assert_eq!(conns.len(), 1, "{conns:?}");
    assert_eq!(conns[0]["ConnectionStatus"], "Disconnected", "{conns:?}");
    let ep = conns[0]["EndpointId"]
        .as_str()
        .expect("endpoint id")
        .to_string();
    assert!(err.contains(&ep), "the pending request is listed: {err}");
    // The DBA checks the console and names it: the rerun accepts exactly that one.
    let mut again = setup.to_vec();
    again.extend(["--accept-endpoint", &ep]);
    let done = json_of(&b.ok(&again));
    assert_eq!(done["state"], "ACTIVE", "{done}");
    assert_eq!(done["resources"]["endpoint_id"], ep.as_str());
}
