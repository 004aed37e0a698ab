//! A faithful simulator of Alibaba Cloud (STS, VPC, RDS, NLB, PrivateLink) and TiDB Cloud,
//! served by one axum server: Alibaba RPC at `/` (routed by Version + Action, V1 and V3
//! signatures verified), TiDB Cloud at `/v1beta1/…` (HTTP Digest), admin at `/_sim/…`.
//!
//! Built on [`crate::wire`] and the client's endpoint and action tables; it checks signatures
//! with its own implementation ([`signature`]), never the client's signer, and never imports
//! the engine or a UI.

pub mod admin;
pub mod alibaba;
pub mod behaviour;
pub mod clock;
pub mod dataplane;
pub mod digest;
pub mod faults;
pub mod fleet;
pub mod mysql_server;
pub mod net;
pub mod ratelimit;
pub mod replay;
pub mod seed;
pub mod server;
pub mod signature;
pub mod strict;
pub mod tidb;
pub mod verify;
pub mod world;

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How to run the simulator.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Where to listen (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Seed for the world's ids and the fault schedule.
    pub seed: u64,
    /// Added to every non-admin answer.
    pub latency_ms: u64,
    /// Share of calls answered with a transient failure (0.0–1.0).
    pub fault_rate: f64,
    /// Multiplier on provisioning delays (1.0 = realistic, 0.05 = 20× faster).
    pub time_scale: f64,
    /// σ of the log-normal each provisioning delay is drawn from (0 = fixed profile).
    pub jitter: f64,
    /// A real MySQL server behind the simulated RDS instead of the embedded one.
    pub rds_upstream: Option<SocketAddr>,
    /// Print each data-plane port as it opens (for `tilink sim`).
    pub announce: bool,
    /// Real-cloud behaviours to switch off (names from [`behaviour::Behaviour`]; `all`).
    pub behaviour_off: Vec<String>,
    /// Behaviours to switch on that are off by default (the assumptions).
    pub behaviour_on: Vec<String>,
    /// TiDB Cloud's rate-limit window instead of its minute (a scaled minute for benchmarks
    /// and tests; clients learn it from `X-Ratelimit-Reset`).
    pub rate_limit_window_ms: Option<u64>,
    /// Seeds this many more clusters, each with a chain in a known health (`sim::fleet`).
    pub fleet: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 1,
            latency_ms: 0,
            fault_rate: 0.0,
            time_scale: 0.05,
            jitter: 0.0,
            rds_upstream: None,
            announce: false,
            behaviour_off: Vec::new(),
            behaviour_on: Vec::new(),
            rate_limit_window_ms: None,
            fleet: 0,
        }
    }
}

/// What a client needs to talk to the simulator (printed as one JSON line by `tilink sim`).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Manifest {
    pub alibaba_endpoint: String,
    pub tidb_endpoint: String,
    pub alibaba_access_key_id: String,
    pub alibaba_access_key_secret: String,
    pub tidb_public_key: String,
    pub tidb_private_key: String,
    pub region: String,
    pub cluster_id: String,
    pub rds_instance_id: String,
    pub tidb_account_id: String,
    /// The simulated RDS instance's database account, for the data-path probe.
    pub rds_user: String,
    /// Its password (the simulator's own, like the keys above).
    pub rds_password: String,
}

/// A running simulator. Dropping it stops the server.
pub struct SimHandle {
    addr: SocketAddr,
    manifest: Manifest,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    /// The data plane's ports and relays.
    data: JoinHandle<()>,
    shared: Arc<server::Shared>,
}

impl SimHandle {
    /// Endpoints and credentials.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Where the data plane answers for an NLB's DNS name and listener port (what a host in
    /// the simulated VPC would reach): for the sandbox's probe.
    pub fn data_address(&self, host: &str, port: u16) -> Option<SocketAddr> {
        dataplane::address_for(&self.shared, host, port)
    }

    /// A function answering [`SimHandle::data_address`] for as long as it lives.
    pub fn resolver(&self) -> impl Fn(&str, u16) -> Option<SocketAddr> + Send + Sync + 'static {
        let shared = self.shared.clone();
        move |host, port| dataplane::address_for(&shared, host, port)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server gracefully (at most 2 s), then aborts it.
    pub async fn shutdown(mut self) {
        self.data.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(std::time::Duration::from_secs(2), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.data.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Binds, spawns the server task and returns immediately.
pub async fn start(opts: SimOptions) -> anyhow::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;
    let clock = clock::Clock::new(opts.time_scale);
    let mut world = world::World::new(opts.seed, clock);
    world.delays.jitter = opts.jitter;
    world
        .behaviours
        .set_names(opts.behaviour_off.iter().map(String::as_str), false)
        .map_err(|e| anyhow::anyhow!(e))?;
    world
        .behaviours
        .set_names(opts.behaviour_on.iter().map(String::as_str), true)
        .map_err(|e| anyhow::anyhow!(e))?;
    fleet::seed(&mut world, opts.fleet);
    let admin = &world.keys[0];
    let (tidb_pub, tidb_priv) = world.tidb_keys[0].clone();
    let base = format!("http://{addr}");
    let manifest = Manifest {
        alibaba_endpoint: base.clone(),
        tidb_endpoint: base,
        alibaba_access_key_id: admin.id.clone(),
        alibaba_access_key_secret: admin.secret.clone(),
        tidb_public_key: tidb_pub,
        tidb_private_key: tidb_priv,
        region: world.region.clone(),
        cluster_id: world.main_cluster_id.clone(),
        rds_instance_id: world.main_rds_id.clone(),
        tidb_account_id: world.tidb_account_id.to_string(),
        rds_user: world.rds_account.0.clone(),
        rds_password: world.rds_account.1.clone(),
    };
    let rds_backend = match opts.rds_upstream {
        Some(up) => dataplane::RdsBackend::Upstream(up),
        None => dataplane::RdsBackend::Embedded(mysql_server::Account {
            user: world.rds_account.0.clone(),
            password: world.rds_account.1.clone(),
            version: "8.0.36-tilink-sim".into(),
        }),
    };
    let shared = Arc::new(server::Shared {
        manifest: manifest.clone(),
        latency_ms: opts.latency_ms,
        inner: Mutex::new(server::Inner {
            world,
            control: faults::Control::new(opts.seed, opts.fault_rate),
            nonces: verify::NonceStore::default(),
            digest: digest::DigestStore::new(opts.seed),
            req_rng: fastrand::Rng::with_seed(opts.seed ^ 0x4e9),
            strict: strict::Strictness::default(),
            violations: Vec::new(),
            limits: ratelimit::RateLimits::new(
                tokio::time::Instant::now(),
                opts.rate_limit_window_ms
                    .map(std::time::Duration::from_millis),
            ),
        }),
    });
    let data = dataplane::spawn(shared.clone(), rds_backend, opts.announce);
    let shared_for_handle = shared.clone();
    let app = server::router(shared);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("simulator server stopped: {e}");
        }
    });
    Ok(SimHandle {
        data,
        shared: shared_for_handle,
        addr,
        manifest,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// For `tilink sim`: starts, prints the manifest as one JSON line on stdout, and serves
/// until Ctrl-C or SIGTERM.
pub async fn run(opts: SimOptions) -> anyhow::Result<()> {
    let handle = start(opts).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", serde_json::to_string(handle.manifest())?)?;
        out.flush()?;
    }
    wait_for_signal().await;
    handle.shutdown().await;
    Ok(())
}

#[cfg(unix)]
pub(crate) async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
pub(crate) async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
