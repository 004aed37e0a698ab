//! The simulated world: accounts, keys, networks, databases, NLB/PrivateLink resources and
//! TiDB clusters. Deterministic for a given seed. Resource states are computed lazily from
//! timestamps; [`World::tick`] applies due removals and the TiDB PLC progression.
//!
//! The resource types live here; their shared [`Lifecycle`] in `lifecycle.rs`, the TiDB PLC
//! progression in `plc.rs`, the `/_sim/state` snapshot in `snapshot.rs`. The seed is data
//! (`assets/sim-world.toml`, `sim/seed.rs`).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::clock::{Clock, Delays, wall_rfc3339};
use super::net;

mod lifecycle;
mod plc;
mod snapshot;

use crate::wire::aliyun::HealthCheck;
use crate::wire::tidb;
pub use lifecycle::{Lifecycle, Phase, Provisioned};

/// The main simulated region.
pub const REGION: &str = "ap-southeast-1";
/// The decoy region (one MySQL instance lives there).
pub const OTHER_REGION: &str = "cn-hangzhou";

/// An Alibaba access key pair known to the world.
#[derive(Clone, Debug)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    /// `admin`, `readonly` or `sts`.
    pub label: String,
    /// Required with this key (STS credentials).
    pub security_token: Option<String>,
    /// Every write is denied with `Forbidden.RAM`.
    pub deny_writes: bool,
    /// RAM actions (`nlb:CreateLoadBalancer`) denied to this key.
    pub denied_actions: BTreeSet<String>,
    pub identity_type: String,
    pub arn: String,
    pub user_id: String,
    pub principal_id: String,
    pub role_id: String,
}

/// A zone and what it supports.
#[derive(Clone, Debug)]
pub struct ZoneInfo {
    pub id: String,
    pub local_name: String,
    pub nlb: bool,
    pub privatelink: bool,
}

/// A VPC.
#[derive(Clone, Debug)]
pub struct Vpc {
    pub id: String,
    pub name: String,
    pub region: String,
    pub cidr: String,
    pub is_default: bool,
    pub created: String,
}

/// A vSwitch with a simple address allocator.
#[derive(Clone, Debug)]
pub struct VSwitch {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    pub region: String,
    pub zone: String,
    pub cidr: String,
    pub available: u64,
    pub used: BTreeSet<u32>,
    pub created: String,
}

impl VSwitch {
    /// Takes the lowest free address (the first 3 and the last are reserved, as on Alibaba).
    pub fn allocate(&mut self) -> Option<String> {
        let (netw, len) = net::parse_cidr(&self.cidr)?;
        if self.available == 0 {
            return None;
        }
        let size = net::size((netw, len)) as u32;
        let ip = (3..size.saturating_sub(1))
            .map(|i| netw + i)
            .find(|ip| !self.used.contains(ip))?;
        self.used.insert(ip);
        self.available -= 1;
        Some(net::fmt_ip(ip))
    }

    /// Returns an address to the pool.
    pub fn release(&mut self, ip: &str) {
        if let Some(ip) = net::parse_ip(ip)
            && self.used.remove(&ip)
        {
            self.available += 1;
        }
    }
}

/// An RDS allowlist group.
#[derive(Clone, Debug)]
pub struct IpGroup {
    pub name: String,
    /// `hidden` for system groups.
    pub attribute: String,
    pub ips: Vec<String>,
}

/// An RDS instance.
#[derive(Clone, Debug)]
pub struct Rds {
    pub id: String,
    pub description: String,
    pub region: String,
    pub engine: String,
    pub engine_version: String,
    pub status: String,
    pub db_type: String,
    /// VPC | Classic.
    pub network_type: String,
    pub zone: String,
    pub master_zone: String,
    pub slave_zones: Vec<String>,
    pub vpc_id: String,
    pub vswitch_id: String,
    pub private_ip: String,
    pub port: u16,
    pub connection_string: String,
    pub groups: Vec<IpGroup>,
    pub category: String,
    pub class: String,
    pub master_instance_id: String,
    pub created: String,
    /// `normal` (general whitelist mode) or `safety` (enhanced: groups per network type).
    pub security_ip_mode: String,
    /// Not `Running` until then: an allowlist write settling (behaviour `rds-settling`).
    pub settling_until: Option<Instant>,
}

