//! The official Alibaba Cloud API metadata tilink is held to: every parameter (placement,
//! type, required flag, enums, ranges, item counts, and the limits the docs state only in
//! prose), every response field and every error code of the 49 actions tilink calls.
//!
//! The data is `assets/alibaba-api-meta.json`, derived from the shared official metadata by
//! `scripts/refresh-api-meta` (source and commit inside the file, see `docs/API-METADATA.md`)
//! and compiled into the binary: nothing reads the shared folder at run time. The simulator
//! rejects what this metadata rejects; the V3 signer places each parameter where its `in` says.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::Value;

const ASSET: &str = include_str!("../../assets/alibaba-api-meta.json");

/// The whole catalog: products keyed by the metadata's product name (`Nlb`, `Privatelink`, …).
#[derive(Debug, Deserialize)]
pub struct Catalog {
    /// Where the metadata comes from (repository and commit).
    pub source: String,
    /// Products by name.
    pub products: BTreeMap<String, ProductMeta>,
}

/// One product at one API version.
#[derive(Debug, Deserialize)]
pub struct ProductMeta {
    /// The API version (`2022-04-30`).
    pub version: String,
    /// Actions by name.
    pub actions: BTreeMap<String, ActionMeta>,
}

/// One action.
#[derive(Debug, Deserialize)]
pub struct ActionMeta {
    /// The HTTP method the SDK sends.
    pub method: String,
    /// Declared parameters.
    pub parameters: Vec<ParamMeta>,
    /// Response fields: a type string (`string`, `integer`, `integer(int64)`, `boolean`,
    /// `number`) or `{type: object, fields}` / `{type: array, items}`.
    pub response: serde_json::Map<String, Value>,
    /// Documented error codes with their HTTP status.
    pub errors: Vec<ErrorMeta>,
}

/// A documented error.
#[derive(Debug, Deserialize)]
pub struct ErrorMeta {
    /// The code (`%s` stands for server-filled text).
    pub code: String,
    /// The HTTP status.
    pub http: u16,
}

/// Allowed characters of a string, from a "can contain …" sentence.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(default)]
pub struct Charset {
    /// ASCII letters.
    pub letters: bool,
    /// ASCII digits.
    pub digits: bool,
    /// Chinese characters (non-ASCII alphabetic).
    pub chinese: bool,
    /// Every other allowed character.
    pub specials: String,
}

impl Charset {
    /// True when `c` is allowed.
    pub fn allows(&self, c: char) -> bool {
        (self.letters && c.is_ascii_alphabetic())
            || (self.digits && c.is_ascii_digit())
            || (self.chinese && !c.is_ascii() && c.is_alphabetic())
            || self.specials.contains(c)
    }
}

/// A range that applies when a sibling parameter has one of some values.
#[derive(Debug, Deserialize, Clone)]
pub struct RangeWhen {
    /// The sibling parameter.
    pub param: String,
    /// Its values that trigger the range.
    pub values: Vec<String>,
    /// Inclusive bounds.
    pub minimum: f64,
    /// Inclusive bounds.
    pub maximum: f64,
}

/// A parameter, an array item or an object property.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ParamMeta {
    /// Name (empty for array items).
    pub name: String,
    /// `query` or `formData`.
    #[serde(rename = "in")]
    pub placement: String,
    /// `repeatList`, `flat` or `json`.
    pub style: String,
    /// `string`, `integer`, `boolean`, `number`, `array`, `object`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The call must carry it (the simulator refuses one without it).
    pub required: bool,
    /// Machine enum.
    #[serde(rename = "enum")]
    pub enumeration: Option<Vec<Value>>,
    /// Values listed by the doc where there is no enum.
    pub values: Option<Vec<String>>,
    /// Inclusive numeric bounds.
    pub minimum: Option<f64>,
    /// Inclusive numeric bounds.
    pub maximum: Option<f64>,
    /// Item counts.
    pub min_items: Option<usize>,
    /// Item counts.
    pub max_items: Option<usize>,
    /// Length in characters.
    pub min_length: Option<usize>,
    /// Length in characters.
    pub max_length: Option<usize>,
    /// Allowed characters.
    pub charset: Option<Charset>,
    /// Must start with a letter.
    pub letter_first: bool,
    /// Forbidden prefixes (`aliyun`, `acs:`).
    pub reserved_prefixes: Vec<String>,
    /// Forbidden substrings (`http://`).
    pub forbid_contains: Vec<String>,
    /// ASCII only.
    pub ascii: bool,
    /// No spaces (RDS `SecurityIps`).
    pub no_spaces: bool,
    /// Ranges that depend on a sibling.
    pub ranges_when: Vec<RangeWhen>,
    /// Array items.
    pub items: Option<Box<ParamMeta>>,
    /// Object properties.
    pub properties: BTreeMap<String, ParamMeta>,
    /// In the SDK, not in the metadata.
    pub sdk_only: bool,
    /// Prose sentences the derived limits come from.
    pub from: Vec<String>,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The URL query string.
    Query,
    /// The form-encoded body.
    Body,
}

static CATALOG: LazyLock<Result<Catalog, String>> =
    LazyLock::new(|| serde_json::from_str(ASSET).map_err(|e| e.to_string()));

/// The compiled-in catalog, or why it could not be read (a build defect the tests catch).
pub fn catalog() -> Result<&'static Catalog, &'static str> {
    CATALOG.as_ref().map_err(String::as_str)
}

/// The product name and action metadata for an API version and action.
pub fn action(version: &str, action: &str) -> Option<(&'static str, &'static ActionMeta)> {
    let c = catalog().ok()?;
    c.products
        .iter()
        .find(|(_, p)| p.version == version)
        .and_then(|(name, p)| p.actions.get(action).map(|a| (name.as_str(), a)))
}

impl ActionMeta {
    /// The top-level parameter a flat name (`Tag.1.Key`) belongs to.
    pub fn param(&self, flat_name: &str) -> Option<&ParamMeta> {
        let top = flat_name.split('.').next().unwrap_or(flat_name);
        self.parameters.iter().find(|p| p.name == top)
    }

    /// Where the SDK puts a parameter: its declared `in` (unknown names go in the body).
    pub fn placement(&self, flat_name: &str) -> Placement {
        match self.param(flat_name) {
            Some(p) if p.placement == "query" => Placement::Query,
            _ => Placement::Body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_holds_the_49_actions() {
        let c = catalog().expect("the asset parses");
        let n: usize = c.products.values().map(|p| p.actions.len()).sum();
        assert_eq!(n, 49);
        assert!(
            c.source
                .contains("4ca7815423d8b5dcdb507f531217ec90f9848373")
        );
        let (product, create) = action("2022-04-30", "CreateListener").expect("declared");
        assert_eq!(product, "Nlb");
        let d = create.param("ListenerDescription").expect("declared");
        assert_eq!((d.min_length, d.max_length), (Some(2), Some(256)));
        assert!(!d.charset.as_ref().expect("derived").allows(' '));
        let (_, res) = action("2020-04-15", "ListVpcEndpointServiceResources").expect("declared");
        assert_eq!(res.param("MaxResults").and_then(|p| p.maximum), Some(50.0));
        assert_eq!(res.placement("RegionId"), Placement::Query);
        assert!(action("2022-04-30", "NoSuchAction").is_none());
    }
}
