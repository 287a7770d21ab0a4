//! The ADMX/ADML writer: canonical output of hand-built models (snapshots,
//! schema validity) and, over the whole shared corpus, the round-trip
//! contracts: parse -> write -> parse gives the same model, write -> parse ->
//! write gives the same bytes, and a file the schema accepts is still
//! accepted after rewriting.

use std::path::{Path, PathBuf};
use std::process::Command;

use gpforge::Span;
use gpforge::admx::{
    OutputEncoding, TemplateKind, WriteOptions, adml_to_string, admx_to_string, write_adml,
    write_admx,
};
use gpforge::model::*;

use crate::util;

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn raw_attr(name: &str, value: &str) -> RawAttribute {
    RawAttribute {
        name: name.into(),
        value: value.into(),
    }
}

fn slot(v: Value) -> Option<ValueSlot> {
    Some(ValueSlot::new(v))
}

fn common(id: &str) -> ElementCommon {
    ElementCommon {
        id: s(id),
        ..ElementCommon::default()
    }
}

/// An ADMX using every schema feature (except `longDecimal`, which the
/// oracle's schema lacks), all of it schema-legal.
pub fn full_admx(namespace: Option<&str>) -> PolicyDefinitions {
    let list = |default_key: Option<&str>| ValueList {
        node: Node::default(),
        default_key: default_key.map(str::to_string),
        items: vec![
            ValueItem {
                node: Node::default(),
                key: s(r"Software\Policies\Example\Sub"),
                value_name: s("A"),
                value: Some(Value::decimal(1)),
                value_node: None,
            },
            ValueItem {
                node: Node::default(),
                key: None,
                value_name: s("B"),
                value: Some(Value::String {
                    node: Node::default(),
                    text: "on & <off>".into(),
                }),
                value_node: None,
            },
            ValueItem {
                node: Node::default(),
                key: None,
                value_name: s("C"),
                value: Some(Value::Delete {
                    node: Node::default(),
                }),
                value_node: None,
            },
        ],
    };
    let annotation = |text: &str| Annotation {
        node: Node::with_unknown(
            Span::default(),
            Vec::new(),
            vec![RawNode::Element(RawElement {
                name: "note".into(),
                attributes: vec![raw_attr("lang", "en")],
                children: vec![RawNode::Text { text: text.into() }],
                ..RawElement::default()
            })],
        ),
        application: s("gpforge-tests"),
    };
    let elements = vec![
        PolicyElement::Boolean(BooleanElement {
            common: ElementCommon {
                id: s("Flag"),
                client_extension: s("{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"),
                key: s(r"Software\Policies\Example\Flags"),
                value_name: s("Flag"),
                ..ElementCommon::default()
            },
            true_value: slot(Value::decimal(1)),
            false_value: slot(Value::Delete {
                node: Node::default(),
            }),
            true_list: Some(Box::new(list(None))),
            false_list: Some(Box::new(list(Some(r"Software\Policies\Example\Other")))),
        }),
        PolicyElement::Decimal(DecimalElement {
            common: ElementCommon {
                value_name: s("Count"),
                ..common("Count")
            },
            required: s("true"),
            min_value: s("1"),
            max_value: s("2147483647"),
            store_as_text: s("false"),
            soft: s("true"),
        }),
        PolicyElement::Text(TextElementDef {
            common: ElementCommon {
                value_name: s("Name"),
                ..common("Name")
            },
            required: s("false"),
            max_length: s("255"),
            expandable: s("true"),
            soft: s("false"),
        }),
        PolicyElement::MultiText(MultiTextElement {
            common: ElementCommon {
                value_name: s("Lines"),
                ..common("Lines")
            },
            required: s("true"),
            max_length: s("2048"),
            max_strings: s("10"),
            soft: s("false"),
        }),
        PolicyElement::Enum(EnumElement {
            common: ElementCommon {
                value_name: s("Mode"),
                ..common("Mode")
            },
            required: s("true"),
            items: vec![
                EnumItem {
                    node: Node::default(),
                    display_name: s("$(string.Mode_Off)"),
                    value: slot(Value::decimal(0)),
                    value_list: None,
                },
                EnumItem {
                    node: Node::default(),
                    display_name: s("$(string.Mode_On)"),
                    value: slot(Value::String {
                        node: Node::default(),
                        text: "on".into(),
                    }),
                    value_list: Some(Box::new(list(Some(r"Software\Policies\Example")))),
                },
            ],
        }),
        PolicyElement::List(ListElement {
            common: ElementCommon {
                key: s(r"Software\Policies\Example\List"),
                ..common("Sites")
            },
            value_prefix: s(""),
            additive: s("true"),
            expandable: s("false"),
            explicit_value: s("false"),
        }),
    ];
    PolicyDefinitions {
        source: SourceInfo {
            namespace: namespace.map(str::to_string),
            ..SourceInfo::default()
        },
        node: Node::default(),
        revision: s("1.0"),
        schema_version: s("1.0"),
        policy_namespaces: Some(PolicyNamespaces {
            node: Node::default(),
            target: Some(NamespaceDecl {
                node: Node::default(),
                prefix: s("example"),
                namespace: s("Example.Policies.Test"),
            }),
            using: vec![NamespaceDecl {
                node: Node::default(),
                prefix: s("windows"),
                namespace: s("Microsoft.Policies.Windows"),
            }],
        }),
        superseded_adm: vec![SupersededAdm {
            node: Node::default(),
            file_name: s("example.adm"),
        }],
        annotations: vec![annotation("file level")],
        resources: Some(AdmxResources {
            node: Node::default(),
            min_required_revision: s("1.0"),
            fallback_culture: s("en-US"),
        }),
        supported_on: Some(SupportedOnTable {
            node: Node::default(),
            products: Some(List::new(vec![Product {
                node: Node::default(),
                name: s("ExampleProduct"),
                display_name: s("$(string.ExampleProduct)"),
                major_versions: vec![MajorVersion {
                    node: Node::default(),
                    name: s("V1"),
                    display_name: s("$(string.ExampleProduct_V1)"),
                    version_index: s("1"),
                    minor_versions: vec![MinorVersion {
                        node: Node::default(),
                        name: s("V1_2"),
                        display_name: s("$(string.ExampleProduct_V1_2)"),
                        version_index: s("2"),
                    }],
                }],
            }])),
            definitions: Some(List::new(vec![
                SupportedOnDefinition {
                    node: Node::default(),
                    name: s("SUPPORTED_Example"),
                    display_name: s("$(string.SUPPORTED_Example)"),
                    logic: Some(SupportedLogic {
                        node: Node::default(),
                        kind: LogicKind::Or,
                        items: vec![
                            SupportedItem::Range {
                                node: Node::default(),
                                ref_: s("ExampleProduct"),
                                min_version_index: s("1"),
                                max_version_index: s("3"),
                            },
                            SupportedItem::Reference {
                                node: Node::default(),
                                ref_: s("windows:SUPPORTED_Windows7"),
                            },
                        ],
                    }),
                },
                SupportedOnDefinition {
                    node: Node::default(),
                    name: s("SUPPORTED_Both"),
                    display_name: s("$(string.SUPPORTED_Both)"),
                    logic: Some(SupportedLogic {
                        node: Node::default(),
                        kind: LogicKind::And,
                        items: vec![SupportedItem::Reference {
                            node: Node::default(),
                            ref_: s("SUPPORTED_Example"),
                        }],
                    }),
                },
                SupportedOnDefinition {
                    node: Node::default(),
                    name: s("SUPPORTED_FromAdm"),
                    display_name: s("$(string.SUPPORTED_FromAdm)"),
                    logic: None,
                },
            ])),
        }),
        categories: Some(List::new(vec![
            Category {
                node: Node::default(),
                name: s("Example"),
                display_name: s("$(string.Example)"),
                explain_text: s("$(string.Example_Explain)"),
                annotations: vec![annotation("category")],
                parent_category: Some(ItemRef::new("windows:WindowsComponents")),
                see_also: vec![TextElement::new("Example_Child")],
                keywords: Some(Box::new(TextElement::new("example test"))),
            },
            Category {
                node: Node::default(),
                name: s("Example_Child"),
                display_name: s("$(string.Example_Child)"),
                parent_category: Some(ItemRef::new("Example")),
                ..Category::default()
            },
        ])),
        policies: Some(List::new(vec![
            Policy {
                node: Node::default(),
                name: s("Everything"),
                class: s("Both"),
                display_name: s("$(string.Everything)"),
                explain_text: s("$(string.Everything_Explain)"),
                presentation: s("$(presentation.Everything)"),
                key: s(r"Software\Policies\Example"),
                value_name: s("Enabled"),
                annotations: vec![annotation("policy")],
                parent_category: Some(ItemRef::new("Example_Child")),
                see_also: vec![TextElement::new("Simple")],
                keywords: Some(Box::new(TextElement::new("all"))),
                supported_on: Some(ItemRef::new("SUPPORTED_Example")),
                enabled_value: slot(Value::decimal(1)),
                disabled_value: slot(Value::decimal(0)),
                enabled_list: Some(Box::new(list(Some(r"Software\Policies\Example\On")))),
                disabled_list: Some(Box::new(list(None))),
                elements: Some(List::new(elements)),
                ..Policy::default()
            },
            Policy {
                node: Node::default(),
                name: s("Simple"),
                class: s("User"),
                display_name: s("$(string.Simple)"),
                explain_text: s("$(string.Simple_Explain)"),
                key: s(r"software\policies\example"),
                value_name: s("simple"),
                parent_category: Some(ItemRef::new("Example")),
                supported_on: Some(ItemRef::new("windows:SUPPORTED_Windows7")),
                enabled_value: slot(Value::String {
                    node: Node::default(),
                    text: "yes".into(),
                }),
                disabled_value: slot(Value::Delete {
                    node: Node::default(),
                }),
                ..Policy::default()
            },
        ])),
    }
}

