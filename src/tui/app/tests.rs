//! The wizard's transitions, screen by screen, without a terminal.
//!
//! One test per user path through the wizard, up to the plan (and the keys that work on every
//! screen); from Create on, the run and its end are in `tests/run.rs`.

use super::*;
use crate::tui::fixtures as fx;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}
fn enter() -> Msg {
    key(KeyCode::Enter)
}

fn app() -> App {
    App::new(fx::options(), vec![])
}

/// Drives the Enter-only path from Welcome to the Cluster screen with answers.
fn at_cluster() -> App {
    let mut a = app();
    update(&mut a, enter());
    let reqs = reqs(&update(&mut a, Msg::Tick));
    assert!(reqs.is_empty());
    settle_credentials(&mut a);
    let fx = update(&mut a, enter());
    assert_eq!(a.screen, Screen::Cluster);
    assert!(matches!(fx.as_slice(), [Effect::DescribeCluster { .. }]));
    a
}

fn settle_credentials(a: &mut App) {
    let (Load::Loading(ri), Load::Loading(rc)) = (&a.identity, &a.clusters) else {
        panic!("not loading: {:?} {:?}", a.identity, a.clusters);
    };
    let (ri, rc) = (*ri, *rc);
    answer_identity(a, ri, Ok(fx::identity()));
    update(
        a,
        Msg::Clusters {
            req: rc,
            result: Ok(fx::clusters()),
        },
    );
}

fn answer_identity(a: &mut App, req: u64, result: Result<Identity, UiError>) {
    update(a, Msg::Identity { req, result });
}

fn answer_sources(
    a: &mut App,
    req: u64,
    result: Result<Vec<crate::engine::discover::RdsCandidate>, UiError>,
) {
    update(a, Msg::Sources { req, result });
}

fn answer_prepared(a: &mut App, req: u64, view: PrepView) {
    let result = Ok(Box::new(view));
    update(a, Msg::Prepared { req, result });
}

fn answer_doctor(
    a: &mut App,
    req: u64,
    result: Result<Vec<crate::engine::doctor::Report>, UiError>,
    fixed: Option<Result<String, String>>,
) {
    update(a, Msg::Doctor { req, result, fixed });
}

fn create() -> Msg {
    key(KeyCode::Char('c'))
}

fn reqs(fx: &[Effect]) -> Vec<u64> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::CheckIdentity { req }
            | Effect::ListClusters { req }
            | Effect::DescribeCluster { req, .. }
            | Effect::ListSources { req, .. }
            | Effect::Prepare { req, .. }
            | Effect::StartApply { req, .. } => Some(*req),
            _ => None,
        })
        .collect()
}

#[test]
fn welcome_enter_starts_credential_checks() {
    let mut a = app();
    let fx = update(&mut a, enter());
    assert_eq!(a.screen, Screen::Credentials);
    assert!(matches!(
        fx.as_slice(),
        [Effect::CheckIdentity { .. }, Effect::ListClusters { .. }]
    ));
}

#[test]
fn welcome_navigation_table() {
    let resumable = vec![fx::resumable()];
    // (keys, expected selection)
    let cases: &[(&[KeyCode], usize)] = &[
        (&[], 0),
        (&[KeyCode::Down], 1),
        (&[KeyCode::Char('j'), KeyCode::Char('j')], 2),
        (&[KeyCode::Down, KeyCode::Down, KeyCode::Down], 2),
        (&[KeyCode::Down, KeyCode::Up], 0),
        (&[KeyCode::Char('k')], 0),
        (&[KeyCode::Tab], 1),
    ];
    for (keys, want) in cases {
        let mut a = App::new(fx::options(), resumable.clone());
        for k in *keys {
            update(&mut a, key(*k));
        }
        assert_eq!(a.welcome_sel, *want, "keys {keys:?}");
    }
}

