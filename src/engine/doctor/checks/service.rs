//! The endpoint service: `endpoint-service` and its `service-whitelist`.

use super::super::facts::{ChainFacts, Piece};
use super::{aliyun_cmd, changing, doctor_fix, joined, skip, svc_id};
use crate::engine::check::{Check, CheckId, Status};
use crate::wire::states::ServiceStatus;
use serde_json::json;

/// `endpoint-service`: the service is Active, not locked, auto-accept off.
pub(super) fn endpoint_service(f: &ChainFacts) -> Check {
    let Some(s) = &f.service else {
        return Check::new(CheckId::EndpointService, Status::Fail, "Endpoint service not found", f.why_missing(Piece::Service).unwrap_or("unknown").to_string())
            .fix("The PLC must name an existing endpoint service in the cluster's region; recreate it with tilink setup.");
    };
    let ev = json!({"service": s.service_id, "name": s.service_name, "status": s.service_status, "business": s.service_business_status, "auto_accept": s.auto_accept_enabled, "type": s.service_resource_type});
    let locked = s
        .service_business_status
        .eq_ignore_ascii_case("FinancialLocked");
    if s.service_status.is_changing() && !locked {
        changing(
            CheckId::EndpointService,
            "Endpoint service is being modified",
            format!("{} is {} (being modified)", s.service_id, s.service_status),
            s.service_status.as_str(),
        )
        .evidence(ev)
    } else if s.service_status != ServiceStatus::Active || locked {
        Check::new(CheckId::EndpointService, Status::Fail, "Endpoint service is not active", format!("{} is {} / {}", s.service_id, s.service_status, s.service_business_status))
            .evidence(ev)
            .fix("A FinancialLocked service needs the account's overdue payment settled; otherwise wait for Active.")
    } else if s.auto_accept_enabled {
        Check::new(CheckId::EndpointService, Status::Warn, "Endpoint service accepts every request automatically", format!("{} has auto-accept on: any whitelisted account connects without review", s.service_id))
            .evidence(ev)
            .fix("Turn automatic acceptance off (recommended by TiDB Cloud) so only reviewed requests connect.")
    } else {
        Check::new(
            CheckId::EndpointService,
            Status::Pass,
            "Endpoint service is Active",
            format!(
                "{} ({}), type {}, auto-accept off",
                s.service_id, s.service_name, s.service_resource_type
            ),
        )
        .evidence(ev)
    }
}

/// `service-whitelist`: TiDB Cloud's account (and no stranger) is on the whitelist.
pub(super) fn whitelist(f: &ChainFacts) -> Check {
    if f.service.is_none() {
        return skip(
            CheckId::ServiceWhitelist,
            "Service whitelist",
            f,
            Piece::Users,
        );
    }
    let Some(t) = &f.tidb else {
        return skip(
            CheckId::ServiceWhitelist,
            "Service whitelist",
            f,
            Piece::Tidb,
        );
    };
    let unknown: Vec<&String> = f.users.iter().filter(|u| **u != t.account_id).collect();
    let ev = json!({"tidb_account": t.account_id, "whitelist": f.users});
    if !f.users.contains(&t.account_id) {
        Check::new(CheckId::ServiceWhitelist, Status::Fail, "TiDB Cloud account is not whitelisted", format!("account {} is missing from the service whitelist, so TiDB Cloud cannot see the service", t.account_id))
            .evidence(ev)
            .fix(format!("{}, or {}", doctor_fix(f), aliyun_cmd(f, "privatelink", "AddUserToVpcEndpointService", &[("ServiceId", svc_id(f)), ("UserId", &t.account_id)])))
    } else if !unknown.is_empty() {
        Check::new(
            CheckId::ServiceWhitelist,
            Status::Warn,
            "Other accounts are whitelisted",
            format!(
                "besides TiDB Cloud ({}), accounts {} can request connections",
                t.account_id,
                joined(&unknown)
            ),
        )
        .evidence(ev)
        .fix(format!(
            "Remove accounts you do not know: {}",
            unknown
                .iter()
                .map(|u| aliyun_cmd(
                    f,
                    "privatelink",
                    "RemoveUserFromVpcEndpointService",
                    &[("ServiceId", svc_id(f)), ("UserId", u.as_str())]
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ))
    } else {
        Check::new(
            CheckId::ServiceWhitelist,
            Status::Pass,
            "TiDB Cloud account is whitelisted",
            format!("account {}", t.account_id),
        )
        .evidence(ev)
    }
}
