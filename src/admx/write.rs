//! ADMX/ADML writer: model -> canonical bytes.
//!
//! The canonical form (see [`crate::xml::writer`] for the byte-level rules):
//! - elements in the order of Microsoft's schema (MS-GPREG §7; formats.md
//!   §2.2, §2.3, §2.5, §3.1, §3.2); list items, policy elements and
//!   presentation controls keep their document order;
//! - the root's default namespace is the one the file was read with
//!   (`SourceInfo::namespace`), written first; a document without one stays
//!   without one (Office templates have none);
//! - on every element the schema's attributes from the typed fields come
//!   first, in the schema's declaration order (`minorVersion` uses the same
//!   `name`, `displayName`, `versionIndex` order as `majorVersion`;
//!   `<policy clientExtension>`, not in the schema, follows `valueName`),
//!   then the unknown attributes in the order they were read;
//! - unknown children (elements, text, comments, CDATA, processing
//!   instructions) follow the known children of the same element, in their
//!   original order; comments and processing instructions found outside the
//!   root are written before it.
//!
//! Guarantees: parsing the output gives back the same model (spans and the
//! source encoding/declaration aside), and writing that model again gives
//! the same bytes. When the model holds only schema-legal content the output
//! passes the schema. The XML declaration is always the canonical one.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil;
use crate::model::{
    AdmlResources, AdmxResources, Annotation, Category, Control, ElementCommon, EnumItem, ItemRef,
    List, LogicKind, MajorVersion, MinorVersion, NamespaceDecl, Node, NumericTextBox, Policy,
    PolicyDefinitionResources, PolicyDefinitions, PolicyElement, PolicyNamespaces, Presentation,
    Product, RawElement, RawNode, SourceInfo, StringEntry, SupersededAdm, SupportedItem,
    SupportedLogic, SupportedOnDefinition, SupportedOnTable, TextElement, Value, ValueItem,
    ValueList, ValueSlot,
};
use crate::xml::reader::ParseError;
use crate::xml::writer::{Content, Document, Element, write_document};

pub use crate::xml::writer::{OutputEncoding, WriteOptions};

/// Writes an ADMX document in the canonical form: schema element order, the
/// schema's attributes first and unknown ones after, unknown children after
/// the known ones, CRLF line ends, two-space indentation, the root namespace
/// the document was read with. Reading the result gives back the same model
/// (apart from spans, encoding and declaration) and writing that again gives
/// the same bytes. Use [`WriteOptions::keeping`] to keep a UTF-16 source UTF-16.
///
/// ```
/// use gpforge::admx::{WriteOptions, write_admx};
/// use gpforge::model::{PolicyDefinitions, PolicyNamespaces, NamespaceDecl, AdmxResources};
///
/// let doc = PolicyDefinitions {
///     revision: Some("1.0".into()),
///     schema_version: Some("1.0".into()),
///     policy_namespaces: Some(PolicyNamespaces {
///         target: Some(NamespaceDecl {
///             prefix: Some("contoso".into()),
///             namespace: Some("Contoso.Policies".into()),
///             ..NamespaceDecl::default()
///         }),
///         ..PolicyNamespaces::default()
///     }),
///     resources: Some(AdmxResources { min_required_revision: Some("1.0".into()), ..AdmxResources::default() }),
///     ..PolicyDefinitions::default()
/// };
/// let bytes = write_admx(&doc, &WriteOptions::default());
/// assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<policyDefinitions revision=\"1.0\""));
/// ```
pub fn write_admx(doc: &PolicyDefinitions, options: &WriteOptions) -> Vec<u8> {
    write_document(&admx_document(doc), options)
}

/// Writes an ADML document in the canonical form (the same rules as
/// [`write_admx`]; text such as `<string>` content is written on one line
/// with its line breaks as CRLF, so it reads back unchanged).
pub fn write_adml(doc: &PolicyDefinitionResources, options: &WriteOptions) -> Vec<u8> {
    write_document(&adml_document(doc), options)
}

/// The canonical text of an ADMX document (as if written in UTF-8).
pub fn admx_to_string(doc: &PolicyDefinitions) -> String {
    crate::xml::writer::document_to_string(&admx_document(doc), OutputEncoding::Utf8)
}

/// The canonical text of an ADML document (as if written in UTF-8).
pub fn adml_to_string(doc: &PolicyDefinitionResources) -> String {
    crate::xml::writer::document_to_string(&adml_document(doc), OutputEncoding::Utf8)
}

