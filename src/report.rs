//! Text and JSON renderings of what the engine knows: checks, zones, plans, progress,
//! the ACTIVE summary. Shared by the wizard, its line mode and the drivers; below them all,
//! above the engine. Nothing here calls a cloud or reads the terminal.

use crate::engine::apply::{ApplyModel, LogKind, StepStatus};
use crate::engine::check::{Check, Status};
use crate::engine::doctor::checks::root_cause;
use crate::engine::doctor::{Report, Verdict};
use crate::engine::plan::{COST_NOTE, Plan, PlanItem};
use crate::engine::setup::lock::LockError;
use crate::engine::zones::ZoneAnalysis;
use std::collections::BTreeMap;

/// The lines printed when a setup reaches ACTIVE: the ids changefeeds and DM use, and what
/// to run next.
pub fn active_summary(model: &ApplyModel) -> String {
    let r = &model.journal.resources;
    let q = |o: &Option<String>| o.clone().unwrap_or_else(|| "?".into());
    let (cluster, sid) = (&model.journal.cluster_id, &model.journal.setup_id);
    format!(
        "ACTIVE: private link connection {} (endpoint {}) for cluster {cluster}\n  setup {sid} · server group {} · NLB {} · listener {} · endpoint service {}\n  next: `tilink doctor --cluster-id {cluster}` · `tilink teardown --cluster-id {cluster} --setup {sid}`",
        q(&r.private_link_connection_id),
        q(&r.endpoint_id),
        q(&r.server_group_id),
        q(&r.load_balancer_id),
        q(&r.listener_id),
        q(&r.endpoint_service_name),
    )
}

/// [`how_to_use`] for a finished apply of `plan`, each line indented, for the line modes.
pub fn how_to_use_after(model: &ApplyModel, plan: &crate::engine::plan::Plan) -> String {
    let id = model
        .journal
        .resources
        .private_link_connection_id
        .clone()
        .unwrap_or_default();
    how_to_use(
        &model.journal.cluster_id,
        (&plan.plc_name, &id),
        plan.backend_port,
        &plan.allowlist_cidrs,
    )
    .iter()
    .map(|l| format!("  {l}"))
    .collect::<Vec<_>>()
    .join("\n")
}

/// How to use a connection once it is ACTIVE: where a changefeed into RDS and a DM task from
/// RDS pick it in the TiDB Cloud console, the `ticloud` route, and the MySQL account's host
/// part (changefeeds and DM connect from the NLB's local addresses, in its vSwitch CIDRs).
/// `plc` is `(display name, id)`; `cidrs` the NLB vSwitch CIDRs.
pub fn how_to_use(cluster: &str, plc: (&str, &str), port: u16, cidrs: &[String]) -> Vec<String> {
    let (name, id) = plc;
    let host = mysql_hosts_pattern(cidrs);
    vec![
        format!(
            "Changefeed into RDS: TiDB Cloud console → cluster → Data → Changefeed → Create → Sink to MySQL → Private Link → connection \"{name}\" ({id}) → port {port}; or `ticloud serverless changefeed template`, then `ticloud serverless changefeed create -c {cluster} …` with that connection."
        ),
        format!(
            "DM task from RDS: console → cluster → Data → Migration → Create → source Alibaba Cloud RDS MySQL → Private Link → \"{name}\" ({id}) → port {port}; or `ticloud serverless migration template`, then `ticloud serverless migration create -c {cluster} …` with connProfile connType PRIVATE_LINK, endpointId {id}."
        ),
        format!(
            "The MySQL account must admit the NLB's addresses ({}): e.g. CREATE USER 'cdc'@'{}'; an account for '10.%' fails exactly like a wrong password.",
            cidrs.join(", "),
            host
        ),
    ]
}

/// A MySQL host pattern covering an IPv4 CIDR at octet granularity (`172.16.1.0/24` →
/// `172.16.1.%`, `172.16.0.0/16` → `172.16.%`); a prefix that is not a multiple of 8 widens
/// to the octet above it.
pub fn mysql_host_pattern(cidr: &str) -> String {
    let Some((ip, bits)) = cidr.split_once('/') else {
        return cidr.to_string();
    };
    let bits: usize = bits.parse().unwrap_or(0);
    let octets: Vec<&str> = ip.split('.').collect();
    let keep = (bits / 8).min(octets.len());
    if keep >= 4 {
        return ip.to_string();
    }
    if keep == 0 {
        return "%".into();
    }
    format!("{}.%", octets[..keep].join("."))
}

