//! Shared helpers for end-to-end tests against the in-process simulator.
#![allow(dead_code)]

use clap::Parser;
use tilink::app::context::Env;
use tilink::cli::{Cli, GlobalArgs, SetupArgs};
use tilink::engine::apply::ApplyModel;
use tilink::engine::discover::Clients;
use tilink::engine::journal::JournalStore;
use tilink::engine::prepare::{PrepareInput, Prepared, prepare};
use tilink::engine::setup::{Setup, WhenBusy};
use tilink::sim::{Manifest, SimHandle, SimOptions, start};

/// A running simulator, an environment pointing at it, and a private journal dir.
pub struct World {
    pub sim: SimHandle,
    pub m: Manifest,
    pub env: Env,
    pub g: GlobalArgs,
    pub dir: tempfile::TempDir,
}

pub fn global(args: &[&str]) -> GlobalArgs {
    let mut v = vec!["tilink"];
    v.extend_from_slice(args);
    Cli::parse_from(v).global
}

/// Starts a simulator with a fast clock.
pub async fn world_with(mut opts: SimOptions) -> World {
    tilink::cloud::aliyun::client::install_tls_provider();
    // A fast world compresses TiDB Cloud's rate-limit minute as it compresses every delay
    // (the clients learn the window from X-Ratelimit-Reset; they are told nothing).
    if opts.rate_limit_window_ms.is_none() {
        opts.rate_limit_window_ms = Some(((60_000.0 * opts.time_scale) as u64).max(1_000));
    }
    // Polls follow the simulator's clock.
    let opts_scale = opts.time_scale;
    let sim = start(opts).await.expect("simulator starts");
    let m = sim.manifest().clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let g = global(&[]);
    let poll_scale = opts_scale;
    let env =
        tilink::app::context::from_manifest(&m, &g, poll_scale, JournalStore::new(dir.path()));
    World {
        sim,
        m,
        env,
        g,
        dir,
    }
}

/// Default fast world (time scale 0.01).
pub async fn world() -> World {
    world_with(SimOptions {
        time_scale: 0.01,
        ..SimOptions::default()
    })
    .await
}

impl World {
    pub fn store(&self) -> JournalStore {
        self.env.store.clone()
    }

    pub fn clients(&self) -> Clients {
        self.env.clients(&self.m.region).expect("clients")
    }

    pub fn args(&self) -> SetupArgs {
        SetupArgs {
            cluster_id: Some(self.m.cluster_id.clone()),
            rds_instance: Some(self.m.rds_instance_id.clone()),
            yes: true,
            non_interactive: true,
            ..SetupArgs::default()
        }
    }

    pub async fn prepare(
        &self,
        cluster: &str,
        rds: &str,
        zones: &[String],
    ) -> Result<Prepared, tilink::engine::prepare::PrepareError> {
        let tidb = self.env.tidb().expect("tidb client");
        let make = |r: &str| self.env.clients(r);
        let inp = PrepareInput {
            cluster_id: cluster,
            rds_id: rds,
            zones,
            name: None,
            resume: None,
            region: None,
            setup_id: None,
        };
        prepare(&tidb, &make, &self.store(), &inp).await
    }

    /// Full setup through the library; returns the final model.
    pub async fn setup(&self) -> ApplyModel {
        // One setup per cluster, taken before the plan as `tilink setup` does.
        let setup = Setup::begin(&self.env, &self.m.cluster_id, WhenBusy::Wait, |_, _| {})
            .await
            .expect("the setup lock");
        let prep = self
            .prepare(&self.m.cluster_id, &self.m.rds_instance_id, &[])
            .await
            .expect("prepare");
        let plan = prep
            .plan
            .clone()
            .unwrap_or_else(|| panic!("checks failed: {:#?}", prep.checks));
        let setup = setup.noted(&plan.setup_id);
        setup
            .apply(
                &self.env,
                prep.clients.clone(),
                plan,
                prep.journal.clone(),
                std::future::pending(),
                |_| {},
            )
            .await
    }

