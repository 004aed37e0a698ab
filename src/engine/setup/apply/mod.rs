//! Apply: create or adopt every resource of the plan, concurrently where the dependencies
//! allow, journaling each id the moment it exists.

pub mod claim;
pub mod model;
pub mod runner;
mod settle;
pub mod steps;

pub use model::{
    ApplyModel, Effect, ForeignRequest, Learned, LogKind, LogLine, Msg, Step, StepRow, StepStatus,
    Stopped,
};
pub use runner::{CancelHandle, Channel, Executor, Reporter, StepFuture, run_apply};
