//! The least-privilege RAM policy for exactly the Alibaba Cloud actions tilink calls
//! (reference `alibaba-api.md` §7). STS GetCallerIdentity needs no permission.

use crate::cloud::aliyun::{Access, Action, Product};
use serde_json::{Value, json};

/// The RAM actions tilink calls with `access`, from the one action table (STS needs no
/// permission: `GetCallerIdentity` is allowed to every key, `AssumeRole` is granted on the
/// role's side).
pub fn actions(access: Access) -> Vec<String> {
    Action::ALL
        .iter()
        .filter(|a| a.called() && a.product() != Product::Sts && a.access() == access)
        .map(|a| a.ram_action())
        .collect()
}

/// The policy document. `read_only` gives doctor's subset (no writes, no service-linked roles).
pub fn policy(read_only: bool) -> Value {
    let mut statements =
        vec![json!({"Effect": "Allow", "Action": actions(Access::Read), "Resource": "*"})];
    if !read_only {
        // Creates cannot be scoped to a resource ARN (the id does not exist yet).
        statements
            .push(json!({"Effect": "Allow", "Action": actions(Access::Write), "Resource": "*"}));
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
        let text = policy(false).to_string();
        assert!(!text.contains("nlb:*") && !text.contains("privatelink:*"));
        assert!(text.contains("\"nlb:AddServersToServerGroup\""));
        assert!(!text.contains("sts:"));
    }

    #[test]
    fn doctor_policy_is_read_only() {
        let p = policy(true);
        let text = p.to_string();
        for w in actions(Access::Write) {
            assert!(!text.contains(&format!("\"{w}\"")), "{w}");
        }
        assert_eq!(p["Statement"].as_array().unwrap().len(), 1);
    }
}
