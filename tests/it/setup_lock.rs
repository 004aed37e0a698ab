//! One setup per cluster in every mode (issue 29): `tilink setup --plain` (the line mode)
//! takes the cluster's lock as `--non-interactive` does. While another run holds it, the line
//! mode waits (saying so) and then adopts, or with `--no-wait` fails at once, creating nothing.
//! The line mode needs a terminal: `script` gives it one.

use crate::common::{World, live, world_with};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tilink::engine::journal::JournalStore;
use tilink::engine::setup::lock::ClusterLock;
use tilink::sim::SimOptions;

fn quote(s: &std::ffi::OsStr) -> String {
    format!("'{}'", s.to_string_lossy().replace('\'', r"'\''"))
}

/// `tilink setup --plain --yes` for the world's cluster and instance inside a pseudo-terminal
/// (`script`), output piped.
fn plain_setup(w: &World, extra: &[&str]) -> Child {
    let bin = w.bin();
    let mut line = vec![quote(bin.get_program())];
    let args = w.setup_argv(&["--plain", "--yes"]);
    line.extend(
        args.iter()
            .chain(extra)
            .map(|a| quote(std::ffi::OsStr::new(a))),
    );
    let mut c = Command::new("script");
    for (k, v) in bin.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.args(["-q", "-e", "-c", &line.join(" "), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs")
}

fn hold_lock(w: &World) -> ClusterLock {
    let dir = JournalStore::new(w.dir.path().join("state")).lock_dir();
    ClusterLock::try_acquire(&dir, &w.m.cluster_id)
        .expect("the test takes the lock")
        .noted("tl-holder")
}

/// The run's exit status and everything it wrote to its terminal.
async fn finish(child: Child) -> (std::process::Output, String) {
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

/// No server group exists: no run got past the lock.
async fn nothing_created(w: &World) {
    let state = w.state().await;
    assert_eq!(
        live(&state, "server_groups"),
        0,
        "{}",
        state["server_groups"]
    );
}

fn fast() -> SimOptions {
    SimOptions {
        time_scale: 0.01,
        ..SimOptions::default()
    }
}

fn slow_network() -> SimOptions {
    SimOptions {
        time_scale: 0.01,
        latency_ms: 50,
        ..SimOptions::default()
    }
}

async fn no_wait_refuses_while_another_run_holds_the_lock(opts: SimOptions) {
    let w = world_with(opts).await;
    let held = hold_lock(&w);
    let t0 = Instant::now();
    let child = plain_setup(&w, &["--no-wait"]);
    let (out, text) = finish(child).await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("another tilink setup for this cluster is running")
            && text.contains("setup tl-holder")
            && text.contains("--no-wait"),
        "{text}"
    );
    assert!(t0.elapsed() < Duration::from_secs(20));
    nothing_created(&w).await;
    drop(held);
}

async fn waits_for_the_holder_then_builds(opts: SimOptions) {
    let w = world_with(opts).await;
    let held = hold_lock(&w);
    let mut child = plain_setup(&w, &[]);
    // Long enough for a run that skips the lock to create its server group.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the line mode did not wait for the lock"
    );
    nothing_created(&w).await;
    drop(held);
    let (out, text) = finish(child).await;
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("is running") && text.contains("waiting for it to finish"),
        "{text}"
    );
    assert!(text.contains("ACTIVE"), "{text}");
    assert_eq!(live(&w.state().await, "load_balancers"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_no_wait_refuses_while_the_lock_is_held() {
    no_wait_refuses_while_another_run_holds_the_lock(fast()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_no_wait_refuses_while_the_lock_is_held_over_a_slow_network() {
    no_wait_refuses_while_another_run_holds_the_lock(slow_network()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_waits_for_the_lock_then_builds() {
    waits_for_the_holder_then_builds(fast()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_waits_for_the_lock_then_builds_over_a_slow_network() {
    waits_for_the_holder_then_builds(slow_network()).await;
}
