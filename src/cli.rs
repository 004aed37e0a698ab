//! Command line: every prompt has a flag, and every flag an env var.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

mod values;

use values::{
    parse_account_id, parse_cluster_id, parse_host_port, parse_plc_name, parse_rds_instance,
    parse_region, parse_share, parse_sigma, parse_time_scale,
};

/// tilink connects a TiDB Cloud Essential cluster on Alibaba Cloud to an ApsaraDB RDS for
/// MySQL instance over a Private Link Connection, and explains any existing chain link by link.
#[derive(Debug, Parser)]
#[command(name = "tilink", version, about, long_about = None, propagate_version = true)]
#[command(after_help = "Without a subcommand, `tilink` runs `tilink setup`. \
Try it with no cloud account: `tilink sandbox`.\n\
Exit codes: 0 ok · 1 failed, or doctor: a link is broken · 2 bad usage or input · 3 credentials missing or refused · 4 doctor: nothing failed but some link could not be checked or is being modified · 130 interrupted (the journal keeps every id).")]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run (default: setup).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Global options that mean nothing to a subcommand: hidden from its help. They are still
/// accepted (and ignored), so a script that sets them for every command keeps working.
const CLOUD: &[&str] = &[
    "alibaba_endpoint",
    "tidb_endpoint",
    "aliyun_profile",
    "ticloud_profile",
    "signature",
    "rate_limit",
    "no_keyring",
    "alibaba_access_key_id",
    "tidb_public_key",
    "secrets_stdin",
];

/// The subcommands and the global options that do not apply to them.
fn not_for(sub: &str) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = match sub {
        // The simulator serves; it reads no credentials, calls no cloud, prints one manifest.
        "sim" => vec!["region", "output", "no_color"],
        // The sandbox brings its own simulated clouds and keys.
        "sandbox" => vec![],
        "policy" => vec!["no_color", "log_file"],
        "completions" | "man" => vec!["region", "output", "no_color", "log_file"],
        _ => return Vec::new(),
    };
    v.extend_from_slice(CLOUD);
    v
}

/// The command line with each subcommand's help showing only the options that apply to it:
/// the subcommand gets its own hidden copy of each global option that does not apply, and
/// clap does not propagate a global over an argument the subcommand already has.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    for sub in ["sim", "sandbox", "policy", "completions", "man"] {
        let hidden: Vec<clap::Arg> = globals
            .iter()
            .filter(|a| not_for(sub).contains(&a.get_id().as_str()))
            .map(|a| a.clone().hide(true))
            .collect();
        cmd = cmd.mut_subcommand(sub, |sc| sc.args(hidden));
    }
    cmd
}

/// The report format a raw command line asks for (its last `-o`/`--output`, else
/// `TILINK_OUTPUT`). For `--version`, which ends clap's parse before a later `-o json` is
/// read; `args` excludes the program name.
pub fn output_in_args<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut chosen = std::env::var("TILINK_OUTPUT").ok();
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let a = a.as_ref().to_string_lossy().into_owned();
        if a == "--" {
            break;
        }
        let value = if a == "-o" || a == "--output" {
            args.next()
                .map(|v| v.as_ref().to_string_lossy().into_owned())
        } else if let Some(v) = a.strip_prefix("--output=") {
            Some(v.to_string())
        } else {
            a.strip_prefix("-o")
                .map(|v| v.strip_prefix('=').unwrap_or(v).to_string())
        };
        if value.is_some() {
            chosen = value;
        }
    }
    if chosen.as_deref() == Some("json") {
        Output::Json
    } else {
        Output::Text
    }
}

/// Parses the process's arguments with [`command`].
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let m = command().try_get_matches()?;
    Cli::from_arg_matches(&m)
}

