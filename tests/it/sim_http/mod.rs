//! The simulator over real HTTP on loopback: signed Alibaba calls (V1 and V3), TiDB digest
//! calls, the full chain, error codes, faults and admin endpoints. This module holds the
//! signing test clients; the tests are in `chain`, `errors` and `tidb`.

mod chain;
mod errors;
mod tidb;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use md5::{Digest as _, Md5};
use serde_json::{Value, json};
use tilink::cloud::aliyun::sign;
use tilink::sim::{self, SimHandle, SimOptions};

const NLB: &str = "2022-04-30";
const PL: &str = "2020-04-15";
const RDS: &str = "2014-08-15";
const VPC: &str = "2016-04-28";
const STS: &str = "2015-04-01";

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

async fn start(time_scale: f64) -> SimHandle {
    sim::start(SimOptions {
        time_scale,
        ..SimOptions::default()
    })
    .await
    .expect("sim starts")
}

fn now_ts() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn nonce() -> String {
    format!("{:032x}", fastrand::u128(..))
}

fn enc(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", sign::pe(k), sign::pe(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn owned(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A tiny signed Alibaba client for tests.
struct Ali {
    http: reqwest::Client,
    base: String,
    ak: String,
    secret: String,
    token: Option<String>,
}

impl Ali {
    fn new(h: &SimHandle) -> Self {
        let m = h.manifest();
        Ali {
            http: client(),
            base: m.alibaba_endpoint.clone(),
            ak: m.alibaba_access_key_id.clone(),
            secret: m.alibaba_access_key_secret.clone(),
            token: None,
        }
    }

    /// V3: query parameters in the URL, business parameters in a form body.
    async fn v3(
        &self,
        version: &str,
        action: &str,
        query: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        // Like the SDKs: each parameter where the API metadata's `in` puts it.
        let meta = tilink::wire::apimeta::action(version, action).map(|(_, m)| m);
        let (query, form): (Vec<_>, Vec<_>) = owned(query)
            .into_iter()
            .chain(owned(form))
            .partition(|(k, _)| {
                meta.is_none_or(|m| m.placement(k) == tilink::wire::apimeta::Placement::Query)
            });
        let body = enc(&form);
        let host = self.base.trim_start_matches("http://").to_string();
        let mut headers = owned(&[
            ("host", &host),
            ("x-acs-action", action),
            ("x-acs-version", version),
            ("x-acs-date", &now_ts()),
            ("x-acs-signature-nonce", &nonce()),
            ("x-acs-content-sha256", &sign::sha256_hex(body.as_bytes())),
        ]);
        if !body.is_empty() {
            headers.push((
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        }
        if let Some(t) = &self.token {
            headers.push(("x-acs-security-token".into(), t.clone()));
        }
        let signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        let cr = sign::v3_canonical_request(
            "POST",
            "/",
            &query,
            &headers,
            &signed,
            &sign::sha256_hex(body.as_bytes()),
        );
        let sig = sign::v3_signature(&self.secret, &sign::v3_string_to_sign(&cr));
        let mut signed_sorted = signed.clone();
        signed_sorted.sort();
        let mut req = self.http.post(format!("{}/?{}", self.base, enc(&query)));
        for (k, v) in &headers {
            if k != "host" {
                req = req.header(k, v);
            }
        }
        req = req.header(
            "authorization",
            format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={sig}",
                self.ak,
                signed_sorted.join(";")
            ),
        );
        let resp = req.body(body).send().await.expect("send");
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert_eq!(ct, "application/json;charset=utf-8", "{action}");
        (status, resp.json().await.expect("json body"))
    }

    /// V1: common parameters in the query, business parameters in the form body.
    async fn v1(
        &self,
        method: &str,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut common = owned(&[
            ("Action", action),
            ("Version", version),
            ("Format", "json"),
            ("AccessKeyId", &self.ak),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", &nonce()),
            ("Timestamp", &now_ts()),
        ]);
        if let Some(t) = &self.token {
            common.push(("SecurityToken".into(), t.clone()));
        }
        let business = owned(params);
        let all: Vec<_> = common.iter().chain(business.iter()).cloned().collect();
        let sig = sign::v1_signature(&self.secret, &sign::v1_string_to_sign(method, &all));
        let resp = if method == "GET" {
            let mut q = all.clone();
            q.push(("Signature".into(), sig));
            self.http
                .get(format!("{}/?{}", self.base, enc(&q)))
                .send()
                .await
        } else {
            let mut q = common.clone();
            q.push(("Signature".into(), sig));
            // Spaces as `+` in the body, as the Python SDK sends them.
            let body = serde_urlencoded::to_string(&business).expect("form");
            self.http
                .post(format!("{}/?{}", self.base, enc(&q)))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
        }
        .expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("json body"))
    }

    async fn ok(
        &self,
        version: &str,
        action: &str,
        query: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> Value {
        let (s, v) = self.v3(version, action, query, form).await;
        assert_eq!(s, 200, "{action}: {v}");
        assert!(v["RequestId"].is_string(), "{action}: {v}");
        v
    }

    /// `DescribeDBInstanceNetInfo` of RDS instance `id`.
    async fn net_info(&self, id: &str) -> Value {
        self.ok(
            RDS,
            "DescribeDBInstanceNetInfo",
            &[("DBInstanceId", id)],
            &[],
        )
        .await
    }

    /// Polls a Get (as `seen`) until `field` of its answer is `want`; that answer.
    async fn until(
        &self,
        version: &str,
        action: &str,
        query: &[(&str, &str)],
        field: &str,
        want: &str,
    ) -> Value {
        poll(&format!("{action}: {field} {want}"), || async {
            let v = self.seen(version, action, query, &[]).await;
            (v[field] == want).then_some(v)
        })
        .await
    }

    /// Like `ok`, for a Get right after a create: a not-found answer (the simulator's
    /// `get-lag`, as real Gets may lag a create) is "not yet", as in Terraform's waits.
    async fn seen(
        &self,
        version: &str,
        action: &str,
        query: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> Value {
        for _ in 0..400 {
            let (s, v) = self.v3(version, action, query, form).await;
            let missing = v["Code"].as_str().is_some_and(|c| c.contains("NotFound"));
            if !missing {
                assert_eq!(s, 200, "{action}: {v}");
                return v;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{action}: never visible");
    }

    async fn err(
        &self,
        version: &str,
        action: &str,
        query: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> (u16, String, Value) {
        let (s, v) = self.v3(version, action, query, form).await;
        assert_ne!(s, 200, "{action} should fail: {v}");
        for k in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(v[k].is_string(), "error body lacks {k}: {v}");
        }
        (s, v["Code"].as_str().unwrap_or_default().to_string(), v)
    }
}

/// A tiny digest client (MD5, qop=auth) that reuses the nonce with rising nc.
struct Tidb {
    http: reqwest::Client,
    base: String,
    user: String,
    pass: String,
    nonce: Option<(String, String)>,
    nc: u32,
}

impl Tidb {
    fn new(h: &SimHandle) -> Self {
        let m = h.manifest();
        Tidb {
            http: client(),
            base: m.tidb_endpoint.clone(),
            user: m.tidb_public_key.clone(),
            pass: m.tidb_private_key.clone(),
            nonce: None,
            nc: 0,
        }
    }

    /// Creates a PLC named `name` on cluster `cluster` to endpoint service `service`.
    async fn create_plc(&mut self, cluster: &str, name: &str, service: &str) -> (u16, Value) {
        let body = json!({"privateLinkConnection": {"clusterId": cluster, "displayName": name,
            "type": "ALICLOUD_ENDPOINT_SERVICE", "alicloudEndpointService": {"name": service}}});
        let uri = format!("/v1beta1/clusters/{cluster}/privateLinkConnections");
        self.call("POST", &uri, Some(body)).await
    }

    /// GETs `uri` (400 times at most, 25 ms apart) until `done` holds for its answer; the
    /// last answer.
    async fn get_until(&mut self, uri: &str, done: impl Fn(u16, &Value) -> bool) -> (u16, Value) {
        let mut last = (0, Value::Null);
        for _ in 0..400 {
            last = self.call("GET", uri, None).await;
            if done(last.0, &last.1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        last
    }

    fn header(&mut self, method: &str, uri: &str) -> Option<String> {
        let (realm, nonce) = self.nonce.clone()?;
        self.nc += 1;
        let h = |s: String| hex::encode(Md5::digest(s.as_bytes()));
        let ha1 = h(format!("{}:{realm}:{}", self.user, self.pass));
        let ha2 = h(format!("{method}:{uri}"));
        let nc = format!("{:08x}", self.nc);
        let resp = h(format!("{ha1}:{nonce}:{nc}:0a4f113b:auth:{ha2}"));
        Some(format!(
            "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm=MD5, qop=auth, nc={nc}, cnonce=\"0a4f113b\", response=\"{resp}\"",
            self.user
        ))
    }

    async fn call(&mut self, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
        for _ in 0..2 {
            let mut req = self.http.request(
                method.parse().expect("method"),
                format!("{}{uri}", self.base),
            );
            if let Some(a) = self.header(method, uri) {
                req = req.header("authorization", a);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            let resp = req.send().await.expect("send");
            let status = resp.status().as_u16();
            assert_eq!(
                resp.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/json")
            );
            if status == 401 {
                let ch = resp
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let get = |k: &str| {
                    ch.split(&format!("{k}=\""))
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        .unwrap_or("")
                        .to_string()
                };
                self.nonce = Some((get("realm"), get("nonce")));
                self.nc = 0;
                continue;
            }
            return (status, resp.json().await.expect("json"));
        }
        (401, Value::Null)
    }
}

async fn poll<F, Fut>(what: &str, mut f: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Value>>,
{
    for _ in 0..400 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn admin(h: &SimHandle, path: &str, body: Option<Value>) -> Value {
    let c = client();
    let url = format!("http://{}{path}", h.addr());
    let r = match body {
        Some(b) => c.post(url).json(&b).send().await,
        None => c.get(url).send().await,
    }
    .expect("admin");
    r.json().await.expect("admin json")
}
