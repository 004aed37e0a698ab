//! Provisioning: one row per apply step (spinner, cloud state, elapsed, id) and the log.

use super::{Hint, ScreenDef, hint};
use crate::engine::apply::{ApplyModel, Step, StepStatus};
use crate::engine::journal::ResourceIds;
use crate::tui::app::App;
use crate::tui::widgets::elapsed;
use crate::tui::widgets::flow::{self, Doc};
use crate::tui::widgets::theme::{self, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// The id a step produced, once known.
pub fn step_id(s: Step, r: &ResourceIds) -> Option<&str> {
    s.produces().and_then(|k| r.get(k))
}

/// The state word for a finished step: the cloud's last word unless it was still transient.
fn done_word(cloud_state: &str) -> String {
    let up = cloud_state.to_ascii_uppercase();
    let transient = [
        "CREATING",
        "PENDING",
        "PROVISIONING",
        "CONFIGURING",
        "STARTED",
    ];
    if cloud_state.is_empty() || transient.iter().any(|w| up.contains(w)) {
        "done".to_string()
    } else {
        cloud_state.to_string()
    }
}

/// The state column's width: the longest state word shown, at least "waiting".
fn state_width(words: &[String]) -> usize {
    words
        .iter()
        .map(|w| flow::width(w))
        .max()
        .unwrap_or(0)
        .clamp(8, 22)
        + 1
}

fn row(t: &Theme, frame: u64, m: &ApplyModel, s: Step) -> Option<(Line<'static>, String)> {
    let r = m.steps.get(&s)?;
    let stopped = m.finished() && r.status == StepStatus::Running;
    let (sym, style) = match &r.status {
        _ if stopped => (theme::SKIP, t.dim()),
        StepStatus::Pending => (theme::PENDING, t.dim()),
        StepStatus::Running => (theme::spinner(frame), t.warn()),
        StepStatus::Done => (theme::OK, t.ok()),
        StepStatus::Failed { .. } => (theme::FAIL, t.fail()),
    };
    let state = match &r.status {
        _ if stopped => "stopped".to_string(),
        StepStatus::Pending => "waiting".to_string(),
        StepStatus::Running if r.cloud_state.is_empty() => "started".to_string(),
        StepStatus::Running => r.cloud_state.clone(),
        StepStatus::Done => done_word(&r.cloud_state),
        StepStatus::Failed { .. } => "FAILED".to_string(),
    };
    let time = match (r.started_ms, r.ended_ms) {
        (Some(a), Some(b)) => elapsed(b.saturating_sub(a)),
        (Some(a), None) if !stopped => elapsed(m.now_ms.saturating_sub(a)),
        _ => String::new(),
    };
    let label_style = if r.status == StepStatus::Pending {
        t.dim()
    } else {
        t.text()
    };
    // The state is filled in by `rows` once every state's width is known.
    let line = Line::from(vec![
        Span::styled(format!(" {sym} "), style),
        Span::styled(format!("{:<30}", s.label()), label_style),
        Span::styled(String::new(), style),
        Span::styled(format!("{time:>6} "), t.dim()),
        Span::styled(
            step_id(s, m.ids()).unwrap_or_default().to_string(),
            t.value(),
        ),
    ]);
    Some((line, state))
}

/// One row per step; an id that does not fit moves whole to the row below, under the label.
fn rows(t: &Theme, frame: u64, m: &ApplyModel) -> Doc {
    let rows: Vec<(Line<'static>, String)> = Step::ALL
        .iter()
        .filter_map(|s| row(t, frame, m, *s))
        .collect();
    let words: Vec<String> = rows.iter().map(|(_, w)| w.clone()).collect();
    let sw = state_width(&words);
    let mut d = Doc::new();
    // On a short terminal the first running (or failed) step stays in view.
    let focus = Step::ALL
        .iter()
        .filter(|s| m.steps.contains_key(s))
        .position(|s| {
            m.steps.get(s).is_some_and(|r| {
                matches!(r.status, StepStatus::Running | StepStatus::Failed { .. })
            })
        });
    for (i, (mut line, word)) in rows.into_iter().enumerate() {
        line.spans[2].content = format!("{word:<sw$}").into();
        if Some(i) == focus {
            d.focus_start();
        }
        d.push_at(line, 3);
        if Some(i) == focus {
            d.focus_end();
        }
    }
    d
}

/// The Provisioning screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Provisioning",
    help: "Steps run as soon as their inputs exist. Every id is written to the journal the moment it exists: q stops safely and `tilink setup --resume <setup-id>` continues.",
    hints,
    draw,
    keys,
    scrolls_text: false,
};

fn hints(app: &App) -> Vec<Hint> {
    match app.apply.as_ref().and_then(|m| m.outcome.as_ref()) {
        Some(Ok(())) => vec![hint(&[Action::Accept], "see the acceptance")],
        Some(Err(_)) => vec![hint(&[Action::Retry], "retry from where it stopped")],
        None => vec![],
    }
}

/// Draws the Provisioning screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some(m) = &app.apply else {
        f.render_widget(Paragraph::new(" Starting…"), area);
        return;
    };
    let mut head = Doc::new();
    head.push(Line::from(vec![
        Span::raw(" Setup "),
        Span::styled(m.journal.setup_id.clone(), t.value()),
        Span::styled(
            format!(" · {} · journal saved after every id", elapsed(m.now_ms)),
            t.dim(),
        ),
    ]));
    let steps = rows(t, app.frame, m);
    let status = status_doc(app, m, t);
    let w = area.width;
    let [head_area, steps_area, status_area, log] = Layout::vertical([
        Constraint::Length(head.height(w)),
        Constraint::Length(steps.height(w)),
        Constraint::Length(status.height(w).max(2)),
        Constraint::Min(2),
    ])
    .areas(area);
    head.render(f, head_area, t.dim());
    steps.render(f, steps_area, t.dim());
    status.render(f, status_area, t.dim());

    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(" Log ", t.heading()));
    let inner = block.inner(log);
    f.render_widget(block, log);
    // The log's tail: the newest line stays in view, older ones scroll off with a marker.
    let mut d = Doc::new();
    let start = m.log.len().saturating_sub(200);
    for l in &m.log[start..] {
        use crate::engine::apply::LogKind;
        let style = match l.kind {
            LogKind::Failure => t.fail(),
            LogKind::Warning | LogKind::Slow => t.warn(),
            LogKind::Info => t.text(),
        };
        d.push_at(
            Line::from(vec![
                Span::styled(format!(" {:>7} ", elapsed(l.at_ms)), t.dim()),
                Span::styled(l.text.clone(), style),
            ]),
            9,
        );
    }
    if !d.is_empty() {
        d.focus_start();
        d.focus_end();
    }
    d.render(f, inner, t.dim());
}

