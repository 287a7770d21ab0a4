//! `gpforge store`: plans, transactions, fault injection, hostile sources,
//! real stores built from the shared corpus, and the README walk-through.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gpforge::deploy::{
    self, Action, ApplyOptions, Fault, FaultyOps, Outcome, PlanOptions, RealFs, Refusal, RunState,
};

use crate::util::{copy_dir, fixture, gpforge, root, shared};

// ---------------------------------------------------------------- helpers

/// Every file and folder below `dir` except gpforge's own `.gpforge`:
/// path → bytes (`None` for folders, `"@"`-suffixed names for links).
fn tree(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if prefix.is_empty() && name == ".gpforge" {
                continue;
            }
            let rel = format!("{prefix}{name}");
            let ft = e.file_type().unwrap();
            if ft.is_symlink() {
                out.insert(format!("{rel}@"), None);
            } else if ft.is_dir() {
                out.insert(format!("{rel}/"), None);
                stack.push((e.path(), format!("{rel}/")));
            } else {
                out.insert(rel, Some(std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

fn opts(langs: &[&str]) -> ApplyOptions {
    ApplyOptions {
        plan: PlanOptions {
            langs: langs.iter().map(|s| s.to_string()).collect(),
            force: false,
        },
        dry_run: false,
        allow: Vec::new(),
    }
}

fn lines(plan: &deploy::Plan) -> Vec<String> {
    plan.entries
        .iter()
        .map(|e| format!("{:<7} {}  {}", e.action, e.path, e.reason))
        .collect()
}

/// Every ADMX in the store has an ADML in its fallback culture (en-US for the test templates)
/// and every file parses: no ADMX without its ADML, no truncated file.
fn assert_store_sound(store: &Path) {
    if !store.exists() {
        return;
    }
    let report = deploy::check(store).unwrap();
    for t in &report.templates {
        assert!(
            !t.lacks_fallback(),
            "{}: {} lacks its {} ADML",
            store.display(),
            t.template,
            t.fallback
        );
    }
    for (path, bytes) in tree(store) {
        let Some(bytes) = bytes else { continue };
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".admx") {
            gpforge::admx::parse_admx(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        } else if lower.ends_with(".adml") {
            gpforge::admx::parse_adml(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        } else {
            panic!("unexpected file in the store: {path}");
        }
    }
}

fn count_files(dir: &Path, ext: &str) -> usize {
    crate::util::files_with_ext(dir, &[ext]).len()
}

// ---------------------------------------------------------------- fixture plans

#[test]
fn fixture_plans_say_what_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("PolicyDefinitions");
    let mut out = Vec::new();
    let mut step = |title: &str, srcs: &[&str], langs: &[&str], force: bool, apply: bool| {
        let srcs: Vec<PathBuf> = srcs
            .iter()
            .map(|s| fixture(&format!("deploy/{s}")))
            .collect();
        let o = ApplyOptions {
            plan: PlanOptions {
                langs: langs.iter().map(|s| s.to_string()).collect(),
                force,
            },
            dry_run: !apply,
            allow: Vec::new(),
        };
        let r = deploy::apply(&srcs, &store, &o).unwrap();
        out.push(format!("## {title}"));
        out.extend(lines(&r.plan));
        out.extend(r.plan.notes.iter().map(|n| format!("note: {n}")));
        out.push(redact_runs(&format!("=> {:?}", r.outcome)));
    };
    step(
        "empty store, first release, de-DE asked for",
        &["acme-v1"],
        &["de-DE", "nl-NL"],
        false,
        true,
    );
    step("the same again", &["acme-v1"], &[], false, false);
    step(
        "next release: de-DE kept current, fr-FR not asked for",
        &["acme-v2"],
        &[],
        false,
        false,
    );
    step(
        "next release with fr-FR",
        &["acme-v2"],
        &["fr-FR"],
        false,
        true,
    );
    step("older release", &["acme-v1"], &[], false, false);
    step("older release, forced", &["acme-v1"], &[], true, false);
    step(
        "higher revision with fewer policies",
        &["acme-fewer"],
        &[],
        false,
        false,
    );
    step(
        "same namespace, other file name",
        &["acme-renamed"],
        &[],
        false,
        false,
    );
    step(
        "two sources, one namespace",
        &["two-targets"],
        &[],
        false,
        false,
    );
    step(
        "fallback culture missing",
        &["no-fallback"],
        &[],
        false,
        false,
    );
    step("own fallback culture", &["own-fallback"], &[], false, false);
    step(
        "declaration contradicts the BOM",
        &["bom-mismatch"],
        &[],
        false,
        false,
    );
    step(
        "a web page saved as a template",
        &["html-page"],
        &[],
        false,
        false,
    );
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn refusals_block_the_whole_run_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    deploy::apply(&[fixture("deploy/acme-v1")], &store, &opts(&[])).unwrap();
    let before = tree(&store);
    let runs = std::fs::read_dir(store.join(".gpforge/backup"))
        .unwrap()
        .count();
    // acme-v2 alone would be fine; the namespace clash of two-targets blocks everything.
    let r = deploy::apply(
        &[fixture("deploy/acme-v2"), fixture("deploy/two-targets")],
        &store,
        &opts(&[]),
    )
    .unwrap();
    assert_eq!(r.outcome, Outcome::Refused);
    assert!(
        r.plan
            .entries
            .iter()
            .any(|e| e.path == "acme.admx" && e.action == Action::Replace)
    );
    assert!(r.plan.refusals().all(|e| matches!(
        e.refusal,
        Some(Refusal::NamespaceClash | Refusal::WithTemplate)
    )));
    assert_eq!(tree(&store), before);
    assert_eq!(
        std::fs::read_dir(store.join(".gpforge/backup"))
            .unwrap()
            .count(),
        runs,
        "no new run"
    );
}

#[test]
fn forced_downgrades_are_named_and_undone_by_rollback() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    deploy::apply(&[fixture("deploy/acme-v2")], &store, &opts(&[])).unwrap();
    let v2 = tree(&store);
    let mut o = opts(&[]);
    o.plan.force = true;
    let r = deploy::apply(&[fixture("deploy/acme-v1")], &store, &o).unwrap();
    assert!(
        matches!(r.outcome, Outcome::Applied { .. }),
        "{:?}",
        r.outcome
    );
    let forced: Vec<&str> = r.plan.forced().map(|e| e.path.as_str()).collect();
    assert_eq!(forced, ["acme.admx"]);
    assert!(
        r.plan
            .forced()
            .all(|e| e.reason.contains("missing DarkMode")),
        "{:?}",
        lines(&r.plan)
    );
    assert_eq!(
        std::fs::read(store.join("acme.admx")).unwrap(),
        std::fs::read(fixture("deploy/acme-v1/PolicyDefinitions/acme.admx")).unwrap()
    );
    let undone = deploy::rollback(&store, None).unwrap();
    assert_eq!(undone[0].restored.len(), 2);
    assert_eq!(tree(&store), v2);
}

#[test]
fn existing_store_names_are_matched_case_insensitively() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    // A store copied by hand with other spellings.
    std::fs::create_dir_all(store.join("en-us")).unwrap();
    std::fs::copy(
        fixture("deploy/acme-v1/PolicyDefinitions/acme.admx"),
        store.join("ACME.ADMX"),
    )
    .unwrap();
    std::fs::copy(
        fixture("deploy/acme-v1/PolicyDefinitions/en-US/acme.adml"),
        store.join("en-us/Acme.adml"),
    )
    .unwrap();
    let r = deploy::apply(&[fixture("deploy/acme-v2")], &store, &opts(&["de-DE"])).unwrap();
    assert_eq!(
        lines(&r.plan),
        [
            "replace ACME.ADMX  newer: revision 1.0 -> 1.1, policies 2 -> 3",
            "add     de-DE/acme.adml  culture de-DE",
            "replace en-us/Acme.adml  fallback culture en-US (revision 1.0 -> 1.1)",
            "skip    fr-FR/acme.adml  culture fr-FR not requested (--lang fr-FR adds it)",
        ]
    );
    let names: Vec<String> = tree(&store).into_keys().collect();
    assert_eq!(
        names,
        [
            "ACME.ADMX",
            "de-DE/",
            "de-DE/acme.adml",
            "en-us/",
            "en-us/Acme.adml"
        ]
    );
    assert_store_sound(&store);

    // On a case-sensitive share two spellings can coexist: which one to replace is not guessed.
    std::fs::copy(store.join("ACME.ADMX"), store.join("acme.admx")).unwrap();
    let r = deploy::plan(
        &[fixture("deploy/acme-v2")],
        &store,
        &PlanOptions::default(),
    )
    .unwrap();
    assert_eq!(
        r.entries[0].refusal,
        Some(Refusal::Ambiguous),
        "{:?}",
        lines(&r)
    );
    assert!(
        r.entries[0].reason.contains("ACME.ADMX, acme.admx"),
        "{}",
        r.entries[0].reason
    );
}

#[test]
fn a_stale_culture_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    deploy::apply(&[fixture("deploy/acme-v1")], &store, &opts(&["de-DE"])).unwrap();
    // v2 without its de-DE file: the store's de-DE ADML stays from v1.
    let src = tmp.path().join("v2-no-de");
    copy_dir(&fixture("deploy/acme-v2"), &src);
    std::fs::remove_dir_all(src.join("PolicyDefinitions/de-DE")).unwrap();
    let r = deploy::apply(
        &[src],
        &store,
        &ApplyOptions {
            dry_run: true,
            ..opts(&["it-IT"])
        },
    )
    .unwrap();
    assert_eq!(
        r.plan.notes,
        [
            "acme.admx: the sources have no it-IT ADML",
            "acme.admx: the store keeps de-DE/acme.adml from the version being replaced (the sources have no de-DE ADML); it may lack new strings",
        ]
    );
}

#[test]
fn single_files_can_be_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let admx = fixture("deploy/acme-v2/PolicyDefinitions/acme.admx");
    let r = deploy::apply(&[admx], &store, &opts(&["fr-FR"])).unwrap();
    assert!(matches!(r.outcome, Outcome::Applied { .. }));
    let names: Vec<String> = tree(&store).into_keys().collect();
    assert_eq!(
        names,
        [
            "acme.admx",
            "en-US/",
            "en-US/acme.adml",
            "fr-FR/",
            "fr-FR/acme.adml"
        ]
    );
    // An ADML alone updates the store's template.
    let adml = fixture("deploy/acme-v2/PolicyDefinitions/de-DE/acme.adml");
    let r = deploy::apply(std::slice::from_ref(&adml), &store, &opts(&["de-DE"])).unwrap();
    assert_eq!(lines(&r.plan), ["add     de-DE/acme.adml  culture de-DE"]);
    // ... but not without one.
    let other = tmp.path().join("empty");
    let r = deploy::apply(&[adml], &other, &opts(&["de-DE"])).unwrap();
    assert_eq!(r.outcome, Outcome::Refused);
    assert_eq!(r.plan.entries[0].refusal, Some(Refusal::MissingAdmx));
    assert!(!other.exists());
    // Something else is a caller error.
    let e = deploy::plan(
        &[fixture("deploy/README.md")],
        &store,
        &PlanOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("expected a folder, an .admx or an .adml file"),
        "{e}"
    );
    let e = deploy::plan(
        &[fixture("deploy/acme-v1")],
        &store,
        &PlanOptions {
            langs: vec!["english".into()],
            force: false,
        },
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("expected a culture such as en-US, found 'english'"),
        "{e}"
    );
}

