//! Alibaba request authentication: V1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256) signatures,
//! timestamp skew, nonce reuse and STS tokens (alibaba-api.md §2, §3, §5, §8). The
//! signatures are computed by the simulator's own [`super::signature`], never the client's.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::alibaba::AliError;
use super::signature as sig;
use super::world::AccessKey;

/// Allowed clock skew for `Timestamp` / `x-acs-date`.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// What the verifier needs from an HTTP request.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Decoded query parameters (`+` already a space).
    pub query: &'a [(String, String)],
    /// Decoded form-body parameters.
    pub form: &'a [(String, String)],
    /// Header (name, value) pairs as received.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl SignedRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(self.form.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Remembers used nonces for 15 minutes.
#[derive(Default)]
pub struct NonceStore {
    seen: HashMap<String, SystemTime>,
}

impl NonceStore {
    /// Records `(key, nonce)`; false when it was already used.
    pub fn check_and_insert(&mut self, key: &str, nonce: &str, now: SystemTime) -> bool {
        if self.seen.len() > 50_000 {
            self.seen
                .retain(|_, t| now.duration_since(*t).unwrap_or_default() < MAX_SKEW * 2);
        }
        self.seen.insert(format!("{key}\n{nonce}"), now).is_none()
    }
}

fn missing(name: &str) -> AliError {
    AliError::new(
        400,
        "MissingParameter",
        format!(
            "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
        ),
    )
}

fn check_time(value: &str, now: SystemTime) -> Result<(), AliError> {
    let t = humantime::parse_rfc3339(value).map_err(|_| {
        AliError::new(
            400,
            "InvalidTimeStamp.Format",
            format!("Specified time stamp or date value is not well formatted: {value}"),
        )
    })?;
    let skew = match now.duration_since(t) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if skew > MAX_SKEW {
        return Err(AliError::new(
            400,
            "InvalidTimeStamp.Expired",
            format!("Specified time stamp or date value is expired. (request {value})"),
        ));
    }
    Ok(())
}

fn check_token(key: &AccessKey, token: Option<&str>) -> Result<(), AliError> {
    match (&key.security_token, token) {
        (None, None) => Ok(()),
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(_), None) => Err(AliError::new(
            400,
            "InvalidSecurityToken.Malformed",
            "The security token you provided is malformed (missing).",
        )),
        (_, Some(_)) => Err(AliError::new(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "The security token you provided does not match the access key.",
        )),
    }
}

/// Records a signature nonce of `key`; a nonce seen before is `SignatureNonceUsed`.
fn use_nonce(
    nonces: &mut NonceStore,
    key: &str,
    nonce: &str,
    now: SystemTime,
) -> Result<(), AliError> {
    if nonces.check_and_insert(key, nonce, now) {
        Ok(())
    } else {
        Err(AliError::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ))
    }
}

fn mismatch(string_to_sign: &str) -> AliError {
    AliError::new(
        400,
        "SignatureDoesNotMatch",
        format!(
            "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
        ),
    )
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Verifies the request and returns the caller's access key.
pub fn verify<'k>(
    req: &SignedRequest<'_>,
    keys: &'k [AccessKey],
    nonces: &mut NonceStore,
    now: SystemTime,
) -> Result<&'k AccessKey, AliError> {
    match req.header("authorization") {
        Some(auth) if auth.trim_start().starts_with(sig::V3_ALGORITHM) => {
            verify_v3(req, auth, keys, nonces, now)
        }
        Some(auth) if !auth.trim().is_empty() && req.param("Signature").is_none() => {
            Err(AliError::new(
                400,
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards.",
            ))
        }
        _ => verify_v1(req, keys, nonces, now),
    }
}

fn find_key<'k>(keys: &'k [AccessKey], id: &str) -> Result<&'k AccessKey, AliError> {
    keys.iter().find(|k| k.id == id).ok_or_else(|| {
        AliError::new(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
    })
}

fn verify_v1<'k>(
    req: &SignedRequest<'_>,
    keys: &'k [AccessKey],
    nonces: &mut NonceStore,
    now: SystemTime,
) -> Result<&'k AccessKey, AliError> {
    let ak = req
        .param("AccessKeyId")
        .ok_or_else(|| missing("AccessKeyId"))?;
    let signature = req.param("Signature").ok_or_else(|| missing("Signature"))?;
    let key = find_key(keys, ak)?;
    match req.param("SignatureMethod") {
        Some("HMAC-SHA1") => {}
        Some(other) => {
            return Err(AliError::new(
                400,
                "InvalidSignatureMethod",
                format!("Specified signature method {other} is not supported."),
            ));
        }
        None => return Err(missing("SignatureMethod")),
    }
    let ts = req.param("Timestamp").ok_or_else(|| missing("Timestamp"))?;
    check_time(ts, now)?;
    let nonce = req
        .param("SignatureNonce")
        .ok_or_else(|| missing("SignatureNonce"))?;
    let all: Vec<(String, String)> = req.query.iter().chain(req.form.iter()).cloned().collect();
    let sts = sig::rpc_string_to_sign(req.method, &all);
    let expected = sig::rpc_signature(&key.secret, &sts);
    if !constant_eq(&expected, signature) {
        return Err(mismatch(&sts));
    }
    check_token(key, req.param("SecurityToken"))?;
    use_nonce(nonces, &key.id, nonce, now)?;
    Ok(key)
}

