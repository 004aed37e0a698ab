//! The strict gate: every Alibaba request is checked against the official API metadata
//! (`crate::wire::apimeta`) before any business logic, and every response the simulator
//! serves is checked against the metadata's response fields.
//!
//! What is checked, each under a rule name a test can relax (and nothing else can):
//! `action` (the action exists in that version), `declared` (every parameter, nested
//! `Name.N.Field` and `Obj.Field` too), `placement` (V3 only: query or body as `in` says, the
//! way the SDKs send it), `required` (item properties too), `type`, `enum` (machine enums and
//! documented values, exact spelling), `range` (including the prose ranges and the ones that
//! depend on a sibling, e.g. `IdleTimeout` per `ListenerProtocol`), `items` (counts),
//! `length`, `charset` (allowed characters, letter first, reserved prefixes, ASCII, no spaces)
//! and `response` (field names and types served).
//!
//! A violation answers with the code and HTTP status the metadata lists for that action and
//! parameter (`IllegalParam.ListenerDescription`), else the product's generic one
//! (`MissingParam.X` / `IllegalParam.X` on NLB, `MissingParameter` / `InvalidParameter`
//! elsewhere, the POP gateway's codes).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::alibaba::{AliError, COMMON_PARAMS, Product, ProductErrors, unknown_action};
use crate::wire::apimeta::{self, ActionMeta, ParamMeta};

/// Every rule name, in the order they are checked.
pub const RULES: &[&str] = &[
    "action",
    "declared",
    "placement",
    "required",
    "type",
    "enum",
    "range",
    "items",
    "length",
    "charset",
    "response",
];

/// Which rules are enforced: all of them unless a test relaxed one by name.
#[derive(Debug, Default, Clone)]
pub struct Strictness {
    relaxed: BTreeSet<&'static str>,
}

impl Strictness {
    /// Relaxes one rule by name; an unknown name is refused.
    pub fn relax(&mut self, rule: &str) -> Result<(), String> {
        let r = RULES
            .iter()
            .find(|r| **r == rule)
            .ok_or_else(|| format!("unknown strict rule `{rule}` (rules: {})", RULES.join(", ")))?;
        self.relaxed.insert(r);
        Ok(())
    }

    /// The relaxed rules.
    pub fn relaxed(&self) -> Vec<&'static str> {
        self.relaxed.iter().copied().collect()
    }

    /// True when `rule` is enforced.
    pub fn on(&self, rule: &str) -> bool {
        !self.relaxed.contains(rule)
    }
}

/// Where a request parameter arrived.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum From {
    Query,
    Body,
}

struct Problem {
    rule: &'static str,
    param: String,
    why: String,
    missing: bool,
}

impl Problem {
    fn new(rule: &'static str, param: &str, why: impl Into<String>) -> Self {
        Problem {
            rule,
            param: param.to_string(),
            why: why.into(),
            missing: false,
        }
    }
}

/// One object's fields (top level, an array item or an `Obj.Field` object).
type Fields = BTreeMap<String, String>;

