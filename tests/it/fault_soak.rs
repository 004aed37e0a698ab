//! Fault soak: full setups against the simulator answering 20% of calls with real transient
//! failures (throttling, 5xx, resets, slow answers, TiDB 429s, lists missing fresh
//! resources), over many seeds. Each run must reach ACTIVE, and reading the cloud back with
//! faults off must show exactly one of each resource and no orphan.
//!
//! `TILINK_SOAK_RUNS` sets the number of seeds (default 50; the opt-in long soak uses more).

use crate::common;

use crate::common::live;

use std::sync::Arc;
use tilink::sim::SimOptions;

async fn one(seed: u64) -> Result<(u64, u64), String> {
    let w = common::world_with(SimOptions {
        seed,
        time_scale: 0.005,
        fault_rate: 0.2,
        ..SimOptions::default()
    })
    .await;
    let m = w.setup().await;
    if m.outcome != Some(Ok(())) {
        return Err(format!("seed {seed}: {:?}\n{:#?}", m.outcome, m.log));
    }
    w.admin("faults", serde_json::json!({"rate": 0.0})).await;
    let stats = w.stats().await;
    let faults = stats["faults_injected"].as_u64().unwrap_or(0);
    let state = w.state().await;
    let counts = [
        ("server_groups", live(&state, "server_groups")),
        ("load_balancers", live(&state, "load_balancers")),
        ("listeners", live(&state, "listeners")),
        ("endpoint_services", live(&state, "endpoint_services")),
    ];
    for (k, n) in counts {
        if n != 1 {
            return Err(format!(
                "seed {seed}: {n} live {k} (want exactly 1): {}",
                state[k]
            ));
        }
    }
    let plcs = w
        .env
        .tidb()
        .map_err(|e| e.to_string())?
        .list_plcs(&w.m.cluster_id)
        .await
        .map_err(|e| e.to_string())?;
    if plcs.len() != 1 || plcs[0].state != "ACTIVE" {
        return Err(format!("seed {seed}: PLCs {plcs:?}"));
    }
    let conns = w
        .clients()
        .aliyun
        .list_connections(
            m.journal
                .resources
                .endpoint_service_id
                .as_deref()
                .unwrap_or_default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    if conns.len() != 1 || conns[0].connection_status.as_str() != "Connected" {
        return Err(format!("seed {seed}: connections {conns:?}"));
    }
    Ok((faults, stats["total_calls"].as_u64().unwrap_or(0)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setups_survive_transient_faults_without_duplicates() {
    let runs: u64 = std::env::var("TILINK_SOAK_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let limit = Arc::new(tokio::sync::Semaphore::new(6));
    let mut tasks = tokio::task::JoinSet::new();
    for seed in 1..=runs {
        let limit = limit.clone();
        tasks.spawn(async move {
            let _p = limit.acquire_owned().await;
            one(seed).await
        });
    }
    let (mut faults, mut calls, mut errors) = (0, 0, Vec::new());
    while let Some(r) = tasks.join_next().await {
        match r.expect("task") {
            Ok((f, c)) => {
                faults += f;
                calls += c;
            }
            Err(e) => errors.push(e),
        }
    }
    println!(
        "fault soak: {runs} runs, {calls} calls, {faults} faults injected, {} failures",
        errors.len()
    );
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
    assert!(faults > runs * 5, "too few faults injected: {faults}");
}
