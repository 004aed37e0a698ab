//! Checks: every pre-flight check with evidence and fix, and the zone overlap grid.

use super::{Hint, ScreenDef, hint};
use crate::engine::check::Status;
use crate::engine::checks::zone_rows;
use crate::tui::app::{App, Load};
use crate::tui::widgets::flow::Doc;
use crate::tui::widgets::theme::{self, Theme};
use crate::tui::widgets::{check_row, loading_line, zone_grid};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The Checks screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Pre-flight checks",
    help: "Read-only pre-flight checks, failures first. ↑↓ shows each check's evidence and fix. The grid shows which zones work for TiDB Cloud, NLB and PrivateLink and have a vSwitch with ≥8 free IPs; ◆ marks the zones the NLB will use.",
    hints,
    draw,
    keys,
    scrolls_text: false,
};

fn hints(app: &App) -> Vec<Hint> {
    if app.prepared.ready().is_some_and(|p| p.plan.is_none()) {
        return vec![
            hint(&[Action::Retry], "check again after fixing"),
            hint(&[Action::Up, Action::Down], "check details"),
            hint(&[Action::Back], "back"),
        ];
    }
    vec![
        hint(&[Action::Accept], "see the plan"),
        hint(&[Action::Up, Action::Down], "check details"),
        hint(&[Action::Retry], "re-check"),
        hint(&[Action::Back], "back"),
    ]
}

/// Draws the Checks screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let p = match &app.prepared {
        Load::Ready(p) => p,
        Load::Failed(e) => {
            return super::could_not_run(f, area, app, t, " The checks could not run:", e);
        }
        _ => {
            let what = format!(
                "discovering {} and {} and running read-only checks",
                app.cluster_id.as_deref().unwrap_or("the cluster"),
                app.rds_id.as_deref().unwrap_or("the instance")
            );
            f.render_widget(
                Paragraph::new(vec![Line::raw(""), loading_line(t, app.frame, &what)]),
                area,
            );
            return;
        }
    };
    let fails = p.checks.iter().filter(|c| c.status == Status::Fail).count();
    let warns = p.checks.iter().filter(|c| c.status == Status::Warn).count();
    let (sum_sym, sum_style, sum) = match (fails, warns) {
        (0, 0) => (theme::OK, t.ok(), "all checks pass".to_string()),
        (0, w) => (
            theme::WARN,
            t.warn(),
            format!("{w} warning(s); setup can go ahead"),
        ),
        (n, _) => (
            theme::FAIL,
            t.fail(),
            format!("{n} check(s) failed: nothing will be created until they pass"),
        ),
    };
    // The verdict stays on top whatever the list scrolls to (issue 27 #13: at 60×16 the
    // screen opened scrolled past it, on the first failing check).
    let mut head = Doc::new();
    head.push(Line::from(vec![
        Span::styled(format!(" {sum_sym} "), sum_style),
        Span::styled(sum, sum_style),
        Span::styled(
            format!("  ({} → {})", p.discovery.cluster.name, p.discovery.rds.id),
            t.dim(),
        ),
    ]));
    let head_h = head.height(area.width).min(area.height.saturating_sub(3));
    let [head_area, area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(head_h),
        ratatui::layout::Constraint::Min(1),
    ])
    .areas(area);
    head.render(f, head_area, t.dim());
    let mut d = Doc::new();

    // The zone grid is the answer to "do the zones overlap": it stays when they do not,
    // with the missing cells marked ✗ and the one fix under it.
    d.push(Line::styled(" Zone overlap", t.heading()));
    match &p.zones {
        Ok(z) => d.extend(zone_grid::lines(t, &z.rows, area.width)),
        Err(e) => {
            d.extend(zone_grid::lines(t, &zone_rows(&p.discovery), area.width));
            d.push(Line::from(vec![
                Span::styled(format!(" {} ", theme::FAIL), t.fail()),
                Span::styled(e.to_string(), t.fail()),
            ]));
        }
    }
    d.push(Line::styled(format!("  {}", zone_grid::LEGEND), t.dim()));
    d.push(Line::raw(""));

    // Every check on one line (titles wrap under themselves); the highlighted one opens
    // its detail, fix and evidence right under it.
    for (i, c) in p.checks.iter().enumerate() {
        let sel = i == app.check_sel;
        if sel {
            d.focus_start();
        }
        d.push_at(check_row(t, c, sel, 1, 22), 30.min(area.width as usize / 2));
        if sel {
            d.push_at(Line::raw(format!("        {}", c.detail)), 8);
            if let Some(fix) = &c.fix {
                d.push_at(
                    Line::from(vec![
                        Span::styled("        fix: ", t.warn()),
                        Span::raw(fix.clone()),
                    ]),
                    13,
                );
            }
            if !c.evidence.is_null() {
                d.push_at(
                    Line::styled(
                        format!("        evidence: {}", evidence(&c.evidence)),
                        t.dim(),
                    ),
                    18,
                );
            }
            d.focus_end();
        }
    }
    d.shift(app.scroll).render(f, area, t.dim());
}

/// Evidence as `key=value, …` (nested values as compact JSON).
pub fn evidence(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

// ── keys ──

use crate::engine::check::all_ok;
use crate::tui::app::update::step_sel;
use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app.prepared.ready().map_or(0, |p| p.checks.len());
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.check_sel = step_sel(app.check_sel, len, a != Action::Up);
            Vec::new()
        }
        Action::Accept => match &app.prepared {
            Load::Ready(p) if p.plan.is_some() => {
                app.plan_sel = 0;
                app.enter(Screen::Plan)
            }
            Load::Ready(p) => {
                let n = p.checks.iter().filter(|c| c.status == Status::Fail).count();
                app.note = Some(if all_ok(&p.checks) {
                    "no plan could be made from these zones; see zone-overlap".into()
                } else {
                    format!(
                        "{n} check(s) failed: fix them (the fix is under each), then press r to check again"
                    )
                });
                Vec::new()
            }
            Load::Failed(_) => {
                app.note = Some("press r to try again, Esc to pick another instance".into());
                Vec::new()
            }
            _ => {
                app.note = Some("still checking…".into());
                Vec::new()
            }
        },
        Action::Retry => app.start_prepare(),
        Action::Back => {
            let mut fx = app.abort_prepare();
            fx.extend(app.enter(Screen::Source));
            fx
        }
        _ => Vec::new(),
    }
}
