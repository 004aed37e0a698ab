//! tilink's binary: parse arguments, install hooks, dispatch.

use clap::Parser;
use std::process::ExitCode;
use tilink::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = tilink::app::logging::init(cli.global.log_file.as_deref()) {
        eprintln!("tilink: cannot open the log file: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tilink: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(tilink::app::run(cli));
    // Do not wait for stray tasks (a hung request) on the way out.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code)
}
