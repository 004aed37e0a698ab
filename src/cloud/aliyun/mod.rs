//! Alibaba Cloud RPC client: signing, retries, typed operations.

pub mod actions;
pub mod client;
pub mod endpoints;
pub mod error;
pub mod ops;
pub mod params;
pub mod sign;
pub mod sts_assume;

pub use actions::{Access, Action};
pub use client::{AccessKey, AliyunClient, AliyunConfig, SignatureVersion};
pub use endpoints::Product;
pub use error::AliyunError;
pub use params::Params;
