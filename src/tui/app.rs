//! The wizard's model and its pure transition function: `update(&mut App, Msg) -> Vec<Effect>`.
//! No I/O and no `.await` here; the runtime ([`super::event_loop`]) runs the effects and
//! feeds their results back as messages tagged with the request id that asked for them,
//! so a result for a screen the user has left is dropped.

use super::keymap::{Action, action};
use crate::engine::apply::{ApplyModel, Step, StepStatus};
use crate::engine::check::{Check, Status, all_ok};
use crate::engine::discover::{Discovery, RdsCandidate};
use crate::engine::doctor::{Fix, Report};
use crate::engine::facts::{ClusterInfo, TidbZones};
use crate::engine::journal::{Journal, SetupState};
use crate::engine::plan::Plan;
use crate::engine::zones::{ZoneAnalysis, ZoneError};
use ratatui::crossterm::event::KeyEvent;
use std::collections::BTreeMap;

/// The wizard's screens, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Screen {
    /// Set up / resume / troubleshoot.
    Welcome,
    /// Where the keys came from, validated live.
    Credentials,
    /// Pick the TiDB Cloud cluster.
    Cluster,
    /// Pick the RDS instance.
    Source,
    /// Pre-flight checks and the zone overlap.
    Checks,
    /// What will be created; one confirm.
    Plan,
    /// Apply, step by step.
    Provisioning,
    /// The connection request that was accepted (and any that were not).
    Acceptance,
    /// ACTIVE: ids and next commands.
    Done,
    /// Troubleshooting: doctor's report on the cluster's existing links.
    Doctor,
}

impl Screen {
    /// Every screen, in order.
    pub const ALL: [Screen; 9] = [
        Screen::Welcome,
        Screen::Credentials,
        Screen::Cluster,
        Screen::Source,
        Screen::Checks,
        Screen::Plan,
        Screen::Provisioning,
        Screen::Acceptance,
        Screen::Done,
    ];

    /// Title shown in the header.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Welcome => "Welcome",
            Screen::Credentials => "Credentials",
            Screen::Cluster => "TiDB Cloud cluster",
            Screen::Source => "Source RDS instance",
            Screen::Checks => "Pre-flight checks",
            Screen::Plan => "Plan",
            Screen::Provisioning => "Provisioning",
            Screen::Acceptance => "Connection acceptance",
            Screen::Done => "Done",
            Screen::Doctor => "Doctor",
        }
    }

    /// 1-based position (doctor's path is Welcome → Credentials → Cluster → Doctor).
    pub fn number(self) -> usize {
        match self {
            Screen::Doctor => 4,
            s => Screen::ALL.iter().position(|x| *x == s).unwrap_or(0) + 1,
        }
    }
}

/// Something the screen is waiting for.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Load<T> {
    /// Not asked for.
    #[default]
    Idle,
    /// Asked for with this request id.
    Loading(u64),
    /// Here.
    Ready(T),
    /// Failed; shown with its fix, `r` retries.
    Failed(UiError),
}

impl<T> Load<T> {
    /// The value, when ready.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(t) => Some(t),
            _ => None,
        }
    }

    /// True while a request is out.
    pub fn is_loading(&self) -> bool {
        matches!(self, Load::Loading(_))
    }

    /// True when it must be (re)requested.
    pub fn needs_request(&self) -> bool {
        matches!(self, Load::Idle | Load::Failed(_))
    }

    /// True when `req` is the request this slot waits for.
    fn awaits(&self, req: u64) -> bool {
        matches!(self, Load::Loading(r) if *r == req)
    }

    fn settle<E: Into<UiError>>(&mut self, req: u64, r: Result<T, E>) -> bool {
        if !self.awaits(req) {
            return false;
        }
        *self = match r {
            Ok(t) => Load::Ready(t),
            Err(e) => Load::Failed(e.into()),
        };
        true
    }
}

/// An error as the user sees it: what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiError {
    /// What happened.
    pub message: String,
    /// What to do about it.
    pub fix: Option<String>,
}

impl UiError {
    /// An error with a fix.
    pub fn new(message: impl Into<String>, fix: impl Into<String>) -> Self {
        UiError {
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
}

impl From<String> for UiError {
    fn from(message: String) -> Self {
        UiError { message, fix: None }
    }
}

/// Answers given up front by flags (or by the sandbox) and facts about the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// No colours: meaning is carried by symbols.
    pub no_color: bool,
    /// Running against the built-in simulator.
    pub sandbox: bool,
    /// Where the Alibaba Cloud key came from.
    pub alibaba_source: String,
    /// Where the TiDB Cloud key came from.
    pub tidb_source: String,
    /// `--region`.
    pub region: Option<String>,
    /// Cluster to highlight (`--cluster-id` or the sandbox's).
    pub cluster_id: Option<String>,
    /// RDS instance to highlight (`--rds-instance` or the sandbox's).
    pub rds_id: Option<String>,
    /// `--accept-endpoint`.
    pub accept_endpoint: Option<String>,
    /// `--zones`.
    pub zones: Vec<String>,
    /// `--name`.
    pub name: Option<String>,
    /// `--dry-run`: show the plan and stop.
    pub dry_run: bool,
    /// `--resume`: highlight this unfinished setup.
    pub resume: Option<String>,
    /// `--yes`: the line mode creates without asking.
    pub yes: bool,
}

/// An unfinished setup found in the journal store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumable {
    /// `tl-…`.
    pub setup_id: String,
    /// Cluster.
    pub cluster_id: String,
    /// RDS instance.
    pub rds_id: String,
    /// Region.
    pub region: String,
    /// In progress or failed.
    pub state: SetupState,
    /// Steps done.
    pub done: usize,
    /// Why it stopped.
    pub last_error: Option<String>,
}

