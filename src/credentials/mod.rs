//! Credential chain: flags → env → aliyun/ticloud profiles → OS keyring.
//!
//! [`resolve_alibaba`] and [`resolve_tidb`] walk the chain and return the first hit, tagged
//! with the [`Source`] that won. [`explain_alibaba`] and [`explain_tidb`] walk every source
//! and report what each one holds, for the TUI's credentials screen and doctor's
//! `credentials` check. Secrets stay inside [`Secret`]: no error, lookup line or `Debug`
//! output ever contains one.
//!
//! Order for Alibaba Cloud: flags, `ALIBABA_CLOUD_*` env, `~/.aliyun/config.json`,
//! `~/.alibabacloud/credentials`, OS keyring. For TiDB Cloud: flags, `TIDBCLOUD_*` env,
//! `~/.ticloud/config.toml`, OS keyring.

mod alibaba_profile;
mod alibabacloud_file;
mod aliyun_cli;
mod chain;
pub mod env;
mod files;
mod ini;
mod keyring_store;
mod ticloud;

/// Fixtures the credential sources' tests share.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::Inputs;
    use super::chain::Probe;

    /// A temporary HOME holding `text` at `rel` (such as `.aliyun/config.json`), and inputs
    /// that read from it.
    pub fn home_with(rel: &str, text: &str) -> (tempfile::TempDir, Inputs) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        let inputs = Inputs {
            home: dir.path().to_path_buf(),
            ..Inputs::default()
        };
        (dir, inputs)
    }

    /// The credentials a probe found; a miss or an error fails the test.
    pub fn hit<T, E: std::fmt::Debug>(probe: Result<Probe<T>, E>) -> T {
        match probe.expect("probe ok") {
            Probe::Hit { creds, .. } => creds,
            Probe::Miss(why) => panic!("expected hit, got miss: {why}"),
        }
    }
}

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::secret::Secret;

pub use chain::{explain_alibaba, explain_tidb, resolve_alibaba, resolve_tidb};
pub use keyring_store::{
    KEYRING_SERVICE, backend_note, delete_from_keyring, forget_all_in_keyring, load_from_keyring,
    save_to_keyring,
};

/// Which cloud a credential is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Alibaba Cloud access key (RAM user or STS).
    Alibaba,
    /// TiDB Cloud API key pair.
    Tidb,
}

impl Kind {
    /// Prefix of this kind's keyring user names (`alibaba`, `tidb`).
    pub fn keyring_prefix(self) -> &'static str {
        match self {
            Kind::Alibaba => "alibaba",
            Kind::Tidb => "tidb",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Alibaba => "Alibaba Cloud",
            Kind::Tidb => "TiDB Cloud",
        })
    }
}

/// Where a credential came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Command-line flags.
    Flag,
    /// Environment variables (`ALIBABA_CLOUD_*` or `TIDBCLOUD_*`).
    Env,
    /// A profile of the aliyun CLI's `~/.aliyun/config.json`.
    AliyunCliProfile {
        /// The config file.
        path: PathBuf,
        /// The profile name.
        profile: String,
    },
    /// A section of the Alibaba Cloud SDK credentials file `~/.alibabacloud/credentials`.
    AlibabaCloudCredentialsFile {
        /// The credentials file.
        path: PathBuf,
        /// The section name.
        profile: String,
    },
    /// A profile of the TiDB Cloud CLI's `~/.ticloud/config.toml`.
    TicloudProfile {
        /// The config file.
        path: PathBuf,
        /// The profile name.
        profile: String,
    },
    /// The OS keyring (service `tilink`).
    Keyring,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str(FLAGS),
            Source::Env => f.write_str("environment variables"),
            Source::AliyunCliProfile { path, profile } => {
                write!(f, "aliyun CLI profile '{profile}' ({})", display_path(path))
            }
            Source::AlibabaCloudCredentialsFile { path, profile } => write!(
                f,
                "Alibaba Cloud credentials file profile '{profile}' ({})",
                display_path(path)
            ),
            Source::TicloudProfile { path, profile } => {
                write!(f, "ticloud profile '{profile}' ({})", display_path(path))
            }
            Source::Keyring => f.write_str("OS keyring"),
        }
    }
}

/// A path with the user's home directory shortened to `~`.
pub fn display_path(path: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
        && let Ok(rest) = path.strip_prefix(Path::new(&home))
    {
        return Path::new("~").join(rest).display().to_string();
    }
    path.display().to_string()
}

/// What the cloud client needs to call STS `AssumeRole` (RamRoleArn profiles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleSpec {
    /// `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub session_name: String,
    /// `DurationSeconds` (3600 unless the profile says otherwise).
    pub duration_seconds: u32,
}

/// Session name used when a RamRoleArn profile does not name one.
pub const DEFAULT_SESSION_NAME: &str = "tilink";
/// Role session length used when a RamRoleArn profile does not set one.
pub const DEFAULT_ROLE_DURATION_SECONDS: u32 = 3600;

