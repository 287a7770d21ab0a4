//! Rendering a [`Report`]: rustc-style text, JSON, SARIF 2.1.0.
//! These functions build strings; they never print.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use super::hash::HashMap;
use super::{Report, SourceFile};
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::{LineCol, Span};

/// Output formats of `gpforge validate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// rustc-style text with the source line and a caret.
    #[default]
    Human,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
}

impl Format {
    /// Parses `human`, `json`, `sarif`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "human" | "text" => Some(Format::Human),
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            _ => None,
        }
    }
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Human => human(report),
        Format::Json => json(report),
        Format::Sarif => sarif(report),
    }
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// [`path_str`] without a copy when there is nothing to replace.
fn path_cow(p: &Path) -> Cow<'_, str> {
    match p.to_string_lossy() {
        Cow::Borrowed(s) if !s.contains('\\') => Cow::Borrowed(s),
        s => Cow::Owned(s.replace('\\', "/")),
    }
}

/// Start and end (exclusive) line:column of `span` in `file` (1:1 when
/// there is no file or span, or its line is not known).
fn locate(file: Option<&SourceFile>, span: Option<Span>) -> (LineCol, LineCol) {
    match (file, span) {
        (Some(f), Some(s)) => (
            f.line_col(s.start()).unwrap_or(ONE),
            f.line_col(s.end().max(s.start())).unwrap_or(ONE),
        ),
        _ => (ONE, ONE),
    }
}

const ONE: LineCol = LineCol { line: 1, column: 1 };

type Files<'a> = HashMap<&'a Path, &'a SourceFile>;

fn index(report: &Report) -> Files<'_> {
    report.files.iter().map(|f| (f.path.as_path(), f)).collect()
}

fn file_of<'a>(files: &Files<'a>, d: &Diagnostic) -> Option<&'a SourceFile> {
    d.file.as_deref().and_then(|p| files.get(p).copied())
}

