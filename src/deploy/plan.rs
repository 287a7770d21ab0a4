//! The plan: what a run would do to each file, and why.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::inspect::{AdmxInfo, adml_info, admx_info, compare_revisions};
use super::journal::FileAction;
use super::paths::{RelPath, canonical_culture, check_inside, stem_with_ext};
use super::source::{SourceTemplate, Sources};
use super::txn::Change;
use super::{StoreError, TOOL_DIR};
use crate::error::{Error, Result};

/// The culture every template falls back to when it names none.
pub const DEFAULT_FALLBACK: &str = "en-US";

/// What to plan for.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// Cultures to install besides the fallback culture and those the store
    /// already has (`en-US`, `nl-NL`, ...; any case).
    pub langs: Vec<String>,
    /// Allow downgrades (each one is named in the plan).
    pub force: bool,
}

/// What happens to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// New in the store.
    Add,
    /// Replaces the store's copy (newer, or a downgrade allowed by `--force`).
    Replace,
    /// Left as it is (identical, or not requested).
    Skip,
    /// Refused; the reason says why. Any refusal blocks the whole run.
    Refuse,
}

impl Action {
    /// Lower-case name as shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Replace => "replace",
            Action::Skip => "skip",
            Action::Refuse => "refuse",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Why a file is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// Lower revision, or fewer policies, than the store's copy.
    Downgrade,
    /// The target namespace is already used by another file name (store or sources).
    NamespaceClash,
    /// Two different sources for the same file.
    DuplicateSource,
    /// A name that could leave the store or that Windows cannot use.
    UnsafeName,
    /// A link in the sources, or below the store where the file would go.
    Link,
    /// Not a readable template (not XML, a DTD, a BOM/declaration mismatch, ...).
    Unreadable,
    /// The template's fallback-culture ADML is missing from the sources.
    MissingFallback,
    /// An ADML whose ADMX is neither in the sources nor in the store.
    MissingAdmx,
    /// The store holds several files whose names differ only in case.
    Ambiguous,
    /// Another file of the same template is refused.
    WithTemplate,
    /// The built-in template would replace a fuller `office16.admx`.
    FullerTemplate,
}

/// One line of a plan.
#[derive(Clone, Debug, Serialize)]
pub struct PlanEntry {
    /// What happens.
    pub action: Action,
    /// The file below the store, `/`-separated (or the source path of a refused source file).
    pub path: String,
    /// Where the incoming file comes from.
    pub source: Option<PathBuf>,
    /// Why, in a few words.
    pub reason: String,
    /// Kind of refusal, for [`Action::Refuse`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// A downgrade that `--force` allows.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub forced: bool,
    #[serde(skip)]
    pub(crate) rel: Option<RelPath>,
    #[serde(skip)]
    pub(crate) bytes: Vec<u8>,
    #[serde(skip)]
    pub(crate) template: String,
    #[serde(skip)]
    pub(crate) admx: Option<AdmxInfo>,
    /// An identical file the store already has (part of the result, not written).
    #[serde(skip)]
    pub(crate) identical: bool,
}

impl PlanEntry {
    pub(crate) fn new(
        action: Action,
        path: String,
        source: Option<PathBuf>,
        reason: impl Into<String>,
    ) -> PlanEntry {
        PlanEntry {
            action,
            path,
            source,
            reason: reason.into(),
            refusal: None,
            forced: false,
            rel: None,
            bytes: Vec::new(),
            template: String::new(),
            admx: None,
            identical: false,
        }
    }

    pub(crate) fn refuse(&mut self, kind: Refusal, reason: impl Into<String>) {
        self.action = Action::Refuse;
        self.refusal = Some(kind);
        self.reason = reason.into();
    }

    /// Whether the store holds this file after the run (written, or already identical).
    pub fn in_result(&self) -> bool {
        matches!(self.action, Action::Add | Action::Replace) || self.identical
    }

