//! Secrets (issue #7 §4): everything tilink writes — journals, the log file (at debug
//! level), stdout, stderr, the TUI buffer and error messages — is scanned for the secrets in
//! use (the Alibaba access key secret, the STS security token, the TiDB private key) and
//! holds none. Journals and logs are created 0600. Keyring failures never fall back to a
//! plain file.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tilink::cloud::aliyun::AccessKey;
use tilink::secret::Secret;

/// The secrets of one run.
#[derive(Clone)]
struct Secrets(Vec<(&'static str, String)>);

impl Secrets {
    /// Panics naming the secret and where it leaked (the secret itself is not printed).
    fn assert_absent(&self, what: &str, text: &str) {
        for (name, s) in &self.0 {
            assert!(s.len() >= 8, "{name} is too short to scan for");
            if let Some(at) = text.find(s.as_str()) {
                let start = text[..at]
                    .char_indices()
                    .rev()
                    .nth(120)
                    .map_or(0, |(i, _)| i);
                panic!(
                    "{name} leaked into {what}, after: …{}",
                    text[start..at].replace('\n', "⏎")
                );
            }
        }
    }

    fn assert_absent_bytes(&self, what: &str, bytes: &[u8]) {
        self.assert_absent(what, &String::from_utf8_lossy(bytes));
    }
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Scans every file under `dir` (journals, logs) and checks they are private.
fn scan_dir(s: &Secrets, dir: &Path) -> usize {
    let files = files_under(dir);
    for f in &files {
        let data = std::fs::read(f).unwrap();
        s.assert_absent_bytes(&f.display().to_string(), &data);
        #[cfg(unix)]
        assert_eq!(mode(f), 0o600, "{} is not 0600", f.display());
    }
    files.len()
}

fn scan_output(s: &Secrets, what: &str, out: &Output) {
    s.assert_absent_bytes(&format!("{what} stdout"), &out.stdout);
    s.assert_absent_bytes(&format!("{what} stderr"), &out.stderr);
}

// ──────────────────────────────── sandbox ────────────────────────────────

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_run_writes_no_secret() {
    tilink::cloud::aliyun::client::install_tls_provider();
    // The sandbox's simulator is seeded: a simulator with the same seed has its keys.
    let twin = tilink::sim::start(tilink::sim::SimOptions {
        seed: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let m = twin.manifest().clone();
    let keys = common::get_json(&format!("{}/_sim/state", m.alibaba_endpoint)).await;
    let mut all = vec![
        ("mysql password", m.rds_password.clone()),
        ("alibaba secret", m.alibaba_access_key_secret.clone()),
        ("tidb private key", m.tidb_private_key.clone()),
    ];
    for k in keys["keys"].as_array().unwrap() {
        all.push((
            "other sim secret",
            k["access_key_secret"].as_str().unwrap().into(),
        ));
        if let Some(t) = k["security_token"].as_str() {
            all.push(("sim sts token", t.into()));
        }
    }
    let s = Secrets(all);

    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let log = logs.join("tilink.log");
    let out = Command::new(env!("CARGO_BIN_EXE_tilink"))
        .args(["sandbox", "--non-interactive", "-o", "json", "--log-file"])
        .arg(&log)
        .args(["--time-scale", "0.01"])
        .env("TILINK_LOG", "debug")
        .env("TILINK_STATE_DIR", &state)
        .env("HOME", tmp.path())
        .env("TILINK_NO_KEYRING", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let v = common::json_ok(&out);
    assert_eq!(v["state"], "ACTIVE");
    // Same seed, same world: the journal names the twin's cluster. (The state dir also holds
    // the cluster's setup lock, which names only a pid and a setup id.)
    let journals: Vec<_> = files_under(&state)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(journals.len(), 1, "{journals:?}");
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&journals[0]).unwrap()).unwrap();
    assert_eq!(
        j["cluster_id"],
        m.cluster_id.as_str(),
        "the sandbox is not seeded like its twin"
    );

    scan_output(&s, "sandbox", &out);
    // The journal and the cluster's setup lock, both scanned.
    assert_eq!(scan_dir(&s, &state), 2);
    assert_eq!(scan_dir(&s, &logs), 1);
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.lines().count() > 5,
        "the debug log is nearly empty: {log_text}"
    );
    twin.shutdown().await;
}

// ─────────────────── setup / doctor / teardown with env keys ───────────────────

/// The real binary against the in-process simulator, keys in env vars, debug log to a file.
struct Runner {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Runner {
    fn new(w: &common::World, key: &AccessKey) -> Runner {
        let m = &w.m;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        let mut env: Vec<(String, String)> = vec![
            ("TILINK_NO_KEYRING".into(), "1".into()),
            ("TILINK_POLL_SCALE".into(), "0.02".into()),
            ("TILINK_LOG".into(), "debug".into()),
            ("TILINK_ALIBABA_ENDPOINT".into(), m.alibaba_endpoint.clone()),
            ("TILINK_TIDB_ENDPOINT".into(), m.tidb_endpoint.clone()),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID".into(), key.id.clone()),
            (
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET".into(),
                key.secret.expose().to_string(),
            ),
            ("TIDBCLOUD_PUBLIC_KEY".into(), m.tidb_public_key.clone()),
            ("TIDBCLOUD_PRIVATE_KEY".into(), m.tidb_private_key.clone()),
        ];
        if let Some(t) = &key.security_token {
            env.push((
                "ALIBABA_CLOUD_SECURITY_TOKEN".into(),
                t.expose().to_string(),
            ));
        }
        Runner { dir, env }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn logs(&self) -> PathBuf {
        self.dir.path().join("logs")
    }

    fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tilink"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("TILINK_STATE_DIR", self.state())
            .env("TILINK_LOG_FILE", self.logs().join("tilink.log"))
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        for (k, v) in extra {
            c.env(k, v);
        }
        c.output().unwrap()
    }
}

async fn sts_key(w: &common::World) -> AccessKey {
    let s = w.state().await;
    let k = &s["sts_key"];
    AccessKey {
        id: k["access_key_id"].as_str().unwrap().into(),
        secret: Secret::new(k["access_key_secret"].as_str().unwrap()),
        security_token: Some(Secret::new(k["security_token"].as_str().unwrap())),
    }
}

fn secrets_of(w: &common::World, key: &AccessKey) -> Secrets {
    let mut v = vec![
        ("alibaba secret", key.secret.expose().to_string()),
        ("tidb private key", w.m.tidb_private_key.clone()),
    ];
    if let Some(t) = &key.security_token {
        v.push(("sts token", t.expose().to_string()));
    }
    Secrets(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_doctor_teardown_with_env_keys_write_no_secret() {
    let w = common::world().await;
    let key = sts_key(&w).await;
    let mut s = secrets_of(&w, &key);
    // The data-path probe's MySQL password is a secret too.
    s.0.push(("mysql password", w.m.rds_password.clone()));
    let r = Runner::new(&w, &key);
    let m = &w.m;
    let cluster = m.cluster_id.as_str();

    let setup = r.run(
        &w.setup_argv(&["--non-interactive", "--yes", "-o", "json"]),
        &[],
    );
    common::assert_ok(&setup);
    scan_output(&s, "setup", &setup);
    // doctor --probe logs in through the simulator's data plane with the password in env.
    let sj: serde_json::Value = serde_json::from_slice(&setup.stdout).expect("setup JSON");
    let lb = sj["resources"]["load_balancer_id"]
        .as_str()
        .expect("NLB id");
    let resolve = w.resolve_for(lb).await;
    let probe = r.run(
        &[
            "doctor",
            "--cluster-id",
            cluster,
            "--probe",
            "--mysql-user",
            &m.rds_user,
            "--resolve",
            &resolve,
        ],
        &[("TILINK_MYSQL_PASSWORD", m.rds_password.as_str())],
    );
    assert!(
        String::from_utf8_lossy(&probe.stdout).contains("[PASS] data-path"),
        "{}",
        String::from_utf8_lossy(&probe.stdout)
    );
    scan_output(&s, "doctor --probe", &probe);
    let mut runs = vec![("setup", setup)];
    for (name, args, extra) in [
        (
            "doctor json",
            vec!["doctor", "--cluster-id", cluster, "-o", "json"],
            vec![],
        ),
        (
            "doctor text v3",
            vec!["doctor", "--cluster-id", cluster],
            vec![("TILINK_SIGNATURE", "v3")],
        ),
        (
            "setup rerun text",
            w.setup_argv(&["--non-interactive", "--yes"]),
            vec![],
        ),
        (
            "teardown",
            vec!["teardown", "--yes", "--cluster-id", cluster],
            vec![],
        ),
        (
            "doctor after teardown",
            vec!["doctor", "--cluster-id", cluster, "-o", "json"],
            vec![],
        ),
    ] {
        let out = r.run(&args, &extra);
        scan_output(&s, name, &out);
        runs.push((name, out));
    }
    for (name, out) in &runs[..5] {
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Journals and the log are private and clean.
    assert!(scan_dir(&s, &r.state()) >= 1);
    assert_eq!(scan_dir(&s, &r.logs()), 1);
    let log = std::fs::read_to_string(r.logs().join("tilink.log")).unwrap();
    assert!(
        log.lines().count() > 10,
        "the debug log is nearly empty: {log}"
    );
    // The STS key was really used (the token was sent and accepted).
    let stats = w.stats().await;
    assert!(stats.to_string().contains("CreateLoadBalancer"), "{stats}");
}

/// Refused keys are an error path: the messages name the problem, not the secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_keys_report_without_the_secret() {
    let w = common::world().await;
    let m = &w.m;
    let good = AccessKey {
        id: m.alibaba_access_key_id.clone(),
        secret: Secret::new(m.alibaba_access_key_secret.clone()),
        security_token: None,
    };
    let wrong = AccessKey {
        secret: Secret::new("WrongSecretWrongSecret0123456789"),
        ..good.clone()
    };
    let mut s = secrets_of(&w, &good);
    s.0.push(("wrong alibaba secret", wrong.secret.expose().to_string()));
    s.0.push(("wrong tidb key", "WrongTidbPrivateKey-0123456789".into()));
    let r = Runner::new(&w, &wrong);
    let setup_args = w.setup_argv(&["--non-interactive", "--yes", "-o", "json"]);
    for sig in ["v1", "v3"] {
        let out = r.run(&setup_args, &[("TILINK_SIGNATURE", sig)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{sig}: {err}");
        assert!(err.contains("SignatureDoesNotMatch"), "{sig}: {err}");
        scan_output(&s, &format!("wrong secret {sig}"), &out);
    }
    let out = r.run(
        &setup_args,
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", good.secret.expose()),
            ("TIDBCLOUD_PRIVATE_KEY", "WrongTidbPrivateKey-0123456789"),
        ],
    );
    let err = common::expect_exit(&out, 3);
    assert!(err.contains("401"), "{err}");
    scan_output(&s, "wrong tidb key", &out);
    // Doctor with a wrong key reports a failed credentials check, secret-free.
    let out = r.run(
        &["doctor", "--cluster-id", &m.cluster_id, "-o", "json"],
        &[],
    );
    assert_ne!(out.status.code(), Some(0));
    scan_output(&s, "doctor wrong secret", &out);
    scan_dir(&s, &r.state());
    scan_dir(&s, &r.logs());
}

/// With STS credentials, a refused signature must not echo the security token: the API's
/// `SignatureDoesNotMatch` message quotes its string-to-sign, which holds every request
/// parameter — `SecurityToken` included (V1), or the `x-acs-security-token` header (V3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_sts_signature_does_not_echo_the_security_token() {
    let w = common::world().await;
    let mut key = sts_key(&w).await;
    let s = secrets_of(&w, &key);
    key.secret = Secret::new("WrongSecretWrongSecret0123456789");
    let r = Runner::new(&w, &key);
    for sig in ["v1", "v3"] {
        let out = r.run(
            &w.setup_argv(&["--non-interactive", "--yes"]),
            &[("TILINK_SIGNATURE", sig)],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{sig}: {err}");
        assert!(err.contains("SignatureDoesNotMatch"), "{sig}: {err}");
        scan_output(&s, &format!("refused STS signature {sig}"), &out);
        scan_dir(&s, &r.logs());
    }
}

// ───────────────────────────── error values ─────────────────────────────

/// `Display` and `Debug` of every error type tilink shows, built from real failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_values_never_hold_the_secret() {
    use tilink::cloud::aliyun::{AliyunClient, AliyunConfig, SignatureVersion};
    use tilink::cloud::tidb::TidbClient;
    let w = common::world().await;
    let m = &w.m;
    let wrong = "WrongSecretWrongSecret0123456789";
    let s = Secrets(vec![
        ("alibaba secret", m.alibaba_access_key_secret.clone()),
        ("tidb private key", m.tidb_private_key.clone()),
        ("wrong secret", wrong.to_string()),
    ]);
    let mut texts: Vec<(String, String)> = Vec::new();
    for sig in [SignatureVersion::V1, SignatureVersion::V3] {
        let mut cfg = AliyunConfig::new(&m.region);
        cfg.endpoint_override = Some(m.alibaba_endpoint.clone());
        cfg.signature = sig;
        let c = AliyunClient::new(
            cfg,
            AccessKey {
                id: m.alibaba_access_key_id.clone(),
                secret: Secret::new(wrong),
                security_token: None,
            },
        )
        .unwrap();
        texts.push((format!("client {sig:?}"), format!("{c:?}")));
        let e = c.get_caller_identity().await.unwrap_err();
        assert_eq!(e.code(), Some("SignatureDoesNotMatch"));
        texts.push((format!("AliyunError {sig:?}"), format!("{e} {e:?}")));
    }
    // A connection refused: the transport error names the URL, never the query.
    let mut cfg = AliyunConfig::new(&m.region);
    cfg.endpoint_override = Some("http://127.0.0.1:9".into());
    cfg.retry.max_attempts = 1;
    let c = AliyunClient::new(
        cfg,
        AccessKey {
            id: m.alibaba_access_key_id.clone(),
            secret: Secret::new(wrong),
            security_token: Some(Secret::new("TokenTokenToken0123456789")),
        },
    )
    .unwrap();
    let e = c.get_caller_identity().await.unwrap_err();
    texts.push(("transport".into(), format!("{e} {e:?}")));
    let s = Secrets(
        s.0.into_iter()
            .chain([("sts token", "TokenTokenToken0123456789".to_string())])
            .collect(),
    );

    let t = TidbClient::new(&m.tidb_endpoint, &m.tidb_public_key, Secret::new(wrong)).unwrap();
    texts.push(("tidb client".into(), format!("{t:?}")));
    let e = t.get_cluster(&m.cluster_id).await.unwrap_err();
    texts.push(("TidbError".into(), format!("{e} {e:?}")));

    // Credentials errors with secrets in the env and in malformed files.
    let home = tempfile::tempdir().unwrap();
    let mut inputs = tilink::credentials::Inputs {
        home: home.path().to_path_buf(),
        use_keyring: false,
        ..Default::default()
    };
    inputs
        .env
        .insert("ALIBABA_CLOUD_ACCESS_KEY_SECRET".into(), wrong.into());
    inputs
        .env
        .insert("TIDBCLOUD_PRIVATE_KEY".into(), m.tidb_private_key.clone());
    let e = tilink::credentials::resolve_alibaba(&inputs).unwrap_err();
    texts.push(("CredentialsError half env".into(), format!("{e} {e:?}")));
    let e = tilink::credentials::resolve_tidb(&inputs).unwrap_err();
    texts.push((
        "CredentialsError half tidb env".into(),
        format!("{e} {e:?}"),
    ));
    inputs.env.clear();
    for (rel, text) in [
        (
            ".aliyun/config.json",
            format!(r#"{{"profiles":[{{"name":"default","access_key_secret":"{wrong}" oops"#),
        ),
        (
            ".alibabacloud/credentials",
            format!("[default\naccess_key_secret = {wrong}\n"),
        ),
        (
            ".ticloud/config.toml",
            format!("[default]\nprivate-key = \"{}\nx", m.tidb_private_key),
        ),
    ] {
        let p = home.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        let a = tilink::credentials::resolve_alibaba(&inputs);
        let b = tilink::credentials::resolve_tidb(&inputs);
        for e in [a.err(), b.err()].into_iter().flatten() {
            texts.push((format!("CredentialsError {rel}"), format!("{e} {e:?}")));
        }
        for l in tilink::credentials::explain_alibaba(&inputs)
            .into_iter()
            .chain(tilink::credentials::explain_tidb(&inputs))
        {
            texts.push((format!("lookup {rel}"), format!("{l} {l:?}")));
        }
        std::fs::remove_file(&p).unwrap();
    }

    // The app's Failure from a refused discovery, and the Env's Debug.
    let mut env = w.env.clone();
    env.alibaba_key.secret = Secret::new(wrong);
    texts.push(("Env".into(), format!("{env:?}")));
    let tidb = env.tidb().unwrap();
    let make = |r: &str| env.clients(r);
    let input = tilink::engine::prepare::PrepareInput {
        cluster_id: &m.cluster_id,
        rds_id: &m.rds_instance_id,
        zones: &[],
        name: None,
        resume: None,
        region: None,
        setup_id: None,
    };
    let Err(e) = tilink::engine::prepare::prepare(&tidb, &make, &env.store, &input).await else {
        panic!("a wrong secret was accepted");
    };
    let f = tilink::app::setup::prepare_failure(e);
    assert_eq!(f.code, 3, "{f}");
    texts.push(("Failure".into(), format!("{f} {f:?}")));

    // A panic carrying credentials prints them masked.
    let creds = tilink::credentials::AlibabaCredentials {
        access_key_id: "LTAI5tPANICPANIC".into(),
        access_key_secret: Secret::new(wrong),
        security_token: None,
        source: tilink::credentials::Source::Env,
        role_arn: None,
    };
    let caught = std::panic::catch_unwind(|| panic!("boom with {creds:?}")).unwrap_err();
    let msg = caught.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("LTAI5tPANICPANIC"), "{msg}");
    texts.push(("panic payload".into(), msg));

    for (what, text) in &texts {
        s.assert_absent(what, text);
    }
    assert!(texts.len() >= 15, "{}", texts.len());
}

// ───────────────────────────────── TUI ─────────────────────────────────

mod tui {
    use super::*;
    use clap::Parser;
    use futures_util::Stream;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use std::pin::Pin;
    use tilink::app::context::Env;
    use tilink::cli::{Cli, SetupArgs};
    use tilink::tui::app::{App, Load, Screen};
    use tilink::tui::event_loop::Runtime;
    use tokio::sync::mpsc;

    type Keys = Pin<Box<dyn Stream<Item = std::io::Result<Event>> + Send>>;

    fn runtime(
        env: Env,
        w: &common::World,
    ) -> (mpsc::UnboundedSender<Event>, Runtime<TestBackend, Keys>) {
        let g = Cli::try_parse_from(["tilink", "--no-color"])
            .unwrap()
            .global;
        let opts = tilink::app::setup::wizard_options(&g, &env, &SetupArgs::default(), Some(&w.m));
        let app = App::new(opts, vec![]);
        let (tx, rx) = mpsc::unbounded_channel::<Event>();
        let keys: Keys = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|e| (Ok(e), rx))
        }));
        let term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        (tx, Runtime::new(term, keys, app, env))
    }

    fn enter() -> Event {
        Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
    }

    /// Drives the wizard with Enter until `done`, scanning every frame.
    async fn drive(
        rt: &mut Runtime<TestBackend, Keys>,
        tx: &mpsc::UnboundedSender<Event>,
        s: &Secrets,
        limit: Duration,
        done: impl Fn(&App) -> bool,
    ) -> usize {
        let end = Instant::now() + limit;
        let mut frames = 0;
        let mut last_enter = Instant::now();
        rt.draw().unwrap();
        while Instant::now() < end && !done(&rt.app) {
            if last_enter.elapsed() > Duration::from_millis(250) {
                tx.send(enter()).unwrap();
                last_enter = Instant::now();
            }
            match tokio::time::timeout(Duration::from_millis(500), rt.step()).await {
                Ok(Ok(true)) => {}
                other => panic!("runtime stopped early: {other:?}"),
            }
            frames += 1;
            let text = rt.terminal.backend().to_string();
            s.assert_absent(&format!("TUI {:?}", rt.app.screen), &text);
        }
        assert!(done(&rt.app), "{}", rt.terminal.backend());
        frames
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tui_buffer_never_shows_a_secret() {
        let w = common::world().await;
        let key = sts_key(&w).await;
        let s = secrets_of(&w, &key);
        let mut env = w.env.clone();
        env.alibaba_key = key;
        let (tx, mut rt) = runtime(env, &w);
        let frames = drive(&mut rt, &tx, &s, Duration::from_secs(90), |a| {
            a.screen == Screen::Done
        })
        .await;
        assert!(frames > 10);
        assert!(rt.terminal.backend().to_string().contains("ACTIVE"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tui_credentials_screen_with_refused_keys_shows_no_secret() {
        let w = common::world().await;
        let good = w.env.alibaba_key.clone();
        let wrong = "WrongSecretWrongSecret0123456789";
        let s = Secrets(vec![
            ("alibaba secret", good.secret.expose().to_string()),
            ("wrong secret", wrong.into()),
            ("tidb private key", w.m.tidb_private_key.clone()),
            ("wrong tidb key", "WrongTidbPrivateKey-0123456789".into()),
        ]);
        let mut env = w.env.clone();
        env.alibaba_key.secret = Secret::new(wrong);
        env.tidb_private = Secret::new("WrongTidbPrivateKey-0123456789");
        let (tx, mut rt) = runtime(env, &w);
        drive(&mut rt, &tx, &s, Duration::from_secs(30), |a| {
            a.screen == Screen::Credentials
                && matches!(a.identity, Load::Failed(_))
                && matches!(a.clusters, Load::Failed(_))
        })
        .await;
        let text = rt.terminal.backend().to_string();
        assert!(text.contains("SignatureDoesNotMatch"), "{text}");
        s.assert_absent("credentials screen", &text);
    }
}

// ─────────────────────────────── keyring ───────────────────────────────

/// With no credentials anywhere and the keyring consulted (absent, locked or refused in
/// this sandbox), the binary says where it looked and writes nothing: no credentials file
/// appears in HOME, nothing secret lands in the state dir.
#[test]
fn keyring_lookup_failures_degrade_to_a_clear_message_and_no_file() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tilink"))
        .args(["doctor", "--cluster-id", "1000000000000000000"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("TILINK_STATE_DIR", home.path().join("state"))
        // Point any D-Bus secret service at nothing.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = common::expect_exit(&out, 3);
    assert!(err.contains("keyring"), "the keyring is not named: {err}");
    assert!(
        err.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "no env var named: {err}"
    );
    let written = files_under(home.path());
    assert!(written.is_empty(), "files written: {written:?}");

    // A keyring entry that cannot be read back (absent entry, unavailable backend) is an
    // `Ok(None)` or an explanation, never a panic; the message is actionable.
    let id = format!("tilink-test-absent-{}", std::process::id());
    match tilink::credentials::load_from_keyring(tilink::credentials::Kind::Tidb, Some(&id)) {
        Ok(None) => {}
        Ok(Some(_)) => panic!("an entry exists for {id}"),
        Err(e) => {
            let m = e.to_string();
            assert!(m.contains("keyring"), "{m}");
        }
    }
}

/// A credentials file whose `type` line swallowed the next lines (a lost newline) must not
/// echo them: the "unsupported type" error quotes the value verbatim, secret included.
/// Found by the long fuzz run of `tests/it/fuzz_parsers.rs`.
#[test]
fn unsupported_type_error_does_not_quote_a_joined_secret_line() {
    let home = tempfile::tempdir().unwrap();
    let p = home.path().join(".alibabacloud/credentials");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(
        &p,
        "[default]\ntype = access_key access_key_id = LTAI5tJOINED01 access_key_secret = JoinedLineSecret0123456789\n",
    )
    .unwrap();
    let inputs = tilink::credentials::Inputs {
        home: home.path().to_path_buf(),
        use_keyring: false,
        ..Default::default()
    };
    let s = Secrets(vec![("secret", "JoinedLineSecret0123456789".into())]);
    let e = tilink::credentials::resolve_alibaba(&inputs).unwrap_err();
    s.assert_absent("CredentialsError", &format!("{e} {e:?}"));
    for l in tilink::credentials::explain_alibaba(&inputs) {
        s.assert_absent("lookup line", &l.to_string());
    }
}
