//! Lenient (de)serializers for numbers and booleans that clouds send in more than one shape.
//!
//! Use with `#[serde(with = "crate::wire::num::int")]` (JSON number on the wire) or
//! `#[serde(with = "crate::wire::num::string")]` (JSON string on the wire). Both accept a
//! number, a numeric string, an empty string or `null` when reading.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};

struct Lenient<T>(PhantomData<T>);

impl<T> Lenient<T>
where
    T: FromStr + Default,
{
    fn parse<E: de::Error>(s: &str) -> Result<T, E> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(T::default());
        }
        T::from_str(s).map_err(|_| E::custom(format!("invalid numeric value `{s}`")))
    }
}

impl<'de, T> Visitor<'de> for Lenient<T>
where
    T: FromStr + Default,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a numeric string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Self::parse(&v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Self::parse(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Self::parse(&format!("{}", v as i64))
        } else {
            Self::parse(&v.to_string())
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Self::parse(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

/// Reads a number or numeric string; writes a JSON number (`T` must serialize as one).
pub mod int {
    use super::*;
    use serde::{Serialize, Serializer};

    /// Serializes the value as itself (a number for integer types).
    pub fn serialize<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    /// Accepts a number, a numeric string, `""` or `null`.
    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr + Default,
        D: Deserializer<'de>,
    {
        d.deserialize_any(Lenient::<T>(PhantomData))
    }
}

/// Reads a number or numeric string; writes a JSON string (`"3306"`).
pub mod string {
    use super::*;
    use serde::Serializer;

    /// Serializes the value with `Display`, as a JSON string.
    pub fn serialize<T: fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    /// Reads as `int` does: a number, a numeric string, `""` or `null`.
    pub use super::int::deserialize;
}

/// Reads `true`/`false` as a bool or a case-insensitive string; writes a JSON bool.
pub mod boolean {
    use super::*;
    use serde::Serializer;

    struct B;
    impl<'de> Visitor<'de> for B {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" | "" => Ok(false),
                other => Err(E::custom(format!("invalid boolean `{other}`"))),
            }
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// Serializes as a JSON bool.
    pub fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*v)
    }

    /// Accepts a bool, `"True"`/`"false"` in any case, 0/1 or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        d.deserialize_any(B)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Default, Debug)]
    #[serde(default)]
    struct T {
        #[serde(with = "super::int")]
        a: u64,
        #[serde(with = "super::string")]
        b: u16,
        #[serde(with = "super::int")]
        c: String,
        #[serde(with = "super::boolean")]
        d: bool,
    }

    #[test]
    fn lenient_numbers() {
        let t: T =
            serde_json::from_str(r#"{"a":"12","b":3306,"c":1234567890123456,"d":"True"}"#).unwrap();
        assert_eq!(
            (t.a, t.b, t.c.as_str(), t.d),
            (12, 3306, "1234567890123456", true)
        );
        let t: T = serde_json::from_str(r#"{"a":null,"b":"","d":false}"#).unwrap();
        assert_eq!((t.a, t.b), (0, 0));
        let out = serde_json::to_value(T {
            a: 5,
            b: 3306,
            c: "7".into(),
            d: true,
        })
        .unwrap();
        assert_eq!(out["a"], 5);
        assert_eq!(out["b"], "3306");
        assert!(serde_json::from_str::<T>(r#"{"a":"x"}"#).is_err());
    }
}
