//! The apply state machine: `update(&mut ApplyModel, Msg) -> Vec<Effect>`, no I/O.
//!
//! Steps start the moment their inputs exist, so independent work (server group ∥ load
//! balancer ∥ allowlist) runs concurrently and the critical path is LB → endpoint service →
//! whitelist → PLC → accept → verify.

use crate::engine::journal::{IdKind, Journal, ResourceIds, SetupState};
use crate::engine::poll::Usual;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One unit of apply work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// IP server group (TCP, TCP health check) with the RDS IP:port.
    ServerGroup,
    /// Internal NLB in the chosen zones.
    LoadBalancer,
    /// Dedicated RDS allowlist group with the NLB vSwitch CIDRs.
    Allowlist,
    /// TCP listener on the RDS port.
    Listener,
    /// Endpoint service (nlb, one resource per zone, auto-accept off).
    EndpointService,
    /// TiDB account on the service whitelist.
    Whitelist,
    /// TiDB private link connection.
    Connection,
    /// Accept TiDB's endpoint connection request (and only that one).
    Accept,
    /// Wait for Connected and ACTIVE.
    Verify,
}

impl Step {
    /// The id this step records in the journal, for steps that make or adopt something.
    pub fn produces(self) -> Option<IdKind> {
        match self {
            Step::ServerGroup => Some(IdKind::ServerGroup),
            Step::LoadBalancer => Some(IdKind::LoadBalancer),
            Step::Allowlist => Some(IdKind::AllowlistGroup),
            Step::Listener => Some(IdKind::Listener),
            Step::EndpointService => Some(IdKind::EndpointService),
            Step::Connection => Some(IdKind::PrivateLinkConnection),
            Step::Accept => Some(IdKind::Endpoint),
            Step::Whitelist | Step::Verify => None,
        }
    }

    /// Every step, in display order.
    pub const ALL: [Step; 9] = [
        Step::ServerGroup,
        Step::LoadBalancer,
        Step::Allowlist,
        Step::Listener,
        Step::EndpointService,
        Step::Whitelist,
        Step::Connection,
        Step::Accept,
        Step::Verify,
    ];

    /// Stable name (journal, logs).
    pub fn name(self) -> &'static str {
        match self {
            Step::ServerGroup => "server-group",
            Step::LoadBalancer => "load-balancer",
            Step::Allowlist => "allowlist",
            Step::Listener => "listener",
            Step::EndpointService => "endpoint-service",
            Step::Whitelist => "whitelist",
            Step::Connection => "connection",
            Step::Accept => "accept",
            Step::Verify => "verify",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Step::ServerGroup => "NLB server group → RDS",
            Step::LoadBalancer => "Internal NLB",
            Step::Allowlist => "RDS allowlist group",
            Step::Listener => "TCP listener",
            Step::EndpointService => "Endpoint service",
            Step::Whitelist => "Service whitelist",
            Step::Connection => "TiDB private link connection",
            Step::Accept => "Accept endpoint connection",
            Step::Verify => "Connected and ACTIVE",
        }
    }

    /// Steps that must be done first.
    pub fn deps(self) -> &'static [Step] {
        match self {
            Step::ServerGroup | Step::LoadBalancer | Step::Allowlist => &[],
            Step::Listener => &[Step::ServerGroup, Step::LoadBalancer],
            Step::EndpointService => &[Step::LoadBalancer],
            Step::Whitelist => &[Step::EndpointService],
            Step::Connection => &[Step::Whitelist],
            Step::Accept => &[Step::Connection],
            Step::Verify => &[Step::Accept, Step::Listener, Step::Allowlist],
        }
    }
}

/// Where one step stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum StepStatus {
    /// Waiting for its inputs.
    Pending,
    /// Started and not over yet (`started_ms` is set).
    Running,
    /// Succeeded: named in the journal's `done`, its dependants may start.
    Done,
    /// Failed with this error.
    Failed {
        /// The error.
        error: String,
    },
}

