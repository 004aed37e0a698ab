//! Alibaba Cloud RPC response bodies for STS, VPC, RDS, NLB and PrivateLink.
//!
//! Size (~980 lines): the serde model of every response tilink reads, one per action, so
//! the wire contract checked against the API metadata lives in one file.
//!
//! Field names are the exact wire spellings (`shared/reference/alibaba-api.md` §6 and §8),
//! quirks included: `LoadbalancerId`, `HeathCheckEnabled`, `VPCId`, `HealthCheck`,
//! `TagKey`/`TagValue` vs `Key`/`Value`, XML-style list wrappers, string `TotalCount` in
//! PrivateLink connections/users and string RDS `Port`.

pub use super::states::{
    ConnectionStatus, ListenerStatus, LoadBalancerStatus, ServerGroupStatus, ServerStatus,
    ServiceStatus,
};
use serde::{Deserialize, Serialize};

/// Declares a `{"<Inner>": [T, …]}` wrapper, the XML-style list shape of RDS and VPC.
macro_rules! wrapper {
    ($(#[$m:meta])* $name:ident, $key:literal, $item:ty) => {
        $(#[$m])*
        #[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
        #[serde(default)]
        pub struct $name {
            #[allow(missing_docs)]
            #[serde(rename = $key)]
            pub items: Vec<$item>,
        }
        impl From<Vec<$item>> for $name {
            fn from(items: Vec<$item>) -> Self {
                Self { items }
            }
        }
    };
}

// ───────────────────────────── common ─────────────────────────────

/// The error body of every product (§5).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ErrorBody {
    pub request_id: String,
    pub host_id: String,
    pub code: String,
    pub message: String,
    pub recommend: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_denied_detail: Option<AccessDeniedDetail>,
}

/// RAM denial details attached to `Forbidden.RAM` / `Forbidden.NoPermission`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct AccessDeniedDetail {
    pub auth_action: String,
    pub auth_principal_type: String,
    #[serde(with = "crate::wire::num::int")]
    pub auth_principal_owner_id: String,
    pub auth_principal_display_name: String,
    pub no_permission_type: String,
    pub policy_type: String,
    pub encoded_diagnostic_message: String,
}

/// A response that carries only `RequestId` (most PrivateLink writes, RDS-less acks).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ack {
    pub request_id: String,
}

/// A tag in List* responses: `{Key, Value}`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A tag in NLB GetLoadBalancerAttribute: `{TagKey, TagValue}`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagKv {
    pub tag_key: String,
    pub tag_value: String,
}

// ───────────────────────────── STS 2015-04-01 ─────────────────────────────

/// STS GetCallerIdentity.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetCallerIdentityResponse {
    pub request_id: String,
    #[serde(with = "crate::wire::num::string")]
    pub account_id: String,
    pub user_id: String,
    pub principal_id: String,
    pub arn: String,
    /// Account | RAMUser | AssumedRoleUser.
    pub identity_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role_id: String,
}

// ───────────────────────────── VPC 2016-04-28 ─────────────────────────────

wrapper!(/** `Vpcs.Vpc[]`. */ VpcList, "Vpc", Vpc);
wrapper!(/** `VSwitchIds.VSwitchId[]`. */ VSwitchIdList, "VSwitchId", String);
wrapper!(/** `VSwitches.VSwitch[]`. */ VSwitchList, "VSwitch", VSwitch);
wrapper!(/** `Zones.Zone[]` (VPC and PrivateLink DescribeZones). */ ZoneList, "Zone", Zone);

/// VPC DescribeVpcs.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeVpcsResponse {
    pub request_id: String,
    #[serde(with = "crate::wire::num::int")]
    pub total_count: u64,
    #[serde(with = "crate::wire::num::int")]
    pub page_number: u64,
    #[serde(with = "crate::wire::num::int")]
    pub page_size: u64,
    pub vpcs: VpcList,
}

/// One VPC.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Vpc {
    pub vpc_id: String,
    pub vpc_name: String,
    pub region_id: String,
    pub cidr_block: String,
    /// Pending | Available.
    pub status: String,
    #[serde(with = "crate::wire::num::boolean")]
    pub is_default: bool,
    pub creation_time: String,
    pub description: String,
    #[serde(rename = "VSwitchIds")]
    pub vswitch_ids: VSwitchIdList,
}

