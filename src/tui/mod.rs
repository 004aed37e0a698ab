//! The full-screen wizard (ratatui) and its line-mode twin (`--plain`). Both drive the
//! same engine as `tilink setup --non-interactive`.
//!
//! Layout: [`app`] is the model and the pure `update`; [`event_loop`] is the runtime
//! (terminal events, ticks, results of [`effects`]); [`view`] and [`screens`] draw;
//! [`keymap`] turns keys into actions; [`plain`] is the dialoguer line mode.

pub mod app;
#[doc(hidden)]
pub mod bench_support;
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
mod snapshot_tests;

use crate::app::Failure;
use crate::app::context::Env;
use crate::cli::{GlobalArgs, SetupArgs};
use crate::sim::Manifest;
use app::{App, Options, Resumable};

/// The wizard's options from flags, the environment and the sandbox manifest.
pub fn options(g: &GlobalArgs, env: &Env, args: &SetupArgs, sandbox: Option<&Manifest>) -> Options {
    Options {
        no_color: g.no_color(),
        sandbox: sandbox.is_some(),
        alibaba_source: env.alibaba_source.clone(),
        tidb_source: env.tidb_source.clone(),
        region: g.region.clone(),
        cluster_id: sandbox
            .map(|m| m.cluster_id.clone())
            .or_else(|| args.cluster_id.clone()),
        rds_id: args
            .rds_instance
            .clone()
            .or_else(|| sandbox.map(|m| m.rds_instance_id.clone())),
        zones: args.zones.clone(),
        accept_endpoint: args.accept_endpoint.clone(),
        name: args.name.clone(),
        dry_run: args.dry_run,
        resume: args.resume.clone(),
    }
}

/// Runs the full-screen wizard (or the line mode with `--plain`).
pub async fn run(
    g: GlobalArgs,
    env: Env,
    args: SetupArgs,
    sandbox: Option<Manifest>,
) -> Result<u8, Failure> {
    if args.plain {
        return plain::run(&g, &env, &args, sandbox.as_ref()).await;
    }
    let opts = options(&g, &env, &args, sandbox.as_ref());
    let app = App::new(opts, Resumable::from_journals(&env.store.list()));
    // `try_init` installs a panic hook that restores the terminal before the default hook
    // prints; no other hook is installed after it.
    let terminal = ratatui::try_init().map_err(|e| {
        Failure::failed(format!(
            "cannot start the full-screen wizard ({e}); try `--plain`"
        ))
    })?;
    // Restores the terminal however the wizard ends, also when a signal drops this future
    // (`app::signals`): raw mode, the alternate screen and the cursor never outlive it.
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            ratatui::restore();
        }
    }
    let restore = Restore;
    let events = ratatui::crossterm::event::EventStream::new();
    let result = event_loop::Runtime::new(terminal, events, app, env)
        .run()
        .await;
    drop(restore);
    let app = result.map_err(Failure::failed)?;
    let Some(out) = app.exit else {
        return Err(Failure::failed("the wizard stopped without an outcome"));
    };
    if let Some(s) = &out.summary {
        println!("{s}");
    }
    match out.message {
        Some(m) if out.code != crate::app::exit::OK => Err(Failure {
            code: out.code,
            message: m,
        }),
        Some(m) => {
            eprintln!("tilink: {m}");
            Ok(out.code)
        }
        None => Ok(out.code),
    }
}
