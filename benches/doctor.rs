//! Doctor benchmark (issue #8, part 2). Prints figures; never fails on a target.
//!
//! One simulated world with a per-call latency (default 100 ms); tilink builds one chain in
//! it, then:
//!
//! 1. **one chain**: `engine::doctor::examine` from the PLC (what `tilink doctor
//!    --connection plc-…` runs per chain), and the `--cluster-id` path (list the cluster's
//!    PLCs, then examine): wall time, the report's `depth`, and the depth measured as
//!    wall ÷ latency;
//! 2. **100 chains under 20 requests/s**: the world holds one usable cluster/RDS pair, so
//!    the same chain is examined 100 times, 4 at a time (doctor's fleet concurrency),
//!    through tilink's own client-side limiter (`cloud::ratelimit::RateLimit`, 20/s, the
//!    one `doctor --all-clusters` installs); the same run without a limit for comparison.
//!
//! ```sh
//! cargo bench --bench doctor
//! BENCH_LATENCY_MS=100 BENCH_CHAINS=100 BENCH_RATE=20 cargo bench --bench doctor
//! ```

mod common;

use common::{bench_world, diff, knob, median, ms, total};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tilink::cloud::ratelimit::RateLimit;
use tilink::cloud::stats::CallStats;
use tilink::engine::discover::{Clients, plc_info};
use tilink::engine::doctor::facts::plcs;
use tilink::engine::doctor::{Start, examine};
use tilink::sim::SimOptions;

/// Examines `start` `n` times, `concurrency` at a time; returns (wall, per-chain times,
/// all healthy).
async fn fleet(
    clients: &Clients,
    start: &Start,
    n: usize,
    concurrency: usize,
) -> (Duration, Vec<Duration>, bool) {
    let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let t0 = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (c, s, sem) = (clients.clone(), start.clone(), sem.clone());
        tasks.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let t = Instant::now();
            let (_, r) = examine(&c, &s).await;
            (t.elapsed(), r.healthy)
        });
    }
    let mut times = Vec::new();
    let mut healthy = true;
    while let Some(r) = tasks.join_next().await {
        let (t, h) = r.expect("doctor task");
        times.push(t);
        healthy &= h;
    }
    times.sort();
    (t0.elapsed(), times, healthy)
}

