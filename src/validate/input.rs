//! Finding the files to check and reading them (file and schema layers).

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::model::{FileEncoding, PolicyDefinitionResources, PolicyDefinitions};
use crate::span::Span;
use crate::xml::decode::{Decoded, EncodingConflict};
use crate::xml::reader::{EventObserver, ParseError};

use super::SourceFile;
use super::schema::{self, diag};

/// What one command-line path stands for.
#[derive(Debug, Default)]
pub(crate) struct InputSet {
    /// The folder holding the config file (the store, or the file's folder).
    pub root: PathBuf,
    /// A folder given: check it as a central store.
    pub store: bool,
    /// ADMX files.
    pub admx: Vec<PathBuf>,
    /// ADML files with their culture folder name (`None`: not in a culture folder).
    pub adml: Vec<(Option<String>, PathBuf)>,
}

fn ext_is(p: &Path, ext: &str) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(read_dir_typed(dir)?.into_iter().map(|(p, _)| p).collect())
}

/// What a folder entry is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Dir,
    File,
    Other,
}

/// Folder entries, sorted, with their kind (from the directory entry: no
/// `stat` per file, except for symbolic links, which are followed).
fn read_dir_typed(dir: &Path) -> Result<Vec<(PathBuf, Kind)>> {
    let mut v: Vec<(PathBuf, Kind)> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| {
            let e = e.ok()?;
            let p = e.path();
            let (is_dir, is_file) = match e.file_type() {
                Ok(t) if !t.is_symlink() => (t.is_dir(), t.is_file()),
                _ => (p.is_dir(), p.is_file()),
            };
            let kind = match (is_dir, is_file) {
                (true, _) => Kind::Dir,
                (_, true) => Kind::File,
                _ => Kind::Other,
            };
            Some((p, kind))
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Works out which files `path` means.
pub(crate) fn discover(path: &Path) -> Result<InputSet> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        let mut dir = path.to_path_buf();
        let entries = read_dir_sorted(&dir)?;
        if !entries.iter().any(|p| ext_is(p, "admx") && p.is_file()) {
            if let Some(pd) = entries.iter().find(|p| {
                p.is_dir()
                    && p.file_name()
                        .is_some_and(|n| n.eq_ignore_ascii_case("PolicyDefinitions"))
            }) {
                dir = pd.clone();
            }
        }
        let mut set = InputSet {
            root: dir.clone(),
            store: true,
            ..InputSet::default()
        };
        for (p, kind) in read_dir_typed(&dir)? {
            if kind == Kind::Dir {
                let culture = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .to_string();
                for (f, f_kind) in read_dir_typed(&p)? {
                    if f_kind == Kind::File && ext_is(&f, "adml") {
                        set.adml.push((Some(culture.clone()), f));
                    }
                }
            } else if ext_is(&p, "admx") {
                set.admx.push(p);
            } else if ext_is(&p, "adml") {
                set.adml.push((None, p));
            }
        }
        return Ok(set);
    }
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let root = if parent.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parent.clone()
    };
    let mut set = InputSet {
        root: root.clone(),
        store: false,
        ..InputSet::default()
    };
    if ext_is(path, "adml") {
        let culture = parent
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string);
        let culture = culture.filter(|c| is_culture_name(c));
        set.adml.push((culture, path.to_path_buf()));
        return Ok(set);
    }
    set.admx.push(path.to_path_buf());
    // ADMLs beside it: <dir>/<culture>/<stem>.adml
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    if let Ok(entries) = read_dir_sorted(&root) {
        for d in entries.into_iter().filter(|d| d.is_dir()) {
            let culture = d
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            if let Ok(files) = read_dir_sorted(&d) {
                for f in files {
                    let same = f
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .is_some_and(|s| s.eq_ignore_ascii_case(&stem));
                    if same && ext_is(&f, "adml") && f.is_file() {
                        set.adml.push((Some(culture.clone()), f));
                    }
                }
            }
        }
    }
    Ok(set)
}