/// A step's row on screen and in reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRow {
    /// Pending, running, done, or failed with the error.
    pub status: StepStatus,
    /// The cloud's own state word (`Provisioning`, `Active`, …).
    pub cloud_state: String,
    /// Milliseconds since the run began when the step started / ended.
    pub started_ms: Option<u64>,
    /// End time, same clock.
    pub ended_ms: Option<u64>,
    /// What the step waits on now and how long that usually takes (a hint, never a wait).
    #[serde(skip)]
    pub usual: Option<Usual>,
    /// The wait has gone past its usual range.
    #[serde(default)]
    pub slow: bool,
}

impl StepRow {
    /// "NLB provisioning · 0:41 · usually 1–2 min · polling GetLoadBalancerAttribute" while
    /// the step waits on something with a
    /// documented range (with "· slower than usual" past it); `None` otherwise.
    pub fn waiting_text(&self, now_ms: u64) -> Option<String> {
        let u = self.usual.as_ref()?;
        if self.status != StepStatus::Running {
            return None;
        }
        let s = now_ms.saturating_sub(self.started_ms.unwrap_or(now_ms)) / 1000;
        let slow = if self.slow {
            " · slower than usual"
        } else {
            ""
        };
        Some(format!(
            "{} · {}:{:02} · {}{slow} · polling {}",
            u.what,
            s / 60,
            s % 60,
            u.range(),
            u.call
        ))
    }
}

/// A connection request tilink refused to accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignRequest {
    /// `ep-…`.
    pub endpoint_id: String,
    /// Account that asked.
    pub owner_id: String,
    /// Its status.
    pub status: String,
}

/// Why an apply stopped short of ACTIVE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    /// The user or a signal asked to stop; the journal is kept.
    #[error("interrupted")]
    Interrupted,
    /// A step failed (its label and error).
    #[error("{0}")]
    Failed(String),
}

/// A resource id learned while applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Learned {
    /// Server group.
    ServerGroup(String),
    /// Load balancer.
    LoadBalancer(String),
    /// NLB listener id (`lsn-…`).
    Listener(String),
    /// Endpoint service id and name.
    EndpointService(String, String),
    /// TiDB Cloud private link connection id (`plc-…`).
    Connection(String),
    /// TiDB's endpoint.
    Endpoint(String),
    /// Allowlist group.
    Allowlist(String),
    /// Another setup builds this chain (its id): this run removed what it had made and
    /// stops; the journal is closed as torn down so that a rerun adopts the other chain.
    Yielded(String),
}

/// Messages into the state machine.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A step reports the cloud state it is waiting on.
    Progress {
        /// The step that is waiting.
        step: Step,
        /// Cloud state word.
        state: String,
        /// Log line.
        note: Option<String>,
    },
    /// A resource id exists: journal it now, before waiting on it.
    Learned(Step, Learned),
    /// The step waits on something that usually takes this long (`None`: the wait is over).
    Usual(Step, Option<Usual>),
    /// The step's wait went past its usual range; what to know and do.
    Slow(Step, String),
    /// A foreign request was seen and left alone.
    Foreign(ForeignRequest),
    /// Step finished.
    Done(Step),
    /// Step failed.
    Failed(Step, String),
    /// The user or a signal asked to stop.
    Cancel,
    /// Clock tick for elapsed times (ms since start).
    Tick(u64),
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start a step.
    Start(Step),
    /// Write the journal now.
    SaveJournal,
    /// Stop everything; the run is over.
    Finish,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    /// ms since start.
    pub at_ms: u64,
    /// What kind of line (front ends surface warnings and slow waits).
    #[serde(default)]
    pub kind: LogKind,
    /// The line as shown, led by the step's name when about one (`listener: done`).
    pub text: String,
}

/// The kind of a [`LogLine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogKind {
    /// What happened.
    #[default]
    Info,
    /// Something left alone that the DBA should know about (a foreign connection request).
    Warning,
    /// A wait past its usual range.
    Slow,
    /// A step failed.
    Failure,
}