/// Options every command takes (shown once, under their own heading, after a command's
/// own options, as `gh` does).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// One base URL for every Alibaba Cloud product (the simulator, a proxy).
    #[arg(
        long,
        global = true,
        env = "TILINK_ALIBABA_ENDPOINT",
        value_name = "URL"
    )]
    pub alibaba_endpoint: Option<String>,
    /// Base URL of the TiDB Cloud API (default https://serverless.tidbapi.com).
    #[arg(long, global = true, env = "TILINK_TIDB_ENDPOINT", value_name = "URL")]
    pub tidb_endpoint: Option<String>,
    /// Alibaba Cloud region (default: the cluster's region).
    #[arg(long, global = true, env = "TILINK_REGION", value_parser = parse_region)]
    pub region: Option<String>,
    /// Output format for reports.
    #[arg(short, long, global = true, env = "TILINK_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Write logs to this file (created 0600).
    #[arg(long, global = true, env = "TILINK_LOG_FILE", value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// No colours (also when NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// aliyun CLI profile to read credentials from (~/.aliyun/config.json).
    #[arg(
        long,
        global = true,
        env = "TILINK_ALIYUN_PROFILE",
        value_name = "NAME"
    )]
    pub aliyun_profile: Option<String>,
    /// ticloud profile to read API keys from (~/.ticloud/config.toml).
    #[arg(
        long,
        global = true,
        env = "TILINK_TICLOUD_PROFILE",
        value_name = "NAME"
    )]
    pub ticloud_profile: Option<String>,
    /// Alibaba Cloud signature: v1 (HMAC-SHA1) or v3 (ACS3-HMAC-SHA256).
    #[arg(long, global = true, env = "TILINK_SIGNATURE", value_enum, default_value_t = Signature::V1)]
    pub signature: Signature,
    /// Client-side limit on API requests per second (0 = none; doctor --all-clusters uses 20).
    #[arg(
        long,
        global = true,
        env = "TILINK_RATE_LIMIT",
        value_name = "PER_SECOND"
    )]
    pub rate_limit: Option<f64>,
    /// Alibaba Cloud AccessKey id to use (its secret: env ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    /// --secrets-stdin, or a hidden prompt; never a flag).
    #[arg(long, global = true, value_name = "ID")]
    pub alibaba_access_key_id: Option<String>,
    /// TiDB Cloud API public key to use (its private key: env TIDBCLOUD_PRIVATE_KEY,
    /// --secrets-stdin, or a hidden prompt; never a flag).
    #[arg(long, global = true, value_name = "KEY")]
    pub tidb_public_key: Option<String>,
    /// Read the secrets of the keys given by flag from stdin, one line each (Alibaba first).
    #[arg(long, global = true)]
    pub secrets_stdin: bool,
    /// Record every request and answer, redacted, to DIR/transcript.jsonl (mode 0600;
    /// docs/TRANSCRIPTS.md).
    #[arg(long, global = true, env = "TILINK_RECORD", value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Do not read the OS keyring.
    #[arg(long, global = true, env = "TILINK_NO_KEYRING", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_keyring: bool,
}

impl GlobalArgs {
    /// True when colours are off (flag or a non-empty NO_COLOR).
    pub fn no_color(&self) -> bool {
        use std::io::IsTerminal;
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
        // https://no-color.org and https://bixense.com/clicolors: NO_COLOR (or the flag)
        // always wins; CLICOLOR_FORCE colours even a pipe; otherwise colour only on a
        // terminal that is not `dumb` (piped output is read by programs and files).
        if self.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return true;
        }
        if set("CLICOLOR_FORCE") {
            return false;
        }
        std::env::var("TERM").is_ok_and(|t| t == "dumb") || !std::io::stdout().is_terminal()
    }
}

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Readable text.
    Text,
    /// One JSON object on stdout.
    Json,
}

/// Alibaba Cloud signature version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Signature {
    /// HMAC-SHA1 (SignatureVersion=1.0).
    V1,
    /// ACS3-HMAC-SHA256.
    V3,
}

