//! The credential chain against real files in temporary home directories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tilink::credentials::{
    AssumeRoleSpec, CredentialsError, Inputs, Kind, Source, explain_alibaba, explain_tidb,
    resolve_alibaba, resolve_tidb,
};
use tilink::secret::Secret;

const ALIYUN_JSON: &str = r#"{
  "current": "default",
  "profiles": [
    {"name": "default", "mode": "AK", "access_key_id": "LTAI5tALIYUNDEF1", "access_key_secret": "SECRET-aliyun-default",
     "sts_token": "", "ram_role_arn": "", "ram_session_name": "", "expired_seconds": 0, "region_id": "ap-southeast-1"},
    {"name": "prod", "mode": "StsToken", "access_key_id": "STS.PRODPRODPROD", "access_key_secret": "SECRET-aliyun-prod",
     "sts_token": "SECRET-aliyun-prod-token", "region_id": "ap-southeast-1"},
    {"name": "assume", "mode": "RamRoleArn", "access_key_id": "LTAI5tASSUMEAS1", "access_key_secret": "SECRET-aliyun-assume",
     "ram_role_arn": "acs:ram::1234567890:role/tilink-setup", "ram_session_name": "tilink-test", "expired_seconds": 1200},
    {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "my-ecs-role"},
    {"name": "ext", "mode": "External", "process_command": "get-creds"},
    {"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "default", "ram_role_arn": "acs:ram::1:role/x"}
  ]
}"#;

const ALIBABACLOUD_INI: &str = "\
[default]
type = access_key
access_key_id = LTAI5tINIDEFAULT
access_key_secret = SECRET-ini-default

[prod]
type = sts
access_key_id = STS.INIPRODINIPROD
access_key_secret = SECRET-ini-prod
security_token = SECRET-ini-prod-token

[fileonly]
type = ram_role_arn
access_key_id = LTAI5tFILEONLY01
access_key_secret = SECRET-ini-fileonly
role_arn = acs:ram::1234567890:role/file-role
role_session_name = from-file
";

const TICLOUD_TOML: &str = "\
current-profile = \"default\"

[default]
public-key = \"TICLOUDDEF\"
private-key = \"SECRET-ticloud-default\"

[staging]
public-key = \"TICLOUDSTG\"
private-key = \"SECRET-ticloud-staging\"
";

const ALL_SECRETS: &[&str] = &[
    "SECRET-flag",
    "SECRET-env",
    "SECRET-aliyun",
    "SECRET-ini",
    "SECRET-ticloud",
];

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn empty() -> Self {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn full() -> Self {
        let h = Home::empty();
        h.write(".aliyun/config.json", ALIYUN_JSON);
        h.write(".alibabacloud/credentials", ALIBABACLOUD_INI);
        h.write(".ticloud/config.toml", TICLOUD_TOML);
        h
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        chmod(&p, 0o600);
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).expect("remove");
    }

    fn inputs(&self) -> Inputs {
        Inputs {
            home: self.dir.path().to_path_buf(),
            env: HashMap::new(),
            aliyun_profile: None,
            ticloud_profile: None,
            flag_alibaba: None,
            flag_tidb: None,
            use_keyring: false,
        }
    }
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn chmod(_p: &Path, _mode: u32) {}

fn set(inputs: &mut Inputs, k: &str, v: &str) {
    inputs.env.insert(k.to_string(), v.to_string());
}

fn assert_no_secret(text: &str) {
    for s in ALL_SECRETS {
        assert!(!text.contains(s), "secret {s:?} leaked into: {text}");
    }
}

