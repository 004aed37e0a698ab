//! Alibaba Cloud request signatures: V1 (HMAC-SHA1, `SignatureVersion=1.0`) and
//! V3 (ACS3-HMAC-SHA256). Pure functions, shared by the client and the simulator.
//!
//! Reference: `shared/reference/alibaba-api.md` §2–3 (help.aliyun.com doc-detail/131955,
//! "v3-request-structure-and-signature", darabonba-openapi-util tests).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// SHA-256 of an empty body, lowercase hex.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The V3 algorithm name, as it appears in `Authorization`.
pub const ACS3: &str = "ACS3-HMAC-SHA256";

pub use crate::cloud::http::pe;

/// `k=v&k=v…` with names and values encoded, sorted by encoded name then value.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = params.iter().map(|(k, v)| (pe(k), pe(v))).collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// V1 StringToSign: `METHOD&%2F&pe(sorted params)`, ignoring any `Signature` parameter.
pub fn v1_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    let filtered: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .cloned()
        .collect();
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        pe("/"),
        pe(&canonical_query(&filtered))
    )
}

/// V1 signature: Base64(HMAC-SHA1(secret + "&", string_to_sign)).
pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// V3 canonical request.
///
/// `headers` are (name, value) pairs; names are compared case-insensitively and only those
/// listed in `signed_headers` (lowercase) are canonicalized, as the gateway does.
pub fn v3_canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    signed_headers: &[String],
    hashed_payload: &str,
) -> String {
    let mut names: Vec<String> = signed_headers
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let mut canon_headers = String::new();
    for name in &names {
        let value = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect::<Vec<_>>()
            .join(",");
        canon_headers.push_str(&format!("{name}:{value}\n"));
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        if path.is_empty() { "/" } else { path },
        canonical_query(query),
        canon_headers,
        names.join(";"),
        hashed_payload
    )
}

