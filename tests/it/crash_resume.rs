//! Crash and resume: the real binary is SIGKILLed at many points of a setup (and of a
//! teardown), including right between a create call and the journal write; rerunning the
//! same command completes with nothing created twice.

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

struct Runner<'a> {
    w: &'a common::World,
    state: std::path::PathBuf,
    /// `TILINK_POLL_SCALE`: the simulator's time scale, so polls match its delays.
    poll_scale: f64,
}

impl<'a> Runner<'a> {
    fn new(w: &'a common::World, state: &std::path::Path, poll_scale: f64) -> Self {
        Runner {
            w,
            state: state.to_path_buf(),
            poll_scale,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.w.isolated(&self.state, self.poll_scale);
        c.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
        c
    }

    fn setup_args(&self) -> Vec<String> {
        let argv = self
            .w
            .setup_argv(&["--non-interactive", "--yes", "-o", "json"]);
        argv.iter().map(|s| s.to_string()).collect()
    }

    /// Runs `args`, SIGKILLing it after `kill_after` if still running; true when it finished with 0.
    fn run_killed(
        &self,
        args: &[String],
        kill_after: Option<Duration>,
        crash_after: Option<&str>,
    ) -> bool {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut c = self.cmd(&a);
        if let Some(x) = crash_after {
            c.env("TILINK_CRASH_AFTER", x);
        }
        let mut child = c.spawn().expect("spawn");
        let deadline = std::time::Instant::now() + kill_after.unwrap_or(Duration::from_secs(120));
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                if !status.success() {
                    use std::io::Read;
                    let mut err = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = e.read_to_string(&mut err);
                    }
                    eprintln!(
                        "run exited {status}: {}",
                        err.lines().rev().take(3).collect::<Vec<_>>().join(" | ")
                    );
                }
                return status.success();
            }
            if std::time::Instant::now() >= deadline {
                let _ = child.kill(); // SIGKILL
                let _ = child.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Runs `args` up to `tries` times, each SIGKILLed after a random `after_ms`, until one
    /// finishes; if none did, once more to the end. Returns whether it finished, and the kills.
    fn run_killed_at_random(
        &self,
        args: &[String],
        rng: &mut fastrand::Rng,
        tries: usize,
        after_ms: std::ops::Range<u64>,
    ) -> (bool, usize) {
        let mut kills = 0;
        for _ in 0..tries {
            let after = Duration::from_millis(rng.u64(after_ms.clone()));
            if tokio::task::block_in_place(|| self.run_killed(args, Some(after), None)) {
                return (true, kills);
            }
            kills += 1;
        }
        let done = tokio::task::block_in_place(|| self.run_killed(args, None, None));
        (done, kills)
    }
}

async fn assert_exactly_one(w: &common::World) {
    common::assert_chain_live(&w.state().await, 1, "after the resume");
    let plcs = w.plcs().await;
    assert_eq!(plcs.len(), 1, "{plcs:?}");
    assert_eq!(plcs[0].state, "ACTIVE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_right_after_each_create_then_resumed() {
    // Abort right after each create succeeds, before its id reaches the journal; a fresh
    // world per point so every point is reached.
    let points = [
        "CreateServerGroup",
        "AddServersToServerGroup",
        "CreateLoadBalancer",
        "ModifySecurityIps",
        "CreateListener",
        "CreateVpcEndpointService",
        "AddUserToVpcEndpointService",
        "CreatePrivateLinkConnection",
        "EnableVpcEndpointConnection",
    ];
    for p in points {
        let w = common::world_at(0.002).await;
        let dir = tempfile::tempdir().unwrap();
        let r = Runner::new(&w, dir.path(), 0.002);
        let args = r.setup_args();
        let crashed = !tokio::task::block_in_place(|| r.run_killed(&args, None, Some(p)));
        assert!(crashed, "crash point {p} was not reached");
        assert!(
            tokio::task::block_in_place(|| r.run_killed(&args, None, None)),
            "resume after {p} did not finish"
        );
        assert_exactly_one(&w).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_times_during_setup_and_teardown() {
    let w = common::world_at(0.02).await;
    let dir = tempfile::tempdir().unwrap();
    let r = Runner::new(&w, dir.path(), 0.02);
    let args = r.setup_args();
    let mut rng = fastrand::Rng::with_seed(7);
    let (done, kills) = r.run_killed_at_random(&args, &mut rng, 40, 20..900);
    assert!(done, "setup never completed");
    assert!(kills >= 3, "only {kills} kills happened");
    assert_exactly_one(&w).await;

    // Teardown, killed at random times too.
    let td: Vec<String> = ["teardown", "--yes", "--cluster-id", &w.m.cluster_id]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (finished, td_kills) = r.run_killed_at_random(&td, &mut rng, 30, 30..600);
    assert!(finished, "teardown never completed");
    common::assert_chain_live(&w.state().await, 0, "left after teardown");
    assert!(w.plcs().await.is_empty());
    println!("setup kills: {kills}, teardown kills: {td_kills}");
}
