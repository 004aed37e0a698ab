//! The engine's facade for drivers and front ends: run an apply to its end and say how it
//! ended, in typed terms. Front ends render (`report`), drivers map kinds to exit codes.

use super::Error;
use super::apply::steps::CloudExecutor;
use super::apply::{ApplyModel, Channel, Stopped, run_apply};
use super::journal::JournalStore;
use super::plan::Plan;
use super::prepare::Prepared;
use super::session::Session;
use std::future::Future;
use std::sync::Arc;

/// Applies `plan` (prepared by `prep`) until ACTIVE, a failure, or `cancel` completes (a
/// signal, a key): then the steps stop and the journal is marked interrupted. `on_model`
/// sees every state.
pub async fn apply(
    prep: &Prepared,
    plan: Plan,
    session: &Session,
    store: &JournalStore,
    cancel: impl Future<Output = ()> + Send + 'static,
    on_model: impl FnMut(&ApplyModel),
) -> ApplyModel {
    let exec = Arc::new(CloudExecutor::new(
        prep.clients.clone(),
        plan,
        session.tuning.clone(),
    ));
    let chan = Channel::new();
    let handle = chan.cancel_handle();
    let watcher = tokio::spawn(async move {
        cancel.await;
        handle.cancel();
    });
    let model = run_apply(
        ApplyModel::new(prep.journal.clone()),
        exec,
        store,
        chan,
        on_model,
    )
    .await;
    watcher.abort();
    model
}

/// How a finished apply ends the command: `None` when ACTIVE, else the error with the way
/// to resume (interrupted, or failed).
pub fn outcome_error(model: &ApplyModel, store: &JournalStore) -> Option<Error> {
    let sid = &model.journal.setup_id;
    match &model.outcome {
        Some(Ok(())) => None,
        Some(Err(Stopped::Interrupted)) => Some(Error::Interrupted(format!(
            "interrupted; every id is in the journal. Resume with `tilink setup --resume {sid}`"
        ))),
        // A run that yielded to another setup left nothing: no journal to resume from.
        Some(Err(e)) if model.journal.state == super::journal::SetupState::TornDown => {
            Some(Error::Failed(e.to_string()))
        }
        Some(Err(e)) => Some(Error::Failed(format!(
            "{e}\nEvery id created so far is in the journal ({}). Rerun the same command (or `--resume {sid}`) to continue.",
            store.path(sid).display()
        ))),
        None => Some(Error::Failed("setup stopped without an outcome".into())),
    }
}