// ---------------------------------------------------------------- hostile sources

/// Applies `src` to a store holding acme-v1 and checks that it is refused
/// with `kind`, the reason mentions `why`, and nothing at all was written.
fn assert_refused(src: &Path, store: &Path, kind: Refusal, why: &str) {
    let before = tree(store);
    let runs = std::fs::read_dir(store.join(".gpforge/backup")).map_or(0, |d| d.count());
    let r = deploy::apply(&[src.to_path_buf()], store, &opts(&["de-DE"])).unwrap();
    assert_eq!(r.outcome, Outcome::Refused, "{:#?}", lines(&r.plan));
    let hit = r.plan.refusals().find(|e| e.refusal == Some(kind));
    let hit = hit.unwrap_or_else(|| panic!("no {kind:?} refusal in {:#?}", lines(&r.plan)));
    assert!(hit.reason.contains(why), "{}", hit.reason);
    assert_eq!(tree(store), before, "nothing written");
    assert_eq!(
        std::fs::read_dir(store.join(".gpforge/backup")).map_or(0, |d| d.count()),
        runs,
        "no run"
    );
}

fn store_with_v1(tmp: &Path) -> PathBuf {
    let store = tmp.join("store");
    deploy::apply(&[fixture("deploy/acme-v1")], &store, &opts(&["de-DE"])).unwrap();
    store
}

