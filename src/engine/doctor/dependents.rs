//! The `dependents` check: what runs through the PLC. Changefeeds that write into RDS
//! through it (the serverless CDC API) and Data Migration tasks that read from RDS through
//! it (`ListMigrations`, tidbcloud-cli's `dm.swagger.json`). A DBA paged at 2 a.m. starts
//! from "changefeed cf-orders FAILED"; doctor names it, and says whether a broken link
//! explains it (`caused_by`) or the link is fine and the task itself must be looked at.

use super::facts::{ChainFacts, Piece};
use crate::engine::check::{Check, CheckId, Status};
use crate::wire::tidb::{Changefeed, Migration};
use serde_json::json;

/// The check's id.
pub const ID: CheckId = CheckId::Dependents;

/// How one dependent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Health {
    Failing,
    Paused,
    Fine,
}

/// A changefeed's state, per `ChangefeedState.Enum` (`cdc.swagger.json`): `WARNING` is a
/// changefeed retrying errors (nothing is replicated meanwhile), the `*_FAILED` states
/// have stopped.
fn changefeed_health(state: &str) -> Health {
    match state {
        "RUNNING_FAILED" | "CREATE_FAILED" | "FAILED" | "WARNING" => Health::Failing,
        "PAUSED" => Health::Paused,
        _ => Health::Fine,
    }
}

/// A migration's state, per `Migration.State` (`dm.swagger.json`).
fn migration_health(state: &str) -> Health {
    match state {
        "FAILED" => Health::Failing,
        "PAUSED" => Health::Paused,
        _ => Health::Fine,
    }
}

/// One dependent, described for the report.
struct Row {
    health: Health,
    line: String,
    look: String,
}

fn changefeed_row(cluster: &str, c: &Changefeed) -> Row {
    Row {
        health: changefeed_health(&c.state),
        line: format!(
            "changefeed {} \"{}\" {} ({} sink)",
            c.changefeed_id, c.display_name, c.state, c.sink.kind
        ),
        look: format!(
            "ticloud serverless changefeed describe -c {cluster} --changefeed-id {} (console: \
             cluster → Data → Changefeed)",
            c.changefeed_id
        ),
    }
}

fn migration_row(cluster: &str, m: &Migration) -> Row {
    let error = m.error().map(|e| format!(": {e}")).unwrap_or_default();
    Row {
        health: migration_health(&m.state),
        line: format!(
            "DM task {} \"{}\" {}{error}",
            m.migration_id, m.display_name, m.state
        ),
        look: format!(
            "ticloud serverless migration describe -c {cluster} --migration-id {} (console: \
             cluster → Data → Migration)",
            m.migration_id
        ),
    }
}

