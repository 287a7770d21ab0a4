//! registry.pol as "LGPO text", the format `LGPO.exe /parse` prints and
//! `LGPO.exe /r FILE /w registry.pol` reads.
//!
//! Each entry is four lines, records separated by blank lines, `;` starts a
//! comment line:
//!
//! ```text
//! User
//! software\policies\microsoft\office\16.0\common
//! linkedin
//! DWORD:0
//! ```
//!
//! Line 1 is the side (`Computer` or `User`), line 2 the key, line 3 the value
//! name, line 4 the action. LGPO's actions: `DWORD:<decimal>`, `SZ:<text>`,
//! `EXSZ:<text>`, `DELETE` (a `**del.` marker), `DELETEALLVALUES` and
//! `CREATEKEY` (both with the value name `*`), and `MULTISZ:` with the items
//! separated by the two characters `\0` (LGPO 3.0's form, as far as we could
//! find out; not verified against LGPO.exe).
//!
//! Extensions of gpforge, where LGPO has no form (LGPO.exe will not read them):
//! - `QWORD:<decimal>`, `DWORDBE:<decimal>` (REG_DWORD_BIG_ENDIAN),
//!   `LINK:<text>`, `BINARY:<hex>`;
//! - `RAW:<type code>:<hex>`: any entry with its exact data bytes (unknown
//!   types, REG_NONE with a value name, data that does not fit its type, text
//!   with a line break, the two-NUL REG_MULTI_SZ `[""]`);
//! - `@` as value name for the unnamed (default) value, as in `.reg` files;
//! - `DELETE` and `DELETEALLVALUES` stand only for markers in gpedit's exact form
//!   (`**del.`/`**delvals.` in lower case, REG_SZ `" "`); other `**` entries are
//!   written with their literal value name, so nothing changes on the way back.
//!
//! Reading accepts `\n` and `\r\n`, and `DWORD:0x...` in hex. Keys and value
//! names cannot contain line breaks, and a value name cannot be `@` or start
//! with `;`; such files can be dumped as JSON only.

use std::fmt::Write as _;

use super::json::{hex, unhex};
use super::model::{DEL_PREFIX, DELVALS, Data, Directive, Entry, PolFile, RegType};
use super::read::decode_data;

/// The side a registry.pol belongs to (its folder): `Machine` (HKLM) or `User` (HKCU).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `Computer` in LGPO text; the `Machine` folder.
    Computer,
    /// `User` in LGPO text; the `User` folder.
    User,
}

impl Scope {
    /// The LGPO text name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Computer => "Computer",
            Scope::User => "User",
        }
    }

    /// Parses `Computer`/`Machine` or `User` (case-insensitive; LGPO's
    /// `User:<name>` forms count as `User`).
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("computer") || s.eq_ignore_ascii_case("machine") {
            Some(Scope::Computer)
        } else if s.eq_ignore_ascii_case("user")
            || s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("user:"))
        {
            Some(Scope::User)
        } else {
            None
        }
    }

    /// Guesses the side from a path: a `User` folder component means User,
    /// a `Machine` component Computer.
    pub fn from_path(path: &std::path::Path) -> Option<Scope> {
        path.components().rev().skip(1).find_map(|c| {
            let c = c.as_os_str().to_str()?;
            if c.eq_ignore_ascii_case("user") {
                Some(Scope::User)
            } else if c.eq_ignore_ascii_case("machine") {
                Some(Scope::Computer)
            } else {
                None
            }
        })
    }
}

