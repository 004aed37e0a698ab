//! HTTP Digest authentication (RFC 7616, MD5, qop=auth) as TiDB Cloud's API gateway does it
//! (tidbcloud-api.md §4): reused nonces with fresh `nc` values are accepted, replayed `nc`s
//! are not, unknown or expired nonces get a new challenge with `stale=true`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use md5::{Digest as _, Md5};
use tokio::time::Instant;

/// The realm in our challenges (clients may echo any realm).
pub const REALM: &str = "tidb.cloud";
/// How long a nonce stays valid.
pub const NONCE_TTL: Duration = Duration::from_secs(600);

struct NonceState {
    issued: Instant,
    used_nc: HashSet<u64>,
}

/// Issued nonces.
pub struct DigestStore {
    nonces: HashMap<String, NonceState>,
    rng: fastrand::Rng,
}

/// Why a request was not authenticated.
#[derive(Debug, PartialEq, Eq)]
pub enum DigestError {
    /// No or malformed credentials, or wrong keys.
    Unauthorized,
    /// Unknown or expired nonce: challenge again with `stale=true`.
    Stale,
    /// The `nc` value was already used with this nonce.
    Replay,
}

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

/// Parses `Digest k=v, k="v, with comma"` into a map (keys lowercase).
pub fn parse_authorization(value: &str) -> Option<HashMap<String, String>> {
    let rest = value.trim();
    let rest = rest
        .strip_prefix("Digest")
        .or_else(|| rest.strip_prefix("digest"))?;
    let mut out = HashMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() {
            return None;
        }
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut escaped = false;
            for c in chars.by_ref() {
                if escaped {
                    val.push(c);
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    break;
                } else {
                    val.push(c);
                }
            }
        } else {
            while let Some(c) = chars.peek() {
                if *c == ',' {
                    break;
                }
                val.push(*c);
                chars.next();
            }
            val = val.trim().to_string();
        }
        out.insert(key, val);
    }
    Some(out)
}

impl DigestStore {
    /// A store whose nonces come from a seeded RNG.
    pub fn new(seed: u64) -> Self {
        DigestStore {
            nonces: HashMap::new(),
            rng: fastrand::Rng::with_seed(seed ^ 0xd16e57),
        }
    }

    /// Issues a nonce and returns the `WWW-Authenticate` value.
    pub fn challenge(&mut self, stale: bool, now: Instant) -> String {
        if self.nonces.len() > 10_000 {
            self.nonces
                .retain(|_, n| now.duration_since(n.issued) < NONCE_TTL);
        }
        let nonce: String = (0..32)
            .map(|_| char::from(b"0123456789abcdef"[self.rng.usize(0..16)]))
            .collect();
        self.nonces.insert(
            nonce.clone(),
            NonceState {
                issued: now,
                used_nc: HashSet::new(),
            },
        );
        format!(
            "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\", stale={}",
            if stale { "true" } else { "false" }
        )
    }

