//! Accepting TiDB Cloud's connection request (only its own: its endpoint and its account)
//! and waiting until the connection is Connected and the PLC ACTIVE.

use super::{Ctx, awaiting, is_tidbs, need};
use crate::engine::Error;
use crate::engine::apply::model::ForeignRequest;
use crate::engine::poll::{Probe, until_reporting};
use crate::wire::states::ConnectionStatus;

impl Ctx {
    pub(super) async fn accept(&self) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let p = &self.p;
        let svc = need(&self.ids.endpoint_service_id, "endpoint service id")?;
        let ep = need(&self.ids.endpoint_id, "TiDB endpoint id")?;
        let r = &self.r;
        let poll = self.t.quick().now();
        let status = until_reporting(
            poll.clone(),
            "the connection request from TiDB Cloud",
            r.watch(&poll),
            || {
                let (svc, ep) = (svc.clone(), ep.clone());
                async move {
                    let conns = a.list_connections(&svc).await?;
                    let mut mine = None;
                    for c in &conns {
                        let owner = c.endpoint_owner_id.to_string();
                        if is_tidbs(c, &ep, &p.tidb_account_id) {
                            mine = Some(c.connection_status.clone());
                        } else {
                            r.foreign(ForeignRequest {
                                endpoint_id: c.endpoint_id.clone(),
                                owner_id: owner,
                                status: c.connection_status.to_string(),
                            });
                        }
                    }
                    Ok::<_, crate::cloud::aliyun::AliyunError>(match mine {
                        // Being modified: neither a request to accept nor an answer yet.
                        Some(ConnectionStatus::Pending) => {
                            Probe::Waiting("Pending (being modified)".into())
                        }
                        Some(s) => Probe::Ready(s),
                        None => Probe::Waiting("Waiting for request".into()),
                    })
                }
            },
        )
        .await?;
        if matches!(
            status,
            ConnectionStatus::Deleting | ConnectionStatus::ServiceDeleted
        ) || status.as_str() == "Deleted"
        {
            return Err(Error::Failed(format!(
                "TiDB Cloud's connection request {ep} is {status}: recreate the private link connection (rerun tilink)"
            )));
        }
        if awaiting(&status) {
            self.r.progress(
                "Accepting",
                Some(format!("accept {ep} from account {}", p.tidb_account_id)),
            );
            a.enable_connection(&svc, &ep).await?;
        }
        self.r.progress("Accepted", None);
        Ok(())
    }

    pub(super) async fn verify(&self) -> Result<(), Error> {
        let a = &self.c.aliyun;
        let t = &self.c.tidb;
        let p = &self.p;
        let svc = need(&self.ids.endpoint_service_id, "endpoint service id")?;
        let ep = need(&self.ids.endpoint_id, "TiDB endpoint id")?;
        let plc = need(&self.ids.private_link_connection_id, "PLC id")?;
        let r = &self.r;
        // Poll the PLC (it turns ACTIVE once the connection is Connected); look at the
        // connection itself only every fourth round, to re-accept one that someone disabled.
        let round = std::sync::atomic::AtomicU32::new(0);
        let round = &round;
        // Planned as right after the accept: the connection needs tens of seconds.
        let poll = self.t.connection();
        let failed = until_reporting(
            poll.clone(),
            "the connection to be Connected and ACTIVE",
            r.watch(&poll),
            || {
                let (svc, ep, plc) = (svc.clone(), ep.clone(), plc.clone());
                async move {
                    let x = t.get_plc(&p.cluster_id, &plc).await?;
                    match x.state.as_str() {
                        "ACTIVE" => return Ok(Probe::Ready(None)),
                        "FAILED" => return Ok(Probe::Ready(Some(x.message))),
                        _ => {}
                    }
                    let k = round.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if k % 4 == 3 {
                        let conns = a.list_connections(&svc).await?;
                        let status = conns
                            .iter()
                            .find(|c| is_tidbs(c, &ep, &p.tidb_account_id))
                            .map(|c| c.connection_status.clone());
                        if let Some(s) = &status
                            && awaiting(s)
                        {
                            // Someone disabled it meanwhile, or the accept was lost: accept again.
                            a.enable_connection(&svc, &ep).await?;
                        }
                        return Ok::<_, Error>(Probe::Waiting(format!(
                            "connection {}",
                            status.as_ref().map_or("gone", |s| s.as_str())
                        )));
                    }
                    Ok(Probe::Waiting(format!("PLC {}", x.state)))
                }
            },
        )
        .await?;
        // FAILED, with TiDB Cloud's message.
        if let Some(message) = failed {
            return Err(self.plc_failed(&message).await);
        }
        self.r.progress("ACTIVE", None);
        Ok(())
    }
}
