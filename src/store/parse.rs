//! The one place the store calls the ADMX/ADML reader.

use crate::model::{PolicyDefinitionResources, PolicyDefinitions};

/// Why a file could not be turned into a model (the reader's error, with its position).
pub use crate::admx::ParseError;

/// Parses ADMX bytes into the model and the decoded text.
pub(crate) fn admx(bytes: &[u8]) -> Result<(PolicyDefinitions, String), ParseError> {
    crate::admx::parse_admx(bytes).map(|p| (p.doc, p.text))
}

/// Parses ADML bytes into the model and the decoded text.
pub(crate) fn adml(bytes: &[u8]) -> Result<(PolicyDefinitionResources, String), ParseError> {
    crate::admx::parse_adml(bytes).map(|p| (p.doc, p.text))
}
