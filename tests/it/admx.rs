//! ADMX/ADML reader: the whole corpus, spot checks of real quirks, and
//! hand-written fixtures for schema features the corpus lacks.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use gpforge::admx::{Parsed, parse_adml, parse_admx};
use gpforge::model::*;
use gpforge::span::{LineIndex, Span};
use gpforge::xml::decode::declaration_conflict;
use gpforge::xml::reader::attr_span;

use crate::util::{files_with_ext, fixture, shared};

/// Counts of what was read, to report and snapshot.
#[derive(Default)]
struct Tally {
    admx: usize,
    adml: usize,
    bytes: usize,
    policies: usize,
    categories: usize,
    elements: usize,
    strings: usize,
    presentations: usize,
    controls: usize,
    unknown_attributes: usize,
    unknown_children: usize,
    encodings: BTreeMap<String, usize>,
    unknown_kinds: BTreeMap<String, usize>,
    namespaces: BTreeMap<String, usize>,
    conflicts: usize,
}

/// Counts the unknown attributes and children of every node, walking the
/// serialised form (every object with `unknown_attributes`/`unknown_children`).
fn count_unknowns(t: &mut Tally, v: &serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Array(a)) = m.get("unknown_attributes") {
                t.unknown_attributes += a.len();
            }
            if let Some(serde_json::Value::Array(a)) = m.get("unknown_children") {
                t.unknown_children += a.len();
                for c in a {
                    let kind = match (c["kind"].as_str(), c["name"].as_str()) {
                        (Some("element"), Some(n)) => format!("<{n}>"),
                        (k, _) => k.unwrap_or("?").to_owned(),
                    };
                    *t.unknown_kinds.entry(kind).or_default() += 1;
                }
            }
            if let Some(serde_json::Value::Array(a)) = m.get("unknown_attributes") {
                for a in a {
                    *t.unknown_kinds
                        .entry(format!("@{}", a["name"].as_str().unwrap_or("?")))
                        .or_default() += 1;
                }
            }
            for (k, x) in m {
                if k != "unknown_children" {
                    count_unknowns(t, x);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| count_unknowns(t, x)),
        _ => {}
    }
}

fn source_facts(t: &mut Tally, s: &SourceInfo) {
    *t.encodings.entry(format!("{:?}", s.encoding)).or_default() += 1;
    *t.namespaces
        .entry(s.namespace.clone().unwrap_or_else(|| "(none)".into()))
        .or_default() += 1;
    if declaration_conflict(s.encoding, s.declaration.as_ref()).is_some() {
        t.conflicts += 1;
    }
}

fn tally_admx(t: &mut Tally, p: &Parsed<PolicyDefinitions>) {
    t.admx += 1;
    t.bytes += p.text.len();
    source_facts(t, &p.doc.source);
    t.policies += p.doc.policies().len();
    t.categories += p.doc.categories().len();
    t.elements += p
        .doc
        .policies()
        .iter()
        .map(|p| p.elements().len())
        .sum::<usize>();
    count_unknowns(t, &serde_json::to_value(&p.doc).unwrap());
}

fn tally_adml(t: &mut Tally, p: &Parsed<PolicyDefinitionResources>) {
    t.adml += 1;
    t.bytes += p.text.len();
    source_facts(t, &p.doc.source);
    t.strings += p.doc.strings().len();
    t.presentations += p.doc.presentations().len();
    t.controls += p
        .doc
        .presentations()
        .iter()
        .map(|p| p.controls.len())
        .sum::<usize>();
    count_unknowns(t, &serde_json::to_value(&p.doc).unwrap());
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn is_admx(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("admx"))
}

/// Checks that every span of the model lies inside the text and starts at `<`.
fn check_span(text: &str, span: Span, what: &str) {
    assert!(
        span.end() <= text.len() && span.start() < span.end(),
        "{what}: bad span {span:?}"
    );
    assert!(
        text[span.start()..].starts_with('<'),
        "{what}: span does not start at a tag"
    );
    assert!(
        text[..span.end()].ends_with('>'),
        "{what}: span does not end at a tag"
    );
}

