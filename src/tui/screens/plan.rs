//! Plan: what will be created, adopted or updated, the cost, one confirm.

use super::{Hint, ScreenDef, hint};
use crate::engine::plan::{Action, COST_NOTE};
use crate::tui::app::App;
use crate::tui::widgets::flow::Doc;
use crate::tui::widgets::theme::{POINTER, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// The Plan screen's declaration (`super::def`).
pub const SCREEN: ScreenDef = ScreenDef {
    title: "Plan",
    help: "Everything setup will create, adopt (found by journal or tag) or update. Resources are tagged tilink:setup-id; reruns adopt them. Enter confirms once; with --dry-run nothing is created.",
    hints,
    draw,
    keys,
    scrolls_text: false,
};

fn hints(app: &App) -> Vec<Hint> {
    if app.opts.dry_run {
        return vec![
            hint(&[Key::Accept], "finish the dry run"),
            hint(&[Key::Up, Key::Down], "item detail"),
            hint(&[Key::Back], "back"),
        ];
    }
    vec![
        hint(&[Key::Create], "create"),
        hint(&[Key::Up, Key::Down], "move"),
        hint(&[Key::Back], "back"),
    ]
}

/// Draws the Plan screen: every item whole (details wrap; the list scrolls with markers),
/// then what is billed and the deliberate key that creates.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    let Some(p) = app.prepared.ready().and_then(|p| p.plan.as_ref()) else {
        f.render_widget(
            Paragraph::new(" No plan: go back to the checks (Esc)."),
            area,
        );
        return;
    };
    let zones = p
        .zones
        .iter()
        .map(|z| z.zone.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut d = Doc::new();
    d.push(Line::from(vec![
        Span::raw(" Setup "),
        Span::styled(p.setup_id.clone(), t.value()),
        Span::raw(" in "),
        Span::styled(p.region.clone(), t.value()),
        Span::raw(format!(" · zones {zones}")),
    ]));
    d.push(Line::styled(
        format!(
            " cluster {} → RDS {} ({}:{}); every resource is tagged tilink:setup-id",
            p.cluster_id, p.rds_id, p.backend_ip, p.backend_port
        ),
        t.dim(),
    ));
    // Wide: details in a column; narrower: they continue under the action word.
    let hang = if area.width >= 100 { 39 } else { 9 };
    // The line each item starts on, to tell which are still below the window.
    let mut item_line: Vec<usize> = Vec::with_capacity(p.items.len());
    for (i, it) in p.items.iter().enumerate() {
        item_line.push(d.len());
        let style = match it.action {
            Action::Create => t.ok(),
            Action::Adopt => t.value(),
            Action::Update => t.warn(),
            Action::Keep => t.dim(),
        };
        let sel = i == app.plan_sel;
        let what_style = if sel { t.selected() } else { t.text() };
        let mut spans = vec![
            Span::raw(if sel {
                POINTER.to_string()
            } else {
                "  ".to_string()
            }),
            Span::styled(format!("{:<7}", it.action.word()), style),
            Span::styled(format!("{:<30}", it.what), what_style),
            Span::styled(it.detail.clone(), t.dim()),
        ];
        if let Some(id) = &it.id {
            spans.push(Span::styled(format!(" [{id}]"), t.value()));
        }
        if sel {
            d.focus_start();
        }
        d.push_at(Line::from(spans), hang);
        if sel {
            d.focus_end();
        }
    }

    let mut foot = Doc::new();
    foot.push(Line::styled(format!(" cost: {COST_NOTE}"), t.dim()));
    foot.push(if app.opts.dry_run {
        Line::from(vec![
            Span::styled(" Dry run: ", t.warn()),
            Span::raw("nothing will be created. Enter prints this plan and exits."),
        ])
    } else if crate::report::no_changes(p).is_some() {
        // Everything exists as planned: nothing is created or billed anew.
        Line::from(vec![
            Span::styled(" No changes: ", t.heading()),
            Span::raw("the chain exists and is as planned. "),
            Span::styled("c", t.key()),
            Span::raw(" checks it to the end · "),
            Span::styled("Esc", t.key()),
            Span::raw(" back"),
        ])
    } else if app.opts.sandbox {
        Line::from(vec![
            Span::styled(" Create these resources? ", t.heading()),
            Span::raw("Sandbox: nothing is billed. "),
            Span::styled("Enter", t.key()),
            Span::raw(" or "),
            Span::styled("c", t.key()),
            Span::raw(" creates · "),
            Span::styled("Esc", t.key()),
            Span::raw(" back"),
        ])
    } else {
        // What `c` would create that is not on screen yet is named on the line with `c`
        // (issue 27 #4: at 80×24, 3 of 8 items were hidden, the allowlist change among them).
        let reserve = foot.height(area.width) + 4;
        let below = d.lines_below(area.width, area.height.saturating_sub(reserve), app.scroll);
        let unseen: Vec<&str> = p
            .items
            .iter()
            .zip(&item_line)
            .filter(|(_, at)| below.contains(at))
            .map(|(it, _)| it.what.as_str())
            .collect();
        let mut spans = vec![
            Span::styled(" Create these resources? ", t.heading()),
            Span::raw("The Internal NLB bills from creation. "),
        ];
        // Named when few; counted when many (a small window has no room for the names).
        match unseen.len() {
            0 => {}
            1..=3 => spans.push(Span::styled(
                format!(
                    "{} more below ({}; ↓ to read). ",
                    unseen.len(),
                    unseen.join(", ")
                ),
                t.warn(),
            )),
            n => spans.push(Span::styled(
                format!("{n} of the {} items are below (↓ to read). ", p.items.len()),
                t.warn(),
            )),
        }
        spans.extend([
            Span::raw("Press "),
            Span::styled("c", t.key()),
            Span::raw(" to create · "),
            Span::styled("Esc", t.key()),
            Span::raw(" back"),
        ]);
        Line::from(spans)
    });
    let w = area.width;
    let foot_h = foot.height(w) + 1;
    let [items_area, foot_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(foot_h)]).areas(area);
    d.shift(app.scroll).render(f, items_area, t.dim());
    let block = Block::default().borders(Borders::TOP).border_style(t.dim());
    let inner = block.inner(foot_area);
    f.render_widget(block, foot_area);
    foot.render(f, inner, t.dim());
}

