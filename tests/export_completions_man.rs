//! What tilink exports to the shell: completions for every shell and the man page.

use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tilink"));
    c.env_clear();
    c.env("PATH", std::env::var("PATH").unwrap_or_default());
    c.env("HOME", std::env::temp_dir().join("tilink-shell-test-home"));
    c.env("TILINK_NO_KEYRING", "1");
    c.stdin(Stdio::null());
    c
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
