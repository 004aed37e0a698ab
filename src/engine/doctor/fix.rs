//! The safe fixes doctor can apply, each derived from the facts and shown before it runs.

use super::facts::{ChainFacts, nlb_cidrs};
use crate::engine::Error;
use crate::engine::check::{Check, CheckId, Status};
use crate::engine::discover::Clients;
use crate::engine::facts::cidr_covers;
use crate::engine::poll::{Probe, Tuning, nlb_job, until};
use serde::Serialize;

/// One repair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "fix", rename_all = "kebab-case")]
pub enum Fix {
    /// Add the TiDB account to the service whitelist.
    Whitelist {
        /// Endpoint service to whitelist on (`epsrv-…`).
        service_id: String,
        /// TiDB account.
        account_id: String,
    },
    /// Write the NLB vSwitch CIDRs to tilink's own allowlist group.
    Allowlist {
        /// RDS instance that owns the group (`rm-…`).
        rds_id: String,
        /// Group (tilink's own).
        group: String,
        /// The NLB's vSwitch CIDRs; they replace the group's entries (`Cover`).
        cidrs: Vec<String>,
    },
    /// Accept TiDB Cloud's pending request (matched on owner and endpoint id).
    Accept {
        /// Endpoint service the request was sent to (`epsrv-…`).
        service_id: String,
        /// TiDB Cloud's endpoint (`ep-…`), as its PLC names it.
        endpoint_id: String,
    },
    /// Attach the NLB in zones it serves but the service lacks.
    AttachZones {
        /// Endpoint service to attach to (`epsrv-…`).
        service_id: String,
        /// Load balancer attached as the resource (`nlb-…`).
        load_balancer_id: String,
        /// Zones the NLB serves and TiDB Cloud uses but the service lacks; one attach each.
        zones: Vec<String>,
    },
    /// Delete the extra PLCs on a tilink service, keeping one (see `checks::keeper`).
    RemovePlcs {
        /// TiDB Cloud cluster id the PLCs belong to.
        cluster_id: String,
        /// The PLC kept.
        keep: String,
        /// The PLCs deleted.
        delete: Vec<String>,
    },
    /// Swap stale backends for the RDS's current IP:port (add, wait healthy, remove).
    Reconcile {
        /// Server group.
        server_group_id: String,
        /// Listener to watch health on.
        listener_id: String,
        /// New backend.
        add: (String, u16),
        /// Old backends.
        remove: Vec<(String, u16)>,
    },
}

/// Which repair a [`Fix`] is, without its ids: the check registry names the one each check
/// gets (`checks::registry::TABLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    /// [`Fix::Whitelist`].
    Whitelist,
    /// [`Fix::Allowlist`].
    Allowlist,
    /// [`Fix::Accept`].
    Accept,
    /// [`Fix::AttachZones`].
    AttachZones,
    /// [`Fix::RemovePlcs`].
    RemovePlcs,
    /// [`Fix::Reconcile`].
    Reconcile,
}

impl FixKind {
    /// The links this fix writes to: while one of them is being modified, the fix is held.
    pub fn writes_to(self) -> &'static [CheckId] {
        use CheckId as C;
        match self {
            FixKind::Whitelist => &[C::EndpointService],
            FixKind::Allowlist => &[C::RdsStatus],
            FixKind::Accept => &[C::EndpointService, C::ConnectionState],
            FixKind::AttachZones => &[C::EndpointService, C::NlbStatus],
            FixKind::RemovePlcs => &[C::PlcState],
            // The backend swap writes to the server group only.
            FixKind::Reconcile => &[C::ServerGroup],
        }
    }
}

impl Fix {
    /// Which repair this is.
    pub fn kind(&self) -> FixKind {
        match self {
            Fix::Whitelist { .. } => FixKind::Whitelist,
            Fix::Allowlist { .. } => FixKind::Allowlist,
            Fix::Accept { .. } => FixKind::Accept,
            Fix::AttachZones { .. } => FixKind::AttachZones,
            Fix::Reconcile { .. } => FixKind::Reconcile,
            Fix::RemovePlcs { .. } => FixKind::RemovePlcs,
        }
    }

