//! `tilink sim --replay DIR`: serves a recorded transcript (docs/TRANSCRIPTS.md) back to
//! tilink and reports where tilink's requests differ from the recording.
//!
//! Requests are matched by product and action (Alibaba Cloud) or method and path (TiDB
//! Cloud), in order within each: the n-th `GetLoadBalancerAttribute` gets the recording's
//! n-th answer, whatever ran in between (parallel steps interleave differently each run).
//! A wait that polls more often than the recording gets the last answer again. The digest
//! handshake (401) and failures below HTTP are not served: the replay asks for no
//! authentication. Setup ids differ between runs (`tl-…`, `tilink-…`, `tilink_…` with 12
//! hex digits): the first one tilink sends is mapped to the recording's, in its requests
//! before comparing and in the answers served. `ClientToken` and the signing parameters are
//! not compared.

use super::alibaba::is_business;
use crate::cloud::aliyun::endpoints::Product;
use crate::cloud::record::{Line, TIDB};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One way tilink's request differs from the recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `nlb GetLoadBalancerAttribute` or `tidb POST /v1beta1/…`.
    pub request: String,
    /// The recording's `seq` it was compared with (absent: nothing was recorded for it).
    pub recorded_seq: Option<u64>,
    /// The parameter (or `body`, `path`) that differs.
    pub param: String,
    /// The recorded value (redacted, as in the transcript).
    pub recorded: Option<String>,
    /// The value tilink sent.
    pub sent: Option<String>,
}

/// What a replay saw so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplayReport {
    /// Requests served.
    pub requests: u64,
    /// Requests past the end of their recording (the last answer served again).
    pub repeated: u64,
    /// Every difference, in the order seen.
    pub differences: Vec<Difference>,
    /// Recorded requests tilink never made: `request → count`.
    pub unused: BTreeMap<String, u64>,
}

#[derive(Default)]
struct State {
    queues: HashMap<String, VecDeque<Line>>,
    last: HashMap<String, Line>,
    /// Live setup-id hex → recorded.
    aliases: Vec<(String, String)>,
    report: ReplayReport,
}

/// A running replay. Dropping it stops the server.
pub struct ReplayHandle {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ReplayHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ReplayHandle {
    /// The base URL serving both clouds (`http://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The report so far, with the recorded requests not yet made.
    pub fn report(&self) -> ReplayReport {
        report(&self.state)
    }
}

fn report(state: &Mutex<State>) -> ReplayReport {
    let st = state.lock().unwrap_or_else(|p| p.into_inner());
    let mut r = st.report.clone();
    for (k, q) in &st.queues {
        if !q.is_empty() {
            r.unused.insert(k.clone(), q.len() as u64);
        }
    }
    r
}

/// The key a line is matched by.
fn key(product: &str, action: Option<&str>, method: &str, path: &str) -> String {
    match action {
        Some(a) => format!("{product} {a}"),
        None => format!("{product} {method} {path}"),
    }
}

/// Serves `lines` on `listen` (loopback unless the caller checked otherwise).
pub async fn start(lines: Vec<Line>, listen: SocketAddr) -> std::io::Result<ReplayHandle> {
    let mut st = State::default();
    // Masked account ids (`acct-N`) are served as 16-digit numbers (tilink parses them) and
    // read back as `acct-N`.
    let mut accounts: Vec<u64> = Vec::new();
    for l in &lines {
        let text = l.body.to_string() + &l.params.to_string();
        for (i, _) in text.match_indices("acct-") {
            let n: String = text[i + 5..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = n.parse::<u64>()
                && n < 1_000_000
                && !accounts.contains(&n)
            {
                accounts.push(n);
            }
        }
    }
    // Longest first, so `acct-1` never replaces the start of `acct-12`.
    accounts.sort_by_key(|n| std::cmp::Reverse(*n));
    for n in accounts {
        st.aliases
            .push(((9_999_000_000_000_000 + n).to_string(), format!("acct-{n}")));
    }
    for l in lines {
        // The digest handshake and failures below HTTP are not answers to serve.
        if l.status.is_none() || l.status == Some(401) {
            continue;
        }
        let k = key(&l.product, l.action.as_deref(), &l.method, &l.path);
        st.queues.entry(k).or_default().push_back(l);
    }
    let state = Arc::new(Mutex::new(st));
    let s2 = state.clone();
    let app = axum::Router::new()
        .route(
            "/_replay/report",
            axum::routing::get({
                let s = state.clone();
                move || async move { axum::Json(report(&s)) }
            }),
        )
        .fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let s = s2.clone();
                async move { serve(&s, &method, &uri, &headers, &body) }
            },
        );
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(ReplayHandle { addr, state, task })
}

