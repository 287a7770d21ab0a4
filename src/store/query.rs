//! Questions asked of a loaded store: namespaces, prefixes, categories,
//! policies, strings.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{AdmxId, CategoryId, PolicyId, Store};
use crate::model::{
    Category, Policy, PolicyClass, Presentation, SupportedOnDefinition, parse_presentation_ref,
    parse_string_ref, split_item_ref,
};

/// Why a `prefix:name` reference (parentCategory, supportedOn) does not resolve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum RefError {
    /// The reference is empty or absent.
    Empty,
    /// The prefix is neither the file's target prefix nor one of its `using` prefixes.
    UnknownPrefix {
        /// The prefix.
        prefix: String,
    },
    /// The prefix names a namespace that no loaded ADMX declares.
    NamespaceNotLoaded {
        /// The prefix.
        prefix: String,
        /// The namespace it is bound to.
        namespace: String,
    },
    /// The namespace is loaded but has no item of that name.
    NotFound {
        /// The file searched.
        admx: AdmxId,
        /// The name looked for.
        name: String,
    },
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::Empty => write!(f, "expected a reference, found nothing"),
            RefError::UnknownPrefix { prefix } => {
                write!(
                    f,
                    "prefix '{prefix}' is neither the file's target prefix nor one of its using prefixes"
                )
            }
            RefError::NamespaceNotLoaded { prefix, namespace } => {
                write!(
                    f,
                    "prefix '{prefix}' names namespace '{namespace}', which no loaded admx declares"
                )
            }
            RefError::NotFound { name, .. } => {
                write!(f, "no item named '{name}' in the referenced namespace")
            }
        }
    }
}

impl std::error::Error for RefError {}

/// The answer to a policy lookup by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "policies", rename_all = "snake_case")]
pub enum Lookup {
    /// Exactly one policy.
    Found(PolicyId),
    /// No policy of that name.
    NotFound,
    /// Several policies share the bare name; qualify it (`prefix:name`).
    Ambiguous(Vec<PolicyId>),
}

/// A namespace declared as the target of a loaded ADMX.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NamespaceEntry {
    /// The namespace.
    pub namespace: String,
    /// The file's target prefix.
    pub prefix: Option<String>,
    /// The file that owns it.
    pub admx: AdmxId,
}

/// A category with its sub-categories and policies.
#[derive(Clone, Debug, Serialize)]
pub struct CategoryNode {
    /// The category.
    pub id: CategoryId,
    /// Sub-categories (from any file), in load order.
    pub children: Vec<CategoryNode>,
    /// Policies placed directly in it, in load order.
    pub policies: Vec<PolicyId>,
}

/// Nesting depth of [`CategoryTree`] (real stores nest about 6 deep); a
/// deeper sub-tree is cut and shown as a root of its own.
pub const MAX_TREE_DEPTH: usize = 64;

/// All categories of the store as a forest.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CategoryTree {
    /// Categories with no parent, or whose parent does not resolve, or that
    /// sit in a parent cycle (the cycle is cut there), or that lie deeper
    /// than [`MAX_TREE_DEPTH`].
    pub roots: Vec<CategoryNode>,
    /// Policies with no parentCategory or one that does not resolve.
    pub uncategorized: Vec<PolicyId>,
}

impl Store {
    /// Every target namespace (from files that are not ignored), sorted.
    pub fn namespaces(&self) -> Vec<NamespaceEntry> {
        let mut v: Vec<NamespaceEntry> = self
            .by_namespace
            .iter()
            .map(|(ns, &id)| NamespaceEntry {
                namespace: ns.clone(),
                prefix: self.admx(id).doc.target().and_then(|t| t.prefix.clone()),
                admx: id,
            })
            .collect();
        v.sort_by(|a, b| a.namespace.cmp(&b.namespace));
        v
    }

    /// The file that owns a target namespace (exact match).
    pub fn admx_by_namespace(&self, namespace: &str) -> Option<AdmxId> {
        self.by_namespace.get(namespace).copied()
    }

