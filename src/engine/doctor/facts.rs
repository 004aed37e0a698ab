//! Gathering a chain: PLC → endpoint service → resources → NLB → listeners → server group →
//! backends → RDS (by private IP in the VPC). Each level's lookups run concurrently; a
//! lookup that fails is recorded (so its checks say "skip" and why) instead of aborting.

use crate::engine::chain;
use crate::engine::discover::{Clients, TAG_RDS, cluster_info, plc_info, vswitch_info};
use crate::engine::facts::{
    ClusterInfo, PlcInfo, RdsInfo, TidbZones, VSwitchInfo, service_id_of_name,
};
use crate::wire::aliyun as w;
use std::collections::BTreeMap;

pub use super::piece::Piece;

/// Everything doctor learned about one chain.
#[derive(Debug, Clone, Default)]
pub struct ChainFacts {
    /// Caller account and ARN.
    pub caller: Option<(String, String)>,
    /// The Alibaba access key id in use (for saying which key was refused).
    pub access_key_id: String,
    /// The cluster id doctor was given (empty when none).
    pub cluster_id: String,
    /// Started from a service with a cluster: the cluster's PLCs were listed and none points
    /// at the service (its PLC was deleted in the TiDB console, say).
    pub no_plc_on_service: bool,
    /// The cluster.
    pub cluster: Option<ClusterInfo>,
    /// TiDB account and AZs.
    pub tidb: Option<TidbZones>,
    /// The PLC (absent when doctor starts from a service with no PLC).
    pub plc: Option<PlcInfo>,
    /// The other PLCs of the cluster that point at the same endpoint service (`None`: the
    /// cluster's PLCs were not listed).
    pub siblings: Option<Vec<PlcInfo>>,
    /// Region of the Alibaba side.
    pub region: String,
    /// Endpoint service id.
    pub service_id: Option<String>,
    /// The endpoint service.
    pub service: Option<w::EndpointService>,
    /// Attached resources.
    pub resources: Vec<w::ServiceResource>,
    /// Whitelisted accounts.
    pub users: Vec<String>,
    /// Connection requests.
    pub connections: Vec<w::EndpointConnection>,
    /// The NLB.
    pub lb: Option<w::GetLoadBalancerAttributeResponse>,
    /// Its listeners.
    pub listeners: Vec<w::Listener>,
    /// Server groups behind the listeners.
    pub server_groups: Vec<w::ServerGroup>,
    /// Backends of those groups.
    pub servers: Vec<w::BackendServer>,
    /// Listener health.
    pub health: Vec<w::ListenerHealthStatus>,
    /// The RDS instance found behind the backends.
    pub rds: Option<RdsInfo>,
    /// vSwitches of the NLB's VPC.
    pub vswitches: Vec<VSwitchInfo>,
    /// The changefeeds whose sink goes through the PLC (read when the PLC is known).
    pub changefeeds: Vec<crate::wire::tidb::Changefeed>,
    /// The DM tasks that read from RDS through the PLC (read when the PLC is known).
    pub migrations: Vec<crate::wire::tidb::Migration>,
    /// Why a piece is missing.
    pub missing: BTreeMap<Piece, String>,
    /// Pieces tilink could not look at (the read failed for a reason that says nothing
    /// about the resource).
    pub unknown: BTreeMap<Piece, Look>,
    /// Round-trip depth used (levels of dependent calls).
    pub depth: u32,
}

/// Why a look failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookKind {
    /// Throttled, 5xx, timeout, reset: try again later.
    Transient,
    /// The key may not make this call.
    Permission,
    /// The key or its signature was refused.
    Credentials,
}

impl LookKind {
    /// From the client's one classification.
    pub fn of(kind: crate::cloud::ErrorKind) -> Self {
        use crate::cloud::ErrorKind as K;
        match kind {
            K::Credentials => LookKind::Credentials,
            K::Permission => LookKind::Permission,
            _ => LookKind::Transient,
        }
    }
}

/// A read that failed without saying anything about the resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// Why it failed.
    pub kind: LookKind,
    /// The call (`ListListeners`, `GET …/privateLinkConnections`).
    pub call: String,
    /// The error, as the API or the network said it.
    pub error: String,
    /// The cloud's error code, when it gave one (`SignatureDoesNotMatch`, …).
    pub code: Option<String>,
    /// What to do about the look (never about the infrastructure).
    pub fix: String,
}

