//! registry.pol (`PReg`) codec: read, write, edit, convert and diagnose the
//! files Group Policy stores registry settings in (`Machine\registry.pol`,
//! `User\registry.pol`).
//!
//! ```
//! use gpforge::pol::{self, Entry, PolFile};
//!
//! let mut file = PolFile::new();
//! file.set(Entry::dword(r"software\policies\microsoft\office\16.0\common", "linkedin", 0));
//! let bytes = pol::to_vec(&file);
//! assert_eq!(bytes.len(), 144);
//! assert_eq!(pol::from_slice(&bytes).unwrap(), file);
//! ```
//!
//! Contracts:
//! - `to_vec(&from_slice(b)?) == b` for every file [`from_slice`] accepts
//!   (strict mode): data that does not have the exact form of its type is kept
//!   as bytes, so nothing is normalised away.
//! - `from_slice(&to_vec(&m)) == Ok(m)` for every model that passes
//!   [`PolFile::validate`].
//! - [`diagnose`] never fails: it reads as far as the file is intact and says
//!   where the damage starts.
//!
//! Conversions for people and other tools live in [`json`] (JSON / JSON Lines,
//! the same objects as Samba's decoding) and [`text`] (LGPO.exe's text format).
//!
//! Limitations: strict mode refuses keys and value names that are not valid
//! UTF-16 (unpaired surrogates); [`Mode::Permissive`] reads them lossily.

mod diagnose;
mod error;
pub mod format;
pub mod json;
mod key;
mod model;
mod read;
mod rules;
pub mod text;
mod write;

pub use diagnose::Diagnosis;
pub use error::{DecodeError, DecodeErrorKind, Field};
pub use key::Key;
pub use model::{
    Change, DEL_PREFIX, DELETE_KEYS, DELETE_VALUES, DELVALS, Data, Directive, Entry, MARKER_DATA,
    PolFile, RegType, SECURE_KEY, SOFT_PREFIX, cmp_ci, compare_keys, diff, eq_ci,
};
pub use read::{Mode, ParseOptions};
pub use rules::RULES;
pub use write::data_bytes;

/// Decodes a registry.pol file (strict mode).
pub fn from_slice(bytes: &[u8]) -> Result<PolFile, DecodeError> {
    read::read(bytes, &ParseOptions::default())
}

/// Decodes a registry.pol file with options.
pub fn from_slice_with(bytes: &[u8], options: &ParseOptions) -> Result<PolFile, DecodeError> {
    read::read(bytes, options)
}

/// Encodes a file: the header, then every entry in order.
pub fn to_vec(file: &PolFile) -> Vec<u8> {
    write::write(file)
}

/// Encodes a file into a writer.
pub fn to_writer<W: std::io::Write>(mut writer: W, file: &PolFile) -> std::io::Result<()> {
    writer.write_all(&to_vec(file))
}

/// Reads as much of a file as is intact and reports damage and findings;
/// see [`Diagnosis`].
pub fn diagnose(bytes: &[u8]) -> Diagnosis {
    diagnose::diagnose(bytes)
}

/// Why an entry's data does not have the form of its type (`None` when it does):
/// "size 3 does not fit REG_DWORD (expected 4)".
pub fn data_misfit(entry: &Entry) -> Option<String> {
    diagnose::misfit(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference bytes of docs/formats.md §1.6 ("Disabled").
    #[test]
    fn linkedin_disabled_is_144_bytes_as_documented() {
        let f = PolFile::from_entries(vec![Entry::dword(
            r"software\policies\microsoft\office\16.0\common",
            "linkedin",
            0,
        )]);
        let b = to_vec(&f);
        assert_eq!(b.len(), 144);
        assert_eq!(&b[..10], b"PReg\x01\x00\x00\x00[\x00");
        assert_eq!(
            &b[0x7c..],
            &[
                0x3b, 0, 4, 0, 0, 0, 0x3b, 0, 4, 0, 0, 0, 0x3b, 0, 0, 0, 0, 0, 0x5d, 0
            ]
        );
        assert_eq!(from_slice(&b).unwrap(), f);
    }

    #[test]
    fn every_rule_is_emittable_code() {
        for r in RULES {
            assert!(r.code.starts_with("POL"));
            assert_eq!(r.group, "pol");
        }
    }
}
