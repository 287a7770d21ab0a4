//! Store logic on hand-built models (no reader involved).

use super::*;
use crate::model::{
    AdmlResources, AdmxResources, Category, ItemRef, List, NamespaceDecl, Policy, PolicyNamespaces,
    StringEntry, SupportedOnDefinition, SupportedOnTable,
};

fn decl(prefix: &str, ns: &str) -> NamespaceDecl {
    NamespaceDecl {
        prefix: Some(prefix.into()),
        namespace: Some(ns.into()),
        ..Default::default()
    }
}

fn cat(name: &str, parent: Option<&str>) -> Category {
    Category {
        name: Some(name.into()),
        display_name: Some(format!("$(string.{name})")),
        parent_category: parent.map(ItemRef::new),
        ..Default::default()
    }
}

fn pol(name: &str, parent: &str) -> Policy {
    Policy {
        name: Some(name.into()),
        class: Some("Machine".into()),
        display_name: Some(format!("$(string.{name})")),
        key: Some("Software\\Policies\\T".into()),
        value_name: Some(name.into()),
        parent_category: Some(ItemRef::new(parent)),
        supported_on: Some(ItemRef::new("base:SUPPORTED_X")),
        ..Default::default()
    }
}

fn admx(
    target: NamespaceDecl,
    usings: Vec<NamespaceDecl>,
    cats: Vec<Category>,
    pols: Vec<Policy>,
) -> PolicyDefinitions {
    PolicyDefinitions {
        policy_namespaces: Some(PolicyNamespaces {
            target: Some(target),
            using: usings,
            ..Default::default()
        }),
        resources: Some(AdmxResources {
            min_required_revision: Some("1.0".into()),
            ..Default::default()
        }),
        categories: (!cats.is_empty()).then(|| List::new(cats)),
        policies: (!pols.is_empty()).then(|| List::new(pols)),
        ..Default::default()
    }
}