/// The whole apply state.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyModel {
    /// The journal (ids, progress) — saved on every `SaveJournal`.
    pub journal: Journal,
    /// Every step's row from the start, in [`Step::ALL`] order.
    pub steps: BTreeMap<Step, StepRow>,
    /// What happened.
    pub log: Vec<LogLine>,
    /// Requests tilink did not accept.
    pub foreign: Vec<ForeignRequest>,
    /// `Some(Ok)` when ACTIVE, `Some(Err)` when stopped.
    pub outcome: Option<Result<(), Stopped>>,
    /// Clock (ms since start).
    pub now_ms: u64,
}

impl ApplyModel {
    /// A model for `journal`; nothing started.
    pub fn new(journal: Journal) -> Self {
        let steps = Step::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    StepRow {
                        status: StepStatus::Pending,
                        cloud_state: String::new(),
                        started_ms: None,
                        ended_ms: None,
                        usual: None,
                        slow: false,
                    },
                )
            })
            .collect();
        ApplyModel {
            journal,
            steps,
            log: Vec::new(),
            foreign: Vec::new(),
            outcome: None,
            now_ms: 0,
        }
    }

    /// The ids known so far.
    pub fn ids(&self) -> &ResourceIds {
        &self.journal.resources
    }

    /// True once the run is over.
    pub fn finished(&self) -> bool {
        self.outcome.is_some()
    }

    fn status(&self, s: Step) -> &StepStatus {
        &self.steps[&s].status
    }

    fn ready(&self) -> Vec<Step> {
        Step::ALL
            .iter()
            .copied()
            .filter(|s| *self.status(*s) == StepStatus::Pending)
            .filter(|s| {
                s.deps()
                    .iter()
                    .all(|d| *self.status(*d) == StepStatus::Done)
            })
            .collect()
    }

    fn log(&mut self, text: String) {
        self.log_as(LogKind::Info, text);
    }

    fn log_as(&mut self, kind: LogKind, text: String) {
        self.log.push(LogLine {
            at_ms: self.now_ms,
            kind,
            text,
        });
    }

    fn start_ready(&mut self) -> Vec<Effect> {
        let ready = self.ready();
        let mut fx = Vec::new();
        for s in ready {
            if let Some(row) = self.steps.get_mut(&s) {
                row.status = StepStatus::Running;
                row.started_ms = Some(self.now_ms);
            }
            fx.push(Effect::Start(s));
        }
        fx
    }
}

/// Starts the run: every step without inputs.
pub fn start(m: &mut ApplyModel) -> Vec<Effect> {
    m.journal.state = SetupState::InProgress;
    m.journal.last_error = None;
    m.log(format!("setup {} started", m.journal.setup_id));
    let mut fx = vec![Effect::SaveJournal];
    fx.extend(m.start_ready());
    fx
}

