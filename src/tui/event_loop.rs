//! The runtime: one `tokio::select!` over terminal events, a spinner tick and the channel
//! of results from background tasks. It never awaits the network; effects run as spawned
//! tasks ([`Worker`]). Generic over the event stream and the ratatui backend so tests
//! can drive it with fake keys and a `TestBackend`.

use super::app::{App, Msg, update};
use super::effects::Worker;
use super::view;
use crate::engine::session::Session as Env;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior};

/// Spinner / redraw tick (~8 Hz).
pub const TICK: Duration = Duration::from_millis(125);

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// The wizard's runtime.
pub struct Runtime<B: Backend, S> {
    /// The terminal drawn to.
    pub terminal: Terminal<B>,
    /// The model.
    pub app: App,
    events: S,
    worker: Worker,
    rx: mpsc::UnboundedReceiver<Msg>,
    tick: Interval,
    input_closed: bool,
}

impl<B, S> Runtime<B, S>
where
    B: Backend,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    /// A runtime for `app` drawing to `terminal`, reading `events`, running effects with `env`.
    pub fn new(terminal: Terminal<B>, events: S, app: App, env: Env) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        Runtime {
            terminal,
            app,
            events,
            worker: Worker::new(env, tx),
            rx,
            tick,
            input_closed: false,
        }
    }

    /// Draws the model.
    pub fn draw(&mut self) -> Result<(), String> {
        let app = &self.app;
        self.terminal
            .draw(|f| view::draw(f, app))
            .map(|_| ())
            .map_err(|e| format!("cannot draw: {e}"))
    }

    /// Handles one message and starts its effects.
    pub fn dispatch(&mut self, msg: Msg) {
        for fx in update(&mut self.app, msg) {
            self.worker.run(fx);
        }
    }

    /// Waits for one event, tick or result (at most one tick), handles it and redraws.
    /// Returns `false` once the wizard is over.
    pub async fn step(&mut self) -> Result<bool, String> {
        let msg = tokio::select! {
            ev = self.events.next(), if !self.input_closed => match ev {
                Some(Ok(Event::Key(k))) => Some(Msg::Key(k)),
                Some(Ok(_)) => None, // resize, focus, mouse: just redraw
                Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                None => {
                    // The input is gone (terminal closed): stop, saving the journal.
                    self.input_closed = true;
                    self.dispatch(key(KeyCode::Char('q')));
                    if self.app.confirm_quit {
                        self.dispatch(key(KeyCode::Char('y')));
                    }
                    None
                }
            },
            Some(m) = self.rx.recv() => Some(m),
            _ = self.tick.tick() => Some(Msg::Tick),
        };
        if let Some(m) = msg {
            self.dispatch(m);
        }
        // Drain results that are already here so a burst costs one redraw.
        while let Ok(m) = self.rx.try_recv() {
            self.dispatch(m);
        }
        if self.app.exit.is_some() {
            self.worker.abort_all();
            return Ok(false);
        }
        self.draw()?;
        Ok(true)
    }

    /// Runs until the wizard is over; returns the final model.
    pub async fn run(mut self) -> Result<App, String> {
        self.draw()?;
        while self.step().await? {}
        Ok(self.app)
    }
}
