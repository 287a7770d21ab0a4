//! ADMX/ADML reader: bytes -> model.
//!
//! Lenient the way Windows is: elements are matched by local name whatever
//! the namespace (the 2006/07 one, the www.microsoft.com one, none, or a
//! misspelt one; the one written is kept in [`SourceInfo::namespace`]), known
//! children are taken in any order, and everything not mapped to a typed
//! field (unknown attributes such as Office's `Area`, unknown or surplus
//! elements, stray text, comments, CDATA, processing instructions) is kept in
//! the element's [`Node`] in document order. Stray text in element-only
//! content is kept without its surrounding whitespace. Content outside the
//! root goes to [`SourceInfo::outside_root`].
//!
//! Text is what XML defines: references resolved, CR LF and lone CR turned
//! into LF. In text-only elements (`<string>`, `<label>`, `<seeAlso>`, ...)
//! CDATA sections are part of the text, while comments and child elements
//! go to the node's unknown children. Attribute values are normalised as
//! XML requires (tab, CR, LF become spaces). The `<value>` wrapper inside a
//! list `<item>` has a node of its own ([`ValueItem::value_node`]), so what is
//! unknown on or in it stays there. Only the element span is stored; an attribute's span is
//! found again with [`crate::xml::reader::attr_span`].
//!
//! Malformed XML (and any DTD) is a [`ParseError`] with a position.

use std::borrow::Cow;

use crate::model::*;
use crate::span::Span;
use crate::xml::decode::{self, Decoded};
pub use crate::xml::reader::ParseError;
use crate::xml::reader::{AttrMarks, Event, EventObserver, Tag, XmlReader, duplicate, trim_xml_ws};

/// A document read from a file, with the decoded text its spans index into.
#[derive(Clone, Debug)]
pub struct Parsed<T> {
    /// The model.
    pub doc: T,
    /// The decoded UTF-8 text (without BOM); every span is a byte range of it.
    pub text: String,
}

/// Reads an ADMX file (`<policyDefinitions>`) from its bytes (any encoding).
pub fn parse_admx(bytes: &[u8]) -> Result<Parsed<PolicyDefinitions>, ParseError> {
    let d = decode::decode(bytes)?;
    admx_from_decoded(d)
}

/// Reads an ADML file (`<policyDefinitionResources>`) from its bytes (any encoding).
pub fn parse_adml(bytes: &[u8]) -> Result<Parsed<PolicyDefinitionResources>, ParseError> {
    let d = decode::decode(bytes)?;
    adml_from_decoded(d)
}

/// Reads an ADMX document from text (recorded as UTF-8; a leading U+FEFF counts as a BOM).
pub fn parse_admx_str(text: &str) -> Result<Parsed<PolicyDefinitions>, ParseError> {
    admx_from_decoded(decoded_str(text))
}

/// Reads an ADML document from text (recorded as UTF-8; a leading U+FEFF counts as a BOM).
pub fn parse_adml_str(text: &str) -> Result<Parsed<PolicyDefinitionResources>, ParseError> {
    adml_from_decoded(decoded_str(text))
}

/// Reads an ADMX document from text already decoded by
/// [`crate::xml::decode::decode`] (keeps its encoding facts; no second copy).
pub fn parse_admx_decoded(decoded: Decoded) -> Result<Parsed<PolicyDefinitions>, ParseError> {
    admx_from_decoded(decoded)
}

/// Reads an ADML document from text already decoded by
/// [`crate::xml::decode::decode`] (keeps its encoding facts; no second copy).
pub fn parse_adml_decoded(
    decoded: Decoded,
) -> Result<Parsed<PolicyDefinitionResources>, ParseError> {
    adml_from_decoded(decoded)
}

/// Like [`parse_admx_decoded`], with `observer` seeing every event (and the
/// error, if any) of the one pass over the text, e.g. a checker riding
/// along. The decoded text comes back whatever the outcome.
pub fn parse_admx_observed(
    decoded: Decoded,
    observer: &mut dyn EventObserver,
) -> (Result<PolicyDefinitions, ParseError>, String) {
    read_admx(decoded, Some(observer))
}

/// Like [`parse_adml_decoded`], with `observer` seeing every event; see
/// [`parse_admx_observed`].
pub fn parse_adml_observed(
    decoded: Decoded,
    observer: &mut dyn EventObserver,
) -> (Result<PolicyDefinitionResources, ParseError>, String) {
    read_adml(decoded, Some(observer))
}

fn source_info(encoding: FileEncoding, declaration: Option<XmlDeclaration>) -> SourceInfo {
    SourceInfo {
        encoding,
        declaration,
        namespace: None,
        outside_root: Vec::new(),
    }
}

fn decoded_str(text: &str) -> Decoded {
    let (text, encoding) = match text.strip_prefix('\u{FEFF}') {
        Some(t) => (t, FileEncoding::Utf8Bom),
        None => (text, FileEncoding::Utf8),
    };
    let declaration = decode::parse_declaration(text).map(|(d, _)| d);
    Decoded {
        text: text.to_owned(),
        encoding,
        declaration,
    }
}

fn admx_from_decoded(d: Decoded) -> Result<Parsed<PolicyDefinitions>, ParseError> {
    let (doc, text) = read_admx(d, None);
    Ok(Parsed { doc: doc?, text })
}

fn adml_from_decoded(d: Decoded) -> Result<Parsed<PolicyDefinitionResources>, ParseError> {
    let (doc, text) = read_adml(d, None);
    Ok(Parsed { doc: doc?, text })
}

/// The model of an ADMX text, with `observer` (if any) seeing every event;
/// the text is handed back either way.
fn read_admx(
    d: Decoded,
    observer: Option<&mut dyn EventObserver>,
) -> (Result<PolicyDefinitions, ParseError>, String) {
    read_root(d, observer, "policyDefinitions", |p, tag, source| {
        p.policy_definitions(tag, source)
    })
}

