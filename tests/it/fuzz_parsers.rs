//! Fuzzing (issue #7 §3) with proptest: the response parsers (`tilink::wire::aliyun` and
//! `tilink::wire::tidb`), the journal reader and the credential-file readers get arbitrary
//! bytes and mutated valid inputs; none may panic.
//!
//! Every target runs `TILINK_FUZZ_CASES` cases (default 2000). The opt-in long run
//! (docs/RELIABILITY.md):
//!
//! ```sh
//! TILINK_FUZZ_CASES=250000 cargo test --release --test it fuzz_parsers:: -- --nocapture --test-threads 1
//! ```
//!
//! Each target prints how many inputs it executed.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;
use tilink::credentials::{
    CredentialsError, Inputs, explain_alibaba, explain_tidb, resolve_alibaba, resolve_tidb,
};
use tilink::engine::journal::JournalStore;
use tilink::wire::aliyun as a;
use tilink::wire::tidb as t;

fn cases() -> u32 {
    std::env::var("TILINK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(2000)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        // Failures print the minimal input; nothing is written into the source tree.
        failure_persistence: None,
        ..Config::default()
    })
}

/// Runs `test` over `strategy`, printing the executions count; panics with the minimal
/// failing input when a case fails or panics.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let began = Instant::now();
    let runs = std::cell::Cell::new(0u64);
    let result = runner().run(&strategy, |v| {
        runs.set(runs.get() + 1);
        test(v)
    });
    println!(
        "fuzz {name}: {} executions in {:.1}s",
        runs.get(),
        began.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("fuzz {name} failed: {e}");
    }
}

// ─────────────────────────── response parsers ───────────────────────────

/// Decodes `bytes` as every Alibaba response model (Err is fine, a panic is not).
fn parse_all_aliyun(bytes: &[u8]) -> usize {
    let mut ok = 0;
    macro_rules! each {
        ($($ty:ident),* $(,)?) => {$(
            if serde_json::from_slice::<a::$ty>(bytes).is_ok() { ok += 1; }
        )*};
    }
    each!(
        ErrorBody,
        AccessDeniedDetail,
        Ack,
        Tag,
        TagKv,
        GetCallerIdentityResponse,
        DescribeVpcsResponse,
        Vpc,
        DescribeVSwitchesResponse,
        VSwitch,
        Zone,
        DescribeZonesResponse,
        DescribeDbInstancesResponse,
        DbInstance,
        DescribeDbInstanceAttributeResponse,
        DbInstanceAttribute,
        SlaveZone,
        DescribeDbInstanceNetInfoResponse,
        DbInstanceNetInfo,
        DescribeDbInstanceIpArrayListResponse,
        DbInstanceIpArray,
        ModifySecurityIpsResponse,
        JobResponse,
        ServerGroupJobResponse,
        ListServerGroupsResponse,
        ServerGroup,
        HealthCheck,
        ListServerGroupServersResponse,
        BackendServer,
        CreateLoadBalancerResponse,
        GetLoadBalancerAttributeResponse,
        LoadBalancer,
        LoadBalancerCommon,
        ZoneMapping,
        LoadBalancerAddress,
        OperationLock,
        DeletionProtectionConfig,
        BillingConfig,
        ListLoadBalancersResponse,
        CreateListenerResponse,
        Listener,
        ListListenersResponse,
        GetListenerAttributeResponse,
        GetJobStatusResponse,
        GetListenerHealthStatusResponse,
        ListenerHealthStatus,
        ServerGroupHealth,
        NonNormalServer,
        HealthReason,
        NlbDescribeZonesResponse,
        CheckProductOpenResponse,
        OpenPrivateLinkServiceResponse,
        CreateVpcEndpointServiceResponse,
        EndpointService,
        ListVpcEndpointServicesResponse,
        GetVpcEndpointServiceAttributeResponse,
        ListVpcEndpointServiceResourcesResponse,
        ServiceResource,
        ListVpcEndpointServiceUsersResponse,
        ServiceUser,
        ServiceUserArn,
        ListVpcEndpointConnectionsResponse,
        EndpointConnection,
        ConnectionZone,
    );
    // The client's own path: bytes → Value → model.
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        let _ = serde_json::from_value::<a::ListVpcEndpointConnectionsResponse>(v.clone());
        let _ = serde_json::from_value::<a::GetLoadBalancerAttributeResponse>(v.clone());
        let _ = serde_json::from_value::<a::DescribeDbInstanceNetInfoResponse>(v);
    }
    ok
}