/// Checks one request. `v3` says the request is ACS3-signed (then placement is checked).
pub fn check_request(
    version: &str,
    action: &str,
    query: &[(String, String)],
    form: &[(String, String)],
    v3: bool,
    s: &Strictness,
) -> Result<(), AliError> {
    let Some((_, meta)) = apimeta::action(version, action) else {
        return if s.on("action") {
            Err(unknown_action(action))
        } else {
            Ok(())
        };
    };
    let product = Product::from_version(version).ok_or_else(|| unknown_action(action))?;
    let pairs = query
        .iter()
        .map(|(k, v)| (k, v, From::Query))
        .chain(form.iter().map(|(k, v)| (k, v, From::Body)))
        .filter(|(k, _, _)| !COMMON_PARAMS.contains(&k.as_str()));
    let mut problems = Vec::new();
    let mut top: Fields = BTreeMap::new();
    // param → N → fields of item N (a scalar item is the field "")
    let mut arrays: BTreeMap<String, BTreeMap<u32, Fields>> = BTreeMap::new();
    let mut objects: BTreeMap<String, Fields> = BTreeMap::new();
    for (k, v, from) in pairs {
        let Some(p) = meta.param(k) else {
            problems.push(Problem::new(
                "declared",
                k,
                format!("is not declared by {action}"),
            ));
            continue;
        };
        if v3 {
            let want = if p.placement == "query" {
                From::Query
            } else {
                From::Body
            };
            if from != want {
                let place = if want == From::Query {
                    "the query string"
                } else {
                    "the form body"
                };
                problems.push(Problem::new(
                    "placement",
                    k,
                    format!("must travel in {place} (metadata `in: {}`)", p.placement),
                ));
            }
        }
        if k == &p.name {
            top.insert(k.clone(), v.clone());
            continue;
        }
        let rest = &k[p.name.len() + 1..];
        match p.kind.as_str() {
            "array" => {
                let (n, field) = rest.split_once('.').unwrap_or((rest, ""));
                match n.parse::<u32>() {
                    Ok(n) if n >= 1 => {
                        arrays
                            .entry(p.name.clone())
                            .or_default()
                            .entry(n)
                            .or_default()
                            .insert(field.to_string(), v.clone());
                    }
                    _ => problems.push(Problem::new(
                        "declared",
                        k,
                        format!("{} items are numbered from 1 ({k})", p.name),
                    )),
                }
            }
            "object" => {
                objects
                    .entry(p.name.clone())
                    .or_default()
                    .insert(rest.to_string(), v.clone());
            }
            _ => problems.push(Problem::new(
                "declared",
                k,
                format!("{} is a scalar; {k} is not declared", p.name),
            )),
        }
    }
    for p in &meta.parameters {
        let present = top.get(&p.name).is_some_and(|v| !v.is_empty())
            || arrays.contains_key(&p.name)
            || objects.contains_key(&p.name);
        if p.required && !present {
            problems.push(Problem {
                missing: true,
                ..Problem::new("required", &p.name, "is required")
            });
        }
        if let Some(v) = top.get(&p.name) {
            check_value(p, &p.name, v, &top, &mut problems);
        }
        if let Some(items) = arrays.get(&p.name) {
            check_count(p, &p.name, items.len(), &mut problems);
            if let Some(item) = &p.items {
                for (n, fields) in items {
                    let path = format!("{}.{n}", p.name);
                    check_object(item, &path, fields, &mut problems);
                }
            }
        }
        if let Some(fields) = objects.get(&p.name) {
            check_object(p, &p.name, fields, &mut problems);
        }
    }
    match problems.into_iter().find(|p| s.on(p.rule)) {
        None => Ok(()),
        Some(p) => Err(error_for(product, meta, &p)),
    }
}

/// Checks the fields of an array item or object against `m` (its properties, or `m` itself
/// for a scalar item, which arrives as the field "").
fn check_object(m: &ParamMeta, path: &str, fields: &Fields, out: &mut Vec<Problem>) {
    if m.properties.is_empty() {
        match fields.get("") {
            Some(v) if fields.len() == 1 => check_value(m, path, v, fields, out),
            _ => out.push(Problem::new(
                "declared",
                path,
                format!("{path} takes a single value, not fields"),
            )),
        }
        return;
    }
    // nested lists inside an item: Field.M
    let mut lists: BTreeMap<&str, usize> = BTreeMap::new();
    for (field, v) in fields {
        let (name, sub) = field.split_once('.').unwrap_or((field.as_str(), ""));
        let full = format!("{path}.{field}");
        let Some(prop) = m.properties.get(name) else {
            out.push(Problem::new(
                "declared",
                &full,
                format!("{path} declares no field {name}"),
            ));
            continue;
        };
        if sub.is_empty() {
            check_value(prop, &full, v, fields, out);
        } else if prop.kind == "array" && sub.parse::<u32>().is_ok_and(|n| n >= 1) {
            *lists.entry(name).or_default() += 1;
            if let Some(item) = &prop.items {
                check_value(item, &full, v, fields, out);
            }
        } else {
            out.push(Problem::new(
                "declared",
                &full,
                format!("{path}.{name} takes no {sub}"),
            ));
        }
    }
    for (name, prop) in &m.properties {
        let full = format!("{path}.{name}");
        let n = lists.get(name.as_str()).copied();
        if let Some(n) = n {
            check_count(prop, &full, n, out);
        }
        let present = fields.get(name).is_some_and(|v| !v.is_empty()) || n.is_some();
        if prop.required && !present {
            out.push(Problem {
                missing: true,
                ..Problem::new("required", &full, "is required")
            });
        }
    }
}

fn check_count(m: &ParamMeta, path: &str, n: usize, out: &mut Vec<Problem>) {
    if let Some(max) = m.max_items
        && n > max
    {
        out.push(Problem::new(
            "items",
            path,
            format!("at most {max} items, got {n}"),
        ));
    }
    if let Some(min) = m.min_items
        && n < min
    {
        out.push(Problem::new(
            "items",
            path,
            format!("at least {min} items, got {n}"),
        ));
    }
}

