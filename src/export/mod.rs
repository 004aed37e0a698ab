//! `tilink export`: the chain a setup built (or that tilink found by its tags), read back from
//! the cloud APIs and handed to the tools teams already run.
//!
//! [`gather`] reads every resource through tilink's clients (never from the journal alone:
//! the journal only says *which* ids to read) into [`ChainFacts`]; [`terraform::render`] turns
//! those facts into HCL with Terraform 1.5+ `import` blocks, and [`ticloud_command`] prints
//! the TiDB Cloud CLI command for the private link connection (the TiDB Cloud Terraform
//! provider has no resource for it).

pub mod terraform;

use crate::cloud::aliyun::AliyunError;
use crate::engine::Error;
use crate::engine::chain;
use crate::engine::discover::Clients;
use crate::engine::journal::Journal;
use crate::wire::aliyun as w;
use serde::Serialize;

/// Everything the export needs, as read back from the APIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChainFacts {
    /// The setup (`tl-…`), for comments and the header.
    pub setup_id: String,
    /// TiDB Cloud cluster id.
    pub cluster_id: String,
    /// Alibaba Cloud region.
    pub region: String,
    /// The NLB server group.
    pub server_group: Option<ServerGroupFacts>,
    /// Its backends.
    pub servers: Vec<ServerFacts>,
    /// The internal NLB.
    pub load_balancer: Option<LoadBalancerFacts>,
    /// The TCP listener.
    pub listener: Option<ListenerFacts>,
    /// The PrivateLink endpoint service.
    pub endpoint_service: Option<EndpointServiceFacts>,
    /// Its resources (one per zone).
    pub service_resources: Vec<ServiceResourceFacts>,
    /// Whitelisted account ids.
    pub service_users: Vec<String>,
    /// Endpoint connections to export (TiDB Cloud's).
    pub connections: Vec<ConnectionFacts>,
    /// The RDS allowlist group tilink owns.
    pub allowlist: Option<AllowlistFacts>,
    /// The TiDB Cloud private link connection.
    pub plc: Option<PlcFacts>,
    /// The TiDB Cloud account id (to name the whitelist entry and connection).
    pub tidb_account_id: Option<String>,
}

/// `alicloud_nlb_server_group`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerGroupFacts {
    /// `sgp-…`.
    pub id: String,
    /// `ServerGroupName` (`tilink-<setup id without tl->` when tilink made it).
    pub name: String,
    /// `Ip`.
    pub server_group_type: String,
    /// VPC of the backends (the RDS instance's, `vpc-…`).
    pub vpc_id: String,
    /// `TCP`.
    pub protocol: String,
    /// `Wrr`, …
    pub scheduler: String,
    /// `ipv4`, …
    pub address_ip_version: String,
    /// Client IP preservation.
    pub preserve_client_ip_enabled: bool,
    /// Health check.
    pub health_check: w::HealthCheck,
    /// (key, value) pairs sorted by key, `tilink:*` included.
    pub tags: Vec<(String, String)>,
}

/// `alicloud_nlb_server_group_server_attachment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServerFacts {
    /// The server id (the IP for `Ip` servers).
    pub server_id: String,
    /// The IP.
    pub server_ip: String,
    /// `Ip`.
    pub server_type: String,
    /// Backend port (the RDS instance's, `3306` by default).
    pub port: u16,
    /// Scheduling weight, 0–100 (tilink leaves the default 100).
    pub weight: u32,
}

/// `alicloud_nlb_load_balancer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LoadBalancerFacts {
    /// `nlb-…`.
    pub id: String,
    /// `LoadBalancerName` (`tilink-<setup id without tl->` when tilink made it).
    pub name: String,
    /// `Network`.
    pub load_balancer_type: String,
    /// `Intranet`.
    pub address_type: String,
    /// `ipv4`.
    pub address_ip_version: String,
    /// VPC it serves from (the RDS instance's, `vpc-…`).
    pub vpc_id: String,
    /// (zone, vSwitch).
    pub zone_mappings: Vec<(String, String)>,
    /// (key, value) pairs sorted by key, `tilink:*` included.
    pub tags: Vec<(String, String)>,
}

/// `alicloud_nlb_listener`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListenerFacts {
    /// `lsn-…`.
    pub id: String,
    /// `TCP`.
    pub protocol: String,
    /// Listening port (the RDS instance's, `3306` by default).
    pub port: u16,
    /// `ListenerDescription` (`tilink_tl-…` when tilink made it).
    pub description: String,
    /// Idle timeout (s).
    pub idle_timeout: u32,
    /// Proxy protocol.
    pub proxy_protocol_enabled: bool,
    /// The NLB.
    pub load_balancer_id: String,
    /// The server group.
    pub server_group_id: String,
    /// (key, value) pairs sorted by key, `tilink:*` included.
    pub tags: Vec<(String, String)>,
}

