//! The registry.pol model: a file is an ordered list of entries; an entry is
//! a key, a value name, a registry type and the data.
//!
//! The typed data view never loses information: the reader only produces a
//! typed [`Data`] variant when writing it back gives the very same bytes;
//! anything else (a string without its NUL, a DWORD of 3 bytes, an odd length)
//! is kept as [`Data::Bytes`] and written back unchanged.

use std::cmp::Ordering;
use std::fmt;

use super::key::Key;

/// A registry value type, as stored in the `type` field of an entry.
///
/// Codes 0 to 11 have names; any other code is kept as [`RegType::Unknown`].
/// [`RegType::from_u32`] never returns `Unknown` for a named code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegType {
    /// 0: no type; with size 0 a "key only" entry that just creates the key.
    #[doc(alias = "REG_NONE")]
    None,
    /// 1: UTF-16 string with its terminating NUL.
    #[doc(alias = "REG_SZ")]
    Sz,
    /// 2: UTF-16 string with `%VARIABLE%` references, with its NUL.
    #[doc(alias = "REG_EXPAND_SZ")]
    ExpandSz,
    /// 3: raw bytes.
    #[doc(alias = "REG_BINARY")]
    Binary,
    /// 4: 32-bit little-endian number.
    #[doc(alias = "REG_DWORD")]
    #[doc(alias = "REG_DWORD_LITTLE_ENDIAN")]
    Dword,
    /// 5: 32-bit big-endian number.
    #[doc(alias = "REG_DWORD_BIG_ENDIAN")]
    DwordBigEndian,
    /// 6: symbolic link (UTF-16 string).
    #[doc(alias = "REG_LINK")]
    Link,
    /// 7: list of UTF-16 strings, each with its NUL, then one more NUL.
    #[doc(alias = "REG_MULTI_SZ")]
    MultiSz,
    /// 8: device resource list (kept as bytes).
    #[doc(alias = "REG_RESOURCE_LIST")]
    ResourceList,
    /// 9: hardware resource descriptor (kept as bytes).
    #[doc(alias = "REG_FULL_RESOURCE_DESCRIPTOR")]
    FullResourceDescriptor,
    /// 10: resource requirements list (kept as bytes).
    #[doc(alias = "REG_RESOURCE_REQUIREMENTS_LIST")]
    ResourceRequirementsList,
    /// 11: 64-bit little-endian number.
    #[doc(alias = "REG_QWORD")]
    #[doc(alias = "REG_QWORD_LITTLE_ENDIAN")]
    Qword,
    /// Any other code (kept as bytes).
    Unknown(u32),
}

const NAMES: [&str; 12] = [
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTOR",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
];

impl RegType {
    /// The type for a numeric code.
    pub fn from_u32(code: u32) -> RegType {
        match code {
            0 => RegType::None,
            1 => RegType::Sz,
            2 => RegType::ExpandSz,
            3 => RegType::Binary,
            4 => RegType::Dword,
            5 => RegType::DwordBigEndian,
            6 => RegType::Link,
            7 => RegType::MultiSz,
            8 => RegType::ResourceList,
            9 => RegType::FullResourceDescriptor,
            10 => RegType::ResourceRequirementsList,
            11 => RegType::Qword,
            n => RegType::Unknown(n),
        }
    }

    /// The numeric code.
    pub fn to_u32(self) -> u32 {
        match self {
            RegType::None => 0,
            RegType::Sz => 1,
            RegType::ExpandSz => 2,
            RegType::Binary => 3,
            RegType::Dword => 4,
            RegType::DwordBigEndian => 5,
            RegType::Link => 6,
            RegType::MultiSz => 7,
            RegType::ResourceList => 8,
            RegType::FullResourceDescriptor => 9,
            RegType::ResourceRequirementsList => 10,
            RegType::Qword => 11,
            RegType::Unknown(n) => n,
        }
    }

