//! Waiting for cloud state without knowing how fast the cloud is.
//!
//! Every wait has a *typical* duration (the documented magnitude in real clouds) and a
//! *usual range* shown to the DBA; neither is a wall to wait behind. Where to look is decided
//! from a belief about when the resource will be ready: a log-normal with median `M` and
//! spread `s`, learned from the waits already finished in this run ([`Pace`]).
//!
//! **Bounded relative lateness.** Every gap is a share of the time already waited, so a
//! resource ready after the first look is seen at most that share of its own time late, at
//! any speed:
//!
//! - nothing learned yet: the first look is at 3 % of the typical duration, then every 25 %
//!   ([`EARLY_SHARE`]) of the elapsed time: a cloud up to ~35× faster than the documents is
//!   still seen within one step;
//! - with a pace: the first look at `M·e^(-3s)`, ramping by at most 25 % to the window that
//!   starts at `M·e^(-0.75s)`; from there each next look comes `f = k·√s·(1 + z⁺)` of the
//!   elapsed time later (`z`: how many spreads past the median the wait already is; `k` 0.3
//!   on the chain to ACTIVE, 0.6 beside it), between 3 % and 10 % ([`LATE_SHARE`]);
//! - every gap is at least [`MIN_GAP`] (no hammering) and at most a cap per resource.
//!
//! **The belief.** When a wait finishes, the interval in which it became ready (the last
//! "not yet" and the "ready" look) measures the cloud's pace, `ln(time / typical)`, with an
//! error: that kind's own variation, read from its documented usual range
//! ([`Wait::own_spread`]), and the interval's width. The pace is the precision-weighted mean
//! (an NLB, documented at 1–2 min, says more than a server group at 2–15 s); the spread for
//! the next wait is the pace's uncertainty plus that resource's own variation, widened when
//! the run's resources disagree more than their documents allow. A cloud uniformly 20×
//! faster than the documents (a simulator) is learned in the first seconds, yet no resource
//! is believed more predictable than its documents say: one quick or slow resource does not
//! push the next one's first look past its readiness. Running waits re-plan as soon as the
//! pace changes. Nothing here knows the simulator's profile, seeds or jitter.
//!
//! **Rate limits.** Looks at TiDB Cloud (the PLC) take from a per-run budget of
//! [`TIDB_LOOKS_PER_WINDOW`] (half the API key's 100 per minute, `cloud/limits.rs`) in any
//! minute; an Alibaba wait looks at most every [`MIN_GAP`], 10 per second, under the 20 per
//! second assumed for the NLB and PrivateLink reads. `docs/WAITS.md` has the reasoning, the
//! measured figures and the worst cases.

use super::Error;
use crate::cloud::limits;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// No two looks closer than this (times the tuning's scale).
pub const MIN_GAP: Duration = Duration::from_millis(100);
/// Spread of the belief before anything was learned: the cloud may be many times faster or
/// slower than the documents.
const PRIOR_SPREAD: f64 = 1.2;
/// The largest step, as a share of the time already waited: the worst overshoot once a wait
/// is in or past its belief.
pub const LATE_SHARE: f64 = 0.1;
/// The largest step before the belief's window (and before anything is learned), as a share
/// of the time already waited: a resource ready far sooner than believed is still seen at
/// most this share of its own time late. The early tail is where a belief learned from a
/// few other resources is least reliable, so its lateness is bounded too, not left to the
/// belief.
pub const EARLY_SHARE: f64 = 0.25;
/// With nothing learned, the first look is at this share of the documented typical duration
/// (`e^(-3·1.2)`: three prior spreads early), so a cloud up to ~35× faster than the documents
/// is still seen within one step of being ready.
const UNLEARNED_FIRST: f64 = 0.03;
/// Once the run has a pace, the first look is this many spreads before the median; looks
/// then ramp up by at most [`EARLY_SHARE`] of the elapsed time until the window, which starts
/// [`WINDOW`] spreads before the median.
const EARLY: f64 = 3.0;
const WINDOW: f64 = 0.75;
/// The documented usual range read as the central 80 % of a log-normal: its half-width in
/// ln units is this many spreads (the normal's 90th percentile).
const USUAL_Z: f64 = 1.2816;
/// Looks at TiDB Cloud (the PLC) one run may make in any [`limits::TIDB_WINDOW`]: half the
/// API key's limit, leaving the other half to the run's other calls and to other tools on
/// the same key (a doctor cron).
pub const TIDB_LOOKS_PER_WINDOW: usize = limits::TIDB_PER_WINDOW as usize / 2;
/// Step coefficient inside the window, on the chain to ACTIVE and beside it.
const K_CHAIN: f64 = 0.3;
const K_SIDE: f64 = 0.6;
/// The narrowest belief, however consistent the run has been.
const MIN_SPREAD: f64 = 0.04;

