//! `credentials`: what each cloud said about its key, reported together so one rerun
//! fixes both. Pre-flight (`engine::checks`) and doctor share [`verdict`].

use super::super::facts::{ChainFacts, Piece};
use crate::engine::check::{Check, CheckId, Status};
use serde_json::json;

/// What exactly is wrong with an Alibaba Cloud key, in words (never the API's raw message,
/// which for a signature mismatch carries the server's string to sign).
fn refusal(key: &str, code: &str) -> String {
    let shown: String = key.chars().take(8).collect();
    let key = if shown.is_empty() {
        "the access key".to_string()
    } else {
        format!("access key {shown}…")
    };
    if code.starts_with("SignatureDoesNotMatch") || code.starts_with("IncompleteSignature") {
        format!("the secret does not match {key}")
    } else if code.starts_with("InvalidAccessKeyId.Inactive") {
        format!("{key} is disabled")
    } else if code.starts_with("InvalidAccessKeyId") {
        format!("{key} does not exist (deleted, or from another account or site)")
    } else if code.starts_with("InvalidSecurityToken.Expired") {
        "the STS security token has expired: get a new one".to_string()
    } else if code.starts_with("InvalidSecurityToken") {
        format!("the STS security token does not belong to {key}")
    } else {
        format!("{key} was refused")
    }
}

/// What one cloud said about its key, in words.
pub(crate) enum Said {
    /// The key works (who it is).
    Accepted(String),
    /// The key was refused (what exactly is wrong).
    Refused(String),
    /// The identity call failed for another reason (throttled, outage).
    Unseen(String),
}

/// Doctor's `credentials`, from the chain's identity reads.
pub(super) fn check(f: &ChainFacts) -> Check {
    use super::super::facts::LookKind;
    let ali = match (&f.caller, f.unknown(Piece::Caller)) {
        (Some((acct, arn)), _) => Said::Accepted(format!("Alibaba Cloud account {acct} ({arn})")),
        (None, Some(l)) if l.kind == LookKind::Credentials => Said::Refused(format!(
            "Alibaba Cloud: {}",
            refusal(&f.access_key_id, l.code.as_deref().unwrap_or_default())
        )),
        (None, Some(l)) => Said::Unseen(format!("Alibaba Cloud: {} failed: {}", l.call, l.error)),
        (None, None) => Said::Refused(format!(
            "Alibaba Cloud: {}",
            f.why_missing(Piece::Caller).unwrap_or("no answer")
        )),
    };
    let tidb = match (f.why_missing(Piece::Cluster), f.unknown(Piece::Cluster)) {
        (None, _) => Said::Accepted("TiDB Cloud API key works".to_string()),
        (Some(_), _) if f.no_cluster_given() => {
            Said::Accepted("TiDB side not checked (no cluster given)".to_string())
        }
        (_, Some(l)) if l.kind == LookKind::Credentials => {
            Said::Refused(format!("TiDB Cloud: {}", l.error))
        }
        (_, Some(l)) => Said::Unseen(format!("TiDB Cloud: {} failed: {}", l.call, l.error)),
        // The key worked; the cluster itself was not found (reported as bad input).
        (Some(why), None) => Said::Accepted(format!("TiDB Cloud API key works ({why})")),
    };
    let caller = f.caller.as_ref().map(|(a, r)| (a.as_str(), r.as_str()));
    let c = verdict(&ali, Some(&tidb), caller);
    if c.status == Status::Fail {
        return c;
    }
    // A key that works but may not make a call doctor needs: the looks it blocked stay
    // unknown (nothing is said about those links), and the key is what to fix.
    let mut denied: Vec<String> = f
        .unknown
        .values()
        .filter(|l| l.kind == LookKind::Permission)
        .map(|l| match &l.code {
            Some(code) => format!("{} ({code})", l.call),
            None => l.call.clone(),
        })
        .collect();
    // One call refused can leave several pieces unread: name it once.
    denied.sort();
    denied.dedup();
    if denied.is_empty() {
        return c;
    }
    Check::new(
        CheckId::Credentials,
        Status::Fail,
        "The key lacks permissions doctor needs",
        format!("refused for lack of a permission: {}", denied.join(", ")),
    )
    .evidence(json!({"denied": denied}))
    .fix("Attach `tilink policy --for doctor` to the Alibaba Cloud RAM user as a custom policy (TiDB Cloud: a key with a role that can read the cluster's project), then run doctor again.")
}

/// `credentials` for pre-flight and doctor: a key refused by either cloud fails (both are
/// named, so one rerun fixes both); a look that failed is unknown; otherwise it passes.
/// `tidb` is `None` in pre-flight, whose `cluster` check is the TiDB key's proof (the
/// cluster was read with it). `caller` is the Alibaba account and ARN, for the evidence.
pub(crate) fn verdict(ali: &Said, tidb: Option<&Said>, caller: Option<(&str, &str)>) -> Check {
    let pick = |want: fn(&Said) -> Option<&String>| -> Vec<String> {
        std::iter::once(ali)
            .chain(tidb)
            .filter_map(want)
            .cloned()
            .collect()
    };
    let refused = pick(|s| match s {
        Said::Refused(x) => Some(x),
        _ => None,
    });
    let unseen = pick(|s| match s {
        Said::Unseen(x) => Some(x),
        _ => None,
    });
    let accepted = pick(|s| match s {
        Said::Accepted(x) => Some(x),
        _ => None,
    });
    if !refused.is_empty() {
        // Both clouds are reported together, so one rerun fixes both.
        let mut all = refused.clone();
        all.extend(unseen.iter().map(|u| format!("{u} (could not look)")));
        return Check::new(CheckId::Credentials, Status::Fail, "Credentials refused", all.join("; "))
            .evidence(json!({"refused": refused, "unreadable": unseen, "accepted": accepted}))
            .fix({
                // Only the refused cloud's keys are named: the other one works.
                let ali_refused = matches!(ali, Said::Refused(_));
                let tidb_refused = matches!(tidb, Some(Said::Refused(_)));
                let which = match (ali_refused, tidb_refused) {
                    (true, false) => "ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (or the aliyun profile)",
                    (false, true) => "TIDBCLOUD_PUBLIC_KEY / _PRIVATE_KEY (or the ticloud profile)",
                    _ => "ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (or the aliyun profile) and TIDBCLOUD_PUBLIC_KEY / _PRIVATE_KEY (or the ticloud profile)",
                };
                format!("Check {which}: each key must exist, be active and match its secret (`tilink auth status` shows which key is used).")
            });
    }
    if !unseen.is_empty() {
        return Check::new(CheckId::Credentials, Status::Unknown, "Credentials: could not look", format!("could not look: {}", unseen.join("; ")))
            .evidence(json!({"unreadable": unseen, "accepted": accepted}))
            .fix("tilink retried with backoff and the identity calls still failed (throttling or an outage): run doctor again in a minute.");
    }
    let title = if tidb.is_some() {
        "Both clouds accept the credentials"
    } else {
        "Credentials work"
    };
    let mut c = Check::new(
        CheckId::Credentials,
        Status::Pass,
        title,
        accepted.join("; "),
    );
    if let Some((acct, arn)) = caller {
        c = c.evidence(json!({"account_id": acct, "arn": arn}));
    }
    c
}
