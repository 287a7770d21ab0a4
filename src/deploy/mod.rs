//! Preparing and updating a central store as a checked transaction (`gpforge store`).
//!
//! - [`plan`] compares incoming templates (folders such as an extracted
//!   Microsoft download, or single files) with a store and says, per file,
//!   whether it would be added, replaced, skipped or refused, and why.
//! - [`apply`] validates the incoming templates, then carries the plan out
//!   as one transaction: replaced files are first copied to
//!   `DEST/.gpforge/backup/<id>/`, a journal records every step, every
//!   write is temp-then-rename, and a failure undoes what was done.
//! - [`rollback`] undoes the last (or a named) run from its journal.
//! - [`check`] validates a whole store and tabulates which templates lack
//!   which culture.
//! - [`add_builtin`] installs the built-in LinkedIn template, never over a
//!   fuller `office16.admx`.
//!
//! Everything works on any path (a mounted SYSVOL share, a UNC path) with
//! `std::path` only; existing store files are matched case-insensitively
//! (`en-us\office16.adml` is the file an incoming `en-US` ADML replaces).
//! Every change goes through a [`FileOps`], so a test can make any one of
//! them fail ([`FaultyOps`]).

use std::path::PathBuf;

mod apply;
mod builtin;
mod check;
mod inspect;
mod journal;
mod lock;
mod ops;
mod paths;
mod plan;
mod source;
mod txn;

pub use apply::{ApplyOptions, ApplyReport, Outcome, apply, apply_with};
pub use builtin::{add_builtin, add_builtin_with};
pub use check::{CheckReport, TemplateCultures, check};
pub use plan::{Action, DEFAULT_FALLBACK, Plan, PlanEntry, PlanOptions, Refusal, plan};

pub use journal::{Digest, FileAction, Journal, JournalEntry, RunState};
pub use ops::{Fault, FaultyOps, FileOps, RealFs};
pub use paths::{RelPath, canonical_culture, name_problem};
pub use txn::{UndoneRun, recover_with, rollback_with};

use crate::error::{Error, Result};

/// The folder gpforge keeps its own files in, inside the store.
pub const TOOL_DIR: &str = ".gpforge";

/// Why a store run could not be done (the store is left as it was, or as
/// the message says).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A path would leave the store (a link, a file where a folder belongs).
    #[error("{}: {why}", path.display())]
    UnsafePath {
        /// The path.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The store path is not a usable folder.
    #[error("{}: not a store folder: {why}", path.display())]
    NotAStore {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A journal could not be used.
    #[error("{}: unusable journal: {why}", path.display())]
    BadJournal {
        /// The journal file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A backup copy is missing or differs from what the journal recorded.
    #[error("{}: backup copy is missing or damaged", path.display())]
    BadBackup {
        /// The copy.
        path: PathBuf,
    },
    /// A file the plan said was new exists now (another run or person).
    #[error("{}: expected no file (the plan adds it), found one: the store changed since the plan", path.display())]
    AppearedSincePlan {
        /// The file.
        path: PathBuf,
    },
    /// A run cannot be undone because files changed after it.
    #[error("run {id} cannot be rolled back, nothing was changed: {}", files.join("; "))]
    Conflict {
        /// The run.
        id: String,
        /// One line per file.
        files: Vec<String>,
    },
    /// The run failed before its first change to the store: nothing to undo.
    #[error("the run failed before changing the store, nothing to roll back: {cause}")]
    NotStarted {
        /// The failure.
        cause: Box<Error>,
    },
    /// A write failed; everything the run had done was undone.
    #[error(
        "the run failed and was rolled back, the store is as it was (journal .gpforge/backup/{id}): {cause}"
    )]
    RolledBack {
        /// The run.
        id: String,
        /// The failure.
        cause: Box<Error>,
    },
    /// A write failed and undoing failed too: the journal is left for `gpforge store rollback`.
    #[error(
        "the run failed ({cause}) and could not be rolled back ({rollback}); its journal .gpforge/backup/{id} \
         is kept: run `gpforge store rollback` on the store to undo it"
    )]
    Interrupted {
        /// The run.
        id: String,
        /// The failure.
        cause: Box<Error>,
        /// Why undoing failed.
        rollback: Box<Error>,
    },
    /// Another run holds the store's lock.
    #[error("another gpforge run holds {} ({who}); if no run is active, remove that file and retry", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// Who holds it, as recorded.
        who: String,
    },
    /// `rollback` found no complete run to undo.
    #[error("nothing to roll back: the store has no complete run in .gpforge/backup")]
    NothingToRollBack,
    /// `rollback --to` named a run that does not exist.
    #[error("no run '{0}' in .gpforge/backup")]
    UnknownRun(String),
    /// `rollback --to` named a run that was already undone.
    #[error("run '{0}' was already rolled back")]
    AlreadyRolledBack(String),
}

/// Undoes the last complete run, or every complete run from `to` on
/// (newest first); an interrupted run is always undone first (and is, on
/// its own, what `rollback` without `to` undoes). See [`rollback_with`].
pub fn rollback(store: &std::path::Path, to: Option<&str>) -> Result<Vec<UndoneRun>> {
    rollback_with(store, to, &RealFs)
}

/// Undoes every interrupted run of `store` (journal still `in-progress`),
/// newest first; `apply` and `add-builtin` do this before planning.
pub fn recover(store: &std::path::Path) -> Result<Vec<UndoneRun>> {
    recover_with(store, &RealFs)
}

#[cfg(test)]
mod tests;
