//! Loading a `PolicyDefinitions` folder (central store) and asking it questions.
//!
//! Entry points:
//! - [`Store::load`]: a folder holding `*.admx` and `<culture>/*.adml`;
//! - [`Store::from_files`]: one or more ADMX files (with the `<culture>/`
//!   ADMLs beside each) or ADML files;
//! - [`Store::open`]: either of the above, depending on what the path is;
//! - [`StoreBuilder`]: documents already in memory (bytes or parsed models).
//!
//! ```
//! use std::path::Path;
//! use gpforge::store::{Lookup, Store};
//!
//! let store = Store::load(Path::new("fixtures/store/cross-file")).unwrap();
//! let Lookup::Found(id) = store.find_policy("editor:AutoSave") else { panic!() };
//! let view = store.policy_view(id, "de-DE");
//! assert_eq!(view.display_name.as_deref(), Some("Dokumente automatisch speichern"));
//! assert_eq!(view.locations, ["User Configuration > Administrative Templates > Fabrikam-Werkzeuge > Editor"]);
//! ```
//!
//! Loading never fails because of the content of one file: a file that
//! cannot be read or parsed becomes a [`LoadError`], and layout problems
//! (duplicates, ADMLs without ADMX, ADMX without ADML, duplicate target
//! namespaces, ...) become [`StoreIssue`]s, plain data for the validator.
//!
//! Matching is case-insensitive for folder and file names (`en-US` and
//! `en-us`, `WindowsDefender.admx` with `windowsdefender.adml`), as on
//! Windows. Namespaces, prefixes and item names are compared exactly (XML is
//! case-sensitive). Culture fallback: see [`culture`].
//!
//! Files are kept in a fixed order (ADMX by file name, byte order; ADML by
//! culture folder then file name), so every answer is deterministic. When two
//! ADMX files declare the same target namespace the first one in that order
//! wins and the other is *ignored* for lookups, as MS-GPREG 3.1.5.2 requires.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{PolicyDefinitionResources, PolicyDefinitions};
use crate::span::{LineCol, LineIndex};

pub mod culture;
pub mod effects;
mod load;
mod parse;
mod query;
pub mod view;

#[cfg(test)]
mod tests;

pub use culture::{AdmlChoice, CultureStep};
pub use effects::{ElementTarget, PolicyEffects, RegOp, RegValue, RegistryChange, policy_effects};
pub use parse::ParseError;
pub use query::{CategoryNode, CategoryTree, Lookup, MAX_TREE_DEPTH, NamespaceEntry, RefError};

/// One loaded file: where it came from, its decoded text and its model.
#[derive(Debug)]
pub struct SourceFile<T> {
    /// The file (as given, or as found under the store folder).
    pub path: PathBuf,
    /// File name without the extension, as written (`WindowsDefender`).
    pub stem: String,
    /// For ADML: the culture folder's name as written (`en-us`); `None` for ADMX.
    pub culture: Option<String>,
    /// Decoded UTF-8 text; every span in `doc` is a byte offset into it.
    /// Empty for documents built in memory without text.
    pub text: String,
    /// The parsed document.
    pub doc: T,
    line_index: OnceLock<LineIndex>,
}

impl<T> SourceFile<T> {
    /// A file from its parts.
    pub fn new(path: PathBuf, culture: Option<String>, text: String, doc: T) -> SourceFile<T> {
        let stem = file_stem(&path);
        SourceFile {
            path,
            stem,
            culture,
            text,
            doc,
            line_index: OnceLock::new(),
        }
    }

    /// The line index of [`SourceFile::text`], built on first use.
    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line:column of a byte offset into [`SourceFile::text`].
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.line_index().line_col(&self.text, offset)
    }

    /// The file name (`office16.admx`), lossily converted.
    pub fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

/// A loaded ADMX file.
pub type AdmxFile = SourceFile<PolicyDefinitions>;
/// A loaded ADML file.
pub type AdmlFile = SourceFile<PolicyDefinitionResources>;

/// Index of an ADMX file in [`Store::admx_files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AdmxId(pub usize);

/// Index of an ADML file in [`Store::adml_files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AdmlId(pub usize);

