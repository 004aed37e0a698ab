//! The seed world as data: `assets/sim-world.toml` holds every fixed fact (regions, keys,
//! networks, RDS instances and their traps, TiDB clusters); this module reads it and draws
//! ids, secrets and the main instance's address from the seed, in the table's order.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::json;

use super::net;
use super::world::{
    AccessKey, Cluster, IpGroup, MIXED_ALNUM, Rds, VSwitch, Vpc, World, ZoneInfo, digits, pick,
    wall_created,
};
use crate::wire::tidb;

/// The table, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The region setups run in.
    pub main_region: String,
    /// Regions and their zones (`[letter, local name]`).
    pub region: Vec<SeedRegion>,
    /// Alibaba Cloud access keys, in order.
    pub key: Vec<SeedKey>,
    /// VPCs of every region, in draw order (each draws an id).
    pub vpc: Vec<SeedVpc>,
    /// vSwitches, each in a VPC of this table by key.
    pub vswitch: Vec<SeedVSwitch>,
    /// Defaults of every RDS instance.
    pub rds_defaults: RdsDefaults,
    /// RDS instances, in order.
    pub rds: Vec<SeedRds>,
    /// TiDB Cloud clusters, in order.
    pub cluster: Vec<SeedCluster>,
}

/// A region.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRegion {
    /// `ap-southeast-1`.
    pub id: String,
    /// `[letter, local name]` per zone.
    pub zones: Vec<(String, String)>,
}

/// An access key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedKey {
    /// `admin`, `readonly`, `sts`.
    pub label: String,
    /// Every write is denied.
    #[serde(default)]
    pub deny_writes: bool,
    /// An STS session (with a security token).
    #[serde(default)]
    pub sts: bool,
}

/// A VPC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVpc {
    /// Name in this table.
    pub key: String,
    /// Id prefix.
    pub prefix: String,
    /// The `VpcName` DescribeVpcs answers (`prod-vpc`).
    pub name: String,
    /// Region id it lives in (one of `region`).
    pub region: String,
    /// Its `CidrBlock` (`172.16.0.0/12`).
    pub cidr: String,
    /// `IsDefault`: the region's default VPC.
    #[serde(default)]
    pub default: bool,
}

/// A vSwitch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVSwitch {
    /// Name in this table.
    pub key: String,
    /// Its VPC's key.
    pub vpc: String,
    /// Its `ZoneId` (`ap-southeast-1a`).
    pub zone: String,
    /// Its `CidrBlock`, inside its VPC's (`172.16.1.0/24`).
    pub cidr: String,
    /// The `VSwitchName` DescribeVSwitches answers (`prod-a`).
    pub name: String,
    /// `AvailableIpAddressCount`: free IPs (fewer than 8 rule the zone out).
    pub free: u64,
}

/// What every RDS instance has unless it says otherwise.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsDefaults {
    /// Region id (`ap-southeast-1`).
    pub region: String,
    /// ZoneId (and master zone).
    pub zone: String,
    /// Secondary zones.
    pub slave_zones: Vec<String>,
    /// VPC key.
    pub vpc: String,
    /// vSwitch key (every instance takes an address here first).
    pub vswitch: String,
    /// RDS `Category` (`HighAvailability`, `Basic`).
    pub category: String,
    /// `DBInstanceClass` (`mysql.n2.medium.2c`).
    pub class: String,
    /// `InstanceNetworkType`: `VPC` or `Classic`.
    pub network_type: String,
    /// The main instance's address: the default vSwitch's network + [from, from + span).
    pub main_ip_from: u32,
    /// See `main_ip_from`.
    pub main_ip_span: u32,
}

/// An RDS instance.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRds {
    /// Name in this table.
    pub key: String,
    /// The instance setups connect (its address is drawn).
    #[serde(default)]
    pub main: bool,
    /// Id prefix.
    pub prefix: String,
    /// `Engine`: `MySQL` or `PostgreSQL` (only MySQL is usable).
    pub engine: String,
    /// `EngineVersion` (`8.0`).
    pub version: String,
    /// `DBInstanceStatus` (`Running`, or `Stopped` for a trap).
    pub status: String,
    /// `DBInstanceType`: `Primary` or `Readonly` (then `master` names its primary).
    #[serde(rename = "type")]
    pub db_type: String,
    /// `DBInstanceDescription`, the name the pickers show (`orders-mysql`).
    pub description: String,
    /// Overrides of [`RdsDefaults`].
    pub region: Option<String>,
    /// Zone (and master zone).
    pub zone: Option<String>,
    /// Secondary zones.
    pub slave_zones: Option<Vec<String>>,
    /// VPC key (`""`: none).
    pub vpc: Option<String>,
    /// vSwitch key (`""`: none).
    pub vswitch: Option<String>,
    /// RDS `Category` (`HighAvailability`, `Basic`).
    pub category: Option<String>,
    /// `DBInstanceClass` (`pg.n2.medium.2c`).
    pub class: Option<String>,
    /// Network type.
    pub network_type: Option<String>,
    /// A fixed private address.
    pub private_ip: Option<String>,
    /// The connection string's domain (default `<engine>.singapore.rds.aliyuncs.com`).
    pub connection_domain: Option<String>,
    /// The primary of a read-only instance (its key).
    pub master: Option<String>,
}

