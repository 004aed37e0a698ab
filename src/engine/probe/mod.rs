//! The data path, proven: a MySQL connection through the NLB's DNS name and listener port,
//! with the server's greeting, the login and one `SELECT 1`, turned into doctor's
//! `data-path` check.
//!
//! The NLB is internal: from outside its VPC the name resolves to private addresses nothing
//! can reach. tilink tells that apart from a broken chain (private addresses, connect
//! timeout, no override) and says where to run the probe instead; it never calls an
//! unreachable NLB broken. `--resolve HOST:PORT:ADDR` (curl's meaning) reaches it another
//! way: an SSH tunnel, or the simulator's data plane.

use crate::engine::check::{Check, CheckId, Status};
use crate::secret::Secret;
use crate::wire::mysql::{self, Timeouts};

mod verdict;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
pub use verdict::check;

/// Maps a host and port to the address to connect to instead of resolving it.
pub type ResolveFn = Arc<dyn Fn(&str, u16) -> Option<SocketAddr> + Send + Sync>;

/// How to reach the NLB: fixed overrides (`--resolve`) and, for the sandbox, a function.
#[derive(Clone, Default)]
pub struct Resolver {
    /// `HOST:PORT:ADDR` overrides.
    pub fixed: Vec<(String, u16, SocketAddr)>,
    /// Asked after the overrides.
    pub dynamic: Option<ResolveFn>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("fixed", &self.fixed)
            .field("dynamic", &self.dynamic.is_some())
            .finish()
    }
}

impl Resolver {
    fn lookup(&self, host: &str, port: u16) -> Option<SocketAddr> {
        self.fixed
            .iter()
            .find(|(h, p, _)| h.eq_ignore_ascii_case(host) && *p == port)
            .map(|(_, _, a)| *a)
            .or_else(|| self.dynamic.as_ref().and_then(|f| f(host, port)))
    }
}

/// A `--resolve` value that is not `HOST:PORT:ADDRESS:PORT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--resolve {given:?}: expected HOST:PORT:ADDRESS:PORT, e.g. nlb-….nlb.aliyuncsslb.com:3306:127.0.0.1:13306"
)]
pub struct BadResolve {
    /// What was given.
    pub given: String,
}

/// Parses `HOST:PORT:ADDR` (ADDR is `IP:PORT`, IPv6 in brackets), as curl's `--resolve`
/// but with the port to connect to.
pub fn parse_resolve(s: &str) -> Result<(String, u16, SocketAddr), BadResolve> {
    let bad = || BadResolve {
        given: s.to_string(),
    };
    let (host, rest) = s.split_once(':').ok_or_else(bad)?;
    let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let addr: SocketAddr = addr.parse().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port, addr))
}

/// Why the NLB's name gave no address to connect to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    /// DNS answered with no address.
    #[error("{host} resolves to no address")]
    NoAddress {
        /// The name.
        host: String,
    },
    /// DNS refused or failed.
    #[error("cannot resolve {host}: {error}")]
    Lookup {
        /// The name.
        host: String,
        /// What the resolver said.
        error: String,
    },
    /// No DNS answer in time.
    #[error("no DNS answer for {host} within 3 s")]
    Timeout {
        /// The name.
        host: String,
    },
}

/// Who to log in as.
#[derive(Clone, Debug)]
pub struct ProbeSetup {
    /// MySQL user.
    pub user: String,
    /// Its password (never printed).
    pub password: Secret,
    /// How to reach the NLB.
    pub resolver: Resolver,
    /// Connect and read timeouts.
    pub connect: Duration,
    /// Read timeout (silence longer than this is an answer).
    pub read: Duration,
}

impl ProbeSetup {
    /// A probe as `user` with the default timeouts (3 s connect, 5 s read).
    pub fn new(user: impl Into<String>, password: Secret, resolver: Resolver) -> Self {
        ProbeSetup {
            user: user.into(),
            password,
            resolver,
            connect: Duration::from_secs(3),
            read: Duration::from_secs(5),
        }
    }
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPath {
    /// `dns:port` probed.
    pub target: String,
    /// Where the connection went (after resolution), or why there was nowhere to go.
    pub address: Result<SocketAddr, Unresolved>,
    /// The address came from an override, not DNS.
    pub overridden: bool,
    /// Every address DNS gave.
    pub resolved: Vec<IpAddr>,
    /// `--resolve` entries that did not match the target (`host:port`), to say so.
    pub unmatched: Vec<String>,
    /// The protocol steps.
    pub probe: Option<mysql::Probe>,
}

pub(super) fn private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            v.is_private()
                || v.is_loopback()
                || (v.octets()[0] == 100 && (64..128).contains(&v.octets()[1]))
        }
        IpAddr::V6(v) => (v.segments()[0] & 0xfe00) == 0xfc00 || v.is_loopback(),
    }
}

