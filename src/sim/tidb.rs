//! TiDB Cloud v1beta1 side of the simulator: clusters, Private Link Connections and IAM
//! projects (tidbcloud-api.md §2–§3, §8). Errors are `Status{code,message,details}`.

use std::time::Duration;

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use super::clock::wall_rfc3339_millis;
use super::world::{Cluster, Plc, World};
use crate::wire::tidb as wire;

/// A TiDB error answer (HTTP status + google.rpc code).
#[derive(Debug, Clone)]
pub struct TidbError {
    pub status: u16,
    pub code: i64,
    pub message: String,
}

impl TidbError {
    /// 400 INVALID_ARGUMENT.
    pub fn invalid(msg: impl Into<String>) -> Self {
        TidbError {
            status: 400,
            code: 3,
            message: msg.into(),
        }
    }
    /// 400 FAILED_PRECONDITION.
    pub fn precondition(msg: impl Into<String>) -> Self {
        TidbError {
            status: 400,
            code: 9,
            message: msg.into(),
        }
    }
    /// 404 NOT_FOUND.
    pub fn not_found(msg: impl Into<String>) -> Self {
        TidbError {
            status: 404,
            code: 5,
            message: msg.into(),
        }
    }
    /// The JSON body.
    pub fn body(&self) -> wire::Status {
        wire::Status {
            code: self.code,
            message: self.message.clone(),
            details: vec![],
        }
    }
}

/// Who is calling and when.
pub struct TidbCtx<'a> {
    pub now: Instant,
    pub public_key: &'a str,
    pub hide_recent: Option<Duration>,
}

fn ok<T: Serialize>(v: T) -> Result<Value, TidbError> {
    serde_json::to_value(v).map_err(|e| TidbError {
        status: 500,
        code: 13,
        message: e.to_string(),
    })
}

/// The stats key for a request: method plus the path template.
pub fn template(method: &str, path: &str) -> String {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let t: Vec<String> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| match (i, segs.get(i.wrapping_sub(1)).copied()) {
            (_, Some("clusters")) => "{clusterId}".to_string(),
            (_, Some("privateLinkConnections")) => "{privateLinkConnectionId}".to_string(),
            (_, Some("changefeeds")) => "{changefeedId}".to_string(),
            (_, Some("migrations")) => "{migrationId}".to_string(),
            _ => s.to_string(),
        })
        .collect();
    format!("{method} /{}", t.join("/"))
}

/// Cluster `id`, else the API's 404.
fn find_cluster<'a>(w: &'a World, id: &str) -> Result<&'a Cluster, TidbError> {
    w.cluster(id)
        .ok_or_else(|| TidbError::not_found(format!("cluster {id} not found")))
}

/// Where private link connection `plc` of cluster `cluster` is in the world, else the API's
/// 404.
fn plc_index(w: &World, cluster: &str, plc: &str) -> Result<usize, TidbError> {
    w.plcs
        .iter()
        .position(|p| p.cluster_id == cluster && p.id == plc)
        .ok_or_else(|| TidbError::not_found(format!("private link connection {plc} not found")))
}

fn page_token(offset: usize) -> String {
    format!("pt{offset:x}")
}

fn parse_page(q: &[(String, String)], default: usize) -> Result<(usize, usize), TidbError> {
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let size = match get("pageSize") {
        None => default,
        Some(s) => s
            .parse::<i64>()
            .map_err(|_| TidbError::invalid("pageSize must be an integer"))?
            .clamp(1, 100) as usize,
    };
    let start = match get("pageToken") {
        None => 0,
        Some(t) => t
            .strip_prefix("pt")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .ok_or_else(|| TidbError::invalid("invalid pageToken"))?,
    };
    Ok((size, start))
}

fn paginate<T>(items: Vec<T>, size: usize, start: usize) -> (Vec<T>, String, i64) {
    let total = items.len();
    let end = (start + size).min(total);
    let next = if end < total {
        page_token(end)
    } else {
        String::new()
    };
    (
        items
            .into_iter()
            .skip(start)
            .take(end.saturating_sub(start))
            .collect(),
        next,
        total as i64,
    )
}

/// Parses an AIP filter such as `region.provider=alicloud AND state=ACTIVE`.
fn parse_filter(f: &str) -> Result<Vec<(String, String)>, TidbError> {
    let mut out = vec![];
    for part in f.split(" AND ").flat_map(|p| p.split(" and ")) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| TidbError::invalid(format!("invalid filter expression `{part}`")))?;
        out.push((k.trim().to_string(), v.trim().trim_matches('"').to_string()));
    }
    Ok(out)
}

