//! The pure transition function: `update(&mut App, Msg) -> Vec<Effect>`; keys go to the
//! handler of the screen they were pressed on (`screens::<screen>::keys`).

use super::super::keymap::{Action, action};
use super::super::screens;
use super::messages::{Effect, Msg};
use super::model::*;
use crate::engine::apply::{ApplyModel, Step, StepStatus};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub(crate) fn step_sel(sel: usize, len: usize, down: bool) -> usize {
    if len == 0 {
        0
    } else if down {
        (sel + 1).min(len - 1)
    } else {
        sel.saturating_sub(1)
    }
}

/// Index of `want` among the candidates, else the first usable one.
pub(crate) fn default_index<T>(
    items: &[T],
    want: Option<&str>,
    id: impl Fn(&T) -> &str,
    usable: impl Fn(&T) -> bool,
) -> usize {
    want.and_then(|w| items.iter().position(|i| id(i) == w))
        .or_else(|| items.iter().position(&usable))
        .unwrap_or(0)
}

/// The transition function.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick => {
            app.frame = app.frame.wrapping_add(1);
            Vec::new()
        }
        Msg::Key(k) if app.filtering => on_filter_key(app, k),
        Msg::Key(k) => on_action(app, action(k)),
        Msg::Identity { req, result } => {
            app.identity.settle(req, result);
            Vec::new()
        }
        Msg::Clusters { req, result } => {
            if app.clusters.settle(req, result)
                && let Some(list) = app.clusters.ready()
            {
                app.cluster_sel = default_index(
                    list,
                    app.opts.cluster_id.as_deref(),
                    |c| &c.0.id,
                    |c| c.1.is_none(),
                );
                if app.screen == Screen::Cluster {
                    return app.describe_highlighted();
                }
            }
            Vec::new()
        }
        Msg::ClusterDetail { req, id, result } => {
            if let Some(slot) = app.cluster_details.get_mut(&id) {
                slot.settle(req, result);
            }
            Vec::new()
        }
        Msg::Sources { req, result } => {
            if app.sources.settle(req, result)
                && let Some(list) = app.sources.ready()
            {
                let want = app.rds_id.clone().or_else(|| app.opts.rds_id.clone());
                // The first instance likely to pass the zone check, else the first usable.
                let likely = list
                    .iter()
                    .any(|r| r.unusable.is_none() && r.zone_hint.is_none());
                app.source_sel = default_index(
                    list,
                    want.as_deref(),
                    |r| &r.id,
                    |r| r.unusable.is_none() && (r.zone_hint.is_none() || !likely),
                );
            }
            Vec::new()
        }
        Msg::Doctor { req, result, fixed } => {
            if app.doctor.settle(req, result) {
                app.doctor_sel = app.doctor_first_problem();
                app.doctor_confirm = None;
                app.note = match fixed {
                    Some(Ok(what)) => {
                        Some(format!("fix applied: {what}; the links were checked again"))
                    }
                    Some(Err(e)) => {
                        Some(format!("the fix failed: {e}; the links were checked again"))
                    }
                    None => app
                        .doctor
                        .ready()
                        .is_some_and(|r| r.iter().any(|x| !x.fixes.is_empty()))
                        .then(|| DOCTOR_NOTE.to_string()),
                };
            }
            Vec::new()
        }
        Msg::Prepared { req, result } => {
            app.prepared.settle(req, result);
            if let Some(j) = app.prepared.ready().map(|p| &p.journal) {
                app.last_plan = Some((
                    j.cluster_id.clone(),
                    j.rds_instance_id.clone(),
                    j.setup_id.clone(),
                ));
            }
            Vec::new()
        }
        Msg::Apply { req, model } => {
            if app.apply_req == Some(req) {
                app.apply = Some(*model);
            }
            Vec::new()
        }
        Msg::ApplyFinished { req, model } => {
            if app.apply_req != Some(req) {
                return Vec::new();
            }
            app.apply = Some(*model);
            // A note given while the run went on is stale once it ended (issue 27 #12: after
            // ACTIVE the footer still said "provisioning is running; q stops it").
            app.note = None;
            if app.stopping {
                app.stopping = false;
                app.quit_now();
            }
            app.start_probe()
        }
        Msg::Probed { req, result } => {
            app.data_path.settle(req, result);
            Vec::new()
        }
    }
}

