//! What the aliyun CLI's config and the SDK credentials file share once a profile is found:
//! the three modes tilink uses (an access key, an STS token, a RAM role to assume), checked
//! and turned into credentials. Each file spells the modes and fields its own way.

use std::path::Path;

use super::chain::Probe;
use super::files::{whole_key, with_warning};
use super::{
    AlibabaCredentials, AssumeRoleSpec, CredentialsError, DEFAULT_SESSION_NAME, Source, mask_id,
};
use crate::secret::Secret;

/// How one file spells a profile's mode and fields.
pub(crate) struct Spelling {
    /// The tool that writes the file, in errors.
    pub tool: &'static str,
    /// The key naming the mode (`type`, `mode`).
    pub what: &'static str,
    /// The access-key, STS-token and RAM-role modes, as the file spells them.
    pub modes: [&'static str; 3],
    /// The supported modes, listed in errors.
    pub supported: &'static str,
    /// The field holding the STS token.
    pub token: &'static str,
    /// The field holding the role ARN.
    pub role_arn: &'static str,
    /// The field holding the role session name.
    pub session_name: &'static str,
}

/// A profile found in a file, its mode (defaulted) and access key already read.
pub(crate) struct Found<'a> {
    /// The file.
    pub path: &'a Path,
    /// The profile's name.
    pub name: &'a str,
    /// The mode as spelled in the file (the access-key mode when unset).
    pub mode: &'a str,
    /// `access_key_id`.
    pub id: &'a str,
    /// `access_key_secret`.
    pub secret: &'a str,
    /// Where the credentials come from, for the lookup line.
    pub source: Source,
    /// The file's permission warning, if any.
    pub warning: &'a Option<String>,
}

/// The credentials of `found`: a miss when it holds no access key; an error for an unsupported
/// mode or a half-filled one. `get` reads a field (empty when unset); `duration` reads the
/// role session's length in seconds (asked only for the RAM-role mode).
pub(crate) fn credentials<'a>(
    sp: &Spelling,
    found: Found<'_>,
    get: impl Fn(&str) -> Result<&'a str, CredentialsError>,
    duration: impl FnOnce() -> Result<u32, CredentialsError>,
) -> Result<Probe<AlibabaCredentials>, CredentialsError> {
    let Found {
        path,
        name,
        mode,
        id,
        secret,
        source,
        warning,
    } = found;
    let [_, sts, role] = sp.modes;
    if !sp.modes.contains(&mode) {
        return Err(CredentialsError::UnsupportedMode {
            tool: sp.tool,
            path: path.to_path_buf(),
            profile: name.to_string(),
            what: sp.what,
            mode: super::printable_mode(mode),
            supported: sp.supported,
        });
    }
    let label = format!("{} {mode}", sp.what);
    let incomplete = |problem: String| CredentialsError::Incomplete {
        tool: sp.tool,
        path: path.to_path_buf(),
        profile: name.to_string(),
        problem,
    };
    if !whole_key(id, secret, &label).map_err(incomplete)? {
        return Ok(Probe::miss(with_warning(
            format!("profile '{name}' ({label}) has no access key"),
            warning,
        )));
    }
    let needed = |key: &str| -> Result<&'a str, CredentialsError> {
        match get(key)? {
            "" => Err(incomplete(format!("{label} needs {key}, which is empty"))),
            v => Ok(v),
        }
    };
    let mut creds = AlibabaCredentials {
        access_key_id: id.to_string(),
        access_key_secret: Secret::new(secret),
        security_token: None,
        source,
        role_arn: None,
    };
    if mode == sts {
        creds.security_token = Some(Secret::new(needed(sp.token)?));
    } else if mode == role {
        let role_arn = needed(sp.role_arn)?;
        let session_name = match get(sp.session_name)? {
            "" => DEFAULT_SESSION_NAME,
            s => s,
        };
        creds.role_arn = Some(AssumeRoleSpec {
            role_arn: role_arn.to_string(),
            session_name: session_name.to_string(),
            duration_seconds: duration()?,
        });
    }
    let detail = format!(
        "profile '{name}' ({label}), access key {}",
        mask_id(&creds.access_key_id)
    );
    Ok(Probe::hit(creds, detail).warn(warning))
}