/// Every `tilink` subcommand; none given runs `setup`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the private link chain (the wizard; `--non-interactive` for scripts).
    Setup(SetupArgs),
    /// The same wizard against a built-in simulator of both clouds: no account needed.
    Sandbox(SandboxArgs),
    /// Run the simulator of both clouds as a server; prints one JSON manifest line.
    Sim(SimArgs),
    /// Walk an existing chain and say what is broken, why, and how to fix it.
    Doctor(DoctorArgs),
    /// Swap a stale RDS backend IP in the server group for the current one (add the new IP,
    /// wait until healthy, remove the old). Safe to run from cron.
    Reconcile(DoctorArgs),
    /// Delete what tilink created, in reverse order, after confirmation.
    Teardown(TeardownArgs),
    /// Print the least-privilege RAM policy for tilink's calls.
    Policy(PolicyArgs),
    /// Export the chain as Terraform (with import blocks) and the ticloud command.
    Export(ExportArgs),
    /// Sign in like `gh auth`: store each cloud's keys in the OS keyring (checked first),
    /// see which keys tilink uses, or remove them.
    Auth(AuthArgs),
    /// Print shell completions: `tilink completions bash|zsh|fish|powershell|elvish`.
    Completions(CompletionsArgs),
    /// Print the man page (troff) on stdout: `tilink man > tilink.1`, `tilink man doctor`;
    /// or write one page per command into a directory: `tilink man --out-dir DIR`.
    Man(ManArgs),
}

/// `tilink auth`.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: AuthAction,
}

/// `tilink auth login | status | logout`.
#[derive(Debug, Subcommand)]
pub enum AuthAction {
    /// Ask for each cloud's keys, check them with one call each, store them in the OS
    /// keyring (service `tilink`), and say where.
    Login(AuthCloudArgs),
    /// For each cloud: which source's keys tilink uses (key id masked), and whether they work.
    Status,
    /// Remove the keys `tilink auth login` stored in the OS keyring.
    Logout(AuthCloudArgs),
}

/// Which cloud `tilink auth` works on.
#[derive(Debug, Args)]
pub struct AuthCloudArgs {
    /// The cloud (default: both).
    #[arg(long, value_enum, default_value_t = Cloud::Both)]
    pub cloud: Cloud,
}

/// A cloud, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Cloud {
    /// Alibaba Cloud (AccessKey).
    Alibaba,
    /// TiDB Cloud (API key).
    Tidb,
    /// Both clouds.
    Both,
}

/// `tilink setup`.
#[derive(Debug, Args, Clone)]
pub struct SetupArgs {
    /// TiDB Cloud cluster id (19–20 digits).
    #[arg(long, env = "TILINK_CLUSTER_ID", value_parser = parse_cluster_id)]
    pub cluster_id: Option<String>,
    /// ApsaraDB RDS instance id (rm-…).
    #[arg(long, env = "TILINK_RDS_INSTANCE", value_parser = parse_rds_instance)]
    pub rds_instance: Option<String>,
    /// Zones for the NLB and endpoint service (comma-separated; default: the best overlap).
    #[arg(long, env = "TILINK_ZONES", value_delimiter = ',')]
    pub zones: Vec<String>,
    /// Display name of the TiDB private link connection.
    #[arg(long, env = "TILINK_PLC_NAME", value_parser = parse_plc_name)]
    pub name: Option<String>,
    /// No prompts: every answer comes from flags or env vars.
    #[arg(long, env = "TILINK_NON_INTERACTIVE", value_parser = clap::builder::BoolishValueParser::new())]
    pub non_interactive: bool,
    /// Line-by-line prompts instead of the full-screen wizard (screen readers, dumb terminals).
    #[arg(long, env = "TILINK_PLAIN", value_parser = clap::builder::BoolishValueParser::new())]
    pub plain: bool,
    /// Answer yes to the confirmation.
    #[arg(long, short = 'y', env = "TILINK_YES", value_parser = clap::builder::BoolishValueParser::new())]
    pub yes: bool,
    /// Show the plan and create nothing.
    #[arg(long, env = "TILINK_DRY_RUN", value_parser = clap::builder::BoolishValueParser::new())]
    pub dry_run: bool,
    /// When another tilink setup for the same cluster is running, fail at once instead of
    /// waiting for it to finish.
    #[arg(long, env = "TILINK_NO_WAIT", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_wait: bool,
    /// Resume this setup id from its journal.
    #[arg(long, env = "TILINK_RESUME", value_name = "SETUP_ID")]
    pub resume: Option<String>,
    /// The endpoint (ep-…) of TiDB Cloud's connection request to accept, for when the private
    /// link connection never reports its endpoint id (tilink then lists the pending requests
    /// from TiDB Cloud's account and accepts none by itself).
    #[arg(long, env = "TILINK_ACCEPT_ENDPOINT", value_name = "ENDPOINT_ID")]
    pub accept_endpoint: Option<String>,
    /// Give up any single wait after this many seconds (every id is journaled; rerun to
    /// resume).
    #[arg(long, env = "TILINK_TIMEOUT", default_value_t = 1800)]
    pub timeout_secs: u64,
    /// With --dry-run, terraform's exit codes: 0 no changes, 2 changes pending, 1 error.
    #[arg(long, requires = "dry_run")]
    pub detailed_exitcode: bool,
    /// With --dry-run: save the plan to FILE (JSON, mode 0600) for `setup --plan FILE`.
    #[arg(long, value_name = "FILE", requires = "dry_run")]
    pub out: Option<std::path::PathBuf>,
    /// Apply exactly the plan saved by `--dry-run --out FILE` (its setup id, cluster and
    /// instance), without asking; refused (exit 2, naming the difference) if the clouds
    /// changed since. Implies --non-interactive.
    #[arg(long = "plan", value_name = "FILE", conflicts_with = "dry_run")]
    pub plan_file: Option<std::path::PathBuf>,
}

