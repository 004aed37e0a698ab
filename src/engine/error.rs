//! The engine's typed errors. Drivers map [`Kind`] to exit codes in one table
//! (`app::exit::code`); front ends show the message. Nothing recovers meaning from the text.

use crate::cloud::aliyun::AliyunError;
use crate::cloud::tidb::TidbError;
use serde::Serialize;

/// What kind of failure, for exit codes and for how a front end presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Bad input: unknown cluster or instance, no zone overlap, no setup to act on.
    Input,
    /// Credentials missing or refused.
    Credentials,
    /// The key works but lacks a permission.
    Permission,
    /// A cloud call failed (with its code and request id when the cloud gave them).
    Cloud,
    /// Stopped by the user or a signal; the journal is kept.
    Interrupted,
    /// A wait gave up (`--timeout-secs`).
    Timeout,
    /// Anything else that failed.
    Failed,
}

/// An engine failure: its kind and an actionable message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Bad input.
    #[error("{0}")]
    Input(String),
    /// Credentials missing or refused.
    #[error("{0}")]
    Credentials(String),
    /// A missing permission (`permission` when the cloud named it).
    #[error("{message}")]
    Permission {
        /// What failed.
        message: String,
        /// The RAM action that was denied.
        permission: Option<String>,
    },
    /// A cloud call failed.
    #[error("{message}")]
    Cloud {
        /// What failed, with the call.
        message: String,
        /// The cloud's error code.
        code: Option<String>,
        /// The cloud's request id.
        request_id: Option<String>,
    },
    /// Interrupted; what the journal keeps.
    #[error("{0}")]
    Interrupted(String),
    /// A wait gave up.
    #[error("{0}")]
    Timeout(String),
    /// Anything else.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    /// The same failure, its message prefixed with what was being done ("reading listener
    /// lsn-1: …"); the kind, and so the exit code, stay.
    pub fn context(self, doing: impl std::fmt::Display) -> Self {
        let pre = |m: String| format!("{doing}: {m}");
        match self {
            Error::Input(m) => Error::Input(pre(m)),
            Error::Credentials(m) => Error::Credentials(pre(m)),
            Error::Permission {
                message,
                permission,
            } => Error::Permission {
                message: pre(message),
                permission,
            },
            Error::Cloud {
                message,
                code,
                request_id,
            } => Error::Cloud {
                message: pre(message),
                code,
                request_id,
            },
            Error::Interrupted(m) => Error::Interrupted(pre(m)),
            Error::Timeout(m) => Error::Timeout(pre(m)),
            Error::Failed(m) => Error::Failed(pre(m)),
        }
    }

    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Error::Input(_) => Kind::Input,
            Error::Credentials(_) => Kind::Credentials,
            Error::Permission { .. } => Kind::Permission,
            Error::Cloud { .. } => Kind::Cloud,
            Error::Interrupted(_) => Kind::Interrupted,
            Error::Timeout(_) => Kind::Timeout,
            Error::Failed(_) => Kind::Failed,
        }
    }
}

impl From<AliyunError> for Error {
    fn from(e: AliyunError) -> Self {
        let message = e.to_string();
        if let AliyunError::InvalidRegion(_) = e {
            return Error::Input(message);
        }
        if e.kind() == crate::cloud::ErrorKind::Permission {
            let permission = e.missing_permission();
            let message = match &permission {
                Some(p) => format!(
                    "{message} — missing permission {p}; `tilink policy` prints the policy to attach"
                ),
                None => message,
            };
            return Error::Permission {
                message,
                permission,
            };
        }
        match e.code() {
            _ if e.kind() == crate::cloud::ErrorKind::Credentials => {
                Error::Credentials(format!("{message} — check the Alibaba Cloud access key"))
            }
            code => Error::Cloud {
                code: code.map(str::to_string),
                request_id: match &e {
                    AliyunError::Api { request_id, .. } if !request_id.is_empty() => {
                        Some(request_id.clone())
                    }
                    _ => None,
                },
                message,
            },
        }
    }
}

impl From<TidbError> for Error {
    fn from(e: TidbError) -> Self {
        match e.kind() {
            crate::cloud::ErrorKind::Credentials => Error::Credentials(e.to_string()),
            crate::cloud::ErrorKind::Permission => Error::Permission {
                message: e.to_string(),
                permission: None,
            },
            _ => Error::Cloud {
                message: e.to_string(),
                code: None,
                request_id: None,
            },
        }
    }
}

impl From<super::discover::DiscoverError> for Error {
    fn from(e: super::discover::DiscoverError) -> Self {
        use super::discover::DiscoverError as D;
        match e {
            D::Input(m) => Error::Input(m),
            D::Aliyun(a) => a.into(),
            D::Tidb(t) => t.into(),
        }
    }
}

impl From<super::prepare::PrepareError> for Error {
    fn from(e: super::prepare::PrepareError) -> Self {
        use super::prepare::PrepareError as P;
        match e {
            P::Input(m) => Error::Input(m),
            P::Client(e) => e,
            P::Discover(d) => d.into(),
        }
    }
}

impl From<super::journal::JournalError> for Error {
    fn from(e: super::journal::JournalError) -> Self {
        Error::Failed(format!("journal: {e}"))
    }
}
