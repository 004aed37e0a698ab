//! The wizard's model and its pure transition function: `update(&mut App, Msg) -> Vec<Effect>`.
//! No I/O and no `.await` here; the runtime ([`super::event_loop`]) runs the effects and
//! feeds their results back as messages tagged with the request id that asked for them,
//! so a result for a screen the user has left is dropped.

//!
//! Rooms: [`model`] (the state and shared transitions), [`messages`] (`Msg`, `Effect`),
//! [`update`] (the transition function); each screen's key handling lives beside its
//! drawing in `screens/`.

pub mod messages;
pub mod model;
pub mod update;

pub use messages::*;
pub use model::*;
pub use update::*;

#[cfg(test)]
mod tests;
