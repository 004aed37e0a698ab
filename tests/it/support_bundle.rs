//! `tilink doctor --bundle` and `--record` through the real binary against the simulator: a
//! broken chain's bundle holds the report, the transcript and the journal, and no secret or
//! raw identifier of the run appears anywhere in it (issue 30).

use crate::common;

use std::path::Path;

/// Every file under `dir`, with its text.
fn files(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push((
                p.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            ));
        }
    }
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_chains_bundle_holds_report_transcript_and_journal_and_no_secret() {
    let (w, m) = common::world_with_chain().await;
    let ids = m.journal.resources.clone();
    let svc = ids.endpoint_service_id.clone().unwrap();
    // Break it: TiDB Cloud's account leaves the service whitelist.
    w.clients()
        .aliyun
        .remove_user(&svc, &w.m.tidb_account_id)
        .await
        .unwrap();
    // The raw facts the bundle must not show: the RDS private IP (from an unrecorded run).
    let plain = w
        .bin()
        .args(["doctor", "--cluster-id", &w.m.cluster_id, "-o", "json"])
        .env("TILINK_STATE_DIR", w.dir.path())
        .output()
        .unwrap();
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    let backend = plain["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "backend-ip")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string();
    let rds_ip = backend.split(':').next().unwrap().to_string();
    assert!(rds_ip.parse::<std::net::Ipv4Addr>().is_ok(), "{backend}");

    let out_dir = tempfile::tempdir().unwrap();
    let bundle = out_dir.path().join("ticket.tar.gz");
    let rec = out_dir.path().join("rec");
    let o = w
        .bin()
        .args(["doctor", "--cluster-id", &w.m.cluster_id, "--bundle"])
        .arg(&bundle)
        .arg("--record")
        .arg(&rec)
        .env("TILINK_STATE_DIR", w.dir.path())
        .env("TILINK_MYSQL_PASSWORD", &w.m.rds_password)
        .output()
        .unwrap();
    let stderr = common::expect_exit(&o, 1);
    assert!(stderr.contains("support bundle:"), "{stderr}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&bundle), 0o600);
        assert_eq!(mode(&rec.join("transcript.jsonl")), 0o600);
    }

    let x = out_dir.path().join("x");
    std::fs::create_dir(&x).unwrap();
    let Ok(st) = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&bundle)
        .arg("-C")
        .arg(&x)
        .status()
    else {
        eprintln!("SKIPPED: no tar to open the bundle");
        return;
    };
    assert!(st.success());
    for f in [
        "README.txt",
        "doctor.txt",
        "doctor.json",
        "transcript.jsonl",
        "about.json",
    ] {
        assert!(x.join(f).is_file(), "{f} missing");
    }
    let journal = x.join(format!("journals/{}.json", m.journal.setup_id));
    assert!(journal.is_file(), "the journal is in the bundle");

    // The report says what is broken.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(x.join("doctor.json")).unwrap()).unwrap();
    assert_eq!(report["healthy"], false);
    assert!(
        report["root_causes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "service-whitelist"),
        "{report}"
    );
    // The transcript: every line parses, both clouds, in order.
    let text = std::fs::read_to_string(x.join("transcript.jsonl")).unwrap();
    let (lines, bad) = tilink::cloud::record::read(&text);
    assert!(bad.is_empty(), "{bad:?}");
    assert!(lines.len() > 10, "{}", lines.len());
    assert!(lines.iter().enumerate().all(|(i, l)| l.seq == i as u64 + 1));
    assert!(lines.iter().any(|l| l.product == "tidb"));
    assert!(
        lines
            .iter()
            .any(|l| l.action.as_deref() == Some("GetVpcEndpointServiceAttribute"))
    );
    // The same run's --record file holds the same requests.
    let recorded = std::fs::read_to_string(rec.join("transcript.jsonl")).unwrap();
    assert_eq!(recorded, text);
    // Pseudonyms agree across files: the whitelist's account in the report is the
    // transcript's.
    let about = std::fs::read_to_string(x.join("about.json")).unwrap();
    assert!(about.contains("\"version\""), "{about}");
    assert!(about.contains("env TILINK_ALIBABA_ENDPOINT"), "{about}");

    // Not one secret or raw identifier of the run, in any file.
    let mut all = Vec::new();
    files(&x, &mut all);
    all.push(("--record".into(), recorded));
    let secrets = [
        ("access key id", w.m.alibaba_access_key_id.as_str()),
        ("access key secret", &w.m.alibaba_access_key_secret),
        ("tidb public key", &w.m.tidb_public_key),
        ("tidb private key", &w.m.tidb_private_key),
        ("rds password", &w.m.rds_password),
        ("tidb account id", &w.m.tidb_account_id),
        ("rds ip", &rds_ip),
    ];
    for (name, text) in &all {
        for (what, s) in secrets {
            assert!(!text.contains(s), "{what} ({s}) in {name}");
        }
        if !name.ends_with("README.txt") {
            assert!(
                text.match_indices("Signature=")
                    .all(|(i, _)| text[i + 10..].starts_with("[removed]")),
                "a signature in {name}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_refuses_a_directory_it_cannot_write() {
    let w = common::world().await;
    let f = w.dir.path().join("a-file");
    std::fs::write(&f, "x").unwrap();
    let o = w
        .bin()
        .args(["doctor", "--cluster-id", &w.m.cluster_id, "--record"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("--record"));
}

/// `tilink reconcile --bundle` writes its bundle too (the flag is shared with doctor and was
/// ignored by reconcile).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_writes_its_bundle_too() {
    let (w, _) = common::world_with_chain().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reconcile.tar.gz");
    let o = w
        .bin()
        .args(["reconcile", "--cluster-id", &w.m.cluster_id, "--bundle"])
        .arg(&file)
        .output()
        .unwrap();
    common::assert_ok(&o);
    assert!(file.exists(), "no bundle");
    assert_eq!(mode(&file), 0o600);
}