/// How a failed read is read: the resource is absent, or the look itself failed.
pub trait ReadError: std::fmt::Display {
    /// The API says the resource does not exist.
    fn absent(&self) -> bool;
    /// Why the look failed.
    fn kind(&self) -> LookKind;
    /// The fix for the look: credentials, permission, or retry.
    fn look_fix(&self, call: &str) -> String;
    /// The cloud's error code, when it gave one.
    fn code(&self) -> Option<String> {
        None
    }
}

fn retry_fix() -> String {
    "tilink retried with backoff and the call still failed: the cloud is throttling or \
     unavailable right now. Run doctor again in a minute; nothing about this link is known."
        .to_string()
}

impl ReadError for crate::cloud::aliyun::AliyunError {
    fn absent(&self) -> bool {
        self.is_not_found()
    }
    fn code(&self) -> Option<String> {
        crate::cloud::aliyun::AliyunError::code(self).map(str::to_string)
    }
    fn kind(&self) -> LookKind {
        LookKind::of(crate::cloud::aliyun::AliyunError::kind(self))
    }
    fn look_fix(&self, call: &str) -> String {
        let kind = crate::cloud::aliyun::AliyunError::kind(self);
        if kind == crate::cloud::ErrorKind::Permission {
            let perm = self
                .missing_permission()
                .unwrap_or_else(|| format!("the permission for {call}"));
            format!(
                "The key may not read this link: grant {perm} (`tilink policy --for doctor` prints the least-privilege policy), then run doctor again."
            )
        } else if kind == crate::cloud::ErrorKind::Credentials {
            "Alibaba Cloud refused the signature of this read: check the access key and secret (see the credentials check), then run doctor again.".to_string()
        } else {
            retry_fix()
        }
    }
}

impl ReadError for crate::cloud::tidb::TidbError {
    fn absent(&self) -> bool {
        self.is_not_found()
    }
    fn kind(&self) -> LookKind {
        LookKind::of(crate::cloud::tidb::TidbError::kind(self))
    }
    fn look_fix(&self, _call: &str) -> String {
        if matches!(self, crate::cloud::tidb::TidbError::Unauthorized { .. }) {
            "TiDB Cloud refused the API key for this read: check TIDBCLOUD_PUBLIC_KEY / TIDBCLOUD_PRIVATE_KEY, then run doctor again.".to_string()
        } else {
            retry_fix()
        }
    }
}

/// An error text without the server's string to sign (Alibaba echoes it on a signature
/// mismatch; it is noise to a DBA and names every parameter of the request).
pub fn without_string_to_sign(s: &str) -> String {
    match s.find("server string to sign is") {
        Some(i) => format!("{}(string to sign omitted)", &s[..i]),
        None => s.to_string(),
    }
}

impl ChainFacts {
    fn miss(&mut self, piece: Piece, why: impl ToString) {
        self.missing
            .entry(piece)
            .or_insert_with(|| without_string_to_sign(&why.to_string()));
    }

    /// A read of `piece` by `call` failed: the piece is absent when the API says so,
    /// otherwise tilink could not look.
    fn read_failed(&mut self, piece: Piece, call: &str, e: &impl ReadError) {
        if !e.absent() {
            self.unknown.entry(piece).or_insert_with(|| Look {
                kind: e.kind(),
                call: call.to_string(),
                error: without_string_to_sign(&e.to_string()),
                code: ReadError::code(e),
                fix: e.look_fix(call),
            });
        }
        self.miss(piece, e);
    }

    /// What a read of `piece` by `call` gave, or `None` once its failure is noted.
    fn ok_or_read_failed<T, E: ReadError>(
        &mut self,
        piece: Piece,
        call: &str,
        r: Result<T, E>,
    ) -> Option<T> {
        r.map_err(|e| self.read_failed(piece, call, &e)).ok()
    }

    /// `pieces` could not be looked at because `because` could not.
    fn unknown_after(&mut self, pieces: &[Piece], because: Piece) {
        let Some(look) = self.unknown.get(&because).cloned() else {
            return;
        };
        for &p in pieces {
            self.unknown.entry(p).or_insert_with(|| look.clone());
            self.miss(p, format!("{because} could not be read"));
        }
    }

    /// Why `piece` is missing, if it is.
    pub fn why_missing(&self, piece: Piece) -> Option<&str> {
        self.missing.get(&piece).map(String::as_str)
    }

    /// The failed read that left `piece` unknown, if one did.
    pub fn unknown(&self, piece: Piece) -> Option<&Look> {
        self.unknown.get(&piece)
    }

