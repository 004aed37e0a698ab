//! The pick list both pickers are (clusters, RDS instances): how an entry is drawn, the
//! filter row, and the keys every pick list shares (`/` filters, ↑↓ move among what the
//! filter shows, Enter with nothing shown explains, Esc clears the filter first).

use crate::tui::app::{App, Effect, step_visible};
use crate::tui::keymap::Action;
use crate::tui::widgets::flow::Doc;
use crate::tui::widgets::theme::{POINTER, Theme};
use ratatui::text::{Line, Span};

/// Which pick list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    /// The TiDB Cloud clusters the key sees.
    Clusters,
    /// The RDS instances of the cluster's region.
    Sources,
}

impl List {
    fn sel(self, app: &mut App) -> &mut usize {
        match self {
            List::Clusters => &mut app.cluster_sel,
            List::Sources => &mut app.source_sel,
        }
    }

    fn highlighted(self, app: &App) -> usize {
        match self {
            List::Clusters => app.cluster_sel,
            List::Sources => app.source_sel,
        }
    }

    fn visible(self, app: &App) -> Vec<usize> {
        match self {
            List::Clusters => app.visible_clusters(),
            List::Sources => app.visible_sources(),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            List::Clusters => "cluster",
            List::Sources => "instance",
        }
    }
}

/// The keys every pick list shares, or `None` when `a` is the screen's own. `moved` runs
/// after the highlight moved (the cluster list asks for the new cluster's facts).
pub(crate) fn keys(
    app: &mut App,
    a: Action,
    list: List,
    moved: fn(&mut App) -> Vec<Effect>,
) -> Option<Vec<Effect>> {
    match a {
        Action::Filter => {
            app.filtering = true;
            Some(Vec::new())
        }
        Action::Up | Action::Down | Action::Next => {
            let visible = list.visible(app);
            let sel = list.sel(app);
            *sel = step_visible(*sel, &visible, a != Action::Up);
            app.note = None;
            Some(moved(app))
        }
        Action::Accept
            if !app.filter.is_empty() && !list.visible(app).contains(&list.highlighted(app)) =>
        {
            app.note = Some(format!(
                "no {} matches the filter /{}: Backspace edits it, Esc clears it",
                list.noun(),
                app.filter
            ));
            Some(Vec::new())
        }
        Action::Back if !app.filter.is_empty() => {
            app.filter.clear();
            Some(Vec::new())
        }
        _ => None,
    }
}

/// One entry of a pick list (clusters, RDS instances).
pub(crate) struct Entry {
    /// Highlighted: drawn selected and kept in view.
    pub sel: bool,
    /// Cannot be picked: drawn dim.
    pub unusable: bool,
    /// Every field on one row, when the list fits the width.
    pub row: Option<String>,
    /// Otherwise the first row (name and id) …
    pub head: String,
    /// … and the rest of the fields under it.
    pub rest: String,
    /// A line under the entry: its mark, the mark's style and the text (why it cannot be
    /// used, or a hint).
    pub note: Option<(&'static str, ratatui::style::Style, String)>,
}

/// Adds `e` to a list: the pointer on the highlighted entry, wrapped rows under the name.
pub(crate) fn push_entry(d: &mut Doc, t: &Theme, e: Entry) {
    let style = match (e.sel, e.unusable) {
        (true, _) => t.selected(),
        (false, true) => t.dim(),
        (false, false) => t.text(),
    };
    let pointer = if e.sel { POINTER } else { "  " };
    if e.sel {
        d.focus_start();
    }
    match e.row {
        Some(row) => d.push_at(Line::styled(format!("{pointer}{row}"), style), 4),
        None => {
            d.push_at(Line::styled(format!("{pointer}{}", e.head), style), 4);
            d.push_at(Line::styled(format!("    {}", e.rest), style), 4);
        }
    }
    if let Some((mark, mark_style, text)) = e.note {
        d.push_at(
            Line::from(vec![
                Span::styled(format!("    {mark} "), mark_style),
                Span::styled(text, t.dim()),
            ]),
            6,
        );
    }
    if e.sel {
        d.focus_end();
    }
}

/// The filter row: what `/` typed and how many rows match, or how to filter.
pub(crate) fn filter_line(d: &mut Doc, app: &App, t: &Theme, shown: usize, all: usize) {
    if app.filtering || !app.filter.is_empty() {
        let cursor = if app.filtering { "▏" } else { "" };
        d.push(Line::from(vec![
            Span::styled(" filter /", t.key()),
            Span::styled(format!("{}{cursor}", app.filter), t.value()),
            Span::styled(format!("  {shown} of {all} · Esc clears"), t.dim()),
        ]));
    } else if all > 1 {
        d.push(Line::styled(format!(" {all} in all · / filters"), t.dim()));
    }
}
