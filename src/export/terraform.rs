//! Facts → HCL for the alicloud provider, in `terraform fmt` style, with Terraform 1.5+
//! `import` blocks carrying the real ids so a team can adopt the chain into its state.
//!
//! Import id formats (provider docs, `website/docs/r/<resource>.html.markdown` in
//! aliyun/terraform-provider-alicloud):
//! - `alicloud_nlb_server_group`, `alicloud_nlb_load_balancer`, `alicloud_nlb_listener`,
//!   `alicloud_privatelink_vpc_endpoint_service`: the id;
//! - `alicloud_nlb_server_group_server_attachment`: `<server_group_id>:<server_id>:<server_type>:<port>`;
//! - `alicloud_privatelink_vpc_endpoint_service_resource`: `<service_id>:<resource_id>:<zone_id>`;
//! - `alicloud_privatelink_vpc_endpoint_service_user`: `<service_id>:<user_id>`;
//! - `alicloud_privatelink_vpc_endpoint_connection`: `<service_id>:<endpoint_id>`.
//!
//! The RDS allowlist group has no resource of its own in the provider: `alicloud_db_instance`
//! (`security_ips` + `db_instance_ip_array_name`, provider ≥ 1.196.0) adopts and manages the
//! whole instance, and `alicloud_rds_whitelist_template` (≥ 1.254.0) is an account-level
//! template, not an instance's named group. So the group goes into `local.rds_allowlist`
//! with the equivalent `aliyun rds ModifySecurityIps` call, and no resource claims the
//! instance.
//!
//! No text from an API ever goes into a comment (a line break in a name would end it and
//! start HCL, issue 15): values are quoted strings escaped by HCL's rules, and shell commands
//! are strings whose arguments are quoted for a POSIX shell.

use super::{ChainFacts, ticloud_command};
use std::fmt::Write as _;

/// Lowest provider version with every argument used here (`zone_id` on service resources
/// and `tags`/`service_resource_type` on endpoint services arrived in 1.212.0).
pub const PROVIDER_MIN_VERSION: &str = "1.212.0";

/// An HCL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A quoted string.
    Str(String),
    /// A literal written as is: number, bool, reference.
    Raw(String),
    /// An object written over several lines (`tags = { … }`).
    Map(Vec<(String, Value)>),
}

/// One line-level item of a block body.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `name = value`.
    Attr(String, Value),
    /// A nested block.
    Block(Block),
}

/// A block: `type "label" … { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Block type (`resource`, `import`, `zone_mappings`, …).
    pub kind: String,
    /// Labels (quoted).
    pub labels: Vec<String>,
    /// Attributes and nested blocks, in output order.
    pub body: Vec<Item>,
}

impl Block {
    fn new(kind: &str, labels: &[&str]) -> Self {
        Block {
            kind: kind.to_string(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            body: Vec::new(),
        }
    }
    fn str(mut self, k: &str, v: impl Into<String>) -> Self {
        self.body.push(Item::Attr(k.into(), Value::Str(v.into())));
        self
    }
    fn str_nonempty(self, k: &str, v: &str) -> Self {
        if v.is_empty() { self } else { self.str(k, v) }
    }
    fn raw(mut self, k: &str, v: impl ToString) -> Self {
        self.body
            .push(Item::Attr(k.into(), Value::Raw(v.to_string())));
        self
    }
    fn tags(mut self, tags: &[(String, String)]) -> Self {
        if !tags.is_empty() {
            self.body.push(Item::Attr(
                "tags".into(),
                Value::Map(
                    tags.iter()
                        .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                        .collect(),
                ),
            ));
        }
        self
    }
    fn block(mut self, b: Block) -> Self {
        self.body.push(Item::Block(b));
        self
    }
}

/// A top-level piece of the file: a block, or comment lines.
#[derive(Debug, Clone, PartialEq)]
enum Top {
    Block(Block),
    Comment(Vec<String>),
}

/// Escapes a string for an HCL quoted template.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            // Any other control character as a `\uNNNN` escape (HCL's syntax spec).
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An attribute or map key: bare when it is an identifier, quoted otherwise.
fn key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident { k.to_string() } else { quote(k) }
}

