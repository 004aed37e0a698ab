//! The aliyun CLI's `~/.aliyun/config.json`.
//!
//! `{"current": "default", "profiles": [{"name", "mode", "access_key_id",
//! "access_key_secret", "sts_token", "ram_role_arn", "ram_session_name",
//! "expired_seconds", "region_id", …}]}`. Modes AK, StsToken and RamRoleArn are used;
//! the others (EcsRamRole, External, ChainableRamRoleArn, OIDC, …) are refused clearly.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::alibaba_profile::{self, Found, Spelling};
use super::chain::{Probe, requested_aliyun_profile};
use super::files::{self, malformed};
use super::{AlibabaCredentials, CredentialsError, DEFAULT_ROLE_DURATION_SECONDS, Inputs, Source};

const SPELLING: Spelling = Spelling {
    tool: "aliyun CLI",
    what: "mode",
    modes: ["AK", "StsToken", "RamRoleArn"],
    supported: "AK, StsToken, RamRoleArn",
    token: "sts_token",
    role_arn: "ram_role_arn",
    session_name: "ram_session_name",
};

/// `<home>/.aliyun/config.json`.
pub(crate) fn path(inputs: &Inputs) -> PathBuf {
    inputs.home.join(".aliyun").join("config.json")
}

pub(crate) fn probe(inputs: &Inputs) -> Result<Probe<AlibabaCredentials>, CredentialsError> {
    let path = path(inputs);
    let Some(file) = files::read(&path)? else {
        return Ok(Probe::miss("file not found"));
    };
    let root: Value = serde_json::from_str(&file.text).map_err(|e| json_error(&path, &e))?;
    let root = root
        .as_object()
        .ok_or_else(|| malformed(&path, "the top level must be a JSON object"))?;
    let current = opt_str(root, "current", &path, "current")?;
    let requested = requested_aliyun_profile(inputs);
    let name = requested
        .clone()
        .or_else(|| current.filter(|c| !c.is_empty()).map(str::to_string))
        .unwrap_or_else(|| "default".to_string());

    let profiles = match root.get("profiles") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(malformed(&path, "\"profiles\" must be an array")),
    };
    let mut names = Vec::new();
    let mut found = None;
    for (i, p) in profiles.iter().enumerate() {
        let obj = p
            .as_object()
            .ok_or_else(|| malformed(&path, &format!("profiles[{i}] must be an object")))?;
        let pname = opt_str(obj, "name", &path, &format!("profiles[{i}].name"))?.unwrap_or("");
        if pname == name && found.is_none() {
            found = Some((i, obj));
        }
        names.push(pname.to_string());
    }
    let Some((i, profile)) = found else {
        return Ok(Probe::miss(files::profile_not_found(
            &name,
            names.iter().map(String::as_str),
            &file.warning,
        )));
    };

    let field = |key: &str| -> Result<&str, CredentialsError> {
        Ok(
            opt_str(profile, key, &path, &format!("profiles[{i}].{key}"))?
                .unwrap_or("")
                .trim(),
        )
    };
    let mode = match field("mode")? {
        "" => "AK",
        m => m,
    };
    let found = Found {
        path: &path,
        name: &name,
        mode,
        id: field("access_key_id")?,
        secret: field("access_key_secret")?,
        source: Source::AliyunCliProfile {
            path: path.clone(),
            profile: name.clone(),
        },
        warning: &file.warning,
    };
    alibaba_profile::credentials(&SPELLING, found, field, || {
        match opt_u32(profile, "expired_seconds", &path, &format!("profiles[{i}]"))? {
            None | Some(0) => Ok(DEFAULT_ROLE_DURATION_SECONDS),
            Some(n) => Ok(n),
        }
    })
}

/// A JSON syntax error, without the offending text (it could be a secret).
fn json_error(path: &Path, e: &serde_json::Error) -> CredentialsError {
    let full = e.to_string();
    let problem = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(msg, _)| msg)
        .to_string();
    CredentialsError::Malformed {
        path: path.to_path_buf(),
        line: Some(e.line()).filter(|&l| l > 0),
        column: Some(e.column()).filter(|&c| c > 0),
        problem: format!("invalid JSON: {problem}"),
    }
}

/// A string field; absent or null is `None`, another type is an error naming the key only.
fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &Path,
    what: &str,
) -> Result<Option<&'a str>, CredentialsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(malformed(path, &format!("\"{what}\" must be a string"))),
    }
}

