//! Styles and symbols. With `NO_COLOR` / `--no-color` every style drops its colour and
//! keeps only modifiers; meaning is always carried by a symbol as well.

use crate::engine::check::Status;
use ratatui::style::{Color, Modifier, Style};

/// Spinner frames (braille), advanced by the ~8 Hz tick.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Pass mark.
pub const OK: &str = "✓";
/// Warning mark.
pub const WARN: &str = "!";
/// Failure mark.
pub const FAIL: &str = "✗";
/// Skipped / not applicable.
pub const SKIP: &str = "–";
/// Could not look (the status is unknown).
pub const UNKNOWN: &str = "?";
/// Being modified right now (look again shortly).
pub const CHANGING: &str = "~";
/// Waiting for inputs.
pub const PENDING: &str = "○";
/// Highlight marker in lists.
pub const POINTER: &str = "▶ ";

/// The palette for one run.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// No colours.
    pub mono: bool,
}

impl Theme {
    /// The theme for `no_color`.
    pub fn new(no_color: bool) -> Self {
        Theme { mono: no_color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.mono {
            Style::default()
        } else {
            Style::default().fg(c)
        }
    }

    /// Plain text.
    pub fn text(&self) -> Style {
        Style::default()
    }
    /// Titles, section headings and block titles (bold cyan).
    pub fn heading(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Secondary text, unusable entries.
    pub fn dim(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default().fg(Color::DarkGray)
        }
    }
    /// Passed checks, finished steps, ACTIVE (green).
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    /// Warnings, hints, fixes to apply and the running step (yellow).
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    /// Failed checks and steps, errors, why an entry is unusable (bold red).
    pub fn fail(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    /// Ids, commands, values the user copies.
    pub fn value(&self) -> Style {
        self.fg(Color::LightBlue)
    }
    /// Key names in hints.
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    /// The highlighted row.
    pub fn selected(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        }
    }
    /// A check status: (symbol, style).
    pub fn status(&self, s: Status) -> (&'static str, Style) {
        match s {
            Status::Pass => (OK, self.ok()),
            Status::Warn => (WARN, self.warn()),
            Status::Fail => (FAIL, self.fail()),
            Status::Skip => (SKIP, self.dim()),
            Status::Unknown => (UNKNOWN, self.warn()),
            Status::Changing => (CHANGING, self.warn()),
        }
    }
    /// A yes/no cell: (symbol, style).
    pub fn yes_no(&self, yes: bool) -> (&'static str, Style) {
        if yes {
            (OK, self.ok())
        } else {
            (FAIL, self.fail())
        }
    }
}

/// The spinner frame for a tick count.
pub fn spinner(frame: u64) -> &'static str {
    SPINNER[(frame % SPINNER.len() as u64) as usize]
}
