//! One module per screen: each draws the model into the body area.

pub mod acceptance;
pub mod checks;
pub mod cluster;
pub mod credentials;
pub mod doctor;
pub mod done;
mod picker;
pub mod plan;
pub mod provisioning;
pub mod source;
pub mod welcome;

use super::app::{App, Effect, Screen};
use super::keymap::{Action, key_name};
use super::widgets::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;

/// What a screen declares about itself, once, in its own module: adding a screen is its
/// module (this and its `draw`), one arm of [`def`] and its snapshots.
pub struct ScreenDef {
    /// The header's title.
    pub title: &'static str,
    /// What the screen is for (the help overlay).
    pub help: &'static str,
    /// The footer's key hints for the screen's current state (`?` and `q` are added).
    pub hints: fn(&App) -> Vec<Hint>,
    /// Draws the screen's body.
    pub draw: fn(&mut Frame, Rect, &App, &Theme),
    /// What the screen's keys do (after the keys every screen shares: help, quit, scroll).
    pub keys: fn(&mut App, Action) -> Vec<Effect>,
    /// Text to read rather than a list to pick from: ↑↓ scroll it.
    pub scrolls_text: bool,
}

/// One footer hint: the actions whose keys it shows (named by the keymap) and what they do.
#[derive(Debug, Clone, Copy)]
pub struct Hint {
    /// The actions, in the order their keys are shown.
    pub keys: &'static [Action],
    /// What they do on this screen.
    pub what: &'static str,
}

/// A hint for `keys`.
pub const fn hint(keys: &'static [Action], what: &'static str) -> Hint {
    Hint { keys, what }
}

/// The screen's declaration.
pub fn def(s: Screen) -> &'static ScreenDef {
    match s {
        Screen::Welcome => &welcome::SCREEN,
        Screen::Credentials => &credentials::SCREEN,
        Screen::Cluster => &cluster::SCREEN,
        Screen::Source => &source::SCREEN,
        Screen::Checks => &checks::SCREEN,
        Screen::Plan => &plan::SCREEN,
        Screen::Provisioning => &provisioning::SCREEN,
        Screen::Acceptance => &acceptance::SCREEN,
        Screen::Done => &done::SCREEN,
        Screen::Doctor => &doctor::SCREEN,
    }
}

/// The run's model; without one, says on `area` that nothing was applied yet.
fn applied<'a>(
    f: &mut Frame,
    area: Rect,
    app: &'a App,
) -> Option<&'a crate::engine::apply::ApplyModel> {
    if app.apply.is_none() {
        f.render_widget(
            ratatui::widgets::Paragraph::new(" Nothing applied yet."),
            area,
        );
    }
    app.apply.as_ref()
}

/// Draws a screen whose work failed: `heading` (` The checks could not run:`), then the
/// error and its fix.
fn could_not_run(
    f: &mut Frame,
    area: Rect,
    app: &App,
    t: &Theme,
    heading: &'static str,
    e: &super::app::UiError,
) {
    let mut lines = vec![
        ratatui::text::Line::raw(""),
        ratatui::text::Line::styled(heading, t.text()),
    ];
    lines.extend(super::widgets::error_lines(t, e));
    super::widgets::flow::lines(f, area, lines, app.scroll, t.dim());
}

/// Draws the current screen's body.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    (def(app.screen).draw)(f, area, app, t)
}

/// Footer key hints for the current state, keys named by the keymap: `("↑↓ PgDn", "scroll")`.
pub fn hints(app: &App) -> Vec<(String, &'static str)> {
    let mut v = (def(app.screen).hints)(app);
    v.push(hint(&[Action::Help], "help"));
    v.push(hint(&[Action::Quit], "quit"));
    v.into_iter().map(|h| (keys_text(h.keys), h.what)).collect()
}

/// The keys of `actions` as one label: arrows side by side (`↑↓`), others apart.
fn keys_text(actions: &[Action]) -> String {
    let arrow = |s: &str| matches!(s, "↑" | "↓");
    let mut out = String::new();
    let mut prev_arrow = false;
    for a in actions {
        let k = key_name(*a);
        let side_by_side = prev_arrow && arrow(&k);
        if !out.is_empty() && !side_by_side {
            out.push(' ');
        }
        prev_arrow = arrow(&k);
        out.push_str(&k);
    }
    out
}

/// What the current screen is for, shown in the help overlay.
pub fn help(s: Screen) -> &'static str {
    def(s).help
}

#[cfg(test)]
mod def_tests {
    use super::*;

    /// Every screen: the setup path and doctor's own.
    fn every() -> Vec<Screen> {
        Screen::ALL
            .iter()
            .copied()
            .chain([Screen::Doctor])
            .collect()
    }

    #[test]
    fn every_screen_declares_a_title_and_its_help() {
        for s in every() {
            assert!(!def(s).title.is_empty(), "{s:?}");
            assert!(help(s).len() > 40, "{s:?}");
        }
    }

    #[test]
    fn hints_name_the_keys_the_keymap_binds() {
        assert_eq!(keys_text(&[Action::Up, Action::Down]), "↑↓");
        assert_eq!(
            keys_text(&[Action::Up, Action::Down, Action::PageDown]),
            "↑↓ PgDn"
        );
        assert_eq!(keys_text(&[Action::Accept]), "Enter");
        assert_eq!(keys_text(&[Action::Back]), "Esc");
        for s in every() {
            let app = crate::tui::bench_support::on(s);
            for (keys, what) in hints(&app) {
                assert!(!keys.is_empty(), "{s:?}: a hint for {what} names no key");
            }
        }
    }
}
