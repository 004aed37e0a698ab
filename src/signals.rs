//! SIGINT, SIGTERM and SIGHUP in every phase of every command: the command stops, its
//! journal stays as the last completed step left it, and the process exits 130 with the
//! error object in `-o json` (never the shell's 143 with nothing said).
//!
//! A phase that stops itself more gracefully (the apply, which cancels its steps and
//! journals `interrupted`) holds an [`Owned`] guard while it runs; the top-level watcher then
//! leaves the signal to it. Below every front end: it knows only the engine's error.

use crate::engine::Error;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

static OWNED: AtomicUsize = AtomicUsize::new(0);

/// While alive, signals are handled by the phase that holds it.
#[derive(Debug)]
pub struct Owned(());

impl Owned {
    /// Takes the signals over until dropped.
    pub fn take() -> Self {
        OWNED.fetch_add(1, Ordering::SeqCst);
        Owned(())
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        OWNED.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits for the next SIGINT, SIGTERM or SIGHUP; returns its name.
///
/// The handlers are in place when this returns, before the future is first polled: a
/// signal that comes between the call and the first poll is received, never left to the
/// default action (which would kill the process without a word). Call it inside the runtime.
pub fn next() -> impl Future<Output = &'static str> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(int), Ok(term), Ok(hup)) => Some((int, term, hup)),
            _ => None,
        }
    };
    async move {
        #[cfg(unix)]
        if let Some((mut int, mut term, mut hup)) = handlers {
            return tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
                _ = hup.recv() => "SIGHUP",
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// Runs `f`; a signal that no phase owns stops it with [`Error::Interrupted`] and `after`
/// (what the journal keeps and how to go on).
pub async fn interruptible<T, E, F>(f: F, after: &str) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
    E: From<Error>,
{
    // Register the handlers before the command starts, so that no signal in its first
    // moments falls to the default action.
    let mut sig = Box::pin(next());
    tokio::pin!(f);
    loop {
        tokio::select! {
            r = &mut f => return r,
            name = &mut sig => {
                if OWNED.load(Ordering::SeqCst) > 0 {
                    sig = Box::pin(next());
                    continue;
                }
                return Err(Error::Interrupted(format!("interrupted by {name}. {after}")).into());
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A signal raised after `next()` is called but before its future is first polled is
    /// received (the handlers used to be installed only on the first poll, so a SIGHUP in
    /// that window killed the process: `signals` saw tilink die of HUP under load).
    #[tokio::test]
    async fn a_signal_before_the_first_poll_is_received() {
        let waiting = next();
        // SAFETY: raise(3) sends SIGHUP to this process; the handler installed by `next()`
        // catches it.
        assert_eq!(unsafe { libc::raise(libc::SIGHUP) }, 0);
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await;
        assert_eq!(got, Ok("SIGHUP"));
    }
}