/// `alicloud_privatelink_vpc_endpoint_service`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EndpointServiceFacts {
    /// `epsrv-…`.
    pub id: String,
    /// `com.aliyuncs.privatelink.<region>.epsrv-…`.
    pub name: String,
    /// `ServiceDescription` ("tilink tl-…: TiDB Cloud cluster … to RDS …").
    pub description: String,
    /// `nlb`.
    pub resource_type: String,
    /// Auto-accept.
    pub auto_accept: bool,
    /// Zone affinity.
    pub zone_affinity_enabled: bool,
    /// `Endpoint` | `EndpointService`.
    pub payer: String,
    /// (key, value) pairs sorted by key, from the list call (the get returns none).
    pub tags: Vec<(String, String)>,
}

/// `alicloud_privatelink_vpc_endpoint_service_resource`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceResourceFacts {
    /// The NLB id.
    pub resource_id: String,
    /// `nlb`.
    pub resource_type: String,
    /// The zone the NLB serves the service in (`ap-southeast-1a`).
    pub zone_id: String,
}

/// `alicloud_privatelink_vpc_endpoint_connection`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConnectionFacts {
    /// `ep-…`.
    pub endpoint_id: String,
    /// The endpoint's owner account.
    pub endpoint_owner_id: String,
    /// `Connected`, …
    pub status: String,
    /// Mbit/s (0 = unknown).
    pub bandwidth: u64,
}

/// The RDS allowlist group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AllowlistFacts {
    /// `rm-…`.
    pub db_instance_id: String,
    /// Group name.
    pub group_name: String,
    /// Its IPs and CIDRs, as `SecurityIPList` lists them.
    pub ips: Vec<String>,
}

/// The TiDB Cloud private link connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlcFacts {
    /// `plc-…` (empty when none exists yet).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// The endpoint service name it points at.
    pub endpoint_service_name: String,
    /// TiDB Cloud's state word (`PENDING_ACCEPTANCE`, `ACTIVE`, …).
    pub state: String,
    /// TiDB's endpoint (`ep-…`).
    pub endpoint_id: String,
}

fn read_err(what: &str, id: &str, e: AliyunError) -> Error {
    Error::from(e).context(format!("reading {what} {id}"))
}

/// Tags as `(key, value)` pairs, sorted.
fn pairs(tags: &[w::Tag]) -> Vec<(String, String)> {
    sorted_pairs(tags.iter().map(|t| (&t.key, &t.value)))
}

fn sorted_pairs<'a>(tags: impl Iterator<Item = (&'a String, &'a String)>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = tags.map(|(k, v)| (k.clone(), v.clone())).collect();
    v.sort();
    v
}

