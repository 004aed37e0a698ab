//! The whole chain over V3-signed calls, then its teardown.

use super::*;

#[tokio::test]
async fn full_chain_v3_and_teardown() {
    let h = start(0.002).await;
    let m = h.manifest().clone();
    let ali = Ali::new(&h);
    let mut tidb = Tidb::new(&h);
    let region = m.region.as_str();

    let id = ali.ok(STS, "GetCallerIdentity", &[], &[]).await;
    assert_eq!(id["IdentityType"], "RAMUser");
    let net = ali.net_info(&m.rds_instance_id).await;
    let info = &net["DBInstanceNetInfos"]["DBInstanceNetInfo"][0];
    let (ip, vpc) = (
        info["IPAddress"].as_str().unwrap().to_string(),
        info["VPCId"].as_str().unwrap().to_string(),
    );
    assert_eq!(info["Port"], "3306");
    let (s, zones) = tidb
        .call(
            "GET",
            &format!(
                "/v1beta1/clusters/{}/privateLinkConnections:getAvailabilityZones",
                m.cluster_id
            ),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(zones["accountId"], m.tidb_account_id);
    let vsw = ali
        .ok(
            VPC,
            "DescribeVSwitches",
            &[("RegionId", region), ("VpcId", &vpc)],
            &[],
        )
        .await;
    let mut by_zone = BTreeMap::new();
    for v in vsw["VSwitches"]["VSwitch"].as_array().unwrap() {
        by_zone.insert(
            v["ZoneId"].as_str().unwrap().to_string(),
            (
                v["VSwitchId"].as_str().unwrap().to_string(),
                v["CidrBlock"].as_str().unwrap().to_string(),
                v["AvailableIpAddressCount"].as_u64().unwrap(),
            ),
        );
    }
    let (za, zb) = ("ap-southeast-1a", "ap-southeast-1b");
    let vsw_za = [("RegionId", region), ("VSwitchId", by_zone[za].0.as_str())];

    // Server group with ClientToken idempotency.
    let sg_form = [
        ("RegionId", region),
        ("ServerGroupName", "tilink-sg"),
        ("ServerGroupType", "Ip"),
        ("VpcId", vpc.as_str()),
        ("Protocol", "TCP"),
        ("HealthCheckConfig.HealthCheckEnabled", "True"),
        ("ClientToken", "tok-sg"),
        ("Tag.1.Key", "tilink:setup-id"),
        ("Tag.1.Value", "s1"),
    ];
    let sg = ali.ok(NLB, "CreateServerGroup", &[], &sg_form).await;
    let sg_id = sg["ServerGroupId"].as_str().unwrap().to_string();
    let sg_q = [("RegionId", region), ("ServerGroupId", sg_id.as_str())];
    let again = ali.ok(NLB, "CreateServerGroup", &[], &sg_form).await;
    assert_eq!(again["ServerGroupId"], sg_id);
    let mut changed = sg_form;
    changed[1].1 = "other-name";
    assert_eq!(
        ali.err(NLB, "CreateServerGroup", &[], &changed).await.1,
        "IdempotenceSignatureMismatch"
    );
    let listed = ali
        .ok(
            NLB,
            "ListServerGroups",
            &[
                ("RegionId", region),
                ("Tag.1.Key", "tilink:setup-id"),
                ("Tag.1.Value", "s1"),
            ],
            &[],
        )
        .await;
    assert_eq!(listed["ServerGroups"].as_array().unwrap().len(), 1);
    assert!(
        listed["ServerGroups"][0]["HealthCheck"]["HealthCheckEnabled"]
            .as_bool()
            .unwrap()
    );
    // Adding before Available is refused.
    let servers = [
        ("RegionId", region),
        ("ServerGroupId", sg_id.as_str()),
        ("Servers.1.ServerId", ip.as_str()),
        ("Servers.1.ServerIp", ip.as_str()),
        ("Servers.1.ServerType", "Ip"),
        ("Servers.1.Port", "3306"),
    ];
    let job = sg["JobId"].as_str().unwrap().to_string();
    poll("server group job", || async {
        let v = ali.ok(NLB, "GetJobStatus", &[("JobId", &job)], &[]).await;
        (v["Status"] == "Succeeded").then_some(v)
    })
    .await;
    ali.ok(NLB, "AddServersToServerGroup", &[], &servers).await;

    // Load balancer: 3 IPs per vSwitch.
    let dry = [
        ("RegionId", region),
        ("AddressType", "Intranet"),
        ("VpcId", vpc.as_str()),
        ("ZoneMappings.1.ZoneId", za),
        ("ZoneMappings.1.VSwitchId", by_zone[za].0.as_str()),
        ("ZoneMappings.2.ZoneId", zb),
        ("ZoneMappings.2.VSwitchId", by_zone[zb].0.as_str()),
        ("DryRun", "true"),
    ];
    assert_eq!(
        ali.err(NLB, "CreateLoadBalancer", &[], &dry).await.1,
        "DryRunOperation"
    );
    let lb_form = &dry[..7];
    let lb = ali.ok(NLB, "CreateLoadBalancer", &[], lb_form).await;
    let lb_id = lb["LoadbalancerId"]
        .as_str()
        .expect("LoadbalancerId")
        .to_string();
    let lb_q = [("RegionId", region), ("LoadBalancerId", lb_id.as_str())];
    let lsn_form = [
        ("RegionId", region),
        ("LoadBalancerId", lb_id.as_str()),
        ("ListenerProtocol", "TCP"),
        ("ListenerPort", "3306"),
        ("ServerGroupId", sg_id.as_str()),
    ];
    let vsw2 = ali.ok(VPC, "DescribeVSwitches", &vsw_za, &[]).await;
    assert_eq!(
        vsw2["VSwitches"]["VSwitch"][0]["AvailableIpAddressCount"]
            .as_u64()
            .unwrap(),
        by_zone[za].2 - 3
    );
    let early = ali.err(NLB, "CreateListener", &[], &lsn_form).await;
    assert_eq!(early.1, "IncorrectStatus.loadbalancer");
    ali.until(
        NLB,
        "GetLoadBalancerAttribute",
        &lb_q,
        "LoadBalancerStatus",
        "Active",
    )
    .await;
    let lsn = ali.ok(NLB, "CreateListener", &[], &lsn_form).await;
    let lsn_id = lsn["ListenerId"].as_str().unwrap().to_string();
    let lsn_q = [("RegionId", region), ("ListenerId", lsn_id.as_str())];
    assert!(lsn_id.ends_with("@3306"));
    let dup = ali.err(NLB, "CreateListener", &[], &lsn_form).await;
    assert_eq!(dup.1, "Conflict.Port");
    ali.until(
        NLB,
        "GetListenerAttribute",
        &lsn_q,
        "ListenerStatus",
        "Running",
    )
    .await;

    // Health: allowlist missing → CONNECT_TIMEOUT; after ModifySecurityIps → healthy.
    let health = poll("backend checked", || async {
        let v = ali.ok(NLB, "GetListenerHealthStatus", &lsn_q, &[]).await;
        let r = v["ListenerHealthStatus"][0]["ServerGroupInfos"][0]["NonNormalServers"][0]["Reason"]["ReasonCode"].clone();
        (r == "CONNECT_TIMEOUT").then_some(v)
    }).await;
    assert_eq!(
        health["ListenerHealthStatus"][0]["ServerGroupInfos"][0]["HeathCheckEnabled"],
        true
    );
    let cidrs = format!("{},{}", by_zone[za].1, by_zone[zb].1);
    ali.ok(
        RDS,
        "ModifySecurityIps",
        &[
            ("DBInstanceId", &m.rds_instance_id),
            ("SecurityIps", &cidrs),
            ("DBInstanceIPArrayName", "tilink_nlb"),
            ("ModifyMode", "Cover"),
        ],
        &[],
    )
    .await;
    let v = ali.ok(NLB, "GetListenerHealthStatus", &lsn_q, &[]).await;
    assert_eq!(
        v["ListenerHealthStatus"][0]["ServerGroupInfos"][0]["NonNormalServers"],
        json!([])
    );

    // Endpoint service: AddUser before Active is refused.
    let svc = ali
        .ok(
            PL,
            "CreateVpcEndpointService",
            &[
                ("RegionId", region),
                ("ServiceResourceType", "nlb"),
                ("AutoAcceptEnabled", "False"),
                ("Resource.1.ResourceId", &lb_id),
                ("Resource.1.ResourceType", "nlb"),
                ("Resource.1.ZoneId", za),
                ("Resource.2.ResourceId", &lb_id),
                ("Resource.2.ResourceType", "nlb"),
                ("Resource.2.ZoneId", zb),
                ("ServiceDescription", "TiDB Cloud to RDS"),
                ("ClientToken", "tok-svc"),
            ],
            &[],
        )
        .await;
    let svc_id = svc["ServiceId"].as_str().unwrap().to_string();
    let svc_q = [("RegionId", region), ("ServiceId", svc_id.as_str())];
    let add_user = [
        ("RegionId", region),
        ("ServiceId", svc_id.as_str()),
        ("UserId", m.tidb_account_id.as_str()),
    ];
    let svc_name = svc["ServiceName"].as_str().unwrap().to_string();
    assert_eq!(svc["ServiceStatus"], "Creating");
    let early = ali
        .err(PL, "AddUserToVpcEndpointService", &add_user, &[])
        .await;
    assert_eq!(
        (early.0, early.1.as_str()),
        (400, "EndpointServiceOperationDenied")
    );
    ali.until(
        PL,
        "GetVpcEndpointServiceAttribute",
        &svc_q,
        "ServiceStatus",
        "Active",
    )
    .await;

    // A PLC against a service that does not whitelist TiDB fails with a message.
    let (s, bad) = tidb
        .create_plc(&m.cluster_id, "no-whitelist", &svc_name)
        .await;
    assert_eq!(s, 200, "{bad}");
    let bad_id = bad["privateLinkConnectionId"].as_str().unwrap().to_string();
    let uri = format!(
        "/v1beta1/clusters/{}/privateLinkConnections/{bad_id}",
        m.cluster_id
    );
    let (_, state) = tidb.get_until(&uri, |_, v| v["state"] == "FAILED").await;
    assert_eq!(state["state"], "FAILED", "{state}");
    assert!(
        state["message"]
            .as_str()
            .unwrap_or_default()
            .contains("whitelist"),
        "{state}"
    );

    ali.ok(PL, "AddUserToVpcEndpointService", &add_user, &[])
        .await;
    let (s, plc) = tidb.create_plc(&m.cluster_id, "rds-plc", &svc_name).await;
    assert_eq!(s, 200);
    assert_eq!(plc["state"], "CREATING");
    let plc_id = plc["privateLinkConnectionId"].as_str().unwrap().to_string();
    let conn = poll("connection request", || async {
        let v = ali.ok(PL, "ListVpcEndpointConnections", &svc_q, &[]).await;
        v["Connections"].as_array().and_then(|c| c.first().cloned())
    })
    .await;
    assert_eq!(
        conn["EndpointOwnerId"].as_u64().unwrap().to_string(),
        m.tidb_account_id
    );
    assert_eq!(conn["ConnectionStatus"], "Disconnected");
    let ep = conn["EndpointId"].as_str().unwrap().to_string();
    let ep_q = [
        ("RegionId", region),
        ("ServiceId", svc_id.as_str()),
        ("EndpointId", ep.as_str()),
    ];
    let plc_uri = format!(
        "/v1beta1/clusters/{}/privateLinkConnections/{plc_id}",
        m.cluster_id
    );
    // The endpoint id may be reported a little after the request appears (behaviour
    // endpoint-id-late: its timing is undocumented).
    let (_, v) = tidb
        .get_until(&plc_uri, |_, v| {
            v["alicloudEndpointService"]["endpointId"] == ep.as_str()
        })
        .await;
    assert_eq!(v["state"], "PENDING_ACCEPTANCE");
    assert_eq!(v["alicloudEndpointService"]["endpointId"], ep.as_str());
    assert_eq!(
        v["alicloudEndpointService"]["availabilityZoneIds"],
        json!([za, zb])
    );

    ali.ok(PL, "EnableVpcEndpointConnection", &ep_q, &[]).await;
    let (_, v) = tidb
        .get_until(&plc_uri, |_, v| v["state"] == "ACTIVE")
        .await;
    assert_eq!(v["state"], "ACTIVE", "PLC never became ACTIVE");

    // Dependency errors.
    assert_eq!(
        ali.err(PL, "DeleteVpcEndpointService", &svc_q, &[]).await.1,
        "EndpointServiceConnectionDependence"
    );
    assert_eq!(
        ali.err(NLB, "DeleteServerGroup", &[], &sg_q).await.1,
        "ResourceInUse.ServerGroup"
    );
    assert_eq!(
        ali.err(NLB, "DeleteLoadBalancer", &[], &lb_q).await.1,
        "IncorrectStatus.loadbalancer"
    );

    // Disable → PENDING_ACCEPTANCE (documented choice); delete PLCs; tear down in reverse.
    ali.ok(PL, "DisableVpcEndpointConnection", &ep_q, &[]).await;
    let (_, v) = tidb.call("GET", &plc_uri, None).await;
    assert_eq!(v["state"], "PENDING_ACCEPTANCE");
    for id in [&plc_id, &bad_id] {
        let (s, v) = tidb
            .call(
                "DELETE",
                &format!(
                    "/v1beta1/clusters/{}/privateLinkConnections/{id}",
                    m.cluster_id
                ),
                None,
            )
            .await;
        assert_eq!((s, v["state"].as_str()), (200, Some("DELETING")));
    }
    let (s, v) = tidb.get_until(&plc_uri, |s, _| s == 404).await;
    assert_eq!(
        (s, &v["code"]),
        (404, &json!(5)),
        "the PLC is never gone: {v}"
    );
    let v = ali.ok(PL, "ListVpcEndpointConnections", &svc_q, &[]).await;
    assert_eq!(v["TotalCount"], "0");
    ali.ok(PL, "DeleteVpcEndpointService", &svc_q, &[]).await;
    ali.ok(NLB, "DeleteListener", &[], &lsn_q).await;
    poll("NLB delete accepted", || async {
        let (s, v) = ali.v3(NLB, "DeleteLoadBalancer", &[], &lb_q).await;
        (s == 200).then_some(v)
    })
    .await;
    ali.ok(NLB, "DeleteServerGroup", &[], &sg_q).await;
    poll("NLB gone + IPs back", || async {
        let v = ali.ok(VPC, "DescribeVSwitches", &vsw_za, &[]).await;
        (v["VSwitches"]["VSwitch"][0]["AvailableIpAddressCount"].as_u64() == Some(by_zone[za].2))
            .then_some(v)
    })
    .await;
    let (s, code, _) = ali.err(NLB, "GetLoadBalancerAttribute", &lb_q, &[]).await;
    assert_eq!((s, code.as_str()), (404, "ResourceNotFound.loadBalancer"));
    let stats = admin(&h, "/_sim/stats", None).await;
    assert!(stats["calls"]["CreateLoadBalancer"].as_u64().unwrap() >= 2);
    assert!(stats["total_calls"].as_u64().unwrap() > 20);
    h.shutdown().await;
}
