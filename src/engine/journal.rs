//! The setup journal: one small JSON file per setup under the user's state dir, written
//! atomically (temp file + rename) with mode 0600. It holds ids and progress, never secrets.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Ids of everything a setup created or adopted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceIds {
    /// `sgp-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_group_id: Option<String>,
    /// `nlb-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_id: Option<String>,
    /// `lsn-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_id: Option<String>,
    /// `epsrv-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_service_id: Option<String>,
    /// `com.aliyuncs.privatelink.<region>.epsrv-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_service_name: Option<String>,
    /// `plc-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_link_connection_id: Option<String>,
    /// `ep-…` (TiDB Cloud's endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<String>,
    /// The RDS allowlist group tilink owns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlist_group: Option<String>,
}

/// One id a setup records: the single list of what a setup creates or adopts, read by the
/// journal's JSON result, the teardown list, the wizard's rows and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// The NLB server group, `sgp-…`.
    ServerGroup,
    /// The internal NLB, `nlb-…`.
    LoadBalancer,
    /// Its TCP listener, `lsn-…`.
    Listener,
    /// The endpoint service, `epsrv-…`.
    EndpointService,
    /// The endpoint service's name (TiDB Cloud's PLC points at it).
    EndpointServiceName,
    /// TiDB Cloud's private link connection, `plc-…`.
    PrivateLinkConnection,
    /// TiDB Cloud's endpoint, `ep-…` (its connection request is the one accepted).
    Endpoint,
    /// The RDS allowlist group tilink owns.
    AllowlistGroup,
}

impl IdKind {
    /// Every kind, in the order of [`ResourceIds`]' fields.
    pub const ALL: [IdKind; 8] = [
        IdKind::ServerGroup,
        IdKind::LoadBalancer,
        IdKind::Listener,
        IdKind::EndpointService,
        IdKind::EndpointServiceName,
        IdKind::PrivateLinkConnection,
        IdKind::Endpoint,
        IdKind::AllowlistGroup,
    ];

    /// The field's name in the journal and in `setup -o json`'s `resources`.
    pub fn key(self) -> &'static str {
        match self {
            IdKind::ServerGroup => "server_group_id",
            IdKind::LoadBalancer => "load_balancer_id",
            IdKind::Listener => "listener_id",
            IdKind::EndpointService => "endpoint_service_id",
            IdKind::EndpointServiceName => "endpoint_service_name",
            IdKind::PrivateLinkConnection => "private_link_connection_id",
            IdKind::Endpoint => "endpoint_id",
            IdKind::AllowlistGroup => "allowlist_group",
        }
    }
}

impl ResourceIds {
    /// The id of one kind, when recorded.
    pub fn get(&self, kind: IdKind) -> Option<&str> {
        match kind {
            IdKind::ServerGroup => self.server_group_id.as_deref(),
            IdKind::LoadBalancer => self.load_balancer_id.as_deref(),
            IdKind::Listener => self.listener_id.as_deref(),
            IdKind::EndpointService => self.endpoint_service_id.as_deref(),
            IdKind::EndpointServiceName => self.endpoint_service_name.as_deref(),
            IdKind::PrivateLinkConnection => self.private_link_connection_id.as_deref(),
            IdKind::Endpoint => self.endpoint_id.as_deref(),
            IdKind::AllowlistGroup => self.allowlist_group.as_deref(),
        }
    }

    /// Every recorded id with its kind, in [`IdKind::ALL`]'s order.
    pub fn recorded(&self) -> impl Iterator<Item = (IdKind, &str)> {
        IdKind::ALL
            .into_iter()
            .filter_map(|k| self.get(k).map(|id| (k, id)))
    }

    /// The ids as a JSON object with every key present (`null` when not recorded).
    pub fn to_json(&self) -> serde_json::Value {
        IdKind::ALL
            .into_iter()
            .map(|k| (k.key().to_string(), serde_json::json!(self.get(k))))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

/// Where a setup stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SetupState {
    /// Created, not finished.
    InProgress,
    /// The PLC is ACTIVE.
    Active,
    /// Stopped on an error (details in `last_error`).
    Failed,
    /// Torn down.
    TornDown,
}

/// One setup's journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    /// Format version.
    pub version: u32,
    /// `tl-…`; also the value of the `tilink:setup-id` tag and the ClientToken prefix.
    pub setup_id: String,
    /// TiDB Cloud cluster.
    pub cluster_id: String,
    /// RDS instance.
    pub rds_instance_id: String,
    /// Alibaba Cloud region id the chain lives in (`ap-southeast-1`).
    pub region: String,
    /// Chosen zones.
    #[serde(default)]
    pub zones: Vec<String>,
    /// What exists.
    #[serde(default)]
    pub resources: ResourceIds,
    /// Steps completed, by name.
    #[serde(default)]
    pub done: Vec<String>,
    /// In progress, ACTIVE, failed or torn down (in-progress and failed ones can be resumed).
    pub state: SetupState,
    /// Last error, if any (never holds secrets: errors are built without them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 last write.
    pub updated_at: String,
}

