//! The NLB's backend: `server-group`, `backend-ip` (the RDS address now) and
//! `backend-health`.

use super::super::facts::{ChainFacts, Piece};
use super::{changing, doctor_fix, joined, skip};
use crate::engine::check::{Check, CheckId, Status};
use crate::wire::states::ListenerStatus;
use serde_json::json;

/// `server-group`: an IP/TCP group in the NLB's VPC, with a health check and a backend.
pub(super) fn server_group(f: &ChainFacts) -> Check {
    if f.lb.is_none() {
        return skip(CheckId::ServerGroup, "Server group", f, Piece::Lb);
    }
    let Some(g) = f.server_groups.first() else {
        return skip(CheckId::ServerGroup, "Server group", f, Piece::ServerGroups);
    };
    let vpc =
        f.lb.as_ref()
            .map(|l| l.load_balancer.vpc_id.clone())
            .unwrap_or_default();
    let ev = json!({"server_group": g.server_group_id, "type": g.server_group_type, "protocol": g.protocol, "status": g.server_group_status, "vpc": g.vpc_id, "nlb_vpc": vpc, "health_check": g.health_check.health_check_enabled, "servers": g.server_count});
    if !g.server_group_type.eq_ignore_ascii_case("Ip") {
        Check::new(
            CheckId::ServerGroup,
            Status::Fail,
            "Server group is not IP type",
            format!(
                "{} is {}: RDS can only be a backend by IP",
                g.server_group_id, g.server_group_type
            ),
        )
        .evidence(ev)
        .fix("Recreate as an Ip server group (the type is immutable).")
    } else if g.vpc_id != vpc {
        Check::new(
            CheckId::ServerGroup,
            Status::Fail,
            "Server group in another VPC",
            format!("{} is in {}, the NLB in {vpc}", g.server_group_id, g.vpc_id),
        )
        .evidence(ev)
        .fix("Recreate the server group in the NLB's VPC (the RDS VPC).")
    } else if !g.health_check.health_check_enabled {
        Check::new(
            CheckId::ServerGroup,
            Status::Warn,
            "Health check is off",
            "a dead backend goes unnoticed",
        )
        .evidence(ev)
        .fix("Enable a TCP health check on the backend port.")
    } else if f.servers.is_empty() {
        Check::new(
            CheckId::ServerGroup,
            Status::Fail,
            "Server group has no backend",
            format!("{} is empty", g.server_group_id),
        )
        .evidence(ev)
        .fix(format!(
            "Add the RDS private IP and port: {}",
            doctor_fix(f)
                .replace("tilink doctor", "tilink reconcile")
                .replace(" --fix", "")
        ))
    } else {
        Check::new(
            CheckId::ServerGroup,
            Status::Pass,
            "Server group is an IP/TCP group with a health check",
            format!("{} ({} backend(s))", g.server_group_id, f.servers.len()),
        )
        .evidence(ev)
    }
}

/// `backend-ip`: the group's backend is the RDS instance's private address now.
pub(super) fn ip(f: &ChainFacts) -> Check {
    let Some(r) = &f.rds else {
        return skip(CheckId::BackendIp, "Backend IP vs RDS", f, Piece::Rds);
    };
    if f.servers.is_empty() {
        return skip(CheckId::BackendIp, "Backend IP vs RDS", f, Piece::Servers);
    }
    let backends: Vec<String> = f
        .servers
        .iter()
        .map(|s| format!("{}:{}", s.server_ip, s.port))
        .collect();
    let want = format!("{}:{}", r.private_ip, r.port);
    let ev = json!({"backends": backends, "rds_now": want, "instance": r.id});
    if backends.contains(&want) {
        let stale: Vec<&String> = backends.iter().filter(|b| **b != want).collect();
        if stale.is_empty() {
            Check::new(
                CheckId::BackendIp,
                Status::Pass,
                "Backend is the RDS private endpoint",
                format!("{want} ({})", r.id),
            )
            .evidence(ev)
        } else {
            Check::new(
                CheckId::BackendIp,
                Status::Warn,
                "Extra backends in the server group",
                format!("{} besides {want}", joined(&stale)),
            )
            .evidence(ev)
            .fix(format!(
                "Remove backends that are not the RDS primary: {}",
                doctor_fix(f)
                    .replace("tilink doctor", "tilink reconcile")
                    .replace(" --fix", "")
            ))
        }
    } else {
        Check::new(CheckId::BackendIp, Status::Fail, "Backend IP is stale", format!("server group points at {} but {} now answers at {want} (RDS IPs change after a zone migration or upgrade; NLB does not follow)", backends.join(", "), r.id))
            .evidence(ev)
            .fix(format!("{} adds the new IP, waits until it is healthy and removes the old one; run `{}` on a schedule to follow future moves.", doctor_fix(f), doctor_fix(f).replace("tilink doctor", "tilink reconcile").replace(" --fix", "")))
    }
}

