//! `tilink doctor`: examine chains, print the report (text or JSON), apply safe fixes.

use super::context::Env;
use super::{Failure, exit};
use crate::app::say;
use crate::cli::{DoctorArgs, GlobalArgs, Output};
use crate::engine::check::Status;
use crate::engine::discover::cluster_candidates;
use crate::engine::doctor::facts::plcs;
use crate::engine::doctor::targets::{self, Target};
use crate::engine::doctor::{Report, Start, add_probe, examine};
use crate::engine::probe::{ProbeSetup, Resolver, parse_resolve};
use crate::secret::Secret;
use std::io::IsTerminal;
use std::sync::Arc;

/// Entry point of `tilink doctor`.
pub async fn command(g: &GlobalArgs, a: DoctorArgs) -> Result<u8, Failure> {
    let Some(path) = a.bundle.clone() else {
        let env = doctor_env(g).await?;
        // The clients pace themselves within the clouds' limits (`cloud::ratelimit`); a
        // fleet walk without --fix or --probe streams its chains as they are known
        // (`app::fleet`).
        if a.all_clusters && !a.fix && !a.probe {
            return super::fleet::run(g, &env).await;
        }
        return run(g, &env, &a).await;
    };
    with_bundle(g, &a, &path, None).await
}

/// Doctor (or reconcile, `only` its one check) that also writes a support bundle to `path`.
async fn with_bundle(
    g: &GlobalArgs,
    a: &DoctorArgs,
    path: &std::path::Path,
    only: Option<&str>,
) -> Result<u8, Failure> {
    // The bundle's transcript is kept in memory (and in --record DIR as well, if given).
    let recorder = crate::app::context::recorder(g, true)?;
    let outcome = match doctor_env(g).await {
        Ok(env) => examine_and_print(g, &env, a, only)
            .await
            .map(|(code, reports)| (code, reports, env)),
        Err(f) => Err(f),
    };
    let input = crate::app::bundle::Input {
        g,
        a,
        recorder: recorder.as_deref(),
        outcome: match &outcome {
            Ok((code, reports, env)) => Ok((*code, reports.as_slice(), env)),
            Err(f) => Err(f),
        },
    };
    crate::app::bundle::write(path, &input)?;
    say!(
        "support bundle: {} (mode 0600; secrets removed, ids masked; read it before sending: tar -xzf {} -C DIR)",
        path.display(),
        path.display()
    );
    outcome.map(|(code, _, _)| code)
}

/// The environment doctor runs in (the clients pace themselves within the clouds' limits).
async fn doctor_env(g: &GlobalArgs) -> Result<Env, Failure> {
    crate::app::context::from_chain(g).await
}