    /// Whether this file is an ADMX.
    pub fn is_admx(&self) -> bool {
        stem_with_ext(&self.path, "admx").is_some()
    }
}

/// What a run would do, one entry per file.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The store.
    pub store: PathBuf,
    /// One entry per file, by template, ADMX first.
    pub entries: Vec<PlanEntry>,
    /// Things worth knowing that change nothing (a requested culture the source lacks, ...).
    pub notes: Vec<String>,
}

impl Plan {
    /// How many entries have this action.
    pub fn count(&self, action: Action) -> usize {
        self.entries.iter().filter(|e| e.action == action).count()
    }

    /// Whether anything is refused (then nothing may be written).
    pub fn has_refusals(&self) -> bool {
        self.count(Action::Refuse) > 0
    }

    /// The refused entries.
    pub fn refusals(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries.iter().filter(|e| e.action == Action::Refuse)
    }

    /// The downgrades `--force` allowed.
    pub fn forced(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries.iter().filter(|e| e.forced)
    }

    /// Whether the run would change nothing.
    pub fn is_noop(&self) -> bool {
        self.count(Action::Add) + self.count(Action::Replace) == 0
    }

    /// The writes, in a safe order: every ADML first (an ADML without its
    /// ADMX is ignored by Windows, the reverse breaks the editor), then the
    /// ADMX files, each after the incoming ADMX files whose namespaces it uses.
    pub(crate) fn changes(&self) -> Vec<Change> {
        let write = |e: &&PlanEntry| matches!(e.action, Action::Add | Action::Replace);
        let change = |e: &PlanEntry| Change {
            path: e.rel.clone().expect("writable entries have a store path"),
            bytes: e.bytes.clone(),
            action: if e.action == Action::Add {
                FileAction::Add
            } else {
                FileAction::Replace
            },
        };
        let mut out: Vec<Change> = self
            .entries
            .iter()
            .filter(write)
            .filter(|e| !e.is_admx())
            .map(change)
            .collect();
        let mut admx: Vec<&PlanEntry> = self
            .entries
            .iter()
            .filter(write)
            .filter(|e| e.is_admx())
            .collect();
        let incoming: BTreeSet<&str> = admx
            .iter()
            .filter_map(|e| e.admx.as_ref()?.namespace.as_deref())
            .collect();
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        while !admx.is_empty() {
            let ready = admx.iter().position(|e| {
                e.admx.as_ref().is_none_or(|i| {
                    i.uses
                        .iter()
                        .all(|u| !incoming.contains(u.as_str()) || placed.contains(u.as_str()))
                })
            });
            let e = admx.remove(ready.unwrap_or(0));
            if let Some(ns) = e.admx.as_ref().and_then(|i| i.namespace.as_deref()) {
                placed.insert(ns);
            }
            out.push(change(e));
        }
        out
    }
}

/// What the store holds, matched case-insensitively.
#[derive(Debug, Default)]
pub(crate) struct StoreIndex {
    /// Lower-case stem → ADMX file names.
    pub admx: BTreeMap<String, Vec<String>>,
    /// Canonical culture → folder names.
    pub cultures: BTreeMap<String, Vec<String>>,
    /// (canonical culture, lower-case stem) → ADML paths.
    pub adml: BTreeMap<(String, String), Vec<RelPath>>,
    /// ADMX file name → what it says (or why it cannot be read).
    pub info: BTreeMap<String, std::result::Result<AdmxInfo, String>>,
}

