//! Discovery: everything setup needs to know about both clouds, fetched concurrently and
//! turned into [`facts`](super::facts). Pure conversions from wire models live here too.

use super::chain::RdsCall;
use super::facts::{AllowlistGroup, ClusterInfo, PlcInfo, RdsInfo, TidbZones, VSwitchInfo};
use crate::cloud::aliyun::{AliyunClient, AliyunError};
use crate::cloud::tidb::{TidbClient, TidbError};
use crate::wire::{aliyun as wa, tidb as wt};
use serde::{Deserialize, Serialize};

/// Tag key carrying the setup id on every resource tilink creates.
pub const TAG_SETUP: &str = "tilink:setup-id";
/// Tag key carrying the TiDB cluster id.
pub const TAG_CLUSTER: &str = "tilink:cluster";
/// Tag key carrying the RDS instance id.
pub const TAG_RDS: &str = "tilink:rds";
/// Tag key on the server group: when its setup began (RFC 3339), to settle concurrent setups.
pub const TAG_CLAIMED: &str = "tilink:claimed-at";
/// Tag key of the claim's heartbeat: the cloud's time when the claiming run last proved it
/// is alive (refreshed until its load balancer exists).
pub const TAG_ALIVE: &str = "tilink:alive-at";

/// The value of the tag `key` among `tags`, if there is one.
pub fn tag_value<'a>(tags: &'a [wa::Tag], key: &str) -> Option<&'a str> {
    tags.iter().find(|t| t.key == key).map(|t| t.value.as_str())
}

/// Whether `tags` hold the tag `key` with `value`.
pub fn has_tag(tags: &[wa::Tag], key: &str, value: &str) -> bool {
    tag_value(tags, key) == Some(value)
}

/// Why discovery could not finish.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DiscoverError {
    /// Alibaba Cloud call failed.
    #[error(transparent)]
    Aliyun(#[from] AliyunError),
    /// TiDB Cloud call failed.
    #[error(transparent)]
    Tidb(#[from] TidbError),
    /// The input names something unusable.
    #[error("{0}")]
    Input(String),
}

/// Both clients.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Alibaba Cloud, in the setup's region.
    pub aliyun: AliyunClient,
    /// TiDB Cloud.
    pub tidb: TidbClient,
}

impl Clients {
    /// API calls made so far by both clients.
    pub fn api_calls(&self) -> u64 {
        let (a, t) = (self.aliyun.stats(), self.tidb.stats());
        if a.same(t) {
            a.total()
        } else {
            a.total() + t.total()
        }
    }
}

/// Resources found by tag or journal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Existing {
    /// Setup id found on tagged resources (when the journal is gone).
    pub setup_id: Option<String>,
    /// Server group.
    pub server_group_id: Option<String>,
    /// Load balancer.
    pub load_balancer_id: Option<String>,
    /// The TCP listener on that load balancer for the RDS port.
    #[serde(default)]
    pub listener_id: Option<String>,
    /// Endpoint service (id, name).
    pub endpoint_service: Option<(String, String)>,
    /// The accounts on that service's whitelist, when one was found.
    #[serde(default)]
    pub service_users: Option<Vec<String>>,
}

/// Everything discovery learned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    /// Account that owns the access key.
    pub caller_account: String,
    /// ARN of the caller.
    pub caller_arn: String,
    /// The cluster.
    pub cluster: ClusterInfo,
    /// TiDB Cloud account and AZs.
    pub tidb_zones: TidbZones,
    /// The RDS instance.
    pub rds: RdsInfo,
    /// vSwitches of the RDS VPC.
    pub vswitches: Vec<VSwitchInfo>,
    /// NLB-capable zones.
    pub nlb_zones: Vec<String>,
    /// PrivateLink zones.
    pub privatelink_zones: Vec<String>,
    /// PrivateLink activated.
    pub privatelink_open: bool,
    /// Existing PLCs of the cluster.
    pub plcs: Vec<PlcInfo>,
    /// Tagged tilink resources of this RDS instance.
    pub existing: Existing,
    /// NLBs in the region (quota: 60 by default).
    pub load_balancer_count: usize,
    /// Endpoint services in the region (quota: 200 by default).
    pub endpoint_service_count: usize,
}

