//! The chain itself: which sources, in which order, and what to report.

use super::keyring_store::{KeyStore, OsKeyring};
use super::{
    AlibabaCredentials, CredentialsError, Inputs, Kind, Lookup, Source, TidbCredentials,
    alibabacloud_file, aliyun_cli, env, keyring_store, mask_id, ticloud,
};

/// What one source holds.
#[derive(Debug)]
pub(crate) enum Probe<T> {
    /// Credentials, a description for the lookup line (never the secret) and a
    /// warning such as loose file permissions.
    Hit {
        creds: T,
        detail: String,
        warning: Option<String>,
    },
    /// Nothing usable, and why.
    Miss(String),
}

impl<T> Probe<T> {
    pub(crate) fn hit(creds: T, detail: impl Into<String>) -> Self {
        Probe::Hit {
            creds,
            detail: detail.into(),
            warning: None,
        }
    }

    /// Attaches a warning to a hit, or appends it to a miss.
    pub(crate) fn warn(self, w: &Option<String>) -> Self {
        match (self, w) {
            (Probe::Hit { creds, detail, .. }, Some(w)) => Probe::Hit {
                creds,
                detail,
                warning: Some(w.clone()),
            },
            (Probe::Miss(why), Some(w)) => Probe::Miss(format!("{why}; {w}")),
            (p, None) => p,
        }
    }

    pub(crate) fn miss(why: impl Into<String>) -> Self {
        Probe::Miss(why.into())
    }
}

type Step<'a, T> = (
    String,
    Box<dyn Fn() -> Result<Probe<T>, CredentialsError> + 'a>,
);

/// A profile requested explicitly: on the command line, then `ALIBABA_CLOUD_PROFILE`.
pub(crate) fn requested_aliyun_profile(inputs: &Inputs) -> Option<String> {
    inputs
        .aliyun_profile
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .or_else(|| inputs.var(env::ALIBABA_PROFILE))
        .map(|p| p.trim().to_string())
}

fn alibaba_steps<'a>(
    inputs: &'a Inputs,
    store: &'a dyn KeyStore,
) -> Vec<Step<'a, AlibabaCredentials>> {
    let mut steps: Vec<Step<'a, AlibabaCredentials>> = vec![
        (
            super::FLAGS.to_string(),
            Box::new(move || {
                Ok(match &inputs.flag_alibaba {
                    Some((id, secret)) => {
                        let detail = format!("access key {}", mask_id(id));
                        Probe::hit(
                            AlibabaCredentials {
                                access_key_id: id.clone(),
                                access_key_secret: secret.clone(),
                                security_token: None,
                                source: Source::Flag,
                                role_arn: None,
                            },
                            detail,
                        )
                    }
                    None => Probe::miss(super::NOT_GIVEN),
                })
            }),
        ),
        (env::alibaba_label(), Box::new(move || env::alibaba(inputs))),
        file_step(
            "aliyun CLI config",
            inputs,
            aliyun_cli::path,
            aliyun_cli::probe,
        ),
        file_step(
            "Alibaba Cloud credentials file",
            inputs,
            alibabacloud_file::path,
            alibabacloud_file::probe,
        ),
    ];
    steps.push(keyring_step(inputs, store, Kind::Alibaba, |id, secret| {
        AlibabaCredentials {
            access_key_id: id,
            access_key_secret: secret,
            security_token: None,
            source: Source::Keyring,
            role_arn: None,
        }
    }));
    steps
}