impl StoreIndex {
    /// Indexes `store` (a missing folder is an empty store).
    pub(crate) fn read(store: &Path) -> Result<StoreIndex> {
        let mut ix = StoreIndex::default();
        let meta = match std::fs::metadata(store) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ix),
            Err(e) => return Err(Error::io(store, e)),
        };
        if !meta.is_dir() {
            return Err(StoreError::NotAStore {
                path: store.to_path_buf(),
                why: "not a folder".into(),
            }
            .into());
        }
        for e in std::fs::read_dir(store).map_err(|e| Error::io(store, e))? {
            let e = e.map_err(|e| Error::io(store, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let ft = e.file_type().map_err(|err| Error::io(&e.path(), err))?;
            if ft.is_file() {
                if let Some(stem) = stem_with_ext(&name, "admx") {
                    ix.admx
                        .entry(stem.to_lowercase())
                        .or_default()
                        .push(name.clone());
                    let bytes = crate::fsutil::read(&e.path())?;
                    ix.info.insert(name, admx_info(&bytes));
                }
            } else if ft.is_dir() && name != TOOL_DIR {
                let Some(c) = canonical_culture(&name) else {
                    continue;
                };
                ix.cultures.entry(c.clone()).or_default().push(name.clone());
                for f in std::fs::read_dir(e.path()).map_err(|err| Error::io(&e.path(), err))? {
                    let f = f.map_err(|err| Error::io(&e.path(), err))?;
                    let fname = f.file_name().to_string_lossy().into_owned();
                    if let Some(stem) = stem_with_ext(&fname, "adml") {
                        if let Some(rel) = RelPath::new([name.clone(), fname.clone()]) {
                            ix.adml
                                .entry((c.clone(), stem.to_lowercase()))
                                .or_default()
                                .push(rel);
                        }
                    }
                }
            }
        }
        for v in ix.admx.values_mut().chain(ix.cultures.values_mut()) {
            v.sort();
        }
        for v in ix.adml.values_mut() {
            v.sort();
        }
        Ok(ix)
    }

    /// The folder a new ADML for `culture` goes to: the store's own spelling
    /// when it has one (the canonical spelling first), else the canonical name.
    fn culture_dir(&self, culture: &str) -> String {
        match self.cultures.get(culture) {
            Some(v) => v.iter().find(|n| *n == culture).unwrap_or(&v[0]).clone(),
            None => culture.to_string(),
        }
    }

    /// ADMX file names defining each target namespace.
    fn namespaces(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, info) in &self.info {
            if let Some(ns) = info.as_ref().ok().and_then(|i| i.namespace.as_deref()) {
                m.entry(ns).or_default().push(name);
            }
        }
        m
    }
}

/// Plans copying `sources` (folders or `.admx`/`.adml` files) into `store`.
pub fn plan(sources: &[PathBuf], store: &Path, opts: &PlanOptions) -> Result<Plan> {
    let src = Sources::collect(sources)?;
    let mut plan = plan_sources(src, store, opts)?;
    super::apply::note_interrupted(store, &mut plan)?;
    Ok(plan)
}

/// The canonical cultures requested; an unusable name is a caller error.
fn requested(opts: &PlanOptions) -> Result<BTreeSet<String>> {
    opts.langs
        .iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            canonical_culture(l).ok_or_else(|| {
                Error::Invalid(format!("expected a culture such as en-US, found '{l}'"))
            })
        })
        .collect()
}

fn compare_file(rel: &RelPath, store: &Path) -> std::result::Result<Option<Vec<u8>>, String> {
    check_inside(store, rel)?;
    match std::fs::read(rel.under(store)) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read the store's copy: {e}")),
    }
}

/// Compares the incoming `bytes` with the store's copy at `rel`: refuses an
/// unusable name or a link, turns an identical file into a skip, and returns
/// the store's bytes when they differ (the caller then judges the replacement).
fn compare_with_store(
    e: &mut PlanEntry,
    rel: Option<&RelPath>,
    store: &Path,
    bytes: &[u8],
) -> Option<Vec<u8>> {
    match rel.map(|r| compare_file(r, store)) {
        None => e.refuse(Refusal::UnsafeName, "unusable file name"),
        Some(Err(why)) => e.refuse(Refusal::Link, why),
        Some(Ok(None)) => {}
        Some(Ok(Some(old))) if old == bytes => {
            e.action = Action::Skip;
            e.reason = "identical".into();
            e.identical = true;
        }
        Some(Ok(Some(old))) => return Some(old),
    }
    None
}

