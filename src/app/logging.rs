//! Logging goes to a file (mode 0600) or nowhere: never to the terminal the TUI owns.

use std::path::Path;

/// Installs the file logger when `path` is given; `TILINK_LOG=debug|info|warn` without a
/// file logs to stderr (never used while the TUI runs).
pub fn init(path: Option<&Path>) -> std::io::Result<()> {
    let level = match std::env::var("TILINK_LOG").unwrap_or_default().as_str() {
        "trace" => tracing::Level::TRACE,
        "debug" => tracing::Level::DEBUG,
        "info" => tracing::Level::INFO,
        "warn" => tracing::Level::WARN,
        _ if path.is_some() => tracing::Level::DEBUG,
        _ => return Ok(()),
    };
    match path {
        Some(p) => {
            let mut opts = std::fs::OpenOptions::new();
            opts.create(true).append(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let file = opts.open(p)?;
            let _ = tracing_subscriber::fmt()
                .with_max_level(level)
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .try_init();
        }
        None => {
            let _ = tracing_subscriber::fmt()
                .with_max_level(level)
                .with_writer(std::io::stderr)
                .try_init();
        }
    }
    Ok(())
}
