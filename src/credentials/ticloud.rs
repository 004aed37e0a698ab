//! The TiDB Cloud CLI's `~/.ticloud/config.toml`.
//!
//! Top-level `current-profile = "name"` plus one table per profile holding `public-key`
//! and `private-key`. The profile is the explicit one (lowercased, like `ticloud -P`),
//! else `current-profile`, else `default`. A profile is used only when both keys are set
//! (otherwise ticloud itself falls back to its OAuth login, which tilink cannot reuse).

use std::path::{Path, PathBuf};

use super::chain::Probe;
use super::files::{self, line_col, malformed, with_warning};
use super::{CredentialsError, Inputs, Source, TidbCredentials, mask_id};
use crate::secret::Secret;

/// `<home>/.ticloud/config.toml`.
pub(crate) fn path(inputs: &Inputs) -> PathBuf {
    inputs.home.join(".ticloud").join("config.toml")
}

/// The profile named on the command line, lowercased.
pub(crate) fn requested_profile(inputs: &Inputs) -> Option<String> {
    inputs
        .ticloud_profile
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_lowercase)
}

pub(crate) fn probe(inputs: &Inputs) -> Result<Probe<TidbCredentials>, CredentialsError> {
    let path = path(inputs);
    let Some(file) = files::read(&path)? else {
        return Ok(Probe::miss("file not found"));
    };
    let root: toml::Table =
        toml::from_str(&file.text).map_err(|e| toml_error(&path, &file.text, &e))?;
    let current = match root.get("current-profile") {
        None => None,
        Some(toml::Value::String(s)) => Some(s.trim()).filter(|s| !s.is_empty()),
        Some(_) => return Err(malformed(&path, "current-profile must be a string")),
    };
    let name = requested_profile(inputs)
        .or_else(|| current.map(str::to_string))
        .unwrap_or_else(|| "default".to_string());
    let Some(profile) = root.get(&name).and_then(toml::Value::as_table) else {
        let names = root
            .iter()
            .filter(|(_, v)| v.is_table())
            .map(|(k, _)| k.as_str());
        return Ok(Probe::miss(files::profile_not_found(
            &name,
            names,
            &file.warning,
        )));
    };
    let get = |key: &str| -> Result<&str, CredentialsError> {
        match profile.get(key) {
            None => Ok(""),
            Some(toml::Value::String(s)) => Ok(s.trim()),
            Some(_) => Err(malformed(
                &path,
                &format!("[{name}] {key} must be a string"),
            )),
        }
    };
    let (public, private) = (get("public-key")?, get("private-key")?);
    let outcome = match (public.is_empty(), private.is_empty()) {
        (false, false) => {
            let creds = TidbCredentials {
                public_key: public.to_string(),
                private_key: Secret::new(private),
                source: Source::TicloudProfile {
                    path: path.clone(),
                    profile: name.clone(),
                },
            };
            let detail = format!("profile '{name}', API key {}", mask_id(public));
            return Ok(Probe::hit(creds, detail).warn(&file.warning));
        }
        (true, true) => format!(
            "profile '{name}' has no API key (an OAuth `ticloud auth login` cannot be reused); \
             run `ticloud config set public-key …` and `… private-key …`"
        ),
        (false, true) => format!("profile '{name}' has public-key but no private-key"),
        (true, false) => format!("profile '{name}' has private-key but no public-key"),
    };
    Ok(Probe::miss(with_warning(outcome, &file.warning)))
}

/// A TOML error with position but without the source snippet `Display` would print.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> CredentialsError {
    let (line, column) = match e.span() {
        Some(span) => {
            let end = span.start.min(text.len());
            let (l, c) = line_col(&text.as_bytes()[..end]);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    let message = e.message().trim().replace('\n', "; ");
    CredentialsError::Malformed {
        path: path.to_path_buf(),
        line,
        column,
        problem: format!("invalid TOML: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"current-profile = "work"

[work]
public-key = "PUBWORK1"
private-key = "priv-work-secret"

[Other]
public-key = "PUBOTHER"

[oauth]
access-token = "tok"

[home]
public-key = "PUBHOME1"
private-key = "priv-home-secret"
"#;

    fn home_with(text: &str) -> (tempfile::TempDir, Inputs) {
        crate::credentials::fixtures::home_with(".ticloud/config.toml", text)
    }

    fn hit(i: &Inputs) -> TidbCredentials {
        crate::credentials::fixtures::hit(probe(i))
    }

    #[test]
    fn current_profile_is_used() {
        let (_d, i) = home_with(CONFIG);
        let c = hit(&i);
        assert_eq!(c.public_key, "PUBWORK1");
        assert_eq!(c.private_key.expose(), "priv-work-secret");
        assert!(
            matches!(c.source, Source::TicloudProfile { ref profile, .. } if profile == "work")
        );
    }

    #[test]
    fn override_is_lowercased() {
        let (_d, mut i) = home_with(CONFIG);
        i.ticloud_profile = Some("HOME".into());
        assert_eq!(hit(&i).public_key, "PUBHOME1");
    }

    #[test]
    fn only_both_keys_count() {
        let (_d, mut i) = home_with(
            "current-profile = \"half\"\n[half]\npublic-key = \"P\"\n[oauth]\naccess-token = \"t\"\n",
        );
        let Ok(Probe::Miss(why)) = probe(&i) else {
            panic!("expected miss")
        };
        assert!(why.contains("no private-key"), "{why}");
        i.ticloud_profile = Some("oauth".into());
        let Ok(Probe::Miss(why)) = probe(&i) else {
            panic!("expected miss")
        };
        assert!(why.contains("no API key"), "{why}");
    }

    #[test]
    fn default_profile_without_current() {
        let (_d, i) = home_with("[default]\npublic-key = \"PD\"\nprivate-key = \"sd\"\n");
        assert_eq!(hit(&i).public_key, "PD");
    }

    #[test]
    fn malformed_toml_has_position_and_no_secret() {
        let (_d, i) = home_with("[work]\npublic-key = \"P\"\nprivate-key = leakedsecret\n");
        let msg = probe(&i).expect_err("malformed").to_string();
        assert!(
            msg.contains("config.toml") && msg.contains("line 3"),
            "{msg}"
        );
        assert!(!msg.contains("leakedsecret"), "{msg}");
        let (_d, i) = home_with("[work]\nprivate-key = \"unterminated-secret\n");
        let msg = probe(&i).expect_err("malformed").to_string();
        assert!(!msg.contains("unterminated-secret"), "{msg}");
        let (_d, i) = home_with("[default]\nprivate-key = 12345678\npublic-key = \"P\"\n");
        let msg = probe(&i).expect_err("type").to_string();
        assert!(
            msg.contains("private-key must be a string") && !msg.contains("12345678"),
            "{msg}"
        );
    }
}
