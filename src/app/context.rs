//! Where the clouds are and which keys to use: from flags, env and the credential chain, or
//! from the in-process simulator's manifest for the sandbox. The session itself is the
//! engine's ([`Session`]); only its construction knows clap and the simulator.

use super::Failure;
use crate::app::say;
use crate::cli::{GlobalArgs, Signature};
use crate::cloud::aliyun::sts_assume::{AssumeRoleRequest, assume_role};
use crate::cloud::aliyun::{AccessKey, AliyunClient, AliyunConfig, SignatureVersion};
use crate::cloud::ratelimit::RateLimit;
use crate::cloud::record::Recorder;
use crate::cloud::stats::CallStats;
use crate::cloud::tidb::client::DEFAULT_ENDPOINT;
use crate::credentials::{Inputs, resolve_alibaba, resolve_tidb};
use crate::engine::journal::JournalStore;
use crate::engine::poll::Tuning;
pub use crate::engine::session::{Session, clear_text_refused, retry_policy};
use crate::secret::Secret;
use crate::sim::Manifest;
use std::sync::Arc;

/// The session (its old name in the drivers).
pub type Env = Session;

/// The client's signature version for the `--signature` flag.
pub(crate) fn signature(s: Signature) -> SignatureVersion {
    match s {
        Signature::V1 => SignatureVersion::V1,
        Signature::V3 => SignatureVersion::V3,
    }
}

/// A secret for a key given by flag: its env var, a line of stdin (`--secrets-stdin`), or
/// a hidden prompt on a terminal. Never a flag value (shell history, `ps`).
fn flag_secret(g: &GlobalArgs, what: &str, env_var: &str, id: &str) -> Result<Secret, Failure> {
    use std::io::{BufRead, IsTerminal};
    if let Ok(v) = std::env::var(env_var)
        && !v.trim().is_empty()
    {
        return Ok(Secret::new(v.trim().to_string()));
    }
    if g.secrets_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::input(format!("reading {what} from stdin: {e}")))?;
        let v = line.trim_end_matches(['\r', '\n']).to_string();
        if v.is_empty() {
            return Err(Failure::input(format!(
                "--secrets-stdin: stdin has no line for the {what}"
            )));
        }
        return Ok(Secret::new(v));
    }
    if std::io::stdin().is_terminal() {
        return dialoguer::Password::new()
            .with_prompt(format!("{what} for {}", crate::credentials::mask(id)))
            .interact()
            .map(Secret::new)
            .map_err(|e| Failure::input(format!("reading the {what}: {e}")));
    }
    Err(Failure::input(format!(
        "a key id was given by flag but not its {what}: set {env_var}, pass --secrets-stdin \
         and write it on stdin, or run on a terminal to be asked"
    )))
}

/// What the credential chain reads, with the keys given by flag (their secrets from env,
/// stdin or a prompt).
pub fn inputs(g: &GlobalArgs) -> Result<Inputs, Failure> {
    use crate::credentials::env as ev;
    let mut inputs = Inputs::from_process(g.aliyun_profile.clone(), g.ticloud_profile.clone());
    inputs.use_keyring = !g.no_keyring;
    if let Some(id) = g.alibaba_access_key_id.as_deref().filter(|s| !s.is_empty()) {
        let secret = flag_secret(g, "Alibaba Cloud AccessKey secret", ev::ALIBABA_SECRET, id)?;
        inputs.flag_alibaba = Some((id.to_string(), secret));
    }
    if let Some(id) = g.tidb_public_key.as_deref().filter(|s| !s.is_empty()) {
        let secret = flag_secret(g, "TiDB Cloud private key", ev::TIDB_PRIVATE, id)?;
        inputs.flag_tidb = Some((id.to_string(), secret));
    }
    Ok(inputs)
}

