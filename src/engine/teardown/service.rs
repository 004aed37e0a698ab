//! Deleting the endpoint service: one `DeleteVpcEndpointService`, then a wait until it is
//! gone; endpoints no PLC of the setup owns stop the teardown with their names.

use super::{foreign_among, gone};
use crate::engine::Error;
use crate::engine::poll::{Probe, Tuning, until};
use crate::wire::states::ServiceStatus;

/// Deletes an endpoint service with one `DeleteVpcEndpointService` (the call is
/// asynchronous and must not be repeated within a period: SDK 3.0.1 usage notes; Terraform
/// calls it once and polls), then waits until the service is gone. A refusal because the
/// service is busy is retried while it is not yet `Deleting`; connections of the deleted PLCs
/// are waited for; any other endpoint stops the teardown with its name.
pub(super) async fn delete_service_once(
    a: &crate::cloud::aliyun::AliyunClient,
    tuning: &Tuning,
    svc: &str,
    endpoints: &[String],
    say: &mut impl FnMut(String),
) -> Result<(), Error> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let asked = AtomicBool::new(false);
    let asked = &asked;
    until(
        tuning.endpoint_service(),
        "the endpoint service to be deleted",
        |s| say(format!("  {svc}: {s}")),
        || async move {
            if !asked.load(Ordering::SeqCst) {
                match a.delete_endpoint_service(svc).await {
                    Ok(_) => asked.store(true, Ordering::SeqCst),
                    Err(e) if gone(&e) => return Ok(Probe::Ready(Ok(()))),
                    Err(e)
                        if matches!(
                            e.code(),
                            Some(
                                "EndpointServiceConnectionDependence"
                                    | "DeleteFailedDueToEndpointExist"
                            )
                        ) =>
                    {
                        // Only the endpoints of the PLCs deleted above go away by
                        // themselves; any other keeps the service forever.
                        let conns = a.list_connections(svc).await?;
                        let blockers = foreign_among(&conns, endpoints);
                        if !blockers.is_empty() {
                            return Ok(Probe::Ready(Err(blocked(svc, &blockers))));
                        }
                        return Ok(Probe::Waiting(format!(
                            "{} connection(s) of the deleted PLCs still closing",
                            conns.len()
                        )));
                    }
                    Err(e)
                        if matches!(
                            e.code(),
                            Some(
                                "EndpointServiceOperationDenied"
                                    | "ConcurrentCallNotSupported"
                                    | "EndpointServiceLocked"
                            )
                        ) =>
                    {
                        // Busy: an earlier delete may be running (then only wait), or the
                        // service is mid-change (then ask again at the next look).
                        let code = e.code().unwrap_or_default().to_string();
                        return match a.get_endpoint_service(svc).await {
                            Err(e) if gone(&e) => Ok(Probe::Ready(Ok(()))),
                            Err(e) => Err(e),
                            Ok(s) if s.service_status == ServiceStatus::Deleting => {
                                asked.store(true, Ordering::SeqCst);
                                Ok(Probe::Waiting("Deleting".into()))
                            }
                            Ok(s) => Ok(Probe::Waiting(format!(
                                "{} ({code}: busy, asking again)",
                                s.service_status
                            ))),
                        };
                    }
                    Err(e) => return Err(e),
                }
            }
            match a.get_endpoint_service(svc).await {
                Err(e) if gone(&e) => Ok(Probe::Ready(Ok(()))),
                Err(e) => Err(e),
                Ok(s) => Ok(Probe::Waiting(s.service_status.to_string())),
            }
        },
    )
    .await?
    .map_err(Error::Failed)
}

/// Waits for an endpoint service that is already `Deleting` to be gone.
pub(super) async fn wait_service_gone(
    a: &crate::cloud::aliyun::AliyunClient,
    tuning: &Tuning,
    svc: &str,
    say: &mut impl FnMut(String),
) -> Result<(), Error> {
    until(
        tuning.endpoint_service().now(),
        "the endpoint service to be deleted",
        |s| say(format!("  {svc}: {s}")),
        || async move {
            match a.get_endpoint_service(svc).await {
                Err(e) if gone(&e) => Ok(Probe::Ready(())),
                Err(e) => Err(e),
                Ok(s) => Ok(Probe::Waiting(s.service_status.to_string())),
            }
        },
    )
    .await
}

/// Why the endpoint service cannot be deleted: connections of endpoints no PLC of this setup
/// owns, which nothing tilink can do removes.
fn blocked(svc: &str, blockers: &[String]) -> String {
    format!(
        "endpoint service {svc} cannot be deleted: it still has connections from endpoints \
         that no private link connection of this setup owns: {}. Only their owners can delete \
         those endpoints (a PLC of another TiDB Cloud cluster, or an endpoint made by hand). \
         Teardown stopped here: the PLCs are deleted, the service, listener, NLB, server \
         group and allowlist group are kept. Rerun `tilink teardown` once they are gone.",
        blockers.join(", ")
    )
}
