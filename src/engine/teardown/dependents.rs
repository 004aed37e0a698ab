//! What runs through a chain's PLCs (changefeeds and DM tasks), asked about before its
//! teardown cuts them.

/// What runs through a chain's PLCs: changefeeds writing into RDS and DM tasks reading
/// from it. Both stop when the connection is deleted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependents {
    /// Changefeeds whose MySQL or Kafka sink goes through one of the PLCs.
    pub changefeeds: Vec<crate::wire::tidb::Changefeed>,
    /// DM tasks with a source that connects through one of the PLCs.
    pub migrations: Vec<crate::wire::tidb::Migration>,
}

impl Dependents {
    /// Nothing runs through the connection.
    pub fn is_empty(&self) -> bool {
        self.changefeeds.is_empty() && self.migrations.is_empty()
    }

    /// Those still in use (running, starting, paused to be resumed, retrying): deleting the
    /// connection under them cuts live replication. Failed and deleted ones are not.
    pub fn in_use(&self) -> Vec<String> {
        let cfs = self
            .changefeeds
            .iter()
            .filter(|c| {
                !matches!(
                    c.state.as_str(),
                    "DELETED" | "CREATE_FAILED" | "RUNNING_FAILED"
                )
            })
            .map(|c| {
                format!(
                    "changefeed {} \"{}\" ({})",
                    c.changefeed_id, c.display_name, c.state
                )
            });
        let migs = self
            .migrations
            .iter()
            .filter(|m| !matches!(m.state.as_str(), "FAILED" | "DELETING"))
            .map(|m| {
                format!(
                    "DM task {} \"{}\" ({})",
                    m.migration_id, m.display_name, m.state
                )
            });
        cfs.chain(migs).collect()
    }
}

/// The cluster's changefeeds and DM tasks that go through one of `plcs` (`(plc id, its
/// Alibaba endpoint id)`): the CDC API's changefeeds by sink, `ListMigrations` by source
/// (`endpointId` is the PLC id or its endpoint's id; see `Migration::uses_plc`).
pub async fn dependents(
    t: &crate::cloud::tidb::TidbClient,
    cluster_id: &str,
    plcs: &[(String, String)],
) -> Result<Dependents, crate::engine::Error> {
    let (cfs, migs) = tokio::join!(
        t.list_changefeeds(cluster_id),
        t.list_migrations(cluster_id)
    );
    Ok(Dependents {
        changefeeds: cfs?
            .into_iter()
            .filter(|c| {
                c.private_link_connection_id()
                    .is_some_and(|p| plcs.iter().any(|(x, _)| x == p))
            })
            .collect(),
        migrations: migs?
            .into_iter()
            .filter(|m| plcs.iter().any(|(p, e)| m.uses_plc(p, e)))
            .collect(),
    })
}
