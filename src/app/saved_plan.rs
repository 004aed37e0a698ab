//! Saved plans, as terraform's plan files: `setup --dry-run --out FILE` writes the plan with
//! its setup id; `setup --plan FILE` plans again against the clouds and applies the saved
//! plan only if nothing changed in between (issue 27 #6).

use super::Failure;
use crate::engine::plan::Plan;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file's format version.
const FORMAT: u32 = 1;

/// What `--out` writes: the plan and what it was made for. No secret is in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedPlan {
    /// [`FORMAT`].
    pub format: u32,
    /// The tilink version that wrote it.
    pub tilink: String,
    /// When it was saved (RFC 3339).
    pub saved_at: String,
    /// The cluster.
    pub cluster_id: String,
    /// The RDS instance.
    pub rds_instance_id: String,
    /// The plan (its `setup_id` is the one `--plan` applies under).
    pub plan: Plan,
}

impl SavedPlan {
    /// A saved form of `plan`.
    pub fn new(plan: &Plan) -> Self {
        SavedPlan {
            format: FORMAT,
            tilink: env!("CARGO_PKG_VERSION").to_string(),
            saved_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            cluster_id: plan.cluster_id.clone(),
            rds_instance_id: plan.rds_id.clone(),
            plan: plan.clone(),
        }
    }
}

/// Writes `saved` to `path`, mode 0600, refusing a symlink planted there.
pub fn write(path: &Path, saved: &SavedPlan) -> Result<(), Failure> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(saved)
        .map_err(|e| Failure::failed(format!("cannot encode the plan: {e}")))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).write(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
        opts.custom_flags(super::logging::libc_o_nofollow());
    }
    let mut f = opts
        .open(path)
        .map_err(|e| Failure::input(format!("cannot write the plan to {}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .map_err(|e| Failure::failed(format!("writing {}: {e}", path.display())))
}

/// Reads a plan saved by [`write`]; a file that is not one is a clear input error.
pub fn read(path: &Path) -> Result<SavedPlan, Failure> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::input(format!("cannot read the plan {}: {e}", path.display())))?;
    if meta.len() > 4 << 20 {
        return Err(Failure::input(format!(
            "{} is larger than 4 MiB: not a tilink plan",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("cannot read the plan {}: {e}", path.display())))?;
    let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
        Failure::input(format!(
            "{} is not a plan saved by `tilink setup --dry-run --out` ({e})",
            path.display()
        ))
    })?;
    if saved.format != FORMAT {
        return Err(Failure::input(format!(
            "{} is a plan of format {}, this tilink reads format {FORMAT}: save it again",
            path.display(),
            saved.format
        )));
    }
    Ok(saved)
}

/// How the plan made now differs from the saved one, one line per item (empty: the same).
pub fn differences(saved: &Plan, now: &Plan) -> Vec<String> {
    let show = |p: &Plan| -> Vec<String> {
        p.items
            .iter()
            .map(|i| {
                format!(
                    "{} {} — {}{}",
                    i.action.word(),
                    i.what,
                    i.detail,
                    crate::report::id_suffix(i)
                )
            })
            .collect()
    };
    let (a, b) = (show(saved), show(now));
    let mut out: Vec<String> = a
        .iter()
        .filter(|x| !b.contains(x))
        .map(|x| format!("saved: {x}"))
        .collect();
    out.extend(
        b.iter()
            .filter(|x| !a.contains(x))
            .map(|x| format!("now:   {x}")),
    );
    for (k, x, y) in [
        ("region", &saved.region, &now.region),
        ("setup id", &saved.setup_id, &now.setup_id),
    ] {
        if x != y {
            out.push(format!("{k}: saved {x}, now {y}"));
        }
    }
    out
}
