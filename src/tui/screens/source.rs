//! Source: pick the RDS instance in the cluster's region; decoys greyed with the reason.

use crate::tui::app::App;
use crate::tui::widgets::theme::{self, POINTER, Theme};
use crate::tui::widgets::{cell, load_status};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

/// Draws the Source screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let [head, list_area, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let region = app.sources_region.clone().unwrap_or_default();
    f.render_widget(
        Paragraph::new(vec![
            Line::raw(""),
            Line::from(vec![
                Span::raw(" Which ApsaraDB RDS for MySQL instance is the source? Region "),
                Span::styled(region.clone(), t.value()),
            ]),
            Line::styled(
                "   (the cluster's region: cross-region private links are not supported)",
                t.dim(),
            ),
        ]),
        head,
    );
    let Some(list) = app.sources.ready() else {
        if let Some(lines) = load_status(
            t,
            app.frame,
            &app.sources,
            &format!("listing RDS instances in {region}"),
        ) {
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), list_area);
        }
        return;
    };
    if list.is_empty() {
        f.render_widget(
            Paragraph::new(format!(
                " No RDS instance in {region}. Create one in the cluster's region, then press r."
            ))
            .wrap(Wrap { trim: false }),
            list_area,
        );
        return;
    }
    let w = list_area.width as usize;
    let desc_w = w.saturating_sub(2 + 24 + 16 + 10 + 16).clamp(8, 40);
    let items: Vec<ListItem> = list
        .iter()
        .map(|r| {
            let style = if r.unusable.is_some() {
                t.dim()
            } else {
                t.text()
            };
            let row = format!(
                "{}{}{}{}{}{}",
                cell(&r.id, 24),
                cell(&r.description, desc_w),
                " ",
                cell(&r.engine, 16),
                cell(&r.status, 10),
                r.zone
            );
            let mut lines = vec![Line::styled(row, style)];
            if let Some(why) = &r.unusable {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {} ", theme::FAIL), t.fail()),
                    Span::styled(why.clone(), t.dim()),
                ]));
            }
            ListItem::new(lines)
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(app.source_sel));
    f.render_stateful_widget(
        List::new(items)
            .highlight_symbol(POINTER)
            .highlight_style(t.selected()),
        list_area,
        &mut state,
    );
    let usable = list.iter().filter(|r| r.unusable.is_none()).count();
    f.render_widget(
        Paragraph::new(Line::styled(
            format!(" {usable} of {} instance(s) can be the source. Enter runs read-only checks; nothing is created yet.", list.len()),
            t.dim(),
        ))
        .wrap(Wrap { trim: false }),
        foot,
    );
}

// ── keys ──

use crate::tui::app::update::step_sel;
use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app.sources.ready().map_or(0, Vec::len);
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.source_sel = step_sel(app.source_sel, len, a != Action::Up);
            app.note = None;
            Vec::new()
        }
        Action::Accept => {
            let Some(r) = app.highlighted_source().cloned() else {
                app.note = Some(if app.sources.is_loading() {
                    "still listing RDS instances…".into()
                } else {
                    "no RDS instance to pick in this region".into()
                });
                return Vec::new();
            };
            if let Some(why) = r.unusable {
                app.note = Some(format!("{} cannot be the source: {why}", r.id));
                return Vec::new();
            }
            if app.rds_id.as_deref() != Some(&r.id) {
                app.resuming = None;
            }
            app.rds_id = Some(r.id);
            let mut fx = app.enter(Screen::Checks);
            fx.extend(app.start_prepare());
            fx
        }
        Action::Retry => {
            app.sources = Load::Idle;
            app.enter(Screen::Source)
        }
        Action::Back => app.enter(Screen::Cluster),
        _ => Vec::new(),
    }
}
