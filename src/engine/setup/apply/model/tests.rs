use super::*;

fn model() -> ApplyModel {
    ApplyModel::new(Journal::new("c", "rm", "ap-southeast-1"))
}

/// A model whose run has started.
fn started() -> ApplyModel {
    let mut m = model();
    start(&mut m);
    m
}

fn starts(fx: &[Effect]) -> Vec<Step> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Start(s) => Some(*s),
            _ => None,
        })
        .collect()
}

#[test]
fn independent_steps_start_together() {
    let mut m = model();
    let fx = start(&mut m);
    assert_eq!(fx[0], Effect::SaveJournal);
    assert_eq!(
        starts(&fx),
        [Step::ServerGroup, Step::LoadBalancer, Step::Allowlist]
    );
}

#[test]
fn dependents_start_the_moment_inputs_exist() {
    let mut m = started();
    assert!(starts(&update(&mut m, Msg::Done(Step::ServerGroup))).is_empty());
    let fx = update(&mut m, Msg::Done(Step::LoadBalancer));
    assert_eq!(starts(&fx), [Step::Listener, Step::EndpointService]);
    assert_eq!(
        starts(&update(&mut m, Msg::Done(Step::EndpointService))),
        [Step::Whitelist]
    );
    assert_eq!(
        starts(&update(&mut m, Msg::Done(Step::Whitelist))),
        [Step::Connection]
    );
    assert_eq!(
        starts(&update(&mut m, Msg::Done(Step::Connection))),
        [Step::Accept]
    );
    assert!(starts(&update(&mut m, Msg::Done(Step::Accept))).is_empty());
    update(&mut m, Msg::Done(Step::Listener));
    assert_eq!(
        starts(&update(&mut m, Msg::Done(Step::Allowlist))),
        [Step::Verify]
    );
    let fx = update(&mut m, Msg::Done(Step::Verify));
    assert_eq!(fx.last(), Some(&Effect::Finish));
    assert_eq!(m.outcome, Some(Ok(())));
    assert_eq!(m.journal.state, SetupState::Active);
    assert_eq!(m.journal.done.len(), 9);
}

#[test]
fn learned_ids_are_journaled_immediately() {
    let mut m = started();
    let fx = update(
        &mut m,
        Msg::Learned(Step::LoadBalancer, Learned::LoadBalancer("nlb-1".into())),
    );
    assert_eq!(fx, [Effect::SaveJournal]);
    assert_eq!(m.ids().load_balancer_id.as_deref(), Some("nlb-1"));
}

#[test]
fn failure_stops_and_keeps_ids() {
    let mut m = started();
    let fx = update(
        &mut m,
        Msg::Failed(Step::LoadBalancer, "Forbidden.RAM".into()),
    );
    assert_eq!(fx, [Effect::SaveJournal, Effect::Finish]);
    assert_eq!(m.journal.state, SetupState::Failed);
    assert!(m.outcome.as_ref().unwrap().is_err());
    // A late id from a step still running is kept.
    let fx = update(
        &mut m,
        Msg::Learned(Step::ServerGroup, Learned::ServerGroup("sgp-1".into())),
    );
    assert_eq!(fx, [Effect::SaveJournal]);
    assert_eq!(m.ids().server_group_id.as_deref(), Some("sgp-1"));
    assert!(update(&mut m, Msg::Done(Step::ServerGroup)).is_empty());
}

#[test]
fn cancel_finishes_and_foreign_is_recorded_once() {
    let mut m = started();
    let f = ForeignRequest {
        endpoint_id: "ep-x".into(),
        owner_id: "999".into(),
        status: "Disconnected".into(),
    };
    update(&mut m, Msg::Foreign(f.clone()));
    update(&mut m, Msg::Foreign(f));
    assert_eq!(m.foreign.len(), 1);
    assert_eq!(
        update(&mut m, Msg::Cancel),
        [Effect::SaveJournal, Effect::Finish]
    );
    assert_eq!(m.outcome, Some(Err(Stopped::Interrupted)));
}

#[test]
fn progress_updates_cloud_state() {
    let mut m = started();
    update(&mut m, Msg::Tick(1500));
    update(
        &mut m,
        Msg::Progress {
            step: Step::LoadBalancer,
            state: "Provisioning".into(),
            note: Some("waiting".into()),
        },
    );
    assert_eq!(m.steps[&Step::LoadBalancer].cloud_state, "Provisioning");
    assert_eq!(m.log.last().unwrap().at_ms, 1500);
}