    /// Verifies an `Authorization` header for `method` and the request `uri` (path+query).
    /// Returns the public key on success.
    pub fn verify(
        &mut self,
        header: Option<&str>,
        method: &str,
        uri: &str,
        keys: &[(String, String)],
        now: Instant,
    ) -> Result<String, DigestError> {
        let f = header
            .and_then(parse_authorization)
            .ok_or(DigestError::Unauthorized)?;
        let get = |k: &str| f.get(k).map(String::as_str);
        let (Some(user), Some(nonce), Some(resp), Some(duri)) =
            (get("username"), get("nonce"), get("response"), get("uri"))
        else {
            return Err(DigestError::Unauthorized);
        };
        if let Some(alg) = get("algorithm")
            && !alg.eq_ignore_ascii_case("MD5")
        {
            return Err(DigestError::Unauthorized);
        }
        if duri != uri && duri != uri.split('?').next().unwrap_or(uri) {
            return Err(DigestError::Unauthorized);
        }
        let Some((_, secret)) = keys.iter().find(|(p, _)| p == user) else {
            return Err(DigestError::Unauthorized);
        };
        let realm = get("realm").unwrap_or(REALM);
        let ha1 = md5_hex(&format!("{user}:{realm}:{secret}"));
        let ha2 = md5_hex(&format!("{method}:{duri}"));
        let (expected, nc) = match get("qop") {
            Some(qop) => {
                if !qop.eq_ignore_ascii_case("auth") {
                    return Err(DigestError::Unauthorized);
                }
                let (Some(nc), Some(cnonce)) = (get("nc"), get("cnonce")) else {
                    return Err(DigestError::Unauthorized);
                };
                let n = u64::from_str_radix(nc, 16).map_err(|_| DigestError::Unauthorized)?;
                (
                    md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")),
                    Some(n),
                )
            }
            None => (md5_hex(&format!("{ha1}:{nonce}:{ha2}")), None),
        };
        if !expected.eq_ignore_ascii_case(resp) {
            return Err(DigestError::Unauthorized);
        }
        let Some(state) = self.nonces.get_mut(nonce) else {
            return Err(DigestError::Stale);
        };
        if now.duration_since(state.issued) > NONCE_TTL {
            self.nonces.remove(nonce);
            return Err(DigestError::Stale);
        }
        if let Some(n) = nc
            && !state.used_nc.insert(n)
        {
            return Err(DigestError::Replay);
        }
        Ok(user.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonce_of(ch: &str) -> String {
        parse_authorization(ch).unwrap()["nonce"].clone()
    }

    fn auth(user: &str, pass: &str, nonce: &str, nc: u32, uri: &str) -> String {
        let ha1 = md5_hex(&format!("{user}:{REALM}:{pass}"));
        let ha2 = md5_hex(&format!("GET:{uri}"));
        let nc = format!("{nc:08x}");
        let r = md5_hex(&format!("{ha1}:{nonce}:{nc}:abc:auth:{ha2}"));
        format!(
            "Digest username=\"{user}\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm=MD5, qop=auth, nc={nc}, cnonce=\"abc\", response=\"{r}\""
        )
    }

    #[tokio::test(start_paused = true)]
    async fn digest_flow() {
        let keys = vec![("PUB".to_string(), "PRIV".to_string())];
        let mut s = DigestStore::new(1);
        let now = Instant::now();
        assert_eq!(
            s.verify(None, "GET", "/v1beta1/clusters", &keys, now),
            Err(DigestError::Unauthorized)
        );
        let nonce = nonce_of(&s.challenge(false, now));
        let uri = "/v1beta1/clusters?pageSize=10";
        let later = now + NONCE_TTL + Duration::from_secs(1);
        // In order: a nonce count once used is a replay afterwards.
        let steps = [
            ("PRIV", nonce.as_str(), 1, uri, now, Ok("PUB")),
            // Reuse with a new nc is fine; a replayed nc is not.
            ("PRIV", &nonce, 2, uri, now, Ok("PUB")),
            ("PRIV", &nonce, 2, uri, now, Err(DigestError::Replay)),
            // Wrong password, wrong uri.
            ("nope", &nonce, 3, uri, now, Err(DigestError::Unauthorized)),
            ("PRIV", &nonce, 4, "/x", now, Err(DigestError::Unauthorized)),
            // Unknown and expired nonces are stale.
            ("PRIV", "feedface", 1, uri, now, Err(DigestError::Stale)),
            ("PRIV", &nonce, 9, uri, later, Err(DigestError::Stale)),
        ];
        for (pass, nonce, nc, signed_uri, at, want) in steps {
            let header = auth("PUB", pass, nonce, nc, signed_uri);
            let got = s.verify(Some(&header), "GET", uri, &keys, at);
            assert_eq!(
                got,
                want.map(String::from),
                "{pass} {nonce} nc={nc} {signed_uri}"
            );
        }
    }

    #[test]
    fn parses_quoted_commas() {
        let m =
            parse_authorization(r#"Digest username="a", uri="/x?a=1,2", qop=auth, nc=00000001"#)
                .unwrap();
        assert_eq!(m["uri"], "/x?a=1,2");
        assert_eq!(m["nc"], "00000001");
    }
}