/// Decodes `bytes` as every TiDB Cloud model.
fn parse_all_tidb(bytes: &[u8]) -> usize {
    let mut ok = 0;
    macro_rules! each {
        ($($ty:ident),* $(,)?) => {$(
            if serde_json::from_slice::<t::$ty>(bytes).is_ok() { ok += 1; }
        )*};
    }
    each!(
        Cluster,
        Region,
        ListClustersResponse,
        PrivateLinkConnection,
        AlicloudEndpointService,
        AwsEndpointService,
        ListPrivateLinkConnectionsResponse,
        AvailabilityZones,
        CreatePrivateLinkConnectionRequest,
        Status,
        ListProjectsResponse,
        Project,
    );
    ok
}

/// Realistic answers (the wire spellings, quirks included) to mutate.
const ALIYUN_SEEDS: &[&str] = &[
    r#"{"RequestId":"R1","Connections":[{"EndpointId":"ep-t4n1","EndpointOwnerId":1234567890123456,"EndpointVpcId":"vpc-1","ServiceId":"epsrv-1","ResourceOwner":false,"ConnectionStatus":"Disconnected","Bandwidth":1024,"ModifiedTime":"2024-01-01T00:00:00Z","Zones":[{"ZoneId":"ap-southeast-1a","VSwitchId":"vsw-1","EniId":"eni-1","ResourceId":"nlb-1","ZoneDomain":"d","ZoneStatus":"Wait"}]}],"NextToken":"","MaxResults":100,"TotalCount":"1"}"#,
    r#"{"RequestId":"R2","LoadBalancerId":"nlb-1","LoadBalancerStatus":"Active","AddressType":"Intranet","VpcId":"vpc-1","ZoneMappings":[{"ZoneId":"ap-southeast-1a","VSwitchId":"vsw-1","LoadBalancerAddresses":[{"PrivateIPv4Address":"10.0.0.5","EniId":"eni-1"}]}],"OperationLocks":[{"LockType":"SecurityLocked","LockReason":"x"}],"DeletionProtectionConfig":{"Enabled":false},"LoadBalancerBillingConfig":{"PayType":"PostPay"}}"#,
    r#"{"RequestId":"R3","DBInstanceNetInfos":{"DBInstanceNetInfo":[{"IPType":"Private","IPAddress":"10.0.1.7","Port":"3306","ConnectionString":"rm-1.mysql.rds.aliyuncs.com","ConnectionStringType":"Normal","VPCId":"vpc-1","VSwitchId":"vsw-2"}]},"InstanceNetworkType":"VPC"}"#,
    r#"{"RequestId":"R4","Items":{"DBInstanceAttribute":[{"DBInstanceId":"rm-1","Engine":"MySQL","EngineVersion":"8.0","DBInstanceStatus":"Running","ZoneId":"ap-southeast-1a","VpcId":"vpc-1","VSwitchId":"vsw-2","Port":"3306","SlaveZones":{"SlaveZone":[{"ZoneId":"ap-southeast-1b"}]}}]}}"#,
    r#"{"RequestId":"R5","ServerGroups":[{"ServerGroupId":"sgp-1","ServerGroupName":"tilink","ServerGroupType":"Ip","Protocol":"TCP","ServerGroupStatus":"Available","VpcId":"vpc-1","HealthCheck":{"HealthCheckEnabled":true,"HealthCheckType":"TCP","HealthCheckConnectPort":0},"Tags":[{"Key":"tilink:setup-id","Value":"tl-1"}]}],"TotalCount":1,"MaxResults":100,"NextToken":""}"#,
    r#"{"RequestId":"R6","Code":"Forbidden.RAM","Message":"User not authorized","Recommend":"https://x","AccessDeniedDetail":{"AuthAction":"nlb:CreateLoadBalancer","PolicyType":"ImplicitDeny"}}"#,
    r#"{"RequestId":"R7","VSwitches":{"VSwitch":[{"VSwitchId":"vsw-1","VpcId":"vpc-1","ZoneId":"ap-southeast-1a","CidrBlock":"10.0.0.0/24","AvailableIpAddressCount":250,"IsDefault":false}]},"TotalCount":1,"PageNumber":1,"PageSize":50}"#,
    r#"{"RequestId":"R8","Users":[{"UserId":1234567890123456,"UserARN":"*"}],"TotalCount":"1","NextToken":""}"#,
    r#"{"RequestId":"R9","Listeners":[{"ListenerId":"lsn-1","ListenerPort":3306,"ListenerProtocol":"TCP","ListenerStatus":"Running","LoadBalancerId":"nlb-1","ServerGroupId":"sgp-1"}],"TotalCount":1}"#,
    r#"{"RequestId":"R10","Items":{"DBInstanceIPArray":[{"DBInstanceIPArrayName":"default","DBInstanceIPArrayAttribute":"","SecurityIPType":"IPv4","SecurityIPList":"127.0.0.1,10.0.0.0/24"}]}}"#,
    r#"{"RequestId":"R11","AccountId":"1234567890","UserId":"2","Arn":"acs:ram::1:user/x","IdentityType":"RAMUser","PrincipalId":"2","RoleId":""}"#,
    r#"{"RequestId":"R12","ListenerHealthStatus":[{"ListenerId":"lsn-1","ListenerPort":3306,"ServerGroupInfos":[{"ServerGroupId":"sgp-1","HeathCheckEnabled":true,"NonNormalServers":[{"ServerIp":"10.0.1.7","Port":3306,"Status":"Unhealthy","Reason":{"ReasonCode":"CONNECT_TIMEOUT"}}]}]}]}"#,
];