// ---------------------------------------------------------------------------
// Shared pieces

/// Starts an element for `node`: the caller adds its known attributes and
/// children, then calls [`finish`].
fn el(name: &'static str) -> Element<'static> {
    Element::new(name)
}

/// Adds `node`'s unknown attributes and unknown children after the known ones.
fn finish<'a>(mut e: Element<'a>, node: &'a Node) -> Element<'a> {
    for a in node.unknown_attributes() {
        e.attr(a.name.as_str(), Some(a.value.as_str()));
    }
    let anchors = node.unknown_anchors();
    if anchors.is_empty() {
        e.children
            .extend(node.unknown_children().iter().map(raw_node));
        return e;
    }
    // Each unknown child goes back where it stood: after as many known
    // child elements as there were elements before it, minus the unknown
    // elements among them. Text of the element itself comes first; children
    // without a place go last.
    let mut known = std::mem::take(&mut e.children).into_iter().peekable();
    let mut known_done = 0usize;
    let mut unknown_elements = 0usize;
    for (i, u) in node.unknown_children().iter().enumerate() {
        let stop = anchors.get(i).map_or(usize::MAX, |&a| {
            (a as usize).saturating_sub(unknown_elements)
        });
        while let Some(c) = known.peek() {
            if matches!(c, Content::Element(_)) {
                if known_done == stop {
                    break;
                }
                known_done += 1;
            }
            e.children.extend(known.next());
        }
        if matches!(u, RawNode::Element(_)) {
            unknown_elements += 1;
        }
        e.children.push(raw_node(u));
    }
    e.children.extend(known);
    e
}

fn raw_node(n: &RawNode) -> Content<'_> {
    match n {
        RawNode::Element(e) => Content::Element(raw_element(e)),
        RawNode::Text { text } => Content::Text(Cow::Borrowed(text)),
        RawNode::Comment { text } => Content::Comment(Cow::Borrowed(text)),
        RawNode::CData { text } => Content::CData(Cow::Borrowed(text)),
        RawNode::ProcessingInstruction { text } => {
            Content::ProcessingInstruction(Cow::Borrowed(text))
        }
    }
}

fn raw_element(r: &RawElement) -> Element<'_> {
    let mut e = Element::new(r.name.as_str());
    for a in &r.attributes {
        e.attr(a.name.as_str(), Some(a.value.as_str()));
    }
    e.children.extend(r.children.iter().map(raw_node));
    e
}

/// A text-content element (`<seeAlso>`, `<label>`, `<displayName>`, ...).
fn text_element<'a>(name: &'static str, t: &'a TextElement) -> Element<'a> {
    let mut e = el(name);
    e.text(&t.text);
    finish(e, &t.node)
}

/// A container (`<categories>`, `<policies>`, ...) of items.
fn list<'a, T>(
    name: &'static str,
    l: &'a List<T>,
    item: impl Fn(&'a T) -> Element<'a>,
) -> Element<'a> {
    let mut e = el(name);
    for i in &l.items {
        e.push(item(i));
    }
    finish(e, &l.node)
}

fn push_opt<'a>(parent: &mut Element<'a>, child: Option<Element<'a>>) {
    if let Some(c) = child {
        parent.push(c);
    }
}

/// The root namespace first, then `revision` and `schemaVersion`.
fn root<'a>(
    name: &'static str,
    source: &'a SourceInfo,
    revision: &'a Option<String>,
    schema_version: &'a Option<String>,
) -> Element<'a> {
    let mut e = el(name);
    // An `xmlns` also listed among the unknown attributes is not written twice
    // (`Element::attr` keeps the first).
    e.attr("xmlns", source.namespace.as_deref());
    e.attr("revision", revision.as_deref());
    e.attr("schemaVersion", schema_version.as_deref());
    e
}

fn prolog(source: &SourceInfo) -> Vec<Content<'_>> {
    source
        .outside_root
        .iter()
        .filter(|n| {
            matches!(
                n,
                RawNode::Comment { .. } | RawNode::ProcessingInstruction { .. }
            )
        })
        .map(raw_node)
        .collect()
}

fn annotation(a: &Annotation) -> Element<'_> {
    let mut e = el("annotation");
    e.attr("application", a.application.as_deref());
    finish(e, &a.node)
}

