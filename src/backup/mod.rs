//! GPMC GPO backups: writing them (`gpforge backup create`) and reading them
//! (`gpforge backup inspect`).
//!
//! - [`layout`]: every path and naming convention of a backup folder.
//! - [`model`]: plain data ([`Backup`], [`BackupScheme`], [`BackupInst`]).
//! - [`read`] / [`write`]: the XML files, as mirrors.

use std::path::PathBuf;

pub mod create;
pub mod inspect;
pub mod layout;
pub mod map;
pub mod model;
pub mod read;
pub mod report;
mod rules;
pub mod security;
pub mod time;
pub mod write;
mod xmltree;

pub use model::{
    Backup, BackupInst, BackupScheme, Extension, FsKind, FsObject, GpoInfo, SecurityGroup, Side,
    SideInfo,
};
pub use xmltree::TextEncoding;

pub use rules::RULES;

/// Why a backup could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not well-formed XML.
    #[error("{}:{position}: {message}", path.display())]
    Xml {
        /// The file.
        path: PathBuf,
        /// `line:column` (1-based, columns in characters) or `byte N`.
        position: String,
        /// What was expected and found.
        message: String,
    },
    /// A file is XML but not the expected document.
    #[error("{}:{position}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// `line:column`.
        position: String,
        /// What was expected and found.
        message: String,
    },
    /// The path is neither a backup folder nor a backup root.
    #[error("{}: expected a backup folder (with Backup.xml or bkupInfo.xml) or a backup root (with manifest.xml or {{GUID}} folders), found neither", path.display())]
    NotABackup {
        /// The path given.
        path: PathBuf,
    },
    /// A backup with this id already exists in the root.
    #[error("{}: a backup with this id already exists", path.display())]
    Exists {
        /// The backup folder.
        path: PathBuf,
    },
    /// Writing a file failed.
    #[error(transparent)]
    Write(Box<crate::Error>),
    /// A value given by the caller is not acceptable.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// The message without the file name (`line:col: what`), for findings that carry the file separately.
    pub fn detail(&self) -> String {
        match self {
            Error::Xml {
                position, message, ..
            }
            | Error::Format {
                position, message, ..
            } => {
                format!("{position}: {message}")
            }
            Error::Io { source, .. } => source.to_string(),
            other => other.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
