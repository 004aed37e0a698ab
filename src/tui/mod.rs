//! The ratatui wizard.

use crate::app::Failure;
use crate::app::context::Env;
use crate::cli::{GlobalArgs, SetupArgs};
use crate::sim::Manifest;

/// Runs the full-screen wizard.
pub async fn run(_g: GlobalArgs, _env: Env, _args: SetupArgs, _sandbox: Option<Manifest>) -> Result<u8, Failure> {
    Err(Failure {
        code: crate::app::exit::NOT_AVAILABLE,
        message: "the full-screen wizard is not available yet: use --non-interactive".into(),
    })
}