/// Alibaba Cloud credentials. With `role_arn` set, the access key is the base key the
/// client must use to call STS `AssumeRole` before anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlibabaCredentials {
    /// Access key id (not secret).
    pub access_key_id: String,
    /// Access key secret.
    pub access_key_secret: Secret,
    /// STS security token, for temporary credentials.
    pub security_token: Option<Secret>,
    /// Where these came from.
    pub source: Source,
    /// Role to assume with this key, for RamRoleArn profiles.
    pub role_arn: Option<AssumeRoleSpec>,
}

/// TiDB Cloud API key pair (HTTP Digest user and password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TidbCredentials {
    /// Public key (Digest user name).
    pub public_key: String,
    /// Private key (Digest password).
    pub private_key: Secret,
    /// Where these came from.
    pub source: Source,
}

/// Everything the chain reads, gathered up front so tests can fake it.
///
/// `Debug` lists env var names only: the environment holds secrets.
#[derive(Clone, Default)]
pub struct Inputs {
    /// Home directory holding `.aliyun/`, `.alibabacloud/` and `.ticloud/`.
    pub home: PathBuf,
    /// Environment variables.
    pub env: HashMap<String, String>,
    /// aliyun CLI / credentials-file profile chosen on the command line.
    pub aliyun_profile: Option<String>,
    /// ticloud profile chosen on the command line (lowercased, like `ticloud -P`).
    pub ticloud_profile: Option<String>,
    /// Alibaba access key id and secret from flags.
    pub flag_alibaba: Option<(String, Secret)>,
    /// TiDB public and private key from flags.
    pub flag_tidb: Option<(String, Secret)>,
    /// Whether to consult the OS keyring.
    pub use_keyring: bool,
}

impl Inputs {
    /// Real home directory and process environment; keyring on, no flags.
    pub fn from_process(aliyun_profile: Option<String>, ticloud_profile: Option<String>) -> Self {
        let env: HashMap<String, String> = std::env::vars().collect();
        let home = env
            .get("HOME")
            .or_else(|| env.get("USERPROFILE"))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        Inputs {
            home,
            env,
            aliyun_profile,
            ticloud_profile,
            flag_alibaba: None,
            flag_tidb: None,
            use_keyring: true,
        }
    }

    /// A non-empty environment variable.
    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

impl fmt::Debug for Inputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut env_names: Vec<&str> = self.env.keys().map(String::as_str).collect();
        env_names.sort_unstable();
        f.debug_struct("Inputs")
            .field("home", &self.home)
            .field("env_names", &env_names)
            .field("aliyun_profile", &self.aliyun_profile)
            .field("ticloud_profile", &self.ticloud_profile)
            .field("flag_alibaba", &self.flag_alibaba)
            .field("flag_tidb", &self.flag_tidb)
            .field("use_keyring", &self.use_keyring)
            .finish()
    }
}

/// One place the chain looked and what it found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The place, e.g. `env ALIBABA_CLOUD_ACCESS_KEY_ID` or a file path.
    pub source: String,
    /// What was found, e.g. `not set`, `file not found`, `found key LTAI…abcd (used)`.
    pub outcome: String,
}

impl fmt::Display for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.outcome)
    }
}

/// A mode/type value fit to print: a short identifier as is; anything else (a line that
/// swallowed the next ones could hold a secret) only described.
pub(crate) fn printable_mode(v: &str) -> String {
    if v.len() <= 32
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        v.to_string()
    } else {
        format!("<unrecognised value, {} characters>", v.chars().count())
    }
}

/// Why credentials could not be resolved or stored. Never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// No source held credentials.
    #[error("{}", not_found_message(*kind, looked))]
    NotFound {
        /// Which cloud.
        kind: Kind,
        /// Every place looked at.
        looked: Vec<Lookup>,
    },
    /// One half of an env var pair is set.
    #[error("{set} is set but {missing} is not; set both or unset both")]
    HalfSetEnv {
        /// The variable that is set.
        set: &'static str,
        /// The variable that is missing.
        missing: &'static str,
    },
    /// A profile named on the command line or in `ALIBABA_CLOUD_PROFILE` exists nowhere.
    #[error(
        "{kind} profile '{profile}' was not found or holds no usable credentials{}",
        lookups_suffix(looked)
    )]
    ProfileNotFound {
        /// Which cloud.
        kind: Kind,
        /// The requested profile.
        profile: String,
        /// Every place looked at.
        looked: Vec<Lookup>,
    },
    /// A credentials file could not be read.
    #[error("cannot read {}: {source}", display_path(path))]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A credentials file is not valid JSON/TOML/INI or has the wrong shape.
    #[error("{} is malformed{}: {problem}", display_path(path), position(*line, *column))]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What is wrong (never quotes file contents).
        problem: String,
    },
    /// A profile uses an authentication mode tilink cannot use.
    #[error(
        "{} profile '{profile}' in {} uses {what} '{mode}', which tilink does not support; \
         supported: {supported}. Pick another profile or set the credentials in env vars",
        tool,
        display_path(path)
    )]
    UnsupportedMode {
        /// `aliyun CLI` or `Alibaba Cloud credentials file`.
        tool: &'static str,
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// `mode` or `type`.
        what: &'static str,
        /// The unsupported value.
        mode: String,
        /// The supported values.
        supported: &'static str,
    },
    /// A profile has only part of what its mode needs.
    #[error(
        "{tool} profile '{profile}' in {} is incomplete: {problem}",
        display_path(path)
    )]
    Incomplete {
        /// `aliyun CLI`, `Alibaba Cloud credentials file` or `ticloud`.
        tool: &'static str,
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// What is missing.
        problem: String,
    },
    /// The OS keyring refused a store or load.
    #[error("OS keyring: {0}")]
    Keyring(String),
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