/// An ADML using every schema presentation control (except
/// `longDecimalTextBox`, which the oracle's schema lacks).
pub fn full_adml(namespace: Option<&str>) -> PolicyDefinitionResources {
    let string = |id: &str, text: &str| StringEntry {
        node: Node::default(),
        id: s(id),
        text: text.into(),
    };
    let controls = vec![
        Control::Text {
            node: Node::default(),
            text: "Settings for <everything> & more:".into(),
        },
        Control::CheckBox {
            node: Node::default(),
            ref_id: s("Flag"),
            default_checked: s("true"),
            label: "Flag it".into(),
        },
        Control::DecimalTextBox(NumericTextBox {
            node: Node::default(),
            ref_id: s("Count"),
            default_value: s("5"),
            spin: s("true"),
            spin_step: s("5"),
            label: "Count:".into(),
        }),
        Control::TextBox {
            node: Node::default(),
            ref_id: s("Name"),
            label: Some(TextElement::new("Name:")),
            default_value: Some(TextElement::new("%USERNAME%")),
        },
        Control::MultiTextBox {
            node: Node::default(),
            ref_id: s("Lines"),
            show_as_dialog: s("true"),
            default_height: s("5"),
            label: String::new(),
        },
        Control::DropdownList {
            node: Node::default(),
            ref_id: s("Mode"),
            no_sort: s("true"),
            default_item: s("1"),
            label: "Mode:".into(),
        },
        Control::ListBox {
            node: Node::default(),
            ref_id: s("Sites"),
            label: "Sites:".into(),
        },
        Control::ComboBox {
            node: Node::default(),
            ref_id: s("Name"),
            no_sort: s("false"),
            label: Some(TextElement::new("Pick a name:")),
            default: Some(TextElement::new("alpha")),
            suggestions: vec![TextElement::new("alpha"), TextElement::new("beta")],
        },
    ];
    PolicyDefinitionResources {
        source: SourceInfo {
            namespace: namespace.map(str::to_string),
            ..SourceInfo::default()
        },
        node: Node::default(),
        revision: s("1.0"),
        schema_version: s("1.0"),
        display_name: Some(TextElement::new("Example")),
        description: Some(TextElement::new(
            "Example templates for gpforge's writer tests",
        )),
        annotations: vec![Annotation {
            // The schema wants exactly one element inside (mixed content).
            node: Node::with_unknown(
                Span::default(),
                Vec::new(),
                vec![
                    RawNode::Text {
                        text: "free text ".into(),
                    },
                    RawNode::Element(RawElement {
                        name: "b".into(),
                        ..RawElement::default()
                    }),
                ],
            ),
            application: s("gpforge-tests"),
        }],
        resources: Some(AdmlResources {
            node: Node::default(),
            string_table: Some(List::new(vec![
                string("Example", "Example"),
                string("Everything", "Every feature"),
                string(
                    "Everything_Explain",
                    "First paragraph.\n\nSecond paragraph with \"quotes\", <angle brackets> & ampersands.\n\tTabbed line, \u{200B}zero width space, 日本語",
                ),
                string("Empty", ""),
                string("Spaces", "  padded  "),
            ])),
            presentation_table: Some(List::new(vec![
                Presentation {
                    node: Node::default(),
                    id: s("Everything"),
                    controls,
                },
                Presentation {
                    node: Node::default(),
                    id: s("Nothing"),
                    controls: Vec::new(),
                },
            ])),
        }),
    }
}

