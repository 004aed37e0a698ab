//! The ratatui wizard.
