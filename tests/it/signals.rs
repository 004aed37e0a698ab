//! Terminal and process (issue #7 §5): SIGINT (Ctrl-C) and SIGTERM during a
//! non-interactive setup stop it cleanly — exit 130, the journal kept with every id and
//! `last_error: "interrupted"`, stderr saying how to resume — and `--resume <id>` then
//! completes with nothing created twice. (The TUI's Ctrl-C in a real terminal is
//! `tests/e2e/tmux_interrupt.sh`.)

use crate::common;

use crate::common::live;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn command(w: &common::World, state: &std::path::Path, args: &[&str]) -> Command {
    let mut c = w.isolated(state, 0.1);
    c.args(args);
    c
}

/// Collects a child's stderr lines as they come.
fn tail_stderr(child: &mut Child) -> Arc<Mutex<String>> {
    let buf = Arc::new(Mutex::new(String::new()));
    let b = buf.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let mut g = b.lock().unwrap();
            g.push_str(&line);
            g.push('\n');
        }
    });
    buf
}

fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Interrupts a setup with `signal` once provisioning has started, checks the clean stop,
/// then resumes it to ACTIVE.
async fn interrupt_then_resume(signal: &str) {
    // A slower clock so the NLB and endpoint service take seconds to provision.
    let w = common::world_at(0.05).await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path();
    let setup = w.setup_argv(&["--non-interactive", "--yes"]);
    // Once the load balancer is being provisioned, and a moment more.
    let (code, _, text) =
        signal_after(&w, state, &setup, signal, Duration::from_millis(200), |e| {
            e.lines()
                .any(|l| l.contains("load-balancer") && l.contains(']'))
        })
        .await;
    assert_eq!(code, Some(130), "{signal}:\n{text}");

    // The journal is kept, in progress, marked interrupted, with the ids so far.
    let journals: Vec<_> = std::fs::read_dir(state.join("setups"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(journals.len(), 1, "{journals:?}");
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&journals[0]).unwrap()).unwrap();
    assert_eq!(j["state"], "IN_PROGRESS", "{j}");
    assert_eq!(j["last_error"], "interrupted", "{j}");
    assert!(j["resources"]["server_group_id"].is_string(), "{j}");
    let id = j["setup_id"].as_str().unwrap().to_string();

    // stderr says how to resume.
    let hint = format!("--resume {id}");
    assert!(text.contains(&hint), "{signal}: no `{hint}` in:\n{text}");
    assert!(text.contains("interrupted"), "{text}");

    // The resume completes with exactly one of each resource.
    let mut resume = w.setup_argv(&["--non-interactive", "--yes", "-o", "json"]);
    resume.extend(["--resume", &id]);
    let out = command(&w, state, &resume).output().unwrap();
    let v = common::json_ok(&out);
    assert_eq!(v["state"], "ACTIVE");
    assert_eq!(v["setup_id"], id.as_str());
    common::assert_chain_live(&w.state().await, 1, signal);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_provisioning_stops_cleanly_and_resumes() {
    interrupt_then_resume("INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_provisioning_stops_cleanly_and_resumes() {
    interrupt_then_resume("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_during_provisioning_stops_cleanly_and_resumes() {
    interrupt_then_resume("HUP").await;
}

/// Sends `signal` to a command `settle` after its stderr shows it is `ready`; returns its
/// exit code, stdout and stderr.
async fn signal_after(
    w: &common::World,
    state: &std::path::Path,
    args: &[&str],
    signal: &str,
    settle: Duration,
    ready: impl Fn(&str) -> bool,
) -> (Option<i32>, String, String) {
    let mut child = command(w, state, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = tail_stderr(&mut child);
    let end = Instant::now() + Duration::from_secs(60);
    while !ready(&err.lock().unwrap()) {
        assert!(
            Instant::now() < end,
            "never ready:\n{}",
            err.lock().unwrap()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "ended before the signal:\n{}",
            err.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(settle).await;
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut stdout = child.stdout.take().unwrap();
    let status = tokio::task::block_in_place(|| wait(&mut child, Duration::from_secs(20)))
        .unwrap_or_else(|| panic!("did not stop within 20 s of {signal}"));
    let mut out = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut out).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let text = err.lock().unwrap().clone();
    (status.code(), out, text)
}

fn json_error(stdout: &str, signal: &str) {
    let v: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: no JSON object on stdout: {stdout:?}"));
    assert_eq!(v["exit_code"], 130, "{v}");
    let e = v["error"].as_str().unwrap();
    assert!(e.contains(&format!("interrupted by SIG{signal}")), "{e}");
}

/// Every phase, every signal: discovery of a setup, doctor's walk and a teardown in the
/// middle of its deletions all end with 130 and the JSON error object; the teardown's
/// journal keeps what is left and a rerun finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signals_in_discovery_doctor_and_teardown_end_with_130_and_json() {
    // Slow answers, so that every phase is still running when the signal comes.
    let w = common::world_with(tilink::sim::SimOptions {
        latency_ms: 400,
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path();
    let m = &w.m;
    let setup = w.setup_argv(&["--non-interactive", "--yes", "-o", "json"]);
    for signal in ["INT", "TERM", "HUP"] {
        let (code, out, err) = signal_after(&w, state, &setup, signal, Duration::ZERO, |e| {
            e.contains("discovering")
        })
        .await;
        assert_eq!(code, Some(130), "setup discovery, {signal}: {err}");
        json_error(&out, signal);
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(live(&w.state().await, "load_balancers"), 0);

    // A chain to examine and tear down.
    let out = command(&w, state, &setup).output().unwrap();
    common::assert_ok(&out);

    let doctor = ["doctor", "-o", "json", "--cluster-id", &m.cluster_id];
    // Doctor says nothing on stderr with -o json: give it a moment to start its walk.
    let t0 = Instant::now();
    let (code, out, err) = signal_after(&w, state, &doctor, "TERM", Duration::ZERO, |_| {
        t0.elapsed() > Duration::from_millis(600)
    })
    .await;
    assert_eq!(code, Some(130), "doctor: {err}");
    json_error(&out, "TERM");

    let teardown = [
        "teardown",
        "--yes",
        "-o",
        "json",
        "--cluster-id",
        &m.cluster_id,
    ];
    let (code, out, err) = signal_after(&w, state, &teardown, "TERM", Duration::ZERO, |e| {
        e.contains("deleting private link connection")
    })
    .await;
    assert_eq!(code, Some(130), "teardown: {err}");
    json_error(&out, "TERM");
    assert!(err.contains("run the same command again"), "{err}");
    let out = command(&w, state, &teardown).output().unwrap();
    common::assert_ok(&out);
    let s = w.state().await;
    for k in ["load_balancers", "endpoint_services", "server_groups"] {
        assert_eq!(live(&s, k), 0, "{k}: {}", s[k]);
    }
}
