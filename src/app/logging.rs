//! Logging goes to a file (mode 0600) or nowhere: never to the terminal the TUI owns.

use std::path::Path;

/// `O_NOFOLLOW` (Linux and the BSDs agree on refusing a final symlink with it).
#[cfg(unix)]
pub(crate) fn libc_o_nofollow() -> i32 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        0o400000
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        0x0100
    }
}

/// `ELOOP`: what opening a symlink with `O_NOFOLLOW` answers.
#[cfg(any(target_os = "linux", target_os = "android"))]
const ELOOP: i32 = 40;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const ELOOP: i32 = 62;

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
                // Never follow a symlink planted where the log goes.
                opts.custom_flags(libc_o_nofollow());
            }
            let file = opts.open(p).map_err(|e| {
                if e.raw_os_error() == Some(ELOOP) {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!(
                            "{} is a symbolic link: refused (give the file itself)",
                            p.display()
                        ),
                    )
                } else {
                    e
                }
            })?;
            // An existing file keeps its mode otherwise: the log is private, whoever made it.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
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
