//! A virtual setup against drawn delays, in paused time, to study the schedule:
//! `cargo test --lib poll::study -- --ignored --nocapture` (`STUDY_SEEDS`, default 200;
//! `STUDY_VERBOSE=1` prints every wait, `STUDY_LATE=1` each kind of wait's lateness,
//! `STUDY_WORST=1` the draws of every setup over 1.15×).
//!
//! The setup is apply's, step by step (`engine/apply/steps.rs`, `settle.rs`): the server
//! group, then the claim (the tag-filtered lists, looked at again every
//! `quick().first_look()` clamped to 100 ms–2 s until they show this run's group, as
//! `Ctx::claim` does), then the NLB beside the backend, then the listener beside the chain
//! (endpoint service, whitelist, the PLC with its look-ups, TiDB Cloud's endpoint, the accept,
//! the connection to ACTIVE). Every call costs 20 ms, as in `benches/setup.rs`. The bound is
//! the benchmark's: `sg + max(NLB, backend) + service + endpoint + accept + active` plus 12
//! round trips. The schedule is told nothing of the draws: it is the one every user gets.

use super::*;
use std::cell::{Cell, RefCell};

/// One call's round trip.
const RT: Duration = Duration::from_millis(20);

/// Looks of one setup: when, and whether at TiDB Cloud (its 100 per minute per key).
#[derive(Default)]
struct Looks {
    at: RefCell<Vec<(Instant, bool)>>,
    calls: Cell<u32>,
    /// Each wait's overshoot past its resource's readiness, ms.
    late: RefCell<Vec<(Wait, f64)>>,
}

impl Looks {
    fn call(&self) {
        self.calls.set(self.calls.get() + 1);
    }
    fn look(&self, tidb: bool) {
        self.call();
        self.at.borrow_mut().push((Instant::now(), tidb));
    }
    /// The most TiDB Cloud looks in any 60 s of wall time.
    fn tidb_peak_per_minute(&self) -> usize {
        let at: Vec<Instant> = self
            .at
            .borrow()
            .iter()
            .filter(|x| x.1)
            .map(|x| x.0)
            .collect();
        let window = Duration::from_secs(60);
        (0..at.len())
            .map(|i| at[i..].iter().take_while(|t| **t - at[i] < window).count())
            .max()
            .unwrap_or(0)
    }
}

/// One call that is not a look.
async fn call(l: &Looks) {
    l.call();
    tokio::time::sleep(RT).await;
}

/// One wait against a resource ready `ready` after its create.
async fn wait(t: &Tuning, w: Wait, ready: Duration, looks: &Looks) {
    let start = Instant::now();
    let before = looks.calls.get();
    let tidb = matches!(w, Wait::Endpoint | Wait::Connection);
    let _: Result<(), Error> = until(
        t.poll(w),
        "x",
        |_| {},
        || {
            looks.look(tidb);
            async move {
                tokio::time::sleep(RT).await;
                Ok::<_, Error>(if start.elapsed() >= ready + RT / 2 {
                    Probe::Ready(())
                } else {
                    Probe::Waiting("x".into())
                })
            }
        },
    )
    .await;
    let late = (start.elapsed().as_secs_f64() - ready.as_secs_f64()) * 1000.0;
    looks.late.borrow_mut().push((w, late));
    if std::env::var_os("STUDY_VERBOSE").is_some() {
        println!(
            "  {w:?}: {} looks, {late:.0} ms late",
            looks.calls.get() - before
        );
    }
}

/// The claim (`Ctx::claim`): both lists side by side until they show this run's own group,
/// which the lists show `lag` after its create (`since`).
async fn claim(t: &Tuning, since: Instant, lag: Duration, looks: &Looks) {
    let pause = t
        .quick()
        .first_look()
        .clamp(Duration::from_millis(100), Duration::from_secs(2));
    loop {
        looks.look(false);
        looks.call();
        let sent = Instant::now();
        tokio::time::sleep(RT).await;
        if sent + RT / 2 >= since + lag {
            return;
        }
        tokio::time::sleep(pause).await;
    }
}

/// What one setup drew (ms at time scale 0.05, the benchmark's).
#[derive(Clone, Copy)]
struct Draw {
    sg: f64,
    backend: f64,
    lb: f64,
    lsn: f64,
    es: f64,
    plc: f64,
    acc: f64,
    act: f64,
    /// How long the tag-filtered list misses the new server group.
    list_lag: f64,
}

impl Draw {
    /// The simulator's profile (`sim/clock.rs`) at time scale 0.05; the list lag is the
    /// largest `get-lag`.
    const PROFILE: Draw = Draw {
        sg: 250.0,
        backend: 250.0,
        lb: 3000.0,
        lsn: 500.0,
        es: 1000.0,
        plc: 4500.0,
        acc: 1500.0,
        act: 250.0,
        list_lag: 100.0,
    };

    fn map(self, mut f: impl FnMut(f64) -> f64) -> Draw {
        Draw {
            sg: f(self.sg),
            backend: f(self.backend),
            lb: f(self.lb),
            lsn: f(self.lsn),
            es: f(self.es),
            plc: f(self.plc),
            acc: f(self.acc),
            act: f(self.act),
            list_lag: f(self.list_lag),
        }
    }

    /// The profile with every delay log-normal around its median (σ `sigma`, clamped to
    /// ±4σ as the simulator does) and the list lag uniform up to its largest.
    fn jittered(rng: &mut fastrand::Rng, sigma: f64) -> Draw {
        let mut d = Draw::PROFILE.map(|m| {
            let u1 = 1.0 - rng.f64();
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * rng.f64()).cos();
            m * (sigma * z.clamp(-4.0, 4.0)).exp()
        });
        d.list_lag = Draw::PROFILE.list_lag * rng.f64();
        d
    }

    /// The critical-path bound (the benchmark's), ms.
    fn bound(&self) -> f64 {
        self.sg
            + self.lb.max(self.backend)
            + self.es
            + self.plc
            + self.acc
            + self.act
            + 12.0 * RT.as_secs_f64() * 1000.0
    }
}

