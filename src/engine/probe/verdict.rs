//! The `data-path` verdict from one probe, step by step: no address, the TCP connection,
//! the server's greeting, then the login and `SELECT 1`. Each failing step names the
//! control-plane link that explains it, but only when that link's own check failed.

use super::{DataPath, Links, inside_command, ms, private};
use crate::engine::check::{Check, CheckId, Status};
use crate::wire::mysql::{self, AuthFailure, ConnectFailure, Greeting, GreetingFailure};
use serde_json::json;
use std::time::Duration;

const ID: CheckId = CheckId::DataPath;

/// Doctor's `data-path` check from a probe: pass with what answered; fail naming the link
/// that explains the failure; unknown when this host cannot reach the internal NLB.
pub fn check(dp: &DataPath, user: &str, vpc: &str, cluster: Option<&str>, links: &Links) -> Check {
    let j = Judge::new(dp, user, vpc, cluster, links);
    let Some(p) = &dp.probe else {
        return j.unresolved();
    };
    let connect = match &p.connect {
        Ok(d) => *d,
        Err(f) => return j.not_connected(f),
    };
    let greeting = match &p.greeting {
        Some(Ok(g)) => g,
        Some(Err(f)) => return j.not_greeted(Some(f), connect),
        None => return j.not_greeted(None, connect),
    };
    j.answered(p, greeting, connect)
}

/// What every step words its verdict with.
struct Judge<'a> {
    dp: &'a DataPath,
    user: &'a str,
    vpc: &'a str,
    links: &'a Links,
    port: u16,
    /// The command to run inside the VPC instead.
    run_inside: String,
    /// The target and the address it went to.
    where_: String,
}

impl<'a> Judge<'a> {
    fn new(
        dp: &'a DataPath,
        user: &'a str,
        vpc: &'a str,
        cluster: Option<&str>,
        links: &'a Links,
    ) -> Self {
        let (host, port) = dp
            .target
            .rsplit_once(':')
            .map(|(h, p)| (h.to_string(), p.parse().unwrap_or(3306)))
            .unwrap_or((dp.target.clone(), 3306));
        let where_ = match &dp.address {
            Ok(a) if dp.overridden => format!("{} (via {a})", dp.target),
            Ok(a) => format!("{} ({})", dp.target, a.ip()),
            Err(_) => dp.target.clone(),
        };
        Judge {
            dp,
            user,
            vpc,
            links,
            port,
            run_inside: inside_command(&host, port, user, cluster),
            where_,
        }
    }

    /// The control plane says the link is fine but the address came from --resolve: the
    /// probe may not have reached the NLB at all, so it could not look.
    fn via_resolve(&self, what: &str, seen: String, ev: serde_json::Value) -> Check {
        let (vpc, run_inside) = (self.vpc, &self.run_inside);
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
    }

