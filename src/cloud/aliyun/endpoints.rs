//! Products, API versions and per-region endpoints (reference `alibaba-api.md` §1).

use std::fmt;

/// An Alibaba Cloud product tilink talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// Security Token Service.
    Sts,
    /// Virtual Private Cloud.
    Vpc,
    /// ApsaraDB RDS.
    Rds,
    /// Network Load Balancer.
    Nlb,
    /// PrivateLink (endpoint services and their connections).
    PrivateLink,
}

/// RDS regions served by the central `rds.aliyuncs.com` endpoint.
const RDS_CENTRAL: &[&str] = &[
    "cn-qingdao",
    "cn-beijing",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-hongkong",
    "ap-southeast-1",
    "us-west-1",
    "us-east-1",
];

impl Product {
    /// Every product.
    pub const ALL: [Product; 5] = [
        Product::Sts,
        Product::Vpc,
        Product::Rds,
        Product::Nlb,
        Product::PrivateLink,
    ];

    /// The product an API version belongs to (all five differ; the simulator routes on it).
    pub fn from_version(v: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.version() == v)
    }

    /// The API version string sent as `Version` / `x-acs-version`.
    pub fn version(self) -> &'static str {
        match self {
            Product::Sts => "2015-04-01",
            Product::Vpc => "2016-04-28",
            Product::Rds => "2014-08-15",
            Product::Nlb => "2022-04-30",
            Product::PrivateLink => "2020-04-15",
        }
    }

    /// The RAM code used in policies (`nlb:CreateLoadBalancer`).
    pub fn ram_code(self) -> &'static str {
        match self {
            Product::Sts => "sts",
            Product::Vpc => "vpc",
            Product::Rds => "rds",
            Product::Nlb => "nlb",
            Product::PrivateLink => "privatelink",
        }
    }

    /// The public HTTPS host for this product in `region`.
    pub fn host(self, region: &str) -> String {
        // Never a host from an unchecked region: the client refuses one at construction.
        let region = if is_region_id(region) {
            region
        } else {
            "invalid-region"
        };
        match self {
            Product::Sts => "sts.aliyuncs.com".to_string(),
            Product::Vpc if region == "cn-hangzhou" => "vpc.aliyuncs.com".to_string(),
            Product::Vpc => format!("vpc.{region}.aliyuncs.com"),
            Product::Rds if RDS_CENTRAL.contains(&region) => "rds.aliyuncs.com".to_string(),
            Product::Rds => format!("rds.{region}.aliyuncs.com"),
            Product::Nlb => format!("nlb.{region}.aliyuncs.com"),
            Product::PrivateLink => format!("privatelink.{region}.aliyuncs.com"),
        }
    }

    /// The base URL for this product: the override (one URL for every product) or the
    /// regional HTTPS endpoint.
    pub fn base_url(self, region: &str, override_url: Option<&str>) -> String {
        match override_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("https://{}", self.host(region)),
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Product::Sts => "STS",
            Product::Vpc => "VPC",
            Product::Rds => "RDS",
            Product::Nlb => "NLB",
            Product::PrivateLink => "PrivateLink",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_table() {
        let cases = [
            (
                Product::Nlb,
                "ap-southeast-1",
                "nlb.ap-southeast-1.aliyuncs.com",
            ),
            (
                Product::PrivateLink,
                "cn-hangzhou",
                "privatelink.cn-hangzhou.aliyuncs.com",
            ),
            (Product::Rds, "ap-southeast-1", "rds.aliyuncs.com"),
            (
                Product::Rds,
                "eu-central-1",
                "rds.eu-central-1.aliyuncs.com",
            ),
            (Product::Vpc, "cn-hangzhou", "vpc.aliyuncs.com"),
            (
                Product::Vpc,
                "ap-southeast-1",
                "vpc.ap-southeast-1.aliyuncs.com",
            ),
            (Product::Sts, "ap-southeast-1", "sts.aliyuncs.com"),
        ];
        for (p, r, h) in cases {
            assert_eq!(p.host(r), h, "{p} in {r}");
        }
        assert_eq!(
            Product::Nlb.base_url("x", Some("http://127.0.0.1:9/")),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn versions_are_distinct() {
        let all = [
            Product::Sts,
            Product::Vpc,
            Product::Rds,
            Product::Nlb,
            Product::PrivateLink,
        ];
        let mut v: Vec<_> = all.iter().map(|p| p.version()).collect();
        v.sort();
        v.dedup();
        assert_eq!(v.len(), 5);
    }
}

pub use crate::wire::region::is_region_id;

#[cfg(test)]
mod region_tests {
    use super::*;

    #[test]
    fn only_region_shaped_ids_reach_a_host() {
        for ok in [
            "ap-southeast-1",
            "cn-hangzhou",
            "cn-shanghai-finance-1",
            "us-west-1",
            "me-east-1",
        ] {
            assert!(is_region_id(ok), "{ok}");
        }
        for bad in [
            "x@127.0.0.1:18010/#",
            "ap-southeast-1.evil.com",
            "AP-southeast-1",
            "ap",
            "",
            "ap-southeast-1/",
            "ap--1",
            "a-b-c-d-e",
        ] {
            assert!(!is_region_id(bad), "{bad}");
            assert!(
                !Product::Nlb.host(bad).contains(bad) || bad.is_empty(),
                "{bad}"
            );
        }
    }
}
