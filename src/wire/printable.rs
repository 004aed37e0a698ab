//! Strings from outside (a cloud's answer, a MySQL server's greeting, a PLC's display name)
//! made safe for a terminal: control characters (C0, DEL, C1: ESC, OSC, CSI…) and the
//! bidirectional overrides are shown escaped (`\x1b`, `\u{202e}`), never sent raw; a string
//! longer than [`MAX_CHARS`] is cut with a note. Applied where strings enter (every JSON
//! answer of both clouds, every check), so no screen, report or error message can clear the
//! screen, set the title, write the clipboard (OSC 52) or draw a fake `[PASS]` line.

/// The longest string kept whole (error messages of 1 MiB are cut here).
pub const MAX_CHARS: usize = 4096;

fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with control characters escaped and its length capped at `cap` characters.
pub fn clean_capped(s: &str, cap: usize) -> String {
    if s.len() <= cap && !s.chars().any(unsafe_char) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len().min(cap + 32));
    for (n, c) in s.chars().enumerate() {
        if n >= cap {
            out.push_str(&format!(
                "… ({} more characters not shown)",
                s.chars().count() - cap
            ));
            break;
        }
        if unsafe_char(c) {
            let v = c as u32;
            if v < 0x100 {
                out.push_str(&format!("\\x{v:02x}"));
            } else {
                out.push_str(&format!("\\u{{{v:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` with control characters escaped and its length capped at [`MAX_CHARS`].
pub fn clean(s: &str) -> String {
    clean_capped(s, MAX_CHARS)
}

/// Cleans every string inside a JSON answer (keys stay: they are the API's field names).
pub fn clean_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if s.len() > MAX_CHARS || s.chars().any(unsafe_char) => {
            *s = clean(s);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(clean_value),
        serde_json::Value::Object(o) => o.values_mut().for_each(clean_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_reach_no_terminal() {
        let hostile = "db\x1b]52;c;ZXZpbA==\x07\x1b[2J\r\n[PASS] fake\u{202e}x\u{9b}";
        let c = clean(hostile);
        assert!(!c.chars().any(unsafe_char), "{c:?}");
        assert_eq!(
            c,
            "db\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x0d\\x0a[PASS] fake\\u{202e}x\\x9b"
        );
        assert_eq!(clean("plc-abc ✓ ok"), "plc-abc ✓ ok");
        let long = "a".repeat(MAX_CHARS + 10);
        assert!(clean(&long).ends_with("… (10 more characters not shown)"));
        let mut v = serde_json::json!({"Message": "x\x1b[31m", "List": ["\x07"], "N": 1});
        clean_value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"Message": "x\\x1b[31m", "List": ["\\x07"], "N": 1})
        );
    }
}
