//! Alibaba Cloud RPC side of the simulator: routing by (Version, Action), parameters,
//! errors, RAM checks, ClientToken idempotency and pagination shared by the products.

pub mod nlb;
pub mod privatelink;
pub mod rds;
pub mod sts;
pub mod vpc;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use super::world::{AccessKey, Provisioned, World, ZoneInfo};
use crate::wire::aliyun::{AccessDeniedDetail, ErrorBody, Zone};

/// The five products: the client's own table (versions, RAM codes, hosts), so client and
/// simulator cannot disagree on an endpoint.
pub use crate::cloud::aliyun::endpoints::Product;

/// The simulator's error shapes per product.
pub trait ProductErrors {
    /// The product's generic "missing parameter" error.
    fn missing(self, name: &str) -> AliError;
    /// The product's generic "invalid parameter" error.
    fn invalid(self, name: &str, why: &str) -> AliError;
    /// The product's name in `Recommend` links.
    fn recommend_name(self) -> &'static str;
}

impl ProductErrors for Product {
    /// The product's generic "missing parameter" error: NLB says `MissingParam.<Name>`, the
    /// others the POP gateway's `MissingParameter`.
    fn missing(self, name: &str) -> AliError {
        match self {
            Product::Nlb => AliError::bad(
                &format!("MissingParam.{name}"),
                format!("The param {name} is missing."),
            ),
            _ => AliError::bad(
                "MissingParameter",
                format!(
                    "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
                ),
            ),
        }
    }

    /// The product's generic "invalid parameter" error (`IllegalParam.<Name>` on NLB,
    /// `InvalidParameter` elsewhere).
    fn invalid(self, name: &str, why: &str) -> AliError {
        match self {
            Product::Nlb => AliError::bad(
                &format!("IllegalParam.{name}"),
                format!("The param {name} is illegal: {why}"),
            ),
            _ => AliError::bad(
                "InvalidParameter",
                format!("The specified parameter \"{name}\" is not valid: {why}"),
            ),
        }
    }

    fn recommend_name(self) -> &'static str {
        match self {
            Product::Sts => "Sts",
            Product::Vpc => "Vpc",
            Product::Rds => "Rds",
            Product::Nlb => "Nlb",
            Product::PrivateLink => "Privatelink",
        }
    }
}

/// An Alibaba error answer.
#[derive(Clone, Debug)]
pub struct AliError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub detail: Option<AccessDeniedDetail>,
    /// `x-acs-retry-after` in milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl AliError {
    /// An error with an HTTP status, a code and a message.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        AliError {
            status,
            code: code.into(),
            message: message.into(),
            detail: None,
            retry_after_ms: None,
        }
    }

    /// 400.
    pub fn bad(code: &str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// 404.
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(404, code, message)
    }

    /// The successful DryRun answer (an error by design).
    pub fn dry_run() -> Self {
        Self::bad(
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
        )
    }

    /// The body, for a given product and request id.
    pub fn body(&self, product: Option<Product>, region: &str, request_id: &str) -> ErrorBody {
        let p = product.unwrap_or(Product::Nlb);
        ErrorBody {
            request_id: request_id.to_string(),
            host_id: p.host(region),
            code: self.code.clone(),
            message: self.message.clone(),
            recommend: format!(
                "https://api.aliyun.com/troubleshoot?q={}&product={}&requestId={request_id}",
                self.code,
                p.recommend_name()
            ),
            access_denied_detail: self.detail.clone(),
        }
    }
}

/// Common (signature and protocol) parameters of every RPC call, declared by no action.
pub const COMMON_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
    "SecurityToken",
    "SignatureType",
];

/// True for a parameter of the call itself: neither a common parameter nor the idempotency
/// token (what a fingerprint and a replay compare).
pub fn is_business(name: &str) -> bool {
    !COMMON_PARAMS.contains(&name) && name != "ClientToken"
}

/// Decoded request parameters (query ∪ form).
pub struct Params {
    pub pairs: Vec<(String, String)>,
    pub product: Product,
}

impl Params {
    /// A parameter value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty parameter value.
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// A required parameter; NLB says `MissingParam.<Name>`, the others `MissingParameter`.
    pub fn req(&self, name: &str) -> Result<&str, AliError> {
        self.opt(name).ok_or_else(|| self.missing(name))
    }