impl Rds {
    /// `DBInstanceStatus` at `now`: the seeded status, or, while an allowlist write settles,
    /// `DBInstanceNetTypeChanging` (an assumption: no source names the status a whitelist
    /// change shows; Terraform waits for `Running` after every write).
    pub fn status_at(&self, now: Instant) -> &str {
        if self.status == "Running" && self.settling_until.is_some_and(|t| now < t) {
            "DBInstanceNetTypeChanging"
        } else {
            &self.status
        }
    }
}

/// An NLB backend.
#[derive(Clone, Debug)]
pub struct Backend {
    pub server_id: String,
    pub server_ip: String,
    pub server_type: String,
    pub port: u16,
    pub weight: u32,
    pub description: String,
    pub zone: String,
    pub ready_at: Instant,
    /// The adding delay this backend drew.
    pub delay: Duration,
    pub removing_at: Option<Instant>,
}

impl Backend {
    /// Adding | Available | Removing.
    pub fn status(&self, now: Instant) -> &'static str {
        if self.removing_at.is_some() {
            "Removing"
        } else if now < self.ready_at {
            "Adding"
        } else {
            "Available"
        }
    }
}

/// An NLB server group.
#[derive(Clone, Debug)]
pub struct ServerGroup {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub protocol: String,
    pub scheduler: String,
    pub vpc_id: String,
    pub region: String,
    pub preserve_client_ip: bool,
    pub health: HealthCheck,
    pub tags: Vec<(String, String)>,
    pub servers: Vec<Backend>,
    /// Created, ready, busy, deleting.
    pub life: Lifecycle,
}

impl ServerGroup {
    /// Creating | Available | Configuring | Deleting.
    pub fn status(&self, now: Instant) -> &'static str {
        self.life
            .status(now, ["Creating", "Configuring", "Available"])
    }
}

/// One zone of a load balancer.
#[derive(Clone, Debug)]
pub struct ZoneMap {
    pub zone: String,
    pub vswitch_id: String,
    pub vip: String,
    pub locals: Vec<String>,
    pub eni: String,
}

/// An NLB instance.
#[derive(Clone, Debug)]
pub struct LoadBalancer {
    pub id: String,
    pub name: String,
    pub address_type: String,
    pub ip_version: String,
    pub vpc_id: String,
    pub region: String,
    pub zones: Vec<ZoneMap>,
    pub tags: Vec<(String, String)>,
    pub deletion_protection: bool,
    pub create_time: String,
    /// Created, ready, busy, deleting.
    pub life: Lifecycle,
    /// Get calls see it from then on (behaviour `get-lag`).
    pub visible_at: Instant,
}

impl LoadBalancer {
    /// Provisioning | Active | Configuring | Deleting.
    pub fn status(&self, now: Instant) -> &'static str {
        self.life
            .status(now, ["Provisioning", "Configuring", "Active"])
    }
}

/// An NLB listener.
#[derive(Clone, Debug)]
pub struct Listener {
    pub id: String,
    pub lb_id: String,
    pub region: String,
    pub protocol: String,
    pub port: u16,
    pub sg_id: String,
    pub idle_timeout: u32,
    pub description: String,
    pub proxy_protocol: bool,
    pub tags: Vec<(String, String)>,
    /// Created, ready, busy, deleting.
    pub life: Lifecycle,
    /// Stopped in the console (`/_sim/inject` kind `listener-stopped`).
    pub stopped: bool,
    /// `Starting` until then, after a `StartListener`.
    pub starting_until: Option<Instant>,
    /// Get calls see it from then on (behaviour `get-lag`).
    pub visible_at: Instant,
}

