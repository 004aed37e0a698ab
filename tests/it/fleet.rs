//! Fleet doctor within the real rate limits: `doctor --all-clusters -o json` against
//! `--fleet 20` (TiDB Cloud's window scaled to 3 s, learnt by the client from
//! `X-Ratelimit-Reset`) is refused nothing, prints one JSON line per chain and a summary, and
//! every chain's verdict is the seeded truth. No timing is asserted here (BENCHMARKS.md has
//! the figures); the simulator's rate limits stay on.

use crate::common;

use serde_json::Value;
use std::collections::BTreeMap;
use tilink::sim::SimOptions;

/// Runs `doctor --all-clusters -o json`; its output and stdout's JSON lines.
fn fleet_doctor(mut bin: std::process::Command) -> (std::process::Output, Vec<Value>) {
    let out = bin
        .args(["doctor", "--all-clusters", "-o", "json", "--no-color"])
        .output()
        .expect("tilink runs");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (out, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_doctor_is_refused_nothing_and_tells_every_chain_as_seeded() {
    let w = common::world_with(SimOptions {
        time_scale: 0.01,
        fleet: 20,
        rate_limit_window_ms: Some(3_000),
        ..SimOptions::default()
    })
    .await;
    let state = w.state().await;
    let truth: BTreeMap<String, Value> = state["fleet"]
        .as_array()
        .expect("fleet truth")
        .iter()
        .map(|f| (f["plc_id"].as_str().unwrap().to_string(), f.clone()))
        .collect();
    assert_eq!(truth.len(), 20);

    let (out, lines) = fleet_doctor(w.bin());
    let (summary, chains) = lines.split_last().expect("a summary line");
    assert_eq!(summary["type"], "summary", "{summary}");
    assert_eq!(summary["chains"], 20, "{summary}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "broken chains exit 1: {summary}"
    );
    for c in chains {
        assert_eq!(c["type"], "chain");
        let t = &truth[c["target"].as_str().expect("target")];
        assert_eq!(c["verdict"], t["verdict"], "{}: {c}", t["health"]);
        assert_eq!(c["cluster_id"], t["cluster_id"]);
        if let Some(check) = t["check"].as_str() {
            let failed: Vec<&str> = c["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["status"] == "fail")
                .filter_map(|x| x["id"].as_str())
                .collect();
            assert!(failed.contains(&check), "{}: {failed:?}", t["health"]);
        }
    }
    let stats = w.stats().await;
    assert_eq!(stats["rate_limited"], 0, "{stats}");
    // Reads every chain of the region shares are made once, not once per chain (20 chains,
    // one region: two products' zones and one identity).
    let calls = |a: &str| stats["calls"][a].as_u64().unwrap_or(0);
    assert!(calls("GetCallerIdentity") <= 2, "{stats}");
    assert!(calls("DescribeZones") <= 3, "{stats}");
}

/// A refused Alibaba key says nothing about the chains: each reads `unknown` (could not be
/// checked), never `broken`, and the run exits 3 (the key is what to fix).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_leaves_every_chain_unknown_not_broken() {
    let w = common::world_with(SimOptions {
        time_scale: 0.01,
        fleet: 3,
        ..SimOptions::default()
    })
    .await;
    let mut bin = w.bin();
    bin.env(
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "not-the-secret-at-all-000000000",
    );
    let (out, lines) = fleet_doctor(bin);
    let (summary, chains) = lines.split_last().expect("a summary line");
    assert!(!chains.is_empty(), "{summary}");
    for c in chains {
        assert_eq!(c["verdict"], "unknown", "{c}");
    }
    assert_eq!(summary["broken"], 0, "{summary}");
    assert_eq!(summary["unknown"], chains.len(), "{summary}");
    assert_eq!(out.status.code(), Some(3), "{summary}");
}
