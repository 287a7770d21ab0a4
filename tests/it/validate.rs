//! `gpforge validate`: one fixture per code, renderer snapshots, CLI exit
//! codes and config, the confusion matrix against the XSD oracle, a mutation
//! suite over corpus templates, and the `windows` profile on Microsoft's own
//! templates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use gpforge::Severity;
use gpforge::validate::{Options, Profile, Report, is_schema_level, render, validate_paths};

use crate::util::{self, fixture, gpforge, root};

fn run(paths: &[PathBuf], profile: Profile) -> Report {
    let opts = Options {
        profile: Some(profile),
        no_config: true,
        ..Options::default()
    };
    validate_paths(paths, &opts).expect("validate")
}

/// `path:line:col: severity[CODE] message`, paths relative to `base`.
fn concise(report: &Report, base: &Path) -> String {
    let mut out = String::new();
    let json: Vec<serde_json::Value> = serde_json::from_str(&render::json(report)).unwrap();
    for d in json {
        let file = d["file"].as_str().unwrap_or("");
        let rel = Path::new(file)
            .strip_prefix(base)
            .map_or(file.to_string(), |p| p.to_string_lossy().replace('\\', "/"));
        out.push_str(&format!(
            "{rel}:{}:{}: {}[{}] {}\n",
            d["line"],
            d["column"],
            d["severity"].as_str().unwrap(),
            d["code"].as_str().unwrap(),
            d["message"].as_str().unwrap()
        ));
    }
    out
}

// ------------------------------------------------------------------ rule table

#[test]
fn every_rule_is_documented() {
    for r in gpforge::validate::RULES {
        for section in [
            "## What it checks",
            "## Why it matters",
            "## Example",
            "## Fix",
        ] {
            assert!(
                r.explanation.contains(section),
                "{} lacks {section:?}",
                r.code
            );
        }
        assert!(
            r.summary.chars().next().is_some_and(|c| !c.is_uppercase()),
            "{}: summary not lowercase",
            r.code
        );
        assert!(
            r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}: name not kebab-case",
            r.code
        );
        assert!(
            [
                "file",
                "schema",
                "admx",
                "adml",
                "reference",
                "language",
                "store"
            ]
            .contains(&r.group),
            "{}: unknown group {}",
            r.code,
            r.group
        );
    }
}

#[test]
fn every_code_has_a_fixture_that_triggers_it() {
    let base = fixture("validate");
    let mut all = String::new();
    for r in gpforge::validate::RULES {
        let dir = base.join(r.code);
        assert!(
            dir.is_dir(),
            "no fixture folder fixtures/validate/{}",
            r.code
        );
        let report = run(std::slice::from_ref(&dir), Profile::Windows);
        assert!(
            report.diagnostics.iter().any(|d| d.code == r.code),
            "fixture {} does not trigger {}: {:#?}",
            r.code,
            r.code,
            report.diagnostics
        );
        for d in &report.diagnostics {
            assert!(
                d.message.chars().next().is_some_and(|c| !c.is_uppercase()),
                "{}: {}",
                d.code,
                d.message
            );
            assert!(!d.message.ends_with('.'), "{}: {}", d.code, d.message);
            assert!(
                d.span.is_some() && d.file.is_some(),
                "{}: finding without place",
                d.code
            );
        }
        all.push_str(&format!("== {}\n{}", r.code, concise(&report, &base)));
    }
    // fixture folders that name no code would be dead weight
    for e in std::fs::read_dir(&base).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() && name != "clean" {
            assert!(
                gpforge::validate::RULES.iter().any(|r| r.code == name),
                "fixture {name} names no code"
            );
        }
    }
    insta::assert_snapshot!("validate_fixtures", all);
}

#[test]
fn clean_fixture_is_clean_in_both_profiles() {
    for p in [Profile::Windows, Profile::Strict] {
        let report = run(&[fixture("validate/clean")], p);
        assert!(
            report.diagnostics.is_empty(),
            "{p:?}: {:#?}",
            report.diagnostics
        );
        assert_eq!(report.files.len(), 2);
    }
}

