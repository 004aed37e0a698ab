//! Crash and resume: the real binary is SIGKILLed at many points of a setup (and of a
//! teardown), including right between a create call and the journal write; rerunning the
//! same command completes with nothing created twice.

use crate::common;

use crate::common::live;

use std::process::{Command, Stdio};
use std::time::Duration;

struct Runner<'a> {
    w: &'a common::World,
    state: std::path::PathBuf,
    /// `TILINK_POLL_SCALE`: the simulator's time scale, so polls match its delays.
    poll_scale: f64,
}

impl Runner<'_> {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.w.isolated(&self.state, self.poll_scale);
        c.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
        c
    }

    fn setup_args(&self) -> Vec<String> {
        let m = &self.w.m;
        [
            "setup",
            "--non-interactive",
            "--yes",
            "-o",
            "json",
            "--cluster-id",
            &m.cluster_id,
            "--rds-instance",
            &m.rds_instance_id,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
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
}

async fn assert_exactly_one(w: &common::World) {
    let s = w.state().await;
    for k in [
        "server_groups",
        "load_balancers",
        "listeners",
        "endpoint_services",
    ] {
        assert_eq!(live(&s, k), 1, "{k}: {}", s[k]);
    }
    let plcs = w
        .env
        .tidb()
        .unwrap()
        .list_plcs(&w.m.cluster_id)
        .await
        .unwrap();
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
        let w = common::world_with(tilink::sim::SimOptions {
            time_scale: 0.002,
            ..Default::default()
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let r = Runner {
            w: &w,
            state: dir.path().to_path_buf(),
            poll_scale: 0.002,
        };
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
    let w = common::world_with(tilink::sim::SimOptions {
        time_scale: 0.02,
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let r = Runner {
        w: &w,
        state: dir.path().to_path_buf(),
        poll_scale: 0.02,
    };
    let args = r.setup_args();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut kills = 0;
    let mut done = false;
    for _ in 0..40 {
        let after = Duration::from_millis(rng.u64(20..900));
        if tokio::task::block_in_place(|| r.run_killed(&args, Some(after), None)) {
            done = true;
            break;
        }
        kills += 1;
    }
    if !done {
        done = tokio::task::block_in_place(|| r.run_killed(&args, None, None));
    }
    assert!(done, "setup never completed");
    assert!(kills >= 3, "only {kills} kills happened");
    assert_exactly_one(&w).await;

    // Teardown, killed at random times too.
    let td: Vec<String> = ["teardown", "--yes", "--cluster-id", &w.m.cluster_id]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut td_kills = 0;
    let mut finished = false;
    for _ in 0..30 {
        let after = Duration::from_millis(rng.u64(30..600));
        if tokio::task::block_in_place(|| r.run_killed(&td, Some(after), None)) {
            finished = true;
            break;
        }
        td_kills += 1;
    }
    if !finished {
        finished = tokio::task::block_in_place(|| r.run_killed(&td, None, None));
    }
    assert!(finished, "teardown never completed");
    let s = w.state().await;
    for k in [
        "server_groups",
        "load_balancers",
        "listeners",
        "endpoint_services",
    ] {
        assert_eq!(live(&s, k), 0, "{k} left after teardown: {}", s[k]);
    }
    assert!(
        w.env
            .tidb()
            .unwrap()
            .list_plcs(&w.m.cluster_id)
            .await
            .unwrap()
            .is_empty()
    );
    println!("setup kills: {kills}, teardown kills: {td_kills}");
}
