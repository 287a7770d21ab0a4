//! One run at a time: `DEST/.gpforge/lock`, created exclusively while a run
//! changes the store (or undoes a run), removed when it ends.
//!
//! Without it, a second admin's run could take a first run's `in-progress`
//! journal for an interrupted run and undo it while it is still writing.
//! A lock left by a process that died is taken over when it was written on
//! this machine by a process that no longer exists (checked where the OS
//! shows it, Linux `/proc`); otherwise the message says how to remove it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{StoreError, TOOL_DIR};
use crate::error::{Error, Result};

/// The lock file's name inside `.gpforge`.
pub(crate) const LOCK_FILE: &str = "lock";

#[derive(Debug, Serialize, Deserialize)]
struct Owner {
    host: String,
    pid: u32,
    since: String,
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub(crate) struct Lock {
    path: PathBuf,
}

fn host() -> String {
    if let Ok(h) = std::env::var("COMPUTERNAME") {
        return h;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default()
}

/// Whether `owner` is certainly gone: same machine, and the OS shows no such process.
fn is_stale(owner: &Owner) -> bool {
    let here = host();
    if here.is_empty() || owner.host != here {
        return false;
    }
    if owner.pid == std::process::id() {
        return false;
    }
    cfg!(target_os = "linux")
        && Path::new("/proc/self").exists()
        && !Path::new(&format!("/proc/{}", owner.pid)).exists()
}

impl Lock {
    /// Takes the lock of `store`, whose `.gpforge` folder must exist.
    pub(crate) fn acquire(store: &Path) -> Result<Lock> {
        let path = store.join(TOOL_DIR).join(LOCK_FILE);
        let owner = Owner {
            host: host(),
            pid: std::process::id(),
            since: super::journal::timestamp(SystemTime::now()),
        };
        let body = serde_json::to_vec(&owner).unwrap_or_default();
        for attempt in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    f.write_all(&body)
                        .and_then(|()| f.sync_all())
                        .map_err(|e| Error::io(&path, e))?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let held: Option<Owner> = std::fs::read(&path)
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok());
                    if attempt == 0 && held.as_ref().is_some_and(is_stale) {
                        // The owner died on this machine: take over.
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    let who = held.map_or_else(
                        || "an unknown run".to_string(),
                        |o| format!("a run on {} (process {}) since {}", o.host, o.pid, o.since),
                    );
                    return Err(StoreError::Locked { path, who }.into());
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(StoreError::Locked {
            path,
            who: "a run that keeps coming back".into(),
        }
        .into())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(TOOL_DIR)).unwrap();
        let first = Lock::acquire(dir.path()).unwrap();
        let e = Lock::acquire(dir.path()).unwrap_err();
        assert!(e.to_string().contains("another gpforge run"), "{e}");
        drop(first);
        let _again = Lock::acquire(dir.path()).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_dead_owner_on_this_machine_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(TOOL_DIR)).unwrap();
        let path = dir.path().join(TOOL_DIR).join(LOCK_FILE);
        // No process has this pid (above the kernel's pid_max of 2^22).
        let dead = Owner {
            host: host(),
            pid: 4_194_305,
            since: "19700101T000000Z".into(),
        };
        std::fs::write(&path, serde_json::to_vec(&dead).unwrap()).unwrap();
        let _l = Lock::acquire(dir.path()).unwrap();
        // Another machine's lock is never taken over.
        drop(_l);
        let other = Owner {
            host: format!("{}-elsewhere", host()),
            pid: 4_194_305,
            since: "19700101T000000Z".into(),
        };
        std::fs::write(&path, serde_json::to_vec(&other).unwrap()).unwrap();
        let e = Lock::acquire(dir.path()).unwrap_err();
        assert!(e.to_string().contains("-elsewhere"), "{e}");
    }
}
