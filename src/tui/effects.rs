//! Runs the wizard's effects as tokio tasks against the engine; each task sends its typed
//! result back as a [`Msg`] tagged with the request id. Nothing here touches the model.

use super::app::{ClusterDetail, Effect, Identity, Msg, PrepView, UiError};
use crate::engine::apply::{ApplyModel, Stopped};
use crate::engine::discover::{cluster_candidates, discover_cluster, rds_candidates};
use crate::engine::journal::Journal;
use crate::engine::plan::Plan;
use crate::engine::prepare::{PrepareInput, prepare};
use crate::engine::session::Session as Env;
use crate::engine::setup::{Setup, WhenBusy};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

/// At most this often an apply snapshot goes to the UI (~20/s); the final one always does.
const APPLY_SNAPSHOT_EVERY: Duration = Duration::from_millis(50);

/// Region for region-less calls (STS is global) when none is known yet.
const DEFAULT_REGION: &str = "ap-southeast-1";

/// Spawns effect tasks and keeps what is needed to abort or cancel them.
pub struct Worker {
    env: Arc<Env>,
    tx: UnboundedSender<Msg>,
    tasks: HashMap<u64, AbortHandle>,
    /// Stops the running apply (its steps stop, the journal says interrupted).
    cancel: Option<Arc<tokio::sync::Notify>>,
}

fn credentials_fix(source: &str) -> String {
    format!(
        "The key came from {source}. Fix it there (or export ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET, TIDBCLOUD_PUBLIC_KEY / TIDBCLOUD_PRIVATE_KEY), restart tilink, or press r to check again."
    )
}

impl Worker {
    /// A worker sending results on `tx`.
    pub fn new(env: Env, tx: UnboundedSender<Msg>) -> Self {
        Worker {
            env: Arc::new(env),
            tx,
            tasks: HashMap::new(),
            cancel: None,
        }
    }

    fn spawn<F>(&mut self, req: u64, fut: F)
    where
        F: std::future::Future<Output = Msg> + Send + 'static,
    {
        self.tasks.retain(|_, h| !h.is_finished());
        let tx = self.tx.clone();
        let h = tokio::spawn(async move {
            let _ = tx.send(fut.await);
        });
        self.tasks.insert(req, h.abort_handle());
    }

    /// Starts one effect. Never blocks.
    pub fn run(&mut self, fx: Effect) {
        let env = self.env.clone();
        match fx {
            Effect::CheckIdentity { req } => self.spawn(req, async move {
                let region = env.region.clone().unwrap_or_else(|| DEFAULT_REGION.into());
                let result = match env.clients(&region) {
                    Err(f) => Err(UiError::from(f.to_string())),
                    Ok(c) => c
                        .aliyun
                        .get_caller_identity()
                        .await
                        .map(|i| Identity {
                            account_id: i.account_id,
                            arn: i.arn,
                        })
                        .map_err(|e| UiError::new(e.to_string(), credentials_fix(&env.alibaba_source))),
                };
                Msg::Identity { req, result }
            }),
            Effect::ListClusters { req } => self.spawn(req, async move {
                let result = match env.tidb() {
                    Err(f) => Err(UiError::from(f.to_string())),
                    Ok(t) => cluster_candidates(&t)
                        .await
                        .map_err(|e| UiError::new(e.to_string(), credentials_fix(&env.tidb_source))),
                };
                Msg::Clusters { req, result }
            }),
            Effect::DescribeCluster { req, id } => self.spawn(req, async move {
                let result = match env.tidb() {
                    Err(f) => Err(UiError::from(f.to_string())),
                    Ok(t) => discover_cluster(&t, &id)
                        .await
                        .map(|(info, zones)| ClusterDetail { info, zones })
                        .map_err(|e| UiError::new(e.to_string(), "Press r to ask again.")),
                };
                Msg::ClusterDetail { req, id, result }
            }),
            Effect::ListSources {
                req,
                region,
                tidb_zones,
            } => self.spawn(req, async move {
                let result = match env.clients(&region) {
                    Err(f) => Err(UiError::from(f.to_string())),
                    Ok(c) => rds_candidates(&c.aliyun, &tidb_zones).await.map_err(|e| {
                        let fix = if e.is_forbidden() {
                            "The RAM user needs rds:DescribeDBInstances; `tilink policy` prints the policy to attach. Then press r.".to_string()
                        } else {
                            "Press r to ask again.".to_string()
                        };
                        UiError::new(e.to_string(), fix)
                    }),
                };
                Msg::Sources { req, result }
            }),
            Effect::Prepare {
                req,
                cluster_id,
                rds_id,
                zones,
                name,
                resume,
                region,
                setup_id,
            } => self.spawn(req, async move {
                let result = async {
                    let tidb = env.tidb().map_err(|f| UiError::from(f.to_string()))?;
                    let make = |r: &str| env.clients(r);
                    let input = PrepareInput {
                        cluster_id: &cluster_id,
                        rds_id: &rds_id,
                        zones: &zones,
                        name: name.as_deref(),
                        resume: resume.as_deref(),
                        region: region.as_deref(),
                        setup_id: setup_id.as_deref(),
                    };
                    let p = prepare(&tidb, &make, &env.store, &input).await.map_err(|e| {
                        let f = crate::engine::Error::from(e);
                        UiError::new(f.to_string(), "Fix the cause above and press r to check again, or Esc to pick another instance.")
                    })?;
                    Ok(Box::new(PrepView {
                        discovery: p.discovery,
                        zones: p.zones,
                        checks: p.checks,
                        plan: p.plan,
                        journal: p.journal,
                    }))
                }
                .await;
                Msg::Prepared { req, result }
            }),
            Effect::StartApply { req, plan, journal } => {
                let stop = Arc::new(tokio::sync::Notify::new());
                self.cancel = Some(stop.clone());
                let tx = self.tx.clone();
                // Not registered for abort: a stop goes through `stop` so the journal is saved.
                tokio::spawn(async move {
                    let model = start_apply(&env, req, *plan, *journal, stop, &tx).await;
                    let _ = tx.send(Msg::ApplyFinished { req, model: Box::new(model) });
                });
            }
            Effect::Doctor { req, cluster_id, region } => self.spawn(req, async move {
                let result = walk_links(&env, &cluster_id, &region).await;
                Msg::Doctor { req, result, fixed: None }
            }),
            Effect::DoctorFix { req, cluster_id, region, fix } => self.spawn(req, async move {
                // The same fix `tilink doctor --fix` applies, then the same walk again.
                let fixed = match env.clients(&region) {
                    Ok(clients) => match fix.apply(&clients, env.tuning.clone()).await {
                        Ok(()) => Ok(fix.describe()),
                        Err(e) => Err(e.to_string()),
                    },
                    Err(f) => Err(f.to_string()),
                };
                let result = walk_links(&env, &cluster_id, &region).await;
                Msg::Doctor { req, result, fixed: Some(fixed) }
            }),
            Effect::Probe {
                req,
                region,
                load_balancer_id,
                listener_id,
                cluster_id,
            } => self.spawn(req, async move {
                let result = probe_chain(&env, &region, &load_balancer_id, &listener_id, &cluster_id).await;
                Msg::Probed { req, result }
            }),
            Effect::CancelApply => {
                if let Some(c) = &self.cancel {
                    c.notify_one();
                }
            }
            Effect::Abort { req } => {
                if let Some(h) = self.tasks.remove(&req) {
                    h.abort();
                }
            }
        }
    }

