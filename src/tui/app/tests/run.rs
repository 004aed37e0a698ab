//! The wizard from Create on: provisioning, quitting mid-run, ACTIVE and acceptance, Done,
//! a failed apply retried, and planning the same setup again.

use super::*;

fn provisioning() -> (App, u64) {
    let mut a = at_checks();
    update(&mut a, enter());
    let fx = update(&mut a, create());
    let [Effect::StartApply { req, .. }] = fx.as_slice() else {
        panic!()
    };
    (a, *req)
}

/// The run `req` sends a snapshot.
fn snapshot(a: &mut App, req: u64, model: crate::engine::apply::ApplyModel) {
    let model = Box::new(model);
    update(a, Msg::Apply { req, model });
}

/// The run `req` ends with `model`.
fn finish(a: &mut App, req: u64, model: crate::engine::apply::ApplyModel) {
    let model = Box::new(model);
    update(a, Msg::ApplyFinished { req, model });
}

/// The setup id a re-plan asks prepare to keep.
fn kept_setup_id(fx: &[Effect]) -> Option<Option<String>> {
    fx.iter().find_map(|e| match e {
        Effect::Prepare { setup_id, .. } => Some(setup_id.clone()),
        _ => None,
    })
}

#[test]
fn quit_while_provisioning_asks_then_cancels_and_says_how_to_resume() {
    let (mut a, req) = provisioning();
    snapshot(&mut a, req, fx::apply_running());
    update(&mut a, key(KeyCode::Char('q')));
    assert!(a.confirm_quit);
    update(&mut a, key(KeyCode::Char('n')));
    assert!(!a.confirm_quit);
    update(
        &mut a,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(a.confirm_quit, "Ctrl-C asks like q");
    let fx = update(&mut a, key(KeyCode::Char('y')));
    assert_eq!(fx, [Effect::CancelApply]);
    assert!(a.exit.is_none(), "waits for the journal");
    let mut done = fx::apply_running();
    done.outcome = Some(Err(crate::engine::apply::Stopped::Interrupted));
    finish(&mut a, req, done);
    let out = a.exit.clone().expect("exits");
    assert!(out.interrupted);
    assert!(
        out.message
            .unwrap_or_default()
            .contains("tilink setup --resume tl-0123456789ab")
    );
}

#[test]
fn sandbox_offers_no_resume_and_says_so_when_stopped() {
    let mut opts = fx::options();
    opts.sandbox = true;
    let a = App::new(opts.clone(), vec![fx::resumable()]);
    assert!(a.resumable.is_empty());
    let (mut b, req) = provisioning();
    b.opts = opts;
    snapshot(&mut b, req, fx::apply_running());
    update(&mut b, key(KeyCode::Char('q')));
    update(&mut b, key(KeyCode::Char('y')));
    let mut done = fx::apply_running();
    done.outcome = Some(Err(crate::engine::apply::Stopped::Interrupted));
    finish(&mut b, req, done);
    let out = b.exit.expect("exits");
    assert!(
        out.message
            .unwrap_or_default()
            .contains("nothing to resume")
    );
}

#[test]
fn active_then_acceptance_then_done_exits_zero() {
    let (mut a, req) = provisioning();
    finish(&mut a, req, fx::apply_active());
    update(&mut a, enter());
    assert_eq!(a.screen, Screen::Acceptance);
    update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Provisioning);
    update(&mut a, enter());
    update(&mut a, enter());
    assert_eq!(a.screen, Screen::Done);
    update(&mut a, enter());
    let out = a.exit.clone().expect("exits");
    assert!(!out.interrupted);
    assert!(out.summary.unwrap_or_default().contains("ACTIVE"));
}

#[test]
fn q_after_active_exits_zero_without_asking() {
    let (mut a, req) = provisioning();
    finish(&mut a, req, fx::apply_active());
    update(&mut a, key(KeyCode::Char('q')));
    assert!(!a.confirm_quit);
    assert_eq!(a.exit.map(|o| o.interrupted), Some(false));
}

#[test]
fn failed_apply_r_retries_with_the_same_journal() {
    let (mut a, req) = provisioning();
    finish(&mut a, req, fx::apply_failed());
    let fx = update(&mut a, key(KeyCode::Char('r')));
    match fx.as_slice() {
        [
            Effect::StartApply {
                req: r2, journal, ..
            },
        ] => {
            assert_ne!(*r2, req);
            assert_eq!(
                journal.resources.load_balancer_id.as_deref(),
                Some("nlb-t4nfixture0123456789")
            );
        }
        other => panic!("{other:?}"),
    }
    // The old run's late snapshot is ignored.
    snapshot(&mut a, req, fx::apply_failed());
    assert!(a.apply.as_ref().is_some_and(|m| m.outcome.is_none()));
}

#[test]
fn quit_before_anything_is_created() {
    let mut a = app();
    update(&mut a, key(KeyCode::Char('q')));
    let out = a.exit.expect("exits");
    assert!(out.interrupted);
    assert!(
        out.message
            .unwrap_or_default()
            .contains("nothing was created")
    );
}

/// One setup id from the first plan to Done: going back and planning the same cluster and
/// instance again asks prepare to keep the id (issue 17: it changed on every re-entry).
#[test]
fn planning_the_same_setup_again_keeps_its_id() {
    let mut a = at_checks();
    let id = a.prepared.ready().unwrap().journal.setup_id.clone();
    let fx = update(&mut a, key(KeyCode::Char('r')));
    let kept = kept_setup_id(&fx);
    assert_eq!(kept, Some(Some(id.clone())), "{fx:?}");
    // Back to the instance list and forward again: still the same id.
    update(&mut a, key(KeyCode::Esc));
    let fx = update(&mut a, enter());
    let kept = kept_setup_id(&fx);
    assert_eq!(kept, Some(Some(id)), "{fx:?}");
}

/// Issue 27 #12: Enter during the run says it is running; once it ended, that note goes.
#[test]
fn the_running_note_goes_when_the_run_ends() {
    let (mut a, req) = provisioning();
    update(&mut a, enter());
    assert!(
        a.note
            .as_deref()
            .is_some_and(|n| n.contains("provisioning is running")),
        "{:?}",
        a.note
    );
    finish(&mut a, req, fx::apply_active());
    assert_eq!(a.note, None);
}