// ── keys ──

use crate::tui::app::update::step_sel;
use crate::tui::app::*;
use crate::tui::keymap::Action as Key;

/// Keys on this screen.
pub(crate) fn keys(app: &mut App, a: Key) -> Vec<Effect> {
    let len = app
        .prepared
        .ready()
        .and_then(|p| p.plan.as_ref())
        .map_or(0, |p| p.items.len());
    match a {
        Key::Up | Key::Down | Key::Next => {
            app.plan_sel = step_sel(app.plan_sel, len, a != Key::Up);
            Vec::new()
        }
        // In the sandbox nothing is billed, so Enter creates there too.
        Key::Accept if !app.opts.dry_run && !app.opts.yes && !app.opts.sandbox => {
            app.note = Some(
                "Enter does not create: press c to create these resources (the NLB bills from creation), Esc to go back"
                    .into(),
            );
            Vec::new()
        }
        Key::Accept | Key::Create => {
            if a == Key::Create && app.opts.dry_run {
                app.note = Some("dry run: nothing is created; Enter prints the plan".into());
                return Vec::new();
            }
            let Some(p) = app.prepared.ready() else {
                return Vec::new();
            };
            let Some(plan) = p.plan.clone() else {
                return Vec::new();
            };
            if app.opts.dry_run {
                let text = crate::report::render_plan(&plan);
                app.finish(
                    false,
                    Some(format!("{text}dry run: nothing was created")),
                    None,
                );
                return Vec::new();
            }
            let journal = p.journal.clone();
            app.start_apply(plan, journal)
        }
        Key::Back => app.enter(Screen::Checks),
        _ => Vec::new(),
    }
}
