use super::*;

fn tuning() -> Tuning {
    Tuning {
        timeout: Duration::from_secs(600),
        ..Tuning::default()
    }
}

/// One look at a resource that is ready once `ready` has passed since `start`.
fn look(start: Instant, ready: Duration) -> impl Future<Output = Result<Probe<()>, Error>> {
    let done = start.elapsed() >= ready;
    async move {
        Ok(if done {
            Probe::Ready(())
        } else {
            Probe::Waiting("Provisioning".into())
        })
    }
}

/// Runs one wait against a resource ready after `ready`; returns (looks, overshoot).
async fn run_wait(p: Poll, ready: Duration) -> (u32, Duration) {
    let start = Instant::now();
    let mut looks = 0;
    let r: Result<(), Error> = until(
        p,
        "x",
        |_| {},
        || {
            looks += 1;
            look(start, ready)
        },
    )
    .await;
    r.unwrap();
    (looks, start.elapsed() - ready)
}

#[tokio::test(start_paused = true)]
async fn waits_until_ready_and_reports_state_changes() {
    let mut n = 0;
    let mut states = Vec::new();
    let v: Result<u32, Error> = until(
        tuning().load_balancer(),
        "lb",
        |s| states.push(s.to_string()),
        || {
            n += 1;
            let k = n;
            async move {
                Ok::<_, Error>(if k < 4 {
                    Probe::Waiting("Provisioning".into())
                } else {
                    Probe::Ready(k)
                })
            }
        },
    )
    .await;
    assert_eq!(v, Ok(4));
    assert_eq!(states, ["Provisioning"]);
}

#[tokio::test(start_paused = true)]
async fn times_out_with_the_last_state() {
    let t = Tuning {
        timeout: Duration::from_secs(5),
        ..Tuning::default()
    };
    let r: Result<(), Error> = until(
        t.listener().now(),
        "the listener",
        |_| {},
        || async { Ok::<_, Error>(Probe::Waiting("Configuring".into())) },
    )
    .await;
    let e = r.unwrap_err();
    assert_eq!(e.kind(), crate::engine::Kind::Timeout);
    let e = e.to_string();
    assert!(
        e.contains("the listener") && e.contains("Configuring"),
        "{e}"
    );
}

/// The overshoot is a bounded share of the wait at any speed: a cloud 20× faster or 4×
/// slower than the documents, with nothing learned yet.
#[tokio::test(start_paused = true)]
async fn overshoot_is_a_bounded_share_at_any_speed() {
    for factor in [0.05, 0.2, 1.0, 4.0] {
        let t = tuning();
        let ready = Duration::from_millis((60_000.0 * factor) as u64);
        let (looks, over) = run_wait(t.load_balancer(), ready).await;
        let share = over.as_secs_f64() / ready.as_secs_f64();
        assert!(
            share <= EARLY_SHARE + 0.01,
            "factor {factor}: overshoot {over:?} of {ready:?} ({looks} looks)"
        );
        assert!(looks <= 40, "factor {factor}: {looks} looks");
    }
}

/// After a few waits at one pace, the next wait at that pace is found in few looks
/// and little overshoot.
#[tokio::test(start_paused = true)]
async fn learns_the_pace_of_the_run() {
    let t = tuning();
    let pace = 0.05;
    let scaled = |w: Wait| Duration::from_millis((w.typical_ms() as f64 * pace) as u64);
    // The waits before the PLC's in a setup.
    let before = [
        Wait::ServerGroup,
        Wait::Job,
        Wait::LoadBalancer,
        Wait::Listener,
        Wait::EndpointService,
    ];
    for w in before {
        run_wait(t.poll(w), scaled(w)).await;
    }
    assert_eq!(t.pace.learned(), 5);
    let (m, s) = t.pace.belief(Wait::LoadBalancer, Duration::from_secs(60));
    assert!((m.as_secs_f64() - 3.0).abs() < 0.5, "median {m:?}");
    // The pace is known; the NLB's own documented variation stays.
    let own = Wait::LoadBalancer.own_spread().unwrap();
    assert!(s >= own && s < 0.4, "spread {s}");
    let (looks, over) = run_wait(t.endpoint(), scaled(Wait::Endpoint)).await;
    // From a quarter of the median (its own documented variation stays), every ≤ 10 % later.
    assert!(looks <= 12, "{looks} looks");
    assert!(
        over.as_secs_f64() <= 0.1 * scaled(Wait::Endpoint).as_secs_f64(),
        "overshoot {over:?}"
    );
}

