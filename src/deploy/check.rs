//! `gpforge store check`: the whole-store validation plus a per-culture
//! completeness table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use super::StoreError;
use super::journal::{self, RunState};
use super::paths::{canonical_culture, stem_with_ext};
use super::plan::{DEFAULT_FALLBACK, StoreIndex};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Result;

/// One template's cultures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TemplateCultures {
    /// The ADMX file name.
    pub template: String,
    /// Its fallback culture.
    pub fallback: String,
    /// Store cultures with an ADML for it.
    pub present: Vec<String>,
    /// Store cultures without one.
    pub missing: Vec<String>,
}

impl TemplateCultures {
    /// Whether the fallback culture's ADML is missing (Windows then cannot show the template).
    pub fn lacks_fallback(&self) -> bool {
        !self.present.contains(&self.fallback)
    }
}

/// What `check` found.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// Culture folders in the store (canonical names).
    pub cultures: Vec<String>,
    /// One row per ADMX, by name.
    pub templates: Vec<TemplateCultures>,
    /// ADMLs without an ADMX (`culture/name.adml`).
    pub orphans: Vec<String>,
    /// Runs that were interrupted (their journals are still `in-progress`).
    pub interrupted: Vec<String>,
    /// The validator's findings for the whole store.
    pub diagnostics: Vec<Diagnostic>,
    /// The same findings with the lines they point into, for rendering with [`crate::validate::render`].
    #[serde(skip)]
    pub validation: crate::validate::Report,
}

impl CheckReport {
    /// Whether anything is an error: a validator error or a template
    /// without its fallback-culture ADML, or an interrupted run.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
            || self.templates.iter().any(TemplateCultures::lacks_fallback)
            || !self.interrupted.is_empty()
    }

    /// Templates lacking at least one culture.
    pub fn incomplete(&self) -> impl Iterator<Item = &TemplateCultures> {
        self.templates.iter().filter(|t| !t.missing.is_empty())
    }
}

/// Checks a store folder.
pub fn check(store: &Path) -> Result<CheckReport> {
    if !store.is_dir() {
        return Err(StoreError::NotAStore {
            path: store.to_path_buf(),
            why: "no such folder".into(),
        }
        .into());
    }
    let ix = StoreIndex::read(store)?;
    let cultures: Vec<String> = ix.cultures.keys().cloned().collect();
    let mut templates = Vec::new();
    let mut stems = BTreeSet::new();
    for names in ix.admx.values() {
        for name in names {
            let stem = stem_with_ext(name, "admx").unwrap_or(name).to_lowercase();
            stems.insert(stem.clone());
            let fallback = ix
                .info
                .get(name)
                .and_then(|r| r.as_ref().ok())
                .and_then(|i| i.fallback.as_deref())
                .and_then(canonical_culture)
                .unwrap_or_else(|| DEFAULT_FALLBACK.to_string());
            let (present, missing): (Vec<String>, Vec<String>) = cultures
                .iter()
                .cloned()
                .partition(|c| ix.adml.contains_key(&(c.clone(), stem.clone())));
            let mut row = TemplateCultures {
                template: name.clone(),
                fallback: fallback.clone(),
                present,
                missing,
            };
            if !cultures.contains(&fallback) {
                row.missing.push(fallback);
                row.missing.sort();
            }
            templates.push(row);
        }
    }
    let mut orphans: BTreeMap<String, ()> = BTreeMap::new();
    for ((_, stem), paths) in &ix.adml {
        if !stems.contains(stem) {
            for p in paths {
                orphans.insert(p.to_string(), ());
            }
        }
    }
    let interrupted = journal::list(store)?
        .into_iter()
        .filter(|j| j.state == RunState::InProgress)
        .map(|j| j.id)
        .collect();
    // The store's own `.gpforge.json` (allow/deny, profile) applies.
    let validation =
        crate::validate::validate_paths(&[store], &crate::validate::Options::default())?;
    Ok(CheckReport {
        cultures,
        templates,
        orphans: orphans.into_keys().collect(),
        interrupted,
        diagnostics: validation.diagnostics.clone(),
        validation,
    })
}
