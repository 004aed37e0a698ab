use super::*;
use crate::sim::clock::Clock;

fn params(product: Product, p: &[(&str, &str)]) -> Params {
    Params {
        pairs: p
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        product,
    }
}

fn call(
    w: &mut World,
    product: Product,
    action: &str,
    p: &[(&str, &str)],
) -> Result<Value, AliError> {
    let now = w.clock.now();
    w.tick(now);
    let caller = w.keys[0].clone();
    let ctx = Ctx {
        now,
        request_id: "R",
        caller: &caller,
        hide_recent: None,
    };
    dispatch(w, &ctx, product, action, &params(product, p))
}

#[tokio::test(start_paused = true)]
async fn states_move_with_time_and_tokens_dedupe() {
    let mut w = World::new(3, Clock::new(1.0));
    let vpc = w.vpcs[0].id.clone();
    let form = [
        ("RegionId", REGION_ID),
        ("ServerGroupName", "sg-a"),
        ("VpcId", vpc.as_str()),
        ("ServerGroupType", "Ip"),
        ("ClientToken", "t1"),
    ];
    let a = call(&mut w, Product::Nlb, "CreateServerGroup", &form).unwrap();
    let b = call(&mut w, Product::Nlb, "CreateServerGroup", &form).unwrap();
    assert_eq!(a["ServerGroupId"], b["ServerGroupId"]);
    assert_eq!(w.server_groups.len(), 1);
    let mut other = form;
    other[1].1 = "sg-b";
    assert_eq!(
        call(&mut w, Product::Nlb, "CreateServerGroup", &other)
            .unwrap_err()
            .code,
        "IdempotenceSignatureMismatch"
    );
    let job = a["JobId"].as_str().unwrap().to_string();
    let list = [("RegionId", REGION_ID)];
    let st = |w: &mut World| {
        call(w, Product::Nlb, "ListServerGroups", &list).unwrap()["ServerGroups"][0]["ServerGroupStatus"].clone()
    };
    assert_eq!(st(&mut w), "Creating");
    assert_eq!(
        call(&mut w, Product::Nlb, "GetJobStatus", &[("JobId", &job)]).unwrap()["Status"],
        "Processing"
    );
    tokio::time::advance(Duration::from_secs(6)).await;
    assert_eq!(st(&mut w), "Available");
    assert_eq!(
        call(&mut w, Product::Nlb, "GetJobStatus", &[("JobId", &job)]).unwrap()["Status"],
        "Succeeded"
    );
    // DryRun creates nothing.
    let dry = [
        ("RegionId", REGION_ID),
        ("ServerGroupName", "sg-c"),
        ("VpcId", vpc.as_str()),
        ("DryRun", "TRUE"),
    ];
    assert_eq!(
        call(&mut w, Product::Nlb, "CreateServerGroup", &dry)
            .unwrap_err()
            .code,
        "DryRunOperation"
    );
    assert_eq!(w.server_groups.len(), 1);
    // Delete: Deleting, then gone.
    let id = a["ServerGroupId"].as_str().unwrap().to_string();
    call(
        &mut w,
        Product::Nlb,
        "DeleteServerGroup",
        &[("ServerGroupId", &id)],
    )
    .unwrap();
    assert_eq!(st(&mut w), "Deleting");
    tokio::time::advance(Duration::from_secs(6)).await;
    assert_eq!(
        call(&mut w, Product::Nlb, "ListServerGroups", &list).unwrap()["TotalCount"],
        0
    );
}

