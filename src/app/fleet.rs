//! `tilink doctor --all-clusters`: every chain of every Alibaba Cloud cluster the TiDB key
//! sees, reported one by one as soon as each is known (text, or `-o json` as JSON lines with
//! a final summary line). The clients pace the calls within the clouds' rate limits
//! (`cloud::ratelimit`), so the walk's length is set by the limits, not by refusals. Clusters
//! are listed one at a time and each cluster's chains are examined right away, so the first
//! answer comes after a handful of calls. Reads every chain of a region shares (the key's
//! identity, the products' zones) are made once. Interrupted, every chain already printed
//! stays.

use std::io::{IsTerminal, Write as _};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::context::Env;
use super::doctor::exit_code;
use super::{Failure, exit};
use crate::cli::{GlobalArgs, Output};
use crate::engine::discover::cluster_candidates;
use crate::engine::doctor::targets::{self, Target, TargetError};
use crate::engine::doctor::{Report, Verdict, examine};

/// Chains examined at once (each walk's reads are paced per action anyway).
const PARALLEL: usize = 4;
/// TiDB Cloud calls one chain's examination makes (cluster, zones, changefeeds, migrations),
/// plus the cluster's PLC list: for the expected time left.
const TIDB_CALLS_PER_CLUSTER: u32 = 5;

/// One finished chain.
struct Done {
    cluster_id: String,
    /// The cluster's last chain (or a cluster without any: `report` is `None`).
    last: bool,
    report: Option<Report>,
}

/// Walks the fleet and prints as it goes.
pub async fn run(g: &GlobalArgs, env: &Env) -> Result<u8, Failure> {
    let started = Instant::now();
    let tidb = env.tidb()?;
    let clusters: Vec<String> = cluster_candidates(&tidb)
        .await
        .map_err(|e| Failure::from(crate::engine::Error::from(e)))?
        .into_iter()
        .filter(|(c, _)| c.on_alibaba())
        .map(|(c, _)| c.id)
        .collect();
    let total = clusters.len();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Done, Failure>>(PARALLEL * 2);
    let producer = {
        let (mut env, tx) = (env.clone(), tx.clone());
        // Who the key is and which zones each product offers are the same for every chain
        // of a region: asked once for the whole fleet.
        env.shared_reads = Some(Default::default());
        tokio::spawn(async move { produce(env, clusters, tx).await })
    };
    drop(tx);
    let progress = std::io::stderr().is_terminal() && g.output == Output::Text;
    let mut reports: Vec<Report> = Vec::new();
    let mut first: Option<Duration> = None;
    let mut clusters_done = 0usize;
    let mut failure = None;
    while let Some(item) = rx.recv().await {
        let d = match item {
            Ok(d) => d,
            Err(f) => {
                failure.get_or_insert(f);
                continue;
            }
        };
        clusters_done += usize::from(d.last);
        if let Some(report) = d.report {
            first.get_or_insert(started.elapsed());
            print_chain(g, &d.cluster_id, &report);
            reports.push(report);
        }
        if progress {
            let left = total.saturating_sub(clusters_done) as u32;
            let eta = tidb.budget().eta(left * TIDB_CALLS_PER_CLUSTER);
            eprint!(
                "\r\x1b[K{} chain(s) · {clusters_done}/{total} cluster(s) · {}{}",
                reports.len(),
                clock(started.elapsed()),
                eta.map(|e| format!(" · about {} left", clock(e)))
                    .unwrap_or_default()
            );
        }
    }
    let _ = producer.await;
    if progress {
        eprint!("\r\x1b[K");
    }
    if let Some(f) = failure
        && reports.is_empty()
    {
        return Err(f);
    }
    let code = exit_code(&reports);
    let count = |want: &str| reports.iter().filter(|r| verdict(r) == want).count();
    match g.output {
        Output::Json => println!(
            "{}",
            serde_json::json!({"type": "summary", "chains": reports.len(), "clusters": total,
                "healthy": count("healthy"), "broken": count("broken"), "unknown": count("unknown"),
                "changing": count("changing"), "exit_code": code, "api_calls": env.stats.total(),
                "elapsed_ms": started.elapsed().as_millis() as u64,
                "first_chain_ms": first.map(|f| f.as_millis() as u64),
                "tilink": crate::build_info::json()})
        ),
        Output::Text => {
            println!(
                "\nSummary: {} chain(s) on {total} cluster(s): {} healthy, {} broken, {} could not be checked, {} changing ({})",
                reports.len(),
                count("healthy"),
                count("broken"),
                count("unknown"),
                count("changing"),
                clock(started.elapsed())
            );
        }
    }
    let _ = std::io::stdout().flush();
    Ok(if reports.is_empty() && total > 0 {
        exit::OK
    } else {
        code
    })
}