impl Listener {
    /// Provisioning | Running | Starting | Stopped | Configuring | Deleting (NLB's
    /// `ListenerStatus` values).
    pub fn status(&self, now: Instant) -> &'static str {
        match self.life.phase(now) {
            Phase::Deleting => "Deleting",
            Phase::Provisioning => "Provisioning",
            _ if self.stopped => "Stopped",
            _ if self.starting_until.is_some_and(|t| now < t) => "Starting",
            Phase::Busy => "Configuring",
            Phase::Ready => "Running",
        }
    }
}

/// A resource behind an endpoint service.
#[derive(Clone, Debug)]
pub struct ServiceResource {
    pub id: String,
    pub kind: String,
    pub zone: String,
}

/// A PrivateLink endpoint service.
#[derive(Clone, Debug)]
pub struct EndpointService {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub region: String,
    pub resource_type: String,
    pub resources: Vec<ServiceResource>,
    pub auto_accept: bool,
    pub zone_affinity: bool,
    pub description: String,
    pub payer: String,
    pub tags: Vec<(String, String)>,
    pub users: BTreeSet<u64>,
    pub user_arns: BTreeSet<String>,
    pub create_time: String,
    /// Created, ready, busy, deleting.
    pub life: Lifecycle,
    /// Get calls see it from then on (behaviour `get-lag`).
    pub visible_at: Instant,
}

impl EndpointService {
    /// Creating | Pending | Active | Deleting.
    pub fn status(&self, now: Instant) -> &'static str {
        self.life.status(now, ["Creating", "Pending", "Active"])
    }

    /// True when `uid` may connect (by UID or by a matching ARN).
    pub fn allows(&self, uid: u64) -> bool {
        self.users.contains(&uid)
            || self.user_arns.iter().any(|a| {
                a == "*"
                    || a == "acs:ram:*::*"
                    || a.starts_with(&format!("acs:ram::{uid}:"))
                    || a.starts_with(&format!("acs:ram:*:{uid}:"))
            })
    }
}

/// One zone of an endpoint connection.
#[derive(Clone, Debug)]
pub struct ConnZone {
    pub zone: String,
    pub vswitch_id: String,
    pub eni_id: String,
    pub resource_id: String,
    pub domain: String,
}

/// An endpoint connection (a request from an endpoint to a service).
#[derive(Clone, Debug)]
pub struct Connection {
    pub service_id: String,
    pub endpoint_id: String,
    pub owner_id: u64,
    pub vpc_id: String,
    pub region: String,
    pub zones: Vec<ConnZone>,
    pub status: String,
    /// A pending transition: at the instant, `status` becomes the string.
    pub next: Option<(Instant, String)>,
    pub connected_since: Option<Instant>,
    /// Accepted → Connected: the delay this connection drew.
    pub delay: Duration,
    pub removing_at: Option<Instant>,
    pub bandwidth: u64,
    pub modified_time: String,
    pub created_at: Instant,
}

/// A TiDB Cloud cluster plus what the simulator needs to know about it.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub wire: tidb::Cluster,
    /// AZs returned by `:getAvailabilityZones`.
    pub plc_azs: Vec<String>,
    /// Account id returned by `:getAvailabilityZones`.
    pub plc_account: String,
}

/// A TiDB Private Link Connection.
#[derive(Clone, Debug)]
pub struct Plc {
    pub id: String,
    pub cluster_id: String,
    pub display_name: String,
    pub kind: String,
    pub service_name: String,
    pub created_by: String,
    pub create_time: String,
    pub update_time: String,
    pub created_at: Instant,
    pub validate_at: Instant,
    pub validated: bool,
    pub connect_at: Instant,
    /// Created → connection request appears: the delay this PLC drew.
    pub delay_connection: Duration,
    /// Connected → ACTIVE: the delay this PLC drew.
    pub delay_active: Duration,
    pub failed: Option<String>,
    pub endpoint_id: Option<String>,
    pub az_ids: Vec<String>,
    pub deleting_at: Option<Instant>,
}

