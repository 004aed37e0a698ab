//! `tilink setup`: the non-interactive driver of the engine (the TUI and line mode are the
//! other two). Progress goes to stderr; with `-o json` one object goes to stdout.

use super::context::Env;
use super::{Failure, exit};
use crate::app::say;
use crate::cli::{GlobalArgs, Output, SetupArgs};
use crate::engine::apply::ApplyModel;
use crate::engine::check::Status;
use crate::engine::discover::Clients;
use crate::engine::plan::Plan;
use crate::engine::prepare::{PrepareError, PrepareInput, prepare};
use crate::engine::setup::{Setup, WhenBusy};
use crate::report::{Progress, active_summary, render_checks, render_plan};
use std::io::IsTerminal;
use std::time::Instant;

/// Entry point of `tilink setup`.
pub async fn command(g: &GlobalArgs, a: SetupArgs) -> Result<u8, Failure> {
    if !a.non_interactive && a.plan_file.is_none() {
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            return Err(Failure::input(
                "no terminal to run the wizard in: use `tilink setup --non-interactive --cluster-id ID --rds-instance ID --yes` (add -o json for scripts)",
            ));
        }
        let env = crate::app::context::from_chain(g)
            .await?
            .with_timeout(a.timeout_secs);
        return wizard(g, env, &a, None).await;
    }
    let env = crate::app::context::from_chain(g)
        .await?
        .with_timeout(a.timeout_secs);
    non_interactive(g, &env, &a).await
}

/// The wizard (or its line mode) on `env`: its options from the flags, which win over the
/// sandbox's defaults (the same precedence as line mode and `--non-interactive`).
pub async fn wizard(
    g: &GlobalArgs,
    env: Env,
    args: &SetupArgs,
    sandbox: Option<&crate::sim::Manifest>,
) -> Result<u8, Failure> {
    let opts = wizard_options(g, &env, args, sandbox);
    crate::tui::run(env, opts, args.plain).await?;
    Ok(exit::OK)
}

/// The wizard's options from flags, the environment and the sandbox manifest: a flag wins,
/// the sandbox's cluster and instance are the defaults.
pub fn wizard_options(
    g: &GlobalArgs,
    env: &Env,
    args: &SetupArgs,
    sandbox: Option<&crate::sim::Manifest>,
) -> crate::tui::Options {
    crate::tui::Options {
        no_color: g.no_color(),
        sandbox: sandbox.is_some(),
        alibaba_source: env.alibaba_source.clone(),
        tidb_source: env.tidb_source.clone(),
        region: g.region.clone(),
        cluster_id: args
            .cluster_id
            .clone()
            .or_else(|| sandbox.map(|m| m.cluster_id.clone())),
        rds_id: args
            .rds_instance
            .clone()
            .or_else(|| sandbox.map(|m| m.rds_instance_id.clone())),
        zones: args.zones.clone(),
        accept_endpoint: args.accept_endpoint.clone(),
        name: args.name.clone(),
        dry_run: args.dry_run,
        resume: args.resume.clone(),
        yes: args.yes,
        no_wait: args.no_wait,
        probe: env.probe.is_some(),
        endpoint_notes: if sandbox.is_some() {
            Vec::new()
        } else {
            super::context::endpoint_notes(g)
        },
    }
}

/// Maps a preparation error to an exit code and message (through the engine's kinds).
pub fn prepare_failure(e: PrepareError) -> Failure {
    crate::engine::Error::from(e).into()
}

/// Begins the setup of `cluster_id`: takes its lock, waiting for another run (and saying
/// so) unless `no_wait`.
pub async fn begin(env: &Env, cluster_id: &str, no_wait: bool) -> Result<Setup, Failure> {
    Setup::begin(
        env,
        cluster_id,
        WhenBusy::from_no_wait(no_wait),
        |holder, path| say!("{}", crate::report::lock_waiting(cluster_id, holder, path)),
    )
    .await
    .map_err(|e| Failure::failed(crate::report::lock_refused(&e)))
}

fn require(v: &Option<String>, flag: &str, env: &str) -> Result<String, Failure> {
    v.clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Failure::input(format!("missing {flag}: pass {flag} ID or set {env}")))
}

