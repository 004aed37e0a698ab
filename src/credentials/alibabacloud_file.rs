//! The Alibaba Cloud SDK credentials file `~/.alibabacloud/credentials` (INI).
//!
//! ```ini
//! [default]
//! type = access_key            # or sts (adds security_token)
//! access_key_id = ...          # or ram_role_arn (adds role_arn, role_session_name,
//! access_key_secret = ...      #   optional role_session_expiration)
//! ```
//!
//! The section is the explicit aliyun profile, else `ALIBABA_CLOUD_PROFILE`, else
//! `default`; the path can be overridden with `ALIBABA_CLOUD_CREDENTIALS_FILE`.

use std::path::PathBuf;

use super::alibaba_profile::{self, Found, Spelling};
use super::chain::{Probe, requested_aliyun_profile};
use super::files::{self, malformed};
use super::{
    AlibabaCredentials, CredentialsError, DEFAULT_ROLE_DURATION_SECONDS, Inputs, Source, env, ini,
};

const SPELLING: Spelling = Spelling {
    tool: "Alibaba Cloud credentials file",
    what: "type",
    modes: ["access_key", "sts", "ram_role_arn"],
    supported: "access_key, sts, ram_role_arn",
    token: "security_token",
    role_arn: "role_arn",
    session_name: "role_session_name",
};

/// `ALIBABA_CLOUD_CREDENTIALS_FILE`, else `<home>/.alibabacloud/credentials`.
pub(crate) fn path(inputs: &Inputs) -> PathBuf {
    match inputs.var(env::ALIBABA_CREDENTIALS_FILE) {
        Some(p) => PathBuf::from(p),
        None => inputs.home.join(".alibabacloud").join("credentials"),
    }
}

pub(crate) fn probe(inputs: &Inputs) -> Result<Probe<AlibabaCredentials>, CredentialsError> {
    let path = path(inputs);
    let Some(file) = files::read(&path)? else {
        return Ok(Probe::miss("file not found"));
    };
    let parsed = ini::parse(&file.text).map_err(|e| CredentialsError::Malformed {
        path: path.clone(),
        line: Some(e.line),
        column: None,
        problem: e.problem.to_string(),
    })?;
    let name = requested_aliyun_profile(inputs).unwrap_or_else(|| "default".to_string());
    let Some(section) = parsed.section(&name) else {
        return Ok(Probe::miss(files::profile_not_found(
            &name,
            parsed.names(),
            &file.warning,
        )));
    };
    let get = |k: &str| Ok(section.get(k).map(|v| v.trim()).unwrap_or(""));
    let found = Found {
        path: &path,
        name: &name,
        mode: match get("type")? {
            "" => "access_key",
            t => t,
        },
        id: get("access_key_id")?,
        secret: get("access_key_secret")?,
        source: Source::AlibabaCloudCredentialsFile {
            path: path.clone(),
            profile: name.clone(),
        },
        warning: &file.warning,
    };
    alibaba_profile::credentials(&SPELLING, found, get, || {
        match get("role_session_expiration")? {
            "" => Ok(DEFAULT_ROLE_DURATION_SECONDS),
            s => s.parse::<u32>().map_err(|_| {
                malformed(
                    &path,
                    &format!("[{name}] role_session_expiration must be a whole number of seconds"),
                )
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::AssumeRoleSpec;
    use crate::secret::Secret;

    const FILE: &str = "\
[default]
type = access_key
access_key_id = LTAI5tDEFAULTDEF
access_key_secret = default-secret

[sts]
type = sts
access_key_id = STS.abcdefabcdef
access_key_secret = sts-secret
security_token = sts-token

[role]
type = ram_role_arn
access_key_id = LTAI5tROLEROLE
access_key_secret = role-secret
role_arn = acs:ram::123:role/tilink
role_session_name = sess
role_session_expiration = 1800

[ecs]
type = ecs_ram_role
role_name = r

[half]
type = sts
access_key_id = LTAI5tHALFHALF
access_key_secret = half-secret
";

    fn home_with(text: &str) -> (tempfile::TempDir, Inputs) {
        crate::credentials::fixtures::home_with(".alibabacloud/credentials", text)
    }

    fn hit(i: &Inputs) -> AlibabaCredentials {
        crate::credentials::fixtures::hit(probe(i))
    }

    #[test]
    fn default_section_access_key() {
        let (_d, i) = home_with(FILE);
        let c = hit(&i);
        assert_eq!(c.access_key_id, "LTAI5tDEFAULTDEF");
        assert_eq!(c.access_key_secret.expose(), "default-secret");
        assert!(
            matches!(c.source, Source::AlibabaCloudCredentialsFile { ref profile, .. } if profile == "default")
        );
    }

    #[test]
    fn env_profile_selects_sts() {
        let (_d, mut i) = home_with(FILE);
        i.env.insert(env::ALIBABA_PROFILE.into(), "sts".into());
        let c = hit(&i);
        assert_eq!(
            c.security_token.as_ref().map(Secret::expose),
            Some("sts-token")
        );
    }

    #[test]
    fn ram_role_arn_spec() {
        let (_d, mut i) = home_with(FILE);
        i.aliyun_profile = Some("role".into());
        assert_eq!(
            hit(&i).role_arn,
            Some(AssumeRoleSpec {
                role_arn: "acs:ram::123:role/tilink".into(),
                session_name: "sess".into(),
                duration_seconds: 1800,
            })
        );
    }

    #[test]
    fn unsupported_type_and_incomplete_sts() {
        let (_d, mut i) = home_with(FILE);
        i.aliyun_profile = Some("ecs".into());
        let msg = probe(&i).expect_err("ecs").to_string();
        assert!(
            msg.contains("ecs_ram_role") && msg.contains(SPELLING.supported),
            "{msg}"
        );
        i.aliyun_profile = Some("half".into());
        let msg = probe(&i).expect_err("half").to_string();
        assert!(
            msg.contains("security_token") && !msg.contains("half-secret"),
            "{msg}"
        );
    }

    #[test]
    fn malformed_ini_names_file_and_line() {
        let (_d, i) = home_with("[default]\naccess_key_id = x\naccess_key_secret leaked-secret\n");
        let msg = probe(&i).expect_err("malformed").to_string();
        assert!(
            msg.contains("credentials") && msg.contains("line 3"),
            "{msg}"
        );
        assert!(!msg.contains("leaked-secret"), "{msg}");
    }

    #[test]
    fn path_override_from_env() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("creds.ini");
        std::fs::write(&p, FILE).expect("write");
        let mut i = Inputs::default();
        i.env.insert(
            env::ALIBABA_CREDENTIALS_FILE.into(),
            p.display().to_string(),
        );
        assert_eq!(hit(&i).access_key_id, "LTAI5tDEFAULTDEF");
    }
}
