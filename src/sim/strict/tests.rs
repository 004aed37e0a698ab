use super::*;

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn nlb(action: &str, form: &[(&str, &str)]) -> Result<(), AliError> {
    check_request(
        "2022-04-30",
        action,
        &[],
        &pairs(form),
        false,
        &Strictness::default(),
    )
}

const LISTENER: &[(&str, &str)] = &[
    ("ListenerProtocol", "TCP"),
    ("ListenerPort", "3306"),
    ("LoadBalancerId", "nlb-1"),
    ("ServerGroupId", "sgp-1"),
];

fn with(
    base: &[(&'static str, &'static str)],
    extra: (&'static str, &'static str),
) -> Vec<(&'static str, &'static str)> {
    let mut v = base.to_vec();
    v.push(extra);
    v
}

#[test]
fn listener_description_with_a_space_is_illegal() {
    assert!(nlb("CreateListener", LISTENER).is_ok());
    assert!(
        nlb(
            "CreateListener",
            &with(LISTENER, ("ListenerDescription", "tilink_tl-1"))
        )
        .is_ok()
    );
    let e = nlb(
        "CreateListener",
        &with(LISTENER, ("ListenerDescription", "tilink tl-1")),
    )
    .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str()),
        (400, "IllegalParam.ListenerDescription")
    );
    let e = nlb(
        "CreateListener",
        &with(LISTENER, ("ListenerDescription", "x")),
    )
    .unwrap_err();
    assert_eq!(e.code, "IllegalParam.ListenerDescription");
}

#[test]
fn missing_undeclared_enum_range_and_conditional_range() {
    let e = nlb("CreateListener", &LISTENER[1..]).unwrap_err();
    assert_eq!(e.code, "MissingParam.ListenerProtocol");
    let e = nlb(
        "GetJobStatus",
        &[("JobId", "j"), ("RegionId", "ap-southeast-1")],
    )
    .unwrap_err();
    assert_eq!((e.status, e.code.as_str()), (400, "InvalidParameter"));
    let e = nlb("CreateListener", &with(LISTENER, ("IdleTimeout", "901"))).unwrap_err();
    assert_eq!(e.code, "IllegalParam.IdleTimeout");
    assert!(nlb("CreateListener", &with(LISTENER, ("IdleTimeout", "900"))).is_ok());
    let lb = [
        ("AddressType", "Intranet"),
        ("VpcId", "vpc-1"),
        ("ZoneMappings.1.ZoneId", "a"),
        ("ZoneMappings.1.VSwitchId", "vsw-a"),
    ];
    assert!(nlb("CreateLoadBalancer", &lb).is_ok());
    let e = nlb(
        "CreateLoadBalancer",
        &with(&lb, ("LoadBalancerType", "Network")),
    )
    .unwrap_err();
    assert!(e.message.contains("exact spelling"), "{}", e.message);
    assert!(
        nlb(
            "CreateLoadBalancer",
            &with(&lb, ("LoadBalancerType", "network"))
        )
        .is_ok()
    );
    let e = nlb("CreateLoadBalancer", &lb[..3]).unwrap_err();
    assert_eq!(e.code, "MissingParam.VSwitchId");
    let e = nlb(
        "CreateLoadBalancer",
        &with(&lb, ("ZoneMappings.1.Colour", "x")),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameter");
}

#[test]
fn privatelink_page_size_and_rds_spaces() {
    let e = check_request(
        "2020-04-15",
        "ListVpcEndpointServiceResources",
        &pairs(&[("RegionId", "r"), ("ServiceId", "s"), ("MaxResults", "100")]),
        &[],
        true,
        &Strictness::default(),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameter");
    // V3: a query parameter sent in the body is misplaced.
    let e = check_request(
        "2020-04-15",
        "ListVpcEndpointServiceResources",
        &[],
        &pairs(&[("RegionId", "r"), ("ServiceId", "s")]),
        true,
        &Strictness::default(),
    )
    .unwrap_err();
    assert!(e.message.contains("placement"), "{}", e.message);
    let ips = [
        ("DBInstanceId", "rm-1"),
        ("SecurityIps", "10.0.0.0/24, 10.0.1.0/24"),
    ];
    let e = check_request(
        "2014-08-15",
        "ModifySecurityIps",
        &pairs(&ips),
        &[],
        false,
        &Strictness::default(),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameter");
}

#[test]
fn a_rule_is_relaxed_only_by_name() {
    let mut s = Strictness::default();
    assert!(s.relax("nonsense").is_err());
    s.relax("charset").unwrap();
    let form = pairs(&with(LISTENER, ("ListenerDescription", "tilink tl-1")));
    assert!(check_request("2022-04-30", "CreateListener", &[], &form, false, &s).is_ok());
    let form = pairs(&with(LISTENER, ("ListenerDescription", "x")));
    assert!(check_request("2022-04-30", "CreateListener", &[], &form, false, &s).is_err());
}

#[test]
fn responses_are_checked_both_ways() {
    let ok = serde_json::json!({"RequestId": "r", "Tags": [{"TagKey": "k", "TagValue": "v"}], "ListenerPort": 3306});
    assert!(check_response("2022-04-30", "GetListenerAttribute", &ok).is_empty());
    let bad = serde_json::json!({"RequestId": "r", "Tags": [{"Key": "k", "Value": "v"}], "ListenerPort": "3306"});
    let d = check_response("2022-04-30", "GetListenerAttribute", &bad);
    assert_eq!(d.len(), 3, "{d:?}");
    let d = check_response(
        "2020-04-15",
        "GetVpcEndpointServiceAttribute",
        &serde_json::json!({"Tags": []}),
    );
    assert_eq!(d.len(), 1, "{d:?}");
}