/// One MySQL host pattern covering every CIDR: their longest common octet prefix
/// (`172.16.1.0/24` and `172.16.2.0/24` → `172.16.%`).
pub fn mysql_hosts_pattern(cidrs: &[String]) -> String {
    let parts: Vec<Vec<String>> = cidrs
        .iter()
        .map(|c| {
            mysql_host_pattern(c)
                .split('.')
                .filter(|o| *o != "%")
                .map(str::to_string)
                .collect()
        })
        .collect();
    let Some(first) = parts.first() else {
        return "%".into();
    };
    let common: Vec<&String> = (0..first.len())
        .take_while(|&i| parts.iter().all(|p| p.get(i) == first.get(i)))
        .map(|i| &first[i])
        .collect();
    if common.is_empty() {
        "%".into()
    } else if common.len() == 4 && parts.len() == 1 {
        first.join(".")
    } else {
        format!(
            "{}.%",
            common
                .iter()
                .take(3)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(".")
        )
    }
}

#[cfg(test)]
mod host_pattern_tests {
    use super::*;

    #[test]
    fn host_patterns_cover_every_vswitch() {
        assert_eq!(mysql_host_pattern("172.16.1.0/24"), "172.16.1.%");
        assert_eq!(mysql_host_pattern("10.0.0.0/8"), "10.%");
        assert_eq!(mysql_host_pattern("192.168.0.0/20"), "192.168.%");
        let two = ["172.16.1.0/24".to_string(), "172.16.2.0/24".to_string()];
        assert_eq!(mysql_hosts_pattern(&two), "172.16.%");
        assert_eq!(mysql_hosts_pattern(&two[..1]), "172.16.1.%");
        assert_eq!(mysql_hosts_pattern(&[]), "%");
    }
}

/// How progress is reported on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Readable lines: `[   3.2s] load-balancer     Provisioning · 0:03 · usually 1–2 min`.
    Lines,
    /// One JSON object per event (`-o json`): `{"event":"progress",…}`, `{"event":"slow",…}`,
    /// `{"event":"warning",…}`.
    Json,
}

/// Turns successive apply states into progress lines, each change once.
#[derive(Debug)]
pub struct ProgressLines {
    progress: Progress,
    last: BTreeMap<String, String>,
    log_seen: usize,
}

impl ProgressLines {
    /// A printer in `progress` form.
    pub fn new(progress: Progress) -> Self {
        ProgressLines {
            progress,
            last: BTreeMap::new(),
            log_seen: 0,
        }
    }

    /// The lines this state adds: step state changes, then warnings and slow waits.
    pub fn lines(&mut self, m: &ApplyModel) -> Vec<String> {
        let mut out = Vec::new();
        for (step, row) in &m.steps {
            let word = match &row.status {
                StepStatus::Pending => continue,
                StepStatus::Running if row.cloud_state.is_empty() => "started".to_string(),
                StepStatus::Running => row.cloud_state.clone(),
                StepStatus::Done => "done".to_string(),
                StepStatus::Failed { error } => format!("FAILED: {error}"),
            };
            if self.last.get(step.name()) == Some(&word) {
                continue;
            }
            let waiting = row.waiting_text(m.now_ms);
            out.push(match self.progress {
                Progress::Lines => format!(
                    "[{:>7.1}s] {:<17} {word}{}",
                    m.now_ms as f64 / 1000.0,
                    step.name(),
                    waiting.map(|w| format!(" · {w}")).unwrap_or_default()
                ),
                Progress::Json => serde_json::json!({
                    "event": "progress",
                    "at_ms": m.now_ms,
                    "step": step.name(),
                    "state": word,
                    "elapsed_ms": row.started_ms.map(|s| m.now_ms.saturating_sub(s)),
                    "usual": row.usual.filter(|_| row.status == StepStatus::Running),
                    "slow": row.slow,
                })
                .to_string(),
            });
            self.last.insert(step.name().to_string(), word);
        }
        for l in &m.log[self.log_seen.min(m.log.len())..] {
            let kind = match l.kind {
                LogKind::Warning => "warning",
                LogKind::Slow => "slow",
                // A failure shows as its step's state in the progress lines already.
                LogKind::Info | LogKind::Failure => continue,
            };
            out.push(match self.progress {
                Progress::Lines => format!(
                    "[{:>7.1}s] {} {}",
                    l.at_ms as f64 / 1000.0,
                    kind.to_uppercase(),
                    l.text
                ),
                Progress::Json => {
                    serde_json::json!({"event": kind, "at_ms": l.at_ms, "message": l.text})
                        .to_string()
                }
            });
        }
        self.log_seen = m.log.len();
        out
    }
}

