//! The runtime of the apply state machine: runs each `Effect::Start` as a tokio task,
//! feeds results back as messages, writes the journal on `SaveJournal`.

use super::model::{ApplyModel, Effect, ForeignRequest, Learned, Msg, Step, start, update};
use crate::engine::journal::{JournalStore, ResourceIds};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// A step's work.
pub type StepFuture = Pin<Box<dyn Future<Output = Result<(), crate::engine::Error>> + Send>>;

/// Runs steps against a cloud (the real one, the simulator, or a test fake).
pub trait Executor: Send + Sync + 'static {
    /// Does `step` given the ids known so far, reporting through `r`.
    fn run(&self, step: Step, ids: ResourceIds, r: Reporter) -> StepFuture;
}

/// Tells the step's progress line what the cloud answered while a busy resource is ridden
/// out ("the server group is locked (Conflict.Lock), retrying · 0:41"), at most every 10 s.
fn busy_observer(
    r: Reporter,
) -> std::sync::Arc<dyn Fn(&crate::cloud::retry::BusyNote) + Send + Sync> {
    busy_reporter(move |line| r.progress(&line, None))
}

/// Passes [`busy_words`] to `say` when a call first meets a busy answer and then at most
/// every 10 s while it is ridden out (the setup runner's progress line, or stderr for
/// teardown and `--fix`).
pub fn busy_reporter(
    say: impl Fn(String) + Send + Sync + 'static,
) -> std::sync::Arc<dyn Fn(&crate::cloud::retry::BusyNote) + Send + Sync> {
    let last = std::sync::Mutex::new(None::<(String, Duration)>);
    std::sync::Arc::new(move |n: &crate::cloud::retry::BusyNote| {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let due = match last.as_ref() {
            Some((call, at)) if *call == n.call => n.waited >= *at + Duration::from_secs(10),
            _ => true,
        };
        if due {
            say(busy_words(n));
            *last = Some((n.call.clone(), n.waited));
        }
    })
}

/// "the server group is locked (Conflict.Lock), retrying · 0:41".
pub fn busy_words(n: &crate::cloud::retry::BusyNote) -> String {
    let object = crate::cloud::aliyun::Action::ALL
        .iter()
        .find(|a| a.name() == n.call)
        .map_or("the resource", |a| a.object());
    let how = if n.code == "Conflict.Lock" || n.code.ends_with("Locked") {
        "is locked"
    } else {
        "is busy"
    };
    let s = n.waited.as_secs();
    format!(
        "{object} {how} ({}), retrying {} · {}:{:02}",
        n.code,
        n.call,
        s / 60,
        s % 60
    )
}

/// How a running step talks back.
#[derive(Debug, Clone)]
pub struct Reporter {
    step: Step,
    tx: mpsc::UnboundedSender<Msg>,
}

impl Reporter {
    /// The cloud state the step waits on, with an optional log line.
    pub fn progress(&self, state: &str, note: Option<String>) {
        let _ = self.tx.send(Msg::Progress {
            step: self.step,
            state: state.to_string(),
            note,
        });
    }

    /// What the step waits on now, with its usual range.
    pub fn usual(&self, u: Option<crate::engine::poll::Usual>) {
        let _ = self.tx.send(Msg::Usual(self.step, u));
    }

    /// The wait went past its usual range.
    pub fn slow(&self, note: String) {
        let _ = self.tx.send(Msg::Slow(self.step, note));
    }

    /// Watches a wait: state words as progress, the slow notice once, the usual range first.
    pub fn watch(
        &self,
        p: &crate::engine::poll::Poll,
    ) -> impl FnMut(crate::engine::poll::Update) + '_ {
        use crate::engine::poll::Update;
        let usual = p.usual();
        let timeout = p.timeout;
        self.usual(Some(usual));
        move |u| match u {
            Update::State(s) => self.progress(&s, None),
            Update::Ready => self.usual(None),
            Update::Slow { state, elapsed } => {
                self.slow(slow_note(&usual, &state, elapsed, timeout))
            }
        }
    }

    /// A resource id that must be journaled now.
    pub fn learned(&self, l: Learned) {
        let _ = self.tx.send(Msg::Learned(self.step, l));
    }

    /// A connection request that was left alone.
    pub fn foreign(&self, f: ForeignRequest) {
        let _ = self.tx.send(Msg::Foreign(f));
    }
}