fn pct(v: &[Duration], p: f64) -> Duration {
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let latency_ms: u64 = knob("BENCH_LATENCY_MS", 100);
    let time_scale: f64 = knob("BENCH_TIME_SCALE", 0.02);
    let chains: usize = knob("BENCH_CHAINS", 100);
    let rate: f64 = knob("BENCH_RATE", 20.0);
    let concurrency: usize = knob("BENCH_CONCURRENCY", 4);
    let repeats: usize = knob("BENCH_RUNS", 5).max(1);
    println!(
        "doctor benchmark: latency {latency_ms} ms/call, {chains} chains at {rate} req/s, {concurrency} at a time"
    );
    let b = bench_world(SimOptions {
        latency_ms,
        time_scale,
        ..SimOptions::default()
    })
    .await;
    let t = Instant::now();
    let run = b.setup().await;
    println!(
        "  built one chain with tilink setup in {} ms",
        ms(t.elapsed())
    );
    let cluster = b.m.cluster_id.clone();
    let plc_id = run
        .model
        .ids()
        .private_link_connection_id
        .clone()
        .expect("PLC id");
    let tidb = b.env.tidb().expect("tidb");
    let clients = b.env.clients(&b.m.region).expect("clients");
    let p = tidb.get_plc(&cluster, &plc_id).await.expect("get PLC");
    let start = Start::Plc {
        cluster_id: cluster.clone(),
        plc: plc_info(&p),
        all: None,
    };
    let lat = latency_ms as f64;

    // 1. One chain, from the PLC.
    let mut walls = Vec::new();
    let mut depth = 0;
    let mut calls = 0;
    let mut healthy = true;
    for _ in 0..repeats {
        let before = b.env.stats.snapshot();
        let t = Instant::now();
        let (_, r) = examine(&clients, &start).await;
        walls.push(t.elapsed());
        calls = total(&diff(&before, &b.env.stats.snapshot()));
        depth = r.depth;
        healthy &= r.healthy;
    }
    let one = median(&mut walls);
    let measured = one.as_secs_f64() * 1000.0 / lat;

    // 1b. The `--cluster-id` path: list the cluster's PLCs, then examine each.
    let mut walls = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        let list = tidb.list_plcs(&cluster).await.expect("list PLCs");
        for p in plcs(&list) {
            let s = Start::Plc {
                cluster_id: cluster.clone(),
                plc: p,
                all: None,
            };
            examine(&clients, &s).await;
        }
        walls.push(t.elapsed());
    }
    let by_cluster = median(&mut walls);
    let measured_cluster = by_cluster.as_secs_f64() * 1000.0 / lat;

    println!("\nOne chain at {latency_ms} ms per call (median of {repeats})");
    println!(
        "  examine from the PLC     {:>8} ms  report depth {depth}, measured depth {measured:.2} (wall ÷ latency), {calls} calls, healthy {healthy}   target ≤ 4 depths: {}",
        ms(one),
        verdict(measured < 4.5 && depth <= 4)
    );
    println!(
        "  --cluster-id path        {:>8} ms  measured depth {measured_cluster:.2} (list PLCs + examine)",
        ms(by_cluster)
    );

    // 2. Many chains under a client-side rate limit (tilink's own limiter).
    let mut limited = b.env.clone();
    limited.stats = CallStats::default();
    limited.rate_limit = RateLimit::per_second(rate);
    let lc = limited.clients(&b.m.region).expect("clients");
    let sim_before = b.admin_get("stats").await["total_calls"]
        .as_u64()
        .unwrap_or(0);
    let (wall, times, all_ok) = fleet(&lc, &start, chains, concurrency).await;
    let sim_calls = b.admin_get("stats").await["total_calls"]
        .as_u64()
        .unwrap_or(0)
        - sim_before;
    let by_action = limited.stats.snapshot();
    let fleet_calls = total(&by_action);
    let tidb_calls: u64 = by_action
        .iter()
        .filter(|(a, _)| a.starts_with("GET ") || a.starts_with("POST "))
        .map(|(_, n)| n)
        .sum();
    let achieved = sim_calls as f64 / wall.as_secs_f64();
    println!("\n{chains} chains, {concurrency} at a time, client-side limit {rate} req/s");
    println!(
        "  wall {:>9} ms   {fleet_calls} calls ({tidb_calls} TiDB Cloud), {achieved:.1} req/s at the simulator, per chain p50 {} ms p95 {} ms, all healthy {all_ok}",
        ms(wall),
        ms(pct(&times, 0.5)),
        ms(pct(&times, 0.95))
    );
    println!(
        "  floor at exactly {rate} req/s: {:.1} s for all these calls, {:.1} s for the Alibaba ones (TiDB Cloud calls bypass the limit)",
        fleet_calls as f64 / rate,
        (fleet_calls - tidb_calls) as f64 / rate
    );

    // The same without a limit, for comparison.
    let mut free = b.env.clone();
    free.stats = CallStats::default();
    free.rate_limit = None;
    let fc = free.clients(&b.m.region).expect("clients");
    let (wall_free, times_free, _) = fleet(&fc, &start, chains, concurrency).await;
    println!(
        "  without a limit: wall {} ms, per chain p50 {} ms",
        ms(wall_free),
        ms(pct(&times_free, 0.5))
    );
    b.sim.shutdown().await;
    println!(
        "{}",
        json!({
            "bench": "doctor", "latency_ms": latency_ms,
            "one_chain_ms": one.as_secs_f64() * 1000.0, "report_depth": depth,
            "measured_depth": measured, "calls_per_chain": calls,
            "cluster_path_ms": by_cluster.as_secs_f64() * 1000.0, "cluster_path_depth": measured_cluster,
            "chains": chains, "rate": rate, "concurrency": concurrency,
            "fleet_ms": wall.as_secs_f64() * 1000.0, "fleet_calls": fleet_calls,
            "fleet_tidb_calls": tidb_calls, "fleet_rate_at_sim": achieved,
            "fleet_unlimited_ms": wall_free.as_secs_f64() * 1000.0,
            "fleet_calls_by_action": by_action,
        })
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}