/// A category: its file and its index in that file's `<categories>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CategoryId {
    /// The ADMX file.
    pub admx: AdmxId,
    /// Index in [`PolicyDefinitions::categories`].
    pub index: usize,
}

/// A policy: its file and its index in that file's `<policies>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PolicyId {
    /// The ADMX file.
    pub admx: AdmxId,
    /// Index in [`PolicyDefinitions::policies`].
    pub index: usize,
}

/// Which kind of template a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// `*.admx`.
    Admx,
    /// `*.adml`.
    Adml,
}

/// A file that was found but could not be loaded. Loading goes on without it.
#[derive(Debug)]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// ADMX or ADML.
    pub kind: FileKind,
    /// For ADML: the culture folder as written.
    pub culture: Option<String>,
    /// What went wrong.
    pub error: LoadErrorKind,
}

/// Why a file could not be loaded.
#[derive(Debug)]
pub enum LoadErrorKind {
    /// Reading the bytes failed.
    Io(std::io::Error),
    /// The reader refused the content.
    Parse(ParseError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            LoadErrorKind::Io(e) => write!(f, "{}: cannot read: {e}", self.path.display()),
            LoadErrorKind::Parse(e) => write!(f, "{}:{e}", self.path.display()),
        }
    }
}

/// A layout fact about the store that the validator may report. The loader
/// defines no codes and no severities; it only records what it saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "issue", rename_all = "snake_case")]
pub enum StoreIssue {
    /// Several ADMX files have the same name ignoring case (`GameDVR.admx`, `gamedvr.admx`).
    DuplicateAdmx {
        /// The files, in load order.
        paths: Vec<PathBuf>,
    },
    /// Several culture folders have the same name ignoring case (`en-US`, `en-us`); their ADMLs are merged.
    DuplicateCultureFolder {
        /// The folders, in load order.
        folders: Vec<PathBuf>,
    },
    /// Several ADMLs for one ADMX name in one culture (ignoring case); the first is used.
    DuplicateAdml {
        /// The culture folder of the first file, as written.
        culture: String,
        /// The files, in load order (the first one is used).
        paths: Vec<PathBuf>,
    },
    /// An ADML with no ADMX of the same name.
    OrphanAdml {
        /// The ADML.
        path: PathBuf,
        /// Its culture folder as written.
        culture: String,
    },
    /// An ADMX with no ADML in any culture folder.
    AdmxWithoutAdml {
        /// The ADMX.
        path: PathBuf,
    },
    /// An ADMX with no ADML in a culture folder that holds ADMLs for other files.
    MissingAdml {
        /// The ADMX.
        path: PathBuf,
        /// The culture folder as written.
        culture: String,
    },
    /// An `.adml` file directly in the store folder, not in a culture folder (Windows does not find it).
    AdmlOutsideCultureFolder {
        /// The ADML.
        path: PathBuf,
    },
    /// An ADMX without `<policyNamespaces><target>` (or without its `namespace`).
    MissingTargetNamespace {
        /// The ADMX.
        path: PathBuf,
    },
    /// Two ADMX files declare the same target namespace; the later one is ignored.
    DuplicateNamespace {
        /// The namespace.
        namespace: String,
        /// The file that keeps it.
        kept: PathBuf,
        /// The file that is ignored.
        ignored: PathBuf,
    },
    /// A `<using>` names a namespace no loaded ADMX declares as its target.
    UnresolvedUsing {
        /// The ADMX with the `<using>`.
        path: PathBuf,
        /// The prefix.
        prefix: String,
        /// The namespace it names.
        namespace: String,
    },
}

/// A loaded set of templates: a central store, a folder, or a few files.
#[derive(Debug, Default)]
pub struct Store {
    root: Option<PathBuf>,
    admx: Vec<AdmxFile>,
    adml: Vec<AdmlFile>,
    load_errors: Vec<LoadError>,
    issues: Vec<StoreIssue>,
    /// Target namespace -> the file that owns it (first in load order).
    by_namespace: HashMap<String, AdmxId>,
    /// ADMX files ignored because another file owns their namespace.
    ignored: Vec<bool>,
    /// (culture lower-case, stem lower-case) -> first ADML.
    adml_index: HashMap<(String, String), AdmlId>,
    /// stem lower-case -> ADMLs of that name in every culture, in load order.
    adml_by_stem: HashMap<String, Vec<AdmlId>>,
    /// Per ADML: string id -> index in its string table (first wins), built on first use.
    string_index: Vec<OnceLock<HashMap<String, usize>>>,
    /// Per ADMX: category name -> index (first wins), built on first use.
    category_index: Vec<OnceLock<HashMap<String, usize>>>,
}