/// What tilink says when a wait goes past its usual range: what is unusual, that it is not an
/// error yet, and what the DBA can do.
pub fn slow_note(
    u: &crate::engine::poll::Usual,
    state: &str,
    elapsed: Duration,
    timeout: Duration,
) -> String {
    let s = elapsed.as_secs();
    format!(
        "{} has taken {}:{:02}, longer than the usual {} (still {state}). Not an error yet: \
         clouds are sometimes slow in a region or at busy hours. tilink keeps waiting (up to \
         {} min); check the resource in the console, or stop safely (q / Ctrl-C) and rerun the \
         same command later to resume.",
        u.what,
        s / 60,
        s % 60,
        u.range().trim_start_matches("usually "),
        timeout.as_secs() / 60
    )
}

#[cfg(test)]
mod slow_note_tests {
    /// Issue 27 #12: the SLOW line carried runs of source indentation.
    #[test]
    fn the_slow_note_has_no_runs_of_spaces() {
        let u = crate::engine::poll::Tuning::default()
            .load_balancer()
            .usual();
        let n = super::slow_note(
            &u,
            "Provisioning",
            std::time::Duration::from_secs(200),
            std::time::Duration::from_secs(1800),
        );
        assert!(!n.contains("  "), "{n}");
    }
}

/// A handle to stop a run from outside (Ctrl-C, `q`).
#[derive(Debug, Clone)]
pub struct CancelHandle(mpsc::UnboundedSender<Msg>);

impl CancelHandle {
    /// Asks the run to stop; the journal is saved first.
    pub fn cancel(&self) {
        let _ = self.0.send(Msg::Cancel);
    }
}

/// The channel a run listens on; create it first to get a [`CancelHandle`].
pub struct Channel {
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
}

impl Channel {
    /// A new channel.
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Channel { tx, rx }
    }

    /// A handle that cancels the run using this channel.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(self.tx.clone())
    }
}

impl Default for Channel {
    fn default() -> Self {
        Channel::new()
    }
}

