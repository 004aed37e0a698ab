//! `tilink sim --fleet N`: N more TiDB Cloud clusters on Alibaba Cloud, each with a built
//! chain (RDS instance, server group, NLB, listener, endpoint service, connection, PLC) in a
//! known health, settled at start. The health cycles through [`KINDS`]: healthy, broken in
//! one documented way, or unreadable (every Alibaba read naming its NLB answers 503, so
//! doctor cannot look). `GET /_sim/state` → `fleet` holds the truth per chain.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::clock::{wall_rfc3339, wall_rfc3339_millis};
use super::world::{
    Backend, Cluster, Connection, EndpointService, IpGroup, Lifecycle, Listener, LoadBalancer, Plc,
    ServerGroup, ServiceResource, VSwitch, World, ZoneMap,
};
use crate::wire::aliyun::HealthCheck;

/// The healths, in the order the chains take them (`i % len`).
pub const KINDS: &[Kind] = &[
    Kind::Healthy,
    Kind::Allowlist,
    Kind::Whitelist,
    Kind::BackendIp,
    Kind::Healthy,
    Kind::ListenerStopped,
    Kind::Rejected,
    Kind::Unreadable,
];

/// How a seeded chain is (un)well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Every link as tilink builds it.
    Healthy,
    /// The RDS allowlist lacks the NLB vSwitch CIDRs.
    Allowlist,
    /// TiDB Cloud's account is not on the endpoint service's whitelist.
    Whitelist,
    /// The backend is the RDS instance's former address.
    BackendIp,
    /// The listener was stopped in the console.
    ListenerStopped,
    /// The connection was rejected (disabled): the PLC waits for acceptance again.
    Rejected,
    /// Every read naming the NLB fails (503): doctor cannot look.
    Unreadable,
}

impl Kind {
    /// Its name in `/_sim/state`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Healthy => "healthy",
            Kind::Allowlist => "allowlist",
            Kind::Whitelist => "whitelist",
            Kind::BackendIp => "backend-ip",
            Kind::ListenerStopped => "listener-stopped",
            Kind::Rejected => "rejected",
            Kind::Unreadable => "unreadable",
        }
    }

    /// The verdict doctor should reach: `healthy`, `broken` or `unknown`.
    pub fn verdict(self) -> &'static str {
        match self {
            Kind::Healthy => "healthy",
            Kind::Unreadable => "unknown",
            _ => "broken",
        }
    }

    /// The check that must fail, for a broken chain.
    pub fn check(self) -> Option<&'static str> {
        match self {
            Kind::Allowlist => Some("rds-allowlist"),
            Kind::Whitelist => Some("service-whitelist"),
            Kind::BackendIp => Some("backend-ip"),
            Kind::ListenerStopped => Some("listener"),
            Kind::Rejected => Some("connection-state"),
            Kind::Healthy | Kind::Unreadable => None,
        }
    }
}

/// One seeded chain's truth.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub cluster_id: String,
    pub plc_id: String,
    pub service_id: String,
    pub kind: Kind,
}

impl Seeded {
    /// Its entry in `/_sim/state` → `fleet`.
    pub fn to_json(&self) -> Value {
        json!({"cluster_id": self.cluster_id, "plc_id": self.plc_id, "service_id": self.service_id,
               "health": self.kind.name(), "verdict": self.kind.verdict(), "check": self.kind.check()})
    }
}

// The tags tilink puts on what it builds (engine::discover; the simulator does not import it).
const TAG_SETUP: &str = "tilink:setup-id";
const TAG_CLUSTER: &str = "tilink:cluster";
const TAG_RDS: &str = "tilink:rds";

/// Seeds `n` chains into `w` (nothing when 0). Their own vSwitches in the main VPC keep the
/// seed's addresses as they were.
pub fn seed(w: &mut World, n: usize) {
    if n == 0 {
        return;
    }
    let Some(main) = w.cluster(&w.main_cluster_id).cloned() else {
        return;
    };
    let Some(main_rds) = w.rds.iter().find(|r| r.id == w.main_rds_id).cloned() else {
        return;
    };
    let region = w.region.clone();
    let vpc = main_rds.vpc_id.clone();
    let mut vsws = Vec::new();
    for (i, zone) in main.plc_azs.iter().enumerate() {
        let id = w.id("vsw-t4n", 18);
        w.vswitches.push(VSwitch {
            id: id.clone(),
            name: format!("fleet-{zone}"),
            vpc_id: vpc.clone(),
            region: region.clone(),
            zone: zone.clone(),
            cidr: format!("172.{}.0.0/16", 20 + i),
            available: 65_532,
            used: BTreeSet::new(),
            created: wall_rfc3339(),
        });
        vsws.push((zone.clone(), id, format!("172.{}.0.0/16", 20 + i)));
    }
    let now = Instant::now();
    for i in 0..n {
        let kind = KINDS[i % KINDS.len()];
        let s = chain(w, &main, &main_rds, &vsws, i, kind, now);
        w.fleet.push(s);
    }
}

