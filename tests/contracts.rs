//! Issue 27: the contracts a script and a terminal rely on, through the real binary.

mod common;

use std::io::Read;

fn calls(stats: &serde_json::Value, action: &str) -> u64 {
    stats["calls"][action].as_u64().unwrap_or(0)
}

fn dry_run(w: &common::World, extra: &[&str]) -> std::process::Output {
    w.bin()
        .args([
            "setup",
            "--non-interactive",
            "--dry-run",
            "--cluster-id",
            &w.m.cluster_id,
            "--rds-instance",
            &w.m.rds_instance_id,
        ])
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// #5 and #7: the dry run's plan is on stdout; `--detailed-exitcode` exits 2 while the plan
/// would change something and 0 once the chain is as planned. #8: that "No changes" rerun
/// sends no write to the allowlist or the whitelist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_prints_its_plan_on_stdout_and_says_whether_it_would_change() {
    let w = common::world().await;
    let o = dry_run(&w, &["--detailed-exitcode"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("TiDB private link connection"),
        "plan on stdout: {out}"
    );
    assert_eq!(o.status.code(), Some(2), "{out}");
    let m = w.setup().await;
    assert!(matches!(m.outcome, Some(Ok(()))));
    let o = dry_run(&w, &["--detailed-exitcode"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let before = w.stats().await;
    let o = w.setup_cmd(None).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = w.stats().await;
    for action in ["ModifySecurityIps", "AddUserToVpcEndpointService"] {
        assert_eq!(
            calls(&after, action),
            calls(&before, action),
            "a keep plan wrote {action}"
        );
    }
}

/// #9: with `-o json`, a usage error still answers `{"error","exit_code"}` on stdout, and
/// stderr holds only JSON lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_is_json_on_both_streams() {
    let w = common::world().await;
    let o = w
        .bin()
        .args(["-o", "json", "doctor", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["exit_code"], 2);
    assert!(v["error"].as_str().unwrap().contains("--bogus"), "{v}");
    let m = w.setup().await;
    assert!(matches!(m.outcome, Some(Ok(()))));
    let o = w
        .bin()
        .args([
            "doctor",
            "--cluster-id",
            &w.m.cluster_id,
            "-o",
            "json",
            "--fix",
            "--yes",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    for line in err.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not a JSON line on stderr: {line}"
        );
    }
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("stdout is one JSON object");
}

/// #2: a refusal known before asking is said before asking: a stranger's endpoint on the
/// service stops teardown at once (exit 1, nothing deleted), not after a `y`. The JSON
/// names what was deleted, and the whitelist entries by their service's id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_says_what_stops_it_before_asking_and_lists_what_it_deleted() {
    let w = common::world().await;
    let m = w.setup().await;
    let ids = m.journal.resources.clone();
    let svc = ids.endpoint_service_id.clone().unwrap();
    let injected = w
        .admin(
            "inject",
            serde_json::json!({"kind": "foreign-connection", "service_id": svc}),
        )
        .await;
    let o = w
        .bin()
        .args([
            "teardown",
            "--cluster-id",
            &w.m.cluster_id,
            "--setup",
            &m.journal.setup_id,
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no private link connection of this setup owns"),
        "{err}"
    );
    assert!(!err.contains("pass --yes"), "refused before asking: {err}");
    assert_eq!(common::live(&w.state().await, "load_balancers"), 1);
    // The stranger goes (its owner deletes it); then teardown runs and lists what it did.
    let ep = injected["endpoint_id"].as_str().unwrap().to_string();
    w.admin(
        "inject",
        serde_json::json!({"kind": "delete-endpoint", "endpoint_id": ep}),
    )
    .await;
    let o = w
        .teardown_cmd(&m.journal.setup_id)
        .arg("-o")
        .arg("json")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["deleted"].as_array().unwrap().len(), 7, "{v:#}");
    assert!(
        v["planned"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "whitelist-entries" && t["id"] == svc.as_str()),
        "{v:#}"
    );
}

/// #15: a closed stdout ends a command quietly (no panic, no backtrace), status 141.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
        .args(["completions", "fish"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    let _ = out.read(&mut first).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        matches!(status.code(), Some(141) | Some(0)),
        "{status:?} {err}"
    );
}

/// #6: a saved plan. `--dry-run --out` writes it (0600); `--plan` applies exactly it, under
/// its setup id, without asking; once the clouds changed, `--plan` refuses (exit 2) and names
/// the difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_applies_exactly_or_refuses_when_the_clouds_changed() {
    let w = common::world().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    let o = dry_run(&w, &["--out", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let sid = saved["plan"]["setup_id"].as_str().unwrap().to_string();
    let o = w
        .bin()
        .args(["setup", "--plan", file.to_str().unwrap(), "-o", "json"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["setup_id"], sid.as_str(), "{v}");
    assert_eq!(v["state"], "ACTIVE", "{v}");

    // Save a plan of the healthy chain, then someone removes TiDB Cloud from the whitelist.
    let file2 = dir.path().join("plan2.json");
    let o = dry_run(&w, &["--out", file2.to_str().unwrap()]);
    assert!(o.status.success());
    let svc = v["resources"]["endpoint_service_id"]
        .as_str()
        .unwrap()
        .to_string();
    let tidb_account = w.state().await["tidb_account_id"]
        .as_str()
        .unwrap()
        .to_string();
    w.clients()
        .aliyun
        .remove_user(&svc, &tidb_account)
        .await
        .unwrap();
    let o = w
        .bin()
        .args(["setup", "--plan", file2.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the clouds changed"), "{err}");
    assert!(
        err.contains("Service whitelist"),
        "names the difference: {err}"
    );
}