    /// The real binary pointed at this simulator: its endpoints and keys in the environment,
    /// polls at the simulator's pace, retries without long backoffs, journals under this
    /// world's directory, no keyring. `TILINK_TEST_BIN` names another build of the binary
    /// (a long soak runs on a copy while the tree is rebuilt).
    pub fn bin(&self) -> std::process::Command {
        let exe = std::env::var_os("TILINK_TEST_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_tilink").into());
        let mut c = std::process::Command::new(exe);
        c.env("TILINK_POLL_SCALE", "0.01")
            .env("TILINK_RETRY_BASE_MS", "1")
            .env("TILINK_STATE_DIR", self.dir.path().join("state"))
            .env("TILINK_NO_KEYRING", "1")
            .env("HOME", self.dir.path())
            .env("TILINK_ALIBABA_ENDPOINT", &self.m.alibaba_endpoint)
            .env("TILINK_TIDB_ENDPOINT", &self.m.tidb_endpoint)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", &self.m.alibaba_access_key_id)
            .env(
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                &self.m.alibaba_access_key_secret,
            )
            .env("TIDBCLOUD_PUBLIC_KEY", &self.m.tidb_public_key)
            .env("TIDBCLOUD_PRIVATE_KEY", &self.m.tidb_private_key);
        c
    }

    /// `tilink setup --non-interactive --yes` for this world's cluster and RDS instance, from
    /// `home` (its own HOME and state dir: another machine) or this world's, output piped.
    pub fn setup_cmd(&self, home: Option<&std::path::Path>) -> std::process::Command {
        let mut c = self.bin();
        if let Some(h) = home {
            c.env("HOME", h).env("TILINK_STATE_DIR", h.join("state"));
        }
        c.args(["setup", "--non-interactive", "--yes", "--cluster-id"])
            .arg(&self.m.cluster_id)
            .arg("--rds-instance")
            .arg(&self.m.rds_instance_id)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c
    }

    /// `tilink teardown --setup ID --yes` for this world's cluster.
    pub fn teardown_cmd(&self, setup_id: &str) -> std::process::Command {
        let mut c = self.bin();
        c.args([
            "teardown",
            "--cluster-id",
            &self.m.cluster_id,
            "--setup",
            setup_id,
            "--yes",
        ]);
        c
    }

    /// The real binary with nothing from this process's environment but `PATH`: HOME and
    /// the state dir are `state`, the simulator's endpoints and keys, polls at
    /// `poll_scale`, no keyring, stdin closed. Crash, signal and credential tests start here.
    #[allow(dead_code)]
    pub fn isolated(&self, state: &std::path::Path, poll_scale: f64) -> std::process::Command {
        let m = &self.m;
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", state)
            .env("TILINK_NO_KEYRING", "1")
            .env("TILINK_STATE_DIR", state)
            .env("TILINK_POLL_SCALE", poll_scale.to_string())
            .env("TILINK_ALIBABA_ENDPOINT", &m.alibaba_endpoint)
            .env("TILINK_TIDB_ENDPOINT", &m.tidb_endpoint)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", &m.alibaba_access_key_id)
            .env(
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                &m.alibaba_access_key_secret,
            )
            .env("TIDBCLOUD_PUBLIC_KEY", &m.tidb_public_key)
            .env("TIDBCLOUD_PRIVATE_KEY", &m.tidb_private_key)
            .stdin(std::process::Stdio::null());
        c
    }

    /// The entries of allowlist group `group` of the world's RDS instance.
    pub async fn allowlist_ips(&self, group: &str) -> Vec<String> {
        self.clients()
            .aliyun
            .describe_db_instance_ip_array_list(&self.m.rds_instance_id)
            .await
            .expect("the RDS allowlist")
            .iter()
            .find(|g| g.db_instance_ip_array_name == group)
            .expect("the allowlist group")
            .security_ip_list
            .split(',')
            .map(String::from)
            .collect()
    }

    /// `HOST:PORT:ADDRESS:PORT` (for `--resolve`) that reaches NLB `lb`'s listener through
    /// the simulator's data plane, once it answers: the NLB's DNS name as the cloud reports
    /// it, the listener's data address from `/_sim/state`.
    pub async fn resolve_for(&self, lb: &str) -> String {
        let dns = self
            .clients()
            .aliyun
            .get_load_balancer_attribute(lb)
            .await
            .expect("NLB attribute")
            .load_balancer
            .dns_name;
        for _ in 0..200 {
            let s = self.state().await;
            if let Some(addr) = s["listeners"]
                .as_array()
                .and_then(|l| l.iter().find(|x| x["LoadBalancerId"] == lb))
                .and_then(|l| l["data_address"].as_str())
            {
                return format!("{dns}:3306:{addr}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the data plane never opened a port for {lb}");
    }

    /// `GET /_sim/state`.
    pub async fn state(&self) -> serde_json::Value {
        reqwest::get(format!("{}/_sim/state", self.m.alibaba_endpoint))
            .await
            .expect("state")
            .json()
            .await
            .expect("json")
    }

    /// `GET /_sim/stats`.
    pub async fn stats(&self) -> serde_json::Value {
        reqwest::get(format!("{}/_sim/stats", self.m.alibaba_endpoint))
            .await
            .expect("stats")
            .json()
            .await
            .expect("json")
    }

    /// `POST /_sim/<path>`.
    pub async fn admin(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let r = reqwest::Client::new()
            .post(format!("{}/_sim/{path}", self.m.alibaba_endpoint))
            .json(&body)
            .send()
            .await
            .expect("admin call");
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        assert!(status.is_success(), "admin {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }
}

/// Resources of `key` in a `/_sim/state` dump that are not being deleted.
pub fn live(state: &serde_json::Value, key: &str) -> usize {
    state[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| !matches!(x["Status"].as_str(), Some("Deleted" | "Deleting")))
                .count()
        })
        .unwrap_or(0)
}
