//! The least-privilege RAM policy for exactly the Alibaba Cloud actions tilink calls
//! (reference `alibaba-api.md` §7). STS GetCallerIdentity needs no permission.

use crate::cloud::aliyun::Product;
use serde_json::{Value, json};

/// Read-only actions (doctor, discovery).
pub const READ: &[(Product, &str)] = &[
    (Product::Vpc, "DescribeVpcs"),
    (Product::Vpc, "DescribeVSwitches"),
    (Product::Vpc, "DescribeZones"),
    (Product::Rds, "DescribeDBInstances"),
    (Product::Rds, "DescribeDBInstanceAttribute"),
    (Product::Rds, "DescribeDBInstanceNetInfo"),
    (Product::Rds, "DescribeDBInstanceIPArrayList"),
    (Product::Nlb, "DescribeZones"),
    (Product::Nlb, "ListServerGroups"),
    (Product::Nlb, "ListServerGroupServers"),
    (Product::Nlb, "GetLoadBalancerAttribute"),
    (Product::Nlb, "ListLoadBalancers"),
    (Product::Nlb, "ListListeners"),
    (Product::Nlb, "GetListenerAttribute"),
    (Product::Nlb, "GetListenerHealthStatus"),
    (Product::Nlb, "GetJobStatus"),
    (Product::PrivateLink, "CheckProductOpen"),
    (Product::PrivateLink, "DescribeZones"),
    (Product::PrivateLink, "ListVpcEndpointServices"),
    (Product::PrivateLink, "GetVpcEndpointServiceAttribute"),
    (Product::PrivateLink, "ListVpcEndpointServiceResources"),
    (Product::PrivateLink, "ListVpcEndpointServiceUsers"),
    (Product::PrivateLink, "ListVpcEndpointConnections"),
];

/// Actions that change something (setup, teardown, doctor --fix).
pub const WRITE: &[(Product, &str)] = &[
    (Product::Rds, "ModifySecurityIps"),
    (Product::Nlb, "CreateServerGroup"),
    (Product::Nlb, "AddServersToServerGroup"),
    (Product::Nlb, "RemoveServersFromServerGroup"),
    (Product::Nlb, "DeleteServerGroup"),
    (Product::Nlb, "CreateLoadBalancer"),
    (Product::Nlb, "DeleteLoadBalancer"),
    (Product::Nlb, "CreateListener"),
    (Product::Nlb, "DeleteListener"),
    (Product::Nlb, "TagResources"),
    (Product::PrivateLink, "OpenPrivateLinkService"),
    (Product::PrivateLink, "CreateVpcEndpointService"),
    (Product::PrivateLink, "DeleteVpcEndpointService"),
    (Product::PrivateLink, "AttachResourceToVpcEndpointService"),
    (Product::PrivateLink, "AddUserToVpcEndpointService"),
    (Product::PrivateLink, "RemoveUserFromVpcEndpointService"),
    (Product::PrivateLink, "EnableVpcEndpointConnection"),
    (Product::PrivateLink, "DisableVpcEndpointConnection"),
    (Product::PrivateLink, "TagResources"),
];

fn actions(list: &[(Product, &str)]) -> Vec<String> {
    list.iter()
        .map(|(p, a)| format!("{}:{a}", p.ram_code()))
        .collect()
}

/// The policy document. `read_only` gives doctor's subset (no writes, no service-linked roles).
pub fn policy(read_only: bool) -> Value {
    let mut statements = vec![json!({"Effect": "Allow", "Action": actions(READ), "Resource": "*"})];
    if !read_only {
        // Creates cannot be scoped to a resource ARN (the id does not exist yet).
        statements.push(json!({"Effect": "Allow", "Action": actions(WRITE), "Resource": "*"}));
        // First NLB / endpoint service in an account creates its service-linked role
        // (AliyunServiceRoleForNlb, AliyunServiceRoleForPrivatelink); scoped to those services.
        statements.push(json!({
            "Effect": "Allow",
            "Action": "ram:CreateServiceLinkedRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"ram:ServiceName": ["nlb.aliyuncs.com", "privatelink.aliyuncs.com"]}}
        }));
    }
    json!({"Version": "1", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action the client code calls is in the policy, and nothing else.
    #[test]
    fn policy_lists_exactly_the_called_actions() {
        let src: String = include_str!("cloud/aliyun/ops.rs")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut called: Vec<String> = Vec::new();
        for (prefix, product) in [
            ("Nlb, \"", Product::Nlb),
            ("PrivateLink, \"", Product::PrivateLink),
            ("Rds, \"", Product::Rds),
            ("Vpc, \"", Product::Vpc),
        ] {
            for part in src.split(prefix).skip(1) {
                let part = part.trim_start();
                if let Some(end) = part.find('"') {
                    called.push(format!("{}:{}", product.ram_code(), &part[..end]));
                }
            }
        }
        called.sort();
        called.dedup();
        let mut listed = actions(READ);
        listed.extend(actions(WRITE));
        listed.sort();
        assert_eq!(called, listed);
        let text = policy(false).to_string();
        assert!(!text.contains("nlb:*") && !text.contains("privatelink:*"));
    }

    #[test]
    fn doctor_policy_is_read_only() {
        let p = policy(true);
        let text = p.to_string();
        for w in WRITE {
            assert!(
                !text.contains(&format!("\"{}:{}\"", w.0.ram_code(), w.1)),
                "{w:?}"
            );
        }
        assert_eq!(p["Statement"].as_array().unwrap().len(), 1);
    }
}