#[test]
fn hostile_encoding_dtd_and_namespaces_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with_v1(tmp.path());
    assert_refused(
        &fixture("deploy/bom-mismatch"),
        &store,
        Refusal::Unreadable,
        "encoding mismatch",
    );
    assert_refused(
        &fixture("deploy/html-page"),
        &store,
        Refusal::Unreadable,
        "DTD is prohibited",
    );
    assert_refused(
        &fixture("deploy/two-targets"),
        &store,
        Refusal::NamespaceClash,
        "'Shared.Policies'",
    );
    assert_refused(
        &fixture("deploy/acme-renamed"),
        &store,
        Refusal::NamespaceClash,
        "'Acme.Policies' is already defined by acme.admx in the store",
    );
    assert_refused(
        &fixture("deploy/acme-fewer"),
        &store,
        Refusal::Downgrade,
        "missing Telemetry",
    );
}

#[test]
fn validation_errors_block_the_run_and_name_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with_v1(tmp.path());
    let before = tree(&store);
    let src = fixture("deploy/missing-string");
    let r = deploy::apply(std::slice::from_ref(&src), &store, &opts(&[])).unwrap();
    assert_eq!(r.outcome, Outcome::Invalid);
    assert_eq!(r.plan.count(Action::Refuse), 0, "the plan itself is fine");
    let errors: Vec<String> = r
        .diagnostics
        .iter()
        .filter(|d| d.severity == gpforge::Severity::Error)
        .map(|d| format!("{} {}", d.code, d.file.as_ref().unwrap().display()))
        .collect();
    let admx = src.join("PolicyDefinitions").join("gap.admx");
    assert_eq!(errors, [format!("REF001 {}", admx.display())]);
    assert_eq!(tree(&store), before);
    // Accepting the finding lets it through.
    let mut o = opts(&[]);
    o.allow = vec!["REF001".into()];
    let r = deploy::apply(&[src], &store, &o).unwrap();
    assert!(
        matches!(r.outcome, Outcome::Applied { .. }),
        "{:?}",
        r.outcome
    );
}