fn cluster_matches(c: &wire::Cluster, filter: &[(String, String)]) -> Result<bool, TidbError> {
    for (k, v) in filter {
        let hit = match k.as_str() {
            "region.provider" | "region.cloudProvider" => {
                c.region.cloud_provider.eq_ignore_ascii_case(v)
            }
            "region.name" => c.region.name == *v,
            "state" => c.state.eq_ignore_ascii_case(v),
            "clusterId" => c.cluster_id == *v,
            "displayName" => c.display_name == *v,
            "clusterPlan" => c.cluster_plan.eq_ignore_ascii_case(v),
            "projectId" => v.split(',').any(|p| {
                c.labels
                    .get("tidb.cloud/project")
                    .is_some_and(|x| x == p.trim())
            }),
            k if k.starts_with("labels.") => {
                c.labels.get(&k["labels.".len()..]).is_some_and(|x| x == v)
            }
            other => {
                return Err(TidbError::invalid(format!(
                    "unsupported filter field `{other}`"
                )));
            }
        };
        if !hit {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The wire form of a PLC at `now`.
pub fn plc_wire(w: &World, p: &Plc, now: Instant) -> wire::PrivateLinkConnection {
    let (state, message) = w.plc_state(p, now);
    wire::PrivateLinkConnection {
        private_link_connection_id: p.id.clone(),
        cluster_id: p.cluster_id.clone(),
        display_name: p.display_name.clone(),
        state: state.into(),
        message,
        created_by: p.created_by.clone(),
        create_time: p.create_time.clone(),
        update_time: Some(p.update_time.clone()),
        kind: p.kind.clone(),
        alicloud_endpoint_service: (p.kind == wire::ALICLOUD_ENDPOINT_SERVICE).then(|| {
            wire::AlicloudEndpointService {
                name: p.service_name.clone(),
                // Behaviour `endpoint-id-late`: the id shows a little after the connection
                // request appears (its timing is undocumented).
                endpoint_id: if w.plc_hides_endpoint_id
                    || (w.behaves(crate::sim::behaviour::Behaviour::EndpointIdLate)
                        && now < p.connect_at + w.delays.endpoint_id_lag)
                {
                    String::new()
                } else {
                    p.endpoint_id.clone().unwrap_or_default()
                },
                availability_zone_ids: p.az_ids.clone(),
            }
        }),
        aws_endpoint_service: (p.kind == wire::AWS_ENDPOINT_SERVICE).then(|| {
            wire::AwsEndpointService {
                name: p.service_name.clone(),
                ..Default::default()
            }
        }),
        attached_domains: vec![],
    }
}

/// Handles one authenticated TiDB request. `path` starts with `/v1beta1/`.
pub fn handle(
    w: &mut World,
    ctx: &TidbCtx<'_>,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> Result<Value, TidbError> {
    let q: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| TidbError::invalid("malformed query string"))?;
    let rest = path.strip_prefix("/v1beta1/").unwrap_or_default();
    let segs: Vec<String> = rest
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let now = ctx.now;
    match (method, segs.as_slice()) {
        ("GET", ["clusters"]) => {
            let filter = match q.iter().find(|(k, _)| k == "filter") {
                Some((_, f)) => parse_filter(f)?,
                None => vec![],
            };
            let (size, start) = parse_page(&q, 10)?;
            let mut items = vec![];
            for c in &w.clusters {
                if cluster_matches(&c.wire, &filter)? {
                    items.push(c.wire.clone());
                }
            }
            let (clusters, next, total) = paginate(items, size, start);
            ok(wire::ListClustersResponse {
                clusters,
                next_page_token: next,
                total_size: total,
            })
        }
        ("GET", ["clusters", id]) => {
            let c = find_cluster(w, id)?;
            // `view` is BASIC or FULL (default BASIC). The spec says only that BASIC "returns
            // only basic cluster information"; nothing promises the plan fields in it, so the
            // simulator leaves them out and clients must ask for FULL when they need them.
            let view = q
                .iter()
                .find(|(k, _)| k == "view")
                .map_or("BASIC", |(_, v)| v.as_str());
            match view {
                "FULL" => ok(&c.wire),
                "BASIC" => {
                    let mut basic = c.wire.clone();
                    basic.cluster_plan.clear();
                    basic.service_plan.clear();
                    ok(&basic)
                }
                other => Err(TidbError::invalid(format!(
                    "invalid value for view: {other} (BASIC or FULL)"
                ))),
            }
        }
        (_, ["clusters", id, seg]) if seg.contains(':') => {
            let (coll, verb) = seg.rsplit_once(':').unwrap_or((seg, ""));
            if coll != "privateLinkConnections" || verb != "getAvailabilityZones" {
                return Err(TidbError::not_found(format!("unknown method {seg}")));
            }
            if method != "GET" {
                return Err(TidbError {
                    status: 405,
                    code: 12,
                    message: "method not allowed".into(),
                });
            }
            let c = find_cluster(w, id)?;
            if c.wire.cluster_plan != "ESSENTIAL" {
                return Err(TidbError::precondition(
                    "private link connections are only available for Essential clusters",
                ));
            }
            ok(wire::AvailabilityZones {
                account_id: c.plc_account.clone(),
                az_ids: c.plc_azs.clone(),
            })
        }
        ("GET", ["clusters", id, "privateLinkConnections"]) => {
            find_cluster(w, id)?;
            let state = q
                .iter()
                .find(|(k, _)| k == "state")
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty());
            let (size, start) = parse_page(&q, 10)?;
            let items: Vec<_> = w
                .plcs
                .iter()
                .filter(|p| p.cluster_id == *id)
                .filter(|p| {
                    ctx.hide_recent
                        .is_none_or(|d| now.duration_since(p.created_at) >= d)
                })
                .map(|p| plc_wire(w, p, now))
                .filter(|p| state.as_ref().is_none_or(|s| *s == p.state))
                .collect();
            let (plcs, next, total) = paginate(items, size, start);
            ok(wire::ListPrivateLinkConnectionsResponse {
                private_link_connections: plcs,
                next_page_token: next,
                total_size: total,
            })
        }
        ("POST", ["clusters", id, "privateLinkConnections"]) => create_plc(w, ctx, id, body),
        ("GET", ["clusters", id, "changefeeds"]) => {
            find_cluster(w, id)?;
            let (size, start) = parse_page(&q, 10)?;
            let items: Vec<_> = w
                .changefeeds
                .iter()
                .filter(|c| c.cluster_id == *id && c.state != "DELETED")
                .cloned()
                .collect();
            let (changefeeds, next, total) = paginate(items, size, start);
            ok(wire::Changefeeds {
                changefeeds,
                next_page_token: next,
                total_size: total,
            })
        }
        ("GET", ["clusters", id, "migrations"]) => {
            find_cluster(w, id)?;
            let (size, start) = parse_page(&q, 10)?;
            let items: Vec<_> = w
                .migrations
                .iter()
                .filter(|(c, _)| c == id)
                .map(|(_, m)| m.clone())
                .collect();
            let (migrations, next, total) = paginate(items, size, start);
            ok(wire::Migrations {
                migrations,
                next_page_token: next,
                total_size: total,
            })
        }
        ("GET", ["clusters", id, "privateLinkConnections", plc]) => {
            let p = &w.plcs[plc_index(w, id, plc)?];
            ok(plc_wire(w, p, now))
        }
        ("DELETE", ["clusters", id, "privateLinkConnections", plc]) => {
            let delay = w.draw("plc_delete", w.delays.plc_delete);
            let i = plc_index(w, id, plc)?;
            if w.plcs[i].deleting_at.is_none() {
                w.plcs[i].deleting_at = Some(now + delay);
                w.plcs[i].update_time = wall_rfc3339_millis();
                if let Some(ep) = w.plcs[i].endpoint_id.clone()
                    && let Some(c) = w.connections.iter_mut().find(|c| c.endpoint_id == ep)
                {
                    c.status = "Deleting".into();
                    c.next = None;
                    c.connected_since = None;
                }
            }
            ok(plc_wire(w, &w.plcs[i], now))
        }
        ("GET", ["projects"]) => ok(wire::ListProjectsResponse {
            projects: vec![wire::Project {
                id: w.project_id.clone(),
                name: "default".into(),
                org_id: w.org_id.clone(),
                cluster_count: w.clusters.len() as i64,
                user_count: 1,
                create_timestamp: 1_700_000_000,
                aws_cmek_enabled: false,
            }],
            next_page_token: String::new(),
        }),
        (_, ["clusters", ..]) | (_, ["projects"]) => Err(TidbError {
            status: 405,
            code: 12,
            message: format!("{method} is not supported on {path}"),
        }),
        _ => Err(TidbError::not_found(format!("no route for {path}"))),
    }
}

fn create_plc(
    w: &mut World,
    ctx: &TidbCtx<'_>,
    cluster_id: &str,
    body: &[u8],
) -> Result<Value, TidbError> {
    let now = ctx.now;
    let req: wire::CreatePrivateLinkConnectionRequest = serde_json::from_slice(body)
        .map_err(|e| TidbError::invalid(format!("invalid request body: {e}")))?;
    let plc = req.private_link_connection;
    let c = find_cluster(w, cluster_id)?;
    if !plc.cluster_id.is_empty() && plc.cluster_id != cluster_id {
        return Err(TidbError::invalid(
            "privateLinkConnection.clusterId does not match the path",
        ));
    }
    if plc.display_name.trim().is_empty() {
        return Err(TidbError::invalid(
            "privateLinkConnection.displayName is required",
        ));
    }
    if plc.display_name.chars().count() > 64 {
        return Err(TidbError::invalid(
            "privateLinkConnection.displayName must be at most 64 characters",
        ));
    }
    if c.wire.cluster_plan != "ESSENTIAL" {
        return Err(TidbError::precondition(
            "private link connections are only available for Essential clusters",
        ));
    }
    if c.wire.state != "ACTIVE" {
        return Err(TidbError::precondition(format!(
            "cluster {cluster_id} is {}",
            c.wire.state
        )));
    }
    // Per type: the cloud its clusters run on (API value, name) and the service's field.
    let (provider, cloud, field, name) = match plc.kind.as_str() {
        wire::ALICLOUD_ENDPOINT_SERVICE => (
            "alicloud",
            "Alibaba Cloud",
            "alicloudEndpointService",
            plc.alicloud_endpoint_service.map(|s| s.name),
        ),
        wire::AWS_ENDPOINT_SERVICE => (
            "aws",
            "AWS",
            "awsEndpointService",
            plc.aws_endpoint_service.map(|s| s.name),
        ),
        "" => return Err(TidbError::invalid("privateLinkConnection.type is required")),
        other => {
            return Err(TidbError::invalid(format!(
                "unknown private link connection type {other}"
            )));
        }
    };
    if c.wire.region.cloud_provider != provider {
        return Err(TidbError::invalid(format!(
            "type {} is only available for clusters on {cloud}",
            plc.kind
        )));
    }
    let name = name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| TidbError::invalid(format!("{field}.name is required")))?;
    let id = w.id("plc-", 20);
    let t = wall_rfc3339_millis();
    let delay_connection = w.draw("plc_connection", w.delays.plc_connection);
    let delay_active = w.draw("plc_active", w.delays.plc_active);
    let p = Plc {
        id,
        cluster_id: cluster_id.to_string(),
        display_name: plc.display_name,
        kind: plc.kind,
        service_name: name.trim().to_string(),
        created_by: format!("apikey-{}", ctx.public_key),
        create_time: t.clone(),
        update_time: t,
        created_at: now,
        validate_at: now + w.delays.plc_validate,
        validated: false,
        connect_at: now + delay_connection,
        delay_connection,
        delay_active,
        failed: None,
        endpoint_id: None,
        az_ids: vec![],
        deleting_at: None,
    };
    let out = plc_wire(w, &p, now);
    w.plcs.push(p);
    ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;

    #[test]
    fn templates_and_filters() {
        assert_eq!(
            template("GET", "/v1beta1/clusters/123/privateLinkConnections/plc-1"),
            "GET /v1beta1/clusters/{clusterId}/privateLinkConnections/{privateLinkConnectionId}"
        );
        assert_eq!(
            template(
                "GET",
                "/v1beta1/clusters/123/privateLinkConnections:getAvailabilityZones"
            ),
            "GET /v1beta1/clusters/{clusterId}/privateLinkConnections:getAvailabilityZones"
        );
        let f = parse_filter("region.provider=alicloud AND state=\"ACTIVE\"").unwrap();
        assert_eq!(f[1], ("state".to_string(), "ACTIVE".to_string()));
    }

    #[tokio::test(start_paused = true)]
    async fn list_filter_and_pages() {
        let mut w = World::new(1, Clock::new(0.0));
        let ctx = TidbCtx {
            now: Instant::now(),
            public_key: "PUB",
            hide_recent: None,
        };
        let v = handle(
            &mut w,
            &ctx,
            "GET",
            "/v1beta1/clusters",
            "filter=region.provider%3Dalicloud+AND+state%3DACTIVE",
            b"",
        )
        .unwrap();
        assert_eq!(v["totalSize"], 2);
        let v = handle(&mut w, &ctx, "GET", "/v1beta1/clusters", "pageSize=2", b"").unwrap();
        assert_eq!(v["clusters"].as_array().unwrap().len(), 2);
        let tok = v["nextPageToken"].as_str().unwrap().to_string();
        let v = handle(
            &mut w,
            &ctx,
            "GET",
            "/v1beta1/clusters",
            &format!("pageSize=2&pageToken={tok}"),
            b"",
        )
        .unwrap();
        assert_eq!(v["clusters"].as_array().unwrap().len(), 1);
        assert_eq!(v["nextPageToken"], "");
    }
}
