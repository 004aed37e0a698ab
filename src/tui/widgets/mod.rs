//! Small drawing helpers shared by the screens.

pub mod flow;
pub mod theme;
pub mod zone_grid;

use super::app::{Load, UiError};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use theme::Theme;

/// `label  value` with the label in a fixed column.
pub fn field<'a>(t: &Theme, label: &str, width: usize, value: impl Into<String>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("  {label:<width$} "), t.dim()),
        Span::styled(value.into(), t.value()),
    ])
}

/// Key hints for the footer: `Enter continue · Esc back · …`.
pub fn hints<'a>(t: &Theme, keys: &[(&str, &str)]) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (k, what)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", t.dim()));
        }
        spans.push(Span::styled(k.to_string(), t.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}

/// An error with its fix and the retry key.
pub fn error_lines<'a>(t: &Theme, e: &UiError) -> Vec<Line<'a>> {
    let mut v = vec![Line::from(vec![
        Span::styled(format!(" {} ", theme::FAIL), t.fail()),
        Span::styled(e.message.clone(), t.fail()),
    ])];
    if let Some(fix) = &e.fix {
        v.push(Line::from(vec![
            Span::styled("   fix: ", t.warn()),
            Span::raw(fix.clone()),
        ]));
    }
    v.push(Line::from(vec![
        Span::raw("   press "),
        Span::styled("r", t.key()),
        Span::raw(" to retry"),
    ]));
    v
}

/// A spinner line: `⠋ what…`.
pub fn loading_line<'a>(t: &Theme, frame: u64, what: &str) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {} ", theme::spinner(frame)), t.warn()),
        Span::styled(format!("{what}…"), t.dim()),
    ])
}

/// One line describing a [`Load`] that is not ready (spinner or error), or `None`.
pub fn load_status<'a, T>(t: &Theme, frame: u64, l: &Load<T>, what: &str) -> Option<Vec<Line<'a>>> {
    match l {
        Load::Ready(_) => None,
        Load::Idle => Some(vec![Line::styled(
            format!(" {what}: not asked yet"),
            t.dim(),
        )]),
        Load::Loading(_) => Some(vec![loading_line(t, frame, what)]),
        Load::Failed(e) => Some(error_lines(t, e)),
    }
}

/// One check as a list row: mark, status tag, id in a `id_w` column, title; `indent`
/// blanks before the mark; highlighted when `sel`.
pub fn check_row(
    t: &Theme,
    c: &crate::engine::check::Check,
    sel: bool,
    indent: usize,
    id_w: usize,
) -> Line<'static> {
    let (sym, style) = t.status(c.status);
    let row = if sel { t.selected() } else { t.text() };
    Line::from(vec![
        Span::styled(format!("{:indent$}{sym} ", ""), style),
        Span::styled(format!("{} ", c.status.tag()), style),
        Span::styled(format!("{:<id_w$}", c.id), row),
        Span::styled(c.title.clone(), row),
    ])
}

/// A status mark and label: `✓ text`.
pub fn mark<'a>(sym: &str, style: Style, text: impl Into<String>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {sym} "), style),
        Span::raw(text.into()),
    ])
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [r] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(r);
    r
}

/// A command as rows a shell reads back as one: whole when it fits in `width`, else broken
/// between arguments (a flag stays with its value) with a trailing ` \` and the next row
/// indented. Nothing is ever cut inside an argument, so copy and paste works.
pub fn command_rows(cmd: &str, indent: usize, width: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    if flow::width(cmd) + indent <= width {
        return vec![format!("{pad}{cmd}")];
    }
    // Units: the program and subcommand words, then each `--flag value` pair.
    let mut units: Vec<String> = Vec::new();
    for w in cmd.split(' ') {
        match units.last_mut() {
            Some(last) if last.starts_with("--") && !w.starts_with("--") && !last.contains(' ') => {
                last.push(' ');
                last.push_str(w);
            }
            _ => units.push(w.to_string()),
        }
    }
    let mut rows: Vec<String> = Vec::new();
    let mut cur = pad.clone();
    for u in units {
        let fresh = cur.trim().is_empty();
        if !fresh && flow::width(&cur) + 1 + flow::width(&u) + 2 > width {
            rows.push(format!("{cur} \\"));
            cur = format!("{pad}    {u}");
        } else if fresh {
            cur.push_str(&u);
        } else {
            cur.push(' ');
            cur.push_str(&u);
        }
    }
    rows.push(cur);
    rows
}

/// Milliseconds as `12.3s` / `2m05s`.
pub fn elapsed(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}.{}s", s, (ms % 1000) / 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_commands() {
        assert_eq!(elapsed(12_345), "12.3s");
        assert_eq!(elapsed(125_000), "2m05s");
        let rows = command_rows("tilink teardown --cluster-id 1008 --setup tl-0123", 2, 40);
        assert_eq!(
            rows,
            [
                "  tilink teardown --cluster-id 1008 \\",
                "      --setup tl-0123"
            ]
        );
        assert_eq!(command_rows("tilink doctor", 2, 40), ["  tilink doctor"]);
    }
}