/// The scripted setup.
pub async fn non_interactive(g: &GlobalArgs, env: &Env, a: &SetupArgs) -> Result<u8, Failure> {
    let began = Instant::now();
    // `--plan FILE`: the saved plan names the cluster, the instance and the setup id.
    let saved = match &a.plan_file {
        Some(path) => Some(super::saved_plan::read(path)?),
        None => None,
    };
    let (cluster_id, rds_id) = match &saved {
        Some(s) => {
            for (flag, given, saved_value) in [
                ("--cluster-id", &a.cluster_id, &s.cluster_id),
                ("--rds-instance", &a.rds_instance, &s.rds_instance_id),
            ] {
                if let Some(g) = given.as_ref().filter(|g| *g != saved_value) {
                    return Err(Failure::input(format!(
                        "{flag} {g} differs from the saved plan's {saved_value}: drop the flag, or save a new plan"
                    )));
                }
            }
            (s.cluster_id.clone(), s.rds_instance_id.clone())
        }
        None => (
            require(&a.cluster_id, "--cluster-id", "TILINK_CLUSTER_ID")?,
            require(&a.rds_instance, "--rds-instance", "TILINK_RDS_INSTANCE")?,
        ),
    };
    let store = env.store.clone();
    // One setup per cluster: a second run plans after the first one finished (and adopts
    // what it made). A dry run only reads.
    let setup = if a.dry_run {
        None
    } else {
        Some(begin(env, &cluster_id, a.no_wait).await?)
    };
    say!("tilink: discovering cluster {cluster_id} and RDS instance {rds_id}…");
    let tidb = env.tidb()?;
    let make = |region: &str| env.clients(region);
    let input = PrepareInput {
        cluster_id: &cluster_id,
        rds_id: &rds_id,
        zones: &a.zones,
        name: a.name.as_deref(),
        resume: a.resume.as_deref(),
        region: env.region.as_deref(),
        setup_id: saved.as_ref().map(|s| s.plan.setup_id.as_str()),
    };
    let prep = prepare(&tidb, &make, &store, &input)
        .await
        .map_err(prepare_failure)?;
    say!("{}", render_checks(&prep.checks));
    let Some(plan) = prep.plan.clone() else {
        let failed: Vec<String> = prep
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| {
                format!(
                    "{}: {}{}",
                    c.id,
                    c.detail,
                    c.fix
                        .as_ref()
                        .map(|f| format!(" → {f}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        return Err(Failure::input(format!(
            "nothing was created; fix these first:\n  {}",
            failed.join("\n  ")
        )));
    };
    let setup = setup.map(|s| s.noted(&plan.setup_id));
    // `--plan FILE` applies exactly the saved plan, and only if the clouds still give it.
    let plan = match &saved {
        Some(s) => {
            let diffs = super::saved_plan::differences(&s.plan, &plan);
            if !diffs.is_empty() {
                return Err(Failure::input(format!(
                    "the clouds changed since the plan was saved ({}): nothing was created.\n  {}\nReview the new plan with `tilink setup --dry-run --out FILE`.",
                    s.saved_at,
                    diffs.join("\n  ")
                )));
            }
            s.plan.clone()
        }
        None => plan,
    };
    // A dry run's plan is its result: stdout (`> plan.txt` keeps it); otherwise it is the
    // preview before the work, on stderr with the progress (issue 27 #5).
    if a.dry_run && g.output == Output::Text {
        print!("{}", render_plan(&plan));
    } else {
        say!("{}", render_plan(&plan));
    }
    if a.dry_run {
        let results = dry_run(&prep.clients, &plan).await;
        for (what, r) in &results {
            if g.output == Output::Text {
                println!("  dry run {what}: {r}");
            } else {
                say!("  dry run {what}: {r}");
            }
        }
        if g.output == Output::Json {
            let v = serde_json::json!({
                "setup_id": plan.setup_id, "region": plan.region, "dry_run": true,
                "zones": plan.zones.iter().map(|z| &z.zone).collect::<Vec<_>>(),
                "plan": plan.items, "checks": prep.checks,
                "dry_run_results": results.iter().map(|(w, r)| serde_json::json!({"call": w, "result": r})).collect::<Vec<_>>(),
                "api_calls": prep.clients.api_calls(), "elapsed_ms": began.elapsed().as_millis() as u64,
            });
            super::emit_json(&v);
        }
        if let Some(out) = &a.out {
            super::saved_plan::write(out, &super::saved_plan::SavedPlan::new(&plan))?;
            say!(
                "plan saved to {} (setup {}): `tilink setup --plan {}` applies exactly it",
                out.display(),
                plan.setup_id,
                out.display()
            );
        }
        say!("dry run: nothing was created");
        // terraform plan's -detailed-exitcode: 2 when the plan would change something.
        if a.detailed_exitcode && crate::report::no_changes(&plan).is_none() {
            return Ok(exit::CHANGES_PENDING);
        }
        return Ok(exit::OK);
    }
    // Only a plan that creates or changes something needs the confirmation.
    // A saved plan was reviewed when it was saved: applying it is the confirmation.
    if !a.yes && saved.is_none() && crate::report::no_changes(&plan).is_none() {
        return Err(Failure::input(
            "setup creates billable resources: pass --yes (or set TILINK_YES=1) to confirm in non-interactive mode",
        ));
    }
    let mut plan = plan.clone();
    plan.accept_endpoint = a.accept_endpoint.clone();
    let progress = if g.output == Output::Json {
        Progress::Json
    } else {
        Progress::Lines
    };
    let Some(setup) = setup else {
        return Err(Failure::failed("no setup lock: a dry run applies nothing"));
    };
    let model =
        crate::tui::plain::apply_printing(&setup, env, &prep, plan.clone(), progress, |l| {
            say!("{l}")
        })
        .await;
    let ok = matches!(model.outcome, Some(Ok(())));
    // Where this run can reach the data path (the sandbox), a MySQL login through it.
    let ids = model.ids();
    let data_path = match (
        &env.probe,
        ok,
        ids.load_balancer_id.as_deref(),
        ids.listener_id.as_deref(),
    ) {
        (Some(p), true, Some(lb), Some(lsn)) => Some(
            crate::engine::probe::chain_check(&prep.clients, p, lb, lsn, &model.journal.cluster_id)
                .await
                .map_err(|e| e.to_string()),
        ),
        _ => None,
    };
    if let (Output::Text, Some(dp)) = (g.output, &data_path) {
        match dp {
            Ok(c) => say!("data path: {} — {}", c.title, c.detail),
            Err(e) => say!("data path: could not look: {e}"),
        }
    }
    if g.output == Output::Json {
        let mut v = result_json(&model, &prep.clients, began);
        if let Some(dp) = &data_path {
            v["data_path"] = match dp {
                Ok(c) => serde_json::to_value(c).unwrap_or_default(),
                Err(e) => serde_json::json!({"status": "unknown", "detail": e}),
            };
        }
        super::emit_json(&v);
    } else if ok {
        println!("{}", active_summary(&model));
        println!("{}", crate::report::how_to_use_after(&model, &plan));
    }
    crate::engine::setup::outcome_error(&model, env).map_or(Ok(exit::OK), |e| Err(e.into()))
}

/// The contract's JSON result (`-o json`, one object on stdout): `setup_id`, `region`,
/// `zones`, `resources` (every id, null until it exists), `state` (`ACTIVE` / `FAILED` /
/// `INTERRUPTED`), `error`, `foreign_requests` (connection requests left alone),
/// `api_calls`, `api_calls_by_action`, `elapsed_ms`. USAGE documents the same keys.
pub fn result_json(m: &ApplyModel, c: &Clients, began: Instant) -> serde_json::Value {
    let state = match &m.outcome {
        Some(Ok(())) => "ACTIVE".to_string(),
        Some(Err(crate::engine::apply::Stopped::Interrupted)) => "INTERRUPTED".to_string(),
        _ => "FAILED".to_string(),
    };
    serde_json::json!({
        "setup_id": m.journal.setup_id,
        "region": m.journal.region,
        "zones": m.journal.zones,
        "resources": m.journal.resources.to_json(),
        "state": state,
        "error": m.outcome.as_ref().and_then(|o| o.as_ref().err()).map(|e| e.to_string()),
        "foreign_requests": m.foreign,
        "api_calls": c.api_calls(),
        "api_calls_by_action": c.aliyun.stats().snapshot(),
        "elapsed_ms": began.elapsed().as_millis() as u64,
    })
}

/// The creates that support `DryRun`, with a readable verdict each.
pub async fn dry_run(c: &Clients, p: &Plan) -> Vec<(String, String)> {
    crate::engine::dryrun::dry_run(c, p)
        .await
        .into_iter()
        .map(|(call, r)| {
            let verdict = match r {
                Ok(()) => "ok (DryRunOperation)".to_string(),
                Err(e) => format!("would fail: {e}"),
            };
            (call.to_string(), verdict)
        })
        .collect()
}
