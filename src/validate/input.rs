//! Finding the files to check and reading them (file and schema layers).

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::model::{FileEncoding, PolicyDefinitionResources, PolicyDefinitions};
use crate::span::Span;
use crate::xml::decode::{Decoded, EncodingConflict};
use crate::xml::reader::{EventObserver, ParseError};

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::SourceFile;
use super::checks;
use super::crew::{Crew, Task, lock, wait_until};
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
    let mut v: Vec<(std::ffi::OsString, PathBuf, Kind)> = std::fs::read_dir(dir)
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
            Some((e.file_name(), p, kind))
        })
        .collect();
    // (the paths of one folder differ in their last component only: its
    // name orders them as the whole paths do)
    v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(v.into_iter().map(|(_, p, kind)| (p, kind)).collect())
}

/// Works out which files `path` means.
pub(crate) fn discover(path: &Path) -> Result<InputSet> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        let mut dir = path.to_path_buf();
        let mut entries = read_dir_typed(&dir)?;
        if !entries
            .iter()
            .any(|(p, kind)| *kind == Kind::File && ext_is(p, "admx"))
        {
            if let Some((pd, _)) = entries.iter().find(|(p, kind)| {
                *kind == Kind::Dir
                    && p.file_name()
                        .is_some_and(|n| n.eq_ignore_ascii_case("PolicyDefinitions"))
            }) {
                dir = pd.clone();
                entries = read_dir_typed(&dir)?;
            }
        }
        let mut set = InputSet {
            root: dir.clone(),
            store: true,
            ..InputSet::default()
        };
        for (p, kind) in entries {
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

/// One file of a group while it is checked: its path and decoded text.
pub(crate) struct LoadedFile {
    pub path: PathBuf,
    pub text: String,
}

/// The files of one group (see [`check_set`]), read and parsed.
pub(crate) struct Loaded {
    pub store: bool,
    pub files: Vec<LoadedFile>,
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
}

/// What checking one group produced.
struct GroupOut {
    /// Per file of the group (ADMXs, then ADMLs): the file with the lines
    /// its findings point into, what identifies the bytes read, and the
    /// findings of the file and schema layers.
    files: Vec<(SourceFile, Stamp, Vec<Diagnostic>)>,
    checks: checks::UnitChecks,
}

/// What identifies the bytes of a file as read: if the file shows the same
/// length and modification time when it is read again, it is taken to hold
/// the same bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

/// Read buffers of one worker, handed from file to file: a buffer whose
/// pages are already in use costs no page faults when it is filled again.
#[derive(Default)]
struct Spare(Vec<Vec<u8>>);

impl Spare {
    /// The largest spare buffer (or a new one), empty.
    fn take(&mut self) -> Vec<u8> {
        let mut b = self.0.pop().unwrap_or_default();
        b.clear();
        b
    }

    /// Keeps `b` for a later file (the largest last).
    fn give(&mut self, b: Vec<u8>) {
        if b.capacity() == 0 {
            return;
        }
        let at = self.0.partition_point(|x| x.capacity() <= b.capacity());
        self.0.insert(at, b);
    }
}

/// Reads the bytes of `path` into `buf` (emptied first).
fn read_into(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<Stamp> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let meta = f.metadata()?;
    let stamp = Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    };
    buf.clear();
    // (room for the whole file and the read that finds its end)
    buf.try_reserve(
        usize::try_from(meta.len())
            .unwrap_or(usize::MAX)
            .saturating_add(64),
    )
    .map_err(std::io::Error::other)?;
    // (`take`: no second size query; the room is there)
    f.by_ref().take(u64::MAX).read_to_end(buf)?;
    Ok(stamp)
}

