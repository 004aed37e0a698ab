//! End-to-end setup benchmark (issue #8, part 1). Prints figures; never fails on a target.
//!
//! Against the in-process simulator with a per-call latency and a time scale, it runs:
//!
//! 1. **tilink**: one setup through the library (prepare → apply to ACTIVE), exactly as
//!    `tilink setup --non-interactive` does, with poll pauses scaled like the clouds
//!    (`Tuning::scale` = time scale, so the run is a faithful, faster replay of reality);
//! 2. **the doc-order script**: the recipe's steps strictly one after the other with
//!    tilink's own client operations, each wait polling every 5 s × time scale after a
//!    first 5 s × time scale delay (as Terraform's Alibaba provider does), in a fresh world.
//!
//! It reports wall times, the critical-path bound computed from the world's delay profile
//! (`GET /_sim/state` → `delays_ms`), their ratio, API calls by action, calls spent polling
//! and the speedup over the script.
//!
//! ```sh
//! cargo bench --bench setup
//! BENCH_LATENCY_MS=20 BENCH_TIME_SCALE=0.05 BENCH_RUNS=3 cargo bench --bench setup
//! ```

mod common;

use common::{Bench, bench_world, diff, knob, median, ms, total};
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

/// The critical path of the world's delay profile, in ms, with a description.
///
/// The chain to a usable connection (src/sim: `check_resource` wants an Active NLB,
/// `AddUserToVpcEndpointService` an Active service, `World::tick_plcs` makes the endpoint
/// connection request `plc_connection` after the PLC is created once the service is Active,
/// `EnableVpcEndpointConnection` connects after `connection_accept`, `plc_state` says ACTIVE
/// `plc_active` after Connected):
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
struct Bound {
    chain_ms: f64,
    rtts: u32,
    branch_ms: f64,
    branch_rtts: u32,
    latency_ms: f64,
    parts: Vec<(&'static str, f64)>,
}

impl Bound {
    fn from(delays: &Value, latency_ms: u64) -> Bound {
        let d = |k: &str| {
            delays[k]
                .as_f64()
                .unwrap_or_else(|| panic!("delays_ms.{k}"))
        };
        let parts = vec![
            ("load_balancer", d("load_balancer")),
            ("endpoint_service", d("endpoint_service")),
            ("plc_connection", d("plc_connection").max(d("plc_validate"))),
            ("connection_accept", d("connection_accept")),
            ("plc_active", d("plc_active")),
        ];
        let front = d("load_balancer").max(d("server_group") + d("backend_add"));
        let chain_ms = parts.iter().map(|p| p.1).sum::<f64>() - d("load_balancer") + front;
        let branch_ms = front + d("listener");
        Bound {
            chain_ms,
            rtts: 9,
            branch_ms,
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
            .is_some_and(|g| g.server_group_status == "Available")
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
        let x = a
            .get_load_balancer_attribute(&lb)
            .await
            .expect("GetLoadBalancerAttribute");
        (x.load_balancer.load_balancer_status == "Active").then_some(())
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
        let l = a
            .get_listener_attribute(&lsn)
            .await
            .expect("GetListenerAttribute");
        (l.listener_status == "Running").then_some(())
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
        let s = a
            .get_endpoint_service(&sid)
            .await
            .expect("GetVpcEndpointServiceAttribute");
        (s.service_status == "Active").then_some(())
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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::var_os("BENCH_TRACE").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let latency_ms: u64 = knob("BENCH_LATENCY_MS", 20);
    let time_scale: f64 = knob("BENCH_TIME_SCALE", 0.05);
    let poll_scale: f64 = knob("BENCH_POLL_SCALE", time_scale);
    let runs: usize = knob("BENCH_RUNS", 3).max(1);
    let seed: u64 = knob("BENCH_SEED", 1);
    let opts = SimOptions {
        seed,
        latency_ms,
        time_scale,
        ..SimOptions::default()
    };
    println!(
        "setup benchmark: latency {latency_ms} ms/call, time scale {time_scale}, tilink poll scale {poll_scale}, script polls every {:.0} ms, {runs} run(s) each, seed {seed}",
        5000.0 * time_scale
    );

    let mut tl_total = Vec::new();
    let mut tl_apply = Vec::new();
    let mut sc_total = Vec::new();
    let mut sc_apply = Vec::new();
    let mut last_tl = None;
    let mut last_sc = None;
    let mut bound = None;
    let mut sim_calls = 0;
    for run in 0..runs {
        // tilink, in a fresh world.
        let b = bench_world(opts.clone(), poll_scale).await;
        let state = b.admin_get("state").await;
        let bnd = Bound::from(&state["delays_ms"], latency_ms);
        let r = b.setup().await;
        let stats = b.admin_get("stats").await;
        sim_calls = stats["total_calls"].as_u64().unwrap_or(0);
        tl_total.push(r.prepare_wall + r.apply_wall);
        tl_apply.push(r.apply_wall);
        println!(
            "  run {run}: tilink   prepare {:>7} ms + apply {:>8} ms = {:>8} ms, {} calls",
            ms(r.prepare_wall),
            ms(r.apply_wall),
            ms(r.prepare_wall + r.apply_wall),
            total(&r.calls_total)
        );
        last_tl = Some(r);
        bound = Some(bnd);
        b.sim.shutdown().await;

        // The doc-order script, in another fresh world with the same seed.
        let b = bench_world(opts.clone(), poll_scale).await;
        let s = script(&b, Duration::from_secs_f64(5.0 * time_scale)).await;
        sc_total.push(s.prepare_wall + s.apply_wall);
        sc_apply.push(s.apply_wall);
        println!(
            "  run {run}: script   prepare {:>7} ms + apply {:>8} ms = {:>8} ms, {} calls",
            ms(s.prepare_wall),
            ms(s.apply_wall),
            ms(s.prepare_wall + s.apply_wall),
            total(&s.calls_total)
        );
        last_sc = Some(s);
        b.sim.shutdown().await;
    }
    let (r, s, bnd) = (
        last_tl.expect("a run"),
        last_sc.expect("a run"),
        bound.expect("a run"),
    );
    let tl_t = median(&mut tl_total);
    let tl_a = median(&mut tl_apply);
    let sc_t = median(&mut sc_total);
    let sc_a = median(&mut sc_apply);
    let bound_ms = bnd.total_ms();

    println!("\nCritical-path bound (delays_ms of this world, already scaled):");
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
    let sc_apply_calls = diff(&s.calls_prepare, &s.calls_total);
    let (s_polls, s_reads, s_writes) = split(&sc_apply_calls);

    println!("\ntilink step timeline (ms from the start of apply; last run):");
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
    println!("\nscript timeline (ms from the start of its apply; last run):");
    for (what, at) in &s.marks {
        println!("    {:<26} {:>9}", what, ms(*at));
    }

    println!();
    print_calls(
        "tilink prepare calls",
        &diff(&BTreeMap::new(), &r.calls_prepare),
    );
    print_calls("tilink apply calls", &apply_calls);
    print_calls("script apply calls", &sc_apply_calls);

    let ratio = secs(tl_t) * 1000.0 / bound_ms;
    let ratio_apply = secs(tl_a) * 1000.0 / bound_ms;
    let speedup = secs(sc_t) / secs(tl_t);
    let speedup_apply = secs(sc_a) / secs(tl_a);
    let calls = total(&r.calls_total);
    println!("\nSummary (medians of {runs} run(s))");
    println!(
        "  tilink wall (prepare + apply)      {:>9} ms   (apply alone {} ms)",
        ms(tl_t),
        ms(tl_a)
    );
    println!("  critical-path bound                {bound_ms:>9.1} ms");
    println!(
        "  wall / bound                       {ratio:>9.3}      (apply alone {ratio_apply:.3})   target ≤ 1.10: {}",
        verdict(ratio <= 1.10)
    );
    println!(
        "  doc-order script wall              {:>9} ms   (apply alone {} ms)",
        ms(sc_t),
        ms(sc_a)
    );
    println!(
        "  speedup over the script            {speedup:>9.3}×     (apply alone {speedup_apply:.3}×)   target ≥ 1.5×: {}",
        verdict(speedup >= 1.5)
    );
    println!(
        "  API calls per setup                {calls:>9}      (simulator counted {sim_calls})   target ≤ 45: {}",
        verdict(calls <= 45)
    );
    println!(
        "  apply calls: polls {polls}, other reads {reads}, writes {writes}; script: polls {s_polls}, reads {s_reads}, writes {s_writes}"
    );
    println!(
        "{}",
        json!({
            "bench": "setup",
            "latency_ms": latency_ms, "time_scale": time_scale, "poll_scale": poll_scale, "runs": runs,
            "tilink_ms": secs(tl_t) * 1000.0, "tilink_apply_ms": secs(tl_a) * 1000.0,
            "bound_ms": bound_ms, "ratio": ratio, "ratio_apply": ratio_apply,
            "script_ms": secs(sc_t) * 1000.0, "script_apply_ms": secs(sc_a) * 1000.0,
            "speedup": speedup, "speedup_apply": speedup_apply,
            "api_calls": calls, "api_calls_by_action": r.calls_total,
            "apply_polls": polls, "apply_reads": reads, "apply_writes": writes,
            "script_api_calls": total(&s.calls_total),
        })
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}