/// `en-US`, `de`, `zh-Hans-CN`, ...
pub(crate) fn is_culture_name(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_alphanumeric()))
}

/// One ADMX that was read.
pub(crate) struct AdmxFile {
    pub file: usize,
    /// Lower-case file stem.
    pub stem: String,
    pub doc: Option<PolicyDefinitions>,
}

/// One ADML that was read.
pub(crate) struct AdmlFile {
    pub file: usize,
    pub stem: String,
    /// Culture folder name as found (`None` when misplaced).
    pub culture: Option<String>,
    pub doc: Option<PolicyDefinitionResources>,
}

/// Everything read for one input path.
pub(crate) struct Loaded {
    pub store: bool,
    pub files: Vec<SourceFile>,
    pub admx: Vec<AdmxFile>,
    pub adml: Vec<AdmlFile>,
}

impl Loaded {
    /// The files read; the models are freed, half of them on a helper
    /// thread (they are many small allocations).
    pub fn into_files(self) -> Vec<SourceFile> {
        let Loaded {
            files,
            mut admx,
            mut adml,
            ..
        } = self;
        if admx.len() + adml.len() >= 16 {
            // halves by text size (a model grows with its file's text)
            let half = |ids: &mut dyn Iterator<Item = usize>| {
                let sizes: Vec<usize> = ids.map(|f| files[f].text.len()).collect();
                let total: usize = sizes.iter().sum();
                let mut sum = 0;
                sizes
                    .iter()
                    .position(|n| {
                        sum += n;
                        sum * 2 >= total
                    })
                    .map_or(sizes.len(), |k| k + 1)
            };
            let admx2 = admx.split_off(half(&mut admx.iter().map(|a| a.file)));
            let adml2 = adml.split_off(half(&mut adml.iter().map(|m| m.file)));
            std::thread::scope(|s| {
                s.spawn(move || drop((admx2, adml2)));
                drop((admx, adml));
            });
        }
        files
    }

    pub fn path(&self, file: usize) -> &Path {
        &self.files[file].path
    }
}

fn stem_lower(p: &Path) -> String {
    p.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_lowercase()
}

/// Reads, decodes and schema-checks every file of `set`, and parses the model of the well-formed ones.
pub(crate) fn load(set: InputSet, diags: &mut Vec<Diagnostic>, strict: bool) -> Result<Loaded> {
    let mut loaded = Loaded {
        store: set.store,
        files: Vec::new(),
        admx: Vec::new(),
        adml: Vec::new(),
    };
    // read, decode, schema-check and parse every file; files are independent, so in parallel
    let jobs: Vec<(&Path, bool)> = set
        .admx
        .iter()
        .map(|p| (p.as_path(), true))
        .chain(set.adml.iter().map(|(_, p)| (p.as_path(), false)))
        .collect();
    let mut results = read_all(&jobs, strict);
    let mut results = results.drain(..);
    for p in &set.admx {
        let (file, doc) = push_result(
            results.next().expect("one result per job")?,
            diags,
            &mut loaded.files,
        );
        loaded.admx.push(AdmxFile {
            file,
            stem: stem_lower(p),
            doc: doc.and_then(Doc::admx),
        });
    }
    for (culture, p) in &set.adml {
        let (file, doc) = push_result(
            results.next().expect("one result per job")?,
            diags,
            &mut loaded.files,
        );
        let misplaced = match culture {
            None => Some("expected the ADML in a culture folder such as `en-US`, found it beside the ADMX files".to_string()),
            Some(c) if !is_culture_name(c) => {
                Some(format!("expected the ADML in a culture folder such as `en-US`, found it in `{c}`"))
            }
            _ => None,
        };
        if let Some(msg) = misplaced {
            if set.store || culture.is_some() {
                diags.push(diag("XML007", msg, Span::new(0, 0)).with_file(p.clone()));
            }
        }
        loaded.adml.push(AdmlFile {
            file,
            stem: stem_lower(p),
            culture: culture.clone().filter(|c| is_culture_name(c)),
            doc: doc.and_then(Doc::adml),
        });
    }
    Ok(loaded)
}

