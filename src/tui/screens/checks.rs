//! Checks: every pre-flight check with evidence and fix, and the zone overlap grid.

use crate::engine::check::Status;
use crate::tui::app::{App, Load};
use crate::tui::widgets::theme::{self, Theme};
use crate::tui::widgets::{cell, error_lines, loading_line, zone_grid};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draws the Checks screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let p = match &app.prepared {
        Load::Ready(p) => p,
        Load::Failed(e) => {
            let mut lines = vec![
                Line::raw(""),
                Line::styled(" The checks could not run:", t.text()),
            ];
            lines.extend(error_lines(t, e));
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
            return;
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
    let zone_rows = p.zones.as_ref().map_or(2, |z| z.rows.len() + 2) as u16;
    let [list_area, grid_area, detail_area] = Layout::vertical([
        Constraint::Length(p.checks.len() as u16 + 1),
        Constraint::Length(zone_rows + 1),
        Constraint::Min(3),
    ])
    .areas(area);

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
    let mut lines = vec![Line::from(vec![
        Span::styled(format!(" {sum_sym} "), sum_style),
        Span::styled(sum, sum_style),
        Span::styled(
            format!("  ({} → {})", p.discovery.cluster.name, p.discovery.rds.id),
            t.dim(),
        ),
    ])];
    let w = list_area.width as usize;
    for (i, c) in p.checks.iter().enumerate() {
        let (sym, style) = t.status(c.status);
        let row_style = if i == app.check_sel {
            t.selected()
        } else {
            t.text()
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {sym} "), style),
            Span::styled(format!("{} ", c.status.tag()), style),
            Span::styled(cell(&c.id, 22), row_style),
            Span::styled(cell(&c.title, w.saturating_sub(32)), row_style),
        ]));
    }
    f.render_widget(Paragraph::new(lines), list_area);

    if let Some(c) = p.checks.get(app.check_sel) {
        let block = Block::default()
            .borders(Borders::TOP)
            .title(Span::styled(format!(" {} ", c.id), t.heading()));
        let inner = block.inner(detail_area);
        f.render_widget(block, detail_area);
        let mut d = vec![Line::raw(format!(" {}", c.detail))];
        if let Some(fix) = &c.fix {
            d.push(Line::from(vec![
                Span::styled(" fix: ", t.warn()),
                Span::raw(fix.clone()),
            ]));
        }
        if !c.evidence.is_null() {
            d.push(Line::styled(
                format!(" evidence: {}", evidence(&c.evidence)),
                t.dim(),
            ));
        }
        f.render_widget(Paragraph::new(d).wrap(Wrap { trim: false }), inner);
    }

    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(" Zone overlap ", t.heading()));
    let inner = block.inner(grid_area);
    f.render_widget(block, grid_area);
    let grid = match &p.zones {
        Ok(z) => zone_grid::lines(t, z, inner.width),
        Err(e) => vec![Line::from(vec![
            Span::styled(format!(" {} ", theme::FAIL), t.fail()),
            Span::raw(e.to_string()),
        ])],
    };
    f.render_widget(Paragraph::new(grid).wrap(Wrap { trim: false }), inner);
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
