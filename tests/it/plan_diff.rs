//! The plan is a true diff: an empty world plans creates, a healthy chain plans "no changes"
//! (and lists what it adopted), a partial chain plans exactly what is missing or wrong.

use crate::common;

use tilink::engine::plan::{Action, Plan};
use tilink::report::no_changes;

fn actions(p: &Plan) -> Vec<(String, Action)> {
    p.items.iter().map(|i| (i.what.clone(), i.action)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_for_empty_healthy_and_partial_chains() {
    let w = common::world().await;
    let (cluster, rds) = (w.m.cluster_id.clone(), w.m.rds_instance_id.clone());

    // Empty: everything is made.
    let p = w.prepare(&cluster, &rds, &[]).await.unwrap().plan.unwrap();
    assert!(no_changes(&p).is_none());
    assert!(
        p.items.iter().all(|i| i.action != Action::Keep),
        "{:?}",
        actions(&p)
    );
    assert_eq!(
        p.items
            .iter()
            .filter(|i| i.action == Action::Create)
            .count(),
        6,
        "{:?}",
        actions(&p)
    );

    // Healthy: nothing to do, everything adopted or kept.
    let m = w.setup_active().await;
    let p = w.prepare(&cluster, &rds, &[]).await.unwrap().plan.unwrap();
    let summary =
        no_changes(&p).unwrap_or_else(|| panic!("healthy chain plans changes: {:?}", actions(&p)));
    let sg = m.journal.resources.server_group_id.clone().unwrap();
    assert!(
        summary.contains("No changes") && summary.contains(&sg),
        "{summary}"
    );
    assert_eq!(
        p.items.iter().filter(|i| i.action == Action::Keep).count(),
        3,
        "{:?}",
        actions(&p)
    );
    let text = tilink::report::render_plan(&p);
    assert!(text.contains("No changes"), "{text}");

    // Partial: the TiDB account left the service whitelist and the allowlist group was
    // emptied. Exactly those two are planned; the rest is kept or adopted.
    let a = w.clients().aliyun;
    let svc = m.journal.resources.endpoint_service_id.clone().unwrap();
    a.remove_user(&svc, &p.tidb_account_id).await.unwrap();
    a.modify_security_ips(&rds, &p.allowlist_group, &p.allowlist_cidrs, "Delete")
        .await
        .unwrap();
    let p = w.prepare(&cluster, &rds, &[]).await.unwrap().plan.unwrap();
    assert!(no_changes(&p).is_none());
    let changed: Vec<String> = p
        .items
        .iter()
        .filter(|i| matches!(i.action, Action::Create | Action::Update))
        .map(|i| i.what.clone())
        .collect();
    assert_eq!(
        changed,
        ["Service whitelist", "RDS allowlist group"],
        "{:?}",
        actions(&p)
    );
}