/// What is awaited: the documented typical duration and usual range, and a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wait {
    /// An asynchronous NLB job.
    Job,
    /// A new NLB server group.
    ServerGroup,
    /// A new NLB instance.
    LoadBalancer,
    /// A new NLB listener.
    Listener,
    /// A new PrivateLink endpoint service.
    EndpointService,
    /// TiDB Cloud's endpoint and its connection request after a PLC is created.
    Endpoint,
    /// An accepted connection to Connected and the PLC to ACTIVE.
    Connection,
    /// Something that usually answers at the first look (a request already made).
    Quick,
}

/// A documented usual range, shown next to the elapsed time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usual {
    /// What is happening ("NLB provisioning").
    pub what: &'static str,
    /// Lower end of the usual range, seconds.
    pub lo_s: u64,
    /// Upper end, seconds: past it the wait is unusual and tilink says so.
    pub hi_s: u64,
    /// The call that looks at the state ("GetLoadBalancerAttribute").
    pub call: &'static str,
}

impl Usual {
    /// "usually 1–2 min" / "usually 5–20 s".
    pub fn range(&self) -> String {
        let (lo, hi) = (self.lo_s, self.hi_s);
        if hi >= 60 && lo % 60 == 0 && hi % 60 == 0 {
            format!("usually {}–{} min", lo / 60, hi / 60)
        } else if hi >= 120 {
            format!("usually {}–{} min", lo / 60, hi.div_ceil(60))
        } else {
            format!("usually {lo}–{hi} s")
        }
    }

    /// Upper end as a duration.
    pub fn hi(&self) -> Duration {
        Duration::from_secs(self.hi_s)
    }
}

impl Wait {
    /// The documented magnitude in real clouds, ms. These are the consoles' and the recipe's
    /// figures (an NLB takes about a minute, an endpoint service tens of seconds, TiDB
    /// Cloud's endpoint a minute or two); they are a prior for the schedule and a hint for
    /// the display, never a time to wait.
    pub fn typical_ms(self) -> u64 {
        match self {
            Wait::Job | Wait::ServerGroup | Wait::Quick => 5_000,
            Wait::LoadBalancer => 60_000,
            Wait::Listener => 10_000,
            Wait::EndpointService => 20_000,
            Wait::Endpoint => 90_000,
            Wait::Connection => 35_000,
        }
    }

    /// The usual range shown to the DBA.
    pub fn usual(self) -> Usual {
        let (what, lo_s, hi_s, call) = match self {
            Wait::Job => ("NLB job", 2, 15, "GetJobStatus"),
            Wait::ServerGroup => ("server group creation", 2, 15, "ListServerGroups"),
            Wait::LoadBalancer => ("NLB provisioning", 60, 120, "GetLoadBalancerAttribute"),
            Wait::Listener => ("listener start", 5, 30, "GetListenerAttribute"),
            Wait::EndpointService => (
                "endpoint service creation",
                10,
                60,
                "GetVpcEndpointServiceAttribute",
            ),
            Wait::Endpoint => (
                "TiDB Cloud endpoint creation",
                60,
                180,
                "GET privateLinkConnections/{id}",
            ),
            Wait::Connection => ("connection to ACTIVE", 20, 90, "ListVpcEndpointConnections"),
            Wait::Quick => ("lookup", 0, 10, "lookup"),
        };
        Usual {
            what,
            lo_s,
            hi_s,
            call,
        }
    }

