//! The one table of Alibaba Cloud actions: product, name, read or write, what it acts on
//! and which answers mean "busy, try again" for it. The typed operations (`ops.rs`), the RAM
//! policy (`policy.rs`), the retry classification (`error.rs`) and the simulator's dispatch
//! and write rules all read it, so adding an action is one row here plus its model and
//! handler.
//!
//! The busy codes are the ones `aliyun/terraform-provider-alicloud` retries for the action
//! until the resource's timeout (5–30 min), each added after a real failure; sources per row
//! are in `docs/API-BEHAVIOUR.md` ("Busy and locked answers").

use super::endpoints::Product;

/// Whether an action changes state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reads only (doctor's policy allows it).
    Read,
    /// Changes something (setup, teardown, `--fix`).
    Write,
}

const SERVER_GROUP_BUSY: &[&str] = &[
    // resource_alicloud_nlb_server_group_server_attachment.go: 2a41659a5 (Conflict.Lock),
    // a1e34ac0c (OperationFailed.ResourceIsConfiguring); IncorrectStatus.serverGroup since the
    // first version.
    "Conflict.Lock",
    "IncorrectStatus.serverGroup",
    "OperationFailed.ResourceIsConfiguring",
];
const LISTENER_BUSY: &[&str] = &[
    // resource_alicloud_nlb_listener.go retries SystemBusy on create; the load balancer and
    // the server group may be mid-change (their documented `Configuring`).
    "SystemBusy",
    "Conflict.Lock",
    "IncorrectStatus.loadbalancer",
    "ResourceInConfiguring.loadbalancer",
    "IncorrectStatus.serverGroup",
];
const LOAD_BALANCER_BUSY: &[&str] = &[
    // resource_alicloud_nlb_load_balancer.go c63eb3c80 retried ResourceInConfiguring on
    // delete. IncorrectStatus.loadbalancer is NOT here: on delete it means a listener or an
    // endpoint service still uses the NLB, which waiting does not change.
    "ResourceInConfiguring.loadbalancer",
    "Conflict.Lock",
];
const SERVICE_BUSY: &[&str] = &[
    // resource_alicloud_privatelink_vpc_endpoint_service*.go: 4e858bfcf, 945bbad1f,
    // 99dd0a256 (EndpointServiceOperationDenied, ConcurrentCallNotSupported,
    // EndpointServiceLocked on attach and user updates).
    "EndpointServiceOperationDenied",
    "ConcurrentCallNotSupported",
    "EndpointServiceLocked",
];
const CONNECTION_BUSY: &[&str] = &[
    // resource_alicloud_privatelink_vpc_endpoint_connection.go: 2d2060c11
    // (EndpointConnectionOperationDenied, ConcurrentCallNotSupported on enable/disable).
    "EndpointConnectionOperationDenied",
    "ConcurrentCallNotSupported",
    "EndpointServiceOperationDenied",
    "EndpointServiceLocked",
];
const RDS_BUSY: &[&str] = &[
    // alicloud/errors.go lists IncorrectDBInstanceState among the RDS codes retried on
    // writes; OperationDenied.DBInstanceStatus is the documented answer while the instance
    // is not Running.
    "IncorrectDBInstanceState",
    "OperationDenied.DBInstanceStatus",
];
const NONE: &[&str] = &[];

macro_rules! actions {
    ($( $(#[$m:meta])* $variant:ident = ($product:ident, $name:literal, $access:ident, $object:literal, $busy:expr, $called:literal) ),* $(,)?) => {
        /// Every Alibaba Cloud action tilink calls (and the few more the simulator answers).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( $(#[$m])* $variant ),* }

        impl Action {
            /// Every row of the table.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The product that serves it.
            pub fn product(self) -> Product {
                match self { $(Action::$variant => Product::$product),* }
            }

            /// The API's name (`CreateLoadBalancer`).
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// Read or write.
            pub fn access(self) -> Access {
                match self { $(Action::$variant => Access::$access),* }
            }

            /// What it acts on, in words ("the server group").
            pub fn object(self) -> &'static str {
                match self { $(Action::$variant => $object),* }
            }

            /// Codes that mean the resource is busy or locked for this action: retried until
            /// the step's deadline, never counted as a failure of the cloud.
            pub fn busy_codes(self) -> &'static [&'static str] {
                match self { $(Action::$variant => $busy),* }
            }

            /// True for actions tilink itself calls (the RAM policy lists exactly these);
            /// false for the ones only the simulator answers (for SDK conformance runs).
            pub fn called(self) -> bool {
                match self { $(Action::$variant => $called),* }
            }
        }
    };
}

