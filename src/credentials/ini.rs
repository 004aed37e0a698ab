//! A tiny INI reader for `~/.alibabacloud/credentials`.
//!
//! `[section]` headers, `key = value` lines, `#`/`;` comment lines, blank lines. Values are
//! trimmed and one pair of matching surrounding quotes is removed; inline comments are not
//! stripped (a secret may contain `#`). Repeated sections merge, later keys win. Errors
//! carry a line number and never quote the line (it may hold a secret).

use std::collections::HashMap;

/// Parsed sections, in file order. Values may be secrets: `Debug` shows section and key
/// names only.
#[derive(Default)]
pub(crate) struct Ini {
    sections: Vec<(String, HashMap<String, String>)>,
}

impl std::fmt::Debug for Ini {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (name, kv) in &self.sections {
            let mut keys: Vec<&String> = kv.keys().collect();
            keys.sort();
            m.entry(name, &keys);
        }
        m.finish()
    }
}

/// A syntax error at a 1-based line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct IniError {
    pub line: usize,
    pub problem: &'static str,
}

impl Ini {
    /// The keys of section `name`.
    pub(crate) fn section(&self, name: &str) -> Option<&HashMap<String, String>> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, kv)| kv)
    }

    /// Section names in file order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|(n, _)| n.as_str())
    }
}

/// Parses `text`.
pub(crate) fn parse(text: &str) -> Result<Ini, IniError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut ini = Ini::default();
    let mut current: Option<usize> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let err = |problem| IniError {
            line: line_no,
            problem,
        };
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| err("section header is missing the closing ']'"))?
                .trim();
            if name.is_empty() {
                return Err(err("empty section name"));
            }
            current = Some(match ini.sections.iter().position(|(s, _)| s == name) {
                Some(i) => i,
                None => {
                    ini.sections.push((name.to_string(), HashMap::new()));
                    ini.sections.len() - 1
                }
            });
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| err("expected `key = value`, a [section] header or a comment"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(err("missing key before '='"));
        }
        let idx = current.ok_or_else(|| err("key outside of any [section]"))?;
        ini.sections[idx]
            .1
            .insert(key.to_string(), unquote(value.trim()).to_string());
    }
    Ok(ini)
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_comments_quotes() {
        let ini = parse(
            "\u{feff}# top\n[default]\ntype = access_key\n; c\naccess_key_id=\"ID\"\n\n\
             [ other ]\nrole_arn = acs:ram::1:role/x=y\n[default]\naccess_key_secret = 'a#b'\n",
        )
        .expect("parse");
        let d = ini.section("default").expect("default");
        assert_eq!(d["type"], "access_key");
        assert_eq!(d["access_key_id"], "ID");
        assert_eq!(d["access_key_secret"], "a#b");
        assert_eq!(
            ini.section("other").expect("other")["role_arn"],
            "acs:ram::1:role/x=y"
        );
        assert_eq!(ini.names().collect::<Vec<_>>(), ["default", "other"]);
    }

    #[test]
    fn errors_carry_line_numbers() {
        assert_eq!(
            parse("[a]\nnot a pair secretvalue\n").expect_err("e").line,
            2
        );
        assert_eq!(parse("[a\n").expect_err("e").line, 1);
        assert_eq!(parse("k = v\n").expect_err("e").line, 1);
        assert_eq!(parse("[a]\n = v\n").expect_err("e").line, 2);
        assert_eq!(parse("[]\n").expect_err("e").line, 1);
    }
}
