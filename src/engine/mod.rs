//! The setup engine: discover → check → plan → apply → accept → verify; doctor; teardown.
//! Nothing here touches the terminal.

pub mod chain;
pub mod check;
pub mod checks;
pub mod discover;
pub mod doctor;
pub mod dryrun;
pub mod error;
pub mod facts;
pub mod journal;
pub mod poll;
pub mod prepare;
pub mod probe;
pub mod session;
pub mod setup;
pub mod teardown;
pub mod zones;

pub use error::{Error, Kind};
/// The setup room's apply and plan, also at their first paths (`engine::apply`,
/// `engine::plan`), where every front end names them.
pub use setup::{apply, plan};