pub(crate) enum Doc {
    Admx(Box<PolicyDefinitions>),
    Adml(Box<PolicyDefinitionResources>),
}

impl Doc {
    fn admx(self) -> Option<PolicyDefinitions> {
        match self {
            Doc::Admx(d) => Some(*d),
            Doc::Adml(_) => None,
        }
    }
    fn adml(self) -> Option<PolicyDefinitionResources> {
        match self {
            Doc::Adml(d) => Some(*d),
            Doc::Admx(_) => None,
        }
    }
}

/// What reading one file produced.
type ReadResult = (SourceFile, Vec<Diagnostic>, Option<Doc>);

fn push_result(
    r: ReadResult,
    diags: &mut Vec<Diagnostic>,
    files: &mut Vec<SourceFile>,
) -> (usize, Option<Doc>) {
    let (file, found, doc) = r;
    diags.extend(found);
    files.push(file);
    (files.len() - 1, doc)
}

/// Runs [`read_one`] over `jobs` on a few threads; results in job order.
fn read_all(jobs: &[(&Path, bool)], strict: bool) -> Vec<Result<ReadResult>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(jobs.len().max(1));
    if threads <= 1 {
        return jobs.iter().map(|(p, a)| read_one(p, *a, strict)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Result<ReadResult>>> = (0..jobs.len()).map(|_| None).collect();
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((p, a)) = jobs.get(i) else { break };
            mine.push((i, read_one(p, *a, strict)));
        }
        mine
    };
    // the calling thread reads its share too
    let parts: Vec<Vec<(usize, Result<ReadResult>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        // (a panic here is taken like one on a helper thread: its jobs fail)
        let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        let mut parts = vec![mine.unwrap_or_default()];
        parts.extend(handles.into_iter().map(|h| h.join().unwrap_or_default()));
        parts
    });
    for (i, r) in parts.into_iter().flatten() {
        out[i] = Some(r);
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Invalid("a reader thread failed".into()))))
        .collect()
}

fn read_one(path: &Path, is_admx: bool, strict: bool) -> Result<ReadResult> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut doc = None;
    let text = match decode_owned(bytes) {
        Err((e, bytes)) => {
            let (enc, _) = crate::xml::decode::sniff(&bytes);
            found.push(diag(
                "XML006",
                format!(
                    "expected valid {} text, found {}",
                    crate::xml::decode::encoding_name(enc),
                    e.message()
                ),
                Span::new(e.offset(), e.offset() + 1),
            ));
            lossy(&bytes)
        }
        Ok(dec) => {
            if let Some(c) =
                crate::xml::decode::declaration_conflict(dec.encoding, dec.declaration.as_ref())
            {
                let utf16 = !matches!(dec.encoding, FileEncoding::Utf8 | FileEncoding::Utf8Bom);
                let tolerated = matches!(&c, EncodingConflict::UnknownLabel { declared, .. }
                    if utf16 && declared.trim().eq_ignore_ascii_case("unicode"));
                if !tolerated {
                    let span = declared_encoding_span(&dec.text);
                    let (EncodingConflict::Contradicts { declared, actual }
                    | EncodingConflict::UnknownLabel { declared, actual }) = &c;
                    let known = if matches!(c, EncodingConflict::UnknownLabel { .. }) {
                        "unknown encoding "
                    } else {
                        ""
                    };
                    found.push(diag(
                        "XML003",
                        format!(
                            "expected the declaration to name {} (the file's bytes), found {known}`{declared}`",
                            crate::xml::decode::encoding_name(*actual)
                        ),
                        span,
                    ));
                }
            }
            // one pass: the schema checker rides along the model reader
            let mut checker = schema::Checker::new(strict);
            let (d, text) = parse_model(dec, is_admx, &mut checker);
            let outcome = match checker.finish() {
                Some(outcome) => outcome,
                // the reader refused the file before its end: walk it alone
                None => schema::check(&text, strict),
            };
            found.extend(outcome.diagnostics);
            let root_ok = match outcome.root.as_deref() {
                Some("policyDefinitions") => is_admx,
                Some("policyDefinitionResources") => !is_admx,
                _ => true,
            };
            if outcome.well_formed && !root_ok {
                let want = if is_admx {
                    "<policyDefinitions>"
                } else {
                    "<policyDefinitionResources>"
                };
                let found_root = outcome.root.clone().unwrap_or_default();
                let at = text.find(&format!("<{found_root}")).unwrap_or(0);
                found.push(diag(
                    "XML008",
                    format!(
                        "expected root `{want}` in a .{} file, found `<{found_root}>`",
                        if is_admx { "admx" } else { "adml" }
                    ),
                    Span::new(at, at + 1 + found_root.len()),
                ));
            }
            // the model layers run on well-formed templates with the right root only
            if outcome.well_formed && root_ok {
                doc = d;
            }
            text
        }
    };
    for d in &mut found {
        d.file = Some(path.to_path_buf());
    }
    Ok((SourceFile::new(path.to_path_buf(), text), found, doc))
}

