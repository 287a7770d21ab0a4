//! GPMC GPO backups: writing them (`gpforge backup create`) and reading them
//! (`gpforge backup inspect`).
//!
//! ```
//! use gpforge::backup::{create, inspect, Side};
//! use gpforge::policy::PolicyState;
//!
//! let root = tempfile::tempdir().unwrap();
//! // The built-in LinkedIn policy, disabled, in a GPO of contoso.com.
//! let store = create::builtin_store();
//! let gpforge::store::Lookup::Found(id) = store.find_policy("office16:L_AllowLinkedInFeatures") else { panic!() };
//! let mut opts = create::CreateOptions {
//!     name: "Office - LinkedIn off".into(),
//!     domain: "contoso.com".into(),
//!     ..Default::default()
//! };
//! for (side, pol, line) in create::policy_setting(&store, id, PolicyState::Disabled, "en-US").unwrap() {
//!     opts.settings.push((side, pol));
//!     opts.report.push((side, line));
//! }
//! let (new, dir) = create::create(root.path(), &opts, false).unwrap();
//! assert!(dir.join("Backup.xml").is_file());
//!
//! // Read it back: one backup, no findings, the same registry.pol entries.
//! let found = inspect::inspect(root.path()).unwrap();
//! assert!(found.findings.is_empty());
//! assert_eq!(found.backups[0].sides[1].settings.as_ref(), new.backup.pol(Side::User));
//! ```
//!
//! - [`layout`]: every path and naming convention of a backup folder.
//! - [`model`]: plain data ([`Backup`], [`BackupScheme`], [`BackupInst`]).
//! - [`read`] / [`write`](mod@write): the XML files, as mirrors; [`read_dir`] / [`write_dir`]
//!   for a whole folder; [`report`]: gpreport.xml; [`security`]: the default ACL.
//! - [`create`]: building a backup from settings and writing it into a root
//!   (manifest.xml kept); [`inspect`]: reading folders and roots with GPO findings
//!   ([`RULES`]); [`map`]: settings back to policies through a [`crate::store::Store`].
//!
//! What is written where GPMC's or Import-GPO's needs are uncertain is listed
//! in `docs/backup.md`.

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
mod xmlfile;

pub use model::{
    Backup, BackupInst, BackupScheme, Extension, FsKind, FsObject, GpoInfo, SecurityGroup, Side,
    SideInfo, SideSettings,
};

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
        /// `line:column` (1-based, columns in characters).
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
    /// A registry.pol of the backup cannot be decoded.
    #[error("{}: {source}", path.display())]
    Pol {
        /// The file.
        path: PathBuf,
        /// The codec's error (offset, entry, kind).
        #[source]
        source: crate::pol::DecodeError,
    },
    /// A value given by the caller is not acceptable.
    #[error("{0}")]
    Invalid(String),
}

/// Reads one backup folder into a [`Backup`]. Strict: Backup.xml and
/// bkupInfo.xml must be readable and every side's registry.pol intact (use
/// [`inspect::inspect`] to look at damaged backups).
pub fn read_dir(dir: &std::path::Path) -> Result<Backup, Error> {
    let load = |name: &str| {
        let p = layout::resolve_location(dir, name);
        std::fs::read(&p)
            .map(|b| (p.clone(), b))
            .map_err(|e| Error::io(&p, e))
    };
    let (p, b) = load(layout::BACKUP_XML)?;
    let scheme = read::read_backup_xml(&p, &b)?;
    let (p, b) = load(layout::BKUPINFO_XML)?;
    let info = read::read_bkupinfo(&p, &b)?;
    let mut settings = Vec::new();
    for side in Side::ALL {
        let p = layout::resolve_location(dir, &layout::registry_pol_location(side));
        if p.is_file() {
            let b = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
            let pol = crate::pol::from_slice(&b).map_err(|source| Error::Pol {
                path: p.clone(),
                source,
            })?;
            settings.push(SideSettings { side, pol });
        }
    }
    Ok(Backup {
        id: info.id,
        gpo: GpoInfo {
            id: scheme.gpo_id,
            name: scheme.display_name,
            domain: scheme.domain,
            domain_guid: info.gpo_domain_guid,
            domain_controller: info.gpo_domain_controller,
        },
        backup_time: info.backup_time,
        comment: info.comment,
        options: scheme.options,
        user: scheme.user,
        machine: scheme.machine,
        security_groups: scheme.security_groups,
        security_descriptor: scheme.security_descriptor,
        extensions: scheme.extensions,
        settings,
    })
}

/// Writes a [`Backup`] into the folder `dir` (Backup.xml, bkupInfo.xml, each
/// side's registry.pol and, when given, gpreport.xml), each file atomically.
/// The root's manifest.xml is not touched (see [`create::write_into`]).
pub fn write_dir(
    backup: &Backup,
    report: Option<&report::Report>,
    dir: &std::path::Path,
) -> Result<(), Error> {
    for (rel, bytes) in folder_files(backup, report) {
        let p = rel
            .split('/')
            .fold(dir.to_path_buf(), |p, part| p.join(part));
        crate::fsutil::write_atomic(&p, &bytes).map_err(|e| Error::Write(Box::new(e)))?;
    }
    Ok(())
}

/// The files [`write_dir`] writes: (path relative to the folder with `/`,
/// bytes), in write order.
fn folder_files(backup: &Backup, report: Option<&report::Report>) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = backup
        .settings
        .iter()
        .map(|s| {
            let rel = layout::registry_pol_location(s.side).replace('\\', "/");
            (rel, crate::pol::to_vec(&s.pol))
        })
        .collect();
    if let Some(r) = report {
        v.push((layout::GPREPORT_XML.to_owned(), report::gpreport_xml(r)));
    }
    v.push((
        layout::BKUPINFO_XML.to_owned(),
        write::bkupinfo_xml(&backup.inst()),
    ));
    v.push((
        layout::BACKUP_XML.to_owned(),
        write::backup_xml(&backup.scheme()),
    ));
    v
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