/// The whole simulated world.
pub struct World {
    pub rng: fastrand::Rng,
    /// Seed of the delay draws: one stream per kind of delay (`"load_balancer"`, …), so the
    /// n-th load balancer draws the same delay whatever else was created in between, and
    /// jitter never changes ids.
    pub delay_seed: u64,
    pub delay_rngs: HashMap<&'static str, fastrand::Rng>,
    pub clock: Clock,
    pub delays: Delays,
    pub region: String,
    pub regions: Vec<(String, Vec<ZoneInfo>)>,
    pub uid: u64,
    pub tidb_account_id: u64,
    pub keys: Vec<AccessKey>,
    /// (public, private) TiDB API keys.
    pub tidb_keys: Vec<(String, String)>,
    pub project_id: String,
    pub org_id: String,
    pub vpcs: Vec<Vpc>,
    pub vswitches: Vec<VSwitch>,
    pub rds: Vec<Rds>,
    pub server_groups: Vec<ServerGroup>,
    pub load_balancers: Vec<LoadBalancer>,
    pub listeners: Vec<Listener>,
    pub jobs: HashMap<String, Instant>,
    pub services: Vec<EndpointService>,
    pub connections: Vec<Connection>,
    pub privatelink_open: bool,
    /// TiDB Cloud never reports `alicloudEndpointService.endpointId` (an unverified assumption
    /// of the public API that clients must survive; `POST /_sim/inject {"kind":
    /// "plc-hides-endpoint-id"}`).
    pub plc_hides_endpoint_id: bool,
    pub clusters: Vec<Cluster>,
    pub plcs: Vec<Plc>,
    /// Changefeeds (the serverless CDC API), added through `/_sim/inject`.
    pub changefeeds: Vec<crate::wire::tidb::Changefeed>,
    /// Data Migration tasks, with their cluster id (`/_sim/inject` kind `migration`).
    pub migrations: Vec<(String, crate::wire::tidb::Migration)>,
    /// The data plane: listener id → the 127.0.0.1 address that answers for it.
    pub data_plane: std::collections::BTreeMap<String, String>,
    /// Whether the simulated RDS answers (the embedded server always; an upstream as its
    /// last TCP check said).
    pub rds_up: bool,
    /// The RDS instances' database account (user, password), drawn from the seed.
    pub rds_account: (String, String),
    /// (product/action, ClientToken) → (parameter fingerprint, stored response).
    pub idempotency: HashMap<(String, String), (String, Value)>,
    /// Which real-cloud behaviours are on.
    pub behaviours: super::behaviour::Behaviours,
    /// (action, resource) → when it last succeeded (behaviour `repeat-refusal`).
    pub recent_writes: HashMap<(String, String), Instant>,
    pub main_cluster_id: String,
    pub main_rds_id: String,
    /// The chains `--fleet` seeded, with their truth.
    pub fleet: Vec<super::fleet::Seeded>,
    /// Resource ids no Alibaba call may name: it answers 503 (a fleet chain doctor cannot
    /// look at).
    pub unreadable: BTreeSet<String>,
}

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub(super) const MIXED_ALNUM: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(super) fn pick(rng: &mut fastrand::Rng, set: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| set[rng.usize(0..set.len())] as char)
        .collect()
}

