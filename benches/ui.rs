//! UI benchmarks (issue #8, part 3), with criterion, plus two whole-process figures.
//! Prints figures; never fails on a target.
//!
//! - `render_120x40/<screen>`: one `Terminal::draw` of every wizard screen at 120×40 into
//!   a ratatui `TestBackend` (widgets, layout, buffer diff), models from
//!   `tilink::tui::bench_support` (the snapshot fixtures);
//! - `first_frame/in_process`: a fresh `App`, a 120×40 terminal and its first draw;
//! - `key_to_redraw/stalled`: the wizard's runtime against the simulator with every call
//!   stalled (`POST /_sim/faults {"rate":0,"stall_ms":60000}`), one STS call hanging on the
//!   credentials screen: from sending `?` to the redraw that shows (or hides) the help;
//! - after criterion: **first frame of the real binary** (`tilink sandbox` in a 120×40 pty
//!   made by `script`, from spawn to the first bytes of the header) and **peak RSS** of
//!   `tilink sandbox --non-interactive` (`/usr/bin/time -v`, "Maximum resident set size").
//!
//! ```sh
//! cargo bench --bench ui
//! cargo bench --bench ui -- render      # only the render benchmarks (criterion filter)
//! BENCH_SKIP_PROCESS=1 cargo bench --bench ui   # skip the whole-process figures
//! ```

use criterion::{Criterion, criterion_group};
use futures_util::Stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::hint::black_box;
use std::io::{Read, Write};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tilink::tui::app::{App, Screen};
use tilink::tui::bench_support;
use tilink::tui::event_loop::Runtime;
use tilink::tui::view;

type Keys = Pin<Box<dyn Stream<Item = std::io::Result<Event>> + Send>>;

fn renders(c: &mut Criterion) {
    let mut g = c.benchmark_group("render_120x40");
    for (name, app) in bench_support::screens() {
        let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        g.bench_function(name, |b| {
            b.iter(|| {
                term.draw(|f| view::draw(f, black_box(&app))).expect("draw");
            })
        });
    }
    g.finish();
}

fn first_frame(c: &mut Criterion) {
    c.bench_function("first_frame/in_process", |b| {
        b.iter(|| {
            let app = bench_support::welcome();
            let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            term.draw(|f| view::draw(f, &app)).expect("draw");
            black_box(term);
        })
    });
}

fn key(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn key_to_redraw(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio");
    let (sim, tx, mut ui, _dir) = rt.block_on(async {
        tilink::cloud::aliyun::client::install_tls_provider();
        let sim = tilink::sim::start(tilink::sim::SimOptions::default())
            .await
            .expect("simulator");
        let m = sim.manifest().clone();
        let r = reqwest::Client::new()
            .post(format!("{}/_sim/faults", m.alibaba_endpoint))
            .json(&serde_json::json!({"rate": 0, "stall_ms": 60000}))
            .send()
            .await
            .expect("faults");
        assert!(r.status().is_success());
        let dir = tempfile::tempdir().expect("tempdir");
        let g = <tilink::cli::Cli as clap::Parser>::parse_from(["tilink", "--no-color"]).global;
        let env = tilink::app::context::from_manifest(
            &m,
            &g,
            0.2,
            tilink::engine::journal::JournalStore::new(dir.path()),
        );
        let opts = tilink::app::setup::wizard_options(&g, &env, &Default::default(), Some(&m));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
        let keys: Keys = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (Ok(e), rx))
        }));
        let term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        let mut ui = Runtime::new(term, keys, App::new(opts, vec![]), env);
        ui.draw().expect("draw");
        tx.send(key(KeyCode::Enter)).expect("send");
        while ui.app.screen != Screen::Credentials {
            ui.step().await.expect("step");
        }
        assert!(ui.app.identity.is_loading(), "the STS call should hang");
        (sim, tx, ui, dir)
    });
    c.bench_function("key_to_redraw/stalled", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let before = ui.app.help;
                    let t = Instant::now();
                    tx.send(key(KeyCode::Char('?'))).expect("send");
                    // `step` handles one event (key, tick or result) and redraws.
                    while ui.app.help == before {
                        ui.step().await.expect("step");
                    }
                    spent += t.elapsed();
                }
                spent
            })
        })
    });
    assert!(
        ui.app.identity.is_loading(),
        "the stalled call is still out"
    );
    rt.block_on(async move {
        drop(ui);
        sim.shutdown().await;
    });
}

/// From spawning `tilink sandbox` in a 120×40 pty to the first bytes of its header.
fn process_first_frame(bin: &str) -> Option<(Duration, Duration)> {
    fn time_until(cmd: &str, marker: &[u8]) -> Option<Duration> {
        let t = Instant::now();
        let mut child = Command::new("script")
            .args(["-qfec", cmd, "/dev/null"])
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut out = child.stdout.take()?;
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        let mut found = None;
        while found.is_none() {
            let n = out.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if seen.windows(marker.len()).any(|w| w == marker) {
                found = Some(t.elapsed());
            }
        }
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b"q");
        }
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            if let Ok(Some(_)) = child.try_wait() {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        found
    }
    let mut app = Vec::new();
    let mut base = Vec::new();
    for _ in 0..5 {
        app.push(time_until(
            &format!("stty rows 40 cols 120; exec {bin} sandbox"),
            b"tilink sandbox",
        )?);
        base.push(time_until(
            "stty rows 40 cols 120; echo READY-MARK",
            b"READY-MARK",
        )?);
    }
    app.sort();
    base.sort();
    Some((app[2], base[2]))
}

/// "Maximum resident set size" of `tilink sandbox --non-interactive`, in KiB.
fn peak_rss(bin: &str) -> Option<(u64, Duration)> {
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-v", bin, "sandbox", "--non-interactive"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let wall = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    let kib = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))?
        .trim()
        .parse()
        .ok()?;
    Some((kib, wall))
}

fn process_figures() {
    if std::env::var_os("BENCH_SKIP_PROCESS").is_some() {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_tilink");
    println!("\nWhole-process figures ({bin})");
    match process_first_frame(bin) {
        Some((app, base)) => println!(
            "  first frame of `tilink sandbox` in a 120×40 pty: {:.1} ms (median of 5; `script` + `stty` alone: {:.1} ms, so tilink ≈ {:.1} ms)   target ≤ 50 ms: {}",
            app.as_secs_f64() * 1000.0,
            base.as_secs_f64() * 1000.0,
            (app.saturating_sub(base)).as_secs_f64() * 1000.0,
            if app <= Duration::from_millis(50) {
                "met"
            } else {
                "NOT met"
            }
        ),
        None => println!("  first frame: `script` (util-linux) is not available; skipped"),
    }
    match peak_rss(bin) {
        Some((kib, wall)) => println!(
            "  peak RSS of `tilink sandbox --non-interactive`: {:.1} MiB ({kib} KiB, run took {:.1} s)   target ≤ 30 MB: {}",
            kib as f64 / 1024.0,
            wall.as_secs_f64(),
            if kib as f64 * 1024.0 <= 30e6 {
                "met"
            } else {
                "NOT met"
            }
        ),
        None => println!("  peak RSS: /usr/bin/time -v is not available; skipped"),
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = renders, first_frame, key_to_redraw
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    process_figures();
}