#[cfg(unix)]
#[test]
fn hostile_names_and_links_are_refused() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with_v1(tmp.path());
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret.admx"), b"<policyDefinitions/>").unwrap();

    let case = |name: &str| {
        let src = tmp.path().join(name);
        copy_dir(&fixture("deploy/acme-v2"), &src);
        src
    };
    // A file name that is a path on Windows (a share is read by Windows).
    let src = case("backslash");
    std::fs::copy(
        src.join("PolicyDefinitions/acme.admx"),
        src.join("PolicyDefinitions/..\\..\\evil.admx"),
    )
    .unwrap();
    assert_refused(&src, &store, Refusal::UnsafeName, "path separator");
    // A Windows device name.
    let src = case("device");
    std::fs::copy(
        src.join("PolicyDefinitions/acme.admx"),
        src.join("PolicyDefinitions/aux.admx"),
    )
    .unwrap();
    assert_refused(&src, &store, Refusal::UnsafeName, "Windows device name");
    // A template that is a link out of the source.
    let src = case("linked-admx");
    symlink(
        outside.join("secret.admx"),
        src.join("PolicyDefinitions/secret.admx"),
    )
    .unwrap();
    assert_refused(&src, &store, Refusal::Link, "links in sources are refused");
    // A culture folder that is a link.
    let src = case("linked-culture");
    symlink(&outside, src.join("PolicyDefinitions/nl-NL")).unwrap();
    assert_refused(&src, &store, Refusal::Link, "culture folder is a link");
    // An ADML that is a link.
    let src = case("linked-adml");
    std::fs::remove_file(src.join("PolicyDefinitions/de-DE/acme.adml")).unwrap();
    symlink(
        outside.join("secret.admx"),
        src.join("PolicyDefinitions/de-DE/acme.adml"),
    )
    .unwrap();
    assert_refused(&src, &store, Refusal::Link, "links in sources are refused");
    // A store whose culture folder is a link: writing there would leave the store.
    std::fs::rename(store.join("de-DE"), tmp.path().join("moved-de")).unwrap();
    symlink(&outside, store.join("de-DE")).unwrap();
    assert_refused(
        &fixture("deploy/acme-v2"),
        &store,
        Refusal::Link,
        "links inside the store are refused",
    );
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        1,
        "nothing written outside the store"
    );
}

// ---------------------------------------------------------------- fault injection

