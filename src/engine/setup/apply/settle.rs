//! Running the claim of [`super::claim`] against the cloud: the gate that holds the billed
//! steps until the claim is settled, the claim's heartbeat, and the settle loop.

use super::claim::{HEARTBEAT, Verdict, decide, is_live, rival, yielded_message};
use super::model::Learned;
use super::steps::Ctx;
use crate::cloud::aliyun::{AliyunClient, AliyunError};
use crate::engine::Error;
use crate::engine::discover::{TAG_ALIVE, TAG_CLAIMED, TAG_CLUSTER};
use std::sync::Mutex;
use std::time::SystemTime;
use tokio::sync::watch;

/// How long the claim waits for the tag-filtered list to show this run's own server group
/// before deciding on what it lists.
const LIST_CATCH_UP: std::time::Duration = std::time::Duration::from_secs(60);

/// The claim's outcome, from the server-group step to the steps that must not create
/// anything before it (load balancer, allowlist). `None` until decided.
type ClaimState = Option<Result<(), Error>>;

/// Hands the claim from the server-group step to the others (see [`super::claim`]).
#[derive(Debug)]
pub(super) struct Gate {
    tx: Mutex<Option<watch::Sender<ClaimState>>>,
    rx: watch::Receiver<ClaimState>,
    /// The heartbeat of this run's claim, while it runs.
    heartbeat: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.stop_heartbeat();
    }
}

impl Gate {
    pub(super) fn new() -> Self {
        let (tx, rx) = watch::channel(None);
        Gate {
            tx: Mutex::new(Some(tx)),
            rx,
            heartbeat: Mutex::new(None),
        }
    }

    /// The sender, once (the server-group step of a fresh chain takes it).
    pub(super) fn take(&self) -> Option<watch::Sender<ClaimState>> {
        self.tx.lock().ok().and_then(|mut t| t.take())
    }

    /// Waits for the claim; a server-group step that ended without deciding stops the wait.
    pub(super) async fn wait(&self) -> Result<(), Error> {
        let mut rx = self.rx.clone();
        loop {
            if let Some(r) = rx.borrow_and_update().clone() {
                return r;
            }
            if rx.changed().await.is_err() {
                // The server-group step failed for its own reason (a timeout, a refusal):
                // let its failure reach the runner first, so the DBA reads the cause, not
                // this consequence.
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                return Err(Error::Failed(
                    "stopped: the server group step ended before the chain was claimed".into(),
                ));
            }
        }
    }

    /// Refreshes [`TAG_ALIVE`] on `group` every [`HEARTBEAT`] until stopped (the load
    /// balancer exists, the run yields or ends): a live run's claim never lapses, a killed
    /// run's lapses [`super::claim::WINDOW`] after its last beat. A failed beat is retried
    /// at the next one; four in a row would let the claim lapse, as for a dead run.
    pub(super) fn start_heartbeat(&self, a: AliyunClient, group: String) {
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                let Some(now) = a.cloud_now() else { continue };
                let stamp = humantime::format_rfc3339_seconds(now).to_string();
                if let Err(e) = a
                    .nlb_tag_resources(
                        "servergroup",
                        std::slice::from_ref(&group),
                        &[(TAG_ALIVE.to_string(), stamp)],
                    )
                    .await
                {
                    tracing::debug!("claim heartbeat on {group}: {e}");
                }
            }
        });
        if let Ok(mut h) = self.heartbeat.lock()
            && let Some(old) = h.replace(task.abort_handle())
        {
            old.abort();
        }
    }

    /// Stops the heartbeat (no-op when none runs).
    pub(super) fn stop_heartbeat(&self) {
        if let Ok(mut h) = self.heartbeat.lock()
            && let Some(t) = h.take()
        {
            t.abort();
        }
    }
}

/// A refusal that passes (throttled, a 5xx): the claim looks again rather than failing.
fn passing(e: &AliyunError) -> bool {
    e.kind().is_transient()
}

/// Now by the cloud's clock; this machine's clock only when no cloud answer carried a
/// `Date` (none seen: the claim then reads a list first, see [`claim_time`]).
fn cloud_now(a: &AliyunClient) -> SystemTime {
    a.cloud_now().unwrap_or_else(SystemTime::now)
}

