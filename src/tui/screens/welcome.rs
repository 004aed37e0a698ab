//! Welcome: set up, resume an unfinished setup, or troubleshoot.

use super::{Hint, ScreenDef, hint};
use crate::tui::app::{App, WelcomeItem};
use crate::tui::widgets::flow::Doc;
use crate::tui::widgets::theme::{POINTER, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The Welcome screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Welcome",
    help: "tilink builds the chain TiDB Cloud → PrivateLink → internal NLB → RDS for MySQL. Pick \"Set up\" for a new link, or resume a setup that stopped: its journal keeps every id, so nothing is created twice.",
    hints,
    draw,
    keys,
    scrolls_text: false,
};

fn hints(_: &App) -> Vec<Hint> {
    vec![
        hint(&[Action::Accept], "choose"),
        hint(&[Action::Up, Action::Down], "move"),
    ]
}

/// Draws the Welcome screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let mut lines = vec![
        Line::raw(""),
        Line::styled(
            " Connect TiDB Cloud Essential (on Alibaba Cloud) to ApsaraDB RDS for MySQL",
            t.heading(),
        ),
        Line::raw(" through an internal NLB, a PrivateLink endpoint service and a TiDB PLC."),
        Line::raw(""),
        Line::styled(
            "   TiDB Cloud ──PLC──▶ endpoint ──▶ endpoint service ──▶ internal NLB ──▶ RDS",
            t.dim(),
        ),
        Line::raw(""),
    ];
    if app.opts.sandbox {
        lines.push(Line::from(vec![
            Span::styled(" Sandbox: ", t.warn()),
            Span::raw("both clouds are simulated here; nothing real is created or billed."),
        ]));
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(" What do you want to do?", t.text()));
    let mut focus = (0, 1);
    for (i, item) in app.welcome_items().iter().enumerate() {
        let text = match item {
            WelcomeItem::New => "Set up a new private link".to_string(),
            WelcomeItem::Resume(k) => match app.resumable.get(*k) {
                Some(r) => format!(
                    "Resume {} (cluster {}, {}, {}, {}/9 steps done)",
                    r.setup_id,
                    r.cluster_id,
                    r.rds_id,
                    if r.state == crate::engine::journal::SetupState::Failed {
                        "failed"
                    } else {
                        "in progress"
                    },
                    r.done
                ),
                None => continue,
            },
            WelcomeItem::Troubleshoot => "Troubleshoot an existing link".to_string(),
        };
        let selected = i == app.welcome_sel;
        if selected {
            focus = (lines.len(), lines.len() + 1);
        }
        lines.push(Line::from(vec![
            Span::raw(if selected {
                format!(" {POINTER}")
            } else {
                "   ".to_string()
            }),
            Span::styled(text, if selected { t.selected() } else { t.text() }),
        ]));
        if let (WelcomeItem::Resume(k), true) = (item, selected)
            && let Some(Some(e)) = app.resumable.get(*k).map(|r| r.last_error.as_ref())
        {
            lines.push(Line::styled(format!("     stopped at: {e}"), t.dim()));
            focus.1 += 1;
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " Nothing is created until you confirm the plan.",
        t.dim(),
    ));
    let mut d = Doc::new();
    d.extend(lines);
    d.set_focus(focus.0, focus.1);
    d.shift(app.scroll).render(f, area, t.dim());
}

// ── keys ──

use crate::tui::app::update::step_sel;
use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    let items = app.welcome_items();
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.welcome_sel = step_sel(app.welcome_sel, items.len(), a != Action::Up);
            app.note = None;
            Vec::new()
        }
        Action::Accept => match items.get(app.welcome_sel) {
            Some(WelcomeItem::New) => {
                app.resuming = None;
                app.troubleshoot = false;
                app.enter(Screen::Credentials)
            }
            Some(WelcomeItem::Resume(i)) => {
                let Some(r) = app.resumable.get(*i).cloned() else {
                    return Vec::new();
                };
                app.resuming = Some(r.setup_id.clone());
                app.cluster_id = Some(r.cluster_id.clone());
                app.rds_id = Some(r.rds_id.clone());
                app.region = Some(app.opts.region.clone().unwrap_or(r.region.clone()));
                app.opts.cluster_id = Some(r.cluster_id);
                app.opts.rds_id = Some(r.rds_id);
                let mut fx = app.enter(Screen::Checks);
                fx.extend(app.start_prepare());
                fx
            }
            Some(WelcomeItem::Troubleshoot) => {
                app.resuming = None;
                app.troubleshoot = true;
                app.enter(Screen::Credentials)
            }
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}
