//! Canonical, deterministic XML writer (CRLF, stable attribute order).
//!
//! The writer works on a small owned-or-borrowed tree ([`Element`],
//! [`Content`]) that the ADMX/ADML layer ([`crate::admx`]) builds from the
//! model in schema order; this module only decides how that tree becomes
//! bytes. The output form is fixed, so writing the same tree twice gives the
//! same bytes:
//!
//! - declaration `<?xml version="1.0" encoding="utf-8"?>` (or `"utf-16"`),
//!   UTF-8 without BOM by default, UTF-16LE with BOM on request;
//! - CRLF line ends everywhere, including inside text and CDATA (a `\n` is
//!   written as CRLF, which every XML parser turns back into `\n`); comments
//!   and processing instructions are the exception: their content is written
//!   exactly as held, line ends included, because readers differ on whether
//!   they normalise line ends there, and unchanged content reads back the same
//!   under both;
//! - two spaces of indentation per level; an element without content is
//!   written `<name a="v" />`;
//! - attributes in the order the tree gives them (the caller puts the
//!   schema's attributes first, then unknown ones in their read order);
//! - an element that holds text (a "text-content" element such as
//!   `<string>` or a mixed one) is written on one line with its content
//!   exactly as held, with no indentation added inside it, so the text reads
//!   back unchanged;
//! - escaping: in attribute values `&` `<` `>` `"` and tab, CR, LF become
//!   references (so attribute-value normalisation cannot change them); in
//!   text `&` `<` `>` are escaped and a CR that is not part of a line end is
//!   written `&#13;`.
//!
//! What cannot be written faithfully (only reachable from hand-built trees,
//! never from a parsed file): a comment containing `--` or ending in `-`, a
//! processing instruction containing `?>`, and a bare CR inside CDATA.

use std::borrow::Cow;

use crate::model::{FileEncoding, SourceInfo};

/// The byte encoding of written files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputEncoding {
    /// UTF-8 without BOM, declared `encoding="utf-8"` (the canonical form).
    #[default]
    Utf8,
    /// UTF-16LE with the BOM `FF FE`, declared `encoding="utf-16"` (what
    /// Office templates use).
    Utf16LeBom,
}

/// How to write a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Byte encoding of the output.
    pub encoding: OutputEncoding,
}

impl WriteOptions {
    /// Options that keep the encoding family of the file a document was read
    /// from: UTF-16LE with BOM when the source was any kind of UTF-16, UTF-8
    /// (without BOM) otherwise. This is what `gpforge fmt --keep-encoding` uses.
    pub fn keeping(source: &SourceInfo) -> WriteOptions {
        let encoding = match source.encoding {
            FileEncoding::Utf16LeBom
            | FileEncoding::Utf16Le
            | FileEncoding::Utf16BeBom
            | FileEncoding::Utf16Be => OutputEncoding::Utf16LeBom,
            FileEncoding::Utf8 | FileEncoding::Utf8Bom => OutputEncoding::Utf8,
        };
        WriteOptions { encoding }
    }
}

/// One element of the tree to write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element<'a> {
    /// Qualified name.
    pub name: Cow<'a, str>,
    /// Attributes in output order (name, unescaped value).
    pub attributes: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Children in output order.
    pub children: Vec<Content<'a>>,
}

