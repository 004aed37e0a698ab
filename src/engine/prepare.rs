//! Everything before apply: discovery, pre-flight checks, zone pick and the plan, with the
//! journal to continue (resume id, a journal for the same cluster and instance, or tagged
//! resources whose journal is gone).

use super::check::{Check, all_ok};
use super::checks::{preflight, zone_analysis};
use super::discover::{Clients, DiscoverError, Discovery, discover, discover_cluster};
use super::dryrun::{dry_run, permissions_check};
use super::journal::{Journal, JournalStore};
use super::plan::{Plan, make_plan, merged_ids};
use super::zones::{ZoneAnalysis, ZoneError};
use crate::cloud::tidb::TidbClient;

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct PrepareInput<'a> {
    /// Cluster id.
    pub cluster_id: &'a str,
    /// RDS instance id.
    pub rds_id: &'a str,
    /// Requested zones (empty = choose).
    pub zones: &'a [String],
    /// PLC display name.
    pub name: Option<&'a str>,
    /// Resume this setup id.
    pub resume: Option<&'a str>,
    /// Region override.
    pub region: Option<&'a str>,
    /// The id a new journal takes, so that planning the same setup again (the wizard's Back
    /// and forth) keeps one setup id; ignored unless it is a valid `tl-…` id.
    pub setup_id: Option<&'a str>,
}

/// Why preparation stopped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PrepareError {
    /// A lookup failed.
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// Bad input (resume id of another setup, damaged journal).
    #[error("{0}")]
    Input(String),
    /// Clients could not be built.
    #[error(transparent)]
    Client(super::Error),
}

/// The outcome of preparation.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Clients in the setup's region.
    pub clients: Clients,
    /// What was found.
    pub discovery: Discovery,
    /// The zone computation.
    pub zones: Result<ZoneAnalysis, ZoneError>,
    /// Pre-flight checks, failures first.
    pub checks: Vec<Check>,
    /// The plan, when every check passed.
    pub plan: Option<Plan>,
    /// The journal apply continues.
    pub journal: Journal,
}

/// Runs discovery, checks and planning.
pub async fn prepare(
    tidb: &TidbClient,
    make_clients: &(dyn Fn(&str) -> Result<Clients, super::Error> + Sync),
    store: &JournalStore,
    inp: &PrepareInput<'_>,
) -> Result<Prepared, PrepareError> {
    let (cluster, tidb_zones) = discover_cluster(tidb, inp.cluster_id).await?;
    let region = inp
        .region
        .map(str::to_string)
        .unwrap_or_else(|| cluster.region.clone());
    let clients = make_clients(&region).map_err(PrepareError::Client)?;
    let mut journal = match inp.resume {
        Some(id) => {
            let j = store
                .load(id)
                .map_err(|e| PrepareError::Input(e.to_string()))?;
            if j.cluster_id != inp.cluster_id || j.rds_instance_id != inp.rds_id {
                return Err(PrepareError::Input(format!(
                    "setup {id} is for cluster {} and instance {}, not {} / {}",
                    j.cluster_id, j.rds_instance_id, inp.cluster_id, inp.rds_id
                )));
            }
            j
        }
        None => store
            .find(inp.cluster_id, Some(inp.rds_id))
            .unwrap_or_else(|| {
                let mut j = Journal::new(inp.cluster_id, inp.rds_id, &region);
                if let Some(id) = inp.setup_id.filter(|id| super::journal::valid_setup_id(id)) {
                    j.setup_id = id.to_string();
                }
                j
            }),
    };
    let known = store.load(&journal.setup_id).is_ok();
    let d = discover(
        &clients,
        cluster,
        tidb_zones,
        inp.rds_id,
        known.then_some(journal.setup_id.as_str()),
    )
    .await?;
    if !known && let Some(found) = &d.existing.setup_id {
        // The journal is gone but tagged resources remain: continue that setup.
        journal.setup_id = found.clone();
    }
    let zones = zone_analysis(&d, inp.zones);
    let mut checks = preflight(&d, &region, &zones);
    let mut plan = match (&zones, all_ok(&checks)) {
        (Ok(z), true) => {
            journal.zones = z.chosen.iter().map(|c| c.zone.clone()).collect();
            journal.resources = merged_ids(&d, &journal);
            Some(make_plan(&d, &z.chosen, &journal, inp.name))
        }
        _ => None,
    };
    // Missing RAM permissions stop here, before anything is created.
    if let Some(p) = &plan {
        let perm = permissions_check(&dry_run(&clients, p).await);
        if perm.status == super::check::Status::Fail {
            plan = None;
        }
        checks.push(perm);
        checks.sort_by_key(|c| c.status);
    }
    Ok(Prepared {
        clients,
        discovery: d,
        zones,
        checks,
        plan,
        journal,
    })
}
