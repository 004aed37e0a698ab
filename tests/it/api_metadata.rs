//! tilink's wire models against the official API metadata (`assets/alibaba-api-meta.json`):
//! for every action tilink calls, a response built from the metadata's own fields is decoded
//! into the model tilink reads and encoded again (which is what the simulator serves). The
//! result must hold only fields the real API returns, with their types: a field tilink reads
//! that the real API lacks shows up here, because the models default every field.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tilink::sim::strict::check_response;
use tilink::wire::aliyun as w;
use tilink::wire::apimeta;

/// A sample response holding every field the metadata declares (one item per array).
fn sample(schema: &Value) -> Value {
    match schema {
        Value::String(t) => match t.split('(').next().unwrap_or(t) {
            "integer" => json!(1),
            "number" => json!(1.5),
            "boolean" => json!(true),
            // digits, so string-typed numbers (RDS `Port`, PrivateLink `TotalCount`) decode
            _ => json!("7"),
        },
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("array") => json!([sample(o.get("items").unwrap_or(&json!("string")))]),
            _ => {
                let fields = o.get("fields").and_then(Value::as_object);
                Value::Object(
                    fields
                        .map(|f| f.iter().map(|(k, v)| (k.clone(), sample(v))).collect())
                        .unwrap_or_default(),
                )
            }
        },
        _ => Value::Null,
    }
}

fn full_response(version: &str, action: &str) -> Value {
    let (_, meta) = apimeta::action(version, action).expect("declared action");
    let m: Map<String, Value> = meta
        .response
        .iter()
        .map(|(k, v)| (k.clone(), sample(v)))
        .collect();
    Value::Object(m)
}

fn roundtrip<T: DeserializeOwned + Serialize>(version: &str, action: &str) -> Vec<String> {
    let full = full_response(version, action);
    let model: T = match serde_json::from_value(full) {
        Ok(m) => m,
        Err(e) => {
            return vec![format!(
                "{action}: the model cannot read the real shape: {e}"
            )];
        }
    };
    let served = serde_json::to_value(&model).expect("serializes");
    check_response(version, action, &served)
}

const STS: &str = "2015-04-01";
const VPC: &str = "2016-04-28";
const RDS: &str = "2014-08-15";
const NLB: &str = "2022-04-30";
const PL: &str = "2020-04-15";

type Check = fn(&str, &str) -> Vec<String>;

