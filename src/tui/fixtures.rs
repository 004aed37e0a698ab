//! Hand-built models for update tests and screen snapshots: no clock, no random ids.

use super::app::{ClusterChoice, ClusterDetail, Identity, Options, PrepView, Resumable};
use crate::engine::apply::model::{start, update};
use crate::engine::apply::{ApplyModel, ForeignRequest, Learned, Msg, Step};
use crate::engine::checks::{preflight, zone_analysis};
use crate::engine::discover::{Discovery, RdsCandidate};
use crate::engine::facts::{AllowlistGroup, ClusterInfo, RdsInfo, TidbZones, VSwitchInfo};
use crate::engine::journal::{Journal, SetupState};
use crate::engine::plan::make_plan;

pub const CLUSTER: &str = "10086123456789012345";
pub const REGION: &str = "ap-southeast-1";
pub const SETUP: &str = "tl-0123456789ab";

pub fn options() -> Options {
    Options {
        no_color: true,
        sandbox: false,
        alibaba_source: "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)".into(),
        tidb_source: "~/.ticloud/config.toml (profile default)".into(),
        region: None,
        cluster_id: Some(CLUSTER.into()),
        rds_id: Some("rm-t4nmain0001".into()),
        ..Options::default()
    }
}

pub fn identity() -> Identity {
    Identity {
        account_id: "5123456789012345".into(),
        arn: "acs:ram::5123456789012345:user/dba".into(),
    }
}

fn cluster(id: &str, name: &str, provider: &str, region: &str, plan: &str) -> ClusterInfo {
    ClusterInfo {
        id: id.into(),
        name: name.into(),
        provider: provider.into(),
        region: region.into(),
        plan: plan.into(),
        state: "ACTIVE".into(),
    }
}

pub fn clusters() -> Vec<ClusterChoice> {
    vec![
        (
            cluster(CLUSTER, "orders-essential", "alicloud", REGION, "ESSENTIAL"),
            None,
        ),
        (
            cluster(
                "10086999999999999999",
                "us-essential",
                "aws",
                "us-east-1",
                "ESSENTIAL",
            ),
            Some(
                "on aws: Alibaba Cloud endpoint services work only for clusters on Alibaba Cloud"
                    .into(),
            ),
        ),
        (
            cluster(
                "10086888888888888888",
                "scratch-starter",
                "alicloud",
                REGION,
                "STARTER",
            ),
            Some("STARTER plan: Private Link Connections for Dataflow need Essential".into()),
        ),
    ]
}

pub fn cluster_detail() -> ClusterDetail {
    ClusterDetail {
        info: clusters()[0].0.clone(),
        zones: TidbZones {
            account_id: "1890456712345678".into(),
            az_ids: vec!["ap-southeast-1a".into(), "ap-southeast-1b".into()],
        },
    }
}

pub fn resumable() -> Resumable {
    Resumable {
        setup_id: SETUP.into(),
        cluster_id: CLUSTER.into(),
        rds_id: "rm-t4nmain0001".into(),
        region: REGION.into(),
        state: SetupState::Failed,
        done: 4,
        last_error: Some(
            "endpoint-service: Forbidden.RAM: privatelink:CreateVpcEndpointService".into(),
        ),
    }
}

fn rds(
    id: &str,
    desc: &str,
    engine: &str,
    status: &str,
    zone: &str,
    why: Option<&str>,
) -> RdsCandidate {
    RdsCandidate {
        id: id.into(),
        description: desc.into(),
        engine: engine.into(),
        status: status.into(),
        zone: zone.into(),
        unusable: why.map(str::to_string),
        zone_hint: None,
    }
}

