//! `--plain`: the same flow as line-by-line prompts (dialoguer), for screen readers and
//! dumb terminals. Checks, plan and progress are printed as text.

use super::Options;
use crate::engine::Error;
use crate::engine::apply::ApplyModel;
use crate::engine::discover::{cluster_candidates, rds_candidates};
use crate::engine::plan::Plan;
use crate::engine::prepare::{PrepareInput, Prepared, prepare};
use crate::engine::session::Session;
use crate::engine::setup::{Setup, WhenBusy, outcome_error};
use crate::report::{
    Progress, ProgressLines, active_summary, render_checks, render_plan, render_zones,
};
use dialoguer::Select;

fn prompt_failure(e: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(io) = e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        Error::Interrupted("setup cancelled; nothing was created".into())
    } else {
        Error::Failed(format!(
            "cannot prompt: {io}; use --non-interactive with flags"
        ))
    }
}

fn pick(prompt: &str, items: &[String], default: usize) -> Result<usize, Error> {
    Select::new()
        .with_prompt(prompt)
        .items(items)
        .default(default)
        .interact_opt()
        .map_err(prompt_failure)?
        .ok_or_else(|| Error::Interrupted("setup cancelled; nothing was created".into()))
}

/// The apply of both line modes (this one and `--non-interactive`): `setup` applies `plan`,
/// printing each progress line with `print`, and owns the signals meanwhile (SIGINT, SIGTERM
/// or SIGHUP stop its steps and the journal says interrupted).
pub async fn apply_printing(
    setup: &Setup,
    env: &Session,
    prep: &Prepared,
    plan: Plan,
    progress: Progress,
    mut print: impl FnMut(String),
) -> ApplyModel {
    let owned = crate::signals::Owned::take();
    let mut lines = ProgressLines::new(progress);
    let model = setup
        .apply(
            env,
            prep.clients.clone(),
            plan,
            prep.journal.clone(),
            async {
                crate::signals::next().await;
            },
            |m| lines.lines(m).into_iter().for_each(&mut print),
        )
        .await;
    drop(owned);
    model
}