/// A document full of things the schema does not know, as a reader keeps them.
fn quirky_admx() -> PolicyDefinitions {
    let mut d = full_admx(None);
    d.source.outside_root = vec![
        RawNode::Comment {
            text: " generated by hand\n   second line ".into(),
        },
        RawNode::ProcessingInstruction {
            text: "gpforge test=\"1\"".into(),
        },
    ];
    *d.node.unknown_attributes_mut() = vec![
        raw_attr("xmlns:xsd", "http://www.w3.org/2001/XMLSchema"),
        raw_attr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
    ];
    *d.node.unknown_children_mut() = vec![RawNode::Comment {
        text: " trailing comment ".into(),
    }];
    let policies = d.policies.as_mut().unwrap();
    let p = &mut policies.items[1];
    *p.node.unknown_attributes_mut() = vec![
        raw_attr("Area", "Security Baseline"),
        raw_attr("AreaCategory", "Attack \"Surface\"\tReduction"),
    ];
    p.client_extension = s("{3610eda5-77ef-11d2-8dc5-00c04fa31a66}");
    *p.node.unknown_children_mut() = vec![
        RawNode::Comment {
            text: " misplaced below ".into(),
        },
        RawNode::Element(RawElement {
            name: "parentCategory".into(),
            attributes: vec![raw_attr("ref", "Second")],
            ..RawElement::default()
        }),
    ];
    if let Some(ValueSlot { node, .. }) = p.enabled_value.as_mut() {
        *node.unknown_children_mut() = vec![RawNode::Text {
            text: "\"".into(), // stray text in element-only content, kept trimmed by the reader
        }];
    }
    *policies.node.unknown_children_mut() = vec![RawNode::CData {
        text: "raw <data>".into(),
    }];
    d
}

