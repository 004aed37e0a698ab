//! A damaged journal is kept as evidence: moved aside with a timestamp and named on stderr,
//! never overwritten by a rerun (issue 15, item 8).

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_journal_is_moved_aside_and_named() {
    let w = common::world().await;
    let state = w.dir.path().join("state").join("setups");
    std::fs::create_dir_all(&state).unwrap();
    let damaged = state.join("tl-0123456789ab.json");
    std::fs::write(
        &damaged,
        b"{\"setup_id\": \"tl-0123456789ab\", \"cluster_id\": ",
    )
    .unwrap();
    let out = w
        .bin()
        .args(["setup", "--non-interactive", "--dry-run", "--cluster-id"])
        .arg(&w.m.cluster_id)
        .arg("--rds-instance")
        .arg(&w.m.rds_instance_id)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("damaged") && err.contains("moved aside"),
        "{err}"
    );
    assert!(
        !damaged.exists(),
        "the damaged journal is still where a rerun would overwrite it"
    );
    let kept: Vec<_> = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("tl-0123456789ab.json.damaged-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{err}");
    assert_eq!(
        std::fs::read(kept[0].path()).unwrap(),
        b"{\"setup_id\": \"tl-0123456789ab\", \"cluster_id\": "
    );
}