async fn targets(env: &Env, a: &DoctorArgs) -> Result<Vec<Target>, Failure> {
    let tidb = env.tidb()?;
    let mut clusters: Vec<String> = Vec::new();
    // The PLCs of the one cluster already listed while looking for `--connection`.
    let mut prefetched = None;
    if a.all_clusters {
        let all = cluster_candidates(&tidb)
            .await
            .map_err(|e| Failure::failed(e.to_string()))?;
        clusters.extend(
            all.into_iter()
                .filter(|(c, _)| c.on_alibaba())
                .map(|(c, _)| c.id),
        );
    } else if let Some(c) = &a.cluster_id {
        clusters.push(c.clone());
    } else if let Some(plc) = &a.connection {
        // `--connection plc-…` alone: a PLC id is unique, so find the cluster that has it
        // among the Alibaba Cloud clusters this key can see (its list is kept for the walk).
        let all = cluster_candidates(&tidb)
            .await
            .map_err(|e| Failure::from(crate::engine::Error::from(e)))?;
        for (c, _) in all.into_iter().filter(|(c, _)| c.on_alibaba()) {
            let list = tidb
                .list_plcs(&c.id)
                .await
                .map_err(|e| Failure::from(crate::engine::Error::from(e)))?;
            if list.iter().any(|p| &p.private_link_connection_id == plc) {
                clusters.push(c.id);
                prefetched = Some(list);
                break;
            }
        }
        if clusters.is_empty() {
            return Err(Failure::input(format!(
                "private link connection {plc} is on none of the Alibaba Cloud clusters this TiDB Cloud key can see; pass --cluster-id ID with it"
            )));
        }
    }
    if let Some(svc) = &a.endpoint_service {
        // From the service side, the chain's PLC is found among the PLCs of the clusters
        // this key can see (or of the one given): then the whole chain is walked, and TiDB
        // Cloud's own endpoint is known as such (issue 26 #3). Found nowhere, the walk
        // starts at the service and says what it cannot tell.
        if let Some(t) = plc_of_service(env, &tidb, &clusters, svc).await {
            return Ok(vec![t]);
        }
        let region = match (&env.region, clusters.first()) {
            (Some(r), _) => r.clone(),
            (None, Some(c)) => env.region_of(c).await?,
            (None, None) => {
                return Err(Failure::input(
                    "--endpoint-service needs --region (or --cluster-id to take the cluster's region)",
                ));
            }
        };
        return Ok(vec![Target {
            region,
            start: Start::Service {
                cluster_id: clusters.first().cloned(),
                service_id: svc.clone(),
            },
        }]);
    }
    if clusters.is_empty() {
        return Err(Failure::input(
            "say what to examine: --cluster-id ID (every private link connection of the cluster), --connection plc-… with --cluster-id, --endpoint-service epsrv-…, or --all-clusters",
        ));
    }
    let mut out = Vec::new();
    for cluster_id in clusters {
        // Every PLC of the cluster, once: the walks see the others on their service, and
        // `--connection` picks its own from it.
        let all = match prefetched.take() {
            Some(l) => l,
            None => match tidb.list_plcs(&cluster_id).await {
                Ok(l) => l,
                Err(e) => return Err(look_failure(env, e).await),
            },
        };
        let chosen = match &a.connection {
            Some(plc) => {
                let one: Vec<_> = all
                    .iter()
                    .filter(|p| &p.private_link_connection_id == plc)
                    .cloned()
                    .collect();
                if one.is_empty() {
                    return Err(Failure::input(format!(
                        "private link connection {plc} not found on cluster {cluster_id}"
                    )));
                }
                one
            }
            None => all.clone(),
        };
        let chosen = targets::on_alibaba(chosen);
        if chosen.is_empty() {
            // No PLC: a tilink chain may still be there (its PLC deleted in the TiDB
            // console), billing. Found by its tags, it is walked from its service.
            if let Some(t) = targets::orphaned_chain(env, &cluster_id).await {
                out.push(t);
                continue;
            }
            if !a.all_clusters {
                return Err(Failure::input(format!(
                    "cluster {cluster_id} has no Alibaba Cloud private link connection, and no tilink chain is tagged for it; create one with `tilink setup --cluster-id {cluster_id}`"
                )));
            }
        }
        out.extend(targets::of_plcs(env, &cluster_id, &all, &chosen, None).await?);
    }
    Ok(out)
}

/// The PLC pointing at endpoint service `svc`, on `clusters` or, when none is given, on the
/// Alibaba Cloud clusters this key can see. `None` when no PLC points at it or the lists
/// could not be read (the walk then starts at the service).
async fn plc_of_service(
    env: &Env,
    tidb: &crate::cloud::tidb::TidbClient,
    clusters: &[String],
    svc: &str,
) -> Option<Target> {
    let search: Vec<String> = if clusters.is_empty() {
        cluster_candidates(tidb)
            .await
            .ok()?
            .into_iter()
            .filter(|(c, _)| c.on_alibaba())
            .map(|(c, _)| c.id)
            .collect()
    } else {
        clusters.to_vec()
    };
    for cluster_id in search {
        let Ok(all) = tidb.list_plcs(&cluster_id).await else {
            continue;
        };
        let Some(i) = plcs(&all).iter().position(|p| {
            p.state != "DELETING"
                && crate::engine::facts::service_id_of_name(&p.service_name) == Some(svc)
        }) else {
            continue;
        };
        let one = [all[i].clone()];
        return targets::of_plcs(env, &cluster_id, &all, &one, None)
            .await
            .ok()?
            .into_iter()
            .next();
    }
    None
}

