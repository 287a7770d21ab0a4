//! The per-store config file, `.gpforge.json`, read from the folder being
//! validated (for a file: the folder holding it).
//!
//! ```json
//! {
//!   "profile": "strict",
//!   "allow": ["REF008", "unused-presentation"],
//!   "deny": ["ADMX020"],
//!   "severity": { "ADMX007": "error", "SCH004": "info" }
//! }
//! ```
//!
//! Every key is optional. `allow` drops findings, `deny` makes them errors,
//! `severity` sets a code's severity; entries name a code, a rule name or a
//! group (`schema`, `admx`, ...). Command-line `--profile`, `--allow` and
//! `--deny` take precedence over the file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::Profile;
use crate::diagnostic::Severity;
use crate::error::{Error, Result};

/// File name of the config file.
pub const CONFIG_FILE: &str = ".gpforge.json";

/// Settings from `.gpforge.json`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `windows` or `strict`.
    #[serde(default, deserialize_with = "de_profile")]
    pub profile: Option<Profile>,
    /// Codes, rule names or groups to drop.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Codes, rule names or groups to raise to error.
    #[serde(default)]
    pub deny: Vec<String>,
    /// Severity per code, rule name or group.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

fn de_profile<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Profile>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s {
        None => Ok(None),
        Some(s) => Profile::parse(&s).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected profile `windows` or `strict`, found `{s}`"
            ))
        }),
    }
}

impl Config {
    /// Adds `other`'s settings (its profile wins when set).
    pub fn merge(&mut self, other: Config) {
        if other.profile.is_some() {
            self.profile = other.profile;
        }
        self.allow.extend(other.allow);
        self.deny.extend(other.deny);
        self.severity.extend(other.severity);
    }

    /// The configured severity of `code`, if any.
    pub fn severity_of(&self, code: &str) -> Option<Severity> {
        let rule = super::rules::rule(code);
        self.severity.iter().find_map(|(k, v)| {
            let hit = k.eq_ignore_ascii_case(code)
                || rule.is_some_and(|r| {
                    k.eq_ignore_ascii_case(r.name) || k.eq_ignore_ascii_case(r.group)
                });
            if hit { Severity::parse(v) } else { None }
        })
    }
}

/// Reads `<dir>/.gpforge.json` if present. A malformed file is a fatal error.
pub(crate) fn load(dir: &Path) -> Result<Option<Config>> {
    let path = dir.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let c: Config = serde_json::from_str(&text).map_err(|e| {
        Error::Invalid(format!(
            "{}: line {}, column {}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    for v in c.severity.values() {
        if Severity::parse(v).is_none() {
            return Err(Error::Invalid(format!(
                "{}: expected severity `error`, `warning` or `info`, found `{v}`",
                path.display()
            )));
        }
    }
    Ok(Some(c))
}
