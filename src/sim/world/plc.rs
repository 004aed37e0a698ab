//! The TiDB side of a Private Link Connection as the world advances it: validation against
//! the endpoint service (region, whitelist, zones), the connection request it opens, and the
//! state TiDB Cloud reports (tidbcloud-api.md §6.3).

use std::time::Duration;

use tokio::time::Instant;

use super::{Plc, World};
use crate::sim::clock::wall_rfc3339_millis;

impl World {
    /// Advances every PLC that is due: removal after delete, validation, then the
    /// connection request to its endpoint service.
    pub(super) fn tick_plcs(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.plcs.len() {
            if let Some(t) = self.plcs[i].deleting_at {
                if now >= t {
                    let p = self.plcs.remove(i);
                    if let Some(ep) = p.endpoint_id {
                        self.connections.retain(|c| c.endpoint_id != ep);
                    }
                    continue;
                }
                i += 1;
                continue;
            }
            if self.plcs[i].failed.is_some() || self.plcs[i].endpoint_id.is_some() {
                i += 1;
                continue;
            }
            if !self.plcs[i].validated && now >= self.plcs[i].validate_at {
                match self.plc_check(&self.plcs[i]) {
                    Err(m) => self.fail_plc(i, m),
                    Ok(_) => self.plcs[i].validated = true,
                }
            }
            if self.plcs[i].failed.is_none() && now >= self.plcs[i].connect_at {
                match self.plc_check(&self.plcs[i]) {
                    Err(m) => self.fail_plc(i, m),
                    Ok(None) => {
                        let d = self.delays.plc_validate.max(Duration::from_millis(100));
                        self.plcs[i].connect_at = now + d;
                    }
                    Ok(Some((sid, zones))) => self.connect_plc(i, &sid, zones, now),
                }
            }
            i += 1;
        }
    }

    fn fail_plc(&mut self, i: usize, message: String) {
        self.plcs[i].failed = Some(message);
        self.plcs[i].update_time = wall_rfc3339_millis();
    }

    /// Checks a PLC against the Alibaba side. `Ok(None)`: the service is not Active yet.
    /// `Ok(Some((service_id, [(zone, resource_id)])))`: ready to connect.
    /// Reference: tidbcloud-api.md §6.3 (same region, whitelist, AZ overlap).
    #[allow(clippy::type_complexity)]
    pub fn plc_check(&self, p: &Plc) -> Result<Option<(String, Vec<(String, String)>)>, String> {
        let cluster = self
            .cluster(&p.cluster_id)
            .ok_or_else(|| "cluster not found".to_string())?;
        let region = cluster
            .wire
            .region
            .region_id
            .trim_start_matches(&format!("{}-", cluster.wire.region.cloud_provider))
            .to_string();
        let region = &region;
        let Some(svc) = self
            .services
            .iter()
            .find(|s| s.name == p.service_name && s.life.deleting_at.is_none())
        else {
            return Err(format!(
                "endpoint service {} not found in region {region}",
                p.service_name
            ));
        };
        if &svc.region != region {
            return Err(format!(
                "endpoint service {} is in region {}, the cluster is in {region}; they must be in the same region",
                p.service_name, svc.region
            ));
        }
        let account: u64 = cluster.plc_account.parse().unwrap_or(0);
        if !svc.allows(account) {
            return Err(format!(
                "TiDB Cloud account {account} is not in the whitelist of endpoint service {}; add it and recreate the private link connection",
                svc.id
            ));
        }
        let zones: Vec<(String, String)> = svc
            .resources
            .iter()
            .filter(|r| cluster.plc_azs.contains(&r.zone))
            .map(|r| (r.zone.clone(), r.id.clone()))
            .collect();
        if zones.is_empty() {
            return Err(format!(
                "endpoint service {} has no resource in the cluster's availability zones ({})",
                svc.id,
                cluster.plc_azs.join(", ")
            ));
        }
        let now = self.clock.now();
        if svc.status(now) != "Active" {
            return Ok(None);
        }
        Ok(Some((svc.id.clone(), zones)))
    }

    fn connect_plc(&mut self, i: usize, sid: &str, zones: Vec<(String, String)>, now: Instant) {
        let owner: u64 = self
            .cluster(&self.plcs[i].cluster_id)
            .and_then(|c| c.plc_account.parse().ok())
            .unwrap_or(self.tidb_account_id);
        let auto = self
            .services
            .iter()
            .find(|s| s.id == sid)
            .is_some_and(|s| s.auto_accept);
        let conn = self.new_connection(sid, owner, &zones, now, auto);
        let p = &mut self.plcs[i];
        p.endpoint_id = Some(conn.endpoint_id.clone());
        p.az_ids = zones.iter().map(|(z, _)| z.clone()).collect();
        p.update_time = wall_rfc3339_millis();
        self.connections.push(conn);
    }

    /// The TiDB-facing state of a PLC at `now`, and its failure message.
    /// A disabled (rejected) connection sends the PLC back to `PENDING_ACCEPTANCE`.
    pub fn plc_state(&self, p: &Plc, now: Instant) -> (&'static str, String) {
        if p.deleting_at.is_some() {
            return ("DELETING", String::new());
        }
        if let Some(m) = &p.failed {
            return ("FAILED", m.clone());
        }
        let Some(ep) = &p.endpoint_id else {
            return ("CREATING", String::new());
        };
        match self.connections.iter().find(|c| &c.endpoint_id == ep) {
            None => (
                "FAILED",
                format!("endpoint {ep} no longer exists on the endpoint service"),
            ),
            Some(c) => match c.connected_since {
                // A connected connection being modified (`Pending`) keeps serving.
                Some(t)
                    if (c.status == "Connected" || c.status == "Pending")
                        && now >= t + p.delay_active =>
                {
                    ("ACTIVE", String::new())
                }
                _ => ("PENDING_ACCEPTANCE", String::new()),
            },
        }
    }
}
