//! serde models of requests and responses, shared by the clients and the simulator, and the
//! MySQL protocol codec ([`mysql`]) with the probe's client.
//!
//! Deserialization is tolerant: every field has a default, states stay `String`s so unknown
//! enum values never fail, and numbers that the APIs send sometimes as strings go through
//! [`num`].

pub mod aliyun;
pub mod apimeta;
pub mod mysql;
pub mod num;
pub mod printable;
pub mod region;
pub mod states;
pub mod tidb;

/// Removes `null` object members, recursively, so a `null` reads like a missing field (serde
/// `default` covers only the latter; clouds send both).
pub fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}
