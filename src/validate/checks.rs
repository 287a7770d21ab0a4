//! The model layers: inside one ADMX, inside one ADML, ADMX against its
//! ADMLs, cultures against the baseline, and the whole store.

use std::collections::BTreeMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::hash::{FxHasher, HashMap, HashSet};

/// An empty map with room for `n` entries.
fn map_with<K, V>(n: usize) -> HashMap<K, V> {
    HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default())
}

/// An empty set with room for `n` entries.
fn set_with<K>(n: usize) -> HashSet<K> {
    HashSet::with_capacity_and_hasher(n, BuildHasherDefault::default())
}
use std::path::{Path, PathBuf};

/// Tells whether a key came before: a list searched from its start while
/// there are few (one allocation, no hashing), a set beyond.
enum Seen<K> {
    Few(Vec<K>),
    Many(HashSet<K>),
}

impl<K: Eq + std::hash::Hash> Seen<K> {
    /// Room for `n` keys.
    fn with_capacity(n: usize) -> Self {
        if n <= 16 {
            Seen::Few(Vec::with_capacity(n))
        } else {
            Seen::Many(set_with(n))
        }
    }

    /// Adds `k`; false when it was there already (as `HashSet::insert`).
    fn insert(&mut self, k: K) -> bool {
        match self {
            Seen::Few(v) if v.contains(&k) => false,
            Seen::Few(v) => {
                v.push(k);
                true
            }
            Seen::Many(s) => s.insert(k),
        }
    }
}

use crate::diagnostic::Diagnostic;
use crate::model::{
    Control, Node, PolicyClass, PolicyDefinitionResources, PolicyDefinitions, PolicyElement,
    SupportedItem, Value, ValueList, parse_presentation_ref, parse_string_ref,
};
use crate::span::Span;

use super::input::{AdmlFile, AdmxFile, Loaded};
use super::schema::{diag, is_ident, short};

/// The value span of attribute `name` in the start tag of the element at
/// `span` (the whole tag when the attribute is absent; empty when unknown).
pub(crate) fn attr_span(text: &str, span: Span, name: &str) -> Span {
    if span.is_empty() || span.end() > text.len() {
        return span;
    }
    let el = &text.as_bytes()[span.start()..span.end()];
    let nb = name.as_bytes();
    // The usual case first: the first attribute's, written `name="` (as
    // `<policy name="X" ...`). The tag's first blank comes before any quote
    // or `>`: it is the first place the pass below would look at.
    let first = el
        .iter()
        .position(|&c| c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'>'));
    if let Some(p) = first.filter(|&p| el[p].is_ascii_whitespace()) {
        if let Some(&[b'=', q @ (b'"' | b'\''), ..]) = el[p + 1..].strip_prefix(nb) {
            let vstart = p + 1 + nb.len() + 2;
            let vend = memchr::memchr(q, &el[vstart..]).map_or(el.len(), |k| vstart + k);
            return Span::new(span.start() + vstart, span.start() + vend);
        }
    }
    // One pass over the unquoted stretches of the start tag (quoted values
    // are skipped with memchr: they are most of a tag), up to the first `>`
    // outside quotes. (`name` holds no quote or `>`: a match cannot run
    // past the tag's end.)
    let mut i = 0;
    loop {
        let j = memchr::memchr3(b'"', b'\'', b'>', &el[i..]).map_or(el.len(), |k| i + k);
        for p in i..j {
            if !(el[p].is_ascii_whitespace() && el[p + 1..].starts_with(nb)) {
                continue;
            }
            let mut j = p + 1 + nb.len();
            let ws = el[j..]
                .iter()
                .take_while(|c| c.is_ascii_whitespace())
                .count();
            if el.get(j + ws) == Some(&b'=') {
                j += ws + 1;
                while j < el.len() && el[j].is_ascii_whitespace() {
                    j += 1;
                }
                if let Some(&q) = el.get(j) {
                    if q == b'"' || q == b'\'' {
                        let vstart = j + 1;
                        let vend =
                            memchr::memchr(q, &el[vstart..]).map_or(el.len(), |k| vstart + k);
                        return Span::new(span.start() + vstart, span.start() + vend);
                    }
                }
            }
        }
        if j >= el.len() || el[j] == b'>' {
            break;
        }
        match memchr::memchr(el[j], &el[j + 1..]) {
            Some(m) => i = j + 1 + m + 1,
            None => break,
        }
    }
    head(text, span)
}

/// The element name right after `<` (for findings about a whole element).
fn head(text: &str, span: Span) -> Span {
    if span.is_empty() || span.end() > text.len() {
        return span;
    }
    let el = &text[span.start()..span.end()];
    let n = el
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_whitespace() || *c == '>' || *c == '/')
        .map_or(el.len(), |(i, _)| i);
    Span::new(span.start(), span.start() + n)
}

struct Ctx<'a> {
    l: &'a Loaded,
    out: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn text(&self, file: usize) -> &str {
        &self.l.files[file].text
    }
    fn path(&self, file: usize) -> PathBuf {
        self.l.path(file).to_path_buf()
    }
    fn at(&mut self, code: &'static str, file: usize, span: Span, msg: String) -> &mut Diagnostic {
        let d = diag(code, msg, span).with_file(self.path(file));
        self.out.push(d);
        self.out.last_mut().expect("pushed")
    }
    fn attr(&self, file: usize, node: &Node, name: &str) -> Span {
        attr_span(self.text(file), node.span, name)
    }
    fn head(&self, file: usize, node: &Node) -> Span {
        head(self.text(file), node.span)
    }
}

/// A cross-file reference of an ADMX whose target is only known once every
/// ADMX of the input is read: `name` in namespace `ns`. [`admx_checks`]
/// records it where its finding would go; [`resolve`] decides.
pub(crate) struct Deferred {
    /// Position in the file's findings.
    pos: usize,
    code: &'static str,
    what: &'static str,
    /// Look the name up among supportedOn names (else categories).
    supported: bool,
    name: String,
    ns: String,
    /// The referencing element (its `ref` attribute is the finding's span,
    /// found when the finding is made: see [`resolve`]).
    node: Span,
}

/// The findings of the checks of one file, some still waiting for the
/// other files ([`Deferred`]).
#[derive(Default)]
pub(crate) struct FileChecks {
    pub diags: Vec<Diagnostic>,
    deferred: Vec<Deferred>,
}

/// The registry values the policies of one ADMX write: for each policy
/// its (key, valueName) pairs, lower-cased, sorted and without repeats
/// (see [`Writes::add`]), as ranges of one string.
#[derive(Default)]
pub(crate) struct Writes {
    text: String,
    /// The key's start and end, the value's start and end (a key or value
    /// is written once for every write of the same text).
    items: Vec<Item>,
    /// Per policy: its range of `items`.
    policies: Vec<(usize, usize)>,
}

/// A write of [`Writes`]: its key's start and end, its value's start and end.
type Item = (usize, usize, usize, usize);

/// What [`Writes::add`] reuses from one policy to the next: the copy of
/// each key and value text (by the text as written), the last key, and
/// room for sorting.
#[derive(Default)]
struct WritesScratch<'d> {
    copies: HashMap<&'d str, (usize, usize)>,
    last_key: Option<(&'d str, (usize, usize))>,
    sorted: Vec<(u64, Item)>,
    packed: Vec<u128>,
}

impl Writes {
    fn pair(text: &str, it: (usize, usize, usize, usize)) -> (&str, &str) {
        (&text[it.0..it.1], &text[it.2..it.3])
    }

    /// The pairs of policy `i`.
    fn of(&self, i: usize) -> impl Iterator<Item = (&str, &str)> {
        let (a, b) = self.policies.get(i).copied().unwrap_or_default();
        self.items[a..b]
            .iter()
            .map(|&it| Writes::pair(&self.text, it))
    }

    /// Orders two items by (key, value), each with [`head8`] of its value
    /// (which decides most comparisons of values); ranges that are the same
    /// copy compare equal without looking at the text.
    fn cmp_items(text: &[u8], a: &(u64, Item), b: &(u64, Item)) -> std::cmp::Ordering {
        let same = |x: (usize, usize), y: (usize, usize)| {
            if x == y {
                std::cmp::Ordering::Equal
            } else {
                text[x.0..x.1].cmp(&text[y.0..y.1])
            }
        };
        let (x, y) = (a.1, b.1);
        same((x.0, x.1), (y.0, y.1))
            .then(a.0.cmp(&b.0))
            .then_with(|| same((x.2, x.3), (y.2, y.3)))
    }