/// One source line with a caret under `span` (`prefix` is the gutter width).
fn snippet(out: &mut String, f: &SourceFile, span: Span, gutter: usize, label: Option<&str>) {
    let (Some(a), Some(b), Some(line)) = (
        f.line_col(span.start()),
        f.line_col(span.end().max(span.start())),
        f.line_col(span.start()).and_then(|a| f.line_text(a.line)),
    ) else {
        return;
    };
    let chars: Vec<char> = line.chars().collect();
    let col = (a.column as usize).saturating_sub(1).min(chars.len());
    let mut width = if b.line == a.line {
        (b.column as usize).saturating_sub(a.column as usize)
    } else {
        chars.len().saturating_sub(col)
    };
    width = width.max(1);
    // long lines: a window around the caret
    let (from, pre) = if chars.len() > 160 && col > 60 {
        (col - 40, "...")
    } else {
        (0, "")
    };
    let to = (from + 160).min(chars.len()).max(col.min(chars.len()));
    let shown: String = chars[from..to]
        .iter()
        .map(|&c| if c == '\t' { ' ' } else { c })
        .collect();
    let post = if to < chars.len() { "..." } else { "" };
    let width = width.min((to + 3).saturating_sub(col)).max(1);
    let _ = writeln!(out, "{:>gutter$} |", "");
    let _ = writeln!(out, "{:>gutter$} | {pre}{shown}{post}", a.line);
    let pad = pre.len() + col - from;
    let label = label.map(|l| format!(" {l}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{:>gutter$} | {:pad$}{}{label}",
        "",
        "",
        "^".repeat(width)
    );
}

/// rustc-style text: `error[CODE]: message`, `--> file:line:col`, the line and a caret.
pub fn human(report: &Report) -> String {
    let files = index(report);
    let mut out = String::new();
    for d in &report.diagnostics {
        let file = file_of(&files, d);
        let (a, _) = locate(file, d.span);
        let gutter = a.line.to_string().len().max(
            d.labels
                .iter()
                .filter_map(|l| {
                    let lf = l
                        .file
                        .as_deref()
                        .or(d.file.as_deref())
                        .and_then(|p| files.get(p).copied())?;
                    Some(
                        lf.line_col(l.span.start())
                            .unwrap_or(ONE)
                            .line
                            .to_string()
                            .len(),
                    )
                })
                .max()
                .unwrap_or(0),
        );
        let _ = writeln!(out, "{}[{}]: {}", d.severity, d.code, d.message);
        if let Some(p) = &d.file {
            let _ = writeln!(
                out,
                "{:>gutter$}--> {}:{}:{}",
                "",
                path_str(p),
                a.line,
                a.column
            );
        }
        if let (Some(f), Some(s)) = (file, d.span) {
            if f.text_len() > 0 {
                snippet(&mut out, f, s, gutter, None);
            }
        }
        for l in &d.labels {
            let lp = l.file.as_deref().or(d.file.as_deref());
            if let Some(lf) = lp.and_then(|p| files.get(p).copied()) {
                let lc = lf.line_col(l.span.start()).unwrap_or(ONE);
                let _ = writeln!(
                    out,
                    "{:>gutter$}::: {}:{}:{}",
                    "",
                    path_str(&lf.path),
                    lc.line,
                    lc.column
                );
                snippet(&mut out, lf, l.span, gutter, Some(&l.message));
            }
        }
        if let Some(h) = &d.help {
            let _ = writeln!(out, "{:>gutter$} = help: {h}", "");
        }
        out.push('\n');
    }
    let (e, w, i) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    let plural = |n: usize, s: &str| {
        if n == 1 {
            format!("{n} {s}")
        } else {
            format!("{n} {s}s")
        }
    };
    let _ = writeln!(
        out,
        "{}, {}, {} in {} ({} profile)",
        plural(e, "error"),
        plural(w, "warning"),
        plural(i, "info"),
        plural(report.files.len(), "file"),
        match report.profile {
            super::Profile::Windows => "windows",
            super::Profile::Strict => "strict",
        }
    );
    out
}

/// A JSON array; each finding has `code`, `name`, `severity`, `message`, `file`,
/// `line`, `column`, `end_line`, `end_column` (1-based; columns in characters),
/// `help` when there is one and `labels` (`file`, `line`, `column`, `message`)
/// when there are any.
///
/// Written by hand, byte for byte what `serde_json`'s pretty printer makes of
/// the same values (a test holds it to that): a report of a large store has
/// hundreds of findings, and this is the last step before the output.
pub fn json(report: &Report) -> String {
    let files = index(report);
    let names: HashMap<&str, &str> = super::RULES.iter().map(|r| (r.code, r.name)).collect();
    let mut out = String::with_capacity(420 * report.diagnostics.len() + 4);
    out.push('[');
    // the findings come sorted by file: the last one's file, looked up
    let mut last: Option<(&Path, Option<&SourceFile>, Cow<'_, str>)> = None;
    for (k, d) in report.diagnostics.iter().enumerate() {
        out.push_str(if k == 0 { "\n  {" } else { ",\n  {" });
        let file = match d.file.as_deref() {
            Some(p) => {
                let same = last
                    .as_ref()
                    .is_some_and(|(q, _, _)| q.as_os_str() == p.as_os_str());
                if !same {
                    last = Some((p, files.get(p).copied(), path_cow(p)));
                }
                last.as_ref().map(|(_, f, s)| (*f, s.as_ref()))
            }
            None => None,
        };
        let (a, b) = locate(file.and_then(|(f, _)| f), d.span);
        json_key(&mut out, 4, "code", true);
        json_str(&mut out, &d.code);
        json_key(&mut out, 4, "name", false);
        json_str(&mut out, names.get(d.code.as_str()).copied().unwrap_or(""));
        json_key(&mut out, 4, "severity", false);
        json_str(&mut out, d.severity.as_str());
        json_key(&mut out, 4, "message", false);
        json_str(&mut out, &d.message);
        json_key(&mut out, 4, "file", false);
        match file {
            Some((_, s)) => json_str(&mut out, s),
            None => out.push_str("null"),
        }
        for (name, n) in [
            ("line", a.line),
            ("column", a.column),
            ("end_line", b.line),
            ("end_column", b.column),
        ] {
            json_key(&mut out, 4, name, false);
            json_u32(&mut out, n);
        }
        if let Some(h) = &d.help {
            json_key(&mut out, 4, "help", false);
            json_str(&mut out, h);
        }
        if !d.labels.is_empty() {
            json_key(&mut out, 4, "labels", false);
            out.push('[');
            for (i, l) in d.labels.iter().enumerate() {
                out.push_str(if i == 0 { "\n      {" } else { ",\n      {" });
                let lp = l.file.as_deref().or(d.file.as_deref());
                let lf = lp.and_then(|p| files.get(p).copied());
                let la = lf.and_then(|f| f.line_col(l.span.start())).unwrap_or(ONE);
                json_key(&mut out, 8, "file", true);
                match lp {
                    Some(p) => json_str(&mut out, &path_cow(p)),
                    None => out.push_str("null"),
                }
                json_key(&mut out, 8, "line", false);
                json_u32(&mut out, la.line);
                json_key(&mut out, 8, "column", false);
                json_u32(&mut out, la.column);
                json_key(&mut out, 8, "message", false);
                json_str(&mut out, &l.message);
                out.push_str("\n      }");
            }
            out.push_str("\n    ]");
        }
        out.push_str("\n  }");
    }
    out.push_str(if report.diagnostics.is_empty() {
        "]\n"
    } else {
        "\n]\n"
    });
    out
}

/// The start of an object member: a line break (after a comma unless it is
/// the first), `indent` spaces, the quoted key and `: `.
fn json_key(out: &mut String, indent: usize, key: &str, first: bool) {
    out.push_str(if first { "\n" } else { ",\n" });
    for _ in 0..indent {
        out.push(' ');
    }
    out.push('"');
    out.push_str(key);
    out.push_str("\": ");
}

/// `n` in decimal.
fn json_u32(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// `s` as a JSON string, escaped as `serde_json` escapes: `"`, `\\` and the
/// control characters below U+0020 (short forms where JSON has them), nothing
/// else.
fn json_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let b = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        // eight bytes at a time while none of them needs escaping
        if i + 8 <= b.len() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            let w = u64::from_le_bytes(w);
            const ONES: u64 = 0x0101_0101_0101_0101;
            const HIGH: u64 = 0x8080_8080_8080_8080;
            let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
            let control = w.wrapping_sub(0x20 * ONES) & !w & HIGH;
            if control
                | zero_in(w ^ (u64::from(b'"') * ONES))
                | zero_in(w ^ (u64::from(b'\\') * ONES))
                == 0
            {
                i += 8;
                continue;
            }
        }
        let c = b[i];
        if c < 0x20 || c == b'"' || c == b'\\' {
            // (an ASCII byte: `i` and `i + 1` are character boundaries)
            out.push_str(&s[start..i]);
            match c {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\r' => out.push_str("\\r"),
                b'\t' => out.push_str("\\t"),
                0x08 => out.push_str("\\b"),
                0x0c => out.push_str("\\f"),
                _ => {
                    out.push_str("\\u00");
                    out.push(char::from(HEX[usize::from(c >> 4)]));
                    out.push(char::from(HEX[usize::from(c & 15)]));
                }
            }
            start = i + 1;
        }
        i += 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference for a path (forward slashes, percent-encoded).
/// Absolute paths become `file://` URIs (SARIF viewers then resolve them);
/// relative paths stay relative to where gpforge ran (GitHub resolves them
/// against the repository root).
fn uri(p: &Path) -> String {
    let s = path_str(p);
    let s = s.strip_prefix("./").unwrap_or(&s);
    let mut out = String::new();
    if p.is_absolute() {
        out.push_str(if s.starts_with('/') {
            "file://"
        } else {
            "file:///"
        });
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// SARIF 2.1.0 with `tool.driver.rules` (every validation rule, with help) and one result per finding.
pub fn sarif(report: &Report) -> String {
    let files = &index(report);
    let rules: Vec<_> = super::RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.explanation.trim(), "markdown": r.explanation.trim() },
                "defaultConfiguration": { "level": sarif_level(r.severity) },
                "properties": { "tags": [r.group] }
            })
        })
        .collect();
    let results: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (a, b) = locate(file_of(files, d), d.span);
            let mut res = json!({
                "ruleId": d.code,
                "level": sarif_level(d.severity),
                "message": { "text": d.message },
            });
            if let Some(i) = super::RULES.iter().position(|r| r.code == d.code) {
                res["ruleIndex"] = json!(i);
            }
            if let Some(p) = &d.file {
                res["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(p) },
                        "region": {
                            "startLine": a.line,
                            "startColumn": a.column,
                            "endLine": b.line,
                            "endColumn": b.column.max(if b.line == a.line { a.column + 1 } else { 1 }),
                        }
                    }
                }]);
            }
            res
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "gpforge",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/gpforge/gpforge",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct JsonLabel<'a> {
        file: Option<Cow<'a, str>>,
        line: u32,
        column: u32,
        message: &'a str,
    }

    #[derive(Serialize)]
    struct JsonFinding<'a> {
        code: &'a str,
        name: &'static str,
        severity: Severity,
        message: &'a str,
        file: Option<Cow<'a, str>>,
        line: u32,
        column: u32,
        end_line: u32,
        end_column: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        help: Option<&'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        labels: Vec<JsonLabel<'a>>,
    }

    /// What `json` wrote before it was written by hand: `serde_json`'s pretty printer.
    fn reference_json(report: &Report) -> String {
        let files = &index(report);
        let v: Vec<JsonFinding> = report
            .diagnostics
            .iter()
            .map(|d| {
                let (a, b) = locate(file_of(files, d), d.span);
                JsonFinding {
                    code: &d.code,
                    name: crate::validate::rules::rule(&d.code).map_or("", |r| r.name),
                    severity: d.severity,
                    message: &d.message,
                    file: d.file.as_deref().map(path_cow),
                    line: a.line,
                    column: a.column,
                    end_line: b.line,
                    end_column: b.column,
                    help: d.help.as_deref(),
                    labels: d
                        .labels
                        .iter()
                        .map(|l| {
                            let lp = l.file.as_deref().or(d.file.as_deref());
                            let lf = lp.and_then(|p| files.get(p).copied());
                            let la = lf.and_then(|f| f.line_col(l.span.start())).unwrap_or(ONE);
                            JsonLabel {
                                file: lp.map(path_cow),
                                line: la.line,
                                column: la.column,
                                message: &l.message,
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        // (room for the usual finding up front: no copies while it grows)
        let mut buf = Vec::with_capacity(512 * v.len() + 64);
        let mut s = match serde_json::to_writer_pretty(&mut buf, &v) {
            Ok(()) => String::from_utf8(buf).unwrap_or_else(|_| "[]".into()),
            Err(_) => "[]".into(),
        };
        s.push('\n');
        s
    }

    #[test]
    fn json_is_what_serde_json_writes() {
        let text = "<a>\n  <b x=\"1\"/>\r\n\t<c>é€𝄞</c>\r<d/>\n";
        let path = std::path::PathBuf::from("dir\\sub/t.admx");
        let other = std::path::PathBuf::from("other.adml");
        let all: Vec<usize> = (0..=text.len()).collect();
        let mut strange = String::new();
        for c in (0u8..0x80)
            .map(char::from)
            .chain(['é', '€', '𝄞', '\u{7f}', '\u{2028}'])
        {
            strange.push(c);
            strange.push_str("ab");
        }
        let mut with_labels =
            Diagnostic::new("STORE001", Severity::Error, strange.clone()).with_file(path.clone());
        with_labels.span = Some(Span::new(5, 9));
        with_labels.help = Some(format!("help {strange}"));
        for (file, at) in [
            (None, 14),
            (Some(other.clone()), 2),
            (Some(std::path::PathBuf::from("gone")), 0),
        ] {
            with_labels.labels.push(crate::Label {
                file,
                span: Span::new(at, at + 1),
                message: format!("label \"{at}\"\u{1}"),
            });
        }
        let mut plain =
            Diagnostic::new("SCH004", Severity::Warning, "plain").with_file(path.clone());
        plain.span = Some(Span::new(20, 40));
        let mut unknown = Diagnostic::new("NOPE", Severity::Info, "no such rule, no file");
        unknown.span = Some(Span::new(3, 4));
        let mut far =
            Diagnostic::new("REF001", Severity::Error, "past the end").with_file(other.clone());
        far.span = Some(Span::new(1000, 2000));
        let report = Report {
            diagnostics: vec![with_labels, plain, unknown, far],
            files: vec![
                SourceFile::excerpt(path, text, &all),
                SourceFile::excerpt(other, "x\ny", &[0, 1, 2, 3]),
            ],
            profile: super::super::Profile::Windows,
        };
        for n in 0..=report.diagnostics.len() {
            let mut r = report.clone();
            r.diagnostics.truncate(n);
            assert_eq!(json(&r), reference_json(&r), "{n} findings");
        }
    }
}