#[test]
fn every_failing_write_leaves_the_store_old_or_new() {
    // v1 (en-US, de-DE) + another template, then v2 with fr-FR on top plus a new template.
    let setup = |dir: &Path| -> PathBuf {
        let store = dir.join("store");
        deploy::apply(
            &[fixture("deploy/acme-v1"), fixture("deploy/own-fallback")],
            &store,
            &opts(&["de-DE"]),
        )
        .unwrap();
        store
    };
    let sources = [fixture("deploy/acme-v2"), fixture("deploy/office16-full")];
    let o = opts(&["fr-FR"]);

    let probe = tempfile::tempdir().unwrap();
    let store = setup(probe.path());
    let before = tree(&store);
    let counter = FaultyOps::new(RealFs, 0, Fault::FailOnce);
    let r = deploy::apply_with(&sources, &store, &o, &counter).unwrap();
    assert!(matches!(r.outcome, Outcome::Applied { .. }));
    let after = tree(&store);
    assert_ne!(before, after);
    let total = counter.calls();
    assert!(total > 8, "{total} changes");

    for fault in [Fault::FailOnce, Fault::Stop, Fault::TornStop] {
        for n in 1..=total {
            let what = format!("{fault:?} at change {n} of {total}");
            let dir = tempfile::tempdir().unwrap();
            let store = setup(dir.path());
            let ops = FaultyOps::new(RealFs, n, fault);
            let e = deploy::apply_with(&sources, &store, &o, &ops).expect_err(&what);
            assert!(e.to_string().contains("injected fault"), "{what}: {e}");
            if fault == Fault::FailOnce {
                assert_eq!(tree(&store), before, "{what}: {e}");
                assert_store_sound(&store);
                continue;
            }
            let not_started = e.to_string().contains("nothing to roll back");
            if not_started {
                assert_eq!(tree(&store), before, "{what}: {e}");
            }
            // The process stopped mid-way. Alternate the two ways back:
            if n % 2 == 0 && !not_started {
                // `gpforge store rollback`: the store is as before.
                let undone = deploy::rollback(&store, None).unwrap_or_default();
                assert!(
                    undone.iter().all(|u| u.was == RunState::InProgress),
                    "{what}"
                );
                assert_eq!(tree(&store), before, "{what}: after rollback");
            } else {
                // The next run undoes the interrupted one, then does the whole job.
                let r = deploy::apply(&sources, &store, &o).unwrap();
                assert!(
                    matches!(r.outcome, Outcome::Applied { .. }),
                    "{what}: {:?}",
                    r.outcome
                );
                assert_eq!(tree(&store), after, "{what}: after the next run");
            }
            assert_store_sound(&store);
        }
    }
}

// ---------------------------------------------------------------- built-in template

#[test]
fn builtin_is_installed_and_never_replaces_a_fuller_office16() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let r = deploy::add_builtin(&store, &opts(&["nl-NL"])).unwrap();
    assert!(
        matches!(r.outcome, Outcome::Applied { .. }),
        "{:?}",
        r.outcome
    );
    let names: Vec<String> = tree(&store).into_keys().collect();
    assert_eq!(
        names,
        [
            "en-US/",
            "en-US/office16.adml",
            "nl-NL/",
            "nl-NL/office16.adml",
            "office16.admx"
        ]
    );
    assert_store_sound(&store);
    let r = deploy::add_builtin(&store, &opts(&["nl-NL"])).unwrap();
    assert_eq!(r.outcome, Outcome::NothingToDo);
    let e = deploy::add_builtin(&store, &opts(&["xx-XX"])).unwrap_err();
    assert!(e.to_string().contains("found 'xx-XX'"), "{e}");

    // A fuller office16.admx that defines the policy: kept, nothing installed.
    let full = tmp.path().join("full");
    deploy::apply(&[fixture("deploy/office16-full")], &full, &opts(&[])).unwrap();
    let before = tree(&full);
    let r = deploy::add_builtin(&full, &opts(&["nl-NL"])).unwrap();
    let Outcome::AlreadyCovered { reason } = &r.outcome else {
        panic!("{:?}", r.outcome)
    };
    assert!(
        reason.contains("already defines L_AllowLinkedInFeatures"),
        "{reason}"
    );
    assert_eq!(tree(&full), before);

    // Our subset is replaced by the full template without complaint.
    let r = deploy::apply(&[fixture("deploy/office16-full")], &store, &opts(&[])).unwrap();
    assert_eq!(
        r.plan.entries[0].action,
        Action::Replace,
        "{:?}",
        lines(&r.plan)
    );
    assert!(
        r.plan.entries[0].reason.starts_with("newer:"),
        "{}",
        r.plan.entries[0].reason
    );
}

// ---------------------------------------------------------------- corpus stores