    /// Whether the wait holds up the chain to ACTIVE (NLB → endpoint service → TiDB Cloud's
    /// endpoint → connection); the server group, its backend and the listener run beside it.
    pub fn critical(self) -> bool {
        matches!(
            self,
            Wait::LoadBalancer | Wait::EndpointService | Wait::Endpoint | Wait::Connection
        )
    }

    /// How much this resource's own time varies around the cloud's pace, in ln units: the
    /// documented usual range read as its central 80 % (`ln(hi/lo) / 2.56`; an NLB's
    /// 1–2 min is 0.27, an endpoint service's 10–60 s 0.70). A run's pace says how fast this
    /// cloud is, not when this one resource will be ready: the belief is never narrower
    /// than this. `None` where the range starts at zero (a look-up).
    pub fn own_spread(self) -> Option<f64> {
        let u = self.usual();
        (u.lo_s > 0 && u.hi_s > u.lo_s)
            .then(|| (u.hi_s as f64 / u.lo_s as f64).ln() / (2.0 * USUAL_Z))
    }

    /// Whether the wait looks at TiDB Cloud (the PLC), whose API allows 100 requests per
    /// minute per key ([`limits::TIDB_PER_WINDOW`]); the others look at Alibaba Cloud.
    pub fn at_tidb(self) -> bool {
        matches!(self, Wait::Endpoint | Wait::Connection)
    }

    /// Largest gap between two looks, ms (before scaling): a slow cloud is still looked at.
    fn cap_ms(self) -> u64 {
        (self.typical_ms() / 3).clamp(2_000, 20_000)
    }
}

/// What the run has learned about this cloud's pace: for each finished wait, the interval in
/// which it became ready (between the last "not yet" and the "ready" look), as
/// `ln(time / typical)`. Shared by every wait of a run; running waits re-plan when it changes.
#[derive(Debug, Default)]
pub struct Pace {
    /// Per finished wait: `ln(time / typical)` at the middle of its interval, the interval's
    /// width, and its kind's own spread, all in ln units.
    seen: Mutex<Vec<(f64, f64, f64)>>,
    changed: Notify,
    /// When this run's recent looks at TiDB Cloud were made (at most
    /// [`TIDB_LOOKS_PER_WINDOW`], oldest first).
    tidb_looks: Mutex<VecDeque<Instant>>,
}

impl Pace {
    /// Records that a wait of `kind` became ready after `lo` and by `hi` (elapsed times;
    /// `lo` is zero when the first look already found it ready).
    pub fn learn(&self, kind: Wait, lo: Duration, hi: Duration) {
        let typical = kind.typical_ms() as f64 / 1000.0;
        let hi = hi.as_secs_f64();
        // A first look that was already ready bounds the time from above only.
        let lo = if lo.is_zero() {
            hi / 4.0
        } else {
            lo.as_secs_f64()
        };
        if !(hi.is_finite() && hi > 0.0 && lo > 0.0 && lo <= hi) {
            return;
        }
        let mid = ((lo * hi).sqrt() / typical).ln();
        let width = (hi / lo).ln();
        let own = kind.own_spread().unwrap_or(PRIOR_SPREAD);
        if let Ok(mut l) = self.seen.lock() {
            l.push((mid, width, own));
        }
        self.changed.notify_waiters();
    }

