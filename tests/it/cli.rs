//! The real binary: help texts, the JSON contracts, exit codes, the credential message.

use crate::common::{self, SimEnv};

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// A clean environment: no credentials, no real HOME, a private state dir.
fn bin() -> Command {
    common::clean_bin("tilink-cli-test-home")
}

#[test]
fn every_subcommand_answers_help() {
    for sub in [
        "setup",
        "sandbox",
        "sim",
        "doctor",
        "reconcile",
        "teardown",
        "policy",
        "export",
        "auth",
        "completions",
    ] {
        let out = bin().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub} --help failed");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.len() > 200 && text.contains("Usage"), "{sub}: {text}");
    }
    let out = bin().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exit codes"));
}

#[test]
fn doctor_without_credentials_names_every_place_looked() {
    let out = bin()
        .args(["doctor", "--cluster-id", "1234567890123456789"])
        .output()
        .unwrap();
    let err = common::expect_exit(&out, 3);
    for needle in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        ".aliyun/config.json",
        "sandbox",
        // Both clouds' problems at once, and the ways out that exist.
        "no TiDB Cloud credentials",
        "TIDBCLOUD_PRIVATE_KEY",
        "tilink auth login --cloud alibaba",
        "--alibaba-access-key-id ID",
    ] {
        assert!(err.contains(needle), "missing {needle} in: {err}");
    }
    assert!(!err.contains("panicked"));
}

#[test]
fn setup_without_a_terminal_points_to_non_interactive() {
    let out = bin().arg("setup").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--non-interactive"));
}

#[test]
fn non_interactive_names_the_missing_flag_and_env() {
    let out = bin()
        .args(["setup", "--non-interactive", "--rds-instance", "rm-1"])
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "x")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "y")
        .env("TIDBCLOUD_PUBLIC_KEY", "p")
        .env("TIDBCLOUD_PRIVATE_KEY", "q")
        .output()
        .unwrap();
    let err = common::expect_exit(&out, 2);
    assert!(
        err.contains("--cluster-id") && err.contains("TILINK_CLUSTER_ID"),
        "{err}"
    );
}

