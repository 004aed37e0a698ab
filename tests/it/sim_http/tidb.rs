//! TiDB Cloud over digest auth (429s, validation, curl), faults and the admin injections.

use super::*;

#[tokio::test]
async fn tidb_answers_429_with_the_real_body_after_100_calls_in_a_window() {
    let h = start(0.01).await;
    let mut tidb = Tidb::new(&h);
    for i in 0..100 {
        let (st, v) = tidb.call("GET", "/v1beta1/clusters", None).await;
        assert_eq!(st, 200, "call {i}: {v}");
    }
    let (st, v) = tidb.call("GET", "/v1beta1/clusters", None).await;
    assert_eq!(st, 429, "{v}");
    assert_eq!(v["code"], 49900007, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("The request exceeded the limit of 100 times per apikey per minute"),
        "{v}"
    );
    let stats: Value = client()
        .get(format!("{}/_sim/stats", h.manifest().tidb_endpoint))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["rate_limited"], 1, "{stats}");
}

#[tokio::test]
async fn tidb_api_auth_and_validation() {
    let h = start(0.002).await;
    let m = h.manifest().clone();
    let mut tidb = Tidb::new(&h);
    let raw = client();
    let r = raw
        .get(format!("{}/v1beta1/clusters", m.tidb_endpoint))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let ch = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        ch.starts_with("Digest realm=\"tidb.cloud\"")
            && ch.contains("qop=\"auth\"")
            && ch.contains("algorithm=MD5"),
        "{ch}"
    );

    let (s, v) = tidb
        .call(
            "GET",
            "/v1beta1/clusters?filter=region.provider%3Dalicloud",
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["totalSize"], 2);
    assert_eq!(v["nextPageToken"], "");
    let (s, v) = tidb.call("GET", "/v1beta1/clusters", None).await;
    assert_eq!((s, v["totalSize"].as_i64()), (200, Some(3)));
    let aws = v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region"]["cloudProvider"] == "aws")
        .unwrap()["clusterId"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = tidb.call("POST", &format!("/v1beta1/clusters/{aws}/privateLinkConnections"), Some(json!({"privateLinkConnection": {
        "displayName": "x", "type": "ALICLOUD_ENDPOINT_SERVICE", "alicloudEndpointService": {"name": "com.aliyuncs.privatelink.ap-southeast-1.epsrv-x"}}}))).await;
    assert_eq!((s, v["code"].as_i64()), (400, Some(3)), "{v}");
    let (s, _) = tidb.call("GET", "/v1beta1/clusters/123", None).await;
    assert_eq!(s, 404);
    let (s, v) = tidb
        .call(
            "GET",
            &format!("/v1beta1/clusters/{}/privateLinkConnections", m.cluster_id),
            None,
        )
        .await;
    assert_eq!(
        (s, v["totalSize"].as_i64(), v["nextPageToken"].as_str()),
        (200, Some(0), Some(""))
    );
    let (s, v) = tidb.call("GET", "/v1beta1/projects", None).await;
    assert_eq!(s, 200);
    assert!(v["projects"][0]["org_id"].is_string());

    // Wrong private key → 401.
    let mut wrong = Tidb::new(&h);
    wrong.pass = "nope".into();
    let (s, _) = wrong.call("GET", "/v1beta1/clusters", None).await;
    assert_eq!(s, 401);
    h.shutdown().await;
}