fn item_ref<'a>(name: &'static str, r: &'a ItemRef) -> Element<'a> {
    let mut e = el(name);
    e.attr("ref", r.ref_.as_deref());
    finish(e, &r.node)
}

// ---------------------------------------------------------------------------
// ADMX

fn admx_document(d: &PolicyDefinitions) -> Document<'_> {
    let mut e = root(
        "policyDefinitions",
        &d.source,
        &d.revision,
        &d.schema_version,
    );
    push_opt(&mut e, d.policy_namespaces.as_ref().map(policy_namespaces));
    for s in &d.superseded_adm {
        e.push(superseded_adm(s));
    }
    for a in &d.annotations {
        e.push(annotation(a));
    }
    push_opt(&mut e, d.resources.as_ref().map(admx_resources));
    push_opt(&mut e, d.supported_on.as_ref().map(supported_on_table));
    push_opt(
        &mut e,
        d.categories
            .as_ref()
            .map(|l| list("categories", l, category)),
    );
    push_opt(
        &mut e,
        d.policies.as_ref().map(|l| list("policies", l, policy)),
    );
    Document {
        prolog: prolog(&d.source),
        root: finish(e, &d.node),
    }
}

fn policy_namespaces(p: &PolicyNamespaces) -> Element<'_> {
    let mut e = el("policyNamespaces");
    push_opt(
        &mut e,
        p.target.as_ref().map(|t| namespace_decl("target", t)),
    );
    for u in &p.using {
        e.push(namespace_decl("using", u));
    }
    finish(e, &p.node)
}

fn namespace_decl<'a>(name: &'static str, n: &'a NamespaceDecl) -> Element<'a> {
    let mut e = el(name);
    e.attr("prefix", n.prefix.as_deref())
        .attr("namespace", n.namespace.as_deref());
    finish(e, &n.node)
}

fn superseded_adm(s: &SupersededAdm) -> Element<'_> {
    let mut e = el("supersededAdm");
    e.attr("fileName", s.file_name.as_deref());
    finish(e, &s.node)
}

fn admx_resources(r: &AdmxResources) -> Element<'_> {
    let mut e = el("resources");
    e.attr("minRequiredRevision", r.min_required_revision.as_deref())
        .attr("fallbackCulture", r.fallback_culture.as_deref());
    finish(e, &r.node)
}

fn supported_on_table(s: &SupportedOnTable) -> Element<'_> {
    let mut e = el("supportedOn");
    push_opt(
        &mut e,
        s.products.as_ref().map(|l| list("products", l, product)),
    );
    push_opt(
        &mut e,
        s.definitions
            .as_ref()
            .map(|l| list("definitions", l, definition)),
    );
    finish(e, &s.node)
}

fn product(p: &Product) -> Element<'_> {
    let mut e = el("product");
    e.attr("name", p.name.as_deref())
        .attr("displayName", p.display_name.as_deref());
    for m in &p.major_versions {
        e.push(major_version(m));
    }
    finish(e, &p.node)
}

fn major_version(m: &MajorVersion) -> Element<'_> {
    let mut e = el("majorVersion");
    e.attr("name", m.name.as_deref())
        .attr("displayName", m.display_name.as_deref())
        .attr("versionIndex", m.version_index.as_deref());
    for n in &m.minor_versions {
        e.push(minor_version(n));
    }
    finish(e, &m.node)
}

fn minor_version(m: &MinorVersion) -> Element<'_> {
    let mut e = el("minorVersion");
    e.attr("name", m.name.as_deref())
        .attr("displayName", m.display_name.as_deref())
        .attr("versionIndex", m.version_index.as_deref());
    finish(e, &m.node)
}

fn definition(d: &SupportedOnDefinition) -> Element<'_> {
    let mut e = el("definition");
    e.attr("name", d.name.as_deref())
        .attr("displayName", d.display_name.as_deref());
    push_opt(&mut e, d.logic.as_ref().map(logic));
    finish(e, &d.node)
}

fn logic(l: &SupportedLogic) -> Element<'_> {
    let mut e = el(match l.kind {
        LogicKind::Or => "or",
        LogicKind::And => "and",
    });
    for item in &l.items {
        e.push(match item {
            SupportedItem::Reference { node, ref_ } => {
                let mut r = el("reference");
                r.attr("ref", ref_.as_deref());
                finish(r, node)
            }
            SupportedItem::Range {
                node,
                ref_,
                min_version_index,
                max_version_index,
            } => {
                let mut r = el("range");
                r.attr("ref", ref_.as_deref())
                    .attr("minVersionIndex", min_version_index.as_deref())
                    .attr("maxVersionIndex", max_version_index.as_deref());
                finish(r, node)
            }
        });
    }
    finish(e, &l.node)
}