/// A TiDB Cloud cluster.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCluster {
    /// The cluster setups use.
    #[serde(default)]
    pub main: bool,
    /// Its `displayName` in TiDB Cloud (`orders-essential`).
    pub name: String,
    /// Cloud provider.
    pub provider: String,
    /// Region code.
    pub code: String,
    /// Region display name.
    pub display: String,
    /// ESSENTIAL or STARTER.
    pub plan: String,
    /// The zones its private link endpoints use.
    pub plc_azs: Vec<String>,
    /// `tidb` or `aws`: whose account owns its endpoints.
    pub account: String,
}

/// The seed table compiled into tilink.
pub fn table() -> Result<Seed, String> {
    toml::from_str(include_str!("../../assets/sim-world.toml"))
        .map_err(|e| format!("assets/sim-world.toml: {e}"))
}

/// The regions with their zones.
pub fn regions(s: &Seed) -> Vec<(String, Vec<ZoneInfo>)> {
    s.region
        .iter()
        .map(|r| {
            let zones = r
                .zones
                .iter()
                .map(|(l, name)| ZoneInfo {
                    id: format!("{}{l}", r.id),
                    local_name: name.clone(),
                    nlb: true,
                    privatelink: true,
                })
                .collect();
            (r.id.clone(), zones)
        })
        .collect()
}

/// The access keys of account `uid`.
pub fn keys(s: &Seed, uid: u64, rng: &mut fastrand::Rng) -> Vec<AccessKey> {
    s.key
        .iter()
        .map(|k| {
            let user_id = digits(rng, 16);
            let label = &k.label;
            let (id, token, identity_type, arn, principal_id, role_id) = if k.sts {
                let role_id = digits(rng, 19);
                (
                    format!("STS.NT{}", pick(rng, MIXED_ALNUM, 22)),
                    Some(format!("CAIS{}", pick(rng, MIXED_ALNUM, 120))),
                    "AssumedRoleUser".to_string(),
                    format!("acs:ram::{uid}:assumed-role/tilink-role/tilink-session"),
                    format!("{role_id}:tilink-session"),
                    role_id,
                )
            } else {
                (
                    format!("LTAI5t{}", pick(rng, MIXED_ALNUM, 18)),
                    None,
                    "RAMUser".to_string(),
                    format!("acs:ram::{uid}:user/tilink-{label}"),
                    user_id.clone(),
                    String::new(),
                )
            };
            AccessKey {
                id,
                secret: pick(rng, MIXED_ALNUM, 30),
                label: label.clone(),
                security_token: token,
                deny_writes: k.deny_writes,
                denied_actions: BTreeSet::new(),
                identity_type,
                arn,
                user_id,
                principal_id,
                role_id,
            }
        })
        .collect()
}