/// The `dependents` check (see the module doc).
pub fn check(f: &ChainFacts) -> Check {
    if f.plc.is_none() {
        return Check::skip(
            ID,
            "Changefeeds and DM tasks on the connection",
            "could not look: no private link connection to look from",
        );
    }
    let cluster = if f.cluster_id.is_empty() {
        "<cluster-id>"
    } else {
        f.cluster_id.as_str()
    };
    let mut rows: Vec<Row> = f
        .changefeeds
        .iter()
        .map(|c| changefeed_row(cluster, c))
        .chain(f.migrations.iter().map(|m| migration_row(cluster, m)))
        .collect();
    rows.sort_by_key(|r| r.health);
    let unseen: Vec<String> = [Piece::Changefeeds, Piece::Migrations]
        .into_iter()
        .filter_map(|p| f.unknown(p))
        .map(|l| format!("could not list them ({} failed: {})", l.call, l.error))
        .collect();
    let evidence = json!({
        "changefeeds": f.changefeeds.iter().map(|c| json!({
            "changefeed_id": c.changefeed_id, "name": c.display_name, "state": c.state,
            "sink": c.sink.kind,
        })).collect::<Vec<_>>(),
        "migrations": f.migrations.iter().map(|m| json!({
            "migration_id": m.migration_id, "name": m.display_name, "state": m.state,
            "error": m.error(),
        })).collect::<Vec<_>>(),
        "unlisted": unseen,
    });
    let listing = rows
        .iter()
        .map(|r| r.line.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let failing: Vec<&Row> = rows
        .iter()
        .filter(|r| r.health == Health::Failing)
        .collect();
    let paused: Vec<&Row> = rows.iter().filter(|r| r.health == Health::Paused).collect();
    let tail = if unseen.is_empty() {
        String::new()
    } else {
        format!(" ({})", unseen.join("; "))
    };
    let c = if let Some(first) = failing.first() {
        Check::new(
            ID,
            Status::Fail,
            format!(
                "{}{}",
                first.line,
                if failing.len() > 1 {
                    format!(" and {} more failing", failing.len() - 1)
                } else {
                    String::new()
                }
            ),
            format!("what runs through this connection: {listing}{tail}"),
        )
        .fix(format!(
            "see why: {}",
            failing
                .iter()
                .map(|r| r.look.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    } else if !unseen.is_empty() {
        Check::new(
            ID,
            Status::Unknown,
            "could not list what runs through the connection",
            format!(
                "could not look: {}{}",
                unseen.join("; "),
                if listing.is_empty() {
                    String::new()
                } else {
                    format!("; listed: {listing}")
                }
            ),
        )
        .fix("run tilink doctor again; the TiDB Cloud console lists changefeeds and migrations under the cluster's Data menu")
    } else if let Some(first) = paused.first() {
        Check::new(
            ID,
            Status::Warn,
            format!("{} (paused: nothing flows through it)", first.line),
            format!("what runs through this connection: {listing}"),
        )
        .fix(format!(
            "resume it when intended: {}",
            first.look.replace("describe", "resume")
        ))
    } else if rows.is_empty() {
        Check::new(
            ID,
            Status::Pass,
            "no changefeed or DM task uses this connection yet",
            "no changefeed sink and no DM source names this private link connection",
        )
    } else {
        Check::new(
            ID,
            Status::Pass,
            if rows.len() <= 2 {
                listing.clone()
            } else {
                format!("{} running: {}; …", rows.len(), rows[0].line)
            },
            format!("what runs through this connection: {listing}"),
        )
    };
    c.evidence(evidence)
}

/// After the links are judged: a failing dependent that no failing link explains is named
/// as the task's own problem, with the link declared fine (or fine as far as doctor could
/// look).
pub fn word_root(checks: &mut [Check]) {
    let links_unknown = checks
        .iter()
        .any(|c| c.id != ID && matches!(c.status, Status::Unknown));
    let Some(c) = checks
        .iter_mut()
        .find(|c| c.id == ID && c.status == Status::Fail && c.caused_by.is_none())
    else {
        return;
    };
    let verdict = if links_unknown {
        "no link doctor could look at is broken (some could not be looked at, listed below)"
    } else {
        "every link of the private link chain passed: the connection is fine"
    };
    let mut rest = c.detail.clone();
    if let Some(first) = rest.get(..1) {
        rest = first.to_uppercase() + &rest[1..];
    }
    c.detail = format!("{verdict}; the task itself failed: look at its own error. {rest}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_documented_enums() {
        for s in ["RUNNING_FAILED", "CREATE_FAILED", "WARNING"] {
            assert_eq!(changefeed_health(s), Health::Failing, "{s}");
        }
        assert_eq!(changefeed_health("PAUSED"), Health::Paused);
        for s in ["RUNNING", "CREATING", "SOMETHING_NEW"] {
            assert_eq!(changefeed_health(s), Health::Fine, "{s}");
        }
        assert_eq!(migration_health("FAILED"), Health::Failing);
        assert_eq!(migration_health("PAUSED"), Health::Paused);
        assert_eq!(migration_health("RUNNING"), Health::Fine);
    }
}
