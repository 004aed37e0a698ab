//! Where the clouds are and which keys to use: from flags, env and the credential chain, or
//! from the in-process simulator's manifest for the sandbox.

use super::Failure;
use crate::cli::{GlobalArgs, Signature};
use crate::cloud::aliyun::sts_assume::{AssumeRoleRequest, assume_role};
use crate::cloud::aliyun::{AccessKey, AliyunClient, AliyunConfig, SignatureVersion};
use crate::cloud::ratelimit::RateLimit;
use crate::cloud::stats::CallStats;
use crate::cloud::tidb::TidbClient;
use crate::cloud::tidb::client::DEFAULT_ENDPOINT;
use crate::credentials::{Inputs, resolve_alibaba, resolve_tidb};
use crate::engine::discover::{Clients, discover_cluster};
use crate::engine::journal::JournalStore;
use crate::engine::poll::Tuning;
use crate::secret::Secret;
use crate::sim::Manifest;

/// Everything needed to build clients.
#[derive(Debug, Clone)]
pub struct Env {
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
    /// The TiDB client, built on first use and shared.
    pub tidb_client: std::sync::OnceLock<TidbClient>,
}

fn signature(s: Signature) -> SignatureVersion {
    match s {
        Signature::V1 => SignatureVersion::V1,
        Signature::V3 => SignatureVersion::V3,
    }
}

