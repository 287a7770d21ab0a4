//! GPMC GPO backups: writing and reading.

use crate::diagnostic::Rule;

/// Codes for backup findings.
pub const RULES: &[Rule] = &[];
