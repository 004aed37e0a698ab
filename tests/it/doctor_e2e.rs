//! Doctor against the simulator: a healthy chain passes; each failure mode, produced through
//! the APIs as a colleague would, is named by the right check with a fix; `--fix` repairs it
//! and a second run is healthy.

use crate::common;

use crate::common::World;
use tilink::engine::check::Status;
use tilink::engine::doctor::{Report, Start, examine};
use tilink::engine::facts::PlcInfo;

async fn start(w: &World, plc_id: &str) -> Start {
    let p = w.plc(plc_id).await;
    let all = w.plcs().await;
    Start::Plc {
        cluster_id: w.m.cluster_id.clone(),
        plc: tilink::engine::discover::plc_info(&p),
        all: Some(tilink::engine::doctor::facts::plcs(&all)),
    }
}

async fn doctor(w: &World, plc_id: &str) -> Report {
    let s = start(w, plc_id).await;
    examine(&w.clients(), &s).await.1
}

fn status(r: &Report, id: &str) -> Status {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
        .status
}

fn failing(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| format!("{}: {}", c.id, c.detail))
        .collect()
}

/// Applies every fix, then waits until doctor is healthy again (the cloud settles).
/// Doctor once nothing is being modified (a test's own write leaves the RDS instance or a
/// service settling for a moment; doctor calls that "changing" and --fix waits for it).
async fn settled(w: &World, plc_id: &str) -> Report {
    let mut r = doctor(w, plc_id).await;
    for _ in 0..100 {
        if r.checks.iter().all(|c| c.status != Status::Changing) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        r = doctor(w, plc_id).await;
    }
    r
}

