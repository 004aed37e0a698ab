//! Plan: what will be created, adopted or updated, the cost, one confirm.

use crate::engine::plan::{Action, COST_NOTE};
use crate::tui::app::App;
use crate::tui::widgets::theme::{POINTER, Theme};
use crate::tui::widgets::{cell, truncate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Lines `text` needs at `width` columns (rough: by characters).
fn rows(text_len: usize, width: u16) -> u16 {
    (text_len.max(1)).div_ceil(width.max(1) as usize) as u16
}

/// Draws the Plan screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some(p) = app.prepared.ready().and_then(|p| p.plan.as_ref()) else {
        f.render_widget(
            Paragraph::new(" No plan: go back to the checks (Esc)."),
            area,
        );
        return;
    };
    let cost = format!(" cost: {COST_NOTE}");
    let cost_rows = rows(cost.chars().count() + 4, area.width);
    let head_rows = if area.width >= 100 { 2 } else { 3 };
    let [head, items_area, detail_area, confirm] = Layout::vertical([
        Constraint::Length(head_rows),
        Constraint::Length(p.items.len() as u16),
        Constraint::Min(3),
        Constraint::Length(cost_rows + 2),
    ])
    .areas(area);
    let zones = p
        .zones
        .iter()
        .map(|z| z.zone.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::raw(" Setup "),
                Span::styled(p.setup_id.clone(), t.value()),
                Span::raw(" in "),
                Span::styled(p.region.clone(), t.value()),
                Span::raw(format!(" · zones {zones}")),
            ]),
            Line::styled(
                format!(
                    " cluster {} → RDS {} ({}:{}); every resource is tagged tilink:setup-id",
                    p.cluster_id, p.rds_id, p.backend_ip, p.backend_port
                ),
                t.dim(),
            ),
        ])
        .wrap(Wrap { trim: false }),
        head,
    );
    let w = items_area.width as usize;
    let lines: Vec<Line> = p
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let style = match it.action {
                Action::Create => t.ok(),
                Action::Adopt => t.value(),
                Action::Update => t.warn(),
                Action::Keep => t.dim(),
            };
            let sel = i == app.plan_sel;
            let what_style = if sel { t.selected() } else { t.text() };
            Line::from(vec![
                Span::raw(if sel {
                    POINTER.to_string()
                } else {
                    "  ".to_string()
                }),
                Span::styled(cell(it.action.word(), 7), style),
                Span::styled(cell(&it.what, 30), what_style),
                Span::styled(truncate(&it.detail, w.saturating_sub(40)), t.dim()),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), items_area);

    if let Some(it) = p.items.get(app.plan_sel) {
        let block = Block::default()
            .borders(Borders::TOP)
            .title(Span::styled(format!(" {} ", it.what), t.heading()));
        let inner = block.inner(detail_area);
        f.render_widget(block, detail_area);
        let mut d = vec![Span::raw(format!(" {} {}", it.action.word(), it.detail))];
        if let Some(id) = &it.id {
            d.push(Span::styled(format!(" [{id}]"), t.value()));
        }
        f.render_widget(
            Paragraph::new(Line::from(d)).wrap(Wrap { trim: false }),
            inner,
        );
    }

    let block = Block::default().borders(Borders::TOP);
    let inner = block.inner(confirm);
    f.render_widget(block, confirm);
    let ask = if app.opts.dry_run {
        Line::from(vec![
            Span::styled(" Dry run: ", t.warn()),
            Span::raw("nothing will be created. Enter prints this plan and exits."),
        ])
    } else {
        Line::from(vec![
            Span::styled(" Create these resources? ", t.heading()),
            Span::styled("Enter", t.key()),
            Span::raw(" yes, create · "),
            Span::styled("Esc", t.key()),
            Span::raw(" back · "),
            Span::styled("q", t.key()),
            Span::raw(" quit"),
        ])
    };
    let mut cl = vec![Line::styled(cost, t.dim())];
    cl.push(ask);
    f.render_widget(Paragraph::new(cl).wrap(Wrap { trim: false }), inner);
}

// ── keys ──

use crate::tui::app::update::step_sel;
use crate::tui::app::*;
use crate::tui::keymap::Action as Key;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Key) -> Vec<Effect> {
    let len = app
        .prepared
        .ready()
        .and_then(|p| p.plan.as_ref())
        .map_or(0, |p| p.items.len());
    match a {
        Key::Up | Key::Down | Key::Next => {
            app.plan_sel = step_sel(app.plan_sel, len, a != Key::Up);
            Vec::new()
        }
        Key::Accept => {
            let Some(p) = app.prepared.ready() else {
                return Vec::new();
            };
            let Some(plan) = p.plan.clone() else {
                return Vec::new();
            };
            if app.opts.dry_run {
                let text = crate::report::render_plan(&plan);
                app.finish(
                    false,
                    Some(format!("{text}dry run: nothing was created")),
                    None,
                );
                return Vec::new();
            }
            let journal = p.journal.clone();
            app.start_apply(plan, journal)
        }
        Key::Back => app.enter(Screen::Checks),
        _ => Vec::new(),
    }
}