    /// Takes a look at TiDB Cloud from the run's budget: returns when the look may be made
    /// (`now`, or when the oldest of the last [`TIDB_LOOKS_PER_WINDOW`] looks leaves the
    /// window) and counts it as made then.
    pub fn admit_tidb_look(&self, now: Instant) -> Instant {
        let Ok(mut q) = self.tidb_looks.lock() else {
            return now;
        };
        while q
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= limits::TIDB_WINDOW)
        {
            q.pop_front();
        }
        let at = if q.len() >= TIDB_LOOKS_PER_WINDOW {
            let oldest = q.pop_front().unwrap_or(now);
            (oldest + limits::TIDB_WINDOW).max(now)
        } else {
            now
        };
        q.push_back(at);
        at
    }

    /// The belief for a wait of `kind` whose typical duration is `typical` (already
    /// scaled): (median, spread in ln units). Nothing learned: the documents, spread
    /// [`PRIOR_SPREAD`].
    ///
    /// Every finished wait measured the cloud's pace `ln(time / typical)` with an error: its
    /// kind's own variation ([`Wait::own_spread`], from the documented usual range) and the
    /// width of the interval it became ready in. The pace is their precision-weighted mean
    /// (an NLB, whose documented range is narrow, says more than a server group), known to
    /// `1/Σw`. The next resource adds its own variation. Should the run's resources disagree
    /// more than their documented ranges allow (χ² over `n − 1` above 1), every variance is
    /// widened by that ratio: a cloud noisier than its documents is looked at more often.
    pub fn belief(&self, kind: Wait, typical: Duration) -> (Duration, f64) {
        let seen = self.seen.lock().map(|l| l.clone()).unwrap_or_default();
        if seen.is_empty() {
            return (typical, PRIOR_SPREAD);
        }
        let n = seen.len() as f64;
        let w = |(_, d, o): &(f64, f64, f64)| 1.0 / (o * o + d * d / 12.0).max(1e-4);
        let sw: f64 = seen.iter().map(w).sum();
        let mean = seen.iter().map(|x| w(x) * x.0).sum::<f64>() / sw;
        let chi2: f64 = seen.iter().map(|x| w(x) * (x.0 - mean).powi(2)).sum();
        let noisier = if n >= 2.0 {
            (chi2 / (n - 1.0)).max(1.0)
        } else {
            1.0
        };
        let next = kind.own_spread().unwrap_or(0.0);
        let spread = (noisier * (1.0 / sw + next * next))
            .sqrt()
            .clamp(MIN_SPREAD, PRIOR_SPREAD);
        (typical.mul_f64(mean.exp().clamp(1e-4, 1e3)), spread)
    }

    /// Number of finished waits learned from.
    pub fn learned(&self) -> usize {
        self.seen.lock().map(|l| l.len()).unwrap_or(0)
    }
}

/// How to wait for one thing.
#[derive(Debug, Clone)]
pub struct Poll {
    /// What is awaited.
    pub wait: Wait,
    /// Give up after this long.
    pub timeout: Duration,
    /// Right after a create: the state is known (not ready), so the first look is planned.
    /// Otherwise the first look is immediate (the resource may be ready already).
    pub fresh: bool,
    scale: f64,
    pace: Arc<Pace>,
}

impl Poll {
    /// Looks right away (for resources that may already be ready), then as usual. Such a wait
    /// teaches nothing about the pace (its start is unknown).
    pub fn now(self) -> Poll {
        Poll {
            fresh: false,
            ..self
        }
    }

    /// As planned after `created` (this run just made the resource); else [`Poll::now`].
    pub fn after_create(self, created: bool) -> Poll {
        if created { self } else { self.now() }
    }

    /// The usual range, for the display.
    pub fn usual(&self) -> Usual {
        self.wait.usual()
    }

