//! What discovery learns about both clouds, in tilink's own terms (no wire types).

use serde::{Deserialize, Serialize};

/// A TiDB Cloud cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// Cluster id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Cloud provider (`alicloud`, `aws`, …).
    pub provider: String,
    /// The provider's region id (`ap-southeast-1`).
    pub region: String,
    /// `ESSENTIAL`, `STARTER`, …
    pub plan: String,
    /// `ACTIVE`, …
    pub state: String,
}

impl ClusterInfo {
    /// True for clusters on Alibaba Cloud.
    pub fn on_alibaba(&self) -> bool {
        self.provider.eq_ignore_ascii_case("alicloud")
    }
}

/// The TiDB Cloud side of a private link: the account that opens endpoints and its zones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TidbZones {
    /// Alibaba Cloud account id TiDB Cloud uses.
    pub account_id: String,
    /// Zones where TiDB Cloud can create its endpoint.
    pub az_ids: Vec<String>,
}

/// One RDS IP allowlist group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllowlistGroup {
    /// `DBInstanceIPArrayName`.
    pub name: String,
    /// Entries (IPs or CIDRs).
    pub ips: Vec<String>,
    /// System group (`DBInstanceIPArrayAttribute=hidden`).
    pub hidden: bool,
}

/// An ApsaraDB RDS instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RdsInfo {
    /// `rm-…`.
    pub id: String,
    /// `DBInstanceDescription`: the name its owner gave it (may be empty).
    pub description: String,
    /// `RegionId` (`ap-southeast-1`).
    pub region: String,
    /// `MySQL`, `PostgreSQL`, …
    pub engine: String,
    /// Engine version.
    pub engine_version: String,
    /// `Running`, `Stopped`, …
    pub status: String,
    /// `VPC` or `Classic`.
    pub network_type: String,
    /// `Primary`, `Readonly`, …
    pub instance_type: String,
    /// VPC id.
    pub vpc_id: String,
    /// vSwitch id.
    pub vswitch_id: String,
    /// `ZoneId` as RDS reports it; `zones` lists the primary's first.
    pub zone_id: String,
    /// Zones of the primary and standby nodes.
    pub zones: Vec<String>,
    /// Private IP of the primary (NetInfo, `IPType=Private`, `ConnectionStringType=Normal`).
    pub private_ip: String,
    /// Port of that endpoint.
    pub port: u16,
    /// Internal connection string.
    pub connection_string: String,
    /// IP allowlist groups.
    pub allowlist: Vec<AllowlistGroup>,
}

/// A vSwitch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VSwitchInfo {
    /// `vsw-…`.
    pub id: String,
    /// `VSwitchName` (may be empty).
    pub name: String,
    /// The VPC it belongs to (`vpc-…`).
    pub vpc_id: String,
    /// The zone it lives in (`ap-southeast-1a`); the NLB takes one vSwitch per zone.
    pub zone_id: String,
    /// IPv4 CIDR.
    pub cidr: String,
    /// `AvailableIpAddressCount`.
    pub free_ips: u64,
}

/// A TiDB private link connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlcInfo {
    /// `plc-…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `CREATING`, `PENDING_ACCEPTANCE`, `ACTIVE`, `FAILED`, `DELETING`, or anything new.
    pub state: String,
    /// TiDB's failure message.
    pub message: String,
    /// Endpoint service name it points at.
    pub service_name: String,
    /// The endpoint TiDB Cloud created (`ep-…`).
    pub endpoint_id: String,
    /// Its zones.
    pub zones: Vec<String>,
}

/// Extracts the region from `com.aliyuncs.privatelink.<region>.epsrv-…`.
pub fn region_of_service_name(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("com.aliyuncs.privatelink.")?;
    let (region, id) = rest.split_once('.')?;
    id.starts_with("epsrv-").then_some(region)
}

/// The service id at the end of an endpoint service name.
pub fn service_id_of_name(name: &str) -> Option<&str> {
    name.rsplit('.').next().filter(|s| s.starts_with("epsrv-"))
}

/// Whether `ip` (dotted IPv4) lies in `cidr` (`a.b.c.d/n` or a bare IP).
pub fn ip_in_cidr(ip: &str, cidr: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().unwrap_or(99)),
        None => (cidr, 32),
    };
    match (parse_v4(ip), parse_v4(net)) {
        (Some(a), Some(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            a & mask == n & mask
        }
        _ => false,
    }
}

/// Whether every address of `inner` lies in `outer` (both CIDRs or IPs).
pub fn cidr_covers(outer: &str, inner: &str) -> bool {
    let inner_bits = inner
        .split_once('/')
        .map(|(_, b)| b.parse::<u32>().unwrap_or(99))
        .unwrap_or(32);
    let outer_bits = outer
        .split_once('/')
        .map(|(_, b)| b.parse::<u32>().unwrap_or(99))
        .unwrap_or(32);
    let inner_net = inner.split('/').next().unwrap_or_default();
    inner_bits <= 32 && outer_bits <= inner_bits && ip_in_cidr(inner_net, outer)
}

fn parse_v4(s: &str) -> Option<u32> {
    let addr: std::net::Ipv4Addr = s.trim().parse().ok()?;
    Some(u32::from(addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        let n = "com.aliyuncs.privatelink.ap-southeast-1.epsrv-t4n1";
        assert_eq!(region_of_service_name(n), Some("ap-southeast-1"));
        assert_eq!(service_id_of_name(n), Some("epsrv-t4n1"));
        assert_eq!(region_of_service_name("epsrv-x"), None);
    }

    #[test]
    fn cidr_maths() {
        assert!(ip_in_cidr("172.16.1.7", "172.16.1.0/24"));
        assert!(!ip_in_cidr("172.16.2.7", "172.16.1.0/24"));
        assert!(ip_in_cidr("10.0.0.1", "0.0.0.0/0"));
        assert!(ip_in_cidr("10.0.0.1", "10.0.0.1"));
        assert!(!ip_in_cidr("garbage", "10.0.0.0/8"));
        assert!(cidr_covers("172.16.0.0/16", "172.16.1.0/24"));
        assert!(cidr_covers("172.16.1.0/24", "172.16.1.0/24"));
        assert!(!cidr_covers("172.16.1.0/25", "172.16.1.0/24"));
        assert!(!cidr_covers("127.0.0.1", "172.16.1.0/24"));
        assert!(!cidr_covers("10.0.0.0/8", "10.0.0.0/99"));
    }
}