/// A child of an [`Element`] (or a node before the root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content<'a> {
    /// A nested element.
    Element(Element<'a>),
    /// Character data (unescaped).
    Text(Cow<'a, str>),
    /// A comment (without `<!--` `-->`).
    Comment(Cow<'a, str>),
    /// A CDATA section (without `<![CDATA[` `]]>`).
    CData(Cow<'a, str>),
    /// A processing instruction (without `<?` `?>`).
    ProcessingInstruction(Cow<'a, str>),
}

impl<'a> Element<'a> {
    /// An element with no attributes and no children.
    pub fn new(name: impl Into<Cow<'a, str>>) -> Element<'a> {
        Element {
            name: name.into(),
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds attribute `name` when `value` is `Some`; an attribute whose name
    /// is already present is not added twice (a second one would make the
    /// output ill-formed).
    pub fn attr(&mut self, name: impl Into<Cow<'a, str>>, value: Option<&'a str>) -> &mut Self {
        if let Some(v) = value {
            let name = name.into();
            if !self.attributes.iter().any(|(n, _)| *n == name) {
                self.attributes.push((name, Cow::Borrowed(v)));
            }
        }
        self
    }

    /// Appends a child element.
    pub fn push(&mut self, child: Element<'a>) -> &mut Self {
        self.children.push(Content::Element(child));
        self
    }

    /// Appends text; empty text is not added.
    pub fn text(&mut self, text: &'a str) -> &mut Self {
        if !text.is_empty() {
            self.children.push(Content::Text(Cow::Borrowed(text)));
        }
        self
    }

    /// True when the element holds character data directly, so it is written
    /// on one line with its content untouched.
    fn holds_text(&self) -> bool {
        self.children.iter().any(|c| match c {
            Content::Text(t) | Content::CData(t) => !t.is_empty(),
            _ => false,
        })
    }
}

/// A whole document: nodes before the root (comments, processing
/// instructions) and the root element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document<'a> {
    /// Comments and processing instructions written between the declaration
    /// and the root element. Text and elements here are ignored.
    pub prolog: Vec<Content<'a>>,
    /// The root element.
    pub root: Element<'a>,
}

const NEWLINE: &str = "\r\n";

/// Writes `doc` in the canonical form as bytes in the requested encoding.
pub fn write_document(doc: &Document<'_>, options: &WriteOptions) -> Vec<u8> {
    let text = document_to_string(doc, options.encoding);
    match options.encoding {
        OutputEncoding::Utf8 => text.into_bytes(),
        OutputEncoding::Utf16LeBom => {
            let mut out = Vec::with_capacity(2 + text.len() * 2);
            out.extend_from_slice(&[0xFF, 0xFE]);
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
            out
        }
    }
}

/// The canonical text of `doc`, with the declaration naming `encoding`
/// (the text itself is always a Rust `String`).
pub fn document_to_string(doc: &Document<'_>, encoding: OutputEncoding) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(match encoding {
        OutputEncoding::Utf8 => r#"<?xml version="1.0" encoding="utf-8"?>"#,
        OutputEncoding::Utf16LeBom => r#"<?xml version="1.0" encoding="utf-16"?>"#,
    });
    out.push_str(NEWLINE);
    for node in &doc.prolog {
        match node {
            Content::Comment(_) | Content::ProcessingInstruction(_) => {
                write_content(&mut out, node, 0, false);
            }
            Content::Element(_) | Content::Text(_) | Content::CData(_) => {}
        }
    }
    write_element(&mut out, &doc.root, 0, false);
    out
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Writes `e` at `depth`. `inline`: inside a text-holding element, so no
/// indentation or line breaks are added.
fn write_element(out: &mut String, e: &Element<'_>, depth: usize, inline: bool) {
    if !inline {
        indent(out, depth);
    }
    out.push('<');
    out.push_str(&e.name);
    for (name, value) in &e.attributes {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        escape_attribute(out, value);
        out.push('"');
    }
    let children: Vec<&Content<'_>> = e
        .children
        .iter()
        .filter(|c| !matches!(c, Content::Text(t) if t.is_empty()))
        .collect();
    if children.is_empty() {
        out.push_str(" />");
    } else if inline || e.holds_text() {
        out.push('>');
        for c in children {
            write_content(out, c, depth + 1, true);
        }
        close(out, &e.name);
    } else {
        out.push('>');
        out.push_str(NEWLINE);
        for c in children {
            write_content(out, c, depth + 1, false);
        }
        indent(out, depth);
        close(out, &e.name);
    }
    if !inline {
        out.push_str(NEWLINE);
    }
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn write_content(out: &mut String, c: &Content<'_>, depth: usize, inline: bool) {
    match c {
        Content::Element(e) => write_element(out, e, depth, inline),
        // Text only ever appears inline (an element holding text is inline).
        Content::Text(t) => escape_text(out, t),
        Content::CData(t) => {
            out.push_str("<![CDATA[");
            // `]]>` cannot appear inside one section: split it over two.
            push_with_crlf(out, &t.replace("]]>", "]]]]><![CDATA[>"));
            out.push_str("]]>");
        }
        Content::Comment(t) => {
            if !inline {
                indent(out, depth);
            }
            out.push_str("<!--");
            // As held: readers differ on normalising line ends inside
            // comments, and writing them unchanged reads back the same under both.
            out.push_str(t);
            out.push_str("-->");
            if !inline {
                out.push_str(NEWLINE);
            }
        }
        Content::ProcessingInstruction(t) => {
            if !inline {
                indent(out, depth);
            }
            out.push_str("<?");
            out.push_str(t);
            out.push_str("?>");
            if !inline {
                out.push_str(NEWLINE);
            }
        }
    }
}

/// Appends `s` with every line end (`\r\n`, `\r`, `\n`) written as CRLF;
/// for CDATA, where references are not recognised.
fn push_with_crlf(out: &mut String, s: &str) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str(NEWLINE);
            }
            '\n' => out.push_str(NEWLINE),
            c => out.push(c),
        }
    }
}

/// Escapes character data: `&` `<` `>`; `\n` becomes CRLF (read back as
/// `\n`); any `\r` becomes `&#13;` (a literal one would be normalised away).
pub fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str(NEWLINE),
            c => out.push(c),
        }
    }
}