actions! {
    /// STS: who the key belongs to.
    GetCallerIdentity = (Sts, "GetCallerIdentity", Read, "the caller", NONE, true),
    /// STS: a role's temporary key (`sts_assume.rs`; needs `sts:AssumeRole` on the role).
    AssumeRole = (Sts, "AssumeRole", Write, "the role", NONE, true),
    /// VPC: VPCs by id, or every VPC of the region.
    DescribeVpcs = (Vpc, "DescribeVpcs", Read, "the VPCs", NONE, true),
    /// VPC: the vSwitches of a VPC, with their zones and free IPs.
    DescribeVSwitches = (Vpc, "DescribeVSwitches", Read, "the vSwitches", NONE, true),
    /// VPC: the region's zones.
    VpcDescribeZones = (Vpc, "DescribeZones", Read, "the zones", NONE, true),
    /// RDS: the region's instances (the source picker).
    DescribeDbInstances = (Rds, "DescribeDBInstances", Read, "the RDS instances", NONE, true),
    /// RDS: one instance's VPC, vSwitch, zones and whitelist mode.
    DescribeDbInstanceAttribute = (Rds, "DescribeDBInstanceAttribute", Read, "the RDS instance", NONE, true),
    /// RDS: an instance's connection endpoints (its private IP and port).
    DescribeDbInstanceNetInfo = (Rds, "DescribeDBInstanceNetInfo", Read, "the RDS instance", NONE, true),
    /// RDS: an instance's allowlist groups.
    DescribeDbInstanceIpArrayList = (Rds, "DescribeDBInstanceIPArrayList", Read, "the RDS allowlist", NONE, true),
    /// RDS: writes an allowlist group.
    ModifySecurityIps = (Rds, "ModifySecurityIps", Write, "the RDS instance", RDS_BUSY, true),
    /// NLB: the zones where NLB is offered.
    NlbDescribeZones = (Nlb, "DescribeZones", Read, "the zones", NONE, true),
    /// NLB: server groups by id or tag.
    ListServerGroups = (Nlb, "ListServerGroups", Read, "the server groups", NONE, true),
    /// NLB: a server group's backends and their status.
    ListServerGroupServers = (Nlb, "ListServerGroupServers", Read, "the server group", NONE, true),
    /// NLB (asynchronous: a job).
    CreateServerGroup = (Nlb, "CreateServerGroup", Write, "the server group", NONE, true),
    /// NLB (asynchronous: a job; the group is `Configuring` meanwhile).
    AddServersToServerGroup = (Nlb, "AddServersToServerGroup", Write, "the server group", SERVER_GROUP_BUSY, true),
    /// NLB (asynchronous: a job).
    RemoveServersFromServerGroup = (Nlb, "RemoveServersFromServerGroup", Write, "the server group", SERVER_GROUP_BUSY, true),
    /// NLB (asynchronous: a job).
    DeleteServerGroup = (Nlb, "DeleteServerGroup", Write, "the server group", &["Conflict.Lock", "IncorrectStatus.serverGroup"], true),
    /// NLB (asynchronous: `Provisioning` → `Active`).
    CreateLoadBalancer = (Nlb, "CreateLoadBalancer", Write, "the load balancer", NONE, true),
    /// NLB: one load balancer's status, zones and tags.
    GetLoadBalancerAttribute = (Nlb, "GetLoadBalancerAttribute", Read, "the load balancer", NONE, true),
    /// NLB: load balancers by id or tag.
    ListLoadBalancers = (Nlb, "ListLoadBalancers", Read, "the load balancers", NONE, true),
    /// NLB (asynchronous: a job).
    DeleteLoadBalancer = (Nlb, "DeleteLoadBalancer", Write, "the load balancer", LOAD_BALANCER_BUSY, true),
    /// NLB (asynchronous: `Provisioning` → `Running`).
    CreateListener = (Nlb, "CreateListener", Write, "the load balancer", LISTENER_BUSY, true),
    /// NLB: the listeners of some load balancers.
    ListListeners = (Nlb, "ListListeners", Read, "the listeners", NONE, true),
    /// NLB: one listener's status, port and server group.
    GetListenerAttribute = (Nlb, "GetListenerAttribute", Read, "the listener", NONE, true),
    /// NLB: the health of a listener's backends.
    GetListenerHealthStatus = (Nlb, "GetListenerHealthStatus", Read, "the listener", NONE, true),
    /// NLB (asynchronous: a job).
    DeleteListener = (Nlb, "DeleteListener", Write, "the listener", &["SystemBusy", "Conflict.Lock", "IncorrectStatus.loadbalancer", "IncorrectStatus.listener"], true),
    /// NLB: an asynchronous job's status (`Processing` → `Succeeded`).
    GetJobStatus = (Nlb, "GetJobStatus", Read, "the job", NONE, true),
    /// NLB: tags load balancers, server groups and listeners.
    NlbTagResources = (Nlb, "TagResources", Write, "the NLB resource", &["Conflict.Lock", "ResourceInConfiguring.loadbalancer"], true),
    /// PrivateLink: whether the account has activated it.
    CheckProductOpen = (PrivateLink, "CheckProductOpen", Read, "PrivateLink", NONE, true),
    /// PrivateLink: activates it for the account (once).
    OpenPrivateLinkService = (PrivateLink, "OpenPrivateLinkService", Write, "PrivateLink", NONE, true),
    /// PrivateLink: the zones where an endpoint service can live.
    PlDescribeZones = (PrivateLink, "DescribeZones", Read, "the zones", NONE, true),
    /// PrivateLink (asynchronous: `Creating` → `Active`).
    CreateVpcEndpointService = (PrivateLink, "CreateVpcEndpointService", Write, "the endpoint service", SERVICE_BUSY, true),
    /// PrivateLink: endpoint services by id, resource or tag (the list carries the tags).
    ListVpcEndpointServices = (PrivateLink, "ListVpcEndpointServices", Read, "the endpoint services", NONE, true),
    /// PrivateLink: one endpoint service's status and settings (no tags).
    GetVpcEndpointServiceAttribute = (PrivateLink, "GetVpcEndpointServiceAttribute", Read, "the endpoint service", NONE, true),
    /// PrivateLink: asynchronous and not to be repeated within a period (SDK 3.0.1 usage
    /// notes). Its refusals are handled by teardown (call once, then wait until gone), so no
    /// code is retried blindly here.
    DeleteVpcEndpointService = (PrivateLink, "DeleteVpcEndpointService", Write, "the endpoint service", NONE, true),
    /// PrivateLink (the service is `Pending` afterwards).
    AttachResourceToVpcEndpointService = (PrivateLink, "AttachResourceToVpcEndpointService", Write, "the endpoint service", SERVICE_BUSY, true),
    /// PrivateLink (only the simulator answers it for tilink; SDK runs call it).
    DetachResourceFromVpcEndpointService = (PrivateLink, "DetachResourceFromVpcEndpointService", Write, "the endpoint service", SERVICE_BUSY, false),
    /// PrivateLink: the resources (zones) attached to a service.
    ListVpcEndpointServiceResources = (PrivateLink, "ListVpcEndpointServiceResources", Read, "the endpoint service", NONE, true),
    /// PrivateLink: adds an account to a service's whitelist.
    AddUserToVpcEndpointService = (PrivateLink, "AddUserToVpcEndpointService", Write, "the endpoint service", SERVICE_BUSY, true),
    /// PrivateLink: removes an account from a service's whitelist (teardown).
    RemoveUserFromVpcEndpointService = (PrivateLink, "RemoveUserFromVpcEndpointService", Write, "the endpoint service", SERVICE_BUSY, true),
    /// PrivateLink: the account ids on a service's whitelist.
    ListVpcEndpointServiceUsers = (PrivateLink, "ListVpcEndpointServiceUsers", Read, "the endpoint service", NONE, true),
    /// PrivateLink: the connection requests to a service, with owner and status.
    ListVpcEndpointConnections = (PrivateLink, "ListVpcEndpointConnections", Read, "the endpoint connections", NONE, true),
    /// PrivateLink (asynchronous: `Connecting` → `Connected`).
    EnableVpcEndpointConnection = (PrivateLink, "EnableVpcEndpointConnection", Write, "the endpoint connection", CONNECTION_BUSY, true),
    /// PrivateLink (asynchronous: `Disconnecting` → `Disconnected`).
    DisableVpcEndpointConnection = (PrivateLink, "DisableVpcEndpointConnection", Write, "the endpoint connection", CONNECTION_BUSY, true),
    /// PrivateLink: tags endpoint services.
    PlTagResources = (PrivateLink, "TagResources", Write, "the endpoint service", SERVICE_BUSY, true),
    /// PrivateLink (only the simulator answers it for tilink).
    PlUntagResources = (PrivateLink, "UntagResources", Write, "the endpoint service", SERVICE_BUSY, false),
}

