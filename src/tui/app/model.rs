//! The wizard's state: screens, loads, options, and [`App`] with the transitions every
//! screen shares (entering a screen, starting work, finishing).
//!
//! Size (~650 lines): the state of ten screens is one struct by design (rendering reads
//! only it); the per-screen key handling lives in `screens/`.

use super::messages::Effect;
use crate::engine::apply::ApplyModel;
use crate::engine::check::Check;
use crate::engine::discover::{Discovery, RdsCandidate};
use crate::engine::doctor::{Fix, Report};
use crate::engine::facts::{ClusterInfo, TidbZones};
use crate::engine::journal::{Journal, SetupState};
use crate::engine::plan::Plan;
use crate::engine::zones::{ZoneAnalysis, ZoneError};
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
    /// Answered; the value the screen shows.
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
    pub(crate) fn awaits(&self, req: u64) -> bool {
        matches!(self, Load::Loading(r) if *r == req)
    }

    pub(crate) fn settle<E: Into<UiError>>(&mut self, req: u64, r: Result<T, E>) -> bool {
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
    /// `--no-wait`: the line mode fails at once when another setup of the cluster runs
    /// (the wizard never waits).
    pub no_wait: bool,
    /// After ACTIVE, log in to MySQL through the chain (the sandbox, whose data plane is
    /// reachable from here).
    pub probe: bool,
    /// Lines about non-default endpoints (shown on the Credentials screen).
    pub endpoint_notes: Vec<String>,
}

/// An unfinished setup found in the journal store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumable {
    /// `tl-…`.
    pub setup_id: String,
    /// TiDB Cloud cluster id (digits).
    pub cluster_id: String,
    /// RDS instance.
    pub rds_id: String,
    /// Alibaba Cloud region id the chain lives in (`ap-southeast-1`).
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
    /// Rows the user scrolled the body (PgDn / PgUp; ↑↓ on screens without a list) from
    /// where the highlight puts it.
    pub scroll: isize,
    /// The list filter typed after `/` on the cluster and instance lists.
    pub filter: String,
    /// `/` was pressed: keys type into the filter until Enter or Esc.
    pub filtering: bool,
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
    /// The data-path probe after ACTIVE (`Options::probe`).
    pub data_path: Load<crate::engine::check::Check>,
    /// Highlighted check, counted across every report.
    pub doctor_sel: usize,
    /// The fix waiting for an explicit `y` (doctor screen).
    pub doctor_confirm: Option<Fix>,
    /// `frame` when the running doctor walk (or fix) started, for its elapsed time.
    pub doctor_since: u64,
    /// The setup id of the last plan, with its cluster and instance: a new plan of the same
    /// pair keeps it (one setup id from the first plan to Done).
    pub last_plan: Option<(String, String, String)>,
}

/// Welcome's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WelcomeItem {
    /// Start a new setup.
    New,
    /// Resume the unfinished setup at this index.
    Resume(usize),
    /// "Troubleshoot an existing link": doctor on a cluster's links instead of a setup.
    Troubleshoot,
}

/// Indices of `items` whose text contains `filter` (any case); all when it is empty.
pub fn matching<T>(items: &[T], filter: &str, text: impl Fn(&T) -> String) -> Vec<usize> {
    let f = filter.to_lowercase();
    items
        .iter()
        .enumerate()
        .filter(|(_, i)| f.is_empty() || text(i).to_lowercase().contains(&f))
        .map(|(n, _)| n)
        .collect()
}

