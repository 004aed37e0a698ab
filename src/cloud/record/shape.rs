//! The shape of answers (field paths and JSON types), to compare a recorded transcript with
//! what the simulator answers for the same requests: a field the real cloud sends and the
//! simulator does not (or the other way round), or a field of another type, is where the
//! simulator is wrong.

use super::Line;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Field path (`LoadBalancers[].ZoneMappings[].ZoneId`) → JSON types seen there.
pub type Shape = BTreeMap<String, BTreeSet<&'static str>>;

/// One way two shapes differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShapeDiff {
    /// `nlb GetLoadBalancerAttribute` or `tidb GET /v1beta1/…`.
    pub request: String,
    /// The field's path.
    pub field: String,
    /// `missing in simulator`, `only in simulator`, or `type: recorded X, simulator Y`.
    pub what: String,
}

fn kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value as V;
    match v {
        V::Null => "null",
        V::Bool(_) => "bool",
        V::Number(_) => "number",
        V::String(_) => "string",
        V::Array(_) => "array",
        V::Object(_) => "object",
    }
}

/// Adds `v`'s fields under `at` to `shape`. Nulls are skipped (tilink strips them).
pub fn add(shape: &mut Shape, at: &str, v: &serde_json::Value) {
    use serde_json::Value as V;
    match v {
        V::Null => {}
        V::Object(o) => {
            if !at.is_empty() {
                shape.entry(at.to_string()).or_default().insert("object");
            }
            for (k, x) in o {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                add(shape, &p, x);
            }
        }
        V::Array(a) => {
            shape.entry(at.to_string()).or_default().insert("array");
            for x in a {
                add(shape, &format!("{at}[]"), x);
            }
        }
        _ => {
            shape.entry(at.to_string()).or_default().insert(kind(v));
        }
    }
}

/// The request a line answers, as the replay names it.
pub fn request(l: &Line) -> String {
    match &l.action {
        Some(a) => format!("{} {a}", l.product),
        None => format!("{} {} {}", l.product, l.method, route(&l.path)),
    }
}

/// A TiDB Cloud path with its ids (digits, `plc-…`) as `{id}` and without its query.
fn route(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|seg| {
            let (id, rest) = seg.split_once(':').unwrap_or((seg, ""));
            let is_id = (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
                || id.starts_with("plc-");
            match (is_id, rest.is_empty()) {
                (true, true) => "{id}".to_string(),
                (true, false) => format!("{{id}}:{rest}"),
                _ => seg.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The shape of every successful answer, by request.
pub fn shapes(lines: &[Line]) -> BTreeMap<String, Shape> {
    let mut out: BTreeMap<String, Shape> = BTreeMap::new();
    for l in lines {
        if l.status.is_some_and(|s| (200..300).contains(&s)) {
            add(out.entry(request(l)).or_default(), "", &l.body);
        }
    }
    out
}

/// Where the simulator's answers differ in shape from the recorded ones, for the requests
/// both made. A field under an array that was empty on one side is not compared.
pub fn compare(recorded: &[Line], simulated: &[Line]) -> Vec<ShapeDiff> {
    let (r, s) = (shapes(recorded), shapes(simulated));
    let mut out = Vec::new();
    for (req, rs) in &r {
        let Some(ss) = s.get(req) else { continue };
        // The paths of arrays each side saw elements in.
        let filled = |sh: &Shape, p: &str| {
            let mut parent = p;
            while let Some(i) = parent.rfind("[]") {
                let arr = &parent[..i];
                if !sh.keys().any(|k| k.starts_with(&format!("{arr}[]"))) {
                    return false;
                }
                parent = arr;
            }
            true
        };
        for (field, rt) in rs {
            match ss.get(field) {
                None if filled(ss, field) => out.push(ShapeDiff {
                    request: req.clone(),
                    field: field.clone(),
                    what: "missing in simulator".into(),
                }),
                Some(st) if st.is_disjoint(rt) => out.push(ShapeDiff {
                    request: req.clone(),
                    field: field.clone(),
                    what: format!(
                        "type: recorded {}, simulator {}",
                        rt.iter().copied().collect::<Vec<_>>().join("|"),
                        st.iter().copied().collect::<Vec<_>>().join("|")
                    ),
                }),
                _ => {}
            }
        }
        for field in ss.keys() {
            if !rs.contains_key(field) && filled(rs, field) {
                out.push(ShapeDiff {
                    request: req.clone(),
                    field: field.clone(),
                    what: "only in simulator".into(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(action: &str, body: serde_json::Value) -> Line {
        Line {
            seq: 1,
            time: String::new(),
            product: "nlb".into(),
            version: None,
            action: Some(action.into()),
            method: "POST".into(),
            path: "/".into(),
            params: serde_json::Value::Null,
            status: Some(200),
            body,
            request_id: None,
            attempt: 1,
            duration_ms: 0,
            error: None,
        }
    }

    #[test]
    fn added_dropped_and_retyped_fields_are_flagged() {
        let rec = [line(
            "GetX",
            serde_json::json!({"Id": "a", "Zones": [{"ZoneId": "z", "Extra": 1}], "N": 1, "Empty": []}),
        )];
        let sim = [line(
            "GetX",
            serde_json::json!({"Id": "a", "Zones": [{"ZoneId": "z"}], "N": "1", "New": true, "Empty": [{"Q": 1}]}),
        )];
        let d = compare(&rec, &sim);
        let got: Vec<(&str, &str)> = d
            .iter()
            .map(|d| (d.field.as_str(), d.what.as_str()))
            .collect();
        assert!(
            got.contains(&("Zones[].Extra", "missing in simulator")),
            "{got:?}"
        );
        assert!(got.contains(&("New", "only in simulator")), "{got:?}");
        assert!(
            got.contains(&("N", "type: recorded number, simulator string")),
            "{got:?}"
        );
        // Under an array empty in the recording: not compared.
        assert!(
            !got.iter().any(|(f, _)| f.starts_with("Empty[]")),
            "{got:?}"
        );
        assert_eq!(d.len(), 3, "{got:?}");
        assert!(compare(&rec, &rec).is_empty());
    }

    #[test]
    fn tidb_routes_hide_ids() {
        assert_eq!(
            route("/v1beta1/clusters/123/privateLinkConnections/plc-x?view=FULL"),
            "/v1beta1/clusters/{id}/privateLinkConnections/{id}"
        );
        assert_eq!(
            route("/v1beta1/clusters/123/privateLinkConnections:getAvailabilityZones"),
            "/v1beta1/clusters/{id}/privateLinkConnections:getAvailabilityZones"
        );
    }
}
