//! `diagnose`: how much of a file is intact, where damage starts, what can be
//! salvaged, and findings about entries Windows reads but probably should not.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Span;

use super::error::DecodeError;
use super::format::{HEADER_LEN, MAX_DOCUMENTED_SIZE};
use super::model::{Data, Directive, Entry, PolFile, RegType, eq_ci};
use super::read;

/// The result of [`super::diagnose`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// Length of the file.
    pub len: usize,
    /// The sound entries: every entry of an intact file, or those before the damage.
    pub entries: Vec<Entry>,
    /// Byte offset where each sound entry starts.
    pub entry_offsets: Vec<usize>,
    /// Bytes `0..sound_len` are intact (header and sound entries).
    pub sound_len: usize,
    /// The first damage, if any; nothing after it can be trusted.
    pub error: Option<DecodeError>,
    /// Findings about sound entries (warnings and notes, never damage).
    pub findings: Vec<Diagnostic>,
}

impl Diagnosis {
    /// `true` when the file cannot be read completely (Windows skips the whole file).
    pub fn is_damaged(&self) -> bool {
        self.error.is_some()
    }

    /// How many entries before the damage are sound.
    pub fn sound_entries(&self) -> usize {
        self.entries.len()
    }

    /// Where damage starts: the start of the first entry that cannot be read
    /// (or 0 for a bad header).
    pub fn damage_offset(&self) -> Option<usize> {
        self.error.as_ref().map(|_| self.sound_len)
    }

    /// The sound entries as a file.
    pub fn salvage(&self) -> PolFile {
        PolFile {
            entries: self.entries.clone(),
        }
    }

    /// The salvaged file's bytes: exactly the intact prefix of the original
    /// (a bare header when the header itself was damaged).
    pub fn salvaged_bytes(&self) -> Vec<u8> {
        super::to_vec(&self.salvage())
    }

    /// One line: intact, or where the damage is and what survives.
    pub fn summary(&self) -> String {
        match &self.error {
            None if self.entries.len() == 1 => format!("ok: 1 entry, {} bytes", self.len),
            None => format!("ok: {} entries, {} bytes", self.entries.len(), self.len),
            Some(_) if self.sound_len < HEADER_LEN => {
                "damaged header: nothing can be read".to_string()
            }
            Some(_) => format!(
                "damaged from byte {} on: {} before it ({} of {} bytes intact)",
                self.sound_len,
                sound(self.entries.len()),
                self.sound_len,
                self.len
            ),
        }
    }

    /// The damage (as an error) followed by the findings, as diagnostics
    /// without a file (callers set it with [`Diagnostic::with_file`]).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(e) = &self.error {
            let at = e.offset() as usize;
            let mut d = Diagnostic::new(e.code(), Severity::Error, e.to_string())
                .with_span(Span::new(at, (at + 2).min(self.len.max(at))));
            if self.sound_len >= HEADER_LEN && !self.entries.is_empty() {
                d = d.with_help(format!(
                    "Windows skips the whole file; {} before byte {}; `gpforge pol salvage` keeps {}",
                    sound(self.entries.len()),
                    self.sound_len,
                    if self.entries.len() == 1 { "it" } else { "them" }
                ));
            } else {
                d = d.with_help("Windows skips the whole file and no entry before the damage is sound: rebuild it (`gpforge pol build`)");
            }
            out.push(d);
        }
        out.extend(self.findings.iter().cloned());
        out
    }
}

fn sound(n: usize) -> String {
    match n {
        0 => "0 sound entries".to_string(),
        1 => "1 sound entry".to_string(),
        n => format!("{n} sound entries"),
    }
}

pub(crate) fn diagnose(b: &[u8]) -> Diagnosis {
    let p = read::read_prefix(b);
    let findings = findings(&p.entries, &p.starts, p.sound_len);
    Diagnosis {
        len: b.len(),
        entries: p.entries,
        entry_offsets: p.starts,
        sound_len: p.sound_len,
        error: p.error,
        findings,
    }
}

fn finding(code: &str, severity: Severity, i: usize, span: Span, msg: String) -> Diagnostic {
    Diagnostic::new(
        code,
        severity,
        format!("entry {} at byte {}: {msg}", i + 1, span.start),
    )
    .with_span(span)
}