fn tidb_steps<'a>(inputs: &'a Inputs, store: &'a dyn KeyStore) -> Vec<Step<'a, TidbCredentials>> {
    let mut steps: Vec<Step<'a, TidbCredentials>> = vec![
        (
            super::FLAGS.to_string(),
            Box::new(move || {
                Ok(match &inputs.flag_tidb {
                    Some((public, private)) => Probe::hit(
                        TidbCredentials {
                            public_key: public.clone(),
                            private_key: private.clone(),
                            source: Source::Flag,
                        },
                        format!("API key {}", mask_id(public)),
                    ),
                    None => Probe::miss(super::NOT_GIVEN),
                })
            }),
        ),
        (env::tidb_label(), Box::new(move || env::tidb(inputs))),
        file_step("ticloud config", inputs, ticloud::path, ticloud::probe),
    ];
    steps.push(keyring_step(inputs, store, Kind::Tidb, |id, secret| {
        TidbCredentials {
            public_key: id,
            private_key: secret,
            source: Source::Keyring,
        }
    }));
    steps
}

/// The step that reads one tool's file: named by what the file is and where it is.
fn file_step<'a, T: 'a>(
    what: &str,
    inputs: &'a Inputs,
    path: fn(&Inputs) -> std::path::PathBuf,
    probe: fn(&Inputs) -> Result<Probe<T>, CredentialsError>,
) -> Step<'a, T> {
    let name = format!("{what} {}", super::display_path(&path(inputs)));
    (name, Box::new(move || probe(inputs)))
}

fn keyring_step<'a, T: 'a>(
    inputs: &'a Inputs,
    store: &'a dyn KeyStore,
    kind: Kind,
    build: fn(String, crate::secret::Secret) -> T,
) -> Step<'a, T> {
    let label = format!(
        "OS keyring (service '{}', user '{}')",
        store.service(),
        keyring_store::user(kind, None)
    );
    (
        label,
        Box::new(move || {
            if !inputs.use_keyring {
                return Ok(Probe::miss("not consulted (keyring disabled)"));
            }
            Ok(match keyring_store::probe(store, kind) {
                Ok(Some((id, secret))) => {
                    let detail = format!("key {}", mask_id(&id));
                    Probe::hit(build(id, secret), detail)
                }
                Ok(None) => Probe::miss("no entry"),
                Err(why) => Probe::miss(why),
            })
        }),
    )
}

/// Runs `steps` until one hits. With a `requested_profile`, reaching the last step (the
/// keyring) means the explicitly requested profile held nothing: an error.
fn resolve_with<T>(
    kind: Kind,
    steps: Vec<Step<'_, T>>,
    requested_profile: Option<String>,
) -> Result<T, CredentialsError> {
    let mut looked = Vec::new();
    let keyring = steps.len() - 1;
    for (i, (label, run)) in steps.into_iter().enumerate() {
        if let Some(profile) = &requested_profile
            && i == keyring
        {
            return Err(CredentialsError::ProfileNotFound {
                kind,
                profile: profile.clone(),
                looked,
            });
        }
        match run()? {
            Probe::Hit { creds, .. } => return Ok(creds),
            Probe::Miss(why) => looked.push(Lookup {
                source: label,
                outcome: why,
            }),
        }
    }
    Err(CredentialsError::NotFound { kind, looked })
}

fn explain_with<T>(steps: Vec<Step<'_, T>>) -> Vec<Lookup> {
    let mut winner: Option<String> = None;
    let mut out = Vec::new();
    for (label, run) in steps {
        let outcome = match run() {
            Ok(Probe::Hit {
                detail, warning, ..
            }) => {
                let verdict = match &winner {
                    None => {
                        winner = Some(label.clone());
                        format!("found {detail} (used)")
                    }
                    Some(_) => format!("found {detail} (not used: an earlier source wins)"),
                };
                match warning {
                    Some(w) => format!("{verdict}; {w}"),
                    None => verdict,
                }
            }
            Ok(Probe::Miss(why)) => why,
            Err(e) => format!("error: {e}"),
        };
        out.push(Lookup {
            source: label,
            outcome,
        });
    }
    out
}

pub(crate) fn resolve_alibaba_in(
    inputs: &Inputs,
    store: &dyn KeyStore,
) -> Result<AlibabaCredentials, CredentialsError> {
    let steps = alibaba_steps(inputs, store);
    resolve_with(Kind::Alibaba, steps, requested_aliyun_profile(inputs))
}

