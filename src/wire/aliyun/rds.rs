//! RDS 2014-08-15: instances, their addresses and IP allowlists (string `Port`).

use serde::{Deserialize, Serialize};

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
