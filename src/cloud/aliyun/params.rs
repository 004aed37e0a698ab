//! Request parameters with Alibaba's flattening rules (`Name.N.Field`, `Obj.Field`).

/// An ordered list of RPC parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Params::default()
    }

    /// Sets `name=value`, replacing an earlier value of the same name.
    pub fn set(mut self, name: &str, value: impl ToString) -> Self {
        self.put(name, value.to_string());
        self
    }

    /// Sets `name=value` when `value` is `Some`.
    pub fn opt(self, name: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.set(name, v),
            None => self,
        }
    }

    /// A list of scalars: `Name.1=a&Name.2=b` (counted from 1).
    pub fn list<I, S>(mut self, name: &str, items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        for (i, v) in items.into_iter().enumerate() {
            self.put(&format!("{name}.{}", i + 1), v.to_string());
        }
        self
    }

    /// A list of objects: `Name.N.Field=value`.
    pub fn list_of<I>(mut self, name: &str, items: I) -> Self
    where
        I: IntoIterator<Item = Vec<(&'static str, String)>>,
    {
        for (i, fields) in items.into_iter().enumerate() {
            for (field, v) in fields {
                self.put(&format!("{name}.{}.{field}", i + 1), v);
            }
        }
        self
    }

    /// An object: `Obj.Field=value`.
    pub fn object(mut self, name: &str, fields: Vec<(&'static str, String)>) -> Self {
        for (field, v) in fields {
            self.put(&format!("{name}.{field}"), v);
        }
        self
    }

    /// Tags as `Tag.N.Key` / `Tag.N.Value`.
    pub fn tags(self, tags: &[(String, String)]) -> Self {
        self.list_of(
            "Tag",
            tags.iter()
                .map(|(k, v)| vec![("Key", k.clone()), ("Value", v.clone())]),
        )
    }

    /// What every create action sends last: the tags, the idempotency token and, when
    /// validating only, `DryRun=true`.
    pub fn creating(self, tags: &[(String, String)], client_token: &str, dry_run: bool) -> Self {
        self.tags(tags)
            .set("ClientToken", client_token)
            .opt("DryRun", dry_run.then_some("true"))
    }

    /// The value of a parameter, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The pairs in insertion order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    fn put(&mut self, name: &str, value: String) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_string(), value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattening() {
        let p = Params::new()
            .set("RegionId", "ap-southeast-1")
            .list("LoadBalancerIds", ["nlb-a", "nlb-b"])
            .list_of(
                "ZoneMappings",
                vec![
                    vec![
                        ("ZoneId", "z1".to_string()),
                        ("VSwitchId", "vsw-1".to_string()),
                    ],
                    vec![
                        ("ZoneId", "z2".to_string()),
                        ("VSwitchId", "vsw-2".to_string()),
                    ],
                ],
            )
            .object(
                "HealthCheckConfig",
                vec![("HealthCheckEnabled", "true".into())],
            )
            .tags(&[("tilink:setup-id".into(), "s1".into())])
            .opt("DryRun", None::<bool>)
            .opt("ClientToken", Some("tok"));
        let keys: Vec<&str> = p.pairs().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "RegionId",
                "LoadBalancerIds.1",
                "LoadBalancerIds.2",
                "ZoneMappings.1.ZoneId",
                "ZoneMappings.1.VSwitchId",
                "ZoneMappings.2.ZoneId",
                "ZoneMappings.2.VSwitchId",
                "HealthCheckConfig.HealthCheckEnabled",
                "Tag.1.Key",
                "Tag.1.Value",
                "ClientToken"
            ]
        );
        assert_eq!(p.get("ZoneMappings.2.VSwitchId"), Some("vsw-2"));
        assert_eq!(p.clone().set("RegionId", "x").get("RegionId"), Some("x"));
    }
}