/// Every action tilink calls, with the model it reads the answer into.
const MODELS: &[(&str, &str, Check)] = &[
    (
        STS,
        "GetCallerIdentity",
        roundtrip::<w::GetCallerIdentityResponse>,
    ),
    (VPC, "DescribeVpcs", roundtrip::<w::DescribeVpcsResponse>),
    (
        VPC,
        "DescribeVSwitches",
        roundtrip::<w::DescribeVSwitchesResponse>,
    ),
    (VPC, "DescribeZones", roundtrip::<w::DescribeZonesResponse>),
    (
        RDS,
        "DescribeDBInstances",
        roundtrip::<w::DescribeDbInstancesResponse>,
    ),
    (
        RDS,
        "DescribeDBInstanceAttribute",
        roundtrip::<w::DescribeDbInstanceAttributeResponse>,
    ),
    (
        RDS,
        "DescribeDBInstanceNetInfo",
        roundtrip::<w::DescribeDbInstanceNetInfoResponse>,
    ),
    (
        RDS,
        "DescribeDBInstanceIPArrayList",
        roundtrip::<w::DescribeDbInstanceIpArrayListResponse>,
    ),
    (
        RDS,
        "ModifySecurityIps",
        roundtrip::<w::ModifySecurityIpsResponse>,
    ),
    (
        NLB,
        "CreateServerGroup",
        roundtrip::<w::ServerGroupJobResponse>,
    ),
    (
        NLB,
        "AddServersToServerGroup",
        roundtrip::<w::ServerGroupJobResponse>,
    ),
    (
        NLB,
        "RemoveServersFromServerGroup",
        roundtrip::<w::ServerGroupJobResponse>,
    ),
    (NLB, "DeleteServerGroup", roundtrip::<w::JobResponse>),
    (
        NLB,
        "ListServerGroups",
        roundtrip::<w::ListServerGroupsResponse>,
    ),
    (
        NLB,
        "ListServerGroupServers",
        roundtrip::<w::ListServerGroupServersResponse>,
    ),
    (
        NLB,
        "CreateLoadBalancer",
        roundtrip::<w::CreateLoadBalancerResponse>,
    ),
    (
        NLB,
        "GetLoadBalancerAttribute",
        roundtrip::<w::GetLoadBalancerAttributeResponse>,
    ),
    (
        NLB,
        "ListLoadBalancers",
        roundtrip::<w::ListLoadBalancersResponse>,
    ),
    (NLB, "DeleteLoadBalancer", roundtrip::<w::JobResponse>),
    (
        NLB,
        "CreateListener",
        roundtrip::<w::CreateListenerResponse>,
    ),
    (
        NLB,
        "GetListenerAttribute",
        roundtrip::<w::GetListenerAttributeResponse>,
    ),
    (NLB, "ListListeners", roundtrip::<w::ListListenersResponse>),
    (NLB, "DeleteListener", roundtrip::<w::JobResponse>),
    (
        NLB,
        "GetListenerHealthStatus",
        roundtrip::<w::GetListenerHealthStatusResponse>,
    ),
    (NLB, "GetJobStatus", roundtrip::<w::GetJobStatusResponse>),
    (
        NLB,
        "DescribeZones",
        roundtrip::<w::NlbDescribeZonesResponse>,
    ),
    (NLB, "TagResources", roundtrip::<w::Ack>),
    (
        PL,
        "CheckProductOpen",
        roundtrip::<w::CheckProductOpenResponse>,
    ),
    (
        PL,
        "OpenPrivateLinkService",
        roundtrip::<w::OpenPrivateLinkServiceResponse>,
    ),
    (PL, "DescribeZones", roundtrip::<w::DescribeZonesResponse>),
    (
        PL,
        "CreateVpcEndpointService",
        roundtrip::<w::CreateVpcEndpointServiceResponse>,
    ),
    (
        PL,
        "GetVpcEndpointServiceAttribute",
        roundtrip::<w::GetVpcEndpointServiceAttributeResponse>,
    ),
    (
        PL,
        "ListVpcEndpointServices",
        roundtrip::<w::ListVpcEndpointServicesResponse>,
    ),
    (PL, "DeleteVpcEndpointService", roundtrip::<w::Ack>),
    (
        PL,
        "AttachResourceToVpcEndpointService",
        roundtrip::<w::Ack>,
    ),
    (
        PL,
        "ListVpcEndpointServiceResources",
        roundtrip::<w::ListVpcEndpointServiceResourcesResponse>,
    ),
    (PL, "AddUserToVpcEndpointService", roundtrip::<w::Ack>),
    (PL, "RemoveUserFromVpcEndpointService", roundtrip::<w::Ack>),
    (
        PL,
        "ListVpcEndpointServiceUsers",
        roundtrip::<w::ListVpcEndpointServiceUsersResponse>,
    ),
    (
        PL,
        "ListVpcEndpointConnections",
        roundtrip::<w::ListVpcEndpointConnectionsResponse>,
    ),
    (PL, "EnableVpcEndpointConnection", roundtrip::<w::Ack>),
    (PL, "DisableVpcEndpointConnection", roundtrip::<w::Ack>),
    (PL, "TagResources", roundtrip::<w::Ack>),
];

#[test]
fn every_model_reads_only_fields_the_real_api_returns() {
    let diffs: Vec<String> = MODELS
        .iter()
        .flat_map(|(version, action, check)| check(version, action))
        .collect();
    assert!(
        diffs.is_empty(),
        "{} differences from the official metadata:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn the_metadata_is_the_shared_reference_when_it_is_here() {
    // On a developer machine the shared folder sits beside the repo: the compiled-in asset
    // must be what scripts/refresh-api-meta derives from it today.
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/alibaba-api-meta.json");
    let Ok(bytes) = std::fs::read(&shared) else {
        eprintln!("shared reference not present; the asset's own checks still ran");
        return;
    };
    let asset: Value = serde_json::from_str(include_str!("../../assets/alibaba-api-meta.json"))
        .expect("asset parses");
    let digest = tilink::cloud::aliyun::sign::sha256_hex(&bytes);
    assert_eq!(
        asset["source_sha256"].as_str(),
        Some(digest.as_str()),
        "the shared metadata changed: run scripts/refresh-api-meta"
    );
}