pub(crate) fn resolve_tidb_in(
    inputs: &Inputs,
    store: &dyn KeyStore,
) -> Result<TidbCredentials, CredentialsError> {
    let steps = tidb_steps(inputs, store);
    resolve_with(Kind::Tidb, steps, ticloud::requested_profile(inputs))
}

/// Alibaba Cloud credentials from the first source that has them: flags, env,
/// aliyun CLI profile, `~/.alibabacloud/credentials`, OS keyring.
///
/// A profile named explicitly (`aliyun_profile` or `ALIBABA_CLOUD_PROFILE`) that exists in
/// neither profile file is an error rather than a silent fall-through to the keyring.
pub fn resolve_alibaba(inputs: &Inputs) -> Result<AlibabaCredentials, CredentialsError> {
    resolve_alibaba_in(inputs, &OsKeyring::default())
}

/// TiDB Cloud API key from the first source that has it: flags, env, ticloud profile,
/// OS keyring. An explicit `ticloud_profile` that is not usable is an error.
pub fn resolve_tidb(inputs: &Inputs) -> Result<TidbCredentials, CredentialsError> {
    resolve_tidb_in(inputs, &OsKeyring::default())
}

pub(crate) fn explain_alibaba_in(inputs: &Inputs, store: &dyn KeyStore) -> Vec<Lookup> {
    explain_with(alibaba_steps(inputs, store))
}

pub(crate) fn explain_tidb_in(inputs: &Inputs, store: &dyn KeyStore) -> Vec<Lookup> {
    explain_with(tidb_steps(inputs, store))
}

/// Every place the Alibaba chain looks and what each holds; the winner says `(used)`.
/// Errors (malformed files, half-set env) become `error: …` lines instead of stopping.
pub fn explain_alibaba(inputs: &Inputs) -> Vec<Lookup> {
    explain_alibaba_in(inputs, &OsKeyring::default())
}

