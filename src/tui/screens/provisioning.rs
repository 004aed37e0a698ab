//! Provisioning: one row per apply step (spinner, cloud state, elapsed, id) and the log.

use crate::engine::apply::{ApplyModel, Step, StepStatus};
use crate::engine::journal::ResourceIds;
use crate::tui::app::App;
use crate::tui::widgets::theme::{self, Theme};
use crate::tui::widgets::{cell, elapsed, truncate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// The id a step produced, once known.
pub fn step_id(s: Step, r: &ResourceIds) -> Option<&str> {
    match s {
        Step::ServerGroup => r.server_group_id.as_deref(),
        Step::LoadBalancer => r.load_balancer_id.as_deref(),
        Step::Allowlist => r.allowlist_group.as_deref(),
        Step::Listener => r.listener_id.as_deref(),
        Step::EndpointService => r.endpoint_service_id.as_deref(),
        Step::Whitelist => None,
        Step::Connection => r.private_link_connection_id.as_deref(),
        Step::Accept => r.endpoint_id.as_deref(),
        Step::Verify => None,
    }
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

fn row<'a>(t: &Theme, frame: u64, m: &ApplyModel, s: Step, width: usize) -> Line<'a> {
    let Some(r) = m.steps.get(&s) else {
        return Line::raw("");
    };
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
    let id = step_id(s, m.ids()).unwrap_or_default();
    let id_w = width.saturating_sub(3 + 30 + 18 + 8);
    Line::from(vec![
        Span::styled(format!(" {sym} "), style),
        Span::styled(
            cell(s.label(), 30),
            if r.status == StepStatus::Pending {
                t.dim()
            } else {
                t.text()
            },
        ),
        Span::styled(cell(&state, 18), style),
        Span::styled(format!("{time:>7} "), t.dim()),
        Span::styled(truncate(id, id_w), t.value()),
    ])
}

/// Draws the Provisioning screen.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some(m) = &app.apply else {
        f.render_widget(Paragraph::new(" Starting…"), area);
        return;
    };
    let [head, steps, status, log] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(Step::ALL.len() as u16),
        Constraint::Length(4),
        Constraint::Min(2),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(" Setup "),
            Span::styled(m.journal.setup_id.clone(), t.value()),
            Span::styled(
                format!(" · {} · journal saved after every id", elapsed(m.now_ms)),
                t.dim(),
            ),
        ])),
        head,
    );
    let lines: Vec<Line> = Step::ALL
        .iter()
        .map(|s| row(t, app.frame, m, *s, steps.width as usize))
        .collect();
    f.render_widget(Paragraph::new(lines), steps);

    let status_lines = match &m.outcome {
        Some(Ok(())) => vec![
            Line::raw(""),
            Line::from(vec![
                Span::styled(format!(" {} ACTIVE ", theme::OK), t.ok()),
                Span::raw("the private link connection is ready. Press Enter."),
            ]),
        ],
        Some(Err(crate::engine::apply::Stopped::Interrupted)) => vec![
            Line::raw(""),
            Line::styled(
                format!(
                    " {} stopped; resume with `tilink setup --resume {}`",
                    theme::WARN,
                    m.journal.setup_id
                ),
                t.warn(),
            ),
        ],
        Some(Err(e)) => vec![
            Line::from(vec![
                Span::styled(format!(" {} ", theme::FAIL), t.fail()),
                Span::styled(e.to_string(), t.fail()),
            ]),
            Line::raw(format!(
                "   fix the cause, then r retries (what exists is adopted, nothing is made twice); later: tilink setup --resume {}",
                m.journal.setup_id
            )),
        ],
        None if app.stopping => vec![
            Line::raw(""),
            Line::styled(" stopping: saving the journal…", t.warn()),
        ],
        None => {
            // What each running step waits on, how long so far, and how long it usually takes.
            let mut lines: Vec<Line> = Step::ALL
                .iter()
                .filter_map(|s| m.steps.get(s))
                .filter_map(|r| r.waiting_text(m.now_ms).map(|w| (r.slow, w)))
                .take(3)
                .map(|(slow, w)| {
                    Line::styled(
                        format!(" {} {w}", theme::spinner(app.frame)),
                        if slow { t.warn() } else { t.dim() },
                    )
                })
                .collect();
            if lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(
                " q stops safely; every id is already in the journal",
                t.dim(),
            ));
            lines
        }
    };
    f.render_widget(
        Paragraph::new(status_lines).wrap(Wrap { trim: false }),
        status,
    );

    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(" Log ", t.heading()));
    let inner = block.inner(log);
    f.render_widget(block, log);
    let n = inner.height as usize;
    let start = m.log.len().saturating_sub(n);
    let lines: Vec<Line> = m.log[start..]
        .iter()
        .map(|l| {
            let style = if l.kind != crate::engine::apply::LogKind::Info {
                t.warn()
            } else if l.text.contains("FAILED") {
                t.fail()
            } else {
                t.text()
            };
            Line::from(vec![
                Span::styled(format!(" {:>7} ", elapsed(l.at_ms)), t.dim()),
                Span::styled(
                    truncate(&l.text, (inner.width as usize).saturating_sub(10)),
                    style,
                ),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
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
