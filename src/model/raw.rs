use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::span::Span;

/// Provenance and leftovers of one element.
///
/// Sixteen bytes: the span plus a pointer to the leftovers, which almost
/// every element lacks (every model struct carries a node, so its size
/// counts). Serialised as before: an object with `unknown_attributes` and
/// `unknown_children`, each left out when empty; the span and the places of
/// the unknown children ([`Node::unknown_anchors`]) are not serialised.
#[derive(Clone, Default)]
pub struct Node {
    /// Byte span of the whole element (start tag to end of end tag) in the decoded text.
    pub span: Span,
    /// What the reader did not know here (`None` when nothing).
    extra: Option<Box<NodeExtra>>,
}

/// The leftovers of a [`Node`].
#[derive(Clone, Debug, Default)]
struct NodeExtra {
    unknown_attributes: Vec<RawAttribute>,
    unknown_children: Vec<RawNode>,
    /// Where the unknown children stood: for the child of the same index,
    /// how many child elements (known or not) came before it. A prefix of
    /// `unknown_children` (children past its end have no known place).
    anchors: Vec<u32>,
}

impl Node {
    /// A node with a span and nothing unknown.
    pub fn at(span: Span) -> Node {
        Node { span, extra: None }
    }

    /// A node with a span and these leftovers.
    pub fn with_unknown(
        span: Span,
        unknown_attributes: Vec<RawAttribute>,
        unknown_children: Vec<RawNode>,
    ) -> Node {
        let mut n = Node::at(span);
        n.set_unknown(unknown_attributes, unknown_children);
        n
    }

    /// Whether the node holds nothing but its span (no unknown attributes
    /// or children).
    pub fn is_plain(&self) -> bool {
        self.unknown_attributes().is_empty() && self.unknown_children().is_empty()
    }

    /// [`Node::is_plain`] for an optional node (`None` counts as plain).
    pub fn is_plain_opt(node: &Option<Node>) -> bool {
        node.as_ref().is_none_or(Node::is_plain)
    }

    /// Attributes the reader does not know for this element, in document order.
    pub fn unknown_attributes(&self) -> &[RawAttribute] {
        self.extra.as_deref().map_or(&[], |e| &e.unknown_attributes)
    }

    /// Child content the reader did not map to a field (unknown or misplaced
    /// elements, stray text, comments, CDATA, processing instructions), in document order.
    pub fn unknown_children(&self) -> &[RawNode] {
        self.extra.as_deref().map_or(&[], |e| &e.unknown_children)
    }

    /// Where each unknown child stood among the element's children, as
    /// read: the number of child elements (known or unknown) before it in
    /// the document. The writer puts each child back there, so a rewrite
    /// keeps comments beside the elements they describe. Shorter than
    /// [`Node::unknown_children`] (or empty) when some children have no
    /// known place (built in code, changed, or deserialised): those are
    /// written after the element's known children.
    pub fn unknown_anchors(&self) -> &[u32] {
        self.extra.as_deref().map_or(&[], |e| &e.anchors)
    }

    /// Adds an unknown child that stood after `elements_before` child
    /// elements of this element.
    pub fn push_unknown_child_at(&mut self, elements_before: u32, child: RawNode) {
        let e = self.extra_mut();
        if e.anchors.len() == e.unknown_children.len() {
            e.anchors.push(elements_before);
        }
        e.unknown_children.push(child);
    }

    /// The unknown attributes, to change them.
    pub fn unknown_attributes_mut(&mut self) -> &mut Vec<RawAttribute> {
        &mut self.extra_mut().unknown_attributes
    }

    /// The unknown children, to change them. Their places as read are
    /// forgotten (see [`Node::unknown_anchors`]): a rewrite puts them after
    /// the known children.
    pub fn unknown_children_mut(&mut self) -> &mut Vec<RawNode> {
        let e = self.extra_mut();
        e.anchors.clear();
        &mut e.unknown_children
    }