    /// The range of `x.to_lowercase()`: the copy made for the same text
    /// before, else a new one.
    fn lower<'d>(
        &mut self,
        x: &'d str,
        copies: &mut HashMap<&'d str, (usize, usize)>,
    ) -> (usize, usize) {
        *copies.entry(x).or_insert_with(|| {
            let start = self.text.len();
            push_lower(&mut self.text, x);
            (start, self.text.len())
        })
    }

    /// `(k.trim_matches('\\').to_lowercase(), v.to_lowercase())`.
    fn push<'d>(&mut self, sc: &mut WritesScratch<'d>, k: &'d str, v: &'d str) {
        // (a backslash is one byte and never inside a longer character)
        let b = k.as_bytes();
        let end = b.iter().rposition(|&c| c != b'\\').map_or(0, |i| i + 1);
        let start = b[..end].iter().position(|&c| c != b'\\').unwrap_or(end);
        let k = &k[start..end];
        // (most writes have the key of the write before)
        let key = match sc.last_key {
            Some((raw, r)) if raw == k => r,
            _ => {
                let r = self.lower(k, &mut sc.copies);
                sc.last_key = Some((k, r));
                r
            }
        };
        let value = self.lower(v, &mut sc.copies);
        self.items.push((key.0, key.1, value.0, value.1));
    }

    /// Adds what policy `p` writes (lists excluded: their names are generated).
    fn add<'d>(&mut self, p: &'d crate::model::Policy, sc: &mut WritesScratch<'d>) {
        let from = self.items.len();
        let pkey = p.key.as_deref().unwrap_or_default();
        if let Some(vn) = &p.value_name {
            self.push(sc, pkey, vn);
        }
        fn list<'d>(w: &mut Writes, sc: &mut WritesScratch<'d>, l: &'d ValueList, base: &'d str) {
            for it in &l.items {
                let k = it
                    .key
                    .as_deref()
                    .or(l.default_key.as_deref())
                    .unwrap_or(base);
                if let Some(vn) = &it.value_name {
                    w.push(sc, k, vn);
                }
            }
        }
        for l in [&p.enabled_list, &p.disabled_list].into_iter().flatten() {
            list(self, sc, l, pkey);
        }
        for e in p.elements() {
            let c = e.common();
            let k = c.key.as_deref().unwrap_or(pkey);
            match e {
                PolicyElement::List(_) => {}
                PolicyElement::Boolean(b) => {
                    if let Some(vn) = &c.value_name {
                        self.push(sc, k, vn);
                    }
                    for l in [&b.true_list, &b.false_list].into_iter().flatten() {
                        list(self, sc, l, k);
                    }
                }
                PolicyElement::Enum(en) => {
                    if let Some(vn) = &c.value_name {
                        self.push(sc, k, vn);
                    }
                    for it in &en.items {
                        if let Some(l) = &it.value_list {
                            list(self, sc, l, k);
                        }
                    }
                }
                _ => {
                    if let Some(vn) = &c.value_name {
                        self.push(sc, k, vn);
                    }
                }
            }
        }
        if self.items.len() - from > 1 {
            // the same copies first (the same text as written: a cheap sort
            // of numbers), then the texts
            let mine = &mut self.items[from..];
            let text = self.text.as_bytes();
            sc.sorted.clear();
            if u32::try_from(text.len()).is_ok() {
                // (each item as one number: its four offsets, in order)
                sc.packed.clear();
                sc.packed.extend(mine.iter().map(|&(a, b, c, d)| {
                    (a as u128) << 96 | (b as u128) << 64 | (c as u128) << 32 | d as u128
                }));
                sc.packed.sort_unstable();
                sc.packed.dedup();
                let part = |x: u128, at: u32| (x >> at) as u32 as usize;
                for &x in &sc.packed {
                    let it = (part(x, 96), part(x, 64), part(x, 32), part(x, 0));
                    sc.sorted.push((head8(&text[it.2..it.3]), it));
                }
            } else {
                mine.sort_unstable();
                let mut prev = None;
                for &it in mine.iter() {
                    if prev != Some(it) {
                        sc.sorted.push((head8(&text[it.2..it.3]), it));
                    }
                    prev = Some(it);
                }
            }
            sc.sorted
                .sort_unstable_by(|a, b| Writes::cmp_items(text, a, b));
            // without repeats
            self.items.truncate(from);
            let mut prev: Option<&(u64, Item)> = None;
            for it in &sc.sorted {
                if prev.is_none_or(|p| Writes::cmp_items(text, p, it).is_ne()) {
                    self.items.push(it.1);
                }
                prev = Some(it);
            }
        }
        self.policies.push((from, self.items.len()));
    }
}

/// The first 8 bytes of `s` as a big-endian number, zeros after a shorter
/// `s`: when two of them differ, they order their strings as `[u8]::cmp`
/// does (a string that ends first is a prefix of the other up to there).
fn head8(s: &[u8]) -> u64 {
    if let Some(h) = s.first_chunk::<8>() {
        return u64::from_be_bytes(*h);
    }
    let mut h = [0u8; 8];
    for (d, &c) in h.iter_mut().zip(s) {
        *d = c;
    }
    u64::from_be_bytes(h)
}

/// Appends `str::to_lowercase(x)` (without a copy for ASCII).
fn push_lower(s: &mut String, x: &str) {
    if x.is_ascii() {
        let from = s.len();
        s.push_str(x);
        s[from..].make_ascii_lowercase();
    } else {
        s.push_str(&x.to_lowercase());
    }
}

/// What one policy writes, for the store checks.
pub(crate) struct PolicySummary {
    class: PolicyClass,
    name: String,
    /// Its `name` attribute.
    span: Span,
}

/// What the whole-input checks need of one ADMX once its model is gone.
#[derive(Default)]
pub(crate) struct AdmxSummary {
    /// The file had a model (the model layers ran).
    doc: bool,
    /// Target namespace and its `namespace` attribute.
    target: Option<(String, Span)>,
    /// Names defined (when there is a target namespace).
    categories: Vec<String>,
    supported: Vec<String>,
    /// `<using>` elements whose prefix a reference uses: the namespace and
    /// its attribute.
    used_usings: Vec<(String, Span)>,
    policies: Vec<PolicySummary>,
    /// What the policies write.
    writes: Writes,
    /// A hash of each of `writes`' (key, value) items (see [`write_hash`]).
    write_hashes: Vec<u64>,
}

/// What the store checks need of one ADML: the name of its root element,
/// if it had a model.
#[derive(Default)]
pub(crate) struct AdmlSummary {
    root: Option<Span>,
}

/// Everything the checks of one group of files (ADMXs and the ADMLs of the
/// same name) found, in the order of the group's files.
pub(crate) struct UnitChecks {
    pub admx: Vec<FileChecks>,
    pub adml: Vec<Vec<Diagnostic>>,
    /// Reference and language findings, by ADMX.
    pub refs: Vec<Vec<Diagnostic>>,
    pub admx_summary: Vec<AdmxSummary>,
    pub adml_summary: Vec<AdmlSummary>,
}

/// Runs the layers that need the models over one group: the files on
/// their own, and each ADMX against its ADMLs. `l` holds the ADMXs of one
/// name and the ADMLs (in culture folders) of that name; `store_cultures`:
/// every culture of the input (lower-case -> as found).
pub(crate) fn unit(l: &Loaded, store_cultures: &BTreeMap<String, String>) -> UnitChecks {
    let mut admx = Vec::with_capacity(l.admx.len());
    let mut admx_summary = Vec::with_capacity(l.admx.len());
    for a in &l.admx {
        let mut fc = FileChecks::default();
        let mut sum = AdmxSummary::default();
        if let Some(d) = &a.doc {
            let mut cx = Ctx {
                l,
                out: &mut fc.diags,
            };
            let (written, used) = admx_checks(&mut cx, a.file, d, &mut fc.deferred);
            sum = summarize(&l.files[a.file].text, d, written, &used);
        }
        admx.push(fc);
        admx_summary.push(sum);
    }
    let mut adml = Vec::with_capacity(l.adml.len());
    let mut adml_summary = Vec::with_capacity(l.adml.len());
    // (the ids of each ADML, found once for its own checks and the references)
    let mut adml_ids = Vec::with_capacity(l.adml.len());
    for m in &l.adml {
        let mut out = Vec::new();
        let mut mids = None;
        if let Some(d) = &m.doc {
            let x = AdmlIds::of(d);
            adml_checks(&mut Ctx { l, out: &mut out }, m.file, d, &x);
            mids = Some(x);
        }
        adml_ids.push(mids);
        adml.push(out);
        adml_summary.push(AdmlSummary {
            root: m
                .doc
                .as_ref()
                .map(|d| head(&l.files[m.file].text, d.node.span)),
        });
    }
    let refs = reference_checks(l, store_cultures, &adml_ids);
    UnitChecks {
        admx,
        adml,
        refs,
        admx_summary,
        adml_summary,
    }
}

/// (`used`: the prefixes the references of `d` use, trimmed.)
/// What the whole-input steps need of ADMX `d` (its text `text`): names,
/// and the spans their findings would point at.
fn summarize(
    text: &str,
    d: &PolicyDefinitions,
    written: Writes,
    used: &HashSet<&str>,
) -> AdmxSummary {
    let target = d.target().and_then(|t| {
        Some((
            t.namespace.clone()?,
            attr_span(text, t.node.span, "namespace"),
        ))
    });
    let (categories, supported) = if target.is_some() {
        (
            d.categories()
                .iter()
                .filter_map(|c| c.name.clone())
                .collect(),
            supported_names(d)
                .into_iter()
                .map(|(n, _)| n.to_string())
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let used_usings = d
        .usings()
        .iter()
        .filter(|u| u.prefix.as_deref().is_some_and(|p| used.contains(p)))
        .filter_map(|u| {
            Some((
                u.namespace.clone()?,
                attr_span(text, u.node.span, "namespace"),
            ))
        })
        .collect();
    let policies = d
        .policies()
        .iter()
        .map(|p| PolicySummary {
            class: p.class().unwrap_or(PolicyClass::Both),
            name: p.name.clone().unwrap_or_default(),
            span: attr_span(text, p.node.span, "name"),
        })
        .collect();
    let write_hashes = written
        .items
        .iter()
        .map(|&it| write_hash(Writes::pair(&written.text, it)))
        .collect();
    AdmxSummary {
        doc: true,
        write_hashes,
        target,
        categories,
        supported,
        used_usings,
        policies,
        writes: written,
    }
}

/// Names defined per target namespace, over every ADMX of the input.
#[derive(Default)]
struct NsIndex<'a> {
    categories: HashSet<&'a str>,
    supported: HashSet<&'a str>,
}

/// One file of the input, for the whole-input steps.
pub(crate) struct InputFile<'a> {
    /// Its index among the input set's files.
    pub file: usize,
    /// Lower-case file stem.
    pub stem: &'a str,
}

