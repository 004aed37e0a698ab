//! Teardown: delete what a setup created, in reverse order (PLC → connection → whitelist →
//! endpoint service → listener → NLB → server group → allowlist group), only resources that
//! carry tilink's tag, journaling each deletion so a rerun after a crash just continues.

use super::Error;
use super::discover::{Clients, TAG_CLUSTER, TAG_RDS, TAG_SETUP, has_tag, tag_value};
use super::journal::{IdKind, Journal, JournalStore, SetupState};
use super::poll::{Probe, Tuning, nlb_job, until};
use crate::cloud::aliyun::AliyunError;
use crate::wire::aliyun::{EndpointConnection, TagKv};
use crate::wire::states::{ConnectionStatus, ServiceStatus};
use serde::Serialize;

mod dependents;
mod service;

pub use dependents::{Dependents, dependents};
use service::{delete_service_once, wait_service_gone};

/// One thing to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Kind (`private-link-connection`, `endpoint-service`, …).
    pub kind: &'static str,
    /// Id or name.
    pub id: String,
}

/// What a teardown will delete, in order.
pub fn targets(j: &Journal) -> Vec<Target> {
    TEARDOWN_ORDER
        .iter()
        .filter_map(|&(kind, id)| {
            j.resources.get(id).map(|id| Target {
                kind,
                id: id.to_string(),
            })
        })
        .collect()
}

/// Every step teardown takes, in its order, with the recorded id each acts on. The
/// service's whitelist entries go before the service itself (shown, so the list is every
/// step teardown takes); their id is the service's.
const TEARDOWN_ORDER: [(&str, IdKind); 7] = [
    ("private-link-connection", IdKind::PrivateLinkConnection),
    ("whitelist-entries", IdKind::EndpointService),
    ("endpoint-service", IdKind::EndpointService),
    ("listener", IdKind::Listener),
    ("load-balancer", IdKind::LoadBalancer),
    ("server-group", IdKind::ServerGroup),
    ("allowlist-group", IdKind::AllowlistGroup),
];

/// Finds the setup to tear down: the journal (by setup id or the cluster's newest), else
/// tilink-tagged resources of the cluster (a lost journal).
pub async fn locate(
    c: &Clients,
    store: &JournalStore,
    cluster_id: &str,
    setup: Option<&str>,
) -> Result<Journal, Error> {
    if let Some(id) = setup {
        if let Ok(j) = store.load(id) {
            return Ok(j);
        }
    } else if let Some(j) = store.find(cluster_id, None) {
        return Ok(j);
    }
    // No journal: rebuild one from tags.
    let a = &c.aliyun;
    let tag = match setup {
        Some(s) => (TAG_SETUP.to_string(), s.to_string()),
        None => (TAG_CLUSTER.to_string(), cluster_id.to_string()),
    };
    let lbs = a
        .list_load_balancers(&[], std::slice::from_ref(&tag))
        .await?;
    let Some(lb) = lbs.first() else {
        // A setup already torn down (a rerun, or a run killed as it finished): nothing to
        // do is success, as `terraform destroy` on an empty state.
        if let Some(done) = store.list().into_iter().find(|j| {
            j.cluster_id == cluster_id
                && j.state == SetupState::TornDown
                && setup.is_none_or(|s| s == j.setup_id)
        }) {
            return Ok(done);
        }
        return Err(Error::Input(format!(
            "no tilink setup found for cluster {cluster_id}{}: no journal under {} and no load balancer tagged {}={}",
            setup.map(|s| format!(" (setup {s})")).unwrap_or_default(),
            super::journal::state_dir().display(),
            tag.0,
            tag.1
        )));
    };
    let sid = tag_value(&lb.tags, TAG_SETUP)
        .unwrap_or_default()
        .to_string();
    let rds = tag_value(&lb.tags, TAG_RDS).unwrap_or_default();
    let mut j = Journal::new(cluster_id, rds, a.region());
    j.setup_id = sid.clone();
    let by_setup = vec![(TAG_SETUP.to_string(), sid.clone())];
    j.resources.load_balancer_id = Some(lb.common.load_balancer_id.clone());
    j.resources.server_group_id = a
        .list_server_groups(&[], &by_setup)
        .await?
        .first()
        .map(|g| g.server_group_id.clone());
    if let Some(s) = a
        .list_endpoint_services(None, None, &by_setup)
        .await?
        .first()
    {
        j.resources.endpoint_service_id = Some(s.service_id.clone());
        j.resources.endpoint_service_name = Some(s.service_name.clone());
        if let Ok(plcs) = c.tidb.list_plcs(cluster_id).await {
            j.resources.private_link_connection_id = plcs
                .iter()
                .find(|p| {
                    p.alicloud_endpoint_service
                        .as_ref()
                        .is_some_and(|x| x.name == s.service_name)
                })
                .map(|p| p.private_link_connection_id.clone());
        }
    }
    j.resources.listener_id = a
        .list_listeners(std::slice::from_ref(&lb.common.load_balancer_id))
        .await?
        .first()
        .map(|l| l.listener_id.clone());
    if !rds.is_empty() {
        j.resources.allowlist_group = Some(super::plan::allowlist_group_name(&sid));
    }
    Ok(j)
}