/// Probes `host:port` as `s` says.
pub async fn probe(host: &str, port: u16, s: &ProbeSetup) -> DataPath {
    let target = format!("{host}:{port}");
    let mut out = DataPath {
        target: target.clone(),
        address: Err(Unresolved::NoAddress {
            host: host.to_string(),
        }),
        overridden: false,
        resolved: Vec::new(),
        unmatched: Vec::new(),
        probe: None,
    };
    out.address = match s.resolver.lookup(host, port) {
        Some(a) => {
            out.overridden = true;
            Ok(a)
        }
        None => resolve(host, port, &target, &mut out.resolved).await,
    };
    let Ok(addr) = out.address else {
        return out;
    };
    let t = Timeouts {
        connect: s.connect,
        read: s.read,
    };
    out.probe = Some(mysql::probe(addr, &s.user, s.password.expose().as_bytes(), t).await);
    out
}

/// Looks `target` up in DNS (3 s at most), recording every address in `resolved`; the
/// first IPv4 address is the one to connect to.
async fn resolve(
    host: &str,
    port: u16,
    target: &str,
    resolved: &mut Vec<IpAddr>,
) -> Result<SocketAddr, Unresolved> {
    let host = host.to_string();
    match tokio::time::timeout(Duration::from_secs(3), tokio::net::lookup_host(target)).await {
        Ok(Ok(it)) => {
            let all: Vec<SocketAddr> = it.collect();
            *resolved = all.iter().map(SocketAddr::ip).collect();
            all.into_iter()
                .find(SocketAddr::is_ipv4)
                .or(resolved.first().map(|ip| SocketAddr::new(*ip, port)))
                .ok_or(Unresolved::NoAddress { host })
        }
        Ok(Err(e)) => Err(Unresolved::Lookup {
            host,
            error: e.to_string(),
        }),
        Err(_) => Err(Unresolved::Timeout { host }),
    }
}

/// The data-path check of a chain from its ids: the NLB's DNS name and the listener's port
/// as the cloud reports them, then a MySQL login through them.
pub async fn chain_check(
    c: &crate::engine::discover::Clients,
    s: &ProbeSetup,
    load_balancer_id: &str,
    listener_id: &str,
    cluster: &str,
) -> Result<Check, crate::engine::Error> {
    let attr = c
        .aliyun
        .get_load_balancer_attribute(load_balancer_id)
        .await?;
    let l = c.aliyun.get_listener_attribute(listener_id).await?;
    let dp = probe(&attr.load_balancer.dns_name, l.listener_port, s).await;
    Ok(check(
        &dp,
        &s.user,
        &attr.load_balancer.vpc_id,
        Some(cluster),
        &Links::default(),
    ))
}

pub(super) fn ms(d: &Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The command to run on a host inside the VPC, where the internal NLB is reachable.
pub fn inside_command(host: &str, port: u16, user: &str, cluster: Option<&str>) -> String {
    let doctor = match cluster {
        Some(c) => format!("tilink doctor --probe --cluster-id {c} --mysql-user {user}"),
        None => format!("tilink doctor --probe --mysql-user {user}"),
    };
    format!("{doctor}   (or: mysql -h {host} -P {port} -u {user} -p -e 'SELECT 1')")
}

/// What the control-plane checks said, for naming the link a data-path failure comes from
/// (never a link whose own check passed).
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// Check id → whether it failed; absent: not looked at.
    pub seen: std::collections::BTreeMap<CheckId, bool>,
}

