//! Environment variables: `ALIBABA_CLOUD_*` and `TIDBCLOUD_*`.

use super::chain::Probe;
use super::{AlibabaCredentials, CredentialsError, Inputs, Source, TidbCredentials, mask_id};
use crate::secret::Secret;

/// Alibaba Cloud access key id.
pub const ALIBABA_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// Alibaba Cloud access key secret.
pub const ALIBABA_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// Alibaba Cloud STS security token (optional).
pub const ALIBABA_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
/// Profile for the aliyun CLI config and the credentials file.
pub const ALIBABA_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";
/// Overrides the path of `~/.alibabacloud/credentials`.
pub const ALIBABA_CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";
/// TiDB Cloud API public key.
pub const TIDB_PUBLIC: &str = "TIDBCLOUD_PUBLIC_KEY";
/// TiDB Cloud API private key.
pub const TIDB_PRIVATE: &str = "TIDBCLOUD_PRIVATE_KEY";

pub(crate) fn alibaba_label() -> String {
    format!("env {ALIBABA_ID} / {ALIBABA_SECRET} / {ALIBABA_TOKEN}")
}

pub(crate) fn tidb_label() -> String {
    format!("env {TIDB_PUBLIC} / {TIDB_PRIVATE}")
}

pub(crate) fn alibaba(inputs: &Inputs) -> Result<Probe<AlibabaCredentials>, CredentialsError> {
    let id = inputs.var(ALIBABA_ID);
    let secret = inputs.var(ALIBABA_SECRET);
    let token = inputs.var(ALIBABA_TOKEN);
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let creds = AlibabaCredentials {
                access_key_id: id.trim().to_string(),
                access_key_secret: Secret::new(secret.trim()),
                security_token: token.map(|t| Secret::new(t.trim())),
                source: Source::Env,
                role_arn: None,
            };
            let kind = if token.is_some() {
                "STS token"
            } else {
                "access key"
            };
            Ok(Probe::hit(creds, format!("{kind} {}", mask_id(id.trim()))))
        }
        (Some(_), None) => half_set(ALIBABA_ID, ALIBABA_SECRET),
        (None, Some(_)) => half_set(ALIBABA_SECRET, ALIBABA_ID),
        (None, None) if token.is_some() => half_set(ALIBABA_TOKEN, ALIBABA_ID),
        (None, None) => Ok(Probe::miss("not set")),
    }
}

pub(crate) fn tidb(inputs: &Inputs) -> Result<Probe<TidbCredentials>, CredentialsError> {
    match (inputs.var(TIDB_PUBLIC), inputs.var(TIDB_PRIVATE)) {
        (Some(public), Some(private)) => {
            let creds = TidbCredentials {
                public_key: public.trim().to_string(),
                private_key: Secret::new(private.trim()),
                source: Source::Env,
            };
            Ok(Probe::hit(
                creds,
                format!("API key {}", mask_id(public.trim())),
            ))
        }
        (Some(_), None) => half_set(TIDB_PUBLIC, TIDB_PRIVATE),
        (None, Some(_)) => half_set(TIDB_PRIVATE, TIDB_PUBLIC),
        (None, None) => Ok(Probe::miss("not set")),
    }
}

/// One variable of a pair is set without the other: an error naming both.
fn half_set<T>(set: &'static str, missing: &'static str) -> Result<Probe<T>, CredentialsError> {
    Err(CredentialsError::HalfSetEnv { set, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(vars: &[(&str, &str)]) -> Inputs {
        Inputs {
            env: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Inputs::default()
        }
    }

    #[test]
    fn full_pair_hits() {
        let i = inputs(&[
            (ALIBABA_ID, "LTAI5tAAAABBBBCCCC"),
            (ALIBABA_SECRET, "s3cr3t"),
            (ALIBABA_TOKEN, "tok"),
        ]);
        let Probe::Hit { creds, .. } = alibaba(&i).expect("ok") else {
            panic!("expected hit")
        };
        assert_eq!(creds.access_key_id, "LTAI5tAAAABBBBCCCC");
        assert_eq!(creds.access_key_secret.expose(), "s3cr3t");
        assert_eq!(
            creds.security_token.as_ref().map(Secret::expose),
            Some("tok")
        );
    }

    #[test]
    fn half_pairs_name_the_missing_var() {
        let e = alibaba(&inputs(&[(ALIBABA_ID, "id")])).expect_err("err");
        assert!(e.to_string().contains(ALIBABA_SECRET), "{e}");
        let e = alibaba(&inputs(&[(ALIBABA_SECRET, "pw")])).expect_err("err");
        assert!(e.to_string().contains(ALIBABA_ID), "{e}");
        assert!(!e.to_string().contains("pw"));
        let e = alibaba(&inputs(&[(ALIBABA_TOKEN, "t")])).expect_err("err");
        assert!(e.to_string().contains(ALIBABA_ID), "{e}");
        let e = tidb(&inputs(&[(TIDB_PUBLIC, "pub")])).expect_err("err");
        assert!(e.to_string().contains(TIDB_PRIVATE), "{e}");
        let e = tidb(&inputs(&[(TIDB_PRIVATE, "priv")])).expect_err("err");
        assert!(e.to_string().contains(TIDB_PUBLIC), "{e}");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let i = inputs(&[(ALIBABA_ID, ""), (ALIBABA_SECRET, "  ")]);
        assert!(matches!(alibaba(&i), Ok(Probe::Miss(_))));
        assert!(matches!(tidb(&i), Ok(Probe::Miss(_))));
    }
}
