//! The world as JSON for `GET /_sim/state`: every resource with its state at an instant and
//! the delays it drew.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::World;

impl World {
    /// The world as JSON for `GET /_sim/state`.
    pub fn snapshot(&self, now: Instant) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|k| {
                json!({"label": k.label, "access_key_id": k.id, "access_key_secret": k.secret,
                       "security_token": k.security_token, "deny_writes": k.deny_writes,
                       "denied_actions": k.denied_actions, "arn": k.arn, "identity_type": k.identity_type})
            })
            .collect();
        let ms = |d: Duration| d.as_millis() as u64;
        let tags = |t: &[(String, String)]| -> Value {
            t.iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect()
        };
        json!({
            "region": self.region,
            "account_uid": self.uid.to_string(),
            "tidb_account_id": self.tidb_account_id.to_string(),
            "keys": keys,
            "readonly_key": self.keys.iter().find(|k| k.label == "readonly").map(|k| json!({"access_key_id": k.id, "access_key_secret": k.secret})),
            "sts_key": self.keys.iter().find(|k| k.label == "sts").map(|k| json!({"access_key_id": k.id, "access_key_secret": k.secret, "security_token": k.security_token})),
            "tidb_keys": self.tidb_keys.iter().map(|(p, s)| json!({"public_key": p, "private_key": s})).collect::<Vec<_>>(),
            "delays_ms": self.delays.to_json(),
            "privatelink_open": self.privatelink_open,
            "zones": self.regions.iter().map(|(r, z)| json!({"region": r, "zones": z.iter().map(|z| json!({"ZoneId": z.id, "nlb": z.nlb, "privatelink": z.privatelink})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "vpcs": self.vpcs.iter().map(|v| json!({"VpcId": v.id, "VpcName": v.name, "RegionId": v.region, "CidrBlock": v.cidr})).collect::<Vec<_>>(),
            "vswitches": self.vswitches.iter().map(|v| json!({"VSwitchId": v.id, "VpcId": v.vpc_id, "ZoneId": v.zone, "CidrBlock": v.cidr, "AvailableIpAddressCount": v.available})).collect::<Vec<_>>(),
            "rds": self.rds.iter().map(|r| json!({"DBInstanceId": r.id, "Description": r.description, "RegionId": r.region, "Engine": r.engine, "EngineVersion": r.engine_version,
                "DBInstanceStatus": r.status, "DBInstanceType": r.db_type, "InstanceNetworkType": r.network_type, "VpcId": r.vpc_id, "VSwitchId": r.vswitch_id,
                "PrivateIp": r.private_ip, "Port": r.port, "ConnectionString": r.connection_string,
                "IpGroups": r.groups.iter().map(|g| json!({"Name": g.name, "Attribute": g.attribute, "Ips": g.ips})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "server_groups": self.server_groups.iter().map(|s| json!({"ServerGroupId": s.id, "ServerGroupName": s.name, "Status": s.status(now), "VpcId": s.vpc_id, "Tags": tags(&s.tags), "delay_ms": ms(s.life.delay),
                "Servers": s.servers.iter().map(|b| json!({"ServerIp": b.server_ip, "Port": b.port, "Status": b.status(now), "delay_ms": ms(b.delay)})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "load_balancers": self.load_balancers.iter().map(|l| json!({"LoadBalancerId": l.id, "Status": l.status(now), "VpcId": l.vpc_id, "Tags": tags(&l.tags), "delay_ms": ms(l.life.delay),
                "Zones": l.zones.iter().map(|z| json!({"ZoneId": z.zone, "VSwitchId": z.vswitch_id, "Vip": z.vip})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "listeners": self.listeners.iter().map(|l| json!({"ListenerId": l.id, "LoadBalancerId": l.lb_id, "Port": l.port, "ServerGroupId": l.sg_id, "Status": l.status(now), "Tags": tags(&l.tags), "delay_ms": ms(l.life.delay), "data_address": self.data_plane.get(&l.id)})).collect::<Vec<_>>(),
            "endpoint_services": self.services.iter().map(|s| json!({"ServiceId": s.id, "ServiceName": s.name, "Status": s.status(now), "AutoAcceptEnabled": s.auto_accept,
                "Resources": s.resources.iter().map(|r| json!({"ResourceId": r.id, "ZoneId": r.zone})).collect::<Vec<_>>(),
                "Users": s.users.iter().map(|u| u.to_string()).collect::<Vec<_>>(), "UserARNs": s.user_arns, "Tags": tags(&s.tags), "delay_ms": ms(s.life.delay)})).collect::<Vec<_>>(),
            "connections": self.connections.iter().map(|c| json!({"ServiceId": c.service_id, "EndpointId": c.endpoint_id, "EndpointOwnerId": c.owner_id, "ConnectionStatus": c.status, "delay_ms": ms(c.delay),
                "Zones": c.zones.iter().map(|z| z.zone.clone()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "clusters": self.clusters.iter().map(|c| json!({"clusterId": c.wire.cluster_id, "displayName": c.wire.display_name, "region": c.wire.region.name,
                "clusterPlan": c.wire.cluster_plan, "state": c.wire.state, "plcAzIds": c.plc_azs, "plcAccountId": c.plc_account})).collect::<Vec<_>>(),
            "private_link_connections": self.plcs.iter().map(|p| { let (st, msg) = self.plc_state(p, now); json!({"privateLinkConnectionId": p.id, "clusterId": p.cluster_id,
                "state": st, "message": msg, "serviceName": p.service_name, "endpointId": p.endpoint_id, "availabilityZoneIds": p.az_ids,
                "delay_ms": {"connection": ms(p.delay_connection), "active": ms(p.delay_active)}})}).collect::<Vec<_>>(),
            "main": {"cluster_id": self.main_cluster_id, "rds_instance_id": self.main_rds_id},
            "fleet": self.fleet.iter().map(crate::sim::fleet::Seeded::to_json).collect::<Vec<_>>(),
        })
    }
}