/// LGPO text that cannot be read, or an entry that cannot be written as text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", at(*line, *entry))]
pub struct TextError {
    /// 1-based line of the input (reading).
    pub line: Option<usize>,
    /// 0-based entry index (writing).
    pub entry: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn at(line: Option<usize>, entry: Option<usize>) -> String {
    match (line, entry) {
        (Some(l), _) => format!("line {l}: "),
        (None, Some(e)) => format!("entry {}: ", e + 1),
        _ => String::new(),
    }
}

/// `true` when `v` can stand on a value-name line and be read back as itself.
fn name_line_safe(v: &str) -> bool {
    !v.trim().is_empty()
        && v != "@"
        && !v.trim_start().starts_with(';')
        && !v.contains(['\n', '\r'])
}

/// The (value name line, action line) of an entry.
fn action(e: &Entry) -> (String, String) {
    let name = if e.value_name.is_empty() {
        "@".to_string()
    } else {
        e.value_name.clone()
    };
    if e.value_name.is_empty() && e.reg_type == RegType::None && e.data == Data::None {
        return ("*".into(), "CREATEKEY".into());
    }
    if e.is_gpedit_marker() {
        match e.directive() {
            Some(Directive::Delete(v)) if name_line_safe(v) => {
                return (v.to_string(), "DELETE".into());
            }
            Some(Directive::DeleteAllValues) if e.value_name == DELVALS => {
                return ("*".into(), "DELETEALLVALUES".into());
            }
            _ => {}
        }
    }
    let line_safe = |s: &str| !s.contains(['\n', '\r']);
    let a = match (&e.data, e.reg_type) {
        (Data::Dword(v), RegType::Dword) => Some(format!("DWORD:{v}")),
        (Data::Dword(v), RegType::DwordBigEndian) => Some(format!("DWORDBE:{v}")),
        (Data::Qword(v), RegType::Qword) => Some(format!("QWORD:{v}")),
        (Data::String(s), t) if line_safe(s) => match t {
            RegType::Sz => Some(format!("SZ:{s}")),
            RegType::ExpandSz => Some(format!("EXSZ:{s}")),
            RegType::Link => Some(format!("LINK:{s}")),
            _ => None,
        },
        (Data::MultiString(items), RegType::MultiSz)
            if items != &[String::new()]
                && items.iter().all(|s| line_safe(s) && !s.contains("\\0")) =>
        {
            Some(format!("MULTISZ:{}", items.join("\\0")))
        }
        (Data::Bytes(b), RegType::Binary) => Some(format!("BINARY:{}", hex(b))),
        _ => None,
    };
    let a = a.unwrap_or_else(|| {
        let bytes = super::write::data_bytes(e.reg_type, &e.data);
        format!("RAW:{}:{}", e.reg_type.to_u32(), hex(&bytes))
    });
    (name, a)
}

/// Writes a file as LGPO text for the given side. `source` (a path, say)
/// goes into the leading comment.
pub fn to_text(file: &PolFile, scope: Scope, source: Option<&str>) -> Result<String, TextError> {
    let mut out = String::new();
    out.push_str("; ----------------------------------------------------------------------\n");
    let _ = writeln!(
        out,
        "; registry.pol as LGPO text ({} policy), written by gpforge",
        scope.as_str()
    );
    if let Some(src) = source {
        let _ = writeln!(out, "; source: {}", src.replace(['\n', '\r'], " "));
    }
    out.push('\n');
    for (i, e) in file.entries.iter().enumerate() {
        let err = |m: String| TextError {
            line: None,
            entry: Some(i),
            message: m,
        };
        if e.key.contains(['\n', '\r']) {
            return Err(err(
                "the key contains a line break; use --format json".into()
            ));
        }
        if e.value_name.contains(['\n', '\r']) {
            return Err(err(
                "the value name contains a line break; use --format json".into(),
            ));
        }
        if !e.value_name.is_empty() && !name_line_safe(&e.value_name) {
            return Err(err(format!(
                "the value name {:?} has no LGPO text form; use --format json",
                e.value_name
            )));
        }
        if e.key.trim_start().starts_with(';') || e.key.trim().is_empty() {
            return Err(err(format!(
                "the key {:?} has no LGPO text form; use --format json",
                e.key
            )));
        }
        let (name, act) = action(e);
        let _ = write!(out, "{}\n{}\n{}\n{}\n\n", scope.as_str(), e.key, name, act);
    }
    out.push_str("; end of registry.pol\n");
    out.push_str("; ----------------------------------------------------------------------\n");
    Ok(out)
}

/// Reads LGPO text. Returns the entries in the order given and the side named
/// in the records (`None` when there are none). All records must name the same side.
pub fn from_text(text: &str) -> Result<(PolFile, Option<Scope>), TextError> {
    let mut lines = text
        .trim_start_matches('\u{feff}')
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with(';'))
        .peekable();
    let mut entries = Vec::new();
    let mut scope: Option<Scope> = None;
    loop {
        // Skip the blank lines between records.
        while lines.peek().is_some_and(|(_, l)| l.trim().is_empty()) {
            lines.next();
        }
        let Some((n, side)) = lines.next() else { break };
        let err = |line: usize, m: String| TextError {
            line: Some(line + 1),
            entry: None,
            message: m,
        };
        let s = Scope::parse(side).ok_or_else(|| {
            err(
                n,
                format!("expected 'Computer' or 'User', found {:?}", side.trim()),
            )
        })?;
        match scope {
            Some(prev) if prev != s => {
                return Err(err(
                    n,
                    format!(
                        "expected '{}' like the records before, found '{}': one registry.pol holds one side",
                        prev.as_str(),
                        s.as_str()
                    ),
                ));
            }
            _ => scope = Some(s),
        }
        let mut next = |what: &str| {
            lines
                .next()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| (i, l.to_string()))
                .ok_or_else(|| err(n, format!("the record starting here has no {what} line")))
        };
        let (_, key) = next("key")?;
        let (vn, value) = next("value name")?;
        let (an, act) = next("action")?;
        let e = parse_action(key, &value, &act).map_err(|m| {
            let line = if m.1 { vn } else { an };
            err(line, m.0)
        })?;
        e.validate().map_err(|m| err(an, m))?;
        entries.push(e);
    }
    Ok((PolFile::from_entries(entries), scope))
}