/// `tilink sim --replay`: loads `path` (a transcript, or a directory holding
/// `transcript.jsonl`), prints one JSON line (`alibaba_endpoint`, `tidb_endpoint`,
/// `recorded`), serves until killed, then prints the [`ReplayReport`] as one JSON line.
pub async fn run(path: &std::path::Path, listen: SocketAddr) -> anyhow::Result<ReplayReport> {
    use std::io::Write;
    let file = if path.is_dir() {
        path.join(crate::cloud::record::FILE)
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| anyhow::anyhow!("cannot read the transcript {}: {e}", file.display()))?;
    let (lines, bad) = crate::cloud::record::read(&text);
    if !bad.is_empty() {
        anyhow::bail!(
            "{}: line(s) {bad:?} are not transcript lines (docs/TRANSCRIPTS.md)",
            file.display()
        );
    }
    let n = lines.len();
    let h = start(lines, listen).await?;
    {
        let mut out = std::io::stdout().lock();
        let m = serde_json::json!({"alibaba_endpoint": h.endpoint(), "tidb_endpoint": h.endpoint(), "recorded": n, "report": format!("{}/_replay/report", h.endpoint())});
        writeln!(out, "{m}")?;
        out.flush()?;
    }
    super::wait_for_signal().await;
    let r = h.report();
    println!("{}", serde_json::to_string(&r)?);
    Ok(r)
}