fn verify_v3<'k>(
    req: &SignedRequest<'_>,
    auth: &str,
    keys: &'k [AccessKey],
    nonces: &mut NonceStore,
    now: SystemTime,
) -> Result<&'k AccessKey, AliError> {
    let auth = sig::parse_v3_authorization(auth).ok_or_else(|| {
        AliError::new(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards: malformed Authorization.",
        )
    })?;
    let key = find_key(keys, &auth.credential)?;
    let date = req
        .header("x-acs-date")
        .ok_or_else(|| missing("x-acs-date"))?;
    check_time(date, now)?;
    let nonce = req
        .header("x-acs-signature-nonce")
        .ok_or_else(|| missing("x-acs-signature-nonce"))?;
    let hashed = req
        .header("x-acs-content-sha256")
        .ok_or_else(|| missing("x-acs-content-sha256"))?;
    let actual = sig::sha256_hex(req.body);
    if !hashed.eq_ignore_ascii_case(&actual) {
        return Err(AliError::new(
            400,
            "SignatureDoesNotMatch",
            format!(
                "The x-acs-content-sha256 header ({hashed}) does not match the SHA-256 of the request body ({actual})."
            ),
        ));
    }
    let cr = sig::v3_canonical_request(
        req.method,
        req.path,
        req.query,
        req.headers,
        &auth.signed_headers,
        hashed,
    );
    let sts = sig::v3_string_to_sign(&cr);
    let expected = sig::v3_signature(&key.secret, &sts);
    if !constant_eq(&expected, &auth.signature.to_ascii_lowercase()) {
        return Err(mismatch(&sts));
    }
    check_token(key, req.header("x-acs-security-token"))?;
    use_nonce(nonces, &key.id, nonce, now)?;
    Ok(key)
}

