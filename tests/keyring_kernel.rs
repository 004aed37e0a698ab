//! The OS keyring, for real: the kernel keyring (keyutils, the keyring crate's
//! `linux-native` backend), no mock.
//!
//! Containers and CI runners often give a process the *user default* session keyring
//! (`_uid_ses.<uid>`), where keyutils refuses to link new keys into the persistent keyring
//! (EACCES, which the keyring crate reports as "no entry"). A login session gets its own
//! session keyring from `pam_keyinit`; this test does the same for itself with
//! `keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL)` (what `keyctl session -` does), so it runs
//! against the real kernel store anywhere `keyctl` is allowed. It skips, saying why, only
//! where the kernel refuses keyctl altogether (e.g. Docker's default seccomp profile).
//!
//! Entries are written under tilink's real service name (that is what the binary reads), so
//! the test refuses to run when tilink entries already exist, and deletes what it wrote even
//! when an assertion fails.

#[path = "it/common/mod.rs"]
mod common;

use tilink::credentials::{Kind, delete_from_keyring, load_from_keyring, save_to_keyring};
use tilink::secret::Secret;

/// Joins a fresh anonymous session keyring for this thread (and the children it spawns).
#[cfg(target_os = "linux")]
fn join_private_session_keyring() -> Result<i64, String> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no pointers besides the null name.
    let r = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if r < 0 {
        Err(format!(
            "the kernel refused keyctl(JOIN_SESSION_KEYRING): {}",
            std::io::Error::last_os_error()
        ))
    } else {
        Ok(r)
    }
}

#[cfg(not(target_os = "linux"))]
fn join_private_session_keyring() -> Result<i64, String> {
    Err(
        "the kernel keyring test is Linux-only (macOS/Windows keyrings need a desktop session)"
            .into(),
    )
}

/// Deletes the test's entries on drop (also when an assertion fails).
struct Cleanup(Vec<(Kind, String)>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for (kind, id) in &self.0 {
            let _ = delete_from_keyring(*kind, id);
        }
    }
}

/// This file runs without libtest (`harness = false` in Cargo.toml) so that a skip is
/// reported as one, with its reason, instead of as a pass.
fn main() {
    const NAME: &str = "kernel_keyring_round_trip_and_setup_reads_it";
    println!("\nrunning 1 test");
    match kernel_keyring_round_trip_and_setup_reads_it() {
        Ok(()) => println!("test {NAME} ... ok"),
        Err(why) => println!("test {NAME} ... SKIPPED: {why}"),
    }
}

