//! The chain reader: one way to read each link of a chain back from Alibaba Cloud, shared by
//! doctor's walk, the export and setup's discovery.
//!
//! Each read runs its independent calls concurrently and hands back every answer, failures
//! included, so that each caller decides what a failed read means: doctor records "could
//! not look", the export stops with the error, discovery asks the user. Nothing here
//! decides whether a link is healthy.

use super::discover::{allowlist_group, rds_info};
use super::facts::{AllowlistGroup, RdsInfo};
use crate::cloud::aliyun::{AliyunClient, AliyunError};
use crate::wire::aliyun as w;

type R<T> = Result<T, AliyunError>;

/// An endpoint service and everything that hangs off it.
#[derive(Debug)]
pub struct ServiceRead {
    /// `GetVpcEndpointServiceAttribute` (it carries no tags).
    pub attribute: R<w::EndpointService>,
    /// `ListVpcEndpointServiceResources`: the NLB, once per zone.
    pub resources: R<Vec<w::ServiceResource>>,
    /// `ListVpcEndpointServiceUsers`: the whitelisted accounts.
    pub users: R<Vec<String>>,
    /// `ListVpcEndpointConnections`: the connection requests.
    pub connections: R<Vec<w::EndpointConnection>>,
}

/// Reads an endpoint service, its resources, whitelist and connections.
pub async fn service(a: &AliyunClient, id: &str) -> ServiceRead {
    let (attribute, resources, users, connections) = tokio::join!(
        a.get_endpoint_service(id),
        a.list_service_resources(id),
        a.list_users(id),
        a.list_connections(id),
    );
    ServiceRead {
        attribute,
        resources,
        users,
        connections,
    }
}

/// A load balancer and its listeners.
#[derive(Debug)]
pub struct NlbRead {
    /// `GetLoadBalancerAttribute` (with its tags).
    pub attribute: R<w::GetLoadBalancerAttributeResponse>,
    /// `ListListeners` of that load balancer.
    pub listeners: R<Vec<w::Listener>>,
}

/// Reads a load balancer and its listeners.
pub async fn nlb(a: &AliyunClient, id: &str) -> NlbRead {
    let ids = [id.to_string()];
    let (attribute, listeners) =
        tokio::join!(a.get_load_balancer_attribute(id), a.list_listeners(&ids));
    NlbRead {
        attribute,
        listeners,
    }
}

/// Server groups and their backends.
#[derive(Debug)]
pub struct BackendsRead {
    /// `ListServerGroups` of the ids asked for (none asked: no call, an empty list).
    pub groups: R<Vec<w::ServerGroup>>,
    /// `ListServerGroupServers`, one answer per group asked for, in that order; each server
    /// carries the id of the group it came from.
    pub servers: Vec<(String, R<Vec<w::BackendServer>>)>,
}

/// Reads server groups and each one's backends.
pub async fn backends(a: &AliyunClient, group_ids: &[String]) -> BackendsRead {
    let (groups, servers) = tokio::join!(
        async {
            if group_ids.is_empty() {
                Ok(Vec::new())
            } else {
                a.list_server_groups(group_ids, &[]).await
            }
        },
        futures_util::future::join_all(group_ids.iter().map(|id| async move {
            let servers = a.list_server_group_servers(id).await.map(|mut s| {
                // Remember which group each backend came from (a fix edits one group).
                s.iter_mut().for_each(|x| x.server_group_id = id.clone());
                s
            });
            (id.clone(), servers)
        })),
    );
    BackendsRead { groups, servers }
}

/// The RDS call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdsCall {
    /// `DescribeDBInstanceAttribute`.
    Attribute,
    /// `DescribeDBInstanceNetInfo`.
    NetInfo,
    /// `DescribeDBInstanceIPArrayList`.
    Allowlist,
}

impl RdsCall {
    /// The action's name, for "could not look" lines.
    pub fn action(self) -> &'static str {
        match self {
            RdsCall::Attribute => "DescribeDBInstanceAttribute",
            RdsCall::NetInfo => "DescribeDBInstanceNetInfo",
            RdsCall::Allowlist => "DescribeDBInstanceIPArrayList",
        }
    }
}

/// Reads an RDS instance: its attributes, endpoints and allowlist groups. On failure, the
/// first call that failed (in [`RdsCall`]'s order) and its error.
pub async fn rds(a: &AliyunClient, id: &str) -> Result<RdsInfo, (RdsCall, AliyunError)> {
    let (attr, net, groups) = tokio::join!(
        a.describe_db_instance_attribute(id),
        a.describe_db_instance_net_info(id),
        a.describe_db_instance_ip_array_list(id)
    );
    let attr = attr.map_err(|e| (RdsCall::Attribute, e))?;
    let net = net.map_err(|e| (RdsCall::NetInfo, e))?;
    let groups = groups.map_err(|e| (RdsCall::Allowlist, e))?;
    Ok(rds_info(&attr, &net, &groups))
}

/// Reads an RDS instance's allowlist groups (hidden ones included).
pub async fn allowlist(a: &AliyunClient, id: &str) -> R<Vec<AllowlistGroup>> {
    let groups = a.describe_db_instance_ip_array_list(id).await?;
    Ok(groups.iter().map(allowlist_group).collect())
}
