//! One chain per cluster and RDS instance, even across machines.
//!
//! The per-cluster lock (`engine::lock`) serialises setups that share a state directory. Two
//! runs from different machines or HOMEs share nothing but the cloud, so the cloud settles
//! it: a fresh setup creates its server group first (free, seconds), tagged with when the
//! setup began ([`TAG_CLAIMED`]), and before anything billed or visible exists it lists the
//! server groups and load balancers tagged for the same cluster and instance.
//!
//! Every run writes (creates its group) before it reads (lists), so of two concurrent runs
//! at least one sees the other. The rules keep them in agreement whoever saw whom:
//!
//! - Another setup's load balancer for this pair: a chain already exists or is being built;
//!   this run yields to it.
//! - A rival claimed earlier (concurrent: within [`WINDOW`]; setup id breaks ties): this run
//!   yields. The rival either saw this run and wins by the same rule, or did not see it and
//!   proceeds.
//! - Only rivals claimed later: each of them either saw this run (and yields, deleting its
//!   group) or did not (and proceeds, creating a load balancer soon after). This run waits
//!   to see which: all gone, it proceeds; a load balancer appears, or neither within
//!   [`SETTLE`], it yields. Never two chains; in the worst case none, and a rerun builds one.
//! - Older server groups with no load balancer are leftovers of abandoned runs and are
//!   ignored (`tilink teardown --setup <id>` removes them).
//!
//! A run that yields deletes the server group it just made, journals itself as torn down and
//! stops with a message naming the winner. The check runs once this run's own group is
//! Available *and* the tag-filtered list shows it (lists are eventually consistent: a list
//! that shows this run's group also shows a rival's made earlier; a rival made later sees
//! this one). A claim carries the time the run claims, a rerun's too (a journal's age never
//! decides), and lapses after [`WINDOW`] without a load balancer (a dead claimant).

use crate::engine::discover::{TAG_CLAIMED, TAG_CLUSTER, TAG_RDS, TAG_SETUP};
use crate::wire::aliyun::Tag;
use std::time::{Duration, SystemTime};

/// Claims further apart than this are not concurrent: the older server group was left by an
/// abandoned run. A live run creates its load balancer right after its claim settles (at
/// most [`SETTLE`] plus the create's own retries), so a claim this old with no load balancer
/// is a run that died: it blocks other machines for these few minutes, not longer (it was
/// 30 min; issue 25 #5). Every run claims with the time it claims, a rerun too, so a live
/// run's claim is always fresh. Assumes the machines' clocks agree within a minute (NTP).
pub const WINDOW: Duration = Duration::from_secs(5 * 60);

/// How long a run waits for later rivals to settle before it yields to be safe.
pub const SETTLE: Duration = Duration::from_secs(120);

/// A server group or load balancer of another setup, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rival {
    /// The other setup's id.
    pub setup_id: String,
    /// Its claim (RFC 3339), if its server group carries one.
    pub claimed_at: Option<String>,
    /// The resource id (server group or load balancer).
    pub resource: String,
}

/// What the claim decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// This run builds the chain.
    Proceed,
    /// Rivals claimed later (their setup ids) must settle first: proceed once all of their
    /// server groups are gone, yield if one gets a load balancer.
    Await(Vec<String>),
    /// Another setup builds it; this run stops.
    Yield {
        /// The setup to yield to.
        winner: String,
        /// Why, in a sentence.
        why: String,
    },
}

fn tag(tags: &[Tag], key: &str) -> Option<String> {
    tags.iter().find(|t| t.key == key).map(|t| t.value.clone())
}

/// Another setup's resource for this cluster and instance, from its tags.
pub fn rival(tags: &[Tag], id: &str, me: &str, cluster: &str, rds: &str) -> Option<Rival> {
    let sid = tag(tags, TAG_SETUP)?;
    (sid != me
        && tag(tags, TAG_CLUSTER).as_deref() == Some(cluster)
        && tag(tags, TAG_RDS).as_deref() == Some(rds))
    .then(|| Rival {
        setup_id: sid,
        claimed_at: tag(tags, TAG_CLAIMED),
        resource: id.to_string(),
    })
}

fn at(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(s).ok()
}

/// Decides between this setup (`me`, claimed at `mine`) and the rivals listed.
pub fn decide(me: &str, mine: &str, groups: &[Rival], balancers: &[Rival]) -> Verdict {
    if let Some(lb) = balancers.first() {
        return Verdict::Yield {
            winner: lb.setup_id.clone(),
            why: format!(
                "load balancer {} of setup {} already serves this cluster and RDS instance",
                lb.resource, lb.setup_id
            ),
        };
    }
    let Some(my_time) = at(mine) else {
        return Verdict::Proceed;
    };
    let concurrent: Vec<_> = groups
        .iter()
        .filter_map(|g| {
            let t = at(g.claimed_at.as_deref()?)?;
            let gap = t
                .duration_since(my_time)
                .or_else(|e| Ok::<_, ()>(e.duration()))
                .unwrap_or_default();
            (gap <= WINDOW).then_some((t, g))
        })
        .collect();
    let first = concurrent
        .iter()
        .min_by(|(ta, a), (tb, b)| ta.cmp(tb).then(a.setup_id.cmp(&b.setup_id)));
    match first {
        Some((t, g)) if (*t, g.setup_id.as_str()) < (my_time, me) => Verdict::Yield {
            winner: g.setup_id.clone(),
            why: format!(
                "setup {} (server group {}) began at {}, before this one ({mine})",
                g.setup_id,
                g.resource,
                g.claimed_at.as_deref().unwrap_or("?")
            ),
        },
        Some(_) => {
            let mut later: Vec<String> =
                concurrent.iter().map(|(_, g)| g.setup_id.clone()).collect();
            later.sort();
            later.dedup();
            Verdict::Await(later)
        }
        None => Verdict::Proceed,
    }
}