#[test]
fn sandbox_non_interactive_prints_the_setup_contract() {
    let state = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "sandbox",
            "--non-interactive",
            "--time-scale",
            "0.01",
            "-o",
            "json",
        ])
        .env("TILINK_STATE_DIR", state.path())
        .output()
        .unwrap();
    let v = common::json_ok(&out);
    for k in [
        "setup_id",
        "region",
        "zones",
        "resources",
        "state",
        "api_calls",
        "elapsed_ms",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {v}");
    }
    for k in [
        "server_group_id",
        "load_balancer_id",
        "listener_id",
        "endpoint_service_id",
        "endpoint_service_name",
        "private_link_connection_id",
        "endpoint_id",
    ] {
        assert!(
            v["resources"][k].as_str().is_some_and(|s| !s.is_empty()),
            "missing resources.{k}: {v}"
        );
    }
    assert_eq!(v["state"], "ACTIVE");
    // The sandbox reaches its simulated data path: the RDS answers MySQL through the chain.
    assert_eq!(v["data_path"]["status"], "pass", "{v}");
    assert_eq!(
        v["data_path"]["evidence"]["server_version"],
        "8.0.36-tilink-sim"
    );
    // The journal is private and holds no secrets.
    let entries: Vec<_> = std::fs::read_dir(state.path().join("setups"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(entries.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            entries[0].metadata().unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_binary_prints_the_contract_and_exit_codes() {
    let w = common::world().await;
    let m = w.setup().await;
    let plc = common::plc_id(&m);
    let run = |extra: &[&str]| {
        let mut c = w.bin();
        c.args(["doctor", "--cluster-id", &w.m.cluster_id, "-o", "json"])
            .args(extra);
        c.output().unwrap()
    };
    let out = tokio::task::block_in_place(|| run(&["--connection", &plc]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["healthy"], true);
    // Every key docs/ARCHITECTURE.md documents.
    for k in [
        "healthy",
        "root_causes",
        "unknown",
        "exit_code",
        "api_calls",
        "checks",
        "chains",
    ] {
        assert!(v.get(k).is_some(), "doctor JSON lacks {k}: {v}");
    }
    // The build that wrote the report, as `tilink --version -o json` names it.
    let version = tokio::task::block_in_place(|| w.run(["--version", "-o", "json"]));
    let version: serde_json::Value = serde_json::from_slice(&version.stdout).unwrap();
    assert_eq!(v["tilink"], version, "{v}");
    assert_eq!(v["tilink"]["version"], env!("CARGO_PKG_VERSION"));
    for chain in v["chains"].as_array().unwrap() {
        for k in ["target", "healthy", "depth", "checks", "fixes"] {
            assert!(chain.get(k).is_some(), "chain lacks {k}: {chain}");
        }
    }
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 19, "18 links and the dependents");
    for c in checks {
        for k in ["id", "status", "title", "detail", "evidence", "fix"] {
            assert!(c.get(k).is_some(), "check lacks {k}: {c}");
        }
    }
    // Break it: the binary exits non-zero and names the check.
    let svc = m.journal.resources.endpoint_service_id.clone().unwrap();
    w.clients()
        .aliyun
        .remove_user(&svc, &w.m.tidb_account_id)
        .await
        .unwrap();
    let out = tokio::task::block_in_place(|| run(&[]));
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["healthy"], false);
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "service-whitelist" && c["status"] == "fail")
    );
    // Secrets never appear in what the binary writes.
    let all = common::output_text(&out);
    assert!(!all.contains(&w.m.alibaba_access_key_secret) && !all.contains(&w.m.tidb_private_key));
    // --fix --yes repairs it.
    let out = tokio::task::block_in_place(|| run(&["--fix", "--yes"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The fleet walk finds the chain through every Alibaba Cloud cluster, rate-limited.
    let out = tokio::task::block_in_place(|| run(&["--all-clusters", "--rate-limit", "50"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // JSON lines: one per chain as soon as it is known, then a summary (issue 28).
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let chains: Vec<_> = lines.iter().filter(|v| v["type"] == "chain").collect();
    assert_eq!(chains.len(), 1, "{lines:#?}");
    assert_eq!(chains[0]["target"], plc.as_str());
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary", "{lines:#?}");
    assert_eq!(summary["chains"], 1);
}

#[test]
fn sim_prints_one_manifest_line() {
    let mut child = bin()
        .args(["sim", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    for k in [
        "alibaba_endpoint",
        "tidb_endpoint",
        "alibaba_access_key_id",
        "alibaba_access_key_secret",
        "tidb_public_key",
        "tidb_private_key",
        "region",
        "cluster_id",
        "rds_instance_id",
        "tidb_account_id",
    ] {
        assert!(
            v[k].as_str().is_some_and(|s| !s.is_empty()),
            "manifest lacks {k}"
        );
    }
    assert!(
        v["alibaba_endpoint"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
}

/// The RAM policy names every action exactly (no `nlb:*`, no `*` action); resources stay
/// `"*"`, because most of these actions (Describe*, List*, Create*) support no resource-level
/// authorization in RAM. The doctor policy is read-only.
#[test]
fn policy_names_every_action_without_action_wildcards() {
    for args in [&["policy"][..], &["policy", "--for", "doctor"]] {
        let out = bin().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["Version"], "1");
        let statements = v["Statement"].as_array().expect("statements");
        assert!(!statements.is_empty());
        for st in statements {
            assert_eq!(st["Effect"], "Allow");
            let actions: Vec<&str> = match &st["Action"] {
                serde_json::Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
                serde_json::Value::String(s) => vec![s.as_str()],
                other => panic!("Action {other}"),
            };
            assert!(!actions.is_empty());
            for a in actions {
                let (product, action) = a.split_once(':').unwrap_or_else(|| panic!("{a}"));
                assert!(!product.is_empty() && !action.is_empty(), "{a}");
                assert!(!a.contains('*'), "wildcard action {a}");
                if args.len() > 1 {
                    assert!(
                        ["Describe", "List", "Get", "Check"]
                            .iter()
                            .any(|p| action.starts_with(p)),
                        "the doctor policy writes: {a}"
                    );
                }
            }
        }
    }
}

/// `tilink doctor --connection plc-…` as USAGE documents it: no --cluster-id needed (the
/// PLC is found on the clusters the key can see); an unknown one exits 2 saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_connection_alone_finds_its_cluster() {
    let w = common::world().await;
    let m = w.setup().await;
    let plc = common::plc_id(&m);
    let out = w.run(["doctor", "--connection", &plc, "-o", "json"]);
    common::expect_exit(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let chains = v["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 1);
    assert_eq!(chains[0]["target"], plc.as_str());
    let out = w.run(["doctor", "--connection", "plc-nosuchconnection01"]);
    let err = common::expect_exit(&out, 2);
    assert!(
        err.contains("plc-nosuchconnection01") && err.contains("--cluster-id"),
        "{err}"
    );
}

/// Colour only where it belongs (issue 17): none in a pipe, none with NO_COLOR or
/// `TERM=dumb`; CLICOLOR_FORCE colours a pipe; NO_COLOR wins over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colour_follows_no_color_clicolor_force_and_the_terminal() {
    let w = common::world().await;
    w.setup().await;
    let run = |env: &[(&str, &str)]| {
        let mut c = w.bin();
        c.args(["doctor", "--cluster-id", &w.m.cluster_id])
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}')
    };
    assert!(!run(&[]), "escape codes in a pipe");
    assert!(
        run(&[("CLICOLOR_FORCE", "1")]),
        "CLICOLOR_FORCE must colour a pipe"
    );
    assert!(
        !run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
        "NO_COLOR wins"
    );
    assert!(!run(&[("CLICOLOR_FORCE", "0")]), "CLICOLOR_FORCE=0 is off");
}

/// The key flags the messages mention exist: ids by flag, secrets from stdin or env (never
/// a flag), and a non-default endpoint is pointed out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_flags_take_secrets_from_stdin_and_endpoints_are_pointed_out() {
    let w = common::world().await;
    let m = &w.m;
    let mut cmd = bin();
    cmd.env("TILINK_ALIBABA_ENDPOINT", &m.alibaba_endpoint)
        .env("TILINK_TIDB_ENDPOINT", &m.tidb_endpoint)
        .args([
            "auth",
            "status",
            "--alibaba-access-key-id",
            &m.alibaba_access_key_id,
            "--tidb-public-key",
            &m.tidb_public_key,
            "--secrets-stdin",
        ]);
    let input = format!("{}\n{}\n", m.alibaba_access_key_secret, m.tidb_private_key);
    let out = common::with_stdin(&mut cmd, &input);
    let text = common::output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(
        text.matches("from command-line flags works").count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("note: Alibaba Cloud requests go to http://127.0.0.1"),
        "{text}"
    );
    assert!(
        text.contains("note: TiDB Cloud requests go to http://127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains(&m.alibaba_access_key_secret) && !text.contains(&m.tidb_private_key));

    // A key id by flag without its secret anywhere: a clear message, not a hang.
    let out = bin()
        .env("TILINK_ALIBABA_ENDPOINT", &m.alibaba_endpoint)
        .args([
            "auth",
            "status",
            "--alibaba-access-key-id",
            "LTAI5tEXAMPLEEXAMPLE",
        ])
        .output()
        .unwrap();
    let err = common::expect_exit(&out, 2);
    assert!(
        err.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET") && err.contains("--secrets-stdin"),
        "{err}"
    );

    // A wrong secret: status says which key does not work, exit 3.
    let out = bin()
        .sim_env(m)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong")
        .args(["auth", "status", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        !printed.contains(&m.alibaba_access_key_id),
        "the key id is masked even inside the cloud's error: {printed}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["clouds"][0]["works"], false, "{v}");
    assert_eq!(v["clouds"][1]["works"], true, "{v}");
    assert_eq!(v["clouds"][1]["source"], "environment variables", "{v}");
}

/// Every `tilink …` command line in the README and USAGE parses as documented (placeholders
/// filled in, comments, pipes and redirections dropped): no documented flag is missing.
#[test]
fn every_documented_command_form_parses() {
    let mut seen = 0;
    for doc in ["README.md", "docs/USAGE.md"] {
        let text = std::fs::read_to_string(doc).unwrap();
        let mut in_code = false;
        let mut joined = String::new();
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if !in_code {
                continue;
            }
            let l = line.trim();
            if let Some(head) = l.strip_suffix('\\') {
                joined.push_str(head);
                joined.push(' ');
                continue;
            }
            joined.push_str(l);
            let cmd = std::mem::take(&mut joined);
            // The tilink part of a pipeline, without comments and redirections.
            let Some(start) = cmd
                .find("tilink ")
                .filter(|&i| i == 0 || cmd[..i].ends_with("| ") || cmd[..i].ends_with("$ "))
            else {
                continue;
            };
            let mut c = cmd[start..].to_string();
            for cut in [" #", " >", " |", " 2>"] {
                if let Some(i) = c.find(cut) {
                    c.truncate(i);
                }
            }
            let filled = c
                .replace("[--setup tl-…]", "--setup tl-0123456789ab")
                .replace("1034… ", "1034567890123456789 ")
                .replace(" ID", " 1034567890123456789")
                .replace("plc-…", "plc-x")
                .replace("epsrv-…", "epsrv-x")
                .replace("rm-t4n…", "rm-t4nx")
                .replace("tl-…", "tl-0123456789ab")
                .replace("LTAI5t…", "LTAI5tEXAMPLE");
            let args: Vec<&str> = filled.split_whitespace().collect();
            if args.iter().any(|a| {
                a.contains('…') || a.contains('·') || a.starts_with('<') || a.contains('[')
            }) {
                continue;
            }
            if let Err(e) = tilink::cli::command().try_get_matches_from(&args) {
                use clap::error::ErrorKind;
                if !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                    panic!("{doc}: `{c}` does not parse:\n{e}");
                }
            }
            seen += 1;
        }
    }
    assert!(seen >= 15, "only {seen} command lines found");
}

#[test]
fn sim_help_shows_only_what_applies_to_the_simulator() {
    let out = bin().args(["sim", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--seed") && text.contains("--time-scale"),
        "{text}"
    );
    for flag in [
        "--aliyun-profile",
        "--signature",
        "--alibaba-endpoint",
        "--output",
        "--alibaba-access-key-id",
    ] {
        assert!(!text.contains(flag), "sim --help lists {flag}:\n{text}");
    }
    // Still accepted (a script that sets them everywhere keeps working), and still listed
    // where they apply.
    assert!(
        tilink::cli::command()
            .try_get_matches_from(["tilink", "sim", "--signature", "v3"])
            .is_ok()
    );
    let doctor = bin().args(["doctor", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("--aliyun-profile"));
}

/// A key that could not be checked (the endpoint does not answer) is not a refused key: `auth
/// login` does not blame the secret and exits 1 (a failure), not 3 (credentials), storing
/// nothing; `auth status` likewise (issue 29: decided on the error's kind, not its text).
#[test]
fn an_unanswered_key_check_is_not_a_refused_key() {
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let home = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.env("HOME", home.path())
        .env("TILINK_STATE_DIR", home.path().join("state"))
        .env_remove("TILINK_NO_KEYRING")
        .env("TILINK_ALIBABA_ENDPOINT", &dead)
        .env("TILINK_RETRY_BASE_MS", "1")
        .args(["auth", "login", "--cloud", "alibaba"]);
    let out = common::with_stdin(
        &mut cmd,
        "LTAI5tEXAMPLEEXAMPLE00\nsecret-secret-secret-0000\n",
    );
    let text = common::output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        !text.contains("refused key") && !text.contains("Try again"),
        "{text}"
    );
    assert!(text.contains("could not check"), "{text}");
    let out = bin()
        .env("HOME", home.path())
        .env("TILINK_NO_KEYRING", "1")
        .env("TILINK_ALIBABA_ENDPOINT", &dead)
        .env("TILINK_RETRY_BASE_MS", "1")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tEXAMPLEEXAMPLE00")
        .env(
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "secret-secret-secret-0000",
        )
        .env("TILINK_TIDB_ENDPOINT", &dead)
        .env("TIDBCLOUD_PUBLIC_KEY", "ABCDEFGH")
        .env("TIDBCLOUD_PRIVATE_KEY", "secret-secret-secret-0000")
        .args(["auth", "status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
}
