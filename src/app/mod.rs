//! Command dispatch: builds clients from flags and credentials, runs a command, maps
//! failures to exit codes and readable messages.

pub mod auth;
pub mod bundle;
pub mod context;
pub mod doctor;
pub mod export;
pub mod fleet;
pub mod logging;
pub mod manpages;
pub mod policy;
pub mod sandbox;
pub mod saved_plan;
pub mod setup;
pub mod tarball;
pub mod teardown;

use crate::cli::{Cli, Command, Output, SetupArgs};
use std::fmt;

/// The output format of this run, set once by [`run`]: notes on stderr follow it.
static OUTPUT: std::sync::OnceLock<Output> = std::sync::OnceLock::new();

/// One note or progress line on stderr: as is, or under `-o json` as a JSON line
/// `{"note": …}` so that stdout holds only the result and stderr only JSON lines (issue 27
/// #9). A multi-line text gives one line each (blank lines dropped under JSON).
pub fn say_line(text: &str) {
    if OUTPUT.get() == Some(&Output::Json) {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            // A progress event is already a JSON line.
            if line.starts_with('{') && serde_json::from_str::<serde_json::Value>(line).is_ok() {
                eprintln!("{line}");
                continue;
            }
            let line = line.strip_prefix("note: ").unwrap_or(line);
            eprintln!("{}", serde_json::json!({ "note": line }));
        }
    } else {
        eprintln!("{}", text.strip_suffix('\n').unwrap_or(text));
    }
}

/// `eprintln!` for notes and progress, through [`say_line`].
macro_rules! say {
    ($($t:tt)*) => {
        $crate::app::say_line(&format!($($t)*))
    };
}
pub(crate) use say;

/// Exit codes (documented in `--help` and the README).
pub mod exit {
    /// Success; doctor: healthy.
    pub const OK: u8 = 0;
    /// An operation failed; doctor: a check failed.
    pub const FAILED: u8 = 1;
    /// Bad usage or input (unknown cluster, PostgreSQL instance, no zone overlap, …).
    pub const INPUT: u8 = 2;
    /// `setup --dry-run --detailed-exitcode`: the plan would change something (terraform's
    /// meaning of 2; without the flag a dry run exits 0).
    pub const CHANGES_PENDING: u8 = 2;
    /// Credentials missing or refused.
    pub const CREDENTIALS: u8 = 3;
    /// Doctor: nothing failed, but at least one link could not be checked.
    pub const INCOMPLETE: u8 = 4;
    /// Interrupted (Ctrl-C, SIGINT, SIGTERM, SIGHUP); the journal is kept.
    pub const INTERRUPTED: u8 = 130;

    /// The one table from the engine's error kinds to exit codes.
    pub fn code(kind: crate::engine::Kind) -> u8 {
        use crate::engine::Kind;
        match kind {
            Kind::Input => INPUT,
            Kind::Credentials | Kind::Permission => CREDENTIALS,
            Kind::Interrupted => INTERRUPTED,
            Kind::Cloud | Kind::Timeout | Kind::Failed => FAILED,
        }
    }
}

/// A failure with its exit code and an actionable message.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Process exit code.
    pub code: u8,
    /// What happened and what to do.
    pub message: String,
}

impl Failure {
    /// Exit 1.
    pub fn failed(m: impl Into<String>) -> Self {
        Failure {
            code: exit::FAILED,
            message: m.into(),
        }
    }
    /// Exit 2.
    pub fn input(m: impl Into<String>) -> Self {
        Failure {
            code: exit::INPUT,
            message: m.into(),
        }
    }
    /// Exit 3.
    pub fn credentials(m: impl Into<String>) -> Self {
        Failure {
            code: exit::CREDENTIALS,
            message: m.into(),
        }
    }
}