/// Journal I/O failures.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading or writing failed.
    #[error("journal {path}: {source}")]
    Io {
        /// The file read, or the setups dir when a write failed.
        path: PathBuf,
        /// The I/O error from the OS.
        source: std::io::Error,
    },
    /// The file is not a journal.
    #[error(
        "journal {path} is damaged ({detail}); move it aside and run `tilink doctor` to find the resources by tag"
    )]
    Corrupt {
        /// The journal file (or the setups dir for a bad setup id).
        path: PathBuf,
        /// What did not parse.
        detail: String,
    },
}

impl Journal {
    /// A fresh journal for a new setup.
    pub fn new(cluster_id: &str, rds_instance_id: &str, region: &str) -> Self {
        let now = now();
        Journal {
            version: 1,
            setup_id: new_setup_id(),
            cluster_id: cluster_id.into(),
            rds_instance_id: rds_instance_id.into(),
            region: region.into(),
            zones: Vec::new(),
            resources: ResourceIds::default(),
            done: Vec::new(),
            state: SetupState::InProgress,
            last_error: None,
            created_at: now.clone(),
            updated_at: now,
        }
    }

    /// The ClientToken for one resource of this setup: stable across retries and reruns.
    pub fn client_token(&self, resource: &str) -> String {
        let t = format!("{}-{resource}", self.setup_id);
        t.chars().take(64).collect()
    }
}

/// True for `tl-` followed by 1–32 lowercase hex digits.
pub fn valid_setup_id(id: &str) -> bool {
    id.strip_prefix("tl-").is_some_and(|h| {
        !h.is_empty()
            && h.len() <= 32
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// `tl-` + 12 hex characters.
pub fn new_setup_id() -> String {
    format!("tl-{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff)
}

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Where journals live: `$TILINK_STATE_DIR`, else `$XDG_STATE_HOME/tilink`, else
/// `~/.local/state/tilink`.
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TILINK_STATE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("tilink");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/state/tilink")
}

/// A directory of journals.
#[derive(Debug, Clone)]
pub struct JournalStore {
    dir: PathBuf,
}

impl JournalStore {
    /// The store under `dir/setups`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        JournalStore {
            dir: dir.into().join("setups"),
        }
    }

    /// The default store ([`state_dir`]).
    pub fn default_location() -> Self {
        JournalStore::new(state_dir())
    }

    /// The directory holding the journals.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The directory of the per-cluster setup locks (`engine::setup::lock`), beside the journals.
    pub fn lock_dir(&self) -> PathBuf {
        self.dir
            .parent()
            .map(|p| p.join("locks"))
            .unwrap_or_else(|| self.dir.join("locks"))
    }

    /// Path of one setup's journal.
    pub fn path(&self, setup_id: &str) -> PathBuf {
        self.dir.join(format!("{setup_id}.json"))
    }

    /// Writes atomically with mode 0600 (temp file in the same dir, fsync, rename).
    pub fn save(&self, j: &mut Journal) -> Result<(), JournalError> {
        if !valid_setup_id(&j.setup_id) {
            return Err(JournalError::Corrupt {
                path: self.dir.clone(),
                detail: format!("\"{}\" is not a setup id", j.setup_id.escape_debug()),
            });
        }
        j.updated_at = now();
        let io = |source| JournalError::Io {
            path: self.dir.clone(),
            source,
        };
        create_private_dir(&self.dir).map_err(io)?;
        let path = self.path(&j.setup_id);
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", j.setup_id, std::process::id()));
        let data = serde_json::to_vec_pretty(j).map_err(|e| JournalError::Corrupt {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(io)?;
        f.write_all(&data).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }

    /// Reads one journal. A setup id that is not `tl-<hex>` is refused (it would name a
    /// file outside the journal directory).
    pub fn load(&self, setup_id: &str) -> Result<Journal, JournalError> {
        if !valid_setup_id(setup_id) {
            return Err(JournalError::Corrupt {
                path: self.dir.clone(),
                detail: format!(
                    "\"{}\" is not a setup id (tl- and hex digits)",
                    setup_id.escape_debug()
                ),
            });
        }
        read_journal(&self.path(setup_id))
    }

    /// Every readable journal, newest first. Damaged files are skipped with a warning.
    pub fn list(&self) -> Vec<Journal> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<Journal> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| match read_journal(&p) {
                Ok(j) if valid_setup_id(&j.setup_id) => Some(j),
                Ok(j) => {
                    tracing::warn!(
                        "journal {} names an invalid setup id {:?}; ignored",
                        p.display(),
                        j.setup_id
                    );
                    None
                }
                Err(e @ JournalError::Corrupt { .. }) => {
                    keep_aside(&p, &e);
                    None
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    None
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then(b.setup_id.cmp(&a.setup_id))
        });
        out
    }

    /// The newest journal for this cluster (and instance, when given) that is not torn down.
    pub fn find(&self, cluster_id: &str, rds_instance_id: Option<&str>) -> Option<Journal> {
        self.list().into_iter().find(|j| {
            j.cluster_id == cluster_id
                && rds_instance_id.is_none_or(|r| r == j.rds_instance_id)
                && j.state != SetupState::TornDown
        })
    }
}

/// What the journal store did that the user must hear about (a damaged journal moved
/// aside). The engine never prints: drivers take these and show them.
static NOTICES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The notices since the last call.
pub fn take_notices() -> Vec<String> {
    NOTICES
        .lock()
        .map(|mut n| std::mem::take(&mut *n))
        .unwrap_or_default()
}

/// Moves a damaged journal aside (`<name>.damaged-<unix time>`) so that nothing rebuilt from
/// tags overwrites the evidence, and leaves a notice saying where it went.
fn keep_aside(path: &Path, e: &JournalError) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".damaged-{secs}"));
    let aside = PathBuf::from(aside);
    let notice = match std::fs::rename(path, &aside) {
        Ok(()) => format!(
            "{e}. It was moved aside to {} (kept as evidence); tilink finds the resources by their tags instead.",
            aside.display()
        ),
        Err(io) => format!("{e}. It could not be moved aside ({io}); it is ignored."),
    };
    tracing::warn!("{notice}");
    if let Ok(mut n) = NOTICES.lock() {
        n.push(notice);
    }
}

