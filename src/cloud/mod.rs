//! Thin clients for the two clouds.

pub use kind::ErrorKind;

pub mod aliyun;
pub mod http;
pub mod kind;
pub mod limits;
pub mod ratelimit;
pub mod record;
pub mod retry;
pub mod stats;
pub mod tidb;

/// A deliberate crash point for the kill-and-resume tests: when `TILINK_CRASH_AFTER` names
/// this call (an Alibaba action such as `CreateLoadBalancer`, or `CreatePrivateLinkConnection`),
/// the process aborts right after the call succeeded — before anything is journaled.
/// Only in debug builds (the tests'): a release binary ignores the variable.
pub fn crash_point(call: &str) {
    if !cfg!(debug_assertions) {
        return;
    }
    static TARGET: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let target = TARGET.get_or_init(|| {
        std::env::var("TILINK_CRASH_AFTER")
            .ok()
            .filter(|s| !s.is_empty())
    });
    if target.as_deref() == Some(call) {
        eprintln!("tilink: TILINK_CRASH_AFTER={call}: aborting on purpose");
        std::process::abort();
    }
}
