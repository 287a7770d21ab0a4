//! Carrying a plan out: recover an interrupted run, plan, validate, write.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::journal::{self, Journal, RunState};
use super::ops::{FileOps, RealFs};
use super::plan::{Action, Plan, PlanEntry, PlanOptions, plan_sources};
use super::source::Sources;
use super::txn::{UndoneRun, execute, recover_with};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::{Error, Result};

/// How to apply.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Cultures and `--force`.
    pub plan: PlanOptions,
    /// Only plan: change nothing (not even an interrupted run is undone).
    pub dry_run: bool,
    /// Validation codes (or rule names, or groups) to drop, as `gpforge validate --allow`:
    /// for known quirks of shipped templates that would otherwise block the run.
    pub allow: Vec<String>,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Outcome {
    /// `--dry-run`: the plan only.
    DryRun,
    /// The plan refuses something: nothing was written.
    Refused,
    /// An incoming template has errors: nothing was written.
    Invalid,
    /// Everything is already in place.
    NothingToDo,
    /// The built-in template is not installed because the store has a fuller office16.admx.
    AlreadyCovered {
        /// Why, in one line.
        reason: String,
    },
    /// Written; the backup and journal are in `.gpforge/backup/<id>`.
    Applied {
        /// The run id.
        id: String,
    },
}

/// What `apply` did.
#[derive(Clone, Debug, Serialize)]
pub struct ApplyReport {
    /// Interrupted runs undone before planning.
    pub recovered: Vec<UndoneRun>,
    /// The plan.
    pub plan: Plan,
    /// Findings about the incoming templates (errors block the run), with
    /// file paths of the sources.
    pub diagnostics: Vec<Diagnostic>,
    /// The same findings with the lines they point into, for rendering with
    /// [`crate::validate::render`].
    #[serde(skip)]
    pub validation: crate::validate::Report,
    /// How it ended.
    pub outcome: Outcome,
    /// The run's journal, when something was written.
    #[serde(skip)]
    pub journal: Option<Journal>,
}

impl ApplyReport {
    /// A report with no findings and no journal yet.
    pub(crate) fn new(recovered: Vec<UndoneRun>, plan: Plan, outcome: Outcome) -> ApplyReport {
        ApplyReport {
            recovered,
            plan,
            diagnostics: Vec::new(),
            validation: crate::validate::Report::default(),
            outcome,
            journal: None,
        }
    }

    /// Whether the run was blocked (refusals or invalid templates).
    pub fn blocked(&self) -> bool {
        matches!(self.outcome, Outcome::Refused | Outcome::Invalid)
    }

    /// Whether the plan refuses something or an incoming template has errors
    /// (a dry run reports what would block the real one).
    pub fn has_findings(&self) -> bool {
        self.blocked()
            || self.plan.has_refusals()
            || self
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
    }
}

/// Plans and, unless refused or invalid, writes `sources` into `store` as one transaction.
pub fn apply(sources: &[PathBuf], store: &Path, opts: &ApplyOptions) -> Result<ApplyReport> {
    apply_with(sources, store, opts, &RealFs)
}

/// [`apply`] with every change going through `ops` (fault-injection tests).
pub fn apply_with(
    sources: &[PathBuf],
    store: &Path,
    opts: &ApplyOptions,
    ops: &dyn FileOps,
) -> Result<ApplyReport> {
    let src = Sources::collect(sources)?;
    let recovered = recover_unless_dry(store, opts, ops)?;
    run(src, store, opts, ops, "apply", recovered)
}

/// Undoes interrupted runs first, except in a dry run (which changes nothing).
pub(crate) fn recover_unless_dry(
    store: &Path,
    opts: &ApplyOptions,
    ops: &dyn FileOps,
) -> Result<Vec<UndoneRun>> {
    if opts.dry_run {
        Ok(Vec::new())
    } else {
        recover_with(store, ops)
    }
}

