//! Doctor's checks: pure functions of [`ChainFacts`], one module per link of the chain,
//! with the contract ids. Failure modes and detection follow `shared/reference/peers.md` §3.
//! [`registry::TABLE`] declares every check once (id, function, the facts it needs, the
//! checks that explain it, its fix); the order and the cause links are derived from it.

mod backend;
mod connection;
pub(crate) mod credentials;
mod nlb;
mod plc;
pub(crate) mod rds;
pub(crate) mod region;
pub mod registry;
mod service;
pub(crate) mod zones;

use super::facts::{ChainFacts, Piece};
use crate::engine::check::{Check, CheckId, Status};

pub use plc::keeper;
pub(crate) use registry::link_causes;
pub use registry::{depends_on, needs, order, root_cause, run_checks};

/// A check that could not run because `piece` is missing, saying why.
pub(super) fn skip(id: CheckId, title: &str, f: &ChainFacts, piece: Piece) -> Check {
    Check::skip(
        id,
        title,
        format!(
            "could not look: {}",
            f.why_missing(piece).unwrap_or("an earlier link is missing")
        ),
    )
}

/// `tilink doctor … --fix` for this chain, ready to paste.
pub(super) fn doctor_fix(f: &ChainFacts) -> String {
    if !f.cluster_id.is_empty() {
        format!("tilink doctor --cluster-id {} --fix", f.cluster_id)
    } else {
        format!(
            "tilink doctor --endpoint-service {} --region {} --fix",
            f.service_id.as_deref().unwrap_or("<epsrv-id>"),
            f.region
        )
    }
}

/// An `aliyun` CLI line for `product action` in the chain's region, ready to paste.
pub(super) fn aliyun_cmd(
    f: &ChainFacts,
    product: &str,
    action: &str,
    params: &[(&str, &str)],
) -> String {
    let mut s = format!("aliyun {product} {action} --RegionId {}", f.region);
    for (k, v) in params {
        s.push_str(&format!(" --{k} {v}"));
    }
    s
}

/// The endpoint service id, or a placeholder.
pub(super) fn svc_id(f: &ChainFacts) -> &str {
    f.service_id.as_deref().unwrap_or("<epsrv-id>")
}

/// A link in a documented transient state: being modified, neither broken nor known to work.
pub(super) fn changing(id: CheckId, title: &str, detail: String, state: &str) -> Check {
    Check::new(id, Status::Changing, title, detail).fix(format!(
        "{state} is a documented transient state (being modified; it settles by itself). Run \
         tilink doctor again shortly; --fix does not write to a link while it changes."
    ))
}

/// Items joined with ", " for a detail line.
pub(super) fn joined<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
