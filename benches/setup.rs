//! End-to-end setup benchmark (issue #8, part 1). Prints figures; never fails on a target.
//!
//! Against the in-process simulator with a per-call latency and a time scale, it runs:
//!
//! 1. **tilink**: one setup through the library (prepare → apply to ACTIVE), exactly as
//!    `tilink setup --non-interactive` does, never told how fast the simulator is
//!    (`Tuning::scale` 1.0, as for every user: it learns the pace from its first waits);
//! 2. **the doc-order script**: the recipe's steps strictly one after the other with
//!    tilink's own client operations, each wait polling every 5 s × time scale after a
//!    first 5 s × time scale delay (as Terraform's Alibaba provider does), in a fresh world.
//!
//! on the fixed profile and on 20 seeds with log-normal jitter (σ 0.5). It reports wall times,
//! the critical-path bound of the delays each world drew (every resource's `delay_ms` in
//! `GET /_sim/state`), their ratio, API calls by action, calls spent polling, the script side
//! by side, the median, p90 and worst ratio across the seeds, and the real binaries (`tilink
//! sim` + `tilink setup --non-interactive`).
//!
//! ```sh
//! cargo bench --bench setup
//! BENCH_SEEDS=20 BENCH_JITTER=0.5 cargo bench --bench setup
//! BENCH_LONG=1 cargo bench --bench setup    # real magnitudes: time scale 1.0, 50 ms/call
//! ```

mod common;

use common::sim_env::SimEnv;
use common::{Bench, SetupRun, bench_world, diff, knob, ms, total};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};
use tilink::cloud::aliyun::ops::{NewEndpointService, NewLoadBalancer, NewServerGroup};
use tilink::engine::apply::Step;
use tilink::sim::SimOptions;

/// Reads that wait on a resource's state (the polls). Other reads are one-shot lookups.
const POLL_ACTIONS: &[&str] = &[
    "GetJobStatus",
    "ListServerGroups",
    "GetLoadBalancerAttribute",
    "GetListenerAttribute",
    "GetVpcEndpointServiceAttribute",
    "ListVpcEndpointConnections",
    "GET /v1beta1/clusters/{id}/privateLinkConnections/{id}",
];

fn is_read(action: &str) -> bool {
    ["Get", "List", "Describe", "Check", "GET "]
        .iter()
        .any(|p| action.starts_with(p))
}

/// (polls, other reads, writes) of a call table.
fn split(calls: &BTreeMap<String, u64>) -> (u64, u64, u64) {
    let mut out = (0, 0, 0);
    for (a, n) in calls {
        if POLL_ACTIONS.contains(&a.as_str()) {
            out.0 += n;
        } else if is_read(a) {
            out.1 += n;
        } else {
            out.2 += n;
        }
    }
    out
}

