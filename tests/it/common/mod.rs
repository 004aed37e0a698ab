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

mod apply;
mod sim_env;
pub use apply::apply_prepared;
pub use sim_env::SimEnv;

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

/// The real binary in a clean environment: nothing from this process's but `PATH`, HOME a
/// fixed directory named `home` under the temp dir, no keyring, stdin closed.
pub fn clean_bin(home: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir().join(home))
        .env("TILINK_NO_KEYRING", "1")
        .stdin(std::process::Stdio::null());
    c
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

/// A world whose simulator runs at `time_scale` (delays multiplied by it).
pub async fn world_at(time_scale: f64) -> World {
    world_with(SimOptions {
        time_scale,
        ..SimOptions::default()
    })
    .await
}

/// A default fast world with a chain set up through the library (ACTIVE), and the setup's
/// final model.
pub async fn world_with_chain() -> (World, ApplyModel) {
    let w = world().await;
    let m = w.setup_active().await;
    (w, m)
}

/// Default fast world (time scale 0.01).
pub async fn world() -> World {
    world_at(0.01).await
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
        apply_prepared(setup, &self.env, &prep, |_| {}).await
    }

    /// `setup`, which must reach ACTIVE (its log is the failure message).
    pub async fn setup_active(&self) -> ApplyModel {
        let m = self.setup().await;
        assert_eq!(m.outcome, Some(Ok(())), "log: {:#?}", m.log);
        m
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
            .sim_env(&self.m);
        c
    }

    /// Runs the binary (`bin`) with `args` to the end.
    pub fn run<S: AsRef<std::ffi::OsStr>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> std::process::Output {
        self.bin().args(args).output().expect("tilink runs")
    }

    /// `tilink setup --non-interactive --yes` for this world's cluster and RDS instance, from
    /// `home` (its own HOME and state dir: another machine) or this world's, output piped.
    pub fn setup_cmd(&self, home: Option<&std::path::Path>) -> std::process::Command {
        let mut c = self.bin();
        if let Some(h) = home {
            c.env("HOME", h).env("TILINK_STATE_DIR", h.join("state"));
        }
        c.args(self.setup_argv(&["--non-interactive", "--yes"]))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c
    }

    /// `setup FLAGS --cluster-id CLUSTER --rds-instance RDS` for this world's cluster and RDS
    /// instance.
    pub fn setup_argv<'a>(&'a self, flags: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["setup"];
        a.extend_from_slice(flags);
        a.extend([
            "--cluster-id",
            self.m.cluster_id.as_str(),
            "--rds-instance",
            self.m.rds_instance_id.as_str(),
        ]);
        a
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
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", state)
            .env("TILINK_NO_KEYRING", "1")
            .env("TILINK_STATE_DIR", state)
            .env("TILINK_POLL_SCALE", poll_scale.to_string())
            .sim_env(&self.m)
            .stdin(std::process::Stdio::null());
        c
    }

    /// The cluster's private link connections, as TiDB Cloud lists them.
    pub async fn plcs(&self) -> Vec<tilink::wire::tidb::PrivateLinkConnection> {
        self.env
            .tidb()
            .expect("tidb client")
            .list_plcs(&self.m.cluster_id)
            .await
            .expect("the cluster's PLCs")
    }

    /// The cluster's private link connection `id`, as TiDB Cloud reports it.
    pub async fn plc(&self, id: &str) -> tilink::wire::tidb::PrivateLinkConnection {
        self.env
            .tidb()
            .expect("tidb client")
            .get_plc(&self.m.cluster_id, id)
            .await
            .expect("the PLC")
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
        self.admin_get("state").await
    }

    /// `GET /_sim/stats`.
    pub async fn stats(&self) -> serde_json::Value {
        self.admin_get("stats").await
    }

    /// `GET /_sim/<what>`.
    async fn admin_get(&self, what: &str) -> serde_json::Value {
        get_json(&format!("{}/_sim/{what}", self.m.alibaba_endpoint)).await
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

/// Waits for every child, off the runtime's worker threads; their outputs, in order.
pub async fn outputs(children: Vec<std::process::Child>) -> Vec<std::process::Output> {
    tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait for the run"))
            .collect()
    })
    .await
    .expect("the waiting task")
}

/// Each run's stderr, as text.
pub fn stderrs(outs: &[std::process::Output]) -> Vec<String> {
    outs.iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect()
}

/// Runs `cmd` with `input` on its stdin, its output piped.
pub fn with_stdin(cmd: &mut std::process::Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tilink starts");
    child
        .stdin
        .take()
        .expect("its stdin")
        .write_all(input.as_bytes())
        .expect("the input is written");
    child.wait_with_output().expect("tilink runs")
}

/// What a run of the binary printed: its stdout, then its stderr.
pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Makes every setup journal in `dir` two hours old, as a run that died long ago left it;
/// returns that time (RFC 3339).
pub fn backdate_journals(dir: &std::path::Path) -> String {
    let old = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(7200),
    )
    .to_string();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            let mut j: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            j["created_at"] = old.clone().into();
            std::fs::write(&p, j.to_string()).unwrap();
        }
    }
    old
}

/// The id of the PLC a setup created, from its journal.
pub fn plc_id(m: &ApplyModel) -> String {
    m.journal
        .resources
        .private_link_connection_id
        .clone()
        .expect("the setup journaled its PLC")
}

/// Asserts that a run of the binary exited with `code` and returns its stderr (the failure
/// message when it did not).
pub fn expect_exit(out: &std::process::Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{err}");
    err
}

/// Asserts that a run of the binary exited 0, its stderr the failure message.
pub fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts that a run of the binary exited 0 (its stderr the failure message) and returns the
/// one JSON object on its stdout.
pub fn json_ok(out: &std::process::Output) -> serde_json::Value {
    assert_ok(out);
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

/// The `/_sim/state` keys of the Alibaba resources one chain creates.
pub const CHAIN_KEYS: [&str; 4] = [
    "server_groups",
    "load_balancers",
    "listeners",
    "endpoint_services",
];

/// Asserts `n` live resources of each of `CHAIN_KEYS` in a `/_sim/state` dump; `context` says
/// when (it leads the failure message).
pub fn assert_chain_live(state: &serde_json::Value, n: usize, context: &str) {
    for key in CHAIN_KEYS {
        assert_eq!(live(state, key), n, "{context}: {key}: {}", state[key]);
    }
}

/// `GET url`, its JSON body.
pub async fn get_json(url: &str) -> serde_json::Value {
    reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
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