fn category(c: &Category) -> Element<'_> {
    let mut e = el("category");
    e.attr("name", c.name.as_deref())
        .attr("displayName", c.display_name.as_deref())
        .attr("explainText", c.explain_text.as_deref());
    for a in &c.annotations {
        e.push(annotation(a));
    }
    push_opt(
        &mut e,
        c.parent_category
            .as_ref()
            .map(|r| item_ref("parentCategory", r)),
    );
    for s in &c.see_also {
        e.push(text_element("seeAlso", s));
    }
    push_opt(
        &mut e,
        c.keywords.as_ref().map(|k| text_element("keywords", k)),
    );
    finish(e, &c.node)
}

fn policy(p: &Policy) -> Element<'_> {
    let mut e = el("policy");
    e.attr("name", p.name.as_deref())
        .attr("class", p.class.as_deref())
        .attr("displayName", p.display_name.as_deref())
        .attr("explainText", p.explain_text.as_deref())
        .attr("presentation", p.presentation.as_deref())
        .attr("key", p.key.as_deref())
        .attr("valueName", p.value_name.as_deref())
        .attr("clientExtension", p.client_extension.as_deref());
    for a in &p.annotations {
        e.push(annotation(a));
    }
    push_opt(
        &mut e,
        p.parent_category
            .as_ref()
            .map(|r| item_ref("parentCategory", r)),
    );
    for s in &p.see_also {
        e.push(text_element("seeAlso", s));
    }
    push_opt(
        &mut e,
        p.keywords.as_ref().map(|k| text_element("keywords", k)),
    );
    push_opt(
        &mut e,
        p.supported_on.as_ref().map(|r| item_ref("supportedOn", r)),
    );
    push_opt(
        &mut e,
        p.enabled_value
            .as_ref()
            .map(|v| value_slot("enabledValue", v)),
    );
    push_opt(
        &mut e,
        p.disabled_value
            .as_ref()
            .map(|v| value_slot("disabledValue", v)),
    );
    push_opt(
        &mut e,
        p.enabled_list
            .as_ref()
            .map(|l| value_list("enabledList", l)),
    );
    push_opt(
        &mut e,
        p.disabled_list
            .as_ref()
            .map(|l| value_list("disabledList", l)),
    );
    push_opt(
        &mut e,
        p.elements
            .as_ref()
            .map(|l| list("elements", l, policy_element)),
    );
    finish(e, &p.node)
}

fn value_slot<'a>(name: &'static str, s: &'a ValueSlot) -> Element<'a> {
    let mut e = el(name);
    push_opt(&mut e, s.value.as_ref().map(value));
    finish(e, &s.node)
}

fn value(v: &Value) -> Element<'_> {
    match v {
        Value::Delete { node } => finish(el("delete"), node),
        Value::Decimal { node, value } => {
            let mut e = el("decimal");
            e.attr("value", value.as_deref());
            finish(e, node)
        }
        Value::LongDecimal { node, value } => {
            let mut e = el("longDecimal");
            e.attr("value", value.as_deref());
            finish(e, node)
        }
        Value::String { node, text } => {
            let mut e = el("string");
            e.text(text);
            finish(e, node)
        }
    }
}

fn value_list<'a>(name: &'static str, l: &'a ValueList) -> Element<'a> {
    let mut e = el(name);
    e.attr("defaultKey", l.default_key.as_deref());
    for i in &l.items {
        e.push(value_item(i));
    }
    finish(e, &l.node)
}

fn value_item(i: &ValueItem) -> Element<'_> {
    let mut e = el("item");
    e.attr("key", i.key.as_deref())
        .attr("valueName", i.value_name.as_deref());
    if i.value.is_some() || i.value_node.is_some() {
        let mut w = el("value");
        push_opt(&mut w, i.value.as_ref().map(value));
        e.push(match &i.value_node {
            Some(n) => finish(w, n),
            None => w,
        });
    }
    finish(e, &i.node)
}

