//! The data plane: a real TCP port on 127.0.0.1 for every Running NLB listener, forwarding
//! each connection the way the chain would carry it.
//!
//! - A backend that is the RDS instance's private address and port reaches the simulated
//!   RDS: the embedded MySQL-protocol server ([`super::mysql_server::serve`]) with the
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

use super::mysql_server::{self, Account};
use super::net;
use super::server::Shared;
use super::world::{Backend, LoadBalancer, ServerGroup, World};
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

/// Whether RDS instance `r`'s allowlist admits address `ip` (an entry that is the address or
/// a CIDR holding it).
fn admits(r: &super::world::Rds, ip: &str) -> bool {
    let Some(ip) = net::parse_ip(ip) else {
        return false;
    };
    r.groups
        .iter()
        .flat_map(|g| g.ips.iter())
        .filter_map(|e| net::parse_cidr(e))
        .any(|a| net::covers(a, (ip, 32)))
}

/// Where the NLB sends traffic for backend `b` of `sg`, from NLB local address `from` (a
/// connection comes from one zone's local address; a health check from every zone's): the
/// RDS instance when `b` is its private IP:port in the group's VPC, it is Running and its
/// allowlist admits the address; dropped when the allowlist does not; else refused.
pub fn backend_path_from(w: &World, sg: &ServerGroup, b: &Backend, from: &[String]) -> Path {
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
    if from.is_empty() || !from.iter().all(|ip| admits(r, ip)) {
        return Path::Dropped;
    }
    Path::Rds {
        rds: i,
        from: from[0].clone(),
    }
}

/// The NLB's local addresses, one per zone (where its connections to backends come from).
fn locals(lb: Option<&LoadBalancer>) -> Vec<String> {
    lb.map(|b| {
        b.zones
            .iter()
            .filter_map(|z| z.locals.first().cloned())
            .collect()
    })
    .unwrap_or_default()
}

/// The path health checks see: from every zone's local address.
pub fn backend_path(w: &World, lb: Option<&LoadBalancer>, sg: &ServerGroup, b: &Backend) -> Path {
    backend_path_from(w, sg, b, &locals(lb))
}

/// The path of connection number `n` through listener `id` now: through its first Available
/// backend, from one zone's local address (zones take turns, so an allowlist that admits
/// some zones fails some connections). `None` when the listener is not Running or has no
/// backend.
pub fn connection_path(w: &World, listener_id: &str, n: u32) -> Option<Path> {
    let now = w.clock.now();
    let l = w.listeners.iter().find(|l| l.id == listener_id)?;
    if !serving(l.status(now)) {
        return None;
    }
    let sg = w.server_groups.iter().find(|s| s.id == l.sg_id)?;
    let lb = w.load_balancers.iter().find(|b| b.id == l.lb_id);
    let b = sg.servers.iter().find(|b| b.status(now) == "Available")?;
    let all = locals(lb);
    let one: Vec<String> = all
        .get(n as usize % all.len().max(1))
        .cloned()
        .into_iter()
        .collect();
    Some(backend_path_from(w, sg, b, &one))
}

/// A listener forwards while Running, and while being configured (a change to a serving
/// listener does not stop it).
fn serving(status: &str) -> bool {
    matches!(status, "Running" | "Configuring")
}

