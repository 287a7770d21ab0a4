//! The journal of one run: `DEST/.gpforge/backup/<id>/journal.json`, next to
//! copies of every file the run replaced (`files/<path>`).
//!
//! It is written (atomically) after every backup copy is in place and before
//! the first change to the store, so a run that stops at any point leaves
//! either an untouched store or a journal that says how to undo what was done.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::paths::RelPath;
use super::{StoreError, TOOL_DIR};
use crate::error::{Error, Result};

/// Name of the journal file inside a backup folder.
pub(crate) const JOURNAL_FILE: &str = "journal.json";
/// Folder of backup copies inside a backup folder.
pub(crate) const FILES_DIR: &str = "files";
/// Journal format version this code writes and reads.
pub(crate) const JOURNAL_FORMAT: u32 = 1;

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunState {
    /// Changes may have been made; not finished (the process stopped, or is running).
    InProgress,
    /// Every change was made.
    Complete,
    /// Undone (by the run itself after a failure, or by `rollback`).
    RolledBack,
}

/// What a run did to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileAction {
    /// The file did not exist; the run created it (undo: remove it).
    Add,
    /// The file existed; the run copied it to the backup and replaced it (undo: restore the copy).
    Replace,
}

/// Size and FNV-1a 64-bit hash of a file's bytes: enough to tell whether a
/// file is still what the run left (not a security measure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// Length in bytes.
    pub len: u64,
    /// FNV-1a 64-bit hash, lower-case hex.
    #[serde(with = "hex64")]
    pub fnv64: u64,
}

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Digest {
            len: bytes.len() as u64,
            fnv64: h,
        }
    }
}

mod hex64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:016x}"))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        u64::from_str_radix(&s, 16).map_err(serde::de::Error::custom)
    }
}

/// One file of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Path below the store, `/`-separated.
    pub path: String,
    /// What was done.
    pub action: FileAction,
    /// The file before the run (replace only); its copy is `files/<path>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Digest>,
    /// The file the run wrote.
    pub after: Digest,
}

/// The record of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// Journal format version (1).
    pub format: u32,
    /// The backup folder name (UTC time the run started, `YYYYMMDDTHHMMSSZ`, with `-NNN` if taken).
    pub id: String,
    /// Order of the run among the store's runs (1, 2, ...): clocks of the
    /// machines writing to a share may disagree, so order is not taken from ids.
    #[serde(default)]
    pub seq: u64,
    /// `gpforge <version>`.
    pub tool: String,
    /// What the run was (`apply`, `add-builtin`).
    pub command: String,
    /// Where the run stands.
    pub state: RunState,
    /// Folders the run created below the store, parents first (undo: remove them when empty).
    #[serde(default)]
    pub created_dirs: Vec<String>,
    /// The files, in the order they were (to be) written.
    pub entries: Vec<JournalEntry>,
}

impl Journal {
    /// `DEST/.gpforge/backup`.
    pub fn root(store: &Path) -> PathBuf {
        store.join(TOOL_DIR).join("backup")
    }

    /// This run's backup folder.
    pub fn dir(&self, store: &Path) -> PathBuf {
        Journal::root(store).join(&self.id)
    }

    /// Reads and checks a journal: every path in it must stay below the store.
    pub fn read(path: &Path) -> Result<Journal> {
        let bytes = crate::fsutil::read(path)?;
        let bad = |why: String| {
            Error::from(StoreError::BadJournal {
                path: path.to_path_buf(),
                why,
            })
        };
        let j: Journal = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        if j.format != JOURNAL_FORMAT {
            return Err(bad(format!(
                "expected format {JOURNAL_FORMAT}, found {}",
                j.format
            )));
        }
        if super::paths::name_problem(&j.id).is_some() {
            return Err(bad(format!("unusable run id '{}'", j.id)));
        }
        for p in j.entries.iter().map(|e| &e.path).chain(&j.created_dirs) {
            let rel = RelPath::parse(p)
                .ok_or_else(|| bad(format!("path '{p}' would leave the store")))?;
            if rel.parts()[0].eq_ignore_ascii_case(TOOL_DIR) {
                return Err(bad(format!("path '{p}' points into gpforge's own folder")));
            }
        }
        for e in &j.entries {
            if (e.action == FileAction::Replace) != e.before.is_some() {
                return Err(bad(format!("entry '{}' does not match its action", e.path)));
            }
        }
        Ok(j)
    }

    /// The serialised form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

/// The UTC time as `YYYYMMDDTHHMMSSZ` (the calendar arithmetic is
/// [`crate::backup::time::Timestamp`]'s).
pub(crate) fn timestamp(t: SystemTime) -> String {
    let t = crate::backup::time::Timestamp::from_system(t).to_backup_time();
    format!("{}Z", t.replace(['-', ':'], ""))
}

/// Every journal below `store`, oldest first (by sequence number, then id). Backup folders without
/// a journal (a run that stopped while copying backups, before touching the
/// store) are left out.
pub(crate) fn list(store: &Path) -> Result<Vec<Journal>> {
    let root = Journal::root(store);
    check_tool_dir(store)?;
    let rd = match std::fs::read_dir(&root) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&root, e)),
    };
    let mut out = Vec::new();
    for ent in rd {
        let ent = ent.map_err(|e| Error::io(&root, e))?;
        let ft = ent.file_type().map_err(|e| Error::io(&ent.path(), e))?;
        if !ft.is_dir() {
            continue;
        }
        let jp = ent.path().join(JOURNAL_FILE);
        if !jp.exists() {
            continue;
        }
        let j = Journal::read(&jp)?;
        if ent.file_name().to_str() != Some(j.id.as_str()) {
            return Err(StoreError::BadJournal {
                path: jp,
                why: format!("id '{}' does not match its folder", j.id),
            }
            .into());
        }
        out.push(j);
    }
    out.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
    Ok(out)
}

/// Refuses a `.gpforge` or `.gpforge/backup` that is a link or a file.
pub(crate) fn check_tool_dir(store: &Path) -> Result<()> {
    for p in [store.join(TOOL_DIR), Journal::root(store)] {
        if let Ok(m) = std::fs::symlink_metadata(&p) {
            if m.file_type().is_symlink() || !m.is_dir() {
                return Err(StoreError::UnsafePath {
                    path: p,
                    why: "expected a folder, found a link or file".into(),
                }
                .into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn timestamps_are_utc_and_sortable() {
        assert_eq!(timestamp(UNIX_EPOCH), "19700101T000000Z");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_795_754_834);
        assert_eq!(timestamp(t), "20261127T044714Z");
        let leap = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(timestamp(leap), "20000229T000000Z");
    }

    #[test]
    fn digest_is_stable() {
        assert_eq!(Digest::of(b"").fnv64, 0xcbf2_9ce4_8422_2325);
        assert_eq!(Digest::of(b"a").fnv64, 0xaf63_dc4c_8601_ec8c);
    }
}
