//! Resolved, serialisable views of a store for one culture: what
//! `gpforge show` prints and what other tools can reuse (strings resolved,
//! paths relative to the store folder).

use serde::Serialize;

use super::effects::{PolicyEffects, policy_effects};
use super::query::{CategoryNode, RefError};
use super::{
    AdmxId, CategoryId, CultureStep, FileKind, LoadErrorKind, PolicyId, Store, StoreIssue,
};
use crate::model::{Control, PolicyClass, PolicyElement};

/// The ADML used for a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdmlUsed {
    /// Path relative to the store.
    pub path: String,
    /// Its culture folder as written.
    pub culture: String,
    /// How the fallback order found it.
    pub step: CultureStep,
}

/// One step of a category path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategoryStep {
    /// `prefix:name` of the category.
    pub name: String,
    /// Display name in the culture (the name in brackets when it does not resolve).
    pub display_name: String,
}

/// A policy's supportedOn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupportedOnView {
    /// The reference as written.
    pub reference: String,
    /// The definition's display text, when it resolves.
    pub display_name: Option<String>,
}

/// A presentation control with its label resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControlView {
    /// The control (`textBox`, `checkBox`, ...).
    pub control: String,
    /// `refId` (`None` for static `text`).
    pub ref_id: Option<String>,
    /// The label.
    pub label: String,
    /// The kind of element `refId` binds to in the policy (`None` when not found).
    pub element: Option<String>,
    /// The default shown (checkBox, textBox, decimalTextBox, dropdownList, comboBox), as written.
    pub default: Option<String>,
    /// For a dropdownList bound to an enum: each item's display name and value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

/// A policy's presentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PresentationView {
    /// The presentation id.
    pub id: String,
    /// `false` when the ADML has no presentation of that id.
    pub found: bool,
    /// Its controls.
    pub controls: Vec<ControlView>,
}

/// Everything known about one policy, resolved for one culture.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyView {
    /// `name`.
    pub name: String,
    /// `prefix:name`.
    pub qualified_name: String,
    /// The file's target namespace.
    pub namespace: Option<String>,
    /// The ADMX, relative to the store.
    pub admx: String,
    /// The culture asked for.
    pub culture: String,
    /// The ADML used, if any.
    pub adml: Option<AdmlUsed>,
    /// `class` as written.
    pub class: Option<String>,
    /// Where the policy shows in the editor, one entry per side
    /// (`User Configuration > Administrative Templates > ...`).
    pub locations: Vec<String>,
    /// Categories from the root down.
    pub category_path: Vec<CategoryStep>,
    /// Why the category path stops early, if it does.
    pub category_error: Option<RefError>,
    /// Display name in the culture.
    pub display_name: Option<String>,
    /// Explain text in the culture.
    pub explain_text: Option<String>,
    /// supportedOn.
    pub supported_on: Option<SupportedOnView>,
    /// `key` as written.
    pub key: Option<String>,
    /// `valueName` as written.
    pub value_name: Option<String>,
    /// `HKLM`/`HKCU` per the class.
    pub hives: Vec<String>,
    /// Registry writes per state.
    pub effects: PolicyEffects,
    /// The presentation, when the policy has one.
    pub presentation: Option<PresentationView>,
}

/// A policy in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    /// `prefix:name`.
    pub name: String,
    /// Display name in the culture.
    pub display_name: Option<String>,
    /// `class` as written.
    pub class: Option<String>,
}

/// A category in the summary tree.
#[derive(Clone, Debug, Serialize)]
pub struct CategoryView {
    /// `prefix:name`.
    pub name: String,
    /// Display name in the culture.
    pub display_name: String,
    /// Sub-categories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<CategoryView>,
    /// Policies placed directly here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyRef>,
}

/// One ADMX in the summary.
#[derive(Clone, Debug, Serialize)]
pub struct FileSummary {
    /// The ADMX, relative to the store.
    pub admx: String,
    /// Target namespace.
    pub namespace: Option<String>,
    /// Target prefix.
    pub prefix: Option<String>,
    /// Ignored because an earlier file declares the same namespace.
    pub ignored: bool,
    /// The ADML used for the culture.
    pub adml: Option<AdmlUsed>,
    /// Number of categories.
    pub categories: usize,
    /// Number of policies.
    pub policies: usize,
}

