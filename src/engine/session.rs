//! The session every command runs in: where the clouds are, which keys, the journal store,
//! the poll tuning and the shared call counters. Built by the drivers (`app`: from the
//! credential chain, or from a simulator's manifest); used by every front end. Errors are
//! [`Error`]s.

use super::Error;
use crate::cloud::aliyun::{AccessKey, AliyunClient, AliyunConfig, SignatureVersion};
use crate::cloud::ratelimit::RateLimit;
use crate::cloud::stats::CallStats;
use crate::cloud::tidb::TidbClient;
use crate::engine::discover::{Clients, discover_cluster};
use crate::engine::journal::JournalStore;
use crate::engine::poll::Tuning;
use crate::secret::Secret;

/// Everything needed to build clients.
#[derive(Debug, Clone)]
pub struct Session {
    /// One URL for every Alibaba product, or the real endpoints.
    pub alibaba_endpoint: Option<String>,
    /// TiDB Cloud base URL.
    pub tidb_endpoint: String,
    /// Alibaba access key.
    pub alibaba_key: AccessKey,
    /// TiDB public key.
    pub tidb_public: String,
    /// TiDB private key.
    pub tidb_private: Secret,
    /// Signature version.
    pub signature: SignatureVersion,
    /// Poll tuning.
    pub tuning: Tuning,
    /// Where the Alibaba key came from.
    pub alibaba_source: String,
    /// Where the TiDB key came from.
    pub tidb_source: String,
    /// Region forced by `--region`.
    pub region: Option<String>,
    /// Shared call counters.
    pub stats: CallStats,
    /// Where journals live.
    pub store: JournalStore,
    /// Shared request rate limit.
    pub rate_limit: Option<RateLimit>,
    /// Alibaba per-action pacing, shared by every client of the session.
    pub pacer: crate::cloud::ratelimit::Pacer,
    /// The TiDB client, built on first use and shared.
    pub tidb_client: std::sync::OnceLock<TidbClient>,
    /// Who to log in as for the data-path probe, and how to reach the NLB (the sandbox
    /// sets it; doctor sets it from `--probe`).
    pub probe: Option<crate::engine::probe::ProbeSetup>,
    /// Where every request and answer is recorded, redacted (`--record`, `doctor --bundle`).
    pub recorder: Option<std::sync::Arc<crate::cloud::record::Recorder>>,
    /// Region-wide reads made once for the whole run (fleet doctor sets it).
    pub shared_reads: Option<crate::cloud::aliyun::client::SharedReads>,
}

impl Session {
    /// The same environment with every wait given up after `secs` (at least one second).
    pub fn with_timeout(mut self, secs: u64) -> Session {
        self.tuning.timeout = std::time::Duration::from_secs(secs.max(1));
        self
    }

    /// The TiDB client.
    pub fn tidb(&self) -> Result<TidbClient, Error> {
        // One client for the whole run: its digest challenge is cached and reused (a new
        // client would pay an extra 401 round trip on its first call).
        if let Some(c) = self.tidb_client.get() {
            return Ok(c.clone());
        }
        let c = TidbClient::new(
            &self.tidb_endpoint,
            &self.tidb_public,
            self.tidb_private.clone(),
        )
        .map(|c| {
            c.with_stats(self.stats.clone())
                .with_rate_limit(self.rate_limit.clone())
                .with_retry(retry_policy())
                .with_recorder(self.recorder.clone())
        })
        .map_err(|e| Error::Failed(e.to_string()))?;
        Ok(self.tidb_client.get_or_init(|| c).clone())
    }

    /// The cluster id (required) and clients in the region of its setup: `--region`, else
    /// the setup's journal, else the cluster's newest journal, else the cluster's region.
    pub async fn setup_clients(
        &self,
        cluster_id: Option<&str>,
        setup: Option<&str>,
    ) -> Result<(String, Clients), Error> {
        let cluster_id = cluster_id
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                Error::Input(
                    "missing --cluster-id: pass --cluster-id ID or set TILINK_CLUSTER_ID".into(),
                )
            })?
            .to_string();
        let journal = setup
            .and_then(|s| self.store.load(s).ok())
            .or_else(|| self.store.find(&cluster_id, None));
        let region = match (&self.region, journal) {
            (None, Some(j)) => j.region,
            _ => self.region_of(&cluster_id).await?,
        };
        let clients = self.clients(&region)?;
        Ok((cluster_id, clients))
    }

    /// The region a cluster's chain lives in, decided in one place: `--region` when given,
    /// else the cluster's own region (cross-region links are not supported).
    pub async fn region_of(&self, cluster_id: &str) -> Result<String, Error> {
        if let Some(r) = &self.region {
            return Ok(r.clone());
        }
        Ok(discover_cluster(&self.tidb()?, cluster_id).await?.0.region)
    }

    /// Both clients, Alibaba in `region`, retrying per [`retry_policy`].
    pub fn clients(&self, region: &str) -> Result<Clients, Error> {
        let mut cfg = AliyunConfig::new(region);
        cfg.endpoint_override = self.alibaba_endpoint.clone();
        cfg.signature = self.signature;
        cfg.rate_limit = self.rate_limit.clone();
        cfg.pacer = self.pacer.clone();
        cfg.retry = retry_policy();
        cfg.recorder = self.recorder.clone();
        cfg.shared_reads = self.shared_reads.clone();
        let aliyun = AliyunClient::new(cfg, self.alibaba_key.clone())
            .map_err(|e| Error::Failed(e.to_string()))?
            .with_stats(self.stats.clone());
        Ok(Clients {
            aliyun,
            tidb: self.tidb()?,
        })
    }
}

/// The clients' retry policy: the default (8 attempts, exponential backoff with jitter from
/// 300 ms, capped at 20 s). `TILINK_RETRY_BASE_MS` shrinks the backoff for tests against the
/// simulator (a test knob, like `TILINK_POLL_SCALE`: the attempts stay the same).
pub fn retry_policy() -> crate::cloud::retry::RetryPolicy {
    let mut p = crate::cloud::retry::RetryPolicy::default();
    if let Some(ms) = std::env::var("TILINK_RETRY_BASE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        p.base = std::time::Duration::from_millis(ms);
        p.cap = std::time::Duration::from_millis(ms.saturating_mul(16).max(1));
    }
    p
}

/// Credentials never travel in clear text: an `http://` endpoint is refused unless it is this
/// machine (a local simulator or proxy), or `TILINK_ALLOW_INSECURE_HTTP=1` says so loudly.
pub fn clear_text_refused(endpoint: &str) -> Result<(), Error> {
    let Ok(url) = reqwest::Url::parse(endpoint) else {
        return Err(Error::Input(format!(
            "endpoint {endpoint:?} is not a URL (https://host)"
        )));
    };
    if url.scheme() != "http" {
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback || std::env::var("TILINK_ALLOW_INSECURE_HTTP").is_ok_and(|v| v == "1") {
        return Ok(());
    }
    Err(Error::Input(format!(
        "refusing to send credentials in clear text to {endpoint}: use https://, or set TILINK_ALLOW_INSECURE_HTTP=1 for a trusted proxy on a private network"
    )))
}
