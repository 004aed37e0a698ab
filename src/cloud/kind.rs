//! What kind of failure a cloud call met, decided once where the client builds the error
//! (smithy-rs's `ErrorKind` idea). Retrying, doctor's "could not look", the engine's error
//! kinds and every command's exit code read this; nothing reads the error's text.

use serde::Serialize;

/// The kind of a failed cloud call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The key, its secret or its STS token was refused (or none is configured).
    Credentials,
    /// The key works but lacks a permission (RAM, or a TiDB Cloud role).
    Permission,
    /// Flow control: too many calls (`Throttling.*`, HTTP 429).
    Throttled,
    /// The resource is busy or locked for this call (the action table's busy codes).
    Busy,
    /// The cloud or the network failed for now (5xx, timeouts, resets).
    Transient,
    /// The resource does not exist (or is not visible yet right after its create).
    NotFound,
    /// Refused for good: bad input, a state that waiting does not change, an answer that
    /// does not parse.
    Permanent,
}

impl ErrorKind {
    /// Worth retrying by the client's own loop (the busy kind is retried on its own clock).
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorKind::Throttled | ErrorKind::Transient)
    }

    /// The key was refused or lacks a permission: exit 3 from every command.
    pub fn is_access(self) -> bool {
        matches!(self, ErrorKind::Credentials | ErrorKind::Permission)
    }
}

/// Alibaba Cloud codes that refuse the key itself (any product, any action).
pub fn is_credential_code(code: &str) -> bool {
    [
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "InvalidSecurityToken",
    ]
    .iter()
    .any(|p| code.starts_with(p))
}