    /// The NLB's name gave no address: unknown, never broken.
    fn unresolved(&self) -> Check {
        let (dp, vpc, run_inside) = (self.dp, self.vpc, &self.run_inside);
        let mut why = dp
            .address
            .as_ref()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        if !dp.unmatched.is_empty() {
            why = format!(
                "{why} (--resolve was given for {}, not for {})",
                dp.unmatched.join(", "),
                dp.target
            );
        }
        Check::new(
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
        ))
    }

    /// The TCP connection failed: refused names the listener; a timeout from outside the
    /// VPC is unknown.
    fn not_connected(&self, f: &ConnectFailure) -> Check {
        let (dp, vpc, links, port) = (self.dp, self.vpc, self.links, self.port);
        let (run_inside, where_) = (&self.run_inside, &self.where_);
        match f {
            ConnectFailure::Timeout => {
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
                Check::new(
                    ID,
                    Status::Unknown,
                    "could not look: no answer to the TCP connection",
                    format!("{where_} did not answer the TCP connection within 3 s."),
                )
                .evidence(json!({"target": dp.target, "connect": "timeout"}))
                .fix(format!("Check that this host can reach {where_}, or run on a host in VPC {vpc}: {run_inside}"))
            }
            ConnectFailure::Refused => {
                let ev = json!({"target": dp.target, "connect": "refused"});
                if links.fails(CheckId::Listener)
                    || !dp.overridden && !links.known(CheckId::Listener)
                {
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
                    return self.via_resolve(
                        "nothing listens at the address --resolve gave",
                        format!("{where_} refused the TCP connection, but the listener is Running"),
                        ev,
                    );
                }
                Check::new(
                    ID,
                    Status::Fail,
                    "The NLB refuses connections although its listener is Running",
                    format!("{where_} refused the TCP connection while the listener check passes: the address DNS gave may not be this NLB's."),
                )
                .evidence(ev)
                .fix("Compare the NLB's DNS name and zone addresses with what this host resolves, then probe again.")
            }
            ConnectFailure::Other(e) => Check::new(
                ID,
                Status::Unknown,
                "could not look: the TCP connection failed",
                format!("connecting to {where_} failed: {e}"),
            )
            .evidence(json!({"target": dp.target, "connect": e}))
            .fix(format!("Run on a host in VPC {vpc}: {run_inside}")),
        }
    }

    /// Connected, but no MySQL greeting: silence names the allowlist, a close the backend
    /// or a stopped instance.
    fn not_greeted(&self, g: Option<&GreetingFailure>, connect: Duration) -> Check {
        let (dp, links) = (self.dp, self.links);
        let where_ = &self.where_;
        match g {
            Some(GreetingFailure::Silence) => {
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
                    return self.via_resolve(
                        "the address --resolve gave answers nothing",
                        format!("{accepted}, while the RDS allowlist admits the NLB"),
                        ev,
                    );
                }
                Check::new(
                    ID,
                    Status::Fail,
                    "The NLB accepts, but MySQL never answers",
                    format!("{accepted}, although the RDS allowlist admits the NLB's vSwitch CIDRs: something else drops the packets or the server hangs."),
                )
                .evidence(ev)
                .fix("Look at what else filters the NLB → RDS path (a network ACL on the vSwitches, the RDS instance's security group) and at the instance's load and error log, then probe again.")
            }
            Some(GreetingFailure::Closed) => {
                let ev = json!({"target": dp.target, "connect_ms": connect.as_millis() as u64, "greeting": "none (closed)"});
                let closed = format!(
                    "{where_} accepted the connection and closed it without a MySQL greeting"
                );
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
                    return self.via_resolve(
                        "the address --resolve gave closes the connection",
                        format!("{closed}, while the backend is the RDS address"),
                        ev,
                    );
                }
                Check::new(
                    ID,
                    Status::Fail,
                    "The NLB accepts, but the connection closes without a MySQL greeting",
                    format!("{closed}, although the backend is the RDS address: the instance refuses connections (max connections, maintenance) or its port changed."),
                )
                .evidence(ev)
                .fix("Look at the RDS instance's status, port and connection limit (see backend-health), then probe again.")
            }
            Some(GreetingFailure::Refused(e)) => {
                Check::new(
                    ID,
                    Status::Fail,
                    "MySQL refused the connection before the login",
                    format!("{where_}: {e}"),
                )
                .evidence(json!({"target": dp.target, "error_code": e.code, "message": e.message}))
                .fix("1130 means the account's host part does not admit the NLB's local addresses; 1040 too many connections. Fix it on the RDS side, then probe again.")
            }
            Some(GreetingFailure::Garbage(e)) => {
                Check::new(
                    ID,
                    Status::Fail,
                    "Something other than MySQL answers behind the NLB",
                    format!(
                        "{where_} answered, but not with the MySQL protocol: {e} (backend-ip)."
                    ),
                )
                .evidence(json!({"target": dp.target, "error": e}))
                .fix("Point the server group's backend at the RDS private IP and port.")
            }
            // A connected probe always records how the greeting went; stay total anyway.
            None => {
                Check::new(
                    ID,
                    Status::Unknown,
                    "could not look",
                    format!("{where_}: no greeting was read"),
                )
            }
        }
    }

    /// The server greeted: the login and `SELECT 1` decide.
    fn answered(&self, p: &mysql::Probe, greeting: &Greeting, connect: Duration) -> Check {
        let (dp, user) = (self.dp, self.user);
        let where_ = &self.where_;
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
}