/// 32 random digits of `hex` in a UUID's groups (8-4-4-4-12).
pub(super) fn uuid(rng: &mut fastrand::Rng, hex: &[u8]) -> String {
    let h = pick(rng, hex, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub(super) fn digits(rng: &mut fastrand::Rng, n: usize) -> String {
    let mut s = rng.u8(1..10).to_string();
    s.extend((1..n).map(|_| char::from(b'0' + rng.u8(0..10))));
    s
}

/// A creation time for seed resources (wall clock, RFC 3339).
pub(super) fn wall_created() -> String {
    wall_rfc3339()
}

impl World {
    /// Builds the seeded world.
    pub fn new(seed: u64, clock: Clock) -> Self {
        // The fixed facts are data (assets/sim-world.toml); ids and secrets are drawn here.
        let table = super::seed::table().unwrap_or_else(|e| panic!("{e}"));
        let mut rng = fastrand::Rng::with_seed(seed);
        let delays = Delays::new(&clock);
        let uid: u64 = digits(&mut rng, 16)
            .parse()
            .unwrap_or(5_123_456_789_012_345);
        let tidb_account_id: u64 = digits(&mut rng, 16)
            .parse()
            .unwrap_or(1_234_567_890_123_456);
        let regions = super::seed::regions(&table);
        let keys = super::seed::keys(&table, uid, &mut rng);
        let tidb_keys = vec![(
            pick(&mut rng, UPPER_ALNUM, 8),
            uuid(&mut rng, b"0123456789abcdef"),
        )];

        let mut w = World {
            rng,
            delay_seed: seed ^ 0xde1a_7e57,
            delay_rngs: HashMap::new(),
            clock,
            delays,
            region: table.main_region.clone(),
            regions,
            uid,
            tidb_account_id,
            keys,
            tidb_keys,
            project_id: String::new(),
            org_id: String::new(),
            vpcs: vec![],
            vswitches: vec![],
            rds: vec![],
            server_groups: vec![],
            load_balancers: vec![],
            listeners: vec![],
            jobs: HashMap::new(),
            services: vec![],
            connections: vec![],
            privatelink_open: true,
            plc_hides_endpoint_id: false,
            clusters: vec![],
            plcs: vec![],
            changefeeds: vec![],
            migrations: vec![],
            data_plane: Default::default(),
            rds_up: true,
            rds_account: {
                // Its own stream, so every other id of the seed stays as it was.
                let mut r = fastrand::Rng::with_seed(seed ^ 0x5d1_da7a);
                let pw: String = (0..16).map(|_| r.alphanumeric()).collect();
                ("tilink_probe".to_string(), format!("Tl{pw}"))
            },
            idempotency: HashMap::new(),
            behaviours: Default::default(),
            recent_writes: HashMap::new(),
            main_cluster_id: String::new(),
            main_rds_id: String::new(),
            fleet: Vec::new(),
            unreadable: BTreeSet::new(),
        };
        w.project_id = digits(&mut w.rng, 19);
        w.org_id = digits(&mut w.rng, 19);
        super::seed::populate(&mut w, &table).unwrap_or_else(|e| panic!("{e}"));
        w
    }

    /// A new id `prefix` + `n` random lowercase alphanumerics, from the seeded RNG.
    pub fn id(&mut self, prefix: &str, n: usize) -> String {
        format!("{prefix}{}", pick(&mut self.rng, LOWER_ALNUM, n))
    }

    /// A new NLB job id (UUID-shaped) that succeeds at `done_at`.
    /// A provisioning delay of `kind` around `median`, per the profile's jitter.
    pub fn draw(&mut self, kind: &'static str, median: Duration) -> Duration {
        let delays = self.delays.clone();
        delays.draw(self.stream(kind), median)
    }

    /// The random stream of one kind of delay.
    fn stream(&mut self, kind: &'static str) -> &mut fastrand::Rng {
        let seed = self.delay_seed;
        self.delay_rngs.entry(kind).or_insert_with(|| {
            // FNV-1a of the kind, mixed into the seed.
            let h = kind.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
            });
            fastrand::Rng::with_seed(seed ^ h)
        })
    }

    /// True when a real-cloud behaviour is on.
    pub fn behaves(&self, b: super::behaviour::Behaviour) -> bool {
        self.behaviours.on(b)
    }

    /// When Get calls start to see a resource created at `now` (behaviour `get-lag`: a
    /// uniform draw up to the profile's lag; `now` when the behaviour is off).
    pub fn visible_from(&mut self, now: Instant) -> Instant {
        if !self.behaves(super::behaviour::Behaviour::GetLag) {
            return now;
        }
        let max = self.delays.get_lag;
        let f = self.stream("get_lag").f64();
        now + max.mul_f64(f)
    }

    /// `now + d` when behaviour `b` is on, else `None`.
    pub fn until_if(
        &mut self,
        b: super::behaviour::Behaviour,
        kind: &'static str,
        median: Duration,
        now: Instant,
    ) -> Option<Instant> {
        self.behaves(b).then(|| now + self.draw(kind, median))
    }

    pub fn job(&mut self, done_at: Instant) -> String {
        let id = uuid(&mut self.rng, b"0123456789abcdef");
        self.jobs.insert(id.clone(), done_at);
        id
    }

    /// A random decimal string of `n` digits from the seeded RNG.
    pub fn digits(&mut self, n: usize) -> String {
        digits(&mut self.rng, n)
    }

    /// Zones of a region.
    pub fn zones(&self, region: &str) -> &[ZoneInfo] {
        self.regions
            .iter()
            .find(|(r, _)| r == region)
            .map(|(_, z)| z.as_slice())
            .unwrap_or(&[])
    }

    /// Looks up an access key.
    pub fn key(&self, id: &str) -> Option<&AccessKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The cluster with this id.
    pub fn cluster(&self, id: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.wire.cluster_id == id)
    }

    /// Applies every transition that is due at `now`: removals after deletes, connection
    /// state changes, and the TiDB PLC progression (validate → endpoint connection).
    pub fn tick(&mut self, now: Instant) {
        let due = |t: Option<Instant>| t.is_some_and(|t| now >= t);
        for sg in &mut self.server_groups {
            sg.servers.retain(|b| !due(b.removing_at));
        }
        self.listeners.retain(|l| !due(l.life.deleting_at));
        self.server_groups.retain(|s| !due(s.life.deleting_at));
        let (gone, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.load_balancers)
            .into_iter()
            .partition(|l| due(l.life.deleting_at));
        self.load_balancers = keep;
        for lb in gone {
            for z in lb.zones {
                if let Some(v) = self.vswitches.iter_mut().find(|v| v.id == z.vswitch_id) {
                    v.release(&z.vip);
                    for l in &z.locals {
                        v.release(l);
                    }
                }
            }
        }
        self.services.retain(|s| !due(s.life.deleting_at));
        self.connections.retain(|c| !due(c.removing_at));
        for c in &mut self.connections {
            if let Some((t, s)) = c.next.clone()
                && now >= t
            {
                if s == "Connected" {
                    c.connected_since = Some(t);
                } else {
                    c.connected_since = None;
                }
                // Pending → Connecting (behaviour `connection-pending`) goes on to Connected
                // after the connection's own delay.
                c.next = (s == "Connecting").then(|| (t + c.delay, "Connected".to_string()));
                c.status = s;
            }
        }
        self.tick_plcs(now);
    }

    /// A connection request from account `owner` to service `sid`.
    pub fn new_connection(
        &mut self,
        sid: &str,
        owner: u64,
        zones: &[(String, String)],
        now: Instant,
        auto_accept: bool,
    ) -> Connection {
        let ep = self.id("ep-", 20);
        let vpc = self.id("vpc-t4n", 18);
        let delay = self.draw("connection_accept", self.delays.connection_accept);
        let service_domain = self
            .services
            .iter()
            .find(|s| s.id == sid)
            .map(|s| s.domain.clone())
            .unwrap_or_default();
        let zones = zones
            .iter()
            .map(|(z, r)| ConnZone {
                zone: z.clone(),
                vswitch_id: self.id("vsw-t4n", 18),
                eni_id: self.id("eni-t4n", 17),
                resource_id: r.clone(),
                domain: format!("{ep}-{z}.{service_domain}"),
            })
            .collect();
        Connection {
            service_id: sid.to_string(),
            endpoint_id: ep,
            owner_id: owner,
            vpc_id: vpc,
            region: self.region.clone(),
            zones,
            status: if auto_accept {
                "Connecting".into()
            } else {
                "Disconnected".into()
            },
            next: auto_accept.then(|| (now + delay, "Connected".to_string())),
            connected_since: None,
            delay,
            removing_at: None,
            bandwidth: 3072,
            modified_time: wall_rfc3339(),
            created_at: now,
        }
    }
}

#[cfg(test)]
mod tests;