#[test]
fn alibaba_precedence_flag_env_aliyun_file_then_not_found() {
    let home = Home::full();
    let mut i = home.inputs();
    i.flag_alibaba = Some(("LTAI5tFLAGFLAG01".into(), Secret::new("SECRET-flag")));
    set(&mut i, "ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tENVENVENV1");
    set(&mut i, "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "SECRET-env");

    let c = resolve_alibaba(&i).expect("flag");
    assert_eq!(
        (c.access_key_id.as_str(), &c.source),
        ("LTAI5tFLAGFLAG01", &Source::Flag)
    );
    assert_eq!(c.access_key_secret.expose(), "SECRET-flag");

    i.flag_alibaba = None;
    let c = resolve_alibaba(&i).expect("env");
    assert_eq!(
        (c.access_key_id.as_str(), &c.source),
        ("LTAI5tENVENVENV1", &Source::Env)
    );

    i.env.clear();
    let c = resolve_alibaba(&i).expect("aliyun");
    assert_eq!(c.access_key_id, "LTAI5tALIYUNDEF1");
    assert_eq!(
        c.source,
        Source::AliyunCliProfile {
            path: home.path(".aliyun/config.json"),
            profile: "default".into()
        }
    );

    home.remove(".aliyun/config.json");
    let c = resolve_alibaba(&i).expect("ini");
    assert_eq!(c.access_key_id, "LTAI5tINIDEFAULT");
    assert_eq!(
        c.source,
        Source::AlibabaCloudCredentialsFile {
            path: home.path(".alibabacloud/credentials"),
            profile: "default".into()
        }
    );

    home.remove(".alibabacloud/credentials");
    let e = resolve_alibaba(&i).expect_err("nothing left");
    assert!(
        matches!(
            e,
            CredentialsError::NotFound {
                kind: Kind::Alibaba,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn tidb_precedence_flag_env_ticloud_then_not_found() {
    let home = Home::full();
    let mut i = home.inputs();
    i.flag_tidb = Some(("FLAGPUB1".into(), Secret::new("SECRET-flag")));
    set(&mut i, "TIDBCLOUD_PUBLIC_KEY", "ENVPUB01");
    set(&mut i, "TIDBCLOUD_PRIVATE_KEY", "SECRET-env");

    assert_eq!(resolve_tidb(&i).expect("flag").source, Source::Flag);
    i.flag_tidb = None;
    let c = resolve_tidb(&i).expect("env");
    assert_eq!(
        (c.public_key.as_str(), c.private_key.expose()),
        ("ENVPUB01", "SECRET-env")
    );
    assert_eq!(c.source, Source::Env);
    i.env.clear();
    let c = resolve_tidb(&i).expect("ticloud");
    assert_eq!(c.public_key, "TICLOUDDEF");
    assert_eq!(c.private_key.expose(), "SECRET-ticloud-default");
    assert_eq!(
        c.source,
        Source::TicloudProfile {
            path: home.path(".ticloud/config.toml"),
            profile: "default".into()
        }
    );
    home.remove(".ticloud/config.toml");
    assert!(matches!(
        resolve_tidb(&i),
        Err(CredentialsError::NotFound {
            kind: Kind::Tidb,
            ..
        })
    ));
}

#[test]
fn aliyun_profile_override_applies_to_both_alibaba_files() {
    let home = Home::full();
    let mut i = home.inputs();
    i.aliyun_profile = Some("prod".into());
    let c = resolve_alibaba(&i).expect("prod");
    assert_eq!(c.access_key_id, "STS.PRODPRODPROD");
    assert_eq!(
        c.security_token.as_ref().map(Secret::expose),
        Some("SECRET-aliyun-prod-token")
    );

    // A profile only the credentials file has.
    i.aliyun_profile = Some("fileonly".into());
    let c = resolve_alibaba(&i).expect("fileonly");
    assert_eq!(c.access_key_id, "LTAI5tFILEONLY01");
    assert_eq!(
        c.role_arn,
        Some(AssumeRoleSpec {
            role_arn: "acs:ram::1234567890:role/file-role".into(),
            session_name: "from-file".into(),
            duration_seconds: 3600,
        })
    );

    // ALIBABA_CLOUD_PROFILE works too; the explicit override beats it.
    i.aliyun_profile = None;
    set(&mut i, "ALIBABA_CLOUD_PROFILE", "prod");
    home.remove(".aliyun/config.json");
    let c = resolve_alibaba(&i).expect("env profile");
    assert_eq!(c.access_key_id, "STS.INIPRODINIPROD");
    assert_eq!(
        c.security_token.as_ref().map(Secret::expose),
        Some("SECRET-ini-prod-token")
    );
    i.aliyun_profile = Some("default".into());
    assert_eq!(
        resolve_alibaba(&i).expect("override").access_key_id,
        "LTAI5tINIDEFAULT"
    );
}

#[test]
fn missing_explicit_profile_is_an_error() {
    let home = Home::full();
    let mut i = home.inputs();
    i.aliyun_profile = Some("nosuch".into());
    let e = resolve_alibaba(&i).expect_err("missing");
    let msg = e.to_string();
    assert!(msg.contains("'nosuch'"), "{msg}");
    assert!(
        msg.contains("config.json") && msg.contains(".alibabacloud"),
        "{msg}"
    );
    i.ticloud_profile = Some("NoSuch".into());
    let msg = resolve_tidb(&i).expect_err("missing").to_string();
    assert!(msg.contains("'nosuch'") && msg.contains("staging"), "{msg}");
}

#[test]
fn ram_role_arn_profile_returns_assume_role_spec() {
    let home = Home::full();
    let mut i = home.inputs();
    i.aliyun_profile = Some("assume".into());
    let c = resolve_alibaba(&i).expect("assume");
    assert_eq!(c.access_key_id, "LTAI5tASSUMEAS1");
    assert_eq!(c.access_key_secret.expose(), "SECRET-aliyun-assume");
    assert!(c.security_token.is_none());
    assert_eq!(
        c.role_arn,
        Some(AssumeRoleSpec {
            role_arn: "acs:ram::1234567890:role/tilink-setup".into(),
            session_name: "tilink-test".into(),
            duration_seconds: 1200,
        })
    );
}

#[test]
fn unsupported_aliyun_modes_are_clear_errors() {
    let home = Home::full();
    let mut i = home.inputs();
    for (profile, mode) in [
        ("ecs", "EcsRamRole"),
        ("ext", "External"),
        ("chain", "ChainableRamRoleArn"),
    ] {
        i.aliyun_profile = Some(profile.into());
        let e = resolve_alibaba(&i).expect_err(profile);
        assert!(
            matches!(e, CredentialsError::UnsupportedMode { .. }),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(mode) && msg.contains(&format!("'{profile}'")),
            "{msg}"
        );
        assert!(msg.contains("AK, StsToken, RamRoleArn"), "{msg}");
    }
}

#[test]
fn ticloud_profile_override_is_lowercased() {
    let home = Home::full();
    let mut i = home.inputs();
    i.ticloud_profile = Some("STAGING".into());
    let c = resolve_tidb(&i).expect("staging");
    assert_eq!(c.public_key, "TICLOUDSTG");
    assert!(matches!(c.source, Source::TicloudProfile { ref profile, .. } if profile == "staging"));
}

#[test]
fn ticloud_profile_needs_both_keys() {
    let home = Home::empty();
    home.write(
        ".ticloud/config.toml",
        "current-profile = \"oauth\"\n[oauth]\npublic-key = \"ONLYPUB\"\naccess-token = \"t\"\n",
    );
    let e = resolve_tidb(&home.inputs()).expect_err("half");
    assert!(e.to_string().contains("no private-key"), "{e}");
}

#[test]
fn half_set_env_pairs_name_the_missing_variable() {
    let home = Home::full();
    let cases = [
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
        ),
        (
            "ALIBABA_CLOUD_SECURITY_TOKEN",
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
        ),
    ];
    for (set_var, missing) in cases {
        let mut i = home.inputs();
        set(&mut i, set_var, "SECRET-env");
        let e = resolve_alibaba(&i).expect_err(set_var);
        let msg = e.to_string();
        assert!(matches!(e, CredentialsError::HalfSetEnv { .. }), "{e:?}");
        assert!(msg.contains(missing), "{msg}");
        assert_no_secret(&format!("{msg} {e:?}"));
    }
    for (set_var, missing) in [
        ("TIDBCLOUD_PUBLIC_KEY", "TIDBCLOUD_PRIVATE_KEY"),
        ("TIDBCLOUD_PRIVATE_KEY", "TIDBCLOUD_PUBLIC_KEY"),
    ] {
        let mut i = home.inputs();
        set(&mut i, set_var, "SECRET-env");
        let msg = resolve_tidb(&i).expect_err(set_var).to_string();
        assert!(msg.contains(missing), "{msg}");
        assert_no_secret(&msg);
    }
}

#[test]
fn sts_token_from_env() {
    let mut i = Home::empty().inputs();
    set(&mut i, "ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.ENVENVENVENV");
    set(&mut i, "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "SECRET-env");
    set(&mut i, "ALIBABA_CLOUD_SECURITY_TOKEN", "SECRET-env-token");
    let c = resolve_alibaba(&i).expect("sts");
    assert_eq!(
        c.security_token.as_ref().map(Secret::expose),
        Some("SECRET-env-token")
    );
}

#[test]
fn malformed_json_reports_file_and_position() {
    let home = Home::empty();
    home.write(
        ".aliyun/config.json",
        "{\n  \"current\": \"default\",\n  \"profiles\": [ {\"access_key_secret\": \"SECRET-aliyun-x\",, } ]\n}",
    );
    let e = resolve_alibaba(&home.inputs()).expect_err("malformed");
    let msg = e.to_string();
    assert!(
        matches!(e, CredentialsError::Malformed { line: Some(3), .. }),
        "{e:?}"
    );
    assert!(
        msg.contains(".aliyun/config.json") && msg.contains("line 3, column"),
        "{msg}"
    );
    assert_no_secret(&format!("{msg} {e:?}"));
}

#[test]
fn malformed_toml_reports_file_and_position() {
    let home = Home::empty();
    home.write(
        ".ticloud/config.toml",
        "current-profile = \"default\"\n[default]\nprivate-key = SECRET-ticloud-unquoted\n",
    );
    let e = resolve_tidb(&home.inputs()).expect_err("malformed");
    let msg = e.to_string();
    assert!(
        msg.contains(".ticloud/config.toml") && msg.contains("line 3"),
        "{msg}"
    );
    assert_no_secret(&format!("{msg} {e:?}"));
}

#[test]
fn malformed_ini_reports_file_and_line() {
    let home = Home::empty();
    home.write(
        ".alibabacloud/credentials",
        "[default]\ntype = access_key\nSECRET-ini-no-equals-sign\n",
    );
    let e = resolve_alibaba(&home.inputs()).expect_err("malformed");
    let msg = e.to_string();
    assert!(
        msg.contains(".alibabacloud/credentials") && msg.contains("line 3"),
        "{msg}"
    );
    assert_no_secret(&format!("{msg} {e:?}"));
}

#[test]
fn not_found_message_names_every_place_env_vars_and_sandbox() {
    let home = Home::empty();
    let i = home.inputs();
    let msg = resolve_alibaba(&i).expect_err("none").to_string();
    for needle in [
        "no Alibaba Cloud credentials found",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        ".aliyun/config.json",
        ".alibabacloud/credentials",
        "OS keyring",
        "aliyun configure",
        "tilink sandbox",
    ] {
        assert!(msg.contains(needle), "missing {needle:?} in:\n{msg}");
    }
    assert!(msg.lines().count() >= 8, "{msg}");
    // tilink takes no key as a flag (shell history, `ps`): the message never advises one.
    assert!(!msg.contains("command-line flags"), "{msg}");

    let msg = resolve_tidb(&i).expect_err("none").to_string();
    for needle in [
        "no TiDB Cloud credentials found",
        "TIDBCLOUD_PUBLIC_KEY",
        "TIDBCLOUD_PRIVATE_KEY",
        ".ticloud/config.toml",
        "OS keyring",
        "tilink sandbox",
    ] {
        assert!(msg.contains(needle), "missing {needle:?} in:\n{msg}");
    }
}

#[test]
fn secrets_never_in_debug_display_errors_or_lookups() {
    let home = Home::full();
    let mut i = home.inputs();
    i.flag_alibaba = Some(("LTAI5tFLAGFLAG01".into(), Secret::new("SECRET-flag")));
    i.flag_tidb = Some(("FLAGPUB1".into(), Secret::new("SECRET-flag")));
    set(&mut i, "ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tENVENVENV1");
    set(&mut i, "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "SECRET-env");
    set(&mut i, "TIDBCLOUD_PUBLIC_KEY", "ENVPUB01");
    set(&mut i, "TIDBCLOUD_PRIVATE_KEY", "SECRET-env");

    let a = resolve_alibaba(&i).expect("alibaba");
    let t = resolve_tidb(&i).expect("tidb");
    assert_no_secret(&format!("{a:?} {t:?} {} {}", a.source, t.source));
    assert_no_secret(&format!("{i:?}"));
    assert_no_secret(&format!("{:?} {:?}", explain_alibaba(&i), explain_tidb(&i)));

    i.flag_alibaba = None;
    i.env.clear();
    i.aliyun_profile = Some("assume".into());
    let a = resolve_alibaba(&i).expect("assume");
    assert_no_secret(&format!("{a:?}"));

    // Error paths with secrets in the offending files.
    home.write(
        ".aliyun/config.json",
        "{\"profiles\": [{\"name\": \"assume\", \"access_key_secret\": \"SECRET-aliyun-q\" ",
    );
    let e = resolve_alibaba(&i).expect_err("bad json");
    assert_no_secret(&format!("{e} {e:?}"));
    home.write(
        ".aliyun/config.json",
        "{\"profiles\": [{\"name\": \"assume\", \"access_key_id\": \"LTAI5tX\", \"access_key_secret\": \"\", \"sts_token\": \"SECRET-aliyun-t\"}]}",
    );
    let e = resolve_alibaba(&i).expect_err("incomplete");
    assert!(matches!(e, CredentialsError::Incomplete { .. }), "{e:?}");
    assert_no_secret(&format!("{e} {e:?}"));
    home.write(
        ".ticloud/config.toml",
        "[default]\nprivate-key = \"SECRET-ticloud-open\n",
    );
    i.flag_tidb = None;
    let e = resolve_tidb(&i).expect_err("bad toml");
    assert_no_secret(&format!("{e} {e:?}"));
    assert_no_secret(&format!("{:?}", explain_tidb(&i)));
}

#[test]
fn explain_lists_every_source_and_marks_the_winner() {
    let home = Home::full();
    let mut i = home.inputs();
    let lines = explain_alibaba(&i);
    let sources: Vec<&str> = lines.iter().map(|l| l.source.as_str()).collect();
    assert_eq!(lines.len(), 5, "{sources:?}");
    assert!(sources[0].contains("flags"));
    assert!(sources[1].contains("ALIBABA_CLOUD_ACCESS_KEY_ID"));
    assert!(sources[2].contains(".aliyun/config.json"));
    assert!(sources[3].contains(".alibabacloud/credentials"));
    assert!(sources[4].contains("keyring"));
    assert!(lines[2].outcome.contains("(used)"), "{:?}", lines[2]);
    assert!(lines[3].outcome.contains("not used"), "{:?}", lines[3]);
    assert!(lines[4].outcome.contains("not consulted"), "{:?}", lines[4]);

    set(&mut i, "TIDBCLOUD_PUBLIC_KEY", "ENVPUB01");
    let lines = explain_tidb(&i);
    assert_eq!(lines.len(), 4);
    assert!(lines[1].outcome.starts_with("error:"), "{:?}", lines[1]);
    assert!(
        lines[1].outcome.contains("TIDBCLOUD_PRIVATE_KEY"),
        "{:?}",
        lines[1]
    );
    assert!(lines[2].outcome.contains("(used)"), "{:?}", lines[2]);
}

#[cfg(unix)]
#[test]
fn group_readable_files_get_a_warning_not_a_failure() {
    let home = Home::full();
    chmod(&home.path(".aliyun/config.json"), 0o644);
    chmod(&home.path(".ticloud/config.toml"), 0o640);
    let i = home.inputs();
    assert!(resolve_alibaba(&i).is_ok());
    assert!(resolve_tidb(&i).is_ok());
    let a = explain_alibaba(&i);
    assert!(
        a[2].outcome.contains("warning") && a[2].outcome.contains("chmod 600"),
        "{:?}",
        a[2]
    );
    assert!(!a[3].outcome.contains("warning"), "{:?}", a[3]);
    let t = explain_tidb(&i);
    assert!(t[2].outcome.contains("mode 640"), "{:?}", t[2]);
}

#[test]
fn source_display_names_the_place() {
    let home = Home::full();
    let c = resolve_alibaba(&home.inputs()).expect("aliyun");
    let shown = c.source.to_string();
    assert!(
        shown.starts_with("aliyun CLI profile 'default' ("),
        "{shown}"
    );
    assert!(shown.ends_with(".aliyun/config.json)"), "{shown}");
    assert_eq!(Source::Keyring.to_string(), "OS keyring");
    assert_eq!(Source::Env.to_string(), "environment variables");
    assert_eq!(Source::Flag.to_string(), "command-line flags");
}

#[test]
fn from_process_uses_real_environment() {
    let i = Inputs::from_process(Some("p".into()), None);
    assert!(i.use_keyring);
    assert_eq!(i.aliyun_profile.as_deref(), Some("p"));
    if let Ok(home) = std::env::var("HOME") {
        assert_eq!(i.home, PathBuf::from(home));
    }
    assert_eq!(i.env.len(), std::env::vars().count());
}
