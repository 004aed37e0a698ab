//! Replayable transcripts (issue 30): every `tests/transcripts/<name>/` holds a recorded
//! `transcript.jsonl` and the `command.json` that made it; `tilink sim --replay` serves the
//! recording to the same command, which must reach the same result with no request that
//! differs. An edited recording is reported with the action and parameter that differ.

use crate::common;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use tilink::cloud::record::{Line, read};
use tilink::sim::replay::ReplayReport;

/// `tilink sim --replay PATH`, its endpoint, and the child to kill.
struct Replay {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Replay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn replay(w: &common::World, path: &Path) -> Replay {
    let mut child = w
        .bin()
        .args(["sim", "--replay"])
        .arg(path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let m: serde_json::Value = serde_json::from_str(&line).expect("the replay's first line");
    Replay {
        child,
        endpoint: m["alibaba_endpoint"].as_str().unwrap().to_string(),
    }
}

/// Runs `args` against the replay from a fresh HOME; (exit code, stdout JSON).
fn run(w: &common::World, r: &Replay, args: &[String]) -> (Option<i32>, serde_json::Value) {
    let home = tempfile::tempdir().unwrap();
    let o = w
        .bin()
        .args(args)
        .env("HOME", home.path())
        .env("TILINK_STATE_DIR", home.path().join("state"))
        .env("TILINK_ALIBABA_ENDPOINT", &r.endpoint)
        .env("TILINK_TIDB_ENDPOINT", &r.endpoint)
        .output()
        .unwrap();
    let out = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {} / {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code(), out)
}

/// The committed transcript of `tilink setup`.
fn setup_transcript() -> PathBuf {
    transcripts()
        .into_iter()
        .find(|d| d.ends_with("setup"))
        .expect("a setup transcript")
}

async fn report(r: &Replay) -> ReplayReport {
    let v = common::get_json(&format!("{}/_replay/report", r.endpoint)).await;
    ReplayReport {
        requests: v["requests"].as_u64().unwrap(),
        repeated: v["repeated"].as_u64().unwrap(),
        differences: serde_json::from_value::<Vec<serde_json::Value>>(v["differences"].clone())
            .unwrap()
            .into_iter()
            .map(|d| tilink::sim::replay::Difference {
                request: d["request"].as_str().unwrap_or_default().into(),
                recorded_seq: d["recorded_seq"].as_u64(),
                param: d["param"].as_str().unwrap_or_default().into(),
                recorded: d["recorded"].as_str().map(String::from),
                sent: d["sent"].as_str().map(String::from),
            })
            .collect(),
        unused: serde_json::from_value(v["unused"].clone()).unwrap(),
    }
}

fn transcripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("transcript.jsonl").is_file())
        .collect();
    v.sort();
    v
}

/// `command.json`: `{"args": [...], "exit_code": n, "expect": {JSON subset of stdout}}`.
fn command(dir: &Path) -> (Vec<String>, i32, serde_json::Value) {
    let c: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("command.json")).unwrap()).unwrap();
    let args = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    (
        args,
        c["exit_code"].as_i64().unwrap() as i32,
        c["expect"].clone(),
    )
}

