//! The data plane: a real TCP port on 127.0.0.1 for every Running NLB listener, forwarding
//! each connection the way the chain would carry it.
//!
//! - A backend that is the RDS instance's private address and port reaches the simulated
//!   RDS: the embedded MySQL-protocol server ([`crate::wire::mysql::serve`]) with the
//!   instance's account, or a real server given by `--rds-upstream HOST:PORT`.
//! - When the RDS allowlist does not admit the NLB's local addresses (they come from the
//!   NLB's vSwitch CIDRs), the packets are dropped the way RDS drops them: the connection
//!   opens at the NLB and then nothing answers until the client gives up.
//! - A backend that is not the RDS address is refused (the connection closes at once), and a
//!   listener that stops closes its port.
//!
//! The same decision, [`backend_path`], is what `GetListenerHealthStatus` reports, and the
//! upstream's reachability is a real TCP check, so the control plane tells the truth about
//! the data path.

use super::net;
use super::server::Shared;
use super::world::{Backend, LoadBalancer, ServerGroup, World};
use crate::wire::mysql::{self, Account};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Where a connection to one backend goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Path {
    /// To the RDS instance (index into `World::rds`), from this NLB local address.
    Rds {
        /// Index of the instance.
        rds: usize,
        /// The NLB local address RDS sees.
        from: String,
    },
    /// Dropped by the RDS allowlist: silence.
    Dropped,
    /// Nothing listens there: the connection is refused.
    Refused,
}

/// Where the NLB sends traffic for backend `b` of `sg`: the RDS instance when `b` is its
/// private IP:port in the group's VPC and it is Running, dropped when its allowlist does not
/// cover every vSwitch CIDR of the NLB (NLB local IPs come from them), else refused.
pub fn backend_path(w: &World, lb: Option<&LoadBalancer>, sg: &ServerGroup, b: &Backend) -> Path {
    let Some(i) = w
        .rds
        .iter()
        .position(|r| r.private_ip == b.server_ip && r.vpc_id == sg.vpc_id && r.port == b.port)
    else {
        return Path::Refused;
    };
    let r = &w.rds[i];
    if r.status != "Running" {
        return Path::Refused;
    }
    let cidrs: Vec<(u32, u8)> = lb
        .map(|b| {
            b.zones
                .iter()
                .filter_map(|z| w.vswitches.iter().find(|v| v.id == z.vswitch_id))
                .filter_map(|v| net::parse_cidr(&v.cidr))
                .collect()
        })
        .unwrap_or_default();
    let allow: Vec<(u32, u8)> = r
        .groups
        .iter()
        .flat_map(|g| g.ips.iter())
        .filter_map(|ip| net::parse_cidr(ip))
        .collect();
    let covered = cidrs
        .iter()
        .all(|c| allow.iter().any(|a| net::covers(*a, *c)));
    if !covered {
        return Path::Dropped;
    }
    let from = lb
        .and_then(|b| b.zones.iter().find_map(|z| z.locals.first().cloned()))
        .unwrap_or_else(|| "100.64.0.1".into());
    Path::Rds { rds: i, from }
}

/// The path of a new connection through listener `id` now: through its first Available
/// backend (`None` when the listener is not Running or has no backend).
pub fn connection_path(w: &World, listener_id: &str) -> Option<Path> {
    let now = w.clock.now();
    let l = w.listeners.iter().find(|l| l.id == listener_id)?;
    if l.status(now) != "Running" {
        return None;
    }
    let sg = w.server_groups.iter().find(|s| s.id == l.sg_id)?;
    let lb = w.load_balancers.iter().find(|b| b.id == l.lb_id);
    let b = sg.servers.iter().find(|b| b.status(now) == "Available")?;
    Some(backend_path(w, lb, sg, b))
}

/// The data-plane address of the listener on `port` of the NLB named `host` (its DNS
/// name), while it runs.
pub fn address_for(shared: &Shared, host: &str, port: u16) -> Option<SocketAddr> {
    let g = shared.lock();
    let w = &g.world;
    let lb = w
        .load_balancers
        .iter()
        .find(|b| host.eq_ignore_ascii_case(&dns_name(b)))?;
    let l = w
        .listeners
        .iter()
        .find(|l| l.lb_id == lb.id && l.port == port)?;
    w.data_plane.get(&l.id)?.parse().ok()
}