/// The ADMX findings in order, with the cross-file references decided
/// against every ADMX of the input (`admx`: the files and summaries).
/// The texts are gone by now: a reference found unresolved gets the start
/// of its element as its span, and comes back as (its index in `out`, its
/// file, its element) for the caller to point at its `ref` attribute.
pub(crate) fn resolve(
    paths: &[&Path],
    admx: &[(InputFile<'_>, &AdmxSummary)],
    checks: Vec<FileChecks>,
    out: &mut Vec<Diagnostic>,
) -> Vec<(usize, usize, Span)> {
    let mut unresolved = Vec::new();
    // namespace -> names, for cross-file resolution
    let mut index: HashMap<&str, NsIndex<'_>> = HashMap::default();
    for (_, s) in admx {
        let Some((ns, _)) = &s.target else { continue };
        let e = index.entry(ns.as_str()).or_default();
        e.categories.extend(s.categories.iter().map(String::as_str));
        e.supported.extend(s.supported.iter().map(String::as_str));
    }
    for ((f, _), fc) in admx.iter().zip(checks) {
        let FileChecks { diags, deferred } = fc;
        let found = |d: &Deferred| {
            let ix = index.get(d.ns.as_str())?;
            let set = if d.supported {
                &ix.supported
            } else {
                &ix.categories
            };
            if set.contains(d.name.as_str()) {
                return None;
            }
            let span = Span::new(d.node.start(), d.node.start());
            Some(
                diag(
                    d.code,
                    format!(
                        "expected a {} named `{}` in namespace `{}`, found none",
                        d.what, d.name, d.ns
                    ),
                    span,
                )
                .with_file(paths[f.file].to_path_buf()),
            )
        };
        let mut deferred = deferred.into_iter().peekable();
        let mut take = |x: &Deferred, out: &mut Vec<Diagnostic>| {
            if let Some(d) = found(x) {
                unresolved.push((out.len(), f.file, x.node));
                out.push(d);
            }
        };
        for (i, d) in diags.into_iter().enumerate() {
            while let Some(x) = deferred.next_if(|x| x.pos <= i) {
                take(&x, out);
            }
            out.push(d);
        }
        for x in deferred {
            take(&x, out);
        }
    }
    unresolved
}

/// Every name of the supportedOn table: definitions, products, major and minor versions.
fn supported_names(d: &PolicyDefinitions) -> Vec<(&str, &Node)> {
    let mut v = Vec::new();
    for p in d.products() {
        if let Some(n) = &p.name {
            v.push((n.as_str(), &p.node));
        }
        for m in &p.major_versions {
            if let Some(n) = &m.name {
                v.push((n.as_str(), &m.node));
            }
            for mi in &m.minor_versions {
                if let Some(n) = &mi.name {
                    v.push((n.as_str(), &mi.node));
                }
            }
        }
    }
    for def in d.supported_on_definitions() {
        if let Some(n) = &def.name {
            v.push((n.as_str(), &def.node));
        }
    }
    v
}

// =================================================================== ADMX

/// What a reference is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A policy's `<parentCategory>`.
    PolicyCategory,
    /// A category's `<parentCategory>`.
    CategoryParent,
    /// A policy's `<supportedOn>`.
    PolicySupported,
    /// `<reference>`/`<range>` inside a supportedOn definition.
    DefComponent,
}

/// Every `ref` of a file, with what it is for.
fn all_refs(d: &PolicyDefinitions) -> Vec<(Kind, &Node, &str)> {
    let mut refs = Vec::new();
    for c in d.categories() {
        if let Some(r) = &c.parent_category {
            if let Some(v) = &r.ref_ {
                refs.push((Kind::CategoryParent, &r.node, v.as_str()));
            }
        }
    }
    for p in d.policies() {
        if let Some(r) = &p.parent_category {
            if let Some(v) = &r.ref_ {
                refs.push((Kind::PolicyCategory, &r.node, v.as_str()));
            }
        }
        if let Some(r) = &p.supported_on {
            if let Some(v) = &r.ref_ {
                refs.push((Kind::PolicySupported, &r.node, v.as_str()));
            }
        }
    }
    for def in d.supported_on_definitions() {
        if let Some(logic) = &def.logic {
            for item in &logic.items {
                let (node, r) = match item {
                    SupportedItem::Reference { node, ref_ }
                    | SupportedItem::Range { node, ref_, .. } => (node, ref_),
                };
                if let Some(v) = r {
                    refs.push((Kind::DefComponent, node, v.as_str()));
                }
            }
        }
    }
    refs
}

/// Checks one ADMX; returns what its policies write (for the store checks)
/// and the prefixes its references use (trimmed).
fn admx_checks<'d>(
    cx: &mut Ctx<'_>,
    f: usize,
    d: &'d PolicyDefinitions,
    deferred: &mut Vec<Deferred>,
) -> (Writes, HashSet<&'d str>) {
    // ---- namespaces and prefixes
    let target_prefix = d.target().and_then(|t| t.prefix.as_deref());
    let mut prefixes: HashMap<&str, &Option<String>> = map_with(d.usings().len() + 1);
    let decls = d.target().into_iter().chain(d.usings().iter());
    for decl in decls {
        let (Some(p), ns) = (&decl.prefix, &decl.namespace) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(e) = prefixes.entry(p.as_str()) {
            e.insert(ns);
        } else {
            let span = cx.attr(f, &decl.node, "prefix");
            cx.at(
                "ADMX005",
                f,
                span,
                format!("expected each prefix declared once, found `{p}` again"),
            );
        }
        if let Some(ns) = ns {
            let ok = !ns.is_empty()
                && ns
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !ok {
                let span = cx.attr(f, &decl.node, "namespace");
                cx.at(
                    "ADMX021",
                    f,
                    span,
                    format!(
                        "expected a dotted name like `Vendor.Policies.Product`, found `{}`",
                        short(ns)
                    ),
                );
            }
        }
    }
    let mut used_prefixes: HashSet<&str> = set_with(d.usings().len() + 1);

    // ---- local names
    let mut cats: HashMap<&str, &Node> = map_with(d.categories().len());
    for c in d.categories() {
        let Some(n) = &c.name else { continue };
        let e = match cats.entry(n.as_str()) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(&c.node);
                continue;
            }
            std::collections::hash_map::Entry::Occupied(e) => e,
        };
        {
            let first = *e.get();
            let span = cx.attr(f, &c.node, "name");
            let first = cx.attr(f, first, "name");
            let file = cx.path(f);
            cx.at(
                "ADMX002",
                f,
                span,
                format!("expected unique category names, found `{n}` again"),
            )
            .labels
            .push(crate::Label {
                file: Some(file),
                span: first,
                message: "first defined here".into(),
            });
        }
    }
    let sup_names = supported_names(d);
    let mut sup: HashMap<&str, &Node> = map_with(sup_names.len());
    for (n, node) in sup_names {
        if let std::collections::hash_map::Entry::Vacant(e) = sup.entry(n) {
            e.insert(node);
        } else {
            cx.at(
                "ADMX003",
                f,
                cx.attr(f, node, "name"),
                format!("expected unique supportedOn names, found `{n}` again"),
            );
        }
    }

    // ---- references (parentCategory, supportedOn)
    let refs = all_refs(d);
    for (kind, node, r) in refs {
        let (prefix, name) = split_ref(r);
        let (prefix, name) = (prefix.map(trim), trim(name));
        if let Some(p) = prefix {
            used_prefixes.insert(p);
        }
        // (an identifier has no `-`: the usual name is one part)
        if !(ident(name) || name.split('-').all(|x| x.is_empty() || ident(x)))
            || prefix.is_some_and(|p| p.is_empty())
        {
            continue; // syntax is the schema layer's
        }
        let local = match prefix {
            None => true,
            Some(p) if Some(p) == target_prefix => true,
            Some(_) => false,
        };
        let (code, what, names_local) = match kind {
            Kind::PolicyCategory => ("ADMX008", "category", &cats),
            Kind::CategoryParent => ("ADMX023", "category", &cats),
            Kind::PolicySupported => ("ADMX009", "supportedOn definition", &sup),
            Kind::DefComponent => ("ADMX022", "product or supportedOn definition", &sup),
        };
        if local {
            if !names_local.contains_key(name) {
                cx.at(
                    code,
                    f,
                    cx.attr(f, node, "ref"),
                    format!("expected a {what} named `{name}` in this file, found none"),
                );
            }
            continue;
        }
        let p = prefix.unwrap_or_default();
        let Some(&ns) = prefixes.get(p) else {
            let code = if matches!(kind, Kind::DefComponent) {
                "ADMX022"
            } else {
                "ADMX006"
            };
            cx.at(
                code,
                f,
                cx.attr(f, node, "ref"),
                format!("expected a `<using>` declaring prefix `{p}`, found none"),
            );
            continue;
        };
        let Some(ns) = ns else { continue };
        // (decided once every ADMX is read; see `resolve`)
        deferred.push(Deferred {
            pos: cx.out.len(),
            code,
            what,
            supported: matches!(kind, Kind::PolicySupported | Kind::DefComponent),
            name: name.to_string(),
            ns: ns.clone(),
            node: node.span,
        });
    }
    for u in d.usings() {
        if let Some(p) = &u.prefix {
            if !used_prefixes.contains(p.as_str()) && Some(p.as_str()) != target_prefix {
                let span = cx.attr(f, &u.node, "prefix");
                cx.at(
                    "ADMX007",
                    f,
                    span,
                    format!("expected prefix `{p}` to be used by a reference, found no use"),
                );
            }
        }
    }

    // ---- category cycles (local references)
    let mut parent_of: HashMap<&str, &str> = map_with(d.categories().len());
    parent_of.extend(d.categories().iter().filter_map(|c| {
        let r = c.parent_category.as_ref()?.ref_.as_deref()?;
        let (p, n) = split_ref(r);
        (p.is_none() || p == target_prefix).then_some((c.name.as_deref()?, n))
    }));
    let mut reported: HashSet<&str> = HashSet::default();
    let mut path = Vec::new();
    for c in d.categories() {
        let Some(start) = c.name.as_deref() else {
            continue;
        };
        if parent_of.is_empty() || reported.contains(start) {
            continue;
        }
        path.clear();
        path.push(start);
        let mut cur = start;
        while let Some(&next) = parent_of.get(cur) {
            if next == start {
                reported.extend(path.iter().copied());
                let span = c
                    .parent_category
                    .as_ref()
                    .map_or(Span::default(), |r| cx.attr(f, &r.node, "ref"));
                path.push(start);
                cx.at(
                    "ADMX010",
                    f,
                    span,
                    format!(
                        "expected categories to lead to a root, found the cycle {}",
                        path.join(" -> ")
                    ),
                );
                break;
            }
            if path.contains(&next) || path.len() > 1000 {
                break;
            }
            path.push(next);
            cur = next;
        }
    }

    // ---- policies
    let mut names: HashMap<&str, &Node> = map_with(d.policies().len());
    for pol in d.policies() {
        let pname = pol.name.as_deref().unwrap_or_default();
        if let Some(n) = &pol.name {
            if let Some(first) = match names.entry(n.as_str()) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(&pol.node);
                    None
                }
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
            } {
                let first = cx.attr(f, first, "name");
                let file = cx.path(f);
                cx.at(
                    "ADMX001",
                    f,
                    cx.attr(f, &pol.node, "name"),
                    format!("expected unique policy names, found `{n}` again"),
                )
                .labels
                .push(crate::Label {
                    file: Some(file),
                    span: first,
                    message: "first defined here".into(),
                });
            }
        }
        if pol.parent_category.is_none() {
            cx.at(
                "ADMX020",
                f,
                cx.attr(f, &pol.node, "name"),
                format!("expected a `<parentCategory>` in policy `{pname}`, found none"),
            );
        }
        let elements = pol.elements();
        let writes_nothing = pol.value_name.is_none()
            && pol.enabled_value.is_none()
            && pol.disabled_value.is_none()
            && pol.enabled_list.is_none()
            && pol.disabled_list.is_none()
            && elements.is_empty();
        if writes_nothing {
            cx.at(
                "ADMX011",
                f,
                cx.attr(f, &pol.node, "name"),
                format!("expected policy `{pname}` to write a value (valueName, enabledValue, lists or elements), found nothing"),
            );
        }
        if !elements.is_empty() && pol.presentation.is_none() {
            cx.at(
                "ADMX017",
                f,
                cx.attr(f, &pol.node, "name"),
                format!(
                    "expected a `presentation` on policy `{pname}`, which has elements, found none"
                ),
            );
        } else if elements.is_empty() && pol.presentation.is_some() {
            let span = cx.attr(f, &pol.node, "presentation");
            cx.at(
                "ADMX017",
                f,
                span,
                format!(
                    "expected elements in policy `{pname}`, which has a presentation, found none"
                ),
            );
        }
        // registry keys
        target_checks(
            cx,
            f,
            &pol.node,
            pol.key.as_deref(),
            pol.value_name.as_deref(),
        );
        for list in [&pol.enabled_list, &pol.disabled_list]
            .into_iter()
            .flatten()
        {
            list_key_checks(cx, f, list);
        }
        let mut ids: Seen<&str> = Seen::with_capacity(elements.len());
        for e in elements {
            let c = e.common();
            if let Some(id) = &c.id {
                if !ids.insert(id) {
                    let span = cx.attr(f, &c.node, "id");
                    cx.at(
                        "ADMX004",
                        f,
                        span,
                        format!(
                            "expected unique element ids in policy `{pname}`, found `{id}` again"
                        ),
                    );
                }
            }
            target_checks(cx, f, &c.node, c.key.as_deref(), c.value_name.as_deref());
            match e {
                PolicyElement::Decimal(x) | PolicyElement::LongDecimal(x) => {
                    let min = x
                        .min_value
                        .as_deref()
                        .map_or(Some(0), |v| trim(v).parse::<u64>().ok());
                    let max = x
                        .max_value
                        .as_deref()
                        .map_or(Some(9999), |v| trim(v).parse::<u64>().ok());
                    if let (Some(min), Some(max)) = (min, max) {
                        if min > max {
                            let span = if x.min_value.is_some() {
                                cx.attr(f, &c.node, "minValue")
                            } else {
                                cx.head(f, &c.node)
                            };
                            cx.at(
                                "ADMX016",
                                f,
                                span,
                                format!("expected minValue <= maxValue, found {min} > {max}"),
                            );
                        }
                    }
                }
                PolicyElement::Enum(x) => {
                    if x.items.is_empty() {
                        let span = cx.head(f, &c.node);
                        cx.at(
                            "ADMX018",
                            f,
                            span,
                            format!(
                                "expected at least one `<item>` in enum `{}`, found none",
                                c.id.as_deref().unwrap_or("")
                            ),
                        );
                    }
                    let mut seen: Seen<ValueKey<'_>> = Seen::with_capacity(x.items.len());
                    for item in &x.items {
                        if let Some(list) = &item.value_list {
                            list_key_checks(cx, f, list);
                        }
                        let Some(v) = item.value.as_ref().and_then(|s| s.value.as_ref()) else {
                            continue;
                        };
                        let key = ValueKey::of(v);
                        if !seen.insert(key.clone()) {
                            let span = cx.head(f, v.node());
                            cx.at(
                                "ADMX019",
                                f,
                                span,
                                format!(
                                    "expected distinct item values in enum `{}`, found {key} twice",
                                    c.id.as_deref().unwrap_or("")
                                ),
                            );
                        }
                    }
                }
                PolicyElement::Boolean(b) => {
                    for list in [&b.true_list, &b.false_list].into_iter().flatten() {
                        list_key_checks(cx, f, list);
                    }
                }
                _ => {}
            }
        }
    }

    // ---- same registry value written by two policies of this file
    // (room for what a file usually writes: an unused reserve is not touched)
    let room = cx.text(f).len() / 2;
    let mut written = Writes {
        text: String::with_capacity(room),
        items: Vec::with_capacity(room / 32),
        policies: Vec::with_capacity(d.policies().len()),
    };
    let mut scratch = WritesScratch {
        copies: map_with(2 * d.policies().len()),
        ..WritesScratch::default()
    };
    for p in d.policies() {
        written.add(p, &mut scratch);
    }
    drop(scratch);
    let mut owner: HashMap<(&str, &str), (usize, PolicyClass, &str)> =
        map_with(written.items.len());
    for (i, pol) in d.policies().iter().enumerate() {
        let class = pol.class().unwrap_or(PolicyClass::Both);
        let mut reported = false;
        for w in written.of(i) {
            let e = match owner.entry(w) {
                std::collections::hash_map::Entry::Occupied(e) => e,
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert((i, class, pol.name.as_deref().unwrap_or_default()));
                    continue;
                }
            };
            let (j, oc, oname) = e.get();
            if *j != i && overlap(*oc, class) && !reported {
                reported = true;
                let msg = format!(
                    "expected one policy per registry value, found `{}\\{}` also written by policy `{oname}`",
                    w.0, w.1
                );
                let span = cx.attr(f, &pol.node, "name");
                cx.at("ADMX015", f, span, msg);
            }
        }
    }
    drop(owner);
    (written, used_prefixes)
}

