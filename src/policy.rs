//! The least-privilege RAM policy for exactly the Alibaba Cloud actions tilink calls
//! (reference `alibaba-api.md` §7). STS GetCallerIdentity needs no permission.
//!
//! How far each statement can be scoped, from each action's "RAM authorization" table:
//! - Reads and creates stay on `"*"`: List/Describe actions authorize on all resources, and a
//!   create names no id that exists yet.
//! - Every change to an existing resource names its product, region and account
//!   (`acs:nlb:{region}:{account}:*`, `acs:privatelink:…`), and the RDS instance's ARN
//!   (`acs:rds:{region}:{account}:dbinstance/{id}`, the resource type of
//!   `rds:ModifySecurityIps`).
//! - Tags cannot scope NLB or PrivateLink: their tables list no condition key for these
//!   actions (`nlb:DeleteLoadBalancer`: resource `loadbalancer/{LoadBalancerId}`, condition key
//!   none, help.aliyun.com …/api-nlb-2022-04-30-deleteloadbalancer;
//!   `privatelink:DeleteVpcEndpointService`: `vpcendpointservice/{ServiceId}`, none,
//!   …/api-privatelink-2020-04-15-deletevpcendpointservice). So the tightest teardown
//!   policy names one setup's own resources by ARN ([`Purpose::Teardown`]); ARN formats from
//!   the NLB "RAM authentication" page (`loadbalancer/`, `listener/`, `servergroup/`) and
//!   PrivateLink's API authorization page (`vpcendpointservice/`).

use crate::cloud::aliyun::{Access, Action, Product};
use serde_json::{Value, json};

/// What the key will be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// setup, teardown and `doctor --fix`.
    Setup,
    /// doctor: reads only.
    Doctor,
    /// Tearing down one setup: deletes exactly its resources.
    Teardown,
}

/// One resource a setup made, named for its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owned {
    /// `sgp-…`.
    ServerGroup(String),
    /// `nlb-…`.
    LoadBalancer(String),
    /// `lsn-…`.
    Listener(String),
    /// `epsrv-…`.
    EndpointService(String),
}

/// Where the policy's changes may act (`None` is any, written `*`).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Alibaba Cloud region id.
    pub region: Option<String>,
    /// The Alibaba Cloud account (UID) that owns the resources.
    pub account_id: Option<String>,
    /// The RDS instance whose allowlist tilink changes.
    pub rds_instance_id: Option<String>,
    /// For [`Purpose::Teardown`]: the setup's own resources.
    pub owned: Vec<Owned>,
}

impl Scope {
    fn arn(&self, product: Product, resource: &str) -> String {
        format!(
            "acs:{}:{}:{}:{resource}",
            product.ram_code(),
            self.region.as_deref().unwrap_or("*"),
            self.account_id.as_deref().unwrap_or("*"),
        )
    }

    fn rds_instance(&self) -> String {
        let id = self.rds_instance_id.as_deref().unwrap_or("*");
        self.arn(Product::Rds, &format!("dbinstance/{id}"))
    }

    /// The ARNs of the setup's own resources that `product`'s actions act on.
    fn owned_arns(&self, product: Product) -> Vec<String> {
        if product == Product::Rds {
            return vec![self.rds_instance()];
        }
        self.owned
            .iter()
            .filter_map(|o| match (product, o) {
                (Product::Nlb, Owned::ServerGroup(id)) => Some(format!("servergroup/{id}")),
                (Product::Nlb, Owned::LoadBalancer(id)) => Some(format!("loadbalancer/{id}")),
                (Product::Nlb, Owned::Listener(id)) => Some(format!("listener/{id}")),
                (Product::PrivateLink, Owned::EndpointService(id)) => {
                    Some(format!("vpcendpointservice/{id}"))
                }
                _ => None,
            })
            .map(|r| self.arn(product, &r))
            .collect()
    }
}

/// True for writes that make something new (no id exists to scope them to).
fn creates(a: Action) -> bool {
    matches!(
        a,
        Action::CreateServerGroup
            | Action::CreateLoadBalancer
            | Action::CreateListener
            | Action::CreateVpcEndpointService
            | Action::OpenPrivateLinkService
    )
}

fn called(access: Access) -> impl Iterator<Item = Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(move |a| a.called() && a.product() != Product::Sts && a.access() == access)
}

/// The RAM actions tilink calls with `access`, from the one action table (STS needs no
/// permission: `GetCallerIdentity` is allowed to every key, `AssumeRole` is granted on the
/// role's side).
pub fn actions(access: Access) -> Vec<String> {
    called(access).map(|a| a.ram_action()).collect()
}

