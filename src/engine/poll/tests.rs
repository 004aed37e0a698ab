use super::*;

fn tuning() -> Tuning {
    Tuning {
        timeout: Duration::from_secs(600),
        ..Tuning::default()
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
            let done = start.elapsed() >= ready;
            async move {
                Ok::<_, Error>(if done {
                    Probe::Ready(())
                } else {
                    Probe::Waiting("Provisioning".into())
                })
            }
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
            share <= 0.41,
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
    let (m, s) = t.pace.belief(Duration::from_secs(60));
    assert!((m.as_secs_f64() - 3.0).abs() < 0.5, "median {m:?}");
    assert!(s < 0.3, "spread {s}");
    let (looks, over) = run_wait(t.endpoint(), scaled(Wait::Endpoint)).await;
    assert!(looks <= 4, "{looks} looks");
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
        || {
            let done = start.elapsed() >= Duration::from_secs(75);
            async move {
                Ok::<_, Error>(if done {
                    Probe::Ready(())
                } else {
                    Probe::Waiting("Provisioning".into())
                })
            }
        },
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