/// `Err(why)` when it could not run here (the reason is printed as a skip).
fn kernel_keyring_round_trip_and_setup_reads_it() -> Result<(), String> {
    join_private_session_keyring()?;
    for kind in [Kind::Alibaba, Kind::Tidb] {
        match load_from_keyring(kind, None) {
            Ok(None) => {}
            Ok(Some((id, _))) => {
                return Err(format!(
                    "a {kind} entry ({id}) already exists under service 'tilink'; not overwriting it"
                ));
            }
            Err(e) => panic!("a private session keyring must be readable: {e}"),
        }
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let w = rt.block_on(common::world());
    let _cleanup = Cleanup(vec![
        (Kind::Alibaba, w.m.alibaba_access_key_id.clone()),
        (Kind::Tidb, w.m.tidb_public_key.clone()),
    ]);

    // Save and load through the kernel store.
    save_to_keyring(
        Kind::Alibaba,
        &w.m.alibaba_access_key_id,
        &Secret::new(w.m.alibaba_access_key_secret.clone()),
    )
    .expect("save the Alibaba key in the kernel keyring");
    save_to_keyring(
        Kind::Tidb,
        &w.m.tidb_public_key,
        &Secret::new(w.m.tidb_private_key.clone()),
    )
    .expect("save the TiDB key in the kernel keyring");
    let (id, secret) = load_from_keyring(Kind::Alibaba, None)
        .expect("load")
        .expect("the default slot holds the key");
    assert_eq!(id, w.m.alibaba_access_key_id);
    assert_eq!(secret.expose(), w.m.alibaba_access_key_secret);
    let (id, _) = load_from_keyring(Kind::Tidb, Some(&w.m.tidb_public_key))
        .expect("load by id")
        .expect("the id slot holds the key");
    assert_eq!(id, w.m.tidb_public_key);
    // Saving again replaces (keyutils updates the key in place).
    save_to_keyring(
        Kind::Tidb,
        &w.m.tidb_public_key,
        &Secret::new(w.m.tidb_private_key.clone()),
    )
    .expect("save again");

    // The real binary, child of this thread, inherits the session keyring: with an empty
    // HOME and no credential env vars it finds both keys there and builds the chain.
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("TILINK_STATE_DIR", home.path().join("state"))
        .env("TILINK_POLL_SCALE", "0.02")
        .env("TILINK_ALIBABA_ENDPOINT", &w.m.alibaba_endpoint)
        .env("TILINK_TIDB_ENDPOINT", &w.m.tidb_endpoint)
        .args(w.setup_argv(&["--non-interactive", "--yes", "-o", "json"]))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["state"], "ACTIVE");
    assert!(
        !format!("{}{stderr}", String::from_utf8_lossy(&out.stdout))
            .contains(&w.m.alibaba_access_key_secret)
    );

    // Delete: both slots go.
    delete_from_keyring(Kind::Alibaba, &w.m.alibaba_access_key_id).expect("delete");
    delete_from_keyring(Kind::Tidb, &w.m.tidb_public_key).expect("delete");
    assert!(
        load_from_keyring(Kind::Alibaba, None)
            .expect("load")
            .is_none()
    );
    assert!(
        load_from_keyring(Kind::Tidb, Some(&w.m.tidb_public_key))
            .expect("load")
            .is_none()
    );

    // With an empty keyring, the binary names the keyring among the places it looked.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .args(["doctor", "--cluster-id", &w.m.cluster_id])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("keyring"), "{err}");

    // `tilink auth login` (stdin is not a terminal: id and secret lines per cloud) checks
    // each key with one call and stores it; `auth status` says the keyring is the source.
    let tilink = |args: &[&str], stdin: &str| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("TILINK_ALIBABA_ENDPOINT", &w.m.alibaba_endpoint)
            .env("TILINK_TIDB_ENDPOINT", &w.m.tidb_endpoint)
            .args(args);
        let out = common::with_stdin(&mut cmd, stdin);
        (out.status.code(), common::output_text(&out))
    };
    let secrets = [&w.m.alibaba_access_key_secret, &w.m.tidb_private_key];
    // A refused key stores nothing.
    let (code, text) = tilink(
        &["auth", "login", "--cloud", "alibaba"],
        &format!("{}\nnot-the-secret\n", w.m.alibaba_access_key_id),
    );
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("Nothing was stored"), "{text}");
    assert!(
        load_from_keyring(Kind::Alibaba, None)
            .expect("load")
            .is_none()
    );
    let (code, text) = tilink(
        &["auth", "login"],
        &format!(
            "{}\n{}\n{}\n{}\n",
            w.m.alibaba_access_key_id, secrets[0], w.m.tidb_public_key, secrets[1]
        ),
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("(service 'tilink', user 'alibaba:default')")
            && text.contains("stored in the Linux kernel keyring"),
        "{text}"
    );
    assert!(text.contains("user 'tidb:default'"), "{text}");
    assert!(
        text.contains("note: Alibaba Cloud requests go to"),
        "{text}"
    );
    let (code, text) = tilink(&["auth", "status"], "");
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(text.matches("from OS keyring works").count(), 2, "{text}");
    for s in secrets {
        assert!(!text.contains(s.as_str()), "a secret was printed");
    }
    assert!(
        !text.contains(&w.m.alibaba_access_key_id),
        "ids are masked: {text}"
    );
    // Issue 25 #9: a second Alibaba key logged in after the first; logout removes both.
    let state = rt.block_on(w.state());
    let second_id = state["readonly_key"]["access_key_id"]
        .as_str()
        .unwrap()
        .to_string();
    let second_secret = state["readonly_key"]["access_key_secret"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, text) = tilink(
        &["auth", "login", "--cloud", "alibaba"],
        &format!("{second_id}\n{second_secret}\n"),
    );
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = tilink(&["auth", "logout"], "");
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        text.matches("removed from the OS keyring").count(),
        2,
        "{text}"
    );
    assert!(text.contains("keys "), "both Alibaba keys named: {text}");
    for id in [w.m.alibaba_access_key_id.as_str(), second_id.as_str()] {
        assert!(
            load_from_keyring(Kind::Alibaba, Some(id))
                .expect("load")
                .is_none(),
            "{id}'s entry survived logout"
        );
    }
    assert!(load_from_keyring(Kind::Tidb, None).expect("load").is_none());
    let (code, text) = tilink(&["auth", "status"], "");
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("no keys found"), "{text}");
    drop(rt);
    Ok(())
}
