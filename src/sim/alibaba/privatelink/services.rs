//! PrivateLink endpoint services: create, list, read, delete, their resources and tags.

use super::*;

/// `CreateVpcEndpointService`.
pub(super) fn create_vpc_endpoint_service(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let rtype = p
        .opt("ServiceResourceType")
        .unwrap_or("slb")
        .to_ascii_lowercase();
    if !["slb", "alb", "nlb", "gwlb"].contains(&rtype.as_str()) {
        return Err(p.invalid("ServiceResourceType", "slb, alb, nlb or gwlb"));
    }
    let resources = p.objects("Resource");
    if resources.len() > 10 {
        return Err(p.invalid("Resource", "at most 10 resources at create time"));
    }
    let mut planned: Vec<ServiceResource> = vec![];
    for r in &resources {
        let id = r
            .get("ResourceId")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| p.missing("Resource.N.ResourceId"))?;
        let kind = r
            .get("ResourceType")
            .map(String::as_str)
            .unwrap_or(rtype.as_str());
        if !kind.eq_ignore_ascii_case(&rtype) {
            return Err(p.invalid("Resource.N.ResourceType", "must match ServiceResourceType"));
        }
        let zone = r.get("ZoneId").map(String::as_str);
        check_resource(w, p, region, id, kind, zone, now)?;
        let zone = zone.unwrap_or_default().to_string();
        if planned.iter().any(|x| x.id == *id && x.zone == zone) {
            return Err(AliError::bad(
                "EndpointServiceResourceExist",
                format!("Resource {id} in {zone} is listed twice."),
            ));
        }
        planned.push(ServiceResource {
            id: id.clone(),
            kind: rtype.clone(),
            zone,
        });
    }
    let auto_accept = p.bool("AutoAcceptEnabled", false)?;
    let zone_affinity = p.bool("ZoneAffinityEnabled", false)?;
    let payer = p.opt("Payer").unwrap_or("Endpoint").to_string();
    let mut tags = vec![];
    merge_tags(&mut tags, &p.tags()?)?;
    if p.bool("DryRun", false)? {
        return Err(AliError::dry_run());
    }
    let id = w.id("epsrv-", 20);
    let delay = w.draw("endpoint_service", w.delays.endpoint_service);
    let svc = EndpointService {
        name: format!("com.aliyuncs.privatelink.{region}.{id}"),
        domain: format!("{id}.{region}.privatelink.aliyuncs.com"),
        id: id.clone(),
        region: region.to_string(),
        resource_type: rtype,
        resources: planned,
        auto_accept,
        zone_affinity,
        description: p.opt("ServiceDescription").unwrap_or_default().into(),
        payer,
        tags,
        users: Default::default(),
        user_arns: Default::default(),
        create_time: wall_rfc3339(),
        life: Lifecycle::new(now, delay),
        visible_at: w.visible_from(now),
    };
    let resp = wire::CreateVpcEndpointServiceResponse {
        request_id: rid,
        service_id: svc.id.clone(),
        service_name: svc.name.clone(),
        service_domain: svc.domain.clone(),
        service_status: svc.status(now).into(),
        service_business_status: "Normal".into(),
        auto_accept_enabled: svc.auto_accept,
        zone_affinity_enabled: svc.zone_affinity,
        create_time: svc.create_time.clone(),
    };
    w.services.push(svc);
    ok(resp)
}

/// `ListVpcEndpointServices`.
pub(super) fn list_vpc_endpoint_services(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let tag_filter = p.tags()?;
    let items: Vec<_> = w
        .services
        .iter()
        .filter(|s| s.region == region && ctx.visible(s.life.created_at))
        .filter(|s| p.opt("ServiceId").is_none_or(|x| x == s.id))
        .filter(|s| p.opt("ServiceName").is_none_or(|x| x == s.name))
        .filter(|s| {
            p.opt("ResourceId")
                .is_none_or(|x| s.resources.iter().any(|r| r.id == x))
        })
        .filter(|s| p.opt("ServiceStatus").is_none_or(|x| x == s.status(now)))
        .filter(|s| {
            p.opt("ServiceResourceType")
                .is_none_or(|x| x.eq_ignore_ascii_case(&s.resource_type))
        })
        .filter(|s| {
            p.opt("AutoAcceptEnabled")
                .is_none_or(|x| x.eq_ignore_ascii_case(&s.auto_accept.to_string()))
        })
        .filter(|s| tags_match(&s.tags, &tag_filter))
        .map(|s| svc_wire(s, now, false))
        .collect();
    let page = page_by_token(p, items, 50, 1000)?;
    ok(wire::ListVpcEndpointServicesResponse {
        request_id: rid,
        services: page.items,
        next_token: page.next_token,
        max_results: page.max_results,
        total_count: page.total_count,
    })
}

