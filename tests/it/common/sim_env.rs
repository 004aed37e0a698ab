//! Points a command of the real binary at a simulator. The tests (`tests/it/common`) and the
//! benches (`benches/common`, `benches/fleet.rs`) include this one file.

use std::process::Command;

use tilink::sim::Manifest;

/// The simulator's endpoints and both clouds' keys in a command's environment.
pub trait SimEnv {
    /// Sets `TILINK_*_ENDPOINT` and the Alibaba and TiDB Cloud keys from `m`.
    fn sim_env(&mut self, m: &Manifest) -> &mut Self;
}

impl SimEnv for Command {
    fn sim_env(&mut self, m: &Manifest) -> &mut Self {
        self.env("TILINK_ALIBABA_ENDPOINT", &m.alibaba_endpoint)
            .env("TILINK_TIDB_ENDPOINT", &m.tidb_endpoint)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", &m.alibaba_access_key_id)
            .env(
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                &m.alibaba_access_key_secret,
            )
            .env("TIDBCLOUD_PUBLIC_KEY", &m.tidb_public_key)
            .env("TIDBCLOUD_PRIVATE_KEY", &m.tidb_private_key)
    }
}
