//! Validation of ADMX/ADML files and central stores: `gpforge validate`.
//!
//! Checks run in layers, each with its own codes (see [`RULES`] and
//! `gpforge rules`):
//!
//! 1. `file`: bytes, encoding, DTDs, root element, placement (`XML*`);
//! 2. `schema`: one file against Microsoft's ADMX schema, by a table-driven
//!    content-model checker over the XML events ([`schema`](self), `SCH*`);
//! 3. `admx` / `adml`: meaning inside one file (duplicates, references,
//!    registry keys, ...; `ADMX*`, `ADML*`);
//! 4. `reference`: an ADMX against its ADMLs (`REF*`);
//! 5. `language`: every culture against the baseline culture (`LANG*`);
//! 6. `store`: the whole central store (`STORE*`).
//!
//! Entry point: [`validate_paths`]. Inputs: ADMX files (checked with the
//! ADMLs in `<culture>/` folders beside them), ADML files (checked alone),
//! and folders (checked as a central store; a folder holding a
//! `PolicyDefinitions` folder means that one).
//!
//! Profiles ([`Profile`]): `windows` (default) reports what the Group Policy
//! editor refuses as errors and what it tolerates as warnings; `strict` makes
//! everything Microsoft's XSD rejects an error. Severities can further be
//! changed per code with `allow`/`deny` in [`Options`] or in a config file
//! `.gpforge.json` in the store folder (see [`Config`]).
//!
//! Rendering ([`render`]): rustc-style text, JSON and SARIF 2.1.0; the
//! library never prints.

mod checks;
mod config;
mod crew;
mod hash;
mod input;
pub mod render;
mod rules;
mod schema;
mod source;

use std::path::Path;

use serde::Serialize;

pub use config::Config;
pub use rules::RULES;
pub use source::SourceFile;

use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Result;

/// Which findings count as errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// What the Group Policy editor refuses is an error; what it tolerates
    /// (unknown attributes, hyphenated ids, stray text, ...) is a warning.
    #[default]
    Windows,
    /// Everything Microsoft's published XSD rejects is an error.
    Strict,
}

impl Profile {
    /// Parses `windows` or `strict`.
    pub fn parse(s: &str) -> Option<Profile> {
        match s.to_ascii_lowercase().as_str() {
            "windows" => Some(Profile::Windows),
            "strict" => Some(Profile::Strict),
            _ => None,
        }
    }
}

/// What to check and how to grade it.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The profile; `None`: the config file's, else [`Profile::Windows`].
    pub profile: Option<Profile>,
    /// Codes (or rule names) to drop.
    pub allow: Vec<String>,
    /// Codes (or rule names) to raise to error.
    pub deny: Vec<String>,
    /// Do not read `.gpforge.json` config files.
    pub no_config: bool,
}

/// The result of a validation run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read, with the lines the findings point into (for rendering).
    pub files: Vec<SourceFile>,
    /// The profile that was applied.
    pub profile: Profile,
}

impl Report {
    /// The source file of `path`, if it was read.
    pub fn file(&self, path: &Path) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Number of findings with exactly this severity.
    pub fn count(&self, sev: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count()
    }

    /// The highest severity found.
    pub fn max_severity(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }
}

/// Validates files and folders (see the module docs for what each kind of
/// path means). Fatal errors (a path that does not exist, an unreadable
/// folder) are `Err`; everything about the content is a finding.
pub fn validate_paths<P: AsRef<Path>>(paths: &[P], opts: &Options) -> Result<Report> {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let mut config = Config::default();
    // Folders are checked on several threads: their helpers are started
    // now, to get going while the files are listed (a file is checked
    // alone, or with the ADMLs beside it: helpers are started if they
    // are many).
    let mut crew = if paths.iter().any(|p| p.as_ref().is_dir()) {
        crew::Crew::for_machine()
    } else {
        crew::Crew::idle()
    };
    for p in paths {
        let p = p.as_ref();
        let set = input::discover(p)?;
        if !opts.no_config {
            if let Some(c) = config::load(&set.root)? {
                config.merge(c);
            }
        }
        files.extend(input::check_set(
            set,
            &mut diagnostics,
            opts.profile.or(config.profile) == Some(Profile::Strict),
            &mut crew,
        )?);
    }
    let profile = opts.profile.or(config.profile).unwrap_or_default();
    let mut allow = config.allow.clone();
    allow.extend(opts.allow.iter().cloned());
    let mut deny = config.deny.clone();
    deny.extend(opts.deny.iter().cloned());
    grade(&mut diagnostics, profile, &config, &allow, &deny);
    sort(&mut diagnostics);
    Ok(Report {
        diagnostics,
        files,
        profile,
    })
}