/// A running wait re-plans when another wait teaches the pace: the long wait started
/// with the documents' prior is not left sleeping towards it.
#[tokio::test(start_paused = true)]
async fn a_running_wait_replans_when_the_pace_is_learned() {
    let t = tuning();
    let long = t.load_balancer();
    let short = t.server_group();
    let started = Instant::now();
    let lb = run_wait(long, Duration::from_millis(3_000));
    let sg = run_wait(short, Duration::from_millis(250));
    let ((_, over), _) = tokio::join!(lb, sg);
    assert!(
        over <= Duration::from_millis(600),
        "NLB noticed {over:?} late after {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_wait_says_so_once() {
    let t = tuning();
    let mut updates = Vec::new();
    let start = Instant::now();
    let r: Result<(), Error> = until_reporting(
        t.listener(),
        "the listener",
        |u| updates.push(u),
        || look(start, Duration::from_secs(75)),
    )
    .await;
    r.unwrap();
    let slow: Vec<_> = updates
        .iter()
        .filter(|u| matches!(u, Update::Slow { .. }))
        .collect();
    assert_eq!(slow.len(), 1, "{updates:?}");
}

#[test]
fn usual_ranges_read_well() {
    assert_eq!(Wait::LoadBalancer.usual().range(), "usually 1–2 min");
    assert_eq!(Wait::Listener.usual().range(), "usually 5–30 s");
    assert_eq!(Wait::Endpoint.usual().range(), "usually 1–3 min");
}

/// Paces a test run may have learned: nothing, a consistent cloud 20× faster than the
/// documents, and one slow server group (ten times its pace) before quick resources.
fn paces() -> Vec<(&'static str, Tuning)> {
    let learned = |obs: &[(Wait, f64)]| {
        let t = tuning();
        for (w, pace) in obs {
            let d = Duration::from_millis(w.typical_ms()).mul_f64(*pace);
            t.pace.learn(*w, d.mul_f64(0.9), d);
        }
        t
    };
    vec![
        ("nothing learned", tuning()),
        (
            "consistent, 20× faster",
            learned(&[
                (Wait::ServerGroup, 0.05),
                (Wait::Job, 0.05),
                (Wait::LoadBalancer, 0.05),
                (Wait::EndpointService, 0.05),
            ]),
        ),
        (
            "one slow server group",
            learned(&[(Wait::ServerGroup, 0.48)]),
        ),
    ]
}

const KINDS: [Wait; 8] = [
    Wait::Job,
    Wait::ServerGroup,
    Wait::LoadBalancer,
    Wait::Listener,
    Wait::EndpointService,
    Wait::Endpoint,
    Wait::Connection,
    Wait::Quick,
];

/// Every gap is a bounded share of the time already waited: at most [`EARLY_SHARE`] before
/// the belief's median, at most [`LATE_SHARE`] from it on (or the smallest gap), whatever
/// the run learned. A resource ready after the first look is seen at most that share late.
#[test]
fn lateness_is_bounded_relative_to_the_elapsed_time() {
    for (what, t) in paces() {
        for w in KINDS {
            let p = t.poll(w);
            let (m, _) = p.belief();
            let mut at = p.first_look();
            while at < Duration::from_secs(1800) {
                let next = p.next_look(at);
                let gap = next - at;
                let share = if at >= m { LATE_SHARE } else { EARLY_SHARE };
                assert!(
                    gap <= at.mul_f64(share).max(MIN_GAP) + Duration::from_micros(1),
                    "{what}, {w:?}: gap {gap:?} after {at:?} (median {m:?})"
                );
                assert!(gap >= MIN_GAP, "{what}, {w:?}: gap {gap:?} after {at:?}");
                at = next;
            }
        }
    }
}

/// The belief never forgets a resource's own documented variation, however consistent the
/// run; a run whose resources disagree more than documented widens it.
#[test]
fn the_belief_keeps_each_resource_s_own_variation() {
    let (_, consistent) = &paces()[1];
    for w in KINDS {
        let (_, s) = consistent.poll(w).belief();
        assert!(s >= w.own_spread().unwrap_or(0.0), "{w:?}: spread {s}");
    }
    let noisy = tuning();
    let typ = |w: Wait| Duration::from_millis(w.typical_ms());
    noisy.pace.learn(
        Wait::LoadBalancer,
        typ(Wait::LoadBalancer).mul_f64(0.045),
        typ(Wait::LoadBalancer).mul_f64(0.05),
    );
    noisy.pace.learn(
        Wait::EndpointService,
        typ(Wait::EndpointService).mul_f64(0.9),
        typ(Wait::EndpointService),
    );
    let (_, wide) = noisy.poll(Wait::Endpoint).belief();
    let (_, narrow) = consistent.poll(Wait::Endpoint).belief();
    assert!(wide > 2.0 * narrow, "noisy {wide}, consistent {narrow}");
}

/// The study's worst case before: a server group ten times slower than its pace made the
/// NLB's first look come 14 s after an NLB ready at 0.84 s. One wait says little about the
/// cloud, least of all a server group's (documented 2–15 s).
#[tokio::test(start_paused = true)]
async fn one_slow_server_group_does_not_hide_a_quick_nlb() {
    let t = tuning();
    t.pace.learn(
        Wait::ServerGroup,
        Duration::from_millis(2_200),
        Duration::from_millis(2_450),
    );
    let (_, over) = run_wait(t.load_balancer(), Duration::from_millis(840)).await;
    assert!(over < Duration::from_millis(2_000), "seen {over:?} late");
}

/// However fast the run believes the cloud to be, its looks at TiDB Cloud (the PLC) stay
/// within [`TIDB_LOOKS_PER_WINDOW`] in any minute, shared by every wait of the run; an
/// Alibaba wait looks at most once per [`MIN_GAP`] (10 per second, under the 20 per second
/// the NLB and PrivateLink reads are held to, `cloud/limits.rs`).
#[tokio::test(start_paused = true)]
async fn looks_stay_within_the_clouds_rate_limits() {
    let t = Tuning {
        timeout: Duration::from_secs(300),
        ..Tuning::default()
    };
    // A cloud that seemed a thousand times faster than documented.
    for w in [Wait::ServerGroup, Wait::LoadBalancer] {
        let d = Duration::from_millis(w.typical_ms() / 1000);
        t.pace.learn(w, d.mul_f64(0.9), d);
    }
    let looks = std::cell::RefCell::new(Vec::new());
    let never = |w: Wait| {
        let looks = &looks;
        let t = &t;
        async move {
            let r: Result<(), Error> = until(
                t.poll(w),
                "x",
                |_| {},
                || {
                    looks.borrow_mut().push((w, Instant::now()));
                    async { Ok::<_, Error>(Probe::Waiting("PENDING".into())) }
                },
            )
            .await;
            assert!(r.is_err());
        }
    };
    tokio::join!(
        never(Wait::Endpoint),
        never(Wait::Connection),
        never(Wait::LoadBalancer)
    );
    let looks = looks.into_inner();
    let per = |tidb: bool, window: Duration| {
        let at: Vec<Instant> = looks
            .iter()
            .filter(|(w, _)| w.at_tidb() == tidb)
            .map(|x| x.1)
            .collect();
        (0..at.len())
            .map(|i| at[i..].iter().take_while(|x| **x - at[i] < window).count())
            .max()
            .unwrap_or(0)
    };
    let tidb = per(true, limits::TIDB_WINDOW);
    assert!(
        (TIDB_LOOKS_PER_WINDOW / 2..=TIDB_LOOKS_PER_WINDOW).contains(&tidb),
        "{tidb} TiDB looks in a minute"
    );
    let alibaba = per(false, Duration::from_secs(1));
    assert!(alibaba <= 10, "{alibaba} Alibaba looks in a second");
}
