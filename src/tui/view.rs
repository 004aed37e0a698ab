//! The frame around every screen: header with progress, body, note, key hints, and the
//! help and stop-confirmation overlays. Reads only the model.

use super::app::{App, Screen};
use super::keymap::help_rows;
use super::screens;
use super::widgets::flow::Doc;
use super::widgets::theme::Theme;
use super::widgets::{centered, hints};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
/// Smallest usable terminal.
pub const MIN_HEIGHT: u16 = 16;

/// Draws the whole wizard.
pub fn draw(f: &mut Frame, app: &App) {
    let t = Theme::new(app.opts.no_color);
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = vec![
            Line::styled("tilink needs a bigger terminal", t.heading()),
            Line::raw(format!(
                "{}×{} now; at least {MIN_WIDTH}×{MIN_HEIGHT} (80×24 or more is best).",
                area.width, area.height
            )),
            Line::raw("Enlarge the window; q quits."),
        ];
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: false }), area);
        return;
    }
    // The note and the key hints wrap (never clipped); the body takes what is left.
    let mut note_doc = Doc::new();
    if let Some(msg) = &app.note {
        note_doc.push(Line::styled(format!(" {msg}"), t.warn()));
    }
    let mut foot_doc = Doc::new();
    let keys = screens::hints(app);
    let keys: Vec<(&str, &str)> = keys.iter().map(|(k, what)| (k.as_str(), *what)).collect();
    foot_doc.push_at(hints(&t, &keys), 1);
    let note_rows = note_doc.height(area.width).min(3);
    let foot_rows = foot_doc.height(area.width).min(2);
    let [header, body, note, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(4),
        Constraint::Length(note_rows),
        Constraint::Length(foot_rows),
    ])
    .areas(area);

    // Header: product, step, progress dots.
    let n = app.screen.number();
    // Troubleshooting is a short path: Welcome → Credentials → Cluster → Doctor.
    let (total, dots): (usize, String) = if app.troubleshoot {
        let path = [
            Screen::Welcome,
            Screen::Credentials,
            Screen::Cluster,
            Screen::Doctor,
        ];
        let at = path.iter().position(|s| *s == app.screen).unwrap_or(0);
        let dots = (0..path.len())
            .map(|i| {
                if i < at {
                    '●'
                } else if i == at {
                    '◉'
                } else {
                    '○'
                }
            })
            .collect();
        (path.len(), dots)
    } else {
        let dots = Screen::ALL
            .iter()
            .map(|s| {
                if *s < app.screen {
                    '●'
                } else if *s == app.screen {
                    '◉'
                } else {
                    '○'
                }
            })
            .collect();
        (Screen::ALL.len(), dots)
    };
    let mode = if app.opts.sandbox {
        "tilink sandbox"
    } else {
        "tilink setup"
    };
    let head = Line::from(vec![
        Span::styled(format!(" {mode} "), t.heading()),
        Span::styled("· ", t.dim()),
        Span::raw(format!("step {n}/{total} ")),
        Span::styled(screens::def(app.screen).title.to_string(), t.heading()),
        Span::raw("  "),
        Span::styled(dots, t.dim()),
    ]);
    f.render_widget(
        Paragraph::new(head).block(
            Block::default()
                .borders(Borders::BOTTOM)
                .border_style(t.dim()),
        ),
        header,
    );

    screens::draw(f, body, app, &t);

    note_doc.render(f, note, t.dim());
    foot_doc.render(f, footer, t.dim());

    if app.help {
        let w = area.width.saturating_sub(4).min(88);
        let h = area.height.saturating_sub(2).min(24);
        let r = centered(area, w, h);
        let mut lines = vec![
            Line::styled(screens::def(app.screen).title.to_string(), t.heading()),
            Line::raw(screens::help(app.screen)),
            Line::raw(""),
        ];
        for (keys, what) in help_rows() {
            lines.push(Line::from(vec![
                Span::styled(format!("{keys:<11}"), t.key()),
                Span::raw(what),
            ]));
        }
        f.render_widget(Clear, r);
        let block = Block::bordered().title(Span::styled(" Help (? or Esc closes) ", t.heading()));
        let inner = block.inner(r);
        f.render_widget(block, r);
        let mut d = Doc::new();
        for l in lines {
            d.push_at(l, 11);
        }
        d.render(f, inner, t.dim());
    }
    if app.confirm_quit {
        let w = area.width.saturating_sub(8).min(72);
        let r = centered(area, w, 8);
        let sid = app.setup_id().unwrap_or("<setup-id>");
        let resume = if app.opts.sandbox {
            Line::raw("The sandbox's clouds end with this process: there is nothing to resume.")
        } else {
            Line::from(vec![
                Span::raw("Resume later: "),
                Span::styled(format!("tilink setup --resume {sid}"), t.value()),
            ])
        };
        let lines = vec![
            Line::styled("Stop provisioning?", t.heading()),
            Line::raw("Resources created so far stay, and every id is in the journal."),
            resume,
            Line::raw(""),
            Line::from(vec![
                Span::styled("y", t.key()),
                Span::raw(" stop now · "),
                Span::styled("n / Esc / Enter", t.key()),
                Span::raw(" keep going"),
            ]),
        ];
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::bordered().border_style(t.warn())),
            r,
        );
    }
}
