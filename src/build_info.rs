//! What this binary is: its version, the git commit it was built from and the build date
//! (set by build.rs; "unknown" when built outside a git checkout). Shown by
//! `tilink --version` and carried in `doctor -o json`, so a report names the build that wrote it.

/// The crate version (Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit, `git rev-parse --short=12 HEAD` at build time, or "unknown".
pub const COMMIT: &str = env!("TILINK_COMMIT");

/// The build date (YYYY-MM-DD): `SOURCE_DATE_EPOCH` when set, else the commit date, or
/// "unknown".
pub const BUILD_DATE: &str = env!("TILINK_BUILD_DATE");

/// The `--version` line: `tilink 0.1.0 (0123456789ab 2026-12-06)`.
pub fn version_line() -> String {
    format!("tilink {VERSION} ({COMMIT} {BUILD_DATE})")
}

/// `{"version", "commit", "build_date"}`: `--version -o json`, and doctor's `tilink` field.
pub fn json() -> serde_json::Value {
    serde_json::json!({"version": VERSION, "commit": COMMIT, "build_date": BUILD_DATE})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_and_the_object_agree() {
        let v = json();
        assert_eq!(v["version"], VERSION);
        assert_eq!(
            version_line(),
            format!(
                "tilink {} ({} {})",
                v["version"].as_str().unwrap(),
                v["commit"].as_str().unwrap(),
                v["build_date"].as_str().unwrap()
            )
        );
        assert!(!COMMIT.is_empty() && !BUILD_DATE.is_empty());
    }
}