/// The text of the file at `path` read back (the texts are not kept past
/// their group) as far as offset `upto` needs: up to the end of its line, or
/// all of it (a UTF-16 file or one that does not decode is read whole).
/// `None` when the file cannot be read or no longer shows `stamp` or a text
/// of `len` bytes. `buf` is a read buffer to use.
fn read_back<'b>(
    path: &Path,
    stamp: Stamp,
    upto: usize,
    len: usize,
    buf: &'b mut Vec<u8>,
) -> Option<Cow<'b, str>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let m = f.metadata().ok()?;
    let now = Stamp {
        len: m.len(),
        modified: m.modified().ok(),
    };
    if now != stamp {
        return None;
    }
    buf.clear();
    // more and more of the file, until the line of `upto` is whole
    let mut chunk = 64 * 1024;
    let whole = loop {
        match f.by_ref().take(chunk).read_to_end(buf) {
            Ok(n) if (n as u64) < chunk => break true,
            Ok(_) => {}
            Err(_) => return None,
        }
        let (encoding, bom) = crate::xml::decode::sniff(buf);
        if !matches!(encoding, FileEncoding::Utf8 | FileEncoding::Utf8Bom) {
            chunk = u64::MAX;
            continue;
        }
        let from = (bom + upto).min(buf.len());
        let ends = match memchr::memchr2(b'\n', b'\r', &buf[from..]) {
            Some(k) => buf[from + k] == b'\n' || from + k + 1 < buf.len(),
            None => false,
        };
        if ends {
            break false;
        }
        chunk = chunk.saturating_mul(2);
    };
    if !whole {
        // a UTF-8 text: its start, up to a character cut off by the chunk
        let (_, bom) = crate::xml::decode::sniff(buf);
        let cut = match std::str::from_utf8(&buf[bom..]) {
            Ok(_) => Some(buf.len()),
            Err(e) if e.error_len().is_none() => Some(bom + e.valid_up_to()),
            // (a file that does not decode has a text of its own: below)
            Err(_) => None,
        };
        if let Some(cut) = cut {
            return std::str::from_utf8(&buf[bom..cut]).ok().map(Cow::Borrowed);
        }
        f.read_to_end(buf).ok()?;
    }
    let text = match decode_owned(std::mem::take(buf)) {
        Ok((dec, _)) => dec.text,
        Err((_, bytes)) => lossy(&bytes),
    };
    (text.len() == len).then_some(Cow::Owned(text))
}

/// Checking the groups of one input set: what the threads share.
struct Job {
    set: InputSet,
    nx: usize,
    /// Lower-case file stems, by file (ADMXs, then ADMLs).
    stems: Vec<String>,
    /// Culture of each ADML (`None`: not in a culture folder).
    cultures: Vec<Option<String>>,
    groups: Vec<Group>,
    store_cultures: BTreeMap<String, String>,
    strict: bool,
    /// Round 1: the size of every ADMX (`None`: it could not be had, see
    /// `size_error`), asked in chunks.
    sizes: Vec<OnceLock<Option<u64>>>,
    size_error: Mutex<Option<(usize, std::io::Error)>>,
    next_chunk: AtomicUsize,
    chunks_done: AtomicUsize,
    /// Round 2: the groups in the order to take them (largest first).
    order: OnceLock<Vec<usize>>,
    next: AtomicUsize,
    /// Helpers in round 2, and the groups they checked.
    busy: AtomicUsize,
    parts: Mutex<Vec<(usize, Result<GroupOut>)>>,
}

/// ADMX sizes asked at a time.
const CHUNK: usize = 16;

impl Job {
    /// The path of file `i` (ADMXs, then ADMLs).
    fn path(&self, i: usize) -> &Path {
        match i.checked_sub(self.nx) {
            None => &self.set.admx[i],
            Some(j) => &self.set.adml[j].1,
        }
    }