fn policies(n: usize) -> String {
    if n == 1 {
        "1 policy".to_string()
    } else {
        format!("{n} policies")
    }
}

/// How `new` compares with `old`: the downgrade reasons, if any, and a summary.
fn judge(old: &AdmxInfo, new: &AdmxInfo) -> (Vec<String>, String) {
    let mut down = Vec::new();
    let rev = |r: &Option<String>| r.clone().unwrap_or_else(|| "?".into());
    if compare_revisions(new.revision.as_deref(), old.revision.as_deref())
        == Some(std::cmp::Ordering::Less)
    {
        down.push(format!(
            "revision {} is lower than the store's {}",
            rev(&new.revision),
            rev(&old.revision)
        ));
    }
    if new.policies.len() < old.policies.len() {
        let have: BTreeSet<&str> = new.policies.iter().map(String::as_str).collect();
        let missing: Vec<&str> = old
            .policies
            .iter()
            .map(String::as_str)
            .filter(|p| !have.contains(p))
            .collect();
        let mut s = format!(
            "defines {} where the store's copy defines {}",
            policies(new.policies.len()),
            old.policies.len()
        );
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(3).copied().collect();
            s.push_str(&format!(" (missing {}", shown.join(", ")));
            if missing.len() > shown.len() {
                s.push_str(&format!(" and {} more", missing.len() - shown.len()));
            }
            s.push(')');
        }
        down.push(s);
    }
    let mut parts = Vec::new();
    if old.revision != new.revision {
        parts.push(format!(
            "revision {} -> {}",
            rev(&old.revision),
            rev(&new.revision)
        ));
    }
    if old.policies.len() != new.policies.len() {
        parts.push(format!(
            "policies {} -> {}",
            old.policies.len(),
            new.policies.len()
        ));
    }
    let newer = compare_revisions(new.revision.as_deref(), old.revision.as_deref())
        == Some(std::cmp::Ordering::Greater)
        || new.policies.len() > old.policies.len();
    let summary = match (parts.is_empty(), newer) {
        (true, _) => format!(
            "changed: same revision {} and {}",
            rev(&new.revision),
            policies(new.policies.len())
        ),
        (false, true) => format!("newer: {}", parts.join(", ")),
        (false, false) => format!("changed: {}", parts.join(", ")),
    };
    (down, summary)
}