    /// The "missing parameter" error of this product.
    pub fn missing(&self, name: &str) -> AliError {
        self.product.missing(name)
    }

    /// The "invalid parameter" error of this product.
    pub fn invalid(&self, name: &str, why: &str) -> AliError {
        self.product.invalid(name, why)
    }

    /// A boolean (case-insensitive `true`/`false`).
    pub fn bool(&self, name: &str, default: bool) -> Result<bool, AliError> {
        match self.opt(name) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(self.invalid(name, &format!("`{v}` is not a boolean"))),
        }
    }

    /// An unsigned integer.
    pub fn u64(&self, name: &str, default: u64) -> Result<u64, AliError> {
        match self.opt(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| self.invalid(name, &format!("`{v}` is not a number"))),
        }
    }

    /// `Name.N` values, ordered by N.
    pub fn list(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}.");
        let mut v: Vec<(u32, String)> = self
            .pairs
            .iter()
            .filter_map(|(k, val)| {
                let n = k.strip_prefix(&prefix)?.parse::<u32>().ok()?;
                Some((n, val.clone()))
            })
            .collect();
        v.sort_by_key(|(n, _)| *n);
        v.into_iter().map(|(_, s)| s).collect()
    }

    /// `Name.N.Field` objects, ordered by N.
    pub fn objects(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let prefix = format!("{name}.");
        let mut m: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
        for (k, v) in &self.pairs {
            if let Some(rest) = k.strip_prefix(&prefix)
                && let Some((n, field)) = rest.split_once('.')
                && let Ok(n) = n.parse::<u32>()
            {
                m.entry(n).or_default().insert(field.to_string(), v.clone());
            }
        }
        m.into_values().collect()
    }

    /// `Tag.N.Key/Value`.
    pub fn tags(&self) -> Result<Vec<(String, String)>, AliError> {
        let mut out = vec![];
        for t in self.objects("Tag") {
            let key = t.get("Key").cloned().unwrap_or_default();
            if key.is_empty() {
                return Err(self.missing("Tag.N.Key"));
            }
            if key.starts_with("aliyun") || key.starts_with("acs:") {
                return Err(self.invalid("Tag.Key", "keys must not start with aliyun or acs:"));
            }
            out.push((key, t.get("Value").cloned().unwrap_or_default()));
        }
        Ok(out)
    }

    /// Business parameters for idempotency fingerprints (no auth/common parameters, no token).
    pub fn fingerprint(&self) -> String {
        let mut v: Vec<_> = self
            .pairs
            .iter()
            .filter(|(k, _)| is_business(k))
            .cloned()
            .collect();
        v.sort();
        v.into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Who is calling and when.
pub struct Ctx<'a> {
    pub now: Instant,
    pub request_id: &'a str,
    pub caller: &'a AccessKey,
    /// Eventual-consistency fault: List* results omit resources younger than this.
    pub hide_recent: Option<Duration>,
}

impl Ctx<'_> {
    /// False when the eventual-consistency fault hides a resource created at `t`.
    pub fn visible(&self, t: Instant) -> bool {
        self.hide_recent
            .is_none_or(|d| self.now.duration_since(t) >= d)
    }
}

/// One call as a product's handler sees it: the world, who calls and when, the parameters
/// and the region.
pub struct Call<'a> {
    pub w: &'a mut World,
    pub ctx: &'a Ctx<'a>,
    pub p: &'a Params,
    pub region: &'a str,
}

/// A handler's answer: the response body, or the product's error.
pub type Reply = Result<Value, AliError>;

/// True when an action changes state (the action table's rule, shared with the client's
/// policy and retry classification).
pub fn is_write(product: Product, action: &str) -> bool {
    crate::cloud::aliyun::actions::is_write(product, action)
}

/// Serializes a wire response.
pub fn ok<T: Serialize>(v: T) -> Result<Value, AliError> {
    serde_json::to_value(v).map_err(|e| AliError::new(500, "InternalError", e.to_string()))
}