    /// File `i` as the cross-file checks see it.
    fn input(&self, i: usize) -> checks::InputFile<'_> {
        checks::InputFile {
            file: i,
            stem: &self.stems[i],
        }
    }

    fn chunks(&self) -> usize {
        self.nx.div_ceil(CHUNK)
    }

    /// Round 1: asks sizes, a chunk at a time, until none is left.
    fn round1(&self) {
        loop {
            let c = self.next_chunk.fetch_add(1, Ordering::Relaxed);
            if c >= self.chunks() {
                break;
            }
            // (a panic leaves the rest of the chunk without sizes)
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                for (i, slot) in self.sizes.iter().enumerate().skip(c * CHUNK).take(CHUNK) {
                    let size = match std::fs::metadata(self.path(i)) {
                        Ok(m) => Some(m.len()),
                        Err(e) => {
                            let mut first = lock(&self.size_error);
                            if first.as_ref().is_none_or(|(k, _)| i < *k) {
                                *first = Some((i, e));
                            }
                            None
                        }
                    };
                    let _ = slot.set(size);
                }
            }));
            self.chunks_done.fetch_add(1, Ordering::Release);
        }
    }

    /// The order of the groups: by the size of their ADMXs, largest first
    /// (a group's ADMLs are about as large as its ADMXs make it: they are
    /// not asked; groups of ADMLs alone go last). Empty when a size is
    /// missing (the error is reported).
    fn plan(&self) -> Vec<usize> {
        let mut bytes = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let mut sum = 0u64;
            for &i in &g.admx {
                match self.sizes[i].get() {
                    Some(Some(n)) => sum += n,
                    _ => return Vec::new(),
                }
            }
            bytes.push(sum);
        }
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by_key(|&g| std::cmp::Reverse(bytes[g]));
        order
    }

    /// Round 2: checks the next group of `order` until none is left;
    /// returns the groups checked here with their indices (a group whose
    /// check panicked, and any this thread would have taken after it, are
    /// missing).
    fn round2(&self, order: &[usize], spare: &mut Spare) -> Vec<(usize, Result<GroupOut>)> {
        let mut mine = Vec::new();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            loop {
                let k = self.next.fetch_add(1, Ordering::SeqCst);
                let Some(&gi) = order.get(k) else { break };
                mine.push((gi, self.group(spare, gi)));
            }
        }));
        mine
    }

    /// Reads and checks the files of group `gi`.
    fn group(&self, spare: &mut Spare, gi: usize) -> Result<GroupOut> {
        let g = &self.groups[gi];
        let mut loaded = Loaded {
            store: self.set.store,
            files: Vec::new(),
            admx: Vec::new(),
            adml: Vec::new(),
        };
        let mut found = Vec::new();
        let mut stamps = Vec::new();
        for (i, is_admx) in g
            .admx
            .iter()
            .map(|&i| (i, true))
            .chain(g.adml.iter().map(|&j| (self.nx + j, false)))
        {
            let mut buf = spare.take();
            let stamp = match read_into(self.path(i), &mut buf) {
                Ok(s) => s,
                Err(e) => {
                    spare.give(buf);
                    for f in loaded.files {
                        spare.give(f.text.into_bytes());
                    }
                    return Err(Error::io(self.path(i), e));
                }
            };
            let (text, mut file_diags, doc, unused) =
                read_one(self.path(i), buf, is_admx, self.strict);
            if let Some(b) = unused {
                spare.give(b);
            }
            if !is_admx {
                file_diags.extend(misplaced(&self.set, i - self.nx));
            }
            loaded.files.push(LoadedFile {
                path: self.path(i).to_path_buf(),
                text,
            });
            found.push(file_diags);
            stamps.push(stamp);
            let file = loaded.files.len() - 1;
            if is_admx {
                loaded.admx.push(AdmxFile {
                    file,
                    stem: self.stems[i].clone(),
                    doc: doc.and_then(Doc::admx),
                });
            } else {
                loaded.adml.push(AdmlFile {
                    file,
                    stem: self.stems[i].clone(),
                    culture: self.cultures[i - self.nx].clone(),
                    doc: doc.and_then(Doc::adml),
                });
            }
        }
        let checks = checks::unit(&loaded, &self.store_cultures);
        // the models go here, on the thread that built them
        let Loaded { files, .. } = loaded;
        // of each file, the lines the group's findings point into
        let mut offsets: Vec<Vec<usize>> = files.iter().map(|_| Vec::new()).collect();
        let all = found
            .iter()
            .flatten()
            .chain(checks.admx.iter().flat_map(|c| c.diags.iter()))
            .chain(checks.adml.iter().flatten())
            .chain(checks.refs.iter().flatten());
        for d in all {
            for (p, at) in positions(d) {
                if let Some(k) = files.iter().position(|f| f.path == p) {
                    offsets[k].push(at);
                }
            }
        }
        let mut out = Vec::with_capacity(files.len());
        for ((f, at), (diags, stamp)) in files
            .into_iter()
            .zip(offsets)
            .zip(found.into_iter().zip(stamps))
        {
            out.push((SourceFile::excerpt(f.path, &f.text, &at), stamp, diags));
            spare.give(f.text.into_bytes());
        }
        Ok(GroupOut { files: out, checks })
    }
}

