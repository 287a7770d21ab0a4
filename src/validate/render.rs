//! Rendering a [`Report`]: rustc-style text, JSON, SARIF 2.1.0.
//! These functions build strings; they never print.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::json;

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

type Files<'a> = std::collections::HashMap<&'a Path, &'a SourceFile, Quick>;

/// A fast hasher for the few keys of one report (paths, addresses): the
/// default one costs more than the lookups it serves here.
type Quick = std::hash::BuildHasherDefault<QuickHasher>;

/// FNV-1a over 8-byte words (see [`Quick`]).
#[derive(Default)]
struct QuickHasher(u64);

impl std::hash::Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            h = (h ^ u64::from_le_bytes(a)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        for &b in words.remainder() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    fn finish(&self) -> u64 {
        // mix the high bits down: hashbrown takes its control bits from the top
        let h = self.0 ^ 0xcbf2_9ce4_8422_2325;
        (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
}

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

/// A JSON array; each finding has `code`, `name`, `severity`, `message`, `file`,
/// `line`, `column`, `end_line`, `end_column` (1-based; columns in characters).
pub fn json(report: &Report) -> String {
    let files = &index(report);
    let v: Vec<JsonFinding> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (a, b) = locate(file_of(files, d), d.span);
            JsonFinding {
                code: &d.code,
                name: super::rules::rule(&d.code).map_or("", |r| r.name),
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