const TIDB_SEEDS: &[&str] = &[
    r#"{"privateLinkConnections":[{"privateLinkConnectionId":"plc-1","clusterId":"10000","displayName":"x","state":"ACTIVE","createdBy":"a","createTime":"2024-01-01T00:00:00Z","type":"ALICLOUD_ENDPOINT_SERVICE","alicloudEndpointService":{"name":"com.aliyuncs.privatelink.ap-southeast-1.epsrv-1","endpointId":"ep-1"}}],"nextPageToken":"","totalSize":1}"#,
    r#"{"accountId":"1234567890123456","azIds":["ap-southeast-1a","ap-southeast-1b"]}"#,
    r#"{"clusters":[{"clusterId":"10000","displayName":"c","region":{"name":"regions/alicloud-ap-southeast-1","regionId":"ap-southeast-1","cloudProvider":"alicloud","displayName":"Singapore"},"state":"ACTIVE","labels":{"tidb.cloud/project":"1"},"endpoints":{"public":{"host":"h","port":4000}}}],"nextPageToken":"t","totalSize":"1"}"#,
    r#"{"code":404,"message":"cluster not found","details":[{"@type":"x"}]}"#,
    r#"{"items":[{"id":"1","orgId":"2","name":"p","clusterCount":1,"userCount":2,"createTimestamp":"3"}],"nextPageToken":""}"#,
];

/// Byte-level tokens that stress number, string and structure handling.
const TOKENS: &[&str] = &[
    "null",
    "-1",
    "1e999",
    "18446744073709551616",
    "-9223372036854775809",
    "1.5",
    "\"\"",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "true",
    "[[[[[[[[[[[[[[[[",
    "{\"\":",
    "\u{feff}",
    "\u{1F4A5}",
];

/// One byte-level edit: (position, op, byte, token index).
type Edit = (u16, u8, u8, usize);

fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for &(pos, op, byte, tok) in edits {
        let at = if b.is_empty() {
            0
        } else {
            pos as usize % (b.len() + 1)
        };
        match op % 7 {
            0 if at < b.len() => b[at] ^= byte | 1,
            1 => b.insert(at, byte),
            2 => {
                let end = (at + 1 + byte as usize % 16).min(b.len());
                b.drain(at.min(end)..end);
            }
            3 => b.truncate(at),
            4 => {
                let end = (at + 1 + byte as usize % 32).min(b.len());
                let dup: Vec<u8> = b[at.min(end)..end].to_vec();
                b.splice(at..at, dup);
            }
            _ => {
                let t = TOKENS[tok % TOKENS.len()].as_bytes();
                b.splice(at..at, t.iter().copied());
            }
        }
    }
    b
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (any::<u16>(), any::<u8>(), any::<u8>(), 0..TOKENS.len()),
        1..8,
    )
}