/// A resource label from an arbitrary id: `[a-z0-9_]`, starting with a letter.
pub fn label(s: &str) -> String {
    let mut l: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !l.starts_with(|c: char| c.is_ascii_alphabetic()) {
        l.insert_str(0, "r_");
    }
    l
}

fn single_line(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(quote(s)),
        Value::Raw(r) => Some(r.clone()),
        Value::Map(m) if m.is_empty() => Some("{}".into()),
        Value::Map(_) => None,
    }
}

/// Writes `items` at `depth`: runs of consecutive single-line attributes get their `=`
/// aligned (one space after the longest key), as `terraform fmt` does; a multi-line
/// attribute or a nested block ends the run.
fn write_body(out: &mut String, items: &[(String, Value)], blocks_after: &[Block], depth: usize) {
    let pad = "  ".repeat(depth);
    let mut i = 0;
    while i < items.len() {
        // The run of single-line attributes starting at i.
        let mut j = i;
        while j < items.len() && single_line(&items[j].1).is_some() {
            j += 1;
        }
        if j > i {
            let width = items[i..j].iter().map(|(k, _)| key(k).len()).max();
            let width = width.unwrap_or(0);
            for (k, v) in &items[i..j] {
                let k = key(k);
                let v = single_line(v).unwrap_or_default();
                let _ = writeln!(out, "{pad}{k:<width$} = {v}");
            }
            i = j;
            continue;
        }
        // A multi-line attribute (a map).
        let (k, v) = &items[i];
        if let Value::Map(m) = v {
            let _ = writeln!(out, "{pad}{} = {{", key(k));
            write_body(out, m, &[], depth + 1);
            let _ = writeln!(out, "{pad}}}");
        }
        i += 1;
    }
    for b in blocks_after {
        write_block(out, b, depth);
    }
}

fn write_block(out: &mut String, b: &Block, depth: usize) {
    let pad = "  ".repeat(depth);
    let mut head = b.kind.clone();
    for l in &b.labels {
        head.push(' ');
        head.push_str(&quote(l));
    }
    let _ = writeln!(out, "{pad}{head} {{");
    // Attributes first, nested blocks after (the provider docs' order).
    let mut attrs = Vec::new();
    let mut blocks = Vec::new();
    for it in &b.body {
        match it {
            Item::Attr(k, v) => attrs.push((k.clone(), v.clone())),
            Item::Block(x) => blocks.push(x.clone()),
        }
    }
    write_body(out, &attrs, &blocks, depth + 1);
    let _ = writeln!(out, "{pad}}}");
}

fn import(to: &str, id: &str) -> Top {
    Top::Block(Block::new("import", &[]).raw("to", to).str("id", id))
}

/// A resource with its import block; returns its address.
fn adopt(tops: &mut Vec<Top>, kind: &str, name: &str, id: &str, b: Block) -> String {
    let addr = format!("{kind}.{name}");
    tops.push(import(&addr, id));
    tops.push(Top::Block(b));
    addr
}

/// One `(resource address, import id)` pair per adopted resource, in file order.
pub fn imports(f: &ChainFacts) -> Vec<(String, String)> {
    build(f)
        .into_iter()
        .filter_map(|t| match t {
            Top::Block(b) if b.kind == "import" => {
                let mut to = None;
                let mut id = None;
                for it in &b.body {
                    match it {
                        Item::Attr(k, Value::Raw(v)) if k == "to" => to = Some(v.clone()),
                        Item::Attr(k, Value::Str(v)) if k == "id" => id = Some(v.clone()),
                        _ => {}
                    }
                }
                to.zip(id)
            }
            _ => None,
        })
        .collect()
}

