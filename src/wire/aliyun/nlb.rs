//! NLB 2022-04-30: load balancers, server groups, listeners, jobs and health
//! (`LoadbalancerId`, `HeathCheckEnabled`, `HealthCheck`, `TagKey`/`TagValue` are wire spellings).

use super::{
    ListenerStatus, LoadBalancerStatus, ServerGroupStatus, ServerStatus, Tag, TagKv, Zone,
};
use serde::{Deserialize, Serialize};

/// NLB writes that return a job: DeleteLoadBalancer, DeleteListener, …
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobResponse {
    pub request_id: String,
    pub job_id: String,
}

/// CreateServerGroup, AddServersToServerGroup, RemoveServersFromServerGroup.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerGroupJobResponse {
    pub request_id: String,
    pub server_group_id: String,
    pub job_id: String,
}

token_page! {
    /// NLB ListServerGroups.
    ListServerGroupsResponse { server_groups: ServerGroup }
}

/// One server group. The health check comes back as `HealthCheck`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerGroup {
    pub server_group_id: String,
    pub server_group_name: String,
    /// Instance | Ip.
    pub server_group_type: String,
    /// Creating | Available | Configuring.
    pub server_group_status: ServerGroupStatus,
    pub protocol: String,
    pub scheduler: String,
    pub vpc_id: String,
    pub region_id: String,
    #[serde(rename = "AddressIPVersion")]
    pub address_ip_version: String,
    #[serde(with = "crate::wire::num::boolean")]
    pub preserve_client_ip_enabled: bool,
    pub health_check: HealthCheck,
    pub related_load_balancer_ids: Vec<String>,
    #[serde(with = "crate::wire::num::int")]
    pub server_count: u64,
    pub tags: Vec<Tag>,
}

/// Health-check settings (`HealthCheckConfig.*` in requests, `HealthCheck` in responses).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthCheck {
    #[serde(with = "crate::wire::num::boolean")]
    pub health_check_enabled: bool,
    pub health_check_type: String,
    #[serde(with = "crate::wire::num::int")]
    pub health_check_connect_port: u16,
    #[serde(with = "crate::wire::num::int")]
    pub health_check_connect_timeout: u32,
    #[serde(with = "crate::wire::num::int")]
    pub health_check_interval: u32,
    #[serde(with = "crate::wire::num::int")]
    pub healthy_threshold: u32,
    #[serde(with = "crate::wire::num::int")]
    pub unhealthy_threshold: u32,
}

token_page! {
    /// NLB ListServerGroupServers.
    ListServerGroupServersResponse { servers: BackendServer }
}

/// One backend. Carries no health information.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BackendServer {
    pub server_group_id: String,
    pub server_id: String,
    pub server_ip: String,
    pub server_type: String,
    #[serde(with = "crate::wire::num::int")]
    pub port: u16,
    #[serde(with = "crate::wire::num::int")]
    pub weight: u32,
    pub zone_id: String,
    /// Adding | Available | Configuring | Removing.
    pub status: ServerStatus,
    pub description: String,
}

/// NLB CreateLoadBalancer. Note the lowercase b in `LoadbalancerId`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateLoadBalancerResponse {
    pub request_id: String,
    #[serde(rename = "LoadbalancerId")]
    pub loadbalancer_id: String,
    #[serde(with = "crate::wire::num::int")]
    pub order_id: u64,
}

/// NLB GetLoadBalancerAttribute (tags as `TagKey`/`TagValue`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetLoadBalancerAttributeResponse {
    pub request_id: String,
    #[serde(flatten)]
    pub load_balancer: LoadBalancerCommon,
    pub tags: Vec<TagKv>,
}

/// One load balancer in ListLoadBalancers (tags as `Key`/`Value`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancer {
    #[serde(flatten)]
    pub common: LoadBalancerCommon,
    pub tags: Vec<Tag>,
}

/// Fields shared by GetLoadBalancerAttribute and ListLoadBalancers.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancerCommon {
    pub load_balancer_id: String,
    pub load_balancer_name: String,
    pub load_balancer_type: String,
    /// Internet | Intranet.
    pub address_type: String,
    pub address_ip_version: String,
    /// Inactive | Active | Provisioning | Configuring | CreateFailed | Deleting | Deleted.
    pub load_balancer_status: LoadBalancerStatus,
    /// Normal | Abnormal.
    pub load_balancer_business_status: String,
    pub region_id: String,
    pub vpc_id: String,
    #[serde(rename = "DNSName")]
    pub dns_name: String,
    #[serde(with = "crate::wire::num::boolean")]
    pub cross_zone_enabled: bool,
    pub create_time: String,
    pub zone_mappings: Vec<ZoneMapping>,
    pub operation_locks: Vec<OperationLock>,
    pub security_group_ids: Vec<String>,
    pub deletion_protection_config: DeletionProtectionConfig,
    pub load_balancer_billing_config: BillingConfig,
}

/// One zone of a load balancer.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ZoneMapping {
    pub zone_id: String,
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    /// Active | Stopped | Shifted | Starting | Stopping.
    pub status: String,
    pub load_balancer_addresses: Vec<LoadBalancerAddress>,
}