/// `backend-health`: the listeners' health checks reach the backend (a stopped listener
/// or an RDS task explains a failure without blaming the backend).
pub(super) fn health(f: &ChainFacts) -> Check {
    if f.listeners.is_empty() {
        return skip(
            CheckId::BackendHealth,
            "Backend health",
            f,
            Piece::Listeners,
        );
    }
    let bad: Vec<_> = f
        .health
        .iter()
        .flat_map(|h| h.server_group_infos.iter())
        .flat_map(|g| g.non_normal_servers.iter())
        .collect();
    if f.health.is_empty() {
        return skip(CheckId::BackendHealth, "Backend health", f, Piece::Health);
    }
    if !bad.is_empty() {
        // A stopped listener runs no health checks; an RDS instance running a task (a
        // restart, a class change) fails them for a while: neither is the backend's fault.
        if let Some(l) = f.listeners.iter().find(|l| {
            matches!(
                l.listener_status,
                ListenerStatus::Stopped | ListenerStatus::Stopping
            )
        }) {
            return Check::skip(
                CheckId::BackendHealth,
                "Backend health",
                format!(
                    "listener {} is {}: no health checks run until it is started (see listener)",
                    l.listener_id, l.listener_status
                ),
            );
        }
        if let Some(r) = f.rds.as_ref().filter(|r| {
            !r.status.eq_ignore_ascii_case("Running")
                && !crate::engine::discover::rds_down(&r.status)
        }) {
            return changing(
                CheckId::BackendHealth,
                "Backend health follows the RDS instance being modified",
                format!(
                    "{} backend(s) not healthy while {} is {} (see rds-status)",
                    bad.len(),
                    r.id,
                    r.status
                ),
                &r.status,
            );
        }
    }
    if bad.is_empty() {
        return Check::new(
            CheckId::BackendHealth,
            Status::Pass,
            "Backends are healthy",
            "no backend reported unhealthy by GetListenerHealthStatus",
        );
    }
    // `Initial`: the health check has not run yet (a new or just-changed backend or
    // listener); it settles by itself.
    if bad.iter().all(|s| s.status.eq_ignore_ascii_case("Initial")) {
        return changing(
            CheckId::BackendHealth,
            "Backend health is not known yet",
            format!("{} backend(s) not yet health-checked (Initial)", bad.len()),
            "Initial",
        );
    }
    let bad: Vec<_> = bad
        .into_iter()
        .filter(|s| !s.status.eq_ignore_ascii_case("Initial"))
        .collect();
    let reasons: Vec<String> = bad
        .iter()
        .map(|s| {
            let reason = if s.reason.reason_code.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.reason.reason_code)
            };
            format!("{}:{} {}{reason}", s.server_ip, s.port, s.status)
        })
        .collect();
    // A stopped (or locked, released) RDS instance answers nothing: that is the cause, not
    // the backend's address.
    let rds_down = f
        .rds
        .as_ref()
        .filter(|r| crate::engine::discover::rds_down(&r.status));
    let fix = if let Some(r) = rds_down {
        format!(
            "The RDS instance {} is {} (see rds-status): nothing answers until it runs again.",
            r.id, r.status
        )
    } else if bad.iter().any(|s| s.reason.reason_code.contains("TIMEOUT")) {
        "CONNECT_TIMEOUT usually means the RDS allowlist lacks the NLB vSwitch CIDRs (see rds-allowlist) or a network ACL drops the health checks.".to_string()
    } else if bad.iter().any(|s| s.reason.reason_code.contains("FAILED")) {
        "CONNECT_FAILED usually means a wrong backend IP or port (see backend-ip): nothing listens there.".to_string()
    } else {
        "The health checks fail without a reason code: compare the backend with the RDS address (backend-ip), the allowlist (rds-allowlist) and the listener (listener).".to_string()
    };
    Check::new(CheckId::BackendHealth, Status::Fail, "Backends fail health checks", reasons.join("; "))
        .evidence(json!(bad.iter().map(|s| json!({"ip": s.server_ip, "port": s.port, "status": s.status, "reason": s.reason.reason_code})).collect::<Vec<_>>()))
        .fix(fix)
}