/// What the run is doing or how it ended, under the steps.
fn status_doc(app: &App, m: &ApplyModel, t: &Theme) -> Doc {
    let mut d = Doc::new();
    match &m.outcome {
        Some(Ok(())) => {
            d.push(Line::from(vec![
                Span::styled(format!(" {} ACTIVE ", theme::OK), t.ok()),
                Span::raw("the private link connection is ready. Press Enter."),
            ]));
        }
        Some(Err(crate::engine::apply::Stopped::Interrupted)) => {
            d.push(Line::styled(
                format!(
                    " {} stopped; resume with `tilink setup --resume {}`",
                    theme::WARN,
                    m.journal.setup_id
                ),
                t.warn(),
            ));
        }
        Some(Err(e)) => {
            d.push(Line::from(vec![
                Span::styled(format!(" {} ", theme::FAIL), t.fail()),
                Span::styled(e.to_string(), t.fail()),
            ]));
            d.push(Line::raw(
                "   fix the cause, then r retries (what exists is adopted, nothing is made twice)",
            ));
            d.push(Line::from(vec![
                Span::raw("   later: "),
                Span::styled(
                    format!("tilink setup --resume {}", m.journal.setup_id),
                    t.value(),
                ),
            ]));
        }
        None if app.stopping => {
            d.push(Line::styled(" stopping: saving the journal…", t.warn()));
        }
        None => {
            // What each running step waits on, for how long, how long it usually takes and
            // the call that looks.
            for (slow, w) in Step::ALL
                .iter()
                .filter_map(|s| m.steps.get(s))
                .filter_map(|r| r.waiting_text(m.now_ms).map(|w| (r.slow, w)))
                .take(3)
            {
                d.push(Line::styled(
                    format!(" {} {w}", theme::spinner(app.frame)),
                    if slow { t.warn() } else { t.dim() },
                ));
            }
            d.push(Line::styled(
                " q stops safely; every id is already in the journal",
                t.dim(),
            ));
        }
    }
    d
}

// ── keys ──

use crate::tui::app::*;
use crate::tui::keymap::Action;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Action) -> Vec<Effect> {
    let outcome = app.apply.as_ref().and_then(|m| m.outcome.clone());
    match (a, outcome) {
        (Action::Accept, Some(Ok(()))) => app.enter(Screen::Acceptance),
        (Action::Accept, None) => {
            app.note =
                Some("provisioning is running; q stops it (the journal keeps every id)".into());
            Vec::new()
        }
        (Action::Retry, Some(Err(_))) => {
            let (Some(plan), Some(m)) = (app.applying.clone(), app.apply.as_ref()) else {
                return Vec::new();
            };
            let journal = m.journal.clone();
            app.start_apply(*plan, journal)
        }
        (Action::Accept, Some(Err(_))) => {
            app.note = Some("press r to retry from where it stopped (existing resources are adopted), q to quit".into());
            Vec::new()
        }
        _ => Vec::new(),
    }
}
