//! Cluster: pick the TiDB Cloud cluster; unusable ones are greyed with the reason.

use crate::tui::app::{App, Load};
use crate::tui::widgets::theme::{self, POINTER, Theme};
use crate::tui::widgets::{cell, error_lines, field, load_status, loading_line};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};

/// Draws the Cluster screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let [head, list_area, detail_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(7),
    ])
    .areas(area);
    let flag = if app.opts.sandbox {
        "   the sandbox's cluster is highlighted; Enter picks it"
    } else if app.opts.cluster_id.is_some() {
        "   the cluster from --cluster-id is highlighted; Enter picks it"
    } else {
        "   only ACTIVE Essential clusters on Alibaba Cloud can be used"
    };
    f.render_widget(
        Paragraph::new(vec![
            Line::styled(" Which cluster should reach the RDS instance?", t.text()),
            Line::styled(flag, t.dim()),
        ]),
        head,
    );
    let Some(list) = app.clusters.ready() else {
        if let Some(lines) = load_status(t, app.frame, &app.clusters, "listing clusters") {
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), list_area);
        }
        return;
    };
    if list.is_empty() {
        f.render_widget(
            Paragraph::new(" This TiDB Cloud API key sees no cluster. Create an Essential cluster on Alibaba Cloud, or use the key of the project that has one.")
                .wrap(Wrap { trim: false }),
            list_area,
        );
        return;
    }
    let w = list_area.width as usize;
    let name_w = w.saturating_sub(62).clamp(10, 28);
    let items: Vec<ListItem> = list
        .iter()
        .map(|(c, why)| {
            let style = if why.is_some() { t.dim() } else { t.text() };
            let region = if c.on_alibaba() {
                c.region.clone()
            } else {
                format!("{} ({})", c.region, c.provider)
            };
            let row = format!(
                "{}{}{}{}{}",
                cell(&c.name, name_w + 1),
                cell(&c.id, 21),
                cell(&region, 19),
                cell(&c.plan, 10),
                c.state
            );
            let mut lines = vec![Line::styled(row, style)];
            if let Some(why) = why {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {} ", theme::FAIL), t.fail()),
                    Span::styled(why.clone(), t.dim()),
                ]));
            }
            ListItem::new(lines)
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(app.cluster_sel));
    f.render_stateful_widget(
        List::new(items)
            .highlight_symbol(POINTER)
            .highlight_style(t.selected()),
        list_area,
        &mut state,
    );
    // Detail of the highlighted cluster.
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(" Private link facts ", t.heading()));
    let inner = block.inner(detail_area);
    f.render_widget(block, detail_area);
    let Some((c, why)) = app.highlighted_cluster() else {
        return;
    };
    let lines = match (why, app.cluster_details.get(&c.id)) {
        (Some(why), _) => vec![Line::styled(
            format!(" {} cannot be used: {why}", c.name),
            t.dim(),
        )],
        (None, Some(Load::Ready(d))) => vec![
            field(t, "Cluster", 22, format!("{} ({})", d.info.name, d.info.id)),
            field(
                t,
                "Region · plan",
                22,
                format!("{} · {} · {}", d.info.region, d.info.plan, d.info.state),
            ),
            field(t, "TiDB Cloud account id", 22, d.zones.account_id.clone()),
            field(t, "TiDB Cloud zones", 22, d.zones.az_ids.join(", ")),
            Line::styled("  the NLB must share at least one of these zones", t.dim()),
        ],
        (None, Some(Load::Failed(e))) => error_lines(t, e),
        (None, _) => vec![loading_line(
            t,
            app.frame,
            " asking TiDB Cloud for its account id and zones",
        )],
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

// ── keys ──

use crate::tui::app::update::step_sel;
use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app.clusters.ready().map_or(0, Vec::len);
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.cluster_sel = step_sel(app.cluster_sel, len, a != Action::Up);
            app.note = None;
            app.describe_highlighted()
        }
        Action::Accept => {
            let Some((c, why)) = app.highlighted_cluster().cloned() else {
                app.note = Some(if app.clusters.is_loading() {
                    "still listing clusters…".into()
                } else {
                    "no cluster to pick".into()
                });
                return Vec::new();
            };
            if let Some(why) = why {
                app.note = Some(format!("{} cannot be used: {why}", c.name));
                return Vec::new();
            }
            if app.cluster_id.as_deref() != Some(&c.id) {
                app.rds_id = None;
                app.resuming = None;
            }
            app.cluster_id = Some(c.id.clone());
            app.region = Some(app.opts.region.clone().unwrap_or(c.region.clone()));
            if app.troubleshoot {
                let mut fx = app.enter(Screen::Doctor);
                fx.extend(app.start_doctor());
                return fx;
            }
            app.enter(Screen::Source)
        }
        Action::Retry => {
            if matches!(app.clusters, Load::Failed(_)) {
                return app.enter(Screen::Cluster);
            }
            if let Some((c, _)) = app.highlighted_cluster() {
                let id = c.id.clone();
                if matches!(app.cluster_details.get(&id), Some(Load::Failed(_))) {
                    app.cluster_details.remove(&id);
                    return app.describe_highlighted();
                }
            }
            Vec::new()
        }
        Action::Back => app.enter(Screen::Credentials),
        _ => Vec::new(),
    }
}
