//! A small element tree built on [`XmlReader`], for XML files that have no
//! typed model (the XML files of a GPO backup: Backup.xml, bkupInfo.xml,
//! manifest.xml, gpreport.xml, Group Policy Preferences files).
//!
//! Everything [`XmlReader`] checks is checked here too (one root, no DTD, no
//! undefined entity, unique attributes, the nesting limit). Names are kept as
//! local names (GPMC's files use one fixed namespace each); the text and
//! CDATA directly inside an element are merged into [`Element::text`].

use crate::span::Span;

use super::reader::{Event, ParseError, XmlReader, local};

/// One element of the tree.
#[derive(Clone, Debug, Default)]
pub(crate) struct Element {
    /// Local name (prefix removed).
    pub(crate) name: String,
    /// Attributes: (local name, normalised value), in document order.
    pub(crate) attrs: Vec<(String, String)>,
    /// Child elements in order.
    pub(crate) children: Vec<Element>,
    /// Concatenated text and CDATA directly inside this element (references
    /// resolved, line ends normalised).
    pub(crate) text: String,
    /// True when the element's content contained a CDATA section.
    pub(crate) cdata: bool,
    /// Span of the start tag.
    pub(crate) span: Span,
}

impl Element {
    /// The first child with this local name.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The value of an attribute by local name.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of a child element, `None` when the child is absent.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Reads decoded text into its root element. Comments, processing
/// instructions and the XML declaration are skipped.
pub(crate) fn read_tree(text: &str) -> Result<Element, ParseError> {
    let mut reader = XmlReader::new(text);
    // The open elements; the root is the first one.
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    // Read on to the end even after the root closed: the reader checks what follows it.
    loop {
        match reader.next_event()? {
            Event::Start(tag) => {
                let mut el = Element {
                    name: tag.local_name().to_owned(),
                    span: tag.span,
                    ..Element::default()
                };
                for a in tag.attributes() {
                    let (name, value) = a?;
                    el.attrs.push((local(name).to_owned(), value.into_owned()));
                }
                match (tag.empty, stack.last_mut()) {
                    (false, _) => stack.push(el),
                    (true, Some(parent)) => parent.children.push(el),
                    (true, None) => root = Some(el),
                }
            }
            Event::End(_) => {
                // The reader has matched the end tag with its start tag.
                let Some(el) = stack.pop() else { continue };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                // Text outside the root is whitespace (the reader refuses anything else).
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.value()?);
                }
            }
            Event::CData(s, _) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&s);
                    el.cdata = true;
                }
            }
            Event::Comment(..) | Event::Pi(..) | Event::Decl(_) => {}
            Event::Eof => {
                // The reader reports an unclosed element or a missing root
                // instead of Eof, so `root` is set here.
                let at = text.len();
                return root.ok_or_else(|| {
                    reader.error(Span::new(at, at), "expected a root element, found none")
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_text_cdata_and_references_by_local_name() {
        let root = read_tree(
            "<a xmlns:p='x' p:k='1 &amp; 2'><b><![CDATA[x]]]]><![CDATA[>y]]></b><c/>t&lt;</a>",
        )
        .unwrap();
        assert_eq!(root.attr("k"), Some("1 & 2"));
        assert_eq!(root.child_text("b"), Some("x]]>y"));
        assert!(root.child("b").unwrap().cdata);
        assert!(root.child("c").is_some());
        assert_eq!(root.text, "t<");
        assert_eq!(root.span, Span::new(0, 31));
    }

    #[test]
    fn refuses_what_the_reader_refuses() {
        for bad in [
            "<!DOCTYPE a><a/>",
            "<a><b></a>",
            "<a/><b/>",
            "<a>&x;</a>",
            "<a>",
        ] {
            let e = read_tree(bad).unwrap_err();
            assert!(!e.message().is_empty(), "{bad:?}");
        }
    }
}