/// A TiDB Cloud read that failed before any chain could be examined: refused keys are a
/// credentials problem (3); anything else means doctor could not look (4), never "broken".
async fn look_failure(env: &Env, e: crate::cloud::tidb::TidbError) -> Failure {
    if e.is_not_found() {
        return Failure::input(format!(
            "{e}: no such cluster for this API key. List the clusters with `ticloud serverless list`, or run `tilink setup` to pick one."
        ));
    }
    if matches!(e, crate::cloud::tidb::TidbError::Unauthorized { .. }) {
        // Both clouds together, so one fix round covers both.
        let alibaba = match env.clients(env.region.as_deref().unwrap_or("cn-hangzhou")) {
            Ok(c) => match c.aliyun.get_caller_identity().await {
                Ok(id) => format!("Alibaba Cloud accepts the key (account {})", id.account_id),
                Err(a) => format!("Alibaba Cloud refused too: {a}"),
            },
            Err(f) => format!("Alibaba Cloud not checked: {f}"),
        };
        return Failure {
            code: exit::CREDENTIALS,
            message: format!("{e}\n{alibaba}"),
        };
    }
    Failure {
        code: exit::INCOMPLETE,
        message: format!(
            "could not look: {e}. tilink retried with backoff; nothing is known about the chain yet, least of all that it is broken. Run doctor again in a minute."
        ),
    }
}

/// Entry point of `tilink reconcile`: doctor, applying only the backend-IP swap, unasked.
pub async fn reconcile(g: &GlobalArgs, mut a: DoctorArgs) -> Result<u8, Failure> {
    a.fix = true;
    a.yes = true;
    if let Some(path) = a.bundle.clone() {
        return with_bundle(g, &a, &path, Some("backend-ip")).await;
    }
    let env = crate::app::context::from_chain(g).await?;
    run_filtered(g, &env, &a, Some("backend-ip")).await
}

/// Doctor with a given environment.
pub async fn run(g: &GlobalArgs, env: &Env, a: &DoctorArgs) -> Result<u8, Failure> {
    run_filtered(g, env, a, None).await
}

