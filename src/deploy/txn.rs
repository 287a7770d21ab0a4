//! The transaction engine: back up, journal, write, and undo.
//!
//! Order of a run (each step through [`FileOps`]):
//! 1. create `DEST/.gpforge/backup/<id>/` and copy every file about to be
//!    replaced into `files/` (read back and compared);
//! 2. write `journal.json` (state `in-progress`) — nothing in the store has
//!    changed before this point, so a stop before it leaves the store as it was;
//! 3. create missing culture folders, write every file (temp-then-rename);
//! 4. mark the journal `complete`.
//!
//! A failure in 3 or 4 undoes the run at once from the journal; when even
//! that fails (the share went away, the process stopped), the journal stays
//! `in-progress` and the next run, or `gpforge store rollback`, undoes it.
//! Undo is idempotent: it looks at each file's digest to see whether the
//! run's version is there, so it can itself be interrupted and run again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use super::journal::{
    self, Digest, FILES_DIR, FileAction, JOURNAL_FILE, Journal, JournalEntry, RunState,
};
use super::lock::Lock;
use super::ops::FileOps;
use super::paths::{RelPath, check_inside};
use super::{StoreError, TOOL_DIR};
use crate::error::{Error, Result};

/// One file to write.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub path: RelPath,
    pub bytes: Vec<u8>,
    pub action: FileAction,
}

/// What undoing one run did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UndoneRun {
    /// The run's id (its backup folder name).
    pub id: String,
    /// The state the run was in (`in-progress` for an interrupted run).
    pub was: RunState,
    /// Files put back from the backup.
    pub restored: Vec<String>,
    /// Files the run had added, now removed.
    pub removed: Vec<String>,
}