/// [`crate::xml::decode::decode`], taking the bytes: a valid UTF-8 file
/// without BOM (the usual ADMX) becomes its text without a copy. On error
/// the bytes come back.
fn decode_owned(bytes: Vec<u8>) -> std::result::Result<Decoded, (ParseError, Vec<u8>)> {
    let bytes = if crate::xml::decode::sniff(&bytes) == (FileEncoding::Utf8, 0) {
        match String::from_utf8(bytes) {
            Ok(text) => {
                let declaration = crate::xml::decode::parse_declaration(&text).map(|(d, _)| d);
                return Ok(Decoded {
                    text,
                    encoding: FileEncoding::Utf8,
                    declaration,
                });
            }
            Err(e) => e.into_bytes(),
        }
    } else {
        bytes
    };
    crate::xml::decode::decode(&bytes).map_err(|e| (e, bytes))
}

/// Parses the model with the reader (`gpforge::admx`), `observer` watching
/// the events; returns the model (`None` when the reader refused the file)
/// and the decoded text.
fn parse_model(
    dec: Decoded,
    is_admx: bool,
    observer: &mut dyn EventObserver,
) -> (Option<Doc>, String) {
    if is_admx {
        let (d, text) = crate::admx::parse_admx_observed(dec, observer);
        (d.ok().map(|d| Doc::Admx(Box::new(d))), text)
    } else {
        let (d, text) = crate::admx::parse_adml_observed(dec, observer);
        (d.ok().map(|d| Doc::Adml(Box::new(d))), text)
    }
}

/// Text to show for a file that does not decode (offsets agree with the
/// decodable prefix the reader reported).
fn lossy(bytes: &[u8]) -> String {
    let (enc, bom) = crate::xml::decode::sniff(bytes);
    let enc = match enc {
        FileEncoding::Utf16Le | FileEncoding::Utf16LeBom => encoding_rs::UTF_16LE,
        FileEncoding::Utf16Be | FileEncoding::Utf16BeBom => encoding_rs::UTF_16BE,
        _ => encoding_rs::UTF_8,
    };
    enc.decode_without_bom_handling(&bytes[bom..])
        .0
        .into_owned()
}

/// The span of the `encoding` label in the XML declaration (or of the declaration).
fn declared_encoding_span(text: &str) -> Span {
    let Some(decl) = crate::xml::decode::declaration_span(text) else {
        return Span::new(0, 0);
    };
    let d = &text[decl.start()..decl.end()];
    let Some(i) = d.find("encoding") else {
        return decl;
    };
    let rest = &d[i..];
    match rest.find(['"', '\'']) {
        Some(q) => {
            let start = decl.start() + i + q + 1;
            let len = text[start..].find(['"', '\'']).unwrap_or(0);
            Span::new(start, start + len)
        }
        None => decl,
    }
}
