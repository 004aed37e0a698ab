//! The TiDB Cloud private link connection step: adopt the one on this service or create it
//! once (a create takes no idempotency token, so a failed answer is followed by a look before
//! any retry), converge with rival runs on the oldest, and wait for TiDB Cloud's endpoint.

use super::{Ctx, ENDPOINT_ID_GRACE, need};
use crate::engine::Error;
use crate::engine::apply::model::Learned;
use crate::engine::poll::{Probe, until_reporting};
use crate::wire::states::ConnectionStatus;
use std::sync::Mutex;
use tokio::time::Instant;

/// What a look at a PLC awaiting its endpoint ended on.
enum Seen {
    /// TiDB Cloud's endpoint (`None`: the PLC waits for acceptance but never said which).
    Endpoint(Option<String>),
    /// The PLC is FAILED, with TiDB Cloud's message.
    Failed(String),
}

impl Ctx {
    pub(super) async fn connection(&self) -> Result<(), Error> {
        let t = &self.c.tidb;
        let p = &self.p;
        let name = need(&self.ids.endpoint_service_name, "endpoint service name")?;
        let mut id = self.ids.private_link_connection_id.clone();
        if let Some(existing) = &id {
            match t.get_plc(&p.cluster_id, existing).await {
                Ok(plc) if plc.state == "FAILED" || plc.state == "DELETING" => id = None,
                Ok(_) => {}
                Err(e) if e.is_not_found() => id = None,
                Err(e) => return Err(e.into()),
            }
        }
        // A PLC already pointing at this service was found by discovery (merged into the
        // journal ids), so only a missing one is created.
        let (mut id, mut created) = match id {
            Some(id) => (id, false),
            None => self.create_plc_once(&name).await?,
        };
        // Creating a PLC takes no idempotency token: two runs that both found none both
        // create one. Converge on the cloud's own record, before and after TiDB Cloud's
        // endpoint appears (a rival's create may land in between).
        (id, created) = self.converge_plc(&name, id, created).await?;
        self.r.learned(Learned::Connection(id.clone()));
        let endpoint = loop {
            let ep = self.endpoint_of(&id, created).await?;
            let (winner, mine) = self.converge_plc(&name, id.clone(), created).await?;
            if winner == id {
                break ep;
            }
            (id, created) = (winner, mine);
            self.r.learned(Learned::Connection(id.clone()));
        };
        let endpoint = match (endpoint, &p.accept_endpoint) {
            (Some(ep), _) => ep,
            (None, Some(chosen)) => chosen.clone(),
            (None, None) => return Err(Error::Failed(self.unidentified_endpoint(&id).await)),
        };
        self.r.learned(Learned::Endpoint(endpoint));
        self.r.progress("Endpoint ready", None);
        Ok(())
    }

    /// Keeps one PLC per service however many runs created one: of the live PLCs of the
    /// cluster on `service_name`, the one TiDB Cloud created first (its `createTime`, then its
    /// id) is kept, a rule every run computes alike from the cloud's own record. A run whose
    /// own PLC lost deletes it and follows the winner; a loser another run created is left to
    /// that run (or to `doctor --fix`, which removes extra PLCs). Returns the PLC to follow
    /// and whether this run created it.
    async fn converge_plc(
        &self,
        service_name: &str,
        mine: String,
        created: bool,
    ) -> Result<(String, bool), Error> {
        let t = &self.c.tidb;
        let p = &self.p;
        let mut live: Vec<_> = t
            .list_plcs(&p.cluster_id)
            .await?
            .into_iter()
            .filter(|x| {
                x.alicloud_endpoint_service
                    .as_ref()
                    .is_some_and(|s| s.name == service_name)
                    && x.state != "FAILED"
                    && x.state != "DELETING"
            })
            .collect();
        let created_at = |s: &str| humantime::parse_rfc3339_weak(s).ok();
        live.sort_by(|a, b| {
            created_at(&a.create_time)
                .cmp(&created_at(&b.create_time))
                .then_with(|| {
                    a.private_link_connection_id
                        .cmp(&b.private_link_connection_id)
                })
        });
        let Some(first) = live.first() else {
            return Ok((mine, created));
        };
        let winner = first.private_link_connection_id.clone();
        if winner == mine {
            return Ok((mine, created));
        }
        if created {
            self.r.progress(
                "Converging",
                Some(format!(
                    "another run created private link connection {winner} on {service_name} first: removing this run's duplicate {mine} and following {winner}"
                )),
            );
            match t.delete_plc(&p.cluster_id, &mine).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
        } else {
            self.r.progress(
                "Converging",
                Some(format!(
                    "private link connection {winner} on {service_name} is older than {mine}: following it"
                )),
            );
        }
        Ok((winner, false))
    }

