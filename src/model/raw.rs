use serde::{Deserialize, Serialize};

use crate::span::Span;

/// Provenance and leftovers of one element.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Node {
    /// Byte span of the whole element (start tag to end of end tag) in the decoded text.
    #[serde(skip)]
    pub span: Span,
    /// Attributes the reader does not know for this element, in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_attributes: Vec<RawAttribute>,
    /// Child content the reader did not map to a field (unknown or misplaced
    /// elements, stray text, comments, CDATA, processing instructions), in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_children: Vec<RawNode>,
}

impl Node {
    /// A node with a span and nothing unknown.
    pub fn at(span: Span) -> Node {
        Node {
            span,
            ..Node::default()
        }
    }
}

/// An attribute as written (qualified name, unescaped value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAttribute {
    /// Qualified name as written, e.g. `Area` or `xml:space`.
    pub name: String,
    /// Unescaped value.
    pub value: String,
}

/// Any XML content kept verbatim.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RawNode {
    /// An element with everything inside it.
    Element(RawElement),
    /// Character data (unescaped; whitespace-only text between elements is not kept).
    Text {
        /// The text.
        text: String,
    },
    /// `<!-- ... -->` (content without the delimiters).
    Comment {
        /// The comment text.
        text: String,
    },
    /// `<![CDATA[ ... ]]>` (content without the delimiters).
    CData {
        /// The CDATA content.
        text: String,
    },
    /// `<?target data?>` (content without the delimiters).
    ProcessingInstruction {
        /// The instruction text.
        text: String,
    },
}

/// An element kept verbatim.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RawElement {
    /// Byte span in the decoded text.
    #[serde(skip)]
    pub span: Span,
    /// Qualified name as written.
    pub name: String,
    /// Attributes in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<RawAttribute>,
    /// Children in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<RawNode>,
}

/// A container element holding a list of items (`<categories>`, `<policies>`,
/// `<elements>`, `<stringTable>`, ...).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct List<T> {
    /// The container element itself.
    #[serde(default)]
    pub node: Node,
    /// The items, in document order.
    pub items: Vec<T>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List {
            node: Node::default(),
            items: Vec::new(),
        }
    }
}

impl<T> List<T> {
    /// A list of items with no span.
    pub fn new(items: Vec<T>) -> List<T> {
        List {
            node: Node::default(),
            items,
        }
    }
}

/// An element whose content is text (`<displayName>`, `<label>`, `<seeAlso>`, `<string>` value ...).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TextElement {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// Its text content (unescaped; line ends normalised to `\n` as XML requires).
    pub text: String,
}

impl TextElement {
    /// A text element with no span.
    pub fn new(text: impl Into<String>) -> TextElement {
        TextElement {
            node: Node::default(),
            text: text.into(),
        }
    }
}

/// How the bytes of a file were encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileEncoding {
    /// UTF-8 without BOM.
    #[default]
    Utf8,
    /// UTF-8 with BOM `EF BB BF`.
    Utf8Bom,
    /// UTF-16LE with BOM `FF FE`.
    Utf16LeBom,
    /// UTF-16LE without BOM (detected from `<\0`).
    Utf16Le,
    /// UTF-16BE with BOM `FE FF`.
    Utf16BeBom,
    /// UTF-16BE without BOM (detected from `\0<`).
    Utf16Be,
}

/// The `<?xml ...?>` declaration as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct XmlDeclaration {
    /// `version` pseudo-attribute.
    pub version: Option<String>,
    /// `encoding` pseudo-attribute as written (`utf-8`, `utf-16`, `unicode`, ...).
    pub encoding: Option<String>,
    /// `standalone` pseudo-attribute.
    pub standalone: Option<String>,
}

/// Facts about the file a document was read from.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Encoding found from the BOM / first bytes.
    pub encoding: FileEncoding,
    /// The XML declaration, if any.
    pub declaration: Option<XmlDeclaration>,
    /// Root `xmlns` as written (`None` when the root has no default namespace).
    pub namespace: Option<String>,
    /// Content before or after the root element (comments, processing instructions), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outside_root: Vec<RawNode>,
}

/// The root namespace forms real templates use.
pub mod namespaces {
    /// The namespace Windows' own templates use.
    pub const SCHEMAS_2006: &str =
        "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions";
    /// The XSD's target namespace (a few inbox files, admxgen output).
    pub const WWW: &str = "http://www.microsoft.com/GroupPolicy/PolicyDefinitions";
}
