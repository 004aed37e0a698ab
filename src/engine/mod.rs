//! The setup engine: discover → check → plan → apply → accept → verify; doctor; teardown.
//! Nothing here touches the terminal.

pub mod apply;
pub mod check;
pub mod facts;
pub mod journal;
pub mod zones;
