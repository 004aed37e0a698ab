//! Thin clients for the two clouds.

pub mod aliyun;
pub mod retry;
pub mod stats;
pub mod tidb;