impl Action {
    /// True for writes whose official parameters include `ClientToken` (the idempotency
    /// token): the client fills in a fresh one per logical call when the caller set none, so
    /// a retry after a lost answer is recognised by the cloud instead of being done twice.
    pub fn takes_client_token(self) -> bool {
        use Action::*;
        matches!(
            self,
            CreateServerGroup
                | AddServersToServerGroup
                | RemoveServersFromServerGroup
                | DeleteServerGroup
                | CreateLoadBalancer
                | DeleteLoadBalancer
                | CreateListener
                | DeleteListener
                | NlbTagResources
                | CreateVpcEndpointService
                | DeleteVpcEndpointService
                | AttachResourceToVpcEndpointService
                | AddUserToVpcEndpointService
                | RemoveUserFromVpcEndpointService
                | EnableVpcEndpointConnection
                | DisableVpcEndpointConnection
                | PlTagResources
        )
    }

    /// The row for a product's action name, if the table has it.
    pub fn find(product: Product, name: &str) -> Option<Action> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.product() == product && a.name() == name)
    }

    /// True when `code` is a busy code of the action called `name` (an error carries the
    /// name only; `TagResources` and `DescribeZones` exist in two products, either counts).
    pub fn is_busy_by_name(name: &str, code: &str) -> bool {
        Action::ALL
            .iter()
            .any(|a| a.name() == name && a.is_busy(code))
    }

    /// True when `code` means the resource is busy or locked for this action.
    pub fn is_busy(self, code: &str) -> bool {
        self.busy_codes().contains(&code)
    }

    /// `nlb:CreateLoadBalancer`.
    pub fn ram_action(self) -> String {
        format!("{}:{}", self.product().ram_code(), self.name())
    }
}

