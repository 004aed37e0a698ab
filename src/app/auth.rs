//! `tilink auth login | status | logout`, like `gh auth`: keys are checked with one call
//! each before they are stored in the OS keyring, `status` says which source each cloud's
//! keys come from (ids masked) and whether they work, `logout` removes what login stored.

use super::context::{endpoint_notes, inputs};
use super::{Failure, exit};
use crate::app::say;
use crate::cli::{AuthAction, AuthArgs, Cloud, GlobalArgs, Output};
use crate::cloud::aliyun::{AccessKey, AliyunClient, AliyunConfig};
use crate::cloud::tidb::TidbClient;
use crate::cloud::tidb::client::DEFAULT_ENDPOINT;
use crate::credentials::{
    Kind, backend_note, explain_alibaba, explain_tidb, forget_all_in_keyring, load_from_keyring,
    mask, resolve_alibaba, resolve_tidb, save_to_keyring,
};
use crate::secret::Secret;
use serde_json::json;
use std::time::Duration;

/// How long one verification call may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

fn kinds(c: Cloud) -> Vec<Kind> {
    match c {
        Cloud::Alibaba => vec![Kind::Alibaba],
        Cloud::Tidb => vec![Kind::Tidb],
        Cloud::Both => vec![Kind::Alibaba, Kind::Tidb],
    }
}

/// Why a key could not be confirmed: refused by the cloud (the key's fault) or not
/// answered (the network's or the cloud's), decided on the client error's kind.
#[derive(Debug, Clone)]
struct Unconfirmed {
    /// The key itself was refused (credentials or a missing permission).
    refused: bool,
    /// What happened, scrubbed of the key id and the string to sign.
    message: String,
}

impl std::fmt::Display for Unconfirmed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// One call that only reads who the keys belong to: `GetCallerIdentity` (STS) for Alibaba
/// Cloud, the first page of clusters for TiDB Cloud. `Ok(who)` or why it could not be.
async fn verify(
    g: &GlobalArgs,
    kind: Kind,
    id: &str,
    secret: &Secret,
) -> Result<String, Unconfirmed> {
    let not_sent = |message: String| Unconfirmed {
        refused: false,
        message,
    };
    let answered = |k: crate::cloud::ErrorKind, message: String| Unconfirmed {
        refused: k.is_access(),
        message,
    };
    let call = async {
        match kind {
            Kind::Alibaba => {
                let mut cfg = AliyunConfig::new(
                    g.region
                        .clone()
                        .unwrap_or_else(|| "cn-hangzhou".to_string()),
                );
                cfg.endpoint_override = g.alibaba_endpoint.clone();
                cfg.signature = super::context::signature(g.signature);
                cfg.recorder =
                    super::context::recorder(g, false).map_err(|f| not_sent(f.message))?;
                let key = AccessKey {
                    id: id.to_string(),
                    secret: secret.clone(),
                    security_token: None,
                };
                let c = AliyunClient::new(cfg, key).map_err(|e| not_sent(e.to_string()))?;
                c.get_caller_identity()
                    .await
                    .map(|i| format!("account {} ({})", i.account_id, i.arn))
                    .map_err(|e| answered(e.kind(), e.to_string()))
            }
            Kind::Tidb => {
                let ep = g.tidb_endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
                let c = TidbClient::new(ep, id, secret.clone())
                    .map_err(|e| not_sent(e.to_string()))?
                    .with_recorder(
                        super::context::recorder(g, false).map_err(|f| not_sent(f.message))?,
                    );
                c.list_clusters(None)
                    .await
                    .map(|l| format!("{} cluster(s) visible", l.len()))
                    .map_err(|e| answered(e.kind(), e.to_string()))
            }
        }
    };
    match tokio::time::timeout(CHECK_TIMEOUT, call).await {
        Ok(r) => r.map_err(|u| Unconfirmed {
            message: scrub(&u.message, id),
            ..u
        }),
        Err(_) => Err(not_sent(format!(
            "no answer within {}s",
            CHECK_TIMEOUT.as_secs()
        ))),
    }
}

/// An error fit to print: no server "string to sign" (it carries the request, key id
/// included), and the key id masked wherever else it appears.
fn scrub(e: &str, id: &str) -> String {
    let cut = crate::engine::doctor::facts::without_string_to_sign(e);
    if id.is_empty() {
        cut
    } else {
        cut.replace(id, &mask(id))
    }
}

fn names(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Alibaba => ("AccessKey id", "AccessKey secret"),
        Kind::Tidb => ("API public key", "API private key"),
    }
}

/// The environment variables that carry `kind`'s key.
fn env_names(kind: Kind) -> &'static str {
    match kind {
        Kind::Alibaba => "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        Kind::Tidb => "TIDBCLOUD_PUBLIC_KEY and TIDBCLOUD_PRIVATE_KEY",
    }
}