fn overlap(a: PolicyClass, b: PolicyClass) -> bool {
    a == b || a == PolicyClass::Both || b == PolicyClass::Both
}

/// What tells the values of an enum's items apart (two with the same key
/// are the same value); shown as `delete`, `decimal 1`, `string "x"`.
#[derive(Clone, PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    Delete,
    Decimal(&'a str),
    LongDecimal(&'a str),
    /// [`short`] of the text.
    String(std::borrow::Cow<'a, str>),
}

impl<'a> ValueKey<'a> {
    fn of(v: &'a Value) -> Self {
        match v {
            Value::Delete { .. } => ValueKey::Delete,
            Value::Decimal { value, .. } => ValueKey::Decimal(trim(value.as_deref().unwrap_or(""))),
            Value::LongDecimal { value, .. } => {
                ValueKey::LongDecimal(trim(value.as_deref().unwrap_or("")))
            }
            Value::String { text, .. } => {
                // `short` leaves a text of at most 60 characters without
                // line ends or tabs as it is
                let plain =
                    text.len() <= 60 && !text.bytes().any(|b| matches!(b, b'\n' | b'\r' | b'\t'));
                ValueKey::String(if plain {
                    std::borrow::Cow::Borrowed(text.as_str())
                } else {
                    std::borrow::Cow::Owned(short(text))
                })
            }
        }
    }
}

impl std::fmt::Display for ValueKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueKey::Delete => f.write_str("delete"),
            ValueKey::Decimal(v) => write!(f, "decimal {v}"),
            ValueKey::LongDecimal(v) => write!(f, "longDecimal {v}"),
            ValueKey::String(t) => write!(f, "string \"{t}\""),
        }
    }
}

const HIVES: &[&str] = &[
    "HKLM",
    "HKCU",
    "HKCR",
    "HKU",
    "HKCC",
    "HKEY_LOCAL_MACHINE",
    "HKEY_CURRENT_USER",
    "HKEY_CLASSES_ROOT",
    "HKEY_USERS",
    "HKEY_CURRENT_CONFIG",
    "MACHINE",
    "USER",
];

fn key_checks(cx: &mut Ctx<'_>, f: usize, node: &Node, attr: &str, k: &str) {
    let b = k.as_bytes();
    if starts_with_hive(b) {
        cx.at(
            "ADMX012",
            f,
            cx.attr(f, node, attr),
            format!(
                "expected a key without hive (the class picks it), found `{}`",
                short(k)
            ),
        );
    } else if b.first().is_none_or(|&c| c == b'\\') || !plain_key(b) {
        cx.at(
            "ADMX013",
            f,
            cx.attr(f, node, attr),
            format!(
                "expected non-empty names separated by single backslashes in `{attr}`, found `{}`",
                short(k)
            ),
        );
    } else if k.len() > 255 && k.chars().count() > 255 {
        cx.at(
            "ADMX014",
            f,
            cx.attr(f, node, attr),
            format!(
                "expected a key of at most 255 characters, found {}",
                k.chars().count()
            ),
        );
    } else if k.ends_with('\\') {
        cx.at(
            "ADMX024",
            f,
            cx.attr(f, node, attr),
            format!(
                "expected no backslash at the end of `{attr}`, found `{}`",
                short(k)
            ),
        );
    }
}

/// `k` has a `\\` and its first part, without trailing `:`, is a hive
/// name (ASCII case ignored).
fn starts_with_hive(k: &[u8]) -> bool {
    let Some(i) = k.iter().position(|&c| c == b'\\') else {
        return false;
    };
    let mut first = &k[..i];
    while let [rest @ .., b':'] = first {
        first = rest;
    }
    (3..=19).contains(&first.len())
        && HIVES
            .iter()
            .any(|h| h.as_bytes().eq_ignore_ascii_case(first))
}

/// No `\\\\` before the trailing backslashes and no control character.
fn plain_key(k: &[u8]) -> bool {
    // the usual key (printable ASCII, no trailing backslash): one pass
    if let Some((&last, _)) = k.split_last() {
        if last != b'\\' && last.wrapping_sub(0x20) < 0x5f {
            let odd = k.iter().zip(&k[1..]).fold(false, |d, (&a, &c)| {
                d | (a.wrapping_sub(0x20) >= 0x5f) | ((a == b'\\') & (c == b'\\'))
            });
            if !odd {
                return true;
            }
        }
    }
    let mut t = k;
    while let [rest @ .., b'\\'] = t {
        t = rest;
    }
    // printable ASCII throughout (nearly every key): only the backslashes
    // are left to look at; branch-free folds, which vectorize
    let printable = k
        .iter()
        .fold(true, |ok, &c| ok & (c.wrapping_sub(0x20) < 0x5f));
    let double = t
        .iter()
        .zip(t.get(1..).unwrap_or_default())
        .fold(false, |d, (&a, &c)| d | ((a == b'\\') & (c == b'\\')));
    if double {
        return false;
    }
    printable || !has_control(k)
}