/// A load error or store issue, as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The file concerned, relative to the store.
    pub path: String,
    /// What it is (`parse_error`, `io_error`, or the [`StoreIssue`] kind).
    pub kind: String,
    /// Lowercase message.
    pub message: String,
}

/// A whole store, resolved for one culture.
#[derive(Clone, Debug, Serialize)]
pub struct StoreSummary {
    /// The culture asked for.
    pub culture: String,
    /// Culture folders present.
    pub cultures: Vec<String>,
    /// The ADMX files.
    pub files: Vec<FileSummary>,
    /// Number of ADML files loaded.
    pub adml_count: usize,
    /// Total policies in files taking part in lookups.
    pub policy_count: usize,
    /// Files that could not be loaded.
    pub load_errors: Vec<Note>,
    /// Layout issues.
    pub issues: Vec<Note>,
    /// The category tree.
    pub categories: Vec<CategoryView>,
    /// Policies outside any (resolvable) category.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncategorized: Vec<PolicyRef>,
}

fn class_root(class: PolicyClass) -> &'static [&'static str] {
    match class {
        PolicyClass::User => &["User Configuration"],
        PolicyClass::Machine => &["Computer Configuration"],
        PolicyClass::Both => &["Computer Configuration", "User Configuration"],
    }
}

impl Store {
    fn adml_used(&self, admx: AdmxId, culture: &str) -> Option<AdmlUsed> {
        let c = self.adml_for(admx, culture)?;
        let f = self.adml(c.adml);
        Some(AdmlUsed {
            path: self.display_path(&f.path),
            culture: f.culture.clone().unwrap_or_default(),
            step: c.step,
        })
    }

    fn category_step(&self, id: CategoryId, culture: &str) -> CategoryStep {
        let c = self.category(id);
        let name = c.name.clone().unwrap_or_default();
        let prefix = self
            .admx(id.admx)
            .doc
            .target()
            .and_then(|t| t.prefix.clone());
        let display_name = c
            .display_name
            .as_deref()
            .and_then(|d| self.text(id.admx, culture, d))
            .unwrap_or_else(|| format!("[{name}]"));
        CategoryStep {
            name: prefix.map_or_else(|| name.clone(), |p| format!("{p}:{name}")),
            display_name,
        }
    }

    fn policy_ref(&self, id: PolicyId, culture: &str) -> PolicyRef {
        let p = self.policy(id);
        PolicyRef {
            name: self.qualified_name(id),
            display_name: p
                .display_name
                .as_deref()
                .and_then(|d| self.text(id.admx, culture, d)),
            class: p.class.clone(),
        }
    }