/// Plans `src` against `store` and carries the plan out (`recovered`: what
/// [`recover_unless_dry`] undid before).
pub(crate) fn run(
    src: Sources,
    store: &Path,
    opts: &ApplyOptions,
    ops: &dyn FileOps,
    command: &str,
    recovered: Vec<UndoneRun>,
) -> Result<ApplyReport> {
    let mut plan = plan_sources(src, store, &opts.plan)?;
    if opts.dry_run {
        note_interrupted(store, &mut plan)?;
    }
    let mut report = ApplyReport::new(recovered, plan, Outcome::DryRun);
    finish(&mut report, store, opts, ops, command)?;
    Ok(report)
}

/// Adds a note when the store has an interrupted run (a dry run leaves it alone).
pub(crate) fn note_interrupted(store: &Path, plan: &mut Plan) -> Result<()> {
    for j in journal::list(store)? {
        if j.state == RunState::InProgress {
            plan.notes.push(format!(
                "run {} was interrupted: the next apply (or `gpforge store rollback`) undoes it first",
                j.id
            ));
        }
    }
    Ok(())
}

/// Decides and, when allowed, writes.
fn finish(
    report: &mut ApplyReport,
    store: &Path,
    opts: &ApplyOptions,
    ops: &dyn FileOps,
    command: &str,
) -> Result<()> {
    report.validation = validate_incoming(&report.plan, &opts.allow)?;
    report.diagnostics = report.validation.diagnostics.clone();
    report.outcome = if opts.dry_run {
        Outcome::DryRun
    } else if report.plan.has_refusals() {
        Outcome::Refused
    } else if report
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        Outcome::Invalid
    } else if report.plan.is_noop() {
        Outcome::NothingToDo
    } else {
        let j = execute(store, command, &report.plan.changes(), ops)?;
        let id = j.id.clone();
        report.journal = Some(j);
        Outcome::Applied { id }
    };
    Ok(())
}

/// Validates every template the run would change, as it would be in the
/// store afterwards (the incoming ADMX with the ADMLs written or already
/// identical), each on its own (store-wide checks are `check`'s job).
/// Files are staged in a temporary folder; findings name the source files.
pub(crate) fn validate_incoming(plan: &Plan, allow: &[String]) -> Result<crate::validate::Report> {
    use std::collections::{BTreeMap, BTreeSet};

    let changing: BTreeSet<&str> = plan
        .entries
        .iter()
        .filter(|e| matches!(e.action, Action::Add | Action::Replace))
        .map(|e| e.template.as_str())
        .collect();
    if changing.is_empty() {
        return Ok(crate::validate::Report::default());
    }
    let tmp = tempfile::tempdir().map_err(|e| Error::io(&std::env::temp_dir(), e))?;
    let mut inputs = Vec::new();
    let mut shown: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for (i, key) in changing.iter().enumerate() {
        let dir = tmp.path().join(format!("t{i}"));
        let entries: Vec<&PlanEntry> = plan
            .entries
            .iter()
            .filter(|e| e.template == *key && e.in_result() && e.rel.is_some())
            .collect();
        let has_admx = entries.iter().any(|e| e.is_admx());
        for e in entries {
            let rel = e.rel.as_ref().expect("filtered");
            let staged = rel.under(&dir);
            crate::fsutil::write_atomic(&staged, &e.bytes)?;
            shown.insert(
                staged.clone(),
                e.source.clone().unwrap_or_else(|| rel.under(&plan.store)),
            );
            if e.is_admx() || !has_admx {
                inputs.push(staged);
            }
        }
    }
    let opts = crate::validate::Options {
        allow: allow.to_vec(),
        no_config: true,
        ..Default::default()
    };
    let mut report = crate::validate::validate_paths(&inputs, &opts)?;
    let remap = |p: &mut PathBuf| {
        if let Some(s) = shown.get(p.as_path()) {
            *p = s.clone();
        }
    };
    for d in &mut report.diagnostics {
        if let Some(f) = d.file.as_mut() {
            remap(f);
        }
        for l in &mut d.labels {
            if let Some(f) = l.file.as_mut() {
                remap(f);
            }
        }
    }
    for f in &mut report.files {
        remap(&mut f.path);
    }
    Ok(report)
}
