//! The fixed parts of the registry.pol (`PReg`) layout, shared by the reader
//! and the writer so that the two cannot drift apart.
//!
//! ```text
//! header:  50 52 65 67  ("PReg", the DWORD 0x67655250 little-endian)
//!          01 00 00 00  (version 1)
//! entry:   [ key\0 ; value\0 ; type ; size ; data ]
//! ```
//!
//! Every delimiter and every string is UTF-16LE; `type` and `size` are
//! little-endian DWORDs; `data` is `size` raw bytes. There is no entry count,
//! padding or trailer. Sources: MS-GPREG 2.2.1 and real gpedit-written files
//! (see `docs/formats.md` §4).

/// The four signature bytes, `PReg`.
pub const SIGNATURE: [u8; 4] = *b"PReg";
/// The signature as the little-endian DWORD the documentation names `REGFILE_SIGNATURE`.
pub const SIGNATURE_DWORD: u32 = 0x6765_5250;
/// The only version Windows writes (`REGISTRY_FILE_VERSION`).
pub const VERSION: u32 = 1;
/// Length of the header (signature + version).
pub const HEADER_LEN: usize = 8;
/// The complete header of every file gpforge writes.
pub const HEADER: [u8; HEADER_LEN] = [b'P', b'R', b'e', b'g', 1, 0, 0, 0];

/// UTF-16 code unit `[` opening an entry.
pub const OPEN: u16 = b'[' as u16;
/// UTF-16 code unit `;` separating the fields of an entry.
pub const SEP: u16 = b';' as u16;
/// UTF-16 code unit `]` closing an entry.
pub const CLOSE: u16 = b']' as u16;
/// UTF-16 NUL ending the key and the value name.
pub const NUL: u16 = 0;

/// Largest data size the MS-GPREG grammar allows (`Data = *65535OCTET`).
/// Larger sizes are read and written, but `check` warns about them.
pub const MAX_DOCUMENTED_SIZE: u32 = 0xFFFF;

/// The fixed bytes of an entry besides its strings and data:
/// `[`, `;` x4, `]` (2 bytes each), the two NULs, type and size.
pub const ENTRY_OVERHEAD: usize = 2 * 6 + 2 * 2 + 4 + 4;

/// A delimiter of the entry grammar, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delimiter {
    /// `[`
    Open,
    /// `;`
    Separator,
    /// `]`
    Close,
}

impl Delimiter {
    /// The UTF-16 code unit of the delimiter.
    pub fn unit(self) -> u16 {
        match self {
            Delimiter::Open => OPEN,
            Delimiter::Separator => SEP,
            Delimiter::Close => CLOSE,
        }
    }

    /// The delimiter as a character.
    pub fn as_char(self) -> char {
        self.unit() as u8 as char
    }
}

/// Reads a little-endian `u16` at `at` (the caller checked the bounds).
#[inline]
pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Reads a little-endian `u32` at `at` (the caller checked the bounds).
#[inline]
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_constants_agree() {
        assert_eq!(u32::from_le_bytes(SIGNATURE), SIGNATURE_DWORD);
        assert_eq!(&HEADER[..4], &SIGNATURE);
        assert_eq!(u32_at(&HEADER, 4), VERSION);
        assert_eq!(HEADER.len(), HEADER_LEN);
    }

    #[test]
    fn delimiters_are_ascii_in_utf16() {
        assert_eq!(Delimiter::Open.as_char(), '[');
        assert_eq!(Delimiter::Separator.as_char(), ';');
        assert_eq!(Delimiter::Close.as_char(), ']');
        assert_eq!(u16_at(&[b']', 0], 0), CLOSE);
    }
}