fn quirky_adml() -> PolicyDefinitionResources {
    let mut d = full_adml(None);
    let res = d.resources.as_mut().unwrap();
    let pres = &mut res.presentation_table.as_mut().unwrap().items[0];
    for c in &mut pres.controls {
        match c {
            Control::TextBox { node, .. } => {
                *node.unknown_attributes_mut() = vec![raw_attr("defaultValue", "Email")]
            }
            Control::DropdownList { node, .. } => {
                *node.unknown_attributes_mut() = vec![raw_attr("noSoret", "true")]
            }
            Control::MultiTextBox { label, node, .. } => {
                *label = "ECC Curve Order:".into();
                *node.unknown_attributes_mut() = vec![raw_attr("xml:space", "preserve")];
            }
            _ => {}
        }
    }
    let strings = &mut res.string_table.as_mut().unwrap().items;
    *strings[0].node.unknown_children_mut() = vec![RawNode::Comment {
        text: "inside a string".into(),
    }];
    strings[1].text = "carriage\rreturn kept".into();
    d
}

#[test]
fn hand_built_admx_is_written_canonically() {
    insta::assert_snapshot!(admx_to_string(&full_admx(Some(namespaces::SCHEMAS_2006))));
}

#[test]
fn hand_built_adml_is_written_canonically() {
    insta::assert_snapshot!(adml_to_string(&full_adml(Some(namespaces::SCHEMAS_2006))));
}

#[test]
fn unknown_content_is_carried() {
    insta::assert_snapshot!("quirky_admx", admx_to_string(&quirky_admx()));
    insta::assert_snapshot!("quirky_adml", adml_to_string(&quirky_adml()));
}