#[test]
fn troubleshoot_walks_to_doctor_on_the_picked_cluster() {
    let mut a = app();
    update(&mut a, key(KeyCode::Down));
    update(&mut a, enter());
    assert_eq!(a.screen, Screen::Credentials);
    assert!(a.troubleshoot);
    settle_credentials(&mut a);
    update(&mut a, enter());
    assert_eq!(a.screen, Screen::Cluster);
    let fx = update(&mut a, enter());
    assert_eq!(a.screen, Screen::Doctor);
    let req = match fx.as_slice() {
        [
            Effect::Doctor {
                req, cluster_id, ..
            },
        ] => {
            assert_eq!(cluster_id, &fx::clusters()[0].0.id);
            *req
        }
        other => panic!("{other:?}"),
    };
    // A stale answer is dropped; the awaited one lands and offers the --fix hint.
    answer_doctor(&mut a, req + 100, Ok(vec![]), None);
    assert!(a.doctor.is_loading());
    answer_doctor(&mut a, req, Ok(vec![fx::doctor_report()]), None);
    assert!(a.doctor.ready().is_some());
    assert_eq!(a.note.as_deref(), Some(DOCTOR_NOTE));
    // The screen starts on the first failure: the root cause.
    assert_eq!(
        a.doctor_selected().map(|(_, c)| c.id.as_str()),
        Some("rds-allowlist")
    );
    update(&mut a, key(KeyCode::Down));
    assert_eq!(
        a.doctor_selected().map(|(_, c)| c.id.as_str()),
        Some(fx::doctor_report().checks[2].id.as_str())
    );
    update(&mut a, key(KeyCode::Up));
    // r re-runs; Esc aborts a running walk and goes back.
    assert!(matches!(
        update(&mut a, key(KeyCode::Char('r'))).as_slice(),
        [Effect::Doctor { .. }]
    ));
    let fx = update(&mut a, key(KeyCode::Esc));
    assert!(matches!(fx.first(), Some(Effect::Abort { .. })));
    assert_eq!(a.screen, Screen::Cluster);
}

