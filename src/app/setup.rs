//! `tilink setup`: the non-interactive driver of the engine (the TUI and line mode are the
//! other two). Progress goes to stderr; with `-o json` one object goes to stdout.

use super::context::Env;
use super::{Failure, exit};
use crate::cli::{GlobalArgs, Output, SetupArgs};
use crate::engine::apply::steps::CloudExecutor;
use crate::engine::apply::{ApplyModel, Channel, StepStatus, run_apply};
use crate::engine::check::{Check, Status};
use crate::engine::discover::Clients;
use crate::engine::journal::JournalStore;
use crate::engine::plan::{COST_NOTE, Plan};
use crate::engine::prepare::{PrepareError, PrepareInput, Prepared, prepare};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

/// Entry point of `tilink setup`.
pub async fn command(g: &GlobalArgs, a: SetupArgs) -> Result<u8, Failure> {
    if !a.non_interactive {
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            return Err(Failure::input(
                "no terminal to run the wizard in: use `tilink setup --non-interactive --cluster-id ID --rds-instance ID --yes` (add -o json for scripts)",
            ));
        }
        let env = crate::app::context::from_chain(g)
            .await?
            .with_timeout(a.timeout_secs);
        return crate::tui::run(g.clone(), env, a, None).await;
    }
    let env = crate::app::context::from_chain(g)
        .await?
        .with_timeout(a.timeout_secs);
    non_interactive(g, &env, &a).await
}

/// Maps a discovery error to an exit code and message (bad input 2, credentials 3, else 1).
pub fn discover_failure(e: crate::engine::discover::DiscoverError) -> Failure {
    prepare_failure(PrepareError::Discover(e))
}

/// Maps a preparation error to an exit code and message (through the engine's kinds).
pub fn prepare_failure(e: PrepareError) -> Failure {
    crate::engine::Error::from(e).into()
}

/// Takes the cluster's setup lock, waiting for another run unless `no_wait`.
pub async fn cluster_lock(
    dir: &std::path::Path,
    cluster_id: &str,
    no_wait: bool,
) -> Result<crate::engine::lock::ClusterLock, Failure> {
    use crate::engine::lock::{ClusterLock, LockError};
    match ClusterLock::try_acquire(dir, cluster_id) {
        Ok(l) => Ok(l),
        Err(LockError::Busy { holder, path }) if !no_wait => {
            eprintln!(
                "tilink: another tilink setup for cluster {cluster_id} is running ({holder}); waiting for it to finish, then this one adopts what it made (Ctrl-C stops; --no-wait fails at once; lock {})",
                path.display()
            );
            ClusterLock::acquire(dir, cluster_id)
                .await
                .map_err(|e| Failure::failed(e.to_string()))
        }
        Err(e @ LockError::Busy { .. }) => Err(Failure::failed(format!(
            "{e}: nothing was done (--no-wait). Run again when it has finished."
        ))),
        Err(e) => Err(Failure::failed(e.to_string())),
    }
}

fn require(v: &Option<String>, flag: &str, env: &str) -> Result<String, Failure> {
    v.clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Failure::input(format!("missing {flag}: pass {flag} ID or set {env}")))
}

