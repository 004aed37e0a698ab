//! The plan: what setup will create, adopt or leave unchanged, with names, zones, vSwitches
//! and the allowlist change. Pure: built from discovery, the zone pick and the journal.

use super::apply::Step;
use crate::engine::discover::{Discovery, TAG_CLUSTER, TAG_RDS, TAG_SETUP};
use crate::engine::journal::{Journal, ResourceIds};
use crate::engine::zones::ZonePick;
use serde::{Deserialize, Serialize};

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Made new.
    Create,
    /// Found (by journal or tag) and reused.
    Adopt,
    /// Changed in place.
    Update,
    /// Already as planned: nothing to do.
    Keep,
}

impl Action {
    /// Word for display.
    pub fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Adopt => "adopt",
            Action::Update => "update",
            Action::Keep => "keep",
        }
    }
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    /// The apply step that does it.
    pub step: Step,
    /// create / adopt / update.
    pub action: Action,
    /// What (human).
    pub what: String,
    /// Details (names, zones, values).
    pub detail: String,
    /// Existing id when adopted.
    pub id: Option<String>,
}

/// Everything apply needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Setup id (tag value and ClientToken prefix).
    pub setup_id: String,
    /// Alibaba Cloud region id every resource is made in (the journal's).
    pub region: String,
    /// TiDB cluster.
    pub cluster_id: String,
    /// RDS instance.
    pub rds_id: String,
    /// RDS VPC.
    pub vpc_id: String,
    /// NLB zones.
    pub zones: Vec<ZonePick>,
    /// Backend (RDS private IP).
    pub backend_ip: String,
    /// Backend port (also the listener port).
    pub backend_port: u16,
    /// TiDB Cloud account to whitelist and to accept.
    pub tidb_account_id: String,
    /// Server group name.
    pub server_group_name: String,
    /// NLB name.
    pub load_balancer_name: String,
    /// Endpoint service description.
    pub service_description: String,
    /// Dedicated RDS allowlist group.
    pub allowlist_group: String,
    /// CIDRs written to it.
    pub allowlist_cidrs: Vec<String>,
    /// PLC display name.
    pub plc_name: String,
    /// `--accept-endpoint`: the endpoint to accept when the PLC never reports its endpoint id.
    pub accept_endpoint: Option<String>,
    /// Activate PrivateLink first.
    pub open_privatelink: bool,
    /// Tags on every resource.
    pub tags: Vec<(String, String)>,
    /// When the setup began (the journal's `created_at`, RFC 3339): the server group carries
    /// it as [`crate::engine::discover::TAG_CLAIMED`] so that concurrent setups from other machines can tell which
    /// one started first (see `apply::claim`).
    #[serde(default)]
    pub claimed_at: String,
    /// The lines to show.
    pub items: Vec<PlanItem>,
}

impl Plan {
    /// Whether the plan keeps `step` as it is (already as planned): its step sends no write
    /// (issue 27 #8: a "No changes" rerun wrote the allowlist and the whitelist again).
    pub fn keeps(&self, step: Step) -> bool {
        self.items
            .iter()
            .any(|i| i.step == step && i.action == Action::Keep)
    }
}

/// Rough list price of an internal NLB, for the confirm screen.
pub const COST_NOTE: &str = "Internal NLB ≈ US$0.02/hour instance fee + LCU usage (list price, international site; verify on the buy page). \
PrivateLink: the endpoint side (TiDB Cloud) pays by default. No internet traffic fees.";

/// The dedicated allowlist group name for a setup (lowercase letters, digits, underscores).
pub fn allowlist_group_name(setup_id: &str) -> String {
    let hex: String = setup_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("tilink_{}", hex.trim_start_matches("tl"))
        .chars()
        .take(32)
        .collect()
}

