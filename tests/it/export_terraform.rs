//! `tilink export terraform` against the in-process simulator: every resource and import
//! block with the real ids, values read back from the APIs, `terraform fmt` layout rules
//! (checked here: terraform itself is not installable in the test environment).

use crate::common;

use tilink::app::export::run;
use tilink::cli::{ExportArgs, ExportFormat};
use tilink::engine::journal::JournalStore;

fn args(cluster: &str, setup: Option<&str>) -> ExportArgs {
    ExportArgs {
        format: ExportFormat::Terraform,
        cluster_id: Some(cluster.to_string()),
        setup: setup.map(str::to_string),
    }
}

/// Checks the layout rules `terraform fmt` enforces; returns every violation.
///
/// - two-space indentation per nesting level, no tabs, no trailing whitespace;
/// - in each run of consecutive single-line attributes at one level, every `=` sits in the
///   same column, one space after the longest name; a multi-line attribute (`x = {`) has
///   exactly one space before its `=`;
/// - one blank line between top-level blocks, never two; no blank line right after `{`
///   or right before `}`; the file ends with exactly one newline.
fn fmt_violations(hcl: &str) -> Vec<String> {
    let mut bad = Vec::new();
    if !hcl.ends_with('\n') || hcl.ends_with("\n\n") {
        bad.push("file must end with exactly one newline".to_string());
    }
    let lines: Vec<&str> = hcl.lines().collect();
    let mut depth: usize = 0;
    // (line number, depth, column of '=', name length) of the current attribute run.
    let mut run: Vec<(usize, usize, usize, usize)> = Vec::new();
    let flush = |run: &mut Vec<(usize, usize, usize, usize)>, bad: &mut Vec<String>| {
        if let Some(&(_, _, col, _)) = run.first() {
            let longest = run.iter().map(|r| r.3).max().unwrap_or(0);
            for &(n, d, c, _) in run.iter() {
                if c != col {
                    bad.push(format!("line {}: `=` not aligned with its run", n + 1));
                }
                if c != d * 2 + longest + 1 {
                    bad.push(format!(
                        "line {}: `=` should be one space after the longest name",
                        n + 1
                    ));
                }
            }
        }
        run.clear();
    };
    for (n, line) in lines.iter().enumerate() {
        if line.ends_with(' ') || line.ends_with('\t') {
            bad.push(format!("line {}: trailing whitespace", n + 1));
        }
        if line.contains('\t') {
            bad.push(format!("line {}: tab", n + 1));
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            flush(&mut run, &mut bad);
            if n > 0 && lines[n - 1].trim().is_empty() {
                bad.push(format!("line {}: two blank lines", n + 1));
            }
            if n > 0 && lines[n - 1].ends_with('{') {
                bad.push(format!("line {}: blank line after `{{`", n + 1));
            }
            if lines.get(n + 1).is_some_and(|l| l.trim() == "}") {
                bad.push(format!("line {}: blank line before `}}`", n + 1));
            }
            continue;
        }
        let closes = trimmed.starts_with('}');
        if closes {
            flush(&mut run, &mut bad);
            depth = depth.saturating_sub(1);
        }
        let indent = line.len() - trimmed.len();
        if !trimmed.starts_with('#') && indent != depth * 2 {
            bad.push(format!(
                "line {}: indent {indent}, expected {}",
                n + 1,
                depth * 2
            ));
        }
        if trimmed.starts_with('#') {
            flush(&mut run, &mut bad);
        } else if let Some(eq) = find_assign(trimmed) {
            let name_len = trimmed[..eq].trim_end().len();
            if trimmed.ends_with('{') || trimmed.ends_with('[') {
                flush(&mut run, &mut bad);
                if eq != name_len + 1 {
                    bad.push(format!(
                        "line {}: one space before `=` of a multi-line value",
                        n + 1
                    ));
                }
            } else {
                run.push((n, depth, indent + eq, name_len));
            }
        } else {
            // A block header or a closing brace ends the run.
            flush(&mut run, &mut bad);
        }
        if depth == 0 && closes && lines.get(n + 1).is_some_and(|l| !l.trim().is_empty()) {
            bad.push(format!(
                "line {}: top-level blocks need one blank line between them",
                n + 2
            ));
        }
        if trimmed.ends_with('{') {
            depth += 1;
        }
    }
    flush(&mut run, &mut bad);
    if depth != 0 {
        bad.push(format!("unbalanced braces (depth {depth} at end)"));
    }
    bad
}

/// Byte offset of an attribute's `=` (outside quotes), if the line is an attribute.
fn find_assign(s: &str) -> Option<usize> {
    let mut in_str = false;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '"' if prev != '\\' => in_str = !in_str,
            '=' if !in_str => {
                let next = s[i + 1..].chars().next();
                if next != Some('=') && prev != '=' && prev != '!' && prev != '<' && prev != '>' {
                    return Some(i);
                }
            }
            '{' if !in_str => return None,
            _ => {}
        }
        prev = c;
    }
    None
}