/// Checks one scalar (or JSON-style) value. `siblings` are the values at the same level.
fn check_value(m: &ParamMeta, path: &str, v: &str, siblings: &Fields, out: &mut Vec<Problem>) {
    let cite = |why: String| match m.from.first() {
        Some(s) => format!("{why} (the API reference: \"{s}\")"),
        None => why,
    };
    let number = match m.kind.as_str() {
        "integer" => match v.trim().parse::<i64>() {
            Ok(n) => Some(n as f64),
            Err(_) => {
                out.push(Problem::new(
                    "type",
                    path,
                    format!("`{v}` is not an integer"),
                ));
                return;
            }
        },
        "number" => match v.trim().parse::<f64>() {
            Ok(n) => Some(n),
            Err(_) => {
                out.push(Problem::new("type", path, format!("`{v}` is not a number")));
                return;
            }
        },
        "boolean" => {
            if !(v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")) {
                out.push(Problem::new(
                    "type",
                    path,
                    format!("`{v}` is not a boolean"),
                ));
            }
            return;
        }
        "array" | "object" => {
            // JSON style: one JSON document.
            if m.style == "json" && serde_json::from_str::<Value>(v).is_err() {
                out.push(Problem::new(
                    "type",
                    path,
                    "must be a JSON document (style json)",
                ));
            }
            return;
        }
        _ => None,
    };
    if let Some(list) = &m.enumeration {
        let ok = list.iter().any(|e| match e {
            Value::String(s) => s == v,
            Value::Number(n) => n.to_string() == v,
            other => *other == Value::String(v.to_string()),
        });
        if !ok {
            out.push(Problem::new(
                "enum",
                path,
                format!("`{v}` is not one of {}", join_values(list)),
            ));
        }
    } else if let Some(values) = &m.values
        && !values.iter().any(|x| x == v)
    {
        out.push(Problem::new(
            "enum",
            path,
            format!(
                "`{v}` is not a documented value (exact spelling): {}",
                values.join(", ")
            ),
        ));
    }
    if let Some(n) = number {
        let mut lo = m.minimum;
        let mut hi = m.maximum;
        for r in &m.ranges_when {
            if siblings
                .get(&r.param)
                .is_some_and(|s| r.values.iter().any(|x| x == s))
            {
                lo = Some(lo.map_or(r.minimum, |l| l.max(r.minimum)));
                hi = Some(hi.map_or(r.maximum, |h| h.min(r.maximum)));
            }
        }
        if lo.is_some_and(|l| n < l) || hi.is_some_and(|h| n > h) {
            out.push(Problem::new(
                "range",
                path,
                cite(format!(
                    "{v} is outside {}..={}",
                    lo.map_or("-∞".into(), fmt_num),
                    hi.map_or("∞".into(), fmt_num)
                )),
            ));
        }
        return;
    }
    let len = v.chars().count();
    if m.min_length.is_some_and(|l| len < l) || m.max_length.is_some_and(|l| len > l) {
        out.push(Problem::new(
            "length",
            path,
            cite(format!(
                "{len} characters, allowed {}..={}",
                m.min_length.unwrap_or(0),
                m.max_length.map_or("∞".into(), |l| l.to_string())
            )),
        ));
    }
    if let Some(cs) = &m.charset
        && let Some(bad) = v.chars().find(|c| !cs.allows(*c))
    {
        out.push(Problem::new(
            "charset",
            path,
            cite(format!("the character {bad:?} is not allowed")),
        ));
    }
    if m.letter_first && !v.chars().next().is_some_and(char::is_alphabetic) {
        out.push(Problem::new(
            "charset",
            path,
            cite("must start with a letter".into()),
        ));
    }
    let lower = v.to_ascii_lowercase();
    if let Some(p) = m.reserved_prefixes.iter().find(|p| lower.starts_with(*p)) {
        out.push(Problem::new(
            "charset",
            path,
            cite(format!("must not start with `{p}`")),
        ));
    }
    if let Some(p) = m.forbid_contains.iter().find(|p| lower.contains(*p)) {
        out.push(Problem::new(
            "charset",
            path,
            cite(format!("must not contain `{p}`")),
        ));
    }
    if m.ascii && !v.is_ascii() {
        out.push(Problem::new("charset", path, "ASCII characters only"));
    }
    if m.no_spaces && v.contains(char::is_whitespace) {
        out.push(Problem::new("charset", path, cite("no spaces".into())));
    }
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn join_values(list: &[Value]) -> String {
    list.iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The error the real API answers for a problem: the action's own documented code for that
/// parameter where there is one, else the product's generic one.
fn error_for(product: Product, meta: &ActionMeta, p: &Problem) -> AliError {
    let top = p.param.split('.').next().unwrap_or(&p.param);
    let leaf = p
        .param
        .rsplit('.')
        .find(|s| s.parse::<u32>().is_err())
        .unwrap_or(top);
    let documented = |code: &str| {
        meta.errors
            .iter()
            .find(|e| e.code.eq_ignore_ascii_case(code))
            .map(|e| (e.code.clone(), e.http))
    };
    let templated = |prefix: &str, name: &str| {
        meta.errors
            .iter()
            .find(|e| e.code == format!("{prefix}.%s"))
            .map(|e| (format!("{prefix}.{name}"), e.http))
    };
    let tag_code = |kind: &str| {
        (top == "Tag")
            .then(|| documented(&format!("{kind}Tag{leaf}Param")))
            .flatten()
    };
    let message = format!(
        "The parameter \"{}\" {}. [strict rule: {}]",
        p.param, p.why, p.rule
    );
    let (code, http) = if p.missing {
        documented(&format!("MissingParam.{leaf}"))
            .or_else(|| documented(&format!("MissingParam.{top}")))
            .or_else(|| tag_code("Missing"))
            .or_else(|| templated("MissingParam", leaf))
            .unwrap_or_else(|| generic(product.missing(leaf)))
    } else if p.rule == "declared" || p.rule == "placement" {
        ("InvalidParameter".into(), 400)
    } else {
        [
            format!("IllegalParam.{leaf}"),
            format!("IllegalParam.{top}"),
            format!("InvalidParameter.{leaf}"),
            format!("InvalidParameter.{top}"),
            format!("InvalidParam.{leaf}"),
            format!("IllegalParamFormat.{top}"),
        ]
        .iter()
        .find_map(|c| documented(c))
        .or_else(|| tag_code("Illegal"))
        .or_else(|| templated("IllegalParam", top))
        .or_else(|| templated("IllegalParamFormat", top))
        .unwrap_or_else(|| generic(product.invalid(top, &p.why)))
    };
    AliError::new(http, &code, message)
}

/// The code and status of a product's generic error (the message is the gate's own).
fn generic(e: AliError) -> (String, u16) {
    (e.code, e.status)
}

/// Checks a response the simulator is about to serve: every field declared by the metadata's
/// `response` for that action, with its type. Returns the differences (empty when faithful).
pub fn check_response(version: &str, action: &str, body: &Value) -> Vec<String> {
    // An action outside the metadata only gets here when a test relaxed the `action` rule.
    let Some((_, meta)) = apimeta::action(version, action) else {
        return vec![];
    };
    let mut out = Vec::new();
    match body.as_object() {
        Some(o) => check_fields(action, &meta.response, o, &mut out),
        None => out.push(format!("{action}: the body is not an object")),
    }
    out
}

fn check_fields(
    path: &str,
    fields: &serde_json::Map<String, Value>,
    obj: &serde_json::Map<String, Value>,
    out: &mut Vec<String>,
) {
    for (k, v) in obj {
        let here = format!("{path}.{k}");
        match fields.get(k) {
            None => out.push(format!("{here}: the real API returns no such field")),
            Some(schema) => check_type(&here, schema, v, out),
        }
    }
}

fn check_type(path: &str, schema: &Value, v: &Value, out: &mut Vec<String>) {
    if v.is_null() {
        return;
    }
    let kind = match schema {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("type").and_then(Value::as_str).unwrap_or("object"),
        _ => "?",
    };
    let ok = match kind.split('(').next().unwrap_or(kind) {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "object" => {
            if let (Some(o), Some(fields)) = (
                v.as_object(),
                schema.get("fields").and_then(Value::as_object),
            ) {
                check_fields(path, fields, o, out);
                true
            } else {
                v.is_object()
            }
        }
        "array" => match v.as_array() {
            Some(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        check_type(&format!("{path}[{i}]"), item, x, out);
                    }
                }
                true
            }
            None => false,
        },
        _ => true,
    };
    if !ok {
        out.push(format!("{path}: the real API returns {kind}, served {v}"));
    }
}

#[cfg(test)]
mod tests;