/// The message of a run that yielded.
pub fn yielded_message(
    cluster: &str,
    rds: &str,
    winner: &str,
    why: &str,
    own_group: &str,
) -> String {
    format!(
        "another tilink setup, {winner}, is building the chain for cluster {cluster} and RDS \
         {rds} (started from another machine or HOME: {why}). So that only one chain is \
         built, this run deleted the server group it had just made ({own_group}) and stopped; \
         nothing else was created. When that run is done, `tilink doctor --cluster-id \
         {cluster}` checks the chain, and `tilink setup` adopts it. If that run died before \
         creating its load balancer, its claim lapses {} minutes after it began: run \
         `tilink setup` again then.",
        WINDOW.as_secs() / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(sid: &str, at: Option<&str>) -> Rival {
        Rival {
            setup_id: sid.into(),
            claimed_at: at.map(str::to_string),
            resource: format!("sgp-{sid}"),
        }
    }

    #[test]
    fn the_earliest_claim_wins_and_ties_go_to_the_smaller_id() {
        let t = "2026-12-01T10:00:00Z";
        assert_eq!(decide("tl-b", t, &[], &[]), Verdict::Proceed);
        assert!(matches!(
            decide("tl-b", t, &[g("tl-a", Some(t))], &[]),
            Verdict::Yield { winner, .. } if winner == "tl-a"
        ));
        assert_eq!(
            decide("tl-a", t, &[g("tl-b", Some(t))], &[]),
            Verdict::Await(vec!["tl-b".into()])
        );
        assert!(matches!(
            decide("tl-a", t, &[g("tl-z", Some("2026-12-01T09:59:59Z"))], &[]),
            Verdict::Yield { winner, .. } if winner == "tl-z"
        ));
        assert_eq!(
            decide("tl-z", "2026-12-01T09:59:59Z", &[g("tl-a", Some(t))], &[]),
            Verdict::Await(vec!["tl-a".into()])
        );
    }

    #[test]
    fn leftovers_of_abandoned_runs_do_not_block_a_new_setup() {
        let t = "2026-12-01T10:00:00Z";
        let old = g("tl-a", Some("2026-12-01T09:00:00Z"));
        assert_eq!(decide("tl-b", t, &[old], &[]), Verdict::Proceed);
        assert_eq!(decide("tl-b", t, &[g("tl-a", None)], &[]), Verdict::Proceed);
    }

    #[test]
    fn a_dead_claimant_blocks_for_minutes_not_half_an_hour() {
        let t = "2026-12-01T10:00:00Z";
        let six_min = g("tl-a", Some("2026-12-01T09:54:00Z"));
        assert_eq!(decide("tl-b", t, &[six_min], &[]), Verdict::Proceed);
        let four_min = g("tl-a", Some("2026-12-01T09:56:00Z"));
        assert!(matches!(
            decide("tl-b", t, &[four_min], &[]),
            Verdict::Yield { winner, .. } if winner == "tl-a"
        ));
    }

    #[test]
    fn an_existing_load_balancer_always_wins() {
        let lb = Rival {
            setup_id: "tl-z".into(),
            claimed_at: None,
            resource: "nlb-1".into(),
        };
        assert!(matches!(
            decide("tl-a", "2026-12-01T10:00:00Z", &[], &[lb]),
            Verdict::Yield { winner, .. } if winner == "tl-z"
        ));
    }

    #[test]
    fn rivals_are_other_setups_of_the_same_pair_only() {
        let tags = |sid: &str, cluster: &str, rds: &str| {
            vec![
                Tag {
                    key: TAG_SETUP.into(),
                    value: sid.into(),
                },
                Tag {
                    key: TAG_CLUSTER.into(),
                    value: cluster.into(),
                },
                Tag {
                    key: TAG_RDS.into(),
                    value: rds.into(),
                },
            ]
        };
        assert!(rival(&tags("tl-b", "c", "r"), "sgp-1", "tl-a", "c", "r").is_some());
        assert!(rival(&tags("tl-a", "c", "r"), "sgp-1", "tl-a", "c", "r").is_none());
        assert!(rival(&tags("tl-b", "c", "other"), "sgp-1", "tl-a", "c", "r").is_none());
        assert!(rival(&tags("tl-b", "d", "r"), "sgp-1", "tl-a", "c", "r").is_none());
        assert!(rival(&[], "sgp-1", "tl-a", "c", "r").is_none());
    }
}