fn subset(expect: &serde_json::Value, got: &serde_json::Value, at: &str) {
    match (expect, got) {
        (serde_json::Value::Object(e), serde_json::Value::Object(g)) => {
            for (k, v) in e {
                subset(
                    v,
                    g.get(k).unwrap_or(&serde_json::Value::Null),
                    &format!("{at}.{k}"),
                );
            }
        }
        _ => assert_eq!(expect, got, "at {at}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_transcript_replays_to_the_same_result() {
    let w = common::world().await;
    let all = transcripts();
    assert!(!all.is_empty());
    for dir in all {
        let (args, code, expect) = command(&dir);
        let r = replay(&w, &dir);
        let (got_code, out) = run(&w, &r, &args);
        assert_eq!(got_code, Some(code), "{}: {out}", dir.display());
        subset(&expect, &out, "$");
        let rep = report(&r).await;
        assert!(
            rep.differences.is_empty(),
            "{}: {:#?}",
            dir.display(),
            rep.differences
        );
        assert!(rep.unused.is_empty(), "{}: {:?}", dir.display(), rep.unused);
        assert!(rep.requests > 10);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_request_is_reported_with_its_action_and_parameter() {
    let w = common::world().await;
    let dir = setup_transcript();
    let (args, _, _) = command(&dir);
    let text = std::fs::read_to_string(dir.join("transcript.jsonl")).unwrap();
    let (mut lines, _) = read(&text);
    // The recording listened on 3307: tilink (on 3306) differs there.
    let l: &mut Line = lines
        .iter_mut()
        .find(|l| l.action.as_deref() == Some("CreateListener"))
        .unwrap();
    l.params["ListenerPort"] = "3307".into();
    let edited = tempfile::tempdir().unwrap();
    let file = edited.path().join("transcript.jsonl");
    let body: String = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap() + "\n")
        .collect();
    std::fs::write(&file, body).unwrap();
    let r = replay(&w, &file);
    let _ = run(&w, &r, &args);
    let rep = report(&r).await;
    assert_eq!(rep.differences.len(), 1, "{:#?}", rep.differences);
    let d = &rep.differences[0];
    assert_eq!(d.request, "nlb CreateListener");
    assert_eq!(d.param, "ListenerPort");
    assert_eq!(d.recorded.as_deref(), Some("3307"));
    assert_eq!(d.sent.as_deref(), Some("3306"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_transcripts_hold_no_secret() {
    let w = common::world().await;
    for dir in transcripts() {
        let text = std::fs::read_to_string(dir.join("transcript.jsonl")).unwrap();
        let (lines, bad) = read(&text);
        assert!(bad.is_empty() && !lines.is_empty(), "{}", dir.display());
        for s in [
            w.m.alibaba_access_key_id.as_str(),
            &w.m.alibaba_access_key_secret,
            &w.m.tidb_public_key,
            &w.m.tidb_private_key,
            &w.m.rds_password,
            &w.m.tidb_account_id,
            "172.16.",
        ] {
            assert!(!text.contains(s), "{s} in {}", dir.display());
        }
    }
}

/// Conformance from transcripts: the simulator's answers to the same command have the
/// recorded answers' shape (fields and types); an edited recording (a field the real cloud
/// sends and one it does not) is flagged both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_answers_have_the_recorded_shape() {
    use tilink::cloud::record::shape::compare;
    let w = common::world().await;
    let dir = setup_transcript();
    let (args, code, _) = command(&dir);
    assert!(
        args.contains(&w.m.cluster_id),
        "the recording's cluster is the simulator's"
    );
    let rec = tempfile::tempdir().unwrap();
    let o = w
        .bin()
        .args(&args)
        .arg("--record")
        .arg(rec.path())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (sim, _) = read(&std::fs::read_to_string(rec.path().join("transcript.jsonl")).unwrap());
    let (recorded, _) = read(&std::fs::read_to_string(dir.join("transcript.jsonl")).unwrap());
    let d = compare(&recorded, &sim);
    assert!(d.is_empty(), "{d:#?}");

    let mut edited = recorded.clone();
    let mut touched = false;
    for l in edited
        .iter_mut()
        .filter(|l| l.action.as_deref() == Some("GetLoadBalancerAttribute"))
    {
        let o = l.body.as_object_mut().unwrap();
        o.insert("RealCloudOnly".into(), "x".into());
        touched |= o.remove("LoadBalancerName").is_some();
    }
    assert!(touched);
    let d = compare(&edited, &sim);
    let got: Vec<(&str, &str, &str)> = d
        .iter()
        .map(|d| (d.request.as_str(), d.field.as_str(), d.what.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "nlb GetLoadBalancerAttribute",
                "RealCloudOnly",
                "missing in simulator"
            ),
            (
                "nlb GetLoadBalancerAttribute",
                "LoadBalancerName",
                "only in simulator"
            ),
        ]
    );
}
