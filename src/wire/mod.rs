//! serde models of requests and responses, shared by the clients and the simulator.
//!
//! Deserialization is tolerant: every field has a default, states stay `String`s so unknown
//! enum values never fail, and numbers that the APIs send sometimes as strings go through
//! [`num`].

pub mod aliyun;
pub mod num;
pub mod tidb;
