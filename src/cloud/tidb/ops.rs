//! Typed TiDB Cloud operations: clusters and private link connections
//! (reference `tidbcloud-api.md` §2–3).

use super::client::{TidbClient, TidbError};
use crate::cloud::aliyun::sign::pe;
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
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..50 {
            let mut path = "/v1beta1/clusters?pageSize=100".to_string();
            if let Some(f) = filter {
                path.push_str(&format!("&filter={}", esc(f)));
            }
            if !token.is_empty() {
                path.push_str(&format!("&pageToken={}", esc(&token)));
            }
            let page: w::ListClustersResponse = self.get(&path).await?;
            out.extend(page.clusters);
            if page.next_page_token.is_empty() || page.next_page_token == token {
                break;
            }
            token = page.next_page_token;
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
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..50 {
            let mut path = format!(
                "/v1beta1/clusters/{}/privateLinkConnections?pageSize=100",
                esc(cluster_id)
            );
            if !token.is_empty() {
                path.push_str(&format!("&pageToken={}", esc(&token)));
            }
            let page: w::ListPrivateLinkConnectionsResponse = self.get(&path).await?;
            out.extend(page.private_link_connections);
            if page.next_page_token.is_empty() || page.next_page_token == token {
                break;
            }
            token = page.next_page_token;
        }
        Ok(out)
    }

    /// Every changefeed of the cluster (the serverless CDC API), all pages.
    pub async fn list_changefeeds(&self, cluster_id: &str) -> R<Vec<w::Changefeed>> {
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..50 {
            let mut path = format!(
                "/v1beta1/clusters/{}/changefeeds?pageSize=100",
                esc(cluster_id)
            );
            if !token.is_empty() {
                path.push_str(&format!("&pageToken={}", esc(&token)));
            }
            let page: w::Changefeeds = self.get(&path).await?;
            out.extend(page.changefeeds);
            if page.next_page_token.is_empty() || page.next_page_token == token {
                break;
            }
            token = page.next_page_token;
        }
        Ok(out)
    }

    /// One PLC.
    pub async fn get_plc(&self, cluster_id: &str, plc_id: &str) -> R<w::PrivateLinkConnection> {
        self.get(&format!(
            "/v1beta1/clusters/{}/privateLinkConnections/{}",
            esc(cluster_id),
            esc(plc_id)
        ))
        .await
    }

    /// Deletes a PLC.
    pub async fn delete_plc(&self, cluster_id: &str, plc_id: &str) -> R<w::PrivateLinkConnection> {
        self.delete(&format!(
            "/v1beta1/clusters/{}/privateLinkConnections/{}",
            esc(cluster_id),
            esc(plc_id)
        ))
        .await
    }
}