    /// Replaces both lists of leftovers.
    pub fn set_unknown(
        &mut self,
        unknown_attributes: Vec<RawAttribute>,
        unknown_children: Vec<RawNode>,
    ) {
        self.extra = if unknown_attributes.is_empty() && unknown_children.is_empty() {
            None
        } else {
            Some(Box::new(NodeExtra {
                unknown_attributes,
                unknown_children,
                anchors: Vec::new(),
            }))
        };
    }

    /// Appends `other`'s leftovers after this node's (`other`'s span is dropped).
    pub fn append_unknown(&mut self, other: Node) {
        let Some(mut o) = other.extra else {
            return;
        };
        match self.extra.as_deref_mut() {
            None => self.extra = Some(o),
            Some(e) => {
                e.unknown_attributes.append(&mut o.unknown_attributes);
                e.unknown_children.append(&mut o.unknown_children);
            }
        }
    }

    fn extra_mut(&mut self) -> &mut NodeExtra {
        self.extra.get_or_insert_with(Box::default)
    }
}

// Debug, Serialize and Deserialize as the plain struct of span and two lists was.
impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Node");
        d.field("span", &self.span)
            .field("unknown_attributes", &self.unknown_attributes())
            .field("unknown_children", &self.unknown_children());
        if !self.unknown_anchors().is_empty() {
            d.field("unknown_anchors", &self.unknown_anchors());
        }
        d.finish()
    }
}

/// The serialised form of a [`Node`] (borrowed).
#[derive(Serialize)]
#[serde(rename = "Node")]
struct NodeOut<'a> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unknown_attributes: &'a [RawAttribute],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unknown_children: &'a [RawNode],
}

/// The serialised form of a [`Node`] (owned).
#[derive(Deserialize)]
#[serde(rename = "Node")]
struct NodeIn {
    #[serde(default)]
    unknown_attributes: Vec<RawAttribute>,
    #[serde(default)]
    unknown_children: Vec<RawNode>,
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        NodeOut {
            unknown_attributes: self.unknown_attributes(),
            unknown_children: self.unknown_children(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = NodeIn::deserialize(deserializer)?;
        Ok(Node::with_unknown(
            Span::default(),
            n.unknown_attributes,
            n.unknown_children,
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_is_small_and_looks_as_the_plain_struct_did() {
        assert_eq!(std::mem::size_of::<Node>(), 16);
        let bare = Node::at(Span::new(1, 2));
        assert_eq!(serde_json::to_string(&bare).unwrap(), "{}");
        assert_eq!(
            format!("{bare:?}"),
            "Node { span: Span { start: 1, end: 2 }, unknown_attributes: [], unknown_children: [] }"
        );
        let attr = RawAttribute {
            name: "Area".into(),
            value: "x".into(),
        };
        let mut n = Node::at(Span::new(3, 4));
        n.unknown_attributes_mut().push(attr.clone());
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(
            json,
            r#"{"unknown_attributes":[{"name":"Area","value":"x"}]}"#
        );
        let back: Node = serde_json::from_str(&json).unwrap();
        assert_eq!(back.unknown_attributes(), std::slice::from_ref(&attr));
        assert!(back.unknown_children().is_empty());
        assert_eq!(back.span, Span::default());
        // Leftovers of another node go after this node's, in order.
        let mut other = Node::at(Span::new(5, 6));
        other
            .unknown_children_mut()
            .push(RawNode::Comment { text: "c".into() });
        n.append_unknown(other);
        assert_eq!(n.span, Span::new(3, 4));
        assert_eq!(n.unknown_attributes(), [attr]);
        assert!(matches!(n.unknown_children(), [RawNode::Comment { text }] if text == "c"));
        // Empty leftovers are not kept.
        assert!(
            Node::with_unknown(Span::default(), Vec::new(), Vec::new())
                .extra
                .is_none()
        );
    }
}
