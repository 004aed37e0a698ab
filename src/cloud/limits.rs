//! The clouds' documented (or assumed) request rate limits: one home for the facts the
//! simulator enforces and the clients pace themselves by.
//!
//! **TiDB Cloud**: "The TiDB Cloud API allows up to 100 requests per minute per API key. If
//! you exceed the rate limit, the API returns a `429` error." Every answer carries
//! `X-Ratelimit-Limit-Minute`, `X-Ratelimit-Remaining-Minute` ("remaining requests in the
//! current minute") and `X-Ratelimit-Reset` ("the time in seconds at which the current rate
//! limit resets"); the 429's body is `{"details":[],"code":49900007,"message":"The request
//! exceeded the limit of 100 times per apikey per minute. …"}`. Source:
//! `tidbcloud/tidbcloud-cli`, `pkg/tidbcloud/v1beta1/dedicated/README.md:117-144` (the same
//! text is the `info.description` of `pkg/tidbcloud/v1beta1/dedicated.swagger.json`) at
//! commit `19aea6adfceb24cd5fdb716de6369f6ca83ff8a0`. "Current minute" and a reset counted
//! down in seconds describe a fixed window (the gateway shown is Kong, whose rate-limiting
//! plugin counts per fixed window); the clients pace so that a sliding window would accept
//! their calls too.
//!
//! **Alibaba Cloud** throttles per API, account (ParentUid) and region with `Throttling.User`
//! ("Request was denied due to api flow control"). The quota pages give each action's
//! value as `N/T(s)`: NLB's "API速率配额" table (help.aliyun.com/document_detail/480110.htm)
//! lists `AddServersToServerGroup 200/60(s)`; ALB's lists its reads at 20/1(s)
//! (`ListListeners`, `GetListenerHealthStatus`, `GetListenerAttribute`) and
//! `GetLoadBalancerAttribute` at 60/1(s). The values of the NLB, PrivateLink, RDS and VPC
//! reads doctor makes were not found: **assumption**, every read 20 per second and every
//! write 200 per minute, per action and account.

use std::time::Duration;

/// TiDB Cloud's requests per window and API key.
pub const TIDB_PER_WINDOW: u32 = 100;
/// TiDB Cloud's window (a minute).
pub const TIDB_WINDOW: Duration = Duration::from_secs(60);

/// An Alibaba action's flow-control quota: at most `calls` per `window`, per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Calls allowed per window.
    pub calls: u32,
    /// The window.
    pub window: Duration,
}

/// The quota of Alibaba action `action` (assumed values, module doc).
pub fn alibaba_quota(action: &str) -> Quota {
    // Reads are named as reads (`cloud::aliyun::actions`' own rule, checked by its tests).
    let read = ["Describe", "List", "Get", "Check"]
        .iter()
        .any(|p| action.starts_with(p));
    if read {
        Quota {
            calls: 20,
            window: Duration::from_secs(1),
        }
    } else {
        Quota {
            calls: 200,
            window: Duration::from_secs(60),
        }
    }
}
