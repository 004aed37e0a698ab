//! Transcripts of every request and answer (`--record DIR`, `tilink doctor --bundle`),
//! redacted by [`Redactor`] before they touch the disk or leave the process. One JSON
//! object a line, in the order the answers arrived; the format is docs/TRANSCRIPTS.md.

pub mod redact;
pub mod shape;

pub use redact::Redactor;

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The transcript's file name inside the record directory.
pub const FILE: &str = "transcript.jsonl";

/// The longest answer body kept, in bytes of redacted JSON (API answers are kilobytes).
pub const BODY_CAP: usize = 256 * 1024;

/// Product name of the TiDB Cloud API in a transcript.
pub const TIDB: &str = "tidb";

/// One line of a transcript (docs/TRANSCRIPTS.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Order in which the answers arrived (1, 2, …).
    pub seq: u64,
    /// When the request was sent (RFC 3339, UTC, milliseconds).
    pub time: String,
    /// `tidb`, or the Alibaba Cloud product's RAM code (`nlb`, `rds`, `vpc`, …).
    pub product: String,
    /// The Alibaba Cloud API version (`2022-04-30`); absent for TiDB Cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The Alibaba Cloud action; absent for TiDB Cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path and query (`/` for Alibaba Cloud RPC).
    pub path: String,
    /// The request's parameters (Alibaba: the action's parameters, not the signing ones) or
    /// JSON body (TiDB Cloud; `null` without one), redacted.
    pub params: serde_json::Value,
    /// HTTP status; absent when no answer came (see `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The answer: its JSON, redacted; a string when it was not JSON; `{"truncated": …}`
    /// past [`BODY_CAP`].
    #[serde(default)]
    pub body: serde_json::Value,
    /// The cloud's request id, when the answer had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// 1 for the first attempt of a call, 2 for its first retry, …
    pub attempt: u32,
    /// From sending the request to the end of the answer.
    pub duration_ms: u64,
    /// A failure below HTTP (timeout, refused connection), redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What was sent: Alibaba parameters or a TiDB JSON body.
#[derive(Debug, Clone, Copy)]
pub enum Sent<'a> {
    /// Alibaba Cloud action parameters.
    Pairs(&'a [(String, String)]),
    /// A TiDB Cloud JSON body, if any.
    Json(Option<&'a serde_json::Value>),
}

/// One request and its answer, as a client saw it.
#[derive(Debug, Clone)]
pub struct Exchange<'a> {
    /// See [`Line::product`].
    pub product: &'a str,
    /// See [`Line::version`].
    pub version: Option<&'a str>,
    /// See [`Line::action`].
    pub action: Option<&'a str>,
    /// HTTP method.
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
    /// What was sent.
    pub sent: Sent<'a>,
    /// HTTP status, if an answer came.
    pub status: Option<u16>,
    /// The answer's bytes.
    pub body: &'a [u8],
    /// A request id from a header (else it is read from the body).
    pub request_id: Option<&'a str>,
    /// Attempt number (1-based).
    pub attempt: u32,
    /// When it was sent.
    pub started: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// A failure below HTTP.
    pub error: Option<&'a str>,
}

/// Appends redacted lines to `DIR/transcript.jsonl` (mode 0600) and/or keeps them in
/// memory (for a support bundle). Shared by both clients of a run.
#[derive(Debug)]
pub struct Recorder {
    redactor: Arc<Redactor>,
    file: Option<Mutex<std::fs::File>>,
    path: Option<PathBuf>,
    memory: Option<Mutex<Vec<u8>>>,
    seq: AtomicU64,
    warned: AtomicBool,
}

