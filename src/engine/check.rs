//! A named check result with evidence and a fix, shared by setup's pre-flight and doctor.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Broken: the evidence proves it; must be fixed.
    Fail,
    /// tilink could not look (throttled, 5xx, timeout, refused signature or permission on
    /// the read): nothing is known about this link, least of all that it is broken.
    Unknown,
    /// Being modified right now (a documented transient state: `Configuring`, `Pending`,
    /// `Provisioning`…): neither broken nor known to work; look again shortly. `--fix`
    /// never writes to such a link.
    Changing,
    /// Works, with a risk worth knowing.
    Warn,
    /// Could not run (the reason is in `detail`).
    Skip,
    /// Fine.
    Pass,
}

impl Status {
    /// A short tag for text output.
    pub fn tag(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Unknown => "UNKNOWN",
            Status::Changing => "CHANGING",
            Status::Skip => "SKIP",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// One check: `{"id", "status", "title", "detail", "evidence", "fix"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable id (`zone-overlap`, `backend-ip`, …).
    pub id: String,
    /// pass / warn / fail / skip.
    pub status: Status,
    /// One line.
    pub title: String,
    /// What was found, in words.
    pub detail: String,
    /// The values compared (ids, states, addresses).
    pub evidence: serde_json::Value,
    /// What to do; `None` when nothing needs doing.
    pub fix: Option<String>,
    /// The failing check this one follows from (its root cause), when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
}

impl Check {
    /// A check with no evidence and no fix.
    pub fn new(
        id: &str,
        status: Status,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        // Titles and details carry what clouds and servers said (names, greetings, error
        // texts): never a raw control character on a terminal.
        Check {
            id: id.to_string(),
            status,
            title: crate::wire::printable::clean(&title.into()),
            detail: crate::wire::printable::clean(&detail.into()),
            evidence: serde_json::Value::Null,
            fix: None,
            caused_by: None,
        }
    }

    /// Adds evidence.
    pub fn evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = evidence;
        self
    }

    /// Adds a fix.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(crate::wire::printable::clean(&fix.into()));
        self
    }

    /// A skipped check explaining why it could not run.
    pub fn skip(id: &str, title: impl Into<String>, why: impl Into<String>) -> Self {
        Check::new(id, Status::Skip, title, why)
    }
}

/// True when no check failed.
pub fn all_ok(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}