/// Plans already-collected sources (also used for built-in templates).
pub(crate) fn plan_sources(src: Sources, store: &Path, opts: &PlanOptions) -> Result<Plan> {
    let langs = requested(opts)?;
    let ix = StoreIndex::read(store)?;
    let store_ns = ix.namespaces();
    let mut plan = Plan {
        store: store.to_path_buf(),
        entries: Vec::new(),
        notes: Vec::new(),
    };

    // Read every incoming ADMX once; namespaces used by more than one incoming file name clash.
    let mut infos: BTreeMap<&str, std::result::Result<AdmxInfo, String>> = BTreeMap::new();
    let mut src_ns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, t) in &src.templates {
        if let Some(f) = &t.admx {
            let info = admx_info(&f.bytes);
            if let Some(ns) = info.as_ref().ok().and_then(|i| i.namespace.clone()) {
                src_ns.entry(ns).or_default().push(f.name.clone());
            }
            infos.insert(key, info);
        }
    }

    for (key, t) in &src.templates {
        let slotted: BTreeMap<&str, &str> = src
            .problems
            .iter()
            .filter(|p| p.template.as_deref() == Some(key.as_str()))
            .filter_map(|p| Some((p.slot.as_deref()?, p.why.as_str())))
            .collect();
        let ctx = Ctx {
            ix: &ix,
            store_ns: &store_ns,
            src_ns: &src_ns,
            langs: &langs,
            store,
            opts,
            slotted: &slotted,
        };
        let mut notes = Vec::new();
        let mut unit = plan_template(key, t, infos.remove(key.as_str()), &ctx, &mut notes);
        for p in src
            .problems
            .iter()
            .filter(|p| p.template.as_deref() == Some(key.as_str()) && p.slot.is_none())
        {
            let mut e = PlanEntry::new(
                Action::Refuse,
                p.path.display().to_string(),
                Some(p.path.clone()),
                "",
            );
            e.refuse(p.kind, p.why.clone());
            e.template = key.clone();
            unit.push(e);
        }
        // A template goes in whole or not at all.
        if let Some(first) = unit
            .iter()
            .find(|e| e.action == Action::Refuse && e.refusal != Some(Refusal::WithTemplate))
        {
            let why = format!(
                "refused with its template ({}: {})",
                first.path, first.reason
            );
            for e in unit
                .iter_mut()
                .filter(|e| matches!(e.action, Action::Add | Action::Replace))
            {
                e.refuse(Refusal::WithTemplate, why.clone());
                e.forced = false;
            }
        }
        if !unit.iter().any(|e| e.action == Action::Refuse) {
            plan.notes.extend(notes);
        }
        plan.entries.extend(unit);
    }
    for p in src.problems.iter().filter(|p| {
        p.template
            .as_ref()
            .is_none_or(|t| !src.templates.contains_key(t))
    }) {
        let mut e = PlanEntry::new(
            Action::Refuse,
            p.path.display().to_string(),
            Some(p.path.clone()),
            "",
        );
        e.refuse(p.kind, p.why.clone());
        plan.entries.push(e);
    }
    Ok(plan)
}

/// What every template's plan looks at.
struct Ctx<'a> {
    ix: &'a StoreIndex,
    store_ns: &'a BTreeMap<&'a str, Vec<&'a str>>,
    src_ns: &'a BTreeMap<String, Vec<String>>,
    langs: &'a BTreeSet<String>,
    store: &'a Path,
    opts: &'a PlanOptions,
    /// Slot (`""` for the ADMX, else the culture) → why two sources disagree on it.
    slotted: &'a BTreeMap<&'a str, &'a str>,
}