impl Links {
    /// From doctor's checks.
    pub fn from_checks(checks: &[Check]) -> Links {
        Links {
            seen: checks
                .iter()
                .filter(|c| matches!(c.status, Status::Pass | Status::Warn | Status::Fail))
                .map(|c| (c.id, c.status == Status::Fail))
                .collect(),
        }
    }
    fn fails(&self, id: CheckId) -> bool {
        self.seen.get(&id).copied().unwrap_or(false)
    }
    fn known(&self, id: CheckId) -> bool {
        self.seen.contains_key(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mysql::{ConnectFailure, GreetingFailure};

    #[test]
    fn resolve_overrides_parse_like_curls() {
        let (h, p, a) =
            parse_resolve("nlb-x.ap-southeast-1.nlb.aliyuncsslb.com:3306:127.0.0.1:40123").unwrap();
        assert_eq!(
            (h.as_str(), p, a.port()),
            ("nlb-x.ap-southeast-1.nlb.aliyuncsslb.com", 3306, 40123)
        );
        assert!(parse_resolve("host:3306:[::1]:3306").is_ok());
        for bad in [
            "",
            "host",
            "host:x:1.2.3.4:1",
            "host:3306:nowhere",
            ":3306:1.2.3.4:1",
        ] {
            assert!(parse_resolve(bad).is_err(), "{bad}");
        }
    }

    fn failed_at(stage: &str, overridden: bool) -> DataPath {
        let (greeting, connect) = match stage {
            "silence" => (
                Some(Err(GreetingFailure::Silence)),
                Ok(Duration::from_millis(1)),
            ),
            "closed" => (
                Some(Err(GreetingFailure::Closed)),
                Ok(Duration::from_millis(1)),
            ),
            _ => (None, Err(ConnectFailure::Refused)),
        };
        DataPath {
            target: "nlb-x.ap-southeast-1.nlb.aliyuncsslb.com:3306".into(),
            address: Ok("127.0.0.1:40000".parse().unwrap()),
            overridden,
            resolved: vec![],
            unmatched: vec![],
            probe: Some(mysql::Probe {
                connect,
                greeting,
                auth: None,
                select1: None,
            }),
        }
    }

    fn links(pairs: &[(CheckId, bool)]) -> Links {
        Links {
            seen: pairs.iter().copied().collect(),
        }
    }

    #[test]
    fn a_failure_names_a_link_only_when_that_links_check_failed() {
        let healthy = links(&[
            (CheckId::RdsAllowlist, false),
            (CheckId::BackendIp, false),
            (CheckId::Listener, false),
            (CheckId::RdsStatus, false),
        ]);
        for (stage, link) in [
            ("silence", CheckId::RdsAllowlist),
            ("closed", CheckId::BackendIp),
            ("refused", CheckId::Listener),
        ] {
            let names_link = |c: &Check| c.detail.contains(&format!("({link})"));
            // The control plane agrees: the link is named.
            let broken = links(&[(link, true)]);
            let c = check(&failed_at(stage, true), "u", "vpc-1", None, &broken);
            assert_eq!(c.status, Status::Fail, "{stage}");
            assert!(names_link(&c), "{stage}: {}", c.detail);
            // The control plane says the link is fine and the address came from --resolve:
            // tilink could not look, and blames nothing.
            let c = check(&failed_at(stage, true), "u", "vpc-1", None, &healthy);
            assert_eq!(c.status, Status::Unknown, "{stage}: {c:?}");
            assert!(!names_link(&c), "{stage}: {}", c.detail);
            assert!(c.fix.unwrap_or_default().contains("--resolve"));
            // Reached through DNS: broken, but not pinned on the passing link.
            let c = check(&failed_at(stage, false), "u", "vpc-1", None, &healthy);
            assert_eq!(c.status, Status::Fail, "{stage}");
            assert!(!names_link(&c), "{stage}: {}", c.detail);
        }
        // A stopped instance is named as such, with its own fix.
        let c = check(
            &failed_at("closed", true),
            "u",
            "vpc-1",
            None,
            &links(&[(CheckId::RdsStatus, true), (CheckId::BackendIp, false)]),
        );
        assert!(
            c.detail.contains("(rds-status)")
                && c.fix.unwrap_or_default().contains("Start the RDS instance")
        );
    }

    #[test]
    fn an_unreachable_internal_nlb_is_unknown_never_broken() {
        let dp = DataPath {
            target: "nlb-x.ap-southeast-1.nlb.aliyuncsslb.com:3306".into(),
            address: Ok("172.16.1.20:3306".parse().unwrap()),
            overridden: false,
            resolved: vec![
                "172.16.1.20".parse().unwrap(),
                "172.16.2.20".parse().unwrap(),
            ],
            unmatched: vec![],
            probe: Some(mysql::Probe {
                connect: Err(ConnectFailure::Timeout),
                greeting: None,
                auth: None,
                select1: None,
            }),
        };
        let c = check(
            &dp,
            "dba",
            "vpc-t4n1",
            Some("1034567890123456789"),
            &Links::default(),
        );
        assert_eq!(c.status, Status::Unknown, "{c:?}");
        assert!(c.title.contains("outside the NLB's VPC"));
        let fix = c.fix.unwrap_or_default();
        assert!(
            fix.contains("vpc-t4n1")
                && fix.contains("tilink doctor --probe --cluster-id 1034567890123456789"),
            "{fix}"
        );
        assert!(
            fix.contains("mysql -h nlb-x.ap-southeast-1.nlb.aliyuncsslb.com -P 3306 -u dba -p"),
            "{fix}"
        );
        // A name that does not resolve here is unknown too.
        let dp = DataPath {
            address: Err(Unresolved::Lookup {
                host: "nlb-x".into(),
                error: "not found".into(),
            }),
            resolved: vec![],
            probe: None,
            ..dp
        };
        assert_eq!(
            check(&dp, "dba", "vpc-t4n1", None, &Links::default()).status,
            Status::Unknown
        );
    }
}
