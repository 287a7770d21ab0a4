//! Choosing the ADML of an ADMX for a requested culture.
//!
//! For an ADMX `name.admx` and a requested culture `ll-CC`, the ADML is the
//! first `name.adml` (file name matched ignoring case) found in:
//!
//! 1. [`CultureStep::Requested`]: the folder named `ll-CC` (ignoring case;
//!    `_` counts as `-`, since some stores use `ko_KR`);
//! 2. [`CultureStep::SameLanguage`]: a folder with the same primary language
//!    subtag: the bare `ll` first, then any `ll-XX` in folder-name order;
//! 3. [`CultureStep::FallbackCulture`]: the folder named by the ADMX's
//!    `<resources fallbackCulture>`, when it has one;
//! 4. [`CultureStep::EnUs`]: `en-US`, the schema's default fallback culture.
//!
//! Step 3 follows the schema documentation ("the default language to use
//! when the .adml file does not exist ... for the required language");
//! step 2 is what admins expect from a `de` folder serving `de-DE` and is
//! PolicyPlus's order. A missing string inside the chosen ADML does *not*
//! fall through to another culture: Windows reads one ADML per ADMX.

use serde::Serialize;

use super::{AdmlId, AdmxId, Store};

/// The culture every store is expected to have.
pub const DEFAULT_CULTURE: &str = "en-US";

/// Which step of the fallback order found the ADML.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CultureStep {
    /// The requested culture itself.
    Requested,
    /// Another culture with the same primary language subtag.
    SameLanguage,
    /// The ADMX's `fallbackCulture`.
    FallbackCulture,
    /// `en-US`.
    EnUs,
}

impl CultureStep {
    /// Short description, as shown (`requested culture`, `same language`, ...).
    pub fn describe(self) -> &'static str {
        match self {
            CultureStep::Requested => "requested culture",
            CultureStep::SameLanguage => "same language",
            CultureStep::FallbackCulture => "the admx's fallbackCulture",
            CultureStep::EnUs => "en-US default",
        }
    }
}

/// The ADML chosen for one ADMX and culture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AdmlChoice {
    /// The ADML.
    pub adml: AdmlId,
    /// How it was found.
    pub step: CultureStep,
}

/// `de-DE` -> `de`; `ko_KR` -> `ko`; `de` -> `de`.
pub fn primary_subtag(culture: &str) -> &str {
    culture.split(['-', '_']).next().unwrap_or(culture)
}

/// Culture names equal ignoring case, with `_` equal to `-`.
pub fn same_culture(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.chars().zip(b.chars()).all(|(x, y)| {
            let n = |c: char| {
                if c == '_' {
                    '-'
                } else {
                    c.to_ascii_lowercase()
                }
            };
            n(x) == n(y)
        })
}

impl Store {
    /// The ADML of `admx` in exactly `culture` (no fallback; folder and file
    /// names ignoring case). With duplicates, the first in load order.
    pub fn adml_in(&self, admx: AdmxId, culture: &str) -> Option<AdmlId> {
        let key = (culture.to_lowercase(), self.admx(admx).stem.to_lowercase());
        self.adml_index.get(&key).copied()
    }