/// Every object key in the seeds and in the serialized models: the vocabulary the
/// structural fuzzer builds objects from, so random values land on real fields.
fn vocabulary(seeds: &[&str], extra: &[Value]) -> Vec<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    out.insert(k.clone());
                    walk(x, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for s in seeds {
        walk(&serde_json::from_str(s).expect("seed is JSON"), &mut out);
    }
    for v in extra {
        walk(v, &mut out);
    }
    out.into_iter().collect()
}

fn aliyun_models() -> Vec<Value> {
    macro_rules! defaults {
        ($($ty:ident),*) => { vec![$(serde_json::to_value(<a::$ty>::default()).unwrap()),*] };
    }
    defaults!(
        ListVpcEndpointConnectionsResponse,
        EndpointConnection,
        ConnectionZone,
        GetLoadBalancerAttributeResponse,
        LoadBalancerCommon,
        ZoneMapping,
        LoadBalancerAddress,
        DbInstanceNetInfo,
        DbInstanceAttribute,
        DbInstance,
        ServerGroup,
        HealthCheck,
        BackendServer,
        Listener,
        EndpointService,
        ServiceResource,
        ServiceUser,
        VSwitch,
        Vpc,
        Zone,
        GetJobStatusResponse,
        ListenerHealthStatus,
        ServerGroupHealth,
        NonNormalServer,
        GetCallerIdentityResponse,
        ErrorBody
    )
}

fn tidb_models() -> Vec<Value> {
    vec![
        serde_json::to_value(t::PrivateLinkConnection::default()).unwrap(),
        serde_json::to_value(t::Cluster::default()).unwrap(),
        serde_json::to_value(t::AvailabilityZones::default()).unwrap(),
        serde_json::to_value(t::Project::default()).unwrap(),
        serde_json::to_value(t::Status::default()).unwrap(),
    ]
}

/// Arbitrary JSON whose object keys come from `vocab` (and sometimes anything).
fn arb_json(vocab: Vec<String>) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-zA-Z0-9 ._:/-]{0,12}".prop_map(Value::String),
        "-?[0-9]{1,25}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    let key = prop_oneof![
        8 => prop::sample::select(vocab),
        1 => any::<String>(),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Replaces the `n`-th node (pre-order, modulo the node count) of `v` with `with`.
fn graft(v: &mut Value, n: usize, with: Value) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Object(m) => m.values().map(count).sum(),
            Value::Array(a) => a.iter().map(count).sum(),
            _ => 0,
        }
    }
    fn go(v: &mut Value, n: &mut usize, with: &mut Option<Value>) {
        if *n == 0 {
            if let Some(w) = with.take() {
                *v = w;
            }
            return;
        }
        *n -= 1;
        match v {
            Value::Object(m) => m.values_mut().for_each(|x| go(x, n, with)),
            Value::Array(a) => a.iter_mut().for_each(|x| go(x, n, with)),
            _ => {}
        }
    }
    let mut n = n % count(v);
    go(v, &mut n, &mut Some(with));
}

#[test]
fn aliyun_parsers_survive_arbitrary_bytes() {
    fuzz(
        "aliyun/bytes",
        prop::collection::vec(any::<u8>(), 0..512),
        |b| {
            parse_all_aliyun(&b);
            Ok(())
        },
    );
}

#[test]
fn aliyun_parsers_survive_mutated_answers() {
    fuzz(
        "aliyun/mutated",
        (0..ALIYUN_SEEDS.len(), edits()),
        |(i, e)| {
            parse_all_aliyun(&mutate(ALIYUN_SEEDS[i].as_bytes(), &e));
            Ok(())
        },
    );
}