#[test]
fn doctor_applies_a_fix_only_after_an_explicit_yes_then_rechecks() {
    let mut a = app();
    update(&mut a, key(KeyCode::Down));
    update(&mut a, enter());
    settle_credentials(&mut a);
    update(&mut a, enter());
    let fx = update(&mut a, enter());
    let Some(Effect::Doctor { req, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    let report = fx::doctor_report();
    answer_doctor(&mut a, req, Ok(vec![report.clone()]), None);
    assert_eq!(
        a.doctor_selected().map(|(_, c)| c.id.as_str()),
        Some("rds-allowlist")
    );
    // f asks; n (or any other key) cancels without changing anything.
    assert!(update(&mut a, key(KeyCode::Char('f'))).is_empty());
    assert_eq!(a.doctor_confirm.as_ref(), Some(&report.fixes[0]));
    assert!(update(&mut a, key(KeyCode::Char('n'))).is_empty());
    assert!(a.doctor_confirm.is_none());
    assert!(a.note.as_deref().is_some_and(|n| n.contains("cancelled")));
    // Enter is not a yes either.
    update(&mut a, key(KeyCode::Char('f')));
    assert!(update(&mut a, enter()).is_empty());
    assert!(a.doctor_confirm.is_none());
    // f then y applies exactly that fix, then the walk runs again.
    update(&mut a, key(KeyCode::Char('f')));
    let fx = update(&mut a, key(KeyCode::Char('y')));
    let (req, fix) = match fx.as_slice() {
        [
            Effect::DoctorFix {
                req,
                fix,
                cluster_id,
                ..
            },
        ] => {
            assert_eq!(cluster_id, &fx::clusters()[0].0.id);
            (*req, fix.clone())
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(*fix, report.fixes[0]);
    assert!(a.doctor.is_loading());
    answer_doctor(&mut a, req, Ok(vec![report]), Some(Ok(fix.describe())));
    assert!(
        a.note
            .as_deref()
            .is_some_and(|n| n.starts_with("fix applied")),
        "{:?}",
        a.note
    );
    // A check without an automatic fix says so.
    update(&mut a, key(KeyCode::Up));
    assert!(update(&mut a, key(KeyCode::Char('f'))).is_empty());
    assert!(a.doctor_confirm.is_none());
    assert!(
        a.note
            .as_deref()
            .is_some_and(|n| n.contains("no automatic fix"))
    );
}

#[test]
fn welcome_resume_goes_to_checks_with_resume_id() {
    let mut opts = fx::options();
    opts.resume = Some(fx::resumable().setup_id);
    let mut a = App::new(opts, vec![fx::resumable()]);
    assert_eq!(a.welcome_sel, 1, "--resume highlights the setup");
    let fx = update(&mut a, enter());
    assert_eq!(a.screen, Screen::Checks);
    match fx.as_slice() {
        [
            Effect::Prepare {
                resume, cluster_id, ..
            },
        ] => {
            assert_eq!(resume.as_deref(), Some("tl-0123456789ab"));
            assert_eq!(cluster_id, &fx::resumable().cluster_id);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn credentials_enter_waits_then_advances() {
    let mut a = app();
    update(&mut a, enter());
    assert!(update(&mut a, enter()).is_empty());
    assert_eq!(a.screen, Screen::Credentials);
    assert!(a.note.as_deref().unwrap_or_default().contains("still"));
    settle_credentials(&mut a);
    update(&mut a, enter());
    assert_eq!(a.screen, Screen::Cluster);
}

#[test]
fn credentials_failure_blocks_and_r_retries() {
    let mut a = app();
    update(&mut a, enter());
    let Load::Loading(ri) = a.identity else {
        panic!()
    };
    answer_identity(
        &mut a,
        ri,
        Err(UiError::new("InvalidAccessKeyId", "check the key")),
    );
    update(&mut a, enter());
    assert_eq!(a.screen, Screen::Credentials);
    let fx = update(&mut a, key(KeyCode::Char('r')));
    assert!(
        matches!(fx.as_slice(), [Effect::CheckIdentity { .. }]),
        "{fx:?}"
    );
}

#[test]
fn stale_results_are_dropped() {
    let mut a = app();
    update(&mut a, enter());
    let Load::Loading(ri) = a.identity else {
        panic!()
    };
    answer_identity(&mut a, ri + 100, Ok(fx::identity()));
    assert!(a.identity.is_loading());
    answer_identity(&mut a, ri, Ok(fx::identity()));
    assert!(a.identity.ready().is_some());
}

#[test]
fn cluster_default_is_the_sandbox_cluster_and_unusable_ones_refuse() {
    let mut a = at_cluster();
    let want = fx::options().cluster_id.unwrap_or_default();
    assert_eq!(a.highlighted_cluster().map(|c| c.0.id.clone()), Some(want));
    // Move to the unusable (aws) cluster: Enter explains and stays.
    update(&mut a, key(KeyCode::Down));
    let fx = update(&mut a, enter());
    assert!(fx.is_empty());
    assert_eq!(a.screen, Screen::Cluster);
    assert!(
        a.note
            .as_deref()
            .unwrap_or_default()
            .contains("cannot be used")
    );
}

#[test]
fn cluster_detail_is_requested_once() {
    let mut a = at_cluster();
    update(&mut a, key(KeyCode::Down));
    update(&mut a, key(KeyCode::Up));
    assert!(update(&mut a, key(KeyCode::Down)).is_empty());
    let id = fx::options().cluster_id.unwrap_or_default();
    let Some(Load::Loading(req)) = a.cluster_details.get(&id).cloned() else {
        panic!()
    };
    update(
        &mut a,
        Msg::ClusterDetail {
            req,
            id: id.clone(),
            result: Ok(fx::cluster_detail()),
        },
    );
    assert!(a.cluster_details[&id].ready().is_some());
}

fn at_source() -> App {
    let mut a = at_cluster();
    let fx = update(&mut a, enter());
    assert_eq!(a.screen, Screen::Source);
    let [Effect::ListSources { req, region, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(region, "ap-southeast-1");
    answer_sources(&mut a, *req, Ok(fx::sources()));
    a
}

fn at_checks() -> App {
    let mut a = at_source();
    let fx = update(&mut a, enter());
    assert_eq!(a.screen, Screen::Checks);
    let [Effect::Prepare { req, rds_id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(rds_id, "rm-t4nmain0001");
    answer_prepared(&mut a, *req, fx::prep_view());
    a
}

#[test]
fn source_default_and_decoys() {
    let mut a = at_source();
    assert_eq!(
        a.highlighted_source().map(|r| r.id.as_str()),
        Some("rm-t4nmain0001")
    );
    update(&mut a, key(KeyCode::Down));
    update(&mut a, key(KeyCode::Down));
    assert!(update(&mut a, enter()).is_empty());
    assert!(
        a.note
            .as_deref()
            .unwrap_or_default()
            .contains("cannot be the source")
    );
    update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Cluster);
}

#[test]
fn the_cursor_starts_on_the_first_instance_likely_to_pass_the_zone_check() {
    // staging-mysql is listed first and is usable, but its VPC has room in one zone only.
    let mut a = app();
    a.screen = Screen::Source;
    a.sources = Load::Loading(7);
    let mut list = fx::sources();
    list.swap(0, 1);
    assert_eq!(list[0].description, "staging-mysql");
    answer_sources(&mut a, 7, Ok(list));
    assert_eq!(
        a.highlighted_source().map(|r| r.id.as_str()),
        Some("rm-t4nmain0001")
    );
}

#[test]
fn slash_filters_the_list_and_the_highlight_follows() {
    let mut a = at_source();
    update(&mut a, key(KeyCode::Char('/')));
    assert!(a.filtering);
    for c in "stag".chars() {
        update(&mut a, key(KeyCode::Char(c)));
    }
    assert_eq!(a.visible_sources().len(), 1);
    assert_eq!(
        a.highlighted_source().map(|r| r.id.as_str()),
        Some("rm-t4nstaging01")
    );
    // Letters typed into the filter are not keys: q did not quit, c did not create.
    update(&mut a, key(KeyCode::Char('q')));
    assert!(a.exit.is_none());
    assert_eq!(a.filter, "stagq");
    update(&mut a, key(KeyCode::Backspace));
    update(&mut a, key(KeyCode::Enter));
    assert!(!a.filtering);
    assert_eq!(a.screen, Screen::Source);
    // Esc clears the filter first, then goes back.
    update(&mut a, key(KeyCode::Esc));
    assert!(a.filter.is_empty());
    assert_eq!(a.screen, Screen::Source);
    update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Cluster);
}

#[test]
fn checks_back_aborts_the_running_prepare() {
    let mut a = at_source();
    update(&mut a, enter());
    let Load::Loading(req) = a.prepared else {
        panic!()
    };
    let fx = update(&mut a, key(KeyCode::Esc));
    assert_eq!(a.screen, Screen::Source);
    assert!(fx.contains(&Effect::Abort { req }));
    // Its late answer is dropped.
    answer_prepared(&mut a, req, fx::prep_view());
    assert_eq!(a.prepared, Load::Idle);
}

#[test]
fn failed_checks_block_the_plan_and_r_reruns() {
    let mut a = at_source();
    update(&mut a, enter());
    let Load::Loading(req) = a.prepared else {
        panic!()
    };
    answer_prepared(&mut a, req, fx::prep_view_failing());
    update(&mut a, enter());
    assert_eq!(a.screen, Screen::Checks);
    assert!(a.note.as_deref().unwrap_or_default().contains("failed"));
    let fx = update(&mut a, key(KeyCode::Char('r')));
    assert!(matches!(fx.as_slice(), [Effect::Prepare { .. }]));
}

#[test]
fn plan_confirm_starts_apply_and_dry_run_stops() {
    let mut a = at_checks();
    update(&mut a, enter());
    assert_eq!(a.screen, Screen::Plan);
    // The Enter that advanced every screen does not create: c does.
    assert!(update(&mut a, enter()).is_empty());
    assert_eq!(a.screen, Screen::Plan);
    assert!(a.note.as_deref().unwrap_or_default().contains("press c"));
    let fx = update(&mut a, create());
    assert_eq!(a.screen, Screen::Provisioning);
    assert!(matches!(fx.as_slice(), [Effect::StartApply { .. }]));

    let mut b = at_checks();
    b.opts.dry_run = true;
    update(&mut b, enter());
    assert!(update(&mut b, enter()).is_empty());
    let out = b.exit.expect("dry run exits");
    assert!(!out.interrupted);
    assert!(out.summary.unwrap_or_default().contains("dry run"));
}

#[test]
fn help_toggles_and_swallows_keys() {
    let mut a = app();
    update(&mut a, key(KeyCode::Char('?')));
    assert!(a.help);
    assert!(update(&mut a, key(KeyCode::Down)).is_empty());
    assert_eq!(a.welcome_sel, 0);
    update(&mut a, key(KeyCode::Esc));
    assert!(!a.help);
    update(&mut a, key(KeyCode::Char('?')));
    update(&mut a, key(KeyCode::Char('?')));
    assert!(!a.help);
}

#[test]
fn esc_walks_back_table() {
    let a = at_checks();
    let cases = [
        (Screen::Checks, Screen::Source),
        (Screen::Source, Screen::Cluster),
        (Screen::Cluster, Screen::Credentials),
        (Screen::Credentials, Screen::Welcome),
        (Screen::Welcome, Screen::Welcome),
        (Screen::Plan, Screen::Checks),
        (Screen::Acceptance, Screen::Provisioning),
        (Screen::Done, Screen::Acceptance),
    ];
    for (from, to) in cases {
        let mut b = a.clone();
        b.screen = from;
        update(&mut b, key(KeyCode::Esc));
        assert_eq!(b.screen, to, "Esc from {from:?}");
    }
}

#[test]
fn ticks_advance_the_spinner_only() {
    let mut a = app();
    let before = a.clone();
    assert!(update(&mut a, Msg::Tick).is_empty());
    assert_eq!(a.frame, 1);
    a.frame = 0;
    assert_eq!(a, before);
}

#[test]
fn key_releases_are_not_actions() {
    use ratatui::crossterm::event::{KeyEventKind, KeyEventState};
    let mut a = app();
    let release = KeyEvent {
        code: KeyCode::Enter,
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Release,
        state: KeyEventState::NONE,
    };
    assert!(update(&mut a, Msg::Key(release)).is_empty());
    assert_eq!(a.screen, Screen::Welcome);
}

mod run;