async fn fix_and_recheck(w: &World, plc_id: &str, r: &Report) -> Report {
    assert!(!r.fixes.is_empty(), "no fix offered for {:?}", failing(r));
    for f in &r.fixes {
        f.apply(&w.clients(), w.env.tuning.clone())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", f.describe()));
    }
    let mut last = doctor(w, plc_id).await;
    for _ in 0..100 {
        if last.healthy
            && last
                .checks
                .iter()
                .all(|c| c.status != Status::Warn || c.id == "foreign-connections")
            && last.checks.iter().all(|c| c.status != Status::Changing)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        last = doctor(w, plc_id).await;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failure_mode_is_named_and_fixed() {
    let (w, m) = common::world_with_chain().await;
    let ids = m.journal.resources.clone();
    let plc = ids.private_link_connection_id.clone().unwrap();
    let svc = ids.endpoint_service_id.clone().unwrap();
    let a = w.clients().aliyun;

    // Healthy.
    let r = doctor(&w, &plc).await;
    assert!(r.healthy, "{:#?}", failing(&r));
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:#?}",
        r.checks
            .iter()
            .filter(|c| c.status != Status::Pass)
            .collect::<Vec<_>>()
    );
    assert_eq!(r.checks.len(), 19, "18 links and the dependents");
    assert!(r.depth <= 4, "depth {}", r.depth);

    // 1. Someone removes TiDB Cloud's account from the whitelist.
    a.remove_user(&svc, &w.m.tidb_account_id).await.unwrap();
    let r = doctor(&w, &plc).await;
    assert_eq!(status(&r, "service-whitelist"), Status::Fail);
    assert!(
        r.checks
            .iter()
            .find(|c| c.id == "service-whitelist")
            .unwrap()
            .fix
            .is_some()
    );
    let r = fix_and_recheck(&w, &plc, &r).await;
    assert_eq!(status(&r, "service-whitelist"), Status::Pass);

    // 2. Someone disables (rejects) the endpoint connection.
    a.disable_connection(&svc, ids.endpoint_id.as_deref().unwrap())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let r = doctor(&w, &plc).await;
    assert_eq!(
        status(&r, "connection-state"),
        Status::Fail,
        "{:#?}",
        r.checks
    );
    let r = fix_and_recheck(&w, &plc, &r).await;
    assert!(r.healthy, "{:#?}", failing(&r));
    assert_eq!(status(&r, "plc-state"), Status::Pass);

    // 3. Someone empties tilink's allowlist group: health checks time out.
    let group = ids.allowlist_group.clone().unwrap();
    let ips = w.allowlist_ips(&group).await;
    a.modify_security_ips(&w.m.rds_instance_id, &group, &ips, "Delete")
        .await
        .unwrap();
    let r = settled(&w, &plc).await;
    assert_eq!(status(&r, "rds-allowlist"), Status::Fail);
    assert_eq!(status(&r, "backend-health"), Status::Fail);
    let r = fix_and_recheck(&w, &plc, &r).await;
    assert!(r.healthy, "{:#?}", failing(&r));

    // 4. A zone migration changes the RDS private IP: the backend is stale.
    w.admin(
        "inject",
        serde_json::json!({"kind": "rds-ip-change", "instance_id": w.m.rds_instance_id}),
    )
    .await;
    let r = doctor(&w, &plc).await;
    assert_eq!(status(&r, "backend-ip"), Status::Fail);
    let r = fix_and_recheck(&w, &plc, &r).await;
    assert!(r.healthy, "{:#?}", failing(&r));
    assert_eq!(status(&r, "backend-ip"), Status::Pass);

    // 5. A request from another account: reported, never accepted.
    w.admin("inject", serde_json::json!({"kind": "foreign-connection", "service_id": svc, "owner_id": 1234567890123456u64})).await;
    let r = doctor(&w, &plc).await;
    assert_eq!(status(&r, "foreign-connections"), Status::Warn);
    assert!(
        r.fixes
            .iter()
            .all(|f| !matches!(f, tilink::engine::doctor::Fix::Accept { .. }))
    );

    // 6. The RDS instance stops.
    w.admin("inject", serde_json::json!({"kind": "rds-status", "instance_id": w.m.rds_instance_id, "status": "Stopped"})).await;
    let r = doctor(&w, &plc).await;
    assert_eq!(status(&r, "rds-status"), Status::Fail);
    assert!(!r.healthy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_from_the_service_end_and_a_missing_service() {
    let w = common::world().await;
    let m = w.setup().await;
    let svc = m.journal.resources.endpoint_service_id.clone().unwrap();
    let s = Start::Service {
        cluster_id: Some(w.m.cluster_id.clone()),
        service_id: svc,
    };
    let (_, r) = examine(&w.clients(), &s).await;
    assert!(r.healthy, "{:#?}", failing(&r));
    // With the cluster, the service's PLC is found: the whole chain is walked.
    assert_eq!(status(&r, "plc-state"), Status::Pass);

    // A PLC naming a service that does not exist: checks that cannot run say why.
    let fake = PlcInfo {
        id: "plc-ghost".into(),
        state: "FAILED".into(),
        message: "endpoint service not found".into(),
        service_name: "com.aliyuncs.privatelink.ap-southeast-1.epsrv-doesnotexist".into(),
        ..Default::default()
    };
    let (_, r) = examine(
        &w.clients(),
        &Start::Plc {
            cluster_id: w.m.cluster_id.clone(),
            plc: fake,
            all: None,
        },
    )
    .await;
    assert!(!r.healthy);
    assert_eq!(status(&r, "plc-state"), Status::Fail);
    assert_eq!(status(&r, "endpoint-service"), Status::Fail);
    let skip = r.checks.iter().find(|c| c.id == "listener").unwrap();
    assert_eq!(skip.status, Status::Skip);
    assert!(skip.detail.contains("could not look"), "{}", skip.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_detached_from_the_service_is_found_and_reattached() {
    let (w, m) = common::world_with_chain().await;
    let ids = m.journal.resources.clone();
    let svc = ids.endpoint_service_id.clone().unwrap();
    let lb = ids.load_balancer_id.clone().unwrap();
    let c = w.clients();
    // A colleague deletes the PLC (its connection goes with it) and detaches one zone.
    w.env
        .tidb()
        .unwrap()
        .delete_plc(
            &w.m.cluster_id,
            ids.private_link_connection_id.as_deref().unwrap(),
        )
        .await
        .unwrap();
    let zone = m.journal.zones[1].clone();
    let params = tilink::cloud::aliyun::Params::new()
        .set("RegionId", &w.m.region)
        .set("ServiceId", &svc)
        .set("ResourceId", &lb)
        .set("ResourceType", "nlb")
        .set("ZoneId", &zone);
    // A colleague's action, not one of the 49 tilink calls: the metadata subset has no entry
    // for it, so this test relaxes exactly the `action` rule of the strict gate.
    w.admin("relax", serde_json::json!({"rules": ["action"]}))
        .await;
    let mut detached = false;
    for _ in 0..100 {
        match c
            .aliyun
            .call_value(
                tilink::cloud::aliyun::Action::DetachResourceFromVpcEndpointService,
                &params,
            )
            .await
        {
            Ok(_) => {
                detached = true;
                break;
            }
            Err(e) if e.code() == Some("EndpointServiceConnectionDependence") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(detached);
    let s = Start::Service {
        cluster_id: Some(w.m.cluster_id.clone()),
        service_id: svc.clone(),
    };
    // The detach leaves the service Pending for a moment: doctor says it is changing and
    // --fix leaves it alone; the next look, once Active, offers the fix.
    let (_, mut r) = examine(&c, &s).await;
    for _ in 0..100 {
        if r.checks.iter().all(|x| x.status != Status::Changing) {
            break;
        }
        assert!(
            !r.fixes
                .iter()
                .any(|f| matches!(f, tilink::engine::doctor::Fix::AttachZones { .. })),
            "a fix planned on a changing service"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        r = examine(&c, &s).await.1;
    }
    let check = r.checks.iter().find(|x| x.id == "service-zones").unwrap();
    assert_eq!(check.status, Status::Warn, "{check:?}");
    assert!(check.detail.contains(&zone), "{}", check.detail);
    let fix = r
        .fixes
        .iter()
        .find(|f| matches!(f, tilink::engine::doctor::Fix::AttachZones { .. }))
        .expect("attach fix");
    fix.apply(&c, w.env.tuning.clone()).await.unwrap();
    let (_, r) = examine(&c, &s).await;
    assert_eq!(
        r.checks
            .iter()
            .find(|x| x.id == "service-zones")
            .unwrap()
            .status,
        Status::Pass
    );
}
