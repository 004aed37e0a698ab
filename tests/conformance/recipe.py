#!/usr/bin/env python3
"""Conformance: drive the tilink simulator with the *unmodified* official Alibaba Cloud
Python SDKs (V3 signing by default, then V1 with signature_algorithm='v2') and the TiDB
Cloud API with `requests`' HTTPDigestAuth, through the whole RDS -> NLB -> PrivateLink ->
PLC recipe and back.

Usage:
    python3 -m venv .venv && .venv/bin/pip install -r tests/conformance/requirements.txt
    .venv/bin/python tests/conformance/recipe.py [PATH_TO_TILINK_BIN]

The binary (argv[1], else $TILINK_BIN, else target/debug/tilink) is started as
`<bin> sim --listen 127.0.0.1:0 --time-scale X --behaviour-off all` and must print the
manifest as one JSON line. Exits non-zero with a clear message on the first failure.

This run checks that the official SDKs accept the simulator's requests and answers (fields,
codes, signatures). The real-cloud behaviours *between* requests (locks, Get lag, Pending,
asynchronous deletes: docs/API-BEHAVIOUR.md) are switched off here, since this plain recipe
does not ride them out; tilink meets them in tests/it/cloud_behaviour.rs.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import requests
from requests.auth import HTTPDigestAuth
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions
from alibabacloud_nlb20220430.client import Client as NlbClient
from alibabacloud_nlb20220430 import models as nlb
from alibabacloud_privatelink20200415.client import Client as PlClient
from alibabacloud_privatelink20200415 import models as pl
from alibabacloud_rds20140815.client import Client as RdsClient
from alibabacloud_rds20140815 import models as rds
from alibabacloud_vpc20160428.client import Client as VpcClient
from alibabacloud_vpc20160428 import models as vpc
from alibabacloud_sts20150401.client import Client as StsClient

TIME_SCALE = os.environ.get("SIM_TIME_SCALE", "0.01")
RT = RuntimeOptions(autoretry=False)
TIMEOUT = 60.0


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def wait(what, fn, timeout=TIMEOUT, interval=0.1):
    """Polls fn() until it returns a truthy value."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise Fail(f"timed out waiting for {what} (last: {last!r})")


