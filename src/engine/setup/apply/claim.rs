//! One chain per cluster and RDS instance, even across machines.
//!
//! The per-cluster lock (`engine::setup::lock`) serialises setups that share a state directory. Two
//! runs from different machines or HOMEs share nothing but the cloud, so the cloud settles
//! it: a fresh setup creates its server group first (free, seconds), tagged with when the
//! setup claims ([`TAG_CLAIMED`]), and before anything billed or visible exists it lists the
//! server groups and load balancers tagged for the same cluster and instance.
//!
//! Every run writes (creates its group) before it reads (lists), so of two concurrent runs
//! at least one sees the other. The rules keep them in agreement whoever saw whom:
//!
//! - Another setup's load balancer for this pair: a chain already exists or is being built;
//!   this run yields to it.
//! - A live rival (its claim or heartbeat within [`WINDOW`]) claimed earlier (setup id breaks
//!   ties): this run yields. The rival either saw this run and wins by the same rule, or did
//!   not see it and proceeds.
//! - Only live rivals claimed later: each of them either saw this run (and yields, deleting
//!   its group) or did not (and proceeds, creating a load balancer soon after). This run
//!   waits to see which: all gone, it proceeds; a load balancer appears, or neither within
//!   [`SETTLE`], it yields. Never two chains; in the worst case none, and a rerun builds one.
//! - Rivals with neither a load balancer nor a heartbeat within [`WINDOW`] are dead or
//!   abandoned and are ignored (`tilink teardown --setup <id>` removes their groups).
//!
//! **Whose clock.** Every time here is the cloud's: the HTTP `Date` of its latest answer plus
//! this machine's monotonic time since ([`crate::cloud::aliyun::AliyunClient::cloud_now`]).
//! No machine's wall clock and no journal's age decides a claim; a rerun claims anew.
//!
//! **Liveness.** From its claim until its load balancer exists, a run refreshes
//! [`TAG_ALIVE`] on its server group every [`HEARTBEAT`]; a run killed with `kill -9` stops
//! refreshing, and its claim lapses [`WINDOW`] after its last heartbeat, so it blocks other
//! machines for minutes, while a live run that is slow (busy retries on its load balancer)
//! is never mistaken for a dead one.
//!
//! A run that yields deletes the server group it just made, journals itself as torn down and
//! stops with a message naming the winner. The check runs once this run's own group is
//! Available *and* the tag-filtered list shows it (lists are eventually consistent: a list
//! that shows this run's group also shows a rival's made earlier; a rival made later sees
//! this one).

use crate::engine::discover::{TAG_ALIVE, TAG_CLAIMED, TAG_CLUSTER, TAG_RDS, TAG_SETUP};
use crate::wire::aliyun::Tag;
use std::time::{Duration, SystemTime};

/// A claim whose last sign of life (claim or heartbeat) is older than this, by the cloud's
/// clock, with no load balancer, is a run that died or was abandoned: it blocks other
/// machines for these few minutes, not longer (it was 30 min; issue 25 #5). Four missed
/// heartbeats.
pub const WINDOW: Duration = Duration::from_secs(3 * 60);

/// How often a claiming run refreshes [`TAG_ALIVE`] until its load balancer exists.
pub const HEARTBEAT: Duration = Duration::from_secs(45);

/// How long a run waits for later rivals to settle before it yields to be safe. Longer than
/// [`WINDOW`], so that a rival that died is seen to lapse first; only a live rival that
/// neither builds nor stands down for this long makes this run step back.
pub const SETTLE: Duration = Duration::from_secs(5 * 60);

/// A server group or load balancer of another setup, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rival {
    /// The other setup's id.
    pub setup_id: String,
    /// Its claim (RFC 3339, the cloud's clock), if its server group carries one.
    pub claimed_at: Option<String>,
    /// Its last heartbeat (RFC 3339, the cloud's clock), if any.
    pub alive_at: Option<String>,
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
        alive_at: tag(tags, TAG_ALIVE),
        resource: id.to_string(),
    })
}

fn at(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(s).ok()
}

/// When `r` last showed it was alive: the later of its claim and its heartbeat.
fn last_alive(r: &Rival) -> Option<SystemTime> {
    let claimed = r.claimed_at.as_deref().and_then(at);
    let alive = r.alive_at.as_deref().and_then(at);
    claimed.max(alive)
}

/// Whether `r` showed a sign of life (claim or heartbeat) within [`WINDOW`] of `now`.
pub fn is_live(r: &Rival, now: SystemTime) -> bool {
    last_alive(r).is_some_and(|t| now.duration_since(t).unwrap_or_default() <= WINDOW)
}

/// When a rival's claim lapses if it shows no more sign of life (for the message).
pub fn lapses_at(r: &Rival) -> Option<String> {
    last_alive(r).map(|t| humantime::format_rfc3339_seconds(t + WINDOW).to_string())
}