#[test]
fn long_decimal_forms_are_written() {
    let mut d = full_admx(None);
    let p = &mut d.policies.as_mut().unwrap().items[0];
    p.enabled_value = slot(Value::LongDecimal {
        node: Node::default(),
        value: s("18446744073709551615"),
    });
    p.elements = Some(List::new(vec![PolicyElement::LongDecimal(
        DecimalElement {
            common: ElementCommon {
                value_name: s("Big"),
                ..common("Big")
            },
            max_value: s("18446744073709551615"),
            ..DecimalElement::default()
        },
    )]));
    let out = admx_to_string(&d);
    assert!(
        out.contains(
            "      <enabledValue>\r\n        <longDecimal value=\"18446744073709551615\" />\r\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "<longDecimal id=\"Big\" valueName=\"Big\" maxValue=\"18446744073709551615\" />"
        ),
        "{out}"
    );

    let mut l = full_adml(None);
    l.resources
        .as_mut()
        .unwrap()
        .presentation_table
        .as_mut()
        .unwrap()
        .items[1]
        .controls = vec![Control::LongDecimalTextBox(NumericTextBox {
        ref_id: s("Big"),
        default_value: s("4294967296"),
        label: "Big:".into(),
        ..NumericTextBox::default()
    })];
    let out = adml_to_string(&l);
    assert!(out.contains("<longDecimalTextBox refId=\"Big\" defaultValue=\"4294967296\">Big:</longDecimalTextBox>"), "{out}");
}

#[test]
fn utf16_output_is_the_same_text_with_a_bom() {
    let d = full_admx(None);
    let utf8 = write_admx(&d, &WriteOptions::default());
    let utf16 = write_admx(
        &d,
        &WriteOptions {
            encoding: OutputEncoding::Utf16LeBom,
        },
    );
    let text = crate::util::utf16le_bom_text(&utf16);
    let utf8 = String::from_utf8(utf8).unwrap();
    assert_eq!(
        text,
        utf8.replacen("encoding=\"utf-8\"", "encoding=\"utf-16\"", 1)
    );
}

#[test]
fn keeping_follows_the_source_encoding() {
    for (enc, want) in [
        (FileEncoding::Utf8, OutputEncoding::Utf8),
        (FileEncoding::Utf8Bom, OutputEncoding::Utf8),
        (FileEncoding::Utf16LeBom, OutputEncoding::Utf16LeBom),
        (FileEncoding::Utf16Le, OutputEncoding::Utf16LeBom),
        (FileEncoding::Utf16BeBom, OutputEncoding::Utf16LeBom),
        (FileEncoding::Utf16Be, OutputEncoding::Utf16LeBom),
    ] {
        let src = SourceInfo {
            encoding: enc,
            ..SourceInfo::default()
        };
        assert_eq!(WriteOptions::keeping(&src).encoding, want, "{enc:?}");
    }
}

/// Hand-built models cover what the corpus lacks (comboBox, longDecimal,
/// seeAlso, keywords, annotations, products, CDATA, processing
/// instructions, ...): each reads back as the same model, in both encodings.
#[test]
fn hand_built_models_read_back_unchanged() {
    let mut long = full_admx(Some(namespaces::WWW));
    let p = &mut long.policies.as_mut().unwrap().items[1];
    p.enabled_value = slot(Value::LongDecimal {
        node: Node::default(),
        value: s("18446744073709551615"),
    });
    let mut long_adml = full_adml(Some(namespaces::WWW));
    long_adml
        .resources
        .as_mut()
        .unwrap()
        .presentation_table
        .as_mut()
        .unwrap()
        .items[1]
        .controls = vec![Control::LongDecimalTextBox(NumericTextBox {
        ref_id: s("Big"),
        label: "Big:".into(),
        ..NumericTextBox::default()
    })];
    let admx = [
        full_admx(None),
        full_admx(Some(namespaces::SCHEMAS_2006)),
        quirky_admx(),
        long,
    ];
    let adml = [
        full_adml(None),
        full_adml(Some(namespaces::SCHEMAS_2006)),
        quirky_adml(),
        long_adml,
    ];
    for opts in [
        WriteOptions::default(),
        WriteOptions {
            encoding: OutputEncoding::Utf16LeBom,
        },
    ] {
        for d in &admx {
            let back = gpforge::admx::parse_admx(&write_admx(d, &opts))
                .unwrap()
                .doc;
            let diff = first_difference(&comparable(d), &comparable(&back), String::new());
            assert_eq!(diff, None, "{opts:?}");
        }
        for d in &adml {
            let back = gpforge::admx::parse_adml(&write_adml(d, &opts))
                .unwrap()
                .doc;
            let diff = first_difference(&comparable(d), &comparable(&back), String::new());
            assert_eq!(diff, None, "{opts:?}");
        }
    }
}

