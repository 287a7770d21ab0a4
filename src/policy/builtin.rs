//! The built-in template: Office 2016's "LinkedIn features" policy as model
//! values, with exactly Microsoft's identifiers (names, namespaces, string
//! ids, registry key and value), so that a GPO made with it is the same as
//! one made with Microsoft's full `office16.admx`, and Microsoft's template
//! can replace ours later as a plain upgrade. Facts: formats.md §1.

use crate::model::{
    AdmlResources, AdmxResources, Category, ItemRef, List, NamespaceDecl, Node, Policy,
    PolicyDefinitionResources, PolicyDefinitions, PolicyNamespaces, SourceInfo, StringEntry,
    TextElement, Value, ValueSlot, XmlDeclaration, namespaces,
};

use super::strings;

/// File name of the ADMX in `PolicyDefinitions`.
pub const ADMX_FILE: &str = "office16.admx";
/// File name of the ADML in `PolicyDefinitions/<culture>`.
pub const ADML_FILE: &str = "office16.adml";
/// Target namespace of Microsoft's office16 template.
pub const TARGET_NAMESPACE: &str = "office16.Office.Microsoft.Policies.Windows";
/// Target prefix of Microsoft's office16 template.
pub const TARGET_PREFIX: &str = "office16";
/// Prefix under which `Windows.admx` is used (for `SUPPORTED_Windows7`).
pub const WINDOWS_PREFIX: &str = "windows";
/// Namespace of `Windows.admx`.
pub const WINDOWS_NAMESPACE: &str = "Microsoft.Policies.Windows";
/// Root category ("Microsoft Office 2016").
pub const ROOT_CATEGORY: &str = "L_MicrosoftOfficeSystem";
/// The policy's category ("Miscellaneous"), under [`ROOT_CATEGORY`].
pub const CATEGORY: &str = "L_miscellaneous437";
/// The policy name.
pub const POLICY_NAME: &str = "L_AllowLinkedInFeatures";
/// String id of the policy's explain text.
pub const EXPLAIN_ID: &str = "L_AllowLinkedInFeaturesExplain";
/// Registry key (below HKCU), in the case Microsoft's ADMX uses.
pub const KEY: &str = r"software\policies\microsoft\office\16.0\common";
/// Registry value name.
pub const VALUE_NAME: &str = "linkedin";
/// `supportedOn` reference (defined in `Windows.admx`).
pub const SUPPORTED_ON: &str = "windows:SUPPORTED_Windows7";
/// REG_DWORD written when the policy is enabled.
pub const ENABLED_VALUE: u32 = 1;
/// REG_DWORD written when the policy is disabled.
pub const DISABLED_VALUE: u32 = 0;

fn string_ref(id: &str) -> Option<String> {
    Some(format!("$(string.{id})"))
}

fn source() -> SourceInfo {
    SourceInfo {
        declaration: Some(XmlDeclaration {
            version: Some("1.0".into()),
            encoding: Some("utf-8".into()),
            standalone: None,
        }),
        // Windows' own templates use the 2006/07 namespace; gpedit accepts it
        // as well as Microsoft's namespace-less Office files.
        namespace: Some(namespaces::SCHEMAS_2006.into()),
        ..SourceInfo::default()
    }
}

/// The LinkedIn policy (`L_AllowLinkedInFeatures`) as it appears in the ADMX.
pub fn linkedin_policy() -> Policy {
    Policy {
        name: Some(POLICY_NAME.into()),
        class: Some("User".into()),
        display_name: string_ref(POLICY_NAME),
        explain_text: string_ref(EXPLAIN_ID),
        key: Some(KEY.into()),
        value_name: Some(VALUE_NAME.into()),
        parent_category: Some(ItemRef::new(CATEGORY)),
        supported_on: Some(ItemRef::new(SUPPORTED_ON)),
        enabled_value: Some(ValueSlot::new(Value::decimal(ENABLED_VALUE))),
        disabled_value: Some(ValueSlot::new(Value::decimal(DISABLED_VALUE))),
        ..Policy::default()
    }
}