fn read_opt(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn exists_nofollow(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Creates `rel`'s missing ancestors below `base` (not `rel` itself).
fn create_parents(base: &Path, rel: &RelPath, ops: &dyn FileOps) -> Result<()> {
    let parts = rel.parts();
    let mut p = base.to_path_buf();
    for c in &parts[..parts.len() - 1] {
        p.push(c);
        if !exists_nofollow(&p) {
            ops.create_dir(&p)?;
        }
    }
    Ok(())
}

fn unique_id(store: &Path, now: SystemTime) -> String {
    let base = journal::timestamp(now);
    let root = Journal::root(store);
    if !exists_nofollow(&root.join(&base)) {
        return base;
    }
    (1..)
        .map(|n| format!("{base}-{n:03}"))
        .find(|id| !exists_nofollow(&root.join(id)))
        .unwrap_or(base)
}

/// Runs `changes` against `store` as one transaction (see the module docs).
/// Returns the completed journal.
pub(crate) fn execute(
    store: &Path,
    command: &str,
    changes: &[Change],
    ops: &dyn FileOps,
) -> Result<Journal> {
    let not_started = |cause: Error| match cause {
        e @ Error::Store(
            StoreError::UnsafePath { .. }
            | StoreError::AppearedSincePlan { .. }
            | StoreError::Locked { .. },
        ) => e,
        cause => StoreError::NotStarted {
            cause: Box::new(cause),
        }
        .into(),
    };
    ensure_dirs(store, changes, ops).map_err(not_started)?;
    let _lock = Lock::acquire(store).map_err(not_started)?;
    let (mut journal, jpath) = prepare(store, command, changes, ops).map_err(not_started)?;

    // 3 + 4.
    let forward = (|| -> Result<()> {
        for d in &journal.created_dirs {
            let p = RelPath::parse(d).expect("checked").under(store);
            if !exists_nofollow(&p) {
                ops.create_dir(&p)?;
            }
        }
        for c in changes {
            let target = c.path.under(store);
            if c.action == FileAction::Add && exists_nofollow(&target) {
                return Err(StoreError::AppearedSincePlan { path: target }.into());
            }
            ops.write(&target, &c.bytes)?;
        }
        let mut done = journal.clone();
        done.state = RunState::Complete;
        ops.write(&jpath, &done.to_bytes())
    })();
    match forward {
        Ok(()) => {
            journal.state = RunState::Complete;
            Ok(journal)
        }
        Err(cause) => match undo(store, &journal, ops) {
            Ok(_) => Err(StoreError::RolledBack {
                id: journal.id,
                cause: Box::new(cause),
            }
            .into()),
            Err(again) => Err(StoreError::Interrupted {
                id: journal.id,
                cause: Box::new(cause),
                rollback: Box::new(again),
            }
            .into()),
        },
    }
}

/// Checks every target and creates the store and gpforge's folders.
fn ensure_dirs(store: &Path, changes: &[Change], ops: &dyn FileOps) -> Result<()> {
    journal::check_tool_dir(store)?;
    for c in changes {
        check_inside(store, &c.path).map_err(|why| StoreError::UnsafePath {
            path: c.path.under(store),
            why,
        })?;
    }
    if !exists_nofollow(store) {
        ops.create_dir(store)?;
    }
    for d in [store.join(TOOL_DIR), Journal::root(store)] {
        if !exists_nofollow(&d) {
            ops.create_dir(&d)?;
        }
    }
    Ok(())
}

/// Steps 1 and 2: backups and the journal. The store is not changed.
fn prepare(
    store: &Path,
    command: &str,
    changes: &[Change],
    ops: &dyn FileOps,
) -> Result<(Journal, PathBuf)> {
    let id = unique_id(store, SystemTime::now());
    let bdir = Journal::root(store).join(&id);
    ops.create_dir(&bdir)?;

    // 1. Backups.
    let mut entries = Vec::with_capacity(changes.len());
    for c in changes {
        let target = c.path.under(store);
        let before = match c.action {
            FileAction::Replace => {
                let old = crate::fsutil::read(&target)?;
                let copy_rel = RelPath::new(
                    std::iter::once(FILES_DIR.to_string()).chain(c.path.parts().iter().cloned()),
                )
                .ok_or_else(|| StoreError::UnsafePath {
                    path: target.clone(),
                    why: "unusable name".into(),
                })?;
                create_parents(&bdir, &copy_rel, ops)?;
                let copy = copy_rel.under(&bdir);
                ops.write(&copy, &old)?;
                if read_opt(&copy)?.as_deref() != Some(old.as_slice()) {
                    return Err(StoreError::BadBackup { path: copy }.into());
                }
                Some(Digest::of(&old))
            }
            FileAction::Add => {
                if exists_nofollow(&target) {
                    return Err(StoreError::AppearedSincePlan { path: target }.into());
                }
                None
            }
        };
        entries.push(JournalEntry {
            path: c.path.to_string(),
            action: c.action,
            before,
            after: Digest::of(&c.bytes),
        });
    }
    let mut created = Vec::new();
    let mut seen = BTreeSet::new();
    for c in changes {
        let mut cur = Vec::new();
        for part in &c.path.parts()[..c.path.parts().len() - 1] {
            cur.push(part.clone());
            let rel = RelPath::new(cur.clone()).expect("checked components");
            if seen.insert(rel.clone()) && !exists_nofollow(&rel.under(store)) {
                created.push(rel.to_string());
            }
        }
    }
    let seq = journal::list(store)?
        .iter()
        .map(|j| j.seq)
        .max()
        .unwrap_or(0)
        + 1;
    let journal = Journal {
        format: journal::JOURNAL_FORMAT,
        id,
        seq,
        tool: format!("gpforge {}", env!("CARGO_PKG_VERSION")),
        command: command.to_string(),
        state: RunState::InProgress,
        created_dirs: created,
        entries,
    };

    // 2. The journal: from here on the run can be undone.
    let jpath = bdir.join(JOURNAL_FILE);
    ops.write(&jpath, &journal.to_bytes())?;
    Ok((journal, jpath))
}

/// Undoes one run from its journal (see the module docs). Refuses, before
/// changing anything, when a file is neither what the run found nor what it
/// wrote (someone changed it since).
pub(crate) fn undo(store: &Path, journal: &Journal, ops: &dyn FileOps) -> Result<UndoneRun> {
    if journal.state == RunState::RolledBack {
        return Err(StoreError::AlreadyRolledBack(journal.id.clone()).into());
    }
    let bdir = journal.dir(store);
    let mut conflicts = Vec::new();
    let mut todo = Vec::new();
    for e in &journal.entries {
        let rel = RelPath::parse(&e.path).expect("checked when read");
        check_inside(store, &rel).map_err(|why| StoreError::UnsafePath {
            path: rel.under(store),
            why,
        })?;
        let target = rel.under(store);
        let current = read_opt(&target)?.map(|b| Digest::of(&b));
        match (e.action, current) {
            (FileAction::Add, None) => {}
            (FileAction::Add, Some(d)) if d == e.after => todo.push((e, rel, None)),
            (FileAction::Replace, Some(d)) if Some(d) == e.before => {}
            (FileAction::Replace, Some(d)) if d == e.after => {
                let copy = RelPath::new(
                    std::iter::once(FILES_DIR.to_string()).chain(rel.parts().iter().cloned()),
                )
                .expect("checked")
                .under(&bdir);
                let old = read_opt(&copy)?;
                match old {
                    Some(b) if Some(Digest::of(&b)) == e.before => todo.push((e, rel, Some(b))),
                    _ => return Err(StoreError::BadBackup { path: copy }.into()),
                }
            }
            (_, None) => conflicts.push(format!("{} was removed since", e.path)),
            (_, Some(_)) => conflicts.push(format!("{} was changed since", e.path)),
        }
    }
    if !conflicts.is_empty() {
        return Err(StoreError::Conflict {
            id: journal.id.clone(),
            files: conflicts,
        }
        .into());
    }
    let mut report = UndoneRun {
        id: journal.id.clone(),
        was: journal.state,
        restored: Vec::new(),
        removed: Vec::new(),
    };
    for (e, rel, old) in todo.into_iter().rev() {
        let target = rel.under(store);
        match old {
            Some(bytes) => {
                ops.write(&target, &bytes)?;
                report.restored.push(e.path.clone());
            }
            None => {
                ops.remove_file(&target)?;
                report.removed.push(e.path.clone());
            }
        }
    }
    // Temp files a stopped write left behind in the folders this run wrote to.
    let mut dirs = BTreeSet::new();
    for e in &journal.entries {
        let rel = RelPath::parse(&e.path).expect("checked");
        dirs.insert(rel.parent().map_or(store.to_path_buf(), |p| p.under(store)));
    }
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for ent in rd.flatten() {
            let name = ent.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".gpforge-")
                && name.ends_with(".tmp")
                && ent.file_type().is_ok_and(|t| t.is_file())
            {
                ops.remove_file(&ent.path())?;
            }
        }
    }
    for d in journal.created_dirs.iter().rev() {
        let p = RelPath::parse(d).expect("checked").under(store);
        let empty = std::fs::read_dir(&p).is_ok_and(|mut rd| rd.next().is_none());
        if empty && !std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            ops.remove_dir(&p)?;
        }
    }
    let mut done = journal.clone();
    done.state = RunState::RolledBack;
    ops.write(&bdir.join(JOURNAL_FILE), &done.to_bytes())?;
    Ok(report)
}

