//! Finding incoming templates: folders (an extracted Microsoft download, a
//! copied `PolicyDefinitions`), single `.admx` / `.adml` files, or templates
//! built in memory. Nothing below a given folder is followed through a link.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::TOOL_DIR;
use super::paths::{canonical_culture, name_problem, stem_with_ext};
use super::plan::Refusal;
use crate::error::{Error, Result};

/// How deep below a given folder templates are searched for.
const MAX_DEPTH: usize = 12;

/// One incoming file.
#[derive(Clone, Debug)]
pub(crate) struct SourceFile {
    /// Where it was read from (for messages); for built-in templates a description.
    pub path: PathBuf,
    /// Its file name, as spelled in the source.
    pub name: String,
    /// Its bytes, read once.
    pub bytes: Vec<u8>,
}

/// One incoming template: an ADMX and its ADMLs by culture (any may be missing).
#[derive(Clone, Debug, Default)]
pub(crate) struct SourceTemplate {
    /// The ADMX.
    pub admx: Option<SourceFile>,
    /// ADMLs by canonical culture name.
    pub admls: BTreeMap<String, SourceFile>,
}

/// Something in the sources that must be refused.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    /// The file or folder.
    pub path: PathBuf,
    /// The template it belongs to (lower-case stem), when known.
    pub template: Option<String>,
    /// The file of the template it is about (`""` for the ADMX, else the
    /// culture), when it is about one incoming file rather than a source path.
    pub slot: Option<String>,
    /// Kind.
    pub kind: Refusal,
    /// One line.
    pub why: String,
}

/// Every incoming template, by lower-case stem, and what was refused while finding them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sources {
    pub templates: BTreeMap<String, SourceTemplate>,
    pub problems: Vec<Problem>,
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        v.push((e.file_name().to_string_lossy().into_owned(), e.path()));
    }
    v.sort();
    Ok(v)
}

impl Sources {
    /// Finds the templates in the given folders and files.
    pub(crate) fn collect(inputs: &[PathBuf]) -> Result<Sources> {
        let mut s = Sources::default();
        for input in inputs {
            let meta = std::fs::metadata(input).map_err(|e| Error::io(input, e))?;
            if meta.is_dir() {
                s.walk(input, 0)?;
            } else if let Some(stem) = file_stem(input, "admx") {
                s.add_admx_file(input, stem)?;
            } else if file_stem(input, "adml").is_some() {
                let culture = input
                    .parent()
                    .and_then(|p| p.file_name())
                    .and_then(|n| n.to_str())
                    .and_then(canonical_culture);
                match culture {
                    Some(c) => s.add(input, &c),
                    None => s.problem(
                        input,
                        None,
                        Refusal::UnsafeName,
                        "cannot tell the culture of this ADML: its folder is not named like en-US"
                            .into(),
                    ),
                }
            } else {
                return Err(Error::Invalid(format!(
                    "{}: expected a folder, an .admx or an .adml file",
                    input.display()
                )));
            }
        }
        Ok(s)
    }

    fn problem(&mut self, path: &Path, template: Option<String>, kind: Refusal, why: String) {
        self.problems.push(Problem {
            path: path.to_path_buf(),
            template,
            slot: None,
            kind,
            why,
        });
    }

