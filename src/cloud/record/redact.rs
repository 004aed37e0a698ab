//! The one redaction of everything tilink writes for someone else to read (transcripts,
//! support bundles). Secrets are removed; identifiers are masked by pseudonyms that are
//! stable within one [`Redactor`] (one bundle), so a transcript stays consistent:
//!
//! - removed (`[removed]`): signatures (`Signature=`, the `Authorization` header of V3 and
//!   the Digest `response`), AccessKey secrets, STS security tokens (`SecurityToken`,
//!   `x-acs-security-token`), TiDB Cloud private keys, MySQL passwords and auth-plugin data,
//!   and every secret value the redactor was told about, wherever it appears (also
//!   percent-encoded once or twice);
//! - masked: AccessKey ids (`LTAI…`, `STS.…`) and TiDB Cloud public keys as `key-N`,
//!   16-digit Alibaba Cloud account ids as `acct-N`, IPv4 addresses by a keyed
//!   prefix-preserving permutation of their last three octets (two addresses in one subnet
//!   stay in one subnet, a CIDR stays a network, so a transcript can be replayed; the first
//!   octet, loopback and `0.0.0.0` are kept).
//!
//! Every position goes through [`Redactor::field`]: a query or form parameter, a header, a
//! JSON member (by [`Redactor::json`]) and free text such as an error message (a field
//! without a name).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Mutex;

/// What replaces a removed secret.
pub const REMOVED: &str = "[removed]";

/// Redacts text, parameters, headers and JSON with pseudonyms stable for its lifetime.
pub struct Redactor {
    state: Mutex<State>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor")
    }
}

struct State {
    /// Keys the IP permutation (never written anywhere).
    key: [u8; 32],
    /// Secret values to remove wherever they appear, longest first.
    secrets: Vec<String>,
    /// Raw identifier → pseudonym.
    names: HashMap<String, String>,
    /// Pseudonyms handed out, by kind.
    counts: HashMap<&'static str, usize>,
}

/// How a named value is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A secret: removed.
    Remove,
    /// A key id: masked as `key-N`.
    KeyId,
    /// Anything else: its text is scanned.
    Text,
}

fn classify(name: &str) -> Class {
    let n: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    const REMOVE: &[&str] = &[
        "authorization",
        "proxyauthorization",
        "cookie",
        "setcookie",
        "xacssecuritytoken",
        "authplugindata",
        "authresponse",
        "scramble",
        "response",
    ];
    const REMOVE_SUFFIX: &[&str] = &[
        "signature",
        "password",
        "secret",
        "securitytoken",
        "privatekey",
        "passwd",
    ];
    if REMOVE.contains(&n.as_str()) || REMOVE_SUFFIX.iter().any(|s| n.ends_with(s)) {
        Class::Remove
    } else if n.ends_with("accesskeyid") || n.ends_with("publickey") || n == "credential" {
        Class::KeyId
    } else {
        Class::Text
    }
}

/// A fresh random key: the OS's random source, else a seeded generator.
fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut key))
        .is_ok();
    if !from_os {
        for b in &mut key {
            *b = fastrand::u8(..);
        }
    }
    key
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new()
    }
}

impl Redactor {
    /// A redactor with a fresh random key.
    pub fn new() -> Self {
        Redactor {
            state: Mutex::new(State {
                key: random_key(),
                secrets: Vec::new(),
                names: HashMap::new(),
                counts: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Removes `value` wherever it appears from now on (raw, or percent-encoded once or
    /// twice). Values shorter than three characters are ignored (they would mangle text).
    pub fn secret(&self, value: &str) {
        if value.chars().count() < 3 {
            return;
        }
        let once = percent_encode(value);
        let twice = percent_encode(&once);
        let mut st = self.lock();
        for v in [value.to_string(), once, twice] {
            if !st.secrets.contains(&v) {
                st.secrets.push(v);
            }
        }
        st.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Masks `value` (a key id) as `key-N` wherever it appears from now on.
    pub fn key_id(&self, value: &str) {
        if value.chars().count() >= 3 {
            self.lock().pseudonym("key", value);
        }
    }

    /// The one redaction: `value` of the field called `name` (a parameter, a header, a JSON
    /// member; `""` for free text).
    pub fn field(&self, name: &str, value: &str) -> String {
        let mut st = self.lock();
        match classify(name) {
            Class::Remove if value.is_empty() => String::new(),
            Class::Remove => match authorization_scheme(name, value) {
                Some(scheme) => format!("{scheme} {REMOVED}"),
                None => REMOVED.to_string(),
            },
            Class::KeyId if !value.is_empty() => st.pseudonym("key", value),
            _ => st.text(value),
        }
    }

    /// Free text (an error message, a body that is not JSON).
    pub fn text(&self, value: &str) -> String {
        self.field("", value)
    }

    /// Parameters, in order.
    pub fn params(&self, pairs: &[(String, String)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), self.field(k, v)))
            .collect()
    }

    /// A JSON document: members by name, strings as text; a 16-digit number becomes its
    /// `acct-N` string; a secret member of any type becomes `"[removed]"`.
    pub fn json(&self, v: &serde_json::Value) -> serde_json::Value {
        self.json_named("", v)
    }

    fn json_named(&self, name: &str, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value as V;
        let class = classify(name);
        match v {
            V::Null => V::Null,
            _ if class == Class::Remove => V::String(REMOVED.into()),
            V::String(s) => V::String(self.field(name, s)),
            V::Number(n) => {
                let s = n.to_string();
                if s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit()) {
                    V::String(self.lock().pseudonym("acct", &s))
                } else {
                    v.clone()
                }
            }
            V::Bool(_) => v.clone(),
            V::Array(a) => V::Array(a.iter().map(|x| self.json_named(name, x)).collect()),
            V::Object(o) => V::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), self.json_named(k, x)))
                    .collect(),
            ),
        }
    }
}

