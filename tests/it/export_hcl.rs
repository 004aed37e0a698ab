//! Exports that cannot inject (issue 15, item 3): every string that comes back from an API
//! (names, descriptions, tags, the PLC's display name and state, the allowlist group) is fed
//! hostile text (line breaks, quotes, `${`, `%{`, backslashes, control characters, unicode
//! separators), and the export is parsed by a real HCL parser (`hcl-rs`). It must find
//! exactly the blocks tilink writes, each value read back equal to the hostile original, and
//! a shell reading the `ticloud` command gets the display name as one argument.

use hcl::{Body, Expression, ObjectKey};
use tilink::export::terraform::render;
use tilink::export::*;

const NASTY: &[&str] = &[
    "x\noutput \"pwned\" { value = 1 }\n# ",
    "a\"b\\c",
    "${file(\"/etc/passwd\")}",
    "%{ for x in [1] }x%{ endfor }",
    "line\r\nbreak\u{2028}sep\u{2029}\u{85}next",
    "tab\there\u{0}nul\u{1b}[31mred\u{7f}",
    "日本語 ✓ 'quote' `tick` $(touch /tmp/x)",
    "}\n}\ndata \"external\" \"e\" { program = [\"sh\"] }\n#",
];

fn hostile(n: &str) -> ChainFacts {
    let tags = vec![
        ("tilink:setup-id".to_string(), "tl-0123456789ab".to_string()),
        (n.to_string(), n.to_string()),
    ];
    ChainFacts {
        setup_id: "tl-0123456789ab".into(),
        cluster_id: "10000000000000000001".into(),
        region: n.into(),
        server_group: Some(ServerGroupFacts {
            id: "sgp-1".into(),
            name: n.into(),
            server_group_type: "Ip".into(),
            vpc_id: "vpc-1".into(),
            protocol: "TCP".into(),
            scheduler: "Wrr".into(),
            tags: tags.clone(),
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
            name: n.into(),
            load_balancer_type: "Network".into(),
            address_type: "Intranet".into(),
            address_ip_version: "ipv4".into(),
            vpc_id: "vpc-1".into(),
            zone_mappings: vec![("ap-southeast-1a".into(), "vsw-a".into())],
            tags: tags.clone(),
        }),
        listener: Some(ListenerFacts {
            id: "lsn-1".into(),
            description: n.into(),
            port: 3306,
            ..Default::default()
        }),
        endpoint_service: Some(EndpointServiceFacts {
            id: "epsrv-1".into(),
            name: "com.aliyuncs.privatelink.ap-southeast-1.epsrv-1".into(),
            description: n.into(),
            resource_type: "nlb".into(),
            tags,
            ..Default::default()
        }),
        service_resources: vec![ServiceResourceFacts {
            resource_id: "nlb-1".into(),
            resource_type: "nlb".into(),
            zone_id: "ap-southeast-1a".into(),
        }],
        service_users: vec!["5555".into()],
        allowlist: Some(AllowlistFacts {
            db_instance_id: "rm-1".into(),
            group_name: n.into(),
            ips: vec![n.into()],
        }),
        plc: Some(PlcFacts {
            id: "plc-1".into(),
            display_name: n.into(),
            state: n.into(),
            endpoint_service_name: "com.aliyuncs.privatelink.ap-southeast-1.epsrv-1".into(),
            ..Default::default()
        }),
        tidb_account_id: Some("5555".into()),
        ..Default::default()
    }
}

/// The value of a quoted string expression, literally (a template with an interpolation or
/// a directive fails: nothing from an API may be evaluated).
fn literal(e: &Expression) -> String {
    match e {
        Expression::String(s) => s.clone(),
        Expression::TemplateExpr(t) => {
            let tpl = hcl::Template::from_expr(t).expect("template");
            let mut out = String::new();
            for el in tpl.elements() {
                match el {
                    hcl::template::Element::Literal(l) => out.push_str(l),
                    other => panic!("API text became a template element: {other:?}"),
                }
            }
            out
        }
        other => panic!("not a string: {other:?}"),
    }
}

fn object(e: &Expression) -> Vec<(String, &Expression)> {
    match e {
        Expression::Object(o) => o
            .iter()
            .map(|(k, v)| {
                let k = match k {
                    ObjectKey::Identifier(i) => i.to_string(),
                    ObjectKey::Expression(e) => literal(e),
                    other => panic!("{other:?}"),
                };
                (k, v)
            })
            .collect(),
        other => panic!("not an object: {other:?}"),
    }
}

fn attr<'a>(body: &'a Body, name: &str) -> &'a Expression {
    body.attributes()
        .find(|a| a.key.as_str() == name)
        .map(|a| &a.expr)
        .unwrap_or_else(|| panic!("no attribute {name}"))
}