/// The entry of one record; the error says whether the value line (true) or
/// the action line (false) is wrong.
fn parse_action(key: String, value: &str, act: &str) -> Result<Entry, (String, bool)> {
    let name = if value == "@" {
        String::new()
    } else {
        value.to_string()
    };
    let bad = |m: String| (m, false);
    let (word, rest) = match act.split_once(':') {
        Some((w, r)) => (w.trim(), Some(r)),
        None => (act.trim(), None),
    };
    let upper = word.to_ascii_uppercase();
    let need_star = |what: &str| {
        if value.trim() == "*" {
            Ok(())
        } else {
            Err((
                format!("expected the value name '*' for {what}, found {value:?}"),
                true,
            ))
        }
    };
    let typed = |t: RegType, d: Data| {
        Ok(Entry {
            key: key.as_str().into(),
            value_name: name.clone(),
            reg_type: t,
            data: d,
        })
    };
    match (upper.as_str(), rest) {
        ("CREATEKEY", None) => {
            need_star("CREATEKEY")?;
            Ok(Entry::key_only(key))
        }
        ("DELETEALLVALUES", None) => {
            need_star("DELETEALLVALUES")?;
            Ok(Entry::delete_all_values(key))
        }
        ("DELETE", None) => Ok(Entry::sz(
            key,
            format!("{DEL_PREFIX}{value}"),
            super::model::MARKER_DATA,
        )),
        ("DWORD", Some(r)) => typed(
            RegType::Dword,
            Data::Dword(number(r, u32::MAX as u64).map_err(bad)? as u32),
        ),
        ("DWORDBE", Some(r)) => typed(
            RegType::DwordBigEndian,
            Data::Dword(number(r, u32::MAX as u64).map_err(bad)? as u32),
        ),
        ("QWORD", Some(r)) => typed(
            RegType::Qword,
            Data::Qword(number(r, u64::MAX).map_err(bad)?),
        ),
        ("SZ", Some(r)) => typed(RegType::Sz, Data::String(r.to_string())),
        ("EXSZ", Some(r)) => typed(RegType::ExpandSz, Data::String(r.to_string())),
        ("LINK", Some(r)) => typed(RegType::Link, Data::String(r.to_string())),
        ("MULTISZ", Some(r)) => {
            let items = if r.is_empty() {
                Vec::new()
            } else {
                r.split("\\0").map(str::to_string).collect()
            };
            typed(RegType::MultiSz, Data::MultiString(items))
        }
        ("BINARY", Some(r)) => {
            let b = unhex(r).map_err(bad)?;
            typed(RegType::Binary, decode_data(RegType::Binary, &b))
        }
        ("RAW", Some(r)) => {
            let (code, h) = r
                .split_once(':')
                .ok_or_else(|| bad(format!("expected RAW:<type>:<hex>, found {act:?}")))?;
            let t = RegType::parse(code)
                .ok_or_else(|| bad(format!("expected a type code, found {code:?}")))?;
            let b = unhex(h).map_err(bad)?;
            typed(t, decode_data(t, &b))
        }
        _ => Err(bad(format!(
            "expected an action (DWORD:, SZ:, EXSZ:, MULTISZ:, QWORD:, DWORDBE:, LINK:, BINARY:, RAW:, DELETE, DELETEALLVALUES, CREATEKEY), found {act:?}"
        ))),
    }
}