#[test]
fn strict_profile_makes_schema_findings_errors() {
    let w = run(&[fixture("validate/SCH004")], Profile::Windows);
    let s = run(&[fixture("validate/SCH004")], Profile::Strict);
    assert_eq!(w.max_severity(), Some(Severity::Warning));
    assert_eq!(s.max_severity(), Some(Severity::Error));
}

// ------------------------------------------------------------------ renderers

fn showcase() -> Report {
    let paths: Vec<PathBuf> = ["REF001", "ADMX001", "SCH004", "LANG001"]
        .iter()
        .map(|c| PathBuf::from("fixtures/validate").join(c))
        .collect();
    // relative paths keep the snapshots machine-independent (tests run in the package root)
    run(&paths, Profile::Windows)
}

#[test]
fn human_output_snapshot() {
    insta::assert_snapshot!("validate_human", render::human(&showcase()));
}

#[test]
fn json_output_snapshot() {
    let s = render::json(&showcase());
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    for f in v.as_array().unwrap() {
        for k in [
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
        ] {
            assert!(f.get(k).is_some(), "missing {k}");
        }
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
    }
    insta::assert_snapshot!("validate_json", s);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let s = render::sarif(&showcase());
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len(), "rule ids unique");
    for r in rules {
        assert!(!r["help"]["text"].as_str().unwrap().is_empty());
        assert!(
            ["error", "warning", "note"]
                .contains(&r["defaultConfiguration"]["level"].as_str().unwrap())
        );
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        assert!(ids.contains(id));
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], id);
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains('\\'), "{uri}");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    // snapshot the results only (the rule table is snapshotted by `gpforge rules`)
    insta::assert_snapshot!(
        "validate_sarif_results",
        serde_json::to_string_pretty(&run["results"]).unwrap()
    );
}

// ------------------------------------------------------------------ CLI

