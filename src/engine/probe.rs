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
use crate::wire::mysql::{self, AuthFailure, ConnectFailure, GreetingFailure, Timeouts};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

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

/// Parses `HOST:PORT:ADDR` (ADDR is `IP:PORT`, IPv6 in brackets), as curl's `--resolve`
/// but with the port to connect to.
pub fn parse_resolve(s: &str) -> Result<(String, u16, SocketAddr), String> {
    let bad = || {
        format!(
            "--resolve {s:?}: expected HOST:PORT:ADDRESS:PORT, e.g. nlb-….nlb.aliyuncsslb.com:3306:127.0.0.1:13306"
        )
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
    pub address: Result<SocketAddr, String>,
    /// The address came from an override, not DNS.
    pub overridden: bool,
    /// Every address DNS gave.
    pub resolved: Vec<IpAddr>,
    /// `--resolve` entries that did not match the target (`host:port`), to say so.
    pub unmatched: Vec<String>,
    /// The protocol steps.
    pub probe: Option<mysql::Probe>,
}

fn private(ip: &IpAddr) -> bool {
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
        address: Err(String::new()),
        overridden: false,
        resolved: Vec::new(),
        unmatched: Vec::new(),
        probe: None,
    };
    let addr = match s.resolver.lookup(host, port) {
        Some(a) => {
            out.overridden = true;
            a
        }
        None => {
            match tokio::time::timeout(Duration::from_secs(3), tokio::net::lookup_host(&target))
                .await
            {
                Ok(Ok(it)) => {
                    let all: Vec<SocketAddr> = it.collect();
                    out.resolved = all.iter().map(SocketAddr::ip).collect();
                    match all
                        .into_iter()
                        .find(SocketAddr::is_ipv4)
                        .or(out.resolved.first().map(|ip| SocketAddr::new(*ip, port)))
                    {
                        Some(a) => a,
                        None => {
                            out.address = Err(format!("{host} resolves to no address"));
                            return out;
                        }
                    }
                }
                Ok(Err(e)) => {
                    out.address = Err(format!("cannot resolve {host}: {e}"));
                    return out;
                }
                Err(_) => {
                    out.address = Err(format!("no DNS answer for {host} within 3 s"));
                    return out;
                }
            }
        }
    };
    out.address = Ok(addr);
    let t = Timeouts {
        connect: s.connect,
        read: s.read,
    };
    out.probe = Some(mysql::probe(addr, &s.user, s.password.expose().as_bytes(), t).await);
    out
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

fn ms(d: &Duration) -> String {
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

/// Doctor's `data-path` check from a probe: pass with what answered; fail naming the link
/// that explains the failure; unknown when this host cannot reach the internal NLB.
pub fn check(dp: &DataPath, user: &str, vpc: &str, cluster: Option<&str>, links: &Links) -> Check {
    const ID: CheckId = CheckId::DataPath;
    let (host, port) = dp
        .target
        .rsplit_once(':')
        .map(|(h, p)| (h.to_string(), p.parse().unwrap_or(3306)))
        .unwrap_or((dp.target.clone(), 3306));
    let run_inside = inside_command(&host, port, user, cluster);
    let where_ = match &dp.address {
        Ok(a) if dp.overridden => format!("{} (via {a})", dp.target),
        Ok(a) => format!("{} ({})", dp.target, a.ip()),
        Err(_) => dp.target.clone(),
    };
    // The control plane says the link is fine but the address came from --resolve: the
    // probe may not have reached the NLB at all, so it could not look.
    let via_resolve = |what: &str, seen: String, ev: serde_json::Value| {
        Check::new(
            ID,
            Status::Unknown,
            format!("could not look: {what}"),
            format!("{seen}: the --resolve address (a tunnel?) may not lead to the NLB."),
        )
        .evidence(ev)
        .fix(format!(
            "Check the tunnel or the --resolve mapping, or run on a host in VPC {vpc}: {run_inside}"
        ))
    };
    let Some(p) = &dp.probe else {
        let mut why = dp.address.as_ref().err().cloned().unwrap_or_default();
        if !dp.unmatched.is_empty() {
            why = format!(
                "{why} (--resolve was given for {}, not for {})",
                dp.unmatched.join(", "),
                dp.target
            );
        }
        return Check::new(
            ID,
            Status::Unknown,
            "could not look: the NLB's name does not resolve here",
            format!(
                "{why}. The NLB is internal: its name resolves only where its VPC's DNS answers."
            ),
        )
        .evidence(json!({"target": dp.target, "error": why}))
        .fix(format!(
            "Run the probe on a host in VPC {vpc}: {run_inside}"
        ));
    };
    let connect = match &p.connect {
        Ok(d) => *d,
        Err(ConnectFailure::Timeout) => {
            let outside =
                !dp.overridden && !dp.resolved.is_empty() && dp.resolved.iter().all(private);
            if outside {
                return Check::new(
                    ID,
                    Status::Unknown,
                    "could not look: this host is outside the NLB's VPC",
                    format!(
                        "{} resolves to private addresses ({}) that this host cannot reach within {} s: the NLB is internal, so this says nothing about the chain.",
                        dp.target,
                        dp.resolved.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "),
                        3
                    ),
                )
                .evidence(json!({"target": dp.target, "resolved": dp.resolved, "connect": "timeout"}))
                .fix(format!("Run the probe on a host in VPC {vpc}: {run_inside}"));
            }
            return Check::new(
                ID,
                Status::Unknown,
                "could not look: no answer to the TCP connection",
                format!("{where_} did not answer the TCP connection within 3 s."),
            )
            .evidence(json!({"target": dp.target, "connect": "timeout"}))
            .fix(format!("Check that this host can reach {where_}, or run on a host in VPC {vpc}: {run_inside}"));
        }
        Err(ConnectFailure::Refused) => {
            let ev = json!({"target": dp.target, "connect": "refused"});
            if links.fails(CheckId::Listener) || !dp.overridden && !links.known(CheckId::Listener) {
                return Check::new(
                    ID,
                    Status::Fail,
                    "Nothing accepts MySQL connections on the NLB's port",
                    format!("{where_} refused the TCP connection: the NLB has no running listener on port {port} (listener)."),
                )
                .evidence(ev)
                .fix("Start or recreate the TCP listener on the NLB (see the listener check), then probe again.");
            }
            if dp.overridden {
                return via_resolve(
                    "nothing listens at the address --resolve gave",
                    format!("{where_} refused the TCP connection, but the listener is Running"),
                    ev,
                );
            }
            return Check::new(
                ID,
                Status::Fail,
                "The NLB refuses connections although its listener is Running",
                format!("{where_} refused the TCP connection while the listener check passes: the address DNS gave may not be this NLB's."),
            )
            .evidence(ev)
            .fix("Compare the NLB's DNS name and zone addresses with what this host resolves, then probe again.");
        }
        Err(ConnectFailure::Other(e)) => {
            return Check::new(
                ID,
                Status::Unknown,
                "could not look: the TCP connection failed",
                format!("connecting to {where_} failed: {e}"),
            )
            .evidence(json!({"target": dp.target, "connect": e}))
            .fix(format!("Run on a host in VPC {vpc}: {run_inside}"));
        }
    };
    let greeting = match &p.greeting {
        Some(Ok(g)) => g.clone(),
        Some(Err(GreetingFailure::Silence)) => {
            let ev = json!({"target": dp.target, "connect_ms": connect.as_millis() as u64, "greeting": "none (silence)"});
            let accepted = format!(
                "{where_} accepted the connection in {} and then stayed silent for {} s",
                ms(&connect),
                5
            );
            if links.fails(CheckId::RdsAllowlist) || !links.known(CheckId::RdsAllowlist) {
                return Check::new(
                    ID,
                    Status::Fail,
                    "The NLB accepts, but MySQL never answers",
                    format!("{accepted}: RDS drops packets from addresses its IP allowlist does not admit, and the NLB's local addresses come from its vSwitch CIDRs (rds-allowlist)."),
                )
                .evidence(ev)
                .fix("Add the NLB's vSwitch CIDRs to the RDS IP allowlist (see the rds-allowlist check; `tilink doctor --fix` does it), then probe again.");
            }
            if dp.overridden {
                return via_resolve(
                    "the address --resolve gave answers nothing",
                    format!("{accepted}, while the RDS allowlist admits the NLB"),
                    ev,
                );
            }
            return Check::new(
                ID,
                Status::Fail,
                "The NLB accepts, but MySQL never answers",
                format!("{accepted}, although the RDS allowlist admits the NLB's vSwitch CIDRs: something else drops the packets or the server hangs."),
            )
            .evidence(ev)
            .fix("Look at what else filters the NLB → RDS path (a network ACL on the vSwitches, the RDS instance's security group) and at the instance's load and error log, then probe again.");
        }
        Some(Err(GreetingFailure::Closed)) => {
            let ev = json!({"target": dp.target, "connect_ms": connect.as_millis() as u64, "greeting": "none (closed)"});
            let closed =
                format!("{where_} accepted the connection and closed it without a MySQL greeting");
            if links.fails(CheckId::RdsStatus) {
                return Check::new(
                    ID,
                    Status::Fail,
                    "The NLB accepts, but the RDS instance does not answer",
                    format!("{closed}: the RDS instance is not running (rds-status)."),
                )
                .evidence(ev)
                .fix("Start the RDS instance (see the rds-status check), then probe again.");
            }
            if links.fails(CheckId::BackendIp) || !links.known(CheckId::BackendIp) {
                return Check::new(
                    ID,
                    Status::Fail,
                    "The NLB accepts, but the connection closes without a MySQL greeting",
                    format!("{closed}: the NLB forwards to a backend where nothing listens, usually a server group backend that is not the RDS instance's current address (backend-ip)."),
                )
                .evidence(ev)
                .fix("Point the server group's backend at the RDS private IP and port (see the backend-ip check; `tilink reconcile` swaps it safely), then probe again.");
            }
            if dp.overridden {
                return via_resolve(
                    "the address --resolve gave closes the connection",
                    format!("{closed}, while the backend is the RDS address"),
                    ev,
                );
            }
            return Check::new(
                ID,
                Status::Fail,
                "The NLB accepts, but the connection closes without a MySQL greeting",
                format!("{closed}, although the backend is the RDS address: the instance refuses connections (max connections, maintenance) or its port changed."),
            )
            .evidence(ev)
            .fix("Look at the RDS instance's status, port and connection limit (see backend-health), then probe again.");
        }
        Some(Err(GreetingFailure::Refused(e))) => {
            return Check::new(
                ID,
                Status::Fail,
                "MySQL refused the connection before the login",
                format!("{where_}: {e}"),
            )
            .evidence(json!({"target": dp.target, "error_code": e.code, "message": e.message}))
            .fix("1130 means the account's host part does not admit the NLB's local addresses; 1040 too many connections. Fix it on the RDS side, then probe again.");
        }
        Some(Err(GreetingFailure::Garbage(e))) => {
            return Check::new(
                ID,
                Status::Fail,
                "Something other than MySQL answers behind the NLB",
                format!("{where_} answered, but not with the MySQL protocol: {e} (backend-ip)."),
            )
            .evidence(json!({"target": dp.target, "error": e}))
            .fix("Point the server group's backend at the RDS private IP and port.");
        }
        // A connected probe always records how the greeting went; stay total anyway.
        None => {
            return Check::new(
                ID,
                Status::Unknown,
                "could not look",
                format!("{where_}: no greeting was read"),
            );
        }
    };
    let seen = json!({
        "target": dp.target,
        "address": dp.address.as_ref().ok().map(|a| a.to_string()),
        "connect_ms": connect.as_secs_f64() * 1000.0,
        "server_version": greeting.version,
        "tls_offered": greeting.tls_offered(),
        "auth_plugin": greeting.auth_plugin,
    });
    let tls = if greeting.tls_offered() {
        "TLS offered"
    } else {
        "TLS not offered"
    };
    // MariaDB says so in its version; anything else speaking the protocol is called MySQL.
    let product = if greeting.version.contains("MariaDB") {
        "MariaDB"
    } else {
        "MySQL"
    };
    let hello = format!(
        "{product} {} answered through {where_} (connect {}, {tls})",
        greeting.display_version(),
        ms(&connect)
    );
    match &p.auth {
        Some(Ok(())) => {}
        Some(Err(AuthFailure::Server(e))) => {
            let mut ev = seen.clone();
            ev["auth"] = json!({"error_code": e.code, "sqlstate": e.state});
            return Check::new(
                ID,
                Status::Warn,
                format!("The data path works; MySQL refused the login ({})", e.code),
                format!("{hello}; the login as {user} failed: {e} (credentials)."),
            )
            .evidence(ev)
            .fix(if e.code == 1045 {
                format!(
                    "The chain itself carried the connection to the server. Check --mysql-user / TILINK_MYSQL_USER and TILINK_MYSQL_PASSWORD, and that the account's host part admits the NLB's local addresses: changefeeds and this probe connect from the NLB vSwitch CIDRs (listed by the rds-allowlist check), so '{user}'@'10.%' fails exactly like a wrong password when the vSwitches are in 172.16.0.0/12. On RDS: SELECT user, host FROM mysql.user WHERE user = '{user}';"
                )
            } else {
                "Check --mysql-user / TILINK_MYSQL_USER and TILINK_MYSQL_PASSWORD: the chain itself carried the connection to the server.".to_string()
            });
        }
        Some(Err(AuthFailure::Unsupported(why))) => {
            return Check::new(
                ID,
                Status::Warn,
                "The data path works; the login was not tried",
                format!("{hello}; {why}."),
            )
            .evidence(seen);
        }
        Some(Err(AuthFailure::Io(why))) => {
            return Check::new(
                ID,
                Status::Fail,
                "MySQL answered, then the connection broke during the login",
                format!("{hello}; then: {why}."),
            )
            .evidence(seen)
            .fix(
                "Probe again; if it repeats, look at the NLB's idle timeout and the RDS error log.",
            );
        }
        None => {}
    }
    match &p.select1 {
        Some(Ok(d)) => {
            let mut ev = seen;
            ev["auth"] = json!("ok");
            ev["select_1_ms"] = json!(d.as_secs_f64() * 1000.0);
            Check::new(
                ID,
                Status::Pass,
                format!(
                    "{product} {} answers through the chain",
                    greeting.display_version()
                ),
                format!("{hello}; logged in as {user}; SELECT 1 in {}.", ms(d)),
            )
            .evidence(ev)
        }
        Some(Err(e)) => Check::new(
            ID,
            Status::Fail,
            "MySQL accepted the login, but SELECT 1 failed",
            format!("{hello}; SELECT 1: {e}"),
        )
        .evidence(seen),
        None => Check::new(ID, Status::Unknown, "could not look", hello).evidence(seen),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            // The control plane agrees: the link is named.
            let broken = links(&[(link, true)]);
            let c = check(&failed_at(stage, true), "u", "vpc-1", None, &broken);
            assert_eq!(c.status, Status::Fail, "{stage}");
            assert!(
                c.detail.contains(&format!("({link})")),
                "{stage}: {}",
                c.detail
            );
            // The control plane says the link is fine and the address came from --resolve:
            // tilink could not look, and blames nothing.
            let c = check(&failed_at(stage, true), "u", "vpc-1", None, &healthy);
            assert_eq!(c.status, Status::Unknown, "{stage}: {c:?}");
            assert!(
                !c.detail.contains(&format!("({link})")),
                "{stage}: {}",
                c.detail
            );
            assert!(c.fix.unwrap_or_default().contains("--resolve"));
            // Reached through DNS: broken, but not pinned on the passing link.
            let c = check(&failed_at(stage, false), "u", "vpc-1", None, &healthy);
            assert_eq!(c.status, Status::Fail, "{stage}");
            assert!(
                !c.detail.contains(&format!("({link})")),
                "{stage}: {}",
                c.detail
            );
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
            address: Err("cannot resolve nlb-x: not found".into()),
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
