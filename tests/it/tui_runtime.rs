//! The wizard's runtime driven with fake key events and a `TestBackend` against the
//! in-process simulator: a hung network call never stops the UI answering keys, and Enter
//! alone takes the sandbox to ACTIVE.

use clap::Parser;
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tilink::cli::{Cli, SetupArgs};
use tilink::engine::journal::JournalStore;
use tilink::sim::{self, SimHandle, SimOptions};
use tilink::tui::app::{App, Screen};
use tilink::tui::event_loop::Runtime;
use tokio::sync::mpsc;

type Keys = Pin<Box<dyn Stream<Item = std::io::Result<Event>> + Send>>;

fn keys() -> (mpsc::UnboundedSender<Event>, Keys) {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let s =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    (tx, Box::pin(s))
}

fn key(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

async fn runtime(
    sim: &SimHandle,
    dir: &std::path::Path,
    w: u16,
    h: u16,
) -> (mpsc::UnboundedSender<Event>, Runtime<TestBackend, Keys>) {
    let m = sim.manifest().clone();
    let g = Cli::try_parse_from(["tilink", "--no-color"])
        .expect("args")
        .global;
    let env = tilink::app::context::from_manifest(&m, &g, 0.2, JournalStore::new(dir));
    let opts = tilink::app::setup::wizard_options(&g, &env, &SetupArgs::default(), Some(&m));
    let app = App::new(opts, vec![]);
    let (tx, events) = keys();
    let term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    (tx, Runtime::new(term, events, app, env))
}

/// Steps the runtime until `done` holds or `limit` passes.
async fn step_until(
    rt: &mut Runtime<TestBackend, Keys>,
    limit: Duration,
    done: impl Fn(&App) -> bool,
) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if done(&rt.app) {
            return true;
        }
        match tokio::time::timeout(Duration::from_millis(500), rt.step()).await {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => return done(&rt.app),
            Ok(Err(e)) => panic!("runtime failed: {e}"),
            Err(_) => panic!("one step took more than 500 ms: the loop is blocked"),
        }
    }
    done(&rt.app)
}

fn screen(rt: &Runtime<TestBackend, Keys>) -> String {
    rt.terminal.backend().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_network_call_does_not_stop_the_keys() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = sim::start(SimOptions::default()).await.expect("sim");
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/_sim/faults", sim.manifest().alibaba_endpoint))
        .json(&json!({"rate": 0, "stall_ms": 60000}))
        .send()
        .await
        .expect("faults");
    assert!(r.status().is_success());
    let dir = tempfile::tempdir().expect("tmp");
    let (tx, mut rt) = runtime(&sim, dir.path(), 80, 24).await;
    rt.draw().expect("draw");

    tx.send(key(KeyCode::Enter)).expect("send");
    assert!(
        step_until(&mut rt, Duration::from_secs(2), |a| a.screen
            == Screen::Credentials)
        .await,
        "Enter did not open the credentials screen"
    );
    assert!(rt.app.identity.is_loading(), "STS call should be stuck");

    let t0 = Instant::now();
    tx.send(key(KeyCode::Char('?'))).expect("send");
    assert!(
        step_until(&mut rt, Duration::from_secs(1), |a| a.help).await,
        "? did not open help"
    );
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert!(screen(&rt).contains("Help"), "{}", screen(&rt));
    assert!(
        rt.app.identity.is_loading(),
        "the stalled call is still out"
    );

    // Close help, go back, quit: all while the call hangs.
    for k in [KeyCode::Esc, KeyCode::Esc, KeyCode::Char('q')] {
        tx.send(key(k)).expect("send");
    }
    assert!(
        step_until(&mut rt, Duration::from_secs(2), |a| a.exit.is_some()).await,
        "q did not quit"
    );
    assert_eq!(rt.app.exit.as_ref().map(|o| o.interrupted), Some(true));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_alone_takes_the_sandbox_to_active() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = sim::start(SimOptions {
        time_scale: 0.01,
        ..SimOptions::default()
    })
    .await
    .expect("sim");
    let dir = tempfile::tempdir().expect("tmp");
    let (tx, mut rt) = runtime(&sim, dir.path(), 120, 40).await;
    rt.draw().expect("draw");
    let end = Instant::now() + Duration::from_secs(90);
    let mut last_enter = Instant::now() - Duration::from_secs(1);
    while Instant::now() < end && rt.app.screen != Screen::Done {
        if last_enter.elapsed() > Duration::from_millis(250) {
            tx.send(key(KeyCode::Enter)).expect("send");
            last_enter = Instant::now();
        }
        match tokio::time::timeout(Duration::from_millis(500), rt.step()).await {
            Ok(Ok(true)) => {}
            other => panic!("runtime stopped early: {other:?}\n{}", screen(&rt)),
        }
    }
    assert_eq!(rt.app.screen, Screen::Done, "{}", screen(&rt));
    let text = screen(&rt);
    assert!(text.contains("ACTIVE"), "{text}");
    assert!(text.contains("plc-") || text.contains("PLC id"), "{text}");
    tx.send(key(KeyCode::Char('q'))).expect("send");
    assert!(step_until(&mut rt, Duration::from_secs(2), |a| a.exit.is_some()).await);
    let out = rt.app.exit.clone().expect("outcome");
    assert!(!out.interrupted);
    assert!(out.summary.unwrap_or_default().contains("ACTIVE"));
    sim.shutdown().await;
}

/// `tilink sandbox --cluster-id X --rds-instance Y`: the flags win over the sandbox's
/// defaults in the wizard too (the TUI used to ignore them and highlight the sandbox's own).
#[tokio::test]
async fn sandbox_flags_win_over_the_sandboxs_defaults() {
    let sim = sim::start(SimOptions::default()).await.expect("sim");
    let m = sim.manifest().clone();
    let dir = tempfile::tempdir().unwrap();
    let g = Cli::try_parse_from(["tilink"]).expect("args").global;
    let env = tilink::app::context::from_manifest(&m, &g, 1.0, JournalStore::new(dir.path()));
    let flags = SetupArgs {
        cluster_id: Some("1000000000000000001".into()),
        rds_instance: Some("rm-chosen".into()),
        ..SetupArgs::default()
    };
    let o = tilink::app::setup::wizard_options(&g, &env, &flags, Some(&m));
    assert!(o.sandbox);
    assert_eq!(o.cluster_id.as_deref(), Some("1000000000000000001"));
    assert_eq!(o.rds_id.as_deref(), Some("rm-chosen"));
    let o = tilink::app::setup::wizard_options(&g, &env, &SetupArgs::default(), Some(&m));
    assert_eq!(o.cluster_id.as_deref(), Some(m.cluster_id.as_str()));
    assert_eq!(o.rds_id.as_deref(), Some(m.rds_instance_id.as_str()));
    sim.shutdown().await;
}