/// Lines saying which endpoints are not the clouds' own (a proxy, the simulator): a DBA
/// should never be surprised that requests went elsewhere.
pub fn endpoint_notes(g: &GlobalArgs) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(e) = &g.alibaba_endpoint {
        v.push(format!(
            "note: Alibaba Cloud requests go to {e} (--alibaba-endpoint / TILINK_ALIBABA_ENDPOINT), not Alibaba Cloud's own endpoints"
        ));
    }
    if let Some(e) = g
        .tidb_endpoint
        .as_deref()
        .filter(|e| *e != DEFAULT_ENDPOINT)
    {
        v.push(format!(
            "note: TiDB Cloud requests go to {e} (--tidb-endpoint / TILINK_TIDB_ENDPOINT), not {DEFAULT_ENDPOINT}"
        ));
    }
    v
}

/// The run's recorder: `--record DIR` and/or in memory (`doctor --bundle`); one per process,
/// made by the first call (later calls get the same one).
pub fn recorder(g: &GlobalArgs, in_memory: bool) -> Result<Option<Arc<Recorder>>, Failure> {
    static ONE: std::sync::OnceLock<Option<Arc<Recorder>>> = std::sync::OnceLock::new();
    if let Some(r) = ONE.get() {
        return Ok(r.clone());
    }
    let r = new_recorder(g, in_memory)?;
    Ok(ONE.get_or_init(|| r).clone())
}

fn new_recorder(g: &GlobalArgs, in_memory: bool) -> Result<Option<Arc<Recorder>>, Failure> {
    if g.record.is_none() && !in_memory {
        return Ok(None);
    }
    let r = Recorder::new(g.record.as_deref(), in_memory).map_err(|e| {
        Failure::input(format!(
            "--record {}: cannot write the transcript there: {e}",
            g.record
                .as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display()
        ))
    })?;
    if let Ok(p) = std::env::var("TILINK_MYSQL_PASSWORD") {
        r.redactor().secret(&p);
    }
    Ok(Some(Arc::new(r)))
}

/// From the credential chain (flags → env → profiles → keyring). Missing credentials of
/// both clouds are reported together.
pub async fn from_chain(g: &GlobalArgs) -> Result<Env, Failure> {
    for e in [&g.alibaba_endpoint, &g.tidb_endpoint]
        .into_iter()
        .flatten()
    {
        clear_text_refused(e)?;
    }
    for n in endpoint_notes(g) {
        say!("{n}");
    }
    let inputs = inputs(g)?;
    let (a, t) = match (resolve_alibaba(&inputs), resolve_tidb(&inputs)) {
        (Ok(a), Ok(t)) => (a, t),
        (a, t) => {
            let msgs: Vec<String> = [
                a.err().map(|e| e.to_string()),
                t.err().map(|e| e.to_string()),
            ]
            .into_iter()
            .flatten()
            .collect();
            return Err(Failure::credentials(msgs.join("\n\n")));
        }
    };
    let mut key = AccessKey {
        id: a.access_key_id,
        secret: a.access_key_secret,
        security_token: a.security_token,
    };
    let mut alibaba_source = a.source.to_string();
    if let Some(role) = &a.role_arn {
        // RamRoleArn profiles: the profile's key assumes the role (STS is global).
        let mut cfg = AliyunConfig::new(g.region.clone().unwrap_or_else(|| "cn-hangzhou".into()));
        cfg.endpoint_override = g.alibaba_endpoint.clone();
        cfg.signature = signature(g.signature);
        cfg.recorder = recorder(g, false)?;
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
        pacer: Default::default(),
        shared_reads: None,
        tidb_client: Default::default(),
        probe: None,
        recorder: recorder(g, false)?,
    })
}

/// From a simulator manifest (sandbox, tests, benchmarks).
pub fn from_manifest(m: &Manifest, g: &GlobalArgs, poll_scale: f64, store: JournalStore) -> Env {
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
        pacer: Default::default(),
        shared_reads: None,
        tidb_client: Default::default(),
        probe: None,
        // Its own (a test process runs many simulators), never the process's.
        recorder: new_recorder(g, false).ok().flatten(),
    }
}