/// `tl-`, `tilink-` or `tilink_` and 12 hex digits: the hex of each setup id in `s`.
fn setup_hexes(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["tl-", "tilink-", "tilink_"] {
        for (i, _) in s.match_indices(prefix) {
            let rest = &s[i + prefix.len()..];
            let hex: String = rest
                .chars()
                .take_while(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
                .collect();
            if hex.len() == 12 && !out.contains(&hex) {
                out.push(hex);
            }
        }
    }
    out
}

fn apply(aliases: &[(String, String)], s: &str, to_recorded: bool) -> String {
    let mut out = s.to_string();
    for (live, rec) in aliases {
        let (from, to) = if to_recorded {
            (live, rec)
        } else {
            (rec, live)
        };
        out = out.replace(from.as_str(), to);
    }
    out
}

/// The values of a request that are compared: name → value.
fn live_params(uri: &Uri, body: &[u8], tidb: bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if tidb {
        if !body.is_empty() {
            out.insert("body".into(), canonical_json(body));
        }
        return out;
    }
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    for (k, v) in query.into_iter().chain(form) {
        if is_business(&k) {
            out.insert(k, v);
        }
    }
    out
}

fn canonical_json(bytes: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}

fn recorded_params(l: &Line, tidb: bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if tidb {
        if !l.params.is_null() {
            out.insert("body".into(), l.params.to_string());
        }
        return out;
    }
    if let Some(o) = l.params.as_object() {
        for (k, v) in o {
            if is_business(k) {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                out.insert(k.clone(), v);
            }
        }
    }
    out
}

fn serve(
    state: &Mutex<State>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let find = |name: &str, header: &str| {
        headers
            .get(header)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                query
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
    };
    let action = find("Action", "x-acs-action");
    let tidb = action.is_none();
    let product = match (&action, find("Version", "x-acs-version")) {
        (None, _) => TIDB.to_string(),
        (Some(_), Some(v)) => Product::from_version(&v)
            .map(|p| p.ram_code().to_string())
            .unwrap_or(v),
        (Some(_), None) => "unknown".into(),
    };
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    st.report.requests += 1;
    let live = live_params(uri, body, tidb);
    // Learn the setup id's alias from the first request carrying one.
    if !st.aliases.iter().any(|(_, r)| !r.starts_with("acct-")) {
        let sent: String = live.values().cloned().collect::<Vec<_>>().join(" ") + " " + &path;
        let k = key(&product, action.as_deref(), method.as_str(), &path);
        if let (Some(l), [hex]) = (
            st.queues.get(&k).and_then(|q| q.front()),
            setup_hexes(&sent).as_slice(),
        ) {
            let rec = setup_hexes(&(l.params.to_string() + " " + &l.path));
            if let [r] = rec.as_slice()
                && r != hex
            {
                let alias = (hex.clone(), r.clone());
                st.aliases.insert(0, alias);
            }
        }
    }
    let path = apply(&st.aliases, &path, true);
    let k = key(&product, action.as_deref(), method.as_str(), &path);
    let request = match &action {
        Some(a) => format!("{product} {a}"),
        None => format!("{product} {method} {path}"),
    };
    let line = match st.queues.get_mut(&k).and_then(VecDeque::pop_front) {
        Some(l) => {
            st.last.insert(k.clone(), l.clone());
            l
        }
        None => match st.last.get(&k).cloned() {
            Some(l) => {
                st.report.repeated += 1;
                l
            }
            None => {
                st.report.differences.push(Difference {
                    request: request.clone(),
                    recorded_seq: None,
                    param: if tidb { "path".into() } else { "action".into() },
                    recorded: None,
                    sent: Some(if tidb { path.clone() } else { request.clone() }),
                });
                tracing::warn!(request, "replay: not in the recording");
                return not_recorded(tidb, &request);
            }
        },
    };
    let recorded = recorded_params(&line, tidb);
    let live: BTreeMap<String, String> = live
        .into_iter()
        .map(|(k, v)| (k, apply(&st.aliases, &v, true)))
        .collect();
    let names: std::collections::BTreeSet<&String> = recorded.keys().chain(live.keys()).collect();
    let mut diffs = Vec::new();
    for n in names {
        let (r, s) = (recorded.get(n), live.get(n));
        // The time of the run (a created-at tag) differs by nature.
        let times =
            |v: Option<&String>| v.is_some_and(|v| humantime::parse_rfc3339_weak(v).is_ok());
        if r != s && !(times(r) && times(s)) {
            diffs.push(Difference {
                request: request.clone(),
                recorded_seq: Some(line.seq),
                param: n.clone(),
                recorded: r.cloned(),
                sent: s.cloned(),
            });
        }
    }
    for d in &diffs {
        tracing::warn!(
            request = d.request,
            param = d.param,
            "replay: request differs"
        );
    }
    st.report.differences.extend(diffs);
    let body = apply(&st.aliases, &line.body.to_string(), false);
    let status = line
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    (status, [("content-type", "application/json")], body).into_response()
}

fn not_recorded(tidb: bool, request: &str) -> Response {
    let body = if tidb {
        serde_json::json!({"code": 404, "message": format!("replay: {request} is not in the recording"), "details": []})
    } else {
        serde_json::json!({"Code": "Replay.NotRecorded", "Message": format!("replay: {request} is not in the recording"), "RequestId": "replay"})
    };
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_ids_are_found() {
        assert_eq!(
            setup_hexes("Tag.1.Value=tl-e10fd3748980&Name=tilink-e10fd3748980"),
            vec!["e10fd3748980".to_string()]
        );
        assert!(setup_hexes("tilink-0123456789abcdef0123456789abcdef").is_empty());
        assert!(setup_hexes("tl-").is_empty());
    }
}
