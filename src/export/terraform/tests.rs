use super::*;
use crate::export::*;

/// A display name from the API cannot break out of the comment that carries the
/// `ticloud` command (issue 15: it made `terraform plan` evaluate an injected block).
#[test]
fn names_from_the_api_cannot_break_out_of_comments() {
    let mut f = facts();
    f.plc = Some(PlcFacts {
        display_name: "x\noutput \"pwned\" { value = 1 }\r\ndata \"external\" \"e\" {\u{2028}program = [\"sh\"] }".into(),
        endpoint_service_name: "com.aliyuncs.privatelink.ap-southeast-1.epsrv-1".into(),
        ..Default::default()
    });
    let hcl = render(&f);
    for line in hcl.lines() {
        let t = line.trim_start();
        assert!(
            !t.starts_with("output") && !t.starts_with("data"),
            "an injected block escaped its comment: {line:?}\n{hcl}"
        );
    }
    assert!(
        hcl.contains("pwned"),
        "the name is still shown, inside the comment"
    );
}

fn facts() -> ChainFacts {
    ChainFacts {
        setup_id: "tl-0123456789ab".into(),
        cluster_id: "10000000000000000001".into(),
        region: "ap-southeast-1".into(),
        server_group: Some(ServerGroupFacts {
            id: "sgp-1".into(),
            name: "tilink-sg".into(),
            server_group_type: "Ip".into(),
            vpc_id: "vpc-1".into(),
            protocol: "TCP".into(),
            scheduler: "Wrr".into(),
            health_check: crate::wire::aliyun::HealthCheck {
                health_check_enabled: true,
                health_check_type: "TCP".into(),
                ..Default::default()
            },
            tags: vec![("tilink:setup-id".into(), "tl-0123456789ab".into())],
            ..Default::default()
        }),
        servers: vec![ServerFacts {
            server_id: "10.0.0.5".into(),
            server_ip: "10.0.0.5".into(),
            server_type: "Ip".into(),
            port: 3306,
            weight: 100,
        }],
        load_balancer: Some(LoadBalancerFacts {
            id: "nlb-1".into(),
            name: "tilink".into(),
            load_balancer_type: "Network".into(),
            address_type: "Intranet".into(),
            address_ip_version: "ipv4".into(),
            vpc_id: "vpc-1".into(),
            zone_mappings: vec![
                ("ap-southeast-1a".into(), "vsw-a".into()),
                ("ap-southeast-1b".into(), "vsw-b".into()),
            ],
            tags: vec![],
        }),
        endpoint_service: Some(EndpointServiceFacts {
            id: "epsrv-1".into(),
            name: "com.aliyuncs.privatelink.ap-southeast-1.epsrv-1".into(),
            resource_type: "nlb".into(),
            ..Default::default()
        }),
        service_resources: vec![ServiceResourceFacts {
            resource_id: "nlb-1".into(),
            resource_type: "nlb".into(),
            zone_id: "ap-southeast-1a".into(),
        }],
        service_users: vec!["5555".into()],
        tidb_account_id: Some("5555".into()),
        ..Default::default()
    }
}

#[test]
fn quoting_escapes_templates_and_quotes() {
    assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    assert_eq!(quote("${x} %{y} $z"), r#""$${x} %%{y} $z""#);
    assert_eq!(key("tilink:setup-id"), "\"tilink:setup-id\"");
    assert_eq!(key("vpc_id"), "vpc_id");
    assert_eq!(label("ap-southeast-1a"), "ap_southeast_1a");
    assert_eq!(label("123"), "r_123");
}

#[test]
fn aligned_attributes_and_import_ids() {
    let hcl = render(&facts());
    assert!(
        hcl.contains(
            "  server_group_name          = \"tilink-sg\"\n  server_group_type          = \"Ip\"\n"
        ),
        "{hcl}"
    );
    assert!(hcl.contains("  tags = {\n    \"tilink:setup-id\" = \"tl-0123456789ab\"\n  }\n"));
    assert!(hcl.contains("  to = alicloud_nlb_server_group_server_attachment.rds\n  id = \"sgp-1:10.0.0.5:Ip:3306\"\n"));
    assert!(hcl.contains("id = \"epsrv-1:nlb-1:ap-southeast-1a\""));
    assert!(hcl.contains(
        "to = alicloud_privatelink_vpc_endpoint_service_user.tidb_cloud\n  id = \"epsrv-1:5555\""
    ));
    assert!(hcl.contains("resource_id   = alicloud_nlb_load_balancer.tilink.id"));
    assert!(hcl.contains("    alicloud = {\n      source  = \"aliyun/alicloud\"\n"));
    assert!(!hcl.contains("\n\n\n"));
    assert!(hcl.ends_with("\n") && !hcl.ends_with("\n\n"));
    let pairs = imports(&facts());
    assert_eq!(pairs.len(), 6, "{pairs:?}");
}