/// Converts a TiDB cluster.
pub fn cluster_info(c: &wt::Cluster) -> ClusterInfo {
    let provider = if c.region.cloud_provider.is_empty() {
        c.region
            .name
            .trim_start_matches("regions/")
            .split('-')
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        c.region.cloud_provider.clone()
    };
    // `regions/alicloud-ap-southeast-1` → `ap-southeast-1`; regionId may also carry it.
    let from_name = c
        .region
        .name
        .trim_start_matches("regions/")
        .strip_prefix(&format!("{provider}-"))
        .map(str::to_string);
    let region = from_name.unwrap_or_else(|| {
        c.region
            .region_id
            .trim_start_matches(&format!("{provider}-"))
            .to_string()
    });
    ClusterInfo {
        id: c.cluster_id.clone(),
        name: c.display_name.clone(),
        provider,
        region,
        plan: if c.cluster_plan.is_empty() {
            c.service_plan.to_ascii_uppercase()
        } else {
            c.cluster_plan.clone()
        },
        state: c.state.clone(),
    }
}

/// Converts a PLC.
pub fn plc_info(p: &wt::PrivateLinkConnection) -> PlcInfo {
    let svc = p.alicloud_endpoint_service.clone().unwrap_or_default();
    PlcInfo {
        id: p.private_link_connection_id.clone(),
        name: p.display_name.clone(),
        state: p.state.clone(),
        message: p.message.clone(),
        service_name: svc.name,
        endpoint_id: svc.endpoint_id,
        zones: svc.availability_zone_ids,
    }
}

/// Converts a vSwitch.
pub fn vswitch_info(v: &wa::VSwitch) -> VSwitchInfo {
    VSwitchInfo {
        id: v.vswitch_id.clone(),
        name: v.vswitch_name.clone(),
        vpc_id: v.vpc_id.clone(),
        zone_id: v.zone_id.clone(),
        cidr: v.cidr_block.clone(),
        free_ips: v.available_ip_address_count,
    }
}

/// Builds RDS facts from the attribute, net info and allowlist answers.
pub fn rds_info(
    a: &wa::DbInstanceAttribute,
    net: &[wa::DbInstanceNetInfo],
    groups: &[wa::DbInstanceIpArray],
) -> RdsInfo {
    let primary = net
        .iter()
        .find(|n| {
            n.ip_type.eq_ignore_ascii_case("Private")
                && n.connection_string_type.eq_ignore_ascii_case("Normal")
        })
        .or_else(|| {
            net.iter()
                .find(|n| n.ip_type.eq_ignore_ascii_case("Private"))
        });
    let mut zones = vec![if a.master_zone.is_empty() {
        a.zone_id.clone()
    } else {
        a.master_zone.clone()
    }];
    zones.extend(a.slave_zones.items.iter().map(|z| z.zone_id.clone()));
    zones.retain(|z| !z.is_empty());
    zones.dedup();
    RdsInfo {
        id: a.db_instance_id.clone(),
        description: a.db_instance_description.clone(),
        region: a.region_id.clone(),
        engine: a.engine.clone(),
        engine_version: a.engine_version.clone(),
        status: a.db_instance_status.clone(),
        network_type: a.instance_network_type.clone(),
        instance_type: a.db_instance_type.clone(),
        vpc_id: a.vpc_id.clone(),
        vswitch_id: a.vswitch_id.clone(),
        zone_id: a.zone_id.clone(),
        zones,
        private_ip: primary.map(|n| n.ip_address.clone()).unwrap_or_default(),
        port: primary
            .map(|n| n.port)
            .filter(|p| *p != 0)
            .unwrap_or(a.port),
        connection_string: primary
            .map(|n| n.connection_string.clone())
            .unwrap_or_else(|| a.connection_string.clone()),
        allowlist: groups.iter().map(allowlist_group).collect(),
    }
}

