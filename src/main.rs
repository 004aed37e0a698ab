//! tilink's binary: parse arguments, install hooks, dispatch.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match tilink::cli::parse() {
        Ok(c) => c,
        // The version names the build: `tilink 0.1.0 (commit date)`, or JSON with `-o json`.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => {
            match tilink::cli::output_in_args(std::env::args_os().skip(1)) {
                tilink::cli::Output::Json => println!("{}", tilink::build_info::json()),
                tilink::cli::Output::Text => println!("{}", tilink::build_info::version_line()),
            }
            return ExitCode::SUCCESS;
        }
        // Help prints as usual; a usage error is shown with each line bounded
        // (clap echoes the offending value, which may be 100 000 characters long).
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            for line in e.render().to_string().lines() {
                let chars: Vec<char> = line.chars().collect();
                if chars.len() > 400 {
                    // Keep the start and the explanation at the end; drop the echoed middle.
                    let head: String = chars[..100].iter().collect();
                    let tail: String = chars[chars.len() - 280..].iter().collect();
                    eprintln!("{head}…{tail}");
                } else {
                    eprintln!("{line}");
                }
            }
            return ExitCode::from(2);
        }
    };
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
