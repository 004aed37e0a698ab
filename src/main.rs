//! tilink's binary: parse arguments, install hooks, dispatch.

use std::process::ExitCode;

/// Whether the raw arguments (or `TILINK_OUTPUT`) ask for JSON: a usage error then still
/// answers with the documented `{"error", "exit_code"}` object on stdout.
fn wants_json() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = args
        .windows(2)
        .any(|w| (w[0] == "-o" || w[0] == "--output") && w[1].eq_ignore_ascii_case("json"))
        || args
            .iter()
            .any(|a| a.eq_ignore_ascii_case("--output=json") || a == "-ojson" || a == "-o=json");
    flag || std::env::var("TILINK_OUTPUT").is_ok_and(|v| v.eq_ignore_ascii_case("json"))
}

/// A closed stdout (`tilink completions fish | head -1`) ends the command quietly with the
/// status a shell gives a process killed by SIGPIPE (141), never a panic with a backtrace
/// (issue 27 #15). Every other panic goes to the previous hook. The one place tilink reads
/// an error's text: `println!`'s panic carries only a message, no `io::ErrorKind`.
fn quiet_broken_pipe() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.contains("Broken pipe") || text.contains("os error 32") {
            std::process::exit(141);
        }
        previous(info);
    }));
}

fn main() -> ExitCode {
    quiet_broken_pipe();
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
            if wants_json() {
                let first = e
                    .render()
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(400)
                    .collect::<String>();
                let msg = first.trim_start_matches("error: ").to_string();
                println!("{}", serde_json::json!({"error": msg, "exit_code": 2}));
            }
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