pub fn sources() -> Vec<RdsCandidate> {
    vec![
        rds(
            "rm-t4nmain0001",
            "orders primary",
            "MySQL 8.0",
            "Running",
            "ap-southeast-1a",
            None,
        ),
        RdsCandidate {
            zone_hint: Some("the zone check will likely fail: NLB needs two zones and its VPC vpc-t4nstaging000000001 has room in ap-southeast-1a only".into()),
            ..rds(
                "rm-t4nstaging01",
                "staging-mysql",
                "MySQL 8.0",
                "Running",
                "ap-southeast-1a",
                None,
            )
        },
        rds(
            "rm-t4nclassic01",
            "legacy classic",
            "MySQL 5.6",
            "Running",
            "ap-southeast-1a",
            Some("Classic network: NLB needs a VPC instance"),
        ),
        rds(
            "rm-t4npg000001",
            "analytics",
            "PostgreSQL 15.0",
            "Running",
            "ap-southeast-1b",
            Some("PostgreSQL instance: tilink connects RDS for MySQL"),
        ),
        rds(
            "rm-t4nstopped1",
            "old orders",
            "MySQL 5.7",
            "Stopped",
            "ap-southeast-1b",
            Some("status Stopped: it must be Running"),
        ),
    ]
}

fn vsw(id: &str, zone: &str, cidr: &str, free: u64) -> VSwitchInfo {
    VSwitchInfo {
        id: id.into(),
        name: String::new(),
        vpc_id: "vpc-t4nfixture0123456789".into(),
        zone_id: zone.into(),
        cidr: cidr.into(),
        free_ips: free,
    }
}

pub fn discovery() -> Discovery {
    Discovery {
        caller_account: "5123456789012345".into(),
        caller_arn: "acs:ram::5123456789012345:user/dba".into(),
        cluster: clusters()[0].0.clone(),
        tidb_zones: cluster_detail().zones,
        rds: RdsInfo {
            id: "rm-t4nmain0001".into(),
            description: "orders primary".into(),
            region: REGION.into(),
            engine: "MySQL".into(),
            engine_version: "8.0".into(),
            status: "Running".into(),
            network_type: "VPC".into(),
            instance_type: "Primary".into(),
            vpc_id: "vpc-t4nfixture0123456789".into(),
            vswitch_id: "vsw-t4nrds0000001".into(),
            zone_id: "ap-southeast-1a".into(),
            zones: vec!["ap-southeast-1a".into(), "ap-southeast-1b".into()],
            private_ip: "172.16.1.8".into(),
            port: 3306,
            connection_string: "rm-t4nmain0001.mysql.singapore.rds.aliyuncs.com".into(),
            allowlist: vec![AllowlistGroup {
                name: "default".into(),
                ips: vec!["127.0.0.1".into()],
                hidden: false,
            }],
        },
        vswitches: vec![
            vsw("vsw-t4nrds0000001", "ap-southeast-1a", "172.16.1.0/24", 245),
            vsw("vsw-t4nrds0000002", "ap-southeast-1b", "172.16.2.0/24", 250),
            vsw("vsw-t4ntiny000003", "ap-southeast-1c", "172.16.3.0/29", 3),
        ],
        nlb_zones: vec![
            "ap-southeast-1a".into(),
            "ap-southeast-1b".into(),
            "ap-southeast-1c".into(),
        ],
        privatelink_zones: vec![
            "ap-southeast-1a".into(),
            "ap-southeast-1b".into(),
            "ap-southeast-1c".into(),
        ],
        privatelink_open: true,
        plcs: vec![],
        existing: Default::default(),
        load_balancer_count: 3,
        endpoint_service_count: 1,
    }
}

pub fn journal() -> Journal {
    let mut j = Journal::new(CLUSTER, "rm-t4nmain0001", REGION);
    j.setup_id = SETUP.into();
    j.created_at = "2026-11-30T10:00:00Z".into();
    j.updated_at = j.created_at.clone();
    j
}