fn findings(entries: &[Entry], starts: &[usize], end: usize) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Entries by a case-folded hash of key and value name (no allocation per entry).
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let span = Span::new(starts[i], starts.get(i + 1).copied().unwrap_or(end));
        if let Some(msg) = misfit(e) {
            out.push(finding("POL007", Severity::Warning, i, span, msg));
        }
        if let Some(Directive::Unknown(code)) = e.directive() {
            let msg = format!("unknown control code '**{code}': Windows skips this entry");
            out.push(finding("POL008", Severity::Warning, i, span, msg));
        }
        if let RegType::Unknown(n) = e.reg_type {
            let msg = format!("unknown value type {n} (known types are 0 to 11)");
            out.push(finding("POL009", Severity::Warning, i, span, msg));
        }
        if let Some(root) = hive_prefix(&e.key) {
            let msg = format!(
                "key starts with the hive '{root}': the hive comes from the Machine or User folder"
            );
            out.push(finding("POL010", Severity::Warning, i, span, msg));
        }
        if e.key.is_empty() {
            out.push(finding(
                "POL013",
                Severity::Warning,
                i,
                span,
                "empty key".into(),
            ));
        }
        let size = super::write::data_len(&e.data);
        if size > MAX_DOCUMENTED_SIZE as usize {
            let msg =
                format!("data of {size} bytes is larger than the documented maximum of 65535");
            out.push(finding("POL012", Severity::Warning, i, span, msg));
        }
        let key_only = e.value_name.is_empty() && e.data == Data::None;
        if !key_only {
            let slot = seen.entry(fold_hash(&e.key, &e.value_name)).or_default();
            let first = slot.iter().copied().find(|&j| {
                eq_ci(&entries[j].key, &e.key) && eq_ci(&entries[j].value_name, &e.value_name)
            });
            slot.push(i);
            if let Some(first) = first {
                let msg = format!(
                    "'{}' in key '{}' appears again (first as entry {}): the later entry wins",
                    e.value_name,
                    e.key,
                    first + 1
                );
                out.push(finding("POL011", Severity::Warning, i, span, msg));
            }
        }
    }
    out
}

/// FNV-1a over the upper-cased characters of `key`, a separator and `name`.
fn fold_hash(key: &str, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |c: u32| {
        h ^= u64::from(c);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for s in [key, name] {
        if s.is_ascii() {
            s.bytes()
                .for_each(|b| eat(u32::from(b.to_ascii_uppercase())));
        } else {
            s.chars()
                .flat_map(char::to_uppercase)
                .for_each(|c| eat(c as u32));
        }
        eat(u32::MAX);
    }
    h
}

fn hive_prefix(key: &str) -> Option<&str> {
    let first = key.split('\\').next()?;
    const HIVES: [&str; 8] = [
        "HKLM",
        "HKCU",
        "HKU",
        "HKCR",
        "HKEY_LOCAL_MACHINE",
        "HKEY_CURRENT_USER",
        "HKEY_USERS",
        "HKEY_CLASSES_ROOT",
    ];
    let f = first.trim_end_matches(':');
    HIVES
        .iter()
        .any(|h| h.eq_ignore_ascii_case(f))
        .then_some(first)
}

/// Why the data of `e` does not have the form of its type, if it does not.
pub(crate) fn misfit(e: &Entry) -> Option<String> {
    if e.data_fits_type() {
        return None;
    }
    let Data::Bytes(b) = &e.data else {
        return Some(format!("{} data stored as {}", e.data.kind(), e.reg_type));
    };
    let t = e.reg_type;
    let n = b.len();
    Some(match t {
        RegType::Dword | RegType::DwordBigEndian => {
            format!("size {n} does not fit {t} (expected 4)")
        }
        RegType::Qword => format!("size {n} does not fit {t} (expected 8)"),
        _ if n % 2 != 0 => format!("{t} data has an odd length ({n} bytes)"),
        _ if b[n - 2..] != [0, 0] => format!("{t} data does not end with a NUL"),
        RegType::MultiSz if n < 4 || b[n - 4..n - 2] != [0, 0] => {
            format!("{t} data does not end with two NULs")
        }
        RegType::MultiSz => format!("{t} data is not valid UTF-16"),
        _ if b[..n - 2].chunks_exact(2).any(|p| p == [0, 0]) => {
            format!("{t} data has a NUL before its end (a list stored as a string?)")
        }
        _ => format!("{t} data is not valid UTF-16"),
    })
}
