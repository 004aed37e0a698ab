//! Done: ACTIVE, the ids, and what to run next.

use super::{Hint, ScreenDef, hint};
use crate::tui::app::{App, Load};
use crate::tui::app::{Effect, Screen};
use crate::tui::keymap::Action;
use crate::tui::widgets::flow::Doc;
use crate::tui::widgets::theme::{self, Theme};
use crate::tui::widgets::{command_rows, error_lines, field, loading_line};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The Done screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Done",
    help: "The private link connection is ACTIVE. Use its id in changefeeds and DM; doctor re-checks the whole chain; teardown deletes only what this setup created.",
    hints,
    draw,
    keys,
    scrolls_text: true,
};

fn hints(_: &App) -> Vec<Hint> {
    vec![
        hint(&[Action::Up, Action::Down, Action::PageDown], "scroll"),
        hint(&[Action::Accept], "exit"),
    ]
}

/// Enter: exit; Esc: back to the acceptance.
fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    match a {
        Action::Accept => {
            app.quit_now();
            Vec::new()
        }
        Action::Back => app.enter(Screen::Acceptance),
        _ => Vec::new(),
    }
}

/// Draws the Done screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some(m) = super::applied(f, area, app) else {
        return;
    };
    let r = m.ids();
    let q = |o: &Option<String>| o.clone().unwrap_or_else(|| "?".into());
    let cluster = &m.journal.cluster_id;
    let sid = &m.journal.setup_id;
    let w = 16;
    let mut lines = vec![
        Line::raw(""),
        Line::from(vec![
            Span::styled(format!(" {} ACTIVE ", theme::OK), t.ok()),
            Span::raw(format!(
                "cluster {cluster} reaches {} privately",
                m.journal.rds_instance_id
            )),
        ]),
        Line::raw(""),
        Line::styled(" For changefeeds and DM use:", t.heading()),
        field(t, "PLC id", w, q(&r.private_link_connection_id)),
        field(
            t,
            "PLC name",
            w,
            app.applying
                .as_deref()
                .or(app.prepared.ready().and_then(|p| p.plan.as_ref()))
                .map(|p| p.plc_name.clone())
                .unwrap_or_else(|| "?".into()),
        ),
        field(t, "endpoint id", w, q(&r.endpoint_id)),
        Line::raw(""),
        Line::styled(" Created or adopted (tagged tilink:setup-id):", t.heading()),
        field(t, "service name", w, q(&r.endpoint_service_name)),
        field(
            t,
            "NLB · listener",
            w,
            format!("{} · {}", q(&r.load_balancer_id), q(&r.listener_id)),
        ),
        field(t, "server group", w, q(&r.server_group_id)),
        field(t, "allowlist group", w, q(&r.allowlist_group)),
        field(t, "setup id", w, sid.clone()),
        Line::raw(""),
    ];
    // The data path, when this run can reach it (the sandbox): a MySQL login through the
    // chain; otherwise how to test it from a host in the VPC.
    lines.push(Line::styled(
        " Data path (MySQL through the chain):",
        t.heading(),
    ));
    match &app.data_path {
        Load::Ready(c) => {
            let (sym, style) = t.status(c.status);
            lines.push(Line::from(vec![
                Span::styled(format!("  {sym} "), style),
                Span::styled(c.title.clone(), style),
            ]));
            lines.push(Line::raw(format!("    {}", c.detail)));
            if let Some(fix) = &c.fix {
                lines.push(Line::from(vec![
                    Span::styled("    fix: ", t.warn()),
                    Span::raw(fix.clone()),
                ]));
            }
        }
        Load::Loading(_) => lines.push(loading_line(
            t,
            app.frame,
            "logging in to MySQL through the NLB (greeting, login, SELECT 1)",
        )),
        Load::Failed(e) => lines.extend(error_lines(t, e)),
        Load::Idle => {
            lines.push(Line::raw(
                "  The NLB is internal: test it from a host in the RDS VPC with",
            ));
            for row in command_rows(
                &format!("tilink doctor --probe --cluster-id {cluster} --mysql-user USER"),
                3,
                area.width as usize,
            ) {
                lines.push(Line::styled(row, t.value()));
            }
        }
    }
    // How to use the connection: what the console shows (the PLC's display name), the
    // ticloud route, and the MySQL account's host part (issue 27 #11).
    if let Some(p) = app
        .applying
        .as_deref()
        .or(app.prepared.ready().and_then(|p| p.plan.as_ref()))
    {
        lines.push(Line::raw(""));
        lines.push(Line::styled(" Use it:", t.heading()));
        let id = q(&r.private_link_connection_id);
        for line in crate::report::how_to_use(
            cluster,
            (&p.plc_name, &id),
            p.backend_port,
            &p.allowlist_cidrs,
        ) {
            lines.push(Line::raw(format!("  {line}")));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(" Next:", t.heading()));
    // In the sandbox the ids are the simulator's and end with it: the commands for real
    // clouds carry placeholders, never sandbox ids.
    let (cluster, sid) = if app.opts.sandbox {
        lines.push(Line::styled(
            "  against your real clouds (the sandbox's simulated ones end when you exit):",
            t.dim(),
        ));
        ("<cluster-id>".to_string(), "<setup-id>".to_string())
    } else {
        (cluster.clone(), sid.clone())
    };
    // Each command whole: one row, or rows joined by ` \` that a shell reads as one.
    for cmd in [
        format!("tilink doctor --cluster-id {cluster}"),
        format!("tilink teardown --cluster-id {cluster} --setup {sid}"),
        format!("tilink export terraform --cluster-id {cluster} --setup {sid}"),
    ] {
        for row in command_rows(&cmd, 3, area.width as usize) {
            lines.push(Line::styled(row, t.value()));
        }
    }
    let mut d = Doc::new();
    for l in lines {
        d.push(l);
    }
    d.shift(app.scroll).render(f, area, t.dim());
}
