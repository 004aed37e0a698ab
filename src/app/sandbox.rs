//! `tilink sandbox`: the same wizard (or non-interactive run) against the in-process
//! simulator of both clouds. Journals go to a temporary state dir unless
//! `TILINK_STATE_DIR` is set, so a rehearsal never mixes with real setups.

use super::{Failure, setup};
use crate::cli::{GlobalArgs, SandboxArgs};
use crate::engine::journal::JournalStore;
use crate::engine::probe::{ProbeSetup, Resolver};
use crate::secret::Secret;
use crate::sim::{SimOptions, start};

/// Entry point of `tilink sandbox`.
pub async fn command(g: &GlobalArgs, a: SandboxArgs) -> Result<u8, Failure> {
    let sim = start(SimOptions {
        seed: a.seed,
        time_scale: a.time_scale,
        fault_rate: a.fault_rate,
        jitter: a.jitter,
        rds_upstream: a.rds_upstream,
        ..SimOptions::default()
    })
    .await
    .map_err(|e| Failure::failed(format!("cannot start the simulator: {e:#}")))?;
    let m = sim.manifest().clone();
    let store = match std::env::var_os("TILINK_STATE_DIR") {
        Some(_) => JournalStore::default_location(),
        None => JournalStore::new(
            std::env::temp_dir().join(format!("tilink-sandbox-{}", std::process::id())),
        ),
    };
    // Polled exactly as the real clouds are: tilink is not told the simulator's speed and
    // learns it from the first waits (engine::poll).
    let mut env =
        super::context::from_manifest(&m, g, 1.0, store).with_timeout(a.setup.timeout_secs);
    // The simulated VPC's data plane is reachable from here: after ACTIVE the wizard logs in
    // to the simulated RDS through the NLB with the instance's account.
    env.probe = Some(ProbeSetup::new(
        m.rds_user.clone(),
        Secret::new(m.rds_password.clone()),
        Resolver {
            fixed: Vec::new(),
            dynamic: Some(std::sync::Arc::new(sim.resolver())),
        },
    ));
    let mut args = a.setup.clone();
    args.cluster_id.get_or_insert(m.cluster_id.clone());
    if args.non_interactive {
        args.rds_instance.get_or_insert(m.rds_instance_id.clone());
        // Nothing billable exists in the sandbox.
        args.yes = true;
        return setup::non_interactive(g, &env, &args).await;
    }
    setup::wizard(g, env, &args, Some(&m)).await
}