/// The policy document for `purpose`, scoped by `scope`.
pub fn policy(purpose: Purpose, scope: &Scope) -> Value {
    let mut statements =
        vec![json!({"Effect": "Allow", "Action": actions(Access::Read), "Resource": "*"})];
    if purpose == Purpose::Doctor {
        return json!({"Version": "1", "Statement": statements});
    }
    if purpose == Purpose::Setup {
        let new: Vec<String> = called(Access::Write)
            .filter(|a| creates(*a))
            .map(|a| a.ram_action())
            .collect();
        statements.push(json!({"Effect": "Allow", "Action": new, "Resource": "*"}));
    }
    for product in [Product::Nlb, Product::PrivateLink, Product::Rds] {
        let changes: Vec<String> = called(Access::Write)
            .filter(|a| !creates(*a) && a.product() == product)
            .map(|a| a.ram_action())
            .collect();
        let mut resources = match (purpose, product) {
            (Purpose::Teardown, _) | (_, Product::Rds) => scope.owned_arns(product),
            _ => vec![scope.arn(product, "*")],
        };
        if product == Product::PrivateLink {
            // AttachResourceToVpcEndpointService also authorizes on the NLB it attaches
            // (its table lists `acs:nlb:…:loadbalancer/{LoadBalancerId}` beside the service).
            resources.extend(match purpose {
                Purpose::Teardown => scope
                    .owned_arns(Product::Nlb)
                    .into_iter()
                    .filter(|a| a.contains(":loadbalancer/"))
                    .collect(),
                _ => vec![scope.arn(Product::Nlb, "loadbalancer/*")],
            });
        }
        if !changes.is_empty() && !resources.is_empty() {
            statements.push(json!({"Effect": "Allow", "Action": changes, "Resource": resources}));
        }
    }
    if purpose == Purpose::Setup {
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

/// What the DBA must know about the policy's scope and the TiDB Cloud key, for stderr.
pub fn notes(purpose: Purpose, scope: &Scope) -> Vec<String> {
    let mut out = Vec::new();
    if purpose != Purpose::Doctor && (scope.region.is_none() || scope.account_id.is_none()) {
        out.push(
            "changes are scoped to `*` for the region or account not given: pass --region and --account-id (your Alibaba Cloud account UID) to name them"
                .to_string(),
        );
    }
    if purpose == Purpose::Setup {
        out.push(
            "NLB and PrivateLink document no tag condition key for their actions, so the tilink:setup-id tag cannot scope deletes: they are scoped to the product, region and account. For a teardown, `tilink policy --for teardown --cluster-id …` names that setup's own resources."
                .to_string(),
        );
        if scope.rds_instance_id.is_none() {
            out.push(
                "pass --rds-instance to scope the allowlist change to your instance".to_string(),
            );
        }
    }
    out.push(match purpose {
        Purpose::Doctor => "TiDB Cloud: doctor only reads; its API key needs a role that can see the cluster's project (Project Owner or Organization Owner keys work).".to_string(),
        _ => "TiDB Cloud: the API key needs a role that can manage the cluster's project (Project Owner, or Organization Owner) to create and delete private link connections.".to_string(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action the client code calls is in the policy, and nothing else: each row the
    /// table marks as called appears in `ops.rs` (or `sts_assume.rs`), and no other does.
    #[test]
    fn policy_lists_exactly_the_called_actions() {
        let src = concat!(
            include_str!("cloud/aliyun/ops.rs"),
            include_str!("cloud/aliyun/sts_assume.rs")
        );
        for a in Action::ALL {
            let used = src.contains(&format!("A::{a:?},"))
                || src.contains(&format!("A::{a:?})"))
                || src.contains(&format!("Action::{a:?}"));
            assert_eq!(
                used,
                a.called(),
                "{a:?}: the table's `called` disagrees with the code"
            );
        }
        let text = policy(Purpose::Setup, &Scope::default()).to_string();
        for st in policy(Purpose::Setup, &Scope::default())["Statement"]
            .as_array()
            .unwrap()
        {
            assert!(!st["Action"].to_string().contains('*'), "{st}");
        }
        assert!(text.contains("\"nlb:AddServersToServerGroup\""));
        assert!(!text.contains("sts:"));
    }

    #[test]
    fn doctor_policy_is_read_only() {
        let p = policy(Purpose::Doctor, &Scope::default());
        let text = p.to_string();
        for w in actions(Access::Write) {
            assert!(!text.contains(&format!("\"{w}\"")), "{w}");
        }
        assert_eq!(p["Statement"].as_array().unwrap().len(), 1);
    }
}
