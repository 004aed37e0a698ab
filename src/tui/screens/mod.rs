//! One module per screen: each draws the model into the body area.

pub mod acceptance;
pub mod checks;
pub mod cluster;
pub mod credentials;
pub mod doctor;
pub mod done;
pub mod plan;
pub mod provisioning;
pub mod source;
pub mod welcome;

use super::app::{App, Screen};
use super::widgets::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Draws the current screen's body.
pub fn draw(f: &mut Frame, area: Rect, app: &App, t: &Theme) {
    match app.screen {
        Screen::Welcome => welcome::draw(f, area, app, t),
        Screen::Credentials => credentials::draw(f, area, app, t),
        Screen::Cluster => cluster::draw(f, area, app, t),
        Screen::Source => source::draw(f, area, app, t),
        Screen::Checks => checks::draw(f, area, app, t),
        Screen::Plan => plan::draw(f, area, app, t),
        Screen::Provisioning => provisioning::draw(f, area, app, t),
        Screen::Acceptance => acceptance::draw(f, area, app, t),
        Screen::Done => done::draw(f, area, app, t),
        Screen::Doctor => doctor::draw(f, area, app, t),
    }
}

/// Footer key hints for the current state.
pub fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&'static str, &'static str)> = match app.screen {
        Screen::Welcome => vec![("Enter", "choose"), ("↑↓", "move")],
        Screen::Credentials => vec![("Enter", "continue"), ("r", "check again"), ("Esc", "back")],
        Screen::Cluster | Screen::Source => vec![
            ("Enter", "pick"),
            ("↑↓", "move"),
            ("r", "retry"),
            ("Esc", "back"),
        ],
        Screen::Checks => vec![
            ("Enter", "see the plan"),
            ("↑↓", "check details"),
            ("r", "re-check"),
            ("Esc", "back"),
        ],
        Screen::Plan if app.opts.dry_run => vec![
            ("Enter", "finish the dry run"),
            ("↑↓", "item detail"),
            ("Esc", "back"),
        ],
        Screen::Plan => vec![("Enter", "create"), ("↑↓", "item detail"), ("Esc", "back")],
        Screen::Provisioning => match app.apply.as_ref().and_then(|m| m.outcome.as_ref()) {
            Some(Ok(())) => vec![("Enter", "see the acceptance")],
            Some(Err(_)) => vec![("r", "retry from where it stopped")],
            None => vec![],
        },
        Screen::Acceptance => vec![("Enter", "summary"), ("Esc", "back")],
        Screen::Done => vec![("Enter", "exit")],
        Screen::Doctor if app.doctor_confirm.is_some() => {
            vec![("y", "apply the fix"), ("n", "cancel")]
        }
        Screen::Doctor => vec![
            ("↑↓", "check details"),
            ("f", "fix"),
            ("r", "run again"),
            ("Esc", "back"),
        ],
    };
    v.push(("?", "help"));
    v.push(("q", "quit"));
    v
}

/// What the current screen is for, shown in the help overlay.
pub fn help(s: Screen) -> &'static str {
    match s {
        Screen::Welcome => {
            "tilink builds the chain TiDB Cloud → PrivateLink → internal NLB → RDS for MySQL. Pick \"Set up\" for a new link, or resume a setup that stopped: its journal keeps every id, so nothing is created twice."
        }
        Screen::Credentials => {
            "Where each key came from (flag, environment, aliyun/ticloud profile or keyring) and a live check: STS GetCallerIdentity for Alibaba Cloud and the cluster list for TiDB Cloud. Nothing is written."
        }
        Screen::Cluster => {
            "Clusters the TiDB Cloud key can see. Only ACTIVE Essential clusters on Alibaba Cloud can use an Alibaba Cloud endpoint service; others are greyed with the reason. The panel shows the TiDB Cloud account id and zones the link must overlap."
        }
        Screen::Source => {
            "RDS instances in the cluster's region (cross-region links are not supported). The source must be a running MySQL primary in a VPC; others are greyed with the reason."
        }
        Screen::Checks => {
            "Read-only pre-flight checks, failures first. ↑↓ shows each check's evidence and fix. The grid shows which zones work for TiDB Cloud, NLB and PrivateLink and have a vSwitch with ≥8 free IPs; ◆ marks the zones the NLB will use."
        }
        Screen::Plan => {
            "Everything setup will create, adopt (found by journal or tag) or update. Resources are tagged tilink:setup-id; reruns adopt them. Enter confirms once; with --dry-run nothing is created."
        }
        Screen::Provisioning => {
            "Steps run as soon as their inputs exist. Every id is written to the journal the moment it exists: q stops safely and `tilink setup --resume <setup-id>` continues."
        }
        Screen::Acceptance => {
            "tilink accepts only the request whose owner is TiDB Cloud's account and whose endpoint id is the one the private link connection reports. Anything else is shown and left alone."
        }
        Screen::Done => {
            "The private link connection is ACTIVE. Use its id in changefeeds and DM; doctor re-checks the whole chain; teardown deletes only what this setup created."
        }
        Screen::Doctor => {
            "Doctor walks each private link connection from TiDB Cloud to RDS and checks every link, read-only. Failing checks carry their evidence and fix; `tilink doctor --cluster-id <id> --fix` applies the safe fixes after showing each one."
        }
    }
}
