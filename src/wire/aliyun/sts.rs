//! STS 2015-04-01: who the caller is.

use serde::{Deserialize, Serialize};

/// STS GetCallerIdentity.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetCallerIdentityResponse {
    pub request_id: String,
    #[serde(with = "crate::wire::num::string")]
    pub account_id: String,
    pub user_id: String,
    pub principal_id: String,
    pub arn: String,
    /// Account | RAMUser | AssumedRoleUser.
    pub identity_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role_id: String,
}
