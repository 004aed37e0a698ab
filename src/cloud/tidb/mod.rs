//! TiDB Cloud API client (digest auth) and its typed operations.

pub mod client;

pub use client::{TidbClient, TidbError};
pub mod ops;