/// Addresses of a load balancer in one zone.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancerAddress {
    pub eni_id: String,
    #[serde(rename = "PrivateIPv4Address")]
    pub private_ipv4_address: String,
    /// GetLoadBalancerAttribute only (ListLoadBalancers does not return it).
    #[serde(rename = "Ipv4LocalAddresses", skip_serializing_if = "Option::is_none")]
    pub ipv4_local_addresses: Option<Vec<String>>,
    /// Healthy | Unhealthy.
    #[serde(rename = "PrivateIPv4HcStatus")]
    pub private_ipv4_hc_status: String,
}

/// `OperationLocks[]`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct OperationLock {
    pub lock_type: String,
    pub lock_reason: String,
}

/// `DeletionProtectionConfig`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeletionProtectionConfig {
    #[serde(with = "crate::wire::num::boolean")]
    pub enabled: bool,
    pub reason: String,
    pub enabled_time: String,
}

/// `LoadBalancerBillingConfig`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BillingConfig {
    pub pay_type: String,
}

token_page! {
    /// NLB ListLoadBalancers.
    ListLoadBalancersResponse { load_balancers: LoadBalancer }
}

/// NLB CreateListener.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateListenerResponse {
    pub request_id: String,
    pub listener_id: String,
    pub job_id: String,
}

/// One listener (ListListeners item, GetListenerAttribute body). The tag shape differs:
/// `{Key, Value}` in the list, `{TagKey, TagValue}` in the attribute call (`T = TagKv`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Listener<T = Tag> {
    pub listener_id: String,
    pub load_balancer_id: String,
    pub region_id: String,
    pub listener_protocol: String,
    #[serde(with = "crate::wire::num::int")]
    pub listener_port: u16,
    /// A string on the wire.
    #[serde(with = "crate::wire::num::string")]
    pub start_port: u16,
    /// A string on the wire.
    #[serde(with = "crate::wire::num::string")]
    pub end_port: u16,
    pub server_group_id: String,
    /// Provisioning | Running | Configuring | Stopping | Stopped | Starting | Deleting | Deleted.
    pub listener_status: ListenerStatus,
    #[serde(with = "crate::wire::num::int")]
    pub idle_timeout: u32,
    pub listener_description: String,
    #[serde(with = "crate::wire::num::boolean")]
    pub proxy_protocol_enabled: bool,
    pub tags: Vec<T>,
}

impl<T> Listener<T> {
    /// The same listener with its tags converted to another shape.
    pub fn map_tags<U>(self, f: impl FnMut(T) -> U) -> Listener<U> {
        Listener {
            listener_id: self.listener_id,
            load_balancer_id: self.load_balancer_id,
            region_id: self.region_id,
            listener_protocol: self.listener_protocol,
            listener_port: self.listener_port,
            start_port: self.start_port,
            end_port: self.end_port,
            server_group_id: self.server_group_id,
            listener_status: self.listener_status,
            idle_timeout: self.idle_timeout,
            listener_description: self.listener_description,
            proxy_protocol_enabled: self.proxy_protocol_enabled,
            tags: self.tags.into_iter().map(f).collect(),
        }
    }
}

impl From<TagKv> for Tag {
    fn from(t: TagKv) -> Self {
        Tag {
            key: t.tag_key,
            value: t.tag_value,
        }
    }
}

impl From<Tag> for TagKv {
    fn from(t: Tag) -> Self {
        TagKv {
            tag_key: t.key,
            tag_value: t.value,
        }
    }
}

token_page! {
    /// NLB ListListeners.
    ListListenersResponse { listeners: Listener }
}

/// NLB GetListenerAttribute.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetListenerAttributeResponse {
    pub request_id: String,
    #[serde(flatten)]
    pub listener: Listener<TagKv>,
}

/// NLB GetJobStatus.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetJobStatusResponse {
    pub request_id: String,
    /// Processing | Succeeded.
    pub status: String,
}

token_page! {
    /// NLB GetListenerHealthStatus.
    GetListenerHealthStatusResponse { listener_health_status: ListenerHealthStatus } total_count: "crate::wire::num::int"
}

/// Health of one listener.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListenerHealthStatus {
    pub listener_id: String,
    #[serde(with = "crate::wire::num::int")]
    pub listener_port: u16,
    pub listener_protocol: String,
    pub server_group_infos: Vec<ServerGroupHealth>,
}

/// Health of one server group; `HeathCheckEnabled` is misspelled on the wire.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerGroupHealth {
    pub server_group_id: String,
    #[serde(rename = "HeathCheckEnabled", with = "crate::wire::num::boolean")]
    pub heath_check_enabled: bool,
    /// Servers that are not healthy; healthy ones are absent.
    pub non_normal_servers: Vec<NonNormalServer>,
}

/// A backend that is not healthy.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct NonNormalServer {
    pub server_id: String,
    pub server_ip: String,
    #[serde(with = "crate::wire::num::int")]
    pub port: u16,
    /// Initial | Unhealthy | Unavailable.
    pub status: String,
    pub reason: HealthReason,
}

/// `Reason{ReasonCode}`: CONNECT_TIMEOUT, CONNECT_FAILED, …
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthReason {
    pub reason_code: String,
}

/// NLB DescribeZones: a flat `Zones[]`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct NlbDescribeZonesResponse {
    pub request_id: String,
    pub zones: Vec<Zone>,
}
