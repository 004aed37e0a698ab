//! Screen snapshots (ratatui `TestBackend` + insta) of every screen, at 120×40, 80×24 and
//! the 60×16 minimum,
//! plus error, overlay and narrow-terminal states. Models come from [`super::fixtures`].

use super::app::{App, Load, Screen, UiError};
use super::fixtures as fx;
use super::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| view::draw(f, app)).expect("draw");
    t.backend().to_string()
}

fn snap(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_120x40"), render(app, 120, 40));
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_60x16"), render(app, 60, 16));
}

fn base() -> App {
    App::new(fx::options(), vec![fx::resumable()])
}

/// The wizard with everything discovered and planned (the benchmarks' model), on `screen`.
fn on(screen: Screen) -> App {
    super::bench_support::on(screen)
}

#[test]
fn doctor() {
    let mut a = base();
    a.screen = super::app::Screen::Doctor;
    a.troubleshoot = true;
    a.doctor = super::app::Load::Ready(vec![fx::doctor_report()]);
    // Where the screen starts: the root cause, with its fix and the f key.
    a.doctor_sel = a.doctor_first_problem();
    a.note = Some(super::app::DOCTOR_NOTE.into());
    snap("doctor", &a);
    // f asked: the explicit confirmation, at 80×24 too.
    a.doctor_confirm = a.doctor_fix().cloned();
    snap("doctor_confirm", &a);
}

#[test]
fn welcome() {
    snap("welcome", &base());
    let mut a = App::new(fx::options(), vec![]);
    a.welcome_sel = 1;
    insta::assert_snapshot!("welcome_troubleshoot_80x24", render(&a, 80, 24));
    let mut opts = fx::options();
    opts.sandbox = true;
    insta::assert_snapshot!(
        "welcome_sandbox_80x24",
        render(&App::new(opts, vec![fx::resumable()]), 80, 24)
    );
}

#[test]
fn credentials() {
    snap("credentials", &on(Screen::Credentials));
    let mut a = on(Screen::Credentials);
    a.identity = Load::Loading(1);
    a.clusters = Load::Failed(UiError::new(
        "TiDB Cloud GET /v1beta1/clusters: HTTP 401: invalid API key",
        "The key came from ~/.ticloud/config.toml (profile default). Fix it there, restart tilink, or press r to check again.",
    ));
    insta::assert_snapshot!("credentials_error_80x24", render(&a, 80, 24));
}

#[test]
fn cluster() {
    snap("cluster", &on(Screen::Cluster));
    let mut a = on(Screen::Cluster);
    a.cluster_sel = 1;
    insta::assert_snapshot!("cluster_unusable_80x24", render(&a, 80, 24));
}

#[test]
fn source() {
    snap("source", &on(Screen::Source));
}

#[test]
fn checks() {
    snap("checks", &on(Screen::Checks));
    let mut a = on(Screen::Checks);
    a.prepared = Load::Ready(Box::new(fx::prep_view_failing()));
    snap("checks_failing", &a);
    let mut a = on(Screen::Checks);
    a.prepared = Load::Failed(UiError::new(
        "RDS instance rm-t4nmain0001 was not found in ap-southeast-1; check the id and the region",
        "Fix the cause above and press r to check again, or Esc to pick another instance.",
    ));
    insta::assert_snapshot!("checks_error_80x24", render(&a, 80, 24));
    let mut a = on(Screen::Checks);
    a.prepared = Load::Loading(7);
    insta::assert_snapshot!("checks_loading_80x24", render(&a, 80, 24));
}

#[test]
fn plan() {
    snap("plan", &on(Screen::Plan));
    let mut a = on(Screen::Plan);
    a.opts.dry_run = true;
    insta::assert_snapshot!("plan_dry_run_80x24", render(&a, 80, 24));
}

#[test]
fn provisioning() {
    let mut a = on(Screen::Provisioning);
    a.apply = Some(fx::apply_running());
    a.apply_req = Some(1);
    snap("provisioning", &a);
    a.confirm_quit = true;
    insta::assert_snapshot!("provisioning_confirm_quit_80x24", render(&a, 80, 24));
    a.confirm_quit = false;
    a.apply = Some(fx::apply_failed());
    snap("provisioning_failed", &a);
    a.apply = Some(fx::apply_active());
    insta::assert_snapshot!("provisioning_active_120x40", render(&a, 120, 40));
}

#[test]
fn acceptance() {
    let mut a = on(Screen::Acceptance);
    a.apply = Some(fx::apply_active());
    snap("acceptance", &a);
}

#[test]
fn done() {
    let mut a = on(Screen::Done);
    a.apply = Some(fx::apply_active());
    snap("done", &a);
}

#[test]
fn help_overlay() {
    let mut a = on(Screen::Checks);
    a.help = true;
    insta::assert_snapshot!("help_checks_80x24", render(&a, 80, 24));
}

#[test]
fn narrow_terminal() {
    insta::assert_snapshot!("narrow_50x12", render(&on(Screen::Checks), 50, 12));
}

#[test]
fn colours_carry_no_meaning_alone() {
    // The same screen with and without colour shows the same text: symbols carry meaning.
    let mut a = on(Screen::Checks);
    a.prepared = Load::Ready(Box::new(fx::prep_view_failing()));
    let mono = render(&a, 80, 24);
    a.opts.no_color = false;
    assert_eq!(render(&a, 80, 24), mono);
    assert!(mono.contains('✗'));
}
