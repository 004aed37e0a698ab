//! The one lifecycle every provisioned NLB and PrivateLink resource shares: created, ready
//! after the delay it drew, busy while a change settles, deleting until its delete completes.
//! Each resource names the phases in its own API's words.

use std::time::Duration;

use tokio::time::Instant;

/// When a resource was created, became (or becomes) ready, is busy until, and is deleted.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    /// When the create call returned.
    pub created_at: Instant,
    /// When provisioning ends.
    pub ready_at: Instant,
    /// The provisioning delay this resource drew (already time-scaled).
    pub delay: Duration,
    /// When the delete completes (the resource is removed by the next tick after it).
    pub deleting_at: Option<Instant>,
    /// A change settling until then: `Configuring` on NLB, `Pending` on PrivateLink (the
    /// behaviours `lb-configuring`, `server-group-lock`, `service-pending`, or `/_sim/inject`).
    pub busy_until: Option<Instant>,
}

/// Where a resource is in its [`Lifecycle`] at an instant, in precedence order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Being deleted.
    Deleting,
    /// Not ready yet.
    Provisioning,
    /// Ready, with a change settling.
    Busy,
    /// Ready and idle.
    Ready,
}

impl Lifecycle {
    /// Created at `now`, ready after `delay`.
    pub fn new(now: Instant, delay: Duration) -> Self {
        Lifecycle {
            created_at: now,
            ready_at: now + delay,
            delay,
            deleting_at: None,
            busy_until: None,
        }
    }

    /// The phase at `now`.
    pub fn phase(&self, now: Instant) -> Phase {
        if self.deleting_at.is_some() {
            Phase::Deleting
        } else if now < self.ready_at {
            Phase::Provisioning
        } else if self.busy_until.is_some_and(|t| now < t) {
            Phase::Busy
        } else {
            Phase::Ready
        }
    }

    /// The phase at `now` in an API's words for `[provisioning, busy, ready]`; every API
    /// says `Deleting`.
    pub fn status(
        &self,
        now: Instant,
        [provisioning, busy, ready]: [&'static str; 3],
    ) -> &'static str {
        match self.phase(now) {
            Phase::Deleting => "Deleting",
            Phase::Provisioning => provisioning,
            Phase::Busy => busy,
            Phase::Ready => ready,
        }
    }
}

/// A provisioned resource, filed by id and region: what the handlers' lookups read.
pub trait Provisioned {
    /// The resource's id (`sgp-…`, `nlb-…`, `lsn-…@port`, `epsrv-…`).
    fn id(&self) -> &str;
    /// The region it lives in.
    fn region(&self) -> &str;
}

macro_rules! provisioned {
    ($($t:ident),*) => {$(
        impl Provisioned for super::$t {
            fn id(&self) -> &str {
                &self.id
            }
            fn region(&self) -> &str {
                &self.region
            }
        }
    )*};
}

provisioned!(ServerGroup, LoadBalancer, Listener, EndpointService);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_come_in_precedence_order() {
        let now = Instant::now();
        let s = Duration::from_secs(1);
        let mut l = Lifecycle::new(now, s);
        assert_eq!(l.phase(now), Phase::Provisioning);
        assert_eq!(l.phase(now + s), Phase::Ready);
        l.busy_until = Some(now + 3 * s);
        assert_eq!(l.phase(now + 2 * s), Phase::Busy);
        assert_eq!(l.phase(now + 3 * s), Phase::Ready);
        l.deleting_at = Some(now + 9 * s);
        assert_eq!(l.phase(now), Phase::Deleting);
    }

    #[test]
    fn each_api_names_the_phases_in_its_own_words() {
        let now = Instant::now();
        let s = Duration::from_secs(1);
        let words = ["Creating", "Pending", "Active"];
        let mut l = Lifecycle::new(now, s);
        assert_eq!(l.status(now, words), "Creating");
        assert_eq!(l.status(now + s, words), "Active");
        l.busy_until = Some(now + 3 * s);
        assert_eq!(l.status(now + 2 * s, words), "Pending");
        l.deleting_at = Some(now + 9 * s);
        assert_eq!(l.status(now, words), "Deleting");
    }
}