    /// Aborts every lookup still running (the wizard is closing).
    pub fn abort_all(&mut self) {
        for (_, h) in self.tasks.drain() {
            h.abort();
        }
    }
}

/// The wizard's apply: the setup use case with its lock taken at once (the plan was made
/// before this moment, so it does not wait for another run, whose work would make it stale:
/// it stops and says so), snapshots sent to the UI at most every [`APPLY_SNAPSHOT_EVERY`].
async fn start_apply(
    env: &Env,
    req: u64,
    plan: Plan,
    journal: Journal,
    stop: Arc<tokio::sync::Notify>,
    tx: &UnboundedSender<Msg>,
) -> ApplyModel {
    let failed = |why: String| {
        let mut m = ApplyModel::new(journal.clone());
        m.outcome = Some(Err(Stopped::Failed(why)));
        m
    };
    let setup = match Setup::begin(env, &plan.cluster_id, WhenBusy::Fail, |_, _| {}).await {
        Ok(s) => s.noted(&plan.setup_id),
        Err(e) => {
            return failed(format!(
                "{e}. Nothing was created: wait for it to finish, then press r (the checks run again and adopt what it made)."
            ));
        }
    };
    let clients = match env.clients(&plan.region) {
        Ok(c) => c,
        Err(f) => return failed(f.to_string()),
    };
    let mut last: Option<Instant> = None;
    let cancel = async move { stop.notified().await };
    setup
        .apply(env, clients, plan, journal.clone(), cancel, |m| {
            if last.is_some_and(|t| t.elapsed() < APPLY_SNAPSHOT_EVERY) {
                return;
            }
            last = Some(Instant::now());
            let _ = tx.send(Msg::Apply {
                req,
                model: Box::new(m.clone()),
            });
        })
        .await
}

/// The data-path check of a chain: its NLB's DNS name and listener port from the cloud,
/// then a MySQL login through them.
async fn probe_chain(
    env: &Env,
    region: &str,
    lb: &str,
    listener: &str,
    cluster: &str,
) -> Result<crate::engine::check::Check, UiError> {
    let Some(setup) = env.probe.clone() else {
        return Err(UiError::from("no MySQL account to probe with".to_string()));
    };
    let clients = env
        .clients(region)
        .map_err(|f| UiError::from(f.to_string()))?;
    crate::engine::probe::chain_check(&clients, &setup, lb, listener, cluster)
        .await
        .map_err(|e| {
            UiError::new(
                format!("could not look: {e}"),
                "The chain is ACTIVE; probe later with tilink doctor --probe.",
            )
        })
}

/// Doctor on every Alibaba Cloud private link connection of a cluster.
async fn walk_links(
    env: &Env,
    cluster_id: &str,
    region: &str,
) -> Result<Vec<crate::engine::doctor::Report>, UiError> {
    use crate::engine::doctor::targets::{self, TargetError};
    let found = targets::of_cluster(env, cluster_id, Some(region))
        .await
        .map_err(|e| match e {
            TargetError::List(e) => {
                UiError::new(format!("could not look: {e}"), "Press r to ask again.")
            }
            TargetError::Session(e) => UiError::from(e.to_string()),
        })?;
    let mut reports = Vec::new();
    for t in found {
        let clients = env
            .clients(&t.region)
            .map_err(|f| UiError::from(f.to_string()))?;
        let (facts, mut report) = crate::engine::doctor::examine(&clients, &t.start).await;
        if let Some(p) = &env.probe {
            crate::engine::doctor::add_probe(&facts, &mut report, p, Some(cluster_id)).await;
        }
        reports.push(report);
    }
    Ok(reports)
}