    /// A folder: a template root when it holds ADMX files (or is called
    /// PolicyDefinitions); its culture folders hold the ADMLs. Other folders
    /// are searched further down.
    fn walk(&mut self, dir: &Path, depth: usize) -> Result<()> {
        let entries = sorted_entries(dir)?;
        let is_root = dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.eq_ignore_ascii_case("PolicyDefinitions"))
            || entries
                .iter()
                .any(|(n, _)| stem_with_ext(n, "admx").is_some());
        for (name, path) in &entries {
            let link = is_link(path);
            if is_root && stem_with_ext(name, "admx").is_some() {
                if link {
                    let t = stem_with_ext(name, "admx").map(str::to_lowercase);
                    self.problem(
                        path,
                        t,
                        Refusal::Link,
                        "is a link; links in sources are refused".into(),
                    );
                } else {
                    self.add(path, "")
                }
                continue;
            }
            if name == TOOL_DIR {
                continue;
            }
            let is_dir = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
            if is_root && let Some(culture) = canonical_culture(name).filter(|_| is_dir || link) {
                if link {
                    self.problem(
                        path,
                        None,
                        Refusal::Link,
                        "culture folder is a link; links in sources are refused".into(),
                    );
                    continue;
                }
                for (fname, fpath) in sorted_entries(path)? {
                    if stem_with_ext(&fname, "adml").is_none() {
                        continue;
                    }
                    if is_link(&fpath) {
                        let t = stem_with_ext(&fname, "adml").map(str::to_lowercase);
                        self.problem(
                            &fpath,
                            t,
                            Refusal::Link,
                            "is a link; links in sources are refused".into(),
                        );
                    } else {
                        self.add(&fpath, &culture);
                    }
                }
                continue;
            }
            if link {
                if is_root || entries_look_relevant(name) {
                    self.problem(
                        path,
                        None,
                        Refusal::Link,
                        "is a link; links in sources are refused".into(),
                    );
                }
                continue;
            }
            if is_dir && depth < MAX_DEPTH {
                self.walk(path, depth + 1)?;
            }
        }
        Ok(())
    }

    /// A single ADMX given by path: its ADMLs are in culture folders beside it.
    fn add_admx_file(&mut self, path: &Path, stem: String) -> Result<()> {
        self.add(path, "");
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        for (name, sub) in sorted_entries(&dir)? {
            let Some(culture) = canonical_culture(&name) else {
                continue;
            };
            if !sub.is_dir() {
                continue;
            }
            if is_link(&sub) {
                self.problem(
                    &sub,
                    Some(stem.to_lowercase()),
                    Refusal::Link,
                    "culture folder is a link; links in sources are refused".into(),
                );
                continue;
            }
            for (fname, fpath) in sorted_entries(&sub)? {
                if stem_with_ext(&fname, "adml").is_some_and(|s| s.eq_ignore_ascii_case(&stem)) {
                    if is_link(&fpath) {
                        self.problem(
                            &fpath,
                            Some(stem.to_lowercase()),
                            Refusal::Link,
                            "is a link; links in sources are refused".into(),
                        );
                    } else {
                        self.add(&fpath, &culture);
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads one file into its template (`culture` empty for the ADMX).
    fn add(&mut self, path: &Path, culture: &str) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = if culture.is_empty() { "admx" } else { "adml" };
        let Some(stem) = stem_with_ext(&name, ext) else {
            return;
        };
        let key = stem.to_lowercase();
        if let Some(why) = name_problem(&name) {
            self.problem(path, Some(key), Refusal::UnsafeName, why);
            return;
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.problem(
                    path,
                    Some(key),
                    Refusal::Unreadable,
                    format!("cannot read: {e}"),
                );
                return;
            }
        };
        self.insert(
            key,
            culture,
            SourceFile {
                path: path.to_path_buf(),
                name,
                bytes,
            },
        );
    }

    /// Adds a file; two different files for the same slot are refused.
    pub(crate) fn insert(&mut self, key: String, culture: &str, file: SourceFile) {
        let t = self.templates.entry(key.clone()).or_default();
        let existing = if culture.is_empty() {
            t.admx.as_ref()
        } else {
            t.admls.get(culture)
        };
        if let Some(old) = existing {
            if old.bytes != file.bytes {
                let why = format!(
                    "two different sources for the same file: {} and {}",
                    old.path.display(),
                    file.path.display()
                );
                self.problems.push(Problem {
                    path: file.path,
                    template: Some(key),
                    slot: Some(culture.to_string()),
                    kind: Refusal::DuplicateSource,
                    why,
                });
            }
            return;
        }
        if culture.is_empty() {
            t.admx = Some(file);
        } else {
            t.admls.insert(culture.to_string(), file);
        }
    }
}

/// Links whose names look like templates or culture folders are worth a refusal line.
fn entries_look_relevant(name: &str) -> bool {
    stem_with_ext(name, "admx").is_some()
        || stem_with_ext(name, "adml").is_some()
        || canonical_culture(name).is_some()
}

fn file_stem(path: &Path, ext: &str) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    stem_with_ext(name, ext).map(str::to_string)
}