impl SetupArgs {
    /// `tilink setup` with no flags: clap's defaults and the `TILINK_*` environment.
    pub fn from_env() -> Result<SetupArgs, clap::Error> {
        use clap::FromArgMatches;
        let cmd =
            <SetupArgs as Args>::augment_args(clap::Command::new("setup").no_binary_name(true));
        SetupArgs::from_arg_matches(&cmd.try_get_matches_from(std::iter::empty::<String>())?)
    }
}

impl Default for SetupArgs {
    /// The declared defaults, without the environment (a derived default gave a timeout of
    /// zero; see [`SetupArgs::from_env`] for what a bare `tilink` uses).
    fn default() -> Self {
        SetupArgs {
            cluster_id: None,
            rds_instance: None,
            zones: Vec::new(),
            name: None,
            non_interactive: false,
            plain: false,
            yes: false,
            dry_run: false,
            no_wait: false,
            resume: None,
            accept_endpoint: None,
            timeout_secs: 1800,
            detailed_exitcode: false,
            out: None,
            plan_file: None,
        }
    }
}

/// `tilink sandbox`.
#[derive(Debug, Args, Clone)]
pub struct SandboxArgs {
    /// Seed of the simulated world.
    #[arg(long, env = "TILINK_SIM_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Speed of simulated provisioning (1.0 = real time; the default 0.08 shows every step
    /// for a few seconds and reaches Done in about 20 s; tilink's waits are not told).
    #[arg(long, env = "TILINK_SIM_TIME_SCALE", default_value_t = 0.08, value_parser = parse_time_scale)]
    pub time_scale: f64,
    /// Share of simulated calls that fail transiently.
    #[arg(long, env = "TILINK_SIM_FAULT_RATE", default_value_t = 0.0, value_parser = parse_share)]
    pub fault_rate: f64,
    /// Spread of provisioning delays: each is drawn from a log-normal whose median is the
    /// profile's delay and whose σ is this (0 = the fixed profile; 0.5 = a typical cloud's
    /// run-to-run variation). Reproducible from --seed.
    #[arg(long, env = "TILINK_SIM_JITTER", default_value_t = 0.0, value_parser = parse_sigma)]
    pub jitter: f64,
    /// A real MySQL server (HOST:PORT) behind the simulated RDS instance (as `tilink sim`).
    #[arg(long, env = "TILINK_SIM_RDS_UPSTREAM", value_name = "HOST:PORT", value_parser = parse_host_port)]
    pub rds_upstream: Option<SocketAddr>,
    /// Setup options (as for `tilink setup`).
    #[command(flatten)]
    pub setup: SetupArgs,
}

