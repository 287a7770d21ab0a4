//! Finding the files to check and reading them (file and schema layers).

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::model::{FileEncoding, PolicyDefinitionResources, PolicyDefinitions};
use crate::span::Span;
use crate::xml::decode::{Decoded, EncodingConflict};
use crate::xml::reader::{EventObserver, ParseError};

use std::collections::BTreeMap;

use super::SourceFile;
use super::checks;
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

/// The files of one group (see [`check_set`]), read and parsed.
pub(crate) struct Loaded {
    pub store: bool,
    pub files: Vec<SourceFile>,
    pub admx: Vec<AdmxFile>,
    pub adml: Vec<AdmlFile>,
}

impl Loaded {
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

/// ADMXs of one name with the ADMLs of that name in culture folders (or
/// one ADML on its own): the files the model layers look at together.
/// Indices into the input set's `admx` and `adml`.
#[derive(Default)]
struct Group {
    admx: Vec<usize>,
    adml: Vec<usize>,
    bytes: usize,
}

/// What checking one group produced.
struct GroupOut {
    /// Per file of the group (ADMXs, then ADMLs): the file and the
    /// findings of the file and schema layers.
    files: Vec<(SourceFile, Vec<Diagnostic>)>,
    checks: checks::UnitChecks,
}

/// Reads, decodes and checks every file of `set` (all layers); returns
/// the files read. Findings go to `diags` in layer order: file and schema
/// findings of every file, then the model layers' of every file, then the
/// references of every ADMX, then the store's.
///
/// Groups of files ([`Group`]) are independent until the store checks, so
/// they run in parallel, largest first, and each group's models are
/// dropped as soon as its checks are done: only a summary is kept for the
/// cross-file steps.
pub(crate) fn check_set(
    set: InputSet,
    diags: &mut Vec<Diagnostic>,
    strict: bool,
) -> Result<Vec<SourceFile>> {
    let nx = set.admx.len();
    let paths: Vec<&Path> = set
        .admx
        .iter()
        .map(PathBuf::as_path)
        .chain(set.adml.iter().map(|(_, p)| p.as_path()))
        .collect();
    let cultures: Vec<Option<String>> = set
        .adml
        .iter()
        .map(|(c, _)| c.clone().filter(|c| is_culture_name(c)))
        .collect();
    let stems: Vec<String> = paths.iter().map(|p| stem_lower(p)).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(if paths.len() >= 8 { paths.len() } else { 1 });

    // 1. read every file (their sizes order the groups)
    let order: Vec<usize> = (0..paths.len()).collect();
    let read = pool(&order, threads, |i| {
        std::fs::read(paths[i]).map_err(|e| Error::io(paths[i], e))
    });
    let mut bytes = Vec::with_capacity(read.len());
    for r in read {
        bytes.push(Some(r.unwrap_or_else(|| {
            Err(Error::Invalid("a reader thread failed".into()))
        })?));
    }

    // 2. the groups
    let mut groups: Vec<Group> = Vec::new();
    let mut by_stem: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, stem) in stems.iter().enumerate().take(nx) {
        let g = *by_stem.entry(stem.as_str()).or_insert_with(|| {
            groups.push(Group::default());
            groups.len() - 1
        });
        groups[g].admx.push(i);
    }
    for (j, culture) in cultures.iter().enumerate() {
        let g = match by_stem.get(stems[nx + j].as_str()) {
            Some(&g) if culture.is_some() => g,
            _ => {
                groups.push(Group::default());
                groups.len() - 1
            }
        };
        groups[g].adml.push(j);
    }
    for g in &mut groups {
        g.bytes = g
            .admx
            .iter()
            .copied()
            .chain(g.adml.iter().map(|j| nx + j))
            .map(|i| bytes[i].as_ref().map_or(0, Vec::len))
            .sum();
    }
    // the bytes of each group, handed to whichever thread checks it
    let inputs: Vec<std::sync::Mutex<Vec<Vec<u8>>>> = groups
        .iter()
        .map(|g| {
            let mine = g
                .admx
                .iter()
                .copied()
                .chain(g.adml.iter().map(|j| nx + j))
                .map(|i| bytes[i].take().unwrap_or_default())
                .collect();
            std::sync::Mutex::new(mine)
        })
        .collect();
    drop(bytes);
    let mut store_cultures: BTreeMap<String, String> = BTreeMap::new();
    for c in cultures.iter().flatten() {
        store_cultures
            .entry(c.to_lowercase())
            .or_insert_with(|| c.clone());
    }