/// What a listener's established sessions depend on: when it changes (RDS stops, the backend
/// moves, the allowlist drops the NLB), they are cut, as the real path would cut them.
fn path_kind(w: &World, listener_id: &str) -> Option<std::mem::Discriminant<Path>> {
    let now = w.clock.now();
    let l = w.listeners.iter().find(|l| l.id == listener_id)?;
    let sg = w.server_groups.iter().find(|s| s.id == l.sg_id)?;
    let lb = w.load_balancers.iter().find(|b| b.id == l.lb_id);
    let b = sg.servers.iter().find(|b| b.status(now) == "Available")?;
    Some(std::mem::discriminant(&backend_path(w, lb, sg, b)))
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

/// Keeps one port per Running listener (the same port again after a stop and start, as
/// an NLB keeps its address), a relay per connection, and the upstream's health. Sessions
/// end when their listener stops or their path changes. `announce` prints each port as it
/// opens (for `tilink sim`).
pub fn spawn(shared: Arc<Shared>, backend: RdsBackend, announce: bool) -> JoinHandle<()> {
    struct Port {
        task: JoinHandle<()>,
        kind: Option<std::mem::Discriminant<Path>>,
    }
    tokio::spawn(async move {
        let mut ports: BTreeMap<String, Port> = BTreeMap::new();
        let mut remembered: BTreeMap<String, u16> = BTreeMap::new();
        let mut last_check: Option<tokio::time::Instant> = None;
        let mut conn_base = 0u32;
        loop {
            // Which listeners run now and what their sessions depend on, under the lock;
            // sockets are opened outside it.
            let running: Vec<(String, String, u16, Option<std::mem::Discriminant<Path>>)> = {
                let mut g = shared.lock();
                let now = g.world.clock.now();
                g.world.tick(now);
                let w = &g.world;
                w.listeners
                    .iter()
                    .filter(|l| serving(l.status(now)))
                    .map(|l| {
                        let dns = w
                            .load_balancers
                            .iter()
                            .find(|b| b.id == l.lb_id)
                            .map(dns_name)
                            .unwrap_or_default();
                        (l.id.clone(), dns, l.port, path_kind(w, &l.id))
                    })
                    .collect()
            };
            // A listener that stopped, or whose backend no longer answers (the instance
            // stopped, the backend moved), closes its port and its sessions with it, as the
            // real path would cut them. (An allowlist change only affects new connections.)
            let refused = Some(std::mem::discriminant(&Path::Refused));
            let gone: Vec<String> = ports
                .iter()
                .filter(|(id, p)| {
                    !running.iter().any(|(r, _, _, kind)| {
                        r == *id && (*kind == p.kind || *kind != refused && kind.is_some())
                    })
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in gone {
                if let Some(p) = ports.remove(&id) {
                    p.task.abort();
                    // Wait for the port to be released, so it can be taken again.
                    let _ = p.task.await;
                    shared.lock().world.data_plane.remove(&id);
                }
            }
            for (id, _, _, kind) in &running {
                if let Some(p) = ports.get_mut(id) {
                    p.kind = *kind;
                }
            }
            for (id, dns, port, kind) in running {
                if ports.contains_key(&id) {
                    continue;
                }
                let again = remembered.get(&id).copied().unwrap_or(0);
                let l = match tokio::net::TcpListener::bind(("127.0.0.1", again)).await {
                    Ok(l) => l,
                    Err(_) => match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
                        Ok(l) => l,
                        Err(_) => continue,
                    },
                };
                let Ok(addr) = l.local_addr() else { continue };
                if announce && remembered.get(&id) != Some(&addr.port()) {
                    eprintln!(
                        "data plane: listener {id} ({dns}:{port}) answers on {addr}; probe it with --resolve {dns}:{port}:{addr}"
                    );
                }
                remembered.insert(id.clone(), addr.port());
                shared
                    .lock()
                    .world
                    .data_plane
                    .insert(id.clone(), addr.to_string());
                let (sh, be, lid) = (shared.clone(), backend.clone(), id.clone());
                conn_base = conn_base.wrapping_add(10_000);
                let task = tokio::spawn(accept(l, sh, be, lid, conn_base));
                ports.insert(id, Port { task, kind });
            }
            // A real TCP check of the upstream, as the NLB's health check makes it (every
            // 5 s; each shows in the server's log as a connection closed before the login,
            // as real NLB health checks do).
            if let RdsBackend::Upstream(up) = &backend
                && last_check.is_none_or(|t| t.elapsed() >= Duration::from_secs(5))
            {
                last_check = Some(tokio::time::Instant::now());
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
    // The sessions live in this set: when the port closes (this task is aborted), they end.
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        let (mut client, _) = tokio::select! {
            r = l.accept() => match r {
                Ok(x) => x,
                Err(_) => return,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => continue,
        };
        let _ = client.set_nodelay(true);
        conn_id = conn_id.wrapping_add(1);
        let path = {
            let mut g = shared.lock();
            let now = g.world.clock.now();
            g.world.tick(now);
            connection_path(&g.world, &listener_id, conn_id)
        };
        let backend = backend.clone();
        sessions.spawn(async move {
            match path {
                Some(Path::Rds { from, .. }) => match backend {
                    RdsBackend::Embedded(account) => {
                        let _ = mysql_server::serve(client, &account, conn_id, &from).await;
                    }
                    RdsBackend::Upstream(up) => {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(up).await {
                            let _ = server.set_nodelay(true);
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
