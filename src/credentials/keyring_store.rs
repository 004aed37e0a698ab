//! The OS keyring (keyring crate v3; on Linux the kernel keyutils store).
//!
//! Service `tilink`; users `alibaba:<id>` / `tidb:<id>` plus the slot the chain reads,
//! `alibaba:default` / `tidb:default`. Each entry's secret is the JSON
//! `{"id": "...", "secret": "..."}` so the non-secret id comes back with the secret.
//! `alibaba:index` / `tidb:index` list every id tilink ever stored (a JSON array, no
//! secrets): the keyring cannot be enumerated by service on every backend (kernel keyutils
//! cannot), so logout reads the index to remove every key, not only the current one
//! (issue 25 #9).
//! Backend failures never panic: the chain turns them into a lookup line and moves on.

use serde::{Deserialize, Serialize};

use super::{CredentialsError, Kind};
use crate::secret::Secret;

/// Keyring service name for every tilink entry.
pub const KEYRING_SERVICE: &str = "tilink";

/// The slot name the chain reads.
const DEFAULT_SLOT: &str = "default";

/// The slot that lists every id stored.
const INDEX_SLOT: &str = "index";

/// Where keys are kept on this platform, for `auth login` to say.
pub fn backend_note() -> &'static str {
    if cfg!(target_os = "macos") {
        "the macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "the Windows Credential Manager"
    } else {
        "the Linux kernel keyring (keyutils: kept in memory, linked into your persistent \
         keyring, which the kernel drops after a few days unused and at reboot; \
         `tilink auth logout` removes it at once)"
    }
}

/// A keyring backend; failures are explanations fit for a lookup line.
pub(crate) trait KeyStore {
    /// Service name entries live under.
    fn service(&self) -> &str;
    /// The stored value, `None` when there is no entry.
    fn get(&self, user: &str) -> Result<Option<String>, String>;
    /// Stores `value`.
    fn set(&self, user: &str, value: &str) -> Result<(), String>;
    /// Removes the entry; missing entries are fine.
    fn delete(&self, user: &str) -> Result<(), String>;
}

/// The platform keyring via the `keyring` crate.
pub(crate) struct OsKeyring {
    service: String,
}

impl Default for OsKeyring {
    fn default() -> Self {
        OsKeyring {
            service: KEYRING_SERVICE.to_string(),
        }
    }
}

impl OsKeyring {
    #[cfg(test)]
    pub(crate) fn with_service(service: impl Into<String>) -> Self {
        OsKeyring {
            service: service.into(),
        }
    }

    fn entry(&self, user: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(&self.service, user).map_err(explain)
    }
}

impl KeyStore for OsKeyring {
    fn service(&self) -> &str {
        &self.service
    }

    fn get(&self, user: &str) -> Result<Option<String>, String> {
        match self.entry(user)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(explain(e)),
        }
    }

    fn set(&self, user: &str, value: &str) -> Result<(), String> {
        match self.entry(user)?.set_password(value) {
            Ok(()) => Ok(()),
            // keyutils reports EACCES (e.g. linking into the persistent keyring, which
            // containers often forbid) as NoEntry; on a write that means "refused".
            Err(keyring::Error::NoEntry) => Err(
                "the keyring refused the write (permission denied; common for the kernel \
                 keyring inside containers); use env vars or a CLI profile instead"
                    .to_string(),
            ),
            Err(e) => Err(explain(e)),
        }
    }

    fn delete(&self, user: &str) -> Result<(), String> {
        match self.entry(user)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(explain(e)),
        }
    }
}

