//! Doctor: the cluster's private link connections, link by link, with evidence and fixes.

use super::{Hint, ScreenDef, hint};
use crate::engine::doctor::Verdict;
use crate::tui::app::{App, Load};
use crate::tui::widgets::flow::Doc;
use crate::tui::widgets::theme::{self, Theme};
use crate::tui::widgets::{check_row, loading_line};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// The Doctor screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Doctor",
    help: "Doctor walks each private link connection from TiDB Cloud to RDS and checks every link, read-only. Failing checks carry their evidence and fix; `tilink doctor --cluster-id <id> --fix` applies the safe fixes after showing each one.",
    hints,
    draw,
    keys,
    scrolls_text: false,
};

fn hints(app: &App) -> Vec<Hint> {
    if app.doctor_confirm.is_some() {
        return vec![
            hint(&[Action::Yes], "apply the fix"),
            hint(&[Action::No], "cancel"),
        ];
    }
    vec![
        hint(&[Action::Up, Action::Down], "check details"),
        hint(&[Action::Fix], "fix"),
        hint(&[Action::Retry], "run again"),
        hint(&[Action::Back], "back"),
    ]
}

/// Draws the Doctor screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let reports = match &app.doctor {
        Load::Ready(r) => r,
        Load::Failed(e) => {
            return super::could_not_run(f, area, app, t, " Doctor could not run:", e);
        }
        _ => {
            let cluster = app.cluster_id.as_deref().unwrap_or("the cluster");
            let what = match app.note.as_deref() {
                Some(n) if n.starts_with("applying:") => {
                    format!("{n}, then walking every link of {cluster} again")
                }
                _ => format!(
                    "walking every link of {cluster}'s private link connections (read-only)"
                ),
            };
            f.render_widget(
                Paragraph::new(vec![Line::raw(""), loading_line(t, app.frame, &what)]),
                area,
            );
            return;
        }
    };
    if reports.is_empty() {
        let lines = vec![
            Line::raw(""),
            Line::styled(
                " This cluster has no Alibaba Cloud private link connection yet.",
                t.text(),
            ),
            Line::raw(
                " Esc, then pick \"Set up a new private link\" on the first screen to build one.",
            ),
        ];
        crate::tui::widgets::flow::lines(f, area, lines, app.scroll, t.dim());
        return;
    }
    let rows: u16 = reports
        .iter()
        .map(|r| r.checks.len() as u16 + 1)
        .sum::<u16>()
        + 1;
    // On a small terminal the list scrolls (the highlight stays visible) so that the detail,
    // its fix and the confirmation keep room: at least 8 lines or half the screen.
    let list_max = rows.min(area.height.saturating_sub(8).max(area.height / 2));
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Max(list_max), Constraint::Min(4)]).areas(area);

    let mut lines = Doc::new();
    let mut index = 0;
    for r in reports {
        let (sym, style, verdict) = match r.verdict() {
            Verdict::CannotCheck { root, .. } => (
                theme::FAIL,
                t.fail(),
                format!("CANNOT CHECK: {} (fix the key, not the chain)", root.title),
            ),
            Verdict::Broken { root, fails, .. } => (
                theme::FAIL,
                t.fail(),
                format!(
                    "BROKEN: root cause {} ({fails} failing, causes first)",
                    root.id
                ),
            ),
            Verdict::Incomplete { unknown, changing } => (
                theme::UNKNOWN,
                t.warn(),
                crate::report::incomplete_words(unknown, changing),
            ),
            Verdict::Healthy => (theme::OK, t.ok(), "healthy".to_string()),
        };
        lines.push_at(
            Line::from(vec![
                Span::styled(format!(" {sym} {} ", r.target), style),
                Span::styled(verdict, style),
            ]),
            3,
        );
        for c in &r.checks {
            let sel = index == app.doctor_sel;
            if sel {
                lines.focus_start();
            }
            lines.push_at(
                check_row(t, c, sel, 3, 20),
                30.min(list_area.width as usize / 2),
            );
            if sel {
                lines.focus_end();
            }
            index += 1;
        }
    }
    // The highlighted row stays in view; rows out of view are counted by a marker.
    lines.render(f, list_area, t.dim());

    if let Some((report, c)) = app.doctor_selected() {
        let block = Block::default().borders(Borders::TOP).title(Span::styled(
            format!(" {} · {} ", report.target, c.id),
            t.heading(),
        ));
        let inner = block.inner(detail_area);
        f.render_widget(block, detail_area);
        let mut d = Vec::new();
        if let Some(fix) = &app.doctor_confirm {
            d.push(Line::styled(
                format!(
                    " Apply: {}? y applies and re-checks · any other key cancels",
                    fix.describe()
                ),
                t.warn(),
            ));
        }
        d.push(Line::raw(format!(" {}", c.detail)));
        if let Some(fix) = &c.fix {
            d.push(Line::from(vec![
                Span::styled(" fix: ", t.warn()),
                Span::raw(fix.clone()),
            ]));
        }
        if app.doctor_confirm.is_none()
            && let Some(fix) = app.doctor_fix()
        {
            d.push(Line::from(vec![
                Span::styled(" f ", t.key()),
                Span::raw(format!("applies it: {} (asks first)", fix.describe())),
            ]));
        }
        if !c.evidence.is_null() {
            d.push(Line::styled(format!(" evidence: {}", c.evidence), t.dim()));
        }
        let mut doc = Doc::new();
        doc.extend(d);
        doc.shift(app.scroll).render(f, inner, t.dim());
    }
}

// ── keys ──

use crate::tui::app::update::step_sel;
use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app
        .doctor
        .ready()
        .map_or(0, |r| r.iter().map(|x| x.checks.len()).sum());
    // A fix waits for an explicit y; anything else cancels it.
    if let Some(fix) = app.doctor_confirm.take() {
        return match (a, app.cluster_id.clone(), app.region.clone()) {
            (Action::Yes, Some(cluster_id), Some(region)) => {
                let req = app.req();
                app.doctor = Load::Loading(req);
                app.doctor_since = app.frame;
                app.note = Some(format!("applying: {}", fix.describe()));
                vec![Effect::DoctorFix {
                    req,
                    cluster_id,
                    region,
                    fix: Box::new(fix),
                }]
            }
            _ => {
                app.note = Some("fix cancelled; nothing was changed".into());
                Vec::new()
            }
        };
    }
    match a {
        Action::Fix if !app.doctor.is_loading() => {
            match app.doctor_fix().cloned() {
                Some(f) => app.doctor_confirm = Some(f),
                None => {
                    app.note =
                        Some("no automatic fix for this check: its fix line says what to do".into())
                }
            }
            Vec::new()
        }
        Action::Up | Action::Down | Action::Next => {
            app.doctor_sel = step_sel(app.doctor_sel, len, a != Action::Up);
            Vec::new()
        }
        Action::Retry | Action::Accept if !app.doctor.is_loading() => app.start_doctor(),
        Action::Back => {
            let mut fx = Vec::new();
            if let Load::Loading(req) = app.doctor {
                fx.push(Effect::Abort { req });
            }
            app.doctor = Load::Idle;
            fx.extend(app.enter(Screen::Cluster));
            fx
        }
        _ => Vec::new(),
    }
}