fn resource<'a>(body: &'a Body, kind: &str) -> &'a Body {
    &body
        .blocks()
        .find(|b| {
            b.identifier.as_str() == "resource"
                && b.labels.first().map(|l| l.as_str()) == Some(kind)
        })
        .unwrap_or_else(|| panic!("no resource {kind}"))
        .body
}

/// Splits a POSIX shell command line into words (single quotes and `'\''` only, which is
/// all tilink emits; anything else unquoted that a shell would expand fails the test).
fn shell_words(cmd: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut inq = false;
    let mut any = false;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        if inq {
            if c == '\'' {
                inq = false;
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '\'' => {
                inq = true;
                any = true;
            }
            '\\' => {
                cur.push(chars.next().expect("escape"));
                any = true;
            }
            ' ' => {
                if any {
                    words.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                assert!(
                    !"$`\"\n;&|<>(){}*?[]~#".contains(c),
                    "unquoted {c:?} in {cmd:?}"
                );
                cur.push(c);
                any = true;
            }
        }
    }
    assert!(!inq, "unterminated quote in {cmd:?}");
    if any {
        words.push(cur);
    }
    words
}

#[test]
fn hostile_names_parse_to_exactly_the_expected_blocks_and_values() {
    for n in NASTY {
        let hcl_text = render(&hostile(n));
        let body: Body = hcl::parse(&hcl_text).unwrap_or_else(|e| panic!("{e}\n{hcl_text}"));

        // Exactly the blocks tilink writes: no `output`, `data`, `module`, … from a name.
        let kinds: std::collections::BTreeSet<&str> =
            body.blocks().map(|b| b.identifier.as_str()).collect();
        let expected: std::collections::BTreeSet<&str> =
            ["terraform", "provider", "import", "resource", "locals"].into();
        assert_eq!(kinds, expected, "{n:?}\n{hcl_text}");
        assert_eq!(body.attributes().count(), 0, "no top-level attribute");
        let resources: Vec<&str> = body
            .blocks()
            .filter(|b| b.identifier.as_str() == "resource")
            .map(|b| b.labels[0].as_str())
            .collect();
        assert_eq!(
            resources,
            [
                "alicloud_nlb_server_group",
                "alicloud_nlb_server_group_server_attachment",
                "alicloud_nlb_load_balancer",
                "alicloud_nlb_listener",
                "alicloud_privatelink_vpc_endpoint_service",
                "alicloud_privatelink_vpc_endpoint_service_resource",
                "alicloud_privatelink_vpc_endpoint_service_user",
            ],
            "{n:?}"
        );

        // Each value reads back as the original text, never evaluated.
        let provider = body
            .blocks()
            .find(|b| b.identifier.as_str() == "provider")
            .unwrap();
        assert_eq!(literal(attr(&provider.body, "region")), *n);
        let sg = resource(&body, "alicloud_nlb_server_group");
        assert_eq!(literal(attr(sg, "server_group_name")), *n);
        let tags = object(attr(sg, "tags"));
        assert!(
            tags.iter().any(|(k, v)| k == n && literal(v) == *n),
            "{tags:?}"
        );
        let lb = resource(&body, "alicloud_nlb_load_balancer");
        assert_eq!(literal(attr(lb, "load_balancer_name")), *n);
        let lsn = resource(&body, "alicloud_nlb_listener");
        assert_eq!(literal(attr(lsn, "listener_description")), *n);
        let svc = resource(&body, "alicloud_privatelink_vpc_endpoint_service");
        assert_eq!(literal(attr(svc, "service_description")), *n);

        let locals = &body
            .blocks()
            .find(|b| b.identifier.as_str() == "locals")
            .unwrap()
            .body;
        let allow = object(attr(locals, "rds_allowlist"));
        let get = |o: &[(String, &Expression)], k: &str| {
            literal(o.iter().find(|(x, _)| x == k).unwrap().1)
        };
        assert_eq!(get(&allow, "group_name"), *n);
        assert_eq!(get(&allow, "security_ips"), *n);
        let plc = object(attr(locals, "tidb_private_link_connection"));
        assert_eq!(get(&plc, "state"), *n);
        let words = shell_words(&get(&plc, "create_command"));
        let at = words.iter().position(|w| w == "--display-name").unwrap();
        assert_eq!(words[at + 1], *n, "{words:?}");
        let words = shell_words(&get(&allow, "command"));
        let at = words
            .iter()
            .position(|w| w == "--DBInstanceIPArrayName")
            .unwrap();
        assert_eq!(words[at + 1], *n, "{words:?}");

        // Comments hold tilink's words only.
        for line in hcl_text.lines().filter(|l| l.trim_start().starts_with('#')) {
            assert!(
                !line.contains("pwned") && !line.contains("passwd") && !line.contains("external"),
                "API text in a comment: {line:?}"
            );
        }
    }
}
