//! Cluster: pick the TiDB Cloud cluster; unusable ones are greyed with the reason.

use super::picker::{self, Entry, List, filter_line, push_entry};
use super::{Hint, ScreenDef, hint};
use crate::tui::app::{App, Load};
use crate::tui::widgets::flow::{self, Doc};
use crate::tui::widgets::theme::{self, Theme};
use crate::tui::widgets::{error_lines, field, load_status, loading_line};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

/// The Cluster screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "TiDB Cloud cluster",
    help: "Clusters the TiDB Cloud key can see. Only ACTIVE Essential clusters on Alibaba Cloud can use an Alibaba Cloud endpoint service; others are greyed with the reason. The panel shows the TiDB Cloud account id and zones the link must overlap.",
    hints,
    draw,
    keys,
    scrolls_text: false,
};

pub(crate) fn hints(_: &App) -> Vec<Hint> {
    vec![
        hint(&[Action::Accept], "pick"),
        hint(&[Action::Up, Action::Down], "move"),
        hint(&[Action::Retry], "retry"),
        hint(&[Action::Back], "back"),
    ]
}

/// Draws the Cluster screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let flag = if app.opts.sandbox {
        "   the sandbox's cluster is highlighted; Enter picks it"
    } else if app.opts.cluster_id.is_some() {
        "   the cluster from --cluster-id is highlighted; Enter picks it"
    } else {
        "   only ACTIVE Essential clusters on Alibaba Cloud can be used"
    };
    let mut head_doc = Doc::new();
    head_doc.push(Line::styled(
        " Which cluster should reach the RDS instance?",
        t.text(),
    ));
    head_doc.push(Line::styled(flag, t.dim()));
    let detail_rows = if area.height >= 20 { 7 } else { 5 };
    let [head, list_area, detail_area] = Layout::vertical([
        Constraint::Length(head_doc.height(area.width)),
        Constraint::Min(3),
        Constraint::Length(detail_rows),
    ])
    .areas(area);
    head_doc.render(f, head, t.dim());
    let Some(list) = app.clusters.ready() else {
        if let Some(lines) = load_status(t, app.frame, &app.clusters, "listing clusters") {
            crate::tui::widgets::flow::lines(f, list_area, lines, app.scroll, t.dim());
        }
        return;
    };
    if list.is_empty() {
        crate::tui::widgets::flow::lines(
            f,
            list_area,
            vec![Line::raw(
                " This TiDB Cloud API key sees no cluster. Create an Essential cluster on Alibaba Cloud, or use the key of the project that has one.",
            )],
            0,
            t.dim(),
        );
        return;
    }
    let visible = app.visible_clusters();
    let mut d = Doc::new();
    filter_line(&mut d, app, t, visible.len(), list.len());
    let w = list_area.width as usize;
    let name_w = list
        .iter()
        .map(|(c, _)| flow::width(&c.name))
        .max()
        .unwrap_or(4)
        + 2;
    let region_w = 20;
    let one_row = 2 + name_w + 21 + region_w + 11 + 8 <= w;
    for &i in &visible {
        let (c, why) = &list[i];
        let region = if c.on_alibaba() {
            c.region.clone()
        } else {
            format!("{} ({})", c.region, c.provider)
        };
        push_entry(
            &mut d,
            t,
            Entry {
                sel: i == app.cluster_sel,
                unusable: why.is_some(),
                row: one_row.then(|| {
                    format!(
                        "{:<name_w$}{:<21}{:<region_w$}{:<11}{}",
                        c.name, c.id, region, c.plan, c.state
                    )
                }),
                head: format!("{}  {}", c.name, c.id),
                rest: format!("{region} · {} · {}", c.plan, c.state),
                note: why.as_ref().map(|w| (theme::FAIL, t.fail(), w.clone())),
            },
        );
    }
    d.shift(app.scroll).render(f, list_area, t.dim());
    // Detail of the highlighted cluster.
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(" Private link facts ", t.heading()));
    let inner = block.inner(detail_area);
    f.render_widget(block, detail_area);
    let Some((c, why)) = app.highlighted_cluster() else {
        return;
    };
    if !app.visible_clusters().contains(&app.cluster_sel) {
        return;
    }
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
    let mut doc = Doc::new();
    doc.extend(lines);
    doc.render(f, inner, t.dim());
}

// ── keys ──

use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    if let Some(fx) = picker::keys(app, a, List::Clusters, App::describe_highlighted) {
        return fx;
    }
    match a {
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