    /// A documented real-cloud duration under this run's tuning scale (1.0 for every user).
    pub fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.scale)
    }

    fn scaled_ms(&self, ms: u64) -> Duration {
        Duration::from_secs_f64(ms as f64 / 1000.0 * self.scale)
    }

    fn min_gap(&self) -> Duration {
        MIN_GAP.mul_f64(self.scale)
    }

    /// The run's belief for this wait ([`Pace::belief`]).
    fn belief(&self) -> (Duration, f64) {
        self.pace
            .belief(self.wait, self.scaled_ms(self.wait.typical_ms()))
    }

    /// The first look after a create: at the start of the belief once the run has a pace;
    /// with nothing learned yet, after the smallest gap (the cloud may be much faster than
    /// the documents).
    pub fn first_look(&self) -> Duration {
        if self.pace.learned() == 0 {
            let typical = self.scaled_ms(self.wait.typical_ms());
            return typical.mul_f64(UNLEARNED_FIRST).max(self.min_gap());
        }
        let (m, s) = self.belief();
        m.mul_f64((-EARLY * s).exp()).max(self.min_gap())
    }

    /// The elapsed time of the next look, given the last look at `t`.
    pub fn next_look(&self, t: Duration) -> Duration {
        let (m, s) = self.belief();
        let start = m.mul_f64((-WINDOW * s).exp());
        // Gaps shrink with the square root of the spread: the cost of a look is fixed while
        // the chance that it is the one that sees "ready" grows as the belief narrows. Waits
        // that hold up the chain to ACTIVE look finer than those on the parallel branch.
        let k = if self.wait.critical() {
            K_CHAIN
        } else {
            K_SIDE
        };
        // Past the median and still not ready, this resource is slower than the run's pace
        // suggests: trust the belief less with every spread it is late by.
        let late = (t.as_secs_f64() / m.as_secs_f64().max(1e-6)).ln() / s;
        let f = if t < start {
            EARLY_SHARE
        } else {
            (k * s.sqrt() * (1.0 + late.max(0.0))).clamp(0.03, LATE_SHARE)
        };
        let gap = t
            .mul_f64(f)
            .clamp(self.min_gap(), self.scaled_ms(self.wait.cap_ms()));
        let next = t + gap;
        if t < start {
            // Ramp towards the belief without stepping over its start.
            next.min(start).max(t + self.min_gap())
        } else {
            next
        }
    }
}

/// Poll settings for a run: the shared pace and the overall timeout.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Multiplies the prior (typical durations, gaps); 1.0 for every user. A test knob
    /// (`TILINK_POLL_SCALE`) only: the schedule learns the pace without it.
    pub scale: f64,
    /// Overall timeout of one wait.
    pub timeout: Duration,
    /// What this run has learned about the cloud's pace.
    pub pace: Arc<Pace>,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            scale: 1.0,
            timeout: Duration::from_secs(1800),
            pace: Arc::default(),
        }
    }
}

impl Tuning {
    /// A wait for `wait`, planned as right after a create.
    pub fn poll(&self, wait: Wait) -> Poll {
        Poll {
            wait,
            timeout: self.timeout,
            fresh: true,
            scale: self.scale.clamp(0.0001, 100.0),
            pace: self.pace.clone(),
        }
    }
    /// NLB jobs.
    pub fn job(&self) -> Poll {
        self.poll(Wait::Job)
    }
    /// Server group.
    pub fn server_group(&self) -> Poll {
        self.poll(Wait::ServerGroup)
    }
    /// Load balancer.
    pub fn load_balancer(&self) -> Poll {
        self.poll(Wait::LoadBalancer)
    }
    /// Listener.
    pub fn listener(&self) -> Poll {
        self.poll(Wait::Listener)
    }
    /// Endpoint service.
    pub fn endpoint_service(&self) -> Poll {
        self.poll(Wait::EndpointService)
    }
    /// TiDB Cloud's endpoint (and its connection request).
    pub fn endpoint(&self) -> Poll {
        self.poll(Wait::Endpoint)
    }
    /// Accepted connection to Connected and the PLC to ACTIVE.
    pub fn connection(&self) -> Poll {
        self.poll(Wait::Connection)
    }
    /// Short waits where the first look usually succeeds.
    pub fn quick(&self) -> Poll {
        self.poll(Wait::Quick)
    }
}

/// Not-found from a Get right after this run created the resource is "not visible yet"
/// for this long: Terraform's NLB waits treat not-found as pending and its PrivateLink waits
/// tolerate 20 misses (`docs/API-BEHAVIOUR.md`). After it, not-found is believed.
pub const NOT_VISIBLE_FOR: std::time::Duration = std::time::Duration::from_secs(120);