/// Runs `xsd-validate` over `dir`; returns the files it rejects (file names
/// relative to `dir`) and its summary line.
pub fn xsd_rejects(oracle: &Path, dir: &Path) -> (Vec<String>, String) {
    let out = Command::new("python3")
        .arg(oracle)
        .arg(dir)
        .output()
        .expect("run xsd-validate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let prefix = format!("{}/", dir.display());
    let mut bad: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            l.strip_suffix(" fails to validate")
                .or_else(|| l.strip_suffix(" fails to compile"))
        })
        .map(|f| f.strip_prefix(&prefix).unwrap_or(f).to_string())
        .collect();
    bad.sort();
    bad.dedup();
    let summary = stdout
        .lines()
        .rfind(|l| l.starts_with("xsd-validate:"))
        .unwrap_or("")
        .to_string();
    (bad, summary)
}

#[test]
fn hand_built_output_passes_the_schema() {
    let Some(oracle) = util::oracle("hand_built_output_passes_the_schema", "xmllint") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut written: Vec<PathBuf> = Vec::new();
    for (tag, ns) in [
        ("none", None),
        ("schemas2006", Some(namespaces::SCHEMAS_2006)),
        ("www", Some(namespaces::WWW)),
    ] {
        for (enc, opts) in [
            ("utf8", WriteOptions::default()),
            (
                "utf16",
                WriteOptions {
                    encoding: OutputEncoding::Utf16LeBom,
                },
            ),
        ] {
            let admx = dir.path().join(format!("full-{tag}-{enc}.admx"));
            std::fs::write(&admx, write_admx(&full_admx(ns), &opts)).unwrap();
            let adml = dir.path().join(format!("full-{tag}-{enc}.adml"));
            std::fs::write(&adml, write_adml(&full_adml(ns), &opts)).unwrap();
            written.extend([admx, adml]);
        }
    }
    let (bad, summary) = xsd_rejects(&oracle, dir.path());
    assert!(bad.is_empty(), "schema rejects {bad:?} ({summary})");
    assert_eq!(
        summary,
        format!("xsd-validate: {n} of {n} files validate", n = written.len())
    );
}

/// Snapshots do not show line ends, so check them here: every line ends in
/// CRLF and no CR stands alone (comment content, written as held, aside).
#[test]
fn output_uses_crlf_line_ends_only() {
    let texts = [
        admx_to_string(&full_admx(None)),
        adml_to_string(&full_adml(None)),
        admx_to_string(&quirky_admx()),
        adml_to_string(&quirky_adml()),
    ];
    for text in texts {
        let text = text.replace(" generated by hand\n   second line ", "");
        let b = text.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'\n' => assert!(i > 0 && b[i - 1] == b'\r', "bare LF at byte {i}"),
                b'\r' => assert_eq!(b.get(i + 1), Some(&b'\n'), "bare CR at byte {i}"),
                _ => {}
            }
        }
        assert!(text.ends_with(">\r\n"));
    }
}

// ---------------------------------------------------------------------------
// The shared corpus

/// The model as compared across a rewrite: everything the reader kept except
/// the byte encoding and the XML declaration, which the writer sets itself
/// (spans are not serialised).
fn comparable<T: serde::Serialize>(doc: &T) -> serde_json::Value {
    let mut v = serde_json::to_value(doc).unwrap();
    if let Some(source) = v.get_mut("source").and_then(|s| s.as_object_mut()) {
        source.remove("encoding");
        source.remove("declaration");
    }
    v
}

/// JSON pointer of the first place where `a` and `b` differ, with both sides.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value as V;
    match (a, b) {
        (V::Object(x), V::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (l, r) = (x.get(k).unwrap_or(&V::Null), y.get(k).unwrap_or(&V::Null));
                if let Some(d) = first_difference(l, r, format!("{at}/{k}")) {
                    return Some(d);
                }
            }
            None
        }
        (V::Array(x), V::Array(y)) => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(l, r, format!("{at}/{i}")) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{at}: {} items, then {} items", x.len(), y.len()))
        }
        _ => (a != b).then(|| format!("{at}: {a} became {b}")),
    }
}