#[test]
fn corpus_store_windows_then_office() {
    const T: &str = "deploy::corpus_store_windows_then_office";
    let Some(win) = shared(T, "corpus/admx/nsacyber-shb-windows") else {
        return;
    };
    let Some(o13) = shared(T, "corpus/admx/nsacyber-shb-office2013") else {
        return;
    };
    let Some(o16) = shared(T, "corpus/admx/nsacyber-shb-office2016") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("PolicyDefinitions");

    // Validation errors in shipped templates block the run, naming them; accepting their codes lets it through.
    let r = deploy::apply(std::slice::from_ref(&win), &store, &opts(&[])).unwrap();
    let mut o = opts(&[]);
    let r = if r.outcome != Outcome::Invalid {
        r
    } else {
        assert!(!store.exists(), "nothing written");
        o.allow = r
            .diagnostics
            .iter()
            .filter(|d| d.severity == gpforge::Severity::Error)
            .map(|d| d.code.clone())
            .collect();
        assert!(!o.allow.is_empty());
        assert!(
            r.diagnostics
                .iter()
                .all(|d| d.file.as_ref().is_some_and(|f| f.starts_with(&win))),
            "named by source path"
        );
        deploy::apply(std::slice::from_ref(&win), &store, &o).unwrap()
    };
    // Every ADMX and its en-US ADML, whether the source spells the folder en-us or en-US.
    let (admx, adml) = (count_files(&win, "admx"), count_files(&win, "adml"));
    assert!(
        matches!(r.outcome, Outcome::Applied { .. }),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.plan.count(Action::Add), admx + adml);
    assert_eq!(r.plan.count(Action::Refuse), 0);
    assert!(
        r.plan
            .entries
            .iter()
            .filter(|e| !e.is_admx())
            .all(|e| e.path.starts_with("en-US/"))
    );
    let dirs: Vec<String> = tree(&store)
        .into_keys()
        .filter(|k| k.ends_with('/'))
        .collect();
    assert_eq!(dirs, ["en-US/"]);
    let windows_store = tree(&store);

    // The same again: all identical.
    let r = deploy::plan(std::slice::from_ref(&win), &store, &PlanOptions::default()).unwrap();
    assert_eq!(r.count(Action::Skip), admx + adml);

    // Office 2013 and 2016 on top; asking for de-DE, which they do not ship.
    let r = deploy::apply(&[o13.clone(), o16.clone()], &store, &opts(&["de-DE"])).unwrap();
    let office = count_files(&o13, "admx") + count_files(&o16, "admx");
    assert_eq!(
        r.plan.count(Action::Add),
        office * 2,
        "{:#?}",
        lines(&r.plan)
    );
    assert_eq!(
        r.plan.notes.len(),
        office,
        "one note per template without de-DE"
    );
    assert!(
        r.plan
            .notes
            .iter()
            .all(|n| n.ends_with("the sources have no de-DE ADML"))
    );

    // Office 2016's office16.admx is fuller than the built-in subset.
    let before = tree(&store);
    let r = deploy::add_builtin(&store, &opts(&[])).unwrap();
    let Outcome::AlreadyCovered { reason } = &r.outcome else {
        panic!("{:?}", r.outcome)
    };
    assert!(reason.contains("not L_AllowLinkedInFeatures"), "{reason}");
    assert_eq!(tree(&store), before);

    // The whole store checks out, every template has its en-US ADML.
    let report = deploy::check(&store).unwrap();
    assert_eq!(report.cultures, ["en-US"]);
    assert_eq!(report.templates.len(), admx + office);
    assert_eq!(report.incomplete().count(), 0);
    // Store-wide validation ran: this baseline's WindowsBackup.admx uses a namespace no file of it defines.
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.code.starts_with("STORE")
                && d.file
                    .as_ref()
                    .is_some_and(|f| f.ends_with("WindowsBackup.admx"))),
        "{:#?}",
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == gpforge::Severity::Error)
            .collect::<Vec<_>>()
    );
    assert!(report.has_errors());
    assert!(report.orphans.is_empty());

    // Roll the Office run back: the Windows store is back.
    deploy::rollback(&store, None).unwrap();
    assert_eq!(tree(&store), windows_store);
}