def start_sim(binary):
    proc = subprocess.Popen(
        [binary, "sim", "--listen", "127.0.0.1:0", "--time-scale", TIME_SCALE, "--behaviour-off", "all"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if not line:
        err = proc.stderr.read()
        proc.kill()
        raise Fail(f"simulator printed no manifest; stderr: {err}")
    return proc, json.loads(line)


def clients(m, algorithm, secret=None):
    endpoint = m["alibaba_endpoint"].removeprefix("http://")

    def cfg():
        c = Config(
            access_key_id=m["alibaba_access_key_id"],
            access_key_secret=secret or m["alibaba_access_key_secret"],
            endpoint=endpoint,
            protocol="http",
            region_id=m["region"],
        )
        if algorithm:
            c.signature_algorithm = algorithm
        return c

    return {
        "sts": StsClient(cfg()),
        "vpc": VpcClient(cfg()),
        "rds": RdsClient(cfg()),
        "nlb": NlbClient(cfg()),
        "pl": PlClient(cfg()),
    }


def error_code(fn):
    """Runs fn and returns (code, status) of the SDK exception it raises."""
    try:
        fn()
    except Exception as e:  # the SDK raises ClientException / ServerException
        return getattr(e, "code", None), getattr(e, "status_code", None), str(e)
    raise Fail("expected an error, the call succeeded")


def run_recipe(m, algorithm):
    label = algorithm or "v3"
    c = clients(m, algorithm)
    region = m["region"]
    tidb = m["tidb_endpoint"] + "/v1beta1"
    auth = HTTPDigestAuth(m["tidb_public_key"], m["tidb_private_key"])
    cluster = m["cluster_id"]
    setup = uuid.uuid4().hex[:8]
    tag = {"key": "tilink:setup-id", "value": setup}

    # Wrong secret is refused.
    bad = clients(m, algorithm, secret="not-the-secret")
    code, status, text = error_code(lambda: bad["vpc"].describe_zones_with_options(vpc.DescribeZonesRequest(region_id=region), RT))
    check(code == "SignatureDoesNotMatch", f"[{label}] wrong secret: expected SignatureDoesNotMatch, got {code} ({text})")
    check(status == 400, f"[{label}] wrong secret: expected HTTP 400, got {status}")

    # 1. Caller identity and discovery.
    ident = c["sts"].get_caller_identity_with_options(RT).body
    check(ident.account_id and ident.arn.startswith("acs:ram::"), f"[{label}] GetCallerIdentity: {ident.to_map()}")
    attr = c["rds"].describe_dbinstance_attribute_with_options(
        rds.DescribeDBInstanceAttributeRequest(dbinstance_id=m["rds_instance_id"]), RT
    ).body.to_map()
    inst = attr["Items"]["DBInstanceAttribute"][0]
    check(inst["DBInstanceStatus"] == "Running" and inst["Port"] == "3306", f"[{label}] DescribeDBInstanceAttribute: {inst}")
    vpc_id = inst["VpcId"]
    net = c["rds"].describe_dbinstance_net_info_with_options(
        rds.DescribeDBInstanceNetInfoRequest(dbinstance_id=m["rds_instance_id"]), RT
    ).body
    info = [i for i in net.dbinstance_net_infos.dbinstance_net_info if i.iptype == "Private"][0]
    rds_ip, rds_port = info.ipaddress, int(info.port)
    check(info.vpcid == vpc_id, f"[{label}] NetInfo VPCId {info.vpcid} != {vpc_id}")
    zones_resp = requests.get(f"{tidb}/clusters/{cluster}/privateLinkConnections:getAvailabilityZones", auth=auth, timeout=10)
    check(zones_resp.status_code == 200, f"[{label}] getAvailabilityZones: {zones_resp.status_code} {zones_resp.text}")
    azs = zones_resp.json()["azIds"]
    tidb_account = zones_resp.json()["accountId"]
    vsw = c["vpc"].describe_vswitches_with_options(vpc.DescribeVSwitchesRequest(region_id=region, vpc_id=vpc_id), RT).body
    by_zone = {}
    for v in vsw.v_switches.v_switch:
        if v.zone_id in azs and v.available_ip_address_count >= 3:
            by_zone.setdefault(v.zone_id, v)
    check(len(by_zone) >= 2, f"[{label}] need vSwitches in 2 TiDB zones, got {list(by_zone)}")
    nlb_zones = {z.zone_id for z in c["nlb"].describe_zones_with_options(nlb.DescribeZonesRequest(region_id=region), RT).body.zones}
    pl_zones = {z.zone_id for z in c["pl"].describe_zones_with_options(pl.DescribeZonesRequest(region_id=region), RT).body.zones.zone}
    zones = sorted(z for z in by_zone if z in nlb_zones and z in pl_zones)
    check(len(zones) >= 2, f"[{label}] zone intersection too small: {zones}")
    check(c["pl"].check_product_open_with_options(RT).body.success is True, f"[{label}] CheckProductOpen")

    # 2. Server group + backend.
    sg_token = f"sg-{setup}"
    sg_req = nlb.CreateServerGroupRequest(
        region_id=region, server_group_name=f"tilink-{setup}", server_group_type="Ip", protocol="TCP", vpc_id=vpc_id,
        health_check_config=nlb.CreateServerGroupRequestHealthCheckConfig(health_check_enabled=True, health_check_type="TCP"),
        tag=[nlb.CreateServerGroupRequestTag(**tag)], client_token=sg_token,
    )
    sg = c["nlb"].create_server_group_with_options(sg_req, RT).body
    again = c["nlb"].create_server_group_with_options(sg_req, RT).body
    check(again.server_group_id == sg.server_group_id, f"[{label}] ClientToken replay created a new group")
    sg_req.server_group_name = f"other-{setup}"
    code, _, _ = error_code(lambda: c["nlb"].create_server_group_with_options(sg_req, RT))
    check(code == "IdempotenceSignatureMismatch", f"[{label}] token reuse with other params: {code}")
    sg_id = sg.server_group_id
    wait("server group Available", lambda: c["nlb"].list_server_groups_with_options(
        nlb.ListServerGroupsRequest(region_id=region, server_group_ids=[sg_id]), RT).body.server_groups[0].server_group_status == "Available")
    c["nlb"].add_servers_to_server_group_with_options(nlb.AddServersToServerGroupRequest(
        region_id=region, server_group_id=sg_id, servers=[nlb.AddServersToServerGroupRequestServers(
            server_id=rds_ip, server_ip=rds_ip, server_type="Ip", port=rds_port, weight=100)]), RT)
    wait("backend Available", lambda: all(s.status == "Available" for s in c["nlb"].list_server_group_servers_with_options(
        nlb.ListServerGroupServersRequest(region_id=region, server_group_id=sg_id), RT).body.servers))

    # 3. Load balancer.
    lb = c["nlb"].create_load_balancer_with_options(nlb.CreateLoadBalancerRequest(
        region_id=region, address_type="Intranet", address_ip_version="ipv4", load_balancer_type="network",
        load_balancer_name=f"tilink-{setup}", vpc_id=vpc_id,
        zone_mappings=[nlb.CreateLoadBalancerRequestZoneMappings(zone_id=z, v_switch_id=by_zone[z].v_switch_id) for z in zones],
        load_balancer_billing_config=nlb.CreateLoadBalancerRequestLoadBalancerBillingConfig(pay_type="PostPay"),
        tag=[nlb.CreateLoadBalancerRequestTag(**tag)], client_token=f"lb-{setup}"), RT).body
    lb_id = lb.loadbalancer_id
    check(lb_id and lb_id.startswith("nlb-"), f"[{label}] CreateLoadBalancer LoadbalancerId: {lb.to_map()}")
    attr = wait("NLB Active", lambda: (lambda a: a if a.load_balancer_status == "Active" else None)(
        c["nlb"].get_load_balancer_attribute_with_options(nlb.GetLoadBalancerAttributeRequest(load_balancer_id=lb_id), RT).body))
    check(any(t.tag_key == "tilink:setup-id" and t.tag_value == setup for t in attr.tags), f"[{label}] NLB tags: {attr.to_map().get('Tags')}")
    listed = c["nlb"].list_load_balancers_with_options(nlb.ListLoadBalancersRequest(
        region_id=region, tag=[nlb.ListLoadBalancersRequestTag(**tag)]), RT).body
    check([x.load_balancer_id for x in listed.load_balancers] == [lb_id], f"[{label}] ListLoadBalancers by tag: {listed.to_map()}")

    # 4. Listener.
    lsn = c["nlb"].create_listener_with_options(nlb.CreateListenerRequest(
        region_id=region, load_balancer_id=lb_id, listener_protocol="TCP", listener_port=rds_port,
        server_group_id=sg_id, client_token=f"lsn-{setup}"), RT).body
    lsn_id = lsn.listener_id
    wait("listener Running", lambda: c["nlb"].get_listener_attribute_with_options(
        nlb.GetListenerAttributeRequest(listener_id=lsn_id), RT).body.listener_status == "Running")
    job = c["nlb"].get_job_status_with_options(nlb.GetJobStatusRequest(job_id=lsn.job_id), RT).body
    check(job.status == "Succeeded", f"[{label}] GetJobStatus: {job.to_map()}")

    # 5. RDS allowlist on a dedicated group; health becomes normal.
    cidrs = ",".join(by_zone[z].cidr_block for z in zones)
    group = f"tilink_{setup}"
    health = c["nlb"].get_listener_health_status_with_options(nlb.GetListenerHealthStatusRequest(listener_id=lsn_id), RT).body.to_map()
    bad_servers = health["ListenerHealthStatus"][0]["ServerGroupInfos"][0]["NonNormalServers"]
    check(bad_servers and bad_servers[0]["Reason"]["ReasonCode"] == "CONNECT_TIMEOUT", f"[{label}] health before allowlist: {health}")
    c["rds"].modify_security_ips_with_options(rds.ModifySecurityIpsRequest(
        dbinstance_id=m["rds_instance_id"], security_ips=cidrs, dbinstance_iparray_name=group, modify_mode="Cover"), RT)
    groups = c["rds"].describe_dbinstance_iparray_list_with_options(rds.DescribeDBInstanceIPArrayListRequest(
        dbinstance_id=m["rds_instance_id"]), RT).body.to_map()["Items"]["DBInstanceIPArray"]
    check(any(g["DBInstanceIPArrayName"] == group and g["SecurityIPList"] == cidrs for g in groups), f"[{label}] allowlist: {groups}")
    health = c["nlb"].get_listener_health_status_with_options(nlb.GetListenerHealthStatusRequest(listener_id=lsn_id), RT).body.to_map()
    check(health["ListenerHealthStatus"][0]["ServerGroupInfos"][0].get("NonNormalServers") in ([], None), f"[{label}] health after allowlist: {health}")

    # 6. Endpoint service (one resource per zone) + whitelist.
    svc = c["pl"].create_vpc_endpoint_service_with_options(pl.CreateVpcEndpointServiceRequest(
        region_id=region, service_resource_type="nlb", auto_accept_enabled=False, zone_affinity_enabled=False,
        service_description="TiDB Cloud to RDS", client_token=f"svc-{setup}",
        resource=[pl.CreateVpcEndpointServiceRequestResource(resource_id=lb_id, resource_type="nlb", zone_id=z) for z in zones],
        tag=[pl.CreateVpcEndpointServiceRequestTag(**tag)]), RT).body
    svc_id, svc_name = svc.service_id, svc.service_name
    check(svc_name == f"com.aliyuncs.privatelink.{region}.{svc_id}", f"[{label}] ServiceName {svc_name}")
    wait("endpoint service Active", lambda: c["pl"].get_vpc_endpoint_service_attribute_with_options(
        pl.GetVpcEndpointServiceAttributeRequest(region_id=region, service_id=svc_id), RT).body.service_status == "Active")
    c["pl"].add_user_to_vpc_endpoint_service_with_options(pl.AddUserToVpcEndpointServiceRequest(
        region_id=region, service_id=svc_id, user_id=int(tidb_account)), RT)
    users = c["pl"].list_vpc_endpoint_service_users_with_options(pl.ListVpcEndpointServiceUsersRequest(
        region_id=region, service_id=svc_id), RT).body
    check([u.user_id for u in users.users] == [int(tidb_account)], f"[{label}] whitelist: {users.to_map()}")
    res = c["pl"].list_vpc_endpoint_service_resources_with_options(pl.ListVpcEndpointServiceResourcesRequest(
        region_id=region, service_id=svc_id), RT).body
    check(sorted(r.zone_id for r in res.resources) == zones, f"[{label}] service resources: {res.to_map()}")

    # 7. PLC through the TiDB API, accept the connection, wait ACTIVE.
    r = requests.post(f"{tidb}/clusters/{cluster}/privateLinkConnections", auth=auth, timeout=10, json={
        "privateLinkConnection": {"clusterId": cluster, "displayName": f"rds-{setup}", "type": "ALICLOUD_ENDPOINT_SERVICE",
                                  "alicloudEndpointService": {"name": svc_name}}})
    check(r.status_code == 200 and r.headers.get("content-type", "").startswith("application/json"), f"[{label}] create PLC: {r.status_code} {r.text}")
    plc = r.json()
    plc_id = plc["privateLinkConnectionId"]
    check(plc["state"] == "CREATING", f"[{label}] new PLC state {plc['state']}")

    def pending_conn():
        conns = c["pl"].list_vpc_endpoint_connections_with_options(pl.ListVpcEndpointConnectionsRequest(
            region_id=region, service_id=svc_id), RT).body
        return conns.connections[0] if conns.connections else None

    conn = wait("endpoint connection request", pending_conn)
    check(int(conn.endpoint_owner_id) == int(tidb_account), f"[{label}] connection owner {conn.endpoint_owner_id}")
    check(conn.connection_status == "Disconnected", f"[{label}] new connection status {conn.connection_status}")
    plc = wait("PLC PENDING_ACCEPTANCE", lambda: (lambda p: p if p["state"] == "PENDING_ACCEPTANCE" else None)(
        requests.get(f"{tidb}/clusters/{cluster}/privateLinkConnections/{plc_id}", auth=auth, timeout=10).json()))
    check(plc["alicloudEndpointService"]["endpointId"] == conn.endpoint_id, f"[{label}] PLC endpointId {plc}")
    c["pl"].enable_vpc_endpoint_connection_with_options(pl.EnableVpcEndpointConnectionRequest(
        region_id=region, service_id=svc_id, endpoint_id=conn.endpoint_id), RT)
    wait("connection Connected", lambda: pending_conn().connection_status == "Connected")
    wait("PLC ACTIVE", lambda: requests.get(f"{tidb}/clusters/{cluster}/privateLinkConnections/{plc_id}", auth=auth, timeout=10).json()["state"] == "ACTIVE")
    code, _, _ = error_code(lambda: c["pl"].delete_vpc_endpoint_service_with_options(pl.DeleteVpcEndpointServiceRequest(region_id=region, service_id=svc_id), RT))
    check(code == "EndpointServiceConnectionDependence", f"[{label}] delete service with connection: {code}")

    # 8. Teardown in reverse.
    r = requests.delete(f"{tidb}/clusters/{cluster}/privateLinkConnections/{plc_id}", auth=auth, timeout=10)
    check(r.status_code == 200 and r.json()["state"] == "DELETING", f"[{label}] delete PLC: {r.status_code} {r.text}")
    wait("PLC gone", lambda: requests.get(f"{tidb}/clusters/{cluster}/privateLinkConnections/{plc_id}", auth=auth, timeout=10).status_code == 404)
    wait("connection gone", lambda: pending_conn() is None)
    c["pl"].delete_vpc_endpoint_service_with_options(pl.DeleteVpcEndpointServiceRequest(region_id=region, service_id=svc_id), RT)
    code, _, _ = error_code(lambda: c["nlb"].delete_server_group_with_options(nlb.DeleteServerGroupRequest(region_id=region, server_group_id=sg_id), RT))
    check(code == "ResourceInUse.ServerGroup", f"[{label}] delete group in use: {code}")
    c["nlb"].delete_listener_with_options(nlb.DeleteListenerRequest(region_id=region, listener_id=lsn_id), RT)

    def lb_deleted():
        try:
            c["nlb"].delete_load_balancer_with_options(nlb.DeleteLoadBalancerRequest(region_id=region, load_balancer_id=lb_id), RT)
            return True
        except Exception as e:  # listener or service still going away
            if getattr(e, "code", "") != "IncorrectStatus.loadbalancer":
                raise
            return False

    wait("NLB delete accepted", lb_deleted)
    c["nlb"].delete_server_group_with_options(nlb.DeleteServerGroupRequest(region_id=region, server_group_id=sg_id), RT)
    c["rds"].modify_security_ips_with_options(rds.ModifySecurityIpsRequest(
        dbinstance_id=m["rds_instance_id"], security_ips=cidrs, dbinstance_iparray_name=group, modify_mode="Delete"), RT)
    wait("NLB gone", lambda: not c["nlb"].list_load_balancers_with_options(
        nlb.ListLoadBalancersRequest(region_id=region, load_balancer_ids=[lb_id]), RT).body.load_balancers)
    wait("server group gone", lambda: not c["nlb"].list_server_groups_with_options(
        nlb.ListServerGroupsRequest(region_id=region, server_group_ids=[sg_id]), RT).body.server_groups)
    print(f"conformance [{label}]: recipe OK (nlb {lb_id}, service {svc_id}, plc {plc_id})")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TILINK_BIN", "target/debug/tilink")
    proc, manifest = start_sim(binary)
    try:
        # Digest: unsigned and wrong keys are refused.
        url = f"{manifest['tidb_endpoint']}/v1beta1/clusters/{manifest['cluster_id']}"
        r = requests.get(url, timeout=10)
        check(r.status_code == 401 and "Digest" in r.headers.get("WWW-Authenticate", ""), f"unsigned TiDB call: {r.status_code}")
        r = requests.get(url, auth=HTTPDigestAuth(manifest["tidb_public_key"], "wrong"), timeout=10)
        check(r.status_code == 401, f"wrong TiDB key: {r.status_code}")
        r = requests.get(url, auth=HTTPDigestAuth(manifest["tidb_public_key"], manifest["tidb_private_key"]), timeout=10)
        check(r.status_code == 200 and r.json()["clusterId"] == manifest["cluster_id"], f"digest GET cluster: {r.status_code} {r.text}")
        for algorithm in (None, "v2"):
            run_recipe(manifest, algorithm)
    except Fail as e:
        print(f"conformance FAILED: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # an SDK error we did not expect
        print(f"conformance FAILED with an unexpected error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("conformance: all OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