/// The time a claim made now carries, by the cloud's clock (RFC 3339). When no answer has
/// told the cloud's time yet, one read of the cluster's tagged server groups (which the
/// claim reads anyway) does.
async fn claim_time(a: &AliyunClient, cluster_id: &str) -> String {
    if a.cloud_now().is_none() {
        let by_cluster = [(TAG_CLUSTER.to_string(), cluster_id.to_string())];
        let _ = a.list_server_groups(&[], &by_cluster).await;
    }
    humantime::format_rfc3339_seconds(cloud_now(a)).to_string()
}

impl Ctx {
    /// The claim's start, in the server-group step of a `fresh` chain (no load balancer
    /// yet): the sender that hands the verdict to the waiting steps (dropped unsent if the
    /// step fails: they then stop) and the claim's time. Otherwise no sender, and the plan's
    /// claim time.
    pub(super) async fn claim_begin(
        &self,
        fresh: bool,
    ) -> (Option<watch::Sender<ClaimState>>, String) {
        let claim = if fresh { self.gate.take() } else { None };
        // The claim's time is now by the cloud's clock, when this run claims, never the
        // journal's creation time nor this machine's clock:
        // a reused FAILED or INTERRUPTED journal (or a wizard left on the Plan) would
        // otherwise look like an abandoned leftover to a concurrent run, and it to it.
        let claimed_at = if claim.is_some() {
            claim_time(&self.c.aliyun, &self.p.cluster_id).await
        } else {
            self.p.claimed_at.clone()
        };
        (claim, claimed_at)
    }

    /// The claim's hand-off, once server group `id` is Available: its heartbeat starts, an
    /// adopted group's claim is renewed, the claim is settled and the verdict sent on `tx`
    /// to the steps that wait for it.
    pub(super) async fn claim_hand_off(
        &self,
        tx: watch::Sender<ClaimState>,
        id: &str,
        created: bool,
        claimed_at: &str,
    ) -> Result<(), Error> {
        let a = &self.c.aliyun;
        self.gate.start_heartbeat(a.clone(), id.to_string());
        if !created {
            // An adopted group carries its old claim: renew it before comparing.
            a.nlb_tag_resources(
                "servergroup",
                &[id.to_string()],
                &[(TAG_CLAIMED.to_string(), claimed_at.to_string())],
            )
            .await?;
        }
        if let Err(message) = self.claim(id, claimed_at).await {
            let _ = tx.send(Some(Err(message.clone())));
            return Err(message);
        }
        let _ = tx.send(Some(Ok(())));
        Ok(())
    }