#[test]
fn corpus_vendor_files_that_share_a_name() {
    const T: &str = "deploy::corpus_vendor_files_that_share_a_name";
    let Some(ff) = shared(T, "corpus/admx/mozilla-firefox") else {
        return;
    };
    let Some(tb) = shared(T, "corpus/admx/mozilla-thunderbird") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    // Both ship a different mozilla.admx: refused when given together.
    let r = deploy::apply(&[ff.clone(), tb.clone()], &store, &opts(&["de-DE"])).unwrap();
    assert_eq!(r.outcome, Outcome::Refused);
    let refused: Vec<&str> = r.plan.refusals().map(|e| e.path.as_str()).collect();
    assert_eq!(
        refused,
        ["mozilla.admx", "de-DE/mozilla.adml", "en-US/mozilla.adml"]
    );
    assert!(!store.exists());
    // One after the other: Thunderbird's copy replaces Firefox's (same revision, changed content).
    deploy::apply(&[ff], &store, &opts(&["de-DE"])).unwrap();
    let r = deploy::apply(&[tb], &store, &opts(&[])).unwrap();
    let got: BTreeMap<&str, Action> = r
        .plan
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e.action))
        .collect();
    assert_eq!(got["mozilla.admx"], Action::Replace);
    assert_eq!(got["thunderbird.admx"], Action::Add);
    assert_eq!(
        got["de-DE/thunderbird.adml"],
        Action::Add,
        "the store has de-DE: kept current"
    );
    assert_eq!(got["fr-FR/thunderbird.adml"], Action::Skip);
    assert_store_sound(&store);
}

// ---------------------------------------------------------------- CLI and README

/// Replaces run ids (`20261127T045614Z`, `...-001`) with `<RUN>`.
fn redact_runs(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let is_id = b.len() >= i + 16
            && b[i..i + 8].iter().all(u8::is_ascii_digit)
            && b[i + 8] == b'T'
            && b[i + 9..i + 15].iter().all(u8::is_ascii_digit)
            && b[i + 15] == b'Z';
        if is_id {
            out.push_str("<RUN>");
            i += 16;
            if b.len() >= i + 4 && b[i] == b'-' && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
                i += 4;
            }
        } else {
            let c = s[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The README's store walk-through (between `<!-- store:begin -->` and
/// `<!-- store:end -->`): every `$ gpforge ...` line in a `console` block is
/// run in a folder holding the downloads it names, and its output must be
/// the lines that follow it, as written.
#[test]
fn readme_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- store:begin -->")
        .expect("README has the store section");
    let end = readme
        .find("<!-- store:end -->")
        .expect("README closes the store section");
    let section = &readme[start..end];

    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("deploy/acme-v1"), &tmp.path().join("acme-1.0"));
    copy_dir(&fixture("deploy/acme-v2"), &tmp.path().join("acme-1.1"));

    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_block = false;
    for line in section.lines() {
        if line.starts_with("```console") {
            in_block = true;
        } else if line.starts_with("```") {
            in_block = false;
        } else if in_block {
            if let Some(cmd) = line.strip_prefix("$ ") {
                steps.push((cmd.to_string(), Vec::new()));
            } else if let Some(last) = steps.last_mut() {
                last.1.push(line.to_string());
            }
        }
    }
    assert!(
        steps.len() >= 4,
        "the walk-through shows plan, apply, check and rollback"
    );
    for verb in ["plan", "apply", "check", "rollback"] {
        assert!(
            steps
                .iter()
                .any(|(c, _)| c.starts_with(&format!("gpforge store {verb}"))),
            "{verb}"
        );
    }
    for (cmd, expected) in steps {
        let args: Vec<&str> = cmd.split_whitespace().collect();
        assert_eq!(args[0], "gpforge", "{cmd}");
        let (code, out, err) = gpforge(tmp.path(), &args[1..]);
        assert!(code == 0 || code == 1, "{cmd}: exit {code}: {err}");
        let got = redact_runs(out.trim_end());
        let want = redact_runs(&expected.join("\n"));
        assert_eq!(
            got,
            want.trim_end(),
            "`{cmd}` printed something else than the README shows"
        );
    }
}