    /// The WinNT.h name (`REG_DWORD`), or `None` for an unknown code.
    pub fn name(self) -> Option<&'static str> {
        NAMES.get(self.to_u32() as usize).copied()
    }

    /// Parses a type given by a person: `REG_DWORD`, `dword`, `4`, `0x4`
    /// (case-insensitive, `REG_` optional).
    pub fn parse(s: &str) -> Option<RegType> {
        let t = s.trim();
        if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            return u32::from_str_radix(hex, 16).ok().map(RegType::from_u32);
        }
        if let Ok(n) = t.parse::<u32>() {
            return Some(RegType::from_u32(n));
        }
        let upper = t.to_ascii_uppercase();
        let bare = upper.strip_prefix("REG_").unwrap_or(&upper);
        let alias = match bare {
            "DWORD_LITTLE_ENDIAN" => "DWORD",
            "QWORD_LITTLE_ENDIAN" => "QWORD",
            "DWORD_BE" => "DWORD_BIG_ENDIAN",
            other => other,
        };
        NAMES
            .iter()
            .position(|n| &n[4..] == alias)
            .map(|i| RegType::from_u32(i as u32))
    }

    /// `true` for the string types whose data is one NUL-terminated string.
    pub fn is_string(self) -> bool {
        matches!(self, RegType::Sz | RegType::ExpandSz | RegType::Link)
    }
}

impl fmt::Display for RegType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "type {}", self.to_u32()),
        }
    }
}

/// The data of an entry.
///
/// Which variant the reader produces depends on the type and on whether the
/// bytes have the exact form of that type; see the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Data {
    /// Size 0: no data (key-only entries, empty values).
    None,
    /// `REG_SZ`, `REG_EXPAND_SZ`, `REG_LINK`: the string without its one
    /// terminating NUL (which the writer adds back). Never contains NUL.
    String(String),
    /// `REG_DWORD` (little-endian) or `REG_DWORD_BIG_ENDIAN`, exactly 4 bytes.
    Dword(u32),
    /// `REG_QWORD`, exactly 8 bytes little-endian.
    Qword(u64),
    /// `REG_MULTI_SZ`: the strings, each written with its NUL, then one more NUL.
    /// The empty list is a single NUL (2 bytes); `[""]` is two NULs (4 bytes, how
    /// Samba writes an empty list; Windows reads it as empty too).
    MultiString(Vec<String>),
    /// Raw bytes: `REG_BINARY`, `REG_NONE` with data, resource and unknown
    /// types, and any data that does not have the exact form of its type.
    Bytes(Vec<u8>),
}

