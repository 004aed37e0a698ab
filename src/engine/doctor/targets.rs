//! The chains doctor examines on a cluster: one per Alibaba Cloud private link connection, in
//! the region its service lives in, or the tilink chain left when its PLC was deleted.
//! `tilink doctor`, `doctor --all-clusters` and the wizard's Done screen all list them here.

use super::Start;
use super::facts::plcs;
use super::plc_region;
use crate::cloud::tidb::TidbError;
use crate::engine::Error;
use crate::engine::discover::{TAG_CLUSTER, TAG_SETUP, tag_value};
use crate::engine::session::Session;
use crate::wire::states::ServiceStatus;
use crate::wire::tidb::{ALICLOUD_ENDPOINT_SERVICE, PrivateLinkConnection};

/// A chain to examine and the region its Alibaba side lives in.
#[derive(Debug, Clone)]
pub struct Target {
    /// The region of the chain's Alibaba Cloud resources.
    pub region: String,
    /// Where the walk starts.
    pub start: Start,
}

/// Why a cluster's targets could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// TiDB Cloud did not list the cluster's private link connections.
    #[error("{0}")]
    List(#[from] TidbError),
    /// No TiDB Cloud client, or the cluster's region could not be read.
    #[error(transparent)]
    Session(#[from] Error),
}

/// The targets of `chosen`, Alibaba Cloud PLCs of `cluster_id` among `every` (all of its PLCs,
/// so each walk sees the others on its service). A PLC's region is the one its service name
/// says, else `fallback`, else the cluster's ([`Session::region_of`], asked once).
pub async fn of_plcs(
    session: &Session,
    cluster_id: &str,
    every: &[PrivateLinkConnection],
    chosen: &[PrivateLinkConnection],
    fallback: Option<&str>,
) -> Result<Vec<Target>, Error> {
    let all = Some(plcs(every));
    let mut cluster_region = fallback.map(str::to_string);
    let mut out = Vec::new();
    for plc in plcs(chosen) {
        let region = match plc_region(&plc) {
            Some(r) => r,
            None => match &cluster_region {
                Some(r) => r.clone(),
                None => {
                    let r = session.region_of(cluster_id).await?;
                    cluster_region = Some(r.clone());
                    r
                }
            },
        };
        out.push(Target {
            region,
            start: Start::Plc {
                cluster_id: cluster_id.to_string(),
                plc,
                all: all.clone(),
            },
        });
    }
    Ok(out)
}

/// Only the Alibaba Cloud PLCs of `list`.
pub fn on_alibaba(list: Vec<PrivateLinkConnection>) -> Vec<PrivateLinkConnection> {
    list.into_iter()
        .filter(|p| p.kind == ALICLOUD_ENDPOINT_SERVICE)
        .collect()
}

/// Lists `cluster_id`'s PLCs and returns a target for each Alibaba Cloud one (see
/// [`of_plcs`] for `fallback`); empty when it has none.
pub async fn of_cluster(
    session: &Session,
    cluster_id: &str,
    fallback: Option<&str>,
) -> Result<Vec<Target>, TargetError> {
    let every = session.tidb()?.list_plcs(cluster_id).await?;
    let chosen = on_alibaba(every.clone());
    Ok(of_plcs(session, cluster_id, &every, &chosen, fallback).await?)
}

/// A tilink endpoint service tagged for `cluster_id` when the cluster has no PLC: the half
/// of a chain left when its PLC was deleted in the TiDB console. `None` when there is none
/// or it could not be looked for.
pub async fn orphaned_chain(session: &Session, cluster_id: &str) -> Option<Target> {
    let region = session.region_of(cluster_id).await.ok()?;
    let clients = session.clients(&region).ok()?;
    let by_cluster = [(TAG_CLUSTER.to_string(), cluster_id.to_string())];
    let services = clients
        .aliyun
        .list_endpoint_services(None, None, &by_cluster)
        .await
        .ok()?;
    let svc = services.into_iter().find(|s| {
        tag_value(s.tag_list(), TAG_SETUP).is_some() && s.service_status != ServiceStatus::Deleting
    })?;
    Some(Target {
        region,
        start: Start::Service {
            cluster_id: Some(cluster_id.to_string()),
            service_id: svc.service_id,
        },
    })
}