/// The next highlighted index among `visible` (the first when `sel` is filtered out).
pub fn step_visible(sel: usize, visible: &[usize], down: bool) -> usize {
    match visible.iter().position(|&i| i == sel) {
        None => visible.first().copied().unwrap_or(sel),
        Some(p) if down => visible[(p + 1).min(visible.len() - 1)],
        Some(p) => visible[p.saturating_sub(1)],
    }
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
            filter: String::new(),
            filtering: false,
            scroll: 0,
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
            data_path: Load::Idle,
            doctor_sel: 0,
            doctor_confirm: None,
            doctor_since: 0,
            last_plan: None,
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
    /// After ACTIVE (with `Options::probe`): a MySQL login through the new chain.
    pub(crate) fn start_probe(&mut self) -> Vec<Effect> {
        let Some(m) = &self.apply else {
            return Vec::new();
        };
        if !self.opts.probe || !matches!(m.outcome, Some(Ok(()))) {
            return Vec::new();
        }
        let r = m.ids();
        let (Some(lb), Some(lsn)) = (r.load_balancer_id.clone(), r.listener_id.clone()) else {
            return Vec::new();
        };
        let (region, cluster_id) = (m.journal.region.clone(), m.journal.cluster_id.clone());
        let req = self.req();
        self.data_path = Load::Loading(req);
        vec![Effect::Probe {
            req,
            region,
            load_balancer_id: lb,
            listener_id: lsn,
            cluster_id,
        }]
    }

    /// Indices of the clusters the filter shows (all without a filter).
    pub fn visible_clusters(&self) -> Vec<usize> {
        let list = self.clusters.ready().map_or(&[][..], Vec::as_slice);
        matching(list, &self.filter, |(c, _)| {
            format!("{} {} {} {} {}", c.name, c.id, c.region, c.plan, c.state)
        })
    }

    /// Indices of the RDS instances the filter shows (all without a filter).
    pub fn visible_sources(&self) -> Vec<usize> {
        let list = self.sources.ready().map_or(&[][..], Vec::as_slice);
        matching(list, &self.filter, |r| {
            format!(
                "{} {} {} {} {}",
                r.id, r.description, r.engine, r.status, r.zone
            )
        })
    }

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

    pub(crate) fn req(&mut self) -> u64 {
        self.next_req += 1;
        self.next_req
    }

    /// Moves to `s`, closing overlays and asking for what it shows.
    pub(crate) fn enter(&mut self, s: Screen) -> Vec<Effect> {
        if self.screen != s {
            self.filter.clear();
            self.filtering = false;
            self.scroll = 0;
        }
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
                    let tidb_zones = self
                        .cluster_id
                        .as_ref()
                        .and_then(|id| self.cluster_details.get(id))
                        .and_then(Load::ready)
                        .map(|d| d.zones.az_ids.clone())
                        .unwrap_or_default();
                    fx.push(Effect::ListSources {
                        req,
                        region,
                        tidb_zones,
                    });
                }
            }
            _ => {}
        }
        fx
    }

    /// Asks doctor about the chosen cluster's links.
    pub(crate) fn start_doctor(&mut self) -> Vec<Effect> {
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

    pub(crate) fn load_clusters(&mut self) -> Vec<Effect> {
        if !self.clusters.needs_request() {
            return Vec::new();
        }
        let req = self.req();
        self.clusters = Load::Loading(req);
        vec![Effect::ListClusters { req }]
    }

    /// Asks for the highlighted cluster's facts if they are not known.
    pub(crate) fn describe_highlighted(&mut self) -> Vec<Effect> {
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

    pub(crate) fn start_prepare(&mut self) -> Vec<Effect> {
        let (Some(cluster_id), Some(rds_id)) = (self.cluster_id.clone(), self.rds_id.clone())
        else {
            return Vec::new();
        };
        // Planning the same setup again keeps its id (Back to the checks, then Plan again):
        // every settled plan records its id in `last_plan`.
        let setup_id = self
            .last_plan
            .as_ref()
            .filter(|(c, r, _)| *c == cluster_id && *r == rds_id)
            .map(|(_, _, id)| id.clone());
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
            setup_id,
        });
        fx
    }

    pub(crate) fn abort_prepare(&mut self) -> Vec<Effect> {
        match std::mem::take(&mut self.prepared) {
            Load::Loading(req) => vec![Effect::Abort { req }],
            _ => Vec::new(),
        }
    }

    pub(crate) fn start_apply(&mut self, mut plan: Plan, journal: Journal) -> Vec<Effect> {
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

    pub(crate) fn finish(
        &mut self,
        interrupted: bool,
        summary: Option<String>,
        message: Option<String>,
    ) {
        self.exit = Some(Outcome {
            interrupted,
            summary,
            message,
        });
    }

    pub(crate) fn quit_now(&mut self) {
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
