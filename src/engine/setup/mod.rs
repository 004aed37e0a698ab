//! The setup use case, one for every driver (the wizard, its line mode, the non-interactive
//! run, the tests and the benches): take the cluster's lock ([`Setup::begin`]), then apply a
//! plan to its end with every state reported ([`Setup::apply`]), and say how it ended
//! ([`outcome_error`]). Only a [`Setup`] applies, and only [`Setup::begin`] makes one, so no
//! driver can skip the lock. Drivers render the events (`report`) and map errors to exits.

pub mod apply;
pub mod lock;
pub mod plan;

use super::Error;
use super::discover::Clients;
use super::journal::{Journal, SetupState};
use super::session::Session;
use apply::steps::CloudExecutor;
use apply::{ApplyModel, Channel, Stopped, run_apply};
use lock::{ClusterLock, LockError};
use plan::Plan;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

/// What a setup does when another run holds its cluster's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenBusy {
    /// Wait until the other run finishes (then plan, and adopt what it made).
    Wait,
    /// Fail at once (`--no-wait`; the wizard, whose plan was made before this moment).
    Fail,
}

impl WhenBusy {
    /// The choice of `--no-wait`: fail at once when it is given, else wait.
    pub fn from_no_wait(no_wait: bool) -> WhenBusy {
        if no_wait {
            WhenBusy::Fail
        } else {
            WhenBusy::Wait
        }
    }
}

/// One setup holding its cluster's lock for as long as it lives: the only way to apply.
#[derive(Debug)]
pub struct Setup {
    lock: ClusterLock,
}

impl Setup {
    /// Takes `cluster_id`'s setup lock in `session`'s state directory. When another run
    /// holds it, `WhenBusy::Wait` tells `on_wait` (the holder as it wrote itself, the lock
    /// file) and waits; `WhenBusy::Fail` returns [`LockError::Busy`].
    pub async fn begin(
        session: &Session,
        cluster_id: &str,
        when_busy: WhenBusy,
        on_wait: impl FnOnce(&str, &Path),
    ) -> Result<Setup, LockError> {
        let dir = session.store.lock_dir();
        let lock = match ClusterLock::try_acquire(&dir, cluster_id) {
            Ok(l) => l,
            Err(LockError::Busy { holder, path }) if when_busy == WhenBusy::Wait => {
                on_wait(&holder, &path);
                ClusterLock::acquire(&dir, cluster_id).await?
            }
            Err(e) => return Err(e),
        };
        Ok(Setup { lock })
    }

    /// Writes the setup id into the lock file, for a waiting run to name.
    pub fn noted(self, setup_id: &str) -> Self {
        Setup {
            lock: self.lock.noted(setup_id),
        }
    }

    /// Applies `plan` (from `journal`'s state, with `clients` in the plan's region) until
    /// ACTIVE, a failure, or `cancel` completes (a signal, a key): then the steps stop and
    /// the journal is marked interrupted. `on_model` sees every state.
    pub async fn apply(
        &self,
        session: &Session,
        clients: Clients,
        plan: Plan,
        journal: Journal,
        cancel: impl Future<Output = ()> + Send + 'static,
        on_model: impl FnMut(&ApplyModel),
    ) -> ApplyModel {
        let exec = Arc::new(CloudExecutor::new(clients, plan, session.tuning.clone()));
        let chan = Channel::new();
        let handle = chan.cancel_handle();
        let watcher = tokio::spawn(async move {
            cancel.await;
            handle.cancel();
        });
        let model = run_apply(
            ApplyModel::new(journal),
            exec,
            &session.store,
            chan,
            on_model,
        )
        .await;
        watcher.abort();
        model
    }
}

/// How a finished apply ends the command: `None` when ACTIVE, else the error with the way
/// to resume (interrupted, or failed).
pub fn outcome_error(model: &ApplyModel, session: &Session) -> Option<Error> {
    let sid = &model.journal.setup_id;
    match &model.outcome {
        Some(Ok(())) => None,
        Some(Err(Stopped::Interrupted)) => Some(Error::Interrupted(format!(
            "interrupted; every id is in the journal. Resume with `tilink setup --resume {sid}`"
        ))),
        // A run that yielded to another setup left nothing: no journal to resume from.
        Some(Err(e)) if model.journal.state == SetupState::TornDown => {
            Some(Error::Failed(e.to_string()))
        }
        Some(Err(e)) => Some(Error::Failed(format!(
            "{e}\nEvery id created so far is in the journal ({}). Rerun the same command (or `--resume {sid}`) to continue.",
            session.store.path(sid).display()
        ))),
        None => Some(Error::Failed("setup stopped without an outcome".into())),
    }
}
