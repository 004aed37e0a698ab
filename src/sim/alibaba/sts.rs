//! STS 2015-04-01: GetCallerIdentity (needs no RAM permission).

use serde_json::Value;

use super::{AliError, Ctx, Params, ok, unknown_action};
use crate::sim::world::World;
use crate::wire::aliyun::GetCallerIdentityResponse;

/// Handles one STS action.
pub fn handle(w: &mut World, ctx: &Ctx<'_>, action: &str, _p: &Params) -> Result<Value, AliError> {
    match action {
        "GetCallerIdentity" => {
            let k = ctx.caller;
            ok(GetCallerIdentityResponse {
                request_id: ctx.request_id.into(),
                account_id: w.uid.to_string(),
                user_id: if k.role_id.is_empty() {
                    k.user_id.clone()
                } else {
                    k.principal_id.clone()
                },
                principal_id: k.principal_id.clone(),
                arn: k.arn.clone(),
                identity_type: k.identity_type.clone(),
                role_id: k.role_id.clone(),
            })
        }
        _ => Err(unknown_action(action)),
    }
}