impl Task for Job {
    fn help(&self) {
        self.round1();
        // the plan comes within a fraction of a millisecond
        wait_until(|| self.order.get().is_some());
        let order = self.order.get().map_or(&[][..], Vec::as_slice);
        self.busy.fetch_add(1, Ordering::SeqCst);
        let mut spare = Spare::default();
        let mine = self.round2(order, &mut spare);
        lock(&self.parts).extend(mine);
        self.busy.fetch_sub(1, Ordering::SeqCst);
        // (the buffers go after the caller has what it waits for)
        drop(spare);
    }
}

/// Gives a job an empty plan when dropped before it has one.
struct PlanGuard<'a>(&'a Job);

impl Drop for PlanGuard<'_> {
    fn drop(&mut self) {
        let _ = self.0.order.set(Vec::new());
    }
}

/// The store checks of an input set, for whichever thread comes first.
struct StoreTask {
    job: Arc<Job>,
    admx_summary: Vec<checks::AdmxSummary>,
    adml_summary: Vec<checks::AdmlSummary>,
    /// Whether a thread has taken the checks.
    claimed: AtomicBool,
    /// Set when a helper that took them is done (`out`: their findings,
    /// `None` if they panicked).
    done: AtomicBool,
    out: Mutex<Option<Vec<Diagnostic>>>,
}

impl StoreTask {
    /// Each ADMX as the cross-file steps see it, with its summary.
    fn admx(&self) -> Vec<(checks::InputFile<'_>, &checks::AdmxSummary)> {
        self.admx_summary
            .iter()
            .enumerate()
            .map(|(i, s)| (self.job.input(i), s))
            .collect()
    }

    /// The findings of the store checks.
    fn run(&self) -> Vec<Diagnostic> {
        let job = &*self.job;
        let paths: Vec<&Path> = (0..job.nx + job.set.adml.len())
            .map(|i| job.path(i))
            .collect();
        let admx = self.admx();
        let adml: Vec<_> = self
            .adml_summary
            .iter()
            .enumerate()
            .map(|(j, s)| (job.input(job.nx + j), s, job.cultures[j].is_some()))
            .collect();
        let mut out = Vec::new();
        checks::store_checks(&paths, &admx, &adml, &mut out);
        out
    }
}

impl Task for StoreTask {
    fn help(&self) {
        if self.claimed.swap(true, Ordering::AcqRel) {
            return;
        }
        let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run()));
        *lock(&self.out) = found.ok();
        self.done.store(true, Ordering::Release);
    }
}