    /// The policy resolved for `culture`.
    pub fn policy_view(&self, id: PolicyId, culture: &str) -> PolicyView {
        let p = self.policy(id);
        let file = self.admx(id.admx);
        let (category_path, category_error) = match self.policy_parent(id) {
            Ok(Some(c)) => {
                let chain = self.category_chain(c);
                let err = chain
                    .first()
                    .and_then(|&top| self.category_parent(top).err());
                (
                    chain
                        .into_iter()
                        .map(|c| self.category_step(c, culture))
                        .collect(),
                    err,
                )
            }
            Ok(None) => (Vec::new(), None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let locations = p
            .class()
            .map(class_root)
            .unwrap_or(&[])
            .iter()
            .map(|side| {
                let mut parts = vec![(*side).to_owned(), "Administrative Templates".to_owned()];
                parts.extend(category_path.iter().map(|s| s.display_name.clone()));
                parts.join(" > ")
            })
            .collect();
        let presentation = p.presentation.as_deref().map(|attr| {
            let pres = self.presentation(id.admx, culture, attr);
            PresentationView {
                id: crate::model::parse_presentation_ref(attr)
                    .unwrap_or(attr)
                    .to_owned(),
                found: pres.is_some(),
                controls: pres.map_or_else(Vec::new, |pr| {
                    pr.controls
                        .iter()
                        .map(|c| {
                            let element = c.ref_id().and_then(|r| {
                                p.elements()
                                    .iter()
                                    .find(|e| e.common().id.as_deref() == Some(r))
                            });
                            let mut v = control_view(c, element.map(PolicyElement::tag));
                            if let Some(PolicyElement::Enum(en)) = element {
                                v.choices = en
                                    .items
                                    .iter()
                                    .map(|it| {
                                        let name = it
                                            .display_name
                                            .as_deref()
                                            .and_then(|d| self.text(id.admx, culture, d))
                                            .unwrap_or_else(|| "(unresolved)".to_owned());
                                        let value = it
                                            .value
                                            .as_ref()
                                            .and_then(|s| s.value.as_ref())
                                            .and_then(crate::policy::value_of)
                                            .map_or_else(
                                                || "no value".to_owned(),
                                                |v| v.to_string(),
                                            );
                                        format!("{name} = {value}")
                                    })
                                    .collect();
                            }
                            v
                        })
                        .collect()
                }),
            }
        });
        PolicyView {
            name: p.name.clone().unwrap_or_default(),
            qualified_name: self.qualified_name(id),
            namespace: file.doc.target().and_then(|t| t.namespace.clone()),
            admx: self.display_path(&file.path),
            culture: culture.to_owned(),
            adml: self.adml_used(id.admx, culture),
            class: p.class.clone(),
            locations,
            category_path,
            category_error,
            display_name: p
                .display_name
                .as_deref()
                .and_then(|d| self.text(id.admx, culture, d)),
            explain_text: p
                .explain_text
                .as_deref()
                .and_then(|d| self.text(id.admx, culture, d)),
            supported_on: p
                .supported_on
                .as_ref()
                .and_then(|s| s.ref_.clone())
                .map(|r| SupportedOnView {
                    display_name: self.supported_on_text(id, culture),
                    reference: r,
                }),
            key: p.key.clone(),
            value_name: p.value_name.clone(),
            hives: Store::hives(p.class())
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
            effects: policy_effects(p),
            presentation,
        }
    }

    fn category_view(&self, n: &CategoryNode, culture: &str) -> CategoryView {
        let step = self.category_step(n.id, culture);
        CategoryView {
            name: step.name,
            display_name: step.display_name,
            children: n
                .children
                .iter()
                .map(|c| self.category_view(c, culture))
                .collect(),
            policies: n
                .policies
                .iter()
                .map(|&p| self.policy_ref(p, culture))
                .collect(),
        }
    }

    /// A note (path, kind, message) describing a layout issue.
    pub fn issue_note(&self, issue: &StoreIssue) -> Note {
        let d = |p: &std::path::Path| self.display_path(p);
        let join =
            |ps: &[std::path::PathBuf]| ps.iter().map(|p| d(p)).collect::<Vec<_>>().join(", ");
        let (path, kind, message) = match issue {
            StoreIssue::DuplicateAdmx { paths } => (
                d(&paths[0]),
                "duplicate_admx",
                format!("admx files differ only in case: {}", join(paths)),
            ),
            StoreIssue::DuplicateCultureFolder { folders } => (
                d(&folders[0]),
                "duplicate_culture_folder",
                format!("culture folders differ only in case: {}", join(folders)),
            ),
            StoreIssue::DuplicateAdml { culture, paths } => (
                d(&paths[0]),
                "duplicate_adml",
                format!(
                    "several adml files for one admx in culture {culture}: {}",
                    join(paths)
                ),
            ),
            StoreIssue::OrphanAdml { path, culture } => (
                d(path),
                "orphan_adml",
                format!("adml in culture {culture} has no admx of the same name"),
            ),
            StoreIssue::AdmxWithoutAdml { path } => (
                d(path),
                "admx_without_adml",
                "admx has no adml in any culture folder".to_owned(),
            ),
            StoreIssue::MissingAdml { path, culture } => (
                d(path),
                "missing_adml",
                format!("admx has no adml in culture folder {culture}"),
            ),
            StoreIssue::AdmlOutsideCultureFolder { path } => (
                d(path),
                "adml_outside_culture_folder",
                "adml lies in the store folder, expected it in a culture folder".to_owned(),
            ),
            StoreIssue::MissingTargetNamespace { path } => (
                d(path),
                "missing_target_namespace",
                "admx declares no target namespace".to_owned(),
            ),
            StoreIssue::DuplicateNamespace {
                namespace,
                kept,
                ignored,
            } => (
                d(ignored),
                "duplicate_namespace",
                format!(
                    "target namespace '{namespace}' is already declared by {}; file ignored",
                    d(kept)
                ),
            ),
            StoreIssue::UnresolvedUsing {
                path,
                prefix,
                namespace,
            } => (
                d(path),
                "unresolved_using",
                format!(
                    "using prefix '{prefix}' names namespace '{namespace}', which no loaded admx declares"
                ),
            ),
        };
        Note {
            path,
            kind: kind.to_owned(),
            message,
        }
    }

    /// The store resolved for `culture`: files, issues, category tree.
    pub fn summary(&self, culture: &str) -> StoreSummary {
        let files = self
            .admx_ids()
            .map(|id| {
                let f = self.admx(id);
                let t = f.doc.target();
                FileSummary {
                    admx: self.display_path(&f.path),
                    namespace: t.and_then(|t| t.namespace.clone()),
                    prefix: t.and_then(|t| t.prefix.clone()),
                    ignored: self.is_ignored(id),
                    adml: self.adml_used(id, culture),
                    categories: f.doc.categories().len(),
                    policies: f.doc.policies().len(),
                }
            })
            .collect();
        let load_errors = self
            .load_errors()
            .iter()
            .map(|e| {
                let (kind, message) = match &e.error {
                    LoadErrorKind::Io(err) => ("io_error", format!("cannot read: {err}")),
                    LoadErrorKind::Parse(err) => ("parse_error", err.to_string()),
                };
                let what = match e.kind {
                    FileKind::Admx => "admx",
                    FileKind::Adml => "adml",
                };
                Note {
                    path: self.display_path(&e.path),
                    kind: kind.to_owned(),
                    message: format!("{what}: {message}"),
                }
            })
            .collect();
        let tree = self.category_tree();
        StoreSummary {
            culture: culture.to_owned(),
            cultures: self.cultures().into_iter().map(str::to_owned).collect(),
            files,
            adml_count: self.adml_files().len(),
            policy_count: self.policies().count(),
            load_errors,
            issues: self.issues().iter().map(|i| self.issue_note(i)).collect(),
            categories: tree
                .roots
                .iter()
                .map(|n| self.category_view(n, culture))
                .collect(),
            uncategorized: tree
                .uncategorized
                .iter()
                .map(|&p| self.policy_ref(p, culture))
                .collect(),
        }
    }
}

fn control_view(c: &Control, element: Option<&str>) -> ControlView {
    let text = |t: &Option<crate::model::TextElement>| t.as_ref().map(|t| t.text.clone());
    let (label, default) = match c {
        Control::Text { text, .. } => (text.clone(), None),
        Control::CheckBox {
            label,
            default_checked,
            ..
        } => (label.clone(), default_checked.clone()),
        Control::TextBox {
            label,
            default_value,
            ..
        } => (text(label).unwrap_or_default(), text(default_value)),
        Control::DecimalTextBox(b) | Control::LongDecimalTextBox(b) => {
            (b.label.clone(), b.default_value.clone())
        }
        Control::DropdownList {
            label,
            default_item,
            ..
        } => (label.clone(), default_item.clone()),
        Control::ListBox { label, .. } => (label.clone(), None),
        Control::ComboBox { label, default, .. } => {
            (text(label).unwrap_or_default(), text(default))
        }
        Control::MultiTextBox { label, .. } => (label.clone(), None),
    };
    ControlView {
        control: c.tag().to_owned(),
        ref_id: c.ref_id().map(str::to_owned),
        label: label.trim().to_owned(),
        element: element.map(str::to_owned),
        default,
        choices: Vec::new(),
    }
}
