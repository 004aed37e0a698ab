use super::*;

#[test]
fn parses_error_body_with_detail() {
    let e: ErrorBody = serde_json::from_str(
        r#"{"RequestId":"R","HostId":"nlb.cn-hangzhou.aliyuncs.com","Code":"Forbidden.RAM",
           "Message":"m","Recommend":"https://x","AccessDeniedDetail":{"AuthAction":"nlb:CreateLoadBalancer",
           "AuthPrincipalOwnerId":1234567890123456}}"#,
    )
    .unwrap();
    let d = e.access_denied_detail.unwrap();
    assert_eq!(d.auth_action, "nlb:CreateLoadBalancer");
    assert_eq!(d.auth_principal_owner_id, "1234567890123456");
    let ok: ErrorBody = serde_json::from_str(
        r#"{"RequestId":"R","Code":"Throttling.User","Message":"m","Unknown":1}"#,
    )
    .unwrap();
    assert_eq!(ok.code, "Throttling.User");
    assert!(ok.access_denied_detail.is_none());
}

#[test]
fn rds_demo_wrappers_and_string_port() {
    let r: DescribeDbInstanceAttributeResponse = serde_json::from_str(
        r#"{"RequestId":"x","Items":{"DBInstanceAttribute":[{"DBInstanceId":"rm-uf6wjk5xxxxxxx",
          "Engine":"MySQL","EngineVersion":"8.0","DBInstanceStatus":"Running","Port":"3306",
          "ConnectionString":"rm-uf6wjk5xxxxxxx.mysql.rds.aliyuncs.com","ZoneId":"cn-hangzhou-i",
          "MasterZone":"cn-hangzhou-i","SlaveZones":{"SlaveZone":[{"ZoneId":"cn-hangzhou-j"}]},
          "InstanceNetworkType":"VPC","VpcId":"vpc-a","VSwitchId":"vsw-a","SecurityIPMode":"normal"}]}}"#,
    )
    .unwrap();
    let a = &r.items.items[0];
    assert_eq!(a.port, 3306);
    assert_eq!(a.slave_zones.items[0].zone_id, "cn-hangzhou-j");
    assert_eq!(serde_json::to_value(a).unwrap()["Port"], "3306");

    let n: DescribeDbInstanceNetInfoResponse = serde_json::from_str(
        r#"{"RequestId":"x","InstanceNetworkType":"VPC","DBInstanceNetInfos":{"DBInstanceNetInfo":[
          {"ConnectionString":"rm-a.mysql.rds.aliyuncs.com","IPAddress":"172.16.1.10","IPType":"Private",
           "Port":"3306","VPCId":"vpc-a","VSwitchId":"vsw-a","ConnectionStringType":"Normal"}]}}"#,
    )
    .unwrap();
    let ni = &n.db_instance_net_infos.items[0];
    assert_eq!(
        (ni.ip_address.as_str(), ni.vpc_id.as_str(), ni.port),
        ("172.16.1.10", "vpc-a", 3306)
    );

    let l: DescribeDbInstancesResponse = serde_json::from_str(
        r#"{"RequestId":"x","Items":{"DBInstance":[{"DBInstanceId":"rm-a","Engine":"MySQL"}]},
           "TotalRecordCount":1,"PageRecordCount":1,"PageNumber":1}"#,
    )
    .unwrap();
    assert_eq!(l.items.items[0].db_instance_id, "rm-a");
    let ip: DescribeDbInstanceIpArrayListResponse = serde_json::from_str(
        r#"{"Items":{"DBInstanceIPArray":[{"DBInstanceIPArrayName":"default","SecurityIPList":"127.0.0.1",
           "DBInstanceIPArrayAttribute":"","SecurityIPType":"ipv4"}]},"RequestId":"x"}"#,
    )
    .unwrap();
    assert_eq!(ip.items.items[0].security_ip_list, "127.0.0.1");
}

