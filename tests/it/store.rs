//! Central store loader: fixtures under `fixtures/store/`, real stores from
//! the shared corpus, and `gpforge show` snapshots.

use std::path::{Path, PathBuf};

use gpforge::store::{AdmxId, CultureStep, LoadErrorKind, Lookup, RefError, Store, StoreIssue};

use crate::util::{files_with_ext, fixture, gpforge, root, shared};

fn load(dir: &Path) -> Store {
    Store::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn admx_named(s: &Store, name: &str) -> AdmxId {
    s.admx_ids()
        .find(|&id| s.admx(id).file_name() == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn notes(s: &Store) -> Vec<String> {
    let mut v: Vec<String> = s
        .load_errors()
        .iter()
        .map(|e| {
            let msg = match &e.error {
                LoadErrorKind::Parse(p) => p.to_string(),
                LoadErrorKind::Io(io) => io.to_string(),
            };
            format!("load error: {}: {msg}", s.display_path(&e.path))
        })
        .chain(s.issues().iter().map(|i| {
            let n = s.issue_note(i);
            format!("{}: {}: {}", n.kind, n.path, n.message)
        }))
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------- fixtures

#[test]
fn case_insensitive_folder_and_file_names_pair_up() {
    let s = load(&fixture("store/case-insensitive"));
    assert!(s.load_errors().is_empty(), "{:?}", s.load_errors());
    let widget = admx_named(&s, "Widget.admx");
    let gadget = admx_named(&s, "Gadget.admx");
    let w = s.adml_for(widget, "en-US").expect("widget adml");
    assert_eq!(s.display_path(&s.adml(w.adml).path), "en-us/widget.adml");
    assert_eq!(w.step, CultureStep::Requested);
    let g = s.adml_for(gadget, "en-us").expect("gadget adml");
    assert_eq!(s.display_path(&s.adml(g.adml).path), "EN-US/GADGET.ADML");
    // GameDVR.admx and gamedvr.admx declare one namespace: the second is ignored.
    let dvr = admx_named(&s, "gamedvr.admx");
    assert!(s.is_ignored(dvr));
    assert!(
        matches!(s.find_policy("Recording"), Lookup::Found(id) if id.admx == admx_named(&s, "GameDVR.admx"))
    );
    insta::assert_yaml_snapshot!("case_insensitive_notes", notes(&s));
}

#[test]
fn culture_fallback_order() {
    let s = load(&fixture("store/culture-fallback"));
    let greeting = |lang: &str| {
        let Lookup::Found(id) = s.find_policy("lang:Greeting") else {
            panic!()
        };
        let v = s.policy_view(id, lang);
        (v.display_name.unwrap_or_default(), v.adml.map(|a| a.step))
    };
    // 1. the requested culture, ignoring case
    assert_eq!(
        greeting("DE-at"),
        ("Servus (de-AT)".into(), Some(CultureStep::Requested))
    );
    // 2. same primary language: the bare `de` folder first
    assert_eq!(
        greeting("de-DE"),
        ("Hallo (de)".into(), Some(CultureStep::SameLanguage))
    );
    // 3. the ADMX's fallbackCulture (fr-FR) before en-US
    assert_eq!(
        greeting("ja-JP"),
        ("Bonjour (fr-FR)".into(), Some(CultureStep::FallbackCulture))
    );
    assert_eq!(
        greeting("en-GB"),
        ("Hello (en-US)".into(), Some(CultureStep::SameLanguage))
    );
    // 4. en-US when the ADMX names no fallbackCulture
    let Lookup::Found(id) = s.find_policy("Farewell") else {
        panic!()
    };
    let v = s.policy_view(id, "ja-JP");
    assert_eq!(v.display_name.as_deref(), Some("Goodbye (en-US)"));
    assert_eq!(v.adml.map(|a| a.step), Some(CultureStep::EnUs));
    assert_eq!(
        s.policy_view(id, "it-CH").display_name.as_deref(),
        Some("Arrivederci (it-IT)")
    );
}

#[test]
fn missing_orphan_and_broken_files_are_data_not_failures() {
    let s = load(&fixture("store/missing-adml"));
    assert_eq!(s.load_errors().len(), 1);
    let e = &s.load_errors()[0];
    assert!(e.path.ends_with("Broken.admx"), "{}", e.path.display());
    assert!(matches!(e.error, LoadErrorKind::Parse(_)));
    assert!(s.issues().iter().any(
        |i| matches!(i, StoreIssue::AdmxWithoutAdml { path } if path.ends_with("Lonely.admx"))
    ));
    assert!(
        !s.issues().iter().any(
            |i| matches!(i, StoreIssue::OrphanAdml { path, .. } if path.ends_with("Broken.adml"))
        ),
        "the ADML of an ADMX that failed to parse is not an orphan"
    );
    insta::assert_yaml_snapshot!("missing_adml_notes", notes(&s));
}

#[test]
fn ambiguous_bare_names_need_a_qualifier() {
    let dir = fixture("store/ambiguous-names");
    let s = load(&dir);
    let Lookup::Ambiguous(ids) = s.find_policy("Shared") else {
        panic!("expected ambiguity")
    };
    let names: Vec<String> = ids.iter().map(|&id| s.qualified_name(id)).collect();
    assert_eq!(names, ["alpha:Shared", "beta:Shared"]);
    assert!(matches!(s.find_policy("beta:Shared"), Lookup::Found(_)));
    assert!(matches!(
        s.find_policy("Fixture.Alpha:Shared"),
        Lookup::Found(_)
    ));

    let (code, _, err) = gpforge(
        &root(),
        &["show", dir.to_str().unwrap(), "--policy", "Shared"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ambiguous") && err.contains("alpha:Shared") && err.contains("beta:Shared"),
        "{err}"
    );
    let (code, out, err) = gpforge(
        &root(),
        &["show", dir.to_str().unwrap(), "--policy", "beta:Shared"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Shared setting (beta)"), "{out}");
}

#[test]
fn cross_file_categories_and_supported_on_resolve() {
    let s = load(&fixture("store/cross-file"));
    assert!(
        s.load_errors().is_empty() && s.issues().is_empty(),
        "{:?}",
        notes(&s)
    );
    let tree = s.category_tree();
    assert_eq!(tree.roots.len(), 1);
    assert_eq!(
        tree.roots[0].children.len(),
        1,
        "editor:Editor hangs under base:Root"
    );
    assert!(tree.uncategorized.is_empty());
    let Lookup::Found(id) = s.find_policy("AutoSave") else {
        panic!()
    };
    assert_eq!(
        s.supported_on_text(id, "de-DE").as_deref(),
        Some("Mindestens Fabrikam OS 2")
    );
}

#[test]
fn lone_admx_reads_the_culture_folders_beside_it() {
    let s = Store::from_files(&[fixture("store/cross-file/Editor.admx")]).unwrap();
    assert_eq!(s.admx_files().len(), 1);
    let cultures: Vec<_> = s
        .adml_files()
        .iter()
        .map(|f| f.culture.clone().unwrap())
        .collect();
    assert_eq!(cultures, ["de-DE", "en-US"]);
    let Lookup::Found(id) = s.find_policy("AutoSave") else {
        panic!()
    };
    let v = s.policy_view(id, "en-US");
    assert_eq!(
        v.display_name.as_deref(),
        Some("Save documents automatically")
    );
    assert_eq!(
        v.category_error,
        Some(RefError::NamespaceNotLoaded {
            prefix: "base".into(),
            namespace: "Fixture.Policies.Base".into()
        })
    );
    assert!(
        s.issues()
            .iter()
            .any(|i| matches!(i, StoreIssue::UnresolvedUsing { prefix, .. } if prefix == "base"))
    );
}

#[test]
fn in_memory_documents_build_the_same_store() {
    let dir = fixture("store/cross-file");
    let read = |rel: &str| std::fs::read(dir.join(rel)).unwrap();
    let s = Store::builder()
        .root(&dir)
        .admx_bytes(dir.join("Base.admx"), &read("Base.admx"))
        .admx_bytes(dir.join("Editor.admx"), &read("Editor.admx"))
        .adml_bytes(
            dir.join("en-US/Base.adml"),
            "en-US",
            &read("en-US/Base.adml"),
        )
        .adml_bytes(
            dir.join("en-US/Editor.adml"),
            "en-US",
            &read("en-US/Editor.adml"),
        )
        .build();
    let from_disk = load(&dir);
    let Lookup::Found(a) = s.find_policy("editor:Telemetry") else {
        panic!()
    };
    let Lookup::Found(b) = from_disk.find_policy("editor:Telemetry") else {
        panic!()
    };
    let (va, vb) = (s.policy_view(a, "en-US"), from_disk.policy_view(b, "en-US"));
    assert_eq!(
        serde_json::to_value(&va).unwrap(),
        serde_json::to_value(&vb).unwrap()
    );
    // spans point into the kept text, shown as 1-based line:column
    let f = s.admx(a.admx);
    let span = s.policy(a).node.span;
    let lc = f.line_col(span.start());
    assert!(
        f.text[span.start()..].starts_with("<policy name=\"Telemetry\""),
        "{lc:?}"
    );
    assert_eq!(lc.column, 5);
}

// ------------------------------------------------------------ show snapshots

fn show(args: &[&str]) -> String {
    let (code, out, err) = gpforge(&root(), args);
    assert_eq!(code, 0, "gpforge {args:?}: {err}");
    out
}

fn fx(rel: &str) -> String {
    fixture(rel).to_str().unwrap().to_owned()
}

#[test]
fn show_fixture_policy_text_and_json() {
    let store = fx("store/cross-file");
    insta::assert_snapshot!(
        "show_cross_file_autosave_text",
        show(&["show", &store, "--policy", "editor:AutoSave"])
    );
    insta::assert_snapshot!(
        "show_cross_file_autosave_de_text",
        show(&["show", &store, "--policy", "AutoSave", "--lang", "de-DE"])
    );
    insta::assert_snapshot!(
        "show_cross_file_telemetry_json",
        show(&["show", &store, "--policy", "Telemetry", "--format", "json"])
    );
    // A lone ADMX: its culture folders are read, the `base:` prefix stays unresolved.
    let lone = fx("store/cross-file/Editor.admx");
    insta::assert_snapshot!(
        "show_lone_admx_autosave_text",
        show(&["show", &lone, "--policy", "AutoSave"])
    );
}

#[test]
fn show_fixture_store_text_and_json() {
    insta::assert_snapshot!(
        "show_cross_file_summary_text",
        show(&["show", &fx("store/cross-file")])
    );
    insta::assert_snapshot!(
        "show_case_insensitive_summary_json",
        show(&["show", &fx("store/case-insensitive"), "--format", "json"])
    );
}

// ------------------------------------------------------------- real stores

const STORES: &[&str] = &[
    "nsacyber-shb-windows",
    "nsacyber-shb-office2016",
    "nsacyber-shb-office2013",
    "nsacyber-shb-chrome",
    "nsacyber-shb-activclient",
    "nsacyber-shb-adobe-reader",
    "mozilla-firefox",
    "mozilla-thunderbird",
    "adobe-acrobat-dc",
    "harvester57-security-admx",
    "yubico-yubikey-minidriver",
    "fslogix-admxgen-testdata",
];

#[test]
fn corpus_stores_load_completely() {
    for name in STORES {
        let Some(dir) = shared(
            "corpus_stores_load_completely",
            &format!("corpus/admx/{name}/PolicyDefinitions"),
        ) else {
            return;
        };
        let s = load(&dir);
        assert!(
            s.load_errors().is_empty(),
            "{name}: {:?}",
            s.load_errors()
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
        );
        let admx_on_disk = files_with_ext(&dir, &["admx"]).len();
        let adml_on_disk = files_with_ext(&dir, &["adml"]).len();
        assert_eq!(s.admx_files().len(), admx_on_disk, "{name}");
        assert_eq!(s.adml_files().len(), adml_on_disk, "{name}");
        // Every policy of a file with an en-US ADML gets a category path and a display name.
        for id in s.policies() {
            if s.adml_for(id.admx, "en-US").is_none() {
                continue;
            }
            let v = s.policy_view(id, "en-US");
            assert!(
                v.display_name.is_some(),
                "{name}: {} has no display name",
                v.qualified_name
            );
            assert!(
                v.locations
                    .iter()
                    .all(|l| l.contains(" > Administrative Templates")),
                "{name}: {v:?}"
            );
        }
        let tree = s.category_tree();
        let placed = count(&tree.roots) + tree.uncategorized.len();
        assert_eq!(
            placed,
            s.policies().count(),
            "{name}: every policy appears once in the tree"
        );
    }
}

fn count(nodes: &[gpforge::store::CategoryNode]) -> usize {
    nodes
        .iter()
        .map(|n| n.policies.len() + count(&n.children))
        .sum()
}

#[test]
fn windows_store_merges_en_us_folders() {
    let Some(dir) = shared(
        "windows_store_merges_en_us_folders",
        "corpus/admx/nsacyber-shb-windows/PolicyDefinitions",
    ) else {
        return;
    };
    let s = load(&dir);
    assert!(s.issues().iter().any(
        |i| matches!(i, StoreIssue::DuplicateCultureFolder { folders } if folders.len() == 2)
    ));
    for f in ["AdmPwd.admx", "WindowsDefender.admx"] {
        let id = admx_named(&s, f);
        let c = s
            .adml_for(id, "en-US")
            .unwrap_or_else(|| panic!("{f} has no en-US adml"));
        assert_eq!(c.step, CultureStep::Requested, "{f}");
    }
}

fn office(test: &str) -> Option<PathBuf> {
    shared(
        test,
        "corpus/admx/nsacyber-shb-office2016/PolicyDefinitions",
    )
}

#[test]
fn show_office2016_policy_text_and_json() {
    let Some(dir) = office("show_office2016_policy_text_and_json") else {
        return;
    };
    let dir = dir.to_str().unwrap();
    // Same shape as the LinkedIn policy (absent from this 2017 copy): User, Miscellaneous, DWORD 1/0.
    let p = "office16:L_HideTheLearnMoreAboutSharePointHyperlink";
    insta::assert_snapshot!(
        "show_office2016_hidelearnmore_text",
        show(&["show", dir, "--policy", p])
    );
    insta::assert_snapshot!(
        "show_office2016_hidelearnmore_json",
        show(&["show", dir, "--policy", p, "--format", "json"])
    );
    insta::assert_snapshot!(
        "show_office2016_showscreentips_text",
        show(&["show", dir, "--policy", "L_ShowScreenTips"])
    );
}

#[test]
fn office_supported_on_resolves_with_windows_admx() {
    let (Some(off), Some(win)) = (
        office("office_supported_on_resolves_with_windows_admx"),
        shared(
            "office_supported_on_resolves_with_windows_admx",
            "corpus/admx/nsacyber-shb-windows/PolicyDefinitions",
        ),
    ) else {
        return;
    };
    let alone = load(&off);
    assert!(
        alone
            .issues()
            .iter()
            .any(|i| matches!(i, StoreIssue::UnresolvedUsing { namespace, .. } if namespace == "Microsoft.Policies.Windows"))
    );
    let s = Store::from_files(&[
        off.join("office16.admx"),
        win.join("Windows.admx"),
        win.join("WindowsProducts.admx"),
    ])
    .unwrap();
    let Lookup::Found(id) = s.find_policy("L_HideTheLearnMoreAboutSharePointHyperlink") else {
        panic!()
    };
    let text = s
        .supported_on_text(id, "en-US")
        .expect("windows:SUPPORTED_Windows7 resolves");
    assert!(text.contains("Windows 7"), "{text}");
    assert!(
        !s.issues()
            .iter()
            .any(|i| matches!(i, StoreIssue::UnresolvedUsing { .. })),
        "{:?}",
        s.issues()
    );
}

#[test]
fn firefox_store_serves_each_culture_and_falls_back() {
    const T: &str = "firefox_store_serves_each_culture_and_falls_back";
    let Some(dir) = shared(T, "corpus/admx/mozilla-firefox/PolicyDefinitions") else {
        return;
    };
    let s = load(&dir);
    let firefox = admx_named(&s, "firefox.admx");
    let pick = |lang: &str| {
        let c = s.adml_for(firefox, lang).expect("an adml");
        (s.adml(c.adml).culture.clone().unwrap(), c.step)
    };
    for c in s.cultures() {
        assert_eq!(pick(c), (c.to_owned(), CultureStep::Requested));
    }
    assert_eq!(
        pick("de-AT"),
        ("de-DE".to_owned(), CultureStep::SameLanguage)
    );
    assert_eq!(pick("ja-JP"), ("en-US".to_owned(), CultureStep::EnUs));
    // Policies read differently per culture, and every culture resolves the
    // cross-file category path (firefox.admx hangs under mozilla.admx).
    let mut translated = 0;
    for id in s.policies().filter(|p| p.admx == firefox) {
        let (en, de) = (s.policy_view(id, "en-US"), s.policy_view(id, "de-DE"));
        assert!(
            en.category_error.is_none() && de.category_error.is_none(),
            "{}",
            en.qualified_name
        );
        assert!(
            en.category_path.len() >= 2,
            "{}: {:?}",
            en.qualified_name,
            en.category_path
        );
        translated += usize::from(en.display_name != de.display_name);
    }
    assert!(translated > 0);
}

#[test]
fn show_linkedin_policy_of_the_built_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    let (code, _, err) = gpforge(&root(), &["build", "--state", "disabled", "--out", out]);
    assert_eq!(code, 0, "{err}");
    let store = tmp.path().join("PolicyDefinitions");
    let store = store.to_str().unwrap();
    let text = show(&["show", store, "--policy", "L_AllowLinkedInFeatures"]);
    let line = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name).map(str::trim))
            .unwrap_or_else(|| panic!("no {name} line in\n{text}"))
            .to_owned()
    };
    assert_eq!(line("policy "), "office16:L_AllowLinkedInFeatures");
    assert_eq!(line("class "), "User");
    assert_eq!(
        line("location "),
        "User Configuration > Administrative Templates > Microsoft Office 2016 > Miscellaneous"
    );
    let k = r"HKCU\software\policies\microsoft\office\16.0\common\linkedin";
    assert!(
        text.contains(&format!("when enabled:\n  {k} = REG_DWORD 1\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("when disabled:\n  {k} = REG_DWORD 0\n")),
        "{text}"
    );
    assert!(!line("display name ").contains("unresolved"), "{text}");
    let explain = text.split("explain text:\n").nth(1).unwrap_or("");
    assert!(explain.trim().len() > 40, "{text}");

    let json = show(&[
        "show",
        store,
        "--policy",
        "office16:L_AllowLinkedInFeatures",
        "--format",
        "json",
        "--lang",
        "de-DE",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["adml"]["culture"], "de-DE");
    assert_eq!(
        v["effects"]["enabled"][0]["value"],
        serde_json::json!({"type": "dword", "data": 1})
    );
    assert_eq!(
        v["effects"]["disabled"][0]["value"],
        serde_json::json!({"type": "dword", "data": 0})
    );
    assert_eq!(v["hives"], serde_json::json!(["HKCU"]));
}
