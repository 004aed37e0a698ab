//! PrivateLink endpoint service whitelists: users by UID and by ARN.

use super::*;

/// `AddUserToVpcEndpointService` / `RemoveUserFromVpcEndpointService`.
pub(super) fn add_or_remove_user(Call { w, ctx, p, region }: Call<'_>, action: &str) -> Reply {
    let id = p.req("ServiceId")?.to_string();
    let user = p.opt("UserId");
    let arn = p.opt("UserARN");
    let uid = match (user, arn) {
        (Some(_), Some(_)) => {
            return Err(AliError::bad(
                "Mismatch.UserIdAndUserArn",
                "Specify either UserId or UserARN, not both.",
            ));
        }
        (None, None) => {
            return Err(AliError::bad(
                "MissingParam.UserArn",
                "UserId or UserARN is required.",
            ));
        }
        (Some(u), None) => Some(
            u.trim()
                .parse::<u64>()
                .map_err(|_| p.invalid("UserId", "must be an account UID"))?,
        ),
        (None, Some(_)) => None,
    };
    let dry = p.bool("DryRun", false)?;
    active_service(w, &id, region, ctx.now)?;
    let add = action.starts_with("Add");
    finish_write(w, ctx, action, &id, dry, |w| {
        let Some(s) = service_mut(w, &id) else {
            return;
        };
        match (uid, arn) {
            (Some(u), _) if add => {
                s.users.insert(u);
            }
            (Some(u), _) => {
                s.users.remove(&u);
            }
            (None, Some(a)) if add => {
                s.user_arns.insert(a.to_string());
            }
            (None, Some(a)) => {
                s.user_arns.remove(a);
            }
            _ => {}
        }
    })
}

/// `ListVpcEndpointServiceUsers`.
pub(super) fn list_vpc_endpoint_service_users(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let rid = ctx.request_id.to_string();
    let id = p.req("ServiceId")?;
    let s = find_in(&w.services, id, region, svc_not_found)?;
    let filter: Option<u64> = p.opt("UserId").and_then(|u| u.trim().parse().ok());
    let users: Vec<u64> = s
        .users
        .iter()
        .copied()
        .filter(|u| filter.is_none_or(|f| f == *u))
        .collect();
    let page = page_by_token(p, users, 50, 50)?;
    ok(wire::ListVpcEndpointServiceUsersResponse {
        request_id: rid,
        users: page
            .items
            .into_iter()
            .map(|u| wire::ServiceUser { user_id: u })
            .collect(),
        user_arns: s
            .user_arns
            .iter()
            .map(|a| wire::ServiceUserArn {
                user_arn: a.clone(),
            })
            .collect(),
        next_token: page.next_token,
        max_results: page.max_results,
        total_count: page.total_count,
    })
}
