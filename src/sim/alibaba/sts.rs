//! STS 2015-04-01: GetCallerIdentity (needs no RAM permission) and AssumeRole (mints a
//! temporary key with a security token, as RamRoleArn profiles need).

use serde_json::Value;

use super::{AliError, Ctx, Params, ok, unknown_action};
use crate::sim::world::{AccessKey, World};
use crate::wire::aliyun::GetCallerIdentityResponse;

/// Handles one STS action.
pub fn handle(w: &mut World, ctx: &Ctx<'_>, action: &str, p: &Params) -> Result<Value, AliError> {
    match action {
        "AssumeRole" => assume_role(w, ctx, p),
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

/// `AssumeRole`: `RoleArn` (`acs:ram::<uid>:role/<name>`), `RoleSessionName`
/// (2–64 of `[A-Za-z0-9.@_-]`), `DurationSeconds` (900–3600, default 3600).
fn assume_role(w: &mut World, ctx: &Ctx<'_>, p: &Params) -> Result<Value, AliError> {
    let arn = p
        .get("RoleArn")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AliError::bad("MissingRoleArn", "RoleArn is mandatory for this action."))?;
    let session = p
        .get("RoleSessionName")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AliError::bad(
                "MissingRoleSessionName",
                "RoleSessionName is mandatory for this action.",
            )
        })?;
    if !(2..=64).contains(&session.len())
        || !session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".@_-".contains(c))
    {
        return Err(AliError::bad(
            "InvalidParameter.RoleSessionName",
            "The parameter RoleSessionName is wrongly formed.",
        ));
    }
    let duration: u64 = match p.get("DurationSeconds") {
        None | Some("") => 3600,
        Some(d) => d
            .parse()
            .ok()
            .filter(|d| (900..=3600).contains(d))
            .ok_or_else(|| {
                AliError::bad(
                    "InvalidParameter.DurationSeconds",
                    "The DurationSeconds must be between 900 and 3600 seconds.",
                )
            })?,
    };
    let role = arn
        .strip_prefix(&format!("acs:ram::{}:role/", w.uid))
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            AliError::new(
                404,
                "EntityNotExist.Role",
                format!("The role not exists: {arn}."),
            )
        })?
        .to_string();
    if ctx.caller.deny_writes {
        return Err(AliError::new(
            403,
            "NoPermission",
            "You are not authorized to do this action. You should be authorized by RAM.",
        ));
    }
    let role_id = format!(
        "3{}",
        &w.id("", 17)
            .chars()
            .map(|c| if c.is_ascii_digit() { c } else { '7' })
            .collect::<String>()
    );
    let key = AccessKey {
        id: w.id("STS.", 24),
        secret: w.id("", 30),
        label: "sts-assumed".into(),
        security_token: Some(format!("CAIS{}", w.id("", 60))),
        deny_writes: false,
        denied_actions: Default::default(),
        identity_type: "AssumedRoleUser".into(),
        arn: format!("acs:ram::{}:assumed-role/{role}/{session}", w.uid),
        user_id: format!("{role_id}:{session}"),
        principal_id: format!("{role_id}:{session}"),
        role_id: role_id.clone(),
    };
    let expiration = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() + std::time::Duration::from_secs(duration),
    )
    .to_string();
    let out = serde_json::json!({
        "RequestId": ctx.request_id,
        "Credentials": {
            "AccessKeyId": key.id,
            "AccessKeySecret": key.secret,
            "SecurityToken": key.security_token,
            "Expiration": expiration,
        },
        "AssumedRoleUser": {"Arn": key.arn, "AssumedRoleId": format!("{role_id}:{session}")},
    });
    w.keys.push(key);
    Ok(out)
}