impl Store {
    /// Loads a `PolicyDefinitions` folder: every `*.admx` in it and every
    /// `*.adml` in its sub-folders (each sub-folder is a culture).
    ///
    /// Fails only when the folder itself cannot be listed.
    pub fn load(dir: &Path) -> Result<Store> {
        load::load_dir(dir)
    }

    /// Loads the given files: each ADMX together with the ADMLs of the same
    /// name in the culture folders beside it, and each ADML as given (its
    /// culture is the name of its parent folder).
    ///
    /// Fails only when a given path does not exist.
    pub fn from_files(paths: &[PathBuf]) -> Result<Store> {
        load::load_files(paths)
    }

    /// [`Store::load`] for a folder, [`Store::from_files`] for a file.
    pub fn open(path: &Path) -> Result<Store> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            Store::load(path)
        } else {
            Store::from_files(&[path.to_path_buf()])
        }
    }

    /// [`Store::open`] for one path; for several, every `*.admx` of each
    /// folder given and each file given, loaded together with
    /// [`Store::from_files`] (so templates of different folders can refer to
    /// each other).
    pub fn open_all(paths: &[PathBuf]) -> Result<Store> {
        if let [one] = paths {
            return Store::open(one);
        }
        let mut files = Vec::new();
        for p in paths {
            if p.is_dir() {
                files.extend(load::admx_in(p)?);
            } else {
                files.push(p.clone());
            }
        }
        Store::from_files(&files)
    }

    /// A builder for documents held in memory.
    pub fn builder() -> StoreBuilder {
        StoreBuilder::default()
    }

    /// The folder given to [`Store::load`] (`None` for other constructors).
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// `path` relative to the store folder when it lies inside it, else as is.
    /// Use it to show paths.
    pub fn display_path(&self, path: &Path) -> String {
        let rel = self
            .root
            .as_deref()
            .and_then(|r| path.strip_prefix(r).ok())
            .unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }

    /// Every ADMX file that parsed, in load order (including ignored ones).
    pub fn admx_files(&self) -> &[AdmxFile] {
        &self.admx
    }

    /// Every ADML file that parsed, in load order.
    pub fn adml_files(&self) -> &[AdmlFile] {
        &self.adml
    }

    /// One ADMX file.
    pub fn admx(&self, id: AdmxId) -> &AdmxFile {
        &self.admx[id.0]
    }

    /// One ADML file.
    pub fn adml(&self, id: AdmlId) -> &AdmlFile {
        &self.adml[id.0]
    }

    /// The text of string `id` in one ADML (the first entry with that id).
    pub fn adml_string(&self, adml: AdmlId, id: &str) -> Option<&str> {
        let strings = self.adml(adml).doc.strings();
        let index = self.string_index[adml.0].get_or_init(|| {
            let mut m = HashMap::with_capacity(strings.len());
            for (i, s) in strings.iter().enumerate() {
                if let Some(id) = &s.id {
                    m.entry(id.clone()).or_insert(i);
                }
            }
            m
        });
        index.get(id).map(|&i| strings[i].text.as_str())
    }

    /// Ids of every ADMX file, in load order.
    pub fn admx_ids(&self) -> impl Iterator<Item = AdmxId> + '_ {
        (0..self.admx.len()).map(AdmxId)
    }

    /// `true` when the file is ignored because an earlier file declares the same target namespace.
    pub fn is_ignored(&self, id: AdmxId) -> bool {
        self.ignored.get(id.0).copied().unwrap_or(false)
    }

    /// Files that could not be read or parsed.
    pub fn load_errors(&self) -> &[LoadError] {
        &self.load_errors
    }

    /// Layout facts (duplicates, missing or orphan files, namespace clashes).
    pub fn issues(&self) -> &[StoreIssue] {
        &self.issues
    }

    /// Culture folder names present (first spelling of each, lower-case order).
    pub fn cultures(&self) -> Vec<&str> {
        let mut seen: Vec<(String, &str)> = Vec::new();
        for f in &self.adml {
            let c = f.culture.as_deref().unwrap_or("");
            let lc = c.to_lowercase();
            if !seen.iter().any(|(l, _)| *l == lc) {
                seen.push((lc, c));
            }
        }
        seen.sort();
        seen.into_iter().map(|(_, c)| c).collect()
    }
}