/// A keyring error as an actionable sentence (never includes stored data).
fn explain(e: keyring::Error) -> String {
    const FALLBACK: &str = "use env vars or a CLI profile instead";
    match e {
        keyring::Error::NoEntry => "no entry".to_string(),
        keyring::Error::PlatformFailure(err) => format!(
            "keyring backend unavailable ({err}); containers often block the kernel keyring \
             (keyctl); {FALLBACK}"
        ),
        keyring::Error::NoStorageAccess(err) => {
            format!("keyring is locked or access was denied ({err}); unlock it or {FALLBACK}")
        }
        keyring::Error::BadEncoding(_) => "stored entry is not valid UTF-8".to_string(),
        keyring::Error::TooLong(attr, max) => {
            format!("{attr} is longer than the keyring's limit of {max}")
        }
        keyring::Error::Invalid(attr, reason) => format!("keyring rejected {attr}: {reason}"),
        keyring::Error::Ambiguous(items) => {
            format!("{} keyring entries match; remove the extras", items.len())
        }
        other => format!("keyring error: {other}"),
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    id: String,
    secret: String,
}

/// `alibaba:<id>` or `alibaba:default` (likewise `tidb:`).
pub(crate) fn user(kind: Kind, id: Option<&str>) -> String {
    format!("{}:{}", kind.keyring_prefix(), id.unwrap_or(DEFAULT_SLOT))
}

fn decode(raw: &str) -> Result<(String, Secret), String> {
    let stored: Stored = serde_json::from_str(raw).map_err(|_| {
        "entry is not tilink's {\"id\", \"secret\"} JSON; save it again".to_string()
    })?;
    if stored.id.is_empty() || stored.secret.is_empty() {
        return Err("entry has an empty id or secret; save it again".to_string());
    }
    Ok((stored.id, Secret::new(stored.secret)))
}

/// The default slot, for the chain: `Ok(None)` when empty, `Err` explains a failure.
pub(crate) fn probe(store: &dyn KeyStore, kind: Kind) -> Result<Option<(String, Secret)>, String> {
    match store.get(&user(kind, None))? {
        Some(raw) => decode(&raw).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn save_in(
    store: &dyn KeyStore,
    kind: Kind,
    id: &str,
    secret: &Secret,
) -> Result<(), CredentialsError> {
    if id.trim().is_empty() || secret.is_empty() {
        return Err(CredentialsError::Keyring(
            "refusing to store an empty id or secret".to_string(),
        ));
    }
    let value = serde_json::to_string(&Stored {
        id: id.to_string(),
        secret: secret.expose().to_string(),
    })
    .map_err(|_| CredentialsError::Keyring("cannot encode the entry".to_string()))?;
    // The index first: a key is never stored where logout would not find it.
    let mut ids = index(store, kind);
    if !ids.iter().any(|x| x == id) {
        ids.push(id.to_string());
        let list = serde_json::to_string(&ids)
            .map_err(|_| CredentialsError::Keyring("cannot encode the index".to_string()))?;
        store
            .set(&user(kind, Some(INDEX_SLOT)), &list)
            .map_err(CredentialsError::Keyring)?;
    }
    for slot in [None, Some(id)] {
        store
            .set(&user(kind, slot), &value)
            .map_err(CredentialsError::Keyring)?;
    }
    Ok(())
}

/// The ids the index lists (empty when there is none or it cannot be read).
fn index(store: &dyn KeyStore, kind: Kind) -> Vec<String> {
    store
        .get(&user(kind, Some(INDEX_SLOT)))
        .ok()
        .flatten()
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default()
}

/// Removes every entry tilink stored for `kind`: each id of the index, the current key,
/// the default slot and the index. Returns the ids removed (sorted, deduplicated).
pub(crate) fn forget_all_in(
    store: &dyn KeyStore,
    kind: Kind,
) -> Result<Vec<String>, CredentialsError> {
    let mut ids = index(store, kind);
    if let Ok(Some((current, _))) = load_in(store, kind, None) {
        ids.push(current);
    }
    ids.sort();
    ids.dedup();
    let mut removed = Vec::new();
    for id in &ids {
        let slot = user(kind, Some(id));
        if store.get(&slot).ok().flatten().is_some() {
            removed.push(id.clone());
        }
        store.delete(&slot).map_err(CredentialsError::Keyring)?;
    }
    if store.get(&user(kind, None)).ok().flatten().is_some() && removed.is_empty() {
        removed.push(DEFAULT_SLOT.to_string());
    }
    for slot in [None, Some(INDEX_SLOT)] {
        store
            .delete(&user(kind, slot))
            .map_err(CredentialsError::Keyring)?;
    }
    Ok(removed)
}

/// Removes every entry tilink stored in the OS keyring for `kind` (see [`forget_all_in`]).
pub fn forget_all_in_keyring(kind: Kind) -> Result<Vec<String>, CredentialsError> {
    forget_all_in(&OsKeyring::default(), kind)
}

pub(crate) fn load_in(
    store: &dyn KeyStore,
    kind: Kind,
    id: Option<&str>,
) -> Result<Option<(String, Secret)>, CredentialsError> {
    match store
        .get(&user(kind, id))
        .map_err(CredentialsError::Keyring)?
    {
        Some(raw) => decode(&raw).map(Some).map_err(CredentialsError::Keyring),
        None => Ok(None),
    }
}

pub(crate) fn delete_in(
    store: &dyn KeyStore,
    kind: Kind,
    id: &str,
) -> Result<(), CredentialsError> {
    let default_holds_id =
        matches!(load_in(store, kind, None), Ok(Some((stored, _))) if stored == id);
    store
        .delete(&user(kind, Some(id)))
        .map_err(CredentialsError::Keyring)?;
    if default_holds_id {
        store
            .delete(&user(kind, None))
            .map_err(CredentialsError::Keyring)?;
    }
    let mut ids = index(store, kind);
    ids.retain(|x| x != id);
    let slot = user(kind, Some(INDEX_SLOT));
    if ids.is_empty() {
        store.delete(&slot).map_err(CredentialsError::Keyring)?;
    } else if let Ok(list) = serde_json::to_string(&ids) {
        store.set(&slot, &list).map_err(CredentialsError::Keyring)?;
    }
    Ok(())
}

/// Stores `id` and `secret` in the OS keyring under `<kind>:<id>` and in the
/// `<kind>:default` slot the chain reads.
pub fn save_to_keyring(kind: Kind, id: &str, secret: &Secret) -> Result<(), CredentialsError> {
    save_in(&OsKeyring::default(), kind, id, secret)
}

/// Reads `<kind>:<id>` (or the `<kind>:default` slot for `None`) from the OS keyring:
/// the stored id and secret, `None` when there is no entry.
pub fn load_from_keyring(
    kind: Kind,
    id: Option<&str>,
) -> Result<Option<(String, Secret)>, CredentialsError> {
    load_in(&OsKeyring::default(), kind, id)
}

/// Removes `<kind>:<id>`, and the default slot when it holds that id.
pub fn delete_from_keyring(kind: Kind, id: &str) -> Result<(), CredentialsError> {
    delete_in(&OsKeyring::default(), kind, id)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;

    /// In-memory store; `broken` makes every call fail like a missing backend.
    #[derive(Default)]
    pub(crate) struct MemStore {
        pub entries: RefCell<HashMap<String, String>>,
        pub broken: Option<String>,
    }

    impl KeyStore for MemStore {
        fn service(&self) -> &str {
            "tilink-mem"
        }
        fn get(&self, user: &str) -> Result<Option<String>, String> {
            match &self.broken {
                Some(why) => Err(why.clone()),
                None => Ok(self.entries.borrow().get(user).cloned()),
            }
        }
        fn set(&self, user: &str, value: &str) -> Result<(), String> {
            match &self.broken {
                Some(why) => Err(why.clone()),
                None => {
                    self.entries
                        .borrow_mut()
                        .insert(user.to_string(), value.to_string());
                    Ok(())
                }
            }
        }
        fn delete(&self, user: &str) -> Result<(), String> {
            match &self.broken {
                Some(why) => Err(why.clone()),
                None => {
                    self.entries.borrow_mut().remove(user);
                    Ok(())
                }
            }
        }
    }

    #[test]
    fn save_load_delete_in_memory() {
        let store = MemStore::default();
        save_in(&store, Kind::Tidb, "PUB1", &Secret::new("priv")).expect("save");
        assert!(store.entries.borrow().contains_key("tidb:default"));
        assert!(store.entries.borrow().contains_key("tidb:PUB1"));
        let (id, s) = load_in(&store, Kind::Tidb, None)
            .expect("load")
            .expect("some");
        assert_eq!((id.as_str(), s.expose()), ("PUB1", "priv"));
        assert!(
            load_in(&store, Kind::Alibaba, None)
                .expect("load")
                .is_none()
        );
        delete_in(&store, Kind::Tidb, "PUB1").expect("delete");
        assert!(store.entries.borrow().is_empty());
    }

    /// Issue 25 #9: log in with key A, then key B, then log out: A's secret went too.
    #[test]
    fn logout_removes_every_key_ever_stored_not_only_the_current_one() {
        let store = MemStore::default();
        save_in(&store, Kind::Alibaba, "LTAI-A", &Secret::new("secret-a")).unwrap();
        save_in(&store, Kind::Alibaba, "LTAI-B", &Secret::new("secret-b")).unwrap();
        save_in(&store, Kind::Tidb, "PUB1", &Secret::new("priv")).unwrap();
        let removed = forget_all_in(&store, Kind::Alibaba).unwrap();
        assert_eq!(removed, vec!["LTAI-A".to_string(), "LTAI-B".to_string()]);
        let left = store.entries.borrow();
        assert!(
            left.keys().all(|k| k.starts_with("tidb:")),
            "alibaba entries left: {:?}",
            left.keys().collect::<Vec<_>>()
        );
        assert!(left.values().all(|v| !v.contains("secret-a")));
        drop(left);
        assert!(forget_all_in(&store, Kind::Alibaba).unwrap().is_empty());
    }

    #[test]
    fn garbage_entry_is_explained_without_content() {
        let store = MemStore::default();
        store
            .entries
            .borrow_mut()
            .insert("alibaba:default".into(), "not-json-topsecret".into());
        let why = probe(&store, Kind::Alibaba).expect_err("garbage");
        assert!(!why.contains("topsecret"), "{why}");
        let e = load_in(&store, Kind::Alibaba, None).expect_err("garbage");
        assert!(!format!("{e} {e:?}").contains("topsecret"));
    }

    #[test]
    fn broken_backend_is_an_error_not_a_panic() {
        let store = MemStore {
            broken: Some("no backend".into()),
            ..MemStore::default()
        };
        assert_eq!(probe(&store, Kind::Tidb), Err("no backend".to_string()));
        assert!(save_in(&store, Kind::Tidb, "P", &Secret::new("s")).is_err());
    }

    /// Real backend (kernel keyutils with `linux-native`), under a throwaway service name
    /// so a developer's own `tilink` entries are never touched.
    #[test]
    fn os_keyring_round_trip_when_available() {
        let service = format!(
            "tilink-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        );
        // Probe under one fixed name: where keyutils half-fails (the key lands in the
        // session keyring but the call reports an error and delete cannot remove it),
        // reruns overwrite that one harmless key instead of leaving one per run.
        let probe_store = OsKeyring::with_service("tilink-test");
        let probe_user = "probe:availability";
        if let Err(why) = probe_store.set(probe_user, "x") {
            let _ = probe_store.delete(probe_user);
            eprintln!("skipping OS keyring round trip: {why}");
            return;
        }
        let _ = probe_store.delete(probe_user);
        let store = OsKeyring::with_service(service);

        let secret = Secret::new("round-trip-secret");
        save_in(&store, Kind::Alibaba, "LTAI5tROUNDTRIP1", &secret).expect("save");
        let (id, got) = load_in(&store, Kind::Alibaba, None)
            .expect("load default")
            .expect("present");
        assert_eq!(
            (id.as_str(), got.expose()),
            ("LTAI5tROUNDTRIP1", "round-trip-secret")
        );
        let (id, _) = load_in(&store, Kind::Alibaba, Some("LTAI5tROUNDTRIP1"))
            .expect("load by id")
            .expect("present");
        assert_eq!(id, "LTAI5tROUNDTRIP1");

        // The chain picks it up from the real backend when nothing else is configured.
        let home = tempfile::tempdir().expect("tempdir");
        let inputs = crate::credentials::Inputs {
            home: home.path().to_path_buf(),
            use_keyring: true,
            ..Default::default()
        };
        let creds =
            crate::credentials::chain::resolve_alibaba_in(&inputs, &store).expect("resolve");
        assert_eq!(creds.source, crate::credentials::Source::Keyring);
        assert_eq!(creds.access_key_secret.expose(), "round-trip-secret");

        delete_in(&store, Kind::Alibaba, "LTAI5tROUNDTRIP1").expect("delete");
        assert!(
            load_in(&store, Kind::Alibaba, None)
                .expect("load")
                .is_none()
        );
        assert!(
            load_in(&store, Kind::Alibaba, Some("LTAI5tROUNDTRIP1"))
                .expect("load")
                .is_none()
        );
    }
}
