//! What tilink exports to the shell: completions for every shell and the man page.

use std::process::Command;

fn bin() -> Command {
    crate::common::clean_bin("tilink-shell-test-home")
}

const SUBCOMMANDS: &[&str] = &[
    "setup", "sandbox", "sim", "doctor", "teardown", "policy", "export",
];

#[test]
fn completions_render_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {:?}", out);
        let text = String::from_utf8(out.stdout).expect("utf-8");
        assert!(text.len() > 1000, "{shell}: too short");
        for sub in SUBCOMMANDS {
            assert!(text.contains(sub), "{shell} completions lack {sub}");
        }
        for flag in ["cluster-id", "rds-instance", "non-interactive"] {
            assert!(text.contains(flag), "{shell} completions lack --{flag}");
        }
    }
    // Shell-specific markers: each script is meant for its shell.
    let script = |s: &str| {
        String::from_utf8(bin().args(["completions", s]).output().unwrap().stdout).unwrap()
    };
    assert!(script("bash").contains("complete -F"));
    assert!(script("zsh").starts_with("#compdef tilink"));
    assert!(script("fish").contains("complete -c tilink"));
    assert!(script("powershell").contains("Register-ArgumentCompleter"));
}

#[test]
fn man_page_is_troff_and_documents_the_commands() {
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let page = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH tilink"),
        "not troff:\n{}",
        &page[..page.len().min(300)]
    );
    assert!(page.contains(".TH tilink 1"), "no title header");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH DESCRIPTION",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
    ] {
        assert!(page.contains(section), "missing {section}");
    }
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("tilink\\-{sub}")),
            "man page lacks {sub}"
        );
    }
    assert!(
        page.contains("Exit codes"),
        "the exit codes belong in the man page"
    );
    // Listed in --help, like every command a user may run (issue 17: it was hidden).
    let help = bin().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.lines().any(|l| l.trim_start().starts_with("man ")),
        "{help}"
    );
}

/// `tilink --version` names the build: version, commit and date, as text or (`-o json`
/// before or after the flag) one JSON object.
#[test]
fn version_names_the_commit_and_the_build_date() {
    let out = bin().arg("--version").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let line = String::from_utf8(out.stdout).unwrap();
    let want = format!("tilink {} (", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&want) && line.ends_with(")\n"), "{line}");
    let inner = &line[want.len()..line.len() - 2];
    let (commit, date) = inner.split_once(' ').expect("commit and date");
    let hex12 = commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit());
    assert!(hex12 || commit == "unknown", "commit {commit:?}");
    let ymd = date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-';
    assert!(ymd || date == "unknown", "date {date:?}");
    for args in [
        &["--version", "-o", "json"][..],
        &["-o", "json", "--version"],
        &["doctor", "-V", "--output=json"],
    ] {
        let out = bin().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"), "{args:?}");
        assert_eq!(v["commit"], commit, "{args:?}");
        assert_eq!(v["build_date"], date, "{args:?}");
    }
    // The environment's format applies too; the flag wins over it.
    let out = bin()
        .env("TILINK_OUTPUT", "json")
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with('{'));
    let out = bin()
        .env("TILINK_OUTPUT", "json")
        .args(["--version", "-o", "text"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), line);
}

/// `tilink man --out-dir DIR` writes one page per command (what the packages install);
/// `tilink man doctor` prints one; an unknown command is bad input, not a panic.
#[test]
fn man_writes_one_page_per_command() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new/man1");
    let out = bin().args(["man", "--out-dir"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for want in [
        "tilink.1",
        "tilink-setup.1",
        "tilink-doctor.1",
        "tilink-reconcile.1",
        "tilink-auth.1",
        "tilink-auth-login.1",
        "tilink-completions.1",
        "tilink-man.1",
    ] {
        assert!(names.iter().any(|n| n == want), "no {want} in {names:?}");
    }
    assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    for n in &names {
        let page = std::fs::read_to_string(dir.join(n)).unwrap();
        let title = n.trim_end_matches(".1");
        assert!(page.contains(&format!(".TH {title} 1 ")), "{n}");
        assert!(page.contains("\"tilink manual\""), "{n}");
    }
    // The same page on stdout, for one command.
    let out = bin().args(["man", "doctor"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let page = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        page,
        std::fs::read_to_string(dir.join("tilink-doctor.1")).unwrap()
    );
    let out = bin().args(["man", "auth", "login"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH tilink-auth-login 1"));
    // Bad input: a clear message and exit 2; an unwritable directory: exit 1, named.
    let out = bin().args(["man", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no man page for `tilink nope`") && err.contains("doctor"),
        "{err}"
    );
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = bin()
        .args(["man", "--out-dir"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("a-file"));
    let out = bin()
        .args(["man", "doctor", "--out-dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
