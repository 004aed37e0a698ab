//! Alibaba Cloud RPC response bodies for STS, VPC, RDS, NLB and PrivateLink.
//!
//! The serde model of every response tilink reads, one per action, in one module per
//! product; every model is re-exported here, so `wire::aliyun::X` names it whatever its
//! product.
//!
//! Field names are the exact wire spellings (`shared/reference/alibaba-api.md` §6 and §8),
//! quirks included: `LoadbalancerId`, `HeathCheckEnabled`, `VPCId`, `HealthCheck`,
//! `TagKey`/`TagValue` vs `Key`/`Value`, XML-style list wrappers, string `TotalCount` in
//! PrivateLink connections/users and string RDS `Port`.

pub use super::states::{
    ConnectionStatus, ListenerStatus, LoadBalancerStatus, ServerGroupStatus, ServerStatus,
    ServiceStatus,
};
use serde::{Deserialize, Serialize};

/// Declares a `{"<Inner>": [T, …]}` wrapper, the XML-style list shape of RDS and VPC.
macro_rules! wrapper {
    ($(#[$m:meta])* $name:ident, $key:literal, $item:ty) => {
        $(#[$m])*
        #[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
        #[serde(default)]
        pub struct $name {
            #[allow(missing_docs)]
            #[serde(rename = $key)]
            pub items: Vec<$item>,
        }
        impl From<Vec<$item>> for $name {
            fn from(items: Vec<$item>) -> Self {
                Self { items }
            }
        }
    };
}

/// Declares a `NextToken` list response: `RequestId`, the page's items, then the paging fields
/// in the order the product sends them. NLB lists: `TotalCount`, `NextToken`, `MaxResults`.
/// With `total_count: "<codec>"` (PrivateLink lists, NLB health): `NextToken`, `MaxResults`,
/// then `TotalCount` read with that `crate::wire::num` codec (an int or a string).
macro_rules! token_page {
    ($(#[$m:meta])* $name:ident { $items:ident: $item:ty }) => {
        token_page!(@struct $(#[$m])* $name { $items: $item } {
            #[serde(with = "crate::wire::num::int")]
            pub total_count: u64,
            pub next_token: String,
            #[serde(with = "crate::wire::num::int")]
            pub max_results: u64,
        });
    };
    ($(#[$m:meta])* $name:ident { $items:ident: $item:ty } total_count: $codec:literal) => {
        token_page!(@struct $(#[$m])* $name { $items: $item } {
            pub next_token: String,
            #[serde(with = "crate::wire::num::int")]
            pub max_results: u64,
            #[serde(with = $codec)]
            pub total_count: u64,
        });
    };
    (@struct $(#[$m:meta])* $name:ident { $items:ident: $item:ty } { $($paging:tt)* }) => {
        $(#[$m])*
        #[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
        #[serde(rename_all = "PascalCase", default)]
        pub struct $name {
            pub request_id: String,
            pub $items: Vec<$item>,
            $($paging)*
        }
    };
}

mod nlb;
mod privatelink;
mod rds;
mod sts;
mod vpc;

pub use nlb::*;
pub use privatelink::*;
pub use rds::*;
pub use sts::*;
pub use vpc::*;

// Common to every product.

/// The error body of every product (§5).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ErrorBody {
    pub request_id: String,
    pub host_id: String,
    pub code: String,
    pub message: String,
    pub recommend: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_denied_detail: Option<AccessDeniedDetail>,
}

/// RAM denial details attached to `Forbidden.RAM` / `Forbidden.NoPermission`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct AccessDeniedDetail {
    pub auth_action: String,
    pub auth_principal_type: String,
    #[serde(with = "crate::wire::num::int")]
    pub auth_principal_owner_id: String,
    pub auth_principal_display_name: String,
    pub no_permission_type: String,
    pub policy_type: String,
    pub encoded_diagnostic_message: String,
}

/// A response that carries only `RequestId` (most PrivateLink writes, RDS-less acks).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ack {
    pub request_id: String,
}

/// A tag in List* responses: `{Key, Value}`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A tag in NLB GetLoadBalancerAttribute: `{TagKey, TagValue}`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagKv {
    pub tag_key: String,
    pub tag_value: String,
}

#[cfg(test)]
mod tests;
