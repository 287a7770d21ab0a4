//! Path safety and name matching for store runs.
//!
//! Every path a run writes is a [`RelPath`] below the store: built only from
//! checked components (a template file name, a culture folder name), never
//! from a path taken from the source or a journal as a whole. Before writing,
//! [`check_inside`] makes sure no existing component below the store is a
//! link, so nothing can be redirected out of it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A path below the store (or below a backup folder), as checked components.
/// Shown and stored with `/` separators whatever the OS.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(Vec<String>);

impl RelPath {
    /// A path from checked components; `None` when any component is unsafe.
    pub fn new<I, S>(parts: I) -> Option<RelPath>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let parts: Vec<String> = parts.into_iter().map(Into::into).collect();
        if parts.is_empty() || parts.iter().any(|p| name_problem(p).is_some()) {
            return None;
        }
        Some(RelPath(parts))
    }

    /// Parses the `/`-separated form kept in journals; refuses anything that
    /// could leave the folder it is relative to (`..`, absolute, drive, `\`).
    pub fn parse(s: &str) -> Option<RelPath> {
        RelPath::new(s.split('/'))
    }

    /// The components.
    pub fn parts(&self) -> &[String] {
        &self.0
    }

    /// The path below `base`.
    pub fn under(&self, base: &Path) -> PathBuf {
        let mut p = base.to_path_buf();
        for c in &self.0 {
            p.push(c);
        }
        p
    }

    /// The parent folder, if this path has more than one component.
    pub fn parent(&self) -> Option<RelPath> {
        (self.0.len() > 1).then(|| RelPath(self.0[..self.0.len() - 1].to_vec()))
    }

    /// The last component.
    pub fn file_name(&self) -> &str {
        self.0.last().map_or("", String::as_str)
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("/"))
    }
}

/// Why a single file or folder name cannot be used in a store, or `None`.
/// Refuses what could change the meaning of a path on any OS the store may
/// be read from (a share is read by Windows): separators, `.`/`..`, drive
/// colons, characters Windows forbids, trailing dots or spaces, device names.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("empty name".into());
    }
    if name == "." || name == ".." {
        return Some(format!("'{name}' refers to a folder, not a file name"));
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\')) {
        return Some(format!(
            "name '{}' contains a path separator '{c}'",
            name.escape_debug()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
    {
        return Some(format!(
            "name '{}' contains '{}', which Windows does not allow",
            name.escape_debug(),
            c.escape_debug()
        ));
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return Some(format!(
            "name '{name}' ends with a dot or space, which Windows drops"
        ));
    }
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    if device {
        return Some(format!("name '{name}' is a Windows device name"));
    }
    None
}

/// The canonical spelling of a culture folder name (`en-us` → `en-US`,
/// `zh-hant-tw` → `zh-Hant-TW`, `de` → `de`), or `None` when the name is not
/// a culture tag (letters and digits in 1–8 character subtags, starting with
/// a 2–3 letter language).
pub fn canonical_culture(name: &str) -> Option<String> {
    let mut out = Vec::new();
    for (i, sub) in name.split('-').enumerate() {
        if sub.is_empty() || sub.len() > 8 || !sub.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        if i == 0 {
            if !(2..=3).contains(&sub.len()) || !sub.chars().all(|c| c.is_ascii_alphabetic()) {
                return None;
            }
            out.push(sub.to_ascii_lowercase());
        } else if sub.len() == 4 && sub.chars().all(|c| c.is_ascii_alphabetic()) {
            let mut s = sub.to_ascii_lowercase();
            s[..1].make_ascii_uppercase();
            out.push(s);
        } else if sub.len() == 2 && sub.chars().all(|c| c.is_ascii_alphabetic()) {
            out.push(sub.to_ascii_uppercase());
        } else {
            out.push(sub.to_ascii_lowercase());
        }
    }
    Some(out.join("-"))
}

/// `name` ends with `.ext` (ASCII case-insensitive); returns the stem.
pub(crate) fn stem_with_ext<'a>(name: &'a str, ext: &str) -> Option<&'a str> {
    let (stem, e) = name.rsplit_once('.')?;
    (e.eq_ignore_ascii_case(ext) && !stem.is_empty()).then_some(stem)
}

/// Checks that writing `rel` below `store` stays inside the store: `store`
/// itself may be anything (a mounted share, a link to one), but no component
/// below it that already exists may be a link or, except the last, a file.
pub(crate) fn check_inside(store: &Path, rel: &RelPath) -> Result<(), String> {
    let mut p = store.to_path_buf();
    for (i, c) in rel.parts().iter().enumerate() {
        p.push(c);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!(
                    "{} is a link; links inside the store are refused",
                    p.display()
                ));
            }
            Ok(m) if i + 1 < rel.parts().len() && !m.is_dir() => {
                return Err(format!("{} is not a folder", p.display()));
            }
            Ok(m) if i + 1 == rel.parts().len() && m.is_dir() => {
                return Err(format!("{} is a folder, expected a file", p.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cultures_are_canonicalised() {
        assert_eq!(canonical_culture("en-us").as_deref(), Some("en-US"));
        assert_eq!(canonical_culture("EN-US").as_deref(), Some("en-US"));
        assert_eq!(
            canonical_culture("zh-hant-tw").as_deref(),
            Some("zh-Hant-TW")
        );
        assert_eq!(canonical_culture("de").as_deref(), Some("de"));
        assert_eq!(canonical_culture("es-419").as_deref(), Some("es-419"));
        assert_eq!(canonical_culture("fi-FL").as_deref(), Some("fi-FL"));
        for bad in [
            "", "..", "e", "english", "en_US", "en-", "a/b", "12-US", ".gpforge",
        ] {
            assert_eq!(canonical_culture(bad), None, "{bad}");
        }
    }

    #[test]
    fn unsafe_names_are_refused() {
        for bad in [
            "..",
            ".",
            "",
            "a/b",
            "..\\x.admx",
            "c:x.admx",
            "x.admx.",
            "CON.admx",
            "com1.adml",
            "a\u{0}b",
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        for good in [
            "office16.admx",
            "Microsoft-Windows-Foo.admx",
            "a..b.admx",
            "conf.admx",
            "en-US",
        ] {
            assert_eq!(name_problem(good), None, "{good}");
        }
    }

    #[test]
    fn journal_paths_cannot_escape() {
        assert!(RelPath::parse("en-US/x.adml").is_some());
        for bad in [
            "../x",
            "/etc/passwd",
            "a//b",
            "a/../../b",
            "c:/x",
            "a\\..\\b",
            "",
        ] {
            assert!(RelPath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn stems() {
        assert_eq!(stem_with_ext("Office16.ADMX", "admx"), Some("Office16"));
        assert_eq!(stem_with_ext(".admx", "admx"), None);
        assert_eq!(stem_with_ext("x.adml", "admx"), None);
    }
}
