//! Plan: what will be created, adopted or updated, the cost, one confirm.

use crate::engine::plan::{Action, COST_NOTE};
use crate::tui::app::App;
use crate::tui::widgets::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draws the Plan screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some(p) = app.prepared.ready().and_then(|p| p.plan.as_ref()) else {
        f.render_widget(
            Paragraph::new(" No plan: go back to the checks (Esc)."),
            area,
        );
        return;
    };
    let [head, body, confirm] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(4),
        Constraint::Length(4),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(" Setup "),
            Span::styled(p.setup_id.clone(), t.value()),
            Span::raw(" in "),
            Span::styled(p.region.clone(), t.value()),
            Span::raw(format!(
                " · zones {} · backend {}:{}",
                p.zones
                    .iter()
                    .map(|z| z.zone.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                p.backend_ip,
                p.backend_port
            )),
        ]))
        .wrap(Wrap { trim: false }),
        head,
    );
    let mut lines = Vec::new();
    for i in &p.items {
        let style = match i.action {
            Action::Create => t.ok(),
            Action::Adopt => t.value(),
            Action::Update => t.warn(),
        };
        let mut spans = vec![
            Span::styled(format!(" {:<7}", i.action.word()), style),
            Span::styled(format!("{} ", i.what), t.heading()),
        ];
        if let Some(id) = &i.id {
            spans.push(Span::styled(format!("[{id}] "), t.value()));
        }
        lines.push(Line::from(spans));
        lines.push(Line::styled(format!("        {}", i.detail), t.dim()));
    }
    lines.push(Line::from(vec![
        Span::styled(" tags   ", t.dim()),
        Span::raw(
            p.tags
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ]));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.plan_scroll, 0)),
        body,
    );

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
            Span::raw(" back"),
        ])
    };
    f.render_widget(
        Paragraph::new(vec![
            Line::styled(format!(" cost: {COST_NOTE}"), t.dim()),
            ask,
        ])
        .wrap(Wrap { trim: false }),
        inner,
    );
}