/// The scripted setup.
pub async fn non_interactive(g: &GlobalArgs, env: &Env, a: &SetupArgs) -> Result<u8, Failure> {
    let began = Instant::now();
    let cluster_id = require(&a.cluster_id, "--cluster-id", "TILINK_CLUSTER_ID")?;
    let rds_id = require(&a.rds_instance, "--rds-instance", "TILINK_RDS_INSTANCE")?;
    let store = env.store.clone();
    // One setup per cluster: a second run plans after the first one finished (and adopts
    // what it made). A dry run only reads.
    let _lock = if a.dry_run {
        None
    } else {
        Some(cluster_lock(&store.lock_dir(), &cluster_id, a.no_wait).await?)
    };
    eprintln!("tilink: discovering cluster {cluster_id} and RDS instance {rds_id}…");
    let tidb = env.tidb()?;
    let make = |region: &str| env.clients(region);
    let input = PrepareInput {
        cluster_id: &cluster_id,
        rds_id: &rds_id,
        zones: &a.zones,
        name: a.name.as_deref(),
        resume: a.resume.as_deref(),
        region: env.region.as_deref(),
    };
    let prep = prepare(&tidb, &make, &store, &input)
        .await
        .map_err(prepare_failure)?;
    eprint!("{}", render_checks(&prep.checks));
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
    let _lock = _lock.map(|l| l.noted(&plan.setup_id));
    eprint!("{}", render_plan(&plan));
    if a.dry_run {
        let results = dry_run(&prep.clients, &plan).await;
        for (what, r) in &results {
            eprintln!("  dry run {what}: {r}");
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
        eprintln!("dry run: nothing was created");
        return Ok(exit::OK);
    }
    if !a.yes {
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
    let model = apply(&prep, plan, env, &store, progress, |line| {
        eprintln!("{line}")
    })
    .await;
    let ok = matches!(model.outcome, Some(Ok(())));
    if g.output == Output::Json {
        super::emit_json(&result_json(&model, &prep.clients, began));
    } else if ok {
        println!("{}", active_summary(&model));
    }
    outcome_failure(&model, &store).map_or(Ok(exit::OK), Err)
}

/// The lines printed when a setup reaches ACTIVE: the ids changefeeds and DM use, and what
/// to run next.
pub fn active_summary(model: &ApplyModel) -> String {
    let r = &model.journal.resources;
    let q = |o: &Option<String>| o.clone().unwrap_or_else(|| "?".into());
    let (cluster, sid) = (&model.journal.cluster_id, &model.journal.setup_id);
    format!(
        "ACTIVE: private link connection {} (endpoint {}) for cluster {cluster}\n  setup {sid} · server group {} · NLB {} · listener {} · endpoint service {}\n  next: `tilink doctor --cluster-id {cluster}` · `tilink teardown --cluster-id {cluster} --setup {sid}`",
        q(&r.private_link_connection_id),
        q(&r.endpoint_id),
        q(&r.server_group_id),
        q(&r.load_balancer_id),
        q(&r.listener_id),
        q(&r.endpoint_service_name),
    )
}

/// How a finished apply run ends the command: `None` when ACTIVE, else the failure
/// (interrupted: 130; failed: 1) with the way to resume.
pub fn outcome_failure(model: &ApplyModel, store: &JournalStore) -> Option<Failure> {
    let sid = &model.journal.setup_id;
    match &model.outcome {
        Some(Ok(())) => None,
        Some(Err(crate::engine::apply::Stopped::Interrupted)) => Some(Failure {
            code: exit::INTERRUPTED,
            message: format!(
                "interrupted; every id is in the journal. Resume with `tilink setup --resume {sid}`"
            ),
        }),
        Some(Err(e)) => Some(Failure::failed(format!(
            "{e}\nEvery id created so far is in the journal ({}). Rerun the same command (or `--resume {sid}`) to continue.",
            store.path(sid).display()
        ))),
        None => Some(Failure::failed("setup stopped without an outcome")),
    }
}

/// How [`apply`] reports progress on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Readable lines: `[   3.2s] load-balancer     Provisioning · 0:03 · usually 1–2 min`.
    Lines,
    /// One JSON object per event (`-o json`): `{"event":"progress",…}`, `{"event":"slow",…}`,
    /// `{"event":"warning",…}`.
    Json,
}

/// Applies a plan, reporting each state change on stderr, stopping cleanly on SIGINT,
/// SIGTERM or SIGHUP.
pub async fn apply(
    prep: &Prepared,
    plan: Plan,
    env: &Env,
    store: &JournalStore,
    progress: Progress,
    mut print: impl FnMut(String),
) -> ApplyModel {
    let exec = Arc::new(CloudExecutor::new(
        prep.clients.clone(),
        plan,
        env.tuning.clone(),
    ));
    let chan = Channel::new();
    let cancel = chan.cancel_handle();
    // The apply stops itself (steps cancelled, journal marked interrupted).
    let owned = crate::app::signals::Owned::take();
    let signals = tokio::spawn(async move {
        crate::app::signals::next().await;
        cancel.cancel();
    });
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    let mut log_seen = 0;
    let model = run_apply(
        ApplyModel::new(prep.journal.clone()),
        exec,
        store,
        chan,
        |m| {
            for (step, row) in &m.steps {
                let word = match &row.status {
                    StepStatus::Pending => continue,
                    StepStatus::Running if row.cloud_state.is_empty() => "started".to_string(),
                    StepStatus::Running => row.cloud_state.clone(),
                    StepStatus::Done => "done".to_string(),
                    StepStatus::Failed { error } => format!("FAILED: {error}"),
                };
                if last.get(step.name()) == Some(&word) {
                    continue;
                }
                let waiting = row.waiting_text(m.now_ms);
                print(match progress {
                    Progress::Lines => format!(
                        "[{:>7.1}s] {:<17} {word}{}",
                        m.now_ms as f64 / 1000.0,
                        step.name(),
                        waiting.map(|w| format!(" · {w}")).unwrap_or_default()
                    ),
                    Progress::Json => serde_json::json!({
                        "event": "progress",
                        "at_ms": m.now_ms,
                        "step": step.name(),
                        "state": word,
                        "elapsed_ms": row.started_ms.map(|s| m.now_ms.saturating_sub(s)),
                        "usual": row.usual.filter(|_| row.status == StepStatus::Running),
                        "slow": row.slow,
                    })
                    .to_string(),
                });
                last.insert(step.name().to_string(), word);
            }
            for l in &m.log[log_seen..] {
                let kind = if l.text.contains("left alone") {
                    "warning"
                } else if l.text.contains("longer than the usual") {
                    "slow"
                } else {
                    continue;
                };
                print(match progress {
                    Progress::Lines => format!(
                        "[{:>7.1}s] {} {}",
                        l.at_ms as f64 / 1000.0,
                        kind.to_uppercase(),
                        l.text
                    ),
                    Progress::Json => {
                        serde_json::json!({"event": kind, "at_ms": l.at_ms, "message": l.text})
                            .to_string()
                    }
                });
            }
            log_seen = m.log.len();
        },
    )
    .await;
    signals.abort();
    drop(owned);
    model
}

/// The contract's JSON result.
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
        "resources": {
            "server_group_id": m.journal.resources.server_group_id,
            "load_balancer_id": m.journal.resources.load_balancer_id,
            "listener_id": m.journal.resources.listener_id,
            "endpoint_service_id": m.journal.resources.endpoint_service_id,
            "endpoint_service_name": m.journal.resources.endpoint_service_name,
            "private_link_connection_id": m.journal.resources.private_link_connection_id,
            "endpoint_id": m.journal.resources.endpoint_id,
            "allowlist_group": m.journal.resources.allowlist_group,
        },
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

/// Checks as text, failures first.
pub fn render_checks(checks: &[Check]) -> String {
    let mut s = String::from("\nChecks\n");
    for c in checks {
        s.push_str(&format!(
            "  [{}] {:<22} {}\n",
            c.status.tag(),
            c.id,
            c.detail
        ));
        if c.status != Status::Pass
            && let Some(f) = &c.fix
        {
            s.push_str(&format!("         fix: {f}\n"));
        }
    }
    s
}

/// The plan as text.
pub fn render_plan(p: &Plan) -> String {
    let mut s = format!("\nPlan for setup {} in {}\n", p.setup_id, p.region);
    for i in &p.items {
        s.push_str(&format!(
            "  {:<7} {:<30} {}{}\n",
            i.action.word(),
            i.what,
            i.detail,
            i.id.as_ref()
                .map(|id| format!(" [{id}]"))
                .unwrap_or_default()
        ));
    }
    if let Some(summary) = no_changes(p) {
        s.push_str(&format!("  {summary}\n\n"));
        return s;
    }
    s.push_str(&format!("  cost: {COST_NOTE}\n\n"));
    s
}

/// "No changes: …" when every item is adopted or already as planned.
pub fn no_changes(p: &Plan) -> Option<String> {
    use crate::engine::plan::Action;
    if p.items
        .iter()
        .any(|i| matches!(i.action, Action::Create | Action::Update))
    {
        return None;
    }
    let adopted: Vec<String> = p
        .items
        .iter()
        .filter(|i| i.action == Action::Adopt)
        .map(|i| i.id.clone().unwrap_or_else(|| i.what.clone()))
        .collect();
    Some(format!(
        "No changes: the chain exists and is as planned (adopted: {})",
        adopted.join(", ")
    ))
}
