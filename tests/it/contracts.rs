//! Issue 27: the contracts a script and a terminal rely on, through the real binary.

use crate::common;

use std::io::Read;

fn calls(stats: &serde_json::Value, action: &str) -> u64 {
    stats["calls"][action].as_u64().unwrap_or(0)
}

/// `tilink policy --for teardown --cluster-id CLUSTER [--account-id ACCOUNT]`.
fn teardown_policy(
    w: &common::World,
    cluster: &str,
    account: Option<&str>,
) -> std::process::Output {
    let mut args = vec!["policy", "--for", "teardown", "--cluster-id", cluster];
    if let Some(a) = account {
        args.extend(["--account-id", a]);
    }
    w.run(args)
}

fn dry_run(w: &common::World, extra: &[&str]) -> std::process::Output {
    w.bin()
        .args(w.setup_argv(&["--non-interactive", "--dry-run"]))
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
    w.setup_active().await;
    let o = dry_run(&w, &["--detailed-exitcode"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let before = w.stats().await;
    let o = w.setup_cmd(None).output().unwrap();
    common::assert_ok(&o);
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
    let o = w.run(["-o", "json", "doctor", "--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["exit_code"], 2);
    assert!(v["error"].as_str().unwrap().contains("--bogus"), "{v}");
    w.setup_active().await;
    let o = w.run([
        "doctor",
        "--cluster-id",
        &w.m.cluster_id,
        "-o",
        "json",
        "--fix",
        "--yes",
    ]);
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
    let err = common::expect_exit(&o, 1);
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
    common::assert_ok(&o);
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
    common::assert_ok(&o);
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
    common::assert_ok(&o);
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
    let err = common::expect_exit(&o, 2);
    assert!(err.contains("the clouds changed"), "{err}");
    assert!(
        err.contains("Service whitelist"),
        "names the difference: {err}"
    );
}

/// The statements of a RAM policy as (actions, resources).
fn statements(v: &serde_json::Value) -> Vec<(Vec<String>, Vec<String>)> {
    let list = |x: &serde_json::Value| -> Vec<String> {
        match x {
            serde_json::Value::Array(a) => {
                a.iter().map(|s| s.as_str().unwrap().to_string()).collect()
            }
            serde_json::Value::String(s) => vec![s.clone()],
            other => panic!("{other}"),
        }
    };
    v["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| (list(&st["Action"]), list(&st["Resource"])))
        .collect()
}

/// A write that acts on something that already exists (not a create, not opening a product).
fn changes_existing(action: &str) -> bool {
    let name = action.split_once(':').unwrap().1;
    !["Describe", "List", "Get", "Check", "Create", "Open"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// #18: no statement of `tilink policy` lets the key change or delete any resource of the
/// account: every change to an existing resource names the product, region and account (and
/// the RDS instance when given); stderr says why tags cannot scope it and which TiDB Cloud
/// role the API key needs.
#[test]
fn the_setup_policy_scopes_every_change_to_region_account_and_instance() {
    let exe = env!("CARGO_BIN_EXE_tilink");
    let o = std::process::Command::new(exe)
        .args([
            "policy",
            "--region",
            "ap-southeast-1",
            "--account-id",
            "5123456789012345",
            "--rds-instance",
            "rm-t4n0123456789abcd",
        ])
        .env_remove("TILINK_REGION")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut seen_delete = false;
    for (actions, resources) in statements(&v) {
        for a in actions.iter().filter(|a| changes_existing(a)) {
            seen_delete |= a == "nlb:DeleteLoadBalancer";
            for r in &resources {
                let (_, rest) = r.split_once(':').unwrap().1.split_once(':').unwrap();
                assert!(
                    rest.starts_with("ap-southeast-1:5123456789012345:"),
                    "{a} may act on {r}"
                );
            }
            if a == "rds:ModifySecurityIps" {
                assert_eq!(
                    resources,
                    ["acs:rds:ap-southeast-1:5123456789012345:dbinstance/rm-t4n0123456789abcd"]
                );
            }
        }
    }
    assert!(seen_delete, "{v:#}");
    assert!(err.contains("tag"), "why tags do not scope it: {err}");
    assert!(err.contains("--for teardown"), "{err}");
    assert!(err.contains("Project Owner"), "the TiDB Cloud role: {err}");
    // Without the account, the policy still never gives a change on "*".
    let o = std::process::Command::new(exe)
        .arg("policy")
        .env_remove("TILINK_REGION")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for (actions, resources) in statements(&v) {
        if actions.iter().any(|a| changes_existing(a))
            && !actions.contains(&"ram:CreateServiceLinkedRole".to_string())
        {
            assert!(!resources.contains(&"*".to_string()), "{actions:?} on *");
        }
    }
    assert!(String::from_utf8_lossy(&o.stderr).contains("--account-id"));
}

/// #18: after a setup, `policy --for teardown` names exactly that setup's resources, so the
/// key can delete them and nothing else; with no setup of the cluster on this machine it
/// exits 2 saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_teardown_policy_names_exactly_the_setups_resources() {
    let w = common::world().await;
    let o = w.setup_cmd(None).output().unwrap();
    common::assert_ok(&o);
    let journal = tilink::engine::journal::JournalStore::new(w.dir.path().join("state"))
        .find(&w.m.cluster_id, None)
        .expect("the setup's journal");
    let ids = journal.resources.clone();
    let o = teardown_policy(&w, &w.m.cluster_id, Some("5123456789012345"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let region = &journal.region;
    let acct = "5123456789012345";
    let want = [
        format!(
            "acs:nlb:{region}:{acct}:loadbalancer/{}",
            ids.load_balancer_id.unwrap()
        ),
        format!(
            "acs:nlb:{region}:{acct}:listener/{}",
            ids.listener_id.unwrap()
        ),
        format!(
            "acs:nlb:{region}:{acct}:servergroup/{}",
            ids.server_group_id.unwrap()
        ),
        format!(
            "acs:privatelink:{region}:{acct}:vpcendpointservice/{}",
            ids.endpoint_service_id.unwrap()
        ),
        format!("acs:rds:{region}:{acct}:dbinstance/{}", w.m.rds_instance_id),
    ];
    let all = statements(&v);
    let mut named: Vec<String> = Vec::new();
    for (actions, resources) in &all {
        assert!(
            !actions.iter().any(|a| a.contains(":Create")),
            "teardown creates nothing: {actions:?}"
        );
        if actions.iter().any(|a| changes_existing(a)) {
            for r in resources {
                assert!(want.contains(r), "{actions:?} may act on {r}");
            }
            named.extend(resources.iter().cloned());
        }
    }
    for r in &want {
        assert!(named.contains(r), "{r} missing: {v:#}");
    }
    assert!(
        all.iter()
            .any(|(a, _)| a.contains(&"nlb:DeleteLoadBalancer".to_string())),
        "{v:#}"
    );
    // No setup of this cluster here: exit 2, saying what to do.
    let o = teardown_policy(&w, "1034567890123456780", None);
    let err = common::expect_exit(&o, 2);
    assert!(err.contains("no setup"), "{err}");
}