/// Typing into a list filter: characters add, Backspace removes, Enter keeps the filter,
/// Esc clears it. The highlight moves to the first match when it is filtered out.
fn on_filter_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if k.kind == KeyEventKind::Release {
        return Vec::new();
    }
    match k.code {
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            app.filtering = false;
            return on_action(app, Action::Quit);
        }
        KeyCode::Char(c) => app.filter.push(c),
        KeyCode::Backspace => {
            app.filter.pop();
        }
        KeyCode::Enter => app.filtering = false,
        KeyCode::Esc => {
            app.filter.clear();
            app.filtering = false;
        }
        KeyCode::Up | KeyCode::Down => {
            app.filtering = false;
            return on_action(app, action(k));
        }
        _ => {}
    }
    follow_filter(app)
}

/// Keeps the highlight on a row the filter shows.
pub(crate) fn follow_filter(app: &mut App) -> Vec<Effect> {
    match app.screen {
        Screen::Cluster => {
            let v = app.visible_clusters();
            if !v.contains(&app.cluster_sel)
                && let Some(&first) = v.first()
            {
                app.cluster_sel = first;
                return app.describe_highlighted();
            }
        }
        Screen::Source => {
            let v = app.visible_sources();
            if !v.contains(&app.source_sel)
                && let Some(&first) = v.first()
            {
                app.source_sel = first;
            }
        }
        _ => {}
    }
    Vec::new()
}

fn on_action(app: &mut App, a: Action) -> Vec<Effect> {
    if app.confirm_quit {
        match a {
            Action::Yes => {
                app.confirm_quit = false;
                if app.applying_now() {
                    app.stopping = true;
                    app.note = Some("stopping: saving the journal…".into());
                    return vec![Effect::CancelApply];
                }
                app.quit_now();
            }
            Action::No | Action::Back | Action::Accept | Action::Quit => app.confirm_quit = false,
            _ => {}
        }
        return Vec::new();
    }
    if app.help {
        if matches!(a, Action::Help | Action::Back | Action::Accept) {
            app.help = false;
        } else if a == Action::Quit {
            app.help = false;
            return on_action(app, a);
        }
        return Vec::new();
    }
    // A pending doctor fix takes the next key: y applies, anything else cancels.
    if app.screen == Screen::Doctor && app.doctor_confirm.is_some() && a != Action::Quit {
        return screens::doctor::keys(app, a);
    }
    // Scrolling: PgUp / PgDn everywhere; ↑↓ where the screen has nothing to pick. Moving
    // the highlight brings the view back to it.
    let text_only = screens::def(app.screen).scrolls_text;
    match a {
        Action::PageUp | Action::PageDown | Action::Up | Action::Down
            if text_only || matches!(a, Action::PageUp | Action::PageDown) =>
        {
            let step = if matches!(a, Action::PageUp | Action::PageDown) {
                8
            } else {
                1
            };
            let up = matches!(a, Action::PageUp | Action::Up);
            app.scroll += if up { -step } else { step };
            // Text screens start at their top; lists may scroll above their highlight.
            // (The view clamps to what exists; this bounds what a held key piles up.)
            let low = if text_only { 0 } else { -40 };
            app.scroll = app.scroll.clamp(low, 40);
            return Vec::new();
        }
        Action::Up | Action::Down | Action::Next => app.scroll = 0,
        _ => {}
    }
    match a {
        Action::Help => {
            app.help = true;
            Vec::new()
        }
        Action::Quit => {
            if app.stopping {
                return Vec::new();
            }
            if app.applying_now() {
                app.confirm_quit = true;
            } else {
                app.quit_now();
            }
            Vec::new()
        }
        Action::None | Action::Yes | Action::No => Vec::new(),
        _ => (screens::def(app.screen).keys)(app, a),
    }
}

/// The status of one step, for views.
pub fn step_done(m: &ApplyModel, s: Step) -> bool {
    m.steps
        .get(&s)
        .is_some_and(|r| r.status == StepStatus::Done)
}