/// `tilink sim`.
#[derive(Debug, Args, Clone)]
pub struct SimArgs {
    /// Listen on a non-loopback address (the simulator serves its keys at /_sim/state
    /// without authentication: only for a network you trust).
    #[arg(long, env = "TILINK_SIM_LISTEN_ANY")]
    pub listen_any: bool,
    /// Address to listen on (port 0 picks a free one); loopback only unless --listen-any.
    #[arg(long, env = "TILINK_SIM_LISTEN", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Seed of the world and of the fault schedule.
    #[arg(long, env = "TILINK_SIM_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Delay added to every answer.
    #[arg(long, env = "TILINK_SIM_LATENCY_MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of calls answered with a transient failure (0.0–1.0).
    #[arg(long, env = "TILINK_SIM_FAULT_RATE", default_value_t = 0.0, value_parser = parse_share)]
    pub fault_rate: f64,
    /// Provisioning delays multiplier (1.0 = real magnitudes).
    #[arg(long, env = "TILINK_SIM_TIME_SCALE", default_value_t = 0.05, value_parser = parse_time_scale)]
    pub time_scale: f64,
    /// Spread of provisioning delays: each is drawn from a log-normal whose median is the
    /// profile's delay and whose σ is this (0 = the fixed profile; 0.5 = a typical cloud's
    /// run-to-run variation). Reproducible from --seed.
    #[arg(long, env = "TILINK_SIM_JITTER", default_value_t = 0.0, value_parser = parse_sigma)]
    pub jitter: f64,
    /// A real MySQL server (HOST:PORT) behind the simulated RDS instance, instead of the
    /// embedded MySQL-protocol server; its account must be the manifest's rds_user /
    /// rds_password.
    #[arg(long, env = "TILINK_SIM_RDS_UPSTREAM", value_name = "HOST:PORT", value_parser = parse_host_port)]
    pub rds_upstream: Option<SocketAddr>,
    /// Real-cloud behaviours to switch off, comma-separated (server-group-lock,
    /// lb-configuring, service-pending, repeat-refusal, service-delete-async,
    /// connection-pending, get-lag, rds-settling, plc-deleting, endpoint-id-late, or all).
    /// All are on by default: the simulator is as strict as the real clouds.
    #[arg(
        long,
        env = "TILINK_SIM_BEHAVIOUR_OFF",
        value_name = "NAMES",
        value_delimiter = ','
    )]
    pub behaviour_off: Vec<String>,
    /// Assumed behaviours to switch on, comma-separated (rds-keep-one-ip: RDS refuses to
    /// empty an allowlist group).
    #[arg(
        long,
        env = "TILINK_SIM_BEHAVIOUR_ON",
        value_name = "NAMES",
        value_delimiter = ','
    )]
    pub behaviour_on: Vec<String>,
    /// TiDB Cloud's rate-limit window in milliseconds instead of its minute (100 requests per
    /// window and API key): a scaled minute, so a benchmark of hundreds of chains finishes.
    /// The Alibaba flow-control windows shrink by the same ratio. Clients learn the TiDB
    /// window from the X-Ratelimit-Reset header and are told nothing.
    #[arg(long, env = "TILINK_SIM_RATE_LIMIT_WINDOW_MS", value_name = "MS", value_parser = clap::value_parser!(u64).range(1000..=3_600_000))]
    pub rate_limit_window_ms: Option<u64>,
    /// Seed N more Alibaba Cloud clusters, each with a chain in a known health (healthy, or
    /// broken in one documented way, or unreadable); the truth is in /_sim/state → fleet.
    #[arg(long, env = "TILINK_SIM_FLEET", value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub fleet: u64,
    /// Serve a recorded transcript (a `--record` DIR or its transcript.jsonl) back instead
    /// of simulating, and report where tilink's requests differ (GET /_replay/report).
    #[arg(long, env = "TILINK_SIM_REPLAY", value_name = "DIR")]
    pub replay: Option<PathBuf>,
}

