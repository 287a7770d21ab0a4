//! The `build` job: the built-in templates plus a GPO's `User/registry.pol`,
//! written into one output folder, all or nothing.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::admx::{WriteOptions, write_adml, write_admx};
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;

use super::builtin::{ADML_FILE, ADMX_FILE, definitions, linkedin_policy, resources};
use super::effects::{PolicyState, effects};
use super::registry::registry_pol;
use super::strings;

/// What [`build`] should produce.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The state the GPO gives the LinkedIn policy (decides `User/registry.pol`).
    pub state: PolicyState,
    /// ADML cultures to write (matched case-insensitively; written with the
    /// built-in spelling). Empty means every built-in culture.
    pub cultures: Vec<String>,
    /// The output folder (created when missing).
    pub out_dir: PathBuf,
    /// Overwrite existing files that differ from what would be written.
    pub force: bool,
}

/// One file of the job's output, before it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder (`PolicyDefinitions/office16.admx`, ...).
    pub rel_path: PathBuf,
    /// The complete contents.
    pub bytes: Vec<u8>,
}

/// What happened to one target file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileOutcome {
    /// It did not exist and was written.
    Created,
    /// It existed with other contents and was overwritten (`force`).
    Replaced,
    /// It already held exactly these bytes; it was not touched.
    Unchanged,
}

impl FileOutcome {
    /// `created`, `replaced`, `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileOutcome::Created => "created",
            FileOutcome::Replaced => "replaced",
            FileOutcome::Unchanged => "unchanged",
        }
    }
}

/// One file the job produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BuiltFile {
    /// Full path (the output folder joined with the relative path).
    pub path: PathBuf,
    /// Size in bytes.
    pub len: usize,
    /// Created, replaced or already identical.
    pub outcome: FileOutcome,
}

/// The result of [`build`]: every target, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BuildReport {
    /// The files, ADMX first, then the ADMLs, then `User/registry.pol`.
    pub files: Vec<BuiltFile>,
}

/// The built-in `office16.admx`, canonical bytes (UTF-8 with declaration, CRLF).
pub fn render_admx() -> Vec<u8> {
    write_admx(&definitions(), &WriteOptions::default())
}

/// The built-in `office16.adml` of `culture`, canonical bytes; `None` when
/// the culture is not built in.
pub fn render_adml(culture: &str) -> Option<Vec<u8>> {
    Some(write_adml(&resources(culture)?, &WriteOptions::default()))
}

/// Resolves requested culture names to the built-in spellings, in the order
/// given, without duplicates. Empty means all.
fn resolve_cultures(requested: &[String]) -> Result<Vec<&'static str>> {
    if requested.is_empty() {
        return Ok(strings::culture_names().collect());
    }
    let mut out = Vec::new();
    for r in requested {
        let Some(c) = strings::culture(r.trim()) else {
            let known: Vec<_> = strings::culture_names().collect();
            return Err(Error::Invalid(format!(
                "expected a built-in culture ({}), found '{r}'",
                known.join(", ")
            )));
        };
        if !out.contains(&c.culture) {
            out.push(c.culture);
        }
    }
    Ok(out)
}

/// Every file of the job, with its bytes, without touching the disk:
/// `PolicyDefinitions/office16.admx`, `PolicyDefinitions/<culture>/office16.adml`
/// for each culture, and `User/registry.pol` for `state` (Not configured is
/// the 8-byte header-only file). Fails on an unknown culture.
pub fn outputs(state: PolicyState, cultures: &[String]) -> Result<Vec<OutputFile>> {
    let cultures = resolve_cultures(cultures)?;
    let defs = Path::new("PolicyDefinitions");
    let mut files = vec![OutputFile {
        rel_path: defs.join(ADMX_FILE),
        bytes: render_admx(),
    }];
    for c in cultures {
        let bytes = render_adml(c).expect("resolved cultures are built in");
        files.push(OutputFile {
            rel_path: defs.join(c).join(ADML_FILE),
            bytes,
        });
    }
    let pol = registry_pol(&effects(&linkedin_policy(), state));
    files.push(OutputFile {
        rel_path: Path::new("User").join("registry.pol"),
        bytes: pol,
    });
    Ok(files)
}

/// What is on disk at one target before writing.
enum Existing {
    Missing,
    Same,
    Different(Vec<u8>),
}

/// Looks at a target without changing anything. A missing file is fine as
/// long as the nearest existing ancestor is a folder.
fn inspect(path: &Path, new: &[u8]) -> Result<Existing> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(Error::io(
                path,
                std::io::Error::new(ErrorKind::IsADirectory, "expected a file, found a folder"),
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory => {
            let mut anc = path.parent();
            while let Some(a) = anc {
                let a = if a.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    a
                };
                match std::fs::metadata(a) {
                    Ok(m) if m.is_dir() => return Ok(Existing::Missing),
                    Ok(_) => {
                        return Err(Error::io(
                            a,
                            std::io::Error::new(
                                ErrorKind::NotADirectory,
                                format!(
                                    "expected a folder, found a file (on the way to {})",
                                    path.display()
                                ),
                            ),
                        ));
                    }
                    Err(_) => anc = a.parent(),
                }
            }
            return Ok(Existing::Missing);
        }
        Err(e) => return Err(Error::io(path, e)),
    }
    let old = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(if old == new {
        Existing::Same
    } else {
        Existing::Different(old)
    })
}

