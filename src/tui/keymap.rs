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
    /// `c`: create what the plan shows (a key of its own, never the Enter that advanced).
    Create,
    /// `/`: filter the list.
    Filter,
    /// PgUp: scroll the body up.
    PageUp,
    /// PgDn: scroll the body down.
    PageDown,
    /// Anything else.
    None,
}

/// One row of `assets/keymap.toml`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// The action's name (`accept`, `up`, …).
    pub action: String,
    /// Key names (`Enter`, `BackTab`, `k`, `Ctrl-c`).
    pub keys: Vec<String>,
    /// How the help overlay writes the keys.
    pub shown: String,
    /// What the keys do, for the help overlay.
    pub help: String,
}

#[derive(serde::Deserialize)]
struct Table {
    binding: Vec<Binding>,
}

/// A key as the table names it: code and whether Control is held.
type Key = (KeyCode, bool);

struct Keymap {
    bindings: Vec<Binding>,
    keys: Vec<(Key, Action)>,
}

fn parse_action(name: &str) -> Option<Action> {
    Some(match name {
        "up" => Action::Up,
        "down" => Action::Down,
        "next" => Action::Next,
        "accept" => Action::Accept,
        "back" => Action::Back,
        "help" => Action::Help,
        "quit" => Action::Quit,
        "retry" => Action::Retry,
        "yes" => Action::Yes,
        "no" => Action::No,
        "fix" => Action::Fix,
        "create" => Action::Create,
        "filter" => Action::Filter,
        "page_up" => Action::PageUp,
        "page_down" => Action::PageDown,
        _ => return None,
    })
}

fn parse_key(name: &str) -> Option<Key> {
    if let Some(c) = name.strip_prefix("Ctrl-") {
        let mut chars = c.chars();
        return match (chars.next(), chars.next()) {
            (Some(ch), None) => Some((KeyCode::Char(ch), true)),
            _ => None,
        };
    }
    let code = match name {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Backspace" => KeyCode::Backspace,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        _ => {
            let mut chars = name.chars();
            match (chars.next(), chars.next()) {
                (Some(ch), None) => KeyCode::Char(ch),
                _ => {
                    let n: u8 = name.strip_prefix('F')?.parse().ok()?;
                    KeyCode::F(n)
                }
            }
        }
    };
    Some((code, false))
}

/// Reads and checks a keymap table: every action known, every key parsed, no key twice.
fn load(text: &str) -> Result<Keymap, String> {
    let t: Table = toml::from_str(text).map_err(|e| format!("keymap: {e}"))?;
    let mut keys: Vec<(Key, Action)> = Vec::new();
    for b in &t.binding {
        let a = parse_action(&b.action).ok_or(format!("keymap: unknown action {:?}", b.action))?;
        for k in &b.keys {
            let key = parse_key(k).ok_or(format!("keymap: unknown key {k:?}"))?;
            if keys.iter().any(|(x, _)| *x == key) {
                return Err(format!("keymap: key {k:?} bound twice"));
            }
            keys.push((key, a));
        }
    }
    Ok(Keymap {
        bindings: t.binding,
        keys,
    })
}

fn keymap() -> &'static Keymap {
    static MAP: std::sync::OnceLock<Keymap> = std::sync::OnceLock::new();
    // The table is compiled in; `every_binding_in_the_asset_loads` proves it loads.
    MAP.get_or_init(|| {
        load(include_str!("../../assets/keymap.toml")).unwrap_or(Keymap {
            bindings: Vec::new(),
            keys: Vec::new(),
        })
    })
}

/// The bindings, as the table lists them.
pub fn bindings() -> &'static [Binding] {
    &keymap().bindings
}

/// The help overlay's rows, in table order: bindings with the same text share a row (their
/// keys joined), bindings without text are left out.
pub fn help_rows() -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    for b in bindings().iter().filter(|b| !b.help.is_empty()) {
        match rows.iter_mut().find(|(_, h)| *h == b.help) {
            Some((keys, _)) if !b.shown.is_empty() => {
                keys.push(' ');
                keys.push_str(&b.shown);
            }
            Some(_) => {}
            None => rows.push((b.shown.clone(), b.help.as_str())),
        }
    }
    rows
}

