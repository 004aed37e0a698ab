//! The APIs' own `DryRun` on the creates that have it: it validates parameters, quotas and
//! permissions without creating anything (a pass answers the error `DryRunOperation`).
//! Setup runs it before anything is created so a missing RAM permission stops early.

use super::apply::Step;
use super::check::{Check, CheckId, Status};
use super::discover::Clients;
use super::plan::{Action, Plan};
use crate::cloud::aliyun::AliyunError;
use crate::cloud::aliyun::ops::{NewLoadBalancer, NewServerGroup};
use serde_json::json;

/// `(action, Ok(()) when the dry run passed)` for each create the plan makes.
pub async fn dry_run(c: &Clients, p: &Plan) -> Vec<(&'static str, Result<(), AliyunError>)> {
    let creates = |s: Step| {
        p.items
            .iter()
            .any(|i| i.step == s && i.action == Action::Create)
    };
    let verdict = |r: Result<(), AliyunError>| match r {
        Err(e) if e.code() == Some("DryRunOperation") => Ok(()),
        other => other,
    };
    let sg_token = format!("{}-dryrun-sg", p.setup_id);
    let lb_token = format!("{}-dryrun-lb", p.setup_id);
    let zones: Vec<(String, String)> = p
        .zones
        .iter()
        .map(|z| (z.zone.clone(), z.vswitch_id.clone()))
        .collect();
    let sg = async {
        let r = c
            .aliyun
            .create_server_group(&NewServerGroup {
                name: &p.server_group_name,
                vpc_id: &p.vpc_id,
                tags: &p.tags,
                client_token: &sg_token,
                dry_run: true,
            })
            .await
            .map(|_| ());
        ("CreateServerGroup", verdict(r))
    };
    let lb = async {
        let r = c
            .aliyun
            .create_load_balancer(&NewLoadBalancer {
                name: &p.load_balancer_name,
                vpc_id: &p.vpc_id,
                zones: &zones,
                tags: &p.tags,
                client_token: &lb_token,
                dry_run: true,
            })
            .await
            .map(|_| ());
        ("CreateLoadBalancer", verdict(r))
    };
    let (a, b) = tokio::join!(
        only_if(creates(Step::ServerGroup), sg),
        only_if(creates(Step::LoadBalancer), lb)
    );
    [a, b].into_iter().flatten().collect()
}

/// Runs `call` when `wanted` (a future does nothing until awaited).
async fn only_if<T>(wanted: bool, call: impl std::future::Future<Output = T>) -> Option<T> {
    if wanted { Some(call.await) } else { None }
}

/// The `permissions` pre-flight check from the dry runs.
pub fn permissions_check(results: &[(&'static str, Result<(), AliyunError>)]) -> Check {
    let denied: Vec<String> = results
        .iter()
        .filter_map(|(call, r)| match r {
            Err(e) if e.is_forbidden() => Some(
                e.missing_permission()
                    .unwrap_or_else(|| format!("nlb:{call}")),
            ),
            _ => None,
        })
        .collect();
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(call, r)| match r {
            Err(e) if !e.is_forbidden() && !e.is_retryable() => Some(format!("{call}: {e}")),
            _ => None,
        })
        .collect();
    let ev = json!(results.iter().map(|(c, r)| json!({"call": c, "ok": r.is_ok(), "error": r.as_ref().err().map(|e| e.to_string())})).collect::<Vec<_>>());
    if !denied.is_empty() {
        Check::new(
            CheckId::Permissions,
            Status::Fail,
            "Missing RAM permissions",
            format!("missing permission {}: the creates would be refused (Forbidden.RAM)", denied.join(", ")),
        )
        .evidence(ev)
        .fix("Attach the policy `tilink policy` prints to the RAM user or role (or at least the missing actions), then rerun.")
    } else if !failed.is_empty() {
        Check::new(
            CheckId::Permissions,
            Status::Fail,
            "The creates would be refused",
            failed.join("; "),
        )
        .evidence(ev)
        .fix("Fix the cause named above (quota, vSwitch, parameters), then rerun.")
    } else if results.is_empty() {
        Check::new(
            CheckId::Permissions,
            Status::Pass,
            "No NLB resource left to create",
            "the server group and the load balancer (the creates with a dry run) are adopted; the rest of the plan is checked as it runs",
        )
    } else {
        Check::new(
            CheckId::Permissions,
            Status::Pass,
            "Creates pass their dry run",
            results
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join(", ")
                + " answered DryRunOperation",
        )
        .evidence(ev)
    }
}