fn plan_template(
    key: &str,
    t: &SourceTemplate,
    info: Option<std::result::Result<AdmxInfo, String>>,
    ctx: &Ctx<'_>,
    notes: &mut Vec<String>,
) -> Vec<PlanEntry> {
    let Ctx {
        ix,
        store_ns,
        src_ns,
        langs,
        store,
        opts,
        slotted,
    } = *ctx;
    let mut unit = Vec::new();
    let store_names = ix.admx.get(key).map_or(&[][..], Vec::as_slice);
    let store_info = store_names
        .first()
        .and_then(|n| ix.info.get(n))
        .and_then(|r| r.as_ref().ok());
    let mut admx_action = None;
    let mut fallback = None;
    let display = t
        .admx
        .as_ref()
        .map_or_else(|| key.to_string(), |f| f.name.clone());

    if let Some(f) = &t.admx {
        let name = store_names
            .first()
            .cloned()
            .unwrap_or_else(|| f.name.clone());
        let rel = RelPath::new([name.clone()]);
        let mut e = PlanEntry::new(
            Action::Add,
            name.clone(),
            Some(f.path.clone()),
            "new template",
        );
        e.template = key.to_string();
        e.bytes = f.bytes.clone();
        e.rel = rel.clone();
        match info {
            Some(Err(why)) => e.refuse(Refusal::Unreadable, why),
            None => e.refuse(Refusal::Unreadable, "not read"),
            Some(Ok(i)) => {
                fallback = i.fallback.clone();
                let ns = i.namespace.clone();
                e.admx = Some(i.clone());
                if store_names.len() > 1 {
                    e.refuse(
                        Refusal::Ambiguous,
                        format!(
                            "the store holds {} (names differing only in case); keep one first",
                            store_names.join(", ")
                        ),
                    );
                } else if let Some(ns) = ns.as_deref() {
                    let other_store: Vec<&str> = store_ns
                        .get(ns)
                        .map(|v| {
                            v.iter()
                                .copied()
                                .filter(|n| {
                                    stem_with_ext(n, "admx").is_none_or(|s| s.to_lowercase() != key)
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let other_src: Vec<&String> = src_ns
                        .get(ns)
                        .map(|v| v.iter().filter(|n| **n != f.name).collect())
                        .unwrap_or_default();
                    if !other_store.is_empty() {
                        e.refuse(
                            Refusal::NamespaceClash,
                            format!(
                                "target namespace '{ns}' is already defined by {} in the store",
                                other_store.join(", ")
                            ),
                        );
                    } else if !other_src.is_empty() {
                        let names: Vec<&str> = other_src.iter().map(|s| s.as_str()).collect();
                        e.refuse(
                            Refusal::NamespaceClash,
                            format!(
                                "target namespace '{ns}' is also the target of {} in the sources",
                                names.join(", ")
                            ),
                        );
                    }
                } else {
                    e.refuse(
                        Refusal::Unreadable,
                        "no target namespace (policyNamespaces/target)",
                    );
                }
                if e.action != Action::Refuse
                    && compare_with_store(&mut e, rel.as_ref(), store, &f.bytes).is_some()
                {
                    e.action = Action::Replace;
                    match store_info {
                        None => {
                            let why = store_names
                                .first()
                                .and_then(|n| ix.info.get(n))
                                .and_then(|r| r.as_ref().err())
                                .cloned()
                                .unwrap_or_default();
                            e.reason = format!("the store's copy cannot be read ({why})");
                        }
                        Some(old) => {
                            if old.namespace != i.namespace {
                                notes.push(format!(
                                    "{display}: its target namespace changes from '{}' to '{}'; \
                                     templates that use the old one stop resolving",
                                    old.namespace.as_deref().unwrap_or("?"),
                                    i.namespace.as_deref().unwrap_or("?")
                                ));
                            }
                            let (down, summary) = judge(old, &i);
                            if down.is_empty() {
                                e.reason = summary;
                            } else if opts.force {
                                e.forced = true;
                                e.reason =
                                    format!("downgrade allowed by --force: {}", down.join("; "));
                            } else {
                                e.refuse(
                                    Refusal::Downgrade,
                                    format!("downgrade: {} (--force allows it)", down.join("; ")),
                                );
                            }
                        }
                    }
                }
            }
        }
        if let Some(why) = slotted.get("") {
            e.refuse(Refusal::DuplicateSource, *why);
        }
        admx_action = Some(e.action);
        unit.push(e);
    } else if store_names.is_empty() {
        for (c, f) in &t.admls {
            let mut e = PlanEntry::new(
                Action::Refuse,
                format!("{c}/{}", f.name),
                Some(f.path.clone()),
                "",
            );
            e.template = key.to_string();
            e.refuse(
                Refusal::MissingAdmx,
                format!("no {key}.admx in the sources or the store"),
            );
            unit.push(e);
        }
        return unit;
    } else {
        fallback = store_info.and_then(|i| i.fallback.clone());
    }

    let fallback = fallback
        .as_deref()
        .and_then(canonical_culture)
        .unwrap_or_else(|| DEFAULT_FALLBACK.to_string());
    let mut wanted: BTreeSet<String> = langs.clone();
    wanted.insert(fallback.clone());
    wanted.extend(ix.cultures.keys().cloned());
    let changing = matches!(admx_action, Some(Action::Add | Action::Replace));

    for (c, f) in &t.admls {
        let existing = ix
            .adml
            .get(&(c.clone(), key.to_string()))
            .map_or(&[][..], Vec::as_slice);
        let rel = match existing.first() {
            Some(r) => Some(r.clone()),
            None => RelPath::new([ix.culture_dir(c), f.name.clone()]),
        };
        let path = rel
            .as_ref()
            .map_or_else(|| format!("{c}/{}", f.name), RelPath::to_string);
        let mut e = PlanEntry::new(Action::Add, path, Some(f.path.clone()), "");
        e.template = key.to_string();
        e.bytes = f.bytes.clone();
        e.rel = rel.clone();
        if !wanted.contains(c) {
            e.action = Action::Skip;
            e.reason = format!("culture {c} not requested (--lang {c} adds it)");
            unit.push(e);
            continue;
        }
        e.reason = if *c == fallback {
            format!("fallback culture {c}")
        } else {
            format!("culture {c}")
        };
        if let Some(why) = slotted.get(c.as_str()) {
            e.refuse(Refusal::DuplicateSource, *why);
            unit.push(e);
            continue;
        }
        let new_info = match adml_info(&f.bytes) {
            Ok(i) => i,
            Err(why) => {
                e.refuse(Refusal::Unreadable, why);
                unit.push(e);
                continue;
            }
        };
        if existing.len() > 1 {
            let names: Vec<String> = existing.iter().map(RelPath::to_string).collect();
            e.refuse(
                Refusal::Ambiguous,
                format!(
                    "the store holds {} (names differing only in case); keep one first",
                    names.join(", ")
                ),
            );
            unit.push(e);
            continue;
        }
        if let Some(old) = compare_with_store(&mut e, rel.as_ref(), store, &f.bytes) {
            e.action = Action::Replace;
            let old_rev = adml_info(&old).ok().and_then(|i| i.revision);
            let lower = compare_revisions(new_info.revision.as_deref(), old_rev.as_deref())
                == Some(std::cmp::Ordering::Less);
            let revs = format!(
                "revision {} -> {}",
                old_rev.as_deref().unwrap_or("?"),
                new_info.revision.as_deref().unwrap_or("?")
            );
            if lower && !changing {
                if opts.force {
                    e.forced = true;
                    e.reason = format!("downgrade allowed by --force: {revs}");
                } else {
                    e.refuse(
                        Refusal::Downgrade,
                        format!("downgrade: {revs} (--force allows it)"),
                    );
                }
            } else {
                e.reason = format!("{} ({revs})", e.reason);
            }
        }
        unit.push(e);
    }

    if changing {
        if !t.admls.contains_key(&fallback) {
            let mut e = PlanEntry::new(Action::Refuse, format!("{fallback}/{key}.adml"), None, "");
            e.template = key.to_string();
            e.refuse(
                Refusal::MissingFallback,
                format!("the sources have no {fallback} ADML for {display}, its fallback culture"),
            );
            unit.push(e);
        }
        for c in langs.iter().filter(|c| !t.admls.contains_key(*c)) {
            notes.push(format!("{display}: the sources have no {c} ADML"));
        }
        if admx_action == Some(Action::Add) {
            let lacking: Vec<&str> = ix
                .cultures
                .keys()
                .filter(|c| !t.admls.contains_key(*c) && !langs.contains(*c) && **c != fallback)
                .map(String::as_str)
                .collect();
            if !lacking.is_empty() {
                notes.push(format!(
                    "{display}: the store has {} but the sources have no ADML for {}",
                    lacking.join(", "),
                    if lacking.len() == 1 { "it" } else { "them" }
                ));
            }
        }
        if admx_action == Some(Action::Replace) {
            for ((c, k), paths) in &ix.adml {
                if k == key && !t.admls.contains_key(c) {
                    notes.push(format!(
                        "{display}: the store keeps {} from the version being replaced (the sources have no {c} ADML); it may lack new strings",
                        paths[0]
                    ));
                }
            }
        }
    }
    unit
}
