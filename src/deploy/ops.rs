//! The four ways a store run changes the disk, behind one trait so that a
//! test can make any one of them fail (or stop the "process" there) without
//! touching a global.

use std::cell::Cell;
use std::path::Path;

use crate::error::{Error, Result};

/// Every change a store run makes to the disk goes through this trait.
/// Reads do not: they cannot damage anything.
///
/// [`RealFs`] is the implementation for real runs; [`FaultyOps`] wraps any
/// implementation and makes the N-th change fail, for fault-injection tests.
pub trait FileOps {
    /// Writes `bytes` to `path` atomically: a temporary file in the same
    /// folder, flushed, then renamed over `path` (never a truncated file).
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<()>;
    /// Removes one file.
    fn remove_file(&self, path: &Path) -> Result<()>;
    /// Creates one folder (its parent must exist).
    fn create_dir(&self, path: &Path) -> Result<()>;
    /// Removes one empty folder.
    fn remove_dir(&self, path: &Path) -> Result<()>;
}

/// The real file system, writing through [`crate::fsutil::write_atomic`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

impl FileOps for RealFs {
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        crate::fsutil::write_atomic(path, bytes)
    }

    fn remove_file(&self, path: &Path) -> Result<()> {
        std::fs::remove_file(path).map_err(|e| Error::io(path, e))
    }

    fn create_dir(&self, path: &Path) -> Result<()> {
        std::fs::create_dir(path).map_err(|e| Error::io(path, e))
    }

    fn remove_dir(&self, path: &Path) -> Result<()> {
        std::fs::remove_dir(path).map_err(|e| Error::io(path, e))
    }
}

/// What [`FaultyOps`] does at the chosen change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The N-th change fails (nothing is done); later changes work again,
    /// as after a transient network error on a share.
    FailOnce,
    /// The "process stops" before the N-th change: it and every later change
    /// fail, so nothing after that point reaches the disk (not even a rollback).
    Stop,
    /// Like [`Fault::Stop`], but when the N-th change is a write, half of the
    /// new bytes are left in a temporary file beside the target first, as a
    /// power cut during a write would leave them.
    TornStop,
}

/// Wraps a [`FileOps`] and injects a [`Fault`] at the N-th change (1-based),
/// counting every call of every method.
#[derive(Debug)]
pub struct FaultyOps<O> {
    inner: O,
    at: usize,
    fault: Fault,
    calls: Cell<usize>,
    stopped: Cell<bool>,
}

impl<O: FileOps> FaultyOps<O> {
    /// Injects `fault` at change number `at` (1-based). `at = 0` never fails.
    pub fn new(inner: O, at: usize, fault: Fault) -> FaultyOps<O> {
        FaultyOps {
            inner,
            at,
            fault,
            calls: Cell::new(0),
            stopped: Cell::new(false),
        }
    }

    /// How many changes were asked for so far (failed ones included).
    pub fn calls(&self) -> usize {
        self.calls.get()
    }

    /// Whether the fault was reached.
    pub fn fired(&self) -> bool {
        self.at != 0 && self.calls.get() >= self.at
    }

    fn gate(&self, path: &Path, what: &str, torn: Option<&[u8]>) -> Result<()> {
        let n = self.calls.get() + 1;
        self.calls.set(n);
        if self.stopped.get() {
            return Err(injected(
                path,
                &format!("{what} #{n} after the simulated stop"),
            ));
        }
        if n != self.at {
            return Ok(());
        }
        match self.fault {
            Fault::FailOnce => {}
            Fault::Stop => self.stopped.set(true),
            Fault::TornStop => {
                self.stopped.set(true);
                if let (Some(bytes), Some(dir)) = (torn, path.parent()) {
                    // What a cut during write_atomic leaves: a partial temp file, target untouched.
                    let tmp = dir.join(".gpforge-injected.tmp");
                    let _ = std::fs::write(tmp, &bytes[..bytes.len() / 2]);
                }
            }
        }
        Err(injected(path, &format!("{what} #{n}")))
    }
}

fn injected(path: &Path, what: &str) -> Error {
    Error::io(
        path,
        std::io::Error::other(format!("injected fault at {what}")),
    )
}

impl<O: FileOps> FileOps for FaultyOps<O> {
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.gate(path, "write", Some(bytes))?;
        self.inner.write(path, bytes)
    }

    fn remove_file(&self, path: &Path) -> Result<()> {
        self.gate(path, "remove", None)?;
        self.inner.remove_file(path)
    }

    fn create_dir(&self, path: &Path) -> Result<()> {
        self.gate(path, "create-dir", None)?;
        self.inner.create_dir(path)
    }

    fn remove_dir(&self, path: &Path) -> Result<()> {
        self.gate(path, "remove-dir", None)?;
        self.inner.remove_dir(path)
    }
}

impl<T: FileOps + ?Sized> FileOps for &T {
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        (**self).write(path, bytes)
    }

    fn remove_file(&self, path: &Path) -> Result<()> {
        (**self).remove_file(path)
    }

    fn create_dir(&self, path: &Path) -> Result<()> {
        (**self).create_dir(path)
    }

    fn remove_dir(&self, path: &Path) -> Result<()> {
        (**self).remove_dir(path)
    }
}