/// Reads, decodes and checks every file of `set` (all layers); returns
/// the files read. Findings go to `diags` in layer order: file and schema
/// findings of every file, then the model layers' of every file, then the
/// references of every ADMX, then the store's.
///
/// Groups of files ([`Group`]) are independent until the store checks, so
/// they run in parallel, largest first. Each group's files are read into
/// the buffers of the worker that checks it, and once its checks are
/// done, its models are dropped and its texts go back to those buffers:
/// only a summary is kept for the cross-file steps, and of each file the
/// lines its findings point into. The findings of the cross-file steps
/// read their files again for their lines.
pub(crate) fn check_set(
    set: InputSet,
    diags: &mut Vec<Diagnostic>,
    strict: bool,
    crew: &mut Crew,
) -> Result<Vec<SourceFile>> {
    let nx = set.admx.len();
    let n = nx + set.adml.len();
    let stems: Vec<String> = set
        .admx
        .iter()
        .chain(set.adml.iter().map(|(_, p)| p))
        .map(|p| stem_lower(p))
        .collect();
    let cultures: Vec<Option<String>> = set
        .adml
        .iter()
        .map(|(c, _)| c.clone().filter(|c| is_culture_name(c)))
        .collect();

    // 1. the groups
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
    drop(by_stem);
    let mut store_cultures: BTreeMap<String, String> = BTreeMap::new();
    for c in cultures.iter().flatten() {
        store_cultures
            .entry(c.to_lowercase())
            .or_insert_with(|| c.clone());
    }

    // 2. the size of every ADMX, then the groups, largest first, on this
    // thread and the crew's (a few files are checked here alone)
    let job = Arc::new(Job {
        sizes: (0..nx).map(|_| OnceLock::new()).collect(),
        size_error: Mutex::new(None),
        next_chunk: AtomicUsize::new(0),
        chunks_done: AtomicUsize::new(0),
        order: OnceLock::new(),
        next: AtomicUsize::new(0),
        busy: AtomicUsize::new(0),
        parts: Mutex::new(Vec::new()),
        set,
        nx,
        stems,
        cultures,
        groups,
        store_cultures,
        strict,
    });
    if n >= 8 {
        crew.wake();
    }
    let shared = n >= 8 && crew.helpers() > 0;
    if shared {
        crew.post(job.clone());
    }
    // (should this thread unwind before the plan, helpers waiting for it
    // get an empty one)
    let _plan = PlanGuard(&job);
    job.round1();
    wait_until(|| job.chunks_done.load(Ordering::Acquire) >= job.chunks());
    let planned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.plan()));
    let _ = job.order.set(planned.unwrap_or_default());
    let order = job.order.get().map_or(&[][..], Vec::as_slice);
    let mut spare = Spare::default();
    let mut outs: Vec<Option<Result<GroupOut>>> = (0..job.groups.len()).map(|_| None).collect();
    for (j, out) in job.round2(order, &mut spare) {
        outs[j] = Some(out);
    }
    if shared {
        // (a helper still checking a group has it in hand)
        wait_until(|| job.busy.load(Ordering::SeqCst) == 0);
        for (j, out) in lock(&job.parts).drain(..) {
            outs[j] = Some(out);
        }
    }
    drop(spare);
    if let Some((i, e)) = lock(&job.size_error).take() {
        return Err(Error::io(job.path(i), e));
    }
    if job.sizes.iter().any(|s| s.get().is_none()) {
        return Err(Error::Invalid("a reader thread failed".into()));
    }
    let Job { set, groups, .. } = &*job;
    let paths: Vec<&Path> = (0..n).map(|i| job.path(i)).collect();

    // 3. put the findings in layer and file order
    let mut files: Vec<Option<SourceFile>> = (0..paths.len()).map(|_| None).collect();
    let mut stamps: Vec<Stamp> = vec![Stamp::default(); paths.len()];
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
    // (the first failure in file order is the one reported)
    let mut outs: Vec<(usize, Result<GroupOut>)> = outs
        .into_iter()
        .enumerate()
        .map(|(gi, out)| {
            (
                gi,
                out.unwrap_or_else(|| Err(Error::Invalid("a reader thread failed".into()))),
            )
        })
        .collect();
    let first_of = |g: &Group| g.admx.first().copied().unwrap_or_else(|| nx + g.adml[0]);
    outs.sort_by_key(|(gi, _)| first_of(&groups[*gi]));
    for (gi, out) in outs {
        let g = &groups[gi];
        let out = out?;
        let ids = g.admx.iter().copied().chain(g.adml.iter().map(|j| nx + j));
        for (i, (file, stamp, found)) in ids.zip(out.files) {
            files[i] = Some(file);
            stamps[i] = stamp;
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
    let mut files: Vec<SourceFile> = files
        .into_iter()
        .map(|f| f.ok_or_else(|| Error::Invalid("a reader thread failed".into())))
        .collect::<Result<_>>()?;
    diags.extend(load_diags.into_iter().flatten());
    // the store checks run on a helper while this thread resolves the
    // references
    let store = Arc::new(StoreTask {
        job: Arc::clone(&job),
        admx_summary,
        adml_summary,
        claimed: AtomicBool::new(false),
        done: AtomicBool::new(false),
        out: Mutex::new(None),
    });
    if set.store && shared {
        crew.post(store.clone());
    }
    let admx = store.admx();
    let late = diags.len();
    let unresolved = checks::resolve(&paths, &admx, admx_checks, diags);
    drop(admx);
    let mut late_ranges: Vec<std::ops::Range<usize>> = Vec::with_capacity(2);
    late_ranges.push(late..diags.len());
    diags.extend(adml_checks.into_iter().flatten());
    diags.extend(refs.into_iter().flatten());
    if set.store {
        let found = if store.claimed.swap(true, Ordering::AcqRel) {
            wait_until(|| store.done.load(Ordering::Acquire));
            lock(&store.out)
                .take()
                .ok_or_else(|| Error::Invalid("a checking thread failed".into()))?
        } else {
            store.run()
        };
        let late = diags.len();
        diags.extend(found);
        late_ranges.push(late..diags.len());
    }
    // the spans of the references found unresolved and the lines of the
    // cross-file steps' findings, from the files read back
    // (by the path's bytes: a finding's path is a copy of its file's, and
    // hashing a `Path` goes component by component)
    let index: std::collections::HashMap<&std::ffi::OsStr, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_os_str(), i))
        .collect();
    // by file: the offsets whose lines are wanted, and the unresolved
    // references (their findings' index and element)
    type Todo = (Vec<usize>, Vec<(usize, Span)>);
    let mut todo: BTreeMap<usize, Todo> = BTreeMap::new();
    for (k, i, node) in unresolved {
        todo.entry(i).or_default().1.push((k, node));
    }
    for d in late_ranges.into_iter().flat_map(|r| &diags[r]) {
        for (p, at) in positions(d) {
            if let Some(&i) = index.get(p.as_os_str()) {
                if !files[i].covers(at) {
                    todo.entry(i).or_default().0.push(at);
                }
            }
        }
    }
    let mut buf = Vec::new();
    for (i, (mut at, refs)) in todo {
        let upto = at
            .iter()
            .copied()
            .chain(refs.iter().map(|(_, node)| node.end()))
            .max()
            .unwrap_or(0);
        let Some(text) = read_back(paths[i], stamps[i], upto, files[i].text_len(), &mut buf) else {
            continue;
        };
        for (k, node) in refs {
            let span = checks::attr_span(&text, node, "ref");
            diags[k].span = Some(span);
            at.extend([span.start(), span.end()]);
        }
        files[i].keep(&text, &at);
    }
    Ok(files)
}