/// Builds the plan. `existing` are the ids found by journal or tag; they are adopted.
pub fn make_plan(
    d: &Discovery,
    zones: &[ZonePick],
    journal: &Journal,
    plc_name: Option<&str>,
) -> Plan {
    let sid = journal.setup_id.clone();
    let ids = merged_ids(d, journal);
    let short = sid.trim_start_matches("tl-");
    let tags = vec![
        (TAG_SETUP.to_string(), sid.clone()),
        (TAG_CLUSTER.to_string(), d.cluster.id.clone()),
        (TAG_RDS.to_string(), d.rds.id.clone()),
    ];
    let zone_list = zones
        .iter()
        .map(|z| format!("{} ({})", z.zone, z.vswitch_id))
        .collect::<Vec<_>>()
        .join(", ");
    let cidrs: Vec<String> = zones.iter().map(|z| z.cidr.clone()).collect();
    let plc_name = plc_name.map(str::to_string).unwrap_or_else(|| {
        format!("rds-{}", d.rds.id.trim_start_matches("rm-"))
            .chars()
            .take(64)
            .collect()
    });
    let group = ids
        .allowlist_group
        .clone()
        .unwrap_or_else(|| allowlist_group_name(&sid));
    let act = |id: &Option<String>| {
        if id.is_some() {
            Action::Adopt
        } else {
            Action::Create
        }
    };
    // A PLC is adopted only while TiDB Cloud lists it alive: one deleted in the console
    // (DELETING, or gone) or FAILED is replaced, whatever the journal says (issue 26 #5).
    let plc_existing = ids
        .private_link_connection_id
        .clone()
        .filter(|id| d.plcs.iter().any(|p| &p.id == id && live_plc(&p.state)))
        .or_else(|| {
            let name = ids.endpoint_service_name.as_deref()?;
            d.plcs
                .iter()
                .find(|p| p.service_name == name && live_plc(&p.state))
                .map(|p| p.id.clone())
        });
    // What already is as planned (a rerun on a healthy chain changes nothing).
    let whitelisted = ids.endpoint_service_id.is_some()
        && d.existing.endpoint_service.as_ref().map(|s| &s.0) == ids.endpoint_service_id.as_ref()
        && d.existing
            .service_users
            .as_ref()
            .is_some_and(|u| u.contains(&d.tidb_zones.account_id));
    let allowlisted = d.rds.allowlist.iter().any(|g| {
        let mut have: Vec<&String> = g.ips.iter().collect();
        let mut want: Vec<&String> = cidrs.iter().collect();
        have.sort();
        want.sort();
        g.name == group && have == want
    });
    let plc_active = plc_existing
        .as_ref()
        .is_some_and(|id| d.plcs.iter().any(|p| &p.id == id && p.state == "ACTIVE"));
    let items = vec![
        PlanItem {
            step: Step::ServerGroup,
            action: act(&ids.server_group_id),
            what: "NLB server group".into(),
            detail: format!(
                "tilink-{short}, type Ip, TCP, TCP health check, backend {}:{} in {}",
                d.rds.private_ip, d.rds.port, d.rds.vpc_id
            ),
            id: ids.server_group_id.clone(),
        },
        PlanItem {
            step: Step::LoadBalancer,
            action: act(&ids.load_balancer_id),
            what: "Internal NLB (IPv4)".into(),
            detail: format!("tilink-{short} in {zone_list}"),
            id: ids.load_balancer_id.clone(),
        },
        PlanItem {
            step: Step::Listener,
            action: act(&ids.listener_id),
            what: "TCP listener".into(),
            detail: format!(
                "port {} → server group, idle timeout 900 s, proxy protocol off",
                d.rds.port
            ),
            id: ids.listener_id.clone(),
        },
        PlanItem {
            step: Step::EndpointService,
            action: act(&ids.endpoint_service_id),
            what: "Endpoint service".into(),
            detail: format!(
                "{}resource type nlb, one resource per zone ({}), auto-accept off",
                if d.privatelink_open {
                    ""
                } else {
                    "activate PrivateLink, "
                },
                zones
                    .iter()
                    .map(|z| z.zone.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            id: ids.endpoint_service_id.clone(),
        },
        PlanItem {
            step: Step::Whitelist,
            action: if whitelisted {
                Action::Keep
            } else {
                Action::Update
            },
            what: "Service whitelist".into(),
            detail: if whitelisted {
                format!("TiDB Cloud account {} is on it", d.tidb_zones.account_id)
            } else {
                format!("add TiDB Cloud account {}", d.tidb_zones.account_id)
            },
            id: None,
        },
        PlanItem {
            step: Step::Allowlist,
            action: if allowlisted {
                Action::Keep
            } else if ids.allowlist_group.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            what: "RDS allowlist group".into(),
            detail: format!(
                "{group} = {} (NLB vSwitch CIDRs; other groups untouched)",
                cidrs.join(",")
            ),
            id: ids.allowlist_group.clone(),
        },
        PlanItem {
            step: Step::Connection,
            action: act(&plc_existing),
            what: "TiDB private link connection".into(),
            detail: format!(
                "\"{plc_name}\" on cluster {} (ALICLOUD_ENDPOINT_SERVICE)",
                d.cluster.id
            ),
            id: plc_existing.clone(),
        },
        PlanItem {
            step: Step::Accept,
            action: if plc_active {
                Action::Keep
            } else {
                Action::Update
            },
            what: "Accept the connection request".into(),
            detail: format!(
                "only from account {} with the PLC's endpoint id",
                d.tidb_zones.account_id
            ),
            id: None,
        },
    ];
    Plan {
        setup_id: sid.clone(),
        region: journal.region.clone(),
        cluster_id: d.cluster.id.clone(),
        rds_id: d.rds.id.clone(),
        vpc_id: d.rds.vpc_id.clone(),
        zones: zones.to_vec(),
        backend_ip: d.rds.private_ip.clone(),
        backend_port: d.rds.port,
        tidb_account_id: d.tidb_zones.account_id.clone(),
        server_group_name: format!("tilink-{short}"),
        load_balancer_name: format!("tilink-{short}"),
        service_description: format!(
            "tilink {sid}: TiDB Cloud cluster {} to RDS {}",
            d.cluster.id, d.rds.id
        ),
        allowlist_group: group,
        allowlist_cidrs: cidrs,
        plc_name,
        accept_endpoint: None,
        open_privatelink: !d.privatelink_open,
        tags,
        claimed_at: journal.created_at.clone(),
        items,
    }
}

/// Journal ids, completed with what discovery found by tag.
pub fn merged_ids(d: &Discovery, journal: &Journal) -> ResourceIds {
    let mut ids = journal.resources.clone();
    if ids.server_group_id.is_none() {
        ids.server_group_id = d.existing.server_group_id.clone();
    }
    if ids.load_balancer_id.is_none() {
        ids.load_balancer_id = d.existing.load_balancer_id.clone();
    }
    if ids.listener_id.is_none() && ids.load_balancer_id == d.existing.load_balancer_id {
        ids.listener_id = d.existing.listener_id.clone();
    }
    if ids.endpoint_service_id.is_none()
        && let Some((id, name)) = &d.existing.endpoint_service
    {
        ids.endpoint_service_id = Some(id.clone());
        ids.endpoint_service_name = Some(name.clone());
    }
    if ids.private_link_connection_id.is_none()
        && let Some(name) = &ids.endpoint_service_name
        && let Some(p) = d
            .plcs
            .iter()
            .find(|p| &p.service_name == name && live_plc(&p.state))
    {
        ids.private_link_connection_id = Some(p.id.clone());
    }
    ids
}

/// Whether a PLC in `state` can be adopted: not FAILED (never repairable) and not DELETING.
fn live_plc(state: &str) -> bool {
    state != "FAILED" && state != "DELETING"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_are_valid() {
        let n = allowlist_group_name("tl-0123456789ab");
        assert_eq!(n, "tilink_0123456789ab");
        assert!(
            n.len() <= 32
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
    }
}
