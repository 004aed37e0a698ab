//! Models for the UI benchmarks (`benches/ui.rs`): the same hand-built fixtures as the
//! screen snapshots, reachable from outside the crate. Not part of tilink's interface.
//!
//! [`fixtures`] is `src/tui/fixtures.rs`, owned here so that it is public; the snapshot
//! tests use this same module, so the snapshots and the benchmarks draw the same models.
//! [`screens`] builds one [`App`] per screen the way `snapshot_tests.rs` does.

// `fixtures.rs` reaches the model through `super::app`.
use super::app;

#[path = "fixtures.rs"]
pub mod fixtures;

use app::{App, Load, Screen};
use fixtures as fx;

/// The wizard with everything discovered and planned, on `screen`.
pub fn on(screen: Screen) -> App {
    let mut a = App::new(fx::options(), vec![fx::resumable()]);
    a.identity = Load::Ready(fx::identity());
    a.clusters = Load::Ready(fx::clusters());
    a.cluster_details
        .insert(fx::CLUSTER.into(), Load::Ready(fx::cluster_detail()));
    a.cluster_id = Some(fx::CLUSTER.into());
    a.region = Some(fx::REGION.into());
    a.sources = Load::Ready(fx::sources());
    a.sources_region = Some(fx::REGION.into());
    a.rds_id = Some("rm-t4nmain0001".into());
    let p = fx::prep_view();
    a.applying = p.plan.clone().map(Box::new);
    a.prepared = Load::Ready(Box::new(p));
    a.screen = screen;
    a
}

/// The first screen of a fresh wizard (one resumable setup listed).
pub fn welcome() -> App {
    App::new(fx::options(), vec![fx::resumable()])
}

/// One model per screen (and the states that draw the most), named like the snapshots.
pub fn screens() -> Vec<(&'static str, App)> {
    let mut out = vec![("welcome", welcome())];
    for (name, s) in [
        ("credentials", Screen::Credentials),
        ("cluster", Screen::Cluster),
        ("source", Screen::Source),
        ("checks", Screen::Checks),
        ("plan", Screen::Plan),
    ] {
        out.push((name, on(s)));
    }
    let mut a = on(Screen::Checks);
    a.prepared = Load::Ready(Box::new(fx::prep_view_failing()));
    out.push(("checks_failing", a));
    let mut a = on(Screen::Provisioning);
    a.apply = Some(fx::apply_running());
    a.apply_req = Some(1);
    out.push(("provisioning", a));
    let mut a = on(Screen::Provisioning);
    a.apply = Some(fx::apply_failed());
    out.push(("provisioning_failed", a));
    let mut a = on(Screen::Acceptance);
    a.apply = Some(fx::apply_active());
    out.push(("acceptance", a));
    let mut a = on(Screen::Done);
    a.apply = Some(fx::apply_active());
    out.push(("done", a));
    let mut a = on(Screen::Checks);
    a.help = true;
    out.push(("help_overlay", a));
    out
}