fn common<'a>(name: &'static str, c: &'a ElementCommon) -> Element<'a> {
    let mut e = el(name);
    e.attr("id", c.id.as_deref())
        .attr("clientExtension", c.client_extension.as_deref())
        .attr("key", c.key.as_deref())
        .attr("valueName", c.value_name.as_deref());
    e
}

fn policy_element(p: &PolicyElement) -> Element<'_> {
    let c = p.common();
    let mut e = common(p.tag(), c);
    match p {
        PolicyElement::Boolean(b) => {
            push_opt(
                &mut e,
                b.true_value.as_ref().map(|v| value_slot("trueValue", v)),
            );
            push_opt(
                &mut e,
                b.false_value.as_ref().map(|v| value_slot("falseValue", v)),
            );
            push_opt(
                &mut e,
                b.true_list.as_ref().map(|l| value_list("trueList", l)),
            );
            push_opt(
                &mut e,
                b.false_list.as_ref().map(|l| value_list("falseList", l)),
            );
        }
        PolicyElement::Decimal(d) | PolicyElement::LongDecimal(d) => {
            e.attr("required", d.required.as_deref())
                .attr("minValue", d.min_value.as_deref())
                .attr("maxValue", d.max_value.as_deref())
                .attr("storeAsText", d.store_as_text.as_deref())
                .attr("soft", d.soft.as_deref());
        }
        PolicyElement::Text(t) => {
            e.attr("required", t.required.as_deref())
                .attr("maxLength", t.max_length.as_deref())
                .attr("expandable", t.expandable.as_deref())
                .attr("soft", t.soft.as_deref());
        }
        PolicyElement::MultiText(m) => {
            e.attr("required", m.required.as_deref())
                .attr("maxLength", m.max_length.as_deref())
                .attr("maxStrings", m.max_strings.as_deref())
                .attr("soft", m.soft.as_deref());
        }
        PolicyElement::Enum(n) => {
            e.attr("required", n.required.as_deref());
            for i in &n.items {
                e.push(enum_item(i));
            }
        }
        PolicyElement::List(l) => {
            e.attr("valuePrefix", l.value_prefix.as_deref())
                .attr("additive", l.additive.as_deref())
                .attr("expandable", l.expandable.as_deref())
                .attr("explicitValue", l.explicit_value.as_deref());
        }
    }
    finish(e, &c.node)
}

fn enum_item(i: &EnumItem) -> Element<'_> {
    let mut e = el("item");
    e.attr("displayName", i.display_name.as_deref());
    push_opt(&mut e, i.value.as_ref().map(|v| value_slot("value", v)));
    push_opt(
        &mut e,
        i.value_list.as_ref().map(|l| value_list("valueList", l)),
    );
    finish(e, &i.node)
}

// ---------------------------------------------------------------------------
// ADML

fn adml_document(d: &PolicyDefinitionResources) -> Document<'_> {
    let mut e = root(
        "policyDefinitionResources",
        &d.source,
        &d.revision,
        &d.schema_version,
    );
    push_opt(
        &mut e,
        d.display_name
            .as_ref()
            .map(|t| text_element("displayName", t)),
    );
    push_opt(
        &mut e,
        d.description
            .as_ref()
            .map(|t| text_element("description", t)),
    );
    for a in &d.annotations {
        e.push(annotation(a));
    }
    push_opt(&mut e, d.resources.as_ref().map(adml_resources));
    Document {
        prolog: prolog(&d.source),
        root: finish(e, &d.node),
    }
}

fn adml_resources(r: &AdmlResources) -> Element<'_> {
    let mut e = el("resources");
    push_opt(
        &mut e,
        r.string_table
            .as_ref()
            .map(|l| list("stringTable", l, string_entry)),
    );
    push_opt(
        &mut e,
        r.presentation_table
            .as_ref()
            .map(|l| list("presentationTable", l, presentation)),
    );
    finish(e, &r.node)
}

fn string_entry(s: &StringEntry) -> Element<'_> {
    let mut e = el("string");
    e.attr("id", s.id.as_deref());
    e.text(&s.text);
    finish(e, &s.node)
}

fn presentation(p: &Presentation) -> Element<'_> {
    let mut e = el("presentation");
    e.attr("id", p.id.as_deref());
    for c in &p.controls {
        e.push(control(c));
    }
    finish(e, &p.node)
}

