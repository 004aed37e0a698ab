//! Acceptance: the request that was accepted and why it matched; foreign ones left alone.

use super::{Hint, ScreenDef, hint};
use crate::tui::app::App;
use crate::tui::app::{Effect, Screen};
use crate::tui::keymap::Action;
use crate::tui::widgets::theme::{self, Theme};
use crate::tui::widgets::{field, mark};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The Acceptance screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Connection acceptance",
    help: "tilink accepts only the request whose owner is TiDB Cloud's account and whose endpoint id is the one the private link connection reports. Anything else is shown and left alone.",
    hints,
    draw,
    keys,
    scrolls_text: true,
};

fn hints(_: &App) -> Vec<Hint> {
    vec![
        hint(&[Action::Accept], "summary"),
        hint(&[Action::Back], "back"),
    ]
}

/// Enter: the summary; Esc: back to provisioning.
fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    match a {
        Action::Accept => app.enter(Screen::Done),
        Action::Back => app.enter(Screen::Provisioning),
        _ => Vec::new(),
    }
}

/// Draws the Acceptance screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some(m) = super::applied(f, area, app) else {
        return;
    };
    let r = m.ids();
    let account = app
        .applying
        .as_ref()
        .map(|p| p.tidb_account_id.clone())
        .unwrap_or_default();
    let q = |o: &Option<String>| o.clone().unwrap_or_else(|| "(not known yet)".into());
    let ep = q(&r.endpoint_id);
    let mut lines = vec![
        Line::raw(""),
        Line::from(vec![
            Span::raw(" Connection requests on endpoint service "),
            Span::styled(q(&r.endpoint_service_id), t.value()),
        ]),
        Line::raw(""),
        Line::styled(
            " tilink accepts a request only when both match:",
            t.heading(),
        ),
        field(
            t,
            "owner = TiDB Cloud account",
            31,
            format!("{account}  (from :getAvailabilityZones)"),
        ),
        field(
            t,
            "endpoint = what the PLC reports",
            31,
            format!("{ep}  (PLC {})", q(&r.private_link_connection_id)),
        ),
        Line::raw(""),
        Line::styled(" Requests seen:", t.heading()),
    ];
    let accepted = crate::tui::app::step_done(m, crate::engine::apply::Step::Accept);
    if accepted {
        lines.push(mark(
            theme::OK,
            t.ok(),
            format!("{ep} from account {account}: account and endpoint match → accepted"),
        ));
    } else {
        lines.push(mark(
            theme::PENDING,
            t.dim(),
            format!("{ep} from account {account}: waiting"),
        ));
    }
    for fr in &m.foreign {
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", theme::FAIL), t.fail()),
            Span::raw(format!(
                "{} from account {} ({}): ",
                fr.endpoint_id, fr.owner_id, fr.status
            )),
            Span::styled("not accepted", t.fail()),
            Span::styled(
                " — not TiDB Cloud's request for this PLC; left alone",
                t.dim(),
            ),
        ]));
    }
    if m.foreign.is_empty() {
        lines.push(Line::styled("   no other request was seen", t.dim()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " Auto-accept stays off and the service whitelist holds only TiDB Cloud's account.",
        t.dim(),
    ));
    crate::tui::widgets::flow::lines(f, area, lines, app.scroll, t.dim());
}