fn build(f: &ChainFacts) -> Vec<Top> {
    let mut t = Vec::new();
    // Comments carry tilink's own words only: every value read from an API goes into a
    // quoted string (escaped by HCL's rules), where no line break can end a comment.
    t.push(Top::Comment(vec![
        "Generated by `tilink export terraform`; local.tilink names the setup, cluster and region."
            .into(),
        "Values were read back from the Alibaba Cloud APIs. The import blocks (Terraform >= 1.5)"
            .into(),
        "adopt the existing resources: run `terraform plan` and expect no changes.".into(),
    ]));
    let mut providers = Block::new("required_providers", &[]);
    providers.body.push(Item::Attr(
        "alicloud".into(),
        Value::Map(vec![
            ("source".into(), Value::Str("aliyun/alicloud".into())),
            (
                "version".into(),
                Value::Str(format!(">= {PROVIDER_MIN_VERSION}")),
            ),
        ]),
    ));
    t.push(Top::Block(
        Block::new("terraform", &[])
            .str("required_version", ">= 1.5.0")
            .block(providers),
    ));
    t.push(Top::Block(
        Block::new("provider", &["alicloud"]).str("region", &f.region),
    ));

    let sg_addr = f.server_group.as_ref().map(|g| {
        let mut hc = Block::new("health_check", &[])
            .raw("health_check_enabled", g.health_check.health_check_enabled);
        hc = hc.str_nonempty("health_check_type", &g.health_check.health_check_type);
        hc = hc.raw(
            "health_check_connect_port",
            g.health_check.health_check_connect_port,
        );
        for (k, v) in [
            (
                "health_check_connect_timeout",
                g.health_check.health_check_connect_timeout,
            ),
            (
                "health_check_interval",
                g.health_check.health_check_interval,
            ),
            ("healthy_threshold", g.health_check.healthy_threshold),
            ("unhealthy_threshold", g.health_check.unhealthy_threshold),
        ] {
            if v > 0 {
                hc = hc.raw(k, v);
            }
        }
        let b = Block::new("resource", &["alicloud_nlb_server_group", "tilink"])
            .str("server_group_name", &g.name)
            .str_nonempty("server_group_type", &g.server_group_type)
            .str("vpc_id", &g.vpc_id)
            .str_nonempty("protocol", &g.protocol)
            .str_nonempty("scheduler", &g.scheduler)
            .str_nonempty("address_ip_version", &g.address_ip_version)
            .raw("preserve_client_ip_enabled", g.preserve_client_ip_enabled)
            .tags(&g.tags)
            .block(hc);
        (
            adopt(&mut t, "alicloud_nlb_server_group", "tilink", &g.id, b),
            g.id.clone(),
        )
    });

    if let Some((sg_addr, sg_id)) = &sg_addr {
        for (i, s) in f.servers.iter().enumerate() {
            let name = if i == 0 {
                "rds".to_string()
            } else {
                format!("rds_{}", i + 1)
            };
            let b = Block::new(
                "resource",
                &["alicloud_nlb_server_group_server_attachment", &name],
            )
            .raw("server_group_id", format!("{sg_addr}.id"))
            .str("server_id", &s.server_id)
            .str_nonempty("server_ip", &s.server_ip)
            .str("server_type", &s.server_type)
            .raw("port", s.port)
            .raw("weight", s.weight);
            let id = format!("{sg_id}:{}:{}:{}", s.server_id, s.server_type, s.port);
            adopt(
                &mut t,
                "alicloud_nlb_server_group_server_attachment",
                &name,
                &id,
                b,
            );
        }
    }

    let lb_addr = f.load_balancer.as_ref().map(|lb| {
        let mut b = Block::new("resource", &["alicloud_nlb_load_balancer", "tilink"])
            .str("load_balancer_name", &lb.name)
            .str_nonempty("load_balancer_type", &lb.load_balancer_type)
            .str("address_type", &lb.address_type)
            .str_nonempty("address_ip_version", &lb.address_ip_version)
            .str("vpc_id", &lb.vpc_id)
            .tags(&lb.tags);
        for (zone, vsw) in &lb.zone_mappings {
            b = b.block(
                Block::new("zone_mappings", &[])
                    .str("vswitch_id", vsw)
                    .str("zone_id", zone),
            );
        }
        adopt(&mut t, "alicloud_nlb_load_balancer", "tilink", &lb.id, b)
    });

    if let Some(l) = &f.listener {
        let lb_ref = match &f.load_balancer {
            Some(lb) if lb.id == l.load_balancer_id => lb_addr.as_ref().map(|a| format!("{a}.id")),
            _ => None,
        };
        let sg_ref = match &sg_addr {
            Some((a, id)) if *id == l.server_group_id => Some(format!("{a}.id")),
            _ => None,
        };
        let mut b = Block::new("resource", &["alicloud_nlb_listener", "tilink"])
            .str("listener_protocol", &l.protocol)
            .raw("listener_port", l.port)
            .str_nonempty("listener_description", &l.description);
        b = match lb_ref {
            Some(r) => b.raw("load_balancer_id", r),
            None => b.str("load_balancer_id", &l.load_balancer_id),
        };
        b = match sg_ref {
            Some(r) => b.raw("server_group_id", r),
            None => b.str("server_group_id", &l.server_group_id),
        };
        if l.idle_timeout > 0 {
            b = b.raw("idle_timeout", l.idle_timeout);
        }
        b = b
            .raw("proxy_protocol_enabled", l.proxy_protocol_enabled)
            .tags(&l.tags);
        adopt(&mut t, "alicloud_nlb_listener", "tilink", &l.id, b);
    }

    if let Some(s) = &f.endpoint_service {
        let b = Block::new(
            "resource",
            &["alicloud_privatelink_vpc_endpoint_service", "tilink"],
        )
        .str_nonempty("service_description", &s.description)
        .str_nonempty("service_resource_type", &s.resource_type)
        .raw("auto_accept_connection", s.auto_accept)
        .raw("zone_affinity_enabled", s.zone_affinity_enabled)
        .str_nonempty("payer", &s.payer)
        .tags(&s.tags);
        let svc_addr = adopt(
            &mut t,
            "alicloud_privatelink_vpc_endpoint_service",
            "tilink",
            &s.id,
            b,
        );
        let svc_ref = format!("{svc_addr}.id");
        for r in &f.service_resources {
            let name = label(&r.zone_id);
            let res_ref = match &f.load_balancer {
                Some(lb) if lb.id == r.resource_id => lb_addr.as_ref().map(|a| format!("{a}.id")),
                _ => None,
            };
            let mut b = Block::new(
                "resource",
                &["alicloud_privatelink_vpc_endpoint_service_resource", &name],
            )
            .raw("service_id", &svc_ref);
            b = match res_ref {
                Some(x) => b.raw("resource_id", x),
                None => b.str("resource_id", &r.resource_id),
            };
            b = b
                .str("resource_type", &r.resource_type)
                .str("zone_id", &r.zone_id);
            let id = format!("{}:{}:{}", s.id, r.resource_id, r.zone_id);
            adopt(
                &mut t,
                "alicloud_privatelink_vpc_endpoint_service_resource",
                &name,
                &id,
                b,
            );
        }
        for u in &f.service_users {
            let name = if f.tidb_account_id.as_deref() == Some(u.as_str()) {
                "tidb_cloud".to_string()
            } else {
                format!("user_{}", label(u))
            };
            let b = Block::new(
                "resource",
                &["alicloud_privatelink_vpc_endpoint_service_user", &name],
            )
            .raw("service_id", &svc_ref)
            .str("user_id", u);
            adopt(
                &mut t,
                "alicloud_privatelink_vpc_endpoint_service_user",
                &name,
                &format!("{}:{u}", s.id),
                b,
            );
        }
        for c in &f.connections {
            let tidb = f
                .plc
                .as_ref()
                .is_some_and(|p| !p.endpoint_id.is_empty() && p.endpoint_id == c.endpoint_id)
                || f.tidb_account_id.as_deref() == Some(c.endpoint_owner_id.as_str());
            let name = if tidb && f.connections.len() == 1 {
                "tidb_cloud".to_string()
            } else {
                label(&c.endpoint_id)
            };
            let mut b = Block::new(
                "resource",
                &["alicloud_privatelink_vpc_endpoint_connection", &name],
            )
            .raw("service_id", &svc_ref)
            .str("endpoint_id", &c.endpoint_id);
            if c.bandwidth > 0 {
                b = b.raw("bandwidth", c.bandwidth);
            }
            adopt(
                &mut t,
                "alicloud_privatelink_vpc_endpoint_connection",
                &name,
                &format!("{}:{}", s.id, c.endpoint_id),
                b,
            );
        }
    }

    let mut locals: Vec<(String, Value)> = vec![(
        "tilink".into(),
        Value::Map(vec![
            ("setup_id".into(), Value::Str(f.setup_id.clone())),
            ("cluster_id".into(), Value::Str(f.cluster_id.clone())),
            ("region".into(), Value::Str(f.region.clone())),
        ]),
    )];
    let mut notes: Vec<String> = Vec::new();
    if let Some(a) = &f.allowlist {
        let ips = a.ips.join(",");
        notes.extend([
            "local.rds_allowlist: the RDS allowlist group tilink owns. The alicloud provider has no".to_string(),
            "resource for one named allowlist group of an instance: alicloud_db_instance".into(),
            "(security_ips + db_instance_ip_array_name) would adopt and manage the whole RDS".into(),
            "instance, and alicloud_rds_whitelist_template is an account-level template. Its".into(),
            "`command` is the equivalent aliyun CLI call.".into(),
        ]);
        let command = format!(
            "aliyun rds ModifySecurityIps --DBInstanceId {} --DBInstanceIPArrayName {} --SecurityIps {} --ModifyMode Cover",
            super::shell_word(&a.db_instance_id),
            super::shell_word(&a.group_name),
            super::shell_word(&ips)
        );
        locals.push((
            "rds_allowlist".into(),
            Value::Map(vec![
                (
                    "db_instance_id".into(),
                    Value::Str(a.db_instance_id.clone()),
                ),
                ("group_name".into(), Value::Str(a.group_name.clone())),
                ("security_ips".into(), Value::Str(ips)),
                ("command".into(), Value::Str(command)),
            ]),
        ));
    }
    if let Some(cmd) = ticloud_command(f) {
        notes.extend([
            "local.tidb_private_link_connection: the TiDB Cloud Terraform provider has no resource"
                .to_string(),
            "for it; `create_command` creates it (or recreates it after a teardown) with the TiDB"
                .into(),
            "Cloud CLI. Every argument in it is quoted for a POSIX shell.".into(),
        ]);
        let mut plc = vec![("create_command".to_string(), Value::Str(cmd))];
        if let Some(p) = f.plc.as_ref().filter(|p| !p.id.is_empty()) {
            plc.insert(0, ("id".into(), Value::Str(p.id.clone())));
            plc.insert(1, ("state".into(), Value::Str(p.state.clone())));
        }
        locals.push(("tidb_private_link_connection".into(), Value::Map(plc)));
    }
    if !notes.is_empty() {
        t.push(Top::Comment(notes));
    }
    let mut b = Block::new("locals", &[]);
    b.body = locals.into_iter().map(|(k, v)| Item::Attr(k, v)).collect();
    t.push(Top::Block(b));
    t
}

/// Renders the chain as HCL: header, `terraform`/`provider` blocks, then each resource
/// preceded by its `import` block, then the allowlist and PLC notes as comments.
pub fn render(f: &ChainFacts) -> String {
    let mut out = String::new();
    for (i, top) in build(f).iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match top {
            Top::Comment(lines) => {
                for l in lines {
                    // Values in comments come back from the APIs (a PLC's display name): a line
                    // break inside one must not end the comment and start HCL.
                    for piece in l.split([
                        '\n', '\r', '\u{0b}', '\u{0c}', '\u{85}', '\u{2028}', '\u{2029}',
                    ]) {
                        let piece: String = piece
                            .chars()
                            .map(|c| if c.is_control() { '?' } else { c })
                            .collect();
                        let _ = writeln!(out, "# {piece}");
                    }
                }
            }
            Top::Block(b) => write_block(&mut out, b, 0),
        }
    }
    out
}

#[cfg(test)]
mod tests;