fn read_journal(path: &Path) -> Result<Journal, JournalError> {
    let data = std::fs::read(path).map_err(|source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&data).map_err(|e| JournalError::Corrupt {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_kinds_are_every_field_of_the_journal_under_its_own_name() {
        let all = ResourceIds {
            server_group_id: Some("sgp-1".into()),
            load_balancer_id: Some("nlb-1".into()),
            listener_id: Some("lsn-1".into()),
            endpoint_service_id: Some("epsrv-1".into()),
            endpoint_service_name: Some("com.aliyuncs.privatelink.r.epsrv-1".into()),
            private_link_connection_id: Some("plc-1".into()),
            endpoint_id: Some("ep-1".into()),
            allowlist_group: Some("tilink_1".into()),
        };
        // The serde names are the journal's; the kinds must name each one, with its value.
        assert_eq!(serde_json::to_value(&all).unwrap(), all.to_json());
        assert_eq!(all.recorded().count(), IdKind::ALL.len());
        let none = ResourceIds::default().to_json();
        let none = none.as_object().unwrap();
        assert_eq!(none.len(), IdKind::ALL.len());
        assert!(none.values().all(|v| v.is_null()));
    }

    #[test]
    fn round_trip_atomic_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let mut j = Journal::new("123", "rm-1", "ap-southeast-1");
        j.resources.load_balancer_id = Some("nlb-1".into());
        store.save(&mut j).unwrap();
        let back = store.load(&j.setup_id).unwrap();
        assert_eq!(back, j);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path(&j.setup_id))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            store.find("123", Some("rm-1")).unwrap().setup_id,
            j.setup_id
        );
        assert!(store.find("123", Some("rm-2")).is_none());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("setups"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn damaged_journal_is_reported_not_panicked() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        std::fs::create_dir_all(dir.path().join("setups")).unwrap();
        std::fs::write(store.path("tl-bad"), b"{\"version\": 1, trunc").unwrap();
        let e = store.load("tl-bad").unwrap_err();
        assert!(e.to_string().contains("damaged"));
        assert!(store.list().is_empty());
    }

    #[test]
    fn setup_ids_cannot_escape_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        for bad in ["../x", "tl-../../etc", "tl-", "x", "tl-ABC", "tl-0/1"] {
            assert!(!valid_setup_id(bad), "{bad}");
            assert!(
                store
                    .load(bad)
                    .unwrap_err()
                    .to_string()
                    .contains("not a setup id")
            );
        }
        assert!(valid_setup_id(&new_setup_id()));
        let mut j = Journal::new("c", "r", "x");
        j.setup_id = "../escape".into();
        assert!(store.save(&mut j).is_err());
    }

    #[test]
    fn client_tokens_are_stable_and_short() {
        let j = Journal::new("1", "rm", "r");
        assert_eq!(j.client_token("lb"), j.client_token("lb"));
        assert_ne!(j.client_token("lb"), j.client_token("sg"));
        assert!(j.client_token(&"x".repeat(100)).len() <= 64);
    }
}
