//! PrivateLink 2020-04-15: endpoint services, their resources, users and connections
//! (string `TotalCount` in connections and users).

use super::{ConnectionStatus, ServiceStatus, Tag};
use serde::{Deserialize, Serialize};

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

token_page! {
    /// PrivateLink ListVpcEndpointServices (`TotalCount` is an int here).
    ListVpcEndpointServicesResponse { services: EndpointService } total_count: "crate::wire::num::int"
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

token_page! {
    /// PrivateLink ListVpcEndpointConnections (`TotalCount` is a string here).
    ListVpcEndpointConnectionsResponse { connections: EndpointConnection } total_count: "crate::wire::num::string"
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