/// Runs the setup to its end. `observe` sees the model after every change (the TUI
/// forwards a snapshot; the line driver prints progress).
pub async fn run_apply(
    mut model: ApplyModel,
    exec: Arc<dyn Executor>,
    store: &JournalStore,
    chan: Channel,
    mut observe: impl FnMut(&ApplyModel),
) -> ApplyModel {
    let Channel { tx, mut rx } = chan;
    let began = Instant::now();
    let mut tasks: JoinSet<()> = JoinSet::new();
    let mut queue: Vec<Effect> = start(&mut model);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        for fx in std::mem::take(&mut queue) {
            match fx {
                Effect::SaveJournal => {
                    if let Err(e) = store.save(&mut model.journal) {
                        // Losing track of ids is worse than stopping.
                        let msg =
                            Msg::Failed(Step::Verify, format!("cannot write the journal: {e}"));
                        queue.extend(update(&mut model, msg));
                    }
                }
                Effect::Start(step) => {
                    let reporter = Reporter {
                        step,
                        tx: tx.clone(),
                    };
                    let fut = crate::cloud::retry::observe_busy(
                        busy_observer(reporter.clone()),
                        exec.run(step, model.ids().clone(), reporter),
                    );
                    let done_tx = tx.clone();
                    tasks.spawn(async move {
                        let msg = match fut.await {
                            Ok(()) => Msg::Done(step),
                            Err(e) => Msg::Failed(step, e.to_string()),
                        };
                        let _ = done_tx.send(msg);
                    });
                }
                Effect::Finish => {
                    tasks.abort_all();
                }
            }
        }
        observe(&model);
        if model.finished() && queue.is_empty() {
            // Keep ids reported by steps that were racing the stop.
            while let Ok(msg) = rx.try_recv() {
                if let Msg::Learned(..) = msg {
                    queue.extend(update(&mut model, msg));
                }
            }
            if queue.is_empty() {
                break;
            }
            continue;
        }
        tokio::select! {
            Some(msg) = rx.recv() => queue.extend(update(&mut model, msg)),
            _ = tick.tick() => {
                let ms = began.elapsed().as_millis() as u64;
                queue.extend(update(&mut model, Msg::Tick(ms)));
            }
        }
    }
    while tasks.join_next().await.is_some() {}
    model
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::journal::{Journal, SetupState};
    use std::sync::Mutex;

    struct Fake {
        order: Mutex<Vec<Step>>,
        fail: Option<Step>,
    }

    /// A journal store in a temporary dir, a fake executor failing at `fail`, and a new run's
    /// model.
    fn fake_run(fail: Option<Step>) -> (tempfile::TempDir, JournalStore, Arc<Fake>, ApplyModel) {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let exec = Arc::new(Fake {
            order: Mutex::new(vec![]),
            fail,
        });
        (
            dir,
            store,
            exec,
            ApplyModel::new(Journal::new("c", "rm", "r")),
        )
    }

    impl Executor for Fake {
        fn run(&self, step: Step, _ids: ResourceIds, r: Reporter) -> StepFuture {
            self.order.lock().unwrap().push(step);
            let fail = self.fail == Some(step);
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                if step == Step::LoadBalancer {
                    r.learned(Learned::LoadBalancer("nlb-1".into()));
                }
                if fail {
                    Err(crate::engine::Error::Failed("boom".into()))
                } else {
                    Ok(())
                }
            })
        }
    }

    #[tokio::test]
    async fn runs_every_step_and_journals() {
        let (_dir, store, exec, m) = fake_run(None);
        let id = m.journal.setup_id.clone();
        let mut seen = 0;
        let out = run_apply(m, exec.clone(), &store, Channel::new(), |_| seen += 1).await;
        assert_eq!(out.outcome, Some(Ok(())));
        assert!(seen > 5);
        let j = store.load(&id).unwrap();
        assert_eq!(j.state, SetupState::Active);
        assert_eq!(j.resources.load_balancer_id.as_deref(), Some("nlb-1"));
        let order = exec.order.lock().unwrap().clone();
        assert_eq!(order.len(), 9);
        assert_eq!(*order.last().unwrap(), Step::Verify);
    }

    #[tokio::test]
    async fn failure_is_journaled() {
        let (_dir, store, exec, m) = fake_run(Some(Step::EndpointService));
        let id = m.journal.setup_id.clone();
        let out = run_apply(m, exec, &store, Channel::new(), |_| {}).await;
        assert!(out.outcome.unwrap().is_err());
        let j = store.load(&id).unwrap();
        assert_eq!(j.state, SetupState::Failed);
        assert!(j.last_error.unwrap().contains("boom"));
        assert_eq!(j.resources.load_balancer_id.as_deref(), Some("nlb-1"));
    }

    #[tokio::test]
    async fn cancel_stops_and_saves() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        struct Slow;
        impl Executor for Slow {
            fn run(&self, _s: Step, _i: ResourceIds, _r: Reporter) -> StepFuture {
                Box::pin(async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(())
                })
            }
        }
        let chan = Channel::new();
        let cancel = chan.cancel_handle();
        let m = ApplyModel::new(Journal::new("c", "rm", "r"));
        let h =
            tokio::spawn(async move { run_apply(m, Arc::new(Slow), &store, chan, |_| {}).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancel.cancel();
        let out = tokio::time::timeout(Duration::from_secs(5), h)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            out.outcome,
            Some(Err(crate::engine::apply::Stopped::Interrupted))
        );
    }
}
