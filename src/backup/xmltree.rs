//! A tiny element tree for the small XML files of a backup (Backup.xml,
//! bkupInfo.xml, manifest.xml, gpreport.xml, Preferences XML). Names are
//! kept as local names (namespaces are ignored, as GPMC's own files use one
//! fixed namespace each); text and CDATA are merged; byte offsets point into
//! the decoded text.

use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::Event;

/// One element.
#[derive(Clone, Debug, Default)]
pub(crate) struct Element {
    /// Local name (prefix removed).
    pub name: String,
    /// Attributes: (local name, unescaped value), in document order.
    pub attrs: Vec<(String, String)>,
    /// Child elements in order.
    pub children: Vec<Element>,
    /// Concatenated text and CDATA directly inside this element.
    pub text: String,
    /// True when the element's content contained a CDATA section.
    pub cdata: bool,
    /// Byte range of the start tag in the decoded text.
    pub span: Range<usize>,
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The value of an attribute by local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of a child element, `None` when the child is absent.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// A document: the decoded text and its root element.
#[derive(Clone, Debug)]
pub(crate) struct Document {
    /// Decoded text (UTF-8).
    pub text: String,
    /// The root element.
    pub root: Element,
}

/// Encodings a backup file can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    /// UTF-8 without BOM.
    Utf8,
    /// UTF-8 with BOM.
    Utf8Bom,
    /// UTF-16LE with BOM.
    Utf16LeBom,
    /// UTF-16LE without BOM.
    Utf16Le,
}

/// An XML syntax problem with its byte offset in the decoded text.
#[derive(Clone, Debug)]
pub(crate) struct SyntaxError {
    /// Offset in the decoded text.
    pub offset: usize,
    /// What went wrong.
    pub message: String,
}

/// Decodes bytes by BOM / first bytes: UTF-16LE (with or without BOM) or UTF-8.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, TextEncoding), SyntaxError> {
    let (enc, body, utf16) = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        (TextEncoding::Utf16LeBom, rest, true)
    } else if bytes.len() >= 2 && bytes[0] != 0 && bytes[1] == 0 {
        (TextEncoding::Utf16Le, bytes, true)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        (TextEncoding::Utf8Bom, rest, false)
    } else {
        (TextEncoding::Utf8, bytes, false)
    };
    if utf16 {
        if body.len() % 2 != 0 {
            return Err(SyntaxError {
                offset: 0,
                message: format!(
                    "expected an even number of UTF-16 bytes, found {}",
                    body.len()
                ),
            });
        }
        let (text, had_errors) = encoding_rs::UTF_16LE.decode_without_bom_handling(body);
        if had_errors {
            return Err(SyntaxError {
                offset: 0,
                message: "expected UTF-16LE text, found unpaired surrogates".into(),
            });
        }
        Ok((text.into_owned(), enc))
    } else {
        match std::str::from_utf8(body) {
            Ok(s) => Ok((s.to_string(), enc)),
            Err(e) => Err(SyntaxError {
                offset: e.valid_up_to(),
                message: "expected UTF-8 text, found an invalid byte sequence".into(),
            }),
        }
    }
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => s.into_owned(),
    }
}

/// Parses bytes into a [`Document`]. DTDs are refused.
pub(crate) fn parse(bytes: &[u8]) -> Result<Document, SyntaxError> {
    let (text, _) = decode(bytes)?;
    let root = parse_str(&text)?;
    Ok(Document { text, root })
}

fn err(offset: u64, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        offset: offset as usize,
        message: message.into(),
    }
}