/// Who `--probe` logs in as: `--mysql-user`, the password from `TILINK_MYSQL_PASSWORD` or a
/// hidden prompt (never a flag, never printed), `--resolve` overrides. The session's own
/// setup (the sandbox's) when it has one.
fn probe_setup(env: &Env, a: &DoctorArgs) -> Result<Option<ProbeSetup>, Failure> {
    if !a.probe {
        return Ok(env.probe.clone());
    }
    let fixed = a
        .resolve
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| parse_resolve(r.trim()).map_err(|e| Failure::input(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(p) = &env.probe {
        let mut p = p.clone();
        p.resolver.fixed.extend(fixed);
        return Ok(Some(p));
    }
    let Some(user) = a.mysql_user.clone().filter(|u| !u.is_empty()) else {
        return Err(Failure::input(
            "--probe logs in to MySQL through the chain: give the user with --mysql-user USER (or TILINK_MYSQL_USER); the password comes from TILINK_MYSQL_PASSWORD or a prompt",
        ));
    };
    // Set (even to the empty string, for an account without a password) wins over asking.
    let password = match std::env::var("TILINK_MYSQL_PASSWORD") {
        Ok(p) => Secret::new(p),
        _ if std::io::stdin().is_terminal() => dialoguer::Password::new()
            .with_prompt(format!("MySQL password for {user} (hidden)"))
            .allow_empty_password(true)
            .interact()
            .map(Secret::new)
            .map_err(|e| Failure::input(format!("reading the MySQL password: {e}")))?,
        _ => {
            return Err(Failure::input(format!(
                "--probe needs the password of MySQL user {user}: set TILINK_MYSQL_PASSWORD (never a flag), or run on a terminal to be asked"
            )));
        }
    };
    Ok(Some(ProbeSetup::new(
        user,
        password,
        Resolver {
            fixed,
            dynamic: None,
        },
    )))
}

/// Doctor applying only the fixes for check `only` (all when `None`).
pub async fn run_filtered(
    g: &GlobalArgs,
    env: &Env,
    a: &DoctorArgs,
    only: Option<&str>,
) -> Result<u8, Failure> {
    examine_and_print(g, env, a, only)
        .await
        .map(|(code, _)| code)
}

/// Doctor, printing its report; the exit code and the reports.
async fn examine_and_print(
    g: &GlobalArgs,
    env: &Env,
    a: &DoctorArgs,
    only: Option<&str>,
) -> Result<(u8, Vec<Report>), Failure> {
    let probe = probe_setup(env, a)?;
    let targets = targets(env, a).await?;
    // Chains are examined concurrently, a few at a time (the APIs rate-limit per account).
    let limit = Arc::new(tokio::sync::Semaphore::new(if a.all_clusters {
        4
    } else {
        8
    }));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, t) in targets.into_iter().enumerate() {
        let clients = env.clients(&t.region)?;
        let limit = limit.clone();
        let (probe, cluster) = (probe.clone(), a.cluster_id.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let (facts, mut report) = examine(&clients, &t.start).await;
            if let Some(p) = &probe {
                add_probe(&facts, &mut report, p, cluster.as_deref()).await;
            }
            (i, t, clients, report)
        });
    }
    let mut done = Vec::new();
    while let Some(r) = tasks.join_next().await {
        done.push(r.map_err(|e| Failure::failed(format!("doctor task failed: {e}")))?);
    }
    done.sort_by_key(|d| d.0);
    let mut reports: Vec<Report> = Vec::new();
    for (_, t, clients, mut report) in done {
        if a.fix && !report.fixes.is_empty() {
            if g.output == Output::Text {
                print!("{}", crate::report::doctor_chain(&report, g.no_color()));
            }
            let mut applied = 0;
            for fix in report
                .fixes
                .iter()
                .filter(|f| only.is_none_or(|o| f.check_id() == o))
            {
                say!("fix for {}: {}", fix.check_id(), fix.describe());
                if !a.yes && !confirm()? {
                    say!("  skipped");
                    continue;
                }
                match crate::cloud::retry::observe_busy(
                    super::busy_to_stderr(),
                    fix.apply(&clients, env.tuning.clone()),
                )
                .await
                {
                    Ok(()) => {
                        applied += 1;
                        say!("  done");
                    }
                    Err(e) => say!("  failed: {e}"),
                }
            }
            if applied > 0 {
                say!("re-examining {} after {applied} fix(es)…", report.target);
                let (facts, again) = examine(&clients, &t.start).await;
                report = again;
                if let Some(p) = &probe {
                    add_probe(&facts, &mut report, p, a.cluster_id.as_deref()).await;
                }
            }
        }
        reports.push(report);
    }
    let code = exit_code(&reports);
    match g.output {
        Output::Json => {
            println!(
                "{}",
                crate::report::doctor_json(&reports, code, env.stats.total())
            );
        }
        Output::Text => print!("{}", crate::report::doctor_text(&reports, g.no_color())),
    }
    Ok((code, reports))
}

/// Doctor's exit code: 3 credentials refused or lacking a permission, 1 something is broken, 4 nothing failed but
/// something could not be checked or is being modified right now, 0 healthy.
pub fn exit_code(reports: &[Report]) -> u8 {
    let any = |id: Option<&str>, s: Status| {
        reports
            .iter()
            .flat_map(|r| r.checks.iter())
            .any(|c| c.status == s && id.is_none_or(|i| c.id == i))
    };
    if any(Some("credentials"), Status::Fail) {
        exit::CREDENTIALS
    } else if any(None, Status::Fail) {
        exit::FAILED
    } else if any(None, Status::Unknown) || any(None, Status::Changing) {
        exit::INCOMPLETE
    } else {
        exit::OK
    }
}

fn confirm() -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::input(
            "--fix asks before each fix: pass --yes to apply them without a terminal",
        ));
    }
    Ok(crate::tui::confirm::ask("  apply?")?)
}