    /// Resolves a prefix as seen from `from`: its own target prefix, else a
    /// `using` prefix, through the namespace, to the file that owns it.
    pub fn resolve_prefix(&self, from: AdmxId, prefix: &str) -> Result<AdmxId, RefError> {
        let doc = &self.admx(from).doc;
        if doc.target().and_then(|t| t.prefix.as_deref()) == Some(prefix) {
            return Ok(from);
        }
        let Some(u) = doc
            .usings()
            .iter()
            .find(|u| u.prefix.as_deref() == Some(prefix))
        else {
            return Err(RefError::UnknownPrefix {
                prefix: prefix.to_owned(),
            });
        };
        let ns = u.namespace.as_deref().unwrap_or("");
        self.admx_by_namespace(ns)
            .ok_or_else(|| RefError::NamespaceNotLoaded {
                prefix: prefix.to_owned(),
                namespace: ns.to_owned(),
            })
    }

    /// Splits `prefix:name` and resolves the prefix; a bare `name` refers to `from` itself.
    pub fn resolve_ref<'r>(
        &self,
        from: AdmxId,
        reference: &'r str,
    ) -> Result<(AdmxId, &'r str), RefError> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(RefError::Empty);
        }
        match split_item_ref(reference) {
            (Some(prefix), name) => Ok((self.resolve_prefix(from, prefix)?, name)),
            (None, name) => Ok((from, name)),
        }
    }

    /// Ids of files taking part in lookups (all but the ignored ones).
    fn active(&self) -> impl Iterator<Item = AdmxId> + '_ {
        self.admx_ids().filter(|&id| !self.is_ignored(id))
    }

    /// Every category of the files taking part in lookups, in load order.
    pub fn categories(&self) -> impl Iterator<Item = CategoryId> + '_ {
        self.active().flat_map(move |admx| {
            (0..self.admx(admx).doc.categories().len()).map(move |index| CategoryId { admx, index })
        })
    }

    /// One category.
    pub fn category(&self, id: CategoryId) -> &Category {
        &self.admx(id.admx).doc.categories()[id.index]
    }

    /// The first category named `name` in `admx`.
    pub fn find_category(&self, admx: AdmxId, name: &str) -> Option<CategoryId> {
        let cats = self.admx(admx).doc.categories();
        let index = self.category_index[admx.0].get_or_init(|| {
            let mut m = HashMap::with_capacity(cats.len());
            for (i, c) in cats.iter().enumerate() {
                if let Some(n) = &c.name {
                    m.entry(n.clone()).or_insert(i);
                }
            }
            m
        });
        index.get(name).map(|&index| CategoryId { admx, index })
    }

    /// Resolves a category reference (`name` or `prefix:name`) as seen from `from`.
    pub fn resolve_category(&self, from: AdmxId, reference: &str) -> Result<CategoryId, RefError> {
        let (admx, name) = self.resolve_ref(from, reference)?;
        self.find_category(admx, name)
            .ok_or_else(|| RefError::NotFound {
                admx,
                name: name.to_owned(),
            })
    }

    /// The parent of a category (`Ok(None)` for a root).
    pub fn category_parent(&self, id: CategoryId) -> Result<Option<CategoryId>, RefError> {
        match self
            .category(id)
            .parent_category
            .as_ref()
            .and_then(|p| p.ref_.as_deref())
        {
            None => Ok(None),
            Some(r) => self.resolve_category(id.admx, r).map(Some),
        }
    }

    /// The category a policy sits in (`Ok(None)` when it has no parentCategory).
    pub fn policy_parent(&self, id: PolicyId) -> Result<Option<CategoryId>, RefError> {
        match self
            .policy(id)
            .parent_category
            .as_ref()
            .and_then(|p| p.ref_.as_deref())
        {
            None => Ok(None),
            Some(r) => self.resolve_category(id.admx, r).map(Some),
        }
    }

    /// The chain of categories from the root down to `leaf` (inclusive).
    /// Stops (at the top) at an unresolved parent or a cycle.
    pub fn category_chain(&self, leaf: CategoryId) -> Vec<CategoryId> {
        let mut chain = vec![leaf];
        let mut seen: HashSet<CategoryId> = HashSet::from([leaf]);
        let mut cur = leaf;
        while let Ok(Some(p)) = self.category_parent(cur) {
            if !seen.insert(p) {
                break;
            }
            chain.push(p);
            cur = p;
        }
        chain.reverse();
        chain
    }

    /// All categories as a tree, with the policies placed in them.
    pub fn category_tree(&self) -> CategoryTree {
        let cats: Vec<CategoryId> = self.categories().collect();
        let mut children: HashMap<CategoryId, Vec<CategoryId>> = HashMap::new();
        let mut roots: Vec<CategoryId> = Vec::new();
        for &c in &cats {
            match self.category_parent(c) {
                Ok(Some(p)) if p != c && !self.is_ignored(p.admx) => {
                    children.entry(p).or_default().push(c)
                }
                _ => roots.push(c),
            }
        }
        let mut pols: HashMap<CategoryId, Vec<PolicyId>> = HashMap::new();
        let mut uncategorized = Vec::new();
        for p in self.policies() {
            match self.policy_parent(p) {
                Ok(Some(c)) if !self.is_ignored(c.admx) => pols.entry(c).or_default().push(p),
                _ => uncategorized.push(p),
            }
        }
        let mut placed: HashSet<CategoryId> = HashSet::new();
        fn build(
            id: CategoryId,
            children: &HashMap<CategoryId, Vec<CategoryId>>,
            pols: &HashMap<CategoryId, Vec<PolicyId>>,
            placed: &mut HashSet<CategoryId>,
            depth: usize,
        ) -> CategoryNode {
            placed.insert(id);
            let mut kids = Vec::new();
            // Deeper sub-trees are cut off here and become roots (no deep recursion on hostile input).
            if depth < MAX_TREE_DEPTH {
                for &k in children.get(&id).map_or(&[][..], Vec::as_slice) {
                    if !placed.contains(&k) {
                        kids.push(build(k, children, pols, placed, depth + 1));
                    }
                }
            }
            CategoryNode {
                id,
                children: kids,
                policies: pols.get(&id).cloned().unwrap_or_default(),
            }
        }
        let mut out: Vec<CategoryNode> = roots
            .iter()
            .map(|&r| build(r, &children, &pols, &mut placed, 0))
            .collect();
        // Categories caught in a parent cycle are never reached from a root: cut the cycle at the first.
        for &c in &cats {
            if !placed.contains(&c) {
                out.push(build(c, &children, &pols, &mut placed, 0));
            }
        }
        CategoryTree {
            roots: out,
            uncategorized,
        }
    }

    /// Every policy of the files taking part in lookups, in load order.
    pub fn policies(&self) -> impl Iterator<Item = PolicyId> + '_ {
        self.active().flat_map(move |admx| {
            (0..self.admx(admx).doc.policies().len()).map(move |index| PolicyId { admx, index })
        })
    }

    /// One policy.
    pub fn policy(&self, id: PolicyId) -> &Policy {
        &self.admx(id.admx).doc.policies()[id.index]
    }

    /// `prefix:name` of a policy (the file's target prefix; bare name without one).
    pub fn qualified_name(&self, id: PolicyId) -> String {
        let name = self.policy(id).name.as_deref().unwrap_or("");
        match self
            .admx(id.admx)
            .doc
            .target()
            .and_then(|t| t.prefix.as_deref())
        {
            Some(p) => format!("{p}:{name}"),
            None => name.to_owned(),
        }
    }

    /// Finds a policy by name. `QUALIFIER:NAME` restricts the search to the
    /// files whose target namespace or target prefix equals `QUALIFIER`, or
    /// whose file name (without `.admx`, ignoring case) does. A bare `NAME`
    /// searches every file and reports ambiguity. Names are matched exactly;
    /// when nothing matches exactly, ignoring case.
    pub fn find_policy(&self, query: &str) -> Lookup {
        let query = query.trim();
        let (files, name): (Vec<AdmxId>, &str) = match query.rsplit_once(':') {
            Some((q, name)) => {
                let files = self
                    .active()
                    .filter(|&id| {
                        let f = self.admx(id);
                        let t = f.doc.target();
                        t.and_then(|t| t.namespace.as_deref()) == Some(q)
                            || t.and_then(|t| t.prefix.as_deref()) == Some(q)
                            || f.stem.eq_ignore_ascii_case(q)
                    })
                    .collect();
                (files, name)
            }
            None => (self.active().collect(), query),
        };
        let find = |exact: bool| -> Vec<PolicyId> {
            files
                .iter()
                .flat_map(|&admx| {
                    self.admx(admx)
                        .doc
                        .policies()
                        .iter()
                        .enumerate()
                        .filter_map(move |(index, p)| {
                            let n = p.name.as_deref()?;
                            let hit = if exact {
                                n == name
                            } else {
                                n.eq_ignore_ascii_case(name)
                            };
                            hit.then_some(PolicyId { admx, index })
                        })
                })
                .collect()
        };
        let mut hits = find(true);
        if hits.is_empty() {
            hits = find(false);
        }
        match hits.len() {
            0 => Lookup::NotFound,
            1 => Lookup::Found(hits[0]),
            _ => Lookup::Ambiguous(hits),
        }
    }

    /// Resolves a display attribute (`$(string.ID)`) of `admx` in `culture`.
    /// Text that is not a string reference is returned as written. `None`
    /// when the ADML or the string is missing.
    pub fn text(&self, admx: AdmxId, culture: &str, attr: &str) -> Option<String> {
        match parse_string_ref(attr) {
            Some(id) => {
                let choice = self.adml_for(admx, culture)?;
                self.adml_string(choice.adml, id).map(str::to_owned)
            }
            None if attr.trim_start().starts_with("$(") => None,
            None => Some(attr.to_owned()),
        }
    }

    /// Resolves a `$(presentation.ID)` reference of `admx` in `culture`.
    pub fn presentation(&self, admx: AdmxId, culture: &str, attr: &str) -> Option<&Presentation> {
        let id = parse_presentation_ref(attr)?;
        let choice = self.adml_for(admx, culture)?;
        self.adml(choice.adml).doc.presentation(id)
    }

    /// Resolves a supportedOn reference (`name` or `prefix:name`) as seen from `from`.
    pub fn resolve_supported_on(
        &self,
        from: AdmxId,
        reference: &str,
    ) -> Result<(AdmxId, &SupportedOnDefinition), RefError> {
        let (admx, name) = self.resolve_ref(from, reference)?;
        self.admx(admx)
            .doc
            .supported_on_definitions()
            .iter()
            .find(|d| d.name.as_deref() == Some(name))
            .map(|d| (admx, d))
            .ok_or_else(|| RefError::NotFound {
                admx,
                name: name.to_owned(),
            })
    }

    /// The display text of a policy's supportedOn in `culture`.
    pub fn supported_on_text(&self, id: PolicyId, culture: &str) -> Option<String> {
        let r = self.policy(id).supported_on.as_ref()?.ref_.as_deref()?;
        let (admx, def) = self.resolve_supported_on(id.admx, r).ok()?;
        self.text(admx, culture, def.display_name.as_deref()?)
    }

    /// The registry hives a policy class writes to (`HKCU`, `HKLM`).
    pub fn hives(class: Option<PolicyClass>) -> &'static [&'static str] {
        match class {
            Some(PolicyClass::User) => &["HKCU"],
            Some(PolicyClass::Machine) => &["HKLM"],
            Some(PolicyClass::Both) => &["HKLM", "HKCU"],
            None => &[],
        }
    }
}
