//! Source: pick the RDS instance in the cluster's region; decoys greyed with the reason.

use super::ScreenDef;
use super::picker::{self, Entry, List, filter_line, push_entry};
use crate::tui::app::App;
use crate::tui::widgets::flow::{self, Doc};
use crate::tui::widgets::load_status;
use crate::tui::widgets::theme::{self, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

/// The Source screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Source RDS instance",
    help: "RDS instances in the cluster's region (cross-region links are not supported). The source must be a running MySQL primary in a VPC; others are greyed with the reason.",
    hints: super::cluster::hints,
    draw,
    keys,
    scrolls_text: false,
};

/// Draws the Source screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let region = app.sources_region.clone().unwrap_or_default();
    let mut head_doc = Doc::new();
    head_doc.push(Line::from(vec![
        Span::raw(" Which ApsaraDB RDS for MySQL instance is the source? Region "),
        Span::styled(region.clone(), t.value()),
    ]));
    head_doc.push(Line::styled(
        "   (the cluster's region: cross-region private links are not supported)",
        t.dim(),
    ));
    let [head, list_area, foot] = Layout::vertical([
        Constraint::Length(head_doc.height(area.width)),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    head_doc.render(f, head, t.dim());
    let Some(list) = app.sources.ready() else {
        if let Some(lines) = load_status(
            t,
            app.frame,
            &app.sources,
            &format!("listing RDS instances in {region}"),
        ) {
            crate::tui::widgets::flow::lines(f, list_area, lines, app.scroll, t.dim());
        }
        return;
    };
    if list.is_empty() {
        crate::tui::widgets::flow::lines(
            f,
            list_area,
            vec![Line::raw(format!(
                " No RDS instance in {region}. Create one in the cluster's region, then press r."
            ))],
            0,
            t.dim(),
        );
        return;
    }
    let visible = app.visible_sources();
    let mut d = Doc::new();
    filter_line(&mut d, app, t, visible.len(), list.len());
    let w = list_area.width as usize;
    let id_w = list.iter().map(|r| flow::width(&r.id)).max().unwrap_or(4) + 2;
    let desc_w = list
        .iter()
        .map(|r| flow::width(&r.description))
        .max()
        .unwrap_or(4)
        + 2;
    let eng_w = list
        .iter()
        .map(|r| flow::width(&r.engine))
        .max()
        .unwrap_or(4)
        + 2;
    let one_row = 2 + id_w + desc_w + eng_w + 10 + 16 <= w;
    for &i in &visible {
        let r = &list[i];
        let note = match (&r.unusable, &r.zone_hint) {
            (Some(why), _) => Some((theme::FAIL, t.fail(), why.clone())),
            (None, Some(hint)) => Some((theme::WARN, t.warn(), hint.clone())),
            (None, None) => None,
        };
        push_entry(
            &mut d,
            t,
            Entry {
                sel: i == app.source_sel,
                unusable: r.unusable.is_some(),
                row: one_row.then(|| {
                    format!(
                        "{:<id_w$}{:<desc_w$}{:<eng_w$}{:<10}{}",
                        r.id, r.description, r.engine, r.status, r.zone
                    )
                }),
                head: format!("{}  {}", r.id, r.description),
                rest: format!("{} · {} · {}", r.engine, r.status, r.zone),
                note,
            },
        );
    }
    d.shift(app.scroll).render(f, list_area, t.dim());
    let usable = list.iter().filter(|r| r.unusable.is_none()).count();
    crate::tui::widgets::flow::lines(
        f,
        foot,
        vec![Line::styled(
            format!(
                " {usable} of {} instance(s) can be the source. Enter runs read-only checks; nothing is created yet.",
                list.len()
            ),
            t.dim(),
        )],
        0,
        t.dim(),
    );
}

// ── keys ──

use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    if let Some(fx) = picker::keys(app, a, List::Sources, |_| Vec::new()) {
        return fx;
    }
    match a {
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
