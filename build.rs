//! Build script: checks and embeds the strings of the built-in templates.
//!
//! `templates/office16/<culture>.toml` holds the ADML strings of the built-in
//! LinkedIn template, one file per culture. The files use a small subset of
//! TOML: `# comments`, `[file]` and `[strings]` tables, and `key = "basic"` or
//! `key = """multi-line"""` strings with the escapes `\n \t \" \\ \uXXXX`.
//!
//! The build fails (naming the file and line) when a file cannot be read, when
//! `en-US.toml` is missing, or when the cultures do not define exactly the same
//! string ids. The checked strings are written to `$OUT_DIR/office16_strings.rs`,
//! which `src/policy/strings.rs` includes. Adding a language is adding one file.

// A build script reports its errors on stderr; cargo shows them when the build fails.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const DIR: &str = "templates/office16";
/// The culture every other culture is compared with, and the ADML fallback.
const REFERENCE: &str = "en-US";
/// Keys the `[file]` table must have (the ADML `<displayName>` and `<description>`).
const FILE_KEYS: &[&str] = &["displayName", "description"];

struct Entry {
    key: String,
    value: String,
    line: usize,
}

struct CultureFile {
    culture: String,
    path: PathBuf,
    file: Vec<Entry>,
    strings: Vec<Entry>,
}

fn main() {
    println!("cargo:rerun-if-changed={DIR}");
    println!("cargo:rerun-if-changed=build.rs");
    let mut errors = Vec::new();
    let cultures = load_all(Path::new(DIR), &mut errors);
    check(&cultures, &mut errors);
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("error: {e}");
        }
        eprintln!(
            "error: the built-in template strings in {DIR}/ are inconsistent ({} problem(s))",
            errors.len()
        );
        std::process::exit(1);
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let code = generate(&cultures);
    std::fs::write(out.join("office16_strings.rs"), code).expect("write generated strings");
}

fn load_all(dir: &Path, errors: &mut Vec<String>) -> Vec<CultureFile> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let culture = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        if !is_culture_name(&culture) {
            errors.push(format!(
                "{}: expected a culture name like en-US or nl-NL as the file name, found '{culture}'",
                path.display()
            ));
            continue;
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t.replace("\r\n", "\n"),
            Err(e) => {
                errors.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        if let Some(f) = parse(&path, &culture, &text, errors) {
            out.push(f);
        }
    }
    // The reference culture first, then the others by name: a stable order.
    out.sort_by(|a, b| {
        (a.culture != REFERENCE, &a.culture).cmp(&(b.culture != REFERENCE, &b.culture))
    });
    out
}

/// `ll-CC`, `lll-CC`, `ll-Scrp-CC`: letters and digits in dash-separated parts.
fn is_culture_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 2
        && parts[0].len() >= 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn parse(path: &Path, culture: &str, text: &str, errors: &mut Vec<String>) -> Option<CultureFile> {
    let before = errors.len();
    let mut f = CultureFile {
        culture: culture.to_string(),
        path: path.to_path_buf(),
        file: Vec::new(),
        strings: Vec::new(),
    };
    let mut section: Option<String> = None;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let lineno = i + 1;
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |msg: String| format!("{}:{lineno}: {msg}", path.display());
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim();
            if name != "file" && name != "strings" {
                errors.push(at(format!(
                    "expected table [file] or [strings], found [{name}]"
                )));
            }
            section = Some(name.to_string());
            continue;
        }
        let Some((key, rest)) = line.split_once('=') else {
            errors.push(at(format!("expected `id = \"text\"`, found `{line}`")));
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            errors.push(at(format!(
                "expected a bare key (letters, digits, _ and -), found `{key}`"
            )));
            continue;
        }
        let rest = rest.trim_start();
        let raw = if let Some(after) = rest.strip_prefix("\"\"\"") {
            // Multi-line string: a newline right after the opening quotes is dropped (as in TOML).
            let mut body = String::new();
            let mut cur = after.to_string();
            if cur.is_empty() && i < lines.len() {
                cur = lines[i].to_string();
                i += 1;
            }
            loop {
                if let Some(end) = cur.find("\"\"\"") {
                    body.push_str(&cur[..end]);
                    let tail = cur[end + 3..].trim();
                    if !tail.is_empty() && !tail.starts_with('#') {
                        errors.push(at(format!(
                            "expected the end of the line after `\"\"\"`, found `{tail}`"
                        )));
                    }
                    break;
                }
                body.push_str(&cur);
                if i >= lines.len() {
                    errors.push(at(format!(
                        "the multi-line string of `{key}` is never closed with `\"\"\"`"
                    )));
                    break;
                }
                body.push('\n');
                cur = lines[i].to_string();
                i += 1;
            }
            body
        } else if let Some(after) = rest.strip_prefix('"') {
            match find_closing_quote(after) {
                Some(end) => {
                    let tail = after[end + 1..].trim();
                    if !tail.is_empty() && !tail.starts_with('#') {
                        errors.push(at(format!(
                            "expected the end of the line after the string, found `{tail}`"
                        )));
                    }
                    after[..end].to_string()
                }
                None => {
                    errors.push(at(format!(
                        "the string of `{key}` is never closed with `\"`"
                    )));
                    continue;
                }
            }
        } else {
            errors.push(at(format!(
                "expected a quoted string after `{key} =`, found `{rest}`"
            )));
            continue;
        };
        let value = match unescape(&raw) {
            Ok(v) => v,
            Err(e) => {
                errors.push(at(e));
                continue;
            }
        };
        if value.trim().is_empty() {
            errors.push(at(format!("`{key}` is empty")));
        }
        if let Some(c) = value.chars().find(|&c| {
            (c.is_control() && c != '\n' && c != '\t') || c == '\u{FFFE}' || c == '\u{FFFF}'
        }) {
            errors.push(at(format!(
                "`{key}` contains the character U+{:04X}, which XML cannot hold",
                c as u32
            )));
        }
        let entry = Entry {
            key: key.to_string(),
            value,
            line: lineno,
        };
        let list = match section.as_deref() {
            Some("file") => &mut f.file,
            Some("strings") => &mut f.strings,
            Some(_) => continue,
            None => {
                errors.push(at(format!(
                    "`{key}` is outside a table; put it under [file] or [strings]"
                )));
                continue;
            }
        };
        if let Some(prev) = list.iter().find(|e| e.key == key) {
            errors.push(at(format!(
                "`{key}` is defined twice (first on line {})",
                prev.line
            )));
            continue;
        }
        list.push(entry);
    }
    for k in FILE_KEYS {
        if !f.file.iter().any(|e| e.key == *k) {
            errors.push(format!("{}: [file] is missing `{k}`", path.display()));
        }
    }
    for e in &f.file {
        if !FILE_KEYS.contains(&e.key.as_str()) {
            errors.push(format!(
                "{}:{}: expected a [file] key from {FILE_KEYS:?}, found `{}`",
                path.display(),
                e.line,
                e.key
            ));
        }
    }
    (errors.len() == before).then_some(f)
}