#[test]
fn cli_exit_codes_and_flags() {
    let r = root();
    let f = |c: &str| format!("fixtures/validate/{c}");
    assert_eq!(gpforge(&r, &["validate", &f("clean")]).0, 0);
    assert_eq!(gpforge(&r, &["validate", &f("REF001")]).0, 1);
    let (code, _, err) = gpforge(&r, &["validate", "fixtures/validate/no-such-folder"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no-such-folder"), "{err}");
    // warnings only: clean unless --fail-on warning
    assert_eq!(gpforge(&r, &["validate", &f("SCH004")]).0, 0);
    assert_eq!(
        gpforge(&r, &["validate", "--fail-on", "warning", &f("SCH004")]).0,
        1
    );
    assert_eq!(
        gpforge(&r, &["validate", "--deny", "SCH004", &f("SCH004")]).0,
        1
    );
    assert_eq!(
        gpforge(&r, &["validate", "--profile", "strict", &f("SCH004")]).0,
        1
    );
    let (code, out, _) = gpforge(
        &r,
        &[
            "validate",
            "--fail-on",
            "warning",
            "--allow",
            "unknown-attribute",
            &f("SCH004"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("SCH004"), "{out}");
    let (code, _, err) = gpforge(&r, &["validate", "--allow", "NOPE001", &f("clean")]);
    assert_eq!(code, 2);
    assert!(err.contains("NOPE001"), "{err}");
    let (code, out, _) = gpforge(&r, &["validate", "--format", "json", &f("REF001")]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["code"], "REF001");
    assert_eq!(v[0]["line"], 19);
}

#[test]
fn config_file_in_the_store_folder() {
    let tmp = tempfile::tempdir().unwrap();
    util::copy_dir(&fixture("validate/SCH004"), tmp.path());
    let p = tmp.path().to_str().unwrap().to_string();
    assert_eq!(gpforge(&root(), &["validate", &p]).0, 0);
    std::fs::write(
        tmp.path().join(".gpforge.json"),
        r#"{ "deny": ["SCH004"] }"#,
    )
    .unwrap();
    assert_eq!(gpforge(&root(), &["validate", &p]).0, 1);
    std::fs::write(
        tmp.path().join(".gpforge.json"),
        r#"{ "profile": "strict", "severity": { "schema": "info" } }"#,
    )
    .unwrap();
    let (code, out, _) = gpforge(&root(), &["validate", "--fail-on", "warning", &p]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("info[SCH004]"), "{out}");
    assert_eq!(
        gpforge(
            &root(),
            &["validate", "--no-config", "--fail-on", "warning", &p]
        )
        .0,
        1
    );
    std::fs::write(
        tmp.path().join(".gpforge.json"),
        r#"{ "profile": "lenient" }"#,
    )
    .unwrap();
    let (code, _, err) = gpforge(&root(), &["validate", &p]);
    assert_eq!(code, 2);
    assert!(err.contains(".gpforge.json"), "{err}");
}

// ------------------------------------------------------------------ oracle

/// Files (of `files`) the XSD oracle rejects, canonicalised, or `None` after a loud skip.
/// The oracle prints every message of a rejected file prefixed with its path
/// (`path:LINE: ...`, `path fails to validate`), parser errors included.
fn oracle_rejects(test: &str, files: &[PathBuf]) -> Option<BTreeSet<PathBuf>> {
    let oracle = util::oracle(test, "xmllint")?;
    let out = Command::new("python3")
        .arg(&oracle)
        .args(files)
        .output()
        .expect("run xsd-validate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout
        .lines()
        .find_map(|l| l.strip_prefix("xsd-validate: "))
        .unwrap_or_default()
        .to_string();
    let mut rejected = BTreeSet::new();
    for f in files {
        let s = f.to_string_lossy();
        let (colon, fails) = (format!("{s}:"), format!("{s} fails to validate"));
        if stdout.lines().any(|l| l.starts_with(&colon) || l == fails) {
            rejected.insert(std::fs::canonicalize(f).unwrap());
        }
    }
    let accepted: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert_eq!(
        accepted,
        files.len() - rejected.len(),
        "oracle summary {summary:?} disagrees with its messages"
    );
    Some(rejected)
}

/// Prints the confusion matrix of strict schema errors against the oracle; returns the disagreements.
#[allow(clippy::print_stderr)] // prints its figures for the report
fn confusion(test: &str, what: &str, files: &[PathBuf]) -> Option<(Vec<PathBuf>, Vec<PathBuf>)> {
    let oracle_bad = oracle_rejects(test, files)?;
    let report = run(files, Profile::Strict);
    let ours: BTreeSet<PathBuf> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && is_schema_level(&d.code))
        .map(|d| std::fs::canonicalize(d.file.as_ref().unwrap()).unwrap())
        .collect();
    let all: BTreeSet<PathBuf> = files
        .iter()
        .map(|f| std::fs::canonicalize(f).unwrap())
        .collect();
    let tp = ours.intersection(&oracle_bad).count();
    let fp: Vec<PathBuf> = ours.difference(&oracle_bad).cloned().collect();
    let fn_: Vec<PathBuf> = oracle_bad.difference(&ours).cloned().collect();
    let tn = all.len() - tp - fp.len() - fn_.len();
    eprintln!(
        "\nconfusion matrix, {what} (strict schema errors vs xsd-validate, {} files):\n\
         \x20                   oracle rejects  oracle accepts\n\
         \x20 gpforge rejects   {tp:>14}  {:>14}\n\
         \x20 gpforge accepts   {:>14}  {tn:>14}",
        all.len(),
        fp.len(),
        fn_.len()
    );
    Some((fp, fn_))
}

#[test]
fn strict_profile_agrees_with_the_xsd_oracle() {
    let t = "strict_profile_agrees_with_the_xsd_oracle";
    let Some(corpus) = util::shared(t, "corpus/admx") else {
        return;
    };
    let files = util::files_with_ext(&corpus, &["admx", "adml"]);
    let Some((fp, fn_)) = confusion(t, "corpus", &files) else {
        return;
    };
    // Documented exceptions: none are needed on this corpus.
    assert!(
        fp.is_empty() && fn_.is_empty(),
        "disagreements: gpforge only {fp:#?}, oracle only {fn_:#?}"
    );
}

#[test]
fn strict_profile_agrees_with_the_xsd_oracle_on_fixtures() {
    let t = "strict_profile_agrees_with_the_xsd_oracle_on_fixtures";
    let files = util::files_with_ext(&fixture("validate"), &["admx", "adml"]);
    let Some((fp, fn_)) = confusion(t, "fixtures/validate", &files) else {
        return;
    };
    // No exceptions: malformed XML, the DTD, the foreign root and the undecodable bytes of the
    // XML00x fixtures are rejected by libxml2 too; XML003 (declaration vs BOM) and XML008 (ADML
    // named .admx) are not schema errors for either side.
    assert!(
        fp.is_empty() && fn_.is_empty(),
        "disagreements: gpforge only {fp:#?}, oracle only {fn_:#?}"
    );
}

// ------------------------------------------------------------------ Microsoft's templates

#[test]
#[allow(clippy::print_stderr)] // prints its figures for the report
fn windows_profile_on_microsoft_templates() {
    let t = "windows_profile_on_microsoft_templates";
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for set in [
        "nsacyber-shb-windows",
        "nsacyber-shb-office2013",
        "nsacyber-shb-office2016",
    ] {
        let Some(dir) = util::shared(t, &format!("corpus/admx/{set}")) else {
            return;
        };
        let report = run(std::slice::from_ref(&dir), Profile::Windows);
        let targets: BTreeSet<String> = util::files_with_ext(&dir, &["admx"])
            .iter()
            .filter_map(|f| gpforge::admx::parse_admx(&std::fs::read(f).unwrap()).ok())
            .filter_map(|p| p.doc.target().and_then(|t| t.namespace.clone()))
            .collect();
        for d in report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            *counts.entry((set.to_string(), d.code.clone())).or_default() += 1;
            // The one exception: a `using` of a namespace whose ADMX this copy of the store lacks
            // (Windows.admx is not part of the Office folders; Microsoft.Policies.Backup is not in
            // the Windows snapshot). The editor reports those too.
            assert_eq!(
                d.code, "STORE002",
                "unexpected error on a Microsoft template: {d:#?}"
            );
            let ns = d.message.split('`').nth(1).unwrap();
            assert!(!targets.contains(ns), "{ns}");
        }
    }
    eprintln!("\nerrors under --profile windows on Microsoft templates: {counts:?}");
}

// ------------------------------------------------------------------ mutation suite

/// A corpus template copied into a temporary lone-ADMX layout.
struct Case {
    name: String,
    admx: String,
    adml: String,
}

fn write_case(dir: &Path, c: &Case) -> PathBuf {
    std::fs::create_dir_all(dir.join("en-US")).unwrap();
    let p = dir.join(format!("{}.admx", c.name));
    std::fs::write(&p, &c.admx).unwrap();
    std::fs::write(dir.join("en-US").join(format!("{}.adml", c.name)), &c.adml).unwrap();
    p
}

fn line_of(text: &str, at: usize) -> u32 {
    text[..at].matches('\n').count() as u32 + 1
}

/// Findings as (code, file kind, line, message); infos only when `infos`
/// (the mutations of info-level codes), since several defects also leave a
/// string or presentation unused (REF008/REF009), which is true but not the point.
fn findings(p: &Path, infos: bool) -> Vec<(String, String, u32, String)> {
    let report = run(&[p.to_path_buf()], Profile::Windows);
    let json: Vec<serde_json::Value> = serde_json::from_str(&render::json(&report)).unwrap();
    json.into_iter()
        .filter(|d| infos || d["severity"] != "info")
        .map(|d| {
            let file = Path::new(d["file"].as_str().unwrap())
                .extension()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                d["code"].as_str().unwrap().to_string(),
                file,
                d["line"].as_u64().unwrap() as u32,
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Replaces `old` at byte `at` of `s`.
fn splice(s: &str, at: usize, old: &str, new: &str) -> String {
    assert_eq!(&s[at..at + old.len()], old);
    format!("{}{}{}", &s[..at], new, &s[at + old.len()..])
}

/// The start tag beginning at `at` (up to its `>`).
fn tag_at(s: &str, at: usize) -> &str {
    let end = s[at..].find('>').unwrap();
    &s[at..at + end + 1]
}

/// Value of `attr` in the start tag at `at`: (byte offset of the value, value).
fn attr_at<'a>(s: &'a str, at: usize, attr: &str) -> Option<(usize, &'a str)> {
    let tag = tag_at(s, at);
    let k = tag.find(&format!(" {attr}=\""))?;
    let vs = at + k + attr.len() + 3;
    let ve = s[vs..].find('"').unwrap();
    Some((vs, &s[vs..vs + ve]))
}

/// One mutation: returns the mutated (admx, adml), the file kind ("admx"/"adml") and the line.
type Mutation = fn(&Case) -> Option<(String, String, &'static str, u32)>;

fn first(s: &str, pat: &str) -> Option<usize> {
    s.find(pat)
}

fn mutations() -> Vec<(&'static str, Mutation)> {
    vec![
        ("XML001", |c| {
            let at = first(&c.admx, "<policy ")?;
            Some((
                splice(&c.admx, at, "<policy ", "<policy <"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("XML004", |c| {
            let at = first(
                &c.admx,
                "xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\"",
            )?;
            Some((
                splice(&c.admx, at, "xmlns=\"http:", "xmlns=\"https:"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("SCH001", |c| {
            let at = first(&c.admx, "<policy ")?;
            let (vs, v) = attr_at(&c.admx, at, "class")?;
            let old = format!(" class=\"{v}\"");
            let k = vs - " class=\"".len();
            // reported at the element name
            Some((
                splice(&c.admx, k, &old, ""),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("SCH003", |c| {
            let at = first(&c.admx, "<policy ")?;
            let end = at + tag_at(&c.admx, at).len();
            Some((
                splice(&c.admx, end, "", "<bogus/>"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, end),
            ))
        }),
        ("SCH004", |c| {
            let at = first(&c.admx, "<policy ")?;
            Some((
                splice(&c.admx, at, "<policy ", "<policy Fooo=\"1\" "),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("SCH005", |c| {
            let at = first(&c.admx, "<policy ")?;
            let (vs, v) = attr_at(&c.admx, at, "class")?;
            Some((
                splice(&c.admx, vs, v, "Computer"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("SCH006", |c| {
            let at = first(&c.admx, "<decimal value=\"")?;
            let (vs, v) = attr_at(&c.admx, at, "value")?;
            Some((
                splice(&c.admx, vs, v, "-1"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("SCH007", |c| {
            let at = first(&c.admx, "<policyDefinitions")?;
            let (vs, v) = attr_at(&c.admx, at, "revision")?;
            Some((
                splice(&c.admx, vs, v, "1.0.0"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("SCH009", |c| {
            let at = first(&c.admx, " presentation=\"$(presentation.")?;
            let vs = at + " presentation=\"".len();
            Some((
                splice(&c.admx, vs, "$(presentation.", "$(presentation "),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("SCH011", |c| {
            let at = first(&c.admx, "<category ")?;
            let (vs, v) = attr_at(&c.admx, at, "name")?;
            // a category nothing refers to keeps the change local
            if c.admx.contains(&format!("ref=\"{v}\"")) {
                return None;
            }
            Some((
                splice(&c.admx, vs, v, &format!("{v}-x")),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("SCH012", |c| {
            let at = first(&c.admx, "<parentCategory ref=\"")?;
            let (vs, v) = attr_at(&c.admx, at, "ref")?;
            // keep the prefix, so it stays in use
            let bad = match v.split_once(':') {
                Some((p, n)) => format!("{p}:{n}:x"),
                None => format!("{v}:a:b"),
            };
            Some((
                splice(&c.admx, vs, v, &bad),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("SCH016", |c| {
            let at = first(&c.admx, "<resources ")?;
            let end = at + tag_at(&c.admx, at).len();
            Some((
                splice(&c.admx, end, "", "stray"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, end),
            ))
        }),
        ("ADMX001", |c| {
            let a = first(&c.admx, "<policy ")?;
            let (_, name) = attr_at(&c.admx, a, "name")?;
            let b = a + 1 + c.admx[a + 1..].find("<policy ")?;
            let (vs, v) = attr_at(&c.admx, b, "name")?;
            let mutated = splice(&c.admx, vs, v, name);
            // the second policy's strings and presentation stay in use through its own attributes
            Some((mutated, c.adml.clone(), "admx", line_of(&c.admx, vs)))
        }),
        ("ADMX008", |c| {
            let at = first(&c.admx, "<policy ")?;
            let pc = at + c.admx[at..].find("<parentCategory ref=\"")?;
            let (vs, v) = attr_at(&c.admx, pc, "ref")?;
            if v.contains(':') {
                return None;
            }
            Some((
                splice(&c.admx, vs, v, "NoSuchCategory"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("ADMX009", |c| {
            let at = first(&c.admx, "<policy ")?;
            let so = at + c.admx[at..].find("<supportedOn ref=\"")?;
            let (vs, v) = attr_at(&c.admx, so, "ref")?;
            if v.contains(':') {
                return None;
            }
            Some((
                splice(&c.admx, vs, v, "NoSuchDefinition"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("ADMX012", |c| {
            let at = first(&c.admx, "<policy ")?;
            let (vs, v) = attr_at(&c.admx, at, "key")?;
            Some((
                splice(&c.admx, vs, v, &format!("HKLM\\{v}")),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("ADMX013", |c| {
            let at = first(&c.admx, "<policy ")?;
            let (vs, v) = attr_at(&c.admx, at, "key")?;
            let k = v.find('\\')?;
            Some((
                splice(&c.admx, vs + k, "\\", "\\\\"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("ADMX020", |c| {
            let at = first(&c.admx, "<policy ")?;
            let pc = at + c.admx[at..].find("<parentCategory ")?;
            let tag = tag_at(&c.admx, pc).to_string();
            Some((
                splice(&c.admx, pc, &tag, ""),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("REF001", |c| {
            let at = first(&c.admx, "<policy ")?;
            let (vs, v) = attr_at(&c.admx, at, "displayName")?;
            let id = v.strip_prefix("$(string.")?.strip_suffix(')')?;
            // rename the string in the ADML (same line count) so the reference dangles
            let s = c.adml.find(&format!("<string id=\"{id}\""))?;
            let adml = splice(
                &c.adml,
                s,
                &format!("<string id=\"{id}\""),
                &format!("<string id=\"{id}_gone\""),
            );
            if c.admx.matches(&format!("$(string.{id})")).count() != 1 {
                return None;
            }
            Some((c.admx.clone(), adml, "admx", line_of(&c.admx, vs)))
        }),
        ("REF002", |c| {
            let at = first(&c.admx, " presentation=\"$(presentation.")?;
            let vs = at + " presentation=\"$(presentation.".len();
            Some((
                splice(&c.admx, vs, "", "Gone_"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("REF006", |c| {
            let at = first(&c.admx, "<resources ")?;
            let (vs, v) = attr_at(&c.admx, at, "minRequiredRevision")?;
            let r = first(&c.adml, "<policyDefinitionResources")?;
            let (rs, _) = attr_at(&c.adml, r, "revision")?;
            Some((
                splice(&c.admx, vs, v, "999.0"),
                c.adml.clone(),
                "adml",
                line_of(&c.adml, rs),
            ))
        }),
        ("XML002", |c| {
            let at = first(&c.admx, "<policyDefinitions")?;
            Some((
                splice(&c.admx, at, "", "<!DOCTYPE html>"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("XML003", |c| {
            let at = first(&c.admx, "encoding=\"utf-8\"")?;
            Some((
                splice(&c.admx, at, "encoding=\"utf-8\"", "encoding=\"utf-16\""),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("SCH002", |c| {
            let at = first(&c.admx, "<policy ")?;
            let so = at + c.admx[at..].find("<supportedOn ")?;
            let tag = tag_at(&c.admx, so).to_string();
            if !tag.ends_with("/>") {
                return None;
            }
            if tag.contains(':') {
                return None; // the prefix might then be unused (ADMX007)
            }
            // reported at the element that follows, or at the policy's name when none follows
            let mutated = splice(&c.admx, so, &tag, "");
            let next = so + mutated[so..].find('<')?;
            let line = if mutated[next..].starts_with("</") {
                line_of(&mutated, at)
            } else {
                line_of(&mutated, next)
            };
            Some((mutated.clone(), c.adml.clone(), "admx", line))
        }),
        ("SCH013", |c| {
            let at = [
                "<decimal id=\"",
                "<text id=\"",
                "<boolean id=\"",
                "<enum id=\"",
            ]
            .iter()
            .filter_map(|p| first(&c.admx, p))
            .min()?;
            if tag_at(&c.admx, at).contains("clientExtension") {
                return None;
            }
            let name_end = at + c.admx[at..].find(' ')?;
            Some((
                splice(&c.admx, name_end, "", " clientExtension=\"{not-a-guid}\""),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("SCH014", |c| {
            let at = ["<decimal id=\"", "<text id=\""]
                .iter()
                .filter_map(|p| first(&c.admx, p))
                .min()?;
            if tag_at(&c.admx, at).contains(" required=") {
                return None;
            }
            let name_end = at + c.admx[at..].find(' ')?;
            Some((
                splice(&c.admx, name_end, "", " required=\"maybe\""),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("SCH015", |c| {
            let at = first(&c.admx, "<string>")? + "<string>".len();
            let end = at + c.admx[at..].find("</string>")?;
            let old = c.admx[at..end].to_string();
            if old.contains(['\n', '&', '<']) {
                return None;
            }
            Some((
                splice(&c.admx, at, &old, &"x".repeat(300)),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, at),
            ))
        }),
        ("SCH017", |c| {
            let at = first(&c.adml, "<decimalTextBox ")?;
            if let Some((vs, v)) = attr_at(&c.adml, at, "defaultValue") {
                return Some((
                    c.admx.clone(),
                    splice(&c.adml, vs, v, ""),
                    "adml",
                    line_of(&c.adml, vs),
                ));
            }
            let end = at + "<decimalTextBox".len();
            Some((
                c.admx.clone(),
                splice(&c.adml, end, "", " defaultValue=\"\""),
                "adml",
                line_of(&c.adml, at),
            ))
        }),
        ("ADMX016", |c| {
            // the first <decimal> element with a maxValue below the DWORD maximum
            let mut from = 0;
            while let Some(k) = c.admx[from..].find("<decimal id=\"") {
                let at = from + k;
                from = at + 1;
                let Some((vs, max)) = attr_at(&c.admx, at, "maxValue") else {
                    continue;
                };
                let Ok(max) = max.parse::<u64>() else {
                    continue;
                };
                if max >= u64::from(u32::MAX) {
                    continue;
                }
                let min = (max + 1).to_string();
                return Some(match attr_at(&c.admx, at, "minValue") {
                    Some((ms, mv)) => (
                        splice(&c.admx, ms, mv, &min),
                        c.adml.clone(),
                        "admx",
                        line_of(&c.admx, ms),
                    ),
                    None => {
                        let k = vs - " maxValue=\"".len();
                        (
                            splice(&c.admx, k, "", &format!(" minValue=\"{min}\"")),
                            c.adml.clone(),
                            "admx",
                            line_of(&c.admx, k),
                        )
                    }
                });
            }
            None
        }),
        ("ADMX019", |c| {
            let e = first(&c.admx, "<enum id=\"")?;
            let end = e + c.admx[e..].find("</enum>")?;
            let seg = &c.admx[e..end];
            let a = seg.find("<decimal value=\"")?;
            let b = a + 1 + seg[a + 1..].find("<decimal value=\"")?;
            let (_, va) = attr_at(&c.admx, e + a, "value")?;
            let (vs, vb) = attr_at(&c.admx, e + b, "value")?;
            if va == vb || seg[a + 1..b].contains("<valueList") {
                return None;
            }
            Some((
                splice(&c.admx, vs, vb, va),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, e + b),
            ))
        }),
        ("ADMX024", |c| {
            let at = first(&c.admx, "<policy ")?;
            let (vs, v) = attr_at(&c.admx, at, "key")?;
            Some((
                splice(&c.admx, vs + v.len(), "", "\\"),
                c.adml.clone(),
                "admx",
                line_of(&c.admx, vs),
            ))
        }),
        ("REF008", |c| {
            let s = first(&c.adml, "<string id=\"")?;
            Some((
                c.admx.clone(),
                splice(&c.adml, s, "", "<string id=\"Unused_Mutation\">x</string>"),
                "adml",
                line_of(&c.adml, s),
            ))
        }),
        ("ADML002", |c| {
            let p = first(&c.adml, "<presentation id=\"")?;
            let (_, id) = attr_at(&c.adml, p, "id")?;
            let end = p + c.adml[p..].find("</presentation>")? + "</presentation>".len();
            Some((
                c.admx.clone(),
                splice(&c.adml, end, "", &format!("<presentation id=\"{id}\"/>")),
                "adml",
                line_of(&c.adml, end),
            ))
        }),
        ("REF010", |c| {
            let d = first(&c.adml, "<dropdownList ")?;
            let end = d + "<dropdownList".len();
            if attr_at(&c.adml, d, "defaultItem").is_some() {
                return None;
            }
            Some((
                c.admx.clone(),
                splice(&c.adml, end, "", " defaultItem=\"999\""),
                "adml",
                line_of(&c.adml, d),
            ))
        }),
        ("ADML001", |c| {
            let s = first(&c.adml, "<string id=\"")?;
            let end = s + c.adml[s..].find("</string>")? + "</string>".len();
            let copy = c.adml[s..end].to_string();
            if copy.contains('\n') {
                return None;
            }
            Some((
                c.admx.clone(),
                splice(&c.adml, end, "", &copy),
                "adml",
                line_of(&c.adml, s),
            ))
        }),
    ]
}

#[test]
#[allow(clippy::print_stderr)] // prints its figures for the report
fn mutation_suite_over_corpus_templates() {
    let t = "mutation_suite_over_corpus_templates";
    let mut cases = Vec::new();
    for set in [
        "nsacyber-shb-activclient",
        "nsacyber-shb-windows",
        "mozilla-firefox",
        "yubico-yubikey-minidriver",
    ] {
        let Some(dir) = util::shared(t, &format!("corpus/admx/{set}/PolicyDefinitions")) else {
            return;
        };
        let mut n = 0;
        for admx in util::files_with_ext(&dir, &["admx"]) {
            if n >= if set == "nsacyber-shb-windows" { 16 } else { 6 } {
                break;
            }
            let stem = admx.file_stem().unwrap().to_string_lossy().into_owned();
            let adml = ["en-US", "en-us"]
                .iter()
                .map(|c| dir.join(c).join(format!("{stem}.adml")))
                .find(|p| p.exists());
            let (Ok(a), Some(Ok(l))) = (
                std::fs::read_to_string(&admx),
                adml.map(std::fs::read_to_string),
            ) else {
                continue;
            };
            // UTF-8 templates only (the mutations edit text)
            if a.starts_with('\u{feff}') || l.starts_with('\u{feff}') {
                continue;
            }
            cases.push(Case {
                name: stem,
                admx: a,
                adml: l,
            });
            n += 1;
        }
    }
    assert!(cases.len() >= 10, "too few templates: {}", cases.len());
    let tmp = tempfile::tempdir().unwrap();
    let mut applied: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let base_dir = tmp.path().join(format!("base{i}"));
        let before = findings(&write_case(&base_dir, c), false);
        let before_all = findings(&base_dir.join(format!("{}.admx", c.name)), true);
        for (code, m) in mutations() {
            let Some((admx, adml, kind, line)) = m(c) else {
                continue;
            };
            let dir = tmp.path().join(format!("m{i}-{code}"));
            let p = write_case(
                &dir,
                &Case {
                    name: c.name.clone(),
                    admx,
                    adml,
                },
            );
            let infos = gpforge::rules::find(code).is_some_and(|r| r.severity == Severity::Info);
            let mut after = findings(&p, infos);
            // compared by code, file and line (messages may name what the mutation renamed)
            for b in if infos { &before_all } else { &before } {
                if let Some(k) = after
                    .iter()
                    .position(|a| (&a.0, &a.1, a.2) == (&b.0, &b.1, b.2))
                {
                    after.remove(k);
                }
            }
            let want = (code.to_string(), kind.to_string(), line);
            let got: Vec<_> = after
                .iter()
                .map(|(c, k, l, _)| (c.clone(), k.clone(), *l))
                .collect();
            if got != vec![want.clone()] {
                failures.push(format!(
                    "{} {code}: expected {want:?}, new findings {after:?}",
                    c.name
                ));
            } else {
                *applied.entry(code).or_default() += 1;
            }
        }
    }
    eprintln!("\nmutations applied and caught exactly, per code: {applied:?}");
    assert!(
        failures.is_empty(),
        "{} mutation(s) not caught exactly:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (code, _) in mutations() {
        assert!(
            applied.get(code).copied().unwrap_or(0) > 0,
            "mutation {code} applied to no template"
        );
    }
}