#[tokio::test]
async fn faults_admin_and_injections() {
    let h = start(0.002).await;
    let m = h.manifest().clone();
    let ali = Ali::new(&h);
    let r = admin(&h, "/_sim/faults", Some(json!({"rate": 1.0}))).await;
    assert_eq!(r["rate"], 1.0);
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let http = ali
            .http
            .post(format!(
                "{}/?Action=DescribeZones&Version=2016-04-28",
                m.alibaba_endpoint
            ))
            .send()
            .await;
        match http {
            Err(_) => {
                kinds.insert("drop".to_string());
            }
            Ok(r) => {
                let s = r.status().as_u16();
                match r.json::<Value>().await {
                    Ok(v) => {
                        kinds.insert(format!("{s}:{}", v["Code"].as_str().unwrap_or("")));
                    }
                    Err(_) => {
                        kinds.insert("drop".to_string());
                    }
                }
            }
        }
    }
    assert!(
        kinds.iter().any(|k| k.starts_with("400:Throttling.User")
            || k.starts_with("503")
            || k.starts_with("500")),
        "{kinds:?}"
    );
    admin(&h, "/_sim/faults", Some(json!({"rate": 0.0}))).await;
    let stats = admin(&h, "/_sim/stats", None).await;
    assert!(stats["faults_injected"].as_u64().unwrap() >= 15, "{stats}");
    assert!(stats["calls"]["DescribeZones"].as_u64().unwrap() >= 30);
    let state = admin(&h, "/_sim/state", None).await;
    assert!(state["delays_ms"]["load_balancer"].as_u64().unwrap() < 1000);
    assert_eq!(state["manifest"]["cluster_id"], m.cluster_id);

    // rds-ip-change moves the private IP.
    let r = admin(
        &h,
        "/_sim/inject",
        Some(json!({"kind": "rds-ip-change", "instance_id": m.rds_instance_id})),
    )
    .await;
    assert_ne!(r["old_ip"], r["new_ip"]);
    let net = ali.net_info(&m.rds_instance_id).await;
    assert_eq!(
        net["DBInstanceNetInfos"]["DBInstanceNetInfo"][0]["IPAddress"],
        r["new_ip"]
    );

    // Stall holds answers.
    admin(&h, "/_sim/faults", Some(json!({"stall_ms": 300}))).await;
    let t = std::time::Instant::now();
    ali.ok(STS, "GetCallerIdentity", &[], &[]).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    h.shutdown().await;
}

#[tokio::test]
async fn curl_digest_reads_the_cluster() {
    // scripts/test installs curl; without it this test fails rather than pass unrun.
    assert!(
        std::process::Command::new("curl")
            .arg("--version")
            .output()
            .is_ok(),
        "curl is needed (apt-get install curl; scripts/test installs it)"
    );
    let h = start(0.002).await;
    let m = h.manifest().clone();
    let url = format!("{}/v1beta1/clusters/{}", m.tidb_endpoint, m.cluster_id);
    let run = |user: String| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new("curl")
                .args(["-s", "--digest", "-u", &user, "-w", "\n%{http_code}", &url])
                .output()
                .expect("curl runs")
        })
    };
    let out = run(format!("{}:{}", m.tidb_public_key, m.tidb_private_key))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap();
    assert_eq!(code, "200", "{text}");
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["clusterId"], m.cluster_id);
    assert_eq!(v["region"]["cloudProvider"], "alicloud");
    let out = run(format!("{}:wrong", m.tidb_public_key)).await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.ends_with("401"), "{text}");
    h.shutdown().await;
}

/// A TiDB fault names its route as a reader writes it (`{id}` for every id, or the ids
/// themselves): the simulator reads it as the route's template, so an accepted fault fires.
/// `{id}` used to be accepted (`targeted: 1`) and never matched a call.
#[tokio::test]
async fn a_tidb_fault_fires_whichever_way_its_ids_are_written() {
    let h = start(0.002).await;
    let mut tidb = Tidb::new(&h);
    let (st, v) = tidb.call("GET", "/v1beta1/clusters", None).await;
    assert_eq!(st, 200, "{v}");
    let cluster = v["clusters"][0]["clusterId"].as_str().unwrap().to_string();
    for route in [
        "GET /v1beta1/clusters/{id}".to_string(),
        format!("GET /v1beta1/clusters/{cluster}"),
    ] {
        let r = admin(
            &h,
            "/_sim/faults",
            Some(json!({"clear": true, "action": route, "code": "ServiceUnavailable", "count": 1})),
        )
        .await;
        assert_eq!(r["targeted"], 1, "{r}");
        let (st, v) = tidb
            .call("GET", &format!("/v1beta1/clusters/{cluster}"), None)
            .await;
        assert_eq!(st, 503, "{route}: {v}");
    }
}
