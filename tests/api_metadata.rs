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

#[test]
fn every_model_reads_only_fields_the_real_api_returns() {
    let mut diffs = Vec::new();
    diffs.extend(roundtrip::<w::GetCallerIdentityResponse>(
        STS,
        "GetCallerIdentity",
    ));
    diffs.extend(roundtrip::<w::DescribeVpcsResponse>(VPC, "DescribeVpcs"));
    diffs.extend(roundtrip::<w::DescribeVSwitchesResponse>(
        VPC,
        "DescribeVSwitches",
    ));
    diffs.extend(roundtrip::<w::DescribeZonesResponse>(VPC, "DescribeZones"));
    diffs.extend(roundtrip::<w::DescribeDbInstancesResponse>(
        RDS,
        "DescribeDBInstances",
    ));
    diffs.extend(roundtrip::<w::DescribeDbInstanceAttributeResponse>(
        RDS,
        "DescribeDBInstanceAttribute",
    ));
    diffs.extend(roundtrip::<w::DescribeDbInstanceNetInfoResponse>(
        RDS,
        "DescribeDBInstanceNetInfo",
    ));
    diffs.extend(roundtrip::<w::DescribeDbInstanceIpArrayListResponse>(
        RDS,
        "DescribeDBInstanceIPArrayList",
    ));
    diffs.extend(roundtrip::<w::ModifySecurityIpsResponse>(
        RDS,
        "ModifySecurityIps",
    ));
    diffs.extend(roundtrip::<w::ServerGroupJobResponse>(
        NLB,
        "CreateServerGroup",
    ));
    diffs.extend(roundtrip::<w::ServerGroupJobResponse>(
        NLB,
        "AddServersToServerGroup",
    ));
    diffs.extend(roundtrip::<w::ServerGroupJobResponse>(
        NLB,
        "RemoveServersFromServerGroup",
    ));
    diffs.extend(roundtrip::<w::JobResponse>(NLB, "DeleteServerGroup"));
    diffs.extend(roundtrip::<w::ListServerGroupsResponse>(
        NLB,
        "ListServerGroups",
    ));
    diffs.extend(roundtrip::<w::ListServerGroupServersResponse>(
        NLB,
        "ListServerGroupServers",
    ));
    diffs.extend(roundtrip::<w::CreateLoadBalancerResponse>(
        NLB,
        "CreateLoadBalancer",
    ));
    diffs.extend(roundtrip::<w::GetLoadBalancerAttributeResponse>(
        NLB,
        "GetLoadBalancerAttribute",
    ));
    diffs.extend(roundtrip::<w::ListLoadBalancersResponse>(
        NLB,
        "ListLoadBalancers",
    ));
    diffs.extend(roundtrip::<w::JobResponse>(NLB, "DeleteLoadBalancer"));
    diffs.extend(roundtrip::<w::CreateListenerResponse>(
        NLB,
        "CreateListener",
    ));
    diffs.extend(roundtrip::<w::GetListenerAttributeResponse>(
        NLB,
        "GetListenerAttribute",
    ));
    diffs.extend(roundtrip::<w::ListListenersResponse>(NLB, "ListListeners"));
    diffs.extend(roundtrip::<w::JobResponse>(NLB, "DeleteListener"));
    diffs.extend(roundtrip::<w::GetListenerHealthStatusResponse>(
        NLB,
        "GetListenerHealthStatus",
    ));
    diffs.extend(roundtrip::<w::GetJobStatusResponse>(NLB, "GetJobStatus"));
    diffs.extend(roundtrip::<w::NlbDescribeZonesResponse>(
        NLB,
        "DescribeZones",
    ));
    diffs.extend(roundtrip::<w::Ack>(NLB, "TagResources"));
    diffs.extend(roundtrip::<w::CheckProductOpenResponse>(
        PL,
        "CheckProductOpen",
    ));
    diffs.extend(roundtrip::<w::OpenPrivateLinkServiceResponse>(
        PL,
        "OpenPrivateLinkService",
    ));
    diffs.extend(roundtrip::<w::DescribeZonesResponse>(PL, "DescribeZones"));
    diffs.extend(roundtrip::<w::CreateVpcEndpointServiceResponse>(
        PL,
        "CreateVpcEndpointService",
    ));
    diffs.extend(roundtrip::<w::GetVpcEndpointServiceAttributeResponse>(
        PL,
        "GetVpcEndpointServiceAttribute",
    ));
    diffs.extend(roundtrip::<w::ListVpcEndpointServicesResponse>(
        PL,
        "ListVpcEndpointServices",
    ));
    diffs.extend(roundtrip::<w::Ack>(PL, "DeleteVpcEndpointService"));
    diffs.extend(roundtrip::<w::Ack>(
        PL,
        "AttachResourceToVpcEndpointService",
    ));
    diffs.extend(roundtrip::<w::ListVpcEndpointServiceResourcesResponse>(
        PL,
        "ListVpcEndpointServiceResources",
    ));
    diffs.extend(roundtrip::<w::Ack>(PL, "AddUserToVpcEndpointService"));
    diffs.extend(roundtrip::<w::Ack>(PL, "RemoveUserFromVpcEndpointService"));
    diffs.extend(roundtrip::<w::ListVpcEndpointServiceUsersResponse>(
        PL,
        "ListVpcEndpointServiceUsers",
    ));
    diffs.extend(roundtrip::<w::ListVpcEndpointConnectionsResponse>(
        PL,
        "ListVpcEndpointConnections",
    ));
    diffs.extend(roundtrip::<w::Ack>(PL, "EnableVpcEndpointConnection"));
    diffs.extend(roundtrip::<w::Ack>(PL, "DisableVpcEndpointConnection"));
    diffs.extend(roundtrip::<w::Ack>(PL, "TagResources"));
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
    let asset: Value = serde_json::from_str(include_str!("../assets/alibaba-api-meta.json"))
        .expect("asset parses");
    let digest = sha256_hex(&bytes);
    assert_eq!(
        asset["source_sha256"].as_str(),
        Some(digest.as_str()),
        "the shared metadata changed: run scripts/refresh-api-meta"
    );
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}
