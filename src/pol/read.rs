//! The decoder: bytes to [`PolFile`]. Mirrors `write.rs` field by field.

use super::error::{DecodeError, DecodeErrorKind, Field};
use super::format::{self, Delimiter, HEADER_LEN, SIGNATURE, VERSION, u16_at, u32_at};
use std::borrow::Cow;

use super::key::Key;
use super::model::{Data, Entry, PolFile, RegType};

/// How strict the reader is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Only well-formed files; `to_vec(from_slice(b)?) == b` holds for every file accepted.
    #[default]
    Strict,
    /// Also accepts any version number (written back as 1) and names that are
    /// not valid UTF-16 (unpaired surrogates become U+FFFD). Such files do not
    /// round-trip byte for byte.
    Permissive,
}

/// Options of [`super::from_slice_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Strict (default) or permissive.
    pub mode: Mode,
}

/// What [`read_prefix`] could read.
pub(crate) struct Prefix {
    pub entries: Vec<Entry>,
    /// Start offset of each entry.
    pub starts: Vec<usize>,
    /// End of the intact part (after the last sound entry, or 0/8 for the header).
    pub sound_len: usize,
    pub error: Option<DecodeError>,
}

pub(crate) fn read_header(b: &[u8], mode: Mode) -> Result<(), DecodeError> {
    if b.len() < 4 || b[..4] != SIGNATURE {
        if b.len() < 4 && SIGNATURE.starts_with(b) && !b.is_empty() {
            let kind = DecodeErrorKind::Truncated {
                field: Field::Header,
                field_start: 0,
                len: b.len() as u64,
            };
            return Err(DecodeError::new(b.len(), None, kind));
        }
        let found = b[..b.len().min(4)].to_vec();
        return Err(DecodeError::new(
            0,
            None,
            DecodeErrorKind::BadSignature { found },
        ));
    }
    if b.len() < HEADER_LEN {
        let kind = DecodeErrorKind::Truncated {
            field: Field::Header,
            field_start: 0,
            len: b.len() as u64,
        };
        return Err(DecodeError::new(b.len(), None, kind));
    }
    let version = u32_at(b, 4);
    if version != VERSION && mode == Mode::Strict {
        return Err(DecodeError::new(
            4,
            None,
            DecodeErrorKind::BadVersion { found: version },
        ));
    }
    Ok(())
}

/// Decodes a whole file.
pub(crate) fn read(b: &[u8], opts: &ParseOptions) -> Result<PolFile, DecodeError> {
    read_header(b, opts.mode)?;
    let mut r = Reader::new(b, opts.mode);
    // Real entries average about 200 bytes; this avoids most regrowth without
    // reserving much for garbage (capped, the vector grows as needed).
    let mut entries = Vec::with_capacity(((b.len() - HEADER_LEN) / 128 + 1).min(1 << 16));
    while r.pos < b.len() {
        entries.push(r.entry()?);
        r.index += 1;
    }
    Ok(PolFile { entries })
}