    /// Every ADML of `admx`, in every culture, in load order (duplicates included).
    pub fn admls_of(&self, admx: AdmxId) -> &[AdmlId] {
        self.adml_by_stem
            .get(&self.admx(admx).stem.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// The ADMX an ADML belongs to (same file name ignoring case; the first
    /// such ADMX in load order).
    pub fn admx_of(&self, adml: AdmlId) -> Option<AdmxId> {
        let stem = self.adml(adml).stem.to_lowercase();
        self.admx_ids()
            .find(|&id| self.admx(id).stem.to_lowercase() == stem)
    }

    /// The ADML for `admx` in `culture`, following the fallback order above.
    pub fn adml_for(&self, admx: AdmxId, culture: &str) -> Option<AdmlChoice> {
        let file = self.admx(admx);
        let candidates = self.adml_by_stem.get(&file.stem.to_lowercase())?;
        let culture_of = |id: &AdmlId| self.adml(*id).culture.as_deref().unwrap_or("");
        let exact = |want: &str| {
            candidates
                .iter()
                .find(|id| same_culture(culture_of(id), want))
                .copied()
        };

        if let Some(id) = exact(culture) {
            return Some(AdmlChoice {
                adml: id,
                step: CultureStep::Requested,
            });
        }
        let lang = primary_subtag(culture);
        if !lang.is_empty() {
            if let Some(id) = exact(lang) {
                return Some(AdmlChoice {
                    adml: id,
                    step: CultureStep::SameLanguage,
                });
            }
            let mut same: Vec<AdmlId> = candidates
                .iter()
                .filter(|id| primary_subtag(culture_of(id)).eq_ignore_ascii_case(lang))
                .copied()
                .collect();
            same.sort_by_key(|id| (culture_of(id).to_lowercase(), *id));
            if let Some(&id) = same.first() {
                return Some(AdmlChoice {
                    adml: id,
                    step: CultureStep::SameLanguage,
                });
            }
        }
        let fallback = file
            .doc
            .resources
            .as_ref()
            .and_then(|r| r.fallback_culture.as_deref());
        if let Some(fb) = fallback.filter(|f| !f.trim().is_empty()) {
            if let Some(id) = exact(fb.trim()) {
                return Some(AdmlChoice {
                    adml: id,
                    step: CultureStep::FallbackCulture,
                });
            }
        }
        exact(DEFAULT_CULTURE).map(|id| AdmlChoice {
            adml: id,
            step: CultureStep::EnUs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        AdmxResources, NamespaceDecl, PolicyDefinitionResources, PolicyDefinitions,
        PolicyNamespaces,
    };

    fn admx(ns: &str, fallback: Option<&str>) -> PolicyDefinitions {
        PolicyDefinitions {
            policy_namespaces: Some(PolicyNamespaces {
                target: Some(NamespaceDecl {
                    prefix: Some("p".into()),
                    namespace: Some(ns.into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            resources: Some(AdmxResources {
                min_required_revision: Some("1.0".into()),
                fallback_culture: fallback.map(Into::into),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn store(fallback: Option<&str>, cultures: &[&str]) -> Store {
        let mut b = Store::builder().admx_doc("x/App.admx", admx("A", fallback), String::new());
        for c in cultures {
            b = b.adml_doc(
                format!("x/{c}/app.adml"),
                c,
                PolicyDefinitionResources::default(),
                String::new(),
            );
        }
        b.build()
    }

    fn pick(s: &Store, want: &str) -> Option<(String, CultureStep)> {
        s.adml_for(AdmxId(0), want)
            .map(|c| (s.adml(c.adml).culture.clone().unwrap(), c.step))
    }

    #[test]
    fn requested_culture_matches_ignoring_case_and_underscore() {
        let s = store(None, &["en-us", "ko_KR"]);
        assert_eq!(
            pick(&s, "EN-US"),
            Some(("en-us".into(), CultureStep::Requested))
        );
        assert_eq!(
            pick(&s, "ko-kr"),
            Some(("ko_KR".into(), CultureStep::Requested))
        );
    }

    #[test]
    fn same_language_prefers_bare_subtag_then_folder_order() {
        let s = store(None, &["de-CH", "de-AT", "en-US"]);
        assert_eq!(
            pick(&s, "de-DE"),
            Some(("de-AT".into(), CultureStep::SameLanguage))
        );
        let s = store(None, &["de-AT", "de", "en-US"]);
        assert_eq!(
            pick(&s, "de-DE"),
            Some(("de".into(), CultureStep::SameLanguage))
        );
    }

    #[test]
    fn fallback_culture_before_en_us() {
        let s = store(Some("fr-FR"), &["fr-fr", "en-US"]);
        assert_eq!(
            pick(&s, "ja-JP"),
            Some(("fr-fr".into(), CultureStep::FallbackCulture))
        );
        let s = store(Some("fr-FR"), &["en-US"]);
        assert_eq!(pick(&s, "ja-JP"), Some(("en-US".into(), CultureStep::EnUs)));
        let s = store(None, &["it-IT"]);
        assert_eq!(pick(&s, "ja-JP"), None);
    }

    #[test]
    fn subtags() {
        assert_eq!(primary_subtag("de-DE"), "de");
        assert_eq!(primary_subtag("ko_KR"), "ko");
        assert_eq!(primary_subtag("fr"), "fr");
        assert!(same_culture("en-US", "EN_us"));
        assert!(!same_culture("en-US", "en-GB"));
    }
}