    /// Doctor was given no cluster (`--endpoint-service` alone): the TiDB side was not read.
    pub fn no_cluster_given(&self) -> bool {
        self.cluster_id.is_empty()
    }
}

/// Where doctor starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// A PLC of a cluster.
    Plc {
        /// Cluster id.
        cluster_id: String,
        /// The PLC (already fetched).
        plc: PlcInfo,
        /// Every PLC of the cluster, when listed (the walk keeps those on the same service).
        all: Option<Vec<PlcInfo>>,
    },
    /// An endpoint service id (the cluster, when known, adds the TiDB side).
    Service {
        /// Cluster id, if given.
        cluster_id: Option<String>,
        /// `epsrv-…`.
        service_id: String,
    },
}

/// Walks the chain from `start`. `c.aliyun` must be in the chain's region.
pub async fn gather(c: &Clients, start: &Start) -> ChainFacts {
    let mut f = ChainFacts {
        region: c.aliyun.region().to_string(),
        access_key_id: c.aliyun.access_key_id().to_string(),
        ..Default::default()
    };
    let a = &c.aliyun;
    let (cluster_id, service_id) = match start {
        Start::Plc {
            cluster_id,
            plc,
            all,
        } => {
            f.plc = Some(plc.clone());
            f.siblings = all.as_ref().map(|all| {
                all.iter()
                    .filter(|o| {
                        o.id != plc.id
                            && o.service_name == plc.service_name
                            && o.state != "DELETING"
                    })
                    .cloned()
                    .collect()
            });
            (
                Some(cluster_id.clone()),
                service_id_of_name(&plc.service_name).map(str::to_string),
            )
        }
        Start::Service {
            cluster_id,
            service_id,
        } => {
            // With a cluster, its PLC on this service (if any) makes this the whole chain's
            // walk; none (listed, not found) is an orphaned half.
            if let Some(cid) = cluster_id
                && let Ok(list) = c.tidb.list_plcs(cid).await
            {
                let all = plcs(&list);
                let on_service = |p: &PlcInfo| {
                    service_id_of_name(&p.service_name) == Some(service_id.as_str())
                        && p.state != "DELETING"
                };
                match all.iter().find(|p| on_service(p)).cloned() {
                    Some(p) => {
                        f.siblings = Some(
                            all.iter()
                                .filter(|o| o.id != p.id && on_service(o))
                                .cloned()
                                .collect(),
                        );
                        f.plc = Some(p);
                    }
                    None => f.no_plc_on_service = true,
                }
            }
            (cluster_id.clone(), Some(service_id.clone()))
        }
    };
    f.service_id = service_id.clone();
    f.cluster_id = cluster_id.clone().unwrap_or_default();
    // Level 1: identity, the TiDB side, the service and what hangs off it, RDS instances.
    let svc = service_id.clone().unwrap_or_default();
    let cid = cluster_id.clone().unwrap_or_default();
    let have_svc = service_id.is_some();
    // Dependents (what runs through the PLC) only when the PLC is known.
    let plc_ids = f
        .plc
        .as_ref()
        .map(|p| (p.id.clone(), p.endpoint_id.clone()));
    let dependents = plc_ids.is_some() && !cid.is_empty();
    let (caller, cluster, zones, service, instances, cfs, migs) = tokio::join!(
        a.get_caller_identity(),
        async {
            if cid.is_empty() {
                None
            } else {
                Some(c.tidb.get_cluster(&cid).await)
            }
        },
        async {
            if cid.is_empty() {
                None
            } else {
                Some(c.tidb.availability_zones(&cid).await)
            }
        },
        async {
            if have_svc {
                Some(chain::service(a, &svc).await)
            } else {
                None
            }
        },
        a.describe_db_instances(Some("MySQL")),
        async {
            if dependents {
                Some(c.tidb.list_changefeeds(&cid).await)
            } else {
                None
            }
        },
        async {
            if dependents {
                Some(c.tidb.list_migrations(&cid).await)
            } else {
                None
            }
        },
    );
    f.depth = 1;
    if let Some((plc_id, endpoint_id)) = &plc_ids {
        match cfs {
            Some(Ok(all)) => {
                f.changefeeds = all
                    .into_iter()
                    .filter(|c| c.private_link_connection_id() == Some(plc_id.as_str()))
                    .collect()
            }
            Some(Err(e)) => f.read_failed(
                Piece::Changefeeds,
                "GET /v1beta1/clusters/{id}/changefeeds",
                &e,
            ),
            None => f.miss(Piece::Changefeeds, "no --cluster-id given"),
        }
        match migs {
            Some(Ok(all)) => {
                f.migrations = all
                    .into_iter()
                    .filter(|m| m.uses_plc(plc_id, endpoint_id))
                    .collect()
            }
            Some(Err(e)) => f.read_failed(
                Piece::Migrations,
                "GET /v1beta1/clusters/{id}/migrations",
                &e,
            ),
            None => f.miss(Piece::Migrations, "no --cluster-id given"),
        }
    } else {
        f.miss(Piece::Changefeeds, "no private link connection");
        f.miss(Piece::Migrations, "no private link connection");
    }
    f.caller = f
        .ok_or_read_failed(Piece::Caller, "GetCallerIdentity", caller)
        .map(|x| (x.account_id, x.arn));
    match cluster {
        Some(Ok(x)) => f.cluster = Some(cluster_info(&x)),
        Some(Err(e)) => f.read_failed(Piece::Cluster, "GET /v1beta1/clusters/{id}", &e),
        None => f.miss(Piece::Cluster, "no --cluster-id given"),
    }
    match zones {
        Some(Ok(z)) => {
            f.tidb = Some(TidbZones {
                account_id: z.account_id,
                az_ids: z.az_ids,
            })
        }
        Some(Err(e)) => f.read_failed(
            Piece::Tidb,
            "GET /v1beta1/clusters/{id}/privateLinkConnections:getAvailabilityZones",
            &e,
        ),
        None => f.miss(Piece::Tidb, "no --cluster-id given"),
    }
    if !have_svc {
        let why = match &f.plc {
            Some(p) => format!(
                "the PLC points at \"{}\", which is not an endpoint service name",
                p.service_name
            ),
            None => "no endpoint service".to_string(),
        };
        f.miss(Piece::Service, why);
    }
    match service {
        Some(s) => {
            f.service = f.ok_or_read_failed(
                Piece::Service,
                "GetVpcEndpointServiceAttribute",
                s.attribute,
            );
            f.resources = f
                .ok_or_read_failed(
                    Piece::Resources,
                    "ListVpcEndpointServiceResources",
                    s.resources,
                )
                .unwrap_or_default();
            f.users = f
                .ok_or_read_failed(Piece::Users, "ListVpcEndpointServiceUsers", s.users)
                .unwrap_or_default();
            f.connections = f
                .ok_or_read_failed(
                    Piece::Connections,
                    "ListVpcEndpointConnections",
                    s.connections,
                )
                .unwrap_or_default();
        }
        None => {
            for piece in [Piece::Resources, Piece::Users, Piece::Connections] {
                f.miss(piece, "no endpoint service");
            }
        }
    }
    let instances = f
        .ok_or_read_failed(Piece::Instances, "DescribeDBInstances", instances)
        .unwrap_or_default();
    // Level 2: the NLB and its listeners.
    let lb_id = f
        .resources
        .iter()
        .find(|r| r.resource_type.eq_ignore_ascii_case("nlb"))
        .map(|r| r.resource_id.clone());
    let Some(lb_id) = lb_id else {
        // Everything below hangs off the NLB: when the look that should have named it
        // failed, it is unknown, not absent.
        let below: Vec<Piece> = Piece::ALL
            .into_iter()
            .filter(|p| p.hangs_off_nlb())
            .collect();
        f.unknown_after(&below, Piece::Resources);
        f.unknown_after(&below, Piece::Service);
        if f.service.is_some() {
            f.miss(
                Piece::Lb,
                "the endpoint service has no NLB resource attached",
            );
        } else {
            f.miss(Piece::Lb, "no endpoint service to start from");
        }
        return f;
    };
    let nlb = chain::nlb(a, &lb_id).await;
    f.depth = 2;
    f.lb = f.ok_or_read_failed(Piece::Lb, "GetLoadBalancerAttribute", nlb.attribute);
    f.listeners = f
        .ok_or_read_failed(Piece::Listeners, "ListListeners", nlb.listeners)
        .unwrap_or_default();
    f.unknown_after(
        &[Piece::ServerGroups, Piece::Servers, Piece::Health],
        Piece::Listeners,
    );
    f.unknown_after(&[Piece::Vswitches], Piece::Lb);
    // Level 3: server groups, backends, health, vSwitches, and the RDS candidates in the VPC.
    let sg_ids: Vec<String> = {
        let mut v: Vec<String> = f
            .listeners
            .iter()
            .map(|l| l.server_group_id.clone())
            .filter(|s| !s.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let vpc =
        f.lb.as_ref()
            .map(|l| l.load_balancer.vpc_id.clone())
            .unwrap_or_default();
    let tagged_rds = f.lb.as_ref().and_then(|l| {
        l.tags
            .iter()
            .find(|t| t.tag_key == TAG_RDS)
            .map(|t| t.tag_value.clone())
    });
    let candidates: Vec<String> = match &tagged_rds {
        Some(id) => vec![id.clone()],
        // Without the NLB's VPC there is nothing to match (an empty VPC id would match
        // classic-network instances).
        None if vpc.is_empty() => Vec::new(),
        None => instances
            .iter()
            .filter(|i| i.vpc_id == vpc)
            .map(|i| i.db_instance_id.clone())
            .collect(),
    };
    let listener_ids: Vec<String> = f.listeners.iter().map(|l| l.listener_id.clone()).collect();
    let (backends, health, vsw, found_reads) = tokio::join!(
        chain::backends(a, &sg_ids),
        futures_util::future::join_all(
            listener_ids
                .iter()
                .map(|id| a.get_listener_health_status(id))
        ),
        async {
            if vpc.is_empty() {
                Ok(Vec::new())
            } else {
                a.describe_vswitches(&vpc).await
            }
        },
        futures_util::future::join_all(candidates.iter().map(|id| chain::rds(a, id))),
    );
    f.depth = 3;
    f.server_groups = f
        .ok_or_read_failed(Piece::ServerGroups, "ListServerGroups", backends.groups)
        .unwrap_or_default();
    for (_, s) in backends.servers {
        if let Some(mut s) = f.ok_or_read_failed(Piece::Servers, "ListServerGroupServers", s) {
            f.servers.append(&mut s);
        }
    }
    for h in health {
        if let Some(h) = f.ok_or_read_failed(Piece::Health, "GetListenerHealthStatus", h) {
            f.health.extend(h.listener_health_status);
        }
    }
    let vswitches = f.ok_or_read_failed(Piece::Vswitches, "DescribeVSwitches", vsw);
    f.vswitches = vswitches
        .unwrap_or_default()
        .iter()
        .map(vswitch_info)
        .collect();
    let backend_ips: Vec<String> = f.servers.iter().map(|s| s.server_ip.clone()).collect();
    let mut found: Vec<RdsInfo> = Vec::new();
    for read in found_reads {
        match read {
            Ok(rds) => found.push(rds),
            Err((call, e)) => f.read_failed(Piece::Rds, call.action(), &e),
        }
    }
    // The instance behind the chain: tagged, else the one whose private IP is a backend,
    // else (the IP changed) the only MySQL instance in the VPC.
    f.rds = match tagged_rds {
        Some(_) => found.into_iter().next(),
        None => {
            let by_ip = found
                .iter()
                .position(|r| backend_ips.contains(&r.private_ip));
            match by_ip {
                Some(i) => Some(found.swap_remove(i)),
                None if found.len() == 1 => found.pop(),
                None => None,
            }
        }
    };
    if f.rds.is_none() {
        // Found through the backends' IPs among the instances in the VPC: if either could
        // not be read, the instance is unknown rather than absent.
        for because in [
            Piece::Instances,
            Piece::Servers,
            Piece::ServerGroups,
            Piece::Listeners,
            Piece::Lb,
        ] {
            f.unknown_after(&[Piece::Rds], because);
        }
        f.miss(
            Piece::Rds,
            format!(
                "no RDS for MySQL instance in VPC {vpc} has backend IP {}",
                backend_ips.join(", ")
            ),
        );
    }
    f
}

/// The vSwitch CIDRs of the NLB's zone mappings.
pub fn nlb_cidrs(f: &ChainFacts) -> Vec<(String, String)> {
    let Some(lb) = &f.lb else { return Vec::new() };
    lb.load_balancer
        .zone_mappings
        .iter()
        .filter_map(|z| {
            f.vswitches
                .iter()
                .find(|v| v.id == z.vswitch_id)
                .map(|v| (v.id.clone(), v.cidr.clone()))
        })
        .collect()
}

/// Converts PLCs for doctor's entry points.
pub fn plcs(list: &[crate::wire::tidb::PrivateLinkConnection]) -> Vec<PlcInfo> {
    list.iter().map(plc_info).collect()
}