impl Resumable {
    /// Unfinished setups among `journals` (newest first, as the store lists them).
    pub fn from_journals(journals: &[Journal]) -> Vec<Resumable> {
        journals
            .iter()
            .filter(|j| matches!(j.state, SetupState::InProgress | SetupState::Failed))
            .map(|j| Resumable {
                setup_id: j.setup_id.clone(),
                cluster_id: j.cluster_id.clone(),
                rds_id: j.rds_instance_id.clone(),
                region: j.region.clone(),
                state: j.state,
                done: j.done.len(),
                last_error: j.last_error.clone(),
            })
            .collect()
    }
}

/// Who the Alibaba Cloud key belongs to (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Account id.
    pub account_id: String,
    /// Caller ARN.
    pub arn: String,
}

/// A cluster in the picker and why it cannot be used.
pub type ClusterChoice = (ClusterInfo, Option<String>);

/// A cluster's private-link facts (`discover_cluster`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterDetail {
    /// The cluster.
    pub info: ClusterInfo,
    /// TiDB Cloud's account id and zones.
    pub zones: TidbZones,
}

/// Everything `engine::prepare` found, without the clients.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepView {
    /// What was found.
    pub discovery: Discovery,
    /// The zone computation.
    pub zones: Result<ZoneAnalysis, ZoneError>,
    /// Pre-flight checks, failures first.
    pub checks: Vec<Check>,
    /// The plan when every check passed.
    pub plan: Option<Plan>,
    /// The journal apply continues.
    pub journal: Journal,
}

/// How the wizard ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Stopped before the end (the user quit or declined): the driver exits 130.
    pub interrupted: bool,
    /// Printed to stdout after the terminal is restored (the summary).
    pub summary: Option<String>,
    /// Printed to stderr after the terminal is restored (why it stopped, how to resume).
    pub message: Option<String>,
}

/// The wizard's whole state. Rendering reads only this.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// Flags and facts about the run.
    pub opts: Options,
    /// Current screen.
    pub screen: Screen,
    /// Help overlay shown.
    pub help: bool,
    /// "Stop provisioning?" shown.
    pub confirm_quit: bool,
    /// Spinner frame (ticks since start).
    pub frame: u64,
    /// A one-line note for the current screen (why Enter did nothing, …).
    pub note: Option<String>,
    next_req: u64,
    /// Highlighted entry on Welcome.
    pub welcome_sel: usize,
    /// Unfinished setups.
    pub resumable: Vec<Resumable>,
    /// The setup being resumed.
    pub resuming: Option<String>,
    /// STS identity.
    pub identity: Load<Identity>,
    /// Clusters visible to the TiDB key.
    pub clusters: Load<Vec<ClusterChoice>>,
    /// Highlighted cluster.
    pub cluster_sel: usize,
    /// Cluster facts by id.
    pub cluster_details: BTreeMap<String, Load<ClusterDetail>>,
    /// The picked cluster.
    pub cluster_id: Option<String>,
    /// Region of the picked cluster (or `--region`, or the resumed journal's).
    pub region: Option<String>,
    /// RDS instances of `sources_region`.
    pub sources: Load<Vec<RdsCandidate>>,
    /// Region `sources` were listed in.
    pub sources_region: Option<String>,
    /// Highlighted RDS instance.
    pub source_sel: usize,
    /// The picked RDS instance.
    pub rds_id: Option<String>,
    /// Discovery, checks and plan.
    pub prepared: Load<Box<PrepView>>,
    /// Highlighted check.
    pub check_sel: usize,
    /// Highlighted plan item (its full detail is shown).
    pub plan_sel: usize,
    /// The apply run, as last reported.
    pub apply: Option<ApplyModel>,
    /// Request id of the apply run in flight.
    pub apply_req: Option<u64>,
    /// The plan being applied.
    pub applying: Option<Box<Plan>>,
    /// Stop requested; waiting for the run to save the journal.
    pub stopping: bool,
    /// Set when the wizard is over.
    pub exit: Option<Outcome>,
    /// Troubleshooting instead of setting up (Welcome's second entry).
    pub troubleshoot: bool,
    /// Doctor's reports.
    pub doctor: Load<Vec<Report>>,
    /// Highlighted check, counted across every report.
    pub doctor_sel: usize,
    /// The fix waiting for an explicit `y` (doctor screen).
    pub doctor_confirm: Option<Fix>,
    /// `frame` when the running doctor walk (or fix) started, for its elapsed time.
    pub doctor_since: u64,
}