/// The critical path of the delays one world actually drew, in ms, with a description.
///
/// The chain to a usable connection (src/sim: `check_resource` wants an Active NLB,
/// `AddUserToVpcEndpointService` an Active service, `World::tick_plcs` makes the endpoint
/// connection request `plc_connection` after the PLC is created once the service is Active,
/// `EnableVpcEndpointConnection` connects after the connection's drawn delay, `plc_state`
/// says ACTIVE the PLC's `active` delay after Connected):
///
///   max(server group + backend, NLB) ∥ … → NLB → endpoint service → whitelist (instant)
///   → PLC (request after plc_connection) → accept (Connected after connection_accept)
///   → ACTIVE (plc_active)
///
/// with one round trip per dependent call on it: CreateLoadBalancer, GetLoadBalancerAttribute
/// (Active), CreateVpcEndpointService, GetVpcEndpointServiceAttribute (Active),
/// AddUserToVpcEndpointService, create PLC, ListVpcEndpointConnections (request),
/// EnableVpcEndpointConnection, get PLC (ACTIVE) = 9. The other branch (server group +
/// backend ∥ NLB → listener) is shorter and is printed for reference.
///
/// The delays are each resource's own `delay_ms` in `GET /_sim/state` (already time-scaled):
/// with jitter they differ from the profile, and the bound is the one this run drew.
struct Bound {
    chain_ms: f64,
    rtts: u32,
    branch_ms: f64,
    branch_rtts: u32,
    latency_ms: f64,
    parts: Vec<(&'static str, f64)>,
}

/// The drawn delay of the resource whose `id_key` is `id` in `state[list]`.
fn drawn(state: &Value, list: &str, id_key: &str, id: &str) -> Value {
    state[list]
        .as_array()
        .and_then(|l| l.iter().find(|x| x[id_key] == id))
        .map(|x| x["delay_ms"].clone())
        .unwrap_or_else(|| panic!("{list}: no {id_key} {id} in the state"))
}

impl Bound {
    fn from(state: &Value, ids: &tilink::engine::journal::ResourceIds, latency_ms: u64) -> Bound {
        let id = |o: &Option<String>| o.clone().expect("setup journaled every id");
        let n = |v: Value, what: &str| v.as_f64().unwrap_or_else(|| panic!("delay of {what}"));
        // The drawn delay of each resource: (its list in the state, its id key, its id, what).
        let [sg, lb, lsn, es, accept] = [
            (
                "server_groups",
                "ServerGroupId",
                &ids.server_group_id,
                "server group",
            ),
            (
                "load_balancers",
                "LoadBalancerId",
                &ids.load_balancer_id,
                "NLB",
            ),
            ("listeners", "ListenerId", &ids.listener_id, "listener"),
            (
                "endpoint_services",
                "ServiceId",
                &ids.endpoint_service_id,
                "endpoint service",
            ),
            ("connections", "EndpointId", &ids.endpoint_id, "connection"),
        ]
        .map(|(list, key, i, what)| n(drawn(state, list, key, &id(i)), what));
        let sg_id = id(&ids.server_group_id);
        let backend = state["server_groups"]
            .as_array()
            .and_then(|l| l.iter().find(|x| x["ServerGroupId"] == sg_id.as_str()))
            .and_then(|g| g["Servers"][0]["delay_ms"].as_f64())
            .expect("backend delay");
        let plc = drawn(
            state,
            "private_link_connections",
            "privateLinkConnectionId",
            &id(&ids.private_link_connection_id),
        );
        let validate = state["delays_ms"]["plc_validate"].as_f64().unwrap_or(0.0);
        let parts = vec![
            ("server_group", sg),
            ("load_balancer", lb),
            ("endpoint_service", es),
            (
                "plc_connection",
                n(plc["connection"].clone(), "PLC").max(validate),
            ),
            ("connection_accept", accept),
            ("plc_active", n(plc["active"].clone(), "PLC active")),
        ];
        // One chain per cluster across machines (engine/setup/apply/claim.rs): a fresh setup's NLB
        // is created only once its server group is Available and the claim is settled, so
        // the front is the server group, then the NLB beside the backend.
        let front = sg + lb.max(backend);
        let chain_ms = parts.iter().map(|p| p.1).sum::<f64>() - sg - lb + front;
        Bound {
            chain_ms,
            // The NLB chain's 9, plus CreateServerGroup, ListServerGroups and the claim's
            // two lists (one round trip, side by side).
            rtts: 12,
            branch_ms: front + lsn,
            // CreateServerGroup, ListServerGroups, AddServers, GetJobStatus, CreateListener,
            // GetListenerAttribute (or CreateLoadBalancer, Get…, CreateListener, Get…).
            branch_rtts: 6,
            latency_ms: latency_ms as f64,
            parts,
        }
    }

