//! The full-screen wizard (ratatui) and its line-mode twin (`--plain`). Both drive the
//! same engine as `tilink setup --non-interactive`.
//!
//! Layout: [`app`] is the model and the pure `update`; [`event_loop`] is the runtime
//! (terminal events, ticks, results of [`effects`]); [`view`] and [`screens`] draw;
//! [`keymap`] turns keys into actions; [`plain`] is the dialoguer line mode.

pub mod app;
/// The snapshot fixtures, for the UI benchmarks. Compiled into every build (the linker drops
/// it from the binary) so that tests, benches and the binary share one build of the library;
/// hidden from its documented interface.
#[doc(hidden)]
pub mod bench_support;
pub mod confirm;
pub mod effects;
pub mod event_loop;
pub mod keymap;
pub mod plain;
pub mod screens;
pub mod view;
pub mod widgets;

// One copy of the fixtures: `bench_support` owns the module (benches need it public).
#[cfg(test)]
use bench_support::fixtures;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod snapshot_tests;

use crate::engine::Error;
use crate::engine::session::Session;
pub use app::Options;
use app::{App, Resumable};

/// Runs the full-screen wizard (or the line mode with `plain`) on `session`. `Ok` when it
/// ended as the user meant (ACTIVE, a dry run, a plan with no changes); an
/// [`Error::Interrupted`] when the user quit or declined (the message says what is kept).
pub async fn run(session: Session, opts: Options, plain: bool) -> Result<(), Error> {
    if plain {
        return plain::run(&session, &opts).await;
    }
    let app = App::new(opts, Resumable::from_journals(&session.store.list()));
    // `try_init` installs a panic hook that restores the terminal before the default hook
    // prints; no other hook is installed after it.
    let terminal = ratatui::try_init().map_err(|e| {
        Error::Failed(format!(
            "cannot start the full-screen wizard ({e}); try `--plain`"
        ))
    })?;
    // Restores the terminal however the wizard ends, also when a signal drops this future
    // (`crate::signals`): raw mode, the alternate screen and the cursor never outlive it.
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            ratatui::restore();
        }
    }
    let restore = Restore;
    let events = ratatui::crossterm::event::EventStream::new();
    let result = event_loop::Runtime::new(terminal, events, app, session)
        .run()
        .await;
    drop(restore);
    let app = result.map_err(Error::Failed)?;
    let Some(out) = app.exit else {
        return Err(Error::Failed(
            "the wizard stopped without an outcome".into(),
        ));
    };
    if let Some(s) = &out.summary {
        println!("{s}");
    }
    match out.message {
        Some(m) if out.interrupted => Err(Error::Interrupted(m)),
        Some(m) => {
            eprintln!("tilink: {m}");
            Ok(())
        }
        None if out.interrupted => Err(Error::Interrupted("stopped".into())),
        None => Ok(()),
    }
}
