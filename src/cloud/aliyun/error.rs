//! Typed Alibaba Cloud errors and their retry classification (reference `alibaba-api.md` §5).

use super::actions::Action;
use crate::cloud::kind::{ErrorKind, is_credential_code};
use serde::Deserialize;
use std::time::Duration;

/// What went wrong with one RPC call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AliyunError {
    /// The API answered with an error body.
    #[error("{action}: {code} (HTTP {status}): {message}{}", request_hint(.request_id))]
    Api {
        /// The action called.
        action: String,
        /// HTTP status.
        status: u16,
        /// `Code`, e.g. `Throttling.User`.
        code: String,
        /// `Message`.
        message: String,
        /// `RequestId`, for support tickets.
        request_id: String,
        /// `Recommend`, a troubleshooting link.
        recommend: Option<String>,
        /// `AccessDeniedDetail.AuthAction` on RAM denials: the missing permission.
        auth_action: Option<String>,
        /// `x-acs-retry-after`, when the server asked for a pause.
        retry_after: Option<Duration>,
    },
    /// The request never got an answer (timeout, refused, reset).
    #[error("{action}: {kind} talking to {url}: {detail}")]
    Transport {
        /// The action called.
        action: String,
        /// Which kind of failure.
        kind: TransportKind,
        /// The base URL used.
        url: String,
        /// Details from the HTTP stack (never contains credentials).
        detail: String,
    },
    /// The answer was not what the API documents.
    #[error("{action}: unexpected response ({detail})")]
    Decode {
        /// The action called.
        action: String,
        /// What did not parse.
        detail: String,
    },
    /// No credentials or an unusable configuration.
    #[error("{0}")]
    Config(String),
    /// A region that is not an Alibaba Cloud region id: refused before any host is built.
    #[error(
        "{0:?} is not an Alibaba Cloud region id (such as ap-southeast-1): refused before any request was sent"
    )]
    InvalidRegion(String),
}

fn request_hint(id: &str) -> String {
    if id.is_empty() {
        String::new()
    } else {
        format!(" [RequestId {id}]")
    }
}

pub use crate::cloud::retry::TransportKind;

/// The error body every product returns.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(alias = "code", rename = "Code", default)]
    pub code: String,
    #[serde(alias = "message", rename = "Message", default)]
    pub message: String,
    #[serde(alias = "requestId", rename = "RequestId", default)]
    pub request_id: String,
    #[serde(rename = "Recommend", default)]
    pub recommend: Option<String>,
    #[serde(rename = "AccessDeniedDetail", default)]
    pub access_denied: Option<AccessDenied>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AccessDenied {
    #[serde(rename = "AuthAction", default)]
    pub auth_action: Option<String>,
}

/// Codes that mean "the cloud is struggling, try again later" for any action (Terraform's
/// `NeedRetry` plus the POP gateway's generic busy answers). Codes that mean one resource is
/// busy are per action, in the action table.
const TRANSIENT_CODES: &[&str] = &[
    "ServiceUnavailable",
    "SystemBusy",
    "TimeoutRetryLater",
    "InternalError",
    "UnknownError",
];

impl AliyunError {
    /// The API error code, if the API answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            AliyunError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The action called (`CreateLoadBalancer`), when the error names one.
    pub fn action(&self) -> Option<&str> {
        match self {
            AliyunError::Api { action, .. }
            | AliyunError::Transport { action, .. }
            | AliyunError::Decode { action, .. } => Some(action),
            AliyunError::Config(_) | AliyunError::InvalidRegion(_) => None,
        }
    }

