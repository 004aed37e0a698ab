//! Waits as the DBA meets them, through the real binary: no speed hint, the usual range on
//! every wait, JSON progress events, and `--timeout-secs` honoured.

use crate::common;

/// `tilink setup` against a simulator, told nothing about its speed (no TILINK_POLL_SCALE).
fn setup(w: &common::World, extra: &[&str]) -> std::process::Output {
    let mut c = w.bin();
    c.env_remove("TILINK_POLL_SCALE")
        .args(w.setup_argv(&["--non-interactive", "--yes"]))
        .args(extra);
    c.output().expect("tilink runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_wait_shows_elapsed_and_its_usual_range_in_lines_and_json() {
    let w = common::world_at(0.01).await;
    let out = setup(&w, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("load-balancer     Provisioning · NLB provisioning · 0:0")
            && err.contains("usually 1–2 min"),
        "no usual range on the NLB wait:\n{err}"
    );

    let w = common::world_at(0.01).await;
    let out = setup(&w, &["-o", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let events: Vec<serde_json::Value> = err
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let nlb = events
        .iter()
        .find(|e| {
            e["event"] == "progress" && e["step"] == "load-balancer" && e["state"] == "Provisioning"
        })
        .unwrap_or_else(|| panic!("no NLB progress event in:\n{err}"));
    assert_eq!(nlb["usual"]["what"], "NLB provisioning");
    assert_eq!(nlb["usual"]["lo_s"], 60);
    assert_eq!(nlb["usual"]["hi_s"], 120);
    assert!(nlb["elapsed_ms"].is_u64(), "{nlb}");
    let result: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    assert_eq!(result["state"], "ACTIVE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_secs_gives_up_a_wait_and_says_how_to_resume() {
    // Real magnitudes: the server group takes 5 s, the NLB a minute; give up after 2 s.
    let w = common::world_at(1.0).await;
    let t0 = std::time::Instant::now();
    let out = setup(&w, &["--timeout-secs", "2"]);
    let err = common::expect_exit(&out, 1);
    assert!(
        err.contains("gave up waiting for the")
            && err.contains("after 2s")
            && err.contains("resume"),
        "{err}"
    );
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        t0.elapsed()
    );
}