/// Where to make a key, and what it needs, for `kind`.
fn where_to_create(kind: Kind) -> &'static str {
    match kind {
        Kind::Alibaba => {
            "create an AccessKey for a RAM user in the RAM console (Identities → Users → the user → Create AccessKey); attach the policy `tilink policy` prints"
        }
        Kind::Tidb => {
            "create an API key in the TiDB Cloud console (Organization Settings → API Keys) with a role that can manage the cluster's project (Project Owner or Organization Owner; pingcap/docs tidb-cloud/manage-user-access.md)"
        }
    }
}

/// Reads an id and a secret: prompts on a terminal (the secret hidden), else two lines of
/// stdin.
fn ask(kind: Kind) -> Result<(String, Secret), Failure> {
    use std::io::{BufRead, IsTerminal};
    let (id_name, secret_name) = names(kind);
    if std::io::stdin().is_terminal() {
        let id: String = dialoguer::Input::new()
            .with_prompt(format!("{kind} {id_name}"))
            .interact_text()
            .map_err(|e| Failure::input(format!("reading the {id_name}: {e}")))?;
        let secret = dialoguer::Password::new()
            .with_prompt(format!("{kind} {secret_name} (hidden)"))
            .interact()
            .map_err(|e| Failure::input(format!("reading the {secret_name}: {e}")))?;
        return Ok((id.trim().to_string(), Secret::new(secret)));
    }
    let mut lines = std::io::stdin().lock().lines();
    let mut next = |what: &str| -> Result<String, Failure> {
        match lines.next() {
            Some(Ok(l)) if !l.trim().is_empty() => Ok(l.trim_end_matches('\r').to_string()),
            _ => Err(Failure::input(format!(
                "tilink auth login reads the {kind} {what} from stdin (one line each: id, then secret) when it is not a terminal; the line is missing"
            ))),
        }
    };
    let id = next(id_name)?;
    let secret = next(secret_name)?;
    Ok((id.trim().to_string(), Secret::new(secret)))
}

/// Runs `tilink auth …`.
pub async fn command(g: &GlobalArgs, a: AuthArgs) -> Result<u8, Failure> {
    for n in endpoint_notes(g) {
        say!("{n}");
    }
    match a.action {
        AuthAction::Login(c) => login(g, kinds(c.cloud)).await,
        AuthAction::Status => status(g).await,
        AuthAction::Logout(c) => logout(g, kinds(c.cloud)),
    }
}

async fn login(g: &GlobalArgs, kinds: Vec<Kind>) -> Result<u8, Failure> {
    if g.no_keyring {
        return Err(Failure::input(
            "tilink auth login stores keys in the OS keyring, which --no-keyring / TILINK_NO_KEYRING turns off",
        ));
    }
    // Each cloud on its own: one refused or unstorable key does not stop the other.
    let mut out = Vec::new();
    let mut code = exit::OK;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
    for kind in kinds {
        if terminal {
            say!("{kind}: {}", where_to_create(kind));
        }
        // On a terminal a refused or empty key is asked again (three tries), saying what
        // was wrong; from stdin (a script) once.
        let tries = if terminal { 3 } else { 1 };
        let mut attempt = 0;
        let (id, secret, checked) = loop {
            attempt += 1;
            let (id, secret) = ask(kind)?;
            let checked = if id.is_empty() {
                Err(Unconfirmed {
                    refused: true,
                    message: format!("the {} is empty", names(kind).0),
                })
            } else {
                verify(g, kind, &id, &secret).await
            };
            match &checked {
                // Only a refused key is asked again: an outage is not the secret's fault.
                Err(e) if e.refused && attempt < tries => say!(
                    "✗ {kind} refused key {}: {e}. Try again ({} left), or Ctrl-C.",
                    mask(&id),
                    tries - attempt
                ),
                _ => break (id, secret, checked),
            }
        };
        let user = format!("{}:default", kind.keyring_prefix());
        let (stored, line) = if id.is_empty() {
            code = code.max(exit::INPUT);
            (Err(format!("the {} is empty", names(kind).0)), None)
        } else {
            match checked {
                Err(e) if e.refused => {
                    code = code.max(exit::CREDENTIALS);
                    (
                        Err(format!(
                            "{kind} refused key {}: {e}. Nothing was stored.",
                            mask(&id)
                        )),
                        None,
                    )
                }
                Err(e) => {
                    code = code.max(exit::FAILED);
                    (
                        Err(format!(
                            "could not check {kind} key {}: {e}. Nothing was stored; run `tilink auth login` again once the cloud answers.",
                            mask(&id)
                        )),
                        None,
                    )
                }
                Ok(who) => match save_to_keyring(kind, &id, &secret) {
                    Ok(()) => (
                        Ok(who.clone()),
                        Some(format!(
                            "✓ {kind}: key {} works ({who}); stored in {} (service 'tilink', user '{user}')",
                            mask(&id),
                            backend_note()
                        )),
                    ),
                    Err(e) => {
                        code = code.max(exit::FAILED);
                        (
                            Err(format!(
                                "{kind} key {} works ({who}) but the OS keyring could not store it: {e}",
                                mask(&id)
                            )),
                            None,
                        )
                    }
                },
            }
        };
        match g.output {
            Output::Json => out.push(json!({
                "cloud": kind.keyring_prefix(),
                "key_id": mask(&id),
                "verified": stored.as_ref().ok(),
                "error": stored.as_ref().err(),
                "stored": stored.is_ok().then(|| json!({"keyring_service": "tilink", "keyring_user": user, "backend": backend_note()})),
            })),
            Output::Text => match (&stored, line) {
                (Ok(_), Some(l)) => println!("{l}"),
                (Err(e), _) => say!("✗ {e}"),
                _ => {}
            },
        }
    }
    if g.output == Output::Json {
        println!("{}", json!({ "logged_in": out }));
    }
    Ok(code)
}