fn gone(e: &AliyunError) -> bool {
    e.is_not_found()
}

/// What a read or a delete answered: `None` when the resource is already gone.
fn found<T>(r: Result<T, AliyunError>) -> Result<Option<T>, Error> {
    match r {
        Ok(x) => Ok(Some(x)),
        Err(e) if gone(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Refuses, before anything is deleted, when a target still exists but is not this setup's:
/// NLB resources and the endpoint service must carry `tilink:setup-id`, the listener must
/// sit on the setup's NLB, the PLC must point at the setup's endpoint service.
pub async fn verify_ownership(c: &Clients, j: &Journal) -> Result<(), Error> {
    let a = &c.aliyun;
    let sid = &j.setup_id;
    let r = &j.resources;
    let refuse = |what: &str, id: &str| {
        Err(Error::Failed(format!(
            "{what} {id} does not carry {TAG_SETUP}={sid}; tilink leaves the whole chain alone (nothing was deleted)"
        )))
    };
    // The allowlist group: only the one tilink names for this setup, never another group
    // (a modified journal must not empty a user's `Default`).
    if let Some(group) = &r.allowlist_group {
        let want = crate::engine::plan::allowlist_group_name(sid);
        if group != &want {
            return Err(Error::Failed(format!(
                "allowlist group {group} is not the group tilink made for setup {sid} ({want}); nothing was deleted"
            )));
        }
    }
    if let Some(plc) = &r.private_link_connection_id {
        match c.tidb.get_plc(&j.cluster_id, plc).await {
            Ok(p) => {
                let points_at = p
                    .alicloud_endpoint_service
                    .map(|s| s.name)
                    .unwrap_or_default();
                if let Some(name) = &r.endpoint_service_name
                    && &points_at != name
                {
                    return Err(Error::Failed(format!(
                        "private link connection {plc} points at {points_at}, not at this setup's {name}; nothing was deleted"
                    )));
                }
                // From the cloud, never the journal: the service it points at (per TiDB
                // Cloud) must be an existing endpoint service tagged with this setup. A journal
                // naming a service that does not exist proves nothing.
                let mine = proven_services(c, sid).await?;
                if !mine.contains(&points_at) {
                    return Err(Error::Failed(format!(
                        "private link connection {plc} points at {points_at}, which is not an existing endpoint service tagged {TAG_SETUP}={sid}; tilink cannot prove it is this setup's, so nothing was deleted. If it is yours, delete it with `ticloud serverless private-link-connection delete` or in the TiDB Cloud console"
                    )));
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(svc) = &r.endpoint_service_id {
        // The list answer carries tags (the attribute call may not).
        let found = a.list_endpoint_services(Some(svc), None, &[]).await?;
        if let Some(s) = found.iter().find(|s| &s.service_id == svc)
            && !has_tag(s.tag_list(), TAG_SETUP, sid)
        {
            return refuse("endpoint service", svc);
        }
    }
    if let Some(lsn) = &r.listener_id
        && let Some(l) = found(a.get_listener_attribute(lsn).await)?
        && Some(&l.load_balancer_id) != r.load_balancer_id.as_ref()
    {
        return Err(Error::Failed(format!(
            "listener {lsn} is not on this setup's load balancer; nothing was deleted"
        )));
    }
    if let Some(lb) = &r.load_balancer_id {
        match found(a.get_load_balancer_attribute(lb).await)? {
            Some(attr) if lb_tag(&attr.tags, TAG_SETUP) != Some(sid) => {
                return refuse("load balancer", lb);
            }
            // The RDS instance whose allowlist is touched must be the one the chain serves.
            Some(attr)
                if lb_tag(&attr.tags, TAG_RDS).is_some_and(|rds| rds != j.rds_instance_id) =>
            {
                return Err(Error::Failed(format!(
                    "load balancer {lb} serves another RDS instance than the journal's {}; nothing was deleted",
                    j.rds_instance_id
                )));
            }
            _ => {}
        }
    }
    if let Some(sg) = &r.server_group_id {
        let groups = a.list_server_groups(std::slice::from_ref(sg), &[]).await?;
        if let Some(g) = groups.first()
            && !has_tag(&g.tags, TAG_SETUP, sid)
        {
            return refuse("server group", sg);
        }
    }
    Ok(())
}

/// Deletes every target in order; `say` reports each step. The journal is saved after each
/// deletion; at the end its state is `TORN_DOWN`. Ownership is verified first.
pub async fn execute(
    c: &Clients,
    store: &JournalStore,
    j: &mut Journal,
    tuning: Tuning,
    mut say: impl FnMut(String),
) -> Result<(), Error> {
    verify_ownership(c, j).await?;
    let a = &c.aliyun;
    let sid = j.setup_id.clone();
    let own_lb_at_start = j.resources.load_balancer_id.clone();
    // 1. The PLCs (TiDB deletes each one's endpoint, which removes its connection): the
    // journal's, and every other PLC of the cluster on this setup's service (a second run
    // that made its own; the service was verified as this setup's above).
    let (plcs, endpoints) = owned(c, j).await?;
    // Before anything is deleted: an endpoint no PLC of this setup owns keeps the service
    // (only its owner can delete it), so stopping later would leave the PLCs deleted and
    // the NLB billing. Say so now and delete nothing.
    let foreign = foreign_connections(c, j, &endpoints).await?;
    if !foreign.is_empty() {
        return Err(Error::Failed(blocked_before(
            j.resources
                .endpoint_service_id
                .as_deref()
                .unwrap_or_default(),
            &foreign,
        )));
    }
    for plc in plcs {
        say(format!("deleting private link connection {plc}"));
        match c.tidb.delete_plc(&j.cluster_id, &plc).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        let cluster = j.cluster_id.clone();
        until(
            tuning.connection(),
            "the private link connection to be deleted",
            |s| say(format!("  {plc}: {s}")),
            || {
                let (cluster, plc) = (cluster.clone(), plc.clone());
                async move {
                    match c.tidb.get_plc(&cluster, &plc).await {
                        Err(e) if e.is_not_found() => Ok(Probe::Ready(())),
                        Err(e) => Err(e),
                        Ok(p) => Ok(Probe::Waiting(p.state)),
                    }
                }
            },
        )
        .await?;
        if j.resources.private_link_connection_id.as_deref() == Some(plc.as_str()) {
            j.resources.private_link_connection_id = None;
            j.resources.endpoint_id = None;
            save(store, j)?;
        }
    }
    // 2–4. Connections, whitelist, endpoint service.
    if let Some(svc) = j.resources.endpoint_service_id.clone() {
        match found(a.get_endpoint_service(&svc).await)? {
            None => {}
            // Ownership was verified above through ListVpcEndpointServices, the call that
            // returns tags (GetVpcEndpointServiceAttribute returns none).
            // A service already `Deleting` (an earlier teardown's call): only wait for it.
            // DeleteVpcEndpointService must not be repeated within a period (SDK 3.0.1 usage
            // notes).
            Some(s) if s.service_status == ServiceStatus::Deleting => {
                say(format!("endpoint service {svc} is already being deleted"));
                wait_service_gone(a, &tuning, &svc, &mut say).await?;
            }
            Some(_) => {
                let mut disabled = Vec::new();
                for conn in a.list_connections(&svc).await? {
                    if !matches!(
                        conn.connection_status,
                        ConnectionStatus::Disconnected
                            | ConnectionStatus::Disconnecting
                            | ConnectionStatus::Deleting
                    ) {
                        say(format!("disconnecting endpoint {}", conn.endpoint_id));
                        if found(a.disable_connection(&svc, &conn.endpoint_id).await)?.is_some() {
                            disabled.push(conn.endpoint_id.clone());
                        }
                    }
                }
                // Disabling is asynchronous: wait until each is Disconnected (or gone)
                // before the whitelist and the service go.
                if !disabled.is_empty() {
                    until(
                        tuning.quick().now(),
                        "the connections to be Disconnected",
                        |s| say(format!("  {svc}: {s}")),
                        || {
                            let (svc, disabled) = (svc.clone(), &disabled);
                            async move {
                                let conns = a.list_connections(&svc).await?;
                                let busy: Vec<String> = conns
                                    .iter()
                                    .filter(|c| disabled.contains(&c.endpoint_id))
                                    .filter(|c| {
                                        !matches!(
                                            c.connection_status,
                                            ConnectionStatus::Disconnected
                                                | ConnectionStatus::Deleting
                                        )
                                    })
                                    .map(|c| format!("{} {}", c.endpoint_id, c.connection_status))
                                    .collect();
                                Ok::<_, AliyunError>(if busy.is_empty() {
                                    Probe::Ready(())
                                } else {
                                    Probe::Waiting(busy.join(", "))
                                })
                            }
                        },
                    )
                    .await?;
                }
                for user in a.list_users(&svc).await? {
                    say(format!(
                        "removing account {user} from the service whitelist"
                    ));
                    if let Err(e) = a.remove_user(&svc, &user).await
                        && !gone(&e)
                    {
                        return Err(e.into());
                    }
                }
                say(format!("deleting endpoint service {svc}"));
                delete_service_once(a, &tuning, &svc, &endpoints, &mut say).await?;
            }
        }
        j.resources.endpoint_service_id = None;
        j.resources.endpoint_service_name = None;
        save(store, j)?;
    }
    // 5. Listener.
    if let Some(lsn) = j.resources.listener_id.clone() {
        say(format!("deleting listener {lsn}"));
        if let Some(r) = found(a.delete_listener(&lsn).await)? {
            wait_job(c, &tuning, &r.job_id).await?;
        }
        j.resources.listener_id = None;
        save(store, j)?;
    }
    // 6. Load balancer.
    if let Some(lb) = j.resources.load_balancer_id.clone() {
        if let Some(attr) = found(a.get_load_balancer_attribute(&lb).await)? {
            if lb_tag(&attr.tags, TAG_SETUP) != Some(sid.as_str()) {
                return Err(Error::Failed(format!(
                    "load balancer {lb} does not carry {TAG_SETUP}={sid}; tilink leaves it alone"
                )));
            }
            say(format!("deleting load balancer {lb}"));
            if let Some(r) = found(a.delete_load_balancer(&lb).await)? {
                wait_job(c, &tuning, &r.job_id).await?;
            }
        }
        j.resources.load_balancer_id = None;
        save(store, j)?;
    }
    // 7. Server group (retry while the listener's deletion settles).
    let own_lb = &own_lb_at_start;
    if let Some(sg) = j.resources.server_group_id.clone() {
        let groups = a.list_server_groups(std::slice::from_ref(&sg), &[]).await?;
        if let Some(g) = groups.first() {
            if !has_tag(&g.tags, TAG_SETUP, &sid) {
                return Err(Error::Failed(format!(
                    "server group {sg} does not carry {TAG_SETUP}={sid}; tilink leaves it alone"
                )));
            }
            say(format!("deleting server group {sg}"));
            let job = until(
                tuning.server_group(),
                "the server group to be free",
                |s| say(format!("  {sg}: {s}")),
                || {
                    let sg = sg.clone();
                    async move {
                        match a.delete_server_group(&sg).await {
                            Ok(r) => Ok(Probe::Ready(Ok(r.job_id))),
                            Err(e) if gone(&e) => Ok(Probe::Ready(Ok(String::new()))),
                            Err(e) if e.code() == Some("ResourceInUse.ServerGroup") => {
                                // Only this setup's listener (deleted above) goes away by
                                // itself: a group that another load balancer still uses
                                // stays in use forever, so say so now.
                                let g = a.list_server_groups(std::slice::from_ref(&sg), &[]).await?;
                                let others: Vec<String> = g
                                    .iter()
                                    .flat_map(|g| g.related_load_balancer_ids.iter())
                                    .filter(|id| own_lb.as_deref() != Some(id.as_str()))
                                    .cloned()
                                    .collect();
                                if !others.is_empty() {
                                    return Ok(Probe::Ready(Err(Error::Failed(format!(
                                        "server group {sg} is used by a listener of load balancer(s) {} that this setup did not create; tilink leaves it alone: remove that listener (or move it to another server group), then run teardown again",
                                        others.join(", ")
                                    )))));
                                }
                                Ok(Probe::Waiting("in use by a listener being deleted".into()))
                            }
                            Err(e) => Err(e),
                        }
                    }
                },
            )
            .await??;
            wait_job(c, &tuning, &job).await?;
        }
        j.resources.server_group_id = None;
        save(store, j)?;
    }
    // 8. The dedicated allowlist group (never any other group).
    if let Some(group) = j.resources.allowlist_group.clone()
        && !j.rds_instance_id.is_empty()
    {
        // An instance already gone has no group left to clear.
        let groups = found(
            a.describe_db_instance_ip_array_list(&j.rds_instance_id)
                .await,
        )?
        .unwrap_or_default();
        if let Some(g) = groups.iter().find(|g| g.db_instance_ip_array_name == group) {
            let ips: Vec<String> = g
                .security_ip_list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if !ips.is_empty() && ips != [LOCAL_ONLY] {
                say(format!("clearing RDS allowlist group {group}"));
                clear_allowlist(a, &tuning, &j.rds_instance_id, &group, &ips, &mut say).await?;
            }
        }
        j.resources.allowlist_group = None;
    }
    j.state = SetupState::TornDown;
    j.done.clear();
    save(store, j)?;
    say(format!("setup {sid} torn down"));
    Ok(())
}

/// The names of the existing endpoint services tagged with setup `sid`: what the cloud itself
/// proves is this setup's.
async fn proven_services(c: &Clients, sid: &str) -> Result<Vec<String>, Error> {
    Ok(c.aliyun
        .list_endpoint_services(None, None, &[(TAG_SETUP.to_string(), sid.to_string())])
        .await?
        .into_iter()
        .map(|s| s.service_name)
        .collect())
}

/// What an allowlist group that must keep one address holds once tilink is done with it:
/// the loopback address admits nothing from the network (Terraform's convention:
/// `LOCAL_HOST_IP` in `resource_alicloud_db_instance.go`, never an empty list).
pub const LOCAL_ONLY: &str = "127.0.0.1";

/// Empties tilink's allowlist group. The official parameter docs say "you must retain at
/// least one IP address in the whitelist"; when RDS refuses the emptying delete
/// (`SecurityIPList.Format`, assumed), the group is overwritten with [`LOCAL_ONLY`]
/// instead, and the DBA is told what is left. Then waits for the instance to be `Running`.
async fn clear_allowlist(
    a: &crate::cloud::aliyun::AliyunClient,
    tuning: &Tuning,
    instance: &str,
    group: &str,
    ips: &[String],
    say: &mut impl FnMut(String),
) -> Result<(), Error> {
    match a.modify_security_ips(instance, group, ips, "Delete").await {
        Ok(_) => {}
        Err(e) if e.code() == Some("SecurityIPList.Format") => {
            a.modify_security_ips(instance, group, &[LOCAL_ONLY.to_string()], "Cover")
                .await?;
            say(format!(
                "RDS keeps at least one address per allowlist group: {group} now holds only \
                 {LOCAL_ONLY} (admits nothing from the network); delete the group in the RDS \
                 console if you want it gone"
            ));
        }
        Err(e) => return Err(e.into()),
    }
    crate::engine::poll::rds_running(a, tuning.quick().now(), instance).await
}

/// The PLCs this setup may delete and their endpoints: the journal's, and every other PLC
/// of the cluster on this setup's service (a second run that made its own), only on a
/// service the cloud proves is this setup's (tagged), whatever the journal says.
async fn owned(c: &Clients, j: &Journal) -> Result<(Vec<String>, Vec<String>), Error> {
    let sid = j.setup_id.clone();
    let mut plcs: Vec<String> = j
        .resources
        .private_link_connection_id
        .iter()
        .cloned()
        .collect();
    let mut endpoints: Vec<String> = j.resources.endpoint_id.iter().cloned().collect();
    let proven = proven_services(c, &sid).await?;
    if let (Some(_), Some(name)) = (
        &j.resources.endpoint_service_id,
        j.resources
            .endpoint_service_name
            .as_ref()
            .filter(|n| proven.contains(n)),
    ) {
        for p in c.tidb.list_plcs(&j.cluster_id).await? {
            let on_service = p
                .alicloud_endpoint_service
                .as_ref()
                .is_some_and(|s| &s.name == name);
            if !on_service {
                continue;
            }
            if let Some(ep) = p
                .alicloud_endpoint_service
                .as_ref()
                .map(|s| s.endpoint_id.clone())
                .filter(|e| !e.is_empty())
            {
                endpoints.push(ep);
            }
            if !plcs.contains(&p.private_link_connection_id) {
                plcs.push(p.private_link_connection_id);
            }
        }
    }
    Ok((plcs, endpoints))
}

/// Why teardown would stop before deleting anything, known before anyone is asked: the
/// setup's service has connections from endpoints that none of its PLCs own. `None` when
/// nothing blocks it.
pub async fn refusal(c: &Clients, j: &Journal) -> Result<Option<String>, Error> {
    let (_, endpoints) = owned(c, j).await?;
    let foreign = foreign_connections(c, j, &endpoints).await?;
    Ok((!foreign.is_empty()).then(|| {
        blocked_before(
            j.resources
                .endpoint_service_id
                .as_deref()
                .unwrap_or_default(),
            &foreign,
        )
    }))
}

/// Connections to the setup's endpoint service from endpoints that are not `ours` (the
/// endpoints of its PLCs), as `ep-… (account …, status)`.
pub async fn foreign_connections(
    c: &Clients,
    j: &Journal,
    ours: &[String],
) -> Result<Vec<String>, Error> {
    let Some(svc) = &j.resources.endpoint_service_id else {
        return Ok(Vec::new());
    };
    let conns = found(c.aliyun.list_connections(svc).await)?.unwrap_or_default();
    Ok(foreign_among(&conns, ours))
}

/// The connections among `conns` from endpoints that are not `ours`, as
/// `ep-… (account …, status)`.
fn foreign_among(conns: &[EndpointConnection], ours: &[String]) -> Vec<String> {
    conns
        .iter()
        .filter(|x| !ours.contains(&x.endpoint_id))
        .map(|x| {
            format!(
                "{} (account {}, {})",
                x.endpoint_id, x.endpoint_owner_id, x.connection_status
            )
        })
        .collect()
}

/// Teardown refuses before deleting anything: the service has other endpoints' connections.
fn blocked_before(svc: &str, blockers: &[String]) -> String {
    format!(
        "endpoint service {svc} has connections from endpoints that no private link \
         connection of this setup owns: {}. Alibaba Cloud keeps a service while any endpoint \
         is connected, and only their owners can delete those endpoints (a PLC of another \
         TiDB Cloud cluster, or an endpoint made by hand). Teardown deleted nothing, so the \
         private link connection keeps working. Find the owner of each (an unknown requester \
         can be rejected: aliyun privatelink DisableVpcEndpointConnection --RegionId <region> \
         --ServiceId {svc} --EndpointId <ep-id>; its owner must still delete the endpoint), \
         then rerun `tilink teardown`.",
        blockers.join(", ")
    )
}

async fn wait_job(c: &Clients, tuning: &Tuning, job: &str) -> Result<(), Error> {
    nlb_job(&c.aliyun, tuning.job(), job, "an NLB delete job", true).await
}

/// The value of the load balancer tag `key` (its attribute's `{TagKey, TagValue}` form).
fn lb_tag<'a>(tags: &'a [TagKv], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.tag_key == key)
        .map(|t| t.tag_value.as_str())
}

fn save(store: &JournalStore, j: &mut Journal) -> Result<(), Error> {
    store.save(j).map_err(crate::engine::Error::from)
}