/// `tilink doctor`.
#[derive(Debug, Args, Clone, Default)]
#[command(
    after_help = "Exit codes: 0 healthy · 1 at least one link is broken (the first failure listed is the root cause) · 2 bad input (unknown cluster or connection) · 3 credentials refused or a permission missing (both clouds reported) · 4 nothing failed, but some link could not be checked (throttled, 5xx, timeout) or is being modified right now (changing): run again later."
)]
pub struct DoctorArgs {
    /// Check every private link connection of this cluster.
    #[arg(long, env = "TILINK_CLUSTER_ID", value_parser = parse_cluster_id)]
    pub cluster_id: Option<String>,
    /// Check one private link connection (plc-…).
    #[arg(long, env = "TILINK_CONNECTION")]
    pub connection: Option<String>,
    /// Start from an endpoint service (epsrv-…).
    #[arg(long, env = "TILINK_ENDPOINT_SERVICE")]
    pub endpoint_service: Option<String>,
    /// Walk every Alibaba Cloud cluster's connections.
    #[arg(long)]
    pub all_clusters: bool,
    /// Apply the safe fixes after showing them.
    #[arg(long)]
    pub fix: bool,
    /// Also open a MySQL connection through the NLB (greeting, login, SELECT 1): the
    /// data-path check. The NLB is internal: run it on a host inside its VPC.
    #[arg(long)]
    pub probe: bool,
    /// MySQL user for --probe (its password: env TILINK_MYSQL_PASSWORD or a hidden prompt,
    /// never a flag).
    #[arg(long, env = "TILINK_MYSQL_USER", value_name = "USER")]
    pub mysql_user: Option<String>,
    /// Connect HOST:PORT at ADDRESS:PORT instead of resolving it, like curl's --resolve
    /// (an SSH tunnel, the simulator's data plane). Repeatable; env: comma-separated.
    #[arg(
        long,
        env = "TILINK_RESOLVE",
        value_delimiter = ',',
        value_name = "HOST:PORT:ADDRESS:PORT"
    )]
    pub resolve: Vec<String>,
    /// Do not ask before each fix.
    #[arg(long, short = 'y', env = "TILINK_YES", value_parser = clap::builder::BoolishValueParser::new())]
    pub yes: bool,
    /// Also write a support bundle (mode 0600): the report, the redacted transcript of this
    /// run, the cluster's journals, version, OS and settings; read it before you send it.
    #[arg(long, env = "TILINK_BUNDLE", value_name = "FILE.tar.gz")]
    pub bundle: Option<PathBuf>,
}

/// `tilink teardown`.
#[derive(Debug, Args, Clone, Default)]
pub struct TeardownArgs {
    /// The cluster whose tilink chain to delete.
    #[arg(long, env = "TILINK_CLUSTER_ID", value_parser = parse_cluster_id)]
    pub cluster_id: Option<String>,
    /// The setup id (default: the cluster's most recent setup).
    #[arg(long, env = "TILINK_SETUP_ID")]
    pub setup: Option<String>,
    /// Do not ask for confirmation (not enough when changefeeds or DM tasks use the
    /// connection: see --force-with-dependents). `TILINK_YES=1` counts only without a
    /// terminal: an environment variable never answers a destructive question on one.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// With --yes: delete even when changefeeds or DM tasks still use the connection (or
    /// could not be listed); they stop working. Never read from the environment.
    #[arg(long)]
    pub force_with_dependents: bool,
}