/// Messages into the wizard.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// Spinner tick (~8 Hz).
    Tick,
    /// STS GetCallerIdentity answered.
    Identity {
        /// Request id.
        req: u64,
        /// Result.
        result: Result<Identity, UiError>,
    },
    /// The cluster list answered.
    Clusters {
        /// Request id.
        req: u64,
        /// Result.
        result: Result<Vec<ClusterChoice>, UiError>,
    },
    /// `discover_cluster` answered.
    ClusterDetail {
        /// Request id.
        req: u64,
        /// Cluster id.
        id: String,
        /// Result.
        result: Result<ClusterDetail, UiError>,
    },
    /// The RDS list answered.
    Sources {
        /// Request id.
        req: u64,
        /// Result.
        result: Result<Vec<RdsCandidate>, UiError>,
    },
    /// `prepare` answered.
    Prepared {
        /// Request id.
        req: u64,
        /// Result.
        result: Result<Box<PrepView>, UiError>,
    },
    /// Doctor's reports on the cluster's links.
    Doctor {
        /// Request id.
        req: u64,
        /// Result.
        result: Result<Vec<Report>, UiError>,
        /// The fix applied before this walk, and how it went.
        fixed: Option<Result<String, String>>,
    },
    /// A snapshot of the apply run.
    Apply {
        /// Request id.
        req: u64,
        /// The model.
        model: Box<ApplyModel>,
    },
    /// The apply run ended (final model).
    ApplyFinished {
        /// Request id.
        req: u64,
        /// The model.
        model: Box<ApplyModel>,
    },
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// STS GetCallerIdentity.
    CheckIdentity {
        /// Request id.
        req: u64,
    },
    /// `cluster_candidates`.
    ListClusters {
        /// Request id.
        req: u64,
    },
    /// `discover_cluster`.
    DescribeCluster {
        /// Request id.
        req: u64,
        /// Cluster id.
        id: String,
    },
    /// `rds_candidates` in a region.
    ListSources {
        /// Request id.
        req: u64,
        /// Region.
        region: String,
    },
    /// `engine::prepare::prepare`.
    Prepare {
        /// Request id.
        req: u64,
        /// Cluster.
        cluster_id: String,
        /// RDS instance.
        rds_id: String,
        /// `--zones`.
        zones: Vec<String>,
        /// `--name`.
        name: Option<String>,
        /// Setup to resume.
        resume: Option<String>,
        /// `--region`.
        region: Option<String>,
    },
    /// `engine::apply::run_apply`.
    StartApply {
        /// Request id.
        req: u64,
        /// The plan.
        plan: Box<Plan>,
        /// The journal to continue.
        journal: Box<Journal>,
    },
    /// Run doctor on every private link connection of a cluster.
    Doctor {
        /// Request id.
        req: u64,
        /// Cluster.
        cluster_id: String,
        /// The cluster's region.
        region: String,
    },
    /// Apply one doctor fix, then walk the cluster's links again.
    DoctorFix {
        /// Request id.
        req: u64,
        /// Cluster.
        cluster_id: String,
        /// The cluster's region.
        region: String,
        /// The fix.
        fix: Box<Fix>,
    },
    /// Stop the apply run (journal is saved).
    CancelApply,
    /// Abort the task of a request the user walked away from.
    Abort {
        /// Request id.
        req: u64,
    },
}

/// Welcome's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WelcomeItem {
    /// Start a new setup.
    New,
    /// Resume the unfinished setup at this index.
    Resume(usize),
    /// Doctor.
    Troubleshoot,
}

/// The note shown on the doctor screen about repairs.
pub const DOCTOR_NOTE: &str =
    "f applies the highlighted check's fix (it asks first, then re-checks); r re-checks.";

impl App {
    /// A new wizard on the Welcome screen.
    pub fn new(opts: Options, resumable: Vec<Resumable>) -> App {
        // A sandbox world lives only as long as its process: nothing from before can resume.
        let resumable = if opts.sandbox { Vec::new() } else { resumable };
        let welcome_sel = opts
            .resume
            .as_ref()
            .and_then(|id| resumable.iter().position(|r| &r.setup_id == id))
            .map(|i| i + 1)
            .unwrap_or(0);
        App {
            opts,
            screen: Screen::Welcome,
            help: false,
            confirm_quit: false,
            frame: 0,
            note: None,
            next_req: 0,
            welcome_sel,
            resumable,
            resuming: None,
            identity: Load::Idle,
            clusters: Load::Idle,
            cluster_sel: 0,
            cluster_details: BTreeMap::new(),
            cluster_id: None,
            region: None,
            sources: Load::Idle,
            sources_region: None,
            source_sel: 0,
            rds_id: None,
            prepared: Load::Idle,
            check_sel: 0,
            plan_sel: 0,
            apply: None,
            apply_req: None,
            applying: None,
            stopping: false,
            exit: None,
            troubleshoot: false,
            doctor: Load::Idle,
            doctor_sel: 0,
            doctor_confirm: None,
            doctor_since: 0,
        }
    }

    /// Welcome's entries, in display order.
    pub fn welcome_items(&self) -> Vec<WelcomeItem> {
        let mut v = vec![WelcomeItem::New];
        v.extend((0..self.resumable.len()).map(WelcomeItem::Resume));
        v.push(WelcomeItem::Troubleshoot);
        v
    }

    /// The highlighted cluster.
    pub fn highlighted_cluster(&self) -> Option<&ClusterChoice> {
        self.clusters.ready()?.get(self.cluster_sel)
    }