/// Every place the TiDB chain looks and what each holds; the winner says `(used)`.
pub fn explain_tidb(inputs: &Inputs) -> Vec<Lookup> {
    explain_tidb_in(inputs, &OsKeyring::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::keyring_store::save_in;
    use crate::credentials::keyring_store::tests::MemStore;
    use crate::secret::Secret;

    fn write(home: &std::path::Path, rel: &str, text: &str) {
        let p = home.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    fn full_home() -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tempdir");
        write(
            d.path(),
            ".aliyun/config.json",
            r#"{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"LTAI5tALIYUNCLI1","access_key_secret":"cli-secret"}]}"#,
        );
        write(
            d.path(),
            ".alibabacloud/credentials",
            "[default]\ntype = access_key\naccess_key_id = LTAI5tINIFILE001\naccess_key_secret = ini-secret\n",
        );
        write(
            d.path(),
            ".ticloud/config.toml",
            "current-profile = \"default\"\n[default]\npublic-key = \"TICLOUDPUB\"\nprivate-key = \"ticloud-secret\"\n",
        );
        d
    }

    fn keyring_with_both() -> MemStore {
        let store = MemStore::default();
        save_in(
            &store,
            Kind::Alibaba,
            "LTAI5tKEYRING001",
            &Secret::new("kr-secret"),
        )
        .expect("save");
        save_in(&store, Kind::Tidb, "KEYRINGPUB", &Secret::new("kr-tidb")).expect("save");
        store
    }

    #[test]
    fn keyring_is_last_and_only_when_enabled() {
        let home = tempfile::tempdir().expect("tempdir");
        let store = keyring_with_both();
        let mut inputs = Inputs {
            home: home.path().to_path_buf(),
            ..Inputs::default()
        };
        assert!(matches!(
            resolve_alibaba_in(&inputs, &store),
            Err(CredentialsError::NotFound { .. })
        ));
        inputs.use_keyring = true;
        let a = resolve_alibaba_in(&inputs, &store).expect("alibaba");
        assert_eq!(
            (a.access_key_id.as_str(), a.source),
            ("LTAI5tKEYRING001", Source::Keyring)
        );
        let t = resolve_tidb_in(&inputs, &store).expect("tidb");
        assert_eq!(
            (t.public_key.as_str(), t.source),
            ("KEYRINGPUB", Source::Keyring)
        );

        let home = full_home();
        inputs.home = home.path().to_path_buf();
        assert_eq!(
            resolve_tidb_in(&inputs, &store).expect("tidb").public_key,
            "TICLOUDPUB"
        );
    }

    #[test]
    fn broken_keyring_falls_through_with_explanation() {
        let home = tempfile::tempdir().expect("tempdir");
        let store = MemStore {
            broken: Some("keyring backend unavailable (EPERM)".into()),
            ..MemStore::default()
        };
        let inputs = Inputs {
            home: home.path().to_path_buf(),
            use_keyring: true,
            ..Inputs::default()
        };
        let Err(CredentialsError::NotFound { looked, .. }) = resolve_tidb_in(&inputs, &store)
        else {
            panic!("expected NotFound")
        };
        let last = looked.last().expect("lookups");
        assert!(
            last.source.contains("keyring") && last.outcome.contains("EPERM"),
            "{last}"
        );
    }

    #[test]
    fn explain_marks_winner_and_shadowed_sources() {
        let home = full_home();
        let store = keyring_with_both();
        let mut inputs = Inputs {
            home: home.path().to_path_buf(),
            use_keyring: true,
            ..Inputs::default()
        };
        inputs.env.insert(
            "ALIBABA_CLOUD_ACCESS_KEY_ID".into(),
            "LTAI5tENVENVENV1".into(),
        );
        inputs.env.insert(
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET".into(),
            "env-secret".into(),
        );
        let lines = explain_alibaba_in(&inputs, &store);
        assert_eq!(lines.len(), 5, "{lines:?}");
        assert_eq!(lines[0].outcome, "not given");
        assert!(lines[1].outcome.ends_with("(used)"), "{:?}", lines[1]);
        for l in &lines[2..] {
            assert!(l.outcome.contains("not used"), "{l}");
        }
        let all = format!("{lines:?}");
        for s in ["env-secret", "cli-secret", "ini-secret", "kr-secret"] {
            assert!(!all.contains(s), "{all}");
        }
        let tidb = explain_tidb_in(&inputs, &store);
        assert_eq!(tidb.len(), 4, "{tidb:?}");
        assert!(tidb[2].outcome.contains("(used)"), "{tidb:?}");
    }

    #[test]
    fn explain_reports_errors_and_disabled_keyring() {
        let home = tempfile::tempdir().expect("tempdir");
        write(home.path(), ".aliyun/config.json", "{ nope");
        let inputs = Inputs {
            home: home.path().to_path_buf(),
            ..Inputs::default()
        };
        let lines = explain_alibaba_in(&inputs, &MemStore::default());
        assert!(lines[2].outcome.starts_with("error:"), "{:?}", lines[2]);
        assert!(lines[4].outcome.contains("disabled"), "{:?}", lines[4]);
    }

    #[test]
    fn explicit_profile_missing_everywhere_is_an_error_before_keyring() {
        let home = full_home();
        let store = keyring_with_both();
        let inputs = Inputs {
            home: home.path().to_path_buf(),
            aliyun_profile: Some("prod".into()),
            ticloud_profile: Some("Prod".into()),
            use_keyring: true,
            ..Inputs::default()
        };
        let e = resolve_alibaba_in(&inputs, &store).expect_err("missing profile");
        assert!(
            matches!(&e, CredentialsError::ProfileNotFound { profile, .. } if profile == "prod")
        );
        let msg = e.to_string();
        assert!(
            msg.contains("config.json") && msg.contains("credentials"),
            "{msg}"
        );
        let e = resolve_tidb_in(&inputs, &store).expect_err("missing profile");
        assert!(
            matches!(&e, CredentialsError::ProfileNotFound { profile, .. } if profile == "prod")
        );
    }
}
