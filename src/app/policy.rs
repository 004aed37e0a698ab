//! `tilink policy`: the RAM policy for one purpose, scoped as tightly as the clouds allow
//! (a teardown's from the setup's journal on this machine).

use super::{Failure, exit, say};
use crate::cli::{GlobalArgs, PolicyArgs, PolicyScope};
use crate::engine::journal::JournalStore;
use crate::policy::{Owned, Purpose, Scope};

/// Prints the policy on stdout and what limits its scope on stderr.
pub fn command(g: &GlobalArgs, a: PolicyArgs) -> Result<u8, Failure> {
    let purpose = match a.scope {
        PolicyScope::Setup => Purpose::Setup,
        PolicyScope::Doctor => Purpose::Doctor,
        PolicyScope::Teardown => Purpose::Teardown,
    };
    let mut scope = Scope {
        region: g.region.clone(),
        account_id: a.account_id,
        rds_instance_id: a.rds_instance,
        owned: Vec::new(),
    };
    if purpose == Purpose::Teardown {
        let Some(cluster) = a.cluster_id else {
            return Err(Failure::input(
                "--for teardown names one setup's resources: pass --cluster-id (the cluster whose setup to tear down)",
            ));
        };
        let store = JournalStore::default_location();
        let Some(j) = store.find(&cluster, scope.rds_instance_id.as_deref()) else {
            return Err(Failure::input(format!(
                "no setup for cluster {cluster} in this machine's journals ({}): run this where the setup ran, or use `tilink policy` (scoped to the region and account)",
                store.dir().display()
            )));
        };
        let r = &j.resources;
        scope.owned = [
            r.server_group_id.clone().map(Owned::ServerGroup),
            r.load_balancer_id.clone().map(Owned::LoadBalancer),
            r.listener_id.clone().map(Owned::Listener),
            r.endpoint_service_id.clone().map(Owned::EndpointService),
        ]
        .into_iter()
        .flatten()
        .collect();
        scope.region = Some(j.region);
        scope.rds_instance_id = Some(j.rds_instance_id);
    }
    let doc = crate::policy::policy(purpose, &scope);
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    for n in crate::policy::notes(purpose, &scope) {
        say!("note: {n}");
    }
    Ok(exit::OK)
}
