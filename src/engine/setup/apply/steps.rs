//! The real step executors: each step looks up what exists (journal id or tag), creates
//! what is missing with a ClientToken stable for the setup and resource, journals the id
//! the moment it exists, then polls to a terminal state.
//!
//! The Alibaba Cloud steps are here, each one's adopt/create/journal/wait read whole; the
//! TiDB Cloud connection (create once, converge, wait for the endpoint) is in
//! `steps/connection.rs`, the accept and the wait for ACTIVE in `steps/accept.rs`, the cause
//! of a FAILED connection in `steps/plc_failed.rs`; the claim is decided in `claim.rs` and run
//! in `settle.rs` (its start and hand-off from the server-group step too).

use super::model::{Learned, Step};
use super::runner::{Executor, Reporter, StepFuture};
use super::settle::Gate;
use crate::cloud::ErrorKind;
use crate::cloud::aliyun::ops::{NewEndpointService, NewLoadBalancer, NewServerGroup};
use crate::engine::Error;
use crate::engine::discover::{Clients, TAG_CLAIMED};
use crate::engine::journal::ResourceIds;
use crate::engine::plan::Plan;
use crate::engine::poll::{
    Probe, Tuning, nlb_job, not_visible_yet, service_active, until_reporting,
};
use crate::wire::states::{
    ConnectionStatus, ListenerStatus, LoadBalancerStatus, ServerGroupStatus,
};
use std::sync::Arc;
use tokio::time::Instant;

mod accept;
mod connection;
mod plc_failed;

/// A chain with no load balancer yet: before its first billed create it is claimed against
/// concurrent setups from other machines, also when the journal already names a server group
/// (a rerun of a run that stood down, failed or was interrupted re-checks the claim).
fn fresh(ids: &ResourceIds) -> bool {
    ids.load_balancer_id.is_none()
}

/// Executes a [`Plan`] against real (or simulated) clouds.
#[derive(Debug, Clone)]
pub struct CloudExecutor {
    clients: Clients,
    plan: Arc<Plan>,
    tuning: Tuning,
    gate: Arc<Gate>,
}

impl CloudExecutor {
    /// An executor for `plan`.
    pub fn new(clients: Clients, plan: Plan, tuning: Tuning) -> Self {
        CloudExecutor {
            clients,
            plan: Arc::new(plan),
            tuning,
            gate: Arc::new(Gate::new()),
        }
    }
}

impl Executor for CloudExecutor {
    fn run(&self, step: Step, ids: ResourceIds, r: Reporter) -> StepFuture {
        let ctx = Ctx {
            c: self.clients.clone(),
            p: self.plan.clone(),
            t: self.tuning.clone(),
            gate: self.gate.clone(),
            ids,
            r,
        };
        Box::pin(async move {
            match step {
                Step::ServerGroup => ctx.server_group().await,
                Step::LoadBalancer => ctx.load_balancer().await,
                Step::Allowlist => ctx.allowlist().await,
                Step::Listener => ctx.listener().await,
                Step::EndpointService => ctx.endpoint_service().await,
                Step::Whitelist => ctx.whitelist().await,
                Step::Connection => ctx.connection().await,
                Step::Accept => ctx.accept().await,
                Step::Verify => ctx.verify().await,
            }
        })
    }
}

/// What a step executor works with (the claim's settle loop in [`super::settle`] too).
pub(super) struct Ctx {
    pub(super) c: Clients,
    pub(super) p: Arc<Plan>,
    pub(super) t: Tuning,
    pub(super) gate: Arc<Gate>,
    pub(super) ids: ResourceIds,
    pub(super) r: Reporter,
}

fn token(p: &Plan, resource: &str) -> String {
    format!("{}-{resource}", p.setup_id)
        .chars()
        .take(64)
        .collect()
}

/// The state of a connection that means "awaiting acceptance": with auto-accept off a new
/// request is `Disconnected` (Terraform's endpoint data-source test). `Pending` is "being
/// modified" (the official enum), never a request to accept.
fn awaiting(status: &ConnectionStatus) -> bool {
    *status == ConnectionStatus::Disconnected
}

