//! tilink: connect a TiDB Cloud Essential cluster on Alibaba Cloud to an ApsaraDB RDS for
//! MySQL instance over a Private Link Connection, and diagnose an existing chain.
//!
//! Layers (dependencies point down only, enforced by `tests/it/layers.rs`): `app` (drivers:
//! clap, exit codes) → `tui` (front ends) → `report` → `signals` → `engine` (facade:
//! `engine::setup`, `engine::session`, `engine::Error`) → `cloud` → `wire`; `sim` is built on
//! `wire` and the client's endpoint table and never imports `engine`; `build_info` (version,
//! commit, build date) names nothing. docs/ARCHITECTURE.md.

// Error enums carry the API's code, message and request id; calls are network-bound, so
// the size of `Result` on the error path does not matter.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod build_info;
pub mod cli;
pub mod cloud;
pub mod credentials;
pub mod engine;
pub mod export;
pub mod policy;
pub mod report;
pub mod secret;
pub mod signals;
pub mod sim;
pub mod tui;
pub mod wire;
