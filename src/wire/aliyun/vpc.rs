//! VPC 2016-04-28: VPCs, vSwitches and zones (the zone list shape is PrivateLink's too).

use serde::{Deserialize, Serialize};

wrapper!(/** `Vpcs.Vpc[]`. */ VpcList, "Vpc", Vpc);
wrapper!(/** `VSwitchIds.VSwitchId[]`. */ VSwitchIdList, "VSwitchId", String);
wrapper!(/** `VSwitches.VSwitch[]`. */ VSwitchList, "VSwitch", VSwitch);
wrapper!(/** `Zones.Zone[]` (VPC and PrivateLink DescribeZones). */ ZoneList, "Zone", Zone);

/// Declares a VPC `PageNumber` list response: `RequestId`, `TotalCount`, `PageNumber`,
/// `PageSize`, then the page's wrapped list.
macro_rules! numbered_page {
    ($(#[$m:meta])* $name:ident { $(#[$im:meta])* $items:ident: $list:ty }) => {
        $(#[$m])*
        #[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
        #[serde(rename_all = "PascalCase", default)]
        pub struct $name {
            pub request_id: String,
            #[serde(with = "crate::wire::num::int")]
            pub total_count: u64,
            #[serde(with = "crate::wire::num::int")]
            pub page_number: u64,
            #[serde(with = "crate::wire::num::int")]
            pub page_size: u64,
            $(#[$im])*
            pub $items: $list,
        }
    };
}

numbered_page! {
    /// VPC DescribeVpcs.
    DescribeVpcsResponse { vpcs: VpcList }
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

numbered_page! {
    /// VPC DescribeVSwitches.
    DescribeVSwitchesResponse {
        #[serde(rename = "VSwitches")]
        vswitches: VSwitchList
    }
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
