//! Typed operations for every action tilink calls (reference `alibaba-api.md` §6), with
//! pagination helpers. Thin: they build parameters and decode `crate::wire::aliyun` models.
//!
//! Size (~720 lines): one small typed method per Alibaba action tilink calls (the 49 of
//! `assets/alibaba-api-meta.json`), so the whole call surface reads in one file.

use super::actions::Action as A;
use super::client::AliyunClient;
use super::error::AliyunError;
use super::params::Params;
use crate::wire::aliyun as w;

type R<T> = Result<T, AliyunError>;

/// Most pages a pagination helper follows before giving up (a runaway `NextToken`).
const MAX_PAGES: usize = 50;

/// Parameters of `CreateServerGroup` for an IP-type TCP group.
#[derive(Debug, Clone)]
pub struct NewServerGroup<'a> {
    /// Name (2–128 chars, starts with a letter).
    pub name: &'a str,
    /// VPC of the backends.
    pub vpc_id: &'a str,
    /// (key, value) pairs, sent as `Tag.N.Key` / `Tag.N.Value`.
    pub tags: &'a [(String, String)],
    /// Idempotency token.
    pub client_token: &'a str,
    /// Validate only.
    pub dry_run: bool,
}

/// Parameters of `CreateLoadBalancer` (internal, IPv4, pay-as-you-go).
#[derive(Debug, Clone)]
pub struct NewLoadBalancer<'a> {
    /// `LoadBalancerName` (tilink sends `tilink-<setup id without tl->`).
    pub name: &'a str,
    /// VPC to create it in (the RDS instance's, `vpc-…`).
    pub vpc_id: &'a str,
    /// (zone, vSwitch) pairs.
    pub zones: &'a [(String, String)],
    /// (key, value) pairs, sent as `Tag.N.Key` / `Tag.N.Value`.
    pub tags: &'a [(String, String)],
    /// Idempotency token.
    pub client_token: &'a str,
    /// Validate only.
    pub dry_run: bool,
}

/// Parameters of `CreateVpcEndpointService` for an NLB.
#[derive(Debug, Clone)]
pub struct NewEndpointService<'a> {
    /// The NLB id.
    pub load_balancer_id: &'a str,
    /// One resource per zone.
    pub zones: &'a [String],
    /// `ServiceDescription` (tilink names the setup, cluster and RDS instance).
    pub description: &'a str,
    /// (key, value) pairs, sent as `Tag.N.Key` / `Tag.N.Value`.
    pub tags: &'a [(String, String)],
    /// Idempotency token.
    pub client_token: &'a str,
    /// Validate only.
    pub dry_run: bool,
}

/// `WhitelistNetworkType` for an instance's `SecurityIPMode`: none (the default `MIX`) in the
/// general mode, `VPC` in the enhanced mode (`safety`), where `MIX` is refused and tilink's
/// NLB reaches the instance from inside its VPC.
pub fn whitelist_network_type(security_ip_mode: &str) -> Option<&'static str> {
    security_ip_mode
        .eq_ignore_ascii_case("safety")
        .then_some("VPC")
}