/// A chain's verdict in one word.
pub fn verdict(r: &Report) -> &'static str {
    match r.verdict() {
        Verdict::Healthy => "healthy",
        Verdict::Broken { .. } => "broken",
        Verdict::Incomplete { unknown: 0, .. } => "changing",
        // A refused key says nothing about the chain: it could not be checked (and the run
        // exits 3, the key being what to fix).
        Verdict::Incomplete { .. } | Verdict::CannotCheck { .. } => "unknown",
    }
}

fn print_chain(g: &GlobalArgs, cluster_id: &str, r: &Report) {
    match g.output {
        Output::Json => {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("type".into(), "chain".into());
                o.insert("cluster_id".into(), cluster_id.into());
                o.insert("verdict".into(), verdict(r).into());
                o.insert(
                    "exit_code".into(),
                    exit_code(std::slice::from_ref(r)).into(),
                );
            }
            println!("{v}");
        }
        Output::Text => print!("{}", crate::report::doctor_chain(r, g.no_color())),
    }
    let _ = std::io::stdout().flush();
}

fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// Lists each cluster's chains and examines them right away, a few at a time.
async fn produce(
    env: Env,
    clusters: Vec<String>,
    tx: tokio::sync::mpsc::Sender<Result<Done, Failure>>,
) {
    let env = Arc::new(env);
    let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for cluster_id in clusters {
        let targets = match cluster_targets(&env, &cluster_id).await {
            Ok(t) => t,
            Err(f) => {
                let _ = tx.send(Err(f)).await;
                continue;
            }
        };
        if targets.is_empty() {
            let _ = tx
                .send(Ok(Done {
                    cluster_id,
                    last: true,
                    report: None,
                }))
                .await;
            continue;
        }
        let n = targets.len();
        for (i, t) in targets.into_iter().enumerate() {
            let Ok(permit) = limit.clone().acquire_owned().await else {
                return;
            };
            let (env, tx, cluster_id) = (env.clone(), tx.clone(), cluster_id.clone());
            tasks.spawn(async move {
                let _permit = permit;
                let item = match env.clients(&t.region) {
                    Ok(c) => Ok(Done {
                        cluster_id,
                        last: i + 1 == n,
                        report: Some(examine(&c, &t.start).await.1),
                    }),
                    Err(e) => Err(Failure::from(e)),
                };
                let _ = tx.send(item).await;
            });
        }
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}

/// The chains of one cluster: each Alibaba Cloud PLC, or the tilink chain left without one.
async fn cluster_targets(env: &Env, cluster_id: &str) -> Result<Vec<Target>, Failure> {
    let found = targets::of_cluster(env, cluster_id, None)
        .await
        .map_err(|e| match e {
            TargetError::List(e) => Failure::from(crate::engine::Error::from(e)),
            TargetError::Session(e) => Failure::from(e),
        })?;
    if found.is_empty() {
        return Ok(targets::orphaned_chain(env, cluster_id)
            .await
            .into_iter()
            .collect());
    }
    Ok(found)
}