impl From<crate::engine::Error> for Failure {
    fn from(e: crate::engine::Error) -> Self {
        Failure {
            code: exit::code(e.kind()),
            message: e.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Asks Alibaba Cloud who the key belongs to before a command that reads and writes a chain,
/// so that a refused key exits 3 with what is wrong instead of failing later with 1.
pub async fn verify_alibaba_key(c: &crate::engine::discover::Clients) -> Result<(), Failure> {
    match c.aliyun.get_caller_identity().await {
        Ok(_) => Ok(()),
        Err(e) => {
            match e.kind() {
                crate::cloud::ErrorKind::Credentials => Err(Failure::credentials(format!(
                    "Alibaba Cloud refused the access key: {}. Check ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (or the aliyun profile).",
                    crate::engine::doctor::facts::without_string_to_sign(&e.to_string())
                ))),
                // Anything else (throttling, an outage) is for the command itself to meet.
                _ => Ok(()),
            }
        }
    }
}

/// Tells stderr what the cloud answered while a busy resource is ridden out ("the endpoint
/// service is busy (EndpointServiceOperationDenied), retrying RemoveUserFromVpcEndpointService
/// · 0:12"), at most every 10 s per call: teardown and `--fix` are not silent while they wait.
pub fn busy_to_stderr() -> std::sync::Arc<dyn Fn(&crate::cloud::retry::BusyNote) + Send + Sync> {
    crate::engine::apply::runner::busy_reporter(|line| eprintln!("  {line}"))
}

static JSON_PRINTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Prints a command's one JSON object on stdout (`-o json`). A failure after it does not add
/// a second object: the result already carries its `error`.
pub fn emit_json(v: &serde_json::Value) {
    println!("{v}");
    JSON_PRINTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Runs the parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    let json = cli.global.output == Output::Json;
    let _ = OUTPUT.set(cli.global.output);
    let result = dispatch(cli).await;
    for n in crate::engine::journal::take_notices() {
        say_line(&format!("tilink: warning: {n}"));
    }
    match result {
        Ok(code) => code,
        Err(f) => {
            if json && !JSON_PRINTED.load(std::sync::atomic::Ordering::SeqCst) {
                emit_json(&serde_json::json!({"error": f.message, "exit_code": f.code}));
            }
            eprintln!("tilink: {}", f.message);
            f.code
        }
    }
}

async fn dispatch(cli: Cli) -> Result<u8, Failure> {
    use crate::signals::interruptible;
    let g = cli.global;
    // What to do after an interruption, told on the way out.
    const SETUP: &str =
        "Every resource created so far is in the journal; run the same command again to resume.";
    const SANDBOX: &str = "The sandbox's simulated clouds end with this process: nothing to resume; run `tilink sandbox` again.";
    const DOCTOR: &str = "Doctor only reads, unless a fix was running (each fix is safe to run again); run it again.";
    const RECONCILE: &str = "The backend swap is safe to run again; run the same command again.";
    const TEARDOWN: &str = "Every deletion so far is in the journal; run the same command again to finish the teardown.";
    const EXPORT: &str = "Export only reads; run it again.";
    // A bare `tilink` is `tilink setup`, parsed as such so that its defaults and its
    // environment (TILINK_TIMEOUT, TILINK_CLUSTER_ID, …) apply (issue 26 #7: a derived
    // default made every wait give up after one second).
    let command = match cli.command {
        Some(c) => c,
        None => Command::Setup(SetupArgs::from_env().map_err(|e| Failure::input(e.to_string()))?),
    };
    match command {
        Command::Setup(a) => interruptible(setup::command(&g, a), SETUP).await,
        Command::Sandbox(a) => interruptible(sandbox::command(&g, a), SANDBOX).await,
        Command::Sim(a) => {
            // Behaviour names are bad usage (exit 2), not a failure of the simulator.
            let mut check = crate::sim::behaviour::Behaviours::default();
            check
                .set_names(a.behaviour_off.iter().map(String::as_str), false)
                .and_then(|_| check.set_names(a.behaviour_on.iter().map(String::as_str), true))
                .map_err(Failure::input)?;
            if !a.listen.ip().is_loopback() && !a.listen_any {
                return Err(Failure::input(format!(
                    "--listen {} is not a loopback address: the simulator serves its access keys at /_sim/state without authentication. Listen on 127.0.0.1, or pass --listen-any for a network you trust",
                    a.listen
                )));
            }
            if let Some(dir) = &a.replay {
                let r = crate::sim::replay::run(dir, a.listen)
                    .await
                    .map_err(|e| Failure::input(format!("replay: {e:#}")))?;
                return Ok(if r.differences.is_empty() {
                    exit::OK
                } else {
                    exit::FAILED
                });
            }
            let opts = crate::sim::SimOptions {
                listen: a.listen,
                seed: a.seed,
                latency_ms: a.latency_ms,
                fault_rate: a.fault_rate,
                time_scale: a.time_scale,
                jitter: a.jitter,
                rds_upstream: a.rds_upstream,
                announce: true,
                behaviour_off: a.behaviour_off.clone(),
                behaviour_on: a.behaviour_on.clone(),
                rate_limit_window_ms: a.rate_limit_window_ms,
                fleet: usize::try_from(a.fleet).unwrap_or(0),
            };
            crate::sim::run(opts)
                .await
                .map_err(|e| Failure::failed(format!("simulator: {e:#}")))?;
            Ok(exit::OK)
        }
        Command::Doctor(a) => interruptible(doctor::command(&g, a), DOCTOR).await,
        Command::Reconcile(a) => interruptible(doctor::reconcile(&g, a), RECONCILE).await,
        Command::Teardown(a) => interruptible(teardown::command(&g, a), TEARDOWN).await,
        Command::Policy(a) => policy::command(&g, a),
        Command::Export(a) => interruptible(export::command(&g, a), EXPORT).await,
        Command::Auth(a) => interruptible(auth::command(&g, a), "auth").await,
        Command::Completions(a) => {
            let mut cmd = crate::cli::command();
            clap_complete::generate(a.shell, &mut cmd, "tilink", &mut std::io::stdout());
            Ok(exit::OK)
        }
        Command::Man(a) => manpages::command(a),
    }
}
