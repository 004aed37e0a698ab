//! `tilink teardown`: confirm, then delete in reverse order.

use super::context::Env;
use super::{Failure, exit};
use crate::app::say;
use crate::cli::{GlobalArgs, Output, TeardownArgs};
use crate::engine::teardown::{Dependents, dependents, execute, locate, refusal, targets};
use std::io::IsTerminal;

/// Entry point of `tilink teardown`.
pub async fn command(g: &GlobalArgs, a: TeardownArgs) -> Result<u8, Failure> {
    let env = crate::app::context::from_chain(g).await?;
    run(g, &env, &a).await
}

/// Teardown with a given environment (also used by tests and the sandbox).
pub async fn run(g: &GlobalArgs, env: &Env, a: &TeardownArgs) -> Result<u8, Failure> {
    let (cluster_id, clients) = env
        .setup_clients(a.cluster_id.as_deref(), a.setup.as_deref())
        .await?;
    super::verify_alibaba_key(&clients).await?;
    let mut journal = locate(&clients, &env.store, &cluster_id, a.setup.as_deref())
        .await
        .map_err(Failure::from)?;
    if journal.state == crate::engine::journal::SetupState::TornDown && targets(&journal).is_empty()
    {
        say!(
            "setup {} was already torn down: nothing to tear down",
            journal.setup_id
        );
        if g.output == Output::Json {
            super::emit_json(&serde_json::json!({
                "setup_id": journal.setup_id, "planned": [], "dependents": [],
                "state": "TORN_DOWN", "error": null, "api_calls": clients.api_calls(),
            }));
        }
        return Ok(exit::OK);
    }
    let list = targets(&journal);
    if list.is_empty() {
        say!("setup {} has nothing left to delete", journal.setup_id);
    } else {
        say!(
            "Teardown of setup {} (cluster {}), in this order:",
            journal.setup_id,
            cluster_id
        );
        for t in &list {
            say!("  delete {:<24} {}", t.kind, t.id);
        }
    }
    // What depends on the connection, from the TiDB Cloud API, before anything is asked.
    let plcs: Vec<(String, String)> = list
        .iter()
        .filter(|t| t.kind == "private-link-connection")
        .map(|t| {
            (
                t.id.clone(),
                journal.resources.endpoint_id.clone().unwrap_or_default(),
            )
        })
        .collect();
    let deps = if plcs.is_empty() {
        Ok(Dependents::default())
    } else {
        match env.tidb() {
            Ok(t) => dependents(&t, &cluster_id, &plcs).await,
            Err(e) => Err(e),
        }
    };
    let plc_names = plcs
        .iter()
        .map(|(p, _)| p.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    // In use, or unknown: either makes deleting a decision to type out.
    let mut at_risk: Vec<String> = Vec::new();
    if !plcs.is_empty() {
        match &deps {
            Ok(d) if d.is_empty() => {
                say!("  no TiDB Cloud changefeed or DM task uses {plc_names}")
            }
            Ok(d) => {
                say!("  these stop working when the connection is deleted:");
                for c in &d.changefeeds {
                    say!(
                        "    changefeed {} \"{}\" ({}, {} sink via {})",
                        c.changefeed_id,
                        c.display_name,
                        c.state,
                        c.sink.kind,
                        c.private_link_connection_id().unwrap_or_default()
                    );
                }
                for m in &d.migrations {
                    say!(
                        "    DM task {} \"{}\" ({}, reads RDS through {plc_names})",
                        m.migration_id,
                        m.display_name,
                        m.state
                    );
                }
                at_risk = d.in_use();
            }
            Err(e) => {
                say!(
                    "  could not list the changefeeds and DM tasks that use the connection ({e}); check the TiDB Cloud console (cluster → Data) before deleting"
                );
                at_risk.push("changefeeds and DM tasks that could not be listed".into());
            }
        }
    }
    let terminal = std::io::stdin().is_terminal();
    // `TILINK_YES` answers only where nobody could (no terminal: a script); on a terminal
    // an environment variable never answers a destructive question (issue 27 #1).
    let yes = a.yes || (!terminal && env_yes());
    // What would stop teardown before it deletes anything is said now, before anyone is
    // asked (issue 27 #2).
    if !list.is_empty()
        && let Some(why) = refusal(&clients, &journal).await.map_err(Failure::from)?
    {
        return Err(Failure::failed(why));
    }
    let forced = yes && a.force_with_dependents;
    if !list.is_empty() && !at_risk.is_empty() && !forced {
        let what = at_risk.join("; ");
        if !terminal {
            return Err(Failure::input(format!(
                "not deleting: {what} still use{} private link connection {plc_names}, and deleting it cuts them. Stop or move them first, or pass --yes --force-with-dependents to delete anyway",
                if at_risk.len() == 1 { "s" } else { "" }
            )));
        }
        say!("  deleting the connection cuts: {what}");
        let ok = crate::tui::confirm::ask_typed(
            "Delete these resources while tasks still use the connection?",
            &journal.setup_id,
        )?;
        if !ok {
            say!("nothing deleted (the answer was not the setup id)");
            return Ok(exit::OK);
        }
    } else if !yes && !list.is_empty() {
        if !terminal {
            return Err(Failure::input(
                "teardown deletes resources: pass --yes (or TILINK_YES=1) to confirm without a terminal",
            ));
        }
        // As `terraform destroy` asks for "yes" and `gh repo delete` for the name.
        let ok = crate::tui::confirm::ask_typed("Delete these resources?", &journal.setup_id)?;
        if !ok {
            say!("nothing deleted (the answer was not the setup id)");
            return Ok(exit::OK);
        }
    }
    let result = crate::cloud::retry::observe_busy(
        super::busy_to_stderr(),
        execute(
            &clients,
            &env.store,
            &mut journal,
            env.tuning.clone(),
            |line| say!("{line}"),
        ),
    )
    .await;
    if g.output == Output::Json {
        // `-o json`: {"setup_id", "planned": [{"kind","id"}], "deleted": [{"kind","id"}] (what
        // is gone, in order), "dependents": [{"changefeed_id",
        // "name","state"} or {"migration_id","name","state"}] or null when they could not
        // be listed, "state" (the journal's), "error" (null on success), "api_calls"}.
        let dependents = deps.as_ref().ok().map(|d| {
            d.changefeeds
                .iter()
                .map(|c| {
                    serde_json::json!({"changefeed_id": c.changefeed_id, "name": c.display_name, "state": c.state})
                })
                .chain(d.migrations.iter().map(|m| {
                    serde_json::json!({"migration_id": m.migration_id, "name": m.display_name, "state": m.state})
                }))
                .collect::<Vec<_>>()
        });
        // What is gone: planned, and no longer in the journal.
        let left = targets(&journal);
        let deleted: Vec<_> = list
            .iter()
            .filter(|t| !left.iter().any(|l| l.kind == t.kind && l.id == t.id))
            .collect();
        super::emit_json(&serde_json::json!({
            "setup_id": journal.setup_id,
            "planned": list,
            "deleted": deleted,
            "dependents": dependents,
            "state": journal.state,
            "error": result.as_ref().err().map(|e| e.to_string()),
            "api_calls": clients.api_calls(),
        }));
    }
    result.map_err(|e| Failure {
        // The one table: a refused permission exits 3 here as from every command.
        code: exit::code(e.kind()),
        message: format!(
            "{e}\nRerun `tilink teardown --cluster-id {cluster_id} --setup {}` to continue.",
            journal.setup_id
        ),
    })?;
    Ok(exit::OK)
}

/// `TILINK_YES` set to a true value (`1`, `true`, `yes`, `on`).
fn env_yes() -> bool {
    std::env::var("TILINK_YES").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on" | "y"
        )
    })
}