/// Runs the line-mode wizard.
pub async fn run(env: &Session, args: &Options) -> Result<(), Error> {
    eprintln!(
        "tilink: Alibaba Cloud key from {}; TiDB Cloud key from {}",
        env.alibaba_source, env.tidb_source
    );
    let tidb = env.tidb()?;
    // Flags answer prompts; in the sandbox they only pick the default.
    let cluster_id = match (&args.cluster_id, args.sandbox) {
        (Some(id), false) => id.clone(),
        _ => {
            let list = cluster_candidates(&tidb).await.map_err(Error::from)?;
            let usable: Vec<_> = list.iter().filter(|c| c.1.is_none()).collect();
            for (c, why) in list.iter().filter(|c| c.1.is_some()) {
                eprintln!(
                    "  (not usable) {} {}: {}",
                    c.name,
                    c.id,
                    why.as_deref().unwrap_or_default()
                );
            }
            if usable.is_empty() {
                return Err(Error::Input(
                    "no ACTIVE Essential cluster on Alibaba Cloud is visible to this TiDB Cloud API key"
                        .into(),
                ));
            }
            let want = args.cluster_id.as_deref();
            let default = usable
                .iter()
                .position(|c| Some(c.0.id.as_str()) == want)
                .unwrap_or(0);
            let items: Vec<String> = usable
                .iter()
                .map(|(c, _)| format!("{} ({}) {} {}", c.name, c.id, c.region, c.plan))
                .collect();
            usable[pick("TiDB Cloud cluster", &items, default)?]
                .0
                .id
                .clone()
        }
    };
    let region = env.region_of(&cluster_id).await?;
    let rds_id = match (&args.rds_id, args.sandbox) {
        (Some(id), false) => id.clone(),
        _ => {
            let clients = env.clients(&region)?;
            let list = rds_candidates(&clients.aliyun, &[])
                .await
                .map_err(Error::from)?;
            for r in list.iter().filter(|r| r.unusable.is_some()) {
                eprintln!(
                    "  (not usable) {} {}: {}",
                    r.id,
                    r.description,
                    r.unusable.as_deref().unwrap_or_default()
                );
            }
            let usable: Vec<_> = list.iter().filter(|r| r.unusable.is_none()).collect();
            if usable.is_empty() {
                return Err(Error::Input(format!(
                    "no running RDS for MySQL primary in a VPC in {region}"
                )));
            }
            let want = args.rds_id.as_deref();
            let default = usable
                .iter()
                .position(|r| Some(r.id.as_str()) == want)
                .unwrap_or(0);
            let items: Vec<String> = usable
                .iter()
                .map(|r| format!("{} {} ({}, {})", r.id, r.description, r.engine, r.zone))
                .collect();
            usable[pick(&format!("Source RDS instance in {region}"), &items, default)?]
                .id
                .clone()
        }
    };
    // One setup per cluster, as `--non-interactive`: a second run plans after the first one
    // finished (and adopts what it made), or with `--no-wait` stops at once. A dry run only
    // reads.
    let setup = if args.dry_run {
        None
    } else {
        let when_busy = WhenBusy::from_no_wait(args.no_wait);
        let s = Setup::begin(env, &cluster_id, when_busy, |holder, path| {
            eprintln!("{}", crate::report::lock_waiting(&cluster_id, holder, path))
        })
        .await
        .map_err(|e| Error::Failed(crate::report::lock_refused(&e)))?;
        Some(s)
    };
    eprintln!("tilink: checking cluster {cluster_id} and RDS instance {rds_id} (read-only)…");
    let make = |r: &str| env.clients(r);
    let input = PrepareInput {
        cluster_id: &cluster_id,
        rds_id: &rds_id,
        zones: &args.zones,
        name: args.name.as_deref(),
        resume: args.resume.as_deref(),
        region: env.region.as_deref(),
        setup_id: None,
    };
    let prep = prepare(&tidb, &make, &env.store, &input)
        .await
        .map_err(Error::from)?;
    eprint!("{}", render_checks(&prep.checks));
    if let Ok(z) = &prep.zones {
        eprint!("{}", render_zones(z));
    }
    let Some(plan) = prep.plan.clone() else {
        return Err(Error::Input(
            "nothing was created: fix the failed checks above, then run tilink again".into(),
        ));
    };
    eprint!("{}", render_plan(&plan));
    let Some(setup) = setup.map(|s| s.noted(&plan.setup_id)) else {
        eprintln!("dry run: nothing was created");
        return Ok(());
    };
    // A plan that creates and changes nothing asks nothing (it said "No changes").
    if !args.yes && crate::report::no_changes(&plan).is_none() {
        let ok = super::confirm::ask("Create these resources?")?;
        if !ok {
            // Declined is a decision, not an interruption: exit 1 (issue 27 #10).
            return Err(Error::Failed("declined: nothing was created".into()));
        }
    }
    let mut plan = plan.clone();
    plan.accept_endpoint = args.accept_endpoint.clone();
    let model = apply_printing(&setup, env, &prep, plan.clone(), Progress::Lines, |l| {
        eprintln!("{l}")
    })
    .await;
    match &model.outcome {
        Some(Ok(())) => {
            for f in &model.foreign {
                eprintln!(
                    "  not accepted: {} from account {} (not TiDB Cloud's request for this PLC)",
                    f.endpoint_id, f.owner_id
                );
            }
            println!("{}", active_summary(&model));
            println!("{}", crate::report::how_to_use_after(&model, &plan));
            Ok(())
        }
        _ => Err(outcome_error(&model, env)
            .unwrap_or_else(|| Error::Failed("setup stopped without an outcome".into()))),
    }
}