/// What a setup says while it waits for another run of the same cluster (`holder` as the
/// lock file names it).
pub fn lock_waiting(cluster_id: &str, holder: &str, path: &std::path::Path) -> String {
    format!(
        "tilink: another tilink setup for cluster {cluster_id} is running ({holder}); waiting for it to finish, then this one adopts what it made (Ctrl-C stops; --no-wait fails at once; lock {})",
        path.display()
    )
}

/// Why a setup that does not wait (`--no-wait`) stopped before doing anything.
pub fn lock_refused(e: &LockError) -> String {
    match e {
        LockError::Busy { .. } => {
            format!("{e}: nothing was done (--no-wait). Run again when it has finished.")
        }
        LockError::Io { .. } => e.to_string(),
    }
}

/// Checks as text, failures first.
pub fn render_checks(checks: &[Check]) -> String {
    let mut s = String::from("\nChecks\n");
    for c in checks {
        s.push_str(&format!(
            "  [{}] {:<22} {}\n",
            c.status.tag(),
            c.id,
            c.detail
        ));
        if c.status != Status::Pass
            && let Some(f) = &c.fix
        {
            s.push_str(&format!("         fix: {f}\n"));
        }
    }
    s
}

/// ` [<id>]` after a plan item that names an existing resource; empty otherwise.
pub fn id_suffix(i: &PlanItem) -> String {
    i.id.as_ref()
        .map(|id| format!(" [{id}]"))
        .unwrap_or_default()
}

/// The plan as text.
pub fn render_plan(p: &Plan) -> String {
    let mut s = format!("\nPlan for setup {} in {}\n", p.setup_id, p.region);
    for i in &p.items {
        s.push_str(&format!(
            "  {:<7} {:<30} {}{}\n",
            i.action.word(),
            i.what,
            i.detail,
            id_suffix(i)
        ));
    }
    if let Some(summary) = no_changes(p) {
        s.push_str(&format!("  {summary}\n\n"));
        return s;
    }
    s.push_str(&format!("  cost: {COST_NOTE}\n\n"));
    s
}

/// "No changes: …" when every item is adopted or already as planned.
pub fn no_changes(p: &Plan) -> Option<String> {
    use crate::engine::plan::Action;
    if p.items
        .iter()
        .any(|i| matches!(i.action, Action::Create | Action::Update))
    {
        return None;
    }
    let adopted: Vec<String> = p
        .items
        .iter()
        .filter(|i| i.action == Action::Adopt)
        .map(|i| i.id.clone().unwrap_or_else(|| i.what.clone()))
        .collect();
    Some(format!(
        "No changes: the chain exists and is as planned (adopted: {})",
        adopted.join(", ")
    ))
}

/// The zone grid as text.
pub fn render_zones(z: &ZoneAnalysis) -> String {
    let yn = |b: bool| if b { "yes" } else { "no" };
    let mut s = format!(
        "\nZones\n  {:<18} {:<5} {:<5} {:<12} {:<34} {:<4} use\n",
        "zone", "TiDB", "NLB", "PrivateLink", "vSwitch (free IPs)", "RDS"
    );
    for r in &z.rows {
        let vsw = r
            .vswitch
            .as_ref()
            .map(|v| format!("{} ({})", v.id, v.free_ips))
            .unwrap_or_else(|| "none".into());
        s.push_str(&format!(
            "  {:<18} {:<5} {:<5} {:<12} {:<34} {:<4} {}\n",
            r.zone,
            yn(r.tidb),
            yn(r.nlb),
            yn(r.privatelink),
            vsw,
            yn(r.rds),
            if r.chosen {
                "chosen"
            } else if r.eligible {
                "eligible"
            } else {
                "-"
            }
        ));
    }
    s
}