    /// The highlighted RDS instance.
    pub fn highlighted_source(&self) -> Option<&RdsCandidate> {
        self.sources.ready()?.get(self.source_sel)
    }

    /// True while the apply run is in flight.
    pub fn applying_now(&self) -> bool {
        self.apply_req.is_some() && !self.apply.as_ref().is_some_and(ApplyModel::finished)
    }

    /// The setup id in play (plan, apply or resume).
    pub fn setup_id(&self) -> Option<&str> {
        if let Some(m) = &self.apply {
            return Some(&m.journal.setup_id);
        }
        if let Some(p) = self.prepared.ready().and_then(|p| p.plan.as_ref()) {
            return Some(&p.setup_id);
        }
        self.resuming.as_deref()
    }

    fn req(&mut self) -> u64 {
        self.next_req += 1;
        self.next_req
    }

    /// Moves to `s`, closing overlays and asking for what it shows.
    fn enter(&mut self, s: Screen) -> Vec<Effect> {
        self.screen = s;
        self.help = false;
        self.note = None;
        let mut fx = Vec::new();
        match s {
            Screen::Credentials => {
                if self.identity.needs_request() {
                    let req = self.req();
                    self.identity = Load::Loading(req);
                    fx.push(Effect::CheckIdentity { req });
                }
                fx.extend(self.load_clusters());
            }
            Screen::Cluster => fx.extend(self.load_clusters()),
            Screen::Source => {
                let region = self.region.clone().unwrap_or_default();
                if self.sources.needs_request() || self.sources_region.as_deref() != Some(&region) {
                    let req = self.req();
                    self.sources = Load::Loading(req);
                    self.sources_region = Some(region.clone());
                    fx.push(Effect::ListSources { req, region });
                }
            }
            _ => {}
        }
        fx
    }

    /// Asks doctor about the chosen cluster's links.
    fn start_doctor(&mut self) -> Vec<Effect> {
        let (Some(cluster_id), Some(region)) = (self.cluster_id.clone(), self.region.clone())
        else {
            return Vec::new();
        };
        let req = self.req();
        self.doctor = Load::Loading(req);
        self.doctor_since = self.frame;
        self.doctor_sel = 0;
        self.note = None;
        vec![Effect::Doctor {
            req,
            cluster_id,
            region,
        }]
    }

    /// Where the doctor screen starts: the first failure (a root cause, the checks being
    /// listed causes first), else the first link that could not be checked, else the top.
    pub fn doctor_first_problem(&self) -> usize {
        let checks = self
            .doctor
            .ready()
            .map(|r| r.iter().flat_map(|x| x.checks.iter()).collect::<Vec<_>>())
            .unwrap_or_default();
        checks
            .iter()
            .position(|c| c.status == crate::engine::check::Status::Fail)
            .or_else(|| {
                checks
                    .iter()
                    .position(|c| c.status == crate::engine::check::Status::Unknown)
            })
            .unwrap_or(0)
    }

    /// The fix doctor can apply for the highlighted check, if any.
    pub fn doctor_fix(&self) -> Option<&Fix> {
        let (r, c) = self.doctor_selected()?;
        r.fixes.iter().find(|f| f.check_id() == c.id)
    }

    /// The check highlighted on the doctor screen, with its report.
    pub fn doctor_selected(&self) -> Option<(&Report, &Check)> {
        let mut i = self.doctor_sel;
        for r in self.doctor.ready()? {
            if i < r.checks.len() {
                return Some((r, &r.checks[i]));
            }
            i -= r.checks.len();
        }
        None
    }

    fn load_clusters(&mut self) -> Vec<Effect> {
        if !self.clusters.needs_request() {
            return Vec::new();
        }
        let req = self.req();
        self.clusters = Load::Loading(req);
        vec![Effect::ListClusters { req }]
    }

    /// Asks for the highlighted cluster's facts if they are not known.
    fn describe_highlighted(&mut self) -> Vec<Effect> {
        let Some((c, why)) = self.highlighted_cluster() else {
            return Vec::new();
        };
        if why.is_some() {
            return Vec::new();
        }
        let id = c.id.clone();
        if self
            .cluster_details
            .get(&id)
            .is_some_and(|l| !l.needs_request())
        {
            return Vec::new();
        }
        let req = self.req();
        self.cluster_details.insert(id.clone(), Load::Loading(req));
        vec![Effect::DescribeCluster { req, id }]
    }

    fn start_prepare(&mut self) -> Vec<Effect> {
        let (Some(cluster_id), Some(rds_id)) = (self.cluster_id.clone(), self.rds_id.clone())
        else {
            return Vec::new();
        };
        let mut fx = self.abort_prepare();
        let req = self.req();
        self.prepared = Load::Loading(req);
        self.check_sel = 0;
        let resume = self.resuming.clone().filter(|_| {
            self.resumable.iter().any(|r| {
                Some(&r.setup_id) == self.resuming.as_ref()
                    && r.cluster_id == cluster_id
                    && r.rds_id == rds_id
            })
        });
        fx.push(Effect::Prepare {
            req,
            cluster_id,
            rds_id,
            zones: self.opts.zones.clone(),
            name: self.opts.name.clone(),
            resume,
            region: self.opts.region.clone(),
        });
        fx
    }