/// Creates `dir` (mode 0700) if needed.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Opens `path` for writing with mode 0600 (`append` or truncate), and makes an existing
/// file 0600 too.
pub fn private_file(path: &Path, append: bool) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true).write(true);
    if append {
        o.append(true);
    } else {
        o.truncate(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

impl Recorder {
    /// A recorder appending to `dir`'s transcript (created, 0700/0600) and/or keeping the
    /// lines in memory.
    pub fn new(dir: Option<&Path>, in_memory: bool) -> std::io::Result<Recorder> {
        let (file, path) = match dir {
            Some(d) => {
                private_dir(d)?;
                let p = d.join(FILE);
                (Some(Mutex::new(private_file(&p, true)?)), Some(p))
            }
            None => (None, None),
        };
        Ok(Recorder {
            redactor: Arc::new(Redactor::new()),
            file,
            path,
            memory: in_memory.then(|| Mutex::new(Vec::new())),
            seq: AtomicU64::new(0),
            warned: AtomicBool::new(false),
        })
    }

    /// The redactor of this run (the bundle redacts its other files with it, so the
    /// pseudonyms agree).
    pub fn redactor(&self) -> &Arc<Redactor> {
        &self.redactor
    }

    /// Where the transcript is written, if on disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The lines kept in memory (empty without).
    pub fn lines(&self) -> Vec<u8> {
        self.memory
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default()
    }

    /// Redacts and appends one exchange. A write that fails is warned about once and never
    /// fails the call.
    pub fn record(&self, ex: &Exchange<'_>) {
        let mut line = self.line(ex);
        // The sequence number is taken under the lock so lines are in order.
        let write = |bytes: &mut Vec<u8>, line: &mut Line| {
            line.seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
            let mut text = serde_json::to_vec(line).unwrap_or_default();
            text.push(b'\n');
            bytes.extend_from_slice(&text);
            text
        };
        let mut text = Vec::new();
        match (&self.file, &self.memory) {
            (Some(f), mem) => {
                let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
                let t = write(&mut text, &mut line);
                if let Err(e) = f.write_all(&t)
                    && !self.warned.swap(true, Ordering::SeqCst)
                {
                    tracing::warn!(error = %e, "cannot write the transcript");
                }
                if let Some(m) = mem {
                    m.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend_from_slice(&t);
                }
            }
            (None, Some(m)) => {
                let mut m = m.lock().unwrap_or_else(|p| p.into_inner());
                write(&mut m, &mut line);
            }
            (None, None) => {}
        }
    }

    fn line(&self, ex: &Exchange<'_>) -> Line {
        let r = &self.redactor;
        let params = match ex.sent {
            Sent::Pairs(p) => serde_json::Value::Object(
                r.params(p)
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect(),
            ),
            Sent::Json(v) => v.map(|v| r.json(v)).unwrap_or_default(),
        };
        let raw: Option<serde_json::Value> = serde_json::from_slice(ex.body).ok();
        let request_id = ex.request_id.map(str::to_string).or_else(|| {
            raw.as_ref().and_then(|v| {
                ["RequestId", "requestId", "request_id"]
                    .iter()
                    .find_map(|k| v.get(k)?.as_str().map(str::to_string))
            })
        });
        let body = match raw {
            Some(v) => r.json(&v),
            None if ex.body.is_empty() => serde_json::Value::Null,
            None => serde_json::Value::String(r.text(&String::from_utf8_lossy(ex.body))),
        };
        let body = cap(body);
        Line {
            seq: 0,
            time: humantime::format_rfc3339_millis(ex.started).to_string(),
            product: ex.product.to_string(),
            version: ex.version.map(str::to_string),
            action: ex.action.map(str::to_string),
            method: ex.method.to_string(),
            path: r.text(ex.path),
            params,
            status: ex.status,
            body,
            request_id: request_id.map(|id| r.text(&id)),
            attempt: ex.attempt,
            duration_ms: ex.duration.as_millis().min(u128::from(u64::MAX)) as u64,
            error: ex.error.map(|e| r.text(e)),
        }
    }
}

/// A body past [`BODY_CAP`] becomes `{"truncated": bytes, "text": first bytes}`.
fn cap(body: serde_json::Value) -> serde_json::Value {
    let text = body.to_string();
    if text.len() <= BODY_CAP {
        return body;
    }
    let mut end = BODY_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    serde_json::json!({"truncated": text.len(), "text": &text[..end]})
}

/// Reads a transcript: every line that parses, with the numbers of those that do not.
pub fn read(text: &str) -> (Vec<Line>, Vec<usize>) {
    let mut lines = Vec::new();
    let mut bad = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(l) {
            Ok(x) => lines.push(x),
            Err(_) => bad.push(i + 1),
        }
    }
    (lines, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex<'a>(body: &'a [u8], sent: Sent<'a>) -> Exchange<'a> {
        Exchange {
            product: "nlb",
            version: Some("2022-04-30"),
            action: Some("ListLoadBalancers"),
            method: "POST",
            path: "/",
            sent,
            status: Some(200),
            body,
            request_id: None,
            attempt: 1,
            started: SystemTime::now(),
            duration: Duration::from_millis(12),
            error: None,
        }
    }

    #[test]
    fn lines_are_redacted_numbered_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let rec = Recorder::new(Some(&dir.path().join("rec")), true).unwrap();
        rec.redactor().secret("topsecretvalue");
        let pairs = vec![
            ("AccessKeySecret".to_string(), "topsecretvalue".to_string()),
            ("ServerIp".to_string(), "172.16.1.30".to_string()),
        ];
        let body =
            br#"{"RequestId":"R-1","Owner":"topsecretvalue","AccountId":"7693128384373573"}"#;
        rec.record(&ex(body, Sent::Pairs(&pairs)));
        rec.record(&ex(b"not json topsecretvalue", Sent::Json(None)));
        let path = rec.path().unwrap().to_path_buf();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.as_bytes(), rec.lines().as_slice());
        assert!(!text.contains("topsecretvalue") && !text.contains("172.16.1.30"));
        assert!(!text.contains("7693128384373573"));
        let (lines, bad) = read(&text);
        assert!(bad.is_empty());
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].seq, 1);
        assert_eq!(lines[1].seq, 2);
        assert_eq!(lines[0].request_id.as_deref(), Some("R-1"));
        assert_eq!(lines[0].body["AccountId"], "acct-1");
        assert_eq!(lines[0].duration_ms, 12);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn big_bodies_are_capped() {
        let rec = Recorder::new(None, true).unwrap();
        let big = serde_json::json!({"x": "a".repeat(BODY_CAP * 2)}).to_string();
        rec.record(&ex(big.as_bytes(), Sent::Json(None)));
        let (lines, _) = read(&String::from_utf8(rec.lines()).unwrap());
        assert!(lines[0].body["truncated"].as_u64().unwrap() > BODY_CAP as u64);
    }
}
