//! The encoder: [`PolFile`] to bytes. Mirrors `read.rs` field by field.

use super::format::{CLOSE, HEADER, NUL, OPEN, SEP};
use super::model::{Data, Entry, PolFile, RegType};

/// Encodes a whole file.
pub(crate) fn write(file: &PolFile) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded_len(file));
    out.extend_from_slice(&HEADER);
    for e in &file.entries {
        write_entry(e, &mut out);
    }
    out
}

/// An upper bound of the encoded length (exact for ASCII names).
fn encoded_len(file: &PolFile) -> usize {
    let mut n = HEADER.len();
    for e in &file.entries {
        n += super::format::ENTRY_OVERHEAD + 2 * (e.key.len() + e.value_name.len());
        n += match &e.data {
            Data::None => 0,
            Data::String(s) => 2 * s.len() + 2,
            Data::Dword(_) => 4,
            Data::Qword(_) => 8,
            Data::MultiString(v) => v.iter().map(|s| 2 * s.len() + 2).sum::<usize>() + 2,
            Data::Bytes(b) => b.len(),
        };
    }
    n
}

#[inline]
fn unit(out: &mut Vec<u8>, u: u16) {
    out.extend_from_slice(&u.to_le_bytes());
}

/// UTF-16LE without a terminator.
#[inline]
fn utf16(out: &mut Vec<u8>, s: &str) {
    if s.is_ascii() {
        out.reserve(s.len() * 2);
        for b in s.bytes() {
            out.push(b);
            out.push(0);
        }
    } else {
        for u in s.encode_utf16() {
            unit(out, u);
        }
    }
}

fn write_entry(e: &Entry, out: &mut Vec<u8>) {
    unit(out, OPEN);
    utf16(out, &e.key);
    unit(out, NUL);
    unit(out, SEP);
    utf16(out, &e.value_name);
    unit(out, NUL);
    unit(out, SEP);
    out.extend_from_slice(&e.reg_type.to_u32().to_le_bytes());
    unit(out, SEP);
    let size_at = out.len();
    out.extend_from_slice(&[0; 4]);
    unit(out, SEP);
    let data_at = out.len();
    write_data(e.reg_type, &e.data, out);
    // Data larger than 4 GiB cannot be described by the format; the model
    // cannot hold it in practice either.
    let size = u32::try_from(out.len() - data_at).unwrap_or(u32::MAX);
    out[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
    unit(out, CLOSE);
}

/// Writes the bytes of `data` (the inverse of `read::decode_data`).
pub(crate) fn write_data(t: RegType, data: &Data, out: &mut Vec<u8>) {
    match data {
        Data::None => {}
        Data::String(s) => {
            utf16(out, s);
            unit(out, NUL);
        }
        Data::Dword(v) if t == RegType::DwordBigEndian => out.extend_from_slice(&v.to_be_bytes()),
        Data::Dword(v) => out.extend_from_slice(&v.to_le_bytes()),
        Data::Qword(v) => out.extend_from_slice(&v.to_le_bytes()),
        Data::MultiString(items) => {
            for s in items {
                utf16(out, s);
                unit(out, NUL);
            }
            unit(out, NUL);
        }
        Data::Bytes(b) => out.extend_from_slice(b),
    }
}

/// The number of bytes `data` takes in the file.
pub(crate) fn data_len(data: &Data) -> usize {
    let units = |s: &str| {
        if s.is_ascii() {
            s.len()
        } else {
            s.encode_utf16().count()
        }
    };
    match data {
        Data::None => 0,
        Data::String(s) => 2 * units(s) + 2,
        Data::Dword(_) => 4,
        Data::Qword(_) => 8,
        Data::MultiString(v) => v.iter().map(|s| 2 * units(s) + 2).sum::<usize>() + 2,
        Data::Bytes(b) => b.len(),
    }
}

/// The bytes of `data` as stored for type `t`.
pub fn data_bytes(t: RegType, data: &Data) -> Vec<u8> {
    let mut v = Vec::new();
    write_data(t, data, &mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_len_matches_the_bytes() {
        let cases = [
            (RegType::Sz, Data::String("é😀x".into())),
            (
                RegType::MultiSz,
                Data::MultiString(vec!["a".into(), "日本".into()]),
            ),
            (RegType::MultiSz, Data::MultiString(vec![])),
            (RegType::Qword, Data::Qword(1)),
            (RegType::Binary, Data::Bytes(vec![1, 2, 3])),
            (RegType::None, Data::None),
        ];
        for (t, d) in cases {
            assert_eq!(data_len(&d), data_bytes(t, &d).len(), "{d:?}");
        }
    }
}