    fn abort_prepare(&mut self) -> Vec<Effect> {
        match std::mem::take(&mut self.prepared) {
            Load::Loading(req) => vec![Effect::Abort { req }],
            _ => Vec::new(),
        }
    }

    fn start_apply(&mut self, mut plan: Plan, journal: Journal) -> Vec<Effect> {
        plan.accept_endpoint = self.opts.accept_endpoint.clone();
        let req = self.req();
        self.apply_req = Some(req);
        self.apply = Some(ApplyModel::new(journal.clone()));
        self.applying = Some(Box::new(plan.clone()));
        let mut fx = self.enter(Screen::Provisioning);
        fx.push(Effect::StartApply {
            req,
            plan: Box::new(plan),
            journal: Box::new(journal),
        });
        fx
    }

    fn finish(&mut self, interrupted: bool, summary: Option<String>, message: Option<String>) {
        self.exit = Some(Outcome {
            interrupted,
            summary,
            message,
        });
    }

    fn quit_now(&mut self) {
        let active = self
            .apply
            .as_ref()
            .is_some_and(|m| matches!(m.outcome, Some(Ok(()))));
        if active {
            let summary = self.summary();
            self.finish(false, summary, None);
            return;
        }
        let message = match (self.setup_id(), &self.apply) {
            (Some(_), Some(_)) if self.opts.sandbox => {
                "sandbox stopped; the simulated clouds end with this process, so there is nothing to resume (with real clouds: `tilink setup --resume <setup-id>`)".to_string()
            }
            (Some(id), Some(_)) => format!(
                "setup stopped; every id created so far is in the journal. Resume with `tilink setup --resume {id}`"
            ),
            _ => "setup cancelled; nothing was created".to_string(),
        };
        self.finish(true, None, Some(message));
    }

    /// The text printed after the terminal is restored when the link is ACTIVE.
    pub fn summary(&self) -> Option<String> {
        self.apply.as_ref().map(crate::report::active_summary)
    }
}

fn step_sel(sel: usize, len: usize, down: bool) -> usize {
    if len == 0 {
        0
    } else if down {
        (sel + 1).min(len - 1)
    } else {
        sel.saturating_sub(1)
    }
}

/// Index of `want` among the candidates, else the first usable one.
fn default_index<T>(
    items: &[T],
    want: Option<&str>,
    id: impl Fn(&T) -> &str,
    usable: impl Fn(&T) -> bool,
) -> usize {
    want.and_then(|w| items.iter().position(|i| id(i) == w))
        .or_else(|| items.iter().position(&usable))
        .unwrap_or(0)
}

/// The transition function.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick => {
            app.frame = app.frame.wrapping_add(1);
            Vec::new()
        }
        Msg::Key(k) => on_action(app, action(k)),
        Msg::Identity { req, result } => {
            app.identity.settle(req, result);
            Vec::new()
        }
        Msg::Clusters { req, result } => {
            if app.clusters.settle(req, result)
                && let Some(list) = app.clusters.ready()
            {
                app.cluster_sel = default_index(
                    list,
                    app.opts.cluster_id.as_deref(),
                    |c| &c.0.id,
                    |c| c.1.is_none(),
                );
                if app.screen == Screen::Cluster {
                    return app.describe_highlighted();
                }
            }
            Vec::new()
        }
        Msg::ClusterDetail { req, id, result } => {
            if let Some(slot) = app.cluster_details.get_mut(&id) {
                slot.settle(req, result);
            }
            Vec::new()
        }
        Msg::Sources { req, result } => {
            if app.sources.settle(req, result)
                && let Some(list) = app.sources.ready()
            {
                let want = app.rds_id.clone().or_else(|| app.opts.rds_id.clone());
                app.source_sel =
                    default_index(list, want.as_deref(), |r| &r.id, |r| r.unusable.is_none());
            }
            Vec::new()
        }
        Msg::Doctor { req, result, fixed } => {
            if app.doctor.settle(req, result) {
                app.doctor_sel = app.doctor_first_problem();
                app.doctor_confirm = None;
                app.note = match fixed {
                    Some(Ok(what)) => {
                        Some(format!("fix applied: {what}; the links were checked again"))
                    }
                    Some(Err(e)) => {
                        Some(format!("the fix failed: {e}; the links were checked again"))
                    }
                    None => app
                        .doctor
                        .ready()
                        .is_some_and(|r| r.iter().any(|x| !x.fixes.is_empty()))
                        .then(|| DOCTOR_NOTE.to_string()),
                };
            }
            Vec::new()
        }
        Msg::Prepared { req, result } => {
            app.prepared.settle(req, result);
            Vec::new()
        }
        Msg::Apply { req, model } => {
            if app.apply_req == Some(req) {
                app.apply = Some(*model);
            }
            Vec::new()
        }
        Msg::ApplyFinished { req, model } => {
            if app.apply_req != Some(req) {
                return Vec::new();
            }
            app.apply = Some(*model);
            if app.stopping {
                app.stopping = false;
                app.quit_now();
            }
            Vec::new()
        }
    }
}

