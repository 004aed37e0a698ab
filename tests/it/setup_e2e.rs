//! The setup engine against the simulator, read back through the APIs (not the engine's own
//! state): a full setup reaches ACTIVE with exactly the recipe's chain; a rerun changes
//! nothing; teardown leaves nothing; --dry-run creates nothing; bad inputs stop early.

use crate::common;

use crate::common::world;
use tilink::engine::check::Status;
use tilink::engine::journal::SetupState;
use tilink::engine::teardown;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_setup_builds_the_recipe_chain_then_rerun_and_teardown() {
    let w = world().await;
    let m = w.setup_active().await;
    assert_eq!(m.journal.state, SetupState::Active);
    let ids = m.journal.resources.clone();
    let c = w.clients();
    let a = &c.aliyun;

    // Read the chain back through the APIs.
    let sg_id = ids.server_group_id.clone().unwrap();
    let groups = a
        .list_server_groups(std::slice::from_ref(&sg_id), &[])
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(
        (g.server_group_type.as_str(), g.protocol.as_str()),
        ("Ip", "TCP")
    );
    assert!(g.health_check.health_check_enabled);
    assert_eq!(g.health_check.health_check_type, "TCP");
    let servers = a.list_server_group_servers(&sg_id).await.unwrap();
    let rds = a
        .describe_db_instance_net_info(&w.m.rds_instance_id)
        .await
        .unwrap();
    let private = rds
        .iter()
        .find(|n| n.ip_type == "Private" && n.connection_string_type == "Normal")
        .unwrap();
    assert_eq!(servers.len(), 1);
    assert_eq!(
        (servers[0].server_ip.as_str(), servers[0].port),
        (private.ip_address.as_str(), private.port)
    );

    let lb_id = ids.load_balancer_id.clone().unwrap();
    let lb = a.get_load_balancer_attribute(&lb_id).await.unwrap();
    assert_eq!(lb.load_balancer.address_type, "Intranet");
    assert_eq!(lb.load_balancer.load_balancer_status.as_str(), "Active");
    let lb_zones: Vec<String> = lb
        .load_balancer
        .zone_mappings
        .iter()
        .map(|z| z.zone_id.clone())
        .collect();
    let tidb_zones = w
        .env
        .tidb()
        .unwrap()
        .availability_zones(&w.m.cluster_id)
        .await
        .unwrap();
    assert!(
        lb_zones.iter().all(|z| tidb_zones.az_ids.contains(z)),
        "{lb_zones:?} vs {:?}",
        tidb_zones.az_ids
    );
    assert_eq!(lb_zones, m.journal.zones);

    let listeners = a
        .list_listeners(std::slice::from_ref(&lb_id))
        .await
        .unwrap();
    assert_eq!(listeners.len(), 1);
    let l = &listeners[0];
    assert_eq!(
        (
            l.listener_protocol.as_str(),
            l.listener_port,
            l.idle_timeout
        ),
        ("TCP", private.port, 900)
    );
    assert_eq!(l.server_group_id, sg_id);
    assert_eq!(l.listener_status.as_str(), "Running");

    let svc_id = ids.endpoint_service_id.clone().unwrap();
    let svc = a.get_endpoint_service(&svc_id).await.unwrap();
    assert_eq!(svc.service_status.as_str(), "Active");
    assert!(!svc.auto_accept_enabled);
    assert_eq!(svc.service_resource_type, "nlb");
    let res = a.list_service_resources(&svc_id).await.unwrap();
    let mut res_zones: Vec<String> = res.iter().map(|r| r.zone_id.clone()).collect();
    res_zones.sort();
    assert_eq!(res_zones, lb_zones, "one resource per NLB zone");
    assert!(res.iter().all(|r| r.resource_id == lb_id));
    assert_eq!(
        a.list_users(&svc_id).await.unwrap(),
        vec![w.m.tidb_account_id.clone()]
    );
    let conns = a.list_connections(&svc_id).await.unwrap();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].connection_status.as_str(), "Connected");
    assert_eq!(conns[0].endpoint_owner_id.to_string(), w.m.tidb_account_id);
    assert_eq!(Some(conns[0].endpoint_id.clone()), ids.endpoint_id);

    let allow = a
        .describe_db_instance_ip_array_list(&w.m.rds_instance_id)
        .await
        .unwrap();
    let mine = allow
        .iter()
        .find(|g| Some(g.db_instance_ip_array_name.clone()) == ids.allowlist_group)
        .expect("dedicated group");
    for z in &lb.load_balancer.zone_mappings {
        let vsw = a
            .describe_vswitches(&lb.load_balancer.vpc_id)
            .await
            .unwrap();
        let cidr = &vsw
            .iter()
            .find(|v| v.vswitch_id == z.vswitch_id)
            .unwrap()
            .cidr_block;
        assert!(
            mine.security_ip_list.split(',').any(|e| e == cidr),
            "{cidr} in {}",
            mine.security_ip_list
        );
    }
    let plc = w
        .plc(ids.private_link_connection_id.as_deref().unwrap())
        .await;
    assert_eq!(plc.state, "ACTIVE");

    // A rerun adopts everything and creates nothing.
    let before = w.state().await;
    let m2 = w.setup_active().await;
    assert_eq!(m2.journal.setup_id, m.journal.setup_id);
    assert_eq!(m2.journal.resources, ids);
    let after = w.state().await;
    assert_same_resources(&before, &after, true);

    // Teardown removes everything tilink made.
    let mut j = w.store().load(&m.journal.setup_id).unwrap();
    teardown::execute(&c, &w.store(), &mut j, w.env.tuning.clone(), |_| {})
        .await
        .unwrap();
    assert_eq!(j.state, SetupState::TornDown);
    assert!(
        a.list_load_balancers(std::slice::from_ref(&lb_id), &[])
            .await
            .unwrap()
            .iter()
            .all(|l| l.common.load_balancer_status.as_str() == "Deleted"
                || l.common.load_balancer_status.as_str() == "Deleting")
    );
    assert!(
        a.list_server_groups(std::slice::from_ref(&sg_id), &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        a.get_endpoint_service(&svc_id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(w.plcs().await.is_empty());
    let allow = a
        .describe_db_instance_ip_array_list(&w.m.rds_instance_id)
        .await
        .unwrap();
    assert!(allow.iter().all(
        |g| Some(g.db_instance_ip_array_name.clone()) != ids.allowlist_group
            || g.security_ip_list.is_empty()
    ));
    // Other allowlist groups are untouched.
    assert!(allow.iter().any(|g| !g.security_ip_list.is_empty()));
}

/// The simulator holds as many NLB resources and endpoint services (and connections, when
/// `connections`) after as before: nothing was created or deleted.
fn assert_same_resources(before: &serde_json::Value, after: &serde_json::Value, connections: bool) {
    let mut keys = vec![
        "server_groups",
        "load_balancers",
        "listeners",
        "endpoint_services",
    ];
    if connections {
        keys.push("connections");
    }
    for key in keys {
        assert_eq!(count(before, key), count(after, key), "{key} count changed");
    }
}

fn count(state: &serde_json::Value, key: &str) -> usize {
    match &state[key] {
        serde_json::Value::Array(a) => a.len(),
        serde_json::Value::Object(o) => o.len(),
        _ => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_creates_nothing() {
    let w = world().await;
    let before = w.state().await;
    let prep = w
        .prepare(&w.m.cluster_id, &w.m.rds_instance_id, &[])
        .await
        .unwrap();
    let plan = prep.plan.clone().expect("plan");
    let results = tilink::app::setup::dry_run(&prep.clients, &plan).await;
    assert!(!results.is_empty());
    for (call, r) in &results {
        assert!(r.starts_with("ok"), "{call}: {r}");
    }
    let after = w.state().await;
    assert_same_resources(&before, &after, false);
    assert!(w.store().list().is_empty(), "a dry run writes no journal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_stop_before_anything_is_created() {
    let w = world().await;
    let state = w.state().await;
    let before = w.state().await;
    // Unknown cluster and instance.
    let e = w
        .prepare("1234567890123456789", &w.m.rds_instance_id, &[])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not found"), "{e}");
    let e = w
        .prepare(&w.m.cluster_id, "rm-doesnotexist", &[])
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("rm-doesnotexist") && e.to_string().contains("not found"),
        "{e}"
    );
    // Decoys from the world: a cluster on AWS, a PostgreSQL and a stopped instance.
    let clusters = w.env.tidb().unwrap().list_clusters(None).await.unwrap();
    let aws = clusters
        .iter()
        .find(|c| c.region.cloud_provider == "aws")
        .expect("an AWS decoy cluster");
    let e = w
        .prepare(&aws.cluster_id, &w.m.rds_instance_id, &[])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("on aws"), "{e}");
    let instances = w
        .clients()
        .aliyun
        .describe_db_instances(None)
        .await
        .unwrap();
    let pg = instances
        .iter()
        .find(|i| i.engine != "MySQL")
        .expect("a non-MySQL decoy");
    let p = w
        .prepare(&w.m.cluster_id, &pg.db_instance_id, &[])
        .await
        .unwrap();
    assert!(p.plan.is_none());
    let c = p.checks.iter().find(|c| c.id == "rds-status").unwrap();
    assert_eq!(c.status, Status::Fail);
    assert!(c.detail.contains(&pg.engine), "{}", c.detail);
    let stopped = instances
        .iter()
        .find(|i| i.engine == "MySQL" && i.db_instance_status != "Running")
        .expect("a stopped decoy");
    let p = w
        .prepare(&w.m.cluster_id, &stopped.db_instance_id, &[])
        .await
        .unwrap();
    assert!(p.plan.is_none());
    // An instance in another region: TiDB Cloud has no cross-region private links.
    let far = instances.iter().find(|i| i.region_id != w.m.region);
    if let Some(far) = far {
        match w.prepare(&w.m.cluster_id, &far.db_instance_id, &[]).await {
            Ok(p) => {
                assert!(p.plan.is_none());
                assert!(
                    p.checks.iter().any(|c| c.status == Status::Fail
                        && (c.id == "region-match" || c.id == "rds-status")),
                    "{:#?}",
                    p.checks
                );
            }
            Err(e) => assert!(
                e.to_string().contains("region") || e.to_string().contains("not found"),
                "{e}"
            ),
        }
    }
    // A zone nobody supports.
    let p = w
        .prepare(
            &w.m.cluster_id,
            &w.m.rds_instance_id,
            &["ap-southeast-1z".to_string()],
        )
        .await
        .unwrap();
    assert!(p.plan.is_none());
    let z = p.checks.iter().find(|c| c.id == "zone-overlap").unwrap();
    assert_eq!(z.status, Status::Fail);
    let after = w.state().await;
    assert_same_resources(&before, &after, false);
    drop(state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_journal_is_recreated_not_trusted() {
    // A first world builds a chain and journals it; a second world with the same ids (the
    // resources are gone, as if deleted in the console) must get a fresh chain.
    let first = world().await;
    let m1 = first.setup_active().await;
    let dir = first.dir.path().to_path_buf();
    drop(first.sim);
    let second = world().await;
    let env = tilink::app::context::from_manifest(
        &second.m,
        &second.g,
        0.02,
        tilink::engine::journal::JournalStore::new(&dir),
    );
    let w = common::World { env, ..second };
    let m2 = w.setup_active().await;
    assert_eq!(
        m2.journal.setup_id, m1.journal.setup_id,
        "the journal is reused"
    );
    assert!(
        m2.log.iter().any(|l| l.text.contains("no longer exists")),
        "{:#?}",
        m2.log
    );
    let s = w.state().await;
    assert_eq!(count(&s, "load_balancers"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_permissions_and_region_mismatch_stop_before_anything_is_created() {
    let w = world().await;
    let before = w.state().await;
    // A key that may read but not write: the dry runs name the missing action.
    let ro = &before["readonly_key"];
    let mut env = w.env.clone();
    env.alibaba_key = tilink::cloud::aliyun::AccessKey {
        id: ro["access_key_id"].as_str().unwrap().into(),
        secret: tilink::secret::Secret::new(ro["access_key_secret"].as_str().unwrap()),
        security_token: None,
    };
    let ro_world = common::World { env, ..w };
    let p = ro_world
        .prepare(&ro_world.m.cluster_id, &ro_world.m.rds_instance_id, &[])
        .await
        .unwrap();
    assert!(p.plan.is_none(), "a plan despite missing permissions");
    let c = p
        .checks
        .iter()
        .find(|c| c.id == "permissions")
        .expect("permissions check");
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.detail.contains("missing permission nlb:Create"),
        "{}",
        c.detail
    );
    assert!(c.fix.as_deref().unwrap_or("").contains("tilink policy"));
    let w = ro_world;

    // An NLB region other than the cluster's.
    let mut env = w.env.clone();
    env.region = Some("cn-hangzhou".into());
    let other = common::World { env, ..w };
    match other
        .prepare(&other.m.cluster_id, &other.m.rds_instance_id, &[])
        .await
    {
        Ok(p) => {
            assert!(p.plan.is_none());
            assert!(
                p.checks.iter().any(|c| c.status == Status::Fail),
                "{:#?}",
                p.checks
            );
        }
        Err(e) => assert!(
            e.to_string().contains("not found") || e.to_string().contains("region"),
            "{e}"
        ),
    }
    let after = other.state().await;
    assert_same_resources(&before, &after, false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_refuses_a_chain_it_does_not_own_before_deleting_anything() {
    let w = world().await;
    let m = w.setup_active().await;
    let before = w.state().await;
    // A journal whose PLC points elsewhere, and one naming a load balancer of another setup.
    let e = refused_teardown(&w, &m.journal.setup_id, "another service", |j| {
        j.resources.endpoint_service_name =
            Some("com.aliyuncs.privatelink.ap-southeast-1.epsrv-notours".into())
    })
    .await;
    assert!(e.contains("nothing was deleted"), "{e}");
    let e = refused_teardown(&w, &m.journal.setup_id, "another setup id", |j| {
        j.setup_id = "tl-0abc5e7cd0".into()
    })
    .await;
    // Refused on the first thing that is not this setup's (its allowlist group name, or
    // the tags of its resources).
    assert!(
        e.contains("nothing was deleted")
            && (e.contains("does not carry") || e.contains("allowlist group")),
        "{e}"
    );
    let after = w.state().await;
    assert_same_resources(&before, &after, true);
    assert_eq!(w.plcs().await.len(), 1);
}

/// Teardown of setup `id` after `tamper` changed its journal, which must refuse it: the
/// refusal's text (`what` names the tampering when it does not refuse).
async fn refused_teardown(
    w: &common::World,
    id: &str,
    what: &str,
    tamper: impl FnOnce(&mut tilink::engine::journal::Journal),
) -> String {
    let mut j = w.store().load(id).unwrap();
    tamper(&mut j);
    teardown::execute(
        &w.clients(),
        &w.store(),
        &mut j,
        w.env.tuning.clone(),
        |_| {},
    )
    .await
    .expect_err(what)
    .to_string()
}

/// A modified journal cannot turn teardown against the user (issue 15, item 2): a journal
/// naming the user's `Default` allowlist group, or another RDS instance, is refused before
/// anything is deleted, and the group keeps its entries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_refuses_tampered_journals_and_touches_nothing() {
    let w = world().await;
    let m = w.setup_active().await;
    let before = w.state().await;
    let other_rds = before["rds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["DBInstanceId"].as_str().unwrap().to_string())
        .find(|id| id != &w.m.rds_instance_id)
        .expect("a second instance in the world");
    type Tamper = Box<dyn Fn(&mut tilink::engine::journal::Journal)>;
    let tamper: [(&str, Tamper); 3] = [
        (
            "Default group",
            Box::new(|j| j.resources.allowlist_group = Some("Default".into())),
        ),
        (
            "another group",
            Box::new(|j| j.resources.allowlist_group = Some("tilink_ffffffffffff".into())),
        ),
        (
            "another instance",
            Box::new(move |j| j.rds_instance_id = other_rds.clone()),
        ),
    ];
    for (what, change) in tamper {
        let e = refused_teardown(&w, &m.journal.setup_id, what, change).await;
        assert!(e.contains("nothing was deleted"), "{what}: {e}");
        assert_same_resources(&before, &w.state().await, true);
    }
    // The user's groups are intact.
    let groups = w
        .clients()
        .aliyun
        .describe_db_instance_ip_array_list(&w.m.rds_instance_id)
        .await
        .unwrap();
    let default = groups
        .iter()
        .find(|g| g.db_instance_ip_array_name.eq_ignore_ascii_case("default"));
    assert!(
        default.is_none_or(|g| !g.security_ip_list.is_empty()),
        "{groups:?}"
    );
}