/// Index of the first unescaped `"`.
fn find_closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let ch = u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 4)
                    .and_then(char::from_u32);
                match ch {
                    Some(ch) => out.push(ch),
                    None => {
                        return Err(format!(
                            "expected four hex digits of a character after `\\u`, found `{hex}`"
                        ));
                    }
                }
            }
            Some(other) => {
                return Err(format!(
                    "expected an escape from \\n \\t \\\" \\\\ \\uXXXX, found `\\{other}`"
                ));
            }
            None => {
                return Err(
                    "expected an escape after `\\`, found the end of the string".to_string()
                );
            }
        }
    }
    Ok(out)
}

fn check(cultures: &[CultureFile], errors: &mut Vec<String>) {
    let Some(reference) = cultures.iter().find(|c| c.culture == REFERENCE) else {
        errors.push(format!(
            "{DIR}/{REFERENCE}.toml is missing: it is the reference and fallback culture"
        ));
        return;
    };
    let all: BTreeSet<&str> = cultures
        .iter()
        .flat_map(|c| c.strings.iter().map(|e| e.key.as_str()))
        .collect();
    for c in cultures {
        let have: BTreeSet<&str> = c.strings.iter().map(|e| e.key.as_str()).collect();
        for id in all.difference(&have) {
            let from: Vec<&str> = cultures
                .iter()
                .filter(|o| o.strings.iter().any(|e| e.key == *id))
                .map(|o| o.culture.as_str())
                .collect();
            errors.push(format!(
                "{}: missing string id `{id}` (defined in {}); every culture must define every id",
                c.path.display(),
                from.join(", ")
            ));
        }
    }
    if reference.strings.is_empty() {
        errors.push(format!("{}: [strings] is empty", reference.path.display()));
    }
}

fn generate(cultures: &[CultureFile]) -> String {
    let reference = cultures
        .iter()
        .find(|c| c.culture == REFERENCE)
        .expect("checked");
    let order: Vec<&str> = reference.strings.iter().map(|e| e.key.as_str()).collect();
    let mut s = String::new();
    s.push_str("// @generated by build.rs from templates/office16/*.toml; do not edit.\n\n");
    s.push_str(
        "/// String ids every culture defines, in the order of the reference culture (en-US).\n",
    );
    let _ = writeln!(s, "pub const STRING_IDS: &[&str] = &{order:?};\n");
    s.push_str("/// Every built-in culture: the reference culture (en-US) first, then by name.\n");
    s.push_str("pub static CULTURES: &[CultureStrings] = &[\n");
    for c in cultures {
        let file: BTreeMap<&str, &str> = c
            .file
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        let _ = writeln!(s, "    CultureStrings {{");
        let _ = writeln!(s, "        culture: {:?},", c.culture);
        let _ = writeln!(s, "        display_name: {:?},", file["displayName"]);
        let _ = writeln!(s, "        description: {:?},", file["description"]);
        let _ = writeln!(s, "        strings: &[");
        for id in &order {
            let text = &c
                .strings
                .iter()
                .find(|e| e.key == *id)
                .expect("checked")
                .value;
            let _ = writeln!(s, "            ({id:?}, {text:?}),");
        }
        let _ = writeln!(s, "        ],");
        let _ = writeln!(s, "    }},");
    }
    s.push_str("];\n");
    s
}
