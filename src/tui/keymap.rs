//! Keys → actions. One table for every screen; screens decide what an action means.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// ↑ / k.
    Up,
    /// ↓ / j.
    Down,
    /// Tab: next field.
    Next,
    /// Enter: accept the highlighted default.
    Accept,
    /// Esc: back (or close an overlay).
    Back,
    /// `?`: help for this screen.
    Help,
    /// `q` or Ctrl-C: quit (asks first while provisioning).
    Quit,
    /// `r`: retry what failed on this screen.
    Retry,
    /// `y`: yes in a confirmation.
    Yes,
    /// `n`: no in a confirmation.
    No,
    /// `f`: apply the highlighted check's fix (doctor; asks first).
    Fix,
    /// Anything else.
    None,
}

/// The bindings, for the help overlay: (keys, meaning).
pub const BINDINGS: &[(&str, &str)] = &[
    (
        "Enter",
        "accept the highlighted choice (the default is always sensible)",
    ),
    ("↑ ↓  k j", "move the highlight"),
    ("Tab S-Tab", "next field / previous (Shift-Tab)"),
    (
        "Esc Bksp",
        "back one step (or close this help); Backspace too",
    ),
    ("r", "retry what failed on this screen"),
    (
        "f",
        "doctor: apply the highlighted check's fix (asks y/n first, then re-checks)",
    ),
    ("?", "show or hide this help"),
    ("q  Ctrl-C", "quit (asks first while provisioning)"),
];

/// Maps a key event to an action. Only presses count (Windows also reports releases).
pub fn action(k: KeyEvent) -> Action {
    if k.kind != KeyEventKind::Press {
        return Action::None;
    }
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return match k.code {
            KeyCode::Char('c') | KeyCode::Char('C') => Action::Quit,
            _ => Action::None,
        };
    }
    match k.code {
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Tab => Action::Next,
        KeyCode::BackTab => Action::Up,
        KeyCode::Enter => Action::Accept,
        KeyCode::Esc | KeyCode::Backspace => Action::Back,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('q') | KeyCode::Char('Q') => Action::Quit,
        KeyCode::Char('r') | KeyCode::Char('R') => Action::Retry,
        KeyCode::Char('y') | KeyCode::Char('Y') => Action::Yes,
        KeyCode::Char('n') | KeyCode::Char('N') => Action::No,
        KeyCode::Char('f') | KeyCode::Char('F') => Action::Fix,
        _ => Action::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases = [
            (KeyCode::Enter, KeyModifiers::NONE, Action::Accept),
            (KeyCode::Up, KeyModifiers::NONE, Action::Up),
            (KeyCode::Char('k'), KeyModifiers::NONE, Action::Up),
            (KeyCode::Down, KeyModifiers::NONE, Action::Down),
            (KeyCode::Char('j'), KeyModifiers::NONE, Action::Down),
            (KeyCode::Tab, KeyModifiers::NONE, Action::Next),
            (KeyCode::Esc, KeyModifiers::NONE, Action::Back),
            (KeyCode::Char('?'), KeyModifiers::SHIFT, Action::Help),
            (KeyCode::Char('q'), KeyModifiers::NONE, Action::Quit),
            (KeyCode::Char('c'), KeyModifiers::CONTROL, Action::Quit),
            (KeyCode::Char('c'), KeyModifiers::NONE, Action::None),
            (KeyCode::Char('r'), KeyModifiers::NONE, Action::Retry),
            (KeyCode::Char('y'), KeyModifiers::NONE, Action::Yes),
            (KeyCode::Char('n'), KeyModifiers::NONE, Action::No),
            (KeyCode::F(1), KeyModifiers::NONE, Action::None),
        ];
        for (code, m, want) in cases {
            assert_eq!(action(KeyEvent::new(code, m)), want, "{code:?} {m:?}");
        }
    }
}