/// [`read_admx`] for an ADML text.
fn read_adml(
    d: Decoded,
    observer: Option<&mut dyn EventObserver>,
) -> (Result<PolicyDefinitionResources, ParseError>, String) {
    read_root(
        d,
        observer,
        "policyDefinitionResources",
        |p, tag, source| p.resources_root(tag, source),
    )
}

/// Reads the document whose root element is `root` with `f`.
fn read_root<T: HasSource>(
    d: Decoded,
    observer: Option<&mut dyn EventObserver>,
    root: &str,
    f: impl for<'a> FnOnce(&mut Reader<'a>, Tag<'a>, &mut SourceInfo) -> R<T>,
) -> (Result<T, ParseError>, String) {
    let Decoded {
        text,
        encoding,
        declaration,
    } = d;
    let marks = AttrMarks::default();
    let doc = Reader::over(&text, &marks, observer.map(|o| o as &mut dyn EventObserver)).document(
        root,
        source_info(encoding, declaration),
        f,
    );
    (doc, text)
}

type R<T> = Result<T, ParseError>;

/// Sets `Some(value)` for known attributes, otherwise records an unknown attribute.
///
/// Every `$field` is `None` before (the reader fills fresh defaults). For a
/// clean tag (the usual one: well-formed attributes with plain values) the
/// attributes are taken as written and a duplicate is found by what it
/// fills: a known field that is set already, or an unknown attribute
/// recorded before on this tag (the same error, at the same place, as
/// [`Tag::attributes`] gives). Any other tag goes through
/// [`Tag::attributes`] with its checks.
macro_rules! attrs {
    ($tag:expr, $node:expr, { $($name:literal => $field:expr),* $(,)? }) => {
        if has_attributes(&$tag) {
            if let Some(plain) = $tag.plain_attributes() {
                let mut unknown_from = None;
                for (name, name_at, value) in plain {
                    match name {
                        $($name => {
                            if $field.is_some() {
                                return Err(duplicate($tag.doc_text(), name, name_at));
                            }
                            $field = Some(value.to_owned());
                        })*
                        _ => {
                            let unknown = $node.unknown_attributes_mut();
                            let from = *unknown_from.get_or_insert(unknown.len());
                            if unknown[from..].iter().any(|a| a.name == name) {
                                return Err(duplicate($tag.doc_text(), name, name_at));
                            }
                            unknown.push(RawAttribute { name: name.to_owned(), value: value.to_owned() });
                        }
                    }
                }
            } else {
                for a in $tag.attributes() {
                    let (name, value) = a?;
                    match name {
                        $($name => $field = Some(value.into_owned()),)*
                        _ => $node.unknown_attributes_mut().push(RawAttribute { name: name.to_owned(), value: value.into_owned() }),
                    }
                }
            }
        }
    };
}

/// State of an element whose children are being read.
struct Open {
    empty: bool,
    done: bool,
    /// Child elements returned so far (where unknown content stood).
    elements: u32,
}

struct Reader<'a> {
    x: XmlReader<'a>,
    /// Reused buffers for the short lists inside policies and presentations:
    /// items are built in place there and moved once into a vector of exactly
    /// their number (no growth, no shrinking, no spare capacity kept).
    bufs: Bufs,
}

#[derive(Default)]
struct Bufs {
    elements: Vec<PolicyElement>,
    value_items: Vec<ValueItem>,
    enum_items: Vec<EnumItem>,
    controls: Vec<Control>,
}

/// Moves the items of a reused buffer into a vector of exactly their number
/// (the buffer keeps its capacity for the next list).
fn exact<T>(buf: &mut Vec<T>) -> Vec<T> {
    let mut v = Vec::with_capacity(buf.len());
    v.append(buf);
    v
}