/// Parses decoded text into its root element.
pub(crate) fn parse_str(text: &str) -> Result<Element, SyntaxError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = reader.buffer_position();
        let ev = reader.read_event().map_err(|e| {
            err(
                reader.error_position(),
                format!("expected well-formed XML, found {e}"),
            )
        })?;
        let end = reader.buffer_position();
        match ev {
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let (s, empty) = match ev {
                    Event::Start(s) => (s, false),
                    Event::Empty(s) => (s, true),
                    _ => unreachable!("matched above"),
                };
                let mut el = Element {
                    name: local(s.name().as_ref()),
                    span: start as usize..end as usize,
                    ..Element::default()
                };
                for a in s.attributes() {
                    let a = a.map_err(|e| {
                        err(
                            start,
                            format!("expected a well-formed attribute, found {e}"),
                        )
                    })?;
                    let v = a.unescape_value().map_err(|e| {
                        err(
                            start,
                            format!("expected a valid attribute value, found {e}"),
                        )
                    })?;
                    el.attrs.push((local(a.key.as_ref()), v.into_owned()));
                }
                if root.is_some() && stack.is_empty() {
                    return Err(err(start, "expected one root element, found a second"));
                }
                if empty {
                    match stack.last_mut() {
                        Some(p) => p.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| err(start, "expected a start tag, found an end tag"))?;
                match stack.last_mut() {
                    Some(p) => p.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| err(start, format!("expected text, found {e}")))?;
                match stack.last_mut() {
                    Some(p) => p.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => {
                        return Err(err(
                            start,
                            "expected markup, found text outside the root element",
                        ));
                    }
                }
            }
            Event::CData(c) => {
                let s = c
                    .xml10_content()
                    .map_err(|e| err(start, format!("expected CDATA, found {e}")))?;
                if let Some(p) = stack.last_mut() {
                    p.text.push_str(&s);
                    p.cdata = true;
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(String::from)
                } else {
                    match r
                        .decode()
                        .map_err(|e| err(start, format!("expected an entity, found {e}")))?
                        .as_ref()
                    {
                        "amp" => Some("&".into()),
                        "lt" => Some("<".into()),
                        "gt" => Some(">".into()),
                        "quot" => Some("\"".into()),
                        "apos" => Some("'".into()),
                        _ => None,
                    }
                };
                let s = resolved.ok_or_else(|| err(start, "expected a predefined entity or character reference, found an unknown entity"))?;
                if let Some(p) = stack.last_mut() {
                    p.text.push_str(&s);
                }
            }
            Event::DocType(_) => {
                return Err(err(
                    start,
                    "expected no DTD, found <!DOCTYPE (DTDs are refused)",
                ));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(err(
            text.len() as u64,
            format!("expected </{}>, found the end of the file", open.name),
        ));
    }
    root.ok_or_else(|| err(0, "expected a root element, found none"))
}

/// Escapes text for element content.
pub(crate) fn escape_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            _ => o.push(c),
        }
    }
    o
}

/// Escapes text for a double-quoted attribute value.
pub(crate) fn escape_attr(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\r' => o.push_str("&#xD;"),
            '\n' => o.push_str("&#xA;"),
            '\t' => o.push_str("&#x9;"),
            _ => o.push(c),
        }
    }
    o
}

/// `<![CDATA[...]]>`, splitting any `]]>` inside so the text survives.
pub(crate) fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cdata_entities_and_empty_elements() {
        let d = parse(
            b"<a xmlns:p='x' p:k='1 &amp; 2'><b><![CDATA[x]]]]><![CDATA[>y]]></b><c/>t&lt;</a>",
        )
        .unwrap();
        assert_eq!(d.root.attr("k"), Some("1 & 2"));
        assert_eq!(d.root.child_text("b"), Some("x]]>y"));
        assert!(d.root.child("c").is_some());
        assert_eq!(d.root.text, "t<");
    }

    #[test]
    fn refuses_dtd_and_reports_offsets() {
        assert!(
            parse(b"<!DOCTYPE a><a/>")
                .unwrap_err()
                .message
                .contains("DTD")
        );
        let e = parse(b"<a><b></a>").unwrap_err();
        assert!(e.offset > 0, "{e:?}");
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "<a>é</a>".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&b).unwrap().1, TextEncoding::Utf16LeBom);
        assert_eq!(parse(&b).unwrap().root.text, "é");
    }

    #[test]
    fn cdata_splits_terminator() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
    }
}
