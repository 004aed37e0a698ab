//! TiDB Cloud v1beta1 (serverless) bodies: clusters and Private Link Connections.
//!
//! JSON keys are camelCase exactly as in the OpenAPI specs (`shared/reference/tidbcloud-api.md`
//! §2–§3); IAM projects are snake_case. int64 fields accept a number or a string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// PLC type for Alibaba Cloud endpoint services.
pub const ALICLOUD_ENDPOINT_SERVICE: &str = "ALICLOUD_ENDPOINT_SERVICE";
/// PLC type for AWS endpoint services.
pub const AWS_ENDPOINT_SERVICE: &str = "AWS_ENDPOINT_SERVICE";

/// A Starter/Essential cluster.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Cluster {
    /// `clusters/{clusterId}`.
    pub name: String,
    pub cluster_id: String,
    pub display_name: String,
    pub region: Region,
    /// CREATING, ACTIVE, DELETING, … (kept as a string).
    pub state: String,
    /// STARTER | ESSENTIAL (may be absent from `view=BASIC`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cluster_plan: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_plan: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub high_availability_type: String,
    pub version: String,
    pub created_by: String,
    pub user_prefix: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub create_time: String,
    pub update_time: String,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub endpoints: serde_json::Value,
}

/// A cluster's region.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Region {
    /// `regions/alicloud-ap-southeast-1`.
    pub name: String,
    pub region_id: String,
    /// aws | gcp | azure | alicloud.
    pub cloud_provider: String,
    pub display_name: String,
}

/// `GET /v1beta1/clusters`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ListClustersResponse {
    pub clusters: Vec<Cluster>,
    pub next_page_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub total_size: i64,
}

/// A Private Link Connection. `clusterId`, `displayName`, `type`, `privateLinkConnectionId`,
/// `state` and `createTime` are always serialized (clients dereference them).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PrivateLinkConnection {
    pub private_link_connection_id: String,
    pub cluster_id: String,
    pub display_name: String,
    /// CREATING | ACTIVE | FAILED | PENDING_ACCEPTANCE | DELETING (and anything newer).
    pub state: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    pub created_by: String,
    pub create_time: String,
    pub update_time: Option<String>,
    /// ALICLOUD_ENDPOINT_SERVICE | AWS_ENDPOINT_SERVICE.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alicloud_endpoint_service: Option<AlicloudEndpointService>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_endpoint_service: Option<AwsEndpointService>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attached_domains: Vec<serde_json::Value>,
}

/// `alicloudEndpointService`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AlicloudEndpointService {
    /// `com.aliyuncs.privatelink.<region>.epsrv-…`.
    pub name: String,
    /// The endpoint TiDB Cloud created in its own account (read-only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub availability_zone_ids: Vec<String>,
}

/// `awsEndpointService`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AwsEndpointService {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub availability_zone_ids: Vec<String>,
}

/// `GET …/privateLinkConnections`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ListPrivateLinkConnectionsResponse {
    pub private_link_connections: Vec<PrivateLinkConnection>,
    pub next_page_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub total_size: i64,
}

/// `GET …/privateLinkConnections:getAvailabilityZones`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AvailabilityZones {
    /// The TiDB Cloud Alibaba account UID to whitelist.
    #[serde(with = "crate::wire::num::string")]
    pub account_id: String,
    pub az_ids: Vec<String>,
}

/// `POST …/privateLinkConnections` body.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct CreatePrivateLinkConnectionRequest {
    pub private_link_connection: PrivateLinkConnection,
}

/// Error body (google.rpc.Status).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(default)]
pub struct Status {
    #[serde(with = "crate::wire::num::int")]
    pub code: i64,
    pub message: String,
    pub details: Vec<serde_json::Value>,
}

/// IAM `GET /v1beta1/projects` (snake_case keys).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(default)]
pub struct ListProjectsResponse {
    pub projects: Vec<Project>,
    #[serde(rename = "nextPageToken")]
    pub next_page_token: String,
}

/// One IAM project.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(default)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub org_id: String,
    #[serde(with = "crate::wire::num::int")]
    pub cluster_count: i64,
    #[serde(with = "crate::wire::num::int")]
    pub user_count: i64,
    #[serde(with = "crate::wire::num::int")]
    pub create_timestamp: i64,
    pub aws_cmek_enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plc_demo_round_trip() {
        let p: PrivateLinkConnection = serde_json::from_str(
            r#"{"privateLinkConnectionId":"plc-1","clusterId":"10202848322613926203","displayName":"rds-plc","state":"CREATING",
               "createdBy":"apikey-XXXXXXXX","createTime":"2026-01-01T00:00:00Z","type":"ALICLOUD_ENDPOINT_SERVICE",
               "alicloudEndpointService":{"name":"com.aliyuncs.privatelink.ap-southeast-1.epsrv-x","endpointId":"ep-1","availabilityZoneIds":["ap-southeast-1a"]}}"#,
        )
        .unwrap();
        assert_eq!(p.kind, ALICLOUD_ENDPOINT_SERVICE);
        assert_eq!(
            p.alicloud_endpoint_service.as_ref().unwrap().endpoint_id,
            "ep-1"
        );
        let v = serde_json::to_value(&p).unwrap();
        for k in [
            "clusterId",
            "displayName",
            "type",
            "privateLinkConnectionId",
            "state",
            "createTime",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        let unknown: PrivateLinkConnection =
            serde_json::from_str(r#"{"state":"CONNECTING"}"#).unwrap();
        assert_eq!(unknown.state, "CONNECTING");
    }

    #[test]
    fn lists_and_zones() {
        let l: ListPrivateLinkConnectionsResponse =
            serde_json::from_str(r#"{"privateLinkConnections":[],"totalSize":"0"}"#).unwrap();
        assert_eq!(l.total_size, 0);
        assert_eq!(serde_json::to_value(&l).unwrap()["totalSize"], 0);
        let z: AvailabilityZones = serde_json::from_str(
            r#"{"accountId":"1234567890123456","azIds":["ap-southeast-1a","ap-southeast-1b","ap-southeast-1c"]}"#,
        )
        .unwrap();
        assert_eq!(z.az_ids.len(), 3);
        let c: ListClustersResponse = serde_json::from_str(
            r#"{"clusters":[{"name":"clusters/1","clusterId":"1","displayName":"c","region":{"name":"regions/alicloud-ap-southeast-1",
               "regionId":"ap-southeast-1","cloudProvider":"alicloud","displayName":"Singapore (ap-southeast-1)"},
               "state":"ACTIVE","clusterPlan":"ESSENTIAL","labels":{"tidb.cloud/project":"1"}}],"totalSize":1}"#,
        )
        .unwrap();
        assert_eq!(c.clusters[0].region.cloud_provider, "alicloud");
        let s: Status = serde_json::from_str(
            r#"{"details":[],"code":49900007,"message":"The request exceeded the limit of 100 times per apikey per minute."}"#,
        )
        .unwrap();
        assert_eq!(s.code, 49900007);
    }
}

