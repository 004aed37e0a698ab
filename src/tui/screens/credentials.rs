//! Credentials: where each key came from, checked live.

use super::{Hint, ScreenDef, hint};
use crate::tui::app::{App, Load};
use crate::tui::widgets::theme::{self, Theme};
use crate::tui::widgets::{error_lines, loading_line, mark};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The Credentials screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Credentials",
    help: "Where each key came from (flag, environment, aliyun/ticloud profile or keyring) and a live check: STS GetCallerIdentity for Alibaba Cloud and the cluster list for TiDB Cloud. Nothing is written.",
    hints,
    draw,
    keys,
    scrolls_text: true,
};

fn hints(_: &App) -> Vec<Hint> {
    vec![
        hint(&[Action::Accept], "continue"),
        hint(&[Action::Retry], "check again"),
        hint(&[Action::Back], "back"),
    ]
}

/// Draws the Credentials screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let mut lines = vec![
        Line::raw(""),
        Line::styled(" Alibaba Cloud", t.heading()),
        Line::from(vec![
            Span::styled("   key from  ", t.dim()),
            Span::styled(app.opts.alibaba_source.clone(), t.value()),
        ]),
    ];
    match &app.identity {
        Load::Ready(i) => {
            lines.push(mark(
                theme::OK,
                t.ok(),
                format!("STS GetCallerIdentity: account {}", i.account_id),
            ));
            lines.push(Line::styled(format!("   {}", i.arn), t.dim()));
        }
        Load::Loading(_) | Load::Idle => {
            lines.push(loading_line(t, app.frame, "STS GetCallerIdentity"))
        }
        Load::Failed(e) => lines.extend(error_lines(t, e)),
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(" TiDB Cloud", t.heading()));
    lines.push(Line::from(vec![
        Span::styled("   key from  ", t.dim()),
        Span::styled(app.opts.tidb_source.clone(), t.value()),
    ]));
    match &app.clusters {
        Load::Ready(list) => {
            let usable = list.iter().filter(|c| c.1.is_none()).count();
            let (sym, style) = if usable > 0 {
                (theme::OK, t.ok())
            } else {
                (theme::WARN, t.warn())
            };
            lines.push(mark(
                sym,
                style,
                format!(
                    "cluster list: {} cluster(s), {usable} on Alibaba Cloud and usable",
                    list.len()
                ),
            ));
            if usable == 0 {
                lines.push(Line::styled("   create an Essential cluster on Alibaba Cloud, or use the API key of the project that has one", t.dim()));
            }
        }
        Load::Loading(_) | Load::Idle => lines.push(loading_line(t, app.frame, "listing clusters")),
        Load::Failed(e) => lines.extend(error_lines(t, e)),
    }
    lines.push(Line::raw(""));
    if app.identity.ready().is_some() && app.clusters.ready().is_some() {
        lines.push(Line::styled(
            " Both keys work. Press Enter to pick the cluster.",
            t.text(),
        ));
    }
    lines.push(Line::styled(
        " Keys are read from flags, the environment, ~/.aliyun/config.json, ~/.ticloud/config.toml or the OS keyring; they are never written to logs or journals.",
        t.dim(),
    ));
    for n in &app.opts.endpoint_notes {
        lines.push(Line::styled(format!(" {} {n}", theme::WARN), t.warn()));
    }
    crate::tui::widgets::flow::lines(f, area, lines, app.scroll, t.dim());
}

// ── keys ──

use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    match a {
        Action::Accept => match (&app.identity, &app.clusters) {
            (Load::Ready(_), Load::Ready(_)) => {
                let mut fx = app.enter(Screen::Cluster);
                fx.extend(app.describe_highlighted());
                fx
            }
            (Load::Failed(_), _) | (_, Load::Failed(_)) => {
                app.note = Some(
                    "a credential check failed: fix it (see above) and press r to check again"
                        .into(),
                );
                Vec::new()
            }
            _ => {
                app.note = Some("still checking the keys…".into());
                Vec::new()
            }
        },
        Action::Retry => app.enter(Screen::Credentials),
        Action::Back => app.enter(Screen::Welcome),
        _ => Vec::new(),
    }
}
