//! Reading credential files: missing is not an error, loose permissions are a warning.

use std::io::ErrorKind;
use std::path::Path;

use super::{CredentialsError, display_path};

/// A file's text plus a warning when others can read it.
pub(crate) struct FileText {
    pub text: String,
    pub warning: Option<String>,
}

/// Reads `path`; `Ok(None)` when it does not exist.
pub(crate) fn read(path: &Path) -> Result<Option<FileText>, CredentialsError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CredentialsError::Io {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        CredentialsError::Malformed {
            path: path.to_path_buf(),
            line: Some(line),
            column: Some(column),
            problem: "not valid UTF-8".to_string(),
        }
    })?;
    Ok(Some(FileText {
        text,
        warning: permission_warning(path),
    }))
}

/// 1-based line and column of the end of `prefix`.
pub(crate) fn line_col(prefix: &[u8]) -> (usize, usize) {
    let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = prefix
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&prefix[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// A warning when group or others may read `path` (Unix only).
#[cfg(unix)]
pub(crate) fn permission_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "warning: {} is readable by group/others (mode {mode:03o}); run `chmod 600 {}`",
            display_path(path),
            display_path(path)
        )
    })
}

/// A warning when group or others may read `path` (Unix only).
#[cfg(not(unix))]
pub(crate) fn permission_warning(_path: &Path) -> Option<String> {
    None
}

/// Whether a profile holds a whole access key: `Ok(false)` when it has none (a miss),
/// `Ok(true)` with both halves, and what is missing when it has only one (`label` names the
/// profile kind, e.g. `type access_key`).
pub(crate) fn whole_key(id: &str, secret: &str, label: &str) -> Result<bool, String> {
    match (id.is_empty(), secret.is_empty()) {
        (true, true) => Ok(false),
        (false, true) => Err(format!("{label} needs access_key_secret, which is empty")),
        (true, false) => Err(format!("{label} needs access_key_id, which is empty")),
        (false, false) => Ok(true),
    }
}

/// A file that parsed but holds the wrong thing (no position: the problem names the key).
pub(crate) fn malformed(path: &Path, problem: &str) -> CredentialsError {
    CredentialsError::Malformed {
        path: path.to_path_buf(),
        line: None,
        column: None,
        problem: problem.to_string(),
    }
}

/// Why a probe missed when the file has no profile `name`, listing the ones it has.
pub(crate) fn profile_not_found<'a>(
    name: &str,
    names: impl IntoIterator<Item = &'a str>,
    warning: &Option<String>,
) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    let list = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    with_warning(
        format!("profile '{name}' not found (profiles: {list})"),
        warning,
    )
}

/// Appends `; <warning>` when there is one.
pub(crate) fn with_warning(outcome: String, warning: &Option<String>) -> String {
    match warning {
        Some(w) => format!("{outcome}; {w}"),
        None => outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col(b""), (1, 1));
        assert_eq!(line_col(b"ab"), (1, 3));
        assert_eq!(line_col(b"ab\ncd"), (2, 3));
        assert_eq!(line_col(b"ab\n"), (2, 1));
    }

    #[cfg(unix)]
    #[test]
    fn warns_on_world_readable_file_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f");
        std::fs::write(&p, "x").expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let w = read(&p).expect("read").expect("exists").warning;
        assert!(w.expect("warning").contains("mode 644"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(read(&p).expect("read").expect("exists").warning.is_none());
    }

    #[test]
    fn missing_file_is_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(read(&dir.path().join("nope")).expect("read").is_none());
    }
}
