//! The apply half of a setup through the library, as `tilink setup` runs it. The tests
//! (`tests/it/common`) and the benches (`benches/common`) include this one file.

use tilink::engine::apply::ApplyModel;
use tilink::engine::prepare::Prepared;
use tilink::engine::session::Session;
use tilink::engine::setup::Setup;

/// Applies `prep`'s plan (which must exist: the checks passed) under the cluster's setup
/// lock `setup`, to the end; `on_model` sees every state.
pub async fn apply_prepared(
    setup: Setup,
    session: &Session,
    prep: &Prepared,
    on_model: impl FnMut(&ApplyModel),
) -> ApplyModel {
    let plan = prep
        .plan
        .clone()
        .unwrap_or_else(|| panic!("checks failed: {:#?}", prep.checks));
    let setup = setup.noted(&plan.setup_id);
    setup
        .apply(
            session,
            prep.clients.clone(),
            plan,
            prep.journal.clone(),
            std::future::pending(),
            on_model,
        )
        .await
}
