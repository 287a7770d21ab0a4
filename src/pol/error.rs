//! Typed, positioned decoding errors.

use std::fmt;

use super::format::Delimiter;

/// A part of the file, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The 8-byte header.
    Header,
    /// A delimiter of an entry.
    Delimiter(Delimiter),
    /// The key string.
    Key,
    /// The value name string.
    ValueName,
    /// The type DWORD.
    Type,
    /// The size DWORD.
    Size,
    /// The data bytes.
    Data,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Header => f.write_str("header"),
            Field::Delimiter(d) => write!(f, "'{}'", d.as_char()),
            Field::Key => f.write_str("key"),
            Field::ValueName => f.write_str("value name"),
            Field::Type => f.write_str("type"),
            Field::Size => f.write_str("size"),
            Field::Data => f.write_str("data"),
        }
    }
}

/// What went wrong while decoding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The file does not start with `PReg`.
    BadSignature {
        /// The first (up to 4) bytes.
        found: Vec<u8>,
    },
    /// The version is not 1.
    BadVersion {
        /// The version found.
        found: u32,
    },
    /// The file ends inside the header or an entry.
    Truncated {
        /// The field being read.
        field: Field,
        /// Where that field starts.
        field_start: u64,
        /// The file length.
        len: u64,
    },
    /// A `[`, `;` or `]` is not where the layout puts it.
    Expected {
        /// The delimiter expected.
        delimiter: Delimiter,
        /// The UTF-16 code unit found instead (little-endian).
        found: u16,
        /// A likely cause, when one can be seen in the bytes around.
        hint: Option<String>,
    },
    /// The size field asks for more bytes than the file has left.
    SizePastEnd {
        /// The size field.
        size: u32,
        /// The bytes left after the size's `;`.
        available: u64,
    },
    /// The key or value name is not valid UTF-16 (an unpaired surrogate).
    InvalidUtf16 {
        /// The key or the value name.
        field: Field,
        /// Where the string starts.
        field_start: u64,
    },
}

/// A registry.pol file could not be decoded: what, where (byte offset in the
/// file) and in which entry.
///
/// Shown as `entry 3: expected ';' at byte 1234, found 0x5b00: ...`; entry
/// numbers in messages count from 1, [`DecodeError::entry`] from 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DecodeError {
    offset: u64,
    entry: Option<usize>,
    kind: DecodeErrorKind,
}

impl DecodeError {
    pub(crate) fn new(offset: usize, entry: Option<usize>, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            offset: offset as u64,
            entry,
            kind,
        }
    }

    /// Byte offset of the problem in the file.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Index (0-based) of the entry being read, `None` for the header.
    pub fn entry(&self) -> Option<usize> {
        self.entry
    }

    /// What went wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The POL code of this error (see [`super::RULES`]).
    pub fn code(&self) -> &'static str {
        match self.kind {
            DecodeErrorKind::BadSignature { .. } => "POL001",
            DecodeErrorKind::BadVersion { .. } => "POL002",
            DecodeErrorKind::Truncated { .. } => "POL003",
            DecodeErrorKind::Expected { .. } => "POL004",
            DecodeErrorKind::SizePastEnd { .. } => "POL005",
            DecodeErrorKind::InvalidUtf16 { .. } => "POL006",
        }
    }

    /// The message without the entry prefix.
    pub fn message(&self) -> String {
        let at = self.offset;
        match &self.kind {
            DecodeErrorKind::BadSignature { found } => {
                let hex: Vec<String> = found.iter().map(|b| format!("{b:02x}")).collect();
                let mut m = format!(
                    "expected signature 'PReg' at byte 0, found {}",
                    describe_bytes(found, &hex)
                );
                if let Some(h) = signature_hint(found) {
                    m.push_str(": ");
                    m.push_str(h);
                }
                m
            }
            DecodeErrorKind::BadVersion { found } => {
                format!("expected version 1 at byte {at}, found {found}")
            }
            DecodeErrorKind::Truncated {
                field,
                field_start,
                len,
            } => {
                if *field == Field::Header {
                    format!("expected an 8-byte header, found end of file at byte {len}")
                } else {
                    format!(
                        "expected the {field} at byte {field_start}, found end of file at byte {len}"
                    )
                }
            }
            DecodeErrorKind::Expected {
                delimiter,
                found,
                hint,
            } => {
                let mut m = format!(
                    "expected '{}' at byte {at}, found {}",
                    delimiter.as_char(),
                    describe_unit(*found)
                );
                if let Some(h) = hint {
                    m.push_str(": ");
                    m.push_str(h);
                }
                m
            }
            DecodeErrorKind::SizePastEnd { size, available } => {
                format!(
                    "size {size} at byte {at} runs past the end of the file: only {available} bytes follow"
                )
            }
            DecodeErrorKind::InvalidUtf16 { field, field_start } => {
                format!(
                    "the {field} starting at byte {field_start} is not valid UTF-16 (unpaired surrogate at byte {at})"
                )
            }
        }
    }
}

fn describe_bytes(found: &[u8], hex: &[String]) -> String {
    if found.is_empty() {
        return "an empty file".into();
    }
    let printable: String = found
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("{} (\"{printable}\")", hex.join(" "))
}

fn signature_hint(found: &[u8]) -> Option<&'static str> {
    if found.starts_with(&[0xff, 0xfe]) || found.starts_with(&[0xef, 0xbb, 0xbf]) {
        Some("this is a text file (a .reg export or LGPO text?), not a registry.pol")
    } else if found.starts_with(b"Wind") || found.starts_with(b"REGE") {
        Some("this is a .reg file, not a registry.pol")
    } else if found.len() == 4 && found.eq_ignore_ascii_case(b"PREG") {
        Some("the signature is case-sensitive")
    } else {
        None
    }
}

fn describe_unit(u: u16) -> String {
    if (0x20..0x7f).contains(&u) {
        format!("0x{u:04x} ('{}')", u as u8 as char)
    } else {
        format!("0x{u:04x}")
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.entry {
            Some(i) => write!(f, "entry {}: {}", i + 1, self.message()),
            None => f.write_str(&self.message()),
        }
    }
}

impl std::error::Error for DecodeError {}