#[test]
fn vpc_demo_wrappers() {
    let v: DescribeVSwitchesResponse = serde_json::from_str(
        r#"{"PageSize":10,"RequestId":"x","PageNumber":1,"TotalCount":1,"VSwitches":{"VSwitch":[
          {"VSwitchId":"vsw-25b","VpcId":"vpc-25","Status":"Available","CidrBlock":"172.16.1.0/24",
           "ZoneId":"cn-hangzhou-d","AvailableIpAddressCount":"252","IsDefault":"true"}]}}"#,
    )
    .unwrap();
    assert_eq!(v.vswitches.items[0].available_ip_address_count, 252);
    assert!(v.vswitches.items[0].is_default);
    let z: DescribeZonesResponse = serde_json::from_str(
        r#"{"RequestId":"x","Zones":{"Zone":[{"ZoneId":"ap-southeast-1a","LocalName":"Singapore Zone A"}]}}"#,
    )
    .unwrap();
    assert_eq!(z.zones.items[0].zone_id, "ap-southeast-1a");
    let vp: DescribeVpcsResponse = serde_json::from_str(
        r#"{"Vpcs":{"Vpc":[{"VpcId":"vpc-1","VSwitchIds":{"VSwitchId":["vsw-1"]},"CidrBlock":"172.16.0.0/12"}]},"TotalCount":1}"#,
    )
    .unwrap();
    assert_eq!(vp.vpcs.items[0].vswitch_ids.items, vec!["vsw-1"]);
}

#[test]
fn nlb_quirks() {
    let c: CreateLoadBalancerResponse = serde_json::from_str(
        r#"{"RequestId":"x","LoadbalancerId":"nlb-83ckzc8d4xlp8o****","OrderId":20230000}"#,
    )
    .unwrap();
    assert_eq!(c.loadbalancer_id, "nlb-83ckzc8d4xlp8o****");
    let g: GetLoadBalancerAttributeResponse = serde_json::from_str(
        r#"{"RequestId":"x","LoadBalancerId":"nlb-1","LoadBalancerStatus":"Active","DNSName":"nlb-1.ap-southeast-1.nlb.aliyuncs.com",
          "ZoneMappings":[{"ZoneId":"ap-southeast-1a","VSwitchId":"vsw-1","Status":"Active",
             "LoadBalancerAddresses":[{"EniId":"eni-1","PrivateIPv4Address":"172.16.1.20","Ipv4LocalAddresses":["172.16.1.21"],"PrivateIPv4HcStatus":"Healthy"}]}],
          "Tags":[{"TagKey":"tilink:setup-id","TagValue":"s1"}]}"#,
    )
    .unwrap();
    assert_eq!(g.load_balancer.load_balancer_status.as_str(), "Active");
    assert_eq!(g.tags[0].tag_key, "tilink:setup-id");
    assert_eq!(
        g.load_balancer.zone_mappings[0].load_balancer_addresses[0].private_ipv4_address,
        "172.16.1.20"
    );
    let l: ListLoadBalancersResponse = serde_json::from_str(
        r#"{"LoadBalancers":[{"LoadBalancerId":"nlb-1","Tags":[{"Key":"k","Value":"v"}]}],"TotalCount":1,"NextToken":""}"#,
    )
    .unwrap();
    assert_eq!(l.load_balancers[0].tags[0].key, "k");
    assert_eq!(l.load_balancers[0].common.load_balancer_id, "nlb-1");
    let h: GetListenerHealthStatusResponse = serde_json::from_str(
        r#"{"ListenerHealthStatus":[{"ListenerId":"lsn-1@3306","ListenerPort":3306,"ServerGroupInfos":[
          {"ServerGroupId":"sgp-1","HeathCheckEnabled":true,"NonNormalServers":[{"ServerId":"172.16.1.10",
           "ServerIp":"172.16.1.10","Port":3306,"Status":"Unhealthy","Reason":{"ReasonCode":"CONNECT_TIMEOUT"}}]}]}]}"#,
    )
    .unwrap();
    let sg = &h.listener_health_status[0].server_group_infos[0];
    assert!(sg.heath_check_enabled);
    assert_eq!(
        sg.non_normal_servers[0].reason.reason_code,
        "CONNECT_TIMEOUT"
    );
    let s: ListServerGroupsResponse = serde_json::from_str(
        r#"{"ServerGroups":[{"ServerGroupId":"sgp-1","HealthCheck":{"HealthCheckEnabled":true,"HealthCheckType":"TCP","HealthCheckConnectPort":0}}]}"#,
    )
    .unwrap();
    assert!(s.server_groups[0].health_check.health_check_enabled);
    let ls: ListListenersResponse = serde_json::from_str(
        r#"{"Listeners":[{"ListenerId":"lsn-1@3306","ListenerPort":3306,"StartPort":"0","EndPort":"0","ListenerStatus":"Running"}]}"#,
    )
    .unwrap();
    assert_eq!(ls.listeners[0].listener_port, 3306);
    assert_eq!(
        serde_json::to_value(&ls.listeners[0]).unwrap()["StartPort"],
        "0"
    );
    let z: NlbDescribeZonesResponse =
        serde_json::from_str(r#"{"Zones":[{"ZoneId":"ap-southeast-1a","LocalName":"A"}]}"#)
            .unwrap();
    assert_eq!(z.zones.len(), 1);
}