/// `k.chars().any(char::is_control)` over UTF-8 bytes: C0 and DEL, and the
/// C1 controls (U+0080..=U+009F, encoded `C2 80`..=`C2 9F`).
fn has_control(k: &[u8]) -> bool {
    k.iter().any(|&c| c < 0x20 || c == 0x7f)
        || k.windows(2)
            .any(|w| w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
}

fn value_name_check(cx: &mut Ctx<'_>, f: usize, node: &Node, v: &str) {
    if v.len() <= 16383 {
        return; // (no more characters than bytes)
    }
    let n = v.chars().count();
    if n > 16383 {
        let span = cx.attr(f, node, "valueName");
        cx.at(
            "ADMX014",
            f,
            span,
            format!("expected a value name of at most 16383 characters, found {n}"),
        );
    }
}

/// Hygiene of the `key` and `valueName` an element (policy or policy element) writes to.
fn target_checks(
    cx: &mut Ctx<'_>,
    f: usize,
    node: &Node,
    key: Option<&str>,
    value_name: Option<&str>,
) {
    if let Some(k) = key {
        key_checks(cx, f, node, "key", k);
    }
    if let Some(v) = value_name {
        value_name_check(cx, f, node, v);
    }
}

fn list_key_checks(cx: &mut Ctx<'_>, f: usize, list: &ValueList) {
    if let Some(k) = &list.default_key {
        key_checks(cx, f, &list.node, "defaultKey", k);
    }
    for it in &list.items {
        target_checks(cx, f, &it.node, it.key.as_deref(), it.value_name.as_deref());
    }
}

// =================================================================== ADML

/// The ids of an ADML's strings and presentations ([`first_of_ids`] of each).
struct AdmlIds<'a> {
    string_ix: HashMap<&'a str, usize>,
    string_first: Vec<usize>,
    pres_ix: HashMap<&'a str, usize>,
    pres_first: Vec<usize>,
}

impl<'a> AdmlIds<'a> {
    fn of(d: &'a PolicyDefinitionResources) -> Self {
        let (string_ix, string_first) = first_of_ids(d.strings().iter().map(|s| s.id.as_deref()));
        let (pres_ix, pres_first) = first_of_ids(d.presentations().iter().map(|p| p.id.as_deref()));
        AdmlIds {
            string_ix,
            string_first,
            pres_ix,
            pres_first,
        }
    }
}

/// (`ids`: [`AdmlIds::of`] `d`; an id is there again when its first item
/// is another.)
fn adml_checks(cx: &mut Ctx<'_>, f: usize, d: &PolicyDefinitionResources, ids: &AdmlIds<'_>) {
    for (i, (s, &first)) in d.strings().iter().zip(&ids.string_first).enumerate() {
        let Some(id) = s.id.as_deref() else { continue };
        if first != i {
            let span = cx.attr(f, &s.node, "id");
            cx.at(
                "ADML001",
                f,
                span,
                format!("expected unique string ids, found `{id}` again"),
            );
        }
    }
    for (i, (p, &first)) in d.presentations().iter().zip(&ids.pres_first).enumerate() {
        let Some(id) = p.id.as_deref() else { continue };
        if first != i {
            let span = cx.attr(f, &p.node, "id");
            cx.at(
                "ADML002",
                f,
                span,
                format!("expected unique presentation ids, found `{id}` again"),
            );
        }
    }
}

// =================================================================== ADMX <-> ADML

/// [`crate::model::split_item_ref`] (`:` is one byte, never inside a longer character).
fn split_ref(s: &str) -> (Option<&str>, &str) {
    match memchr::memchr(b':', s.as_bytes()) {
        Some(i) => (Some(&s[..i]), &s[i + 1..]),
        None => (None, s),
    }
}

/// [`is_ident`], with a branch-free test without table for the usual
/// ASCII identifier first.
fn ident(s: &str) -> bool {
    let ascii = s.bytes().fold(true, |ok, b| {
        let l = b | 0x20;
        ok & (l.is_ascii_lowercase() | b.is_ascii_digit() | (b == b'_'))
    });
    (ascii && !s.is_empty()) || is_ident(s)
}

/// Calls `f` with each `$(string.X)` use in an ADMX: id, node, attribute.
fn string_refs<'a>(d: &'a PolicyDefinitions, mut f: impl FnMut(&'a str, &'a Node, &'static str)) {
    let mut add = |s: &'a Option<String>, n: &'a Node, attr: &'static str| {
        if let Some(id) = s.as_deref().and_then(string_ref) {
            // malformed ids are the schema layer's (SCH008); (an identifier
            // has no `-`: the usual id is one part)
            if !ident(id) && !id.split('-').all(ident) {
                return;
            }
            f(id, n, attr);
        }
    };
    for c in d.categories() {
        add(&c.display_name, &c.node, "displayName");
        add(&c.explain_text, &c.node, "explainText");
    }
    for p in d.products() {
        add(&p.display_name, &p.node, "displayName");
        for m in &p.major_versions {
            add(&m.display_name, &m.node, "displayName");
            for mi in &m.minor_versions {
                add(&mi.display_name, &mi.node, "displayName");
            }
        }
    }
    for def in d.supported_on_definitions() {
        add(&def.display_name, &def.node, "displayName");
    }
    for p in d.policies() {
        add(&p.display_name, &p.node, "displayName");
        add(&p.explain_text, &p.node, "explainText");
        for e in p.elements() {
            if let PolicyElement::Enum(en) = e {
                for it in &en.items {
                    add(&it.display_name, &it.node, "displayName");
                }
            }
        }
    }
}

/// [`parse_string_ref`], without the trimming when there is nothing to trim.
fn string_ref(s: &str) -> Option<&str> {
    match s.strip_prefix("$(string.") {
        Some(rest) if s.ends_with(')') => rest.strip_suffix(')'),
        _ => parse_string_ref(s),
    }
}

/// [`parse_presentation_ref`], without the trimming when there is nothing to trim.
fn presentation_ref(s: &str) -> Option<&str> {
    match s.strip_prefix("$(presentation.") {
        Some(rest) if s.ends_with(')') => rest.strip_suffix(')'),
        _ => parse_presentation_ref(s),
    }
}

/// `str::trim`, returning at once when the first and last bytes are
/// printable ASCII (no whitespace can be there then), as they nearly
/// always are.
fn trim(s: &str) -> &str {
    let plain = |c: &u8| (0x21..0x80).contains(c);
    match s.as_bytes() {
        [a, .., z] if plain(a) && plain(z) => s,
        [a] if plain(a) => s,
        _ => s.trim(),
    }
}