/// V3 StringToSign: `ACS3-HMAC-SHA256\n` + hex(SHA256(canonical request)).
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!("{ACS3}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// V3 signature: hex(HMAC-SHA256(raw secret, string_to_sign)).
pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`.
pub fn parse_v3_authorization(value: &str) -> Option<(String, Vec<String>, String)> {
    let rest = value.trim().strip_prefix(ACS3)?.trim();
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "Credential" => cred = Some(v.trim().to_string()),
            "SignedHeaders" => {
                signed = Some(
                    v.trim()
                        .split(';')
                        .map(|s| s.to_ascii_lowercase())
                        .collect(),
                )
            }
            "Signature" => sig = Some(v.trim().to_string()),
            _ => {}
        }
    }
    Some((cred?, signed?, sig?))
}

/// Decodes an `application/x-www-form-urlencoded` string (`+` is a space).
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    form_urlencoded_pairs(s)
}

fn form_urlencoded_pairs(s: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn percent_encoding_edge_cases() {
        assert_eq!(pe(" ~/*-+"), "%20~%2F%2A-%2B");
        assert_eq!(pe("a b"), "a%20b");
        assert_eq!(pe("*"), "%2A");
        assert_eq!(pe("+"), "%2B");
        assert_eq!(pe("~"), "~");
        assert_eq!(pe("/"), "%2F");
        assert_eq!(pe("中"), "%E4%B8%AD");
        assert_eq!(pe("2016-02-23T12:46:24Z"), "2016-02-23T12%3A46%3A24Z");
    }

    fn ecs_params(ts_key: &str) -> Vec<(String, String)> {
        p(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            (ts_key, "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ])
    }

    #[test]
    fn v1_docs_vector_ecs_describe_regions() {
        let sts = v1_string_to_sign("GET", &ecs_params("Timestamp"));
        assert_eq!(
            sts,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(
            v1_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn v1_old_docs_vector_timestamp_spelling() {
        let sts = v1_string_to_sign("GET", &ecs_params("TimeStamp"));
        assert_eq!(
            v1_signature("testsecret", &sts),
            "CT9X0VtwR86fNWSnsc6v8YGOjuE="
        );
    }

    #[test]
    fn v1_darabonba_vector() {
        let sts = v1_string_to_sign("GET", &p(&[("query", "test"), ("body", "test")]));
        assert_eq!(v1_signature("secret", &sts), "XlUyV4sXjOuX5FnjUz9IF9tm5rU=");
    }

    #[test]
    fn v1_nlb_vector_with_tag_edge_cases() {
        let params = p(&[
            ("AccessKeyId", "testid"),
            ("Action", "ListLoadBalancers"),
            ("Format", "JSON"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "c0ffee00-0000-4000-8000-000000000001"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2024-01-01T00:00:00Z"),
            ("Version", "2022-04-30"),
            ("Tag.1.Key", "owner"),
            ("Tag.1.Value", "tidb cloud/~*+"),
            ("Signature", "ignored"),
        ]);
        let sts = v1_string_to_sign("POST", &params);
        assert!(sts.contains("Tag.1.Value%3Dtidb%2520cloud%252F~%252A%252B"));
        assert_eq!(
            v1_signature("testsecret", &sts),
            "iVrG+WlpwOGCXe1kGbXe2N1X28Y="
        );
    }

    fn v3_headers(
        host: &str,
        action: &str,
        version: &str,
        date: &str,
        nonce: &str,
    ) -> Vec<(String, String)> {
        p(&[
            ("host", host),
            ("x-acs-action", action),
            ("x-acs-version", version),
            ("x-acs-date", date),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", EMPTY_SHA256),
        ])
    }

    fn six() -> Vec<String> {
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
            .split(';')
            .map(String::from)
            .collect()
    }

    /// Signs an empty-body POST to `/` with the six headers: the canonical request hashes to
    /// `canonical_sha`, the signature with `secret` is `signature`.
    fn assert_v3(
        query: &[(String, String)],
        headers: &[(String, String)],
        secret: &str,
        canonical_sha: &str,
        signature: &str,
    ) {
        let cr = v3_canonical_request("POST", "/", query, headers, &six(), EMPTY_SHA256);
        assert_eq!(sha256_hex(cr.as_bytes()), canonical_sha);
        assert_eq!(v3_signature(secret, &v3_string_to_sign(&cr)), signature);
    }

    #[test]
    fn v3_docs_vector_run_instances() {
        let query = p(&[
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ]);
        let headers = v3_headers(
            "ecs.cn-shanghai.aliyuncs.com",
            "RunInstances",
            "2014-05-26",
            "2023-10-26T09:01:01Z",
            "d410180a5abf7fe235dd9b74aca91fc0",
        );
        assert_v3(
            &query,
            &headers,
            "YourAccessKeySecret",
            "29622f5feb1e9fcaaa2e276a72889c975f7b16f00e02be1ca34965b18cd85015",
            "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804",
        );
    }

    #[test]
    fn v3_nlb_vector() {
        let query = p(&[("LoadBalancerIds.1", "nlb-a"), ("RegionId", "cn-hangzhou")]);
        let headers = v3_headers(
            "nlb.cn-hangzhou.aliyuncs.com",
            "ListLoadBalancers",
            "2022-04-30",
            "2024-01-01T00:00:00Z",
            "0123456789abcdef0123456789abcdef",
        );
        assert_v3(
            &query,
            &headers,
            "testsecret",
            "feb1360de07876ee580fc21eaa25fcc2029502b74b7a7c073ed16648deadb978",
            "e51df4720dc314043eea1813da9667add9aeb909384bdbf9b10bfff4faff49c8",
        );
    }

    #[test]
    fn v3_authorization_parses() {
        let (ak, signed, sig) = parse_v3_authorization(
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-date,Signature=abc",
        )
        .unwrap();
        assert_eq!(ak, "testid");
        assert_eq!(signed, vec!["host", "x-acs-date"]);
        assert_eq!(sig, "abc");
        assert!(parse_v3_authorization("Basic x").is_none());
    }

    #[test]
    fn form_plus_is_space() {
        assert_eq!(
            parse_form("ServiceDescription=TiDB+Cloud&x=a%2Fb"),
            p(&[("ServiceDescription", "TiDB Cloud"), ("x", "a/b")])
        );
    }
}
