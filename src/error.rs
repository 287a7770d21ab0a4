//! Fatal errors: the work could not be done. Findings about the content of a
//! file are [`crate::Diagnostic`]s instead.

use std::path::{Path, PathBuf};

/// Result with gpforge's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop gpforge's library from doing its work.
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
    /// An existing file differs from what would be written and overwriting was not allowed.
    #[error("{}: a different file already exists (use --force to overwrite)", path.display())]
    WouldOverwrite {
        /// The existing file.
        path: PathBuf,
    },
    /// An ADMX/ADML template is malformed: file, line:column, message (backup
    /// XML files report [`crate::backup::Error::Xml`] instead).
    #[error("{}:{source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong and where.
        #[source]
        source: crate::xml::reader::ParseError,
    },
    /// A registry.pol file could not be decoded.
    #[error(transparent)]
    Pol(#[from] crate::pol::DecodeError),
    /// A value given by the caller is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A GPO backup could not be read or written.
    #[error(transparent)]
    Backup(#[from] crate::backup::Error),
    /// A central-store run (`gpforge store`) could not be done.
    #[error(transparent)]
    Store(#[from] crate::deploy::StoreError),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
