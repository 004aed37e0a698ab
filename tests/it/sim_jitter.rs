//! The simulator's honest randomness: with `jitter`, every provisioning delay is drawn from a
//! log-normal around the profile, reproducibly from the seed, and `GET /_sim/state` shows
//! what each resource drew. Setup (which is never told the delays) still reaches ACTIVE.

use crate::common::world_with;
use serde_json::Value;
use tilink::sim::SimOptions;

/// Every drawn delay of a world after one setup, by resource kind, in ms.
fn drawn(state: &Value) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let one = |out: &mut Vec<(String, u64)>, key: &str, v: &Value| {
        let ms = v["delay_ms"]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} without a numeric delay_ms: {v}"));
        out.push((key.to_string(), ms));
    };
    for key in [
        "load_balancers",
        "server_groups",
        "listeners",
        "endpoint_services",
        "connections",
    ] {
        let list = state[key].as_array().unwrap_or_else(|| panic!("{key}"));
        assert!(!list.is_empty(), "no {key} after a setup");
        for v in list {
            one(&mut out, key, v);
        }
    }
    for p in state["private_link_connections"].as_array().expect("plcs") {
        for part in ["connection", "active"] {
            let ms = p["delay_ms"][part]
                .as_u64()
                .unwrap_or_else(|| panic!("PLC delay_ms.{part} missing: {p}"));
            out.push((format!("plc.{part}"), ms));
        }
    }
    out
}

async fn setup_and_draws(seed: u64, jitter: f64) -> (Vec<(String, u64)>, Value) {
    let w = world_with(SimOptions {
        seed,
        jitter,
        time_scale: 0.01,
        ..SimOptions::default()
    })
    .await;
    w.setup_active().await;
    let state = w.state().await;
    (drawn(&state), state["delays_ms"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jitter_draws_per_resource_reproducibly_and_state_shows_them() {
    let (fixed, profile) = setup_and_draws(7, 0.0).await;
    let median = |kind: &str| -> u64 {
        let k = match kind {
            "load_balancers" => "load_balancer",
            "server_groups" => "server_group",
            "listeners" => "listener",
            "endpoint_services" => "endpoint_service",
            "connections" => "connection_accept",
            "plc.connection" => "plc_connection",
            "plc.active" => "plc_active",
            other => panic!("{other}"),
        };
        profile[k].as_u64().expect("profile entry")
    };
    // Without jitter every resource drew the profile's delay, already time-scaled.
    for (kind, ms) in &fixed {
        assert_eq!(*ms, median(kind), "{kind} drew {ms} without jitter");
    }
    assert_eq!(profile["jitter"], 0.0);

    let (a, profile_a) = setup_and_draws(7, 0.5).await;
    let (b, _) = setup_and_draws(7, 0.5).await;
    let (c, _) = setup_and_draws(8, 0.5).await;
    assert_eq!(profile_a["jitter"], 0.5);
    assert_eq!(a, b, "the same seed draws the same delays");
    assert_ne!(a, c, "another seed draws other delays");
    let differing = a.iter().filter(|(k, ms)| *ms != median(k)).count();
    assert!(
        differing >= a.len() - 1,
        "jitter left the profile unchanged: {a:?}"
    );
    // Log-normal around the median: within ±4σ.
    for (kind, ms) in &a {
        let r = *ms as f64 / median(kind) as f64;
        assert!(
            (0.5f64 * -4.0).exp() * 0.99 <= r && r <= (0.5f64 * 4.0).exp() * 1.01,
            "{kind}: {ms} ms vs median {}",
            median(kind)
        );
    }
}