/// Networks, databases and clusters, drawn into `w` in the table's order.
pub fn populate(w: &mut World, s: &Seed) -> Result<(), String> {
    let created = wall_created();
    let vswitch_prefix = |region: &str| {
        if region == s.main_region {
            "vsw-t4n"
        } else {
            "vsw-bp1"
        }
    };
    // Networks.
    let mut vpc_ids: HashMap<&str, (String, &str)> = HashMap::new();
    for v in &s.vpc {
        let id = w.id(&v.prefix, 18);
        vpc_ids.insert(v.key.as_str(), (id, v.region.as_str()));
    }
    for v in &s.vpc {
        w.vpcs.push(Vpc {
            id: vpc_ids[v.key.as_str()].0.clone(),
            name: v.name.clone(),
            region: v.region.clone(),
            cidr: v.cidr.clone(),
            is_default: v.default,
            created: created.clone(),
        });
    }
    let mut vsw_ids: HashMap<&str, String> = HashMap::new();
    for v in &s.vswitch {
        let (vpc, region) = vpc_ids
            .get(v.vpc.as_str())
            .ok_or(format!("vSwitch {}: no VPC {}", v.key, v.vpc))?
            .clone();
        let id = w.id(vswitch_prefix(region), 18);
        w.vswitches.push(VSwitch {
            id: id.clone(),
            name: v.name.clone(),
            vpc_id: vpc,
            region: region.to_string(),
            zone: v.zone.clone(),
            cidr: v.cidr.clone(),
            available: v.free,
            used: BTreeSet::new(),
            created: created.clone(),
        });
        vsw_ids.insert(v.key.as_str(), id);
    }
    // Pre-occupy some addresses so allocations look realistic.
    for v in w.vswitches.iter_mut() {
        if let Some((netw, _)) = net::parse_cidr(&v.cidr) {
            for i in 3..8 {
                v.used.insert(netw + i);
            }
        }
    }

    // Databases.
    let d = &s.rds_defaults;
    let default_vsw = vsw_ids
        .get(d.vswitch.as_str())
        .cloned()
        .ok_or(format!("rds_defaults: no vSwitch {}", d.vswitch))?;
    let main_ip = {
        let off = d.main_ip_from + w.rng.u32(0..d.main_ip_span);
        let base = w
            .vswitches
            .iter()
            .find(|v| v.id == default_vsw)
            .and_then(|v| net::parse_cidr(&v.cidr))
            .map(|(n, _)| n)
            .unwrap_or(0);
        let ip = base + off;
        if let Some(v) = w.vswitches.iter_mut().find(|v| v.id == default_vsw) {
            v.used.insert(ip);
        }
        net::fmt_ip(ip)
    };
    let mut rds_ids: HashMap<&str, String> = HashMap::new();
    let mut all = Vec::new();
    for r in &s.rds {
        let id = w.id(&r.prefix, 14);
        let pg = r.engine == "PostgreSQL";
        let zone = r.zone.clone().unwrap_or_else(|| d.zone.clone());
        let mut x = Rds {
            settling_until: None,
            id: id.clone(),
            description: r.description.clone(),
            region: r.region.clone().unwrap_or_else(|| d.region.clone()),
            engine: r.engine.clone(),
            engine_version: r.version.clone(),
            status: r.status.clone(),
            db_type: r.db_type.clone(),
            network_type: r
                .network_type
                .clone()
                .unwrap_or_else(|| d.network_type.clone()),
            zone: zone.clone(),
            master_zone: zone,
            slave_zones: r
                .slave_zones
                .clone()
                .unwrap_or_else(|| d.slave_zones.clone()),
            vpc_id: String::new(),
            vswitch_id: default_vsw.clone(),
            private_ip: String::new(),
            port: if pg { 5432 } else { 3306 },
            connection_string: match &r.connection_domain {
                Some(domain) => format!("{id}.{domain}"),
                None => format!(
                    "{id}.{}.singapore.rds.aliyuncs.com",
                    if pg { "pg" } else { "mysql" }
                ),
            },
            groups: default_groups(if r.main { "Default" } else { "default" }),
            category: r.category.clone().unwrap_or_else(|| d.category.clone()),
            class: r.class.clone().unwrap_or_else(|| d.class.clone()),
            master_instance_id: String::new(),
            security_ip_mode: "normal".into(),
            created: created.clone(),
        };
        // Placed in the default vSwitch first (it takes an address there)...
        if let Some(v) = w.vswitches.iter_mut().find(|v| v.id == default_vsw) {
            x.private_ip = v.allocate().unwrap_or_default();
        }
        // ... then where the instance says.
        let vpc_key = r.vpc.as_deref().unwrap_or(&d.vpc);
        x.vpc_id = match vpc_key {
            "" => String::new(),
            k => vpc_ids
                .get(k)
                .ok_or(format!("RDS {}: no VPC {k}", r.key))?
                .0
                .clone(),
        };
        match r.vswitch.as_deref() {
            Some("") => x.vswitch_id = String::new(),
            Some(k) if k != d.vswitch => {
                let vsw = vsw_ids
                    .get(k)
                    .ok_or(format!("RDS {}: no vSwitch {k}", r.key))?
                    .clone();
                if let Some(v) = w.vswitches.iter_mut().find(|v| v.id == vsw) {
                    x.private_ip = v.allocate().unwrap_or_default();
                }
                x.vswitch_id = vsw;
            }
            _ => {}
        }
        if let Some(ip) = &r.private_ip {
            x.private_ip = ip.clone();
        }
        if r.main {
            if let Some(v) = w.vswitches.iter_mut().find(|v| v.id == default_vsw) {
                v.release(&x.private_ip);
            }
            x.private_ip = main_ip.clone();
            w.main_rds_id = id.clone();
        }
        if let Some(m) = &r.master {
            x.master_instance_id = rds_ids
                .get(m.as_str())
                .ok_or(format!("RDS {}: no primary {m}", r.key))?
                .clone();
        }
        rds_ids.insert(r.key.as_str(), id);
        all.push(x);
    }
    w.rds = all;

    // TiDB Cloud clusters; the AWS account is drawn once, after them.
    let mut clusters = Vec::new();
    for c in &s.cluster {
        let wire = cluster_wire(w, c);
        if c.main {
            w.main_cluster_id = wire.cluster_id.clone();
        }
        clusters.push((wire, c));
    }
    let aws_account = if s.cluster.iter().any(|c| c.account == "aws") {
        digits(&mut w.rng, 12)
    } else {
        String::new()
    };
    let tidb_uid = w.tidb_account_id.to_string();
    w.clusters = clusters
        .into_iter()
        .map(|(wire, c)| Cluster {
            wire,
            plc_azs: c.plc_azs.clone(),
            plc_account: if c.account == "aws" {
                aws_account.clone()
            } else {
                tidb_uid.clone()
            },
        })
        .collect();
    Ok(())
}

