//! Command dispatch: builds clients from flags and credentials, runs a command, maps
//! failures to exit codes and readable messages.

pub mod logging;

use crate::cli::Cli;

/// Runs the parsed command line; returns the process exit code.
pub async fn run(_cli: Cli) -> u8 {
    0
}