/// Whether a failed Get of a resource this run created at `since` only means "not visible
/// yet".
pub fn not_visible_yet(
    e: &crate::cloud::aliyun::AliyunError,
    created: bool,
    since: Instant,
) -> bool {
    created && e.is_not_found() && since.elapsed() < NOT_VISIBLE_FOR
}

/// Waits for an endpoint service to be `Active` (after its create, or an attach that left it
/// `Pending`). `created`: this run just created it, so a not-found is "not visible yet" for a
/// while. `Deleting` (and the undocumented `Inactive`/`Deleted`) end the wait with the fix.
pub async fn service_active(
    a: &crate::cloud::aliyun::AliyunClient,
    p: Poll,
    id: &str,
    created: bool,
    on_update: impl FnMut(Update),
) -> Result<(), Error> {
    use crate::wire::states::ServiceStatus;
    let since = Instant::now();
    until_reporting(p, "the endpoint service", on_update, || async move {
        let s = match a.get_endpoint_service(id).await {
            Ok(s) => s,
            Err(e) if not_visible_yet(&e, created, since) => {
                return Ok(Probe::Waiting("not visible yet".into()));
            }
            Err(e) => return Err(Error::from(e)),
        };
        match s.service_status {
            ServiceStatus::Active => Ok(Probe::Ready(())),
            ServiceStatus::Deleting => Err(Error::Failed(format!(
                "endpoint service {id} is Deleting: it cannot serve connections; rerun \
                 once it is gone to create a new one"
            ))),
            ServiceStatus::Unknown(u) if u == "Inactive" || u == "Deleted" => {
                Err(Error::Failed(format!(
                    "endpoint service {id} is {u}: it cannot serve connections; delete \
                     it (tilink teardown) and rerun"
                )))
            }
            other => Ok(Probe::Waiting(other.to_string())),
        }
    })
    .await
}

/// Waits for an RDS instance to be `Running` again after an allowlist write: Terraform does
/// after every `ModifySecurityIps` (`resource_alicloud_db_instance.go`, `service_alicloud_rds.go`
/// `WaitForDBInstance(…, Running, …)`), and a second write meanwhile is refused with 403
/// `IncorrectDBInstanceState`. An instance that stops, is deleted or released ends the wait.
pub async fn rds_running(
    a: &crate::cloud::aliyun::AliyunClient,
    p: Poll,
    instance: &str,
) -> Result<(), Error> {
    until(
        p,
        "the RDS instance to be Running",
        |_| {},
        || async move {
            let attr = a.describe_db_instance_attribute(instance).await?;
            Ok::<_, Error>(match attr.db_instance_status.as_str() {
                "Running" => Probe::Ready(()),
                s @ ("Deleting" | "Released" | "Stopped" | "Stopping") => {
                    return Err(Error::Failed(format!(
                        "RDS instance {instance} is {s}: it will not be Running again by itself; \
                         start it in the RDS console, then rerun"
                    )));
                }
                other => Probe::Waiting(other.to_string()),
            })
        },
    )
    .await
}

/// Waits for an asynchronous NLB job (`Processing` → `Succeeded`); a `Failed` job ends the
/// wait with an error. An empty id means there is nothing to wait for. With
/// `missing_is_done`, a job the API no longer knows counts as finished (deletes).
pub async fn nlb_job(
    a: &crate::cloud::aliyun::AliyunClient,
    p: Poll,
    job_id: &str,
    what: &str,
    missing_is_done: bool,
) -> Result<(), Error> {
    if job_id.is_empty() {
        return Ok(());
    }
    until(
        p,
        what,
        |_| {},
        || async move {
            match a.get_job_status(job_id).await {
                Ok(s) if s.status.eq_ignore_ascii_case("Succeeded") => Ok(Probe::Ready(())),
                Ok(s) if s.status.eq_ignore_ascii_case("Failed") => Err(Error::Failed(format!(
                    "NLB job {job_id} failed ({what}); rerun tilink to retry"
                ))),
                Ok(s) => Ok(Probe::Waiting(s.status)),
                Err(e) if missing_is_done && e.is_not_found() => Ok(Probe::Ready(())),
                Err(e) => Err(Error::from(e)),
            }
        },
    )
    .await
}

