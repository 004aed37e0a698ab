//! `tilink doctor --bundle FILE.tar.gz`: one file to attach to a support ticket. Everything
//! in it went through the run's [`Redactor`] (the transcript's, so pseudonyms agree across
//! files); it is written with mode 0600 and lists its contents in its own README.

use super::Failure;
use super::context::Env;
use crate::cli::{DoctorArgs, GlobalArgs};
use crate::cloud::record::{Recorder, Redactor};
use crate::engine::doctor::Report;
use std::path::Path;

/// What a bundle is made of.
pub struct Input<'a> {
    /// The command line's global settings.
    pub g: &'a GlobalArgs,
    /// Doctor's arguments.
    pub a: &'a DoctorArgs,
    /// The run's recorder (its transcript and redactor).
    pub recorder: Option<&'a Recorder>,
    /// Doctor's exit code, reports and session, or why it could not run.
    pub outcome: Result<(u8, &'a [Report], &'a Env), &'a Failure>,
}

const README: &str = "\
tilink support bundle
=====================

Written by `tilink doctor --bundle`. Read every file before you send it; nothing here is
binary. Files:

  README.txt        this file
  doctor.txt        the doctor report as printed (or why doctor could not run)
  doctor.json       the same report as `tilink doctor -o json` prints it
  transcript.jsonl  every request tilink sent and every answer, in order, with timings
                    (format: docs/TRANSCRIPTS.md in tilink's source)
  journals/*.json   tilink's journals of the cluster's setups (ids and progress)
  about.json        tilink's version and build, the OS, the terminal size, and the
                    effective settings with where each came from

Removed (replaced by [removed]): request signatures (Signature=, the Authorization
header of ACS3-HMAC-SHA256 and HTTP Digest), AccessKey secrets, STS security tokens,
the TiDB Cloud private key, MySQL passwords and authentication data, and any value of a
field named like a password, secret, private key or token.

Masked, consistently within this bundle: AccessKey ids and the TiDB Cloud public key
(key-1, key-2, ...), 16-digit Alibaba Cloud account ids (acct-1, ...), and IPv4
addresses (a keyed permutation of the last three octets that keeps subnets: two
addresses in one subnet stay in one subnet; loopback is kept). The key of the
permutation was random and is not in this bundle.

Kept: resource ids (nlb-..., sgp-..., epsrv-..., plc-...), the cluster id, regions,
zones, states and error codes: support needs them to find your resources.
";

/// Writes the bundle to `path` (mode 0600).
pub fn write(path: &Path, input: &Input<'_>) -> Result<(), Failure> {
    let own;
    let redactor: &Redactor = match input.recorder {
        Some(r) => r.redactor(),
        None => {
            own = Redactor::new();
            &own
        }
    };
    if let Ok(p) = std::env::var("TILINK_MYSQL_PASSWORD") {
        redactor.secret(&p);
    }
    let mut files: super::tarball::Entries = vec![("README.txt".into(), README.into())];
    match &input.outcome {
        Ok((code, reports, env)) => {
            let text = crate::report::doctor_text(reports, true);
            let json = crate::report::doctor_json(reports, *code, env.stats.total());
            files.push(("doctor.txt".into(), redactor.text(&text).into_bytes()));
            files.push((
                "doctor.json".into(),
                pretty(&redactor.json(&json)).into_bytes(),
            ));
        }
        Err(f) => {
            let text = format!("doctor could not run (exit {}): {}\n", f.code, f.message);
            files.push(("doctor.txt".into(), redactor.text(&text).into_bytes()));
            let json = serde_json::json!({"error": f.message, "exit_code": f.code});
            files.push((
                "doctor.json".into(),
                pretty(&redactor.json(&json)).into_bytes(),
            ));
        }
    }
    files.push((
        "transcript.jsonl".into(),
        input.recorder.map(Recorder::lines).unwrap_or_default(),
    ));
    let store = match &input.outcome {
        Ok((_, _, env)) => env.store.clone(),
        Err(_) => crate::engine::journal::JournalStore::default_location(),
    };
    for j in store.list().into_iter().filter(|j| {
        input
            .a
            .cluster_id
            .as_deref()
            .is_none_or(|c| j.cluster_id == c)
    }) {
        let Ok(v) = serde_json::to_value(&j) else {
            continue;
        };
        let name = format!("journals/{}.json", redactor.text(&j.setup_id));
        if name.len() <= 100 && name.bytes().all(|b| b.is_ascii_graphic()) {
            files.push((name, pretty(&redactor.json(&v)).into_bytes()));
        }
    }
    files.push((
        "about.json".into(),
        pretty(&redactor.json(&about(input))).into_bytes(),
    ));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let tar = super::tarball::tar(&files, now).map_err(|e| Failure::failed(e.to_string()))?;
    let gz = super::tarball::gzip(&tar, u32::try_from(now).unwrap_or(0));
    let fail = |e: std::io::Error| {
        Failure::failed(format!("--bundle {}: cannot write it: {e}", path.display()))
    };
    let mut f = crate::cloud::record::private_file(path, false).map_err(fail)?;
    std::io::Write::write_all(&mut f, &gz).map_err(fail)?;
    f.sync_all().map_err(fail)
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Version, OS, terminal and the effective non-secret settings with their sources.
fn about(input: &Input<'_>) -> serde_json::Value {
    use std::io::IsTerminal;
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
    };
    let distro = read("/etc/os-release").and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
    });
    let terminal = (std::io::stdout().is_terminal() || std::io::stderr().is_terminal())
        .then(crossterm::terminal::size)
        .and_then(Result::ok)
        .map(|(c, r)| serde_json::json!({"columns": c, "rows": r}));
    let (g, a) = (input.g, input.a);
    let lowercase = |v: &dyn std::fmt::Debug| Some(format!("{v:?}").to_lowercase());
    let record = g.record.as_ref().map(|p| p.display().to_string());
    // (flag without `--`, whether a TILINK_<NAME> variable sets it too, value)
    let mut settings: Vec<serde_json::Value> = [
        ("alibaba-endpoint", ENV, g.alibaba_endpoint.clone()),
        ("tidb-endpoint", ENV, g.tidb_endpoint.clone()),
        ("region", ENV, g.region.clone()),
        ("output", ENV, lowercase(&g.output)),
        ("signature", ENV, lowercase(&g.signature)),
        ("rate-limit", ENV, g.rate_limit.map(|r| r.to_string())),
        ("aliyun-profile", ENV, g.aliyun_profile.clone()),
        ("ticloud-profile", ENV, g.ticloud_profile.clone()),
        ("no-keyring", ENV, Some(g.no_keyring.to_string())),
        ("record", ENV, record),
        ("cluster-id", ENV, a.cluster_id.clone()),
        ("connection", ENV, a.connection.clone()),
        ("endpoint-service", ENV, a.endpoint_service.clone()),
        ("all-clusters", FLAG_ONLY, Some(a.all_clusters.to_string())),
        ("fix", FLAG_ONLY, Some(a.fix.to_string())),
        ("probe", FLAG_ONLY, Some(a.probe.to_string())),
        ("mysql-user", ENV, a.mysql_user.clone()),
    ]
    .into_iter()
    .map(|(flag, env, value)| setting(flag, env, value))
    .collect();
    for (name, var) in [
        ("poll_scale", "TILINK_POLL_SCALE"),
        ("retry_base_ms", "TILINK_RETRY_BASE_MS"),
        ("state_dir", "TILINK_STATE_DIR"),
    ] {
        if let Ok(v) = std::env::var(var) {
            settings.push(
                serde_json::json!({"name": name, "value": v, "source": format!("env {var}")}),
            );
        }
    }
    if let Ok((_, _, env)) = &input.outcome {
        settings.push(serde_json::json!({"name": "alibaba_access_key_id", "value": env.alibaba_key.id, "source": env.alibaba_source}));
        settings.push(serde_json::json!({"name": "tidb_public_key", "value": env.tidb_public, "source": env.tidb_source}));
        settings.push(serde_json::json!({"name": "journal_dir", "value": env.store.dir().display().to_string(), "source": "TILINK_STATE_DIR or the default state dir"}));
    }
    serde_json::json!({
        "tilink": crate::build_info::json(),
        "os": {
            "os": std::env::consts::OS,
            "family": std::env::consts::FAMILY,
            "arch": std::env::consts::ARCH,
            "kernel": read("/proc/sys/kernel/osrelease"),
            "distribution": distro,
        },
        "terminal": terminal,
        "settings": settings,
    })
}

/// A flag that a `TILINK_<NAME>` variable sets too.
const ENV: bool = true;
/// A flag only.
const FLAG_ONLY: bool = false;

/// A setting (`--some-flag` is named `some_flag`), its value and where it came from: the
/// flag, its env var `TILINK_SOME_FLAG` (when `env`), or the default.
fn setting(flag: &str, env: bool, value: Option<String>) -> serde_json::Value {
    let name = flag.replace('-', "_");
    let var = env.then(|| format!("TILINK_{}", name.to_uppercase()));
    let flag = format!("--{flag}");
    let on_command_line = std::env::args().any(|x| x == flag || x.starts_with(&format!("{flag}=")));
    let from_env = var.filter(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    let source = match (on_command_line, from_env) {
        (true, _) => format!("flag {flag}"),
        (false, Some(v)) => format!("env {v}"),
        (false, None) if value.is_some() => "default".to_string(),
        _ => "unset".to_string(),
    };
    serde_json::json!({"name": name, "value": value, "source": source})
}
