//! Findings: what a check found in a file, as opposed to a fatal error that
//! stopped the work (see [`crate::Error`]).
//!
//! Every finding carries a stable code (`XML001`, `POL002`, `GPO005`, ...)
//! registered exactly once in a [`Rule`] table, a severity, a one-line
//! message (lowercase, no trailing period, "expected X, found Y"), the file
//! and a byte [`Span`] in that file. Line:column is computed only when a
//! finding is shown.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::span::Span;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, harmless.
    Info,
    /// Windows tolerates it, but it is likely a mistake or breaks other consumers.
    Warning,
    /// Windows (or the format) refuses it.
    Error,
}

impl Severity {
    /// Lower-case name, as shown and as accepted on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `info`, `warning` (or `warn`), `error`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place that explains a finding ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// File of the label; `None` means the finding's own file.
    pub file: Option<PathBuf>,
    /// Byte span in that file.
    pub span: Span,
    /// Short text shown next to the span.
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `REF001`.
    pub code: String,
    /// Severity (after profile and `--allow`/`--deny` adjustments).
    pub severity: Severity,
    /// One line: what was expected, what was found.
    pub message: String,
    /// The file the finding is about.
    pub file: Option<PathBuf>,
    /// Where in the file: byte offsets into the decoded text (XML) or the raw bytes (binary files).
    pub span: Option<Span>,
    /// Further places.
    pub labels: Vec<Label>,
    /// How to fix it, when there is a short answer.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A finding with the given code, severity and message, without place.
    pub fn new(
        code: impl Into<String>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code: code.into(),
            severity,
            message: message.into(),
            file: None,
            span: None,
            labels: Vec::new(),
            help: None,
        }
    }

    /// Sets the file.
    pub fn with_file(mut self, file: impl Into<PathBuf>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    /// Sets the span.
    pub fn with_span(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    /// Adds a label.
    pub fn with_label(
        mut self,
        file: Option<PathBuf>,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// The registered description of one code. Every code any part of gpforge
/// emits is declared once in a `Rule` table; `gpforge rules` lists them and
/// `gpforge explain CODE` prints [`Rule::explanation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable code (`^[A-Z]+[0-9]{3}$`). Never reused.
    pub code: &'static str,
    /// Kebab-case name, e.g. `unresolved-string-ref`.
    pub name: &'static str,
    /// Layer or area, e.g. `file`, `schema`, `admx`, `adml`, `language`, `store`, `pol`, `backup`.
    pub group: &'static str,
    /// Default severity under the default profile.
    pub severity: Severity,
    /// One-line summary.
    pub summary: &'static str,
    /// Markdown: what it checks, why it matters to an admin, an example, the fix.
    pub explanation: &'static str,
}