/// Collects documents (bytes or parsed models) and builds a [`Store`] with
/// the same indexes and issues as [`Store::load`].
#[derive(Debug, Default)]
pub struct StoreBuilder {
    root: Option<PathBuf>,
    admx: Vec<AdmxFile>,
    adml: Vec<AdmlFile>,
    load_errors: Vec<LoadError>,
    issues: Vec<StoreIssue>,
}

impl StoreBuilder {
    /// Sets the folder paths are shown relative to.
    pub fn root(mut self, root: impl Into<PathBuf>) -> StoreBuilder {
        self.root = Some(root.into());
        self
    }

    /// Adds an ADMX from its bytes; a parse failure becomes a [`LoadError`].
    pub fn admx_bytes(mut self, path: impl Into<PathBuf>, bytes: &[u8]) -> StoreBuilder {
        let path = path.into();
        match parse::admx(bytes) {
            Ok((doc, text)) => self.admx.push(SourceFile::new(path, None, text, doc)),
            Err(e) => self.load_errors.push(LoadError {
                path,
                kind: FileKind::Admx,
                culture: None,
                error: LoadErrorKind::Parse(e),
            }),
        }
        self
    }

    /// Adds an ADML of `culture` from its bytes; a parse failure becomes a [`LoadError`].
    pub fn adml_bytes(
        mut self,
        path: impl Into<PathBuf>,
        culture: &str,
        bytes: &[u8],
    ) -> StoreBuilder {
        let path = path.into();
        match parse::adml(bytes) {
            Ok((doc, text)) => {
                self.adml
                    .push(SourceFile::new(path, Some(culture.to_owned()), text, doc))
            }
            Err(e) => self.load_errors.push(LoadError {
                path,
                kind: FileKind::Adml,
                culture: Some(culture.to_owned()),
                error: LoadErrorKind::Parse(e),
            }),
        }
        self
    }

    /// Adds an ADMX the reader already parsed.
    pub fn admx_parsed(
        self,
        path: impl Into<PathBuf>,
        parsed: crate::admx::Parsed<PolicyDefinitions>,
    ) -> StoreBuilder {
        self.admx_doc(path, parsed.doc, parsed.text)
    }

    /// Adds an ADML of `culture` the reader already parsed.
    pub fn adml_parsed(
        self,
        path: impl Into<PathBuf>,
        culture: &str,
        parsed: crate::admx::Parsed<PolicyDefinitionResources>,
    ) -> StoreBuilder {
        self.adml_doc(path, culture, parsed.doc, parsed.text)
    }

    /// Adds a parsed ADMX (`text` is the decoded text its spans point into; may be empty).
    pub fn admx_doc(
        mut self,
        path: impl Into<PathBuf>,
        doc: PolicyDefinitions,
        text: String,
    ) -> StoreBuilder {
        self.admx
            .push(SourceFile::new(path.into(), None, text, doc));
        self
    }

    /// Adds a parsed ADML of `culture`.
    pub fn adml_doc(
        mut self,
        path: impl Into<PathBuf>,
        culture: &str,
        doc: PolicyDefinitionResources,
        text: String,
    ) -> StoreBuilder {
        self.adml.push(SourceFile::new(
            path.into(),
            Some(culture.to_owned()),
            text,
            doc,
        ));
        self
    }

    /// Records a load error found by the caller.
    pub fn load_error(mut self, e: LoadError) -> StoreBuilder {
        self.load_errors.push(e);
        self
    }

    /// Records an issue found by the caller (used by the folder loader).
    pub(crate) fn issue(&mut self, i: StoreIssue) {
        self.issues.push(i);
    }

    /// Builds the indexes and the layout issues.
    pub fn build(self) -> Store {
        load::finish(self)
    }
}

/// File name without its last extension, as written.
pub(crate) fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
