//! Counts of API calls per action, for `api_calls` in reports and for benchmarks.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Shared, cheap-to-clone call counters.
#[derive(Debug, Clone, Default)]
pub struct CallStats(Arc<Mutex<BTreeMap<String, u64>>>);

impl CallStats {
    /// Counts one attempt of `action`.
    pub fn record(&self, action: &str) {
        if let Ok(mut m) = self.0.lock() {
            *m.entry(action.to_string()).or_default() += 1;
        }
    }

    /// Calls per action.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// True when both count into the same table.
    pub fn same(&self, other: &CallStats) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Every call counted.
    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }
}
