//! Build metadata for `tilink --version` and `doctor -o json` (src/build_info.rs): the git
//! commit and the build date, as `TILINK_COMMIT` and `TILINK_BUILD_DATE`.
//!
//! No build dependency: git runs through std::process. Without git or outside a git checkout
//! of this crate (a source tarball, even one unpacked inside another repository) both fall
//! back to "unknown". The date is `SOURCE_DATE_EPOCH` when set (reproducible builds), else the
//! commit's date, else "unknown"; never the clock, so two builds of one commit agree.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");

    let in_repo = is_own_checkout(&manifest_dir);
    if in_repo {
        watch_head(&manifest_dir);
    }
    let commit = in_repo
        .then(|| git(&manifest_dir, &["rev-parse", "--short=12", "HEAD"]))
        .flatten()
        .unwrap_or_else(|| "unknown".into());
    let date = source_date_epoch()
        .or_else(|| {
            in_repo
                .then(|| git(&manifest_dir, &["log", "-1", "--format=%cs"]))
                .flatten()
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=TILINK_COMMIT={commit}");
    println!("cargo:rustc-env=TILINK_BUILD_DATE={date}");
}

/// Runs git in `dir`; its trimmed stdout when it succeeds with one non-empty line.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let s = String::from_utf8(out.stdout).ok()?;
    let s = s.trim();
    (out.status.success() && !s.is_empty() && !s.contains('\n')).then(|| s.to_string())
}

/// True when git sees this crate's directory as the top of its own work tree (not a parent
/// repository that happens to contain an unpacked tarball).
fn is_own_checkout(dir: &Path) -> bool {
    let Some(top) = git(dir, &["rev-parse", "--show-toplevel"]) else {
        return false;
    };
    match (Path::new(&top).canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reruns this script when HEAD moves: HEAD itself, the branch it points to (its loose ref),
/// packed-refs, and HEAD's reflog (a commit on a packed branch writes a loose ref that did
/// not exist to be watched, and appends to the reflog). Only files that exist are named:
/// cargo reruns on every build for a missing one. Paths come from git, so a linked worktree
/// (`.git` is a file) works too.
fn watch_head(dir: &Path) {
    let mut paths = vec![
        "HEAD".to_string(),
        "packed-refs".to_string(),
        "logs/HEAD".to_string(),
    ];
    if let Some(r) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        paths.push(r);
    }
    for p in paths {
        if let Some(file) = git(dir, &["rev-parse", "--git-path", &p]) {
            let file = if Path::new(&file).is_absolute() {
                PathBuf::from(file)
            } else {
                dir.join(file)
            };
            if file.is_file() {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
    }
}

/// `SOURCE_DATE_EPOCH` as a UTC date (YYYY-MM-DD); a warning and None when it is not a
/// number of seconds.
fn source_date_epoch() -> Option<String> {
    let raw = std::env::var("SOURCE_DATE_EPOCH").ok()?;
    match raw.trim().parse::<i64>() {
        Ok(secs) => Some(civil_date(secs.div_euclid(86_400))),
        Err(_) => {
            println!(
                "cargo:warning=SOURCE_DATE_EPOCH={raw:?} is not a number of seconds; using the commit date"
            );
            None
        }
    }
}

/// Days since 1970-01-01 as a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