/// Escapes an attribute value for double quotes: `&` `<` `>` `"` and the
/// whitespace characters that attribute-value normalisation would turn into
/// spaces (tab, CR, LF) become references.
pub fn escape_attribute(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(root: Element<'_>) -> String {
        document_to_string(
            &Document {
                prolog: Vec::new(),
                root,
            },
            OutputEncoding::Utf8,
        )
    }

    #[test]
    fn empty_root_is_self_closed_with_crlf() {
        let mut e = Element::new("a");
        e.attr("x", Some("1")).attr("y", None);
        assert_eq!(
            doc(e),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<a x=\"1\" />\r\n"
        );
    }

    #[test]
    fn nested_elements_are_indented_and_text_is_inline() {
        let mut root = Element::new("r");
        let mut s = Element::new("s");
        s.text("line1\nline2 & <x>");
        root.push(s);
        root.children.push(Content::Comment(Cow::Borrowed(" c ")));
        let out = doc(root);
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<r>\r\n  <s>line1\r\nline2 &amp; &lt;x&gt;</s>\r\n  <!-- c -->\r\n</r>\r\n"
        );
    }

    #[test]
    fn attribute_escaping_keeps_whitespace_and_quotes() {
        let mut out = String::new();
        escape_attribute(&mut out, "a\"b\tc\r\nd&<>'");
        assert_eq!(out, "a&quot;b&#9;c&#13;&#10;d&amp;&lt;&gt;'");
    }

    #[test]
    fn lone_cr_in_text_is_a_reference() {
        let mut out = String::new();
        escape_text(&mut out, "a\rb\r\nc");
        assert_eq!(out, "a&#13;b&#13;\r\nc");
    }

    #[test]
    fn mixed_content_adds_no_whitespace() {
        let mut root = Element::new("r");
        let mut inner = Element::new("i");
        inner.push(Element::new("b"));
        root.push(inner);
        root.text("\"");
        assert_eq!(
            doc(root),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<r><i><b /></i>\"</r>\r\n"
        );
    }

    #[test]
    fn duplicate_attribute_names_are_written_once() {
        let mut e = Element::new("a");
        e.attr("x", Some("1")).attr("x", Some("2"));
        assert_eq!(e.attributes.len(), 1);
    }

    #[test]
    fn utf16_output_has_bom_and_declaration() {
        let d = Document {
            prolog: Vec::new(),
            root: Element::new("é"),
        };
        let bytes = write_document(
            &d,
            &WriteOptions {
                encoding: OutputEncoding::Utf16LeBom,
            },
        );
        assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let text = String::from_utf16(&units).unwrap();
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<é />"),
            "{text}"
        );
    }

    #[test]
    fn comment_content_is_written_as_held() {
        let mut root = Element::new("r");
        root.children
            .push(Content::Comment(Cow::Borrowed(" a\nb\r\nc ")));
        assert!(doc(root).contains("<r>\r\n  <!-- a\nb\r\nc -->\r\n</r>"));
    }

    #[test]
    fn cdata_with_terminator_is_split() {
        let mut root = Element::new("r");
        root.children.push(Content::CData(Cow::Borrowed("a]]>b")));
        assert!(doc(root).contains("<r><![CDATA[a]]]]><![CDATA[>b]]></r>"));
    }
}
