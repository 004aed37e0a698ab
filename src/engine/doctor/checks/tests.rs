use super::registry::{CheckDef, Cycle, Run, TABLE, sorted};
use super::*;
use crate::engine::doctor::fix::FixKind;
use crate::engine::facts::{AllowlistGroup, ClusterInfo, PlcInfo, RdsInfo, TidbZones, VSwitchInfo};
use crate::wire::aliyun as w;

/// A healthy chain in facts: every check passes.
fn healthy() -> ChainFacts {
    let zone = |z: &str, v: &str| w::ZoneMapping {
        zone_id: z.into(),
        vswitch_id: v.into(),
        status: "Active".into(),
        ..Default::default()
    };
    let mut lb = w::GetLoadBalancerAttributeResponse::default();
    lb.load_balancer.load_balancer_id = "nlb-1".into();
    lb.load_balancer.load_balancer_status = "Active".into();
    lb.load_balancer.address_type = "Intranet".into();
    lb.load_balancer.vpc_id = "vpc-1".into();
    lb.load_balancer.cross_zone_enabled = true;
    lb.load_balancer.zone_mappings = vec![zone("a", "vsw-a"), zone("b", "vsw-b")];
    ChainFacts {
        caller: Some(("111".into(), "acs:ram::111:user/x".into())),
        cluster: Some(ClusterInfo {
            id: "c1".into(),
            provider: "alicloud".into(),
            region: "r1".into(),
            plan: "ESSENTIAL".into(),
            state: "ACTIVE".into(),
            ..Default::default()
        }),
        tidb: Some(TidbZones {
            account_id: "999".into(),
            az_ids: vec!["a".into(), "b".into()],
        }),
        plc: Some(PlcInfo {
            id: "plc-1".into(),
            state: "ACTIVE".into(),
            service_name: "com.aliyuncs.privatelink.r1.epsrv-1".into(),
            endpoint_id: "ep-1".into(),
            ..Default::default()
        }),
        siblings: Some(Vec::new()),
        region: "r1".into(),
        service_id: Some("epsrv-1".into()),
        service: Some(w::EndpointService {
            service_id: "epsrv-1".into(),
            service_status: "Active".into(),
            service_business_status: "Normal".into(),
            service_resource_type: "nlb".into(),
            ..Default::default()
        }),
        resources: ["a", "b"]
            .iter()
            .map(|z| w::ServiceResource {
                resource_id: "nlb-1".into(),
                resource_type: "nlb".into(),
                zone_id: z.to_string(),
                ..Default::default()
            })
            .collect(),
        users: vec!["999".into()],
        connections: vec![w::EndpointConnection {
            endpoint_id: "ep-1".into(),
            endpoint_owner_id: 999,
            connection_status: "Connected".into(),
            ..Default::default()
        }],
        lb: Some(lb),
        listeners: vec![w::Listener {
            listener_id: "lsn-1".into(),
            listener_protocol: "TCP".into(),
            listener_port: 3306,
            listener_status: "Running".into(),
            idle_timeout: 900,
            server_group_id: "sgp-1".into(),
            ..Default::default()
        }],
        server_groups: vec![w::ServerGroup {
            server_group_id: "sgp-1".into(),
            server_group_type: "Ip".into(),
            protocol: "TCP".into(),
            vpc_id: "vpc-1".into(),
            health_check: w::HealthCheck {
                health_check_enabled: true,
                ..Default::default()
            },
            ..Default::default()
        }],
        servers: vec![w::BackendServer {
            server_ip: "10.0.1.5".into(),
            port: 3306,
            ..Default::default()
        }],
        health: vec![w::ListenerHealthStatus::default()],
        rds: Some(RdsInfo {
            id: "rm-1".into(),
            region: "r1".into(),
            engine: "MySQL".into(),
            engine_version: "8.0".into(),
            network_type: "VPC".into(),
            instance_type: "Primary".into(),
            status: "Running".into(),
            private_ip: "10.0.1.5".into(),
            port: 3306,
            allowlist: vec![AllowlistGroup {
                name: "tilink_x".into(),
                ips: vec!["10.0.1.0/24".into(), "10.0.2.0/24".into()],
                hidden: false,
            }],
            ..Default::default()
        }),
        vswitches: vec![
            VSwitchInfo {
                id: "vsw-a".into(),
                zone_id: "a".into(),
                cidr: "10.0.1.0/24".into(),
                ..Default::default()
            },
            VSwitchInfo {
                id: "vsw-b".into(),
                zone_id: "b".into(),
                cidr: "10.0.2.0/24".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

fn status_of(f: &ChainFacts, id: &str) -> Status {
    run_checks(f)
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.status)
        .unwrap_or(Status::Skip)
}

#[test]
fn a_healthy_chain_passes_every_check() {
    let checks = run_checks(&healthy());
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    // Every check but data-path, which only `--probe` adds (engine::doctor::add_probe).
    let expected: Vec<&str> = TODAYS_ORDER
        .iter()
        .copied()
        .filter(|id| *id != "data-path")
        .collect();
    assert_eq!(ids, expected);
    for c in &checks {
        assert_eq!(c.status, Status::Pass, "{c:?}");
    }
}

#[test]
fn each_failure_mode_names_its_check() {
    type Break = fn(&mut ChainFacts);
    let cases: Vec<(&str, Status, Break)> = vec![
        ("several-plcs", Status::Warn, |f| {
            f.siblings = Some(vec![PlcInfo {
                id: "plc-0".into(),
                state: "PENDING_ACCEPTANCE".into(),
                service_name: "com.aliyuncs.privatelink.r1.epsrv-1".into(),
                endpoint_id: "ep-2".into(),
                ..Default::default()
            }]);
        }),
        ("listener", Status::Fail, |f| {
            f.listeners[0].proxy_protocol_enabled = true
        }),
        ("listener", Status::Warn, |f| {
            f.listeners[0].idle_timeout = 60
        }),
        ("listener", Status::Fail, |f| {
            f.listeners[0].listener_status = "Stopped".into()
        }),
        ("nlb-status", Status::Fail, |f| {
            if let Some(lb) = f.lb.as_mut() {
                lb.load_balancer.operation_locks = vec![w::OperationLock {
                    lock_type: "FinancialLocked".into(),
                    lock_reason: "overdue".into(),
                }];
            }
        }),
        ("nlb-status", Status::Warn, |f| {
            if let Some(lb) = f.lb.as_mut() {
                lb.load_balancer.cross_zone_enabled = false;
            }
        }),
        ("zone-overlap", Status::Fail, |f| {
            if let Some(t) = &mut f.tidb {
                t.az_ids = vec!["c".into()];
            }
        }),
        ("zone-overlap", Status::Warn, |f| {
            if let Some(t) = &mut f.tidb {
                t.az_ids = vec!["a".into()];
            }
        }),
        ("region-match", Status::Fail, |f| {
            if let Some(c) = &mut f.cluster {
                c.region = "r2".into();
            }
        }),
        ("server-group", Status::Fail, |f| {
            f.server_groups[0].server_group_type = "Instance".into()
        }),
        ("server-group", Status::Fail, |f| {
            f.server_groups[0].vpc_id = "vpc-other".into()
        }),
        ("server-group", Status::Warn, |f| {
            f.server_groups[0].health_check.health_check_enabled = false
        }),
        ("service-whitelist", Status::Warn, |f| {
            f.users.push("123".into())
        }),
        ("service-whitelist", Status::Fail, |f| f.users.clear()),
        ("endpoint-service", Status::Warn, |f| {
            if let Some(s) = &mut f.service {
                s.auto_accept_enabled = true;
            }
        }),
        ("service-zones", Status::Fail, |f| {
            f.resources.iter_mut().for_each(|r| r.zone_id = "c".into())
        }),
        ("plc-state", Status::Fail, |f| {
            if let Some(p) = &mut f.plc {
                p.state = "FAILED".into();
            }
        }),
        ("plc-state", Status::Fail, |f| {
            // Waiting for acceptance: the request is not accepted (Disconnected).
            if let Some(p) = &mut f.plc {
                p.state = "PENDING_ACCEPTANCE".into();
            }
            f.connections[0].connection_status = "Disconnected".into();
        }),
        ("connection-state", Status::Fail, |f| {
            f.connections[0].connection_status = "Disconnected".into()
        }),
        ("foreign-connections", Status::Fail, |f| {
            f.connections.push(w::EndpointConnection {
                endpoint_id: "ep-x".into(),
                endpoint_owner_id: 5,
                connection_status: "Connected".into(),
                ..Default::default()
            })
        }),
        ("backend-ip", Status::Fail, |f| {
            if let Some(r) = &mut f.rds {
                r.private_ip = "10.0.1.9".into();
            }
        }),
        ("rds-allowlist", Status::Fail, |f| {
            if let Some(r) = &mut f.rds {
                r.allowlist[0].ips = vec!["10.0.1.0/24".into()];
            }
        }),
        ("rds-allowlist", Status::Warn, |f| {
            if let Some(r) = &mut f.rds {
                r.allowlist[0].ips.push("0.0.0.0/0".into());
            }
        }),
        ("rds-status", Status::Fail, |f| {
            if let Some(r) = &mut f.rds {
                r.status = "Stopped".into();
            }
        }),
    ];
    for (id, want, brk) in cases {
        let mut f = healthy();
        brk(&mut f);
        assert_eq!(status_of(&f, id), want, "{id}");
        let c = run_checks(&f).into_iter().find(|c| c.id == id).unwrap();
        if want == Status::Fail {
            assert!(c.fix.is_some(), "{id} fails without a fix");
        }
    }
}

#[test]
fn missing_links_skip_with_the_reason() {
    let mut f = healthy();
    f.lb = None;
    f.listeners.clear();
    f.missing
        .insert(Piece::Lb, "ResourceNotFound.loadBalancer".into());
    let checks = run_checks(&f);
    let nlb = checks.iter().find(|c| c.id == "nlb-status").unwrap();
    assert_eq!(nlb.status, Status::Skip);
    assert!(
        nlb.detail.contains("ResourceNotFound.loadBalancer"),
        "{}",
        nlb.detail
    );
}

fn failed_changefeed() -> crate::wire::tidb::Changefeed {
    use crate::wire::tidb as t;
    t::Changefeed {
        cluster_id: "10000000000000000001".into(),
        changefeed_id: "cf-orders".into(),
        display_name: "orders".into(),
        state: "RUNNING_FAILED".into(),
        sink: t::ChangefeedSink {
            kind: "MYSQL".into(),
            ..Default::default()
        },
    }
}

/// Issue 26: a FAILED changefeed on a healthy chain is named, with the link declared fine.
#[test]
fn a_failed_changefeed_on_a_healthy_chain_is_its_own_problem() {
    let mut f = healthy();
    f.changefeeds = vec![failed_changefeed()];
    let checks = run_checks(&f);
    let root = root_cause(&checks).expect("a failure");
    assert_eq!(root.id, "dependents");
    assert!(root.title.contains("cf-orders"), "{}", root.title);
    assert!(
        root.detail.contains("connection is fine"),
        "{}",
        root.detail
    );
    assert!(
        root.fix
            .as_deref()
            .is_some_and(|x| x.contains("ticloud serverless changefeed describe")),
        "{root:?}"
    );
}

/// Issue 26: on a chain with a broken allowlist, the changefeed follows from it.
#[test]
fn a_failed_changefeed_follows_from_a_broken_link() {
    let mut f = healthy();
    f.changefeeds = vec![failed_changefeed()];
    if let Some(r) = &mut f.rds {
        r.allowlist[0].ips = vec!["10.0.1.0/24".into()];
    }
    let checks = run_checks(&f);
    let dep = checks.iter().find(|c| c.id == "dependents").unwrap();
    assert_eq!(dep.status, Status::Fail);
    assert_eq!(dep.caused_by, Some(CheckId::RdsAllowlist));
    assert!(!dep.detail.contains("connection is fine"), "{}", dep.detail);
    assert_eq!(root_cause(&checks).unwrap().id, "rds-allowlist");
}

/// Issue 26 #4: right after `--fix` accepted the request the connection is Connected and
/// TiDB Cloud still says PENDING_ACCEPTANCE for a few seconds: on its way, not "accept it".
#[test]
fn just_accepted_is_changing_not_waiting_for_acceptance() {
    let mut f = healthy();
    f.plc.as_mut().unwrap().state = "PENDING_ACCEPTANCE".into();
    let checks = run_checks(&f);
    let plc = checks.iter().find(|c| c.id == "plc-state").unwrap();
    assert_eq!(plc.status, Status::Changing, "{plc:?}");
    assert!(
        !plc.fix.as_deref().unwrap_or("").contains("Accept"),
        "{plc:?}"
    );
    assert!(
        checks.iter().all(|c| c.status != Status::Fail),
        "{checks:#?}"
    );
    // Not accepted yet (Disconnected): that is a failure with the accept fix.
    f.connections[0].connection_status = "Disconnected".into();
    assert_eq!(status_of(&f, "plc-state"), Status::Fail);
}

/// The contract order before the registry (issue 29): `checks::ORDER`, written by hand.
const TODAYS_ORDER: [&str; 20] = [
    "credentials",
    "region-match",
    "rds-status",
    "rds-endpoint",
    "rds-allowlist",
    "backend-ip",
    "server-group",
    "nlb-status",
    "zone-overlap",
    "listener",
    "backend-health",
    "endpoint-service",
    "service-zones",
    "service-whitelist",
    "several-plcs",
    "foreign-connections",
    "connection-state",
    "plc-state",
    "data-path",
    "dependents",
];

/// Issue 29: the order derived from the table by a stable topological sort is the order
/// the contract has always listed.
#[test]
fn the_derived_order_is_the_contract_order() {
    let derived: Vec<&str> = order().iter().map(|id| id.as_str()).collect();
    assert_eq!(derived, TODAYS_ORDER);
}

/// Issue 29: the dependency graph is acyclic (the sort places every check), each check
/// comes after its causes, and every cause is a check of the table.
#[test]
fn the_table_is_acyclic_and_causes_come_first() {
    let order = sorted(TABLE).expect("acyclic");
    assert_eq!(order.len(), TABLE.len());
    for d in TABLE {
        let at = order.iter().position(|x| *x == d.id).unwrap();
        for cause in d.depends_on {
            let c = order
                .iter()
                .position(|x| x == cause)
                .unwrap_or_else(|| panic!("{} depends on {cause}, not a doctor check", d.id));
            assert!(c < at, "{} depends on {cause}, which comes later", d.id);
        }
    }
    // Each id once.
    for (i, d) in TABLE.iter().enumerate() {
        assert!(
            TABLE[..i].iter().all(|e| e.id != d.id),
            "{} twice in the table",
            d.id
        );
    }
}

/// Issue 29: a cycle is reported by the sort, and linking causes over one still ends.
#[test]
fn a_cycle_is_found_and_never_loops() {
    fn pass(_: &ChainFacts) -> Check {
        Check::new(CheckId::Listener, Status::Pass, "", "")
    }
    let cyclic = [
        CheckDef {
            id: CheckId::Listener,
            run: Run::Facts(pass),
            needs: &[],
            depends_on: &[CheckId::NlbStatus],
            fix: None,
        },
        CheckDef {
            id: CheckId::NlbStatus,
            run: Run::Facts(pass),
            needs: &[],
            depends_on: &[CheckId::Listener],
            fix: None,
        },
    ];
    assert_eq!(sorted(&cyclic), Err(Cycle(CheckId::Listener)));
}

/// Issue 29: every function in the table returns a check with its own id, and each fix
/// kind repairs exactly one check.
#[test]
fn each_row_runs_its_own_check_and_each_fix_has_one_check() {
    let f = healthy();
    for d in TABLE {
        if let Run::Facts(run) = d.run {
            assert_eq!(run(&f).id, d.id);
        }
    }
    for kind in [
        FixKind::Whitelist,
        FixKind::Allowlist,
        FixKind::Accept,
        FixKind::AttachZones,
        FixKind::RemovePlcs,
        FixKind::Reconcile,
    ] {
        let n = TABLE.iter().filter(|d| d.fix == Some(kind)).count();
        assert_eq!(n, 1, "{kind:?} is the fix of {n} checks");
    }
}

/// Issue 29: every piece a check `needs` is one that `gather` records as missing or
/// unknown, so a check that reads it can be unknown.
#[test]
fn every_needed_piece_is_one_gather_reads() {
    let src: String = include_str!("../facts.rs").split_whitespace().collect();
    for d in TABLE {
        for piece in d.needs {
            let name = format!("{piece:?}");
            assert!(
                src.contains(&format!("read_failed(Piece::{name},")),
                "gather never records {name}, which {} needs",
                d.id
            );
        }
    }
    assert!(Piece::ALL.iter().all(|p| !p.as_str().is_empty()));
}

/// Issue 29: a check whose needed piece could not be read is unknown, for every row.
#[test]
fn a_check_is_unknown_when_a_piece_it_needs_could_not_be_read() {
    use super::super::facts::{Look, LookKind};
    for d in TABLE.iter().filter(|d| matches!(d.run, Run::Facts(_))) {
        for piece in d.needs {
            let mut f = healthy();
            f.unknown.insert(
                *piece,
                Look {
                    kind: LookKind::Transient,
                    call: "Call".into(),
                    error: "throttled".into(),
                    code: None,
                    fix: "again".into(),
                },
            );
            assert_eq!(
                status_of(&f, d.id.as_str()),
                Status::Unknown,
                "{} / {piece}",
                d.id
            );
        }
    }
}