    fn total_ms(&self) -> f64 {
        (self.chain_ms + self.rtts as f64 * self.latency_ms)
            .max(self.branch_ms + self.branch_rtts as f64 * self.latency_ms)
    }
}

/// Terraform-style wait: a first delay, then a fixed interval between checks.
async fn wait_fixed<T, F, Fut>(every: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    loop {
        tokio::time::sleep(every).await;
        if let Some(v) = probe().await {
            return v;
        }
    }
}

struct ScriptRun {
    prepare_wall: Duration,
    apply_wall: Duration,
    marks: Vec<(&'static str, Duration)>,
    calls_prepare: BTreeMap<String, u64>,
    calls_total: BTreeMap<String, u64>,
}

/// The recipe in document order, one step after the other, with tilink's client ops.
async fn script(b: &Bench, every: Duration) -> ScriptRun {
    let t0 = Instant::now();
    let prep = b.prepare().await;
    let prepare_wall = t0.elapsed();
    let calls_prepare = b.env.stats.snapshot();
    let p = prep.plan.clone().expect("plan");
    let a = &prep.clients.aliyun;
    let t = &prep.clients.tidb;
    let t1 = Instant::now();
    let mut marks = Vec::new();
    let mut mark = |what: &'static str| marks.push((what, t1.elapsed()));

    let sg = a
        .create_server_group(&NewServerGroup {
            name: &p.server_group_name,
            vpc_id: &p.vpc_id,
            tags: &p.tags,
            client_token: "script-sg",
            dry_run: false,
        })
        .await
        .expect("CreateServerGroup")
        .server_group_id;
    wait_fixed(every, || async {
        let g = a
            .list_server_groups(std::slice::from_ref(&sg), &[])
            .await
            .expect("ListServerGroups");
        g.first()
            .is_some_and(|g| g.server_group_status.as_str() == "Available")
            .then_some(())
    })
    .await;
    mark("server group Available");

    let job = a
        .add_ip_servers(
            &sg,
            &[(p.backend_ip.clone(), p.backend_port)],
            Some("script-backend"),
        )
        .await
        .expect("AddServersToServerGroup")
        .job_id;
    wait_fixed(every, || async {
        let s = a.get_job_status(&job).await.expect("GetJobStatus");
        s.status.eq_ignore_ascii_case("Succeeded").then_some(())
    })
    .await;
    mark("backend added");

    let zones: Vec<(String, String)> = p
        .zones
        .iter()
        .map(|z| (z.zone.clone(), z.vswitch_id.clone()))
        .collect();
    let lb = a
        .create_load_balancer(&NewLoadBalancer {
            name: &p.load_balancer_name,
            vpc_id: &p.vpc_id,
            zones: &zones,
            tags: &p.tags,
            client_token: "script-lb",
            dry_run: false,
        })
        .await
        .expect("CreateLoadBalancer")
        .loadbalancer_id;
    wait_fixed(every, || async {
        // A Get may not see the NLB right after its create (docs/API-BEHAVIOUR.md, get-lag).
        match a.get_load_balancer_attribute(&lb).await {
            Err(e) if e.is_not_found() => None,
            x => (x
                .expect("GetLoadBalancerAttribute")
                .load_balancer
                .load_balancer_status
                .as_str()
                == "Active")
                .then_some(()),
        }
    })
    .await;
    mark("NLB Active");

    let lsn = a
        .create_listener(
            &lb,
            p.backend_port,
            &sg,
            "script",
            &p.tags,
            "script-lsn",
            false,
        )
        .await
        .expect("CreateListener")
        .listener_id;
    wait_fixed(every, || async {
        match a.get_listener_attribute(&lsn).await {
            Err(e) if e.is_not_found() => None,
            l => (l.expect("GetListenerAttribute").listener_status.as_str() == "Running")
                .then_some(()),
        }
    })
    .await;
    mark("listener Running");

    let zone_ids: Vec<String> = p.zones.iter().map(|z| z.zone.clone()).collect();
    let es = a
        .create_endpoint_service(&NewEndpointService {
            load_balancer_id: &lb,
            zones: &zone_ids,
            description: "script",
            tags: &p.tags,
            client_token: "script-es",
            dry_run: false,
        })
        .await
        .expect("CreateVpcEndpointService");
    let sid = es.service_id.clone();
    wait_fixed(every, || async {
        match a.get_endpoint_service(&sid).await {
            Err(e) if e.is_not_found() => None,
            s => (s
                .expect("GetVpcEndpointServiceAttribute")
                .service_status
                .as_str()
                == "Active")
                .then_some(()),
        }
    })
    .await;
    mark("endpoint service Active");

    a.add_user(&sid, &p.tidb_account_id)
        .await
        .expect("AddUserToVpcEndpointService");
    mark("whitelisted");
    a.modify_security_ips(&p.rds_id, &p.allowlist_group, &p.allowlist_cidrs, "Cover")
        .await
        .expect("ModifySecurityIps");
    mark("allowlist written");

    let plc = t
        .create_plc(&p.cluster_id, &p.plc_name, &es.service_name)
        .await
        .expect("create PLC")
        .private_link_connection_id;
    mark("PLC created");
    let ep = wait_fixed(every, || async {
        let conns = a
            .list_connections(&sid)
            .await
            .expect("ListVpcEndpointConnections");
        conns
            .into_iter()
            .find(|c| c.endpoint_owner_id.to_string() == p.tidb_account_id)
            .map(|c| c.endpoint_id)
    })
    .await;
    mark("connection request seen");
    a.enable_connection(&sid, &ep)
        .await
        .expect("EnableVpcEndpointConnection");
    mark("accepted");
    wait_fixed(every, || async {
        let x = t.get_plc(&p.cluster_id, &plc).await.expect("get PLC");
        assert_ne!(x.state, "FAILED", "{}", x.message);
        (x.state == "ACTIVE").then_some(())
    })
    .await;
    mark("PLC ACTIVE");
    ScriptRun {
        prepare_wall,
        apply_wall: t1.elapsed(),
        marks,
        calls_prepare,
        calls_total: b.env.stats.snapshot(),
    }
}

fn print_calls(title: &str, calls: &BTreeMap<String, u64>) {
    println!("  {title} ({} calls):", total(calls));
    for (a, n) in calls {
        let kind = if POLL_ACTIONS.contains(&a.as_str()) {
            "poll"
        } else if is_read(a) {
            "read"
        } else {
            "write"
        };
        println!("    {n:>3}  {kind:<5} {a}");
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// One configuration's run: tilink, then the script, each in a fresh world with the same seed
/// (per-kind delay streams: both draw the same delays for their first NLB, service, …).
struct Sample {
    label: String,
    tilink: SetupRun,
    bound: Bound,
    sim_calls: u64,
    script: ScriptRun,
}

async fn sample(label: String, opts: &SimOptions) -> Sample {
    let b = bench_world(opts.clone()).await;
    let r = b.setup().await;
    let state = b.admin_get("state").await;
    let bound = Bound::from(&state, &r.model.journal.resources, opts.latency_ms);
    let sim_calls = b.admin_get("stats").await["total_calls"]
        .as_u64()
        .unwrap_or(0);
    b.sim.shutdown().await;
    let b = bench_world(opts.clone()).await;
    let script = script(&b, Duration::from_secs_f64(5.0 * opts.time_scale)).await;
    b.sim.shutdown().await;
    Sample {
        label,
        tilink: r,
        bound,
        sim_calls,
        script,
    }
}

impl Sample {
    fn wall(&self) -> Duration {
        self.tilink.prepare_wall + self.tilink.apply_wall
    }
    fn ratio(&self) -> f64 {
        secs(self.wall()) * 1000.0 / self.bound.total_ms()
    }
    fn calls(&self) -> u64 {
        total(&self.tilink.calls_total)
    }
    fn script_wall(&self) -> Duration {
        self.script.prepare_wall + self.script.apply_wall
    }
}

/// (median, p90, worst) of `v` (nearest rank; NaN when empty).
fn quantiles(v: &mut [f64]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    (q(0.5), q(0.9), v[v.len() - 1])
}

/// The real binaries: `tilink sim` at its defaults and `tilink setup --non-interactive`
/// against it, with no speed hint in the environment; wall time of the setup process.
fn process_setup() -> Option<(Duration, bool)> {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let bin = env!("CARGO_BIN_EXE_tilink");
    let dir = tempfile::tempdir().ok()?;
    let mut sim = Command::new(bin)
        .arg("sim")
        .env_remove("TILINK_POLL_SCALE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut first = String::new();
    std::io::BufReader::new(sim.stdout.take()?)
        .read_line(&mut first)
        .ok()?;
    let m: tilink::sim::Manifest = serde_json::from_str(&first).ok()?;
    let t0 = Instant::now();
    let out = Command::new(bin)
        .args(["setup", "--non-interactive", "--yes", "--cluster-id"])
        .arg(&m.cluster_id)
        .arg("--rds-instance")
        .arg(&m.rds_instance_id)
        .env_remove("TILINK_POLL_SCALE")
        .env("TILINK_STATE_DIR", dir.path())
        .env("TILINK_NO_KEYRING", "1")
        .env("HOME", dir.path())
        .sim_env(&m)
        .output()
        .ok()?;
    let wall = t0.elapsed();
    let _ = sim.kill();
    let _ = sim.wait();
    Some((wall, out.status.success()))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::var_os("BENCH_TRACE").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let long = std::env::var_os("BENCH_LONG").is_some();
    let latency_ms: u64 = knob("BENCH_LATENCY_MS", if long { 50 } else { 20 });
    let time_scale: f64 = knob("BENCH_TIME_SCALE", if long { 1.0 } else { 0.05 });
    let sigma: f64 = knob("BENCH_JITTER", 0.5);
    let seeds: u64 = knob("BENCH_SEEDS", if long { 0 } else { 20 });
    let seed: u64 = knob("BENCH_SEED", 1);
    let seed0: u64 = knob("BENCH_SEED0", 101);
    let base = SimOptions {
        seed,
        latency_ms,
        time_scale,
        ..SimOptions::default()
    };
    println!(
        "setup benchmark: latency {latency_ms} ms/call, time scale {time_scale}, tilink never told the speed, script polls every {:.0} ms; fixed profile (seed {seed}) + {seeds} seed(s) at σ = {sigma}",
        5000.0 * time_scale
    );
    let mut configs = vec![("fixed".to_string(), base.clone())];
    for k in 0..seeds {
        configs.push((
            format!("σ{sigma} seed {}", seed0 + k),
            SimOptions {
                seed: seed0 + k,
                jitter: sigma,
                ..base.clone()
            },
        ));
    }
    let mut samples = Vec::new();
    for (label, opts) in configs {
        let s = sample(label, &opts).await;
        println!(
            "  {:<16} tilink {:>8} ms ({:>3} calls) · bound {:>8.0} ms · ratio {:.3} · script {:>8} ms ({} calls)",
            s.label,
            ms(s.wall()),
            s.calls(),
            s.bound.total_ms(),
            s.ratio(),
            ms(s.script_wall()),
            total(&s.script.calls_total)
        );
        samples.push(s);
    }
    let fixed = &samples[0];
    let (r, sc, bnd) = (&fixed.tilink, &fixed.script, &fixed.bound);
    let bound_ms = bnd.total_ms();

    println!("\nCritical-path bound of the fixed profile (drawn delays, already scaled):");
    for (k, v) in &bnd.parts {
        println!("    {v:>8.0} ms  {k}");
    }
    println!(
        "  = {:.0} ms of dependent provisioning + {} round trips × {} ms = {:.0} ms",
        bnd.chain_ms, bnd.rtts, latency_ms, bound_ms
    );
    println!(
        "  (other branch: max(server group + backend, NLB) + listener = {:.0} ms + {} × {} ms)",
        bnd.branch_ms, bnd.branch_rtts, latency_ms
    );

    let apply_calls = diff(&r.calls_prepare, &r.calls_total);
    let (polls, reads, writes) = split(&apply_calls);
    let sc_apply_calls = diff(&sc.calls_prepare, &sc.calls_total);
    let (s_polls, s_reads, s_writes) = split(&sc_apply_calls);

    println!("\ntilink step timeline, fixed profile (ms from the start of apply):");
    let d = |x: Option<Duration>| x.map(ms).unwrap_or_else(|| "-".into());
    let l = latency_ms as f64;
    let ideal: BTreeMap<Step, f64> = {
        let p = |k: &str| {
            bnd.parts
                .iter()
                .find(|p| p.0 == k)
                .map(|p| p.1)
                .unwrap_or(0.0)
        };
        let lb = p("load_balancer") + 2.0 * l;
        let es = lb + p("endpoint_service") + 2.0 * l;
        let wl = es + l;
        let conn = wl + p("plc_connection") + 2.0 * l;
        let acc = conn + l;
        let ver = acc + p("connection_accept") + p("plc_active") + l;
        [
            (Step::LoadBalancer, lb),
            (Step::EndpointService, es),
            (Step::Whitelist, wl),
            (Step::Connection, conn),
            (Step::Accept, acc),
            (Step::Verify, ver),
        ]
        .into_iter()
        .collect()
    };
    println!(
        "    {:<18} {:>9} {:>9} {:>13}",
        "step", "started", "done", "earliest done"
    );
    for (step, (st, dn)) in &r.timeline {
        println!(
            "    {:<18} {:>9} {:>9} {:>13}",
            step.name(),
            d(*st),
            d(*dn),
            ideal
                .get(step)
                .map(|v| format!("{v:.0}"))
                .unwrap_or_default()
        );
    }
    println!("\nscript timeline, fixed profile (ms from the start of its apply):");
    for (what, at) in &sc.marks {
        println!("    {:<26} {:>9}", what, ms(*at));
    }

    println!();
    print_calls(
        "tilink prepare calls",
        &diff(&BTreeMap::new(), &r.calls_prepare),
    );
    print_calls("tilink apply calls", &apply_calls);
    print_calls("script apply calls", &sc_apply_calls);

    let jittered = &samples[1..];
    let mut ratios: Vec<f64> = jittered.iter().map(Sample::ratio).collect();
    let mut calls: Vec<f64> = jittered.iter().map(|s| s.calls() as f64).collect();
    let slower_than_script = samples
        .iter()
        .filter(|s| s.wall() > s.script_wall())
        .count();
    println!("\nSummary");
    println!(
        "  fixed: tilink {} ms (prepare {} + apply {}), bound {bound_ms:.0} ms, ratio {:.3}   target ≤ 1.10: {}",
        ms(fixed.wall()),
        ms(r.prepare_wall),
        ms(r.apply_wall),
        fixed.ratio(),
        verdict(fixed.ratio() <= 1.10)
    );
    println!(
        "  fixed: {} API calls (simulator counted {}; prepare {}, apply polls {polls}, other reads {reads}, writes {writes})   target ≤ 48: {}",
        fixed.calls(),
        fixed.sim_calls,
        total(&r.calls_prepare),
        verdict(fixed.calls() <= 48)
    );
    println!(
        "  fixed: script {} ms, {} calls (polls {s_polls}, reads {s_reads}, writes {s_writes}); speedup {:.3}×",
        ms(fixed.script_wall()),
        total(&sc.calls_total),
        secs(fixed.script_wall()) / secs(fixed.wall())
    );
    let (med, p90, worst) = quantiles(&mut ratios);
    let (med_calls, p90_calls, _) = quantiles(&mut calls);
    if !jittered.is_empty() {
        println!(
            "  σ = {sigma}, {} seeds: ratio median {med:.3} (target ≤ 1.08: {}), p90 {p90:.3} (target ≤ 1.15: {}), worst {worst:.3}; calls median {med_calls:.0}, p90 {p90_calls:.0}",
            jittered.len(),
            verdict(med <= 1.08),
            verdict(p90 <= 1.15),
        );
    }
    println!(
        "  slower than the 5 s-poll script in {slower_than_script} of {} runs   target 0: {}",
        samples.len(),
        verdict(slower_than_script == 0)
    );
    let process = if long || std::env::var_os("BENCH_SKIP_PROCESS").is_some() {
        None
    } else {
        process_setup()
    };
    if let Some((wall, ok)) = process {
        println!(
            "  `tilink setup --non-interactive` against a default `tilink sim` (processes, no env hint): {} ms, {}   target < 15 s: {}",
            ms(wall),
            if ok { "ACTIVE" } else { "FAILED" },
            verdict(ok && wall < Duration::from_secs(15))
        );
    }
    println!(
        "{}",
        json!({
            "bench": "setup",
            "latency_ms": latency_ms, "time_scale": time_scale,
            "jitter": sigma,
            "fixed": {"tilink_ms": secs(fixed.wall()) * 1000.0, "bound_ms": bound_ms,
                      "ratio": fixed.ratio(), "api_calls": fixed.calls(),
                      "script_ms": secs(fixed.script_wall()) * 1000.0,
                      "script_api_calls": total(&sc.calls_total),
                      "api_calls_by_action": r.calls_total},
            "jittered": jittered.iter().map(|s| json!({"label": s.label, "tilink_ms": secs(s.wall()) * 1000.0,
                "bound_ms": s.bound.total_ms(), "ratio": s.ratio(), "api_calls": s.calls(),
                "script_ms": secs(s.script_wall()) * 1000.0})).collect::<Vec<_>>(),
            "jittered_ratio_median": med, "jittered_ratio_p90": p90, "jittered_ratio_worst": worst,
            "jittered_calls_median": med_calls, "jittered_calls_p90": p90_calls,
            "process_setup_ms": process.map(|p| secs(p.0) * 1000.0),
        })
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}
