//! Hostile tests: every secret tilink knows, in every position.

use super::*;

const AK_ID: &str = "LTAI5tQx9Zk3mNpR7vWbYc2D";
const AK_SECRET: &str = "q8Zr2LmNx/7KpT+wVbYc3DfGh==";
const STS_ID: &str = "STS.NUgYrLnoC37mZZCNnAbez2tiB";
const TOKEN: &str = "CAIS+gF1q6Ft5B2yfSjIr5bSEsj/2+Vo/a2HSm3x0mY=";
const TIDB_PUB: &str = "7TRQ4ZBD";
const TIDB_PRIV: &str = "4a4f3b2e-1c0d-4e5f-9a8b-7c6d5e4f3a2b";
const MYSQL_PW: &str = "S3cr3t!pw";
const UID: &str = "7693128384373573";
const IP: &str = "172.16.1.30";

fn r() -> Redactor {
    let r = Redactor::new();
    for s in [AK_SECRET, TOKEN, TIDB_PRIV, MYSQL_PW] {
        r.secret(s);
    }
    r.key_id(AK_ID);
    r.key_id(TIDB_PUB);
    r
}

/// Nothing of the run's secrets or raw identifiers is left.
fn clean(s: &str) {
    for bad in [
        AK_ID,
        AK_SECRET,
        STS_ID,
        TOKEN,
        TIDB_PUB,
        TIDB_PRIV,
        MYSQL_PW,
        UID,
        IP,
        "sig0123abcd",
        "deadbeefcafe",
        "scrambledata",
    ] {
        assert!(!s.contains(bad), "{bad} left in {s}");
        let enc = percent_encode(bad);
        assert!(!s.contains(&enc), "{enc} left in {s}");
    }
}

#[test]
fn query_strings() {
    let r = r();
    let q = format!(
        "Action=DescribeDBInstances&AccessKeyId={AK_ID}&Signature=sig0123abcd%3D&SignatureMethod=HMAC-SHA1&SecurityToken={}&SignatureNonce=1",
        percent_encode(TOKEN)
    );
    let out = r.text(&q);
    clean(&out);
    assert!(out.contains("AccessKeyId=key-1"), "{out}");
    assert!(
        out.contains("Signature=[removed]&SignatureMethod=HMAC-SHA1"),
        "{out}"
    );
    assert!(out.contains("SignatureNonce=1"), "{out}");
    // Twice encoded (a SignatureDoesNotMatch string to sign).
    clean(&r.text(&percent_encode(&q)));
}

