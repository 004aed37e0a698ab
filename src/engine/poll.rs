//! Waiting for cloud state: polling with a backoff tuned per resource, never a fixed sleep.

use std::future::Future;
use std::time::Duration;

/// How to poll one kind of resource.
#[derive(Debug, Clone, Copy)]
pub struct Poll {
    /// First pause.
    pub first: Duration,
    /// Largest pause.
    pub cap: Duration,
    /// Give up after this long.
    pub timeout: Duration,
    /// Wait `first` before the first look (right after a create, the state is known).
    pub delay_first: bool,
}

impl Poll {
    /// Looks right away (for resources that may already be ready), then as usual.
    pub fn now(self) -> Poll {
        Poll {
            delay_first: false,
            ..self
        }
    }
}

/// Poll settings for every resource, scaled together (the sandbox runs faster clocks).
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Multiplies every pause (1.0 for real clouds).
    pub scale: f64,
    /// Overall timeout of one wait.
    pub timeout: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            scale: 1.0,
            timeout: Duration::from_secs(1800),
        }
    }
}

impl Tuning {
    /// A schedule for a wait expected to take about `expected_ms` in real clouds: the first
    /// look right away, the second at 90% of the expectation, then every eighth of it
    /// (at least a second) — few calls, and an average overshoot of ~6% of the wait.
    fn expect(&self, expected_ms: u64) -> Poll {
        let s = self.scale.clamp(0.0001, 100.0);
        let scaled = |ms: f64| Duration::from_millis((ms * s).max(10.0) as u64);
        Poll {
            first: scaled(expected_ms as f64 * 0.9),
            cap: scaled((expected_ms as f64 / 8.0).max(1000.0)),
            timeout: self.timeout,
            delay_first: true,
        }
    }

    // Expected durations are the documented magnitudes (an NLB takes about a minute, TiDB
    // Cloud's endpoint a minute or two; `shared/reference/alibaba-api.md` §6, peers §3).

    /// NLB jobs: a few seconds.
    pub fn job(&self) -> Poll {
        self.expect(5_000)
    }
    /// Server group: seconds.
    pub fn server_group(&self) -> Poll {
        self.expect(5_000)
    }
    /// Load balancer: about a minute.
    pub fn load_balancer(&self) -> Poll {
        self.expect(60_000)
    }
    /// Listener: seconds.
    pub fn listener(&self) -> Poll {
        self.expect(10_000)
    }
    /// Endpoint service: tens of seconds.
    pub fn endpoint_service(&self) -> Poll {
        self.expect(20_000)
    }
    /// TiDB Cloud's endpoint (and its connection request): a minute or two.
    pub fn endpoint(&self) -> Poll {
        self.expect(90_000)
    }
    /// Accepted connection to Connected and the PLC to ACTIVE: about half a minute.
    pub fn connection(&self) -> Poll {
        self.expect(35_000)
    }
    /// Short waits where the first look usually succeeds (a request already made).
    pub fn quick(&self) -> Poll {
        self.expect(5_000)
    }
}

/// Waits for an asynchronous NLB job (`Processing` → `Succeeded`); a `Failed` job ends the
/// wait with an error. An empty id means there is nothing to wait for. With
/// `missing_is_done`, a job the API no longer knows counts as finished (deletes).
pub async fn nlb_job(
    a: &crate::cloud::aliyun::AliyunClient,
    p: Poll,
    job_id: &str,
    what: &str,
    missing_is_done: bool,
) -> Result<(), String> {
    if job_id.is_empty() {
        return Ok(());
    }
    until(
        p,
        what,
        |_| {},
        || async move {
            match a.get_job_status(job_id).await {
                Ok(s) if s.status.eq_ignore_ascii_case("Succeeded") => Ok(Probe::Ready(())),
                Ok(s) if s.status.eq_ignore_ascii_case("Failed") => Err(format!(
                    "NLB job {job_id} failed ({what}); rerun tilink to retry"
                )),
                Ok(s) => Ok(Probe::Waiting(s.status)),
                Err(e) if missing_is_done && e.is_not_found() => Ok(Probe::Ready(())),
                Err(e) => Err(e.to_string()),
            }
        },
    )
    .await
}

/// What one probe saw.
pub enum Probe<T> {
    /// Done, with the value.
    Ready(T),
    /// Not yet; the state word for progress.
    Waiting(String),
}

/// Calls `probe` until it is ready, pausing `first`, ×1.5, up to `cap`; errors from the
/// probe end the wait. Times out with a message naming what was awaited.
pub async fn until<T, E, F, Fut>(
    p: Poll,
    what: &str,
    mut on_wait: impl FnMut(&str),
    mut probe: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Probe<T>, E>>,
    E: std::fmt::Display,
{
    let start = tokio::time::Instant::now();
    // Right after a create the state is known: wait the expected time before looking.
    // Otherwise look now, then wait the expected time, then look every `cap`.
    let mut pause = if p.delay_first { p.cap } else { p.first };
    let mut last = String::new();
    if p.delay_first {
        tokio::time::sleep(p.first).await;
    }
    loop {
        match probe().await.map_err(|e| e.to_string())? {
            Probe::Ready(v) => return Ok(v),
            Probe::Waiting(state) => {
                if state != last {
                    on_wait(&state);
                    last = state;
                }
            }
        }
        if start.elapsed() + pause > p.timeout {
            return Err(format!(
                "gave up waiting for {what} after {}s (last state: {last}); rerun tilink to resume",
                p.timeout.as_secs()
            ));
        }
        tokio::time::sleep(pause).await;
        // After a long first pause (an expected duration) keep polling at the cap.
        pause = if pause > p.cap {
            p.cap
        } else {
            pause.mul_f64(1.5).min(p.cap)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waits_until_ready_and_reports_state_changes() {
        let mut n = 0;
        let mut states = Vec::new();
        let t = Tuning {
            scale: 1.0,
            timeout: Duration::from_secs(600),
        };
        let v: Result<u32, String> = until(
            t.load_balancer(),
            "lb",
            |s| states.push(s.to_string()),
            || {
                n += 1;
                let k = n;
                async move {
                    Ok::<_, String>(if k < 4 {
                        Probe::Waiting("Provisioning".into())
                    } else {
                        Probe::Ready(k)
                    })
                }
            },
        )
        .await;
        assert_eq!(v, Ok(4));
        assert_eq!(states, ["Provisioning"]);
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_with_the_last_state() {
        let p = Poll {
            first: Duration::from_secs(1),
            cap: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            delay_first: false,
        };
        let r: Result<(), String> = until(
            p,
            "the listener",
            |_| {},
            || async { Ok::<_, String>(Probe::Waiting("Configuring".into())) },
        )
        .await;
        let e = r.unwrap_err();
        assert!(
            e.contains("the listener") && e.contains("Configuring"),
            "{e}"
        );
    }
}