    // 3. check the groups, largest first
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(groups[g].bytes));
    let store = set.store;
    let outs = pool(&order, threads, |gi| {
        let g = &groups[gi];
        let input = std::mem::take(&mut *inputs[gi].lock().unwrap_or_else(|e| e.into_inner()));
        let mut input = input.into_iter();
        let mut loaded = Loaded {
            store,
            files: Vec::new(),
            admx: Vec::new(),
            adml: Vec::new(),
        };
        let mut found = Vec::new();
        for &i in &g.admx {
            let (file, diags, doc) =
                read_one(paths[i], input.next().unwrap_or_default(), true, strict);
            loaded.files.push(file);
            found.push(diags);
            loaded.admx.push(AdmxFile {
                file: loaded.files.len() - 1,
                stem: stems[i].clone(),
                doc: doc.and_then(Doc::admx),
            });
        }
        for &j in &g.adml {
            let (file, diags, doc) = read_one(
                paths[nx + j],
                input.next().unwrap_or_default(),
                false,
                strict,
            );
            loaded.files.push(file);
            found.push(diags);
            loaded.adml.push(AdmlFile {
                file: loaded.files.len() - 1,
                stem: stems[nx + j].clone(),
                culture: cultures[j].clone(),
                doc: doc.and_then(Doc::adml),
            });
        }
        let checks = checks::unit(&loaded, &store_cultures);
        // the models go here, on the thread that built them
        let files = loaded.files.into_iter().zip(found).collect();
        GroupOut { files, checks }
    });

    // 4. put the findings in layer and file order
    let mut files: Vec<Option<SourceFile>> = (0..paths.len()).map(|_| None).collect();
    let mut load_diags: Vec<Vec<Diagnostic>> = (0..paths.len()).map(|_| Vec::new()).collect();
    let mut admx_checks: Vec<checks::FileChecks> =
        (0..nx).map(|_| checks::FileChecks::default()).collect();
    let mut admx_summary: Vec<checks::AdmxSummary> =
        (0..nx).map(|_| checks::AdmxSummary::default()).collect();
    let mut refs: Vec<Vec<Diagnostic>> = (0..nx).map(|_| Vec::new()).collect();
    let mut adml_checks: Vec<Vec<Diagnostic>> = (0..set.adml.len()).map(|_| Vec::new()).collect();
    let mut adml_summary: Vec<checks::AdmlSummary> = (0..set.adml.len())
        .map(|_| checks::AdmlSummary::default())
        .collect();
    for (gi, out) in outs.into_iter().enumerate() {
        let g = &groups[gi];
        let Some(out) = out else {
            return Err(Error::Invalid("a reader thread failed".into()));
        };
        let ids = g.admx.iter().copied().chain(g.adml.iter().map(|j| nx + j));
        for (i, (file, found)) in ids.zip(out.files) {
            files[i] = Some(file);
            load_diags[i] = found;
        }
        let c = out.checks;
        for (k, ((fc, sum), r)) in c
            .admx
            .into_iter()
            .zip(c.admx_summary)
            .zip(c.refs)
            .enumerate()
        {
            let i = g.admx[k];
            admx_checks[i] = fc;
            admx_summary[i] = sum;
            refs[i] = r;
        }
        for (k, (found, sum)) in c.adml.into_iter().zip(c.adml_summary).enumerate() {
            let j = g.adml[k];
            adml_checks[j] = found;
            adml_summary[j] = sum;
        }
    }
    let files: Vec<SourceFile> = files
        .into_iter()
        .map(|f| f.ok_or_else(|| Error::Invalid("a reader thread failed".into())))
        .collect::<Result<_>>()?;
    let mut load_diags = load_diags.into_iter();
    diags.extend(load_diags.by_ref().take(nx).flatten());
    for ((culture, p), found) in set.adml.iter().zip(load_diags) {
        diags.extend(found);
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
    }
    let input = |i: usize| checks::InputFile {
        file: &files[i],
        stem: &stems[i],
    };
    let admx: Vec<_> = admx_summary
        .iter()
        .enumerate()
        .map(|(i, s)| (input(i), s))
        .collect();
    checks::resolve(&admx, admx_checks, diags);
    diags.extend(adml_checks.into_iter().flatten());
    diags.extend(refs.into_iter().flatten());
    if set.store {
        let adml: Vec<_> = adml_summary
            .iter()
            .enumerate()
            .map(|(j, s)| (input(nx + j), s, cultures[j].is_some()))
            .collect();
        checks::store_checks(&admx, &adml, diags);
    }
    drop(admx);
    Ok(files)
}

/// `f(i)` for every `i` of `order` on `threads` threads (the calling one
/// and helpers) that each take the next one as they go; results by `i`
/// (`None`: `f` panicked on it).
fn pool<R: Send>(order: &[usize], threads: usize, f: impl Fn(usize) -> R + Sync) -> Vec<Option<R>> {
    let n = order.iter().max().map_or(0, |m| m + 1);
    let mut out: Vec<Option<R>> = (0..n).map(|_| None).collect();
    if threads <= 1 {
        for &i in order {
            out[i] = Some(f(i));
        }
        return out;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&i) = order.get(k) else { break };
            mine.push((i, f(i)));
        }
        mine
    };
    let parts: Vec<Vec<(usize, R)>> = std::thread::scope(|s| {
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
    out
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

/// Decodes and checks one file's `bytes` (file and schema layers) and
/// reads its model.
fn read_one(path: &Path, bytes: Vec<u8>, is_admx: bool, strict: bool) -> ReadResult {
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
    (SourceFile::new(path.to_path_buf(), text), found, doc)
}

/// [`crate::xml::decode::decode`], taking the bytes: a valid UTF-8 file
/// without BOM (the usual ADMX) becomes its text without a copy. On error
/// the bytes come back.
fn decode_owned(bytes: Vec<u8>) -> std::result::Result<Decoded, (ParseError, Vec<u8>)> {
    let (encoding, bom) = crate::xml::decode::sniff(&bytes);
    let bytes = if matches!(encoding, FileEncoding::Utf8 | FileEncoding::Utf8Bom) {
        // UTF-8 with a BOM: the text is the bytes after it, moved down in place
        let mut body = bytes;
        body.drain(..bom);
        match String::from_utf8(body) {
            Ok(text) => {
                let declaration = crate::xml::decode::parse_declaration(&text).map(|(d, _)| d);
                return Ok(Decoded {
                    text,
                    encoding,
                    declaration,
                });
            }
            Err(e) => {
                let body = e.into_bytes();
                let mut bytes = Vec::with_capacity(bom + body.len());
                bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF][..bom]);
                bytes.extend_from_slice(&body);
                bytes
            }
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
