//! The NLB: `nlb-status` and its TCP `listener`.

use super::super::facts::{ChainFacts, Piece};
use super::{aliyun_cmd, changing, skip};
use crate::engine::check::{Check, CheckId, Status};
use crate::wire::states::{ListenerStatus, LoadBalancerStatus};
use serde_json::json;

/// `nlb-status`: the NLB is Active, not locked, cross-zone.
pub(super) fn status(f: &ChainFacts) -> Check {
    let Some(lb) = &f.lb else {
        return skip(CheckId::NlbStatus, "Load balancer", f, Piece::Lb);
    };
    let l = &lb.load_balancer;
    let locks: Vec<String> = l
        .operation_locks
        .iter()
        .map(|x| format!("{} ({})", x.lock_type, x.lock_reason))
        .collect();
    let ev = json!({"load_balancer": l.load_balancer_id, "status": l.load_balancer_status, "business": l.load_balancer_business_status, "locks": locks, "cross_zone": l.cross_zone_enabled, "address_type": l.address_type});
    if l.load_balancer_status.is_changing() && locks.is_empty() {
        changing(
            CheckId::NlbStatus,
            "Load balancer is being modified",
            format!(
                "{} is {} (being modified)",
                l.load_balancer_id, l.load_balancer_status
            ),
            l.load_balancer_status.as_str(),
        )
        .evidence(ev)
    } else if l.load_balancer_status != LoadBalancerStatus::Active || !locks.is_empty() {
        Check::new(CheckId::NlbStatus, Status::Fail, "Load balancer is not serving", format!("{} is {}{}", l.load_balancer_id, l.load_balancer_status, if locks.is_empty() { String::new() } else { format!(", locked: {}", locks.join(", ")) }))
            .evidence(ev)
            .fix("A FinancialLocked NLB needs the overdue bill settled; CreateFailed means delete and recreate (tilink teardown + setup).")
    } else if !l.cross_zone_enabled {
        Check::new(CheckId::NlbStatus, Status::Warn, "Cross-zone load balancing is off", format!("{}: the RDS backend is in one zone, so traffic entering other zones may not be forwarded", l.load_balancer_id))
            .evidence(ev)
            .fix("Turn cross-zone load balancing on (the default).")
    } else {
        Check::new(
            CheckId::NlbStatus,
            Status::Pass,
            "Load balancer is Active",
            format!("{} ({}, cross-zone on)", l.load_balancer_id, l.address_type),
        )
        .evidence(ev)
    }
}

/// `listener`: a running TCP listener without proxy protocol and a short idle timeout.
pub(super) fn listener(f: &ChainFacts) -> Check {
    if f.lb.is_none() {
        return skip(CheckId::Listener, "Listener", f, Piece::Lb);
    }
    let rds_port = f.rds.as_ref().map(|r| r.port);
    let tcp: Vec<_> = f
        .listeners
        .iter()
        .filter(|l| l.listener_protocol == "TCP")
        .collect();
    let Some(l) = tcp.first() else {
        return Check::new(
            CheckId::Listener,
            Status::Fail,
            "No TCP listener",
            format!("the NLB has {} listener(s), none TCP", f.listeners.len()),
        )
        .fix("Create a TCP listener on the RDS port forwarding to the server group.");
    };
    let ev = json!({"listener": l.listener_id, "protocol": l.listener_protocol, "port": l.listener_port, "status": l.listener_status, "idle_timeout": l.idle_timeout, "proxy_protocol": l.proxy_protocol_enabled, "server_group": l.server_group_id});
    if l.listener_status.is_changing() {
        return changing(
            CheckId::Listener,
            "Listener is being modified",
            format!(
                "{} is {} (being modified)",
                l.listener_id, l.listener_status
            ),
            l.listener_status.as_str(),
        )
        .evidence(ev);
    }
    if l.listener_status != ListenerStatus::Running {
        return Check::new(
            CheckId::Listener,
            Status::Fail,
            "Listener is not running",
            format!("{} is {}", l.listener_id, l.listener_status),
        )
        .evidence(ev)
        .fix(format!(
            "Start it: {}",
            aliyun_cmd(f, "nlb", "StartListener", &[("ListenerId", &l.listener_id)])
        ));
    }
    if l.proxy_protocol_enabled {
        return Check::new(
            CheckId::Listener,
            Status::Fail,
            "Proxy protocol is on",
            "MySQL cannot parse the PROXY header: connections fail",
        )
        .evidence(ev)
        .fix(format!(
            "Turn proxy protocol off (MySQL does not speak it): {}",
            aliyun_cmd(
                f,
                "nlb",
                "UpdateListenerAttribute",
                &[
                    ("ListenerId", &l.listener_id),
                    ("ProxyProtocolEnabled", "false")
                ]
            )
        ));
    }
    if l.idle_timeout != 0 && l.idle_timeout < 900 {
        return Check::new(
            CheckId::Listener,
            Status::Warn,
            "Short idle timeout",
            format!(
                "{} s: idle binlog streams are cut; DM/CDC heartbeats must be shorter",
                l.idle_timeout
            ),
        )
        .evidence(ev)
        .fix(format!(
            "Set the idle timeout to 900 s: {}",
            aliyun_cmd(
                f,
                "nlb",
                "UpdateListenerAttribute",
                &[("ListenerId", &l.listener_id), ("IdleTimeout", "900")]
            )
        ));
    }
    match rds_port {
        Some(p) if p != l.listener_port => Check::new(
            CheckId::Listener,
            Status::Warn,
            "Listener port differs from the RDS port",
            format!(
                "listener :{} vs RDS :{p} (fine if intended; changefeeds must use :{})",
                l.listener_port, l.listener_port
            ),
        )
        .evidence(ev),
        _ => Check::new(
            CheckId::Listener,
            Status::Pass,
            "TCP listener is running",
            format!(
                "{} :{} idle timeout {} s",
                l.listener_id, l.listener_port, l.idle_timeout
            ),
        )
        .evidence(ev),
    }
}