/// The scheme word of an `Authorization` value (`Digest`, `ACS3-HMAC-SHA256`), kept so a
/// reader knows which signature was sent.
fn authorization_scheme<'a>(name: &str, value: &'a str) -> Option<&'a str> {
    if !name.to_ascii_lowercase().ends_with("authorization") {
        return None;
    }
    let (scheme, _) = value.trim_start().split_once(' ')?;
    (scheme.len() <= 32
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-'))
    .then_some(scheme)
}

fn percent_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

impl State {
    fn pseudonym(&mut self, kind: &'static str, raw: &str) -> String {
        if let Some(p) = self.names.get(raw) {
            return p.clone();
        }
        let n = self.counts.entry(kind).or_default();
        *n += 1;
        let p = format!("{kind}-{n}");
        self.names.insert(raw.to_string(), p.clone());
        p
    }

    /// Free text: known secrets, then `name=value` pairs, then identifiers.
    fn text(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        for sec in &self.secrets {
            if out.contains(sec.as_str()) {
                out = out.replace(sec.as_str(), REMOVED);
            }
        }
        // Key ids anywhere; account ids only as whole numbers (below).
        let mut known: Vec<(&String, &String)> = self
            .names
            .iter()
            .filter(|(_, p)| p.starts_with("key-"))
            .collect();
        known.sort_by_key(|(raw, _)| std::cmp::Reverse(raw.len()));
        for (raw, p) in known {
            if out.contains(raw.as_str()) {
                out = out.replace(raw.as_str(), p);
            }
        }
        let out = self.assignments(&out);
        self.identifiers(&out)
    }