fn matches_code(list: &[String], code: &str) -> bool {
    list.iter().any(|x| {
        x.eq_ignore_ascii_case(code)
            || rules::rule(code)
                .is_some_and(|r| x.eq_ignore_ascii_case(r.name) || x.eq_ignore_ascii_case(r.group))
    })
}

/// Applies profile, config severities, allow and deny.
fn grade(
    diags: &mut Vec<Diagnostic>,
    profile: Profile,
    config: &Config,
    allow: &[String],
    deny: &[String],
) {
    for d in diags.iter_mut() {
        if profile == Profile::Strict && is_schema_level(&d.code) {
            d.severity = Severity::Error;
        }
        if let Some(sev) = config.severity_of(&d.code) {
            d.severity = sev;
        }
        if matches_code(deny, &d.code) {
            d.severity = Severity::Error;
        }
    }
    diags.retain(|d| !matches_code(allow, &d.code) || matches_code(deny, &d.code));
}

/// Codes that mean "Microsoft's XSD (or an XML parser) rejects this file":
/// the `schema` group plus well-formedness, DTD, root element and root namespace.
pub fn is_schema_level(code: &str) -> bool {
    code.starts_with("SCH") || matches!(code, "XML001" | "XML002" | "XML004" | "XML005" | "XML006")
}

/// Orders findings by file, position, code and message (stable). Paths
/// compare component by component, which is slow, so the distinct files
/// are ranked once and the findings sorted by rank.
fn sort(diags: &mut Vec<Diagnostic>) {
    // the distinct paths (by their bytes; runs of findings share one), in order
    let mut uniq: Vec<&Path> = Vec::new();
    let mut last: Option<&std::ffi::OsStr> = None;
    for p in diags.iter().filter_map(|d| d.file.as_deref()) {
        if last != Some(p.as_os_str()) {
            last = Some(p.as_os_str());
            uniq.push(p);
        }
    }
    uniq.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    uniq.dedup_by(|a, b| a.as_os_str() == b.as_os_str());
    uniq.sort();
    // equal paths spelt differently share a rank
    let mut ranks: Vec<(&std::ffi::OsStr, u32)> = Vec::with_capacity(uniq.len());
    let mut rank = 0u32;
    for (k, p) in uniq.iter().enumerate() {
        if k > 0 && uniq[k - 1] != *p {
            rank += 1;
        }
        ranks.push((p.as_os_str(), rank));
    }
    ranks.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let rank_of = |d: &Diagnostic| {
        d.file.as_deref().map(|p| {
            let i = ranks.partition_point(|(q, _)| *q < p.as_os_str());
            ranks[i].1
        })
    };
    // (runs of findings share a file: its rank is looked up once per run)
    let mut last: Option<(&std::ffi::OsStr, Option<u32>)> = None;
    let keys: Vec<(Option<u32>, Option<u32>)> = diags
        .iter()
        .map(|d| {
            let p = d.file.as_deref().map(Path::as_os_str);
            let rank = match last {
                Some((q, r)) if Some(q) == p => r,
                _ => {
                    let r = rank_of(d);
                    last = p.map(|p| (p, r));
                    r
                }
            };
            (rank, d.span.map(|s| s.start))
        })
        .collect();
    let mut order: Vec<usize> = (0..diags.len()).collect();
    order.sort_by(|&x, &y| {
        keys[x].cmp(&keys[y]).then_with(|| {
            (&diags[x].code, &diags[x].message).cmp(&(&diags[y].code, &diags[y].message))
        })
    });
    let mut slots: Vec<Option<Diagnostic>> = std::mem::take(diags).into_iter().map(Some).collect();
    diags.reserve_exact(order.len());
    diags.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;
    use std::path::PathBuf;

    #[test]
    fn findings_sort_as_their_paths_positions_codes_and_messages_compare() {
        let paths = [
            None,
            Some("a/b.admx"),
            Some("a//b.admx"),
            Some("a/b/c.adml"),
            Some("a.b/x.admx"),
            Some("a/./b.admx"),
            Some("z.admx"),
            Some("A.admx"),
            Some("a/b.admx/"),
        ];
        let mut diags = Vec::new();
        for k in 0..300usize {
            let mut d = Diagnostic::new(
                ["SCH004", "ADMX015", "REF008"][k % 3],
                Severity::Warning,
                format!("m{}", k % 5),
            );
            // runs of one file, as the checks make them
            d.file = paths[(k / 3 * 7) % paths.len()].map(PathBuf::from);
            d.span = (k % 4 != 0).then(|| Span::new((k * 13) % 17, 30));
            diags.push(d);
        }
        let mut want = diags.clone();
        want.sort_by(|a, b| {
            (&a.file, a.span.map(|s| s.start), &a.code, &a.message).cmp(&(
                &b.file,
                b.span.map(|s| s.start),
                &b.code,
                &b.message,
            ))
        });
        sort(&mut diags);
        assert_eq!(diags, want);
    }
}