#[test]
fn aliyun_parsers_survive_structural_mutations() {
    let vocab = vocabulary(ALIYUN_SEEDS, &aliyun_models());
    fuzz(
        "aliyun/structural",
        (
            0..ALIYUN_SEEDS.len(),
            any::<usize>(),
            arb_json(vocab.clone()),
            arb_json(vocab),
        ),
        |(i, n, graft_in, whole)| {
            let mut v: Value = serde_json::from_str(ALIYUN_SEEDS[i]).unwrap();
            graft(&mut v, n, graft_in);
            parse_all_aliyun(&serde_json::to_vec(&v).unwrap());
            parse_all_aliyun(&serde_json::to_vec(&whole).unwrap());
            Ok(())
        },
    );
}

#[test]
fn tidb_parsers_survive_arbitrary_bytes() {
    fuzz(
        "tidb/bytes",
        prop::collection::vec(any::<u8>(), 0..512),
        |b| {
            parse_all_tidb(&b);
            Ok(())
        },
    );
}

#[test]
fn tidb_parsers_survive_mutated_and_structural_answers() {
    let vocab = vocabulary(TIDB_SEEDS, &tidb_models());
    fuzz(
        "tidb/mutated+structural",
        (
            0..TIDB_SEEDS.len(),
            edits(),
            any::<usize>(),
            arb_json(vocab),
        ),
        |(i, e, n, g)| {
            parse_all_tidb(&mutate(TIDB_SEEDS[i].as_bytes(), &e));
            let mut v: Value = serde_json::from_str(TIDB_SEEDS[i]).unwrap();
            graft(&mut v, n, g);
            parse_all_tidb(&serde_json::to_vec(&v).unwrap());
            Ok(())
        },
    );
}

/// The seeds decode as the models they are answers of, with their values (so the mutations
/// start from valid answers). Every wire struct defaults every field, so "some model parsed"
/// proves nothing: each seed is read by its own model and a value from the seed is checked,
/// and JSON that is not an object is refused by every model.
#[test]
fn seeds_are_valid_answers() {
    fn read<T: serde::de::DeserializeOwned>(seed: &str) -> T {
        serde_json::from_str(seed).unwrap_or_else(|e| panic!("{e}: {seed}"))
    }
    let s = ALIYUN_SEEDS;
    let c: a::ListVpcEndpointConnectionsResponse = read(s[0]);
    assert_eq!(c.connections[0].endpoint_owner_id, 1234567890123456);
    assert_eq!(c.connections[0].connection_status.as_str(), "Disconnected");
    let lb: a::GetLoadBalancerAttributeResponse = read(s[1]);
    assert_eq!(lb.load_balancer.load_balancer_status.as_str(), "Active");
    assert_eq!(lb.load_balancer.zone_mappings[0].zone_id, "ap-southeast-1a");
    let g: a::ListServerGroupsResponse = read(s[4]);
    assert_eq!(g.server_groups[0].server_group_id, "sgp-1");
    assert_eq!(g.server_groups[0].tags[0].value, "tl-1");
    let e: a::ErrorBody = read(s[5]);
    assert_eq!(e.code, "Forbidden.RAM");
    let l: a::ListListenersResponse = read(s[8]);
    assert_eq!(l.listeners[0].listener_port, 3306);
    let id: a::GetCallerIdentityResponse = read(s[10]);
    assert_eq!(id.account_id, "1234567890");
    let t = TIDB_SEEDS;
    let p: t::ListPrivateLinkConnectionsResponse = read(t[0]);
    assert_eq!(p.private_link_connections[0].state, "ACTIVE");
    assert_eq!(
        p.private_link_connections[0]
            .alicloud_endpoint_service
            .as_ref()
            .unwrap()
            .endpoint_id,
        "ep-1"
    );
    let z: t::AvailabilityZones = read(t[1]);
    assert_eq!(z.az_ids.len(), 2);
    // Not an object: no model takes it (the decoders are not "anything goes").
    // (An array is a struct in serde's eyes: `[]` fills every field with its default.)
    for junk in ["\"x\"", "1", "true", "{", ""] {
        assert_eq!(parse_all_aliyun(junk.as_bytes()), 0, "{junk}");
        assert_eq!(parse_all_tidb(junk.as_bytes()), 0, "{junk}");
    }
}

// ─────────────────────────────── journal ───────────────────────────────