/// Undoes every interrupted run (journal `in-progress`), newest first.
pub fn recover_with(store: &Path, ops: &dyn FileOps) -> Result<Vec<UndoneRun>> {
    if !journal::list(store)?
        .iter()
        .any(|j| j.state == RunState::InProgress)
    {
        return Ok(Vec::new());
    }
    let _lock = Lock::acquire(store)?;
    recover_locked(store, ops)
}

fn recover_locked(store: &Path, ops: &dyn FileOps) -> Result<Vec<UndoneRun>> {
    let mut out = Vec::new();
    for j in journal::list(store)?.iter().rev() {
        if j.state == RunState::InProgress {
            out.push(undo(store, j, ops)?);
        }
    }
    Ok(out)
}

/// Undoes runs: every interrupted run first; then, when no run was
/// interrupted or `to` is given, the last complete run (`to = None`) or
/// every complete run from `to` on, newest first.
pub fn rollback_with(store: &Path, to: Option<&str>, ops: &dyn FileOps) -> Result<Vec<UndoneRun>> {
    if !store.is_dir() {
        return Err(StoreError::NotAStore {
            path: store.to_path_buf(),
            why: "no such folder".into(),
        }
        .into());
    }
    let journals = journal::list(store)?;
    if journals.is_empty() {
        return Err(match to {
            Some(id) => StoreError::UnknownRun(id.to_string()),
            None => StoreError::NothingToRollBack,
        }
        .into());
    }
    let _lock = Lock::acquire(store)?;
    let mut out = recover_locked(store, ops)?;
    let journals = journal::list(store)?;
    match to {
        None if !out.is_empty() => {}
        None => {
            let last = journals
                .iter()
                .rev()
                .find(|j| j.state == RunState::Complete)
                .ok_or(StoreError::NothingToRollBack)?;
            out.push(undo(store, last, ops)?);
        }
        Some(id) => {
            let named = journals
                .iter()
                .find(|j| j.id == id)
                .ok_or_else(|| StoreError::UnknownRun(id.to_string()))?;
            if named.state == RunState::RolledBack {
                return Err(StoreError::AlreadyRolledBack(id.to_string()).into());
            }
            let from = (named.seq, named.id.clone());
            for j in journals
                .iter()
                .rev()
                .filter(|j| (j.seq, j.id.clone()) >= from && j.state == RunState::Complete)
            {
                out.push(undo(store, j, ops)?);
            }
        }
    }
    Ok(out)
}