/// VPC DescribeVSwitches.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeVSwitchesResponse {
    pub request_id: String,
    #[serde(with = "crate::wire::num::int")]
    pub total_count: u64,
    #[serde(with = "crate::wire::num::int")]
    pub page_number: u64,
    #[serde(with = "crate::wire::num::int")]
    pub page_size: u64,
    #[serde(rename = "VSwitches")]
    pub vswitches: VSwitchList,
}

/// One vSwitch.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct VSwitch {
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    #[serde(rename = "VSwitchName")]
    pub vswitch_name: String,
    pub vpc_id: String,
    pub zone_id: String,
    pub cidr_block: String,
    #[serde(with = "crate::wire::num::int")]
    pub available_ip_address_count: u64,
    /// Pending | Available.
    pub status: String,
    #[serde(with = "crate::wire::num::boolean")]
    pub is_default: bool,
    pub creation_time: String,
    pub description: String,
}

/// A zone in VPC / PrivateLink (`Zones.Zone[]`) and NLB (flat `Zones[]`) DescribeZones.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Zone {
    pub zone_id: String,
    pub local_name: String,
    /// VPC only: AvailabilityZone | EdgeZone.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub zone_type: String,
}

/// VPC DescribeZones and PrivateLink DescribeZones: `{"Zones":{"Zone":[…]}}`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeZonesResponse {
    pub request_id: String,
    pub zones: ZoneList,
}

// ───────────────────────────── RDS 2014-08-15 ─────────────────────────────

wrapper!(/** `Items.DBInstance[]`. */ DbInstanceList, "DBInstance", DbInstance);
wrapper!(/** `Items.DBInstanceAttribute[]`. */ DbInstanceAttributeList, "DBInstanceAttribute", DbInstanceAttribute);
wrapper!(/** `SlaveZones.SlaveZone[]`. */ SlaveZoneList, "SlaveZone", SlaveZone);
wrapper!(/** `DBInstanceNetInfos.DBInstanceNetInfo[]`. */ DbInstanceNetInfoList, "DBInstanceNetInfo", DbInstanceNetInfo);
wrapper!(/** `Items.DBInstanceIPArray[]`. */ DbInstanceIpArrayList, "DBInstanceIPArray", DbInstanceIpArray);

/// RDS DescribeDBInstances.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeDbInstancesResponse {
    pub request_id: String,
    pub items: DbInstanceList,
    #[serde(with = "crate::wire::num::int")]
    pub total_record_count: u64,
    #[serde(with = "crate::wire::num::int")]
    pub page_record_count: u64,
    #[serde(with = "crate::wire::num::int")]
    pub page_number: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub next_token: String,
}

/// One instance in DescribeDBInstances.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DbInstance {
    #[serde(rename = "DBInstanceId")]
    pub db_instance_id: String,
    #[serde(rename = "DBInstanceDescription")]
    pub db_instance_description: String,
    pub region_id: String,
    pub engine: String,
    pub engine_version: String,
    #[serde(rename = "DBInstanceStatus")]
    pub db_instance_status: String,
    /// Primary | Readonly | Guard | Temp.
    #[serde(rename = "DBInstanceType")]
    pub db_instance_type: String,
    /// Internet | Intranet.
    #[serde(rename = "DBInstanceNetType")]
    pub db_instance_net_type: String,
    /// VPC | Classic.
    pub instance_network_type: String,
    pub connection_string: String,
    pub zone_id: String,
    pub vpc_id: String,
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    pub lock_mode: String,
    pub category: String,
    #[serde(rename = "DBInstanceClass")]
    pub db_instance_class: String,
    pub master_instance_id: String,
    pub create_time: String,
}

/// RDS DescribeDBInstanceAttribute.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeDbInstanceAttributeResponse {
    pub request_id: String,
    pub items: DbInstanceAttributeList,
}

/// One instance in DescribeDBInstanceAttribute.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DbInstanceAttribute {
    #[serde(rename = "DBInstanceId")]
    pub db_instance_id: String,
    #[serde(rename = "DBInstanceDescription")]
    pub db_instance_description: String,
    pub region_id: String,
    pub engine: String,
    pub engine_version: String,
    #[serde(rename = "DBInstanceStatus")]
    pub db_instance_status: String,
    #[serde(rename = "DBInstanceType")]
    pub db_instance_type: String,
    #[serde(rename = "DBInstanceNetType")]
    pub db_instance_net_type: String,
    pub instance_network_type: String,
    pub connection_string: String,
    /// A string on the wire (`"3306"`).
    #[serde(with = "crate::wire::num::string")]
    pub port: u16,
    pub zone_id: String,
    pub master_zone: String,
    pub slave_zones: SlaveZoneList,
    pub vpc_id: String,
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    /// normal | safety.
    #[serde(rename = "SecurityIPMode")]
    pub security_ip_mode: String,
    pub lock_mode: String,
    pub category: String,
    #[serde(rename = "DBInstanceClass")]
    pub db_instance_class: String,
    pub creation_time: String,
}

