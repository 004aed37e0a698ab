//! Credentials interop end to end: the real binary, a temporary HOME holding only the files
//! the aliyun CLI, the Alibaba Cloud SDKs and ticloud write, no credential env vars, the
//! keyring off — and `tilink setup --non-interactive … --yes -o json` works against the
//! in-process simulator.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::World;

/// Keys the simulator does not know: a profile holding them must not be the one used.
const WRONG_ID: &str = "LTAI5tWRONGWRONG";
const WRONG_SECRET: &str = "wrong-secret-never-used";

fn write(home: &Path, rel: &str, text: &str) {
    let p = home.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// `~/.aliyun/config.json` as the aliyun CLI writes it (`aliyun configure`).
fn aliyun_config(current: &str, profiles: &[serde_json::Value]) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "current": current,
        "profiles": profiles,
        "meta_path": "",
    }))
    .unwrap()
}

fn ak_profile(name: &str, id: &str, secret: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name, "mode": "AK", "access_key_id": id, "access_key_secret": secret,
        "sts_token": "", "ram_role_arn": "", "ram_session_name": "", "private_key": "",
        "key_pair_name": "", "expired_seconds": 0, "verified": "", "region_id": "ap-southeast-1",
        "output_format": "json", "language": "en", "site": "", "retry_timeout": 0,
        "connect_timeout": 0, "retry_count": 0, "process_command": "", "credentials_uri": ""
    })
}

/// `~/.ticloud/config.toml` as `ticloud config create` writes it.
fn ticloud_config(current: &str, profiles: &[(&str, &str, &str)]) -> String {
    let mut s = format!("current-profile = \"{current}\"\n");
    for (name, public, private) in profiles {
        s.push_str(&format!(
            "\n[{name}]\npublic-key = \"{public}\"\nprivate-key = \"{private}\"\n"
        ));
    }
    s
}

/// Writes `~/.ticloud/config.toml` (see `ticloud_config`).
fn write_ticloud(home: &Path, current: &str, profiles: &[(&str, &str, &str)]) {
    write(
        home,
        ".ticloud/config.toml",
        &ticloud_config(current, profiles),
    );
}

/// A ticloud config whose only profile, the current one, holds the world's TiDB Cloud key.
fn write_good_ticloud(w: &World, home: &Path) {
    let key = (w.m.tidb_public_key.as_str(), w.m.tidb_private_key.as_str());
    write_ticloud(home, "default", &[("default", key.0, key.1)]);
}

/// The world's two secrets, which no output may hold.
fn world_secrets(w: &World) -> [&str; 2] {
    [&w.m.alibaba_access_key_secret, &w.m.tidb_private_key]
}

/// The binary with HOME = `home`, the simulator's endpoints, no credential env vars.
fn tilink(w: &World, home: &Path, state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tilink"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("TILINK_NO_KEYRING", "1")
        .env("TILINK_STATE_DIR", state)
        .env("TILINK_POLL_SCALE", "0.02")
        .env("TILINK_ALIBABA_ENDPOINT", &w.m.alibaba_endpoint)
        .env("TILINK_TIDB_ENDPOINT", &w.m.tidb_endpoint)
        .stdin(Stdio::null());
    c
}

fn setup(w: &World, home: &Path, extra: &[&str]) -> Output {
    let state = home.join(".local/state/tilink");
    let mut c = tilink(w, home, &state);
    c.args(extra)
        .args(w.setup_argv(&["--non-interactive", "--yes", "-o", "json"]));
    tokio::task::block_in_place(|| c.output().unwrap())
}