/// The positions a finding points at, with their files: the start and end
/// of its span, and the start and end of each label's.
fn positions(d: &Diagnostic) -> impl Iterator<Item = (&Path, usize)> {
    let main = d
        .file
        .as_deref()
        .zip(d.span)
        .into_iter()
        .flat_map(|(p, s)| [(p, s.start()), (p, s.end().max(s.start()))]);
    let labels = d.labels.iter().flat_map(move |l| {
        l.file
            .as_deref()
            .or(d.file.as_deref())
            .into_iter()
            .flat_map(move |p| [(p, l.span.start()), (p, l.span.end().max(l.span.start()))])
    });
    main.chain(labels)
}

/// The finding for ADML `j` of `set` when it is not in a culture folder.
fn misplaced(set: &InputSet, j: usize) -> Option<Diagnostic> {
    let (culture, p) = &set.adml[j];
    let msg = match culture {
        None => {
            "expected the ADML in a culture folder such as `en-US`, found it beside the ADMX files"
                .to_string()
        }
        Some(c) if !is_culture_name(c) => {
            format!("expected the ADML in a culture folder such as `en-US`, found it in `{c}`")
        }
        _ => return None,
    };
    (set.store || culture.is_some())
        .then(|| diag("XML007", msg, Span::new(0, 0)).with_file(p.clone()))
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

/// What reading one file produced: its decoded text, the findings of the
/// file and schema layers, the model, and the bytes when the text did not
/// take them over.
type ReadResult = (String, Vec<Diagnostic>, Option<Doc>, Option<Vec<u8>>);

/// Decodes and checks one file's `bytes` (file and schema layers) and
/// reads its model.
fn read_one(path: &Path, bytes: Vec<u8>, is_admx: bool, strict: bool) -> ReadResult {
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut doc = None;
    let unused;
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
            let text = lossy(&bytes);
            unused = Some(bytes);
            text
        }
        Ok((dec, spare)) => {
            unused = spare;
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
    (text, found, doc, unused)
}

/// [`crate::xml::decode::decode`], taking the bytes: a valid UTF-8 file
/// (the usual ADMX) becomes its text without a copy; otherwise the bytes
/// come back beside the text, or with the error.
#[allow(clippy::type_complexity)]
fn decode_owned(
    bytes: Vec<u8>,
) -> std::result::Result<(Decoded, Option<Vec<u8>>), (ParseError, Vec<u8>)> {
    let (encoding, bom) = crate::xml::decode::sniff(&bytes);
    let bytes = if matches!(encoding, FileEncoding::Utf8 | FileEncoding::Utf8Bom) {
        // UTF-8 with a BOM: the text is the bytes after it, moved down in place
        let mut body = bytes;
        body.drain(..bom);
        match String::from_utf8(body) {
            Ok(text) => {
                let declaration = crate::xml::decode::parse_declaration(&text).map(|(d, _)| d);
                return Ok((
                    Decoded {
                        text,
                        encoding,
                        declaration,
                    },
                    None,
                ));
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
    match crate::xml::decode::decode(&bytes) {
        Ok(d) => Ok((d, Some(bytes))),
        Err(e) => Err((e, bytes)),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines kept of the file at `path` from its text read back, first read as
    /// `read_one` reads it, for `offsets` of its text.
    fn late_lines(path: &Path, offsets: &[usize], change: Option<&[u8]>) -> Vec<Option<String>> {
        let mut buf = Vec::new();
        let stamp = read_into(path, &mut buf).expect("read");
        let (text, _, _, _) = read_one(path, buf, true, false);
        let mut file = SourceFile::excerpt(path.to_path_buf(), &text, &[]);
        if let Some(bytes) = change {
            std::fs::write(path, bytes).expect("write");
        }
        let mut scratch = Vec::new();
        let upto = offsets.iter().copied().max().unwrap_or(0);
        if let Some(back) = read_back(path, stamp, upto, file.text_len(), &mut scratch) {
            file.keep(&back, offsets);
        }
        let index = crate::span::LineIndex::new(&text);
        offsets
            .iter()
            .map(|&o| {
                let want = index.line_col(&text, o);
                file.line_col(o).map(|got| {
                    assert_eq!(got, want, "offset {o}");
                    file.line_text(got.line).unwrap_or_default().to_string()
                })
            })
            .collect()
    }

    #[test]
    fn late_findings_read_their_files_back_as_far_as_they_need() {
        let dir = tempfile::tempdir().expect("temp dir");
        // long enough for several chunks; a character across the first chunk's end
        let mut text = String::from("<policyDefinitions>\r\n");
        while text.len() < 65_534 {
            text.push_str("  <x a=\"line\"/>\r\n");
        }
        text.push_str("é€\r\n");
        while text.len() < 300_000 {
            text.push_str("  <y b=\"é\"/>\n");
        }
        text.push_str("</policyDefinitions>");
        let at = [0, 3, 65_535, 150_001, text.len() - 5, text.len()];
        let expected = |o: usize| {
            let index = crate::span::LineIndex::new(&text);
            index
                .line_text(&text, index.line_col(&text, o).line)
                .to_string()
        };
        for (name, bytes) in [
            ("plain.admx", text.as_bytes().to_vec()),
            (
                "bom.admx",
                [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
            ),
            (
                "utf16.admx",
                [0xFF, 0xFE]
                    .into_iter()
                    .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                    .collect(),
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).expect("write");
            for k in 0..at.len() {
                let got = late_lines(&path, &at[..=k], None);
                let want: Vec<Option<String>> =
                    at[..=k].iter().map(|&o| Some(expected(o))).collect();
                assert_eq!(got, want, "{name} up to {}", at[k]);
            }
            // another length: its lines are not the findings' lines
            let got = late_lines(&path, &at[..2], Some(b"<policyDefinitions/>"));
            assert_eq!(got, vec![None, None], "{name} changed");
        }
        // a file that does not decode: its text is the lossy one, as when first read
        let path = dir.path().join("bad.admx");
        let mut bytes = text.as_bytes().to_vec();
        bytes[70_000] = 0xFF;
        std::fs::write(&path, &bytes).expect("write");
        let got = late_lines(&path, &[10, 100_000], None);
        assert!(got.iter().all(Option::is_some), "{got:?}");
        // gone
        let path = dir.path().join("gone.admx");
        std::fs::write(&path, &text).expect("write");
        let mut buf = Vec::new();
        let stamp = read_into(&path, &mut buf).expect("read");
        std::fs::remove_file(&path).expect("remove");
        assert!(read_back(&path, stamp, 5, text.len(), &mut buf).is_none());
    }

    #[test]
    fn read_buffers_are_handed_on_largest_first() {
        let mut spare = Spare::default();
        spare.give(Vec::with_capacity(10));
        spare.give(Vec::with_capacity(1000));
        spare.give(Vec::with_capacity(100));
        spare.give(Vec::new());
        assert!(spare.take().capacity() >= 1000);
        assert!(spare.take().capacity() >= 100);
        let mut last = spare.take();
        assert!(last.capacity() >= 10 && last.is_empty());
        last.push(1);
        spare.give(last);
        assert!(spare.take().is_empty());
        assert_eq!(spare.take().capacity(), 0);
    }
}