/// What one probe saw.
pub enum Probe<T> {
    /// Done, with the value.
    Ready(T),
    /// Not yet; the state word for progress.
    Waiting(String),
}

/// What a wait tells its watcher.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The cloud's state word changed.
    State(String),
    /// The wait is over: the resource is ready.
    Ready,
    /// The wait passed its usual range, still in this state.
    Slow {
        /// The state word.
        state: String,
        /// How long it has waited.
        elapsed: Duration,
    },
}

/// Calls `probe` until it is ready, reporting state changes; errors from the probe end the
/// wait. Times out with a message naming what was awaited.
pub async fn until<T, E, F, Fut>(
    p: Poll,
    what: &str,
    mut on_wait: impl FnMut(&str),
    probe: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Probe<T>, E>>,
    E: Into<Error>,
{
    until_reporting(
        p,
        what,
        |u| {
            if let Update::State(s) = u {
                on_wait(&s)
            }
        },
        probe,
    )
    .await
}

/// [`until`] with every [`Update`], including the one that says the wait became unusual.
pub async fn until_reporting<T, E, F, Fut>(
    p: Poll,
    what: &str,
    mut on_update: impl FnMut(Update),
    mut probe: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Probe<T>, E>>,
    E: Into<Error>,
{
    let start = Instant::now();
    let mut last = String::new();
    let mut slow_told = false;
    // The last look that saw "not yet", as elapsed time (the resource was not ready then).
    let mut not_before = Duration::ZERO;
    let mut next = if p.fresh {
        p.first_look()
    } else {
        Duration::ZERO
    };
    loop {
        // Sleep until the next look, re-planning whenever the run learns something new.
        loop {
            let elapsed = start.elapsed();
            if elapsed >= next {
                break;
            }
            let changed = p.pace.changed.notified();
            tokio::select! {
                _ = tokio::time::sleep(next - elapsed) => break,
                _ = changed => {
                    let replanned = if p.fresh && not_before.is_zero() {
                        p.first_look()
                    } else {
                        p.next_look(not_before)
                    };
                    next = replanned.max(start.elapsed());
                }
            }
        }
        if p.wait.at_tidb() {
            let at = p.pace.admit_tidb_look(Instant::now());
            tokio::time::sleep_until(at).await;
        }
        let sent = start.elapsed();
        let seen = probe().await.map_err(Into::into)?;
        // The state was observed somewhere between sending and the answer.
        let at = (sent + start.elapsed()) / 2;
        match seen {
            Probe::Ready(v) => {
                on_update(Update::Ready);
                if p.fresh {
                    p.pace
                        .learn(p.wait, not_before.div_f64(p.scale), at.div_f64(p.scale));
                    tracing::debug!(
                        wait = ?p.wait,
                        after_ms = not_before.as_millis() as u64,
                        by_ms = at.as_millis() as u64,
                        "ready; pace learned"
                    );
                }
                return Ok(v);
            }
            Probe::Waiting(state) => {
                not_before = at;
                if state != last {
                    on_update(Update::State(state.clone()));
                    last = state;
                }
                let elapsed = start.elapsed();
                if !slow_told && elapsed > p.usual().hi().mul_f64(p.scale) {
                    slow_told = true;
                    on_update(Update::Slow {
                        state: last.clone(),
                        elapsed,
                    });
                }
            }
        }
        next = p.next_look(start.elapsed());
        tracing::debug!(
            wait = ?p.wait,
            state = %last,
            looked_ms = at.as_millis() as u64,
            next_ms = next.as_millis() as u64,
            "not ready yet"
        );
        if next > p.timeout {
            return Err(Error::Timeout(format!(
                "gave up waiting for {what} after {}s (last state: {last}); rerun tilink to resume",
                p.timeout.as_secs()
            )));
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod study;