#[test]
fn form_and_params() {
    let r = r();
    let pairs: Vec<(String, String)> = [
        ("AccessKeyId", AK_ID),
        ("AccessKeySecret", AK_SECRET),
        ("SecurityToken", TOKEN),
        ("Signature", "sig0123abcd"),
        ("AccountPassword", MYSQL_PW),
        ("SecurityIPList", "172.16.1.0/24,172.16.2.0/24"),
        ("UserId", UID),
        ("Description", "for 172.16.1.30 of 7693128384373573"),
        ("ClientToken", "tl-abc-lb"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let out = r.params(&pairs);
    let joined = format!("{out:?}");
    clean(&joined);
    assert_eq!(out[0].1, "key-1");
    assert_eq!(out[1].1, REMOVED);
    assert_eq!(out[6].1, "acct-1");
    assert_eq!(out[8].1, "tl-abc-lb");
    assert!(out[7].1.ends_with("of acct-1"), "{}", out[7].1);
    // A CIDR stays a network.
    for cidr in out[5].1.split(',') {
        let (a, p) = cidr.split_once('/').unwrap();
        assert_eq!(p, "24");
        assert!(a.ends_with(".0"), "{cidr}");
    }
    let form = serde_urlencoded::to_string(&pairs).unwrap();
    clean(&r.text(&form));
}

#[test]
fn headers() {
    let r = r();
    let v3 = format!(
        "ACS3-HMAC-SHA256 Credential={AK_ID},SignedHeaders=host;x-acs-action,Signature=deadbeefcafe"
    );
    assert_eq!(r.field("Authorization", &v3), "ACS3-HMAC-SHA256 [removed]");
    let digest = format!(
        "Digest username=\"{TIDB_PUB}\", realm=\"tidb.cloud\", nonce=\"n1\", uri=\"/v1beta1/clusters\", response=\"deadbeefcafe\", qop=auth, nc=00000001, cnonce=\"c\""
    );
    assert_eq!(r.field("authorization", &digest), "Digest [removed]");
    assert_eq!(r.field("x-acs-security-token", TOKEN), REMOVED);
    assert_eq!(r.field("X-Acs-Security-Token", "x"), REMOVED);
    // Headers inside text (a dumped request).
    let dump = format!(
        "POST / HTTP/1.1\r\nAuthorization: {v3}\r\nx-acs-security-token: {TOKEN}\r\nx-acs-action: ListLoadBalancers\r\n\r\nauthorization: {digest}\n"
    );
    let out = r.text(&dump);
    clean(&out);
    assert!(
        out.contains("Authorization: ACS3-HMAC-SHA256 [removed]\r\n"),
        "{out}"
    );
    assert!(out.contains("x-acs-action: ListLoadBalancers"), "{out}");
}

#[test]
fn json_bodies() {
    let r = r();
    let body = serde_json::json!({
        "AccessKeyId": AK_ID,
        "AccessKeySecret": AK_SECRET,
        "SecurityToken": TOKEN,
        "Credentials": {"AccessKeyId": STS_ID, "AccessKeySecret": AK_SECRET, "SecurityToken": TOKEN},
        "AccountId": UID,
        "OwnerId": 7693128384373573u64,
        "Arn": format!("acs:ram::{UID}:user/tilink-admin"),
        "public_key": TIDB_PUB,
        "private_key": TIDB_PRIV,
        "password": MYSQL_PW,
        "auth_plugin_data": "scrambledata",
        "Servers": [{"ServerIp": IP, "Port": 3306}],
        "ClusterId": 9205726202352255570u64,
        "message": format!("user {TIDB_PUB} with {TIDB_PRIV} denied at {IP}"),
        "nested": {"Password": 12345678},
    });
    let out = r.json(&body);
    let s = out.to_string();
    clean(&s);
    assert_eq!(out["OwnerId"], "acct-1");
    assert_eq!(out["AccountId"], "acct-1");
    assert_eq!(out["Arn"], "acs:ram::acct-1:user/tilink-admin");
    assert_eq!(out["ClusterId"], 9205726202352255570u64);
    assert_eq!(out["nested"]["Password"], REMOVED);
    assert_eq!(out["Servers"][0]["Port"], 3306);
    assert_eq!(out["public_key"], "key-2");
    assert_eq!(out["Credentials"]["AccessKeyId"], "key-3");
}

#[test]
fn error_text() {
    let r = r();
    let msg = format!(
        "SignatureDoesNotMatch: Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D{AK_ID}%26SecurityToken%3D{}",
        percent_encode(&percent_encode(TOKEN))
    );
    clean(&r.text(&msg));
    let msg = format!(
        "Access denied for user 'tilink'@'{IP}' (using password: YES); password={MYSQL_PW}; account {UID}; key {AK_ID}; STS key {STS_ID}."
    );
    let out = r.text(&msg);
    clean(&out);
    assert!(out.ends_with('.'), "{out}");
    // JSON inside an error message.
    let msg = format!("{{\"AccessKeySecret\":\"{AK_SECRET}\",\"private_key\": \"{TIDB_PRIV}\"}}");
    clean(&r.text(&msg));
    // An unknown secret by its name alone.
    let out = r.text("password=hunter2xyz&auth_plugin_data=scrambledata");
    assert!(
        !out.contains("hunter2xyz") && !out.contains("scrambledata"),
        "{out}"
    );
}

#[test]
fn pseudonyms_are_stable_per_redactor_and_differ_between() {
    let a = r();
    let x = a.text(&format!("{UID} {IP} {AK_ID}"));
    assert_eq!(x, a.text(&format!("{UID} {IP} {AK_ID}")));
    assert!(x.starts_with("acct-1 "), "{x}");
    assert!(x.ends_with(" key-1"), "{x}");
    let other = a.text("1111222233334444");
    assert_eq!(other, "acct-2");
    // Another bundle, another permutation of addresses (2^-32 chance of a clash).
    let b = r();
    let ip_a = a.text("10.1.2.3 10.1.2.4 10.9.0.0/16");
    let ip_b = b.text("10.1.2.3 10.1.2.4 10.9.0.0/16");
    assert_ne!(ip_a, ip_b);
    // Prefixes kept: the two hosts share their first 29 bits.
    let v: Vec<u32> = ip_a
        .split(' ')
        .take(2)
        .map(|s| u32::from(s.parse::<Ipv4Addr>().unwrap()))
        .collect();
    assert_eq!(v[0] >> 3, v[1] >> 3);
}

#[test]
fn what_is_not_secret_is_kept() {
    let r = r();
    for s in [
        "127.0.0.1:3306",
        "0.0.0.0",
        "version 8.0.36",
        "cluster 9205726202352255570",
        "nlb-biktgwpmqy336ri2r8 sgp-u5xlx48zzblpoajn2o",
        "SignatureMethod=HMAC-SHA1&SignatureVersion=1.0",
        "NextToken=abc",
        "1.2.3",
        "",
        "ünïcödé ✓ 中文",
    ] {
        assert_eq!(r.text(s), s);
    }
}

#[test]
fn hostile_input_never_panics() {
    let r = r();
    for s in [
        "Signature=",
        "Signature",
        "password:",
        "\"password\":\"unterminated",
        "Authorization:",
        "authorization: Digest",
        "=&=&",
        "255.255.255.255/33",
        "1.2.3.4/",
        "999.1.1.1",
        "01.2.3.4",
        "password=\u{1F600}\u{1F600}",
        "\"private_key\":\"a\\\"b\\",
    ] {
        let _ = r.text(s);
        let _ = r.field(s, s);
    }
    assert!(!r.text("password=\u{1F600}x").contains('\u{1F600}'));
    let deep = (0..200).fold(serde_json::json!("x"), |v, _| serde_json::json!([v]));
    let _ = r.json(&deep);
}