/// Decides between this setup (`me`, claimed at `mine`) and the rivals listed, at `now`
/// (all three times by the cloud's clock).
pub fn decide(
    me: &str,
    mine: &str,
    now: SystemTime,
    groups: &[Rival],
    balancers: &[Rival],
) -> Verdict {
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
    let live: Vec<_> = groups
        .iter()
        .filter(|g| is_live(g, now))
        .filter_map(|g| Some((at(g.claimed_at.as_deref()?)?, g)))
        .collect();
    let first = live
        .iter()
        .min_by(|(ta, a), (tb, b)| ta.cmp(tb).then(a.setup_id.cmp(&b.setup_id)));
    match first {
        Some((t, g)) if (*t, g.setup_id.as_str()) < (my_time, me) => Verdict::Yield {
            winner: g.setup_id.clone(),
            why: format!(
                "setup {} (server group {}) claimed at {}, before this one ({mine}); it is alive \
                 (last seen {}), and if it died its claim lapses at {}",
                g.setup_id,
                g.resource,
                g.claimed_at.as_deref().unwrap_or("?"),
                g.alive_at
                    .as_deref()
                    .or(g.claimed_at.as_deref())
                    .unwrap_or("?"),
                lapses_at(g).unwrap_or_else(|| "?".into()),
            ),
        },
        Some(_) => {
            let mut later: Vec<String> = live.iter().map(|(_, g)| g.setup_id.clone()).collect();
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
         {cluster}` checks the chain, and `tilink setup` adopts it. A live run refreshes its \
         claim every {} s; if that run died before creating its load balancer, its claim \
         lapses {} minutes after its last sign of life (by the cloud's clock): run `tilink \
         setup` again then.",
        HEARTBEAT.as_secs(),
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
            alive_at: None,
            resource: format!("sgp-{sid}"),
        }
    }

    fn t(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).unwrap()
    }

    const T: &str = "2026-12-01T10:00:00Z";

    #[test]
    fn the_earliest_live_claim_wins_and_ties_go_to_the_smaller_id() {
        let now = t(T);
        assert_eq!(decide("tl-b", T, now, &[], &[]), Verdict::Proceed);
        assert!(matches!(
            decide("tl-b", T, now, &[g("tl-a", Some(T))], &[]),
            Verdict::Yield { winner, .. } if winner == "tl-a"
        ));
        assert_eq!(
            decide("tl-a", T, now, &[g("tl-b", Some(T))], &[]),
            Verdict::Await(vec!["tl-b".into()])
        );
        assert!(matches!(
            decide("tl-a", T, now, &[g("tl-z", Some("2026-12-01T09:59:59Z"))], &[]),
            Verdict::Yield { winner, .. } if winner == "tl-z"
        ));
        assert_eq!(
            decide(
                "tl-z",
                "2026-12-01T09:59:59Z",
                now,
                &[g("tl-a", Some(T))],
                &[]
            ),
            Verdict::Await(vec!["tl-a".into()])
        );
    }

    #[test]
    fn leftovers_of_abandoned_runs_do_not_block_a_new_setup() {
        let old = g("tl-a", Some("2026-12-01T09:00:00Z"));
        assert_eq!(decide("tl-b", T, t(T), &[old], &[]), Verdict::Proceed);
        assert_eq!(
            decide("tl-b", T, t(T), &[g("tl-a", None)], &[]),
            Verdict::Proceed
        );
    }

    #[test]
    fn a_dead_claimant_blocks_for_minutes_not_half_an_hour() {
        let four_min = g("tl-a", Some("2026-12-01T09:56:00Z"));
        assert_eq!(decide("tl-b", T, t(T), &[four_min], &[]), Verdict::Proceed);
        let two_min = g("tl-a", Some("2026-12-01T09:58:00Z"));
        match decide("tl-b", T, t(T), &[two_min], &[]) {
            Verdict::Yield { winner, why } => {
                assert_eq!(winner, "tl-a");
                assert!(why.contains("lapses at 2026-12-01T10:01:00Z"), "{why}");
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn a_heartbeat_keeps_a_slow_live_claim_ahead_of_a_newcomer() {
        // Claimed ten minutes ago, still busy before its load balancer, heartbeat fresh.
        let mut slow = g("tl-z", Some("2026-12-01T09:50:00Z"));
        slow.alive_at = Some("2026-12-01T09:59:30Z".into());
        assert!(matches!(
            decide("tl-a", T, t(T), std::slice::from_ref(&slow), &[]),
            Verdict::Yield { winner, .. } if winner == "tl-z"
        ));
        // Its heartbeat stopped four minutes ago: dead.
        slow.alive_at = Some("2026-12-01T09:56:00Z".into());
        assert_eq!(decide("tl-a", T, t(T), &[slow], &[]), Verdict::Proceed);
    }

    #[test]
    fn the_decision_reads_only_the_clock_it_is_given() {
        // The same tags decide alike whatever this machine's wall clock says: `now` comes
        // from the cloud's Date. A rival two minutes old is live at 10:00 and dead at 10:05.
        let r = g("tl-a", Some("2026-12-01T09:58:00Z"));
        assert!(matches!(
            decide("tl-b", T, t(T), std::slice::from_ref(&r), &[]),
            Verdict::Yield { .. }
        ));
        assert_eq!(
            decide("tl-b", T, t("2026-12-01T10:05:00Z"), &[r], &[]),
            Verdict::Proceed
        );
    }

    #[test]
    fn an_existing_load_balancer_always_wins() {
        let lb = Rival {
            setup_id: "tl-z".into(),
            claimed_at: None,
            alive_at: None,
            resource: "nlb-1".into(),
        };
        assert!(matches!(
            decide("tl-a", T, t(T), &[], &[lb]),
            Verdict::Yield { winner, .. } if winner == "tl-z"
        ));
    }
}