pub fn prep_view() -> PrepView {
    let d = discovery();
    let zones = zone_analysis(&d, &[]);
    let checks = preflight(&d, REGION, &zones);
    let mut j = journal();
    let plan = zones
        .as_ref()
        .ok()
        .map(|z| make_plan(&d, &z.chosen, &j, None));
    if let Some(p) = &plan {
        j.zones = p.zones.iter().map(|z| z.zone.clone()).collect();
    }
    PrepView {
        discovery: d,
        zones,
        checks,
        plan,
        journal: j,
    }
}

/// One TiDB zone has no roomy vSwitch and the instance is Stopped.
pub fn prep_view_failing() -> PrepView {
    let mut d = discovery();
    d.tidb_zones.az_ids = vec!["ap-southeast-1c".into()];
    d.rds.status = "Stopped".into();
    let zones = zone_analysis(&d, &[]);
    let checks = preflight(&d, REGION, &zones);
    PrepView {
        discovery: d,
        zones,
        checks,
        plan: None,
        journal: journal(),
    }
}

fn at(m: &mut ApplyModel, ms: u64) {
    update(m, Msg::Tick(ms));
}

/// Halfway: server group and allowlist done, NLB provisioning, listener waiting.
pub fn apply_running() -> ApplyModel {
    let mut m = ApplyModel::new(journal());
    start(&mut m);
    at(&mut m, 400);
    update(
        &mut m,
        Msg::Learned(
            Step::ServerGroup,
            Learned::ServerGroup("sgp-t4nfixture0123456789".into()),
        ),
    );
    update(
        &mut m,
        Msg::Learned(
            Step::LoadBalancer,
            Learned::LoadBalancer("nlb-t4nfixture0123456789".into()),
        ),
    );
    update(
        &mut m,
        Msg::Usual(
            Step::LoadBalancer,
            Some(crate::engine::poll::Wait::LoadBalancer.usual()),
        ),
    );
    update(
        &mut m,
        Msg::Progress {
            step: Step::LoadBalancer,
            state: "Provisioning".into(),
            note: None,
        },
    );
    at(&mut m, 900);
    update(
        &mut m,
        Msg::Learned(
            Step::Allowlist,
            Learned::Allowlist("tilink_0123456789ab".into()),
        ),
    );
    update(
        &mut m,
        Msg::Progress {
            step: Step::Allowlist,
            state: "Written".into(),
            note: Some("tilink_0123456789ab = 172.16.1.0/24,172.16.2.0/24".into()),
        },
    );
    update(&mut m, Msg::Done(Step::Allowlist));
    at(&mut m, 1800);
    update(
        &mut m,
        Msg::Progress {
            step: Step::ServerGroup,
            state: "Available".into(),
            note: None,
        },
    );
    update(&mut m, Msg::Done(Step::ServerGroup));
    at(&mut m, 5300);
    m
}

/// Every step done, with one foreign request seen and left alone.
pub fn apply_active() -> ApplyModel {
    let mut m = apply_running();
    let steps = [
        (Step::LoadBalancer, "Active", 21_000, None),
        (
            Step::Listener,
            "Running",
            23_500,
            Some(Learned::Listener("lsn-t4nfixture0123456789".into())),
        ),
        (
            Step::EndpointService,
            "Active",
            27_000,
            Some(Learned::EndpointService(
                "epsrv-t4nfixture0123456789".into(),
                "com.aliyuncs.privatelink.ap-southeast-1.epsrv-t4nfixture0123456789".into(),
            )),
        ),
        (Step::Whitelist, "Whitelisted", 27_400, None),
        (
            Step::Connection,
            "PENDING_ACCEPTANCE",
            41_000,
            Some(Learned::Connection("plc-fixture000000000001".into())),
        ),
        (
            Step::Accept,
            "Accepted",
            44_000,
            Some(Learned::Endpoint("ep-t4nfixture0123456789".into())),
        ),
        (Step::Verify, "ACTIVE", 52_000, None),
    ];
    for (s, state, ms, learned) in steps {
        at(&mut m, ms - 300);
        if let Some(l) = learned {
            update(&mut m, Msg::Learned(s, l));
        }
        if s == Step::Accept {
            update(
                &mut m,
                Msg::Foreign(ForeignRequest {
                    endpoint_id: "ep-t4nstranger1".into(),
                    owner_id: "1777000011112222".into(),
                    status: "Disconnected".into(),
                }),
            );
        }
        at(&mut m, ms);
        update(
            &mut m,
            Msg::Progress {
                step: s,
                state: state.into(),
                note: None,
            },
        );
        update(&mut m, Msg::Done(s));
    }
    m
}