impl Env {
    /// From the credential chain (flags → env → profiles → keyring).
    pub async fn from_chain(g: &GlobalArgs) -> Result<Env, Failure> {
        for e in [&g.alibaba_endpoint, &g.tidb_endpoint]
            .into_iter()
            .flatten()
        {
            clear_text_refused(e)?;
        }
        let mut inputs = Inputs::from_process(g.aliyun_profile.clone(), g.ticloud_profile.clone());
        inputs.use_keyring = !g.no_keyring;
        let a = resolve_alibaba(&inputs).map_err(|e| Failure::credentials(e.to_string()))?;
        let mut key = AccessKey {
            id: a.access_key_id,
            secret: a.access_key_secret,
            security_token: a.security_token,
        };
        let mut alibaba_source = a.source.to_string();
        if let Some(role) = &a.role_arn {
            // RamRoleArn profiles: the profile's key assumes the role (STS is global).
            let mut cfg =
                AliyunConfig::new(g.region.clone().unwrap_or_else(|| "cn-hangzhou".into()));
            cfg.endpoint_override = g.alibaba_endpoint.clone();
            cfg.signature = signature(g.signature);
            let base = AliyunClient::new(cfg, key).map_err(|e| Failure::failed(e.to_string()))?;
            let req = AssumeRoleRequest {
                role_arn: role.role_arn.clone(),
                session_name: role.session_name.clone(),
                duration_seconds: role.duration_seconds,
                external_id: None,
            };
            let r = assume_role(&base, &req).await.map_err(|e| {
                Failure::credentials(format!(
                    "assuming role {} with the key from {}: {e}",
                    role.role_arn, a.source
                ))
            })?;
            key = r.key;
            alibaba_source = format!(
                "{} → role {} (STS AssumeRole, expires {})",
                a.source, role.role_arn, r.expiration
            );
        }
        let t = resolve_tidb(&inputs).map_err(|e| Failure::credentials(e.to_string()))?;
        Ok(Env {
            alibaba_endpoint: g.alibaba_endpoint.clone(),
            tidb_endpoint: g
                .tidb_endpoint
                .clone()
                .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
            alibaba_key: key,
            tidb_public: t.public_key,
            tidb_private: t.private_key,
            signature: signature(g.signature),
            // `TILINK_POLL_SCALE` scales the schedule's prior: a test knob only (the schedule
            // learns the cloud's pace by itself, engine::poll).
            tuning: Tuning {
                scale: std::env::var("TILINK_POLL_SCALE")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1.0),
                ..Tuning::default()
            },
            alibaba_source,
            tidb_source: t.source.to_string(),
            region: g.region.clone(),
            stats: CallStats::default(),
            store: JournalStore::default_location(),
            rate_limit: g.rate_limit.and_then(RateLimit::per_second),
            tidb_client: Default::default(),
        })
    }

    /// The same environment with every wait given up after `secs` (at least one second).
    pub fn with_timeout(mut self, secs: u64) -> Env {
        self.tuning.timeout = std::time::Duration::from_secs(secs.max(1));
        self
    }

    /// From a simulator manifest (sandbox, tests, benchmarks).
    pub fn from_manifest(
        m: &Manifest,
        g: &GlobalArgs,
        poll_scale: f64,
        store: JournalStore,
    ) -> Env {
        Env {
            alibaba_endpoint: Some(m.alibaba_endpoint.clone()),
            tidb_endpoint: m.tidb_endpoint.clone(),
            alibaba_key: AccessKey {
                id: m.alibaba_access_key_id.clone(),
                secret: Secret::new(m.alibaba_access_key_secret.clone()),
                security_token: None,
            },
            tidb_public: m.tidb_public_key.clone(),
            tidb_private: Secret::new(m.tidb_private_key.clone()),
            signature: signature(g.signature),
            tuning: Tuning {
                scale: poll_scale,
                ..Tuning::default()
            },
            alibaba_source: "sandbox simulator".into(),
            tidb_source: "sandbox simulator".into(),
            region: Some(m.region.clone()),
            stats: CallStats::default(),
            store,
            rate_limit: g.rate_limit.and_then(RateLimit::per_second),
            tidb_client: Default::default(),
        }
    }

    /// The TiDB client.
    pub fn tidb(&self) -> Result<TidbClient, Failure> {
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
        })
        .map_err(|e| Failure::failed(e.to_string()))?;
        Ok(self.tidb_client.get_or_init(|| c).clone())
    }

    /// The cluster id (required) and clients in the region of its setup: `--region`, else
    /// the setup's journal, else the cluster's newest journal, else the cluster's region.
    pub async fn setup_clients(
        &self,
        cluster_id: Option<&str>,
        setup: Option<&str>,
    ) -> Result<(String, Clients), Failure> {
        let cluster_id = cluster_id
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                Failure::input(
                    "missing --cluster-id: pass --cluster-id ID or set TILINK_CLUSTER_ID",
                )
            })?
            .to_string();
        let journal = setup
            .and_then(|s| self.store.load(s).ok())
            .or_else(|| self.store.find(&cluster_id, None));
        let region = match (&self.region, journal) {
            (Some(r), _) => r.clone(),
            (None, Some(j)) => j.region,
            (None, None) => {
                discover_cluster(&self.tidb()?, &cluster_id)
                    .await
                    .map_err(crate::app::setup::discover_failure)?
                    .0
                    .region
            }
        };
        let clients = self.clients(&region)?;
        Ok((cluster_id, clients))
    }

    /// Both clients, Alibaba in `region`, retrying per [`retry_policy`].
    pub fn clients(&self, region: &str) -> Result<Clients, Failure> {
        let mut cfg = AliyunConfig::new(region);
        cfg.endpoint_override = self.alibaba_endpoint.clone();
        cfg.signature = self.signature;
        cfg.rate_limit = self.rate_limit.clone();
        cfg.retry = retry_policy();
        let aliyun = AliyunClient::new(cfg, self.alibaba_key.clone())
            .map_err(|e| Failure::failed(e.to_string()))?
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
pub fn clear_text_refused(endpoint: &str) -> Result<(), Failure> {
    let Ok(url) = reqwest::Url::parse(endpoint) else {
        return Err(Failure::input(format!(
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
    Err(Failure::input(format!(
        "refusing to send credentials in clear text to {endpoint}: use https://, or set TILINK_ALLOW_INSECURE_HTTP=1 for a trusted proxy on a private network"
    )))
}
