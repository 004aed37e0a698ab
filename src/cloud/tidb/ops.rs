//! Typed TiDB Cloud operations: clusters and private link connections
//! (reference `tidbcloud-api.md` §2–3).

use super::client::{TidbClient, TidbError};
use crate::cloud::http::pe;
use crate::wire::tidb as w;

type R<T> = Result<T, TidbError>;

/// Escapes a path segment or query value (RFC 3986 unreserved characters stay).
fn esc(s: &str) -> String {
    pe(s)
}

impl TidbClient {
    /// One cluster, `view=FULL`: tilink needs the plan and the region, and the spec does not
    /// say which fields `view=BASIC` keeps (one call instead of BASIC then FULL).
    pub async fn get_cluster(&self, id: &str) -> R<w::Cluster> {
        self.get(&format!("/v1beta1/clusters/{}?view=FULL", esc(id)))
            .await
    }

    /// Every cluster, optionally filtered (`region.provider=alicloud`), all pages.
    pub async fn list_clusters(&self, filter: Option<&str>) -> R<Vec<w::Cluster>> {
        let mut path = "/v1beta1/clusters?pageSize=100".to_string();
        if let Some(f) = filter {
            path.push_str(&format!("&filter={}", esc(f)));
        }
        self.all_pages(path, |p: w::ListClustersResponse| {
            (p.clusters, p.next_page_token)
        })
        .await
    }

    /// Every item of a paged list: `path` (with its query) and `&pageToken=…` until the
    /// next token is empty or repeats (at most 50 pages).
    async fn all_pages<P, T>(
        &self,
        path: String,
        split: impl Fn(P) -> (Vec<T>, String),
    ) -> R<Vec<T>>
    where
        P: serde::de::DeserializeOwned,
    {
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..50 {
            let page_path = if token.is_empty() {
                path.clone()
            } else {
                format!("{path}&pageToken={}", esc(&token))
            };
            let (items, next) = split(self.get(&page_path).await?);
            out.extend(items);
            if next.is_empty() || next == token {
                break;
            }
            token = next;
        }
        Ok(out)
    }

    /// The account id TiDB Cloud connects from and the zones it can use.
    pub async fn availability_zones(&self, cluster_id: &str) -> R<w::AvailabilityZones> {
        self.get(&format!(
            "/v1beta1/clusters/{}/privateLinkConnections:getAvailabilityZones",
            esc(cluster_id)
        ))
        .await
    }

    /// Creates an Alibaba Cloud endpoint service PLC.
    pub async fn create_plc(
        &self,
        cluster_id: &str,
        display_name: &str,
        service_name: &str,
    ) -> R<w::PrivateLinkConnection> {
        let body = serde_json::json!({
            "privateLinkConnection": {
                "clusterId": cluster_id,
                "displayName": display_name,
                "type": w::ALICLOUD_ENDPOINT_SERVICE,
                "alicloudEndpointService": {"name": service_name}
            }
        });
        let plc = self
            .post(
                &format!(
                    "/v1beta1/clusters/{}/privateLinkConnections",
                    esc(cluster_id)
                ),
                &body,
            )
            .await?;
        crate::cloud::crash_point("CreatePrivateLinkConnection");
        Ok(plc)
    }

    /// Every PLC of a cluster, all pages.
    pub async fn list_plcs(&self, cluster_id: &str) -> R<Vec<w::PrivateLinkConnection>> {
        self.all_pages(
            cluster_list(cluster_id, "privateLinkConnections"),
            |p: w::ListPrivateLinkConnectionsResponse| {
                (p.private_link_connections, p.next_page_token)
            },
        )
        .await
    }

    /// Every changefeed of the cluster (the serverless CDC API), all pages.
    pub async fn list_changefeeds(&self, cluster_id: &str) -> R<Vec<w::Changefeed>> {
        let path = cluster_list(cluster_id, "changefeeds");
        self.all_pages(path, |p: w::Changefeeds| (p.changefeeds, p.next_page_token))
            .await
    }

    /// Every Data Migration task of the cluster (`ListMigrations`, tidbcloud-cli's
    /// `dm.swagger.json`), all pages.
    pub async fn list_migrations(&self, cluster_id: &str) -> R<Vec<w::Migration>> {
        let path = cluster_list(cluster_id, "migrations");
        self.all_pages(path, |p: w::Migrations| (p.migrations, p.next_page_token))
            .await
    }

    /// One PLC.
    pub async fn get_plc(&self, cluster_id: &str, plc_id: &str) -> R<w::PrivateLinkConnection> {
        self.get(&plc_path(cluster_id, plc_id)).await
    }

    /// Deletes a PLC.
    pub async fn delete_plc(&self, cluster_id: &str, plc_id: &str) -> R<w::PrivateLinkConnection> {
        self.delete(&plc_path(cluster_id, plc_id)).await
    }
}

/// The first page's path of a cluster's list of `what` (100 a page).
fn cluster_list(cluster_id: &str, what: &str) -> String {
    format!("/v1beta1/clusters/{}/{what}?pageSize=100", esc(cluster_id))
}

/// One PLC's path.
fn plc_path(cluster_id: &str, plc_id: &str) -> String {
    format!(
        "/v1beta1/clusters/{}/privateLinkConnections/{}",
        esc(cluster_id),
        esc(plc_id)
    )
}