#[allow(clippy::too_many_arguments)]
fn chain(
    w: &mut World,
    main: &Cluster,
    main_rds: &super::world::Rds,
    vsws: &[(String, String, String)],
    i: usize,
    kind: Kind,
    now: Instant,
) -> Seeded {
    let region = w.region.clone();
    // The cluster.
    let mut cluster = main.clone();
    let cid = w.digits(19);
    cluster.wire.cluster_id = cid.clone();
    cluster.wire.name = format!("clusters/{cid}");
    cluster.wire.display_name = format!("fleet-{i:03}");
    let account: u64 = cluster.plc_account.parse().unwrap_or(w.tidb_account_id);
    w.clusters.push(cluster.clone());
    // Its RDS instance, in the first fleet vSwitch.
    let mut rds = main_rds.clone();
    let rid = w.id("rm-t4n", 17);
    rds.connection_string = main_rds.connection_string.replace(&main_rds.id, &rid);
    rds.id = rid.clone();
    rds.description = format!("fleet-{i:03}");
    rds.vswitch_id = vsws[0].1.clone();
    rds.private_ip = alloc(w, &vsws[0].1);
    rds.settling_until = None;
    let cidrs: Vec<String> = vsws.iter().map(|v| v.2.clone()).collect();
    rds.groups.push(IpGroup {
        name: "tilink_fleet".into(),
        attribute: String::new(),
        ips: if kind == Kind::Allowlist {
            vec!["10.0.0.1".into()]
        } else {
            cidrs
        },
    });
    let setup = w.id("", 12);
    let tags = vec![
        (TAG_SETUP.to_string(), setup),
        (TAG_CLUSTER.to_string(), cid.clone()),
        (TAG_RDS.to_string(), rid.clone()),
    ];
    // Server group and backend.
    let sg_id = w.id("sgp-", 18);
    let backend_ip = if kind == Kind::BackendIp {
        alloc(w, &vsws[0].1)
    } else {
        rds.private_ip.clone()
    };
    w.server_groups.push(ServerGroup {
        id: sg_id.clone(),
        name: format!("tilink-fleet-{i:03}"),
        kind: "Ip".into(),
        protocol: "TCP".into(),
        scheduler: "Wrr".into(),
        vpc_id: rds.vpc_id.clone(),
        region: region.clone(),
        preserve_client_ip: false,
        health: HealthCheck {
            health_check_enabled: true,
            health_check_type: "TCP".into(),
            health_check_connect_port: 0,
            health_check_connect_timeout: 5,
            health_check_interval: 10,
            healthy_threshold: 2,
            unhealthy_threshold: 2,
        },
        tags: tags.clone(),
        servers: vec![Backend {
            server_id: backend_ip.clone(),
            server_ip: backend_ip,
            server_type: "Ip".into(),
            port: rds.port,
            weight: 100,
            description: "tilink".into(),
            zone: vsws[0].0.clone(),
            ready_at: now,
            delay: Duration::ZERO,
            removing_at: None,
        }],
        life: Lifecycle::new(now, Duration::ZERO),
    });
    // Load balancer and listener.
    let lb_id = w.id("nlb-", 18);
    let mut zones = Vec::new();
    for (zone, vsw, _) in vsws {
        let eni = w.id("eni-t4n", 17);
        let vip = alloc(w, vsw);
        let locals = vec![alloc(w, vsw), alloc(w, vsw)];
        zones.push(ZoneMap {
            zone: zone.clone(),
            vswitch_id: vsw.clone(),
            vip,
            locals,
            eni,
        });
    }
    w.load_balancers.push(LoadBalancer {
        id: lb_id.clone(),
        name: format!("tilink-fleet-{i:03}"),
        address_type: "Intranet".into(),
        ip_version: "ipv4".into(),
        vpc_id: rds.vpc_id.clone(),
        region: region.clone(),
        zones,
        tags: tags.clone(),
        deletion_protection: false,
        create_time: wall_rfc3339(),
        life: Lifecycle::new(now, Duration::ZERO),
        visible_at: now,
    });
    let listener_id = w.id("lsn-", 18);
    w.listeners.push(Listener {
        id: listener_id,
        lb_id: lb_id.clone(),
        region: region.clone(),
        protocol: "TCP".into(),
        port: rds.port,
        sg_id,
        idle_timeout: 900,
        description: "tilink".into(),
        proxy_protocol: false,
        tags: tags.clone(),
        life: Lifecycle::new(now, Duration::ZERO),
        stopped: kind == Kind::ListenerStopped,
        starting_until: None,
        visible_at: now,
    });
    // Endpoint service, connection and PLC.
    let sid = w.id("epsrv-t4n", 17);
    let resources: Vec<ServiceResource> = vsws
        .iter()
        .map(|(z, _, _)| ServiceResource {
            id: lb_id.clone(),
            kind: "nlb".into(),
            zone: z.clone(),
        })
        .collect();
    w.services.push(EndpointService {
        id: sid.clone(),
        name: format!("com.aliyuncs.privatelink.{region}.{sid}"),
        domain: format!("{sid}.{region}.privatelink.aliyuncs.com"),
        region: region.clone(),
        resource_type: "nlb".into(),
        resources: resources.clone(),
        auto_accept: false,
        zone_affinity: false,
        description: "tilink".into(),
        payer: "Endpoint".into(),
        tags,
        users: if kind == Kind::Whitelist {
            BTreeSet::new()
        } else {
            BTreeSet::from([account])
        },
        user_arns: BTreeSet::new(),
        create_time: wall_rfc3339(),
        life: Lifecycle::new(now, Duration::ZERO),
        visible_at: now,
    });
    let zones: Vec<(String, String)> = resources
        .iter()
        .map(|r| (r.zone.clone(), r.id.clone()))
        .collect();
    let mut conn: Connection = w.new_connection(&sid, account, &zones, now, false);
    if kind != Kind::Rejected {
        conn.status = "Connected".into();
        conn.connected_since = Some(now);
    }
    let ep = conn.endpoint_id.clone();
    w.connections.push(conn);
    let pid = w.id("plc-", 20);
    let t = wall_rfc3339_millis();
    w.plcs.push(Plc {
        id: pid.clone(),
        cluster_id: cid.clone(),
        display_name: format!("fleet-{i:03}"),
        kind: crate::wire::tidb::ALICLOUD_ENDPOINT_SERVICE.into(),
        service_name: format!("com.aliyuncs.privatelink.{region}.{sid}"),
        created_by: "apikey-fleet".into(),
        create_time: t.clone(),
        update_time: t,
        created_at: now,
        validate_at: now,
        validated: true,
        connect_at: now,
        delay_connection: Duration::ZERO,
        delay_active: Duration::ZERO,
        failed: None,
        endpoint_id: Some(ep),
        az_ids: zones.iter().map(|(z, _)| z.clone()).collect(),
        deleting_at: None,
    });
    w.rds.push(rds);
    if kind == Kind::Unreadable {
        w.unreadable.insert(lb_id);
    }
    Seeded {
        cluster_id: cid,
        plc_id: pid,
        service_id: sid,
        kind,
    }
}

/// The next free address of vSwitch `id` (fleet vSwitches are large).
fn alloc(w: &mut World, id: &str) -> String {
    w.vswitches
        .iter_mut()
        .find(|v| v.id == id)
        .and_then(VSwitch::allocate)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_chain_is_seeded_with_its_truth() {
        let mut w = World::new(7, super::super::clock::Clock::new(0.05));
        let before = w.clusters.len();
        seed(&mut w, 16);
        assert_eq!(w.clusters.len(), before + 16);
        assert_eq!(w.fleet.len(), 16);
        assert_eq!(w.unreadable.len(), 2);
        let now = Instant::now();
        for s in &w.fleet {
            let p = w.plcs.iter().find(|p| p.id == s.plc_id).unwrap();
            let (state, _) = w.plc_state(p, now);
            let want = if s.kind == Kind::Rejected {
                "PENDING_ACCEPTANCE"
            } else {
                "ACTIVE"
            };
            assert_eq!(state, want, "{s:?}");
        }
    }
}