// ── doctor ──

/// One line for a chain: healthy, broken (naming the root cause), or not fully checked.
pub fn verdict(r: &Report) -> String {
    match r.verdict() {
        Verdict::Broken {
            root,
            fails,
            unknown,
        } => {
            let unseen = if unknown > 0 {
                format!("; {unknown} link(s) could not be checked")
            } else {
                String::new()
            };
            if root.id == crate::engine::doctor::dependents::ID {
                // The links are fine; what runs through them is not.
                format!(
                    "LINK OK, A TASK ON IT FAILS: {} ({fails} failing check(s)){unseen}",
                    root.title
                )
            } else {
                format!(
                    "BROKEN: {} ({fails} failing check(s), root cause first){unseen}",
                    root.id
                )
            }
        }
        Verdict::CannotCheck { root, unknown } => format!(
            "CANNOT CHECK: {} (the key, not the chain, is what to fix){}",
            root.title,
            if unknown > 0 {
                format!("; {unknown} link(s) could not be checked")
            } else {
                String::new()
            }
        ),
        Verdict::Incomplete { unknown, changing } => incomplete_words(unknown, changing),
        Verdict::Healthy if r.checks.iter().any(|c| c.id == "data-path") => {
            "healthy (control plane and data path)".to_string()
        }
        Verdict::Healthy => {
            "healthy (control plane; `--probe` on a host in the VPC proves the data path)"
                .to_string()
        }
    }
}

/// "NOT FULLY CHECKED: …" for links that could not be looked at and links being modified.
pub fn incomplete_words(unknown: usize, changing: usize) -> String {
    let mut parts = Vec::new();
    if changing > 0 {
        parts.push(format!(
            "{changing} link(s) being modified right now (look again in a minute)"
        ));
    }
    if unknown > 0 {
        parts.push(format!("{unknown} link(s) could not be checked"));
    }
    format!("NOT FULLY CHECKED: {}, none failed", parts.join("; "))
}

fn paint(s: Status, no_color: bool) -> String {
    use anstyle::{AnsiColor, Style};
    let tag = s.tag();
    if no_color {
        return format!("[{tag}]");
    }
    let style = match s {
        Status::Pass => Style::new().fg_color(Some(AnsiColor::Green.into())),
        Status::Warn => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Status::Fail => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Status::Skip => Style::new().fg_color(Some(AnsiColor::BrightBlack.into())),
        Status::Unknown => Style::new().fg_color(Some(AnsiColor::Magenta.into())),
        Status::Changing => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
    };
    format!("{style}[{tag}]{style:#}")
}

/// The text report: problems first (with their fixes), then the chain link by link.
pub fn doctor_chain(r: &Report, no_color: bool) -> String {
    let mut s = format!("\nChain {} — {}\n", r.target, verdict(r));
    let problems: Vec<&Check> = r
        .checks
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                Status::Fail | Status::Unknown | Status::Changing | Status::Warn
            )
        })
        .collect();
    if !problems.is_empty() {
        s.push_str("\nProblems (causes before symptoms; could-not-look after failures)\n");
        let mut sorted = problems.clone();
        // Stable: failures keep their cause-first order, then unknowns, then warnings.
        sorted.sort_by_key(|c| c.status);
        // Checks that could not look for the same reason (one failed read, one fix) are one
        // problem: a refused key makes a dozen links unknown, and says so once.
        let mut shown: Vec<usize> = Vec::new();
        for (i, c) in sorted.iter().enumerate() {
            if shown.contains(&i) {
                continue;
            }
            let same: Vec<usize> = if c.status == Status::Unknown {
                (i..sorted.len())
                    .filter(|&k| {
                        let o = &sorted[k];
                        o.status == Status::Unknown && o.detail == c.detail && o.fix == c.fix
                    })
                    .collect()
            } else {
                vec![i]
            };
            shown.extend(&same);
            let ids = same
                .iter()
                .map(|&k| sorted[k].id.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            s.push_str(&format!(
                "  {} {}: {}\n      {}\n",
                paint(c.status, no_color),
                ids,
                c.title,
                c.detail
            ));
            if let Some(f) = &c.fix {
                s.push_str(&format!("      fix: {f}\n"));
            }
        }
    }
    s.push_str("\nLink by link (RDS → TiDB Cloud, causes before symptoms)\n");
    for c in &r.checks {
        s.push_str(&format!(
            "  {} {:<20} {}\n",
            paint(c.status, no_color),
            c.id,
            c.detail
        ));
    }
    if !r.fixes.is_empty() {
        s.push_str("\n`tilink doctor --fix` can apply:\n");
        for f in &r.fixes {
            s.push_str(&format!("  - {}\n", f.describe()));
        }
    }
    s
}