/// `GetVpcEndpointServiceAttribute`.
pub(super) fn get_vpc_endpoint_service_attribute(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let now = ctx.now;
    let rid = ctx.request_id.to_string();
    let id = p.req("ServiceId")?;
    let s = w
        .services
        .iter()
        .find(|s| s.id == id && s.region == region && now >= s.visible_at)
        .ok_or_else(|| svc_not_found(id))?;
    ok(wire::GetVpcEndpointServiceAttributeResponse {
        request_id: rid,
        service: svc_wire(s, now, true),
    })
}

/// `DeleteVpcEndpointService`.
pub(super) fn delete_vpc_endpoint_service(
    Call { w, ctx, p, region }: Call<'_>,
    action: &str,
) -> Reply {
    let now = ctx.now;
    let id = p.req("ServiceId")?.to_string();
    let dry = p.bool("DryRun", false)?;
    let s = find_in(&w.services, &id, region, svc_not_found)?;
    if let Some(c) = w.connections.iter().find(|c| c.service_id == id) {
        return Err(AliError::bad(
            "EndpointServiceConnectionDependence",
            format!(
                "The endpoint service {id} still has endpoint connection {} ({}).",
                c.endpoint_id, c.status
            ),
        ));
    }
    let asynchronous = w.behaves(Behaviour::ServiceDeleteAsync);
    if asynchronous && s.life.deleting_at.is_some() {
        // Asynchronous, and not to be asked twice (SDK 3.0.1 usage notes).
        return Err(AliError::bad(
            "EndpointServiceOperationDenied",
            format!("The endpoint service {id} is Deleting and does not support this operation."),
        ));
    }
    let deleting_at = s.life.deleting_at;
    finish_write(w, ctx, action, &id, dry, |w| {
        let done = match deleting_at {
            Some(t) => t,
            None if asynchronous => {
                now + w.draw("endpoint_service_delete", w.delays.endpoint_service_delete)
            }
            None => now,
        };
        if let Some(s) = service_mut(w, &id) {
            s.life.deleting_at = Some(done);
        }
    })
}

/// What attach and detach read, in the API's order.
struct ResourceCall {
    service: String,
    resource: String,
    /// `ResourceType`, lower case.
    kind: String,
    zone: Option<String>,
    dry: bool,
}

impl ResourceCall {
    fn read(p: &Params) -> Result<Self, AliError> {
        Ok(ResourceCall {
            service: p.req("ServiceId")?.to_string(),
            resource: p.req("ResourceId")?.to_string(),
            kind: p.req("ResourceType")?.to_ascii_lowercase(),
            zone: p.opt("ZoneId").map(str::to_string),
            dry: p.bool("DryRun", false)?,
        })
    }

    /// [`finish_write`] changing the service's resources; the service is then `Pending`
    /// while the change settles.
    fn finish(
        &self,
        w: &mut World,
        ctx: &Ctx<'_>,
        action: &str,
        change: impl FnOnce(&mut Vec<ServiceResource>),
    ) -> Result<Value, AliError> {
        let id = &self.service;
        finish_write(w, ctx, action, id, self.dry, |w| {
            if let Some(s) = service_mut(w, id) {
                change(&mut s.resources);
            }
            settle_pending(w, id, ctx.now);
        })
    }
}

