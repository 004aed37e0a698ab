//! Layout that never loses information: every screen at 80×24 and at the 60×16 minimum
//! shows every value whole (wrapped or moved to its own row, never cut with `…`), commands
//! whole and copyable, and a marker wherever rows are scrolled out of view.

use super::app::{App, Load, Screen};
use super::bench_support::{self, on};
use super::fixtures as fx;
use super::view;
use crate::engine::journal::IdKind;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn rows(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| view::draw(f, app)).expect("draw");
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

/// Every ready screen the wizard has (the benchmarks' models, less the help overlay, which
/// covers the screen on purpose), plus ACTIVE and the doctor.
fn screens() -> Vec<(&'static str, App)> {
    let mut v: Vec<(&'static str, App)> = bench_support::screens()
        .into_iter()
        .filter(|(name, _)| *name != "help_overlay")
        .collect();
    let mut a = on(Screen::Provisioning);
    a.apply = Some(fx::apply_active());
    v.push(("provisioning_active", a));
    let mut a = App::new(fx::options(), vec![]);
    a.screen = Screen::Doctor;
    a.troubleshoot = true;
    a.doctor = Load::Ready(vec![fx::doctor_report()]);
    a.doctor_sel = a.doctor_first_problem();
    v.push(("doctor", a));
    v
}

/// Values a DBA copies: ids, names, the setup id.
fn values() -> Vec<String> {
    let a = fx::apply_active();
    let r = a.ids().clone();
    let mut v: Vec<String> = r
        .recorded()
        .filter(|(k, _)| *k != IdKind::EndpointServiceName)
        .map(|(_, id)| id.to_string())
        .collect();
    v.extend(
        [
            fx::CLUSTER,
            fx::SETUP,
            "rm-t4nmain0001",
            "vpc-t4nfixture0123456789",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    v
}

fn scrolled(rows: &[String]) -> bool {
    rows.iter()
        .any(|r| (r.contains(" ↓ ") || r.contains(" ↑ ")) && r.contains(" more"))
}

#[test]
fn nothing_is_cut_at_80x24_or_at_the_minimum() {
    let mut problems = Vec::new();
    for (name, app) in screens() {
        let wide = rows(&app, 120, 40).join("\n");
        for (w, h) in [(80, 24), (view::MIN_WIDTH, view::MIN_HEIGHT)] {
            let got = rows(&app, w, h);
            for (i, r) in got.iter().enumerate() {
                if r.contains('…') {
                    problems.push(format!("{name} {w}×{h} row {i} is cut: {r:?}"));
                }
            }
            for v in values() {
                if wide.contains(&v) && !got.iter().any(|r| r.contains(&v)) && !scrolled(&got) {
                    problems.push(format!("{name} {w}×{h} lost {v}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn wrapped_text_keeps_its_indentation() {
    // A wrapped row never starts at column 0 under an indented line.
    for (name, app) in screens() {
        let got = rows(&app, 80, 24);
        for pair in got.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let indented = a.starts_with(' ') && !a.trim().is_empty();
            let flush = b.chars().next().is_some_and(char::is_alphanumeric);
            assert!(!(indented && flush), "{name}: {a:?} then {b:?}");
        }
    }
}

#[test]
fn the_done_screen_prints_each_command_whole() {
    let mut a = on(Screen::Done);
    a.apply = Some(fx::apply_active());
    let want = [
        format!("tilink doctor --cluster-id {}", fx::CLUSTER),
        format!(
            "tilink teardown --cluster-id {} --setup {}",
            fx::CLUSTER,
            fx::SETUP
        ),
        format!(
            "tilink export terraform --cluster-id {} --setup {}",
            fx::CLUSTER,
            fx::SETUP
        ),
    ];
    for (w, h) in [(120, 40), (80, 24), (view::MIN_WIDTH, view::MIN_HEIGHT)] {
        // A command is one row, or rows joined by a trailing ` \` (what a shell reads);
        // PgDn brings the commands into view where they do not fit.
        let mut cmds = Vec::new();
        let mut cur = String::new();
        let mut seen = Vec::new();
        for shift in [0, 8, 200] {
            a.scroll = shift;
            seen.extend(rows(&a, w, h));
        }
        for r in seen {
            let t = r.trim();
            if let Some(head) = t.strip_suffix('\\') {
                cur.push_str(head.trim_end());
                cur.push(' ');
            } else if !cur.is_empty() {
                cur.push_str(t);
                cmds.push(std::mem::take(&mut cur));
            } else if t.starts_with("tilink ") {
                cmds.push(t.to_string());
            }
        }
        for c in &want {
            assert!(cmds.contains(c), "{w}×{h}: {c:?} not whole in {cmds:#?}");
        }
    }
}

#[test]
fn pgdn_reaches_what_does_not_fit_and_the_markers_count_it() {
    // Done at the 60×16 minimum: the commands are below the fold until PgDn.
    let mut a = on(Screen::Done);
    a.apply = Some(fx::apply_active());
    let top = rows(&a, view::MIN_WIDTH, view::MIN_HEIGHT);
    assert!(
        top.iter().any(|r| r.contains("↓ ") && r.contains(" more")),
        "{top:#?}"
    );
    assert!(!top.iter().any(|r| r.contains("tilink teardown")));
    use crate::tui::app::update;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |c| crate::tui::app::Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let mut bottom = rows(&a, view::MIN_WIDTH, view::MIN_HEIGHT);
    for _ in 0..20 {
        if bottom.iter().any(|r| r.contains("tilink teardown")) {
            break;
        }
        update::update(&mut a, key(KeyCode::PageDown));
        bottom = rows(&a, view::MIN_WIDTH, view::MIN_HEIGHT);
    }
    assert!(
        bottom.iter().any(|r| r.contains("tilink teardown")),
        "{bottom:#?}"
    );
    assert!(
        bottom
            .iter()
            .any(|r| r.contains("↑ ") && r.contains(" more"))
    );
    // ↑ on a screen with nothing to pick scrolls back.
    for _ in 0..40 {
        update::update(&mut a, key(KeyCode::Up));
    }
    assert_eq!(rows(&a, view::MIN_WIDTH, view::MIN_HEIGHT), top);
}