#[test]
fn cli_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let two = fixture("deploy/two-targets");
    let v1 = fixture("deploy/acme-v1");
    let (code, out, _) = gpforge(
        tmp.path(),
        &["store", "plan", two.to_str().unwrap(), "--store", "S"],
    );
    assert_eq!(code, 1, "refusals are findings: {out}");
    let (code, out, err) = gpforge(
        tmp.path(),
        &[
            "store",
            "apply",
            v1.to_str().unwrap(),
            "--store",
            "S",
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.ends_with("dry run: nothing was written\n"), "{out}");
    assert!(!tmp.path().join("S").exists());
    let (code, _, err) = gpforge(tmp.path(), &["store", "rollback", "S"]);
    assert_eq!(code, 2, "no store is a tool failure");
    assert!(err.contains("no such folder"), "{err}");
    let (code, out, _) = gpforge(
        tmp.path(),
        &[
            "store",
            "apply",
            v1.to_str().unwrap(),
            "--store",
            "S",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"]["kind"], "applied");
    assert_eq!(v["plan"]["entries"][0]["action"], "add");
    let (code, _, err) = gpforge(
        tmp.path(),
        &["store", "rollback", "S", "--to", "19990101T000000Z"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("no run '19990101T000000Z'"), "{err}");
}

#[test]
fn a_run_in_progress_elsewhere_locks_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with_v1(tmp.path());
    let before = tree(&store);
    let lock = store.join(".gpforge").join("lock");
    std::fs::write(
        &lock,
        br#"{"host":"admin-pc-2.example.com","pid":4242,"since":"20261127T050000Z"}"#,
    )
    .unwrap();
    let e = deploy::apply(&[fixture("deploy/acme-v2")], &store, &opts(&[])).unwrap_err();
    assert!(e.to_string().contains("another gpforge run holds"), "{e}");
    assert!(
        e.to_string()
            .contains("admin-pc-2.example.com (process 4242)"),
        "{e}"
    );
    let e = deploy::rollback(&store, None).unwrap_err();
    assert!(e.to_string().contains("another gpforge run holds"), "{e}");
    assert_eq!(tree(&store), before);
    // Once the other run is over (its lock gone), work goes on.
    std::fs::remove_file(&lock).unwrap();
    let r = deploy::apply(&[fixture("deploy/acme-v2")], &store, &opts(&[])).unwrap();
    assert!(matches!(r.outcome, Outcome::Applied { .. }));
    assert!(!lock.exists(), "released");
}

#[test]
fn check_tabulates_missing_cultures() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    deploy::apply(
        &[fixture("deploy/acme-v2")],
        &store,
        &opts(&["de-DE", "fr-FR"]),
    )
    .unwrap();
    deploy::apply(&[fixture("deploy/own-fallback")], &store, &opts(&[])).unwrap();
    // An ADML whose ADMX is gone, copied in by hand.
    std::fs::copy(
        fixture("deploy/acme-v1/PolicyDefinitions/en-US/acme.adml"),
        store.join("en-US/old.adml"),
    )
    .unwrap();
    let r = deploy::check(&store).unwrap();
    assert_eq!(r.cultures, ["de-DE", "en-US", "fr-FR", "nl-NL"]);
    let rows: Vec<String> = r
        .templates
        .iter()
        .map(|t| {
            format!(
                "{} fallback {} missing {}",
                t.template,
                t.fallback,
                t.missing.join(",")
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "acme.admx fallback en-US missing nl-NL",
            "dutch.admx fallback nl-NL missing de-DE,en-US,fr-FR"
        ]
    );
    assert!(r.templates.iter().all(|t| !t.lacks_fallback()));
    assert_eq!(r.orphans, ["en-US/old.adml"]);
    assert!(r.interrupted.is_empty());
    let (code, out, _) = gpforge(tmp.path(), &["store", "check", "store"]);
    assert_eq!(code, i32::from(r.has_errors()));
    assert!(out.contains("dutch.admx  de-DE, en-US, fr-FR\n"), "{out}");
    assert!(
        out.contains("orphan ADML (no ADMX): en-US/old.adml"),
        "{out}"
    );
}

#[test]
fn cli_add_builtin_says_what_it_did() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = gpforge(
        tmp.path(),
        &["store", "add-builtin", "--store", "S", "--lang", "nl-NL"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("  add      office16.admx  "), "{out}");
    assert!(out.contains("  add      nl-NL/office16.adml  "), "{out}");
    assert!(out.contains("applied: 3 added, 0 replaced"), "{out}");
    let (code, out, _) = gpforge(
        tmp.path(),
        &["store", "add-builtin", "--store", "S", "--lang", "nl-NL"],
    );
    assert_eq!(code, 0);
    assert!(
        out.ends_with("nothing to do: the store is up to date\n"),
        "{out}"
    );
    let full = fixture("deploy/office16-full");
    let (code, _, err) = gpforge(
        tmp.path(),
        &["store", "apply", full.to_str().unwrap(), "--store", "F"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = gpforge(tmp.path(), &["store", "add-builtin", "--store", "F"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "nothing installed: the store's office16.admx already defines L_AllowLinkedInFeatures"
        ),
        "{out}"
    );
}