/// Every request here is signed by the client's own signer: what tilink sends, the
/// simulator's independent verifier accepts (and the published examples check each side
/// alone, in `cloud::aliyun::sign` and `sim::signature`).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::aliyun::sign;
    use crate::sim::clock::Clock;
    use crate::sim::signature::owned_pairs as p;
    use crate::sim::world::World;

    fn ts(t: SystemTime) -> String {
        humantime::format_rfc3339_seconds(t).to_string()
    }

    fn v1_params(w: &World, nonce: &str, t: SystemTime, secret: &str) -> Vec<(String, String)> {
        let mut q = p(&[
            ("Action", "DescribeVpcs"),
            ("Version", "2016-04-28"),
            ("Format", "JSON"),
            ("AccessKeyId", &w.keys[0].id),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", nonce),
            ("Timestamp", &ts(t)),
            ("RegionId", "ap-southeast-1"),
        ]);
        let sig = sign::v1_signature(secret, &sign::v1_string_to_sign("POST", &q));
        q.push(("Signature".into(), sig));
        q
    }

    fn call(
        q: &[(String, String)],
        form: &[(String, String)],
        headers: &[(String, String)],
        body: &[u8],
        w: &World,
        n: &mut NonceStore,
        now: SystemTime,
    ) -> Result<String, AliError> {
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: q,
            form,
            headers,
            body,
        };
        verify(&req, &w.keys, n, now).map(|k| k.label.clone())
    }

    #[test]
    fn v1_accepts_and_rejects() {
        let w = World::new(1, Clock::new(0.0));
        let mut n = NonceStore::default();
        let now = SystemTime::now();
        let q = v1_params(&w, "n1", now, &w.keys[0].secret);
        assert_eq!(call(&q, &[], &[], b"", &w, &mut n, now).unwrap(), "admin");
        // Reused nonce.
        assert_eq!(
            call(&q, &[], &[], b"", &w, &mut n, now).unwrap_err().code,
            "SignatureNonceUsed"
        );
        // Wrong secret: message echoes the string to sign.
        let q = v1_params(&w, "n2", now, "wrong");
        let e = call(&q, &[], &[], b"", &w, &mut n, now).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "SignatureDoesNotMatch"));
        assert!(
            e.message
                .contains("server string to sign is:POST&%2F&AccessKeyId%3D")
        );
        // Skew.
        let old = now - Duration::from_secs(16 * 60);
        let q = v1_params(&w, "n3", old, &w.keys[0].secret);
        assert_eq!(
            call(&q, &[], &[], b"", &w, &mut n, now).unwrap_err().code,
            "InvalidTimeStamp.Expired"
        );
        // Unknown key.
        let mut q = v1_params(&w, "n4", now, &w.keys[0].secret);
        q[3].1 = "LTAInope".into();
        let e = call(&q, &[], &[], b"", &w, &mut n, now).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (404, "InvalidAccessKeyId.NotFound")
        );
        // Form parameters are covered by the signature.
        let mut q = v1_params(&w, "n5", now, &w.keys[0].secret);
        q.pop();
        let form = p(&[("VpcId", "vpc-x y")]);
        let all: Vec<_> = q.iter().chain(form.iter()).cloned().collect();
        q.push((
            "Signature".into(),
            sign::v1_signature(&w.keys[0].secret, &sign::v1_string_to_sign("POST", &all)),
        ));
        assert!(call(&q, &form, &[], b"", &w, &mut n, now).is_ok());
        let tampered = p(&[("VpcId", "vpc-other")]);
        assert_eq!(
            call(&q, &tampered, &[], b"", &w, &mut n, now)
                .unwrap_err()
                .code,
            "SignatureDoesNotMatch"
        );
    }

    fn v3_headers(
        w: &World,
        key: usize,
        nonce: &str,
        t: SystemTime,
        body: &[u8],
        query: &[(String, String)],
        secret: &str,
    ) -> Vec<(String, String)> {
        let mut h = p(&[
            ("host", "127.0.0.1:1"),
            ("x-acs-action", "DescribeVpcs"),
            ("x-acs-version", "2016-04-28"),
            ("x-acs-date", &ts(t)),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", &sign::sha256_hex(body)),
            ("accept-encoding", "identity"),
        ]);
        if let Some(tok) = &w.keys[key].security_token {
            h.push(("x-acs-security-token".into(), tok.clone()));
        }
        let mut signed: Vec<String> = h
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| k != "accept-encoding")
            .collect();
        signed.sort();
        let cr =
            sign::v3_canonical_request("POST", "/", query, &h, &signed, &sign::sha256_hex(body));
        let sig = sign::v3_signature(secret, &sign::v3_string_to_sign(&cr));
        h.push((
            "Authorization".into(),
            format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={sig}",
                w.keys[key].id,
                signed.join(";")
            ),
        ));
        h
    }

    #[test]
    fn v3_accepts_and_rejects() {
        let w = World::new(1, Clock::new(0.0));
        let mut n = NonceStore::default();
        let now = SystemTime::now();
        let q = p(&[("RegionId", "ap-southeast-1"), ("Tag.1.Value", "a b/~*")]);
        let body = b"A=1&B=x+y";
        let h = v3_headers(&w, 0, "a1", now, body, &q, &w.keys[0].secret);
        assert_eq!(call(&q, &[], &h, body, &w, &mut n, now).unwrap(), "admin");
        assert_eq!(
            call(&q, &[], &h, body, &w, &mut n, now).unwrap_err().code,
            "SignatureNonceUsed"
        );
        // Body tampering breaks the content hash.
        let h = v3_headers(&w, 0, "a2", now, body, &q, &w.keys[0].secret);
        assert_eq!(
            call(&q, &[], &h, b"A=2", &w, &mut n, now).unwrap_err().code,
            "SignatureDoesNotMatch"
        );
        // Wrong secret.
        let h = v3_headers(&w, 0, "a3", now, body, &q, "nope");
        let e = call(&q, &[], &h, body, &w, &mut n, now).unwrap_err();
        assert!(
            e.message
                .contains("server string to sign is:ACS3-HMAC-SHA256\n")
        );
        // Skew.
        let h = v3_headers(
            &w,
            0,
            "a4",
            now + Duration::from_secs(20 * 60),
            body,
            &q,
            &w.keys[0].secret,
        );
        assert_eq!(
            call(&q, &[], &h, body, &w, &mut n, now).unwrap_err().code,
            "InvalidTimeStamp.Expired"
        );
        // STS key with its token.
        let h = v3_headers(&w, 2, "a5", now, body, &q, &w.keys[2].secret);
        assert_eq!(call(&q, &[], &h, body, &w, &mut n, now).unwrap(), "sts");
        // An unsigned extra header does not matter.
        let mut h = v3_headers(&w, 0, "a6", now, body, &q, &w.keys[0].secret);
        h.push(("user-agent".into(), "x".into()));
        assert!(call(&q, &[], &h, body, &w, &mut n, now).is_ok());
    }
}
