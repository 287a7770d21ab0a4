//! What a store run needs to know about one template file, read with the
//! crate's reader ([`crate::admx::parse_admx`] / [`crate::admx::parse_adml`]).

use std::cmp::Ordering;

use crate::model::SourceInfo;
use crate::xml::decode::{EncodingConflict, declaration_conflict};

/// Facts about one ADMX file.
#[derive(Clone, Debug, Default)]
pub(crate) struct AdmxInfo {
    /// Target namespace.
    pub namespace: Option<String>,
    /// Namespaces named by `<using>`.
    pub uses: Vec<String>,
    /// Root `revision`.
    pub revision: Option<String>,
    /// Policy names, in file order.
    pub policies: Vec<String>,
    /// `resources/@fallbackCulture`.
    pub fallback: Option<String>,
}

/// Facts about one ADML file.
#[derive(Clone, Debug, Default)]
pub(crate) struct AdmlInfo {
    /// Root `revision`.
    pub revision: Option<String>,
}

/// Reads an ADMX; the error is one line naming the position.
pub(crate) fn admx_info(bytes: &[u8]) -> Result<AdmxInfo, String> {
    let parsed = crate::admx::parse_admx(bytes).map_err(|e| e.to_string())?;
    let doc = parsed.doc;
    encoding_problem(&doc.source).map_or(Ok(()), Err)?;
    Ok(AdmxInfo {
        namespace: doc.target().and_then(|t| t.namespace.clone()),
        uses: doc
            .usings()
            .iter()
            .filter_map(|u| u.namespace.clone())
            .collect(),
        revision: doc.revision.clone(),
        policies: doc
            .policies()
            .iter()
            .filter_map(|p| p.name.clone())
            .collect(),
        fallback: doc
            .resources
            .as_ref()
            .and_then(|r| r.fallback_culture.clone()),
    })
}

/// Reads an ADML; the error is one line naming the position.
pub(crate) fn adml_info(bytes: &[u8]) -> Result<AdmlInfo, String> {
    let parsed = crate::admx::parse_adml(bytes).map_err(|e| e.to_string())?;
    encoding_problem(&parsed.doc.source).map_or(Ok(()), Err)?;
    Ok(AdmlInfo {
        revision: parsed.doc.revision.clone(),
    })
}

/// A file whose byte-order mark and XML declaration contradict each other:
/// Windows' parser refuses it, so a store must not receive it. (An unknown
/// label is left to the validator: Windows ships `encoding="unicode"`.)
fn encoding_problem(src: &SourceInfo) -> Option<String> {
    match declaration_conflict(src.encoding, src.declaration.as_ref())? {
        c @ EncodingConflict::Contradicts { .. } => Some(format!("encoding mismatch: {c}")),
        EncodingConflict::UnknownLabel { .. } => None,
    }
}

/// Compares two `revision` strings (`major.minor`, any number of parts)
/// numerically; `None` when either is missing or not numeric.
pub(crate) fn compare_revisions(a: Option<&str>, b: Option<&str>) -> Option<Ordering> {
    let parse =
        |s: &str| -> Option<Vec<u64>> { s.trim().split('.').map(|p| p.parse().ok()).collect() };
    let (mut x, mut y) = (parse(a?)?, parse(b?)?);
    let n = x.len().max(y.len());
    x.resize(n, 0);
    y.resize(n, 0);
    Some(x.cmp(&y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_compare_numerically() {
        assert_eq!(
            compare_revisions(Some("1.10"), Some("1.9")),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_revisions(Some("1.0"), Some("1")),
            Some(Ordering::Equal)
        );
        assert_eq!(compare_revisions(Some("x"), Some("1")), None);
        assert_eq!(compare_revisions(None, Some("1")), None);
    }
}
