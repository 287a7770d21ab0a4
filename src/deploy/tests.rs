//! Unit tests of the transaction engine (no templates needed: bytes only).

use std::collections::BTreeMap;
use std::path::Path;

use super::journal::{FileAction, RunState};
use super::ops::{Fault, FaultyOps, RealFs};
use super::paths::RelPath;
use super::txn::{Change, execute, recover_with, rollback_with};
use super::{StoreError, TOOL_DIR};
use crate::error::Error;

/// Every file and folder below `dir` except gpforge's own folder: path → bytes (`None` for folders).
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if prefix.is_empty() && name == TOOL_DIR {
                continue;
            }
            let rel = format!("{prefix}{name}");
            let ft = e.file_type().unwrap();
            if ft.is_symlink() {
                out.insert(format!("{rel}@"), None);
            } else if ft.is_dir() {
                out.insert(format!("{rel}/"), None);
                stack.push((e.path(), format!("{rel}/")));
            } else {
                out.insert(rel, Some(std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

fn rel(s: &str) -> RelPath {
    RelPath::parse(s).unwrap()
}

fn setup() -> (tempfile::TempDir, Vec<Change>) {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    std::fs::create_dir(s.join("en-US")).unwrap();
    std::fs::write(s.join("a.admx"), b"old a admx").unwrap();
    std::fs::write(s.join("en-US/a.adml"), b"old a adml").unwrap();
    std::fs::write(s.join("other.admx"), b"not ours").unwrap();
    let changes = vec![
        Change {
            path: rel("en-US/a.adml"),
            bytes: b"new a adml".to_vec(),
            action: FileAction::Replace,
        },
        Change {
            path: rel("de-DE/b.adml"),
            bytes: b"new b adml de".to_vec(),
            action: FileAction::Add,
        },
        Change {
            path: rel("en-US/b.adml"),
            bytes: b"new b adml".to_vec(),
            action: FileAction::Add,
        },
        Change {
            path: rel("a.admx"),
            bytes: b"new a admx, longer".to_vec(),
            action: FileAction::Replace,
        },
        Change {
            path: rel("b.admx"),
            bytes: b"new b admx".to_vec(),
            action: FileAction::Add,
        },
    ];
    (dir, changes)
}

#[test]
fn a_run_completes_and_rolls_back() {
    let (dir, changes) = setup();
    let s = dir.path();
    let before = snapshot(s);
    let j = execute(s, "apply", &changes, &RealFs).unwrap();
    assert_eq!(j.state, RunState::Complete);
    assert_eq!(j.created_dirs, vec!["de-DE".to_string()]);
    let after = snapshot(s);
    assert_eq!(after["a.admx"].as_deref(), Some(&b"new a admx, longer"[..]));
    assert_eq!(
        after["de-DE/b.adml"].as_deref(),
        Some(&b"new b adml de"[..])
    );
    assert_eq!(after["other.admx"].as_deref(), Some(&b"not ours"[..]));
    let backup = s
        .join(TOOL_DIR)
        .join("backup")
        .join(&j.id)
        .join("files/a.admx");
    assert_eq!(std::fs::read(backup).unwrap(), b"old a admx");

    let undone = rollback_with(s, None, &RealFs).unwrap();
    assert_eq!(undone.len(), 1);
    assert_eq!(undone[0].restored, vec!["a.admx", "en-US/a.adml"]);
    assert_eq!(
        undone[0].removed,
        vec!["b.admx", "en-US/b.adml", "de-DE/b.adml"]
    );
    assert_eq!(snapshot(s), before);
    let again = rollback_with(s, None, &RealFs).unwrap_err();
    assert!(
        matches!(again, Error::Store(StoreError::NothingToRollBack)),
        "{again}"
    );
}

#[test]
fn rollback_refuses_when_a_file_changed_since() {
    let (dir, changes) = setup();
    let s = dir.path();
    execute(s, "apply", &changes, &RealFs).unwrap();
    std::fs::write(s.join("b.admx"), b"edited by hand").unwrap();
    let mid = snapshot(s);
    let e = rollback_with(s, None, &RealFs).unwrap_err();
    assert!(e.to_string().contains("b.admx was changed since"), "{e}");
    assert_eq!(snapshot(s), mid, "nothing changed");
}

#[test]
fn rollback_to_undoes_later_runs_first() {
    let (dir, changes) = setup();
    let s = dir.path();
    let before = snapshot(s);
    let first = execute(s, "apply", &changes, &RealFs).unwrap();
    let second_changes = vec![Change {
        path: rel("a.admx"),
        bytes: b"third a".to_vec(),
        action: FileAction::Replace,
    }];
    let second = execute(s, "apply", &second_changes, &RealFs).unwrap();
    assert!(second.id > first.id, "{} > {}", second.id, first.id);
    let undone = rollback_with(s, Some(&first.id), &RealFs).unwrap();
    assert_eq!(
        undone.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        vec![second.id.as_str(), first.id.as_str()]
    );
    assert_eq!(snapshot(s), before);
    let e = rollback_with(s, Some("19990101T000000Z"), &RealFs).unwrap_err();
    assert!(matches!(e, Error::Store(StoreError::UnknownRun(_))), "{e}");
}

#[test]
fn every_fault_leaves_the_store_old_or_new() {
    let (probe_dir, changes) = setup();
    let before = snapshot(probe_dir.path());
    let counter = FaultyOps::new(RealFs, 0, Fault::FailOnce);
    execute(probe_dir.path(), "apply", &changes, &counter).unwrap();
    let after = snapshot(probe_dir.path());
    let total = counter.calls();
    assert!(total >= changes.len() + 3, "{total}");

    for fault in [Fault::FailOnce, Fault::Stop, Fault::TornStop] {
        for n in 1..=total + 1 {
            let (dir, changes) = setup();
            let s = dir.path();
            let ops = FaultyOps::new(RealFs, n, fault);
            let res = execute(s, "apply", &changes, &ops);
            let what = format!("{fault:?} at change {n}/{total}");
            match res {
                Ok(_) => {
                    assert!(n > total, "{what}: succeeded although the fault fired");
                    assert_eq!(snapshot(s), after, "{what}");
                    continue;
                }
                Err(e) => {
                    let msg = e.to_string();
                    assert!(msg.contains("injected fault"), "{what}: {msg}");
                    if fault == Fault::FailOnce {
                        // Undone at once (or nothing was done yet).
                        assert_eq!(snapshot(s), before, "{what}: {msg}");
                        continue;
                    }
                }
            }
            // The process "stopped": the store may be mid-way; recovery must restore it.
            let undone = recover_with(s, &RealFs).unwrap();
            assert!(undone.len() <= 1, "{what}");
            assert_eq!(snapshot(s), before, "{what}: after recovery");
            // Recovery is idempotent and leaves no interrupted run.
            assert!(recover_with(s, &RealFs).unwrap().is_empty(), "{what}");
        }
    }
}

#[test]
fn every_fault_during_rollback_is_recoverable() {
    let (probe, changes) = setup();
    execute(probe.path(), "apply", &changes, &RealFs).unwrap();
    let counter = FaultyOps::new(RealFs, 0, Fault::FailOnce);
    rollback_with(probe.path(), None, &counter).unwrap();
    let total = counter.calls();
    for n in 1..=total {
        let (dir, changes) = setup();
        let s = dir.path();
        let before = snapshot(s);
        execute(s, "apply", &changes, &RealFs).unwrap();
        let ops = FaultyOps::new(RealFs, n, Fault::Stop);
        assert!(rollback_with(s, None, &ops).is_err(), "stop at {n}");
        rollback_with(s, None, &RealFs).unwrap();
        assert_eq!(snapshot(s), before, "stop at {n} of rollback");
    }
}

#[test]
fn links_inside_the_store_are_refused() {
    #[cfg(unix)]
    {
        let (dir, changes) = setup();
        let s = dir.path();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), s.join("de-DE")).unwrap();
        let before = snapshot(s);
        let e = execute(s, "apply", &changes, &RealFs).unwrap_err();
        assert!(e.to_string().contains("is a link"), "{e}");
        assert_eq!(snapshot(s), before);
        assert_eq!(
            std::fs::read_dir(outside.path()).unwrap().count(),
            0,
            "nothing written outside"
        );
        assert!(!s.join(TOOL_DIR).exists(), "not even a backup folder");
    }
}

#[test]
fn hostile_journals_are_refused() {
    let (dir, changes) = setup();
    let s = dir.path();
    let j = execute(s, "apply", &changes, &RealFs).unwrap();
    let jp = j.dir(s).join("journal.json");
    let text = std::fs::read_to_string(&jp)
        .unwrap()
        .replace("\"b.admx\"", "\"../escape.admx\"");
    std::fs::write(&jp, text).unwrap();
    let e = rollback_with(s, None, &RealFs).unwrap_err();
    assert!(e.to_string().contains("would leave the store"), "{e}");
}

#[test]
fn runs_are_ordered_by_sequence_not_clock() {
    let (dir, changes) = setup();
    let s = dir.path();
    let first = execute(s, "apply", &changes, &RealFs).unwrap();
    let second_changes = vec![Change {
        path: rel("a.admx"),
        bytes: b"third a".to_vec(),
        action: FileAction::Replace,
    }];
    let second = execute(s, "apply", &second_changes, &RealFs).unwrap();
    assert_eq!((first.seq, second.seq), (1, 2));
    // The second run came from an admin whose clock is a day behind: its id sorts first.
    let root = s.join(TOOL_DIR).join("backup");
    let early = "19990101T000000Z";
    std::fs::rename(root.join(&second.id), root.join(early)).unwrap();
    let jp = root.join(early).join("journal.json");
    let text = std::fs::read_to_string(&jp)
        .unwrap()
        .replace(&second.id, early);
    std::fs::write(&jp, text).unwrap();
    let undone = rollback_with(s, None, &RealFs).unwrap();
    assert_eq!(
        undone[0].id, early,
        "the last run is the one with the highest sequence number"
    );
    assert_eq!(
        std::fs::read(s.join("a.admx")).unwrap(),
        b"new a admx, longer"
    );
}
