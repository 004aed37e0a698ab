//! Every integration test in one binary: the library is built once for all of them and
//! linked once (33 binaries each linked it before). Each module is one former test file;
//! run one with `cargo test --test it <module>::` (e.g. `cargo test --test it contracts::`).
//! `keyring_kernel` stays apart: it runs without libtest to report a skip as one.

mod common;

mod api_metadata;
mod cli;
mod client_http;
mod cloud_behaviour;
mod concurrent_setups;
mod contracts;
mod crash_resume;
mod credentials_chain;
mod credentials_e2e;
mod data_path;
mod doctor_e2e;
mod doctor_truth;
mod exit_codes;
mod export_completions_man;
mod export_hcl;
mod export_terraform;
mod fault_soak;
mod fleet;
mod fuzz_parsers;
mod hostile_input;
mod journal_damage;
mod layers;
mod lifecycle_conformance;
mod mariadb_upstream;
mod pipeline;
mod plan_diff;
mod reliability3;
mod replay;
mod secrets;
mod setup_e2e;
mod setup_lock;
mod several_plcs;
mod signals;
mod sim_http;
mod sim_jitter;
mod support_bundle;
mod tui_runtime;
mod waits_e2e;
mod wire_safety;
