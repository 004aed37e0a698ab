//! Fleet doctor against the rate limits: `tilink doctor --all-clusters -o json` against a
//! simulator seeded with `--fleet N` (N = 10, 50, 200), TiDB Cloud's window scaled to
//! `TILINK_BENCH_WINDOW_MS` (default 6000: a minute at 10×; the client learns it from
//! `X-Ratelimit-Reset`). Prints, per N: elapsed, the rate-limit bound (the TiDB calls made
//! divided by 100 per window, and the busiest Alibaba action's calls divided by its quota;
//! the larger), their ratio, refusals (429 / Throttling) and the time to the first chain.
//! `cargo bench --bench fleet` (BENCHMARKS.md).

use std::time::{Duration, Instant};

use tilink::cloud::limits::{TIDB_PER_WINDOW, alibaba_quota};
use tilink::sim::{SimOptions, start};

#[path = "../tests/it/common/sim_env.rs"]
mod sim_env;
use sim_env::SimEnv;

fn main() {
    let window_ms: u64 = std::env::var("TILINK_BENCH_WINDOW_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6_000);
    let sizes: Vec<usize> = std::env::var("TILINK_BENCH_FLEET")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 50, 200]);
    tilink::cloud::aliyun::client::install_tls_provider();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    println!("fleet doctor, TiDB Cloud window {window_ms} ms (100 calls per window)");
    println!(
        "{:>6} {:>10} {:>10} {:>7} {:>10} {:>10} {:>12} {:>9}",
        "chains", "elapsed", "bound", "ratio", "tidb calls", "ali calls", "refusals", "first"
    );
    for n in sizes {
        let row = rt.block_on(run(n, window_ms));
        println!(
            "{:>6} {:>9.1}s {:>9.1}s {:>6.2}× {:>10} {:>10} {:>12} {:>7}ms",
            n,
            row.elapsed.as_secs_f64(),
            row.bound.as_secs_f64(),
            row.elapsed.as_secs_f64() / row.bound.as_secs_f64().max(1e-9),
            row.tidb_calls,
            row.ali_calls,
            row.refused,
            row.first_ms
        );
    }
}

struct Row {
    elapsed: Duration,
    bound: Duration,
    tidb_calls: u64,
    ali_calls: u64,
    refused: u64,
    first_ms: u64,
}

async fn run(n: usize, window_ms: u64) -> Row {
    let sim = start(SimOptions {
        fleet: n,
        rate_limit_window_ms: Some(window_ms),
        ..SimOptions::default()
    })
    .await
    .expect("sim");
    let m = sim.manifest().clone();
    let home = tempfile::tempdir().expect("tempdir");
    let t0 = Instant::now();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"));
    cmd.args(["doctor", "--all-clusters", "-o", "json", "--no-color"])
        .env("HOME", home.path())
        .env("TILINK_STATE_DIR", home.path().join("state"))
        .env("TILINK_NO_KEYRING", "1")
        // Backoff of the unreadable chains' retries shortened (a test knob); pacing untouched.
        .env("TILINK_RETRY_BASE_MS", "1")
        .sim_env(&m);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("joined")
        .expect("tilink runs");
    let elapsed = t0.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    let stats: serde_json::Value = reqwest::get(format!("{}/_sim/stats", m.tidb_endpoint))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json");
    let calls = stats["calls"].as_object().cloned().unwrap_or_default();
    let (mut tidb, mut ali, mut slowest) = (0u64, 0u64, Duration::ZERO);
    for (name, c) in &calls {
        let c = c.as_u64().unwrap_or(0);
        if name.contains("/v1beta1/") {
            tidb += c;
        } else {
            ali += c;
            let q = alibaba_quota(name);
            slowest = slowest
                .max(q.window * u32::try_from(c.div_ceil(u64::from(q.calls))).unwrap_or(u32::MAX));
        }
    }
    let tidb_bound =
        Duration::from_millis(window_ms).mul_f64(tidb as f64 / f64::from(TIDB_PER_WINDOW));
    sim.shutdown().await;
    Row {
        elapsed,
        bound: tidb_bound.max(slowest),
        tidb_calls: tidb,
        ali_calls: ali,
        refused: stats["rate_limited"].as_u64().unwrap_or(0),
        first_ms: summary["first_chain_ms"].as_u64().unwrap_or(0),
    }
}