/// Reads every resource of the located setup back from the APIs. A resource the journal
/// names but the API no longer has is left out (the export shows what exists).
pub async fn gather(c: &Clients, j: &Journal) -> Result<ChainFacts, Error> {
    let a = &c.aliyun;
    let r = &j.resources;
    let mut f = ChainFacts {
        setup_id: j.setup_id.clone(),
        cluster_id: j.cluster_id.clone(),
        region: a.region().to_string(),
        ..ChainFacts::default()
    };

    if let Some(id) = &r.server_group_id {
        let read = chain::backends(a, std::slice::from_ref(id)).await;
        let groups = read.groups.map_err(|e| read_err("server group", id, e))?;
        if let Some(g) = groups.into_iter().find(|g| &g.server_group_id == id) {
            f.server_group = Some(ServerGroupFacts {
                id: g.server_group_id.clone(),
                name: g.server_group_name,
                server_group_type: g.server_group_type,
                vpc_id: g.vpc_id,
                protocol: g.protocol,
                scheduler: g.scheduler,
                address_ip_version: g.address_ip_version,
                preserve_client_ip_enabled: g.preserve_client_ip_enabled,
                health_check: g.health_check,
                tags: pairs(&g.tags),
            });
            let servers = match read.servers.into_iter().next() {
                Some((_, s)) => s.map_err(|e| read_err("servers of", id, e))?,
                None => Vec::new(),
            };
            let mut servers: Vec<ServerFacts> = servers
                .into_iter()
                .filter(|s| s.status != crate::wire::states::ServerStatus::Removing)
                .map(|s| ServerFacts {
                    server_id: s.server_id,
                    server_ip: s.server_ip,
                    server_type: s.server_type,
                    port: s.port,
                    weight: s.weight,
                })
                .collect();
            servers.sort_by(|x, y| (&x.server_id, x.port).cmp(&(&y.server_id, y.port)));
            f.servers = servers;
        }
    }

    // The load balancer's listeners: `None` without a load balancer id, none when it is gone.
    let mut listeners: Option<Vec<w::Listener>> = None;
    if let Some(id) = &r.load_balancer_id {
        let read = chain::nlb(a, id).await;
        match read.attribute {
            Ok(lb) => {
                let common = lb.load_balancer;
                // The attribute's tags are `{TagKey, TagValue}`.
                let tags = sorted_pairs(lb.tags.iter().map(|t| (&t.tag_key, &t.tag_value)));
                f.load_balancer = Some(LoadBalancerFacts {
                    id: common.load_balancer_id.clone(),
                    name: common.load_balancer_name,
                    load_balancer_type: common.load_balancer_type,
                    address_type: common.address_type,
                    address_ip_version: common.address_ip_version,
                    vpc_id: common.vpc_id,
                    zone_mappings: common
                        .zone_mappings
                        .into_iter()
                        .map(|z| (z.zone_id, z.vswitch_id))
                        .collect(),
                    tags,
                });
                listeners = Some(
                    read.listeners
                        .map_err(|e| read_err("listeners of", id, e))?,
                );
            }
            Err(e) if e.is_not_found() => listeners = Some(Vec::new()),
            Err(e) => return Err(read_err("load balancer", id, e)),
        }
    }

    // The journal's listener, else the load balancer's first.
    let listener = match (&r.listener_id, listeners) {
        (Some(id), Some(all)) => all.into_iter().find(|l| &l.listener_id == id),
        (Some(id), None) => match a.get_listener_attribute(id).await {
            Ok(l) => Some(l),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(read_err("listener", id, e)),
        },
        (None, Some(all)) => all.into_iter().next(),
        (None, None) => None,
    };
    f.listener = listener.map(|l| ListenerFacts {
        id: l.listener_id,
        protocol: l.listener_protocol,
        port: l.listener_port,
        description: l.listener_description,
        idle_timeout: l.idle_timeout,
        proxy_protocol_enabled: l.proxy_protocol_enabled,
        load_balancer_id: l.load_balancer_id,
        server_group_id: l.server_group_id,
        tags: pairs(&l.tags),
    });

    // The PLC first: its endpoint id says which connection is TiDB Cloud's.
    if let Some(plc_id) = &r.private_link_connection_id {
        match c.tidb.get_plc(&j.cluster_id, plc_id).await {
            Ok(p) => f.plc = Some(plc_facts(p)),
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                return Err(
                    Error::from(e).context(format!("reading private link connection {plc_id}"))
                );
            }
        }
    } else if let Some(name) = &r.endpoint_service_name
        && let Ok(all) = c.tidb.list_plcs(&j.cluster_id).await
    {
        f.plc = all
            .into_iter()
            .find(|p| {
                p.alicloud_endpoint_service
                    .as_ref()
                    .is_some_and(|s| &s.name == name)
            })
            .map(plc_facts);
    }
    if let Ok(zones) = c.tidb.availability_zones(&j.cluster_id).await
        && !zones.account_id.is_empty()
    {
        f.tidb_account_id = Some(zones.account_id);
    }

    if let Some(id) = &r.endpoint_service_id {
        let read = chain::service(a, id).await;
        match read.attribute {
            Ok(s) => {
                // GetVpcEndpointServiceAttribute returns no tags; the list call does.
                let tags = a
                    .list_endpoint_services(Some(id), None, &[])
                    .await
                    .map_err(|e| read_err("tags of", id, e))?
                    .into_iter()
                    .find(|x| &x.service_id == id)
                    .map(|x| pairs(x.tag_list()))
                    .unwrap_or_default();
                f.endpoint_service = Some(EndpointServiceFacts {
                    id: s.service_id.clone(),
                    name: s.service_name,
                    description: s.service_description,
                    resource_type: s.service_resource_type,
                    auto_accept: s.auto_accept_enabled,
                    zone_affinity_enabled: s.zone_affinity_enabled,
                    payer: s.payer,
                    tags,
                });
                let mut res: Vec<ServiceResourceFacts> = read
                    .resources
                    .map_err(|e| read_err("resources of", id, e))?
                    .into_iter()
                    .map(|x| ServiceResourceFacts {
                        resource_id: x.resource_id,
                        resource_type: x.resource_type,
                        zone_id: x.zone_id,
                    })
                    .collect();
                res.sort_by(|x, y| x.zone_id.cmp(&y.zone_id));
                f.service_resources = res;
                let mut users = read.users.map_err(|e| read_err("whitelist of", id, e))?;
                users.sort();
                f.service_users = users;
                let tidb_endpoint = f
                    .plc
                    .as_ref()
                    .map(|p| p.endpoint_id.clone())
                    .filter(|e| !e.is_empty())
                    .or_else(|| r.endpoint_id.clone());
                let mut conns: Vec<ConnectionFacts> = read
                    .connections
                    .map_err(|e| read_err("connections of", id, e))?
                    .into_iter()
                    .filter(|x| match &tidb_endpoint {
                        Some(ep) => &x.endpoint_id == ep,
                        None => matches!(x.connection_status.as_str(), "Connected" | "Connecting"),
                    })
                    .map(|x| ConnectionFacts {
                        endpoint_id: x.endpoint_id,
                        endpoint_owner_id: x.endpoint_owner_id.to_string(),
                        status: x.connection_status.to_string(),
                        bandwidth: x.bandwidth,
                    })
                    .collect();
                conns.sort_by(|x, y| x.endpoint_id.cmp(&y.endpoint_id));
                f.connections = conns;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(read_err("endpoint service", id, e)),
        }
    }

    if let Some(group) = &r.allowlist_group
        && !j.rds_instance_id.is_empty()
    {
        let groups = chain::allowlist(a, &j.rds_instance_id)
            .await
            .map_err(|e| read_err("allowlist of", &j.rds_instance_id, e))?;
        if let Some(g) = groups.into_iter().find(|g| &g.name == group) {
            f.allowlist = Some(AllowlistFacts {
                db_instance_id: j.rds_instance_id.clone(),
                group_name: g.name,
                ips: g.ips,
            });
        }
    }
    Ok(f)
}