/// True when an action changes state: from the table, or for an action the table does not
/// have, by the API's naming rule (reads are `Describe*`, `List*`, `Get*`, `Check*`).
pub fn is_write(product: Product, name: &str) -> bool {
    match Action::find(product, name) {
        Some(a) => a.access() == Access::Write,
        None => !["Describe", "List", "Get", "Check"]
            .iter()
            .any(|p| name.starts_with(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_product_and_reads_are_named_as_reads() {
        for a in Action::ALL {
            assert_eq!(Action::find(a.product(), a.name()), Some(*a), "{a:?}");
            let read_name = ["Describe", "List", "Get", "Check"]
                .iter()
                .any(|p| a.name().starts_with(p));
            assert_eq!(read_name, a.access() == Access::Read, "{a:?}");
            if a.access() == Access::Read {
                assert!(a.busy_codes().is_empty(), "{a:?}: a read has no busy codes");
            }
        }
    }

    #[test]
    fn every_called_action_is_in_the_official_metadata() {
        let meta: serde_json::Value =
            serde_json::from_str(include_str!("../../../assets/alibaba-api-meta.json")).unwrap();
        for a in Action::ALL.iter().filter(|a| a.called()) {
            let key = match a.product() {
                Product::Nlb => "Nlb",
                Product::PrivateLink => "Privatelink",
                Product::Rds => "Rds",
                Product::Vpc => "Vpc",
                Product::Sts => "Sts",
            };
            let def = &meta["products"][key]["actions"][a.name()];
            assert!(def.is_object(), "{a:?} is not in the metadata");
            let token = def["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "ClientToken");
            if a.access() == Access::Write {
                assert_eq!(token, a.takes_client_token(), "{a:?}: ClientToken");
            }
        }
    }
}