/// The built-in `office16.admx` as a model value.
pub fn definitions() -> PolicyDefinitions {
    let ns = |p: &str, n: &str| NamespaceDecl {
        node: Node::default(),
        prefix: Some(p.into()),
        namespace: Some(n.into()),
    };
    PolicyDefinitions {
        source: source(),
        revision: Some("1.0".into()),
        schema_version: Some("1.0".into()),
        policy_namespaces: Some(PolicyNamespaces {
            node: Node::default(),
            target: Some(ns(TARGET_PREFIX, TARGET_NAMESPACE)),
            using: vec![ns(WINDOWS_PREFIX, WINDOWS_NAMESPACE)],
        }),
        resources: Some(AdmxResources {
            min_required_revision: Some("1.0".into()),
            ..AdmxResources::default()
        }),
        categories: Some(List::new(vec![
            Category {
                name: Some(ROOT_CATEGORY.into()),
                display_name: string_ref(ROOT_CATEGORY),
                ..Category::default()
            },
            Category {
                name: Some(CATEGORY.into()),
                display_name: string_ref(CATEGORY),
                parent_category: Some(ItemRef::new(ROOT_CATEGORY)),
                ..Category::default()
            },
        ])),
        policies: Some(List::new(vec![linkedin_policy()])),
        ..PolicyDefinitions::default()
    }
}

/// The built-in `<culture>/office16.adml` as a model value, or `None` when
/// the culture is not built in (matched case-insensitively; see
/// [`super::culture_names`]).
pub fn resources(culture: &str) -> Option<PolicyDefinitionResources> {
    let c = strings::culture(culture)?;
    let table = c
        .strings
        .iter()
        .map(|(id, text)| StringEntry {
            node: Node::default(),
            id: Some((*id).into()),
            text: (*text).into(),
        })
        .collect();
    Some(PolicyDefinitionResources {
        source: source(),
        revision: Some("1.0".into()),
        schema_version: Some("1.0".into()),
        display_name: Some(TextElement::new(c.display_name)),
        description: Some(TextElement::new(c.description)),
        resources: Some(AdmlResources {
            string_table: Some(List::new(table)),
            ..AdmlResources::default()
        }),
        ..PolicyDefinitionResources::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_string_ref;

    /// Every `$(string.X)` the ADMX uses, in order.
    fn referenced_ids(d: &PolicyDefinitions) -> Vec<String> {
        let mut ids = Vec::new();
        for c in d.categories() {
            ids.extend(
                c.display_name
                    .as_deref()
                    .and_then(parse_string_ref)
                    .map(String::from),
            );
        }
        for p in d.policies() {
            for r in [&p.display_name, &p.explain_text] {
                ids.extend(r.as_deref().and_then(parse_string_ref).map(String::from));
            }
        }
        ids
    }

    #[test]
    fn every_reference_resolves_in_every_culture_and_no_string_is_unused() {
        let d = definitions();
        let mut refs = referenced_ids(&d);
        refs.sort();
        let mut ids: Vec<String> = strings::STRING_IDS.iter().map(|s| s.to_string()).collect();
        ids.sort();
        assert_eq!(refs, ids);
        for c in strings::culture_names() {
            let r = resources(c).unwrap();
            for id in &refs {
                assert!(
                    r.string(id).is_some_and(|s| !s.text.trim().is_empty()),
                    "{c}: {id}"
                );
            }
        }
    }

    #[test]
    fn explain_texts_cover_the_three_states_and_the_tenant_switch() {
        // One marker per required topic, per culture, in that culture's words.
        let markers: &[(&str, [&str; 5])] = &[
            (
                "en-US",
                [
                    "Enabled:",
                    "Disabled:",
                    "Not configured:",
                    "local machine",
                    "LinkedIn account connections",
                ],
            ),
            (
                "nl-NL",
                [
                    "Ingeschakeld:",
                    "Uitgeschakeld:",
                    "Niet geconfigureerd:",
                    "lokale computer",
                    "LinkedIn-accountverbindingen",
                ],
            ),
            (
                "de-DE",
                [
                    "Aktiviert:",
                    "Deaktiviert:",
                    "Nicht konfiguriert:",
                    "lokalen Computer",
                    "LinkedIn-Kontoverbindungen",
                ],
            ),
            (
                "fr-FR",
                [
                    "Activé :",
                    "Désactivé :",
                    "Non configuré :",
                    "ordinateur local",
                    "Connexions de compte LinkedIn",
                ],
            ),
        ];
        for (culture, words) in markers {
            let text = strings::culture(culture).unwrap().get(EXPLAIN_ID).unwrap();
            for w in words {
                assert!(text.contains(w), "{culture}: explain text lacks {w:?}");
            }
            assert!(
                text.contains("Azure AD"),
                "{culture}: explain text lacks the portal name"
            );
        }
    }

    #[test]
    fn unknown_culture_has_no_resources() {
        assert!(resources("xx-XX").is_none());
        assert!(resources("DE-de").is_some());
    }
}