/// Reads entries until the end or the first damage.
pub(crate) fn read_prefix(b: &[u8]) -> Prefix {
    if let Err(e) = read_header(b, Mode::Strict) {
        return Prefix {
            entries: Vec::new(),
            starts: Vec::new(),
            sound_len: 0,
            error: Some(e),
        };
    }
    let mut r = Reader::new(b, Mode::Strict);
    let mut entries = Vec::new();
    let mut starts = Vec::new();
    while r.pos < b.len() {
        let start = r.pos;
        match r.entry() {
            Ok(e) => {
                entries.push(e);
                starts.push(start);
                r.index += 1;
            }
            Err(err) => {
                return Prefix {
                    entries,
                    starts,
                    sound_len: start,
                    error: Some(err),
                };
            }
        }
    }
    Prefix {
        entries,
        starts,
        sound_len: b.len(),
        error: None,
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    index: usize,
    mode: Mode,
    /// The previous entry's key, as bytes and as text.
    prev_key_units: &'a [u8],
    prev_key: Key,
    /// Reused buffer for ASCII text.
    scratch: Vec<u8>,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8], mode: Mode) -> Reader<'a> {
        Reader {
            b,
            pos: HEADER_LEN,
            index: 0,
            mode,
            prev_key_units: &[],
            prev_key: Key::default(),
            scratch: Vec::new(),
        }
    }

    fn err(&self, offset: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(offset, Some(self.index), kind)
    }

    fn truncated(&self, field: Field, field_start: usize) -> DecodeError {
        let kind = DecodeErrorKind::Truncated {
            field,
            field_start: field_start as u64,
            len: self.b.len() as u64,
        };
        self.err(self.b.len(), kind)
    }

    fn entry(&mut self) -> Result<Entry, DecodeError> {
        self.expect(Delimiter::Open)?;
        let key = self.key()?;
        self.expect(Delimiter::Separator)?;
        let value_name = self.value_name()?;
        // `;type;size;` is 14 bytes: one check on the usual path.
        let at = self.pos;
        let size_at = at + 8;
        let (ty, size) = match self.b.get(at..at + 14) {
            Some(f) if f[..2] == [b';', 0] && f[6..8] == [b';', 0] && f[12..] == [b';', 0] => {
                self.pos = at + 14;
                (u32_at(f, 2), u32_at(f, 8))
            }
            _ => {
                self.expect(Delimiter::Separator)?;
                let ty = self.dword(Field::Type)?;
                self.expect(Delimiter::Separator)?;
                let size = self.dword(Field::Size)?;
                self.expect(Delimiter::Separator)?;
                (ty, size)
            }
        };
        let reg_type = RegType::from_u32(ty);
        let available = self.b.len() - self.pos;
        if size as usize > available {
            let kind = DecodeErrorKind::SizePastEnd {
                size,
                available: available as u64,
            };
            return Err(self.err(size_at, kind));
        }
        let data = &self.b[self.pos..self.pos + size as usize];
        self.pos += size as usize;
        self.expect(Delimiter::Close)?;
        Ok(Entry {
            key,
            value_name,
            reg_type,
            data: decode_data(reg_type, data),
        })
    }

    #[inline(always)]
    fn expect(&mut self, d: Delimiter) -> Result<(), DecodeError> {
        let at = self.pos;
        if let Some(&[lo, 0]) = self.b.get(at..at + 2) {
            if u16::from(lo) == d.unit() {
                self.pos = at + 2;
                return Ok(());
            }
        }
        Err(self.expect_failed(d))
    }

    #[cold]
    #[inline(never)]
    fn expect_failed(&self, d: Delimiter) -> DecodeError {
        let at = self.pos;
        if at + 2 > self.b.len() {
            return self.truncated(Field::Delimiter(d), at);
        }
        let found = u16_at(self.b, at);
        let hint = misalignment_hint(self.b, at, d);
        self.err(
            at,
            DecodeErrorKind::Expected {
                delimiter: d,
                found,
                hint,
            },
        )
    }

    #[inline]
    fn dword(&mut self, field: Field) -> Result<u32, DecodeError> {
        if self.pos + 4 > self.b.len() {
            return Err(self.truncated(field, self.pos));
        }
        let v = u32_at(self.b, self.pos);
        self.pos += 4;
        Ok(v)
    }

    /// The key: a NUL-terminated UTF-16LE string, shared with the previous
    /// entry's key when the bytes are the same (consecutive entries usually
    /// have the same key).
    fn key(&mut self) -> Result<Key, DecodeError> {
        let start = self.pos;
        let rest = &self.b[start..];
        let n = self.prev_key_units.len();
        if n > 0
            && rest.len() >= n + 2
            && rest[..n] == *self.prev_key_units
            && rest[n..n + 2] == [0, 0]
        {
            self.pos = start + n + 2;
            return Ok(self.prev_key.clone());
        }
        let units = self.units(Field::Key)?;
        let key = match decode_units(units.0, units.1, &mut self.scratch) {
            Some(text) => Key::from(&*text),
            None => Key::from(self.bad_string(Field::Key, start, units.0)?),
        };
        self.prev_key_units = units.0;
        self.prev_key = key.clone();
        Ok(key)
    }

    /// The value name: a NUL-terminated UTF-16LE string.
    fn value_name(&mut self) -> Result<String, DecodeError> {
        let start = self.pos;
        let units = self.units(Field::ValueName)?;
        match decode_units(units.0, units.1, &mut self.scratch) {
            Some(text) => Ok(text.into_owned()),
            None => self.bad_string(Field::ValueName, start, units.0),
        }
    }

    /// The code units of a NUL-terminated string at the position (without the
    /// NUL), and whether they are all ASCII; moves past the NUL.
    #[inline]
    fn units(&mut self, field: Field) -> Result<(&'a [u8], bool), DecodeError> {
        let start = self.pos;
        let b: &'a [u8] = self.b;
        let Some((n, ascii)) = scan_utf16z(&b[start..]) else {
            return Err(self.truncated(field, start));
        };
        self.pos = start + n + 2;
        Ok((&b[start..start + n], ascii))
    }

    /// A string with an unpaired surrogate: lossy in permissive mode, else an error.
    #[cold]
    fn bad_string(&self, field: Field, start: usize, units: &[u8]) -> Result<String, DecodeError> {
        if self.mode == Mode::Permissive {
            return Ok(String::from_utf16_lossy(&to_u16(units)));
        }
        let bad = first_bad_unit(units).unwrap_or(0);
        let kind = DecodeErrorKind::InvalidUtf16 {
            field,
            field_start: start as u64,
        };
        Err(self.err(start + bad, kind))
    }
}