impl<'a> Reader<'a> {
    /// A model reader over `text`, with `observer` (if any) seeing every event.
    fn over(
        text: &'a str,
        marks: &'a AttrMarks<'a>,
        observer: Option<&'a mut dyn EventObserver>,
    ) -> Reader<'a> {
        let x = XmlReader::new(text).with_marks(marks);
        Reader {
            x: match observer {
                Some(o) => x.with_observer(o),
                None => x,
            },
            bufs: Bufs::default(),
        }
    }

    fn document<T: HasSource>(
        &mut self,
        root: &str,
        mut source: SourceInfo,
        f: impl FnOnce(&mut Self, Tag<'a>, &mut SourceInfo) -> R<T>,
    ) -> R<T> {
        let mut f = Some(f);
        let mut doc = None;
        loop {
            match self.x.next_event()? {
                Event::Start(tag) => {
                    if tag.local_name() != root {
                        return Err(self.x.error(
                            tag.span,
                            format!("expected root element <{root}>, found <{}>", tag.name()),
                        ));
                    }
                    // Only one root can arrive (the XML reader refuses a second one).
                    if let Some(f) = f.take() {
                        doc = Some(f(self, tag, &mut source)?);
                    }
                }
                Event::Comment(s, _) => source
                    .outside_root
                    .push(RawNode::Comment { text: s.to_owned() }),
                Event::Pi(s, _) => source
                    .outside_root
                    .push(RawNode::ProcessingInstruction { text: s.to_owned() }),
                Event::Text(..) | Event::Decl(_) => {}
                Event::End(span) | Event::CData(_, span) => {
                    return Err(self
                        .x
                        .error(span, "unexpected markup outside the root element"));
                }
                Event::Eof => break,
            }
        }
        let mut doc = doc.ok_or_else(|| self.x.error(Span::default(), "no root element"))?;
        // The caller's closure filled `source` fields found on the root; hand it over.
        *doc.source_mut() = source;
        Ok(doc)
    }

    fn open(&self, tag: &Tag<'a>) -> Open {
        Open {
            empty: tag.empty,
            done: false,
            elements: 0,
        }
    }

    /// The next child element of the element being read; other content goes
    /// to the node's unknown children (or into `text`, for text content). `None`
    /// once the element's end tag has been read (which completes `node.span`).
    /// Inlined into each element loop: the tag then goes straight from the
    /// event to the loop instead of through one more returned copy.
    #[inline(always)]
    fn child(
        &mut self,
        open: &mut Open,
        node: &mut Node,
        mut text: Option<&mut Cow<'a, str>>,
    ) -> R<Option<Tag<'a>>> {
        if open.done || open.empty {
            open.done = true;
            return Ok(None);
        }
        loop {
            // The event is observed where it is kept and read from there
            // (matched whole, not unwrapped into a copy first).
            let r = self.x.next_unobserved();
            self.x.observe(&r);
            match r {
                Ok(Event::Start(t)) => {
                    open.elements += 1;
                    return Ok(Some(t));
                }
                Ok(Event::End(span)) => {
                    node.span.end = span.end;
                    open.done = true;
                    return Ok(None);
                }
                Ok(Event::Text(t)) => match text.as_deref_mut() {
                    Some(buf) => append(buf, t.value()?),
                    None if t.is_blank() => {}
                    None => {
                        let s = t.value()?;
                        let s = trim_xml_ws(&s);
                        if !s.is_empty() {
                            node.push_unknown_child_at(
                                open.elements,
                                RawNode::Text { text: s.to_owned() },
                            );
                        }
                    }
                },
                Ok(Event::CData(s, _)) => match text.as_deref_mut() {
                    Some(buf) => append(buf, s),
                    None => node.push_unknown_child_at(
                        open.elements,
                        RawNode::CData {
                            text: s.into_owned(),
                        },
                    ),
                },
                Ok(Event::Comment(s, _)) => node
                    .push_unknown_child_at(open.elements, RawNode::Comment { text: s.to_owned() }),
                Ok(Event::Pi(s, _)) => node.push_unknown_child_at(
                    open.elements,
                    RawNode::ProcessingInstruction { text: s.to_owned() },
                ),
                Ok(Event::Decl(span)) => {
                    return Err(self.x.error(span, "unexpected XML declaration"));
                }
                Ok(Event::Eof) => {
                    let at = self.x.text().len();
                    return Err(self.x.error(Span::new(at, at), "unexpected end of file"));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Keeps an element the reader does not map, verbatim.
    fn unknown(&mut self, tag: Tag<'a>, node: &mut Node, open: &Open) -> R<()> {
        let el = self.x.read_raw_element(tag)?;
        // `tag` is counted in `open.elements` already.
        node.push_unknown_child_at(open.elements.saturating_sub(1), RawNode::Element(el));
        Ok(())
    }

    /// Element with only unknown attributes and children (a container such as `<policies>`).
    fn bare(&mut self, tag: &Tag<'a>) -> R<Node> {
        let mut node = Node::at(tag.span);
        if !has_attributes(tag) {
            return Ok(node);
        }
        for a in tag.attributes() {
            let (name, value) = a?;
            node.unknown_attributes_mut().push(RawAttribute {
                name: name.to_owned(),
                value: value.into_owned(),
            });
        }
        Ok(node)
    }

    /// A list container whose items are the children named `item`.
    /// The items are built in place (they are large structs: at most one move).
    fn list<T: Default>(
        &mut self,
        tag: Tag<'a>,
        item: &str,
        mut f: impl FnMut(&mut Self, Tag<'a>, &mut T) -> R<()>,
    ) -> R<List<T>> {
        let mut node = self.bare(&tag)?;
        let mut items: Vec<T> = Vec::new();
        // Full chunks: items are never moved while the list grows, only once
        // at the end into a vector of their number.
        let mut full: Vec<Vec<T>> = Vec::new();
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            if c.local_name() == item {
                if items.len() == items.capacity() {
                    if items.is_empty() {
                        items.reserve_exact(8);
                    } else {
                        let next = Vec::with_capacity(items.len() * 2);
                        full.push(std::mem::replace(&mut items, next));
                    }
                }
                items.resize_with(items.len() + 1, T::default);
                let last = items.len() - 1;
                f(self, c, &mut items[last])?;
            } else {
                self.unknown(c, &mut node, &open)?;
            }
        }
        if full.is_empty() {
            items.shrink_to_fit();
        } else {
            let total = full.iter().map(Vec::len).sum::<usize>() + items.len();
            let mut all = Vec::with_capacity(total);
            for mut chunk in full {
                all.append(&mut chunk);
            }
            all.append(&mut items);
            items = all;
        }
        Ok(List { node, items })
    }

    /// An element whose content is text; returns its node and text.
    fn text_content(&mut self, tag: &Tag<'a>, node: &mut Node) -> R<String> {
        let mut buf: Cow<'a, str> = Cow::Borrowed("");
        let mut open = self.open(tag);
        while let Some(c) = self.child(&mut open, node, Some(&mut buf))? {
            self.unknown(c, node, &open)?;
        }
        Ok(buf.into_owned())
    }

    fn text_element(&mut self, tag: Tag<'a>) -> R<TextElement> {
        let mut node = self.bare(&tag)?;
        let text = self.text_content(&tag, &mut node)?;
        Ok(TextElement { node, text })
    }

    /// Element with no known children (everything inside is unknown).
    fn no_children(&mut self, tag: &Tag<'a>, node: &mut Node) -> R<()> {
        if tag.empty {
            return Ok(());
        }
        let mut open = self.open(tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            self.unknown(c, node, &open)?;
        }
        Ok(())
    }

    fn annotation(&mut self, tag: Tag<'a>) -> R<Annotation> {
        let raw = self.x.read_raw_element(tag)?;
        let mut application = None;
        let mut unknown = Vec::new();
        for attr in raw.attributes {
            if attr.name == "application" {
                application = Some(attr.value);
            } else {
                unknown.push(attr);
            }
        }
        Ok(Annotation {
            node: Node::with_unknown(raw.span, unknown, raw.children),
            application,
        })
    }

    /// Fills `r` (a default reference) from `tag`.
    fn item_ref(&mut self, tag: Tag<'a>, r: &mut ItemRef) -> R<()> {
        r.node.span = tag.span;
        attrs!(tag, r.node, { "ref" => r.ref_ });
        self.no_children(&tag, &mut r.node)
    }

    // ---------------------------------------------------------------- ADMX

    fn policy_definitions(
        &mut self,
        tag: Tag<'a>,
        source: &mut SourceInfo,
    ) -> R<PolicyDefinitions> {
        let mut d = PolicyDefinitions {
            node: Node::at(tag.span),
            ..Default::default()
        };
        let mut node = Node::at(tag.span);
        attrs!(tag, node, {
            "revision" => d.revision,
            "schemaVersion" => d.schema_version,
            "xmlns" => source.namespace,
        });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            match c.local_name() {
                "policyNamespaces" if d.policy_namespaces.is_none() => {
                    d.policy_namespaces = Some(self.policy_namespaces(c)?)
                }
                "supersededAdm" => {
                    let mut s = SupersededAdm {
                        node: Node::at(c.span),
                        file_name: None,
                    };
                    attrs!(c, s.node, { "fileName" => s.file_name });
                    self.no_children(&c, &mut s.node)?;
                    d.superseded_adm.push(s);
                }
                "annotation" => d.annotations.push(self.annotation(c)?),
                "resources" if d.resources.is_none() => {
                    let mut r = AdmxResources {
                        node: Node::at(c.span),
                        ..Default::default()
                    };
                    attrs!(c, r.node, {
                        "minRequiredRevision" => r.min_required_revision,
                        "fallbackCulture" => r.fallback_culture,
                    });
                    self.no_children(&c, &mut r.node)?;
                    d.resources = Some(r);
                }
                "supportedOn" if d.supported_on.is_none() => {
                    d.supported_on = Some(self.supported_on_table(c)?)
                }
                "categories" if d.categories.is_none() => {
                    d.categories = Some(self.list(c, "category", Self::category)?);
                }
                "policies" if d.policies.is_none() => {
                    d.policies = Some(self.list(c, "policy", Self::policy)?)
                }
                _ => self.unknown(c, &mut node, &open)?,
            }
        }
        d.node = node;
        Ok(d)
    }

    fn policy_namespaces(&mut self, tag: Tag<'a>) -> R<PolicyNamespaces> {
        let mut n = PolicyNamespaces {
            node: self.bare(&tag)?,
            ..Default::default()
        };
        let mut node = std::mem::take(&mut n.node);
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            match c.local_name() {
                "target" if n.target.is_none() => n.target = Some(self.namespace_decl(c)?),
                "using" => n.using.push(self.namespace_decl(c)?),
                _ => self.unknown(c, &mut node, &open)?,
            }
        }
        n.node = node;
        Ok(n)
    }

    fn namespace_decl(&mut self, tag: Tag<'a>) -> R<NamespaceDecl> {
        let mut n = NamespaceDecl {
            node: Node::at(tag.span),
            ..Default::default()
        };
        attrs!(tag, n.node, { "prefix" => n.prefix, "namespace" => n.namespace });
        self.no_children(&tag, &mut n.node)?;
        Ok(n)
    }

    fn supported_on_table(&mut self, tag: Tag<'a>) -> R<SupportedOnTable> {
        let mut t = SupportedOnTable::default();
        let mut node = self.bare(&tag)?;
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            match c.local_name() {
                "products" if t.products.is_none() => {
                    t.products = Some(self.list(c, "product", Self::product)?)
                }
                "definitions" if t.definitions.is_none() => {
                    t.definitions = Some(self.list(c, "definition", Self::definition)?);
                }
                _ => self.unknown(c, &mut node, &open)?,
            }
        }
        t.node = node;
        Ok(t)
    }

    fn product(&mut self, tag: Tag<'a>, p: &mut Product) -> R<()> {
        p.node.span = tag.span;
        let node = &mut p.node;
        attrs!(tag, node, { "name" => p.name, "displayName" => p.display_name });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            match c.local_name() {
                "majorVersion" => p.major_versions.push(self.major_version(c)?),
                _ => self.unknown(c, node, &open)?,
            }
        }
        Ok(())
    }

    fn major_version(&mut self, tag: Tag<'a>) -> R<MajorVersion> {
        let mut m = MajorVersion::default();
        let mut node = Node::at(tag.span);
        attrs!(tag, node, {
            "name" => m.name,
            "displayName" => m.display_name,
            "versionIndex" => m.version_index,
        });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            match c.local_name() {
                "minorVersion" => {
                    let mut v = MinorVersion {
                        node: Node::at(c.span),
                        ..Default::default()
                    };
                    attrs!(c, v.node, {
                        "name" => v.name,
                        "displayName" => v.display_name,
                        "versionIndex" => v.version_index,
                    });
                    self.no_children(&c, &mut v.node)?;
                    m.minor_versions.push(v);
                }
                _ => self.unknown(c, &mut node, &open)?,
            }
        }
        m.node = node;
        Ok(m)
    }

    fn definition(&mut self, tag: Tag<'a>, d: &mut SupportedOnDefinition) -> R<()> {
        d.node.span = tag.span;
        let node = &mut d.node;
        attrs!(tag, node, { "name" => d.name, "displayName" => d.display_name });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            match c.local_name() {
                "or" | "and" if d.logic.is_none() => d.logic = Some(self.logic(c)?),
                _ => self.unknown(c, node, &open)?,
            }
        }
        Ok(())
    }

    fn logic(&mut self, tag: Tag<'a>) -> R<SupportedLogic> {
        let kind = if tag.local_name() == "and" {
            LogicKind::And
        } else {
            LogicKind::Or
        };
        let mut l = SupportedLogic {
            node: self.bare(&tag)?,
            kind,
            items: Vec::new(),
        };
        let mut node = std::mem::take(&mut l.node);
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            match c.local_name() {
                "reference" => {
                    let mut n = Node::at(c.span);
                    let mut ref_ = None;
                    attrs!(c, n, { "ref" => ref_ });
                    self.no_children(&c, &mut n)?;
                    l.items.push(SupportedItem::Reference { node: n, ref_ });
                }
                "range" => {
                    let mut n = Node::at(c.span);
                    let (mut ref_, mut min, mut max) = (None, None, None);
                    attrs!(c, n, { "ref" => ref_, "minVersionIndex" => min, "maxVersionIndex" => max });
                    self.no_children(&c, &mut n)?;
                    l.items.push(SupportedItem::Range {
                        node: n,
                        ref_,
                        min_version_index: min,
                        max_version_index: max,
                    });
                }
                _ => self.unknown(c, &mut node, &open)?,
            }
        }
        l.node = node;
        Ok(l)
    }

    fn category(&mut self, tag: Tag<'a>, k: &mut Category) -> R<()> {
        k.node.span = tag.span;
        let node = &mut k.node;
        attrs!(tag, node, {
            "name" => k.name,
            "displayName" => k.display_name,
            "explainText" => k.explain_text,
        });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            match c.local_name() {
                "annotation" => k.annotations.push(self.annotation(c)?),
                "parentCategory" if k.parent_category.is_none() => {
                    self.item_ref(c, k.parent_category.insert(Default::default()))?
                }
                "seeAlso" => k.see_also.push(self.text_element(c)?),
                "keywords" if k.keywords.is_none() => {
                    k.keywords = Some(Box::new(self.text_element(c)?))
                }
                _ => self.unknown(c, node, &open)?,
            }
        }
        Ok(())
    }

    fn policy(&mut self, tag: Tag<'a>, p: &mut Policy) -> R<()> {
        p.node.span = tag.span;
        let node = &mut p.node;
        attrs!(tag, node, {
            "name" => p.name,
            "class" => p.class,
            "displayName" => p.display_name,
            "explainText" => p.explain_text,
            "presentation" => p.presentation,
            "key" => p.key,
            "valueName" => p.value_name,
            "clientExtension" => p.client_extension,
        });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            match c.local_name() {
                "annotation" => p.annotations.push(self.annotation(c)?),
                "parentCategory" if p.parent_category.is_none() => {
                    self.item_ref(c, p.parent_category.insert(Default::default()))?
                }
                "seeAlso" => p.see_also.push(self.text_element(c)?),
                "keywords" if p.keywords.is_none() => {
                    p.keywords = Some(Box::new(self.text_element(c)?))
                }
                "supportedOn" if p.supported_on.is_none() => {
                    self.item_ref(c, p.supported_on.insert(Default::default()))?
                }
                "enabledValue" if p.enabled_value.is_none() => {
                    self.value_slot(c, p.enabled_value.insert(Default::default()))?
                }
                "disabledValue" if p.disabled_value.is_none() => {
                    self.value_slot(c, p.disabled_value.insert(Default::default()))?
                }
                "enabledList" if p.enabled_list.is_none() => {
                    self.value_list(c, p.enabled_list.insert(Default::default()))?
                }
                "disabledList" if p.disabled_list.is_none() => {
                    self.value_list(c, p.disabled_list.insert(Default::default()))?
                }
                "elements" if p.elements.is_none() => p.elements = Some(self.elements(c)?),
                _ => self.unknown(c, node, &open)?,
            }
        }
        Ok(())
    }

    /// A `Value` element (`tag` is `delete`, `decimal`, `longDecimal` or `string`).
    fn value(&mut self, tag: Tag<'a>) -> R<Value> {
        let mut node = Node::at(tag.span);
        Ok(match tag.local_name() {
            "delete" => {
                self.bare_attrs(&tag, &mut node)?;
                self.no_children(&tag, &mut node)?;
                Value::Delete { node }
            }
            "decimal" | "longDecimal" => {
                let mut value = None;
                attrs!(tag, node, { "value" => value });
                self.no_children(&tag, &mut node)?;
                if tag.local_name() == "decimal" {
                    Value::Decimal { node, value }
                } else {
                    Value::LongDecimal { node, value }
                }
            }
            _ => {
                self.bare_attrs(&tag, &mut node)?;
                let text = self.text_content(&tag, &mut node)?;
                Value::String { node, text }
            }
        })
    }

    fn bare_attrs(&mut self, tag: &Tag<'a>, node: &mut Node) -> R<()> {
        if !has_attributes(tag) {
            return Ok(());
        }
        for a in tag.attributes() {
            let (name, value) = a?;
            node.unknown_attributes_mut().push(RawAttribute {
                name: name.to_owned(),
                value: value.into_owned(),
            });
        }
        Ok(())
    }

    /// Fills `s` (a default slot) from `tag`.
    fn value_slot(&mut self, tag: Tag<'a>, s: &mut ValueSlot) -> R<()> {
        s.node.span = tag.span;
        self.bare_attrs(&tag, &mut s.node)?;
        self.slot_content(&tag, &mut s.node, &mut s.value)
    }

    /// The content of a value slot: its first value element into `value`,
    /// anything else into `node` (whose span the slot's end tag completes).
    fn slot_content(&mut self, tag: &Tag<'a>, node: &mut Node, value: &mut Option<Value>) -> R<()> {
        let mut open = self.open(tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            match c.local_name() {
                "delete" | "decimal" | "longDecimal" | "string" if value.is_none() => {
                    *value = Some(self.value(c)?)
                }
                _ => self.unknown(c, node, &open)?,
            }
        }
        Ok(())
    }

    /// The `<item>` children of `tag`, each filled in place by `f` from a
    /// default `T`, gathered in the reused buffer `buf` and returned in a
    /// vector of their exact number; other children go to `node`.
    fn items<T: Default>(
        &mut self,
        tag: &Tag<'a>,
        node: &mut Node,
        buf: fn(&mut Bufs) -> &mut Vec<T>,
        f: fn(&mut Self, Tag<'a>, &mut T) -> R<()>,
    ) -> R<Vec<T>> {
        let mut items = std::mem::take(buf(&mut self.bufs));
        let mut open = self.open(tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            if c.local_name() == "item" {
                items.push(T::default());
                let last = items.len() - 1;
                f(self, c, &mut items[last])?;
            } else {
                self.unknown(c, node, &open)?;
            }
        }
        let out = exact(&mut items);
        *buf(&mut self.bufs) = items;
        Ok(out)
    }

    /// Fills `l` (a default list) from `tag`.
    fn value_list(&mut self, tag: Tag<'a>, l: &mut ValueList) -> R<()> {
        l.node.span = tag.span;
        let node = &mut l.node;
        attrs!(tag, node, { "defaultKey" => l.default_key });
        l.items = self.items(&tag, node, |b| &mut b.value_items, Self::value_item)?;
        Ok(())
    }

    /// `<item key valueName><value>V</value></item>`; the `<value>` wrapper's
    /// span and leftovers go to [`ValueItem::value_node`].
    fn value_item(&mut self, tag: Tag<'a>, it: &mut ValueItem) -> R<()> {
        it.node.span = tag.span;
        let node = &mut it.node;
        attrs!(tag, node, { "key" => it.key, "valueName" => it.value_name });
        let mut open = self.open(&tag);
        let mut seen_value = false;
        while let Some(c) = self.child(&mut open, node, None)? {
            match c.local_name() {
                "value" if !seen_value => {
                    seen_value = true;
                    let mut wrapper = Node::at(c.span);
                    self.bare_attrs(&c, &mut wrapper)?;
                    self.slot_content(&c, &mut wrapper, &mut it.value)?;
                    it.value_node = Some(wrapper);
                }
                _ => self.unknown(c, node, &open)?,
            }
        }
        Ok(())
    }

    fn elements(&mut self, tag: Tag<'a>) -> R<List<PolicyElement>> {
        let mut node = self.bare(&tag)?;
        let mut items = std::mem::take(&mut self.bufs.elements);
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            // Built in place: the variants are large.
            macro_rules! fill {
                ($variant:ident, $ty:ty, $method:ident) => {{
                    items.push(PolicyElement::$variant(<$ty>::default()));
                    if let Some(PolicyElement::$variant(e)) = items.last_mut() {
                        self.$method(c, e)?;
                    }
                }};
            }
            match c.local_name() {
                "boolean" => fill!(Boolean, BooleanElement, boolean),
                "decimal" => fill!(Decimal, DecimalElement, decimal),
                "longDecimal" => fill!(LongDecimal, DecimalElement, decimal),
                "text" => fill!(Text, TextElementDef, text_def),
                "multiText" => fill!(MultiText, MultiTextElement, multi_text),
                "enum" => fill!(Enum, EnumElement, enum_element),
                "list" => fill!(List, ListElement, list_element),
                _ => self.unknown(c, &mut node, &open)?,
            }
        }
        let list = List {
            node,
            items: exact(&mut items),
        };
        self.bufs.elements = items;
        Ok(list)
    }

    fn boolean(&mut self, tag: Tag<'a>, b: &mut BooleanElement) -> R<()> {
        b.common.node.span = tag.span;
        let node = &mut b.common.node;
        attrs!(tag, node, {
            "id" => b.common.id,
            "clientExtension" => b.common.client_extension,
            "key" => b.common.key,
            "valueName" => b.common.value_name,
        });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            match c.local_name() {
                "trueValue" if b.true_value.is_none() => {
                    self.value_slot(c, b.true_value.insert(Default::default()))?
                }
                "falseValue" if b.false_value.is_none() => {
                    self.value_slot(c, b.false_value.insert(Default::default()))?
                }
                "trueList" if b.true_list.is_none() => {
                    self.value_list(c, b.true_list.insert(Default::default()))?
                }
                "falseList" if b.false_list.is_none() => {
                    self.value_list(c, b.false_list.insert(Default::default()))?
                }
                _ => self.unknown(c, node, &open)?,
            }
        }
        Ok(())
    }

    fn decimal(&mut self, tag: Tag<'a>, d: &mut DecimalElement) -> R<()> {
        d.common.node.span = tag.span;
        let node = &mut d.common.node;
        attrs!(tag, node, {
            "id" => d.common.id,
            "clientExtension" => d.common.client_extension,
            "key" => d.common.key,
            "valueName" => d.common.value_name,
            "required" => d.required,
            "minValue" => d.min_value,
            "maxValue" => d.max_value,
            "storeAsText" => d.store_as_text,
            "soft" => d.soft,
        });
        self.no_children(&tag, node)?;
        Ok(())
    }

    fn text_def(&mut self, tag: Tag<'a>, d: &mut TextElementDef) -> R<()> {
        d.common.node.span = tag.span;
        let node = &mut d.common.node;
        attrs!(tag, node, {
            "id" => d.common.id,
            "clientExtension" => d.common.client_extension,
            "key" => d.common.key,
            "valueName" => d.common.value_name,
            "required" => d.required,
            "maxLength" => d.max_length,
            "expandable" => d.expandable,
            "soft" => d.soft,
        });
        self.no_children(&tag, node)?;
        Ok(())
    }

    fn multi_text(&mut self, tag: Tag<'a>, d: &mut MultiTextElement) -> R<()> {
        d.common.node.span = tag.span;
        let node = &mut d.common.node;
        attrs!(tag, node, {
            "id" => d.common.id,
            "clientExtension" => d.common.client_extension,
            "key" => d.common.key,
            "valueName" => d.common.value_name,
            "required" => d.required,
            "maxLength" => d.max_length,
            "maxStrings" => d.max_strings,
            "soft" => d.soft,
        });
        self.no_children(&tag, node)?;
        Ok(())
    }

    fn enum_element(&mut self, tag: Tag<'a>, d: &mut EnumElement) -> R<()> {
        d.common.node.span = tag.span;
        let node = &mut d.common.node;
        attrs!(tag, node, {
            "id" => d.common.id,
            "clientExtension" => d.common.client_extension,
            "key" => d.common.key,
            "valueName" => d.common.value_name,
            "required" => d.required,
        });
        d.items = self.items(&tag, node, |b| &mut b.enum_items, Self::enum_item)?;
        Ok(())
    }

    fn enum_item(&mut self, tag: Tag<'a>, it: &mut EnumItem) -> R<()> {
        it.node.span = tag.span;
        let node = &mut it.node;
        attrs!(tag, node, { "displayName" => it.display_name });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            match c.local_name() {
                "value" if it.value.is_none() => {
                    self.value_slot(c, it.value.insert(Default::default()))?
                }
                "valueList" if it.value_list.is_none() => {
                    self.value_list(c, it.value_list.insert(Default::default()))?
                }
                _ => self.unknown(c, node, &open)?,
            }
        }
        Ok(())
    }

    fn list_element(&mut self, tag: Tag<'a>, d: &mut ListElement) -> R<()> {
        d.common.node.span = tag.span;
        let node = &mut d.common.node;
        attrs!(tag, node, {
            "id" => d.common.id,
            "clientExtension" => d.common.client_extension,
            "key" => d.common.key,
            "valueName" => d.common.value_name,
            "valuePrefix" => d.value_prefix,
            "additive" => d.additive,
            "expandable" => d.expandable,
            "explicitValue" => d.explicit_value,
        });
        self.no_children(&tag, node)?;
        Ok(())
    }

    // ---------------------------------------------------------------- ADML

    fn resources_root(
        &mut self,
        tag: Tag<'a>,
        source: &mut SourceInfo,
    ) -> R<PolicyDefinitionResources> {
        let mut d = PolicyDefinitionResources::default();
        let mut node = Node::at(tag.span);
        attrs!(tag, node, {
            "revision" => d.revision,
            "schemaVersion" => d.schema_version,
            "xmlns" => source.namespace,
        });
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            match c.local_name() {
                "displayName" if d.display_name.is_none() => {
                    d.display_name = Some(self.text_element(c)?)
                }
                "description" if d.description.is_none() => {
                    d.description = Some(self.text_element(c)?)
                }
                "annotation" => d.annotations.push(self.annotation(c)?),
                "resources" if d.resources.is_none() => d.resources = Some(self.adml_resources(c)?),
                _ => self.unknown(c, &mut node, &open)?,
            }
        }
        d.node = node;
        Ok(d)
    }

    fn adml_resources(&mut self, tag: Tag<'a>) -> R<AdmlResources> {
        let mut r = AdmlResources::default();
        let mut node = self.bare(&tag)?;
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, &mut node, None)? {
            match c.local_name() {
                "stringTable" if r.string_table.is_none() => {
                    r.string_table = Some(self.list(c, "string", Self::string_entry)?)
                }
                "presentationTable" if r.presentation_table.is_none() => {
                    r.presentation_table =
                        Some(self.list(c, "presentation", Self::presentation)?);
                }
                _ => self.unknown(c, &mut node, &open)?,
            }
        }
        r.node = node;
        Ok(r)
    }

    fn string_entry(&mut self, tag: Tag<'a>, s: &mut StringEntry) -> R<()> {
        s.node.span = tag.span;
        let node = &mut s.node;
        attrs!(tag, node, { "id" => s.id });
        s.text = self.text_content(&tag, node)?;
        Ok(())
    }

    fn presentation(&mut self, tag: Tag<'a>, p: &mut Presentation) -> R<()> {
        p.node.span = tag.span;
        let node = &mut p.node;
        attrs!(tag, node, { "id" => p.id });
        let mut controls = std::mem::take(&mut self.bufs.controls);
        let mut open = self.open(&tag);
        while let Some(c) = self.child(&mut open, node, None)? {
            match self.control(c)? {
                Some(ctl) => controls.push(ctl),
                None => self.unknown(c, node, &open)?,
            }
        }
        p.controls = exact(&mut controls);
        self.bufs.controls = controls;
        Ok(())
    }

    /// A presentation control, or `None` (nothing consumed) when `tag` is not one.
    fn control(&mut self, tag: Tag<'a>) -> R<Option<Control>> {
        let mut node = Node::at(tag.span);
        let ctl = match tag.local_name() {
            "text" => {
                self.bare_attrs(&tag, &mut node)?;
                let text = self.text_content(&tag, &mut node)?;
                Control::Text { node, text }
            }
            "checkBox" => {
                let (mut ref_id, mut default_checked) = (None, None);
                attrs!(tag, node, { "refId" => ref_id, "defaultChecked" => default_checked });
                let label = self.text_content(&tag, &mut node)?;
                Control::CheckBox {
                    node,
                    ref_id,
                    default_checked,
                    label,
                }
            }
            "textBox" => {
                let mut ref_id = None;
                attrs!(tag, node, { "refId" => ref_id });
                let (mut label, mut default_value) = (None, None);
                let mut open = self.open(&tag);
                while let Some(c) = self.child(&mut open, &mut node, None)? {
                    match c.local_name() {
                        "label" if label.is_none() => label = Some(self.text_element(c)?),
                        "defaultValue" if default_value.is_none() => {
                            default_value = Some(self.text_element(c)?)
                        }
                        _ => self.unknown(c, &mut node, &open)?,
                    }
                }
                Control::TextBox {
                    node,
                    ref_id,
                    label,
                    default_value,
                }
            }
            "decimalTextBox" | "longDecimalTextBox" => {
                let mut b = NumericTextBox::default();
                attrs!(tag, node, {
                    "refId" => b.ref_id,
                    "defaultValue" => b.default_value,
                    "spin" => b.spin,
                    "spinStep" => b.spin_step,
                });
                b.label = self.text_content(&tag, &mut node)?;
                b.node = node;
                if tag.local_name() == "decimalTextBox" {
                    Control::DecimalTextBox(b)
                } else {
                    Control::LongDecimalTextBox(b)
                }
            }
            "dropdownList" => {
                let (mut ref_id, mut no_sort, mut default_item) = (None, None, None);
                attrs!(tag, node, { "refId" => ref_id, "noSort" => no_sort, "defaultItem" => default_item });
                let label = self.text_content(&tag, &mut node)?;
                Control::DropdownList {
                    node,
                    ref_id,
                    no_sort,
                    default_item,
                    label,
                }
            }
            "listBox" => {
                let mut ref_id = None;
                attrs!(tag, node, { "refId" => ref_id });
                let label = self.text_content(&tag, &mut node)?;
                Control::ListBox {
                    node,
                    ref_id,
                    label,
                }
            }
            "comboBox" => {
                let (mut ref_id, mut no_sort) = (None, None);
                attrs!(tag, node, { "refId" => ref_id, "noSort" => no_sort });
                let (mut label, mut default, mut suggestions) = (None, None, Vec::new());
                let mut open = self.open(&tag);
                while let Some(c) = self.child(&mut open, &mut node, None)? {
                    match c.local_name() {
                        "label" if label.is_none() => label = Some(self.text_element(c)?),
                        "default" if default.is_none() => default = Some(self.text_element(c)?),
                        "suggestion" => suggestions.push(self.text_element(c)?),
                        _ => self.unknown(c, &mut node, &open)?,
                    }
                }
                Control::ComboBox {
                    node,
                    ref_id,
                    no_sort,
                    label,
                    default,
                    suggestions,
                }
            }
            "multiTextBox" => {
                let (mut ref_id, mut show_as_dialog, mut default_height) = (None, None, None);
                attrs!(tag, node, {
                    "refId" => ref_id,
                    "showAsDialog" => show_as_dialog,
                    "defaultHeight" => default_height,
                });
                let label = self.text_content(&tag, &mut node)?;
                Control::MultiTextBox {
                    node,
                    ref_id,
                    show_as_dialog,
                    default_height,
                    label,
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(ctl))
    }
}

/// Whether `tag` may have attributes: `<name>` and `<name/>` (most
/// containers and value wrappers) are too short to hold one, and need no scan.
fn has_attributes(tag: &Tag<'_>) -> bool {
    tag.span.end() - tag.span.start() > tag.name().len() + 3
}

/// Appends a text piece, staying borrowed while there is a single piece.
fn append<'a>(buf: &mut Cow<'a, str>, s: Cow<'a, str>) {
    if buf.is_empty() {
        *buf = s;
    } else {
        buf.to_mut().push_str(&s);
    }
}