fn on_action(app: &mut App, a: Action) -> Vec<Effect> {
    if app.confirm_quit {
        match a {
            Action::Yes => {
                app.confirm_quit = false;
                if app.applying_now() {
                    app.stopping = true;
                    app.note = Some("stopping: saving the journal…".into());
                    return vec![Effect::CancelApply];
                }
                app.quit_now();
            }
            Action::No | Action::Back | Action::Accept | Action::Quit => app.confirm_quit = false,
            _ => {}
        }
        return Vec::new();
    }
    if app.help {
        if matches!(a, Action::Help | Action::Back | Action::Accept) {
            app.help = false;
        } else if a == Action::Quit {
            app.help = false;
            return on_action(app, a);
        }
        return Vec::new();
    }
    // A pending doctor fix takes the next key: y applies, anything else cancels.
    if app.screen == Screen::Doctor && app.doctor_confirm.is_some() && a != Action::Quit {
        return doctor(app, a);
    }
    match a {
        Action::Help => {
            app.help = true;
            Vec::new()
        }
        Action::Quit => {
            if app.stopping {
                return Vec::new();
            }
            if app.applying_now() {
                app.confirm_quit = true;
            } else {
                app.quit_now();
            }
            Vec::new()
        }
        Action::None | Action::Yes | Action::No => Vec::new(),
        _ => match app.screen {
            Screen::Welcome => welcome(app, a),
            Screen::Credentials => credentials(app, a),
            Screen::Cluster => cluster(app, a),
            Screen::Source => source(app, a),
            Screen::Checks => checks(app, a),
            Screen::Plan => plan(app, a),
            Screen::Provisioning => provisioning(app, a),
            Screen::Acceptance => match a {
                Action::Accept => app.enter(Screen::Done),
                Action::Back => app.enter(Screen::Provisioning),
                _ => Vec::new(),
            },
            Screen::Done => match a {
                Action::Accept => {
                    app.quit_now();
                    Vec::new()
                }
                Action::Back => app.enter(Screen::Acceptance),
                _ => Vec::new(),
            },
            Screen::Doctor => doctor(app, a),
        },
    }
}

fn welcome(app: &mut App, a: Action) -> Vec<Effect> {
    let items = app.welcome_items();
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.welcome_sel = step_sel(app.welcome_sel, items.len(), a != Action::Up);
            app.note = None;
            Vec::new()
        }
        Action::Accept => match items.get(app.welcome_sel) {
            Some(WelcomeItem::New) => {
                app.resuming = None;
                app.troubleshoot = false;
                app.enter(Screen::Credentials)
            }
            Some(WelcomeItem::Resume(i)) => {
                let Some(r) = app.resumable.get(*i).cloned() else {
                    return Vec::new();
                };
                app.resuming = Some(r.setup_id.clone());
                app.cluster_id = Some(r.cluster_id.clone());
                app.rds_id = Some(r.rds_id.clone());
                app.region = Some(app.opts.region.clone().unwrap_or(r.region.clone()));
                app.opts.cluster_id = Some(r.cluster_id);
                app.opts.rds_id = Some(r.rds_id);
                let mut fx = app.enter(Screen::Checks);
                fx.extend(app.start_prepare());
                fx
            }
            Some(WelcomeItem::Troubleshoot) => {
                app.resuming = None;
                app.troubleshoot = true;
                app.enter(Screen::Credentials)
            }
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn doctor(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app
        .doctor
        .ready()
        .map_or(0, |r| r.iter().map(|x| x.checks.len()).sum());
    // A fix waits for an explicit y; anything else cancels it.
    if let Some(fix) = app.doctor_confirm.take() {
        return match (a, app.cluster_id.clone(), app.region.clone()) {
            (Action::Yes, Some(cluster_id), Some(region)) => {
                let req = app.req();
                app.doctor = Load::Loading(req);
                app.doctor_since = app.frame;
                app.note = Some(format!("applying: {}", fix.describe()));
                vec![Effect::DoctorFix {
                    req,
                    cluster_id,
                    region,
                    fix: Box::new(fix),
                }]
            }
            _ => {
                app.note = Some("fix cancelled; nothing was changed".into());
                Vec::new()
            }
        };
    }
    match a {
        Action::Fix if !app.doctor.is_loading() => {
            match app.doctor_fix().cloned() {
                Some(f) => app.doctor_confirm = Some(f),
                None => {
                    app.note =
                        Some("no automatic fix for this check: its fix line says what to do".into())
                }
            }
            Vec::new()
        }
        Action::Up | Action::Down | Action::Next => {
            app.doctor_sel = step_sel(app.doctor_sel, len, a != Action::Up);
            Vec::new()
        }
        Action::Retry | Action::Accept if !app.doctor.is_loading() => app.start_doctor(),
        Action::Back => {
            let mut fx = Vec::new();
            if let Load::Loading(req) = app.doctor {
                fx.push(Effect::Abort { req });
            }
            app.doctor = Load::Idle;
            fx.extend(app.enter(Screen::Cluster));
            fx
        }
        _ => Vec::new(),
    }
}

fn credentials(app: &mut App, a: Action) -> Vec<Effect> {
    match a {
        Action::Accept => match (&app.identity, &app.clusters) {
            (Load::Ready(_), Load::Ready(_)) => {
                let mut fx = app.enter(Screen::Cluster);
                fx.extend(app.describe_highlighted());
                fx
            }
            (Load::Failed(_), _) | (_, Load::Failed(_)) => {
                app.note = Some(
                    "a credential check failed: fix it (see above) and press r to check again"
                        .into(),
                );
                Vec::new()
            }
            _ => {
                app.note = Some("still checking the keys…".into());
                Vec::new()
            }
        },
        Action::Retry => app.enter(Screen::Credentials),
        Action::Back => app.enter(Screen::Welcome),
        _ => Vec::new(),
    }
}

fn cluster(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app.clusters.ready().map_or(0, Vec::len);
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.cluster_sel = step_sel(app.cluster_sel, len, a != Action::Up);
            app.note = None;
            app.describe_highlighted()
        }
        Action::Accept => {
            let Some((c, why)) = app.highlighted_cluster().cloned() else {
                app.note = Some(if app.clusters.is_loading() {
                    "still listing clusters…".into()
                } else {
                    "no cluster to pick".into()
                });
                return Vec::new();
            };
            if let Some(why) = why {
                app.note = Some(format!("{} cannot be used: {why}", c.name));
                return Vec::new();
            }
            if app.cluster_id.as_deref() != Some(&c.id) {
                app.rds_id = None;
                app.resuming = None;
            }
            app.cluster_id = Some(c.id.clone());
            app.region = Some(app.opts.region.clone().unwrap_or(c.region.clone()));
            if app.troubleshoot {
                let mut fx = app.enter(Screen::Doctor);
                fx.extend(app.start_doctor());
                return fx;
            }
            app.enter(Screen::Source)
        }
        Action::Retry => {
            if matches!(app.clusters, Load::Failed(_)) {
                return app.enter(Screen::Cluster);
            }
            if let Some((c, _)) = app.highlighted_cluster() {
                let id = c.id.clone();
                if matches!(app.cluster_details.get(&id), Some(Load::Failed(_))) {
                    app.cluster_details.remove(&id);
                    return app.describe_highlighted();
                }
            }
            Vec::new()
        }
        Action::Back => app.enter(Screen::Credentials),
        _ => Vec::new(),
    }
}