/// `tilink policy`.
#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    /// Which commands the policy must allow.
    #[arg(long = "for", value_enum, default_value_t = PolicyScope::Setup)]
    pub scope: PolicyScope,
    /// The Alibaba Cloud account (UID) that owns the resources: names it in every ARN.
    #[arg(long, value_parser = parse_account_id)]
    pub account_id: Option<String>,
    /// The RDS instance whose allowlist tilink changes (default for teardown: the setup's).
    #[arg(long, env = "TILINK_RDS_INSTANCE", value_parser = parse_rds_instance)]
    pub rds_instance: Option<String>,
    /// With --for teardown: the cluster whose setup (journal on this machine) to tear down.
    #[arg(long, env = "TILINK_CLUSTER_ID", value_parser = parse_cluster_id)]
    pub cluster_id: Option<String>,
}

/// Policy scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyScope {
    /// setup, teardown and doctor --fix.
    Setup,
    /// doctor (read-only).
    Doctor,
    /// teardown of one setup: deletes exactly its resources (needs --cluster-id).
    Teardown,
}

/// `tilink export`.
#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// Export format.
    #[arg(value_enum)]
    pub format: ExportFormat,
    /// The cluster whose chain to export.
    #[arg(long, env = "TILINK_CLUSTER_ID", value_parser = parse_cluster_id)]
    pub cluster_id: Option<String>,
    /// The setup id.
    #[arg(long, env = "TILINK_SETUP_ID")]
    pub setup: Option<String>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// HCL for the alicloud provider, with import blocks.
    Terraform,
}

/// `tilink man`.
#[derive(Debug, Args, Clone)]
pub struct ManArgs {
    /// The command whose page to print (`doctor`, `auth login`; default: tilink's own).
    #[arg(value_name = "COMMAND", conflicts_with = "out_dir")]
    pub command: Vec<String>,
    /// Write every page (tilink.1, tilink-doctor.1, … one per command) into DIR, created if
    /// missing, instead of printing one.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// `tilink completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn boolean_env_vars_accept_one_and_yes() {
        // SAFETY: this test alone touches these variables.
        unsafe { std::env::set_var("TILINK_NO_KEYRING", "1") };
        let cli = Cli::try_parse_from(["tilink", "policy"]).unwrap();
        assert!(cli.global.no_keyring);
        unsafe { std::env::set_var("TILINK_NO_KEYRING", "no") };
        let cli = Cli::try_parse_from(["tilink", "policy"]).unwrap();
        assert!(!cli.global.no_keyring);
        unsafe { std::env::remove_var("TILINK_NO_KEYRING") };
    }

    #[test]
    fn setup_is_the_default_and_flags_parse() {
        let cli = Cli::try_parse_from(["tilink", "-o", "json"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.global.output, Output::Json);
        let cli = Cli::try_parse_from([
            "tilink",
            "setup",
            "--cluster-id",
            "1234567890123456789",
            "--zones",
            "a,b",
            "--non-interactive",
        ])
        .unwrap();
        match cli.command {
            Some(Command::Setup(s)) => {
                assert_eq!(s.zones, ["a", "b"]);
                assert!(s.non_interactive);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["tilink", "setup", "--cluster-id", "1"]).is_err());
    }

    #[test]
    fn version_reads_the_output_option_wherever_it_is() {
        // SAFETY: no other test reads or writes TILINK_OUTPUT.
        unsafe { std::env::remove_var("TILINK_OUTPUT") };
        let out = |a: &[&str]| output_in_args(a.iter().copied());
        assert_eq!(out(&["--version"]), Output::Text);
        assert_eq!(out(&["--version", "-o", "json"]), Output::Json);
        assert_eq!(out(&["-o", "json", "--version"]), Output::Json);
        assert_eq!(out(&["--output=json", "-V"]), Output::Json);
        assert_eq!(out(&["-ojson", "doctor", "--version"]), Output::Json);
        assert_eq!(out(&["-o=json", "--version"]), Output::Json);
        assert_eq!(
            out(&["-o", "json", "-o", "text", "--version"]),
            Output::Text
        );
        assert_eq!(out(&["--version", "--", "-o", "json"]), Output::Text);
        assert_eq!(out(&["--version", "-o"]), Output::Text);
        // clap still owns the flag (and `-V`, and `doctor --version`): main answers it.
        let e = Cli::try_parse_from(["tilink", "--version"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
    }
}