const JOURNAL: &str = r#"{
  "version": 1,
  "setup_id": "tl-0123456789ab",
  "cluster_id": "10000",
  "rds_instance_id": "rm-t4n0000000000001",
  "region": "ap-southeast-1",
  "zones": ["ap-southeast-1a", "ap-southeast-1b"],
  "resources": {
    "server_group_id": "sgp-1",
    "load_balancer_id": "nlb-1",
    "listener_id": "lsn-1",
    "endpoint_service_id": "epsrv-1",
    "endpoint_service_name": "com.aliyuncs.privatelink.ap-southeast-1.epsrv-1",
    "private_link_connection_id": "plc-1",
    "endpoint_id": "ep-1",
    "allowlist_group": "tilink_tl0123456789ab"
  },
  "done": ["server-group", "load-balancer"],
  "state": "IN_PROGRESS",
  "last_error": "interrupted",
  "created_at": "2024-01-01T00:00:00Z",
  "updated_at": "2024-01-01T00:00:01Z"
}"#;

fn journal_target(dir: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    let store = JournalStore::new(dir);
    let path = store.path("tl-f0220");
    std::fs::write(&path, bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    match store.load("tl-f0220") {
        Ok(j) => {
            // What loads must also be listable and findable.
            let listed = store.list();
            if tilink::engine::journal::valid_setup_id(&j.setup_id) {
                prop_assert!(listed.iter().any(|x| x == &j));
            } else {
                // A journal naming an invalid setup id is never listed (path safety).
                prop_assert!(listed.is_empty());
            }
            let _ = store.find(&j.cluster_id, Some(&j.rds_instance_id));
            let _ = j.client_token("load-balancer");
        }
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(msg.contains("tl-f0220.json"), "{msg}");
            prop_assert!(store.list().is_empty());
        }
    }
    Ok(())
}

#[test]
fn journal_reader_survives_arbitrary_and_mutated_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("setups")).unwrap();
    assert!(JournalStore::new(dir.path()).path("x").parent().unwrap() == dir.path().join("setups"));
    // The seed is a valid journal.
    std::fs::write(dir.path().join("setups/tl-f0220.json"), JOURNAL).unwrap();
    JournalStore::new(dir.path()).load("tl-f0220").unwrap();

    let vocab = vocabulary(&[JOURNAL], &[]);
    let strategy = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512).prop_map(|b| (b, None)),
        edits().prop_map(|e| (mutate(JOURNAL.as_bytes(), &e), None)),
        (any::<usize>(), arb_json(vocab)).prop_map(|(n, g)| (Vec::new(), Some((n, g)))),
    ];
    fuzz("journal", strategy, |(bytes, graft_in)| {
        let bytes = match graft_in {
            Some((n, g)) => {
                let mut v: Value = serde_json::from_str(JOURNAL).unwrap();
                graft(&mut v, n, g);
                serde_json::to_vec(&v).unwrap()
            }
            None => bytes,
        };
        journal_target(dir.path(), &bytes)
    });
}

// ─────────────────────────── credential files ───────────────────────────

const ALIYUN_JSON: &str = r#"{
  "current": "default",
  "profiles": [
    {"name": "default", "mode": "AK", "access_key_id": "LTAI5tALIYUNDEF1", "access_key_secret": "FUZZSECRETaliyun1",
     "sts_token": "", "ram_role_arn": "", "ram_session_name": "", "expired_seconds": 0, "region_id": "ap-southeast-1"},
    {"name": "prod", "mode": "StsToken", "access_key_id": "STS.PRODPRODPROD", "access_key_secret": "FUZZSECRETaliyun2",
     "sts_token": "FUZZSECRETtoken3", "region_id": "ap-southeast-1"},
    {"name": "assume", "mode": "RamRoleArn", "access_key_id": "LTAI5tASSUMEAS1", "access_key_secret": "FUZZSECRETaliyun4",
     "ram_role_arn": "acs:ram::1234567890:role/tilink-setup", "ram_session_name": "tilink-test", "expired_seconds": 1200}
  ]
}"#;

const ALIBABACLOUD_INI: &str = "\
[default]
type = access_key
access_key_id = LTAI5tINIDEFAULT
access_key_secret = FUZZSECRETini5