/// Converts an allowlist group (`SecurityIPList` split into its IPs and CIDRs).
pub fn allowlist_group(g: &wa::DbInstanceIpArray) -> AllowlistGroup {
    AllowlistGroup {
        name: g.db_instance_ip_array_name.clone(),
        ips: g
            .security_ip_list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        hidden: g
            .db_instance_ip_array_attribute
            .eq_ignore_ascii_case("hidden"),
    }
}

/// RDS states that do not return to `Running` by themselves (the RDS instance state table);
/// any other state than `Running` is a task in progress (a class change, a minor upgrade, an
/// allowlist write settling), which setup waits out and doctor reports as changing.
pub const RDS_DOWN: &[&str] = &[
    "Stopped", "Stopping", "Deleting", "Released", "Locked", "LockMode",
];

/// True when an RDS instance in `status` will not be `Running` again by itself.
pub fn rds_down(status: &str) -> bool {
    RDS_DOWN.iter().any(|s| s.eq_ignore_ascii_case(status)) || status.is_empty()
}

/// Why an RDS instance cannot be the source, or `None` when it can.
pub fn rds_unusable(engine: &str, status: &str, network: &str, kind: &str) -> Option<String> {
    if !engine.eq_ignore_ascii_case("MySQL") {
        return Some(format!("{engine} instance: tilink connects RDS for MySQL"));
    }
    if rds_down(status) {
        return Some(format!("status {status}: it must be Running"));
    }
    if !network.is_empty() && !network.eq_ignore_ascii_case("VPC") {
        return Some(format!("{network} network: NLB needs a VPC instance"));
    }
    if !kind.is_empty() && !kind.eq_ignore_ascii_case("Primary") {
        return Some(format!(
            "{kind} instance: DM and changefeeds need the primary (writer)"
        ));
    }
    None
}

/// An RDS instance in a picker, with the reason it cannot be used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdsCandidate {
    /// `rm-…`.
    pub id: String,
    /// `DBInstanceDescription`, shown next to the id (may be empty).
    pub description: String,
    /// Engine and version.
    pub engine: String,
    /// `DBInstanceStatus` (`Running`, `Stopped`, …).
    pub status: String,
    /// `ZoneId` as the list reports it (`ap-southeast-1a`).
    pub zone: String,
    /// `None` when usable.
    pub unusable: Option<String>,
    /// Why the zone check will likely fail for it (its VPC has no roomy vSwitch in a TiDB
    /// Cloud zone, or room in one zone only), when that could be seen from the list.
    #[serde(default)]
    pub zone_hint: Option<String>,
}

