//! Refused credentials exit 3 from every command that talks to the clouds (USAGE's cron
//! recipe relies on it): doctor, reconcile, teardown and export, with what is wrong.

use crate::common;

/// Runs every command while `action` answers `code` each time: (arguments, exit code,
/// stdout and stderr together).
async fn every_command_failing<'a>(
    w: &'a common::World,
    action: &str,
    code: &str,
) -> Vec<(Vec<&'a str>, Option<i32>, String)> {
    w.admin("faults", serde_json::json!({"clear": true})).await;
    w.admin(
        "faults",
        serde_json::json!({"action": action, "code": code}),
    )
    .await;
    every_command(w)
        .into_iter()
        .map(|args| {
            let out = w.run(&args);
            let text = common::output_text(&out);
            (args, out.status.code(), text)
        })
        .collect()
}

/// Every command that talks to the clouds, for the world's cluster and instance (teardown
/// last: a refusal must stop it before it deletes).
fn every_command(w: &common::World) -> Vec<Vec<&str>> {
    let cid = w.m.cluster_id.as_str();
    vec![
        w.setup_argv(&["--non-interactive", "--dry-run"]),
        vec!["doctor", "--cluster-id", cid],
        vec!["reconcile", "--cluster-id", cid],
        vec!["export", "terraform", "--cluster-id", cid],
        vec!["teardown", "--cluster-id", cid, "--yes"],
    ]
}

/// A world with a chain `tilink setup` built (its journal in the binary's state dir).
async fn world_with_a_chain() -> common::World {
    let w = common::world().await;
    common::assert_ok(&w.setup_cmd(None).output().unwrap());
    w
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_exits_3_everywhere() {
    let (w, _) = common::world_with_chain().await;
    // The binary finds the setup through the journal the library wrote.
    let state = w.dir.path().join("state").join("setups");
    std::fs::create_dir_all(&state).unwrap();
    for e in std::fs::read_dir(w.dir.path().join("setups"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), state.join(e.file_name())).unwrap();
    }
    let cid = w.m.cluster_id.clone();
    for args in [
        vec!["doctor", "--cluster-id", &cid],
        vec!["reconcile", "--cluster-id", &cid],
        vec!["teardown", "--cluster-id", &cid, "--yes"],
        vec!["export", "terraform", "--cluster-id", &cid],
    ] {
        let out = w
            .bin()
            .env(
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "not-the-secret-at-all-000000000",
            )
            .args(&args)
            .output()
            .unwrap();
        let text = common::output_text(&out);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {text}");
        assert!(!text.contains("string to sign is"), "{args:?}: {text}");
    }
    // Nothing was deleted with a refused key.
    let state = w.state().await;
    assert_eq!(state["load_balancers"].as_array().unwrap().len(), 1);
}

/// One classification, one exit code (issue 29): a refused credential, however it is
/// refused (an expired STS token, a wrong secret, an unknown key id), exits 3 from every
/// command, setup included (an expired token used to exit 1 from setup).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_credential_refusal_exits_3_from_every_command() {
    let w = world_with_a_chain().await;
    for code in [
        "InvalidSecurityToken.Expired",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
    ] {
        for (args, status, text) in every_command_failing(&w, "GetCallerIdentity", code).await {
            assert_eq!(status, Some(3), "{code} {args:?}: {text}");
        }
    }
}

/// One kind, one exit code, from every command (issue 29): whatever the command, a key that
/// lacks a permission exits 3, and a cloud that stays unavailable or throttles past every
/// retry exits 1, through the one table (`app::exit::code`). Doctor and reconcile say "could not look"
/// (exit 4) for a look that failed through no fault of the key: that is not a broken link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_gives_one_exit_code_from_every_command() {
    let w = world_with_a_chain().await;
    // (code on every ListServerGroups, the exit every command gives, doctor's exit)
    for (code, want, doctor) in [
        ("Forbidden.RAM", 3, 3),
        ("ServiceUnavailable", 1, 4),
        ("Throttling.User", 1, 4),
    ] {
        for (args, status, text) in every_command_failing(&w, "ListServerGroups", code).await {
            let reads_a_chain = matches!(args[0], "doctor" | "reconcile");
            let expect = if reads_a_chain { doctor } else { want };
            assert_eq!(status, Some(expect), "{code} {args:?}: {text}");
            if args[0] == "doctor" && code == "Forbidden.RAM" {
                // A key that may not look says nothing about the links.
                assert!(
                    text.contains("CANNOT CHECK") && !text.contains("BROKEN"),
                    "{text}"
                );
                let refused = text
                    .lines()
                    .find(|l| l.contains("refused for lack of a permission"))
                    .unwrap_or_default();
                assert_eq!(refused.matches("ListServerGroups").count(), 1, "{text}");
            }
        }
    }
    // Nothing was torn down by a refused teardown.
    assert_eq!(common::live(&w.state().await, "load_balancers"), 1);
}