#[test]
fn privatelink_quirks() {
    let c: ListVpcEndpointConnectionsResponse = serde_json::from_str(
        r#"{"RequestId":"x","TotalCount":"1","MaxResults":50,"NextToken":"","Connections":[{"EndpointId":"ep-1",
          "EndpointOwnerId":1234567890123456,"ServiceId":"epsrv-1","ConnectionStatus":"Disconnected","ResourceOwner":false,
          "Bandwidth":3072,"Zones":[{"ZoneId":"ap-southeast-1a","ZoneStatus":"Wait"}]}]}"#,
    )
    .unwrap();
    assert_eq!(c.total_count, 1);
    assert_eq!(c.connections[0].endpoint_owner_id, 1234567890123456);
    let out = serde_json::to_value(&c).unwrap();
    assert_eq!(out["TotalCount"], "1");
    assert_eq!(
        out["Connections"][0]["EndpointOwnerId"],
        1234567890123456u64
    );
    let u: ListVpcEndpointServiceUsersResponse = serde_json::from_str(
        r#"{"Users":[{"UserId":"1234567890123456"}],"UserARNs":[{"UserARN":"acs:ram:*:1:*"}],"TotalCount":"1"}"#,
    )
    .unwrap();
    assert_eq!(u.users[0].user_id, 1234567890123456);
    assert_eq!(u.user_arns[0].user_arn, "acs:ram:*:1:*");
    let s: ListVpcEndpointServicesResponse = serde_json::from_str(
        r#"{"Services":[{"ServiceId":"epsrv-1","ServiceStatus":"Active","AutoAcceptEnabled":false}],"TotalCount":1}"#,
    )
    .unwrap();
    assert_eq!(s.services[0].service_status.as_str(), "Active");
    let g: GetVpcEndpointServiceAttributeResponse = serde_json::from_str(
        r#"{"RequestId":"x","ServiceId":"epsrv-1","Zones":["ap-southeast-1a"],"ServiceName":"com.aliyuncs.privatelink.ap-southeast-1.epsrv-1"}"#,
    )
    .unwrap();
    assert_eq!(g.service.zones, Some(vec!["ap-southeast-1a".to_string()]));
    let cp: CheckProductOpenResponse = serde_json::from_str(r#"{"Success":true}"#).unwrap();
    assert!(cp.success);
    let id: GetCallerIdentityResponse = serde_json::from_str(
        r#"{"AccountId":"1234567890123456","UserId":"2","Arn":"acs:ram::1234567890123456:user/x","IdentityType":"RAMUser"}"#,
    )
    .unwrap();
    assert_eq!(id.identity_type, "RAMUser");
}