/// Every chain's report, then a one-line summary each when there are several.
pub fn doctor_text(reports: &[Report], no_color: bool) -> String {
    let mut s: String = reports.iter().map(|r| doctor_chain(r, no_color)).collect();
    if reports.len() > 1 {
        s.push_str("\nSummary\n");
        for r in reports {
            s.push_str(&format!("  {:<28} {}\n", r.target, verdict(r)));
        }
    }
    s
}

/// Doctor's `-o json` object: the verdict, the root causes, every check, every chain, and
/// the build that wrote it (`tilink`: version, commit, build date). The
/// shape is documented in docs/ARCHITECTURE.md ("Contracts other tools rely on"), tested by
/// `tests/it/cli.rs` (`doctor_binary_prints_the_contract_and_exit_codes`).
pub fn doctor_json(reports: &[Report], exit_code: u8, api_calls: u64) -> serde_json::Value {
    let checks: Vec<&Check> = reports.iter().flat_map(|r| r.checks.iter()).collect();
    let roots: Vec<&str> = reports
        .iter()
        .filter_map(|r| root_cause(&r.checks).map(|c| c.id.as_str()))
        .collect();
    let unknown = checks
        .iter()
        .filter(|c| c.status == Status::Unknown)
        .count();
    let changing = checks
        .iter()
        .filter(|c| c.status == Status::Changing)
        .count();
    let healthy = reports.iter().all(|r| r.healthy);
    serde_json::json!({"healthy": healthy, "root_causes": roots, "unknown": unknown, "changing": changing,
        "exit_code": exit_code, "checks": checks, "chains": reports, "api_calls": api_calls,
        "tilink": crate::build_info::json()})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::check::{Check, CheckId, Status};
    use crate::engine::doctor::Report;

    #[test]
    fn checks_that_could_not_look_for_one_reason_are_one_problem() {
        let unknown = |id: CheckId, call: &str| {
            Check::new(
                id,
                Status::Unknown,
                format!("could not look ({call} failed)"),
                format!("could not look: {call} failed: SignatureDoesNotMatch"),
            )
            .fix("check the key")
        };
        let r = Report {
            target: "plc-1".into(),
            healthy: false,
            checks: vec![
                Check::new(
                    CheckId::Credentials,
                    Status::Fail,
                    "Credentials refused",
                    "Alibaba Cloud: no",
                )
                .fix("Check the Alibaba key"),
                unknown(CheckId::RdsStatus, "ListVpcEndpointServiceResources"),
                unknown(CheckId::Listener, "ListVpcEndpointServiceResources"),
                unknown(CheckId::EndpointService, "GetVpcEndpointServiceAttribute"),
            ],
            fixes: vec![],
            depth: 1,
        };
        let text = doctor_chain(&r, true);
        let problems = text.split("Link by link").next().unwrap();
        assert!(problems.contains("[UNKNOWN] rds-status, listener: could not look (ListVpcEndpointServiceResources failed)"), "{problems}");
        assert_eq!(problems.matches("[UNKNOWN]").count(), 2, "{problems}");
        // Link by link still lists every check.
        assert_eq!(text.matches("[UNKNOWN]").count(), 5, "{text}");
    }
}