fn opt_u32(
    obj: &Map<String, Value>,
    key: &str,
    path: &Path,
    what: &str,
) -> Result<Option<u32>, CredentialsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                malformed(
                    path,
                    &format!("\"{what}.{key}\" must be a whole number of seconds"),
                )
            }),
        Some(_) => Err(malformed(
            path,
            &format!("\"{what}.{key}\" must be a number"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{AssumeRoleSpec, DEFAULT_SESSION_NAME};
    use crate::secret::Secret;

    fn home_with(json: &str) -> (tempfile::TempDir, Inputs) {
        crate::credentials::fixtures::home_with(".aliyun/config.json", json)
    }

    fn hit(inputs: &Inputs) -> AlibabaCredentials {
        crate::credentials::fixtures::hit(probe(inputs))
    }

    const CONFIG: &str = r#"{
      "current": "ak",
      "profiles": [
        {"name": "ak", "mode": "AK", "access_key_id": "LTAI5tAKAKAKAKAK", "access_key_secret": "ak-secret-1", "region_id": "ap-southeast-1"},
        {"name": "sts", "mode": "StsToken", "access_key_id": "STS.idididid", "access_key_secret": "sts-secret-2", "sts_token": "sts-token-3"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": "LTAI5tROLEROLE", "access_key_secret": "role-secret-4",
         "ram_role_arn": "acs:ram::123:role/tilink", "ram_session_name": "me", "expired_seconds": 900},
        {"name": "role-defaults", "mode": "RamRoleArn", "access_key_id": "LTAI5tROLEROLE", "access_key_secret": "role-secret-4",
         "ram_role_arn": "acs:ram::123:role/tilink", "ram_session_name": "", "expired_seconds": 0},
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "r"},
        {"name": "empty", "mode": "AK", "access_key_id": "", "access_key_secret": ""},
        {"name": "half", "mode": "AK", "access_key_id": "LTAI5tHALF", "access_key_secret": ""},
        {"name": "nomode", "access_key_id": "LTAI5tNOMODE", "access_key_secret": "nomode-secret"}
      ]
    }"#;

    #[test]
    fn current_profile_ak() {
        let (_d, i) = home_with(CONFIG);
        let c = hit(&i);
        assert_eq!(c.access_key_id, "LTAI5tAKAKAKAKAK");
        assert_eq!(c.access_key_secret.expose(), "ak-secret-1");
        assert!(c.security_token.is_none() && c.role_arn.is_none());
        assert!(
            matches!(&c.source, Source::AliyunCliProfile { profile, .. } if profile == "ak"),
            "{:?}",
            c.source
        );
    }

    #[test]
    fn override_picks_sts_profile() {
        let (_d, mut i) = home_with(CONFIG);
        i.aliyun_profile = Some("sts".into());
        let c = hit(&i);
        assert_eq!(
            c.security_token.as_ref().map(Secret::expose),
            Some("sts-token-3")
        );
    }

    #[test]
    fn env_profile_picks_profile() {
        let (_d, mut i) = home_with(CONFIG);
        i.env
            .insert("ALIBABA_CLOUD_PROFILE".into(), "nomode".into());
        assert_eq!(hit(&i).access_key_id, "LTAI5tNOMODE");
    }

    #[test]
    fn ram_role_arn_returns_spec() {
        let (_d, mut i) = home_with(CONFIG);
        i.aliyun_profile = Some("role".into());
        let c = hit(&i);
        assert_eq!(c.access_key_id, "LTAI5tROLEROLE");
        assert_eq!(
            c.role_arn,
            Some(AssumeRoleSpec {
                role_arn: "acs:ram::123:role/tilink".into(),
                session_name: "me".into(),
                duration_seconds: 900,
            })
        );
        i.aliyun_profile = Some("role-defaults".into());
        let spec = hit(&i).role_arn.expect("spec");
        assert_eq!(spec.session_name, DEFAULT_SESSION_NAME);
        assert_eq!(spec.duration_seconds, DEFAULT_ROLE_DURATION_SECONDS);
    }

    #[test]
    fn unsupported_mode_is_a_clear_error() {
        let (_d, mut i) = home_with(CONFIG);
        i.aliyun_profile = Some("ecs".into());
        let e = probe(&i).expect_err("unsupported");
        let msg = e.to_string();
        assert!(msg.contains("EcsRamRole") && msg.contains("'ecs'"), "{msg}");
        assert!(msg.contains("AK, StsToken, RamRoleArn"), "{msg}");
    }

    #[test]
    fn empty_profile_misses_and_half_profile_errors() {
        let (_d, mut i) = home_with(CONFIG);
        i.aliyun_profile = Some("empty".into());
        assert!(matches!(probe(&i), Ok(Probe::Miss(_))));
        i.aliyun_profile = Some("half".into());
        let msg = probe(&i).expect_err("half").to_string();
        assert!(msg.contains("access_key_secret"), "{msg}");
    }

    #[test]
    fn missing_profile_lists_available() {
        let (_d, mut i) = home_with(CONFIG);
        i.aliyun_profile = Some("nope".into());
        let Ok(Probe::Miss(why)) = probe(&i) else {
            panic!("expected miss")
        };
        assert!(
            why.contains("'nope' not found") && why.contains("sts"),
            "{why}"
        );
    }

    #[test]
    fn malformed_json_names_file_and_position_not_secret() {
        let (_d, i) = home_with(
            "{\"current\": \"a\",\n \"profiles\": [{\"access_key_secret\": \"leakme\" \"x\": 1}]}",
        );
        let msg = probe(&i).expect_err("malformed").to_string();
        assert!(
            msg.contains("config.json") && msg.contains("line 2"),
            "{msg}"
        );
        assert!(!msg.contains("leakme"), "{msg}");
    }

    #[test]
    fn wrong_types_name_the_key_not_the_value() {
        let (_d, i) = home_with(
            r#"{"current": "a", "profiles": [{"name": "a", "access_key_id": "x", "access_key_secret": 123456789}]}"#,
        );
        let msg = probe(&i).expect_err("type").to_string();
        assert!(msg.contains("profiles[0].access_key_secret"), "{msg}");
        assert!(!msg.contains("123456789"), "{msg}");
        let (_d, i) = home_with("[1, 2]");
        assert!(probe(&i).is_err());
    }

    #[test]
    fn missing_file_misses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let i = Inputs {
            home: dir.path().to_path_buf(),
            ..Inputs::default()
        };
        assert!(matches!(probe(&i), Ok(Probe::Miss(w)) if w == "file not found"));
    }
}
