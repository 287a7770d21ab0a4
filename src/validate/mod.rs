//! Validation of ADMX/ADML files and central stores.

use crate::diagnostic::Rule;

/// Codes for template findings.
pub const RULES: &[Rule] = &[];