[prod]
type = sts
access_key_id = STS.INIPRODINIPROD
access_key_secret = FUZZSECRETini6
security_token = FUZZSECRETinitoken7

[fileonly]
type = ram_role_arn
access_key_id = LTAI5tFILEONLY01
access_key_secret = FUZZSECRETini8
role_arn = acs:ram::1234567890:role/file-role
role_session_name = from-file
role_session_expiration = 3600
";

const TICLOUD_TOML: &str = "\
current-profile = \"default\"

[default]
public-key = \"TICLOUDDEF\"
private-key = \"FUZZSECRETticloud9\"

[staging]
public-key = \"TICLOUDSTG\"
private-key = \"FUZZSECRETticloud10\"
";

const FILES: [(&str, &str); 3] = [
    (".aliyun/config.json", ALIYUN_JSON),
    (".alibabacloud/credentials", ALIBABACLOUD_INI),
    (".ticloud/config.toml", TICLOUD_TOML),
];

/// One file's content: absent, arbitrary bytes, or the valid sample mutated.
#[derive(Debug, Clone)]
enum FileCase {
    Absent,
    Bytes(Vec<u8>),
    Mutated(Vec<Edit>),
    Valid,
}

fn file_case() -> impl Strategy<Value = FileCase> {
    prop_oneof![
        1 => Just(FileCase::Absent),
        1 => Just(FileCase::Valid),
        3 => prop::collection::vec(any::<u8>(), 0..256).prop_map(FileCase::Bytes),
        5 => edits().prop_map(FileCase::Mutated),
    ]
}

fn profile() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("default".to_string())),
        Just(Some("prod".to_string())),
        Just(Some("staging".to_string())),
        Just(Some("fileonly".to_string())),
        Just(Some(String::new())),
        any::<String>().prop_map(Some),
    ]
}

/// A `Malformed` error promises not to quote the file: no sample secret may appear in it.
fn no_secret_in(e: &CredentialsError) -> Result<(), TestCaseError> {
    if let CredentialsError::Malformed { .. } = e {
        let msg = format!("{e} {e:?}");
        prop_assert!(!msg.contains("FUZZSECRET"), "secret in error: {msg}");
    }
    Ok(())
}

#[test]
fn credential_readers_survive_arbitrary_and_mutated_files() {
    let home = tempfile::tempdir().unwrap();
    for (rel, _) in FILES {
        std::fs::create_dir_all(home.path().join(rel).parent().unwrap()).unwrap();
    }
    let strategy = (
        [file_case(), file_case(), file_case()],
        profile(),
        profile(),
        any::<bool>(),
    );
    fuzz(
        "credentials",
        strategy,
        |(files, aliyun_profile, ticloud_profile, env_profile)| {
            for ((rel, sample), case) in FILES.iter().zip(files.iter()) {
                let p = home.path().join(rel);
                match case {
                    FileCase::Absent => {
                        let _ = std::fs::remove_file(&p);
                    }
                    FileCase::Valid => std::fs::write(&p, sample).unwrap(),
                    FileCase::Bytes(b) => std::fs::write(&p, b).unwrap(),
                    FileCase::Mutated(e) => {
                        std::fs::write(&p, mutate(sample.as_bytes(), e)).unwrap()
                    }
                }
            }
            let mut env = HashMap::new();
            if env_profile && let Some(p) = &aliyun_profile {
                env.insert("ALIBABA_CLOUD_PROFILE".to_string(), p.clone());
            }
            let inputs = Inputs {
                home: home.path().to_path_buf(),
                env,
                aliyun_profile: if env_profile {
                    None
                } else {
                    aliyun_profile.clone()
                },
                ticloud_profile,
                use_keyring: false,
                ..Inputs::default()
            };
            if let Err(e) = resolve_alibaba(&inputs) {
                no_secret_in(&e)?;
            }
            if let Err(e) = resolve_tidb(&inputs) {
                no_secret_in(&e)?;
            }
            for l in explain_alibaba(&inputs)
                .iter()
                .chain(explain_tidb(&inputs).iter())
            {
                let line = l.to_string();
                prop_assert!(!line.contains("FUZZSECRET"), "secret in lookup: {line}");
            }
            Ok(())
        },
    );
}