/// `{ZoneId}` inside `SlaveZones.SlaveZone[]`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct SlaveZone {
    pub zone_id: String,
}

/// RDS DescribeDBInstanceNetInfo.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeDbInstanceNetInfoResponse {
    pub request_id: String,
    pub instance_network_type: String,
    #[serde(rename = "SecurityIPMode")]
    pub security_ip_mode: String,
    #[serde(rename = "DBInstanceNetInfos")]
    pub db_instance_net_infos: DbInstanceNetInfoList,
}

/// One address of an instance.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DbInstanceNetInfo {
    pub connection_string: String,
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    /// Private | Public (VPC), Inner | Public (classic).
    #[serde(rename = "IPType")]
    pub ip_type: String,
    #[serde(with = "crate::wire::num::string")]
    pub port: u16,
    /// Spelled `VPCId` on the wire.
    #[serde(rename = "VPCId")]
    pub vpc_id: String,
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    /// Normal | ReadWriteSplitting.
    pub connection_string_type: String,
}

/// RDS DescribeDBInstanceIPArrayList.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeDbInstanceIpArrayListResponse {
    pub request_id: String,
    pub items: DbInstanceIpArrayList,
}

/// One allowlist group.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DbInstanceIpArray {
    #[serde(rename = "DBInstanceIPArrayName")]
    pub db_instance_ip_array_name: String,
    /// `hidden` on system groups, empty otherwise.
    #[serde(rename = "DBInstanceIPArrayAttribute")]
    pub db_instance_ip_array_attribute: String,
    #[serde(rename = "SecurityIPType")]
    pub security_ip_type: String,
    /// Comma-separated IPs and CIDRs.
    #[serde(rename = "SecurityIPList")]
    pub security_ip_list: String,
}

/// RDS ModifySecurityIps.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifySecurityIpsResponse {
    pub request_id: String,
    #[serde(with = "crate::wire::num::string")]
    pub task_id: String,
}

// ───────────────────────────── NLB 2022-04-30 ─────────────────────────────

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

/// NLB ListServerGroups.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListServerGroupsResponse {
    pub request_id: String,
    pub server_groups: Vec<ServerGroup>,
    #[serde(with = "crate::wire::num::int")]
    pub total_count: u64,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
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

/// NLB ListServerGroupServers.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListServerGroupServersResponse {
    pub request_id: String,
    pub servers: Vec<BackendServer>,
    #[serde(with = "crate::wire::num::int")]
    pub total_count: u64,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
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

/// NLB ListLoadBalancers.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListLoadBalancersResponse {
    pub request_id: String,
    pub load_balancers: Vec<LoadBalancer>,
    #[serde(with = "crate::wire::num::int")]
    pub total_count: u64,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
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

/// NLB ListListeners.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListListenersResponse {
    pub request_id: String,
    pub listeners: Vec<Listener>,
    #[serde(with = "crate::wire::num::int")]
    pub total_count: u64,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
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

/// NLB GetListenerHealthStatus.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetListenerHealthStatusResponse {
    pub request_id: String,
    pub listener_health_status: Vec<ListenerHealthStatus>,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
    #[serde(with = "crate::wire::num::int")]
    pub total_count: u64,
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

// ───────────────────────────── PrivateLink 2020-04-15 ─────────────────────────────

/// PrivateLink CheckProductOpen.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct CheckProductOpenResponse {
    pub request_id: String,
    #[serde(with = "crate::wire::num::boolean")]
    pub success: bool,
}

/// PrivateLink OpenPrivateLinkService.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct OpenPrivateLinkServiceResponse {
    pub request_id: String,
    #[serde(with = "crate::wire::num::string")]
    pub order_id: String,
}

/// PrivateLink CreateVpcEndpointService.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateVpcEndpointServiceResponse {
    pub request_id: String,
    pub service_id: String,
    pub service_name: String,
    pub service_domain: String,
    /// Creating | Pending | Active | Deleting.
    pub service_status: ServiceStatus,
    pub service_business_status: String,
    #[serde(with = "crate::wire::num::boolean")]
    pub auto_accept_enabled: bool,
    #[serde(with = "crate::wire::num::boolean")]
    pub zone_affinity_enabled: bool,
    pub create_time: String,
}