/// The endpoint service step failed on a missing permission.
pub fn apply_failed() -> ApplyModel {
    let mut m = apply_running();
    at(&mut m, 21_000);
    update(
        &mut m,
        Msg::Progress {
            step: Step::LoadBalancer,
            state: "Active".into(),
            note: None,
        },
    );
    update(&mut m, Msg::Done(Step::LoadBalancer));
    at(&mut m, 21_600);
    update(
        &mut m,
        Msg::Failed(
            Step::EndpointService,
            "CreateVpcEndpointService: Forbidden.RAM (HTTP 403): the RAM user lacks privatelink:CreateVpcEndpointService".into(),
        ),
    );
    m
}

/// A doctor report on a chain whose allowlist lost the NLB vSwitches.
pub fn doctor_report() -> crate::engine::doctor::Report {
    use crate::engine::check::{Check, CheckId, Status};
    use crate::engine::doctor::Fix;
    let pass = |id: CheckId, title: &str, detail: &str| Check::new(id, Status::Pass, title, detail);
    crate::engine::doctor::Report {
        target: "plc-b85kl1b4zbcemfvn1ixl".into(),
        healthy: false,
        depth: 3,
        // Causes before symptoms, as `checks::run_checks` lists them.
        checks: vec![
            pass(CheckId::Credentials, "Both clouds accept the credentials", "Alibaba Cloud account 7693128384373573"),
            Check::new(
                CheckId::RdsAllowlist,
                Status::Fail,
                "RDS allowlist misses NLB vSwitch CIDRs",
                "NLB local IPs come from 172.16.1.0/24 (vsw-a), 172.16.2.0/24 (vsw-b), which no allowlist group covers",
            )
            .evidence(serde_json::json!({"nlb_vswitch_cidrs": ["172.16.1.0/24", "172.16.2.0/24"], "groups": [{"name": "Default", "ips": ["127.0.0.1"]}]}))
            .fix("Write the NLB vSwitch CIDRs to a dedicated allowlist group (tilink doctor --fix)."),
            pass(CheckId::BackendIp, "Backend is the RDS private endpoint", "172.16.1.30:3306 (rm-t4nnxp5ov7eqpx7w4)"),
            {
                let mut c = Check::new(
                    CheckId::BackendHealth,
                    Status::Fail,
                    "Backends fail health checks",
                    "172.16.1.30:3306 Unhealthy (CONNECT_TIMEOUT) (follows from rds-allowlist, listed above)",
                )
                .fix("CONNECT_TIMEOUT usually means the RDS allowlist lacks the NLB vSwitch CIDRs (see rds-allowlist).");
                c.caused_by = Some(CheckId::RdsAllowlist);
                c
            },
            pass(CheckId::ServiceWhitelist, "TiDB Cloud account is whitelisted", "account 8838452482951371"),
            pass(CheckId::ConnectionState, "Endpoint connection is Connected", "ep-2o1xn2anw2i8njb0upg6 from account 8838452482951371 is Connected"),
            pass(CheckId::PlcState, "Private link connection is ACTIVE", "rds-t4nnxp5ov7eqpx7w4 (plc-b85kl1b4zbcemfvn1ixl)"),
        ],
        fixes: vec![Fix::Allowlist {
            rds_id: "rm-t4nnxp5ov7eqpx7w4".into(),
            group: "tilink_1a6473ba90b6".into(),
            cidrs: vec!["172.16.1.0/24".into(), "172.16.2.0/24".into()],
        }],
    }
}