    /// Settles concurrent setups of the same chain from other machines ([`super::claim`]):
    /// proceeds, or deletes `own_group` and returns why this run yields.
    pub(super) async fn claim(&self, own_group: &str, claimed_at: &str) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let p = &self.p;
        let by_cluster = [(TAG_CLUSTER.to_string(), p.cluster_id.clone())];
        // Lists are eventually consistent: decide only on a list that already shows this
        // run's own group (then a rival that created its group earlier shows too; one that
        // created later sees this run's). Bounded: past it, decide on what is listed.
        let settle_until = tokio::time::Instant::now() + LIST_CATCH_UP;
        let pause = self.t.quick().first_look().clamp(
            std::time::Duration::from_millis(100),
            std::time::Duration::from_secs(2),
        );
        let (groups, balancers) = loop {
            let (groups, balancers) = tokio::join!(
                a.list_server_groups(&[], &by_cluster),
                a.list_load_balancers(&[], &by_cluster)
            );
            let seen = groups
                .as_ref()
                .is_ok_and(|g| g.iter().any(|x| x.server_group_id == own_group));
            // A look refused for a passing reason (throttled, busy, a 5xx) after the client's
            // own retries is looked at again, not a reason to fail the setup: the claim
            // has until `settle_until` (issue 28's flow control, met with two runs at once).
            let refused = groups.as_ref().err().map(|e| !passing(e)).unwrap_or(false)
                || balancers
                    .as_ref()
                    .err()
                    .map(|e| !passing(e))
                    .unwrap_or(false);
            let both = groups.is_ok() && balancers.is_ok();
            if (seen && both) || refused || tokio::time::Instant::now() >= settle_until {
                break (groups, balancers);
            }
            tokio::time::sleep(pause).await;
        };
        let (me, cluster, rds) = (&p.setup_id, &p.cluster_id, &p.rds_id);
        let rivals = |groups: Result<Vec<crate::wire::aliyun::ServerGroup>, _>,
                      balancers: Result<Vec<crate::wire::aliyun::LoadBalancer>, _>|
         -> Result<_, Error> {
            let groups: Vec<_> = groups
                .map_err(|e: crate::cloud::aliyun::AliyunError| Error::from(e))?
                .iter()
                .filter_map(|g| rival(&g.tags, &g.server_group_id, me, cluster, rds))
                .collect();
            let balancers: Vec<_> = balancers
                .map_err(|e: crate::cloud::aliyun::AliyunError| Error::from(e))?
                .iter()
                .filter_map(|l| rival(&l.tags, &l.common.load_balancer_id, me, cluster, rds))
                .collect();
            Ok((groups, balancers))
        };
        let (groups, balancers) = rivals(groups, balancers)?;
        let (winner, why) = match decide(me, claimed_at, cloud_now(a), &groups, &balancers) {
            Verdict::Proceed => return Ok(()),
            Verdict::Yield { winner, why } => (winner, why),
            Verdict::Await(later) => {
                self.r.progress(
                    "Settling",
                    Some(format!(
                        "setups {} began just after this one on another machine; waiting for them to stand down, build, or (if dead) let their claim lapse within {} min",
                        later.join(", "),
                        super::claim::WINDOW.as_secs() / 60
                    )),
                );
                let started = tokio::time::Instant::now();
                let pause = self
                    .t
                    .quick()
                    .first_look()
                    .max(std::time::Duration::from_millis(200));
                loop {
                    tokio::time::sleep(pause.min(std::time::Duration::from_secs(5))).await;
                    let (g, b) = tokio::join!(
                        a.list_server_groups(&[], &by_cluster),
                        a.list_load_balancers(&[], &by_cluster)
                    );
                    // A passing refusal (throttled, a 5xx): look again, within SETTLE.
                    if (g.as_ref().err().is_some_and(passing)
                        || b.as_ref().err().is_some_and(passing))
                        && started.elapsed() < super::claim::SETTLE
                    {
                        continue;
                    }
                    let (g, b) = rivals(g, b)?;
                    if let Some(lb) = b.iter().find(|l| later.contains(&l.setup_id)) {
                        break (
                            lb.setup_id.clone(),
                            format!(
                                "setup {} did not see this one in time and built load balancer {}",
                                lb.setup_id, lb.resource
                            ),
                        );
                    }
                    let now = cloud_now(a);
                    // Gone, or dead (no sign of life within the window): settled.
                    let pending = g
                        .iter()
                        .any(|x| later.contains(&x.setup_id) && is_live(x, now));
                    if !b.is_empty() || !pending {
                        match decide(me, claimed_at, now, &g, &b) {
                            Verdict::Yield { winner, why } => break (winner, why),
                            _ => return Ok(()),
                        }
                    }
                    if started.elapsed() >= super::claim::SETTLE {
                        break (
                            later[0].clone(),
                            format!(
                                "setup {} neither stood down nor went on within {} s, so this run steps back to be safe",
                                later[0],
                                super::claim::SETTLE.as_secs()
                            ),
                        );
                    }
                }
            }
        };
        self.gate.stop_heartbeat();
        self.r.progress(
            "Yielding",
            Some(format!("another setup builds this chain: {why}")),
        );
        match a.delete_server_group(own_group).await {
            Ok(out) => {
                self.wait_job(&out.job_id, "deleting the server group")
                    .await?
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        self.r.learned(Learned::Yielded(winner.clone()));
        Err(Error::Failed(yielded_message(
            cluster, rds, &winner, &why, own_group,
        )))
    }
}