/// One endpoint service (ListVpcEndpointServices item, GetVpcEndpointServiceAttribute body).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointService {
    pub service_id: String,
    pub service_name: String,
    pub service_domain: String,
    pub service_description: String,
    pub service_status: ServiceStatus,
    pub service_business_status: String,
    /// slb | alb | nlb | gwlb.
    pub service_resource_type: String,
    /// Interface | GatewayLoadBalancer.
    pub service_type: String,
    #[serde(with = "crate::wire::num::boolean")]
    pub auto_accept_enabled: bool,
    #[serde(with = "crate::wire::num::boolean")]
    pub zone_affinity_enabled: bool,
    pub payer: String,
    #[serde(with = "crate::wire::num::int")]
    pub connect_bandwidth: u64,
    pub region_id: String,
    pub create_time: String,
    /// ListVpcEndpointServices only: GetVpcEndpointServiceAttribute returns no tags, so
    /// `None` means "this call did not say" (read them with a list call), never "untagged".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// GetVpcEndpointServiceAttribute only: zone ids of the service resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
}

impl EndpointService {
    /// The tags a list call returned (empty when the call returns none).
    pub fn tag_list(&self) -> &[Tag] {
        self.tags.as_deref().unwrap_or_default()
    }
}

/// PrivateLink ListVpcEndpointServices (`TotalCount` is an int here).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListVpcEndpointServicesResponse {
    pub request_id: String,
    pub services: Vec<EndpointService>,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
    #[serde(with = "crate::wire::num::int")]
    pub total_count: u64,
}

/// PrivateLink GetVpcEndpointServiceAttribute.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetVpcEndpointServiceAttributeResponse {
    pub request_id: String,
    #[serde(flatten)]
    pub service: EndpointService,
}

/// PrivateLink ListVpcEndpointServiceResources.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListVpcEndpointServiceResourcesResponse {
    pub request_id: String,
    pub resources: Vec<ServiceResource>,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
}

/// One resource behind an endpoint service.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceResource {
    pub resource_id: String,
    pub resource_type: String,
    pub zone_id: String,
    pub vpc_id: String,
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    pub ip: String,
    pub region_id: String,
    #[serde(with = "crate::wire::num::int")]
    pub related_endpoint_count: u64,
}

/// PrivateLink ListVpcEndpointServiceUsers (`TotalCount` is a string here).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListVpcEndpointServiceUsersResponse {
    pub request_id: String,
    pub users: Vec<ServiceUser>,
    #[serde(rename = "UserARNs")]
    pub user_arns: Vec<ServiceUserArn>,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
    #[serde(with = "crate::wire::num::string")]
    pub total_count: u64,
}

/// `{UserId}` (an int64 account UID).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceUser {
    #[serde(with = "crate::wire::num::int")]
    pub user_id: u64,
}

/// `{UserARN}`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(default)]
pub struct ServiceUserArn {
    #[serde(rename = "UserARN")]
    pub user_arn: String,
}

/// PrivateLink ListVpcEndpointConnections (`TotalCount` is a string here).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListVpcEndpointConnectionsResponse {
    pub request_id: String,
    pub connections: Vec<EndpointConnection>,
    pub next_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub max_results: u64,
    #[serde(with = "crate::wire::num::string")]
    pub total_count: u64,
}

/// One endpoint connection request.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointConnection {
    pub endpoint_id: String,
    /// The account UID that owns the endpoint (an int on the wire).
    #[serde(with = "crate::wire::num::int")]
    pub endpoint_owner_id: u64,
    pub endpoint_vpc_id: String,
    pub endpoint_region_id: String,
    pub service_id: String,
    /// True when endpoint and service are in the same account.
    #[serde(with = "crate::wire::num::boolean")]
    pub resource_owner: bool,
    /// Pending | Connecting | Connected | Disconnecting | Disconnected | Deleting | ServiceDeleted.
    pub connection_status: ConnectionStatus,
    #[serde(with = "crate::wire::num::int")]
    pub bandwidth: u64,
    pub modified_time: String,
    pub zones: Vec<ConnectionZone>,
}

/// One zone of an endpoint connection.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConnectionZone {
    pub zone_id: String,
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    pub eni_id: String,
    pub resource_id: String,
    pub zone_domain: String,
    /// Creating | Wait | Connecting | Connected | Disconnecting | Disconnected | Deleting.
    pub zone_status: String,
}

#[cfg(test)]
mod tests;