/// Every RDS instance of the client's region, usable ones first, and among those the ones
/// whose VPC has room for the NLB in the TiDB Cloud zones (`tidb_zones`, when known) first.
pub async fn rds_candidates(
    a: &AliyunClient,
    tidb_zones: &[String],
) -> Result<Vec<RdsCandidate>, AliyunError> {
    let instances = a.describe_db_instances(None).await?;
    let mut out: Vec<RdsCandidate> = instances
        .iter()
        .map(|i| RdsCandidate {
            id: i.db_instance_id.clone(),
            description: i.db_instance_description.clone(),
            engine: format!("{} {}", i.engine, i.engine_version),
            status: i.db_instance_status.clone(),
            zone: i.zone_id.clone(),
            unusable: rds_unusable(
                &i.engine,
                &i.db_instance_status,
                &i.instance_network_type,
                &i.db_instance_type,
            ),
            zone_hint: None,
        })
        .collect();
    // One look at each VPC's vSwitches (a hint only: a failed look hints nothing).
    // Only the VPCs of instances that can be picked: an unusable one needs no hint.
    let mut vpcs: Vec<&str> = instances
        .iter()
        .zip(&out)
        .filter(|(_, c)| c.unusable.is_none())
        .map(|(i, _)| i.vpc_id.as_str())
        .collect();
    vpcs.sort();
    vpcs.dedup();
    for vpc in vpcs.into_iter().filter(|v| !v.is_empty()) {
        let Ok(vsw) = a.describe_vswitches(vpc).await else {
            continue;
        };
        let hint = zone_hint(vpc, &vsw, tidb_zones);
        for (c, i) in out.iter_mut().zip(&instances) {
            if i.vpc_id == vpc && c.unusable.is_none() {
                c.zone_hint = hint.clone();
            }
        }
    }
    out.sort_by(|a, b| {
        a.unusable
            .is_some()
            .cmp(&b.unusable.is_some())
            .then(a.zone_hint.is_some().cmp(&b.zone_hint.is_some()))
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// Why the NLB will likely find no zones in `vpc`: no vSwitch with room in a TiDB Cloud
/// zone, or room in one zone only (NLB needs two). `None` when it looks fine.
pub fn zone_hint(vpc: &str, vswitches: &[wa::VSwitch], tidb_zones: &[String]) -> Option<String> {
    use super::zones::MIN_FREE_IPS;
    let mut roomy: Vec<&str> = vswitches
        .iter()
        .filter(|v| v.available_ip_address_count >= MIN_FREE_IPS)
        .map(|v| v.zone_id.as_str())
        .collect();
    roomy.sort();
    roomy.dedup();
    if !tidb_zones.is_empty() && !roomy.iter().any(|z| tidb_zones.iter().any(|t| t == z)) {
        return Some(format!(
            "the zone check will fail: its VPC {vpc} has no vSwitch with ≥{MIN_FREE_IPS} free IPs in a TiDB Cloud zone ({})",
            tidb_zones.join(", ")
        ));
    }
    if roomy.len() < 2 {
        return Some(format!(
            "the zone check will likely fail: NLB needs two zones and its VPC {vpc} has room in {} only",
            if roomy.is_empty() {
                "no zone".to_string()
            } else {
                roomy.join(", ")
            }
        ));
    }
    None
}

/// Clusters tilink can serve (on Alibaba Cloud) and the others with a reason.
pub async fn cluster_candidates(
    t: &TidbClient,
) -> Result<Vec<(ClusterInfo, Option<String>)>, TidbError> {
    let mut out: Vec<(ClusterInfo, Option<String>)> = t
        .list_clusters(None)
        .await?
        .iter()
        .map(cluster_info)
        .map(|c| {
            let why = cluster_unusable(&c);
            (c, why)
        })
        .collect();
    out.sort_by(|a, b| {
        a.1.is_some()
            .cmp(&b.1.is_some())
            .then(a.0.name.cmp(&b.0.name))
    });
    Ok(out)
}

/// Why a cluster cannot use an Alibaba Cloud private link, or `None`.
pub fn cluster_unusable(c: &ClusterInfo) -> Option<String> {
    if !c.on_alibaba() {
        return Some(format!(
            "on {}: Alibaba Cloud endpoint services work only for clusters on Alibaba Cloud",
            c.provider
        ));
    }
    if !c.plan.eq_ignore_ascii_case("ESSENTIAL") {
        return Some(format!(
            "{} plan: Private Link Connections for Dataflow need Essential",
            c.plan
        ));
    }
    if !c.state.eq_ignore_ascii_case("ACTIVE") {
        return Some(format!("state {}: it must be ACTIVE", c.state));
    }
    None
}

/// Learns the cluster, its region and the TiDB account and zones.
pub async fn discover_cluster(
    t: &TidbClient,
    cluster_id: &str,
) -> Result<(ClusterInfo, TidbZones), DiscoverError> {
    let cluster = match t.get_cluster(cluster_id).await {
        Ok(c) => cluster_info(&c),
        Err(e) if e.is_not_found() => {
            return Err(DiscoverError::Input(format!(
                "cluster {cluster_id} was not found with this TiDB Cloud API key; list yours with `ticloud serverless list` or pick one in `tilink setup`"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(why) = cluster_unusable(&cluster) {
        return Err(DiscoverError::Input(format!(
            "cluster {} ({}) cannot be used: {why}",
            cluster.name, cluster.id
        )));
    }
    let z = t.availability_zones(cluster_id).await?;
    Ok((
        cluster,
        TidbZones {
            account_id: z.account_id,
            az_ids: z.az_ids,
        },
    ))
}

/// Full discovery for a setup (cluster facts already known). Independent lookups run
/// concurrently; the vSwitch lookup waits for the RDS VPC.
pub async fn discover(
    c: &Clients,
    cluster: ClusterInfo,
    tidb_zones: TidbZones,
    rds_id: &str,
    setup_id: Option<&str>,
) -> Result<Discovery, DiscoverError> {
    let a = &c.aliyun;
    let (caller, rds, nlb_zones, pl_zones, open, plcs, lbs, services) = tokio::join!(
        a.get_caller_identity(),
        super::chain::rds(a, rds_id),
        a.nlb_describe_zones(),
        a.privatelink_describe_zones(),
        a.check_product_open(),
        c.tidb.list_plcs(&cluster.id),
        a.list_load_balancers(&[], &[]),
        a.list_endpoint_services(None, None, &[]),
    );
    let caller = caller?;
    let rds = match rds {
        Ok(r) => r,
        Err((RdsCall::Attribute, e)) if e.is_not_found() => {
            return Err(DiscoverError::Input(format!(
                "RDS instance {rds_id} was not found in {}; check the id and the region (instances in other regions cannot be used: TiDB Cloud does not support cross-region private links)",
                a.region()
            )));
        }
        Err((_, e)) => return Err(e.into()),
    };
    let vswitches = if rds.vpc_id.is_empty() {
        Vec::new()
    } else {
        a.describe_vswitches(&rds.vpc_id)
            .await?
            .iter()
            .map(vswitch_info)
            .collect()
    };
    let lbs = lbs?;
    let services = services?;
    // Resources of this RDS instance tagged by tilink: by setup id when known, else the newest.
    // Adopt only what tilink made for this cluster and this instance.
    let cluster_id = cluster.id.clone();
    let mine = |tags: &[wa::Tag]| {
        has_tag(tags, TAG_RDS, rds_id)
            && has_tag(tags, TAG_CLUSTER, &cluster_id)
            && setup_id.is_none_or(|s| has_tag(tags, TAG_SETUP, s))
    };
    let lb = lbs.iter().find(|l| mine(&l.tags));
    let found_setup = lb
        .and_then(|l| tag_value(&l.tags, TAG_SETUP))
        .map(str::to_string);
    let sid = setup_id.map(str::to_string).or(found_setup.clone());
    let svc = services.iter().find(|s| {
        mine(s.tag_list())
            && sid
                .as_deref()
                .is_some_and(|sid| has_tag(s.tag_list(), TAG_SETUP, sid))
    });
    let sg = match &sid {
        Some(s) => a
            .list_server_groups(&[], &[(TAG_SETUP.to_string(), s.clone())])
            .await?
            .into_iter()
            .next()
            .map(|g| g.server_group_id),
        None => None,
    };
    // The adopted load balancer's listener on the RDS port, so that a rerun from another
    // HOME (no journal) plans to adopt it rather than to create one.
    let listener_id = match lb {
        Some(l) => a
            .list_listeners(std::slice::from_ref(&l.common.load_balancer_id))
            .await?
            .into_iter()
            .find(|x| x.listener_port == rds.port && x.listener_protocol == "TCP")
            .map(|x| x.listener_id),
        None => None,
    };
    // The adopted service's whitelist, so that a rerun on a healthy chain plans no change.
    let service_users = match svc {
        Some(s) => Some(a.list_users(&s.service_id).await?),
        None => None,
    };
    Ok(Discovery {
        caller_account: caller.account_id,
        caller_arn: caller.arn,
        cluster,
        tidb_zones,
        rds,
        vswitches,
        nlb_zones: nlb_zones?.into_iter().map(|z| z.zone_id).collect(),
        privatelink_zones: pl_zones?.into_iter().map(|z| z.zone_id).collect(),
        privatelink_open: open?,
        plcs: plcs?.iter().map(plc_info).collect(),
        existing: Existing {
            setup_id: found_setup,
            server_group_id: sg,
            load_balancer_id: lb.map(|l| l.common.load_balancer_id.clone()),
            listener_id,
            endpoint_service: svc.map(|s| (s.service_id.clone(), s.service_name.clone())),
            service_users,
        },
        load_balancer_count: lbs.len(),
        endpoint_service_count: services.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_region_from_name() {
        let c = wt::Cluster {
            cluster_id: "1".into(),
            display_name: "prod".into(),
            state: "ACTIVE".into(),
            cluster_plan: "ESSENTIAL".into(),
            region: wt::Region {
                name: "regions/alicloud-ap-southeast-1".into(),
                region_id: "ap-southeast-1".into(),
                cloud_provider: "alicloud".into(),
                display_name: "Singapore".into(),
            },
            ..Default::default()
        };
        let i = cluster_info(&c);
        assert_eq!(i.region, "ap-southeast-1");
        assert!(i.on_alibaba());
        assert_eq!(cluster_unusable(&i), None);
        let aws = ClusterInfo {
            provider: "aws".into(),
            ..i.clone()
        };
        assert!(cluster_unusable(&aws).unwrap().contains("on aws"));
        let starter = ClusterInfo {
            plan: "STARTER".into(),
            ..i
        };
        assert!(cluster_unusable(&starter).unwrap().contains("Essential"));
    }

    #[test]
    fn rds_reasons() {
        assert_eq!(rds_unusable("MySQL", "Running", "VPC", "Primary"), None);
        // One field off at a time, and a word the reason must name.
        for ((engine, status, network, category), word) in [
            (("PostgreSQL", "Running", "VPC", "Primary"), "PostgreSQL"),
            (("MySQL", "Stopped", "VPC", "Primary"), "Stopped"),
            (("MySQL", "Running", "Classic", "Primary"), "VPC"),
            (("MySQL", "Running", "VPC", "Readonly"), "writer"),
        ] {
            let why = rds_unusable(engine, status, network, category).unwrap();
            assert!(why.contains(word), "{why}");
        }
    }

    #[test]
    fn rds_primary_endpoint_is_private_normal() {
        let a = wa::DbInstanceAttribute {
            db_instance_id: "rm-1".into(),
            master_zone: "a".into(),
            slave_zones: vec![wa::SlaveZone {
                zone_id: "b".into(),
            }]
            .into(),
            port: 3306,
            ..Default::default()
        };
        let net = vec![
            wa::DbInstanceNetInfo {
                ip_type: "Public".into(),
                ip_address: "1.2.3.4".into(),
                connection_string_type: "Normal".into(),
                port: 3306,
                ..Default::default()
            },
            wa::DbInstanceNetInfo {
                ip_type: "Private".into(),
                ip_address: "172.16.1.9".into(),
                connection_string_type: "ReadWriteSplitting".into(),
                port: 3307,
                ..Default::default()
            },
            wa::DbInstanceNetInfo {
                ip_type: "Private".into(),
                ip_address: "172.16.1.8".into(),
                connection_string_type: "Normal".into(),
                port: 3306,
                ..Default::default()
            },
        ];
        let groups = vec![wa::DbInstanceIpArray {
            db_instance_ip_array_name: "default".into(),
            security_ip_list: "127.0.0.1, 10.0.0.0/8".into(),
            ..Default::default()
        }];
        let r = rds_info(&a, &net, &groups);
        assert_eq!(r.private_ip, "172.16.1.8");
        assert_eq!(r.port, 3306);
        assert_eq!(r.zones, ["a", "b"]);
        assert_eq!(r.allowlist[0].ips, ["127.0.0.1", "10.0.0.0/8"]);
    }
}