/// A `**` control code in a value name ("directive"): instead of setting a
/// value, the entry tells the client to delete or protect something.
///
/// Recognised case-insensitively, as Windows does. See `docs/formats.md` §4.5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Directive<'a> {
    /// `**del.<name>`: delete the value `<name>` (gpedit writes REG_SZ `" \0"`).
    #[doc(alias = "**del.")]
    Delete(&'a str),
    /// `**delvals.` (also `**delvals`): delete every value of the key first.
    #[doc(alias = "**delvals.")]
    DeleteAllValues,
    /// `**DeleteValues`: the data is a `;`-separated list of values to delete.
    #[doc(alias = "**DeleteValues")]
    DeleteValues,
    /// `**DeleteKeys`: the data is a `;`-separated list of subkeys to delete.
    #[doc(alias = "**DeleteKeys")]
    DeleteKeys,
    /// `**SecureKey`: data 1 restricts the key's ACL, 0 resets it.
    #[doc(alias = "**SecureKey")]
    SecureKey,
    /// `**soft.<name>`: set `<name>` only if it does not exist yet.
    #[doc(alias = "**soft.")]
    Soft(&'a str),
    /// Any other name starting with `**`: Windows skips it.
    Unknown(&'a str),
}

impl<'a> Directive<'a> {
    /// Recognises the control code of a value name, if it has one.
    pub fn parse(value_name: &'a str) -> Option<Directive<'a>> {
        let rest = value_name.strip_prefix("**")?;
        let has = |p: &str| {
            rest.get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
        };
        let is = |p: &str| rest.eq_ignore_ascii_case(p);
        Some(if has("del.") {
            Directive::Delete(&rest[4..])
        } else if is("delvals.") || is("delvals") {
            Directive::DeleteAllValues
        } else if is("deletevalues") {
            Directive::DeleteValues
        } else if is("deletekeys") {
            Directive::DeleteKeys
        } else if is("securekey") {
            Directive::SecureKey
        } else if has("soft.") {
            Directive::Soft(&rest[5..])
        } else {
            Directive::Unknown(rest)
        })
    }
}

/// Value name prefix of a delete marker.
pub const DEL_PREFIX: &str = "**del.";
/// Value name of the "delete all values" directive, as gpedit writes it.
pub const DELVALS: &str = "**delvals.";
/// Value name of the "delete these values" directive.
pub const DELETE_VALUES: &str = "**DeleteValues";
/// Value name of the "delete these subkeys" directive.
pub const DELETE_KEYS: &str = "**DeleteKeys";
/// Value name of the "secure the key" directive.
pub const SECURE_KEY: &str = "**SecureKey";
/// Value name prefix of a "set if absent" entry.
pub const SOFT_PREFIX: &str = "**soft.";
/// The data gpedit writes for `**del.` and `**delvals.`: REG_SZ `" "` (bytes `20 00 00 00`).
pub const MARKER_DATA: &str = " ";

/// One `[key;value;type;size;data]` record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// Registry key below the hive, e.g. `Software\Policies\Microsoft\Windows`.
    pub key: Key,
    /// Value name; empty for the key's default value or a key-only entry;
    /// `**...` for a [`Directive`].
    pub value_name: String,
    /// Value type.
    pub reg_type: RegType,
    /// The data.
    pub data: Data,
}

impl Entry {
    /// An entry from its parts.
    pub fn new(
        key: impl Into<Key>,
        value_name: impl Into<String>,
        reg_type: RegType,
        data: Data,
    ) -> Entry {
        Entry {
            key: key.into(),
            value_name: value_name.into(),
            reg_type,
            data,
        }
    }

    /// A REG_DWORD value.
    pub fn dword(key: impl Into<Key>, value_name: impl Into<String>, value: u32) -> Entry {
        Entry::new(key, value_name, RegType::Dword, Data::Dword(value))
    }

    /// A REG_QWORD value.
    pub fn qword(key: impl Into<Key>, value_name: impl Into<String>, value: u64) -> Entry {
        Entry::new(key, value_name, RegType::Qword, Data::Qword(value))
    }

    /// A REG_SZ value (the terminating NUL is added when written).
    pub fn sz(
        key: impl Into<Key>,
        value_name: impl Into<String>,
        value: impl Into<String>,
    ) -> Entry {
        Entry::new(key, value_name, RegType::Sz, Data::String(value.into()))
    }

    /// A REG_EXPAND_SZ value.
    pub fn expand_sz(
        key: impl Into<Key>,
        value_name: impl Into<String>,
        value: impl Into<String>,
    ) -> Entry {
        Entry::new(
            key,
            value_name,
            RegType::ExpandSz,
            Data::String(value.into()),
        )
    }

    /// A REG_MULTI_SZ value.
    pub fn multi_sz<S: Into<String>>(
        key: impl Into<Key>,
        value_name: impl Into<String>,
        items: impl IntoIterator<Item = S>,
    ) -> Entry {
        let items = items.into_iter().map(Into::into).collect();
        Entry::new(key, value_name, RegType::MultiSz, Data::MultiString(items))
    }

    /// A REG_BINARY value.
    pub fn binary(
        key: impl Into<Key>,
        value_name: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Entry {
        let bytes = bytes.into();
        let data = if bytes.is_empty() {
            Data::None
        } else {
            Data::Bytes(bytes)
        };
        Entry::new(key, value_name, RegType::Binary, data)
    }

    /// A key-only entry (empty value name, REG_NONE, size 0): creates the key.
    pub fn key_only(key: impl Into<Key>) -> Entry {
        Entry::new(key, "", RegType::None, Data::None)
    }

    /// The `**del.<value_name>` marker, as gpedit writes it (REG_SZ `" \0"`):
    /// the value is deleted when the policy applies.
    pub fn delete_marker(key: impl Into<Key>, value_name: &str) -> Entry {
        Entry::sz(key, format!("{DEL_PREFIX}{value_name}"), MARKER_DATA)
    }

    /// The `**delvals.` directive, as gpedit writes it: every value of the key
    /// is deleted before the following entries of the key apply.
    pub fn delete_all_values(key: impl Into<Key>) -> Entry {
        Entry::sz(key, DELVALS, MARKER_DATA)
    }

    /// `**DeleteValues` with the given value names (`;`-separated REG_SZ).
    pub fn delete_values<S: AsRef<str>>(key: impl Into<Key>, names: &[S]) -> Entry {
        let list: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
        Entry::sz(key, DELETE_VALUES, list.join(";"))
    }

    /// `**DeleteKeys` with the given subkey names (`;`-separated REG_SZ).
    pub fn delete_keys<S: AsRef<str>>(key: impl Into<Key>, names: &[S]) -> Entry {
        let list: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
        Entry::sz(key, DELETE_KEYS, list.join(";"))
    }

    /// `**SecureKey` as a REG_DWORD: `true` (1) restricts the key, `false` (0) resets it.
    pub fn secure_key(key: impl Into<Key>, secure: bool) -> Entry {
        Entry::dword(key, SECURE_KEY, u32::from(secure))
    }

    /// `**soft.<value_name>`: set the value only if it does not exist yet.
    pub fn soft(key: impl Into<Key>, value_name: &str, reg_type: RegType, data: Data) -> Entry {
        Entry::new(key, format!("{SOFT_PREFIX}{value_name}"), reg_type, data)
    }

    /// The control code of the value name, if any.
    pub fn directive(&self) -> Option<Directive<'_>> {
        Directive::parse(&self.value_name)
    }

    /// `true` for a `**del.` or `**delvals.` entry in exactly gpedit's form
    /// (lower-case prefix, REG_SZ `" "`).
    pub fn is_gpedit_marker(&self) -> bool {
        let canonical_name = self.value_name.starts_with(DEL_PREFIX) || self.value_name == DELVALS;
        canonical_name
            && self.reg_type == RegType::Sz
            && matches!(&self.data, Data::String(s) if s == MARKER_DATA)
    }

    /// The value this entry sets or deletes: the value name itself, the name
    /// after `**del.` or `**soft.`, or `None` for key-wide directives.
    pub fn target_value(&self) -> Option<&str> {
        match self.directive() {
            None => Some(&self.value_name),
            Some(Directive::Delete(n)) | Some(Directive::Soft(n)) => Some(n),
            Some(_) => None,
        }
    }

    /// `true` when the data is in the typed form of its type (or empty). Data
    /// kept as bytes for a typed type (`REG_DWORD` of 3 bytes, a string
    /// without its NUL) gives `false`.
    pub fn data_fits_type(&self) -> bool {
        match (&self.data, self.reg_type) {
            (Data::None, _) => true,
            (Data::String(_), t) => t.is_string(),
            (Data::Dword(_), t) => matches!(t, RegType::Dword | RegType::DwordBigEndian),
            (Data::Qword(_), t) => t == RegType::Qword,
            (Data::MultiString(_), t) => t == RegType::MultiSz,
            (Data::Bytes(_), t) => !matches!(
                t,
                RegType::Sz
                    | RegType::ExpandSz
                    | RegType::Link
                    | RegType::Dword
                    | RegType::DwordBigEndian
                    | RegType::Qword
                    | RegType::MultiSz
            ),
        }
    }

    /// Checks that the entry can be written and read back unchanged: no NUL in
    /// the key, value name or strings; typed data matching the type; a named
    /// type not disguised as `Unknown`.
    pub fn validate(&self) -> Result<(), String> {
        if self.key.contains('\0') {
            return Err(format!("key {:?} contains a NUL character", self.key));
        }
        if self.value_name.contains('\0') {
            return Err(format!(
                "value name {:?} contains a NUL character",
                self.value_name
            ));
        }
        if let RegType::Unknown(n) = self.reg_type {
            if n <= 11 {
                return Err(format!("type code {n} must be given as its named type"));
            }
        }
        match &self.data {
            Data::String(s) if s.contains('\0') => {
                return Err(format!("string data {s:?} contains a NUL character"));
            }
            Data::MultiString(items) => {
                if let Some(s) = items.iter().find(|s| s.contains('\0')) {
                    return Err(format!("REG_MULTI_SZ item {s:?} contains a NUL character"));
                }
            }
            Data::Bytes(b) if b.is_empty() => {
                return Err("empty byte data must be Data::None".into());
            }
            _ => {}
        }
        if !matches!(self.data, Data::Bytes(_)) && !self.data_fits_type() {
            return Err(format!(
                "{} data cannot be stored as {}",
                self.data.kind(),
                self.reg_type
            ));
        }
        Ok(())
    }

    /// Which setting this entry addresses: its key plus either the target
    /// value or, for key-wide directives, the directive's name.
    pub(crate) fn slot(&self) -> (&str, Slot<'_>) {
        match self.target_value() {
            Some(v) => (&self.key, Slot::Value(v)),
            None => (&self.key, Slot::Control(&self.value_name)),
        }
    }
}

impl Data {
    /// A short name of the variant, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Data::None => "empty",
            Data::String(_) => "string",
            Data::Dword(_) => "DWORD",
            Data::Qword(_) => "QWORD",
            Data::MultiString(_) => "multi-string",
            Data::Bytes(_) => "byte",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Slot<'a> {
    Value(&'a str),
    Control(&'a str),
}

impl Slot<'_> {
    fn same(self, other: Slot<'_>) -> bool {
        match (self, other) {
            (Slot::Value(a), Slot::Value(b)) | (Slot::Control(a), Slot::Control(b)) => eq_ci(a, b),
            _ => false,
        }
    }
}

/// Compares two names the way Windows compares registry names: case-insensitively
/// (by upper-casing each character).
pub fn cmp_ci(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let x = a.bytes().map(|c| c.to_ascii_uppercase());
        return x.cmp(b.bytes().map(|c| c.to_ascii_uppercase()));
    }
    let x = a.chars().flat_map(char::to_uppercase);
    x.cmp(b.chars().flat_map(char::to_uppercase))
}

/// `true` when two registry names are equal ignoring case.
pub fn eq_ci(a: &str, b: &str) -> bool {
    if a.len() == b.len() && a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    cmp_ci(a, b) == Ordering::Equal
}

/// gpedit's key order: case-insensitive, component by component, so that
/// `...\Windows\X` sorts before `...\Windows Defender` (a plain string sort
/// would put the space first).
pub fn compare_keys(a: &str, b: &str) -> Ordering {
    let mut x = a.split('\\');
    let mut y = b.split('\\');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => match cmp_ci(p, q) {
                Ordering::Equal => {}
                o => return o,
            },
        }
    }
}