fn source(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app.sources.ready().map_or(0, Vec::len);
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.source_sel = step_sel(app.source_sel, len, a != Action::Up);
            app.note = None;
            Vec::new()
        }
        Action::Accept => {
            let Some(r) = app.highlighted_source().cloned() else {
                app.note = Some(if app.sources.is_loading() {
                    "still listing RDS instances…".into()
                } else {
                    "no RDS instance to pick in this region".into()
                });
                return Vec::new();
            };
            if let Some(why) = r.unusable {
                app.note = Some(format!("{} cannot be the source: {why}", r.id));
                return Vec::new();
            }
            if app.rds_id.as_deref() != Some(&r.id) {
                app.resuming = None;
            }
            app.rds_id = Some(r.id);
            let mut fx = app.enter(Screen::Checks);
            fx.extend(app.start_prepare());
            fx
        }
        Action::Retry => {
            app.sources = Load::Idle;
            app.enter(Screen::Source)
        }
        Action::Back => app.enter(Screen::Cluster),
        _ => Vec::new(),
    }
}

fn checks(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app.prepared.ready().map_or(0, |p| p.checks.len());
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.check_sel = step_sel(app.check_sel, len, a != Action::Up);
            Vec::new()
        }
        Action::Accept => match &app.prepared {
            Load::Ready(p) if p.plan.is_some() => {
                app.plan_sel = 0;
                app.enter(Screen::Plan)
            }
            Load::Ready(p) => {
                let n = p.checks.iter().filter(|c| c.status == Status::Fail).count();
                app.note = Some(if all_ok(&p.checks) {
                    "no plan could be made from these zones; see zone-overlap".into()
                } else {
                    format!(
                        "{n} check(s) failed: fix them (the fix is under each), then press r to check again"
                    )
                });
                Vec::new()
            }
            Load::Failed(_) => {
                app.note = Some("press r to try again, Esc to pick another instance".into());
                Vec::new()
            }
            _ => {
                app.note = Some("still checking…".into());
                Vec::new()
            }
        },
        Action::Retry => app.start_prepare(),
        Action::Back => {
            let mut fx = app.abort_prepare();
            fx.extend(app.enter(Screen::Source));
            fx
        }
        _ => Vec::new(),
    }
}