fn plc_facts(p: crate::wire::tidb::PrivateLinkConnection) -> PlcFacts {
    let svc = p.alicloud_endpoint_service.unwrap_or_default();
    PlcFacts {
        id: p.private_link_connection_id,
        display_name: p.display_name,
        endpoint_service_name: svc.name,
        state: p.state,
        endpoint_id: svc.endpoint_id,
    }
}

/// Quotes one shell word (POSIX `sh`): bare when it is made only of safe characters.
pub fn shell_word(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The `ticloud` command that creates the private link connection for this chain (the TiDB
/// Cloud Terraform provider has no resource for it; reference `tidbcloud-api.md` §5, §7).
/// `None` without an endpoint service name.
pub fn ticloud_command(f: &ChainFacts) -> Option<String> {
    let service_name = f
        .plc
        .as_ref()
        .map(|p| p.endpoint_service_name.clone())
        .filter(|n| !n.is_empty())
        .or_else(|| f.endpoint_service.as_ref().map(|s| s.name.clone()))?;
    let display = f
        .plc
        .as_ref()
        .map(|p| p.display_name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("tilink-{}", f.setup_id.trim_start_matches("tl-")));
    Some(format!(
        "ticloud serverless private-link-connection create -c {} --display-name {} --type ALICLOUD_ENDPOINT_SERVICE --alicloud.endpoint-service-name {}",
        shell_word(&f.cluster_id),
        shell_word(&display),
        shell_word(&service_name)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        for (word, quoted) in [
            ("rds-abc_1", "rds-abc_1"),
            ("my plc", "'my plc'"),
            ("it's", r"'it'\''s'"),
            ("", "''"),
        ] {
            assert_eq!(shell_word(word), quoted);
        }
    }

    #[test]
    fn ticloud_command_prefers_the_plc_and_falls_back_to_the_service() {
        let mut f = ChainFacts {
            setup_id: "tl-00aa".into(),
            cluster_id: "10000000000000000001".into(),
            endpoint_service: Some(EndpointServiceFacts {
                name: "com.aliyuncs.privatelink.ap-southeast-1.epsrv-x".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            ticloud_command(&f).unwrap(),
            "ticloud serverless private-link-connection create -c 10000000000000000001 --display-name tilink-00aa --type ALICLOUD_ENDPOINT_SERVICE --alicloud.endpoint-service-name com.aliyuncs.privatelink.ap-southeast-1.epsrv-x"
        );
        f.plc = Some(PlcFacts {
            display_name: "rds orders".into(),
            endpoint_service_name: "com.aliyuncs.privatelink.ap-southeast-1.epsrv-y".into(),
            ..Default::default()
        });
        let cmd = ticloud_command(&f).unwrap();
        assert!(cmd.contains("--display-name 'rds orders'"), "{cmd}");
        assert!(cmd.ends_with("epsrv-y"), "{cmd}");
        assert!(ticloud_command(&ChainFacts::default()).is_none());
    }
}