/// One file's round trip: `Ok(canonical bytes)` or a description of what broke.
fn round_trip(bytes: &[u8], kind: TemplateKind) -> Result<Vec<u8>, String> {
    macro_rules! check {
        ($parse:path, $write:path) => {{
            let first = $parse(bytes).map_err(|e| format!("parse: {e}"))?.doc;
            let written = $write(&first, &WriteOptions::default());
            let second = $parse(&written)
                .map_err(|e| format!("parse of the written copy: {e}"))?
                .doc;
            if let Some(d) =
                first_difference(&comparable(&first), &comparable(&second), String::new())
            {
                return Err(format!("parse -> write -> parse changed the model at {d}"));
            }
            if $write(&second, &WriteOptions::default()) != written {
                return Err("write -> parse -> write changed the bytes".into());
            }
            // A UTF-16 copy (--keep-encoding) reads back to the same model too.
            let keeping = WriteOptions::keeping(&first.source);
            if keeping != WriteOptions::default() {
                let kept = $write(&first, &keeping);
                let third = $parse(&kept)
                    .map_err(|e| format!("parse of the --keep-encoding copy: {e}"))?
                    .doc;
                if let Some(d) =
                    first_difference(&comparable(&first), &comparable(&third), String::new())
                {
                    return Err(format!("the --keep-encoding copy changed the model at {d}"));
                }
            }
            Ok(written)
        }};
    }
    match kind {
        TemplateKind::Admx => check!(gpforge::admx::parse_admx, write_admx),
        TemplateKind::Adml => check!(gpforge::admx::parse_adml, write_adml),
    }
}

fn say(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}

