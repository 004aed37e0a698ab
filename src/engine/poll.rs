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
    fn make(&self, first_ms: u64, cap_ms: u64) -> Poll {
        let s = self.scale.clamp(0.001, 100.0);
        Poll {
            first: Duration::from_millis(((first_ms as f64) * s).max(20.0) as u64),
            cap: Duration::from_millis(((cap_ms as f64) * s).max(50.0) as u64),
            timeout: self.timeout,
        }
    }

    /// NLB jobs: seconds.
    pub fn job(&self) -> Poll {
        self.make(1000, 3000)
    }
    /// Server group: seconds.
    pub fn server_group(&self) -> Poll {
        self.make(1000, 3000)
    }
    /// Load balancer: about a minute.
    pub fn load_balancer(&self) -> Poll {
        self.make(3000, 5000)
    }
    /// Listener: seconds.
    pub fn listener(&self) -> Poll {
        self.make(1000, 3000)
    }
    /// Endpoint service: tens of seconds.
    pub fn endpoint_service(&self) -> Poll {
        self.make(2000, 4000)
    }
    /// TiDB's endpoint and the connection request: a minute or two.
    pub fn connection(&self) -> Poll {
        self.make(3000, 5000)
    }
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
    let mut pause = p.first;
    let mut last = String::new();
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
        pause = pause.mul_f64(1.5).min(p.cap);
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