/// An element whose content is a label (`<checkBox>`, `<listBox>`, ...).
fn labelled<'a>(mut e: Element<'a>, label: &'a str, node: &'a Node) -> Element<'a> {
    e.text(label);
    finish(e, node)
}

fn numeric<'a>(name: &'static str, b: &'a NumericTextBox) -> Element<'a> {
    let mut e = el(name);
    e.attr("refId", b.ref_id.as_deref())
        .attr("defaultValue", b.default_value.as_deref())
        .attr("spin", b.spin.as_deref())
        .attr("spinStep", b.spin_step.as_deref());
    labelled(e, &b.label, &b.node)
}

fn control(c: &Control) -> Element<'_> {
    let mut e = el(c.tag());
    match c {
        Control::Text { node, text } => labelled(e, text, node),
        Control::CheckBox {
            node,
            ref_id,
            default_checked,
            label,
        } => {
            e.attr("refId", ref_id.as_deref())
                .attr("defaultChecked", default_checked.as_deref());
            labelled(e, label, node)
        }
        Control::TextBox {
            node,
            ref_id,
            label,
            default_value,
        } => {
            e.attr("refId", ref_id.as_deref());
            push_opt(&mut e, label.as_ref().map(|t| text_element("label", t)));
            push_opt(
                &mut e,
                default_value
                    .as_ref()
                    .map(|t| text_element("defaultValue", t)),
            );
            finish(e, node)
        }
        Control::DecimalTextBox(b) | Control::LongDecimalTextBox(b) => numeric(c.tag(), b),
        Control::DropdownList {
            node,
            ref_id,
            no_sort,
            default_item,
            label,
        } => {
            e.attr("refId", ref_id.as_deref())
                .attr("noSort", no_sort.as_deref())
                .attr("defaultItem", default_item.as_deref());
            labelled(e, label, node)
        }
        Control::ListBox {
            node,
            ref_id,
            label,
        } => {
            e.attr("refId", ref_id.as_deref());
            labelled(e, label, node)
        }
        Control::ComboBox {
            node,
            ref_id,
            no_sort,
            label,
            default,
            suggestions,
        } => {
            e.attr("refId", ref_id.as_deref())
                .attr("noSort", no_sort.as_deref());
            push_opt(&mut e, label.as_ref().map(|t| text_element("label", t)));
            push_opt(&mut e, default.as_ref().map(|t| text_element("default", t)));
            for s in suggestions {
                e.push(text_element("suggestion", s));
            }
            finish(e, node)
        }
        Control::MultiTextBox {
            node,
            ref_id,
            show_as_dialog,
            default_height,
            label,
        } => {
            e.attr("refId", ref_id.as_deref())
                .attr("showAsDialog", show_as_dialog.as_deref())
                .attr("defaultHeight", default_height.as_deref());
            labelled(e, label, node)
        }
    }
}

// ---------------------------------------------------------------------------
// Files: what `gpforge fmt` does, kept here so the CLI only renders.

/// Which kind of template a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateKind {
    /// `.admx`: policy definitions.
    Admx,
    /// `.adml`: language resources.
    Adml,
}

impl TemplateKind {
    /// The kind named by a path's extension (case-insensitive), if any.
    pub fn from_path(path: &Path) -> Option<TemplateKind> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("admx") {
            Some(TemplateKind::Admx)
        } else if ext.eq_ignore_ascii_case("adml") {
            Some(TemplateKind::Adml)
        } else {
            None
        }
    }
}

/// A template found by [`find_templates`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateFile {
    /// The file as found (the given path joined with the relative part).
    pub path: PathBuf,
    /// Path relative to the folder it was found in (for a file given
    /// directly: its file name), used to mirror the layout under `--out`.
    pub relative: PathBuf,
    /// ADMX or ADML.
    pub kind: TemplateKind,
}