fn version(s: Option<&str>) -> Option<(u32, u32)> {
    let (a, b) = s?.trim().split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Each ADMX of `l` against its ADMLs and the cultures against the
/// baseline; findings by ADMX.
/// (`adml_ids`: [`AdmlIds`] of each ADML of `l` with a model.)
fn reference_checks(
    l: &Loaded,
    store_cultures: &BTreeMap<String, String>,
    adml_ids: &[Option<AdmlIds<'_>>],
) -> Vec<Vec<Diagnostic>> {
    let mut admls_by_stem: HashMap<&str, Vec<&AdmlFile>> = HashMap::default();
    for m in l.adml.iter().filter(|m| m.culture.is_some()) {
        admls_by_stem.entry(m.stem.as_str()).or_default().push(m);
    }
    // one ADMX against its ADMLs; ADMXs are independent (see `run`)
    let one = |a: &AdmxFile, out: &mut Vec<Diagnostic>| {
        let cx = &mut Ctx { l, out };
        let Some(d) = &a.doc else { return };
        let f = a.file;
        // this ADMX's ADMLs by culture (first file wins when en-US and en-us both have one)
        let mut by_culture: BTreeMap<String, &AdmlFile> = BTreeMap::new();
        for m in admls_by_stem
            .get(a.stem.as_str())
            .into_iter()
            .flatten()
            .copied()
        {
            by_culture
                .entry(m.culture.as_deref().unwrap_or("").to_lowercase())
                .or_insert(m);
        }
        let res_node = d.resources.as_ref().map(|r| &r.node);
        // (only a finding needs it)
        let res_span = |cx: &Ctx<'_>| res_node.map_or(Span::default(), |n| cx.head(f, n));
        let fallback = d
            .resources
            .as_ref()
            .and_then(|r| r.fallback_culture.as_deref())
            .unwrap_or("en-US");
        let baseline = match by_culture.get(&fallback.to_lowercase()) {
            Some(m) => Some(*m),
            None => {
                let found: Vec<String> = by_culture
                    .values()
                    .filter_map(|m| m.culture.clone())
                    .collect();
                let found = if found.is_empty() {
                    "none".to_string()
                } else {
                    found.join(", ")
                };
                let span = res_span(cx);
                cx.at(
                    "REF007",
                    f,
                    span,
                    format!(
                        "expected an ADML in `{fallback}/{}.adml`, found ADMLs for: {found}",
                        a.stem
                    ),
                );
                by_culture.values().next().copied()
            }
        };
        // revisions, every culture
        let min = d
            .resources
            .as_ref()
            .and_then(|r| r.min_required_revision.as_deref());
        if let Some(minv) = version(min) {
            for m in by_culture.values() {
                let Some(doc) = &m.doc else { continue };
                if let Some(rv) = version(doc.revision.as_deref()) {
                    if rv < minv {
                        let span = cx.attr(m.file, &doc.node, "revision");
                        cx.at(
                            "REF006",
                            m.file,
                            span,
                            format!(
                                "expected revision >= {} (minRequiredRevision of {}), found {}",
                                min.unwrap_or("").trim(),
                                cx.path(f)
                                    .file_name()
                                    .and_then(|n| n.to_str())
                                    .unwrap_or(""),
                                doc.revision.as_deref().unwrap_or("").trim()
                            ),
                        );
                    }
                }
            }
        }
        if let Some(base) = baseline {
            if let Some(bdoc) = &base.doc {
                let found = l
                    .adml
                    .iter()
                    .position(|x| std::ptr::eq(x, base))
                    .and_then(|i| adml_ids.get(i)?.as_ref());
                let own;
                let ids = match found {
                    Some(x) => x,
                    None => {
                        own = AdmlIds::of(bdoc);
                        &own
                    }
                };
                ref_against(cx, f, d, base, bdoc, ids);
                for m in by_culture.values() {
                    if std::ptr::eq(*m, base) {
                        continue;
                    }
                    if let Some(mdoc) = &m.doc {
                        language_checks(cx, d, base, bdoc, m, mdoc);
                    }
                }
            }
        }
        if l.store {
            for (key, shown) in store_cultures {
                if !by_culture.contains_key(key) {
                    let span = res_span(cx);
                    cx.at(
                        "LANG004",
                        f,
                        span,
                        format!("expected `{shown}/{}.adml` like the other templates of the store, found none", a.stem),
                    );
                }
            }
        }
    };
    l.admx
        .iter()
        .map(|a| {
            let mut out = Vec::new();
            one(a, &mut out);
            out
        })
        .collect()
}

fn adml_name(cx: &Ctx<'_>, m: &AdmlFile) -> String {
    let p = cx.l.path(m.file);
    let file = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    format!("{}/{file}", m.culture.as_deref().unwrap_or(""))
}

/// For items with these ids (in order): the index of the first item of
/// each id, and per item the index of the first item with its id (its own
/// when it has none).
fn first_of_ids<'a>(
    ids: impl ExactSizeIterator<Item = Option<&'a str>>,
) -> (HashMap<&'a str, usize>, Vec<usize>) {
    let mut first: HashMap<&str, usize> = map_with(ids.len());
    let of = ids
        .enumerate()
        .map(|(i, id)| id.map_or(i, |id| *first.entry(id).or_insert(i)))
        .collect();
    (first, of)
}

fn ref_against(
    cx: &mut Ctx<'_>,
    f: usize,
    d: &PolicyDefinitions,
    base: &AdmlFile,
    bdoc: &PolicyDefinitionResources,
    ids: &AdmlIds<'_>,
) {
    // per string: the index of the first string with its id (as the id's
    // stand-in); used: per such first string, an ADMX reference uses its id
    let bstrings = bdoc.strings();
    let (string_ix, string_first) = (&ids.string_ix, &ids.string_first);
    let mut string_used = vec![false; bstrings.len()];
    // the same for presentations (the first one of an id is its presentation)
    let bpres = bdoc.presentations();
    let (pres_ix, pres_first) = (&ids.pres_ix, &ids.pres_first);
    let mut pres_used = vec![false; bpres.len()];
    // (only a finding names the ADML)
    let mut bname_memo: Option<String> = None;
    let mut bname = |cx: &Ctx<'_>| {
        bname_memo
            .get_or_insert_with(|| adml_name(cx, base))
            .clone()
    };
    string_refs(d, |id, node, attr| {
        if let Some(&i) = string_ix.get(id) {
            string_used[i] = true;
        } else {
            let span = cx.attr(f, node, attr);
            let bname = bname(cx);
            cx.at(
                "REF001",
                f,
                span,
                format!("expected string `{id}` (used by `{attr}`) in `{bname}`, found no such id"),
            );
        }
    });
    for p in d.policies() {
        let Some(pid) = p.presentation.as_deref().and_then(presentation_ref) else {
            continue;
        };
        let Some(&pi) = pres_ix.get(pid) else {
            let span = cx.attr(f, &p.node, "presentation");
            let bname = bname(cx);
            cx.at(
                "REF002",
                f,
                span,
                format!("expected presentation `{pid}` in `{bname}`, found no such id"),
            );
            continue;
        };
        pres_used[pi] = true;
        let pres = &bpres[pi];
        // controls against elements
        let elements = p.elements();
        // (a list: the elements are already searched once per control)
        let mut bound: Vec<&str> = Vec::with_capacity(pres.controls.len());
        for c in &pres.controls {
            let Some(rid) = c.ref_id() else { continue };
            bound.push(rid);
            let ref_span = |l: &Loaded| attr_span(&l.files[base.file].text, c.node().span, "refId");
            let Some(e) = elements
                .iter()
                .find(|e| e.common().id.as_deref() == Some(rid))
            else {
                cx.at(
                    "REF004",
                    base.file,
                    ref_span(cx.l),
                    format!(
                        "expected an element `{rid}` in policy `{}`, found none",
                        p.name.as_deref().unwrap_or("")
                    ),
                );
                continue;
            };
            let ok = matches!(
                (c, e),
                (Control::CheckBox { .. }, PolicyElement::Boolean(_))
                    | (
                        Control::TextBox { .. } | Control::ComboBox { .. },
                        PolicyElement::Text(_)
                    )
                    | (
                        Control::DecimalTextBox(_),
                        PolicyElement::Decimal(_) | PolicyElement::Text(_)
                    )
                    | (
                        Control::LongDecimalTextBox(_),
                        PolicyElement::LongDecimal(_)
                    )
                    | (Control::DropdownList { .. }, PolicyElement::Enum(_))
                    | (Control::ListBox { .. }, PolicyElement::List(_))
                    | (Control::MultiTextBox { .. }, PolicyElement::MultiText(_))
            );
            if !ok {
                cx.at(
                    "REF003",
                    base.file,
                    ref_span(cx.l),
                    format!(
                        "expected a control for a `{}` element, found `<{}>` for `{rid}`",
                        e.tag(),
                        c.tag()
                    ),
                );
                continue;
            }
            // defaults within range
            match (c, e) {
                (
                    Control::DropdownList {
                        default_item: Some(di),
                        node,
                        ..
                    },
                    PolicyElement::Enum(en),
                ) => {
                    if let Ok(n) = di.trim().parse::<usize>() {
                        if n >= en.items.len() && !en.items.is_empty() {
                            let span =
                                attr_span(&cx.l.files[base.file].text, node.span, "defaultItem");
                            cx.at(
                                "REF010",
                                base.file,
                                span,
                                format!("expected defaultItem below {} (the enum's item count), found {n}", en.items.len()),
                            );
                        }
                    }
                }
                (Control::DecimalTextBox(b), PolicyElement::Decimal(x)) => {
                    if let Some(Ok(v)) = b.default_value.as_deref().map(|v| v.trim().parse::<u64>())
                    {
                        let min = x
                            .min_value
                            .as_deref()
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .unwrap_or(0);
                        let max = x
                            .max_value
                            .as_deref()
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .unwrap_or(9999);
                        if (v < min || v > max) && min <= max {
                            let span =
                                attr_span(&cx.l.files[base.file].text, b.node.span, "defaultValue");
                            cx.at(
                                "REF010",
                                base.file,
                                span,
                                format!("expected defaultValue in {min}..={max}, found {v}"),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        for e in elements {
            if let Some(id) = e.common().id.as_deref() {
                if !bound.contains(&id) {
                    let span = cx.attr(f, &e.common().node, "id");
                    let bname = bname(cx);
                    cx.at("REF005", f, span, format!("expected a control for element `{id}` in presentation `{pid}` of `{bname}`, found none"));
                }
            }
        }
    }
    for (s, &first) in bstrings.iter().zip(string_first) {
        if let Some(id) = s.id.as_deref() {
            if !string_used[first] {
                let span = attr_span(&cx.l.files[base.file].text, s.node.span, "id");
                cx.at(
                    "REF008",
                    base.file,
                    span,
                    format!("expected string `{id}` to be used by the ADMX, found no use"),
                );
            }
        }
    }
    for (p, &first) in bpres.iter().zip(pres_first) {
        if let Some(id) = p.id.as_deref() {
            if !pres_used[first] {
                let span = attr_span(&cx.l.files[base.file].text, p.node.span, "id");
                cx.at(
                    "REF009",
                    base.file,
                    span,
                    format!("expected presentation `{id}` to be used by a policy, found no use"),
                );
            }
        }
    }
}

// =================================================================== languages

fn language_checks(
    cx: &mut Ctx<'_>,
    d: &PolicyDefinitions,
    base: &AdmlFile,
    bdoc: &PolicyDefinitionResources,
    m: &AdmlFile,
    mdoc: &PolicyDefinitionResources,
) {
    let bname = adml_name(cx, base);
    let mname = adml_name(cx, m);
    let mut used: HashSet<&str> = HashSet::default();
    string_refs(d, |id, _, _| {
        used.insert(id);
    });
    let used_pres: HashSet<&str> = d
        .policies()
        .iter()
        .filter_map(|p| p.presentation.as_deref().and_then(parse_presentation_ref))
        .collect();
    let have: HashSet<&str> = mdoc
        .strings()
        .iter()
        .filter_map(|s| s.id.as_deref())
        .collect();
    let base_ids: HashSet<&str> = bdoc
        .strings()
        .iter()
        .filter_map(|s| s.id.as_deref())
        .collect();
    let table_span = mdoc
        .resources
        .as_ref()
        .and_then(|r| r.string_table.as_ref())
        .map_or_else(
            || head(&cx.l.files[m.file].text, mdoc.node.span),
            |t| head(&cx.l.files[m.file].text, t.node.span),
        );
    for s in bdoc.strings() {
        let Some(id) = s.id.as_deref() else { continue };
        if used.contains(id) && !have.contains(id) {
            let label = attr_span(&cx.l.files[base.file].text, s.node.span, "id");
            let bpath = cx.path(base.file);
            cx.at(
                "LANG001",
                m.file,
                table_span,
                format!("expected string `{id}` (present in `{bname}`) in `{mname}`, found none"),
            )
            .labels
            .push(crate::Label {
                file: Some(bpath),
                span: label,
                message: "defined in the baseline here".into(),
            });
        }
    }
    for s in mdoc.strings() {
        let Some(id) = s.id.as_deref() else { continue };
        if !base_ids.contains(id) {
            let span = attr_span(&cx.l.files[m.file].text, s.node.span, "id");
            cx.at(
                "LANG003",
                m.file,
                span,
                format!("expected only ids of `{bname}`, found extra string `{id}`"),
            );
        }
    }
    let have_p: HashSet<&str> = mdoc
        .presentations()
        .iter()
        .filter_map(|p| p.id.as_deref())
        .collect();
    let base_p: HashSet<&str> = bdoc
        .presentations()
        .iter()
        .filter_map(|p| p.id.as_deref())
        .collect();
    let ptable = mdoc
        .resources
        .as_ref()
        .and_then(|r| r.presentation_table.as_ref())
        .map_or(table_span, |t| head(&cx.l.files[m.file].text, t.node.span));
    for p in bdoc.presentations() {
        let Some(id) = p.id.as_deref() else { continue };
        if used_pres.contains(id) && !have_p.contains(id) {
            cx.at(
                "LANG002",
                m.file,
                ptable,
                format!(
                    "expected presentation `{id}` (present in `{bname}`) in `{mname}`, found none"
                ),
            );
        }
    }
    for p in mdoc.presentations() {
        let Some(id) = p.id.as_deref() else { continue };
        if !base_p.contains(id) {
            let span = attr_span(&cx.l.files[m.file].text, p.node.span, "id");
            cx.at(
                "LANG003",
                m.file,
                span,
                format!("expected only ids of `{bname}`, found extra presentation `{id}`"),
            );
        }
    }
}

// =================================================================== store

/// A hash of a (key, value) write, made while the group's checks run so
/// that the store checks need not hash every write again.
fn write_hash((key, value): (&str, &str)) -> u64 {
    let mut h = FxHasher::default();
    std::hash::Hash::hash(key, &mut h);
    std::hash::Hash::hash(value, &mut h);
    let x = h.finish();
    // (spread: the map below takes it as its hash as it is)
    (x ^ (x >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (x >> 32)
}

/// Hashes a `u64` that is a hash already ([`write_hash`]).
#[derive(Default)]
struct Given(u64);

impl Hasher for Given {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The whole-store checks, over the summaries of every file of the input.
pub(crate) fn store_checks(
    paths: &[&Path],
    admx: &[(InputFile<'_>, &AdmxSummary)],
    adml: &[(InputFile<'_>, &AdmlSummary, bool)],
    out: &mut Vec<Diagnostic>,
) {
    let file_name = |f: usize| {
        paths[f]
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string()
    };
    let mut targets: HashMap<&str, (usize, Span)> = HashMap::default();
    for (ai, (a, s)) in admx.iter().enumerate() {
        let Some((ns, node)) = &s.target else {
            continue;
        };
        if let Some((other, ospan)) = targets.get(ns.as_str()).copied() {
            let o = admx[other].0.file;
            let opath = paths[o].to_path_buf();
            let oname = file_name(o);
            let span = *node;
            out.push(diag("STORE001", format!("expected a target namespace no other file declares, found `{ns}` (also the target of {oname})"), span).with_file(paths[a.file].to_path_buf()));
            out.last_mut().expect("pushed").labels.push(crate::Label {
                file: Some(opath),
                span: ospan,
                message: "declared here first".into(),
            });
        } else {
            targets.insert(ns, (ai, *node));
        }
    }
    for (a, s) in admx {
        for (ns, node) in &s.used_usings {
            if !targets.contains_key(ns.as_str()) {
                let span = *node;
                out.push(
                    diag(
                        "STORE002",
                        format!(
                            "expected an ADMX in the store with target namespace `{ns}`, found none"
                        ),
                        span,
                    )
                    .with_file(paths[a.file].to_path_buf()),
                );
            }
        }
    }
    // orphan ADMLs
    let stems: HashSet<&str> = admx.iter().map(|(a, _)| a.stem).collect();
    for (m, s, in_culture) in adml {
        if *in_culture && !stems.contains(m.stem) {
            let span = s.root.unwrap_or_default();
            out.push(
                diag(
                    "LANG005",
                    format!(
                        "expected an ADMX named `{}.admx` in the store, found none",
                        m.stem
                    ),
                    span,
                )
                .with_file(paths[m.file].to_path_buf()),
            );
        }
    }
    // same value written by policies of two files: the first writer of each
    // (key, value), by its hash (`write_hashes`), and by its text in the
    // rare case of two writes with the same hash
    let mut owner: std::collections::HashMap<u64, (u32, u32, u32), BuildHasherDefault<Given>> =
        std::collections::HashMap::with_capacity_and_hasher(
            admx.iter().map(|(_, s)| s.writes.items.len()).sum(),
            BuildHasherDefault::default(),
        );
    let mut spill: HashMap<(&str, &str), (u32, u32, u32)> = HashMap::default();
    let pair_of = |(ai, _, k): (u32, u32, u32)| {
        let w = &admx[ai as usize].1.writes;
        Writes::pair(&w.text, w.items[k as usize])
    };
    for (ai, (a, s)) in admx.iter().enumerate() {
        if !s.doc {
            continue;
        }
        for (pi, p) in s.policies.iter().enumerate() {
            let class = p.class;
            let mut reported = false;
            let (from, to) = s.writes.policies.get(pi).copied().unwrap_or_default();
            for k in from..to {
                let w = Writes::pair(&s.writes.text, s.writes.items[k]);
                let me = (ai as u32, pi as u32, k as u32);
                let first = match owner.entry(s.write_hashes[k]) {
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(me);
                        None
                    }
                    std::collections::hash_map::Entry::Occupied(e) => {
                        let o = *e.get();
                        if pair_of(o) == w {
                            Some(o)
                        } else {
                            match spill.entry(w) {
                                std::collections::hash_map::Entry::Vacant(e) => {
                                    e.insert(me);
                                    None
                                }
                                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                            }
                        }
                    }
                };
                let Some((oi, opi, _)) = first else { continue };
                let (oi, opi) = (oi as usize, opi as usize);
                let o = &admx[oi].1.policies[opi];
                if oi != ai && overlap(o.class, class) && !reported {
                    reported = true;
                    let ofile = file_name(admx[oi].0.file);
                    let span = p.span;
                    let oname = o.name.as_str();
                    out.push(diag(
                        "STORE003",
                        format!("expected one policy per registry value, found `{}\\{}` also written by `{oname}` in {ofile}", w.0, w.1),
                        span,
                    ).with_file(paths[a.file].to_path_buf()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The faster helpers against the plain definitions they replace.
    use super::*;

    /// An ADMX summary whose policies (name, class, writes) write the
    /// given (key, value) pairs; `collide`: every write gets the same hash.
    /// A policy of a test summary: name, class and the (key, value) pairs it writes.
    type TestPolicy<'a> = (&'a str, PolicyClass, &'a [(&'a str, &'a str)]);

    fn summary(policies: &[TestPolicy<'_>], collide: bool) -> AdmxSummary {
        let mut writes = Writes::default();
        let mut summaries = Vec::new();
        for (i, (name, class, pairs)) in policies.iter().enumerate() {
            let from = writes.items.len();
            for (k, v) in pairs.iter() {
                let ks = writes.text.len();
                writes.text.push_str(k);
                let vs = writes.text.len();
                writes.text.push_str(v);
                writes.items.push((ks, vs, vs, writes.text.len()));
            }
            writes.policies.push((from, writes.items.len()));
            summaries.push(PolicySummary {
                class: *class,
                name: (*name).to_string(),
                span: Span::new(i, i + 1),
            });
        }
        let write_hashes = writes
            .items
            .iter()
            .map(|&it| {
                if collide {
                    7
                } else {
                    write_hash(Writes::pair(&writes.text, it))
                }
            })
            .collect();
        AdmxSummary {
            doc: true,
            policies: summaries,
            writes,
            write_hashes,
            ..AdmxSummary::default()
        }
    }

    #[test]
    fn the_same_write_in_two_files_is_found_whatever_the_hashes() {
        use PolicyClass::{Machine, User};
        let files: [&[TestPolicy<'_>]; 3] = [
            &[
                ("A", Machine, &[("k1", "v1"), ("k2", "v2")]),
                ("B", User, &[("k3", "v3")]),
            ],
            &[
                ("C", Machine, &[("k0", "v0"), ("k1", "v1"), ("k2", "v2")]),
                ("D", Machine, &[("k3", "v3")]),
                ("E", User, &[("k3", "v3"), ("k4", "v4")]),
            ],
            &[
                ("F", Machine, &[("k4", "v4"), ("k1", "v9")]),
                ("G", Machine, &[("k1", "v1")]),
            ],
        ];
        let paths: Vec<PathBuf> = (0..3)
            .map(|i| PathBuf::from(format!("f{i}.admx")))
            .collect();
        let path_refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let run = |collide: bool| {
            let sums: Vec<AdmxSummary> = files.iter().map(|f| summary(f, collide)).collect();
            let admx: Vec<(InputFile<'_>, &AdmxSummary)> = sums
                .iter()
                .enumerate()
                .map(|(i, s)| (InputFile { file: i, stem: "x" }, s))
                .collect();
            let mut out = Vec::new();
            store_checks(&path_refs, &admx, &[], &mut out);
            out.iter()
                .map(|d| {
                    format!(
                        "{} {:?} {}",
                        d.file
                            .as_ref()
                            .map_or(String::new(), |p| p.display().to_string()),
                        d.span,
                        d.message
                    )
                })
                .collect::<Vec<_>>()
        };
        let plain = run(false);
        assert_eq!(
            plain,
            [
                "f1.admx Some(Span { start: 0, end: 1 }) expected one policy per registry value, found `k1\\v1` also written by `A` in f0.admx",
                // (D writes k3 too, but for the machine, B for the user)
                "f1.admx Some(Span { start: 2, end: 3 }) expected one policy per registry value, found `k3\\v3` also written by `B` in f0.admx",
                "f2.admx Some(Span { start: 1, end: 2 }) expected one policy per registry value, found `k1\\v1` also written by `A` in f0.admx",
            ]
        );
        assert_eq!(run(true), plain);
    }

    /// Keys, names and tags with the edge cases of the helpers.
    const SAMPLES: &[&str] = &[
        "",
        "a",
        "\\",
        "\\\\",
        "Software\\Policies\\X",
        "Software\\\\Policies",
        "Software\\Policies\\",
        "Software\\Policies\\\\",
        "Software\\Policies\\\\\\",
        "\\Software",
        "HKLM\\Software",
        "hklm:\\Software",
        "HKLM::::\\x",
        "HKEY_CURRENT_CONFIG\\x",
        "HKEY_CURRENT_CONFIGX\\x",
        "MACHINE",
        "USER\\",
        "Soft\u{7f}ware",
        "Soft\tware",
        "Soft\u{85}ware\\x",
        "Soft\u{a0}ware\\x",
        "Söftware\\Pölicies",
        "Soft\u{9f}\\\\x",
        "abcdefg\\\\hijk",
        "abcdefgh\\\\ijk",
        "abcdefghijklmno\\",
        "abcdefghijklmno\\\\",
        "p:name",
        ":name",
        "p:",
        "a:b:c",
        "Name_1",
        "Name-1",
        "Ünïcode",
        "with space",
        "$(string.Id)",
        " $(string.Id) ",
        "$(string.Id",
        "$(string.)",
        "$(presentation.Id)",
        "\t$(presentation.Id)\r\n",
        "$(presentation.Id",
        "$(presentation.)",
        " ",
        "\u{a0}",
        "x\u{3000}",
        "\u{85}x",
        "\u{7f}",
        "~",
        " 12 ",
        "12",
    ];

    #[test]
    fn writes_are_the_lower_cased_pairs_sorted_without_repeats() {
        let admx = r#"<policyDefinitions revision="1.0" schemaVersion="1.0">
  <policyNamespaces><target prefix="t" namespace="T.P"/></policyNamespaces>
  <resources minRequiredRevision="1.0"/>
  <policies>
    <policy name="P" class="Machine" displayName="$(string.P)" explainText="$(string.P)" presentation="$(presentation.P)" key="Software\A" valueName="v">
      <parentCategory ref="C"/>
      <supportedOn ref="S"/>
      <enabledList><item key="\Software\a\" valueName="V"><value><decimal value="1"/></value></item></enabledList>
      <elements>
        <enum id="E" valueName="Z">
          <item displayName="$(string.P)"><value><decimal value="1"/></value>
            <valueList defaultKey="SOFTWARE\B"><item valueName="y"><value><delete/></value></item><item valueName="X"><value><delete/></value></item><item key="Software\a" valueName="v"><value><delete/></value></item></valueList></item>
          <item displayName="$(string.P)"><value><decimal value="2"/></value>
            <valueList defaultKey="software\b"><item valueName="Y"><value><delete/></value></item><item valueName="x"><value><delete/></value></item><item valueName="Ä"><value><delete/></value></item></valueList></item>
        </enum>
        <boolean id="B" key="Software\A\" valueName="W"/>
        <text id="T" valueName=""/>
      </elements>
    </policy>
    <policy name="Q" class="User" key="K" valueName="only"/>
  </policies>
</policyDefinitions>"#;
        let parsed = crate::admx::parse_admx_str(admx).expect("parses");
        let d = &parsed.doc;
        let mut w = Writes::default();
        let mut sc = WritesScratch::default();
        for p in d.policies() {
            w.add(p, &mut sc);
        }
        let got: Vec<Vec<(String, String)>> = (0..d.policies().len())
            .map(|i| {
                w.of(i)
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .collect();
        let lower = |k: &str, v: &str| (k.trim_matches('\\').to_lowercase(), v.to_lowercase());
        let mut p = vec![
            lower("Software\\A", "v"),
            lower("\\Software\\a\\", "V"),
            lower("Software\\A", "Z"),
            lower("SOFTWARE\\B", "y"),
            lower("SOFTWARE\\B", "X"),
            lower("Software\\a", "v"),
            lower("software\\b", "Y"),
            lower("software\\b", "x"),
            lower("software\\b", "Ä"),
            lower("Software\\A\\", "W"),
            lower("Software\\A", ""),
        ];
        p.sort();
        p.dedup();
        assert_eq!(got, vec![p, vec![lower("K", "only")]]);
    }

    #[test]
    fn plain_key_and_hive_match_their_definitions() {
        for k in SAMPLES {
            let b = k.as_bytes();
            let first = k.split('\\').next().unwrap_or("").trim_end_matches(':');
            let hive = k.contains('\\') && HIVES.iter().any(|h| h.eq_ignore_ascii_case(first));
            assert_eq!(starts_with_hive(b), hive, "{k:?}");
            let plain =
                !(k.trim_end_matches('\\').contains("\\\\") || k.chars().any(char::is_control));
            assert_eq!(plain_key(b), plain, "{k:?}");
        }
    }

    #[test]
    fn refs_idents_and_heads_match_their_definitions() {
        for s in SAMPLES {
            assert_eq!(split_ref(s), crate::model::split_item_ref(s), "{s:?}");
            assert_eq!(string_ref(s), parse_string_ref(s), "{s:?}");
            assert_eq!(presentation_ref(s), parse_presentation_ref(s), "{s:?}");
            assert_eq!(trim(s), s.trim(), "{s:?}");
            assert_eq!(ident(s), is_ident(s), "{s:?}");
            for t in SAMPLES {
                let (a, b) = (s.as_bytes(), t.as_bytes());
                if head8(a) != head8(b) {
                    assert_eq!(head8(a).cmp(&head8(b)), a.cmp(b), "{s:?} {t:?}");
                }
            }
        }
    }

    #[test]
    fn value_keys_are_the_formatted_keys() {
        let long = "x".repeat(70);
        let values = [
            Value::Delete {
                node: Node::default(),
            },
            Value::Decimal {
                node: Node::default(),
                value: Some(" 1 ".into()),
            },
            Value::Decimal {
                node: Node::default(),
                value: None,
            },
            Value::LongDecimal {
                node: Node::default(),
                value: Some("1".into()),
            },
            Value::String {
                node: Node::default(),
                text: "a b".into(),
            },
            Value::String {
                node: Node::default(),
                text: "a\tb".into(),
            },
            Value::String {
                node: Node::default(),
                text: long.clone(),
            },
            Value::String {
                node: Node::default(),
                text: format!("{long}y"),
            },
            Value::String {
                node: Node::default(),
                text: "1".into(),
            },
        ];
        // the key as the checks formatted it before
        let old = |v: &Value| match v {
            Value::Delete { .. } => "delete".to_string(),
            Value::Decimal { value, .. } => {
                format!("decimal {}", value.as_deref().unwrap_or("").trim())
            }
            Value::LongDecimal { value, .. } => {
                format!("longDecimal {}", value.as_deref().unwrap_or("").trim())
            }
            Value::String { text, .. } => format!("string \"{}\"", short(text)),
        };
        for a in &values {
            assert_eq!(ValueKey::of(a).to_string(), old(a));
            for b in &values {
                assert_eq!(ValueKey::of(a) == ValueKey::of(b), old(a) == old(b));
            }
        }
    }

    /// `attr_span` as it was: a byte loop over the start tag.
    fn attr_span_plain(text: &str, span: Span, name: &str) -> Span {
        if span.is_empty() || span.end() > text.len() {
            return span;
        }
        let el = &text[span.start()..span.end()];
        let bytes = el.as_bytes();
        let mut quote = 0u8;
        let mut tag_end = el.len();
        for (i, &b) in bytes.iter().enumerate() {
            match (quote, b) {
                (0, b'"' | b'\'') => quote = b,
                (q, c) if q != 0 && c == q => quote = 0,
                (0, b'>') => {
                    tag_end = i;
                    break;
                }
                _ => {}
            }
        }
        let tag = &el[..tag_end];
        let tb = tag.as_bytes();
        let mut i = 0;
        let mut quote = 0u8;
        while i < tb.len() {
            let b = tb[i];
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
                i += 1;
                continue;
            }
            if b == b'"' || b == b'\'' {
                quote = b;
                i += 1;
                continue;
            }
            if b.is_ascii_whitespace() && tag[i + 1..].starts_with(name) {
                let mut j = i + 1 + name.len();
                let rest = &tb[j..];
                let ws = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
                if rest.get(ws) == Some(&b'=') {
                    j += ws + 1;
                    while j < tb.len() && tb[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    if let Some(&q) = tb.get(j) {
                        if q == b'"' || q == b'\'' {
                            let vstart = j + 1;
                            let vend = tag[vstart..]
                                .find(q as char)
                                .map_or(tb.len(), |k| vstart + k);
                            return Span::new(span.start() + vstart, span.start() + vend);
                        }
                    }
                }
            }
            i += 1;
        }
        head(text, span)
    }

    #[test]
    fn attr_span_matches_the_byte_loop() {
        let tags = [
            r#"<policy name="A" key="K" valueName='V'>"#,
            r#"<policy name = "A" >x</policy>"#,
            r#"<policy x="name=&quot;no&quot;" name="B"/>"#,
            r#"<policy x='a"b' name="C" >"#,
            r#"<policy x="a>b" name="D">"#,
            r#"<policy x="unclosed name="E">"#,
            r#"<policy x='unclosed>"#,
            r#"<policy	name	=	'F'	>"#,
            r#"<policy names="G" name="H">"#,
            r#"<policy name>"#,
            r#"<policy name="I"#,
            r#"<policy name=I>"#,
            r#"<policy>"#,
            r#"<p name="x"><q name="y"/></p>"#,
            r#"<policy key="Ünï" name="Ço">"#,
            "<policy name\n=\n\"J\">",
            r#"<policy a="1"name="K">"#,
            r#"<policy >name="L">"#,
            r#"<policy name= >"M">"#,
            r#"<policy key="x" name"#,
            r#"<policy name="A""#,
            r#"<policy name="#,
            r#"<policy name=""#,
            r#"<policy name="A>"#,
            r#"<policy name='A'"#,
            r#"<policy name='R">"#,
            r#"<"policy name="A">"#,
            r#"<po'licy name="A">"#,
            r#"<po>licy name="A">"#,
            "<policy\nname=\"N\">",
            r#"<policy name=="O">"#,
            r#"<policy nam="P" name="P2">"#,
            r#" name="Q">"#,
            r#"<policy  name="S">"#,
            r#"<policy name ="T" key="U">"#,
            r#"<policy key="V" name="W">"#,
        ];
        for t in tags {
            for name in ["name", "key", "valueName", "x", "names"] {
                for span in [
                    Span::new(0, t.len()),
                    Span::new(0, 0),
                    Span::new(0, t.len() + 1),
                ] {
                    assert_eq!(
                        attr_span(t, span, name),
                        attr_span_plain(t, span, name),
                        "{t} {name}"
                    );
                }
            }
        }
    }
}
