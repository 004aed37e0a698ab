//! Why TiDB Cloud marked a private link connection FAILED. Its message is free text, so it
//! is shown as it came and never read for a decision: the likely cause is decided on the
//! chain's state (is the service still there, is TiDB Cloud's account on its whitelist).
//! Region and zones need no look: pre-flight refused a plan across regions or without a
//! common zone.

use super::Ctx;
use crate::engine::Error;

/// The likely cause of a FAILED PLC, from the chain's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cause {
    /// TiDB Cloud's account is not on the service's whitelist.
    NotWhitelisted,
    /// The endpoint service no longer exists.
    ServiceGone,
    /// Nothing this run can see: doctor walks the whole chain.
    Unseen,
}

impl Cause {
    fn words(self) -> &'static str {
        match self {
            Cause::NotWhitelisted => {
                "the endpoint service does not whitelist the TiDB Cloud account, so it is not visible to it"
            }
            Cause::ServiceGone => "the endpoint service no longer exists",
            Cause::Unseen => "see `tilink doctor` for the whole chain",
        }
    }
}

/// The error of a FAILED PLC: TiDB Cloud's `message`, the likely `cause`, and what to do.
pub(super) fn failed(message: &str, cause: Cause) -> Error {
    Error::Failed(format!(
        "TiDB Cloud marked the private link connection FAILED: {message} (likely cause: {}). A FAILED connection cannot be repaired: run `tilink doctor`, fix the cause, then rerun setup (it creates a new connection)",
        cause.words()
    ))
}

impl Ctx {
    /// The error of this chain's FAILED PLC, its cause looked up on the endpoint service.
    pub(super) async fn plc_failed(&self, message: &str) -> Error {
        let cause = match &self.ids.endpoint_service_id {
            None => Cause::Unseen,
            Some(svc) => match self.c.aliyun.list_users(svc).await {
                Ok(users) if !users.contains(&self.p.tidb_account_id) => Cause::NotWhitelisted,
                Ok(_) => Cause::Unseen,
                Err(e) if e.is_not_found() => Cause::ServiceGone,
                Err(_) => Cause::Unseen,
            },
        };
        failed(message, cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_comes_from_the_state_and_the_message_is_kept_whole() {
        // A message that names a zone says nothing about the cause: the state does.
        let e = failed("zone mismatch", Cause::NotWhitelisted).to_string();
        assert!(e.contains("FAILED: zone mismatch"), "{e}");
        assert!(e.contains("does not whitelist"), "{e}");
        let e = failed("whitelist", Cause::Unseen).to_string();
        assert!(
            e.contains("tilink doctor") && !e.contains("does not whitelist"),
            "{e}"
        );
    }
}
