//! A virtual setup against drawn delays, in paused time, to study the schedule:
//! `cargo test --lib poll::study -- --ignored --nocapture`.

use super::*;

/// One wait against a resource ready `ready` after its create; 20 ms per look.
async fn wait(t: &Tuning, w: Wait, ready: Duration, looks: &std::cell::Cell<u32>) {
    let start = Instant::now();
    let before = looks.get();
    let _: Result<(), Error> = until(
        t.poll(w),
        "x",
        |_| {},
        || {
            looks.set(looks.get() + 1);
            async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, Error>(if start.elapsed() >= ready + Duration::from_millis(10) {
                    Probe::Ready(())
                } else {
                    Probe::Waiting("x".into())
                })
            }
        },
    )
    .await;
    if std::env::var_os("STUDY_VERBOSE").is_some() {
        println!(
            "  {w:?}: {} looks, {:.0} ms late",
            looks.get() - before,
            (start.elapsed().as_secs_f64() - ready.as_secs_f64()) * 1000.0
        );
    }
}

/// (wall ms, bound ms, looks) of one setup with these drawn delays (ms at scale 0.05).
async fn setup(d: [f64; 8]) -> (f64, f64, u32) {
    let [sg, backend, lb, lsn, es, plc, acc, act] = d.map(|x| Duration::from_secs_f64(x / 1000.0));
    let t = Tuning::default();
    let looks = std::cell::Cell::new(0);
    let rt = Duration::from_millis(20);
    let start = Instant::now();
    let side = async {
        tokio::time::sleep(rt).await;
        wait(&t, Wait::ServerGroup, sg, &looks).await;
        tokio::time::sleep(rt).await;
        wait(&t, Wait::Job, backend, &looks).await;
    };
    let lbw = async {
        tokio::time::sleep(rt).await;
        wait(&t, Wait::LoadBalancer, lb, &looks).await;
    };
    tokio::join!(side, lbw);
    let listener = async {
        tokio::time::sleep(rt).await;
        wait(&t, Wait::Listener, lsn, &looks).await;
    };
    let chain = async {
        tokio::time::sleep(rt).await;
        wait(&t, Wait::EndpointService, es, &looks).await;
        tokio::time::sleep(rt * 2).await;
        wait(&t, Wait::Endpoint, plc, &looks).await;
        tokio::time::sleep(rt * 2).await;
        wait(&t, Wait::Connection, acc + act, &looks).await;
    };
    tokio::join!(listener, chain);
    let wall = start.elapsed().as_secs_f64() * 1000.0;
    let bound = lb.max(sg + backend).as_secs_f64() * 1000.0
        + (es + plc + acc + act).as_secs_f64() * 1000.0
        + 9.0 * 20.0;
    (wall, bound, looks.get() + 26)
}

#[tokio::test(start_paused = true)]
#[ignore = "a study, not a test: prints figures"]
async fn study() {
    let profile = [250.0, 250.0, 3000.0, 500.0, 1000.0, 4500.0, 1500.0, 250.0];
    let (w, b, l) = setup(profile).await;
    println!("fixed: ratio {:.3}, calls {l}", w / b);
    // Real magnitudes where resources disagree with the documents in both directions: a
    // quick server group and backend, an NLB and a TiDB endpoint far slower than usual.
    let real = [
        1_000.0, 1_000.0, 120_000.0, 10_000.0, 40_000.0, 240_000.0, 30_000.0, 5_000.0,
    ];
    let (w, b, l) = setup(real).await;
    println!("real magnitudes, mismatched: ratio {:.3}, calls {l}", w / b);
    let uniform = profile.map(|x| x * 20.0 * 3.0);
    let (w, b, l) = setup(uniform).await;
    println!(
        "real magnitudes, uniformly 3× slower: ratio {:.3}, calls {l}",
        w / b
    );
    let mut rng = fastrand::Rng::with_seed(1);
    let mut ratios = Vec::new();
    let mut calls = Vec::new();
    for _ in 0..200 {
        let d = profile.map(|m| {
            let u1 = 1.0 - rng.f64();
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * rng.f64()).cos();
            m * (0.5 * z.clamp(-4.0, 4.0)).exp()
        });
        let (w, b, l) = setup(d).await;
        ratios.push(w / b);
        calls.push(l);
    }
    ratios.sort_by(f64::total_cmp);
    calls.sort();
    println!(
        "σ 0.5 × 200: ratio median {:.3}, p90 {:.3}, worst {:.3}; calls median {}, p90 {}",
        ratios[100], ratios[180], ratios[199], calls[100], calls[180]
    );
}