#[test]
fn corpus_round_trips_and_stays_schema_valid() {
    const TEST: &str = "corpus_round_trips_and_stays_schema_valid";
    let Some(corpus) = util::shared(TEST, "corpus/admx") else {
        return;
    };
    let files = util::files_with_ext(&corpus, &["admx", "adml"]);
    assert!(
        files.len() > 500,
        "corpus looks incomplete: {} files",
        files.len()
    );
    let out = tempfile::tempdir().unwrap();
    // Each file is independent: split the work over the available cores.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let chunk = files.len().div_ceil(threads);
    let results: Vec<(String, TemplateKind, Result<(), String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let (corpus, out) = (&corpus, out.path());
                scope.spawn(move || {
                    part.iter()
                        .map(|f| {
                            let kind = TemplateKind::from_path(f).unwrap();
                            let rel = f.strip_prefix(corpus).unwrap();
                            let result =
                                round_trip(&std::fs::read(f).unwrap(), kind).map(|bytes| {
                                    let dest = out.join(rel);
                                    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                                    std::fs::write(&dest, bytes).unwrap();
                                });
                            (rel.to_string_lossy().replace('\\', "/"), kind, result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut failures = Vec::new();
    let mut written = Vec::new();
    let (mut admx, mut adml) = (0, 0);
    for (rel, kind, result) in results {
        match result {
            Ok(()) => {
                written.push(rel);
                match kind {
                    TemplateKind::Admx => admx += 1,
                    TemplateKind::Adml => adml += 1,
                }
            }
            Err(e) => failures.push(format!("{rel}: {e}")),
        }
    }
    say(&format!(
        "roundtrip: {} of {} corpus files round-trip ({admx} ADMX, {adml} ADML): equal model, identical bytes on rewrite",
        admx + adml,
        files.len()
    ));
    // The schema comparison runs even when a round trip failed, so one run shows everything.
    if let Some(oracle) = util::oracle(TEST, "xmllint") {
        schema_keeps_accepting(&oracle, &corpus, out.path(), &written);
    }
    assert!(
        failures.is_empty(),
        "{} files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every corpus file the schema accepts is still accepted after rewriting
/// (`out` mirrors the corpus layout). One xsd-validate run per side.
fn schema_keeps_accepting(oracle: &Path, corpus: &Path, out: &Path, written: &[String]) {
    let (rejected_in, summary_in) = xsd_rejects(oracle, corpus);
    let (rejected_out, summary_out) = xsd_rejects(oracle, out);
    let accepted_in = written.iter().filter(|f| !rejected_in.contains(f)).count();
    let lost: Vec<&String> = rejected_out
        .iter()
        .filter(|f| !rejected_in.contains(f))
        .collect();
    let gained: Vec<&String> = written
        .iter()
        .filter(|f| rejected_in.contains(f) && !rejected_out.contains(f))
        .collect();
    say(&format!(
        "roundtrip: schema on the corpus: {summary_in}; on our rewrites: {summary_out}; \
         of the {} rewritten files the schema accepted {accepted_in} before, {} of them are rejected after; \
         rejected before but accepted after: {gained:?}",
        written.len(),
        lost.len()
    ));
    assert!(
        lost.is_empty(),
        "the schema accepted these files but rejects our rewrite: {lost:?}"
    );
}

/// A one-namespace ADMX (Windows' own root namespace, resources) around `body`.
fn small_admx(namespace: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<policyDefinitions revision="1.0" schemaVersion="1.0" xmlns="{}">
  <policyNamespaces><target prefix="c" namespace="{namespace}" /></policyNamespaces>
  <resources minRequiredRevision="1.0" />{body}
</policyDefinitions>
"#,
        namespaces::SCHEMAS_2006
    )
}

#[test]
fn list_item_value_wrapper_keeps_its_span_and_leftovers() {
    // `<value>` carries an unknown attribute and a comment; the second item's
    // wrapper is empty (the editor refuses that, but the model keeps it).
    let src = &small_admx(
        "Contoso.Wrapper",
        r#"
  <policies>
    <policy name="P" class="User" displayName="$(string.P)" explainText="$(string.P)" key="Software\Contoso">
      <supportedOn ref="c:S" />
      <enabledList>
        <item valueName="A"><value note="kept"><!-- why --><decimal value="1" /></value></item>
        <item valueName="B"><value /></item>
      </enabledList>
    </policy>
  </policies>"#,
    );
    let p = gpforge::admx::parse_admx_str(src).unwrap();
    let items = &p.doc.policies()[0].enabled_list.as_ref().unwrap().items;
    let wrapper = items[0].value_node.as_ref().expect("wrapper read");
    assert!(src[wrapper.span.start()..wrapper.span.end()].starts_with("<value note="));
    assert!(src[wrapper.span.start()..wrapper.span.end()].ends_with("</value>"));
    assert_eq!(wrapper.unknown_attributes()[0].name, "note");
    assert_eq!(wrapper.unknown_children().len(), 1);
    // Nothing moved onto the <item>.
    assert!(items[0].node.is_plain());
    assert!(items[1].value.is_none() && items[1].value_node.is_some());

    let out = admx_to_string(&p.doc);
    assert!(
        out.contains(r#"<item valueName="A">"#) && out.contains(r#"<value note="kept">"#),
        "{out}"
    );
    assert!(out.contains("<!-- why -->"), "{out}");
    assert!(out.contains("<value />"), "{out}");
    // Stable: written again, the same bytes.
    let again = gpforge::admx::parse_admx_str(&out).unwrap();
    assert_eq!(admx_to_string(&again.doc), out);
}

#[test]
fn comments_and_unknown_elements_keep_their_place_on_rewrite() {
    let src = &small_admx(
        "Contoso.Places",
        r#"
  <categories>
    <!-- first -->
    <category name="A" displayName="$(string.A)" />
    <!-- between A and B -->
    <futureThing />
    <category name="B" displayName="$(string.B)" />
    <!-- last -->
  </categories>"#,
    );
    let p = gpforge::admx::parse_admx_str(src).unwrap();
    let cats = &p.doc.categories.as_ref().unwrap().node;
    // Elements before each leftover: 0, 1, 1 (futureThing), 3.
    assert_eq!(cats.unknown_anchors(), &[0, 1, 1, 3]);
    let out = admx_to_string(&p.doc);
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {out}"))
    };
    assert!(at("<!-- first -->") < at(r#"<category name="A""#));
    assert!(at(r#"<category name="A""#) < at("<!-- between A and B -->"));
    assert!(at("<!-- between A and B -->") < at("<futureThing />"));
    assert!(at("<futureThing />") < at(r#"<category name="B""#));
    assert!(at(r#"<category name="B""#) < at("<!-- last -->"));
    assert!(at("<!-- last -->") < at("</categories>"));
    let again = gpforge::admx::parse_admx_str(&out).unwrap();
    assert_eq!(admx_to_string(&again.doc), out, "stable");

    // Changing the leftovers forgets their places: they go after the known children.
    let mut doc = p.doc.clone();
    let node = &mut doc.categories.as_mut().unwrap().node;
    node.unknown_children_mut().pop();
    assert!(node.unknown_anchors().is_empty());
    let out = admx_to_string(&doc);
    assert!(out.find(r#"<category name="B""#).unwrap() < out.find("<!-- first -->").unwrap());
}
