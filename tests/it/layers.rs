//! The layer rules (docs/ARCHITECTURE.md), enforced: each top-level module of `src/` may
//! name only the modules below it. The engine never touches a front end, the simulator never
//! imports the engine, and the front ends (`tui`, its line mode, `report`) know neither clap
//! (`cli`), the simulator nor the drivers (`app`), so the app↔tui loop cannot come back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module → the modules it may name (`crate::<module>`).
const ALLOWED: &[(&str, &[&str])] = &[
    ("wire", &[]),
    ("build_info", &[]),
    ("secret", &[]),
    ("cloud", &["wire", "secret"]),
    ("credentials", &["secret", "cloud"]),
    ("policy", &["cloud"]),
    ("sim", &["wire", "cloud", "secret"]),
    ("engine", &["wire", "cloud", "secret"]),
    ("signals", &["engine"]),
    ("export", &["wire", "cloud", "engine"]),
    (
        "report",
        &["wire", "cloud", "engine", "export", "signals", "build_info"],
    ),
    (
        "tui",
        &[
            "wire", "cloud", "secret", "engine", "export", "report", "signals",
        ],
    ),
    ("cli", &["wire"]),
    (
        "app",
        &[
            "wire",
            "cloud",
            "secret",
            "credentials",
            "policy",
            "sim",
            "engine",
            "export",
            "report",
            "signals",
            "tui",
            "cli",
            "build_info",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::x` a file names (also inside `use crate::{x, y::z}`).
fn named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let m: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !m.is_empty() {
                    out.insert(m);
                }
            }
        } else {
            let m: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !m.is_empty() {
                out.insert(m);
            }
        }
    }
    out
}

#[test]
fn each_module_names_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut broken = Vec::new();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(ok) = allowed.get(top.as_str()) else {
            broken.push(format!(
                "{}: module `{top}` has no layer in ALLOWED",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&f).unwrap();
        for m in named(&text) {
            if m != top && !ok.contains(&m.as_str()) {
                broken.push(format!("{}: `{top}` names `crate::{m}`", rel.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "layer rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_plain_paths() {
    let got = named("use crate::{app::x, engine};\nlet a = crate::sim::Manifest;\n// crate::cli");
    assert_eq!(
        got,
        ["app", "engine", "sim"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}