fn default_groups(first: &str) -> Vec<IpGroup> {
    vec![
        IpGroup {
            name: first.into(),
            attribute: String::new(),
            ips: vec!["127.0.0.1".into()],
        },
        IpGroup {
            name: "ali_dms_group".into(),
            attribute: "hidden".into(),
            ips: vec!["100.104.175.0/24".into(), "100.104.5.0/24".into()],
        },
    ]
}

fn cluster_wire(w: &mut World, c: &SeedCluster) -> tidb::Cluster {
    let id = digits(&mut w.rng, 19);
    let (provider, code, plan) = (&c.provider, &c.code, &c.plan);
    let starter = plan == "STARTER";
    tidb::Cluster {
        name: format!("clusters/{id}"),
        cluster_id: id,
        display_name: c.name.clone(),
        region: tidb::Region {
            name: format!("regions/{provider}-{code}"),
            // The OpenAPI pattern: `^(aws|gcp|azure|alicloud)-[a-z0-9-]+$`.
            region_id: format!("{provider}-{code}"),
            cloud_provider: provider.clone(),
            display_name: c.display.clone(),
        },
        state: "ACTIVE".into(),
        cluster_plan: plan.clone(),
        service_plan: if starter { "Starter" } else { "Essential" }.into(),
        high_availability_type: if starter { "ZONAL" } else { "REGIONAL" }.into(),
        version: "v8.5.2".into(),
        created_by: "dba@example.com".into(),
        user_prefix: pick(&mut w.rng, MIXED_ALNUM, 15),
        labels: [
            ("tidb.cloud/organization".to_string(), w.org_id.clone()),
            ("tidb.cloud/project".to_string(), w.project_id.clone()),
        ]
        .into_iter()
        .collect(),
        annotations: [(
            "tidb.cloud/has-set-password".to_string(),
            "true".to_string(),
        )]
        .into_iter()
        .collect(),
        create_time: wall_created(),
        update_time: wall_created(),
        endpoints: json!({"public": {"host": format!("gateway01.{code}.prod.{provider}.tidbcloud.com"), "port": 4000, "disabled": false}}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_table_loads_and_its_references_hold() {
        let s = table().expect("assets/sim-world.toml");
        assert!(s.region.iter().any(|r| r.id == s.main_region));
        assert_eq!(s.rds.iter().filter(|r| r.main).count(), 1);
        assert_eq!(s.cluster.iter().filter(|c| c.main).count(), 1);
        let mut w = World::new(3, super::super::clock::Clock::new(0.0));
        // World::new already populated from the same table: the main ids are set.
        assert!(!w.main_rds_id.is_empty() && !w.main_cluster_id.is_empty());
        w.vpcs.clear();
        let mut bad = table().unwrap();
        bad.vswitch[0].vpc = "nowhere".into();
        assert!(
            populate(&mut w, &bad)
                .unwrap_err()
                .contains("no VPC nowhere")
        );
    }
}