/// The DNS name the simulator gives an NLB (as `GetLoadBalancerAttribute` reports it).
pub fn dns_name(b: &LoadBalancer) -> String {
    format!("{}.{}.nlb.aliyuncsslb.com", b.id, b.region)
}

/// What stands behind the simulated RDS instances.
#[derive(Debug, Clone)]
pub enum RdsBackend {
    /// The embedded MySQL-protocol server, with the instance's account.
    Embedded(Account),
    /// A real MySQL server: bytes are relayed to it unchanged.
    Upstream(SocketAddr),
}

/// Keeps one port per Running listener, a relay per connection, and the upstream's health.
/// `announce` prints each port as it opens (for `tilink sim`).
pub fn spawn(shared: Arc<Shared>, backend: RdsBackend, announce: bool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ports: BTreeMap<String, JoinHandle<()>> = BTreeMap::new();
        let mut last_check = tokio::time::Instant::now() - Duration::from_secs(10);
        let mut conn_id = 0u32;
        loop {
            // Which listeners run now, under the lock; sockets are opened outside it.
            let running: Vec<(String, String, u16)> = {
                let mut g = shared.lock();
                let now = g.world.clock.now();
                g.world.tick(now);
                let w = &g.world;
                w.listeners
                    .iter()
                    .filter(|l| l.status(now) == "Running")
                    .map(|l| {
                        let dns = w
                            .load_balancers
                            .iter()
                            .find(|b| b.id == l.lb_id)
                            .map(dns_name)
                            .unwrap_or_default();
                        (l.id.clone(), dns, l.port)
                    })
                    .collect()
            };
            ports.retain(|id, task| {
                let keep = running.iter().any(|(r, _, _)| r == id);
                if !keep {
                    task.abort();
                    shared.lock().world.data_plane.remove(id);
                }
                keep
            });
            for (id, dns, port) in running {
                if ports.contains_key(&id) {
                    continue;
                }
                let Ok(l) = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await else {
                    continue;
                };
                let Ok(addr) = l.local_addr() else { continue };
                if announce {
                    eprintln!(
                        "data plane: listener {id} ({dns}:{port}) answers on {addr}; probe it with --resolve {dns}:{port}:{}",
                        addr
                    );
                }
                shared
                    .lock()
                    .world
                    .data_plane
                    .insert(id.clone(), addr.to_string());
                let (sh, be, lid) = (shared.clone(), backend.clone(), id.clone());
                let base = conn_id;
                conn_id = conn_id.wrapping_add(10_000);
                ports.insert(id, tokio::spawn(accept(l, sh, be, lid, base)));
            }
            // A real TCP check of the upstream, as the NLB health check would make.
            if let RdsBackend::Upstream(up) = &backend
                && last_check.elapsed() >= Duration::from_secs(1)
            {
                last_check = tokio::time::Instant::now();
                let ok = matches!(
                    tokio::time::timeout(
                        Duration::from_secs(2),
                        tokio::net::TcpStream::connect(up)
                    )
                    .await,
                    Ok(Ok(_))
                );
                shared.lock().world.rds_up = ok;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
}

async fn accept(
    l: tokio::net::TcpListener,
    shared: Arc<Shared>,
    backend: RdsBackend,
    listener_id: String,
    mut conn_id: u32,
) {
    while let Ok((mut client, _)) = l.accept().await {
        let _ = client.set_nodelay(true);
        conn_id = conn_id.wrapping_add(1);
        let path = {
            let mut g = shared.lock();
            let now = g.world.clock.now();
            g.world.tick(now);
            connection_path(&g.world, &listener_id)
        };
        let backend = backend.clone();
        tokio::spawn(async move {
            match path {
                Some(Path::Rds { from, .. }) => match backend {
                    RdsBackend::Embedded(account) => {
                        let _ = mysql::serve(client, &account, conn_id, &from).await;
                    }
                    RdsBackend::Upstream(up) => {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(up).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    }
                },
                Some(Path::Dropped) => {
                    // Silence: read and discard until the client gives up.
                    let mut sink = tokio::io::sink();
                    let _ = tokio::io::copy(&mut client, &mut sink).await;
                }
                Some(Path::Refused) | None => drop(client),
            }
        });
    }
}