    /// The check this fix repairs (its row in the check registry).
    pub fn check_id(&self) -> CheckId {
        super::checks::registry::fixed_by(self.kind())
            .expect("every fix kind is the fix of one check (registry test)")
    }

    /// What it will do, in words.
    pub fn describe(&self) -> String {
        match self {
            Fix::Whitelist {
                service_id,
                account_id,
            } => format!("add TiDB Cloud account {account_id} to the whitelist of {service_id}"),
            Fix::Allowlist {
                rds_id,
                group,
                cidrs,
            } => format!(
                "write {} to allowlist group {group} of {rds_id} (other groups untouched)",
                cidrs.join(",")
            ),
            Fix::Accept {
                service_id,
                endpoint_id,
            } => format!("accept connection request {endpoint_id} on {service_id}"),
            Fix::AttachZones {
                service_id,
                load_balancer_id,
                zones,
            } => format!(
                "attach {load_balancer_id} to {service_id} in {}",
                zones.join(", ")
            ),
            Fix::RemovePlcs {
                cluster_id,
                keep,
                delete,
            } => format!(
                "delete private link connection(s) {} of cluster {cluster_id} (TiDB Cloud removes their endpoints); keep {keep}",
                delete.join(", ")
            ),
            Fix::Reconcile {
                server_group_id,
                add,
                remove,
                ..
            } => format!(
                "in {server_group_id}: add {}:{}, wait until healthy, then remove {}",
                add.0,
                add.1,
                remove
                    .iter()
                    .map(|(i, p)| format!("{i}:{p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Applies it.
    pub async fn apply(&self, c: &Clients, tuning: Tuning) -> Result<(), Error> {
        let a = &c.aliyun;
        let s = Error::from;
        match self {
            Fix::Whitelist {
                service_id,
                account_id,
            } => a
                .add_user(service_id, account_id)
                .await
                .map(|_| ())
                .map_err(s),
            Fix::Allowlist {
                rds_id,
                group,
                cidrs,
            } => {
                a.modify_security_ips(rds_id, group, cidrs, "Cover")
                    .await
                    .map_err(s)?;
                // A task on the instance: wait for Running, as setup does.
                crate::engine::poll::rds_running(a, tuning.quick().now(), rds_id).await
            }
            Fix::Accept {
                service_id,
                endpoint_id,
            } => a
                .enable_connection(service_id, endpoint_id)
                .await
                .map(|_| ())
                .map_err(s),
            Fix::AttachZones {
                service_id,
                load_balancer_id,
                zones,
            } => {
                for z in zones {
                    a.attach_resource(service_id, load_balancer_id, z)
                        .await
                        .map_err(s)?;
                    // The service is Pending while the attach settles: wait for Active
                    // before the next change (Terraform does the same).
                    crate::engine::poll::service_active(
                        a,
                        tuning.quick().now(),
                        service_id,
                        false,
                        |_| {},
                    )
                    .await?;
                }
                Ok(())
            }
            Fix::RemovePlcs {
                cluster_id, delete, ..
            } => {
                for plc in delete {
                    match c.tidb.delete_plc(cluster_id, plc).await {
                        Ok(_) => {}
                        Err(e) if e.is_not_found() => continue,
                        Err(e) => return Err(e.into()),
                    }
                    until(
                        tuning.connection(),
                        "the extra private link connection to be deleted",
                        |_| {},
                        || async move {
                            match c.tidb.get_plc(cluster_id, plc).await {
                                Err(e) if e.is_not_found() => Ok(Probe::Ready(())),
                                Err(e) => Err(e),
                                Ok(p) => Ok(Probe::Waiting(p.state)),
                            }
                        },
                    )
                    .await?;
                }
                Ok(())
            }
            Fix::Reconcile {
                server_group_id,
                listener_id,
                add,
                remove,
            } => {
                // A run that added the new backend but died before removing the old one must
                // not fail on the add next time: add only what is missing.
                let present = a
                    .list_server_group_servers(server_group_id)
                    .await
                    .map_err(s)?
                    .iter()
                    .any(|x| x.server_ip == add.0 && x.port == add.1);
                if !present {
                    a.add_ip_servers(server_group_id, std::slice::from_ref(add), None)
                        .await
                        .map_err(s)?;
                }
                let (ip, port) = add.clone();
                until(
                    tuning.listener(),
                    "the new backend to be healthy",
                    |_| {},
                    || {
                        let ip = ip.clone();
                        async move {
                            let servers = a.list_server_group_servers(server_group_id).await?;
                            let added = servers.iter().any(|x| {
                                x.server_ip == ip
                                    && x.port == port
                                    && x.status == crate::wire::states::ServerStatus::Available
                            });
                            if !added {
                                return Ok(Probe::Waiting("Adding".into()));
                            }
                            let h = a.get_listener_health_status(listener_id).await?;
                            let bad = h
                                .listener_health_status
                                .iter()
                                .flat_map(|l| l.server_group_infos.iter())
                                .flat_map(|g| g.non_normal_servers.iter())
                                .any(|x| x.server_ip == ip && x.port == port);
                            Ok::<_, crate::cloud::aliyun::AliyunError>(if bad {
                                Probe::Waiting("Unhealthy".into())
                            } else {
                                Probe::Ready(())
                            })
                        }
                    },
                )
                .await?;
                if !remove.is_empty() {
                    let out = a
                        .remove_ip_servers(server_group_id, remove)
                        .await
                        .map_err(s)?;
                    // The old backend drains until the job ends: re-checking before that
                    // would call the fresh chain stale.
                    nlb_job(
                        a,
                        tuning.job(),
                        &out.job_id,
                        "removing the old backend",
                        true,
                    )
                    .await?;
                }
                Ok(())
            }
        }
    }
}

/// The fixes for the failing (or warning, where safe) checks.
pub fn plan_fixes(f: &ChainFacts, checks: &[Check]) -> Vec<Fix> {
    plan_fixes_held(f, checks).0
}

/// The fixes to apply now, and those held back because a link they write to is being
/// modified (each with the changing links' ids), so the report can say why.
pub fn plan_fixes_held(f: &ChainFacts, checks: &[Check]) -> (Vec<Fix>, Vec<(Fix, Vec<CheckId>)>) {
    let failing = |id: CheckId| {
        checks
            .iter()
            .any(|c| c.id == id && matches!(c.status, Status::Fail | Status::Warn))
    };
    let mut out = Vec::new();
    let svc = f.service_id.clone();
    let tidb = f.tidb.as_ref();
    if failing(CheckId::ServiceWhitelist)
        && let (Some(svc), Some(t)) = (&svc, tidb)
        && !f.users.contains(&t.account_id)
    {
        out.push(Fix::Whitelist {
            service_id: svc.clone(),
            account_id: t.account_id.clone(),
        });
    }
    if failing(CheckId::RdsAllowlist)
        && let Some(r) = &f.rds
    {
        let entries: Vec<&String> = r.allowlist.iter().flat_map(|g| g.ips.iter()).collect();
        let cidrs: Vec<String> = nlb_cidrs(f).into_iter().map(|(_, c)| c).collect();
        if cidrs
            .iter()
            .any(|c| !entries.iter().any(|e| cidr_covers(e, c)))
        {
            let group =
                f.lb.as_ref()
                    .and_then(|l| {
                        l.tags
                            .iter()
                            .find(|t| t.tag_key == crate::engine::discover::TAG_SETUP)
                    })
                    .map(|t| crate::engine::plan::allowlist_group_name(&t.tag_value))
                    .unwrap_or_else(|| "tilink_doctor".to_string());
            out.push(Fix::Allowlist {
                rds_id: r.id.clone(),
                group,
                cidrs,
            });
        }
    }
    // An extra PLC on the service is removed (below), never accepted.
    let extra = f.plc.as_ref().is_some_and(|p| {
        f.siblings
            .as_ref()
            .is_some_and(|s| !s.is_empty() && super::checks::keeper(p, s).id != p.id)
    });
    if failing(CheckId::ConnectionState)
        && !extra
        && let (Some(svc), Some(t), Some(p)) = (&svc, tidb, &f.plc)
        && !p.endpoint_id.is_empty()
        && let Some(c) = f.connections.iter().find(|c| {
            c.endpoint_id == p.endpoint_id && c.endpoint_owner_id.to_string() == t.account_id
        })
        && c.connection_status == crate::wire::states::ConnectionStatus::Disconnected
    {
        out.push(Fix::Accept {
            service_id: svc.clone(),
            endpoint_id: c.endpoint_id.clone(),
        });
    }
    if failing(CheckId::ServiceZones)
        && let (Some(svc), Some(t), Some(lb)) = (&svc, tidb, &f.lb)
    {
        let attached: Vec<&String> = f.resources.iter().map(|r| &r.zone_id).collect();
        let zones: Vec<String> = lb
            .load_balancer
            .zone_mappings
            .iter()
            .map(|z| z.zone_id.clone())
            .filter(|z| t.az_ids.contains(z) && !attached.contains(&z))
            .collect();
        if !zones.is_empty() {
            out.push(Fix::AttachZones {
                service_id: svc.clone(),
                load_balancer_id: lb.load_balancer.load_balancer_id.clone(),
                zones,
            });
        }
    }
    // Only on a chain tilink built (its NLB carries the setup tag): the extra PLCs then come
    // from a second tilink run, never from a user's own connection to another service.
    let tilinks = f.lb.as_ref().is_some_and(|l| {
        l.tags
            .iter()
            .any(|t| t.tag_key == crate::engine::discover::TAG_SETUP)
    });
    if failing(CheckId::SeveralPlcs)
        && tilinks
        && let (Some(p), Some(siblings), Some(cluster)) = (&f.plc, &f.siblings, &f.cluster)
        && !siblings.is_empty()
    {
        let keep = super::checks::keeper(p, siblings).id.clone();
        let delete: Vec<String> = std::iter::once(p)
            .chain(siblings)
            .map(|x| x.id.clone())
            .filter(|id| *id != keep)
            .collect();
        out.push(Fix::RemovePlcs {
            cluster_id: cluster.id.clone(),
            keep,
            delete,
        });
    }
    if failing(CheckId::BackendIp)
        && let (Some(r), Some(g), Some(l)) = (&f.rds, f.server_groups.first(), f.listeners.first())
        && !r.private_ip.is_empty()
    {
        let add = (r.private_ip.clone(), r.port);
        // Only the servers of the group being repaired (the listener's).
        let mine: Vec<&crate::wire::aliyun::BackendServer> = f
            .servers
            .iter()
            .filter(|s| s.server_group_id.is_empty() || s.server_group_id == g.server_group_id)
            .collect();
        let remove: Vec<(String, u16)> = mine
            .iter()
            .map(|s| (s.server_ip.clone(), s.port))
            .filter(|b| *b != add)
            .collect();
        let has_new = mine.iter().any(|s| s.server_ip == add.0 && s.port == add.1);
        if !has_new || !remove.is_empty() {
            out.push(Fix::Reconcile {
                server_group_id: g.server_group_id.clone(),
                listener_id: l.listener_id.clone(),
                add,
                remove,
            });
        }
    }
    // Nothing writes to a link while it is being modified: the fix waits for the next look,
    // and the report says which link holds it.
    let changing = |ids: &[CheckId]| -> Vec<CheckId> {
        checks
            .iter()
            .filter(|c| c.status == Status::Changing && ids.contains(&c.id))
            .map(|c| c.id)
            .collect()
    };
    let (mut now, mut held) = (Vec::new(), Vec::new());
    for fix in out {
        let blockers = changing(fix.kind().writes_to());
        if blockers.is_empty() {
            now.push(fix);
        } else {
            held.push((fix, blockers));
        }
    }
    (now, held)
}