/// `AttachResourceToVpcEndpointService`.
pub(super) fn attach_resource_to_vpc_endpoint_service(
    Call { w, ctx, p, region }: Call<'_>,
    action: &str,
) -> Reply {
    let call = ResourceCall::read(p)?;
    let s = active_service(w, &call.service, region, ctx.now)?;
    if !call.kind.eq_ignore_ascii_case(&s.resource_type) {
        return Err(p.invalid("ResourceType", "must match the service resource type"));
    }
    let zone = call.zone.as_deref();
    check_resource(w, p, region, &call.resource, &call.kind, zone, ctx.now)?;
    let added = ServiceResource {
        id: call.resource.clone(),
        kind: call.kind.clone(),
        zone: zone.unwrap_or_default().to_string(),
    };
    call.finish(w, ctx, action, |resources| resources.push(added))
}

/// `DetachResourceFromVpcEndpointService`.
pub(super) fn detach_resource_from_vpc_endpoint_service(
    Call { w, ctx, p, region }: Call<'_>,
    action: &str,
) -> Reply {
    let call = ResourceCall::read(p)?;
    let (id, res) = (&call.service, &call.resource);
    let s = active_service(w, id, region, ctx.now)?;
    let Some(i) = s
        .resources
        .iter()
        .position(|r| r.id == *res && call.zone.as_ref().is_none_or(|z| *z == r.zone))
    else {
        return Err(AliError::bad(
            "EndpointServiceResourceNotFound",
            format!("Resource {res} is not attached to {id}."),
        ));
    };
    if w.connections.iter().any(|c| c.service_id == *id) {
        return Err(AliError::bad(
            "EndpointServiceConnectionDependence",
            format!("The endpoint service {id} still has endpoint connections."),
        ));
    }
    call.finish(w, ctx, action, |resources| {
        resources.remove(i);
    })
}

/// `ListVpcEndpointServiceResources`.
pub(super) fn list_vpc_endpoint_service_resources(Call { w, ctx, p, region }: Call<'_>) -> Reply {
    let rid = ctx.request_id.to_string();
    let id = p.req("ServiceId")?;
    let s = find_in(&w.services, id, region, svc_not_found)?;
    let items: Vec<_> = s
        .resources
        .iter()
        .filter(|r| p.opt("ZoneId").is_none_or(|z| z == r.zone))
        .map(|r| {
            let lb = w.load_balancers.iter().find(|l| l.id == r.id);
            let zm = lb.and_then(|l| l.zones.iter().find(|z| z.zone == r.zone));
            wire::ServiceResource {
                resource_id: r.id.clone(),
                resource_type: r.kind.clone(),
                zone_id: r.zone.clone(),
                vpc_id: lb.map(|l| l.vpc_id.clone()).unwrap_or_default(),
                vswitch_id: zm.map(|z| z.vswitch_id.clone()).unwrap_or_default(),
                ip: zm.map(|z| z.vip.clone()).unwrap_or_default(),
                region_id: s.region.clone(),
                related_endpoint_count: w
                    .connections
                    .iter()
                    .filter(|c| {
                        c.service_id == s.id
                            && c.zones
                                .iter()
                                .any(|z| z.resource_id == r.id && z.zone == r.zone)
                    })
                    .count() as u64,
            }
        })
        .collect();
    let page = page_by_token(p, items, 50, 50)?;
    ok(wire::ListVpcEndpointServiceResourcesResponse {
        request_id: rid,
        resources: page.items,
        next_token: page.next_token,
        max_results: page.max_results,
    })
}

/// `TagResources`.
pub(super) fn tag_resources(Call { w, ctx, p, .. }: Call<'_>) -> Reply {
    let rid = ctx.request_id.to_string();
    let (rtype, ids) = tag_targets(p)?;
    let new = p.tags()?;
    if new.is_empty() {
        return Err(p.missing("Tag.N.Key"));
    }
    if rtype != "vpcendpointservice" {
        return Err(p.invalid("ResourceType", "only vpcendpointservice is modelled"));
    }
    for id in &ids {
        if !w.services.iter().any(|s| &s.id == id) {
            return Err(svc_not_found(id));
        }
    }
    for s in w.services.iter_mut().filter(|s| ids.contains(&s.id)) {
        merge_tags(&mut s.tags, &new)?;
    }
    ok(wire::Ack { request_id: rid })
}
