//! The one place the store calls the ADMX/ADML reader, so the rest of the
//! store does not depend on the reader's exact signatures.

use crate::model::{PolicyDefinitionResources, PolicyDefinitions};

/// Why a file could not be turned into a model (the reader's error).
pub type ParseError = String;

/// Parses ADMX bytes into the model and the decoded text.
pub(crate) fn admx(_bytes: &[u8]) -> Result<(PolicyDefinitions, String), ParseError> {
    Err("the ADMX reader is not available yet".to_owned())
}

/// Parses ADML bytes into the model and the decoded text.
pub(crate) fn adml(_bytes: &[u8]) -> Result<(PolicyDefinitionResources, String), ParseError> {
    Err("the ADML reader is not available yet".to_owned())
}