/// How the footer names an action's key: its first key in the table (`Enter`, `r`, `Esc`;
/// arrows and pages as `↑` `↓` `PgUp` `PgDn`), so that a hint never names a key the table
/// does not bind.
pub fn key_name(a: Action) -> String {
    let Some(((code, ctrl), _)) = keymap().keys.iter().find(|(_, x)| *x == a) else {
        return String::new();
    };
    let name = match code {
        KeyCode::Up => "↑".to_string(),
        KeyCode::Down => "↓".to_string(),
        KeyCode::PageUp => "PgUp".to_string(),
        KeyCode::PageDown => "PgDn".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if *ctrl { format!("Ctrl-{name}") } else { name }
}

/// Maps a key event to an action. Only presses count (Windows also reports releases).
pub fn action(k: KeyEvent) -> Action {
    if k.kind != KeyEventKind::Press {
        return Action::None;
    }
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    keymap()
        .keys
        .iter()
        .find(|((code, c), _)| *code == k.code && *c == ctrl)
        .map(|(_, a)| *a)
        .unwrap_or(Action::None)
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
            (KeyCode::Char('c'), KeyModifiers::NONE, Action::Create),
            (KeyCode::Char('/'), KeyModifiers::NONE, Action::Filter),
            (KeyCode::Char('x'), KeyModifiers::NONE, Action::None),
            (KeyCode::Char('r'), KeyModifiers::NONE, Action::Retry),
            (KeyCode::Char('y'), KeyModifiers::NONE, Action::Yes),
            (KeyCode::Char('n'), KeyModifiers::NONE, Action::No),
            (KeyCode::F(1), KeyModifiers::NONE, Action::None),
            (KeyCode::BackTab, KeyModifiers::SHIFT, Action::Up),
            (KeyCode::Backspace, KeyModifiers::NONE, Action::Back),
            (KeyCode::Char('f'), KeyModifiers::NONE, Action::Fix),
        ];
        for (code, m, want) in cases {
            assert_eq!(action(KeyEvent::new(code, m)), want, "{code:?} {m:?}");
        }
    }

    #[test]
    fn every_binding_in_the_asset_loads_and_every_action_has_a_key() {
        let map = load(include_str!("../../assets/keymap.toml")).expect("the asset loads");
        for a in [
            Action::Up,
            Action::Down,
            Action::Next,
            Action::Accept,
            Action::Back,
            Action::Help,
            Action::Quit,
            Action::Retry,
            Action::Yes,
            Action::No,
            Action::Fix,
            Action::Create,
            Action::Filter,
            Action::PageUp,
            Action::PageDown,
        ] {
            assert!(map.keys.iter().any(|(_, x)| *x == a), "no key for {a:?}");
        }
        // The help overlay lists every key the handler knows (BackTab and Backspace were
        // missing from the hand-kept table).
        let rows = help_rows();
        assert_eq!(rows.len(), 11, "{rows:?}");
        assert!(rows.iter().all(|(k, h)| !k.is_empty() && !h.is_empty()));
        assert!(
            bindings()
                .iter()
                .any(|b| b.keys.iter().any(|k| k == "BackTab"))
        );
        assert!(
            bindings()
                .iter()
                .any(|b| b.keys.iter().any(|k| k == "Backspace"))
        );
    }

    #[test]
    fn a_bad_table_is_refused_with_the_reason() {
        let twice = "[[binding]]\naction='up'\nkeys=['k']\nshown='k'\nhelp='x'\n[[binding]]\naction='down'\nkeys=['k']\nshown='k'\nhelp='y'\n";
        assert!(load(twice).err().unwrap().contains("bound twice"));
        let unknown = "[[binding]]\naction='fly'\nkeys=['z']\nshown='z'\nhelp='x'\n";
        assert!(load(unknown).err().unwrap().contains("unknown action"));
    }
}