/// True when `tags` has every (key, value) filter of `Tag.N.*` (an empty filter value
/// matches any value).
pub fn tags_match(tags: &[(String, String)], filter: &[(String, String)]) -> bool {
    filter.iter().all(|(k, v)| {
        tags.iter()
            .any(|(tk, tv)| tk == k && (v.is_empty() || tv == v))
    })
}

/// Merges tags (same key overwrites); at most 20.
pub fn merge_tags(
    tags: &mut Vec<(String, String)>,
    new: &[(String, String)],
) -> Result<(), AliError> {
    for (k, v) in new {
        match tags.iter_mut().find(|(tk, _)| tk == k) {
            Some(t) => t.1 = v.clone(),
            None => tags.push((k.clone(), v.clone())),
        }
    }
    if tags.len() > 20 {
        return Err(AliError::bad(
            "QuotaExceeded.TagsPerResource",
            "A resource can have at most 20 tags.",
        ));
    }
    Ok(())
}

/// One page of a `NextToken`/`MaxResults` list.
pub struct Page<T> {
    pub items: Vec<T>,
    /// Empty on the last page.
    pub next_token: String,
    /// The page size asked for (or the default).
    pub max_results: u64,
    /// How many items the whole list has.
    pub total_count: u64,
}

/// `NextToken`/`MaxResults` paging.
pub fn page_by_token<T>(
    p: &Params,
    items: Vec<T>,
    default_max: u64,
    limit: u64,
) -> Result<Page<T>, AliError> {
    let max = p.u64("MaxResults", default_max)?;
    if max == 0 || max > limit {
        return Err(p.invalid("MaxResults", &format!("must be between 1 and {limit}")));
    }
    let start = match p.opt("NextToken") {
        None => 0,
        Some(t) => t
            .strip_prefix("FFtl")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .ok_or_else(|| p.invalid("NextToken", "unknown token"))?,
    };
    let total = items.len() as u64;
    let end = (start + max as usize).min(items.len());
    let next = if end < items.len() {
        format!("FFtl{end:08x}")
    } else {
        String::new()
    };
    let page = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Ok(Page {
        items: page,
        next_token: next,
        max_results: max,
        total_count: total,
    })
}

/// `PageNumber`/`PageSize` paging. Returns (page, page number, page size, total).
pub fn page_by_number<T>(
    p: &Params,
    items: Vec<T>,
    default_size: u64,
    limit: u64,
) -> Result<(Vec<T>, u64, u64, u64), AliError> {
    let size = p.u64("PageSize", default_size)?;
    let number = p.u64("PageNumber", 1)?;
    if size == 0 || size > limit {
        return Err(p.invalid("PageSize", &format!("must be between 1 and {limit}")));
    }
    if number == 0 {
        return Err(p.invalid("PageNumber", "must be at least 1"));
    }
    let total = items.len() as u64;
    let page = items
        .into_iter()
        .skip(((number - 1) * size) as usize)
        .take(size as usize)
        .collect();
    Ok((page, number, size, total))
}

fn ram_denied(caller: &AccessKey, product: Product, action: &str, uid: u64) -> Option<AliError> {
    let auth = format!("{}:{action}", product.ram_code());
    let denied = (caller.deny_writes && is_write(product, action) && product != Product::Sts)
        || caller.denied_actions.contains(&auth);
    if !denied {
        return None;
    }
    let mut e = AliError::new(
        403,
        "Forbidden.RAM",
        format!(
            "User not authorized to operate on the specified resource, or this API doesn't support RAM. (missing {auth})"
        ),
    );
    e.detail = Some(AccessDeniedDetail {
        auth_action: auth,
        auth_principal_type: "SubUser".into(),
        auth_principal_owner_id: uid.to_string(),
        auth_principal_display_name: caller
            .arn
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string(),
        no_permission_type: "ImplicitDeny".into(),
        policy_type: "AccountLevelIdentityBasedPolicy".into(),
        encoded_diagnostic_message: "AQEAAAAA".into(),
    });
    Some(e)
}