fn lookups_suffix(looked: &[Lookup]) -> String {
    let mut s = String::from(". tilink looked in:");
    for l in looked {
        s.push_str(&format!("\n  - {l}"));
    }
    s
}

/// The lookup place of keys given by flag (`--alibaba-access-key-id`, `--tidb-public-key`;
/// their secrets come from env, stdin or a prompt, never a flag).
pub(crate) const FLAGS: &str = "command-line flags";
/// What the flags lookup says when none were given.
pub(crate) const NOT_GIVEN: &str = "not given";

fn not_found_message(kind: Kind, looked: &[Lookup]) -> String {
    let mut s = format!("no {kind} credentials found. tilink looked in:");
    // Key ids may be flags, secrets never are; an empty flag slot is not worth a line.
    for l in looked
        .iter()
        .filter(|l| !(l.source == FLAGS && l.outcome == NOT_GIVEN))
    {
        s.push_str(&format!("\n  - {l}"));
    }
    s.push_str("\nTo fix it, do one of:");
    match kind {
        Kind::Alibaba => {
            s.push_str(&format!(
                "\n  - export {} and {} (and {} for STS tokens)",
                env::ALIBABA_ID,
                env::ALIBABA_SECRET,
                env::ALIBABA_TOKEN
            ));
            s.push_str("\n  - run `aliyun configure` to create an aliyun CLI profile");
            s.push_str("\n  - add an access key to ~/.alibabacloud/credentials");
            s.push_str(
                "\n  - run `tilink auth login --cloud alibaba` to check it and store it in the OS keyring\n  - pass --alibaba-access-key-id ID with the secret in ALIBABA_CLOUD_ACCESS_KEY_SECRET or on stdin (--secrets-stdin)",
            );
        }
        Kind::Tidb => {
            s.push_str(&format!(
                "\n  - export {} and {} (an organization API key)",
                env::TIDB_PUBLIC,
                env::TIDB_PRIVATE
            ));
            s.push_str(
                "\n  - run `ticloud config create` to store an API key in a ticloud profile",
            );
            s.push_str(
                "\n  - run `tilink auth login --cloud tidb` to check it and store it in the OS keyring\n  - pass --tidb-public-key KEY with the private key in TIDBCLOUD_PRIVATE_KEY or on stdin (--secrets-stdin)",
            );
        }
    }
    s.push_str(
        "\n  - or run `tilink sandbox` to try tilink against a simulator, no account needed",
    );
    s
}

/// `LTAI…abcd` / `ab…gh` / `***`: enough to tell keys apart without printing them whole.
pub fn mask(id: &str) -> String {
    mask_id(id)
}

/// `LTAI…abcd` / `ab…gh` / `***`: enough to tell keys apart without printing them whole.
pub(crate) fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let keep = match chars.len() {
        n if n >= 12 => 4,
        n if n >= 6 => 2,
        _ => return "***".to_string(),
    };
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_id_keeps_ends_only() {
        assert_eq!(mask_id("LTAI5tABCDEFGHIJ"), "LTAI…GHIJ");
        assert_eq!(mask_id("abcdefgh"), "ab…gh");
        assert_eq!(mask_id("abc"), "***");
    }

    #[test]
    fn source_display_shortens_home() {
        let s = Source::TicloudProfile {
            path: PathBuf::from("/nonexistent-home/.ticloud/config.toml"),
            profile: "default".into(),
        };
        assert_eq!(
            s.to_string(),
            "ticloud profile 'default' (/nonexistent-home/.ticloud/config.toml)"
        );
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty() && h != "/") {
            let s = Source::AliyunCliProfile {
                path: PathBuf::from(home).join(".aliyun/config.json"),
                profile: "default".into(),
            };
            assert_eq!(
                s.to_string(),
                "aliyun CLI profile 'default' (~/.aliyun/config.json)"
            );
        }
    }
}