#[test]
fn reads_every_template_in_the_corpus() {
    let Some(dir) = shared("reads_every_template_in_the_corpus", "corpus/admx") else {
        return;
    };
    let files = files_with_ext(&dir, &["admx", "adml"]);
    assert!(
        files.len() > 500,
        "corpus looks incomplete: {} files",
        files.len()
    );
    let mut per_source: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for f in &files {
        let source = f
            .strip_prefix(&dir)
            .unwrap()
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let t = per_source.entry(source).or_default();
        let bytes = read(f);
        if is_admx(f) {
            match parse_admx(&bytes) {
                Ok(p) => {
                    for pol in p.doc.policies() {
                        check_span(&p.text, pol.node.span, "policy");
                    }
                    tally_admx(t, &p);
                }
                Err(e) => failures.push(format!("{}:{e}", f.display())),
            }
        } else {
            match parse_adml(&bytes) {
                Ok(p) => {
                    for s in p.doc.strings() {
                        check_span(&p.text, s.node.span, "string");
                    }
                    tally_adml(t, &p);
                }
                Err(e) => failures.push(format!("{}:{e}", f.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );

    let mut report = String::new();
    for (src, t) in &per_source {
        writeln!(
            report,
            "{src}: admx {} adml {} | policies {} categories {} elements {} | strings {} presentations {} controls {} | unknown attrs {} children {} | decl conflicts {}\n  encodings {:?}\n  namespaces {:?}\n  unknown {:?}",
            t.admx, t.adml, t.policies, t.categories, t.elements, t.strings, t.presentations, t.controls,
            t.unknown_attributes, t.unknown_children, t.conflicts, t.encodings, t.namespaces, t.unknown_kinds
        )
        .unwrap();
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "\ncorpus: {} files read\n{report}",
        files.len()
    );
    insta::assert_snapshot!("corpus_counts", report);
}

fn corpus_file(test: &str, rel: &str) -> Option<Vec<u8>> {
    shared(test, &format!("corpus/admx/{rel}")).map(|p| read(&p))
}

#[test]
fn office2016_template_of_2017_has_no_linkedin_policy_but_reads() {
    let t = "office2016_template_of_2017_has_no_linkedin_policy_but_reads";
    let Some(bytes) = corpus_file(t, "nsacyber-shb-office2016/PolicyDefinitions/office16.admx")
    else {
        return;
    };
    let p = parse_admx(&bytes).unwrap();
    let d = &p.doc;
    assert_eq!(d.source.encoding, FileEncoding::Utf16LeBom);
    assert_eq!(d.source.namespace, None);
    assert_eq!(
        d.source
            .declaration
            .as_ref()
            .and_then(|d| d.encoding.as_deref()),
        Some("utf-16")
    );
    assert_eq!(
        d.target().and_then(|t| t.prefix.as_deref()),
        Some("office16")
    );
    assert_eq!(d.superseded_adm[0].file_name.as_deref(), Some("office16"));
    assert!(
        d.policies()
            .iter()
            .all(|p| p.name.as_deref() != Some("L_AllowLinkedInFeatures"))
    );
    assert!(d.policies().len() > 500, "{}", d.policies().len());
    let policy = d
        .policies()
        .iter()
        .find(|p| p.enabled_value.is_some())
        .unwrap();
    assert!(
        policy
            .supported_on
            .as_ref()
            .and_then(|s| s.ref_.as_deref())
            .is_some()
    );
    assert!(
        policy
            .parent_category
            .as_ref()
            .and_then(|s| s.ref_.as_deref())
            .is_some()
    );

    // Its ADML: the `noSoret` typo and `defaultValue` attributes on textBox are kept as unknown attributes.
    let Some(bytes) = corpus_file(
        t,
        "nsacyber-shb-office2016/PolicyDefinitions/en-us/office16.adml",
    ) else {
        return;
    };
    let p = parse_adml(&bytes).unwrap();
    let controls = || {
        p.doc
            .presentations()
            .iter()
            .flat_map(|pr| pr.controls.iter())
    };
    let typo = controls()
        .find(|c| {
            c.node()
                .unknown_attributes()
                .iter()
                .any(|a| a.name == "noSoret")
        })
        .expect("noSoret kept");
    assert!(matches!(
        typo,
        Control::DropdownList {
            default_item: Some(_),
            ..
        }
    ));
    let text_box = controls()
        .find(|c| {
            matches!(c, Control::TextBox { .. })
                && c.node()
                    .unknown_attributes()
                    .iter()
                    .any(|a| a.name == "defaultValue")
        })
        .expect("textBox defaultValue attribute kept");
    let Control::TextBox { label, .. } = text_box else {
        unreachable!()
    };
    assert!(label.as_ref().is_some_and(|l| !l.text.is_empty()));
    // Spans, line:col and attr_span agree with the text.
    let s = attr_span(&p.text, typo.node().span, "noSoret").unwrap();
    assert_eq!(&p.text[s.start()..s.end()], "true");
    let lc = LineIndex::new(&p.text).line_col(&p.text, typo.node().span.start());
    let line = LineIndex::new(&p.text).line_text(&p.text, lc.line);
    assert!(
        line[line.char_indices().nth(lc.column as usize - 1).unwrap().0..]
            .starts_with("<dropdownList"),
        "{line}"
    );
}

#[test]
fn office_area_attributes_land_in_unknown_attributes() {
    let t = "office_area_attributes_land_in_unknown_attributes";
    let Some(bytes) = corpus_file(
        t,
        "harvester57-security-admx/PolicyDefinitions/AdditionalHardeningFromMicrosoft.admx",
    ) else {
        return;
    };
    let p = parse_admx(&bytes).unwrap();
    let with_area: Vec<&Policy> = p
        .doc
        .policies()
        .iter()
        .filter(|p| p.node.unknown_attributes().iter().any(|a| a.name == "Area"))
        .collect();
    assert_eq!(with_area.len(), 2);
    let first = with_area[0];
    // Known attributes around them still land in their fields; unknown ones keep document order.
    assert_eq!(first.class.as_deref(), Some("Machine"));
    assert!(first.display_name.is_some());
    let unknown: Vec<(&str, &str)> = first
        .node
        .unknown_attributes()
        .iter()
        .map(|a| (a.name.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        unknown,
        [
            ("Area", "Security Baseline"),
            ("AreaCategory", "Jscript and VBScript")
        ]
    );
    let s = attr_span(&p.text, first.node.span, "AreaCategory").unwrap();
    assert_eq!(&p.text[s.start()..s.end()], "Jscript and VBScript");
}

#[test]
fn unicode_declared_files_decode() {
    let t = "unicode_declared_files_decode";
    let Some(dir) = shared(t, "corpus/admx") else {
        return;
    };
    let mut seen = 0;
    for f in files_with_ext(&dir, &["admx", "adml"]) {
        let bytes = read(&f);
        let head = String::from_utf16_lossy(
            &bytes
                .chunks_exact(2)
                .take(120)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        );
        if !head.to_ascii_lowercase().contains("encoding=\"unicode\"")
            && !head.to_ascii_lowercase().contains("encoding='unicode'")
        {
            continue;
        }
        seen += 1;
        let source = if is_admx(&f) {
            parse_admx(&bytes).unwrap().doc.source
        } else {
            parse_adml(&bytes).unwrap().doc.source
        };
        assert_eq!(source.encoding, FileEncoding::Utf16LeBom, "{}", f.display());
        assert!(
            source
                .declaration
                .unwrap()
                .encoding
                .unwrap()
                .eq_ignore_ascii_case("unicode")
        );
    }
    if seen == 0 {
        crate::util::skip(t, "no file declares encoding=\"unicode\" in this corpus");
    }
}

// ------------------------------------------------------------------ fixtures

fn fixture_bytes(name: &str) -> Vec<u8> {
    read(&fixture(&format!("admx/{name}")))
}

/// `line:col-line:col` of a span.
fn at(text: &str, idx: &LineIndex, s: Span) -> String {
    let a = idx.line_col(text, s.start());
    let b = idx.line_col(text, s.end());
    format!("{}:{}-{}:{}", a.line, a.column, b.line, b.column)
}

#[test]
fn schema_features_admx() {
    let p = parse_admx(&fixture_bytes("schema_features.admx")).unwrap();
    insta::assert_yaml_snapshot!("schema_features_admx", &p.doc);

    // A few spans, shown as line:col.
    let idx = LineIndex::new(&p.text);
    let d = &p.doc;
    let big = &d.policies()[0];
    let Some(PolicyElement::LongDecimal(quota)) = big.elements().first() else {
        panic!("longDecimal first")
    };
    let Some(Value::LongDecimal { node: enabled, .. }) =
        big.enabled_value.as_ref().and_then(|v| v.value.as_ref())
    else {
        panic!("enabledValue longDecimal")
    };
    let spans = [
        ("root", d.node.span),
        ("annotation", d.annotations[0].node.span),
        ("category Contoso", d.categories()[0].node.span),
        ("seeAlso[1]", d.categories()[0].see_also[1].node.span),
        ("policy BigNumbers", big.node.span),
        (
            "policy BigNumbers @key",
            attr_span(&p.text, big.node.span, "key").unwrap(),
        ),
        ("enabledValue/longDecimal", enabled.span),
        ("longDecimal Quota", quota.common.node.span),
        (
            "longDecimal Quota @soft",
            attr_span(&p.text, quota.common.node.span, "soft").unwrap(),
        ),
        ("policy Choices", d.policies()[1].node.span),
    ];
    let shown: Vec<String> = spans
        .iter()
        .map(|(what, s)| format!("{what}: {}", at(&p.text, &idx, *s)))
        .collect();
    insta::assert_yaml_snapshot!("schema_features_admx_spans", shown);
}

#[test]
fn schema_features_adml() {
    let p = parse_adml(&fixture_bytes("schema_features.adml")).unwrap();
    insta::assert_yaml_snapshot!("schema_features_adml", &p.doc);
    let idx = LineIndex::new(&p.text);
    let shown: Vec<String> = p.doc.presentations()[0]
        .controls
        .iter()
        .map(|c| format!("{}: {}", c.tag(), at(&p.text, &idx, c.node().span)))
        .collect();
    insta::assert_yaml_snapshot!("schema_features_adml_spans", shown);
}

#[test]
fn unknown_content_is_kept_in_order() {
    let p = parse_admx(&fixture_bytes("unknown_content.admx")).unwrap();
    insta::assert_yaml_snapshot!("unknown_content_admx", &p.doc);
    let p = parse_adml(&fixture_bytes("unknown_content.adml")).unwrap();
    insta::assert_yaml_snapshot!("unknown_content_adml", &p.doc);
}

#[test]
fn utf16_without_bom_and_big_endian() {
    let le = parse_adml(&fixture_bytes("utf16le_no_bom.adml")).unwrap();
    assert_eq!(le.doc.source.encoding, FileEncoding::Utf16Le);
    assert_eq!(
        declaration_conflict(le.doc.source.encoding, le.doc.source.declaration.as_ref()),
        None
    );
    insta::assert_yaml_snapshot!("utf16le_no_bom_adml", &le.doc);
    let be = parse_admx(&fixture_bytes("utf16be_bom.admx")).unwrap();
    assert_eq!(be.doc.source.encoding, FileEncoding::Utf16BeBom);
    assert_eq!(
        declaration_conflict(be.doc.source.encoding, be.doc.source.declaration.as_ref()),
        None
    );
    insta::assert_yaml_snapshot!("utf16be_bom_admx", &be.doc);
    // Spans index the decoded text (no BOM): the policy starts at line 8, column 5.
    let pol = &be.doc.policies()[0];
    let idx = LineIndex::new(&be.text);
    assert_eq!(at(&be.text, &idx, pol.node.span), "8:5-10:14");
}

#[test]
fn declaration_that_contradicts_the_bytes_is_reported() {
    let p = parse_admx(&fixture_bytes("declaration_contradicts_bytes.admx")).unwrap();
    assert_eq!(p.doc.source.encoding, FileEncoding::Utf8);
    let c = declaration_conflict(p.doc.source.encoding, p.doc.source.declaration.as_ref()).unwrap();
    assert_eq!(
        c.to_string(),
        "declared encoding \"utf-16\" contradicts the bytes, which are UTF-8"
    );
}

#[test]
fn malformed_files_give_positioned_errors() {
    let dir = fixture("admx/malformed");
    let mut out = Vec::new();
    for f in files_with_ext(&dir, &["admx", "adml"]) {
        let bytes = read(&f);
        let err = if is_admx(&f) {
            parse_admx(&bytes).map(|_| ())
        } else {
            parse_adml(&bytes).map(|_| ())
        }
        .expect_err(&f.display().to_string());
        out.push(format!(
            "{}:{err} [bytes {}..{}]",
            f.file_name().unwrap().to_string_lossy(),
            err.span().start,
            err.span().end
        ));
    }
    assert!(out.len() >= 10);
    insta::assert_yaml_snapshot!("malformed_errors", out);
}

#[test]
fn admx_reader_refuses_an_adml() {
    let err = parse_admx(&fixture_bytes("schema_features.adml")).unwrap_err();
    assert_eq!(
        err.message(),
        "expected root element <policyDefinitions>, found <policyDefinitionResources>"
    );
    assert_eq!((err.line_col().line, err.line_col().column), (2, 1));
}

#[test]
fn a_second_bom_after_the_first_is_skipped_with_spans_intact() {
    let text = "\u{FEFF}<policyDefinitionResources revision=\"1.0\" schemaVersion=\"1.0\"/>";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = parse_adml(&bytes).unwrap();
    assert_eq!(p.doc.revision.as_deref(), Some("1.0"));
    let s = p.doc.node.span;
    assert!(p.text[s.start()..s.end()].starts_with("<policyDefinitionResources"));
}