/// Folders on the way to `path` that do not exist yet, outermost first.
fn missing_dirs(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut anc = path.parent();
    while let Some(a) = anc {
        if a.as_os_str().is_empty() || a.exists() {
            break;
        }
        out.push(a.to_path_buf());
        anc = a.parent();
    }
    out.reverse();
    out
}

/// Runs the job: renders every file, checks ALL targets first (a different
/// existing file without `force`, a file where a folder must be, an unknown
/// culture: nothing is written), then writes each changed file atomically.
/// Identical existing files are left untouched. If a write fails midway, the
/// files already written are put back as they were (restored or removed, and
/// folders this run created are removed when empty), so a failed run leaves
/// the disk as it found it.
pub fn build(opts: &BuildOptions) -> Result<BuildReport> {
    let files = outputs(opts.state, &opts.cultures)?;
    let mut plan = Vec::with_capacity(files.len());
    for f in files {
        let path = opts.out_dir.join(&f.rel_path);
        let existing = inspect(&path, &f.bytes)?;
        if matches!(existing, Existing::Different(_)) && !opts.force {
            return Err(Error::WouldOverwrite { path });
        }
        plan.push((path, f.bytes, existing));
    }
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    for (path, _, existing) in &plan {
        if !matches!(existing, Existing::Same) {
            for d in missing_dirs(path) {
                if !created_dirs.contains(&d) {
                    created_dirs.push(d);
                }
            }
        }
    }
    let mut report = BuildReport::default();
    for (i, (path, bytes, existing)) in plan.iter().enumerate() {
        let outcome = match existing {
            Existing::Same => FileOutcome::Unchanged,
            Existing::Missing => FileOutcome::Created,
            Existing::Different(_) => FileOutcome::Replaced,
        };
        if outcome != FileOutcome::Unchanged {
            // (Not a let-chain: those need Rust 1.88 and rust-version is 1.85.)
            if let Err(e) = write_atomic(path, bytes) {
                roll_back(&plan[..i], &created_dirs);
                return Err(e);
            }
        }
        report.files.push(BuiltFile {
            path: path.clone(),
            len: bytes.len(),
            outcome,
        });
    }
    Ok(report)
}

/// Best effort: undoes the writes of `done` and removes the folders this run
/// created (only when empty, innermost first).
fn roll_back(done: &[(PathBuf, Vec<u8>, Existing)], created_dirs: &[PathBuf]) {
    for (path, _, existing) in done.iter().rev() {
        match existing {
            Existing::Same => {}
            Existing::Missing => {
                let _ = std::fs::remove_file(path);
            }
            Existing::Different(old) => {
                let _ = write_atomic(path, old);
            }
        }
    }
    let mut dirs = created_dirs.to_vec();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let _ = std::fs::remove_dir(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_culture_is_refused_before_anything_happens() {
        let dir = tempfile::tempdir().unwrap();
        let opts = BuildOptions {
            state: PolicyState::Disabled,
            cultures: vec!["en-US".into(), "xx-XX".into()],
            out_dir: dir.path().join("out"),
            force: false,
        };
        let e = build(&opts).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a built-in culture (en-US, de-DE, fr-FR, nl-NL), found 'xx-XX'"
        );
        assert!(!dir.path().join("out").exists());
    }

    #[test]
    fn cultures_are_resolved_case_insensitively_without_duplicates() {
        let got = resolve_cultures(&["NL-nl".into(), "en-us".into(), "nl-NL".into()]).unwrap();
        assert_eq!(got, ["nl-NL", "en-US"]);
        assert_eq!(
            resolve_cultures(&[]).unwrap().len(),
            strings::CULTURES.len()
        );
    }

    #[test]
    fn missing_dirs_lists_outermost_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/c.txt");
        assert_eq!(
            missing_dirs(&p),
            vec![dir.path().join("a"), dir.path().join("a/b")]
        );
    }

    #[test]
    fn a_failed_write_rolls_back_earlier_files_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // Block the last target (User/registry.pol) with a folder created after inspection
        // would be racy; instead make `User` a file so inspection itself refuses.
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("User"), b"not a folder").unwrap();
        let opts = BuildOptions {
            state: PolicyState::Enabled,
            cultures: vec![],
            out_dir: out.clone(),
            force: true,
        };
        let e = build(&opts).unwrap_err();
        assert!(
            e.to_string().contains("expected a folder, found a file"),
            "{e}"
        );
        assert!(
            !out.join("PolicyDefinitions").exists(),
            "nothing written before the check failed"
        );
        // And the roll-back itself: a created file goes, a replaced file comes back, empty folders go.
        let f1 = out.join("new/deep/one.txt");
        let f2 = out.join("old.txt");
        std::fs::write(&f2, b"old").unwrap();
        let created = missing_dirs(&f1);
        write_atomic(&f1, b"x").unwrap();
        write_atomic(&f2, b"y").unwrap();
        roll_back(
            &[
                (f1.clone(), vec![], Existing::Missing),
                (f2.clone(), vec![], Existing::Different(b"old".to_vec())),
            ],
            &created,
        );
        assert!(!out.join("new").exists());
        assert_eq!(std::fs::read(&f2).unwrap(), b"old");
    }
}