async fn status(g: &GlobalArgs) -> Result<u8, Failure> {
    let inputs = inputs(g)?;
    let mut code = exit::OK;
    let mut out = Vec::new();
    let mut shadowed: Vec<String> = Vec::new();
    for kind in [Kind::Alibaba, Kind::Tidb] {
        let (looked, resolved) = match kind {
            Kind::Alibaba => (
                explain_alibaba(&inputs),
                resolve_alibaba(&inputs).map(|c| (c.access_key_id, c.access_key_secret, c.source)),
            ),
            Kind::Tidb => (
                explain_tidb(&inputs),
                resolve_tidb(&inputs).map(|c| (c.public_key, c.private_key, c.source)),
            ),
        };
        let (source, key, works) = match &resolved {
            Ok((id, secret, source)) => {
                let check = verify(g, kind, id, secret).await;
                if let Err(e) = &check {
                    code = code.max(if e.refused {
                        exit::CREDENTIALS
                    } else {
                        exit::FAILED
                    });
                    // A key found first (flags, the environment, a profile) may shadow a
                    // working key in the keyring: say so, rather than "log in".
                    if !g.no_keyring
                        && let Ok(Some((kid, ksecret))) = load_from_keyring(kind, None)
                        && &kid != id
                        && verify(g, kind, &kid, &ksecret).await.is_ok()
                    {
                        shadowed.push(format!(
                            "{kind}: the key from {source} shadows the OS keyring's key {}, which works: remove the {source} key (for the environment, unset {}) to use it",
                            mask(&kid),
                            env_names(kind)
                        ));
                    }
                }
                let check = check.map_err(|e| e.message);
                (Some(source.to_string()), Some(mask(id)), Some(check))
            }
            Err(_) => {
                code = exit::CREDENTIALS;
                (None, None, None)
            }
        };
        match g.output {
            Output::Json => out.push(json!({
                "cloud": kind.keyring_prefix(),
                "source": source,
                "key_id": key,
                "works": works.as_ref().map(|w| w.is_ok()),
                "detail": works.as_ref().map(|w| match w { Ok(s) | Err(s) => s.clone() }),
                "looked": looked.iter().map(|l| json!({"source": l.source, "outcome": l.outcome})).collect::<Vec<_>>(),
            })),
            Output::Text => {
                match (&source, &key, &works) {
                    (Some(s), Some(k), Some(Ok(who))) => {
                        println!("✓ {kind}: key {k} from {s} works ({who})")
                    }
                    (Some(s), Some(k), Some(Err(e))) => {
                        println!("✗ {kind}: key {k} from {s} does not work: {e}")
                    }
                    _ => println!("✗ {kind}: no keys found"),
                }
                for l in &looked {
                    println!("    {l}");
                }
            }
        }
    }
    if g.output == Output::Json {
        println!("{}", json!({ "clouds": out, "shadowed": shadowed }));
    } else if !shadowed.is_empty() {
        for line in &shadowed {
            println!("Fix: {line}.");
        }
    } else if code != exit::OK {
        println!("Fix: `tilink auth login` checks keys and stores them in the OS keyring.");
    }
    Ok(code)
}

fn logout(g: &GlobalArgs, kinds: Vec<Kind>) -> Result<u8, Failure> {
    let mut out = Vec::new();
    for kind in kinds {
        // Every key tilink ever stored for this cloud, not only the current one.
        let removed = forget_all_in_keyring(kind).map_err(|e| {
            Failure::failed(format!("removing {kind} keys from the OS keyring: {e}"))
        })?;
        let masked: Vec<String> = removed.iter().map(|id| mask(id)).collect();
        match g.output {
            Output::Json => out.push(json!({"cloud": kind.keyring_prefix(), "removed": masked})),
            Output::Text if masked.is_empty() => {
                println!("· {kind}: nothing stored in the OS keyring")
            }
            Output::Text => println!(
                "✓ {kind}: removed from the OS keyring: key{} {}",
                if masked.len() == 1 { "" } else { "s" },
                masked.join(", ")
            ),
        }
    }
    if g.output == Output::Json {
        println!("{}", json!({ "logged_out": out }));
    }
    Ok(exit::OK)
}