    /// What kind of failure this is: the one classification every caller reads.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AliyunError::Config(_) => ErrorKind::Credentials,
            AliyunError::InvalidRegion(_) => ErrorKind::Permanent,
            AliyunError::Decode { .. } => ErrorKind::Permanent,
            AliyunError::Transport { kind, .. } => kind.error_kind(),
            AliyunError::Api {
                action,
                status,
                code,
                ..
            } => {
                if is_credential_code(code) {
                    ErrorKind::Credentials
                } else if code.starts_with("Forbidden") || code == "NoPermission" {
                    ErrorKind::Permission
                } else if code.starts_with("Throttling") || code == "Rejected.Throttling" {
                    ErrorKind::Throttled
                } else if Action::is_busy_by_name(action, code) {
                    ErrorKind::Busy
                } else if *status >= 500 || TRANSIENT_CODES.contains(&code.as_str()) {
                    ErrorKind::Transient
                } else if code.ends_with("NotFound")
                    || code.starts_with("ResourceNotFound")
                    || (*status == 404 && !code.starts_with("InvalidApi"))
                {
                    ErrorKind::NotFound
                } else {
                    ErrorKind::Permanent
                }
            }
        }
    }

    /// True for failures the client's own loop retries: throttling, 5xx, the network.
    /// Busy answers are retried too, on their own clock ([`Self::is_busy`]).
    pub fn is_retryable(&self) -> bool {
        self.kind().is_transient()
    }

    /// True when the resource is busy or locked for this call.
    pub fn is_busy(&self) -> bool {
        self.kind() == ErrorKind::Busy
    }

    /// True when the resource does not exist (404 or a code ending in `NotFound`).
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// True for permission denials; `missing_permission` names the action when known.
    pub fn is_forbidden(&self) -> bool {
        self.kind() == ErrorKind::Permission
    }

    /// The RAM action that was missing (`nlb:CreateLoadBalancer`), when the API said so.
    pub fn missing_permission(&self) -> Option<String> {
        match self {
            AliyunError::Api {
                auth_action: Some(a),
                ..
            } => Some(a.clone()),
            _ => None,
        }
    }

    /// The pause the server asked for.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AliyunError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// How the shared retry loop treats this failure.
    pub fn retry_class(&self) -> crate::cloud::retry::Class {
        crate::cloud::retry::Class {
            busy: self
                .is_busy()
                .then(|| self.code().unwrap_or_default().to_string()),
            retryable: self.is_retryable(),
            transport: match self {
                AliyunError::Transport { kind, .. } => Some(*kind),
                _ => None,
            },
            wait: self.retry_after(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> AliyunError {
        api_for("X", status, code)
    }

    fn api_for(action: &str, status: u16, code: &str) -> AliyunError {
        AliyunError::Api {
            action: action.into(),
            status,
            code: code.into(),
            message: String::new(),
            request_id: String::new(),
            recommend: None,
            auth_action: None,
            retry_after: None,
        }
    }

    #[test]
    fn classification() {
        let retryable = [
            (400, "Throttling.User"),
            (400, "Throttling"),
            (503, "ServiceUnavailable"),
            (500, "InternalError"),
            (400, "SystemBusy"),
        ];
        for (s, c) in retryable {
            assert!(api(s, c).is_retryable(), "{c} should retry");
        }
        let final_ = [
            (400, "SignatureDoesNotMatch"),
            (404, "InvalidAccessKeyId.NotFound"),
            (403, "Forbidden.RAM"),
            (400, "IdempotenceSignatureMismatch"),
            (404, "ResourceNotFound.loadBalancer"),
            (400, "InvalidParameter"),
        ];
        for (s, c) in final_ {
            assert!(!api(s, c).is_retryable(), "{c} should be final");
        }
        // Busy is per action: a lock on a backend change is ridden out, the same family
        // of code on a delete that waiting cannot fix is final.
        let busy = |action: &str, code: &str| api_for(action, 400, code);
        assert!(busy("AddServersToServerGroup", "Conflict.Lock").is_busy());
        assert!(busy("AddServersToServerGroup", "IncorrectStatus.serverGroup").is_busy());
        assert!(busy("CreateListener", "SystemBusy").is_busy());
        assert!(busy("EnableVpcEndpointConnection", "ConcurrentCallNotSupported").is_busy());
        assert!(!busy("DeleteLoadBalancer", "IncorrectStatus.loadbalancer").is_busy());
        assert!(!busy("DeleteLoadBalancer", "IncorrectStatus.loadbalancer").is_retryable());
        assert_eq!(
            api(400, "InvalidSecurityToken.Expired").kind(),
            ErrorKind::Credentials
        );
        assert!(api(404, "ResourceNotFound.listener").is_not_found());
        assert!(api(400, "EndpointServiceNotFound").is_not_found());
        assert!(api(400, "InvalidDBInstanceId.NotFound").is_not_found());
        assert!(!api(404, "InvalidAccessKeyId.NotFound").is_not_found());
        assert!(api(403, "Forbidden.RAM").is_forbidden());
    }

    #[test]
    fn display_is_actionable() {
        let e = AliyunError::Api {
            action: "CreateLoadBalancer".into(),
            status: 403,
            code: "Forbidden.RAM".into(),
            message: "User not authorized".into(),
            request_id: "R1".into(),
            recommend: None,
            auth_action: Some("nlb:CreateLoadBalancer".into()),
            retry_after: None,
        };
        assert_eq!(
            e.to_string(),
            "CreateLoadBalancer: Forbidden.RAM (HTTP 403): User not authorized [RequestId R1]"
        );
        assert_eq!(
            e.missing_permission().as_deref(),
            Some("nlb:CreateLoadBalancer")
        );
    }
}