/// Expands files and folders into the templates they hold: a file is taken
/// as it is (it must end in `.admx` or `.adml`), a folder is searched
/// recursively for such files. The result is sorted within each folder and
/// keeps the order of `paths`.
pub fn find_templates(paths: &[PathBuf]) -> Result<Vec<TemplateFile>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            for f in found {
                let kind = TemplateKind::from_path(&f).expect("walk keeps templates only");
                let relative = f.strip_prefix(p).unwrap_or(&f).to_path_buf();
                out.push(TemplateFile {
                    path: f,
                    relative,
                    kind,
                });
            }
        } else {
            let kind = TemplateKind::from_path(p).ok_or_else(|| {
                Error::Invalid(format!("{}: expected an .admx or .adml file", p.display()))
            })?;
            let relative = p.file_name().map_or_else(|| p.clone(), PathBuf::from);
            out.push(TemplateFile {
                path: p.clone(),
                relative,
                kind,
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if ty.is_dir() {
            walk(&path, found)?;
        } else if TemplateKind::from_path(&path).is_some() {
            found.push(path);
        }
    }
    Ok(())
}

/// Where [`format_file`] puts its result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FormatTarget {
    /// Write nothing; only report whether the file is canonical.
    Check,
    /// Replace the file (atomically), but only when it is not canonical yet.
    #[default]
    InPlace,
    /// Write the canonical form to this path (always), leaving the source alone.
    To(PathBuf),
}

/// Options of [`format_file`] (default: UTF-8, in place).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormatOptions {
    /// Keep UTF-16 files UTF-16 ([`WriteOptions::keeping`]); otherwise every
    /// file is written as UTF-8.
    pub keep_encoding: bool,
    /// Where the result goes.
    pub target: FormatTarget,
}

/// What [`format_file`] found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatOutcome {
    /// The file's bytes differ from its canonical form.
    pub changed: bool,
    /// The file written, if any.
    pub written: Option<PathBuf>,
}

/// The canonical bytes of a template (`kind` says which root to expect).
pub fn canonical_bytes(
    bytes: &[u8],
    kind: TemplateKind,
    keep_encoding: bool,
) -> Result<Vec<u8>, ParseError> {
    Ok(match kind {
        TemplateKind::Admx => {
            let doc = super::parse_admx(bytes)?.doc;
            let opts = if keep_encoding {
                WriteOptions::keeping(&doc.source)
            } else {
                WriteOptions::default()
            };
            write_admx(&doc, &opts)
        }
        TemplateKind::Adml => {
            let doc = super::parse_adml(bytes)?.doc;
            let opts = if keep_encoding {
                WriteOptions::keeping(&doc.source)
            } else {
                WriteOptions::default()
            };
            write_adml(&doc, &opts)
        }
    })
}

/// Reads the template at `path` (kind from its extension), computes its
/// canonical form and, depending on `options.target`, reports, rewrites it
/// in place (atomically, only when it changed) or writes it elsewhere.
/// Nothing is written when the file cannot be read.
pub fn format_file(path: &Path, options: &FormatOptions) -> Result<FormatOutcome> {
    let kind = TemplateKind::from_path(path).ok_or_else(|| {
        Error::Invalid(format!(
            "{}: expected an .admx or .adml file",
            path.display()
        ))
    })?;
    let bytes = fsutil::read(path)?;
    let canonical =
        canonical_bytes(&bytes, kind, options.keep_encoding).map_err(|source| Error::Parse {
            path: path.to_path_buf(),
            source,
        })?;
    let changed = canonical != bytes;
    let written = match &options.target {
        FormatTarget::Check => None,
        FormatTarget::InPlace if !changed => None,
        FormatTarget::InPlace => {
            fsutil::write_atomic(path, &canonical)?;
            Some(path.to_path_buf())
        }
        FormatTarget::To(dest) => {
            fsutil::write_atomic(dest, &canonical)?;
            Some(dest.clone())
        }
    };
    Ok(FormatOutcome { changed, written })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_kind_follows_the_extension_case_insensitively() {
        assert_eq!(
            TemplateKind::from_path(Path::new("a/Office16.ADMX")),
            Some(TemplateKind::Admx)
        );
        assert_eq!(
            TemplateKind::from_path(Path::new("en-us/office16.Adml")),
            Some(TemplateKind::Adml)
        );
        assert_eq!(TemplateKind::from_path(Path::new("registry.pol")), None);
        assert_eq!(TemplateKind::from_path(Path::new("admx")), None);
    }

    #[test]
    fn format_file_leaves_a_canonical_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.admx");
        let doc = PolicyDefinitions {
            revision: Some("1.0".into()),
            ..PolicyDefinitions::default()
        };
        std::fs::write(&p, write_admx(&doc, &WriteOptions::default())).unwrap();
        let outcome = format_file(&p, &FormatOptions::default()).unwrap();
        assert_eq!(
            outcome,
            FormatOutcome {
                changed: false,
                written: None
            }
        );
    }
}