/// UTF-16LE code units as text: ASCII through `scratch` (no allocation),
/// anything else decoded; `None` for an unpaired surrogate.
#[inline]
fn decode_units<'s>(units: &[u8], ascii: bool, scratch: &'s mut Vec<u8>) -> Option<Cow<'s, str>> {
    if ascii {
        scratch.clear();
        scratch.extend(units.chunks_exact(2).map(|p| p[0]));
        // Always valid: every byte is below 0x80.
        std::str::from_utf8(scratch).ok().map(Cow::Borrowed)
    } else {
        decode_utf16(units).map(Cow::Owned)
    }
}

/// Finds the NUL code unit ending a UTF-16LE string at the start of `b`:
/// its byte offset, and whether every code unit before it is ASCII.
/// Looks at 4 code units at a time.
#[inline]
fn scan_utf16z(b: &[u8]) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0001_0001_0001_0001;
    const HIGHS: u64 = 0x8000_8000_8000_8000;
    const NON_ASCII: u64 = 0xff80_ff80_ff80_ff80;
    let mut seen: u64 = 0;
    let mut at = 0;
    let mut chunks = b.chunks_exact(8);
    for c in chunks.by_ref() {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        // The lowest lane flagged here is the first zero code unit.
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            let lane = (zero.trailing_zeros() / 16) as usize;
            let before = if lane == 0 {
                0
            } else {
                x & ((1u64 << (lane * 16)) - 1)
            };
            return Some((at + lane * 2, (seen | before) & NON_ASCII == 0));
        }
        seen |= x;
        at += 8;
    }
    let mut ascii = seen & NON_ASCII == 0;
    for p in chunks.remainder().chunks_exact(2) {
        let u = u16::from_le_bytes([p[0], p[1]]);
        if u == 0 {
            return Some((at, ascii));
        }
        ascii &= u < 0x80;
        at += 2;
    }
    None
}

/// ASCII-only UTF-16LE to `String`: every code unit is one byte.
#[inline]
fn ascii_units_to_string(units: &[u8]) -> String {
    let bytes: Vec<u8> = units.chunks_exact(2).map(|p| p[0]).collect();
    // Always valid: every byte is below 0x80.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn to_u16(units: &[u8]) -> Vec<u16> {
    units
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect()
}

/// UTF-16LE bytes (even length) to a `String`, `None` on an unpaired surrogate.
pub(crate) fn decode_utf16(units: &[u8]) -> Option<String> {
    let it = units
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]));
    char::decode_utf16(it).collect::<Result<String, _>>().ok()
}

fn first_bad_unit(units: &[u8]) -> Option<usize> {
    let it = units
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]));
    let mut at = 0;
    for c in char::decode_utf16(it) {
        match c {
            Ok(ch) => at += ch.len_utf16() * 2,
            Err(_) => return Some(at),
        }
    }
    None
}

/// The typed view of `data`, or the bytes when they do not have the exact
/// form of the type (so writing the typed view back always gives `data`).
pub(crate) fn decode_data(t: RegType, data: &[u8]) -> Data {
    if data.is_empty() {
        return Data::None;
    }
    let typed = match t {
        RegType::Sz | RegType::ExpandSz | RegType::Link => decode_sz(data).map(Data::String),
        RegType::Dword if data.len() == 4 => Some(Data::Dword(u32_at(data, 0))),
        RegType::DwordBigEndian if data.len() == 4 => Some(Data::Dword(u32::from_be_bytes([
            data[0], data[1], data[2], data[3],
        ]))),
        RegType::Qword if data.len() == 8 => {
            let mut q = [0u8; 8];
            q.copy_from_slice(data);
            Some(Data::Qword(u64::from_le_bytes(q)))
        }
        RegType::MultiSz => decode_multi_sz(data).map(Data::MultiString),
        _ => None,
    };
    typed.unwrap_or_else(|| Data::Bytes(data.to_vec()))
}

/// One string with exactly one terminating NUL and no other.
fn decode_sz(data: &[u8]) -> Option<String> {
    if data.len() % 2 != 0 || data.len() < 2 || data[data.len() - 2..] != [0, 0] {
        return None;
    }
    let body = &data[..data.len() - 2];
    let (n, ascii) = scan_utf16z(data)?;
    if n != body.len() {
        return None;
    }
    if ascii {
        Some(ascii_units_to_string(body))
    } else {
        decode_utf16(body)
    }
}