/// One changefeed (`GET /v1beta1/clusters/{clusterId}/changefeeds`, the serverless CDC API:
/// `pkg/tidbcloud/v1beta1/serverless/cdc.swagger.json` in tidbcloud/tidbcloud-cli). Only
/// the fields tilink reads: which private link connection its sink uses.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Changefeed {
    pub cluster_id: String,
    pub changefeed_id: String,
    pub display_name: String,
    /// `RUNNING`, `CREATING`, `PAUSED`, `WARNING`, `CREATE_FAILED`, `RUNNING_FAILED`, `DELETED`.
    pub state: String,
    pub sink: ChangefeedSink,
}

impl Changefeed {
    /// The private link connection its sink goes through, if any.
    pub fn private_link_connection_id(&self) -> Option<&str> {
        [&self.sink.mysql, &self.sink.kafka]
            .into_iter()
            .flatten()
            .filter_map(|s| s.network.private_link.as_ref())
            .map(|p| p.private_link_connection_id.as_str())
            .find(|id| !id.is_empty())
    }
}

/// `SinkInfo`: the sink type and its MySQL or Kafka settings.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ChangefeedSink {
    /// `MYSQL` or `KAFKA`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mysql: Option<SinkEndpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka: Option<SinkEndpoint>,
}

/// The network part of a `MySQL` or `Kafka` sink.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SinkEndpoint {
    pub network: SinkNetwork,
}

/// `MySQL.Network` / `Kafka.Network`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SinkNetwork {
    /// `PUBLIC` or `PRIVATE_LINK`.
    pub network_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_link: Option<SinkPrivateLink>,
}

/// `MySQL.PrivateLink` / `Kafka.PrivateLink`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SinkPrivateLink {
    pub private_link_connection_id: String,
    pub port: i64,
}

/// A Data Migration task (`Migration` in tidbcloud-cli's `dm.swagger.json`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Migration {
    pub migration_id: String,
    pub display_name: String,
    /// `CREATING`, `RUNNING`, `PAUSED`, `FAILED`, `DELETING`.
    pub state: String,
    pub sub_tasks: Vec<MigrationSubTask>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub create_time: String,
}

impl Migration {
    /// Whether one of its sources connects through the PLC `plc_id` (or that PLC's Alibaba
    /// endpoint `endpoint_id`). The API names the field `endpointId` and documents it only
    /// as "Private link endpoint ID"; tidbcloud-cli's template says to take it from
    /// `ticloud plc` (which shows the PLC id and its endpoint's id), so both match.
    pub fn uses_plc(&self, plc_id: &str, endpoint_id: &str) -> bool {
        self.sub_tasks.iter().any(|t| {
            let c = &t.source.conn_profile;
            c.conn_type == "PRIVATE_LINK"
                && !c.endpoint_id.is_empty()
                && (c.endpoint_id == plc_id
                    || (!endpoint_id.is_empty() && c.endpoint_id == endpoint_id))
        })
    }

    /// The first sub-task error, if any.
    pub fn error(&self) -> Option<&str> {
        self.sub_tasks
            .iter()
            .filter_map(|t| t.error_msg.as_deref())
            .find(|e| !e.is_empty())
    }
}

/// `SubTask`: one source of a migration and where it is.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MigrationSubTask {
    pub source: MigrationSource,
    /// `DUMP`, `LOAD`, `SYNC`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub current_step: String,
    /// `RUNNING`, `PAUSED`, `FAILED`, `FINISHED`, `UNKNOWN`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// `Source`: the source database of a sub-task.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MigrationSource {
    /// `MYSQL`, `ALICLOUD_RDS_MYSQL`, `AWS_RDS_MYSQL`.
    pub source_type: String,
    pub conn_profile: ConnProfile,
}

/// `ConnProfile`: how DM reaches the source (the password is never read or kept).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnProfile {
    /// `PUBLIC` or `PRIVATE_LINK`.
    pub conn_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    pub port: i64,
}

/// `GET …/migrations` (`ListMigrationsResp`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Migrations {
    pub migrations: Vec<Migration>,
    pub next_page_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub total_size: i64,
}

/// `GET …/changefeeds` (`Changefeeds`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Changefeeds {
    pub changefeeds: Vec<Changefeed>,
    pub next_page_token: String,
    #[serde(with = "crate::wire::num::int")]
    pub total_size: i64,
}
