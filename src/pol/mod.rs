//! registry.pol (`PReg`) codec.

use crate::diagnostic::Rule;

/// Codes for registry.pol findings.
pub const RULES: &[Rule] = &[];