/// How long a PLC in `PENDING_ACCEPTANCE` may go without reporting its endpoint id before
/// tilink stops waiting for it and lists the candidate requests (the timing is undocumented).
const ENDPOINT_ID_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

/// A short, stable discriminator for a replacement's ClientToken.
fn suffix(old_id: &str) -> String {
    old_id
        .rsplit('-')
        .next()
        .unwrap_or(old_id)
        .chars()
        .take(8)
        .collect()
}

/// An id an earlier step journaled (the dependencies guarantee it; a damaged journal may not).
fn need(id: &Option<String>, what: &str) -> Result<String, Error> {
    id.clone()
        .ok_or_else(|| Error::Failed(format!("no {what} in the journal")))
}

/// True for TiDB Cloud's own request: its endpoint id and its account, both.
fn is_tidbs(c: &crate::wire::aliyun::EndpointConnection, endpoint_id: &str, account: &str) -> bool {
    c.endpoint_id == endpoint_id && c.endpoint_owner_id.to_string() == account
}

/// Whether a Get call found its resource.
fn exists<T>(r: Result<T, crate::cloud::aliyun::AliyunError>) -> Result<bool, Error> {
    match r {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

impl Ctx {
    /// The journaled id if the resource still exists, and the ClientToken for creating it
    /// (a new one when the journaled resource is gone, so the create is not answered with
    /// the deleted resource).
    async fn journaled<F, Fut>(
        &self,
        what: &str,
        key: &str,
        id: Option<String>,
        still_there: F,
    ) -> Result<(Option<String>, String), Error>
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = Result<bool, Error>>,
    {
        let Some(old) = id else {
            return Ok((None, token(&self.p, key)));
        };
        if still_there(old.clone()).await? {
            return Ok((Some(old), token(&self.p, key)));
        }
        self.r.progress(
            "Recreating",
            Some(format!(
                "{what} {old} from the journal no longer exists; creating a new one"
            )),
        );
        Ok((None, token(&self.p, &format!("{key}-{}", suffix(&old)))))
    }

    pub(super) async fn wait_job(&self, job_id: &str, what: &str) -> Result<(), Error> {
        nlb_job(&self.c.aliyun, self.t.job(), job_id, what, false).await
    }

    /// Whether a server group exists. Lists can lag behind a fresh create, so absence is
    /// only believed after a few looks.
    async fn server_group_listed(&self, id: &str) -> Result<bool, Error> {
        let pause = self.t.server_group().first_look();
        for attempt in 0..4 {
            if attempt > 0 {
                tokio::time::sleep(pause).await;
            }
            let found = self
                .c
                .aliyun
                .list_server_groups(&[id.to_string()], &[])
                .await?;
            if !found.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn server_group(&self) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let p = &self.p;
        let (claim, claimed_at) = self.claim_begin(fresh(&self.ids)).await;
        let mut tags = p.tags.clone();
        if !claimed_at.is_empty() {
            tags.push((TAG_CLAIMED.to_string(), claimed_at.clone()));
        }
        let (id, tok) = self
            .journaled(
                "server group",
                "sg",
                self.ids.server_group_id.clone(),
                |old| async move { self.server_group_listed(&old).await },
            )
            .await?;
        let (id, created) = match id {
            Some(id) => (id, false),
            None => {
                let out = a
                    .create_server_group(&NewServerGroup {
                        name: &p.server_group_name,
                        vpc_id: &p.vpc_id,
                        tags: &tags,
                        client_token: &tok,
                        dry_run: false,
                    })
                    .await?;
                self.r
                    .learned(Learned::ServerGroup(out.server_group_id.clone()));
                (out.server_group_id, true)
            }
        };
        self.r.learned(Learned::ServerGroup(id.clone()));
        let r = &self.r;
        let poll = self.t.server_group().after_create(created);
        until_reporting(poll.clone(), "the server group", r.watch(&poll), || {
            let id = id.clone();
            async move {
                let g = a.list_server_groups(std::slice::from_ref(&id), &[]).await?;
                Ok::<_, crate::cloud::aliyun::AliyunError>(match g.first() {
                    Some(g) if g.server_group_status == ServerGroupStatus::Available => {
                        Probe::Ready(())
                    }
                    Some(g) => Probe::Waiting(g.server_group_status.to_string()),
                    None => Probe::Waiting("Creating".into()),
                })
            }
        })
        .await?;
        if let Some(tx) = claim {
            self.claim_hand_off(tx, &id, created, &claimed_at).await?;
        }
        // A group this run created is empty, or holds the backend a replay of the same
        // ClientToken added: the add below carries a stable token too, so only an adopted
        // group needs a look first.
        let present = !created
            && a.list_server_group_servers(&id)
                .await?
                .iter()
                .any(|s| s.server_ip == p.backend_ip && s.port == p.backend_port);
        if !present {
            self.r.progress(
                "Adding backend",
                Some(format!("backend {}:{}", p.backend_ip, p.backend_port)),
            );
            let out = a
                .add_ip_servers(
                    &id,
                    &[(p.backend_ip.clone(), p.backend_port)],
                    // Stable per setup *and group*: a group recreated after a deletion
                    // behind tilink's back gets its own token, never one the cloud bound
                    // to the old group's parameters (IdempotenceSignatureMismatch forever).
                    Some(&token(p, &format!("sg-backend-{}", suffix(&id)))),
                )
                .await?;
            self.wait_job(&out.job_id, "adding the backend").await?;
        }
        self.r.progress("Available", None);
        Ok(())
    }

    async fn load_balancer(&self) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let p = &self.p;
        if fresh(&self.ids) {
            self.gate.wait().await?;
        }
        let (id, tok) = self
            .journaled(
                "load balancer",
                "lb",
                self.ids.load_balancer_id.clone(),
                |old| async move { exists(a.get_load_balancer_attribute(&old).await) },
            )
            .await?;
        let (id, created) = match id {
            Some(id) => (id, false),
            None => {
                let zones: Vec<(String, String)> = p
                    .zones
                    .iter()
                    .map(|z| (z.zone.clone(), z.vswitch_id.clone()))
                    .collect();
                let out = a
                    .create_load_balancer(&NewLoadBalancer {
                        name: &p.load_balancer_name,
                        vpc_id: &p.vpc_id,
                        zones: &zones,
                        tags: &p.tags,
                        client_token: &tok,
                        dry_run: false,
                    })
                    .await?;
                (out.loadbalancer_id, true)
            }
        };
        self.r.learned(Learned::LoadBalancer(id.clone()));
        let r = &self.r;
        let poll = self.t.load_balancer().after_create(created);
        let since = Instant::now();
        until_reporting(poll.clone(), "the load balancer", r.watch(&poll), || {
            let id = id.clone();
            async move {
                match a.get_load_balancer_attribute(&id).await {
                    Ok(lb) => Ok(load_balancer_probe(
                        &id,
                        lb.load_balancer.load_balancer_status,
                    )),
                    Err(e) if not_visible_yet(&e, created, since) => {
                        Ok(Probe::Waiting("not visible yet".into()))
                    }
                    Err(e) => Err(e),
                }
            }
        })
        .await??;
        // The load balancer now speaks for this run's claim (rivals yield to it).
        self.gate.stop_heartbeat();
        self.r.progress("Active", None);
        Ok(())
    }

    async fn allowlist(&self) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let p = &self.p;
        if fresh(&self.ids) {
            self.gate.wait().await?;
        }
        if p.keeps(Step::Allowlist) {
            // Already as planned: no write (and no task on the instance to wait out).
            self.r
                .learned(Learned::Allowlist(p.allowlist_group.clone()));
            self.r.progress("kept (already as planned)", None);
            return Ok(());
        }
        // Cover replaces tilink's own group only; writing the same CIDRs again is a no-op.
        a.modify_security_ips(&p.rds_id, &p.allowlist_group, &p.allowlist_cidrs, "Cover")
            .await?;
        self.r
            .learned(Learned::Allowlist(p.allowlist_group.clone()));
        // The write is a task on the instance: wait for it to be Running again, as
        // Terraform does, so the next write (a doctor fix, a rerun) is not refused.
        crate::engine::poll::rds_running(a, self.t.quick().now(), &p.rds_id).await?;
        self.r.progress(
            "Written",
            Some(format!(
                "{} = {}",
                p.allowlist_group,
                p.allowlist_cidrs.join(",")
            )),
        );
        Ok(())
    }

    async fn listener(&self) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let p = &self.p;
        let lb = need(&self.ids.load_balancer_id, "load balancer id")?;
        let sg = need(&self.ids.server_group_id, "server group id")?;
        let (id, tok) = self
            .journaled(
                "listener",
                "lsn",
                self.ids.listener_id.clone(),
                |old| async move { exists(a.get_listener_attribute(&old).await) },
            )
            .await?;
        let (id, created) = match id {
            Some(id) => (id, false),
            None => {
                let out = a
                    .create_listener(
                        &lb,
                        p.backend_port,
                        &sg,
                        &listener_description(&p.setup_id),
                        &p.tags,
                        &tok,
                        false,
                    )
                    .await?;
                (out.listener_id, true)
            }
        };
        self.r.learned(Learned::Listener(id.clone()));
        let r = &self.r;
        let poll = self.t.listener().after_create(created);
        let since = Instant::now();
        until_reporting(poll.clone(), "the listener", r.watch(&poll), || {
            let id = id.clone();
            async move {
                let l = match a.get_listener_attribute(&id).await {
                    Ok(l) => l,
                    Err(e) if not_visible_yet(&e, created, since) => {
                        return Ok(Probe::Waiting("not visible yet".into()));
                    }
                    Err(e) => return Err(Error::from(e)),
                };
                use ListenerStatus as L;
                match l.listener_status {
                    L::Running => Ok(Probe::Ready(())),
                    L::Stopped | L::Stopping | L::Deleting | L::Deleted => {
                        Err(Error::Failed(format!(
                            "listener {id} is {}: start it (StartListener) or delete it, then rerun",
                            l.listener_status
                        )))
                    }
                    other => Ok(Probe::Waiting(other.to_string())),
                }
            }
        })
        .await?;
        self.r.progress("Running", None);
        Ok(())
    }

    async fn endpoint_service(&self) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let p = &self.p;
        let lb = need(&self.ids.load_balancer_id, "load balancer id")?;
        if p.open_privatelink && !a.check_product_open().await? {
            self.r.progress(
                "Activating PrivateLink",
                Some("OpenPrivateLinkService".into()),
            );
            if let Err(e) = a.open_privatelink_service().await
                && e.code() != Some("OrderOpend")
            {
                return Err(e.into());
            }
        }
        let (id, tok) = self
            .journaled(
                "endpoint service",
                "epsrv",
                self.ids.endpoint_service_id.clone(),
                |old| async move { exists(a.get_endpoint_service(&old).await) },
            )
            .await?;
        let found = id.zip(self.ids.endpoint_service_name.clone());
        let zones: Vec<String> = p.zones.iter().map(|z| z.zone.clone()).collect();
        let adopted = found.is_some();
        let (id, name) = match found {
            Some(f) => f,
            None => {
                let out = a
                    .create_endpoint_service(&NewEndpointService {
                        load_balancer_id: &lb,
                        zones: &zones,
                        description: &p.service_description,
                        tags: &p.tags,
                        client_token: &tok,
                        dry_run: false,
                    })
                    .await?;
                (out.service_id, out.service_name)
            }
        };
        self.r.learned(Learned::EndpointService(id.clone(), name));
        let poll = self.t.endpoint_service();
        let poll = if adopted { poll.now() } else { poll };
        service_active(
            &self.c.aliyun,
            poll.clone(),
            &id,
            !adopted,
            self.r.watch(&poll),
        )
        .await?;
        // Adopted services may miss zones: attach the NLB in each chosen zone, serially.
        // A service created here has one resource per zone already.
        let attached = if !adopted {
            Vec::new()
        } else {
            a.list_service_resources(&id).await?
        };
        for z in &zones {
            if adopted
                && !attached
                    .iter()
                    .any(|r| &r.zone_id == z && r.resource_id == lb)
            {
                self.r
                    .progress("Attaching zone", Some(format!("attach {lb} in {z}")));
                a.attach_resource(&id, &lb, z).await?;
                // The service is `Pending` while an attach settles; Terraform waits for it
                // to be Active again before the next change.
                service_active(&self.c.aliyun, self.t.quick().now(), &id, false, |_| {}).await?;
            }
        }
        self.r.progress("Active", None);
        Ok(())
    }

    async fn whitelist(&self) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let id = need(&self.ids.endpoint_service_id, "endpoint service id")?;
        if self.p.keeps(Step::Whitelist) {
            self.r.progress("kept (already as planned)", None);
            return Ok(());
        }
        // Adding an account already on the whitelist is not an error the API documents
        // (AddUserToVpcEndpointService lists none), so add directly; should a region refuse
        // anyway, the whitelist itself says whether what was asked holds.
        if let Err(e) = a.add_user(&id, &self.p.tidb_account_id).await {
            let listed = e.kind() == ErrorKind::Permanent
                && a.list_users(&id).await?.contains(&self.p.tidb_account_id);
            if !listed {
                return Err(e.into());
            }
        }
        self.r.progress(
            "Whitelisted",
            Some(format!("account {}", self.p.tidb_account_id)),
        );
        Ok(())
    }
}