/// A whole registry.pol file: its entries in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PolFile {
    /// The entries, in the order they are stored (and applied).
    pub entries: Vec<Entry>,
}

impl PolFile {
    /// An empty file (header only).
    pub fn new() -> PolFile {
        PolFile::default()
    }

    /// A file from entries, kept in the given order.
    pub fn from_entries(entries: Vec<Entry>) -> PolFile {
        PolFile { entries }
    }

    /// A new file in gpedit's order: entries grouped by key, keys sorted
    /// case-insensitively component by component, entries of one key in the
    /// order given.
    pub fn new_sorted(entries: Vec<Entry>) -> PolFile {
        let mut f = PolFile { entries };
        f.sort_keys();
        f
    }

    /// Sorts entries by key in gpedit's order, keeping the order of the
    /// entries of each key (a stable sort).
    pub fn sort_keys(&mut self) {
        self.entries.sort_by(|a, b| compare_keys(&a.key, &b.key));
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` for a header-only file.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry that finally decides `key`\\`value_name` (the last one that
    /// sets or deletes it), compared case-insensitively.
    pub fn get(&self, key: &str, value_name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| eq_ci(&e.key, key) && e.target_value().is_some_and(|v| eq_ci(v, value_name)))
    }

    /// Checks every entry with [`Entry::validate`]; the error names the entry (0-based).
    pub fn validate(&self) -> Result<(), (usize, String)> {
        for (i, e) in self.entries.iter().enumerate() {
            e.validate().map_err(|m| (i, m))?;
        }
        Ok(())
    }

    /// Sets a value (or places a directive): the first entry addressing the
    /// same key and value (the value itself, its `**del.` or `**soft.` entry;
    /// for key-wide directives the same directive name) is replaced in place
    /// and any later ones are removed. Without one, the entry goes after the
    /// last entry of its key, or for a new key at its place in gpedit's key
    /// order. Every other entry keeps its place.
    pub fn set(&mut self, entry: Entry) {
        let (key, slot) = entry.slot();
        let matching: Vec<usize> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let (k, s) = e.slot();
                eq_ci(k, key) && s.same(slot)
            })
            .map(|(i, _)| i)
            .collect();
        if let Some((&first, rest)) = matching.split_first() {
            for &i in rest.iter().rev() {
                self.entries.remove(i);
            }
            self.entries[first] = entry;
        } else {
            let at = self.insertion_point(&entry.key);
            self.entries.insert(at, entry);
        }
    }

    /// Removes every entry that sets or deletes `key`\\`value_name` (the value,
    /// its `**del.` and `**soft.` entries), so the file no longer configures it.
    /// Returns how many entries were removed.
    pub fn delete(&mut self, key: &str, value_name: &str) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| {
            !(eq_ci(&e.key, key) && e.target_value().is_some_and(|v| eq_ci(v, value_name)))
        });
        before - self.entries.len()
    }

    /// Replaces the value by a `**del.` marker (as gpedit does for a disabled
    /// policy), at the place of the first entry for it, or where a new entry goes.
    pub fn delete_and_mark(&mut self, key: &str, value_name: &str) {
        self.set(Entry::delete_marker(key, value_name));
    }

    /// Where a new entry for `key` goes: after the last entry of that key; for a
    /// new key, before the first key that sorts after it.
    fn insertion_point(&self, key: &str) -> usize {
        if let Some(i) = self.entries.iter().rposition(|e| eq_ci(&e.key, key)) {
            return i + 1;
        }
        self.entries
            .iter()
            .position(|e| compare_keys(&e.key, key) == Ordering::Greater)
            .unwrap_or(self.entries.len())
    }
}

/// One difference between two files, from [`diff`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Only in the second file.
    Added(Entry),
    /// Only in the first file.
    Removed(Entry),
    /// In both, with a different type or data (or name case).
    Changed {
        /// The entry in the first file.
        before: Entry,
        /// The entry in the second file.
        after: Entry,
    },
}

/// Compares two files setting by setting: entries are matched by key and value
/// name (case-insensitively; repeated entries by their rank). The order of the
/// result follows the second file, then removed entries in the first file's order.
pub fn diff(a: &PolFile, b: &PolFile) -> Vec<Change> {
    use std::collections::HashMap;
    fn norm(e: &Entry) -> (String, String) {
        let up = |s: &str| s.chars().flat_map(char::to_uppercase).collect::<String>();
        (up(&e.key), up(&e.value_name))
    }
    let mut pool: HashMap<(String, String), std::collections::VecDeque<usize>> = HashMap::new();
    for (i, e) in a.entries.iter().enumerate() {
        pool.entry(norm(e)).or_default().push_back(i);
    }
    let mut used = vec![false; a.entries.len()];
    let mut out = Vec::new();
    for e in &b.entries {
        match pool.get_mut(&norm(e)).and_then(|q| q.pop_front()) {
            Some(i) => {
                used[i] = true;
                let old = &a.entries[i];
                if old != e {
                    out.push(Change::Changed {
                        before: old.clone(),
                        after: e.clone(),
                    });
                }
            }
            None => out.push(Change::Added(e.clone())),
        }
    }
    for (i, e) in a.entries.iter().enumerate() {
        if !used[i] {
            out.push(Change::Removed(e.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_type_codes_round_trip_and_parse() {
        for n in 0..20 {
            assert_eq!(RegType::from_u32(n).to_u32(), n);
        }
        assert_eq!(RegType::parse("REG_DWORD"), Some(RegType::Dword));
        assert_eq!(RegType::parse("dword"), Some(RegType::Dword));
        assert_eq!(RegType::parse("multi_sz"), Some(RegType::MultiSz));
        assert_eq!(RegType::parse("0xb"), Some(RegType::Qword));
        assert_eq!(RegType::parse("42"), Some(RegType::Unknown(42)));
        assert_eq!(RegType::parse("nope"), None);
        assert_eq!(RegType::Unknown(42).to_string(), "type 42");
    }

    #[test]
    fn directives_are_case_insensitive() {
        assert_eq!(
            Directive::parse("**Del.Foo"),
            Some(Directive::Delete("Foo"))
        );
        assert_eq!(
            Directive::parse("**DELVALS."),
            Some(Directive::DeleteAllValues)
        );
        assert_eq!(
            Directive::parse("**delvals"),
            Some(Directive::DeleteAllValues)
        );
        assert_eq!(
            Directive::parse("**deletevalues"),
            Some(Directive::DeleteValues)
        );
        assert_eq!(
            Directive::parse("**DeleteKeys"),
            Some(Directive::DeleteKeys)
        );
        assert_eq!(Directive::parse("**securekey"), Some(Directive::SecureKey));
        assert_eq!(Directive::parse("**SOFT.x"), Some(Directive::Soft("x")));
        assert_eq!(Directive::parse("**what"), Some(Directive::Unknown("what")));
        assert_eq!(Directive::parse("*x"), None);
        assert_eq!(Directive::parse("**dé"), Some(Directive::Unknown("dé")));
    }

    #[test]
    fn gpedit_key_order_is_component_wise() {
        let mut keys = [
            r"Software\Policies\Microsoft\Windows Defender",
            r"software\policies\microsoft\windows\System",
            r"Software\Policies\Microsoft\Windows",
        ];
        keys.sort_by(|a, b| compare_keys(a, b));
        assert_eq!(
            keys,
            [
                r"Software\Policies\Microsoft\Windows",
                r"software\policies\microsoft\windows\System",
                r"Software\Policies\Microsoft\Windows Defender",
            ]
        );
    }

    #[test]
    fn set_replaces_in_place_and_inserts_in_order() {
        let mut f = PolFile::new_sorted(vec![Entry::dword("B", "x", 1), Entry::dword("D", "y", 2)]);
        f.set(Entry::dword("b", "X", 5));
        assert_eq!(f.entries[0], Entry::dword("b", "X", 5));
        f.set(Entry::dword("C", "z", 3));
        f.set(Entry::dword("A", "w", 0));
        f.set(Entry::dword("B", "v", 9));
        let got: Vec<_> = f
            .entries
            .iter()
            .map(|e| format!("{}\\{}", e.key, e.value_name))
            .collect();
        assert_eq!(got, [r"A\w", r"b\X", r"B\v", r"C\z", r"D\y"]);
        f.delete_and_mark("b", "x");
        assert_eq!(f.entries[1], Entry::delete_marker("b", "x"));
        assert_eq!(f.delete("B", "X"), 1);
        assert_eq!(f.len(), 4);
        assert_eq!(f.delete("B", "X"), 0);
    }

    #[test]
    fn validate_refuses_what_cannot_round_trip() {
        assert!(Entry::sz("k", "v", "a\0b").validate().is_err());
        assert!(
            Entry::new("k", "v", RegType::Dword, Data::String("x".into()))
                .validate()
                .is_err()
        );
        assert!(
            Entry::new("k", "v", RegType::Unknown(4), Data::None)
                .validate()
                .is_err()
        );
        assert!(
            Entry::new("k", "v", RegType::Dword, Data::Bytes(vec![1, 2, 3]))
                .validate()
                .is_ok()
        );
        assert!(Entry::delete_marker("k", "v").is_gpedit_marker());
    }

    #[test]
    fn diff_matches_by_key_and_name() {
        let a = PolFile::from_entries(vec![Entry::dword("K", "a", 1), Entry::dword("K", "b", 1)]);
        let b = PolFile::from_entries(vec![Entry::dword("k", "A", 1), Entry::dword("K", "c", 1)]);
        let d = diff(&a, &b);
        assert_eq!(d.len(), 3);
        assert!(matches!(&d[0], Change::Changed { .. }));
        assert!(matches!(&d[1], Change::Added(e) if e.value_name == "c"));
        assert!(matches!(&d[2], Change::Removed(e) if e.value_name == "b"));
    }
}
