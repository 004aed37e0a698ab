//! What flows into the wizard ([`Msg`]) and what it asks the runtime to do ([`Effect`]).

use super::model::*;
use crate::engine::apply::ApplyModel;
use crate::engine::discover::RdsCandidate;
use crate::engine::doctor::{Fix, Report};
use crate::engine::journal::Journal;
use crate::engine::plan::Plan;
use ratatui::crossterm::event::KeyEvent;

/// Messages into the wizard.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// Spinner tick (~8 Hz).
    Tick,
    /// STS GetCallerIdentity answered.
    Identity {
        /// Request id.
        req: u64,
        /// The caller's account id and ARN, or why the key could not be checked.
        result: Result<Identity, UiError>,
    },
    /// The cluster list answered.
    Clusters {
        /// Request id.
        req: u64,
        /// Every cluster with why it cannot be used (`None`: usable), or the error.
        result: Result<Vec<ClusterChoice>, UiError>,
    },
    /// `discover_cluster` answered.
    ClusterDetail {
        /// Request id.
        req: u64,
        /// Cluster id.
        id: String,
        /// The cluster with TiDB Cloud's account id and zones, or the error.
        result: Result<ClusterDetail, UiError>,
    },
    /// The RDS list answered.
    Sources {
        /// Request id.
        req: u64,
        /// The region's RDS instances, usable ones first, or the error with its fix.
        result: Result<Vec<RdsCandidate>, UiError>,
    },
    /// `prepare` answered.
    Prepared {
        /// Request id.
        req: u64,
        /// The prepared setup (discovery, zones, checks, plan, journal), or the error.
        result: Result<Box<PrepView>, UiError>,
    },
    /// The data-path probe's check.
    Probed {
        /// Request id.
        req: u64,
        /// The check (pass, fail naming the link, or unknown), or why it could not run.
        result: Result<crate::engine::check::Check, UiError>,
    },
    /// Doctor's reports on the cluster's links.
    Doctor {
        /// Request id.
        req: u64,
        /// One report per private link connection of the cluster, or why the walk failed.
        result: Result<Vec<Report>, UiError>,
        /// The fix applied before this walk, and how it went.
        fixed: Option<Result<String, String>>,
    },
    /// A snapshot of the apply run.
    Apply {
        /// Request id.
        req: u64,
        /// The model.
        model: Box<ApplyModel>,
    },
    /// The apply run ended (final model).
    ApplyFinished {
        /// Request id.
        req: u64,
        /// The model.
        model: Box<ApplyModel>,
    },
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// STS GetCallerIdentity.
    CheckIdentity {
        /// Request id.
        req: u64,
    },
    /// `cluster_candidates`.
    ListClusters {
        /// Request id.
        req: u64,
    },
    /// `discover_cluster`.
    DescribeCluster {
        /// Request id.
        req: u64,
        /// Cluster id.
        id: String,
    },
    /// `rds_candidates` in a region.
    ListSources {
        /// Request id.
        req: u64,
        /// Alibaba Cloud region id to list (`--region`, else the cluster's or resumed setup's).
        region: String,
        /// The cluster's TiDB Cloud zones, when known (to hint at the zone check).
        tidb_zones: Vec<String>,
    },
    /// `engine::prepare::prepare`.
    Prepare {
        /// Request id.
        req: u64,
        /// TiDB Cloud cluster id (digits).
        cluster_id: String,
        /// RDS instance.
        rds_id: String,
        /// `--zones`.
        zones: Vec<String>,
        /// `--name`.
        name: Option<String>,
        /// Setup to resume.
        resume: Option<String>,
        /// `--region`.
        region: Option<String>,
        /// The setup id of the previous plan of the same cluster and instance (kept).
        setup_id: Option<String>,
    },
    /// `engine::apply::run_apply`.
    StartApply {
        /// Request id.
        req: u64,
        /// The plan.
        plan: Box<Plan>,
        /// The journal to continue.
        journal: Box<Journal>,
    },
    /// Log in to MySQL through the new chain's NLB.
    Probe {
        /// Request id.
        req: u64,
        /// Region of the chain.
        region: String,
        /// `nlb-…`.
        load_balancer_id: String,
        /// `lsn-…`.
        listener_id: String,
        /// The cluster (for the command the check suggests).
        cluster_id: String,
    },
    /// Run doctor on every private link connection of a cluster.
    Doctor {
        /// Request id.
        req: u64,
        /// TiDB Cloud cluster id whose private link connections are walked.
        cluster_id: String,
        /// The cluster's region.
        region: String,
    },
    /// Apply one doctor fix, then walk the cluster's links again.
    DoctorFix {
        /// Request id.
        req: u64,
        /// TiDB Cloud cluster id whose links are walked again after the fix.
        cluster_id: String,
        /// The cluster's region.
        region: String,
        /// The fix.
        fix: Box<Fix>,
    },
    /// Stop the apply run (journal is saved).
    CancelApply,
    /// Abort the task of a request the user walked away from.
    Abort {
        /// Request id.
        req: u64,
    },
}