fn number(s: &str, max: u64) -> Result<u64, String> {
    let t = s.trim();
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse::<u64>(),
    };
    match v {
        Ok(v) if v <= max => Ok(v),
        _ => Err(format!("expected a number from 0 to {max}, found {t:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PolFile {
        PolFile::from_entries(vec![
            Entry::key_only(r"Software\Policies\A"),
            Entry::delete_all_values(r"Software\Policies\A"),
            Entry::dword(r"Software\Policies\A", "1", 1),
            Entry::delete_marker(r"Software\Policies\A", "Old"),
            Entry::new(
                r"Software\Policies\A",
                "**Del.Odd",
                RegType::Dword,
                Data::Dword(32),
            ),
            Entry::sz(r"Software\Policies\A", "", "default"),
            Entry::sz(r"Software\Policies\A", "trailing", "x  "),
            Entry::expand_sz(r"Software\Policies\A", "p", "%SystemRoot%\\x"),
            Entry::multi_sz(r"Software\Policies\A", "m", ["a", "", "b"]),
            Entry::multi_sz(r"Software\Policies\A", "none", Vec::<String>::new()),
            Entry::multi_sz(r"Software\Policies\A", "samba-empty", [""]),
            Entry::qword(r"Software\Policies\A", "q", 1 << 40),
            Entry::new(
                r"Software\Policies\A",
                "be",
                RegType::DwordBigEndian,
                Data::Dword(5),
            ),
            Entry::binary(r"Software\Policies\A", "b", vec![0xde, 0xad]),
            Entry::new(
                r"Software\Policies\A",
                "odd",
                RegType::Sz,
                Data::Bytes(vec![0x41, 0, 0x42]),
            ),
            Entry::new(
                r"Software\Policies\A",
                "u",
                RegType::Unknown(77),
                Data::Bytes(vec![1]),
            ),
            Entry::sz(r"Software\Policies\A", "nl", "two\nlines"),
        ])
    }

    #[test]
    fn text_round_trip_is_exact() {
        let f = sample();
        let t = to_text(&f, Scope::User, Some("x.pol")).unwrap();
        let (back, scope) = from_text(&t).unwrap();
        assert_eq!(scope, Some(Scope::User));
        assert_eq!(back, f);
        assert_eq!(super::super::to_vec(&back), super::super::to_vec(&f));
        assert_eq!(from_text(&t.replace('\n', "\r\n")).unwrap().0, f);
    }

    #[test]
    fn mixed_sides_and_bad_actions_are_refused() {
        let e = from_text("Computer\nK\nv\nDWORD:1\n\nUser\nK\nw\nDWORD:2\n").unwrap_err();
        assert_eq!(e.line, Some(6));
        let e = from_text("Computer\nK\nv\nDWORD:x\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 4: expected a number from 0 to 4294967295, found \"x\""
        );
        let e = from_text("Computer\nK\nv\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: the record starting here has no action line"
        );
        let e = from_text("Computer\nK\nv\nCREATEKEY\n").unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn scope_from_path() {
        assert_eq!(
            Scope::from_path(std::path::Path::new("GPO/User/registry.pol")),
            Some(Scope::User)
        );
        assert_eq!(
            Scope::from_path(std::path::Path::new("x/Machine/Registry.pol")),
            Some(Scope::Computer)
        );
        assert_eq!(Scope::from_path(std::path::Path::new("registry.pol")), None);
    }
}