fn assert_active(out: &Output, secrets: &[&str]) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["state"], "ACTIVE", "{v}");
    let all = format!("{}{stderr}", String::from_utf8_lossy(&out.stdout));
    for s in secrets {
        assert!(!all.contains(s), "a secret leaked into the output");
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliyun_cli_ak_profile_and_ticloud_current_profile() {
    let w = common::world().await;
    let home = tempfile::tempdir().unwrap();
    // The current aliyun profile is the good one; another profile holds wrong keys.
    write(
        home.path(),
        ".aliyun/config.json",
        &aliyun_config(
            "work",
            &[
                ak_profile("default", WRONG_ID, WRONG_SECRET),
                ak_profile(
                    "work",
                    &w.m.alibaba_access_key_id,
                    &w.m.alibaba_access_key_secret,
                ),
            ],
        ),
    );
    write_ticloud(
        home.path(),
        "dev",
        &[
            ("default", "WRONGPUB", "wrong-private"),
            ("dev", &w.m.tidb_public_key, &w.m.tidb_private_key),
        ],
    );
    let out = setup(&w, home.path(), &[]);
    assert_active(&out, &world_secrets(&w));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliyun_cli_sts_token_profile_selected_by_flag() {
    let w = common::world().await;
    let state = w.state().await;
    let sts = &state["sts_key"];
    let (id, secret, token) = (
        sts["access_key_id"].as_str().expect("sts key id"),
        sts["access_key_secret"].as_str().expect("sts secret"),
        sts["security_token"].as_str().expect("sts token"),
    );
    let home = tempfile::tempdir().unwrap();
    let mut sts_profile = ak_profile("sts", id, secret);
    sts_profile["mode"] = "StsToken".into();
    sts_profile["sts_token"] = token.into();
    write(
        home.path(),
        ".aliyun/config.json",
        &aliyun_config(
            "default",
            &[ak_profile("default", WRONG_ID, WRONG_SECRET), sts_profile],
        ),
    );
    write_good_ticloud(&w, home.path());
    let out = setup(&w, home.path(), &["--aliyun-profile", "sts"]);
    assert_active(&out, &[secret, token, &w.m.tidb_private_key]);

    // Doctor with the same files sees an STS identity (the token was sent and accepted).
    let st = home.path().join(".local/state/tilink");
    let mut c = tilink(&w, home.path(), &st);
    c.args([
        "--aliyun-profile",
        "sts",
        "doctor",
        "--cluster-id",
        &w.m.cluster_id,
        "-o",
        "json",
    ]);
    let out = tokio::task::block_in_place(|| c.output().unwrap());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("doctor JSON");
    let cred = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "credentials")
        .expect("credentials check")
        .clone();
    assert_eq!(cred["status"], "pass", "{cred}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alibabacloud_credentials_file_and_ticloud_profile_flag() {
    let w = common::world().await;
    let home = tempfile::tempdir().unwrap();
    // No aliyun CLI config: the SDK credentials file's [default] section is used.
    write(
        home.path(),
        ".alibabacloud/credentials",
        &format!(
            "[default]\ntype = access_key\naccess_key_id = {}\naccess_key_secret = {}\n\n[other]\ntype = access_key\naccess_key_id = {WRONG_ID}\naccess_key_secret = {WRONG_SECRET}\n",
            w.m.alibaba_access_key_id, w.m.alibaba_access_key_secret
        ),
    );
    // The current ticloud profile holds wrong keys; --ticloud-profile picks the right one.
    write_ticloud(
        home.path(),
        "default",
        &[
            ("default", "WRONGPUB", "wrong-private"),
            ("prod", &w.m.tidb_public_key, &w.m.tidb_private_key),
        ],
    );
    let out = setup(&w, home.path(), &["--ticloud-profile", "prod"]);
    assert_active(&out, &world_secrets(&w));

    // Without the flag the wrong current profile is used and TiDB Cloud refuses it: exit 3
    // or a failed lookup, never a success with the wrong key.
    let out = setup(&w, home.path(), &[]);
    assert_ne!(out.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_files_name_every_place_looked() {
    let w = common::world().await;
    let home = tempfile::tempdir().unwrap();
    let out = setup(&w, home.path(), &[]);
    let err = common::expect_exit(&out, 3);
    for place in [".aliyun/config.json", ".alibabacloud/credentials"] {
        assert!(err.contains(place), "{place} not named in: {err}");
    }
    // An explicitly requested profile that does not exist is an error, not a fallthrough.
    write(
        home.path(),
        ".alibabacloud/credentials",
        &format!(
            "[default]\ntype = access_key\naccess_key_id = {}\naccess_key_secret = {}\n",
            w.m.alibaba_access_key_id, w.m.alibaba_access_key_secret
        ),
    );
    let out = setup(&w, home.path(), &["--aliyun-profile", "nope"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}

/// RamRoleArn: the base key calls STS AssumeRole, and the role's temporary key runs setup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliyun_cli_ram_role_arn_profile_assumes_the_role() {
    let w = common::world().await;
    let uid = w
        .clients()
        .aliyun
        .get_caller_identity()
        .await
        .unwrap()
        .account_id;
    let home = tempfile::tempdir().unwrap();
    let mut p = ak_profile(
        "role",
        &w.m.alibaba_access_key_id,
        &w.m.alibaba_access_key_secret,
    );
    p["mode"] = "RamRoleArn".into();
    p["ram_role_arn"] = format!("acs:ram::{uid}:role/tilink-setup").into();
    p["ram_session_name"] = "tilink-e2e".into();
    p["expired_seconds"] = 900.into();
    write(
        home.path(),
        ".aliyun/config.json",
        &aliyun_config("role", &[p]),
    );
    write_good_ticloud(&w, home.path());
    let out = setup(&w, home.path(), &[]);
    assert_active(&out, &world_secrets(&w));
    let stats = w.stats().await;
    assert!(
        stats.to_string().contains("AssumeRole"),
        "AssumeRole was not called: {stats}"
    );
}

/// The library call itself, against the simulator: today the simulator answers
/// `AssumeRole` as an unknown action, and the error is the API's, without secrets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_assume_role_reports_the_api_error_without_secrets() {
    use tilink::cloud::aliyun::sts_assume::{AssumeRoleRequest, assume_role};
    let w = common::world().await;
    let c = w.clients();
    let req = AssumeRoleRequest {
        role_arn: "acs:ram::1234567890123456:role/tilink-setup".into(),
        session_name: "tilink e2e".into(),
        duration_seconds: 60,
        external_id: None,
    };
    match assume_role(&c.aliyun, &req).await {
        Ok(role) => {
            // Once the simulator implements it: a temporary STS key with a token.
            assert!(!role.key.id.is_empty());
            assert!(role.key.security_token.is_some());
        }
        Err(e) => {
            let text = format!("{e} {e:?}");
            assert!(!text.contains(&w.m.alibaba_access_key_secret), "{text}");
            assert!(text.contains("AssumeRole"), "{text}");
        }
    }
}