#[tokio::test(start_paused = true)]
async fn connection_accept_and_disable() {
    let mut w = World::new(3, Clock::new(1.0));
    let now = w.clock.now();
    w.services.push(crate::sim::world::EndpointService {
        id: "epsrv-x".into(),
        name: "com.aliyuncs.privatelink.ap-southeast-1.epsrv-x".into(),
        domain: "d".into(),
        region: REGION_ID.into(),
        resource_type: "nlb".into(),
        resources: vec![],
        auto_accept: false,
        zone_affinity: false,
        description: String::new(),
        payer: "Endpoint".into(),
        tags: vec![],
        users: Default::default(),
        user_arns: Default::default(),
        create_time: String::new(),
        life: crate::sim::world::Lifecycle::new(now, std::time::Duration::ZERO),
        visible_at: now,
    });
    let c = w.new_connection(
        "epsrv-x",
        42,
        &[("ap-southeast-1a".into(), "nlb-1".into())],
        now,
        false,
    );
    let ep = c.endpoint_id.clone();
    w.connections.push(c);
    let p = [
        ("RegionId", REGION_ID),
        ("ServiceId", "epsrv-x"),
        ("EndpointId", ep.as_str()),
    ];
    let status = |w: &mut World| {
        call(
            w,
            Product::PrivateLink,
            "ListVpcEndpointConnections",
            &[("RegionId", REGION_ID)],
        )
        .unwrap()["Connections"][0]["ConnectionStatus"]
            .clone()
    };
    assert_eq!(status(&mut w), "Disconnected");
    call(
        &mut w,
        Product::PrivateLink,
        "EnableVpcEndpointConnection",
        &p,
    )
    .unwrap();
    // Being modified first (behaviour connection-pending), and not to be asked again
    // within the period (repeat-refusal), then Connecting and Connected.
    assert_eq!(status(&mut w), "Pending");
    assert_eq!(
        call(
            &mut w,
            Product::PrivateLink,
            "EnableVpcEndpointConnection",
            &p
        )
        .unwrap_err()
        .code,
        "ConcurrentCallNotSupported"
    );
    tokio::time::advance(Duration::from_secs(4)).await;
    assert_eq!(status(&mut w), "Connecting");
    tokio::time::advance(Duration::from_secs(31)).await;
    assert_eq!(status(&mut w), "Connected");
    call(
        &mut w,
        Product::PrivateLink,
        "DisableVpcEndpointConnection",
        &p,
    )
    .unwrap();
    assert_eq!(status(&mut w), "Disconnecting");
    tokio::time::advance(Duration::from_secs(11)).await;
    assert_eq!(status(&mut w), "Disconnected");
    let bad = [
        ("RegionId", REGION_ID),
        ("ServiceId", "epsrv-x"),
        ("EndpointId", "ep-nope"),
    ];
    assert_eq!(
        call(
            &mut w,
            Product::PrivateLink,
            "EnableVpcEndpointConnection",
            &bad
        )
        .unwrap_err()
        .code,
        "EndpointConnectionNotFound"
    );
    assert_eq!(
        call(
            &mut w,
            Product::PrivateLink,
            "DeleteVpcEndpointService",
            &p[..2]
        )
        .unwrap_err()
        .code,
        "EndpointServiceConnectionDependence"
    );
}

const REGION_ID: &str = crate::sim::world::REGION;

#[test]
fn params_flattening() {
    let p = params(
        Product::Nlb,
        &[
            ("ZoneMappings.2.ZoneId", "b"),
            ("ZoneMappings.1.ZoneId", "a"),
            ("ZoneMappings.1.VSwitchId", "v"),
            ("Ids.10", "x"),
            ("Ids.2", "y"),
            ("B", "True"),
        ],
    );
    let z = p.objects("ZoneMappings");
    assert_eq!(
        (z[0]["ZoneId"].as_str(), z[1]["ZoneId"].as_str()),
        ("a", "b")
    );
    assert_eq!(p.list("Ids"), vec!["y", "x"]);
    assert!(p.bool("B", false).unwrap());
    assert_eq!(p.req("Nope").unwrap_err().code, "MissingParam.Nope");
    assert_eq!(
        params(Product::Rds, &[]).req("X").unwrap_err().code,
        "MissingParameter"
    );
}
