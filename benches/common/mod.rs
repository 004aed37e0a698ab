//! Shared helpers of the end-to-end benchmarks: an in-process simulator, an environment
//! pointing at it, a setup through the library (as `tests/common` does), and the
//! simulator's admin endpoints.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::Value;
use tilink::app::context::Env;
use tilink::cli::{Cli, GlobalArgs};
use tilink::engine::apply::{ApplyModel, Step, StepStatus};
use tilink::engine::journal::JournalStore;
use tilink::engine::prepare::{PrepareInput, Prepared, prepare};
use tilink::engine::setup::{Setup, WhenBusy};
use tilink::sim::{Manifest, SimHandle, SimOptions, start};

#[path = "../../tests/it/common/apply.rs"]
mod apply;
#[path = "../../tests/it/common/sim_env.rs"]
pub mod sim_env;

/// A number from the environment, or `default`.
pub fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// A running simulator and an environment pointing at it.
pub struct Bench {
    pub sim: SimHandle,
    pub m: Manifest,
    pub env: Env,
    pub g: GlobalArgs,
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
}

/// Starts a fresh simulated world. tilink is never told how fast it is: the environment polls
/// exactly as against the real clouds (`Tuning::scale` 1.0) and learns the pace itself.
pub async fn bench_world(opts: SimOptions) -> Bench {
    tilink::cloud::aliyun::client::install_tls_provider();
    let sim = start(opts).await.expect("simulator starts");
    let m = sim.manifest().clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let g = Cli::parse_from(["tilink"]).global;
    let env = tilink::app::context::from_manifest(&m, &g, 1.0, JournalStore::new(dir.path()));
    Bench {
        sim,
        m,
        env,
        g,
        dir,
        http: reqwest::Client::new(),
    }
}

/// One setup through the library, timed by phase.
pub struct SetupRun {
    pub prep: Prepared,
    pub model: ApplyModel,
    pub prepare_wall: Duration,
    pub apply_wall: Duration,
    /// Calls by action (client side) after prepare and after apply.
    pub calls_prepare: BTreeMap<String, u64>,
    pub calls_total: BTreeMap<String, u64>,
    /// When each step started and finished, from the start of apply.
    pub timeline: BTreeMap<Step, (Option<Duration>, Option<Duration>)>,
}

impl Bench {
    /// Discovery, checks and plan for the world's main cluster and RDS instance.
    pub async fn prepare(&self) -> Prepared {
        let tidb = self.env.tidb().expect("tidb client");
        let make = |r: &str| self.env.clients(r);
        let inp = PrepareInput {
            cluster_id: &self.m.cluster_id,
            rds_id: &self.m.rds_instance_id,
            zones: &[],
            name: None,
            resume: None,
            region: None,
            setup_id: None,
        };
        prepare(&tidb, &make, &self.env.store, &inp)
            .await
            .expect("prepare")
    }

    /// A whole setup (prepare, then apply to ACTIVE), as `tilink setup --non-interactive` does.
    pub async fn setup(&self) -> SetupRun {
        // One setup per cluster, taken before the plan as `tilink setup` does.
        let setup = Setup::begin(&self.env, &self.m.cluster_id, WhenBusy::Wait, |_, _| {})
            .await
            .expect("the setup lock");
        let t0 = Instant::now();
        let prep = self.prepare().await;
        let prepare_wall = t0.elapsed();
        let calls_prepare = self.env.stats.snapshot();
        let t1 = Instant::now();
        let mut timeline: BTreeMap<Step, (Option<Duration>, Option<Duration>)> = BTreeMap::new();
        let model = apply::apply_prepared(setup, &self.env, &prep, |m| {
            let now = t1.elapsed();
            for (step, row) in &m.steps {
                let e = timeline.entry(*step).or_default();
                if row.status != StepStatus::Pending && e.0.is_none() {
                    e.0 = Some(now);
                }
                if row.status == StepStatus::Done && e.1.is_none() {
                    e.1 = Some(now);
                }
            }
        })
        .await;
        let apply_wall = t1.elapsed();
        assert_eq!(
            model.outcome,
            Some(Ok(())),
            "the setup did not reach ACTIVE"
        );
        SetupRun {
            prep,
            model,
            prepare_wall,
            apply_wall,
            calls_prepare,
            calls_total: self.env.stats.snapshot(),
            timeline,
        }
    }

    /// `GET /_sim/<what>` (admin endpoints answer without the simulated latency).
    pub async fn admin_get(&self, what: &str) -> Value {
        self.http
            .get(format!("{}/_sim/{what}", self.m.alibaba_endpoint))
            .send()
            .await
            .expect("admin call")
            .json()
            .await
            .expect("admin json")
    }

    /// `POST /_sim/<what>`.
    pub async fn admin_post(&self, what: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/_sim/{what}", self.m.alibaba_endpoint))
            .json(&body)
            .send()
            .await
            .expect("admin call");
        assert!(r.status().is_success(), "POST /_sim/{what}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }
}

/// `b - a` per action (counts only grow).
pub fn diff(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    b.iter()
        .map(|(k, v)| (k.clone(), v - a.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

/// Sum of counts.
pub fn total(m: &BTreeMap<String, u64>) -> u64 {
    m.values().sum()
}

/// Median of durations (sorts in place).
pub fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}
