//! Alibaba authentication failures and error codes, as the real APIs answer them.

use super::*;

#[tokio::test]
async fn alibaba_auth_and_error_codes() {
    let h = start(0.002).await;
    let m = h.manifest().clone();
    let mut ali = Ali::new(&h);
    let region = m.region.as_str();

    // V1 GET and V1 POST with a form body (spaces as '+').
    let (s, v) = ali
        .v1("GET", VPC, "DescribeVpcs", &[("RegionId", region)])
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["Vpcs"]["Vpc"].as_array().unwrap().len(), 2);
    let (s, v) = ali
        .v1(
            "POST",
            NLB,
            "ListLoadBalancers",
            &[
                ("RegionId", region),
                ("Tag.1.Key", "owner"),
                ("Tag.1.Value", "tidb cloud/~*+"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["TotalCount"], 0);

    // Wrong secret, unknown key (V1 and V3).
    let good = ali.secret.clone();
    ali.secret = "wrong".into();
    let (s, v) = ali
        .v1("POST", VPC, "DescribeZones", &[("RegionId", region)])
        .await;
    assert_eq!(
        (s, v["Code"].as_str()),
        (400, Some("SignatureDoesNotMatch"))
    );
    assert!(
        v["Message"]
            .as_str()
            .unwrap()
            .contains("server string to sign is:POST&%2F&")
    );
    let (s, code, _) = ali
        .err(VPC, "DescribeZones", &[("RegionId", region)], &[])
        .await;
    assert_eq!((s, code.as_str()), (400, "SignatureDoesNotMatch"));
    ali.secret = good;
    let ak = ali.ak.clone();
    ali.ak = "LTAI5tNotAKey".into();
    let (s, code, _) = ali
        .err(VPC, "DescribeZones", &[("RegionId", region)], &[])
        .await;
    assert_eq!((s, code.as_str()), (404, "InvalidAccessKeyId.NotFound"));
    ali.ak = ak;

    // Routing and parameters.
    assert_eq!(
        ali.err(NLB, "NoSuchAction", &[], &[]).await.1,
        "InvalidApi.NotFound"
    );
    assert_eq!(
        ali.err(NLB, "CreateServerGroup", &[], &[("RegionId", region)])
            .await
            .1,
        "MissingParam.ServerGroupName"
    );
    assert_eq!(
        ali.err(RDS, "DescribeDBInstanceAttribute", &[], &[])
            .await
            .1,
        "MissingParameter"
    );
    let (s, c, _) = ali
        .err(
            RDS,
            "DescribeDBInstanceAttribute",
            &[("DBInstanceId", "rm-nope")],
            &[],
        )
        .await;
    assert_eq!((s, c.as_str()), (400, "InvalidDBInstanceId.NotFound"));
    let (s, c, _) = ali
        .err(
            PL,
            "GetVpcEndpointServiceAttribute",
            &[("RegionId", region), ("ServiceId", "epsrv-nope")],
            &[],
        )
        .await;
    assert_eq!((s, c.as_str()), (400, "EndpointServiceNotFound"));
    let (s, c, _) = ali
        .err(NLB, "GetJobStatus", &[("JobId", "nope")], &[])
        .await;
    assert_eq!((s, c.as_str()), (404, "ResourceNotFound.JobId"));
    // GetJobStatus declares only JobId and ClientToken: a RegionId is refused.
    let (s, c, _) = ali
        .err(
            NLB,
            "GetJobStatus",
            &[("RegionId", region), ("JobId", "nope")],
            &[],
        )
        .await;
    assert_eq!((s, c.as_str()), (400, "InvalidParameter"));

    // NLB validation: zone/vSwitch mismatch, too few IPs, one zone.
    let state = admin(&h, "/_sim/state", None).await;
    let vsws = state["vswitches"].as_array().unwrap();
    let find = |zone: &str, cidr_prefix: &str| {
        vsws.iter()
            .find(|v| {
                v["ZoneId"] == zone && v["CidrBlock"].as_str().unwrap().starts_with(cidr_prefix)
            })
            .unwrap()["VSwitchId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (a, b, c_small) = (
        find("ap-southeast-1a", "172.16"),
        find("ap-southeast-1b", "172.16"),
        find("ap-southeast-1c", "172.16"),
    );
    let vpc = vsws.iter().find(|v| v["VSwitchId"] == a.as_str()).unwrap()["VpcId"]
        .as_str()
        .unwrap()
        .to_string();
    let lb = |z1: &'static str, v1: String, z2: &'static str, v2: String| {
        vec![
            ("RegionId", region.to_string()),
            ("AddressType", "Intranet".to_string()),
            ("VpcId", vpc.clone()),
            ("ZoneMappings.1.ZoneId", z1.to_string()),
            ("ZoneMappings.1.VSwitchId", v1),
            ("ZoneMappings.2.ZoneId", z2.to_string()),
            ("ZoneMappings.2.VSwitchId", v2),
        ]
    };
    let as_ref = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };
    for (form, code) in [
        (
            lb("ap-southeast-1a", b.clone(), "ap-southeast-1b", a.clone()),
            "Mismatch.ZoneIdAndVswitchId",
        ),
        (
            lb(
                "ap-southeast-1a",
                a.clone(),
                "ap-southeast-1c",
                c_small.clone(),
            ),
            "ResourceNotEnough.VSwitchIp",
        ),
    ] {
        let f = as_ref(&form);
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(ali.err(NLB, "CreateLoadBalancer", &[], &refs).await.1, code);
    }
    let one = [
        ("RegionId", region),
        ("AddressType", "Intranet"),
        ("VpcId", vpc.as_str()),
        ("ZoneMappings.1.ZoneId", "ap-southeast-1a"),
        ("ZoneMappings.1.VSwitchId", a.as_str()),
    ];
    assert_eq!(
        ali.err(NLB, "CreateLoadBalancer", &[], &one).await.1,
        "IllegalParam.ZoneMappings"
    );

    // RDS: ModifySecurityIps on a stopped instance.
    let stopped = state["rds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["DBInstanceStatus"] == "Stopped")
        .unwrap()["DBInstanceId"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, c, _) = ali
        .err(
            RDS,
            "ModifySecurityIps",
            &[("DBInstanceId", &stopped), ("SecurityIps", "10.0.0.0/8")],
            &[],
        )
        .await;
    assert_eq!((s, c.as_str()), (403, "IncorrectDBInstanceState"));
    let list = ali
        .ok(
            RDS,
            "DescribeDBInstances",
            &[("RegionId", region), ("Engine", "MySQL")],
            &[],
        )
        .await;
    assert!(list["Items"]["DBInstance"].as_array().unwrap().len() >= 4);

    // Read-only key: reads work, writes are Forbidden.RAM with AccessDeniedDetail.
    let ro = &state["readonly_key"];
    let reader = Ali {
        ak: ro["access_key_id"].as_str().unwrap().into(),
        secret: ro["access_key_secret"].as_str().unwrap().into(),
        ..Ali::new(&h)
    };
    reader
        .ok(NLB, "ListLoadBalancers", &[("RegionId", region)], &[])
        .await;
    let (s, c, v) = reader
        .err(
            NLB,
            "CreateServerGroup",
            &[],
            &[
                ("RegionId", region),
                ("ServerGroupName", "x-sg"),
                ("VpcId", &vpc),
            ],
        )
        .await;
    assert_eq!((s, c.as_str()), (403, "Forbidden.RAM"));
    assert_eq!(
        v["AccessDeniedDetail"]["AuthAction"],
        "nlb:CreateServerGroup"
    );

    // STS key with its token (V3 and V1); without the token it is refused.
    let sts = &state["sts_key"];
    let mut temp = Ali {
        ak: sts["access_key_id"].as_str().unwrap().into(),
        secret: sts["access_key_secret"].as_str().unwrap().into(),
        token: sts["security_token"].as_str().map(String::from),
        ..Ali::new(&h)
    };
    let id = temp.ok(STS, "GetCallerIdentity", &[], &[]).await;
    assert_eq!(id["IdentityType"], "AssumedRoleUser");
    let (s, _) = temp
        .v1("POST", VPC, "DescribeZones", &[("RegionId", region)])
        .await;
    assert_eq!(s, 200);
    temp.token = None;
    temp.err(STS, "GetCallerIdentity", &[], &[]).await;

    // NeedOpenProduct until PrivateLink is opened.
    admin(
        &h,
        "/_sim/inject",
        Some(json!({"kind": "privatelink-closed"})),
    )
    .await;
    let v = ali.ok(PL, "CheckProductOpen", &[], &[]).await;
    assert_eq!(v["Success"], false);
    assert_eq!(
        ali.err(
            PL,
            "CreateVpcEndpointService",
            &[("RegionId", region), ("ServiceResourceType", "nlb")],
            &[]
        )
        .await
        .1,
        "NeedOpenProduct"
    );
    ali.ok(PL, "OpenPrivateLinkService", &[], &[]).await;
    assert_eq!(
        ali.err(PL, "OpenPrivateLinkService", &[], &[]).await.1,
        "OrderOpend"
    );
    h.shutdown().await;
}