/// Gives a parsed root the [`SourceInfo`] collected while reading it.
trait HasSource {
    fn source_mut(&mut self) -> &mut SourceInfo;
}

impl HasSource for PolicyDefinitions {
    fn source_mut(&mut self) -> &mut SourceInfo {
        &mut self.source
    }
}

impl HasSource for PolicyDefinitionResources {
    fn source_mut(&mut self) -> &mut SourceInfo {
        &mut self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error the plain XML reader gives for `text`.
    fn xml_error(text: &str) -> ParseError {
        let mut x = XmlReader::new(text);
        loop {
            match x.next_event() {
                Ok(Event::Start(t)) => {
                    for a in t.attributes() {
                        if let Err(e) = a {
                            return e;
                        }
                    }
                }
                Ok(Event::Eof) => panic!("no error in {text}"),
                Ok(_) => {}
                Err(e) => return e,
            }
        }
    }

    #[test]
    fn duplicate_attributes_are_refused_as_the_xml_reader_refuses_them() {
        let head = "<policyDefinitions><policies>";
        let tail = "</policies></policyDefinitions>";
        for tag in [
            // Known, unknown, clean and not clean (a reference or a tab
            // to normalise), first or later.
            "<policy name='a' name='b'/>",
            "<policy name='a' class='User' name='b'/>",
            "<policy Area='a' Area='b'/>",
            "<policy Area='a' name='x' Other='c' Area='b'/>",
            "<policy name='&amp;' name='b'/>",
            "<policy Area='a\tb' Area='b'/>",
            "<policy a:Area='a' b:Area='b' a:Area='c'/>",
        ] {
            let text = format!("{head}{tag}{tail}");
            let e = parse_admx_str(&text).expect_err(tag);
            let want = xml_error(&text);
            assert_eq!(e.span(), want.span(), "{tag}");
            assert_eq!(e.message(), want.message(), "{tag}");
        }
        // Different names (also ones with the same fingerprint words) are fine.
        let ok = format!("{head}<policy name='a' Area='1' Arex='2' class='User' key='k'/>{tail}");
        let p = parse_admx_str(&ok).unwrap();
        let policy = &p.doc.policies.as_ref().unwrap().items[0];
        assert_eq!(policy.node.unknown_attributes().len(), 2);
        assert_eq!(policy.name.as_deref(), Some("a"));
        // Unknown attributes before the tag's own do not count.
        let nested = format!(
            "{head}<policy name='p'><enabledValue Area='1'><decimal Area='1' value='1'/></enabledValue></policy>{tail}"
        );
        assert!(parse_admx_str(&nested).is_ok());
    }
}