/// Strings each ending in NUL, then a final NUL; see [`Data::MultiString`].
fn decode_multi_sz(data: &[u8]) -> Option<Vec<String>> {
    if data.len() % 2 != 0 || data.len() < 2 || data[data.len() - 2..] != [0, 0] {
        return None;
    }
    let body = &data[..data.len() - 2];
    if body.is_empty() {
        return Some(Vec::new());
    }
    if body[body.len() - 2..] != [0, 0] {
        return None;
    }
    let body = &body[..body.len() - 2];
    let mut items = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i <= body.len() {
        if i == body.len() || body[i..i + 2] == [0, 0] {
            items.push(decode_utf16(&body[start..i])?);
            start = i + 2;
        }
        i += 2;
    }
    Some(items)
}

/// Looks around `at` for the expected delimiter, to explain a misplaced one.
fn misalignment_hint(b: &[u8], at: usize, d: Delimiter) -> Option<String> {
    let unit = d.unit();
    let is_at = |p: usize| p + 1 < b.len() && u16_at(b, p) == unit;
    if is_at(at + 1) {
        return Some("the entry is misaligned by one byte (a stray byte before it)".into());
    }
    if at + 1 < b.len() && u16::from(b[at]) == unit && b[at + 1] != 0 {
        return Some(format!(
            "the '{}' lacks its second byte: one byte is missing here and everything after it is shifted",
            d.as_char()
        ));
    }
    if at >= 1 && is_at(at - 1) {
        return Some("the entry is misaligned by one byte (a byte is missing before it)".into());
    }
    if d == Delimiter::Close {
        for delta in 1..=64usize {
            if is_at(at + delta) {
                return Some(format!(
                    "']' follows {delta} bytes later: the size field is probably {delta} too small"
                ));
            }
            if delta <= at && at - delta >= format::HEADER_LEN && is_at(at - delta) {
                return Some(format!(
                    "']' came {delta} bytes earlier: the size field is probably {delta} too large"
                ));
            }
        }
    }
    if d == Delimiter::Open && at + 1 < b.len() && b[at..].iter().all(|&x| x == 0) {
        return Some("only NUL bytes follow (padding after the last entry?)".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn typed_data_only_when_exact() {
        assert_eq!(
            decode_data(RegType::Sz, &bytes("ab\0")),
            Data::String("ab".into())
        );
        assert!(matches!(
            decode_data(RegType::Sz, &bytes("ab")),
            Data::Bytes(_)
        ));
        assert!(matches!(
            decode_data(RegType::Sz, &bytes("a\0b\0")),
            Data::Bytes(_)
        ));
        assert!(matches!(
            decode_data(RegType::Sz, &[0x61, 0, 0]),
            Data::Bytes(_)
        ));
        assert_eq!(decode_data(RegType::Dword, &[1, 0, 0, 0]), Data::Dword(1));
        assert_eq!(
            decode_data(RegType::DwordBigEndian, &[0, 0, 0, 1]),
            Data::Dword(1)
        );
        assert!(matches!(
            decode_data(RegType::Dword, &[1, 0, 0]),
            Data::Bytes(_)
        ));
        assert_eq!(
            decode_data(RegType::Qword, &[2, 0, 0, 0, 0, 0, 0, 0]),
            Data::Qword(2)
        );
        assert_eq!(decode_data(RegType::None, &[]), Data::None);
    }

    #[test]
    fn scan_finds_the_first_nul_and_ascii() {
        for text in [
            "",
            "a",
            "abc",
            "abcd",
            "abcde",
            "abcdefgh",
            "abcdefghi",
            "é",
            "abcé",
            "abcdefgé",
            "日本語テキスト",
        ] {
            let mut b = bytes(text);
            let n = b.len();
            b.extend([0, 0, 0x41, 0]);
            assert_eq!(scan_utf16z(&b), Some((n, text.is_ascii())), "{text}");
            assert_eq!(scan_utf16z(&b[..n]), None, "{text}");
        }
        // A code unit whose low byte is 0 is not a terminator.
        assert_eq!(
            scan_utf16z(&[0, 1, 0, 1, 0, 1, 0, 1, 0, 0]),
            Some((8, false))
        );
    }

    #[test]
    fn multi_sz_forms() {
        let m = |s: &str| decode_multi_sz(&bytes(s));
        assert_eq!(m("a\0b\0\0"), Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(m("\0"), Some(vec![]));
        assert_eq!(m("\0\0"), Some(vec![String::new()]));
        assert_eq!(
            m("a\0\0\0b\0\0"),
            Some(vec!["a".into(), "".into(), "".into(), "b".into()])
        );
        assert_eq!(m("a\0"), None);
        assert_eq!(m("a"), None);
    }
}