    /// `name=value`, `name: value`, `"name":"value"` and `name="value"` with a secret or
    /// key-id name: the value is removed or masked. An `Authorization:` line loses the
    /// rest of the line.
    fn assignments(&mut self, s: &str) -> String {
        let b = s.as_bytes();
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            if !word(b[i]) {
                let ch = s[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
                continue;
            }
            let start = i;
            while i < b.len() && word(b[i]) {
                i += 1;
            }
            let name = &s[start..i];
            out.push_str(name);
            let class = classify(name);
            if class == Class::Text {
                continue;
            }
            // The separator: an optional closing quote, then `=` or `:`, spaces around.
            let mut j = i;
            if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                j += 1;
            }
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            // `=` also percent-encoded once or twice (a server's echoed string to sign).
            let encoded = ["%3D", "%3d", "%253D", "%253d"]
                .iter()
                .find(|e| s[j..].starts_with(**e))
                .map(|e| e.len());
            if let Some(n) = encoded {
                j += n;
            } else if j >= b.len() || (b[j] != b'=' && b[j] != b':') {
                continue;
            } else {
                j += 1;
            }
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            let line = name.to_ascii_lowercase().ends_with("authorization") && b[j - 1] != b'=';
            let (v0, v1, quote) = if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let mut k = j + 1;
                while k < b.len() && b[k] != q {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
                (j + 1, k.min(b.len()), Some(q as char))
            } else if line {
                let k = s[j..].find(['\n', '\r']).map_or(b.len(), |k| j + k);
                (j, k, None)
            } else {
                let rest = &s[j..];
                let plain = rest
                    .find(|c: char| c.is_whitespace() || "&,;\"'<>)]}".contains(c))
                    .unwrap_or(rest.len());
                let amp = ["%26", "%2526"]
                    .iter()
                    .filter_map(|e| rest.find(e))
                    .min()
                    .unwrap_or(rest.len());
                let k = j + plain.min(amp);
                (j, k, None)
            };
            let value = &s[v0..v1];
            out.push_str(&s[i..j]);
            if let Some(q) = quote {
                out.push(q);
            }
            if value.is_empty() {
            } else if class == Class::Remove {
                match authorization_scheme(name, value) {
                    Some(scheme) if line || quote.is_some() => {
                        out.push_str(scheme);
                        out.push(' ');
                        out.push_str(REMOVED);
                    }
                    _ => out.push_str(REMOVED),
                }
            } else if value.starts_with("key-") {
                out.push_str(value);
            } else {
                let p = self.pseudonym("key", value);
                out.push_str(&p);
            }
            if let Some(q) = quote {
                if v1 < b.len() {
                    out.push(q);
                }
                i = (v1 + 1).min(b.len());
            } else {
                i = v1;
            }
        }
        out
    }

    /// Runs of letters, digits and dots: IPv4 addresses (and CIDRs), 16-digit account ids,
    /// AccessKey ids.
    fn identifiers(&mut self, s: &str) -> String {
        let b = s.as_bytes();
        let run = |c: u8| c.is_ascii_alphanumeric() || c == b'.';
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            if !run(b[i]) {
                let ch = s[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
                continue;
            }
            let start = i;
            while i < b.len() && run(b[i]) {
                i += 1;
            }
            let mut tok = &s[start..i];
            // A sentence's full stop is not part of an address.
            let trail = tok.len() - tok.trim_end_matches('.').len();
            tok = &tok[..tok.len() - trail];
            if let Ok(ip) = tok.parse::<Ipv4Addr>()
                && tok.split('.').all(|o| o.len() == 1 || !o.starts_with('0'))
            {
                let prefix = cidr_suffix(&s[start + tok.len()..]).filter(|_| trail == 0);
                out.push_str(&self.ip(ip, prefix).to_string());
            } else if tok.len() == 16 && tok.bytes().all(|c| c.is_ascii_digit()) {
                let p = self.pseudonym("acct", tok);
                out.push_str(&p);
            } else if is_access_key_id(tok) {
                let p = self.pseudonym("key", tok);
                out.push_str(&p);
            } else {
                out.push_str(tok);
            }
            out.push_str(&".".repeat(trail));
        }
        out
    }

    /// A prefix-preserving keyed permutation of `ip` (Crypto-PAn's construction with
    /// HMAC-SHA256): bit `i` is flipped by a function of the bits before it. With `prefix`
    /// (the address was `a.b.c.d/prefix`), the host bits of the result are cleared.
    fn ip(&mut self, ip: Ipv4Addr, prefix: Option<u32>) -> Ipv4Addr {
        if ip.is_loopback() || ip.is_unspecified() || ip.is_broadcast() {
            return ip;
        }
        let x = u32::from(ip);
        // The first octet is kept (a private 10.x or 192.x address stays one, and a reader
        // sees which kind of network it was); the other 24 bits are permuted.
        let mut y = x & 0xff00_0000;
        for i in 8..32u32 {
            let before = if i == 0 { 0 } else { x >> (32 - i) << (32 - i) };
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
                return Ipv4Addr::UNSPECIFIED;
            };
            mac.update(&[i as u8]);
            mac.update(&before.to_be_bytes());
            let flip = u32::from(mac.finalize().into_bytes()[0] & 1);
            y |= (((x >> (31 - i)) & 1) ^ flip) << (31 - i);
        }
        if let Some(p) = prefix {
            y = if p == 0 {
                0
            } else {
                y & (u32::MAX << (32 - p))
            };
        }
        Ipv4Addr::from(y)
    }
}

/// `/n` (0–32) right after an address.
fn cidr_suffix(rest: &str) -> Option<u32> {
    let digits: String = rest
        .strip_prefix('/')?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .ok()
        .filter(|p| *p <= 32 && digits.len() <= 2)
}

/// An Alibaba Cloud AccessKey id: `LTAI` and 12–30 letters or digits, or an STS one
/// (`STS.` and at least 10).
fn is_access_key_id(tok: &str) -> bool {
    let alnum = |s: &str| s.bytes().all(|c| c.is_ascii_alphanumeric());
    if let Some(rest) = tok.strip_prefix("LTAI") {
        return (12..=30).contains(&rest.len()) && alnum(rest);
    }
    if let Some(rest) = tok.strip_prefix("STS.") {
        return rest.len() >= 10 && alnum(rest);
    }
    false
}

#[cfg(test)]
mod tests;
