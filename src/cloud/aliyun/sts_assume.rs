//! STS `AssumeRole` (2015-04-01): trade a RAM user's access key for a role's temporary
//! access key, as the aliyun CLI does for `RamRoleArn` profiles.
//!
//! Parameters: `RoleArn*`, `RoleSessionName*` (2–64 characters: letters, digits, `.`, `@`,
//! `-`, `_`), `DurationSeconds` (900 up to the role's maximum, default 3600), optional
//! `Policy`, `ExternalId`. Answer: `Credentials{AccessKeyId, AccessKeySecret, SecurityToken,
//! Expiration}` and `AssumedRoleUser{Arn, AssumedRoleId}`. The caller needs
//! `sts:AssumeRole` on the role and the role's trust policy must name the caller.

use super::client::{AccessKey, AliyunClient};
use super::error::AliyunError;
use super::params::Params;
use crate::secret::Secret;
use serde::Deserialize;

/// Shortest session STS grants.
pub const MIN_DURATION_SECONDS: u32 = 900;

/// What to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleRequest {
    /// `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// `RoleSessionName` (shows up in ActionTrail).
    pub session_name: String,
    /// Session length; raised to [`MIN_DURATION_SECONDS`] when lower.
    pub duration_seconds: u32,
    /// `ExternalId`, when the role's trust policy asks for one.
    pub external_id: Option<String>,
}

/// The role's temporary credentials.
#[derive(Debug, Clone)]
pub struct AssumedRole {
    /// Temporary access key (with its security token): sign every later call with it.
    pub key: AccessKey,
    /// RFC 3339 expiry.
    pub expiration: String,
    /// `acs:ram::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// `<role id>:<session>`.
    pub assumed_role_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    #[serde(default)]
    credentials: Option<Credentials>,
    #[serde(default)]
    assumed_role_user: Option<AssumedRoleUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Credentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: String,
    #[serde(default)]
    expiration: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct AssumedRoleUser {
    arn: String,
    assumed_role_id: String,
}

/// A valid `RoleSessionName` from any string: disallowed characters become `-`, padded to
/// 2 and cut to 64 characters.
pub fn session_name(s: &str) -> String {
    let mut n: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while n.len() < 2 {
        n.push('-');
    }
    n
}

/// Calls `AssumeRole` with `base` (the RAM user's key client) and returns the temporary key.
/// Errors keep the API's code (`NoPermission`, `EntityNotExist.Role`, …) and never contain
/// a secret.
pub async fn assume_role(
    base: &AliyunClient,
    req: &AssumeRoleRequest,
) -> Result<AssumedRole, AliyunError> {
    let p = Params::new()
        .set("RoleArn", &req.role_arn)
        .set("RoleSessionName", session_name(&req.session_name))
        .set(
            "DurationSeconds",
            req.duration_seconds.max(MIN_DURATION_SECONDS),
        )
        .opt("ExternalId", req.external_id.as_deref());
    let r: Response = base.call(super::actions::Action::AssumeRole, p).await?;
    let c = r.credentials.ok_or_else(|| AliyunError::Decode {
        action: "AssumeRole".into(),
        detail: "the answer has no Credentials".into(),
    })?;
    if c.access_key_id.is_empty() || c.access_key_secret.is_empty() {
        return Err(AliyunError::Decode {
            action: "AssumeRole".into(),
            detail: "the answer has an empty AccessKeyId or AccessKeySecret".into(),
        });
    }
    let user = r.assumed_role_user.unwrap_or_default();
    Ok(AssumedRole {
        key: AccessKey {
            id: c.access_key_id,
            secret: Secret::new(c.access_key_secret),
            security_token: (!c.security_token.is_empty()).then(|| Secret::new(c.security_token)),
        },
        expiration: c.expiration,
        arn: user.arn,
        assumed_role_id: user.assumed_role_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_are_made_valid() {
        assert_eq!(session_name("tilink"), "tilink");
        assert_eq!(session_name("a"), "a-");
        assert_eq!(session_name("dba on laptop"), "dba-on-laptop");
        assert_eq!(session_name(&"x".repeat(80)).len(), 64);
    }

    #[test]
    fn the_answer_decodes() {
        let v = serde_json::json!({
            "RequestId": "r",
            "AssumedRoleUser": {"Arn": "acs:ram::1:assumed-role/r/s", "AssumedRoleId": "3:s"},
            "Credentials": {"AccessKeyId": "STS.x", "AccessKeySecret": "sec",
                            "SecurityToken": "tok", "Expiration": "2026-01-01T00:00:00Z"}
        });
        let r: Response = serde_json::from_value(v).unwrap();
        let c = r.credentials.unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.security_token.as_str()),
            ("STS.x", "tok")
        );
        assert_eq!(r.assumed_role_user.unwrap().assumed_role_id, "3:s");
    }
}