#[test]
fn the_checker_catches_what_terraform_fmt_would_change() {
    let good = "resource \"a\" \"b\" {\n  x    = 1\n  long = \"=\"\n  tags = {\n    k = \"v\"\n  }\n  nested {\n    y = 2\n  }\n}\n\nimport {\n  to = a.b\n  id = \"i\"\n}\n";
    assert_eq!(fmt_violations(good), Vec::<String>::new());
    for bad in [
        "resource \"a\" \"b\" {\n  x = 1\n  long = 2\n}\n",
        "resource \"a\" \"b\" {\n  x     = 1\n  long  = 2\n}\n",
        "resource \"a\" \"b\" {\n   x = 1\n}\n",
        "resource \"a\" \"b\" {\n  x = 1 \n}\n",
        "a {\n}\nb {\n}\n",
        "a {\n}\n\n\nb {\n}\n",
        "a {\n\n  x = 1\n}\n",
        "a {\n  tags  = {\n  }\n}\n",
    ] {
        assert!(!fmt_violations(bad).is_empty(), "not caught:\n{bad}");
    }
}

/// Replaces generated ids with stable placeholders for the snapshot.
fn redact(s: &str, ids: &[(String, &str)]) -> String {
    let mut out = s.to_string();
    // Longest first, so an id that is a prefix of another is not half-replaced.
    let mut ids: Vec<&(String, &str)> = ids.iter().filter(|(id, _)| !id.is_empty()).collect();
    ids.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    for (id, name) in ids {
        out = out.replace(id.as_str(), name);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_after_setup_adopts_every_resource_with_real_ids() {
    let (w, m) = common::world_with_chain().await;
    let r = m.journal.resources.clone();
    let (sg, lb, lsn, svc, plc, ep) = (
        r.server_group_id.clone().unwrap(),
        r.load_balancer_id.clone().unwrap(),
        r.listener_id.clone().unwrap(),
        r.endpoint_service_id.clone().unwrap(),
        r.private_link_connection_id.clone().unwrap(),
        r.endpoint_id.clone().unwrap(),
    );
    let group = r.allowlist_group.clone().unwrap();

    // Change something only the API knows: the export must show it (values are read back).
    let c = w.clients();
    c.aliyun
        .modify_security_ips(
            &w.m.rds_instance_id,
            &group,
            &["192.0.2.7".to_string()],
            "Append",
        )
        .await
        .expect("append to the allowlist group");

    let hcl = run(&w.g, &w.env, &args(&w.m.cluster_id, None))
        .await
        .expect("export");

    // Every resource type, each preceded by its import block with the provider's id format.
    let servers = c.aliyun.list_server_group_servers(&sg).await.unwrap();
    assert_eq!(servers.len(), 1);
    let backend = &servers[0];
    let lb_attr = c.aliyun.get_load_balancer_attribute(&lb).await.unwrap();
    let zones: Vec<String> = lb_attr
        .load_balancer
        .zone_mappings
        .iter()
        .map(|z| z.zone_id.clone())
        .collect();
    assert!(zones.len() >= 2);
    let mut expected = vec![
        ("alicloud_nlb_server_group.tilink".to_string(), sg.clone()),
        (
            "alicloud_nlb_server_group_server_attachment.rds".to_string(),
            format!("{sg}:{}:Ip:{}", backend.server_id, backend.port),
        ),
        ("alicloud_nlb_load_balancer.tilink".to_string(), lb.clone()),
        ("alicloud_nlb_listener.tilink".to_string(), lsn.clone()),
        (
            "alicloud_privatelink_vpc_endpoint_service.tilink".to_string(),
            svc.clone(),
        ),
        (
            "alicloud_privatelink_vpc_endpoint_service_user.tidb_cloud".to_string(),
            format!("{svc}:{}", w.m.tidb_account_id),
        ),
        (
            "alicloud_privatelink_vpc_endpoint_connection.tidb_cloud".to_string(),
            format!("{svc}:{ep}"),
        ),
    ];
    for z in &zones {
        expected.push((
            format!(
                "alicloud_privatelink_vpc_endpoint_service_resource.{}",
                z.replace('-', "_")
            ),
            format!("{svc}:{lb}:{z}"),
        ));
    }
    for (to, id) in &expected {
        let block = format!("import {{\n  to = {to}\n  id = \"{id}\"\n}}\n\nresource \"");
        assert!(
            hcl.contains(&block),
            "missing import of {to} ({id}):\n{hcl}"
        );
        let (kind, name) = to.split_once('.').unwrap();
        assert!(
            hcl.contains(&format!("resource \"{kind}\" \"{name}\" {{")),
            "missing resource {to}"
        );
    }
    assert_eq!(hcl.matches("import {").count(), expected.len(), "{hcl}");

    // Values from the APIs: VPC, vSwitches, backend IP:port, listener port, whitelist.
    assert!(
        hcl.contains(&format!("vpc_id = \"{}\"", lb_attr.load_balancer.vpc_id))
            || hcl.contains(&format!("\"{}\"", lb_attr.load_balancer.vpc_id))
    );
    for zm in &lb_attr.load_balancer.zone_mappings {
        assert!(
            hcl.contains(&format!(
                "  zone_mappings {{\n    vswitch_id = \"{}\"\n    zone_id    = \"{}\"\n  }}",
                zm.vswitch_id, zm.zone_id
            )),
            "zone mapping {zm:?}:\n{hcl}"
        );
    }
    assert!(hcl.contains(&format!("server_ip       = \"{}\"", backend.server_ip)));
    assert!(hcl.contains("listener_port          = 3306") || hcl.contains("listener_port = 3306"));
    assert!(hcl.contains("auto_accept_connection = false"));
    assert!(hcl.contains(&format!("user_id    = \"{}\"", w.m.tidb_account_id)));
    assert!(hcl.contains("server_group_id = alicloud_nlb_server_group.tilink.id"));
    assert!(hcl.contains("\"tilink:setup-id\""));
    // The allowlist (no provider resource): local.rds_allowlist with the group as the API
    // has it now, and the equivalent aliyun CLI call (never API text in a comment).
    assert!(
        hcl.contains(&format!("group_name     = \"{group}\"")),
        "{hcl}"
    );
    assert!(hcl.contains("192.0.2.7"), "{hcl}");
    assert!(hcl.contains("aliyun rds ModifySecurityIps"));
    // The ticloud command for the PLC.
    let plc_name = c
        .tidb
        .get_plc(&w.m.cluster_id, &plc)
        .await
        .unwrap()
        .display_name;
    let svc_name = r.endpoint_service_name.clone().unwrap();
    assert!(
        hcl.contains(&format!(
            "create_command = \"ticloud serverless private-link-connection create -c {} --display-name {plc_name} --type ALICLOUD_ENDPOINT_SERVICE --alicloud.endpoint-service-name {svc_name}\"\n",
            w.m.cluster_id
        )),
        "{hcl}"
    );
    assert!(hcl.contains(&plc));
    // No secret ever.
    assert!(!hcl.contains(&w.m.alibaba_access_key_secret) && !hcl.contains(&w.m.tidb_private_key));

    let violations = fmt_violations(&hcl);
    assert!(violations.is_empty(), "{violations:#?}\n{hcl}");

    // Snapshot with the generated ids redacted (setup ids and resource ids change per run).
    let mut ids: Vec<(String, &str)> = vec![
        (m.journal.setup_id.clone(), "tl-SETUP"),
        (sg.clone(), "sgp-SG"),
        (lb.clone(), "nlb-LB"),
        (lsn.clone(), "lsn-LISTENER"),
        (svc.clone(), "epsrv-SERVICE"),
        (plc.clone(), "plc-PLC"),
        (ep.clone(), "ep-ENDPOINT"),
        (group.clone(), "tilink_GROUP"),
        (
            m.journal.setup_id.trim_start_matches("tl-").to_string(),
            "SETUP",
        ),
        (plc_name.clone(), "PLC-NAME"),
    ];
    // The claim carries the time the run claimed (not the journal's creation time).
    if let Some(claimed) = hcl
        .lines()
        .find(|l| l.contains("\"tilink:claimed-at\""))
        .and_then(|l| l.rsplit('"').nth(1))
    {
        ids.push((claimed.to_string(), "CLAIMED-AT"));
    }
    ids.push((w.m.cluster_id.clone(), "CLUSTER"));
    insta::assert_snapshot!("export_terraform_after_setup", redact(&hcl, &ids));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_finds_the_chain_by_tags_without_a_journal_and_json_wraps_it() {
    let (w, m) = common::world_with_chain().await;
    // A fresh, empty journal dir: the setup must be found by its tags.
    let empty = tempfile::tempdir().unwrap();
    let mut env = w.env.clone();
    env.store = JournalStore::new(empty.path());
    let g = common::global(&["-o", "json"]);
    let out = run(&g, &env, &args(&w.m.cluster_id, None))
        .await
        .expect("export by tags");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["setup_id"], m.journal.setup_id.as_str());
    let hcl = v["hcl"].as_str().unwrap();
    assert!(fmt_violations(hcl).is_empty(), "{:?}", fmt_violations(hcl));
    let svc = m.journal.resources.endpoint_service_id.clone().unwrap();
    assert!(hcl.contains(&format!("id = \"{svc}\"")));
    let imports = v["imports"].as_array().unwrap();
    assert!(imports.len() >= 8, "{imports:?}");
    assert!(
        imports
            .iter()
            .all(|i| i["to"].is_string() && i["id"].is_string())
    );
    let ticloud = v["ticloud"].as_str().unwrap();
    assert!(ticloud.starts_with("ticloud serverless private-link-connection create -c "));
    assert!(ticloud.contains(&m.journal.resources.endpoint_service_name.clone().unwrap()));

    // An unknown cluster: input error, nothing printed.
    let e = run(&w.g, &env, &args("99999999999999999999", None))
        .await
        .expect_err("unknown cluster");
    assert_eq!(e.code, 2, "{}", e.message);
}

#[test]
fn export_without_credentials_exits_3_and_help_lists_it() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tilink"))
        .args(["export", "terraform", "--cluster-id", "1234567890123456789"])
        .env_clear()
        .env("HOME", std::env::temp_dir().join("tilink-export-test-home"))
        .env("TILINK_NO_KEYRING", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}