fn adml(strings: &[(&str, &str)]) -> PolicyDefinitionResources {
    PolicyDefinitionResources {
        resources: Some(AdmlResources {
            string_table: Some(List::new(
                strings
                    .iter()
                    .map(|(id, t)| StringEntry {
                        id: Some((*id).into()),
                        text: (*t).into(),
                        ..Default::default()
                    })
                    .collect(),
            )),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// base.admx (root category, supportedOn) + app.admx (category under base:Root, policies)
/// + other.admx (a policy with the same bare name).
fn sample() -> Store {
    let mut base = admx(
        decl("base", "Test.Base"),
        vec![],
        vec![cat("Root", None)],
        vec![],
    );
    base.supported_on = Some(SupportedOnTable {
        definitions: Some(List::new(vec![SupportedOnDefinition {
            name: Some("SUPPORTED_X".into()),
            display_name: Some("$(string.SUPPORTED_X)".into()),
            ..Default::default()
        }])),
        ..Default::default()
    });
    let app = admx(
        decl("app", "Test.App"),
        vec![decl("base", "Test.Base")],
        vec![cat("Sub", Some("base:Root"))],
        vec![pol("Shared", "Sub"), pol("Only", "Sub")],
    );
    let other = admx(
        decl("other", "Test.Other"),
        vec![decl("base", "Test.Base"), decl("gone", "Test.Missing")],
        vec![],
        vec![pol("Shared", "base:Root"), pol("Lost", "gone:Nowhere")],
    );
    Store::builder()
        .root("S")
        .admx_doc("S/base.admx", base, String::new())
        .admx_doc("S/App.admx", app, String::new())
        .admx_doc("S/other.admx", other, String::new())
        .adml_doc(
            "S/en-US/BASE.adml",
            "en-US",
            adml(&[("Root", "Root Folder"), ("SUPPORTED_X", "Any system")]),
            String::new(),
        )
        .adml_doc(
            "S/en-us/app.adml",
            "en-us",
            adml(&[("Sub", "Sub Folder"), ("Shared", "Shared (app)")]),
            String::new(),
        )
        .adml_doc(
            "S/de-DE/app.adml",
            "de-DE",
            adml(&[("Sub", "Unterordner")]),
            String::new(),
        )
        .adml_doc("S/en-US/ghost.adml", "en-US", adml(&[]), String::new())
        .build()
}

#[test]
fn namespaces_and_prefixes_resolve_across_files() {
    let s = sample();
    let ns: Vec<_> = s
        .namespaces()
        .into_iter()
        .map(|n| (n.namespace, n.admx.0))
        .collect();
    assert_eq!(
        ns,
        [
            ("Test.App".to_owned(), 1),
            ("Test.Base".to_owned(), 0),
            ("Test.Other".to_owned(), 2)
        ]
    );
    assert_eq!(s.resolve_prefix(AdmxId(1), "base"), Ok(AdmxId(0)));
    assert_eq!(s.resolve_prefix(AdmxId(1), "app"), Ok(AdmxId(1)));
    assert_eq!(
        s.resolve_prefix(AdmxId(1), "nope"),
        Err(RefError::UnknownPrefix {
            prefix: "nope".into()
        })
    );
    assert_eq!(
        s.resolve_prefix(AdmxId(2), "gone"),
        Err(RefError::NamespaceNotLoaded {
            prefix: "gone".into(),
            namespace: "Test.Missing".into()
        })
    );
}

#[test]
fn categories_form_a_tree_across_files() {
    let s = sample();
    let t = s.category_tree();
    assert_eq!(t.roots.len(), 1);
    let root = &t.roots[0];
    assert_eq!(s.category(root.id).name.as_deref(), Some("Root"));
    assert_eq!(root.children.len(), 1);
    assert_eq!(root.children[0].policies.len(), 2);
    assert_eq!(
        root.policies.len(),
        1,
        "other:Shared sits directly under base:Root"
    );
    assert_eq!(
        t.uncategorized.len(),
        1,
        "other:Lost has an unresolvable parent"
    );
}

#[test]
fn bare_names_report_ambiguity_and_qualified_names_do_not() {
    let s = sample();
    assert!(matches!(s.find_policy("Shared"), Lookup::Ambiguous(v) if v.len() == 2));
    assert_eq!(
        s.find_policy("app:Shared"),
        Lookup::Found(PolicyId {
            admx: AdmxId(1),
            index: 0
        })
    );
    assert_eq!(
        s.find_policy("Test.Other:Shared"),
        Lookup::Found(PolicyId {
            admx: AdmxId(2),
            index: 0
        })
    );
    assert_eq!(
        s.find_policy("APP:Shared"),
        Lookup::Found(PolicyId {
            admx: AdmxId(1),
            index: 0
        }),
        "file name"
    );
    assert_eq!(
        s.find_policy("only"),
        Lookup::Found(PolicyId {
            admx: AdmxId(1),
            index: 1
        }),
        "case fallback"
    );
    assert_eq!(s.find_policy("Nope"), Lookup::NotFound);
}

#[test]
fn policy_view_resolves_path_strings_and_supported_on() {
    let s = sample();
    let Lookup::Found(id) = s.find_policy("app:Shared") else {
        panic!()
    };
    let v = s.policy_view(id, "en-US");
    assert_eq!(
        v.locations,
        ["Computer Configuration > Administrative Templates > Root Folder > Sub Folder"]
    );
    assert_eq!(v.display_name.as_deref(), Some("Shared (app)"));
    assert_eq!(
        v.supported_on.unwrap().display_name.as_deref(),
        Some("Any system")
    );
    let de = s.policy_view(id, "de-AT");
    assert_eq!(
        de.locations,
        ["Computer Configuration > Administrative Templates > Root Folder > Unterordner"]
    );
    assert_eq!(de.adml.unwrap().step, CultureStep::SameLanguage);
    assert_eq!(
        de.display_name, None,
        "a string missing in the chosen adml does not fall back"
    );
    let Lookup::Found(lost) = s.find_policy("Lost") else {
        panic!()
    };
    assert!(matches!(
        s.policy_view(lost, "en-US").category_error,
        Some(RefError::NamespaceNotLoaded { .. })
    ));
}

#[test]
fn layout_issues_are_recorded() {
    let s = sample();
    let kinds: Vec<_> = s.issues().iter().map(|i| s.issue_note(i).kind).collect();
    assert!(kinds.contains(&"unresolved_using".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"orphan_adml".to_owned()), "{kinds:?}");
    // other.admx has no ADML at all; base.admx has none in de-DE.
    assert!(s.issues().contains(&StoreIssue::AdmxWithoutAdml {
        path: "S/other.admx".into()
    }));
    assert!(s.issues().contains(&StoreIssue::MissingAdml {
        path: "S/base.admx".into(),
        culture: "de-DE".into()
    }));
    assert_eq!(s.cultures(), ["de-DE", "en-US"]);
}

#[test]
fn duplicate_namespace_ignores_the_later_file() {
    let a = admx(decl("a", "Same"), vec![], vec![], vec![pol("P", "X")]);
    let b = admx(decl("b", "Same"), vec![], vec![], vec![pol("P", "X")]);
    let s = Store::builder()
        .admx_doc("GameDVR.admx", a, String::new())
        .admx_doc("gamedvr.admx", b, String::new())
        .build();
    assert!(s.is_ignored(AdmxId(1)));
    assert_eq!(
        s.find_policy("P"),
        Lookup::Found(PolicyId {
            admx: AdmxId(0),
            index: 0
        })
    );
    assert!(
        s.issues()
            .iter()
            .any(|i| matches!(i, StoreIssue::DuplicateAdmx { paths } if paths.len() == 2))
    );
    assert!(
        s.issues()
            .iter()
            .any(|i| matches!(i, StoreIssue::DuplicateNamespace { .. }))
    );
}

#[test]
fn category_cycles_do_not_hang() {
    let a = admx(
        decl("a", "A"),
        vec![],
        vec![cat("X", Some("Y")), cat("Y", Some("X"))],
        vec![pol("P", "X")],
    );
    let s = Store::builder()
        .admx_doc("a.admx", a, String::new())
        .build();
    let t = s.category_tree();
    assert_eq!(t.roots.len(), 1);
    assert_eq!(t.roots[0].children.len(), 1);
    let Lookup::Found(id) = s.find_policy("P") else {
        panic!()
    };
    assert_eq!(s.policy_view(id, "en-US").category_path.len(), 2);
}

#[test]
fn very_deep_category_chains_are_cut_not_recursed() {
    let n: usize = 10_000;
    let cats: Vec<Category> = (0..n)
        .map(|i| {
            cat(
                &format!("C{i}"),
                (i > 0).then(|| format!("C{}", i - 1)).as_deref(),
            )
        })
        .collect();
    let a = admx(
        decl("a", "A"),
        vec![],
        cats,
        vec![pol("P", &format!("C{}", n - 1))],
    );
    let s = Store::builder()
        .admx_doc("a.admx", a, String::new())
        .build();
    let t = s.category_tree();
    assert_eq!(t.roots.len(), n.div_ceil(query::MAX_TREE_DEPTH + 1));
    let Lookup::Found(id) = s.find_policy("P") else {
        panic!()
    };
    assert_eq!(s.policy_view(id, "en-US").category_path.len(), n);
    assert!(!s.summary("en-US").categories.is_empty());
}