/// One create call, then the wait for what it created.
async fn create(t: &Tuning, w: Wait, ready: Duration, looks: &Looks) {
    call(looks).await;
    wait(t, w, ready, looks).await;
}

/// What one setup cost.
struct Outcome {
    ratio: f64,
    late: Vec<(Wait, f64)>,
    calls: u32,
    tidb_peak: usize,
}

/// One apply against these draws.
async fn setup(d: Draw) -> Outcome {
    let ms = |x: f64| Duration::from_secs_f64(x / 1000.0);
    let t = Tuning::default();
    let looks = Looks::default();
    let l = &looks;
    let t = &t;
    let start = Instant::now();
    // Server group, then the claim: nothing billed before it.
    call(l).await;
    let created = Instant::now();
    wait(t, Wait::ServerGroup, ms(d.sg), l).await;
    claim(t, created, ms(d.list_lag), l).await;
    let backend = create(t, Wait::Job, ms(d.backend), l);
    let lb = create(t, Wait::LoadBalancer, ms(d.lb), l);
    tokio::join!(backend, lb);
    let listener = create(t, Wait::Listener, ms(d.lsn), l);
    let chain = async {
        create(t, Wait::EndpointService, ms(d.es), l).await;
        // AddUserToVpcEndpointService, the PLC look-up, create PLC, the convergence list.
        for _ in 0..4 {
            call(l).await;
        }
        wait(t, Wait::Endpoint, ms(d.plc), l).await;
        // The convergence list, the request (already there), the accept.
        for _ in 0..3 {
            call(l).await;
        }
        wait(t, Wait::Connection, ms(d.acc + d.act), l).await;
    };
    tokio::join!(listener, chain);
    let wall = start.elapsed().as_secs_f64() * 1000.0;
    Outcome {
        ratio: wall / d.bound(),
        late: looks.late.take(),
        calls: looks.calls.get(),
        tidb_peak: looks.tidb_peak_per_minute(),
    }
}

fn quantiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    (q(0.5), q(0.9), v[v.len() - 1])
}

#[tokio::test(start_paused = true)]
#[ignore = "a study, not a test: prints figures"]
async fn study() {
    let seeds: usize = std::env::var("STUDY_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let o = setup(Draw::PROFILE).await;
    println!(
        "fixed: ratio {:.3}, apply calls {}, TiDB looks in the busiest minute {}",
        o.ratio, o.calls, o.tidb_peak
    );
    // Real magnitudes where resources disagree with the documents in both directions: a
    // quick server group and backend, an NLB and a TiDB endpoint far slower than usual.
    let real = Draw {
        sg: 1_000.0,
        backend: 1_000.0,
        lb: 120_000.0,
        lsn: 10_000.0,
        es: 40_000.0,
        plc: 240_000.0,
        acc: 30_000.0,
        act: 5_000.0,
        list_lag: 2_000.0,
    };
    let o = setup(real).await;
    println!(
        "real magnitudes, mismatched: ratio {:.3}, apply calls {}, TiDB looks in the busiest minute {}",
        o.ratio, o.calls, o.tidb_peak
    );
    let o = setup(Draw::PROFILE.map(|x| x * 20.0)).await;
    println!(
        "real magnitudes, as documented: ratio {:.3}, apply calls {}, TiDB looks in the busiest minute {}",
        o.ratio, o.calls, o.tidb_peak
    );
    let o = setup(Draw::PROFILE.map(|x| x * 20.0 * 3.0)).await;
    println!(
        "real magnitudes, uniformly 3× slower: ratio {:.3}, apply calls {}, TiDB looks in the busiest minute {}",
        o.ratio, o.calls, o.tidb_peak
    );
    for sigma in [0.25, 0.5, 0.75] {
        let mut rng = fastrand::Rng::with_seed(1);
        let (mut ratios, mut calls, mut peak) = (Vec::new(), Vec::new(), 0);
        let mut late: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
        for _ in 0..seeds {
            let d = Draw::jittered(&mut rng, sigma);
            let o = setup(d).await;
            if std::env::var_os("STUDY_WORST").is_some() && o.ratio > 1.15 {
                println!(
                    "    ratio {:.3}: sg {:.0} backend {:.0} lb {:.0} lsn {:.0} es {:.0} plc {:.0} acc {:.0} act {:.0}; late {:?}",
                    o.ratio, d.sg, d.backend, d.lb, d.lsn, d.es, d.plc, d.acc, d.act, o.late
                );
            }
            ratios.push(o.ratio);
            calls.push(o.calls as f64);
            peak = peak.max(o.tidb_peak);
            for (w, ms) in o.late {
                late.entry(format!("{w:?}")).or_default().push(ms);
            }
        }
        let (m, p90, worst) = quantiles(ratios);
        let (cm, cp90, _) = quantiles(calls);
        println!(
            "σ {sigma} × {seeds}: ratio median {m:.3}, p90 {p90:.3}, worst {worst:.3}; apply calls median {cm:.0}, p90 {cp90:.0}; most TiDB looks in a minute {peak}"
        );
        if std::env::var_os("STUDY_LATE").is_some() {
            for (w, v) in late {
                let (m, p90, worst) = quantiles(v);
                println!("    {w:<16} late median {m:>5.0} ms, p90 {p90:>5.0}, worst {worst:>5.0}");
            }
        }
    }
}