/// Executes one authenticated action against the world.
pub fn dispatch(
    world: &mut World,
    ctx: &Ctx<'_>,
    product: Product,
    action: &str,
    p: &Params,
) -> Result<Value, AliError> {
    if let Some(e) = ram_denied(ctx.caller, product, action, world.uid) {
        return Err(e);
    }
    if product == Product::PrivateLink
        && is_write(product, action)
        && action != "OpenPrivateLinkService"
        && !world.privatelink_open
    {
        return Err(AliError::bad(
            "NeedOpenProduct",
            "The PrivateLink service is not activated. Call OpenPrivateLinkService first.",
        ));
    }
    let idem = matches!(product, Product::Nlb | Product::PrivateLink) && is_write(product, action);
    let token_key = p
        .opt("ClientToken")
        .filter(|_| idem)
        .map(|t| (format!("{}:{action}", product.ram_code()), t.to_string()));
    if let Some(t) = &token_key {
        if t.1.len() > 64 || !t.1.is_ascii() {
            return Err(p.invalid("ClientToken", "at most 64 ASCII characters"));
        }
        if let Some((fp, resp)) = world.idempotency.get(t) {
            if *fp != p.fingerprint() {
                return Err(AliError::bad(
                    "IdempotenceSignatureMismatch",
                    "The ClientToken was used with different parameters.",
                ));
            }
            let mut resp = resp.clone();
            if let Some(o) = resp.as_object_mut() {
                o.insert(
                    "RequestId".into(),
                    Value::String(ctx.request_id.to_string()),
                );
            }
            return Ok(resp);
        }
    }
    let resp = match product {
        Product::Sts => sts::handle(world, ctx, action, p),
        Product::Vpc => vpc::handle(world, ctx, action, p),
        Product::Rds => rds::handle(world, ctx, action, p),
        Product::Nlb => nlb::handle(world, ctx, action, p),
        Product::PrivateLink => privatelink::handle(world, ctx, action, p),
    }?;
    if let Some(t) = token_key {
        world.idempotency.insert(t, (p.fingerprint(), resp.clone()));
    }
    Ok(resp)
}

/// The resource `id` in `region`, else `missing(id)`: the product's not-found answer.
pub fn find_in<'a, T: Provisioned>(
    items: &'a [T],
    id: &str,
    region: &str,
    missing: fn(&str) -> AliError,
) -> Result<&'a T, AliError> {
    items
        .iter()
        .find(|x| x.id() == id && x.region() == region)
        .ok_or_else(|| missing(id))
}

/// The zones of `region` that `offers` the product, as `DescribeZones` lists them.
pub fn zones_offering(w: &World, region: &str, offers: fn(&ZoneInfo) -> bool) -> Vec<Zone> {
    w.zones(region)
        .iter()
        .filter(|z| offers(z))
        .map(|z| Zone {
            zone_id: z.id.clone(),
            local_name: z.local_name.clone(),
            zone_type: String::new(),
        })
        .collect()
}

/// The `ResourceType` (lower case) and the `ResourceId.N` (at least one) of a tag call.
pub fn tag_targets(p: &Params) -> Result<(String, Vec<String>), AliError> {
    let rtype = p.req("ResourceType")?.to_ascii_lowercase();
    let ids = p.list("ResourceId");
    if ids.is_empty() {
        return Err(p.missing("ResourceId"));
    }
    Ok((rtype, ids))
}

/// 404 `InvalidApi.NotFound`.
pub fn unknown_action(action: &str) -> AliError {
    AliError::not_found(
        "InvalidApi.NotFound",
        format!("Specified api is not found, please check your url and method. ({action})"),
    )
}

/// The region of a call: `RegionId` or the world's region.
pub fn region_of(w: &World, p: &Params) -> String {
    p.opt("RegionId")
        .map(str::to_string)
        .unwrap_or_else(|| w.region.clone())
}

/// Rejects regions the world does not know (VPC/NLB/PrivateLink).
pub fn known_region(w: &World, p: &Params, region: &str) -> Result<(), AliError> {
    if w.regions.iter().any(|(r, _)| r == region) {
        Ok(())
    } else if p.product == Product::Nlb {
        Err(AliError::new(
            403,
            "UnauthorizedRegion",
            format!("The region {region} is not supported."),
        ))
    } else {
        Err(AliError::not_found(
            "InvalidRegionId.NotFound",
            format!("The specified region {region} does not exist."),
        ))
    }
}

#[cfg(test)]
mod tests;
