//! Doctor: walk an existing chain from either end and say, link by link, what is broken,
//! why, and how to fix it; apply the safe fixes on request.

pub mod checks;
pub mod facts;
pub mod fix;

use crate::engine::check::{Check, Status};
use crate::engine::discover::Clients;
use crate::engine::facts::PlcInfo;
use serde::Serialize;

pub use facts::{ChainFacts, Start, gather};
pub use fix::{Fix, plan_fixes};

/// Doctor's verdict on one chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was examined (`plc-…` or `epsrv-…`).
    pub target: String,
    /// No check failed.
    pub healthy: bool,
    /// Checks, causes before symptoms (`checks::ORDER`).
    pub checks: Vec<Check>,
    /// Fixes doctor can apply.
    pub fixes: Vec<Fix>,
    /// Levels of dependent lookups.
    pub depth: u32,
}

/// Examines one chain.
pub async fn examine(c: &Clients, start: &Start) -> (ChainFacts, Report) {
    let f = gather(c, start).await;
    let checks = checks::run_checks(&f);
    let fixes = plan_fixes(&f, &checks);
    let target = match start {
        Start::Plc { plc, .. } => plc.id.clone(),
        Start::Service { service_id, .. } => service_id.clone(),
    };
    let healthy = checks.iter().all(|c| c.status != Status::Fail);
    let depth = f.depth;
    (
        f,
        Report {
            target,
            healthy,
            checks,
            fixes,
            depth,
        },
    )
}

/// The Alibaba region a PLC lives in (from its service name), if it says.
pub fn plc_region(p: &PlcInfo) -> Option<String> {
    crate::engine::facts::region_of_service_name(&p.service_name).map(str::to_string)
}
