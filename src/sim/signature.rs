//! The simulator's own reading of Alibaba's two signature algorithms, written from the
//! published descriptions and not from the client's signer (`cloud::aliyun::sign`), so a
//! mistake shared by both cannot pass unseen:
//!
//! - RPC HMAC-SHA1 (`SignatureVersion=1.0`, which the docs now call "signature method V2"):
//!   "Signature mechanism", <https://www.alibabacloud.com/help/doc-detail/131955.html>
//!   (also help.aliyun.com/en/document_detail/130769.html).
//! - ACS3-HMAC-SHA256 ("signature method V3"): "Request syntax and signature method V3",
//!   <https://help.aliyun.com/document_detail/2593177.html>
//!   (alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature).
//!
//! The tests check both against the examples those pages publish.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The V3 algorithm name that opens its `Authorization` header.
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Percent-encoding as both pages define it: UTF-8 bytes, with `A-Z a-z 0-9 - _ . ~` kept
/// and every other byte written `%XY` in uppercase hex (so a space is `%20`, `*` is `%2A`).
pub fn encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
    }
    out
}

/// Encoded `name=value` pairs sorted by name (then value, byte order) and joined by `&`: the
/// canonicalised query string of both algorithms.
fn canonical_pairs<'a>(params: impl Iterator<Item = &'a (String, String)>) -> String {
    let mut pairs: Vec<(String, String)> = params.map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    joined.join("&")
}

/// RPC StringToSign: `HTTPMethod & encode("/") & encode(canonicalised query)`, over every
/// parameter but `Signature`.
pub fn rpc_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    let query = canonical_pairs(params.iter().filter(|(k, _)| k != "Signature"));
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode("/"),
        encode(&query)
    )
}

/// RPC signature: Base64(HMAC-SHA1(key = secret + "&", StringToSign)).
pub fn rpc_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Lowercase hex of SHA-256 (HashedRequestPayload, and the hash inside the V3 StringToSign).
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// V3 CanonicalRequest: method, URI, canonical query, one `name:value` line per signed header
/// (lowercase names, sorted, values trimmed), the signed names joined by `;`, and the payload
/// hash, each on its own line. Only the headers named in `signed` take part.
pub fn v3_canonical_request(
    method: &str,
    uri: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    signed: &[String],
    hashed_payload: &str,
) -> String {
    let mut names: Vec<String> = signed.iter().map(|n| n.to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    let lines: String = names
        .iter()
        .map(|name| {
            let values: Vec<&str> = headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
                .collect();
            format!("{name}:{}\n", values.join(","))
        })
        .collect();
    let uri = if uri.is_empty() { "/" } else { uri };
    [
        method.to_ascii_uppercase(),
        uri.to_string(),
        canonical_pairs(query.iter()),
        lines,
        names.join(";"),
        hashed_payload.to_string(),
    ]
    .join("\n")
}

/// V3 StringToSign: the algorithm name, a newline, and hex SHA-256 of the CanonicalRequest.
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{V3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// V3 signature: lowercase hex HMAC-SHA256 keyed by the secret itself (no `&`).
pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The parts of `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=a;b,Signature=…`.
pub struct V3Authorization {
    /// The AccessKey ID.
    pub credential: String,
    /// The signed header names, lowercase.
    pub signed_headers: Vec<String>,
    /// The hex signature as sent.
    pub signature: String,
}

/// Reads a V3 `Authorization` value; `None` when it is not V3 or lacks a part.
pub fn parse_v3_authorization(value: &str) -> Option<V3Authorization> {
    let rest = value.trim().strip_prefix(V3_ALGORITHM)?;
    let field = |name: &str| {
        rest.split(',').find_map(|part| {
            let (k, v) = part.trim().split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    };
    Some(V3Authorization {
        credential: field("Credential")?,
        signed_headers: field("SignedHeaders")?
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: field("Signature")?,
    })
}

/// Decodes an `application/x-www-form-urlencoded` string (`+` is a space); a malformed one
/// gives no pairs.
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(s).unwrap_or_default()
}

/// Owned pairs from literals, for the signing tests here and in `sim::verify`.
#[cfg(test)]
pub(crate) fn owned_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::owned_pairs as p;
    use super::*;

    #[test]
    fn encoding_keeps_only_the_unreserved() {
        assert_eq!(encode(" ~/*-+_."), "%20~%2F%2A-%2B_.");
        assert_eq!(encode("中"), "%E4%B8%AD");
        assert_eq!(encode("2016-02-23T12:46:24Z"), "2016-02-23T12%3A46%3A24Z");
    }

    /// The example of doc-detail/131955 ("Signature mechanism"): ECS DescribeRegions, secret
    /// `testsecret`. The current page spells `Timestamp` and gives `OLeaidS1…`; older copies
    /// spell `TimeStamp`, which sorts differently and gives the `CT9X0Vtw…` the page's
    /// overview URL still shows.
    #[test]
    fn rpc_published_example() {
        let params = |ts: &str| {
            p(&[
                ("AccessKeyId", "testid"),
                ("Action", "DescribeRegions"),
                ("Format", "XML"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
                ("SignatureVersion", "1.0"),
                (ts, "2016-02-23T12:46:24Z"),
                ("Version", "2014-05-26"),
            ])
        };
        let sts = rpc_string_to_sign("GET", &params("Timestamp"));
        assert_eq!(
            sts,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(
            rpc_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
        let old = rpc_string_to_sign("GET", &params("TimeStamp"));
        assert_eq!(
            rpc_signature("testsecret", &old),
            "CT9X0VtwR86fNWSnsc6v8YGOjuE="
        );
    }

    /// The example of "Request syntax and signature method V3" (help.aliyun.com
    /// document_detail/2593177): ECS RunInstances, secret `YourAccessKeySecret`.
    #[test]
    fn v3_published_example() {
        let query = p(&[
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ]);
        let empty = sha256_hex(b"");
        let headers = p(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T09:01:01Z"),
            ("x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"),
            ("x-acs-content-sha256", &empty),
        ]);
        let auth = parse_v3_authorization(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=x",
        )
        .unwrap();
        assert_eq!(auth.credential, "YourAccessKeyId");
        let cr = v3_canonical_request("POST", "/", &query, &headers, &auth.signed_headers, &empty);
        assert_eq!(
            sha256_hex(cr.as_bytes()),
            "29622f5feb1e9fcaaa2e276a72889c975f7b16f00e02be1ca34965b18cd85015"
        );
        assert_eq!(
            v3_signature("YourAccessKeySecret", &v3_string_to_sign(&cr)),
            "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"
        );
    }

    #[test]
    fn authorization_needs_every_part() {
        assert!(parse_v3_authorization("Basic x").is_none());
        assert!(parse_v3_authorization("ACS3-HMAC-SHA256 Credential=a,Signature=b").is_none());
    }

    #[test]
    fn form_plus_is_space() {
        assert_eq!(
            parse_form("ServiceDescription=TiDB+Cloud&x=a%2Fb"),
            p(&[("ServiceDescription", "TiDB Cloud"), ("x", "a/b")])
        );
    }
}