    /// Waits for TiDB Cloud's endpoint of PLC `id` (`Ok(None)`: it waits for acceptance but
    /// never said which endpoint is its own).
    async fn endpoint_of(&self, id: &str, created: bool) -> Result<Option<String>, Error> {
        let t = &self.c.tidb;
        let p = &self.p;
        let id = id.to_string();
        let r = &self.r;
        let cluster = p.cluster_id.clone();
        let poll = self.t.endpoint().after_create(created);
        // When the PLC reports the endpoint id is undocumented: it may come a little after
        // PENDING_ACCEPTANCE, so give it a grace before asking the DBA to choose.
        let grace = poll.scaled(ENDPOINT_ID_GRACE);
        let pending_since: Mutex<Option<Instant>> = Mutex::new(None);
        let pending_since = &pending_since;
        let chosen = p.accept_endpoint.is_some();
        let seen = until_reporting(
            poll.clone(),
            "TiDB Cloud's endpoint",
            r.watch(&poll),
            || {
                let (id, cluster) = (id.clone(), cluster.clone());
                async move {
                    let plc = t.get_plc(&cluster, &id).await?;
                    let ep = plc
                        .alicloud_endpoint_service
                        .map(|s| s.endpoint_id)
                        .unwrap_or_default();
                    Ok::<_, crate::cloud::tidb::TidbError>(match plc.state.as_str() {
                        "FAILED" => Probe::Ready(Seen::Failed(plc.message)),
                        _ if !ep.is_empty() => Probe::Ready(Seen::Endpoint(Some(ep))),
                        "PENDING_ACCEPTANCE" => {
                            let since = {
                                let mut g = pending_since.lock().unwrap_or_else(|e| e.into_inner());
                                *g.get_or_insert_with(Instant::now)
                            };
                            if chosen || since.elapsed() >= grace {
                                // Waiting for acceptance yet still no endpoint id.
                                Probe::Ready(Seen::Endpoint(None))
                            } else {
                                Probe::Waiting(
                                    "PENDING_ACCEPTANCE (endpoint id not reported yet)".into(),
                                )
                            }
                        }
                        s => Probe::Waiting(s.to_string()),
                    })
                }
            },
        )
        .await?;
        match seen {
            Seen::Endpoint(ep) => Ok(ep),
            Seen::Failed(message) => Err(self.plc_failed(&message).await),
        }
    }

    /// The PLC waits for acceptance but never said which endpoint is its own. TiDB Cloud's
    /// account serves every TiDB customer, so owner alone proves nothing: list the pending
    /// requests from that account and let the DBA choose (`--accept-endpoint`).
    async fn unidentified_endpoint(&self, plc: &str) -> String {
        let p = &self.p;
        let svc = self.ids.endpoint_service_id.clone().unwrap_or_default();
        let pending = match self.c.aliyun.list_connections(&svc).await {
            Ok(conns) => conns
                .into_iter()
                .filter(|c| {
                    c.endpoint_owner_id.to_string() == p.tidb_account_id
                        && c.connection_status == ConnectionStatus::Disconnected
                })
                .map(|c| format!("{} (requested {})", c.endpoint_id, c.modified_time))
                .collect::<Vec<_>>(),
            Err(e) => vec![format!("(could not list them: {e})")],
        };
        let listed = if pending.is_empty() {
            "none yet".to_string()
        } else {
            pending.join(", ")
        };
        format!(
            "private link connection {plc} is PENDING_ACCEPTANCE but TiDB Cloud does not report its \
             endpoint id, so tilink cannot tell which connection request is this one and accepts \
             none. Pending requests from TiDB Cloud's account {} on {svc}: {listed}. Check the \
             endpoint id in the TiDB Cloud console (Private Link Connection details), then rerun \
             with --accept-endpoint ep-…",
            p.tidb_account_id
        )
    }

    /// Creates the PLC; after an error that may hide a success (5xx, lost answer), looks for
    /// a PLC on this service before trying again, so none is created twice.
    async fn create_plc_once(&self, service_name: &str) -> Result<(String, bool), Error> {
        let t = &self.c.tidb;
        let p = &self.p;
        // Right before creating, look again: another run (a second HOME, or a setup that
        // crashed between create and journal) may have made one on this service since
        // discovery. Adopting it keeps one PLC per service.
        if let Some(id) = self.plc_on(service_name).await? {
            self.r.progress(
                "Adopting",
                Some(format!(
                    "private link connection {id} already points at {service_name}"
                )),
            );
            return Ok((id, false));
        }
        let mut attempt = 1;
        loop {
            match t.create_plc(&p.cluster_id, &p.plc_name, service_name).await {
                Ok(plc) => return Ok((plc.private_link_connection_id, true)),
                Err(e) if e.is_retryable() && attempt < 6 => {
                    tokio::time::sleep(
                        self.t
                            .quick()
                            .first_look()
                            .min(std::time::Duration::from_secs(2))
                            * attempt,
                    )
                    .await;
                    if let Some(id) = self.plc_on(service_name).await? {
                        return Ok((id, false));
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A live PLC of this cluster pointing at `service_name`, if any.
    async fn plc_on(&self, service_name: &str) -> Result<Option<String>, Error> {
        let existing = self.c.tidb.list_plcs(&self.p.cluster_id).await?;
        Ok(existing
            .into_iter()
            .find(|x| {
                x.alicloud_endpoint_service
                    .as_ref()
                    .is_some_and(|s| s.name == service_name)
                    && x.state != "FAILED"
                    && x.state != "DELETING"
            })
            .map(|x| x.private_link_connection_id))
    }
}