/// IP backends as `Servers.N.*` objects (`ServerId` = `ServerIp` = the IP).
fn ip_servers(servers: &[(String, u16)]) -> impl Iterator<Item = Vec<(&'static str, String)>> + '_ {
    servers.iter().map(|(ip, port)| {
        vec![
            ("ServerId", ip.clone()),
            ("ServerIp", ip.clone()),
            ("ServerType", "Ip".to_string()),
            ("Port", port.to_string()),
        ]
    })
}

impl AliyunClient {
    fn regional(&self) -> Params {
        Params::new().set("RegionId", self.region())
    }

    /// The region and the endpoint service every PrivateLink service action names.
    fn on_service(&self, service_id: &str) -> Params {
        self.regional().set("ServiceId", service_id)
    }

    /// An action that names one regional resource by its id parameter.
    async fn by_id<T: serde::de::DeserializeOwned>(&self, action: A, key: &str, id: &str) -> R<T> {
        self.call(action, self.regional().set(key, id)).await
    }

    /// An RDS action that names only the instance (`DBInstanceId`; no RegionId, as the API
    /// wants).
    async fn instance_call<T: serde::de::DeserializeOwned>(&self, action: A, id: &str) -> R<T> {
        self.call(action, Params::new().set("DBInstanceId", id))
            .await
    }

    /// A write on an endpoint service that names one more thing (an account, an endpoint).
    async fn service_call(&self, action: A, service_id: &str, key: &str, value: &str) -> R<w::Ack> {
        self.call(action, self.on_service(service_id).set(key, value))
            .await
    }

    /// Every page of a `PageNumber`/`PageSize` listing; `items` gives a page's items and the
    /// total count. Stops at a short page or once the total is reached.
    async fn numbered_pages<T, F, I>(
        &self,
        action: A,
        base: Params,
        size: usize,
        items: F,
    ) -> R<Vec<I>>
    where
        T: serde::de::DeserializeOwned,
        F: Fn(T) -> (Vec<I>, u64),
    {
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let p = base.clone().set("PageSize", size).set("PageNumber", page);
            let (page, total) = items(self.call::<T>(action, p).await?);
            let n = page.len();
            out.extend(page);
            if n < size || out.len() as u64 >= total {
                break;
            }
        }
        Ok(out)
    }

    /// Every page of a `NextToken` listing; `items` gives a page's items and the next token.
    async fn pages<T, F, I>(&self, action: A, base: Params, items: F) -> R<Vec<I>>
    where
        T: serde::de::DeserializeOwned,
        F: Fn(T) -> (Vec<I>, String),
    {
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let mut p = base.clone();
            if !token.is_empty() {
                p = p.set("NextToken", &token);
            }
            let (mut page, next) = items(self.call::<T>(action, p).await?);
            out.append(&mut page);
            if next.is_empty() || next == token {
                break;
            }
            token = next;
        }
        Ok(out)
    }

    // ── STS ──────────────────────────────────────────────────────────────

    /// Who the access key belongs to.
    pub async fn get_caller_identity(&self) -> R<w::GetCallerIdentityResponse> {
        self.call(A::GetCallerIdentity, Params::new()).await
    }

    // ── VPC ──────────────────────────────────────────────────────────────

    /// Every vSwitch of `vpc_id` (all pages).
    pub async fn describe_vswitches(&self, vpc_id: &str) -> R<Vec<w::VSwitch>> {
        let p = self.regional().set("VpcId", vpc_id);
        self.numbered_pages(
            A::DescribeVSwitches,
            p,
            50,
            |r: w::DescribeVSwitchesResponse| (r.vswitches.items, r.total_count),
        )
        .await
    }

    /// VPCs by id (comma list) or all.
    pub async fn describe_vpcs(&self, vpc_id: Option<&str>) -> R<Vec<w::Vpc>> {
        let p = self.regional().opt("VpcId", vpc_id).set("PageSize", 50);
        let r: w::DescribeVpcsResponse = self.call(A::DescribeVpcs, p).await?;
        Ok(r.vpcs.items)
    }

    /// Zones of the region.
    pub async fn vpc_describe_zones(&self) -> R<Vec<w::Zone>> {
        let r: w::DescribeZonesResponse = self.call(A::VpcDescribeZones, self.regional()).await?;
        Ok(r.zones.items)
    }

    // ── RDS ──────────────────────────────────────────────────────────────

    /// Instances in the region (all pages), optionally filtered by engine.
    pub async fn describe_db_instances(&self, engine: Option<&str>) -> R<Vec<w::DbInstance>> {
        let p = self.regional().opt("Engine", engine);
        self.numbered_pages(
            A::DescribeDbInstances,
            p,
            100,
            |r: w::DescribeDbInstancesResponse| (r.items.items, r.total_record_count),
        )
        .await
    }

    /// One instance's attributes (`DBInstanceId` only; no RegionId, as the API wants).
    pub async fn describe_db_instance_attribute(&self, id: &str) -> R<w::DbInstanceAttribute> {
        let r: w::DescribeDbInstanceAttributeResponse = self
            .instance_call(A::DescribeDbInstanceAttribute, id)
            .await?;
        let a = r
            .items
            .items
            .into_iter()
            .next()
            .ok_or_else(|| AliyunError::Decode {
                action: "DescribeDBInstanceAttribute".into(),
                detail: format!("no attributes returned for {id}"),
            })?;
        if let Ok(mut m) = self.ip_modes.lock() {
            m.insert(
                id.to_string(),
                (a.security_ip_mode.clone(), std::time::Instant::now()),
            );
        }
        Ok(a)
    }

    /// The instance's whitelist mode: from a read in the last minute, else read now (it can
    /// change, and it decides `WhitelistNetworkType`).
    async fn security_ip_mode(&self, id: &str) -> R<String> {
        let recent = self.ip_modes.lock().ok().and_then(|m| {
            m.get(id)
                .filter(|(_, at)| at.elapsed() < std::time::Duration::from_secs(60))
                .map(|(mode, _)| mode.clone())
        });
        match recent {
            Some(mode) => Ok(mode),
            None => Ok(self
                .describe_db_instance_attribute(id)
                .await?
                .security_ip_mode),
        }
    }

    /// Connection endpoints of an instance.
    pub async fn describe_db_instance_net_info(&self, id: &str) -> R<Vec<w::DbInstanceNetInfo>> {
        let r: w::DescribeDbInstanceNetInfoResponse =
            self.instance_call(A::DescribeDbInstanceNetInfo, id).await?;
        Ok(r.db_instance_net_infos.items)
    }

    /// IP allowlist groups of an instance.
    pub async fn describe_db_instance_ip_array_list(
        &self,
        id: &str,
    ) -> R<Vec<w::DbInstanceIpArray>> {
        let r: w::DescribeDbInstanceIpArrayListResponse = self
            .instance_call(A::DescribeDbInstanceIpArrayList, id)
            .await?;
        Ok(r.items.items)
    }

    /// Writes an allowlist group (`Cover` replaces it, `Append`, `Delete`).
    pub async fn modify_security_ips(
        &self,
        id: &str,
        group: &str,
        ips: &[String],
        mode: &str,
    ) -> R<w::ModifySecurityIpsResponse> {
        let security_ip_mode = self.security_ip_mode(id).await?;
        let p = Params::new()
            .set("DBInstanceId", id)
            .set("DBInstanceIPArrayName", group)
            .set("SecurityIps", ips.join(","))
            .set("ModifyMode", mode)
            .opt(
                "WhitelistNetworkType",
                whitelist_network_type(&security_ip_mode),
            );
        self.call(A::ModifySecurityIps, p).await
    }

    // ── NLB ──────────────────────────────────────────────────────────────

    /// Zones where NLB is offered.
    pub async fn nlb_describe_zones(&self) -> R<Vec<w::Zone>> {
        let r: w::NlbDescribeZonesResponse =
            self.call(A::NlbDescribeZones, self.regional()).await?;
        Ok(r.zones)
    }

    /// Creates an IP-type TCP server group with a TCP health check on the backend port.
    pub async fn create_server_group(
        &self,
        n: &NewServerGroup<'_>,
    ) -> R<w::ServerGroupJobResponse> {
        let p = self
            .regional()
            .set("ServerGroupName", n.name)
            .set("ServerGroupType", "Ip")
            .set("Protocol", "TCP")
            .set("VpcId", n.vpc_id)
            .object(
                "HealthCheckConfig",
                vec![
                    ("HealthCheckEnabled", "true".into()),
                    ("HealthCheckType", "TCP".into()),
                    ("HealthCheckConnectPort", "0".into()),
                ],
            )
            .creating(n.tags, n.client_token, n.dry_run);
        self.call(A::CreateServerGroup, p).await
    }

    /// Server groups by id or tag (all pages).
    pub async fn list_server_groups(
        &self,
        ids: &[String],
        tags: &[(String, String)],
    ) -> R<Vec<w::ServerGroup>> {
        let p = self
            .regional()
            .list("ServerGroupIds", ids)
            .tags(tags)
            .set("MaxResults", 100);
        self.pages(A::ListServerGroups, p, |r: w::ListServerGroupsResponse| {
            (r.server_groups, r.next_token)
        })
        .await
    }

    /// Backends of a server group.
    pub async fn list_server_group_servers(
        &self,
        server_group_id: &str,
    ) -> R<Vec<w::BackendServer>> {
        let p = self
            .regional()
            .set("ServerGroupId", server_group_id)
            .set("MaxResults", 100);
        self.pages(
            A::ListServerGroupServers,
            p,
            |r: w::ListServerGroupServersResponse| (r.servers, r.next_token),
        )
        .await
    }

    /// Adds IP backends (`ServerId` = `ServerIp` = the IP).
    pub async fn add_ip_servers(
        &self,
        server_group_id: &str,
        servers: &[(String, u16)],
        client_token: Option<&str>,
    ) -> R<w::ServerGroupJobResponse> {
        let p = self
            .regional()
            .set("ServerGroupId", server_group_id)
            .list_of("Servers", ip_servers(servers));
        self.call(
            A::AddServersToServerGroup,
            p.opt("ClientToken", client_token),
        )
        .await
    }

    /// Removes IP backends.
    pub async fn remove_ip_servers(
        &self,
        server_group_id: &str,
        servers: &[(String, u16)],
    ) -> R<w::ServerGroupJobResponse> {
        let p = self
            .regional()
            .set("ServerGroupId", server_group_id)
            .list_of("Servers", ip_servers(servers));
        self.call(A::RemoveServersFromServerGroup, p).await
    }

    /// Deletes a server group.
    pub async fn delete_server_group(&self, id: &str) -> R<w::JobResponse> {
        self.by_id(A::DeleteServerGroup, "ServerGroupId", id).await
    }

    /// Creates an internal IPv4 NLB.
    pub async fn create_load_balancer(
        &self,
        n: &NewLoadBalancer<'_>,
    ) -> R<w::CreateLoadBalancerResponse> {
        let p = self
            .regional()
            .set("LoadBalancerName", n.name)
            .set("LoadBalancerType", "network")
            .set("AddressType", "Intranet")
            .set("AddressIpVersion", "ipv4")
            .set("VpcId", n.vpc_id)
            .list_of(
                "ZoneMappings",
                n.zones
                    .iter()
                    .map(|(z, v)| vec![("ZoneId", z.clone()), ("VSwitchId", v.clone())]),
            )
            .object(
                "LoadBalancerBillingConfig",
                vec![("PayType", "PostPay".into())],
            )
            .creating(n.tags, n.client_token, n.dry_run);
        self.call(A::CreateLoadBalancer, p).await
    }

    /// One load balancer.
    pub async fn get_load_balancer_attribute(
        &self,
        id: &str,
    ) -> R<w::GetLoadBalancerAttributeResponse> {
        self.by_id(A::GetLoadBalancerAttribute, "LoadBalancerId", id)
            .await
    }

    /// Load balancers by id or tag (all pages).
    pub async fn list_load_balancers(
        &self,
        ids: &[String],
        tags: &[(String, String)],
    ) -> R<Vec<w::LoadBalancer>> {
        let p = self
            .regional()
            .list("LoadBalancerIds", ids)
            .tags(tags)
            .set("MaxResults", 100);
        self.pages(
            A::ListLoadBalancers,
            p,
            |r: w::ListLoadBalancersResponse| (r.load_balancers, r.next_token),
        )
        .await
    }

    /// Deletes a load balancer.
    pub async fn delete_load_balancer(&self, id: &str) -> R<w::JobResponse> {
        self.by_id(A::DeleteLoadBalancer, "LoadBalancerId", id)
            .await
    }

    /// Creates a TCP listener (idle timeout 900 s, proxy protocol off: MySQL cannot parse it).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_listener(
        &self,
        lb: &str,
        port: u16,
        server_group_id: &str,
        description: &str,
        tags: &[(String, String)],
        client_token: &str,
        dry_run: bool,
    ) -> R<w::CreateListenerResponse> {
        let p = self
            .regional()
            .set("LoadBalancerId", lb)
            .set("ListenerProtocol", "TCP")
            .set("ListenerPort", port)
            .set("ServerGroupId", server_group_id)
            .set("IdleTimeout", 900)
            .set("ProxyProtocolEnabled", "false")
            .set("ListenerDescription", description)
            .creating(tags, client_token, dry_run);
        self.call(A::CreateListener, p).await
    }

    /// Listeners of some load balancers (all pages).
    pub async fn list_listeners(&self, load_balancer_ids: &[String]) -> R<Vec<w::Listener>> {
        let p = self
            .regional()
            .list("LoadBalancerIds", load_balancer_ids)
            .set("MaxResults", 100);
        self.pages(A::ListListeners, p, |r: w::ListListenersResponse| {
            (r.listeners, r.next_token)
        })
        .await
    }

    /// One listener.
    pub async fn get_listener_attribute(&self, id: &str) -> R<w::Listener> {
        let r: w::GetListenerAttributeResponse = self
            .by_id(A::GetListenerAttribute, "ListenerId", id)
            .await?;
        Ok(r.listener.map_tags(w::Tag::from))
    }

    /// Health of a listener's backends.
    pub async fn get_listener_health_status(
        &self,
        id: &str,
    ) -> R<w::GetListenerHealthStatusResponse> {
        self.by_id(A::GetListenerHealthStatus, "ListenerId", id)
            .await
    }

    /// Deletes a listener.
    pub async fn delete_listener(&self, id: &str) -> R<w::JobResponse> {
        self.by_id(A::DeleteListener, "ListenerId", id).await
    }

    /// Status of an asynchronous NLB job (`Processing` → `Succeeded`).
    pub async fn get_job_status(&self, job_id: &str) -> R<w::GetJobStatusResponse> {
        // GetJobStatus declares only JobId and ClientToken: no RegionId.
        self.call(A::GetJobStatus, Params::new().set("JobId", job_id))
            .await
    }

    /// Tags NLB resources (`loadbalancer`, `servergroup`, `listener`).
    pub async fn nlb_tag_resources(
        &self,
        resource_type: &str,
        ids: &[String],
        tags: &[(String, String)],
    ) -> R<w::Ack> {
        let p = self
            .regional()
            .set("ResourceType", resource_type)
            .list("ResourceId", ids)
            .tags(tags);
        self.call(A::NlbTagResources, p).await
    }

    // ── PrivateLink ──────────────────────────────────────────────────────

    /// Whether PrivateLink is activated for the account.
    pub async fn check_product_open(&self) -> R<bool> {
        let r: w::CheckProductOpenResponse = self.call(A::CheckProductOpen, Params::new()).await?;
        Ok(r.success)
    }

    /// Activates PrivateLink (once per account).
    pub async fn open_privatelink_service(&self) -> R<w::OpenPrivateLinkServiceResponse> {
        self.call(A::OpenPrivateLinkService, Params::new()).await
    }

    /// Zones where an endpoint service can live.
    pub async fn privatelink_describe_zones(&self) -> R<Vec<w::Zone>> {
        let r: w::DescribeZonesResponse = self
            .call(
                A::PlDescribeZones,
                self.regional().set("ServiceResourceType", "nlb"),
            )
            .await?;
        Ok(r.zones.items)
    }

    /// Creates an endpoint service for an NLB, one resource per zone, auto-accept off.
    pub async fn create_endpoint_service(
        &self,
        n: &NewEndpointService<'_>,
    ) -> R<w::CreateVpcEndpointServiceResponse> {
        let p = self
            .regional()
            .set("ServiceResourceType", "nlb")
            .set("AutoAcceptEnabled", "false")
            .set("ZoneAffinityEnabled", "false")
            .set("ServiceDescription", n.description)
            .list_of(
                "Resource",
                n.zones.iter().map(|z| {
                    vec![
                        ("ResourceId", n.load_balancer_id.to_string()),
                        ("ResourceType", "nlb".to_string()),
                        ("ZoneId", z.clone()),
                    ]
                }),
            )
            .creating(n.tags, n.client_token, n.dry_run);
        self.call(A::CreateVpcEndpointService, p).await
    }

    /// Endpoint services by id, resource or tag (all pages).
    pub async fn list_endpoint_services(
        &self,
        service_id: Option<&str>,
        resource_id: Option<&str>,
        tags: &[(String, String)],
    ) -> R<Vec<w::EndpointService>> {
        let p = self
            .regional()
            .opt("ServiceId", service_id)
            .opt("ResourceId", resource_id)
            .tags(tags)
            .set("MaxResults", 100);
        self.pages(
            A::ListVpcEndpointServices,
            p,
            |r: w::ListVpcEndpointServicesResponse| (r.services, r.next_token),
        )
        .await
    }

    /// One endpoint service.
    pub async fn get_endpoint_service(&self, id: &str) -> R<w::EndpointService> {
        let r: w::GetVpcEndpointServiceAttributeResponse = self
            .by_id(A::GetVpcEndpointServiceAttribute, "ServiceId", id)
            .await?;
        Ok(r.service)
    }

    /// Deletes an endpoint service.
    pub async fn delete_endpoint_service(&self, id: &str) -> R<w::Ack> {
        self.by_id(A::DeleteVpcEndpointService, "ServiceId", id)
            .await
    }

    /// Attaches the NLB in one more zone.
    pub async fn attach_resource(&self, service_id: &str, lb: &str, zone: &str) -> R<w::Ack> {
        let p = self
            .on_service(service_id)
            .set("ResourceId", lb)
            .set("ResourceType", "nlb")
            .set("ZoneId", zone);
        self.call(A::AttachResourceToVpcEndpointService, p).await
    }

    /// Resources (zones) attached to a service.
    pub async fn list_service_resources(&self, service_id: &str) -> R<Vec<w::ServiceResource>> {
        let p = self.on_service(service_id).set("MaxResults", 50); // 1–50 (the API reference; the metadata says 1000)
        self.pages(
            A::ListVpcEndpointServiceResources,
            p,
            |r: w::ListVpcEndpointServiceResourcesResponse| (r.resources, r.next_token),
        )
        .await
    }

    /// Adds an account to the service whitelist.
    pub async fn add_user(&self, service_id: &str, user_id: &str) -> R<w::Ack> {
        self.service_call(
            A::AddUserToVpcEndpointService,
            service_id,
            "UserId",
            user_id,
        )
        .await
    }

    /// Removes an account from the service whitelist.
    pub async fn remove_user(&self, service_id: &str, user_id: &str) -> R<w::Ack> {
        self.service_call(
            A::RemoveUserFromVpcEndpointService,
            service_id,
            "UserId",
            user_id,
        )
        .await
    }

    /// Whitelisted account ids.
    pub async fn list_users(&self, service_id: &str) -> R<Vec<String>> {
        let p = self.on_service(service_id).set("MaxResults", 50);
        let users = self
            .pages(
                A::ListVpcEndpointServiceUsers,
                p,
                |r: w::ListVpcEndpointServiceUsersResponse| (r.users, r.next_token),
            )
            .await?;
        Ok(users.into_iter().map(|u| u.user_id.to_string()).collect())
    }

    /// Connection requests to a service (all pages).
    pub async fn list_connections(&self, service_id: &str) -> R<Vec<w::EndpointConnection>> {
        let p = self.on_service(service_id).set("MaxResults", 100);
        self.pages(
            A::ListVpcEndpointConnections,
            p,
            |r: w::ListVpcEndpointConnectionsResponse| (r.connections, r.next_token),
        )
        .await
    }

    /// Accepts a connection request.
    pub async fn enable_connection(&self, service_id: &str, endpoint_id: &str) -> R<w::Ack> {
        self.service_call(
            A::EnableVpcEndpointConnection,
            service_id,
            "EndpointId",
            endpoint_id,
        )
        .await
    }

    /// Rejects / disconnects a connection.
    pub async fn disable_connection(&self, service_id: &str, endpoint_id: &str) -> R<w::Ack> {
        self.service_call(
            A::DisableVpcEndpointConnection,
            service_id,
            "EndpointId",
            endpoint_id,
        )
        .await
    }

    /// Tags endpoint services.
    pub async fn privatelink_tag_resources(
        &self,
        ids: &[String],
        tags: &[(String, String)],
    ) -> R<w::Ack> {
        let p = self
            .regional()
            .set("ResourceType", "vpcendpointservice")
            .list("ResourceId", ids)
            .tags(tags);
        self.call(A::PlTagResources, p).await
    }
}