/// The transition function.
pub fn update(m: &mut ApplyModel, msg: Msg) -> Vec<Effect> {
    if m.finished() {
        // Late results after a stop still carry ids worth keeping.
        return match msg {
            Msg::Learned(_, l) => {
                learn(&mut m.journal.resources, l);
                vec![Effect::SaveJournal]
            }
            _ => vec![],
        };
    }
    match msg {
        Msg::Tick(ms) => {
            m.now_ms = ms;
            vec![]
        }
        Msg::Progress { step, state, note } => {
            if let Some(row) = m.steps.get_mut(&step) {
                row.cloud_state = state;
            }
            if let Some(n) = note {
                m.log(format!("{}: {n}", step.name()));
            }
            vec![]
        }
        Msg::Usual(step, u) => {
            if let Some(row) = m.steps.get_mut(&step) {
                row.usual = u;
            }
            vec![]
        }
        Msg::Slow(step, note) => {
            if let Some(row) = m.steps.get_mut(&step) {
                row.slow = true;
            }
            m.log_as(LogKind::Slow, format!("{}: {note}", step.name()));
            vec![]
        }
        Msg::Learned(step, Learned::Yielded(winner)) => {
            learn(&mut m.journal.resources, Learned::Yielded(winner.clone()));
            m.journal.state = SetupState::TornDown;
            m.journal.done.clear();
            m.log(format!(
                "{}: {}",
                step.name(),
                describe(&Learned::Yielded(winner))
            ));
            vec![Effect::SaveJournal]
        }
        Msg::Learned(step, l) => {
            let before = m.journal.resources.clone();
            learn(&mut m.journal.resources, l.clone());
            if m.journal.resources == before {
                return vec![];
            }
            m.log(format!("{}: {}", step.name(), describe(&l)));
            vec![Effect::SaveJournal]
        }
        Msg::Foreign(f) => {
            if !m.foreign.contains(&f) {
                m.log_as(LogKind::Warning, format!(
                    "connection request {} from account {} is not TiDB Cloud's for this PLC: left alone",
                    f.endpoint_id, f.owner_id
                ));
                m.foreign.push(f);
            }
            vec![]
        }
        Msg::Done(step) => {
            if let Some(row) = m.steps.get_mut(&step) {
                row.status = StepStatus::Done;
                row.ended_ms = Some(m.now_ms);
            }
            if !m.journal.done.iter().any(|d| d == step.name()) {
                m.journal.done.push(step.name().to_string());
            }
            m.log(format!("{}: done", step.name()));
            let mut fx = vec![Effect::SaveJournal];
            if Step::ALL.iter().all(|s| *m.status(*s) == StepStatus::Done) {
                m.journal.state = SetupState::Active;
                m.outcome = Some(Ok(()));
                m.log("private link connection is ACTIVE".into());
                fx.push(Effect::Finish);
            } else {
                fx.extend(m.start_ready());
            }
            fx
        }
        Msg::Failed(step, error) => {
            if let Some(row) = m.steps.get_mut(&step) {
                row.status = StepStatus::Failed {
                    error: error.clone(),
                };
                row.ended_ms = Some(m.now_ms);
            }
            m.log_as(
                LogKind::Failure,
                format!("{}: FAILED: {error}", step.name()),
            );
            // A run that yielded to another setup stays closed: nothing of it is left.
            if m.journal.state != SetupState::TornDown {
                m.journal.state = SetupState::Failed;
            }
            m.journal.last_error = Some(format!("{}: {error}", step.name()));
            m.outcome = Some(Err(Stopped::Failed(format!("{}: {error}", step.label()))));
            vec![Effect::SaveJournal, Effect::Finish]
        }
        Msg::Cancel => {
            m.log("stopped by the user; the journal keeps every id".into());
            m.journal.last_error = Some("interrupted".into());
            m.outcome = Some(Err(Stopped::Interrupted));
            vec![Effect::SaveJournal, Effect::Finish]
        }
    }
}

fn describe(l: &Learned) -> String {
    match l {
        Learned::ServerGroup(id) => format!("server group {id}"),
        Learned::LoadBalancer(id) => format!("load balancer {id}"),
        Learned::Listener(id) => format!("listener {id}"),
        Learned::EndpointService(id, name) => format!("endpoint service {id} ({name})"),
        Learned::Connection(id) => format!("private link connection {id}"),
        Learned::Endpoint(id) => format!("TiDB Cloud endpoint {id}"),
        Learned::Allowlist(n) => format!("allowlist group {n}"),
        Learned::Yielded(w) => format!("yielded to setup {w}; nothing of this run is left"),
    }
}

/// Records an id in the journal's resources.
pub fn learn(r: &mut ResourceIds, l: Learned) {
    match l {
        Learned::ServerGroup(id) => r.server_group_id = Some(id),
        Learned::LoadBalancer(id) => r.load_balancer_id = Some(id),
        Learned::Listener(id) => r.listener_id = Some(id),
        Learned::EndpointService(id, name) => {
            r.endpoint_service_id = Some(id);
            r.endpoint_service_name = Some(name);
        }
        Learned::Connection(id) => r.private_link_connection_id = Some(id),
        Learned::Endpoint(id) => r.endpoint_id = Some(id),
        Learned::Allowlist(n) => r.allowlist_group = Some(n),
        Learned::Yielded(_) => *r = ResourceIds::default(),
    }
}

#[cfg(test)]
mod tests;
