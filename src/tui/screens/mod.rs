//! One module per screen: each draws the model into the body area.

pub mod acceptance;
pub mod checks;
pub mod cluster;
pub mod credentials;
pub mod doctor;
pub mod done;
pub mod plan;
pub mod provisioning;
pub mod source;
pub mod welcome;

use super::app::{App, Screen};
use super::widgets::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Draws the current screen's body.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    match app.screen {
        Screen::Welcome => welcome::draw(f, area, app, t),
        Screen::Credentials => credentials::draw(f, area, app, t),
        Screen::Cluster => cluster::draw(f, area, app, t),
        Screen::Source => source::draw(f, area, app, t),
        Screen::Checks => checks::draw(f, area, app, t),
        Screen::Plan => plan::draw(f, area, app, t),
        Screen::Provisioning => provisioning::draw(f, area, app, t),
        Screen::Acceptance => acceptance::draw(f, area, app, t),
        Screen::Done => done::draw(f, area, app, t),
        Screen::Doctor => doctor::draw(f, area, app, t),
    }
}

/// Footer key hints for the current state.
pub fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&'static str, &'static str)> = match app.screen {
        Screen::Welcome => vec![("Enter", "choose"), ("↑↓", "move")],
        Screen::Credentials => vec![("Enter", "continue"), ("r", "check again"), ("Esc", "back")],
        Screen::Cluster | Screen::Source => vec![
            ("Enter", "pick"),
            ("↑↓", "move"),
            ("r", "retry"),
            ("Esc", "back"),
        ],
        Screen::Checks if app.prepared.ready().is_some_and(|p| p.plan.is_none()) => vec![
            ("r", "check again after fixing"),
            ("↑↓", "check details"),
            ("Esc", "back"),
        ],
        Screen::Checks => vec![
            ("Enter", "see the plan"),
            ("↑↓", "check details"),
            ("r", "re-check"),
            ("Esc", "back"),
        ],
        Screen::Plan if app.opts.dry_run => vec![
            ("Enter", "finish the dry run"),
            ("↑↓", "item detail"),
            ("Esc", "back"),
        ],
        Screen::Plan => vec![("c", "create"), ("↑↓", "move"), ("Esc", "back")],
        Screen::Provisioning => match app.apply.as_ref().and_then(|m| m.outcome.as_ref()) {
            Some(Ok(())) => vec![("Enter", "see the acceptance")],
            Some(Err(_)) => vec![("r", "retry from where it stopped")],
            None => vec![],
        },
        Screen::Acceptance => vec![("Enter", "summary"), ("Esc", "back")],
        Screen::Done => vec![("↑↓ PgDn", "scroll"), ("Enter", "exit")],
        Screen::Doctor if app.doctor_confirm.is_some() => {
            vec![("y", "apply the fix"), ("n", "cancel")]
        }
        Screen::Doctor => vec![
            ("↑↓", "check details"),
            ("f", "fix"),
            ("r", "run again"),
            ("Esc", "back"),
        ],
    };
    v.push(("?", "help"));
    v.push(("q", "quit"));
    v
}

/// What the current screen is for, shown in the help overlay (`assets/help.toml`).
pub fn help(s: Screen) -> &'static str {
    static TEXTS: std::sync::OnceLock<std::collections::BTreeMap<String, String>> =
        std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        toml::from_str(include_str!("../../../assets/help.toml")).unwrap_or_default()
    });
    texts
        .get(&format!("{s:?}"))
        .map(String::as_str)
        .unwrap_or("")
}

#[cfg(test)]
mod help_tests {
    use super::*;

    #[test]
    fn every_screen_has_its_help_text_from_the_asset() {
        for s in [
            Screen::Welcome,
            Screen::Credentials,
            Screen::Cluster,
            Screen::Source,
            Screen::Checks,
            Screen::Plan,
            Screen::Provisioning,
            Screen::Acceptance,
            Screen::Done,
            Screen::Doctor,
        ] {
            assert!(help(s).len() > 40, "{s:?}");
        }
    }
}