fn plan(app: &mut App, a: Action) -> Vec<Effect> {
    let len = app
        .prepared
        .ready()
        .and_then(|p| p.plan.as_ref())
        .map_or(0, |p| p.items.len());
    match a {
        Action::Up | Action::Down | Action::Next => {
            app.plan_sel = step_sel(app.plan_sel, len, a != Action::Up);
            Vec::new()
        }
        Action::Accept => {
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
        Action::Back => app.enter(Screen::Checks),
        _ => Vec::new(),
    }
}

fn provisioning(app: &mut App, a: Action) -> Vec<Effect> {
    let outcome = app.apply.as_ref().and_then(|m| m.outcome.clone());
    match (a, outcome) {
        (Action::Accept, Some(Ok(()))) => app.enter(Screen::Acceptance),
        (Action::Accept, None) => {
            app.note =
                Some("provisioning is running; q stops it (the journal keeps every id)".into());
            Vec::new()
        }
        (Action::Retry, Some(Err(_))) => {
            let (Some(plan), Some(m)) = (app.applying.clone(), app.apply.as_ref()) else {
                return Vec::new();
            };
            let journal = m.journal.clone();
            app.start_apply(*plan, journal)
        }
        (Action::Accept, Some(Err(_))) => {
            app.note = Some("press r to retry from where it stopped (existing resources are adopted), q to quit".into());
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The status of one step, for views.
pub fn step_done(m: &ApplyModel, s: Step) -> bool {
    m.steps
        .get(&s)
        .is_some_and(|r| r.status == StepStatus::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures as fx;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

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
        update(
            a,
            Msg::Identity {
                req: ri,
                result: Ok(fx::identity()),
            },
        );
        update(
            a,
            Msg::Clusters {
                req: rc,
                result: Ok(fx::clusters()),
            },
        );
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
        update(
            &mut a,
            Msg::Doctor {
                req: req + 100,
                result: Ok(vec![]),
                fixed: None,
            },
        );
        assert!(a.doctor.is_loading());
        update(
            &mut a,
            Msg::Doctor {
                req,
                result: Ok(vec![fx::doctor_report()]),
                fixed: None,
            },
        );
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
        update(
            &mut a,
            Msg::Doctor {
                req,
                result: Ok(vec![report.clone()]),
                fixed: None,
            },
        );
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
        update(
            &mut a,
            Msg::Doctor {
                req,
                result: Ok(vec![report]),
                fixed: Some(Ok(fix.describe())),
            },
        );
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
        update(
            &mut a,
            Msg::Identity {
                req: ri,
                result: Err(UiError::new("InvalidAccessKeyId", "check the key")),
            },
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
        update(
            &mut a,
            Msg::Identity {
                req: ri + 100,
                result: Ok(fx::identity()),
            },
        );
        assert!(a.identity.is_loading());
        update(
            &mut a,
            Msg::Identity {
                req: ri,
                result: Ok(fx::identity()),
            },
        );
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
        let [Effect::ListSources { req, region }] = fx.as_slice() else {
            panic!("{fx:?}")
        };
        assert_eq!(region, "ap-southeast-1");
        update(
            &mut a,
            Msg::Sources {
                req: *req,
                result: Ok(fx::sources()),
            },
        );
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
        update(
            &mut a,
            Msg::Prepared {
                req: *req,
                result: Ok(Box::new(fx::prep_view())),
            },
        );
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
        update(
            &mut a,
            Msg::Prepared {
                req,
                result: Ok(Box::new(fx::prep_view())),
            },
        );
        assert_eq!(a.prepared, Load::Idle);
    }

    #[test]
    fn failed_checks_block_the_plan_and_r_reruns() {
        let mut a = at_source();
        update(&mut a, enter());
        let Load::Loading(req) = a.prepared else {
            panic!()
        };
        update(
            &mut a,
            Msg::Prepared {
                req,
                result: Ok(Box::new(fx::prep_view_failing())),
            },
        );
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
        let fx = update(&mut a, enter());
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

    fn provisioning() -> (App, u64) {
        let mut a = at_checks();
        update(&mut a, enter());
        let fx = update(&mut a, enter());
        let [Effect::StartApply { req, .. }] = fx.as_slice() else {
            panic!()
        };
        (a, *req)
    }

    #[test]
    fn quit_while_provisioning_asks_then_cancels_and_says_how_to_resume() {
        let (mut a, req) = provisioning();
        update(
            &mut a,
            Msg::Apply {
                req,
                model: Box::new(fx::apply_running()),
            },
        );
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
        update(
            &mut a,
            Msg::ApplyFinished {
                req,
                model: Box::new(done),
            },
        );
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
        update(
            &mut b,
            Msg::Apply {
                req,
                model: Box::new(fx::apply_running()),
            },
        );
        update(&mut b, key(KeyCode::Char('q')));
        update(&mut b, key(KeyCode::Char('y')));
        let mut done = fx::apply_running();
        done.outcome = Some(Err(crate::engine::apply::Stopped::Interrupted));
        update(
            &mut b,
            Msg::ApplyFinished {
                req,
                model: Box::new(done),
            },
        );
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
        update(
            &mut a,
            Msg::ApplyFinished {
                req,
                model: Box::new(fx::apply_active()),
            },
        );
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
        update(
            &mut a,
            Msg::ApplyFinished {
                req,
                model: Box::new(fx::apply_active()),
            },
        );
        update(&mut a, key(KeyCode::Char('q')));
        assert!(!a.confirm_quit);
        assert_eq!(a.exit.map(|o| o.interrupted), Some(false));
    }

    #[test]
    fn failed_apply_r_retries_with_the_same_journal() {
        let (mut a, req) = provisioning();
        update(
            &mut a,
            Msg::ApplyFinished {
                req,
                model: Box::new(fx::apply_failed()),
            },
        );
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
                    Some("nlb-t4nfixture01")
                );
            }
            other => panic!("{other:?}"),
        }
        // The old run's late snapshot is ignored.
        update(
            &mut a,
            Msg::Apply {
                req,
                model: Box::new(fx::apply_failed()),
            },
        );
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
}