/// The listener's description: 2–256 of letters, digits and `, . ; / @ _ -`, no spaces
/// (NLB CreateListener `ListenerDescription`, `IllegalParam.ListenerDescription` otherwise).
pub fn listener_description(setup_id: &str) -> String {
    let mut d: String = format!("tilink_{setup_id}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ",.;/@_-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    d.truncate(256);
    d
}

/// One look at a load balancer being waited for. `Inactive` (documented: "the NLB instance is
/// disabled; its listeners do not forward traffic") never turns Active by itself, so it ends
/// the wait with a fix, like `CreateFailed` and a deletion.
pub fn load_balancer_probe(id: &str, status: LoadBalancerStatus) -> Probe<Result<(), Error>> {
    use LoadBalancerStatus as S;
    match status {
        S::Active => Probe::Ready(Ok(())),
        S::CreateFailed => Probe::Ready(Err(Error::Failed(format!(
            "load balancer {id} is CreateFailed; delete it (tilink teardown) and rerun"
        )))),
        S::Inactive => Probe::Ready(Err(Error::Failed(format!(
            "load balancer {id} is Inactive: it is disabled and forwards no traffic (an overdue \
             payment or a manual stop); re-enable it in the NLB console, then rerun"
        )))),
        S::Deleting | S::Deleted => Probe::Ready(Err(Error::Failed(format!(
            "load balancer {id} is being deleted; rerun to create a new one"
        )))),
        other => Probe::Waiting(other.to_string()),
    }
}

#[cfg(test)]
mod probe_tests {
    use super::*;

    #[test]
    fn an_inactive_load_balancer_ends_the_wait() {
        assert!(matches!(
            load_balancer_probe("nlb-1", "Provisioning".into()),
            Probe::Waiting(_)
        ));
        assert!(matches!(
            load_balancer_probe("nlb-1", "Active".into()),
            Probe::Ready(Ok(()))
        ));
        match load_balancer_probe("nlb-1", "Inactive".into()) {
            Probe::Ready(Err(e)) => {
                let e = e.to_string();
                assert!(e.contains("Inactive") && e.contains("rerun"), "{e}")
            }
            _ => panic!("Inactive must end the wait"),
        }
    }

    #[test]
    fn the_listener_description_obeys_the_nlb_rule() {
        let d = listener_description("tl-1a6473ba90b6");
        assert_eq!(d, "tilink_tl-1a6473ba90b6");
        assert!(d.len() >= 2 && !d.contains(' '));
        assert_eq!(listener_description("a b"), "tilink_a_b");
    }
}
