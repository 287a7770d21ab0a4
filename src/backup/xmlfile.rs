//! The bytes of a backup's XML files (Backup.xml, bkupInfo.xml, manifest.xml,
//! gpreport.xml, Preferences XML): decoding into an element tree through
//! [`crate::xml::decode`] and [`crate::xml::tree`], and the escaping the
//! writers use. Byte offsets point into the decoded text.

pub(crate) use crate::xml::reader::ParseError;
pub(crate) use crate::xml::tree::Element;

/// A document: the decoded text and its root element.
#[derive(Clone, Debug)]
pub(crate) struct Document {
    /// Decoded text (UTF-8).
    pub(crate) text: String,
    /// The root element.
    pub(crate) root: Element,
}

/// Decodes bytes (BOM and first bytes decide, as for templates: see
/// [`crate::xml::decode`]) and reads them into a [`Document`] (see
/// [`crate::xml::tree`]: DTDs are refused).
pub(crate) fn parse(bytes: &[u8]) -> Result<Document, ParseError> {
    let text = crate::xml::decode::decode(bytes)?.text;
    let root = crate::xml::tree::read_tree(&text)?;
    Ok(Document { text, root })
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
    fn refuses_dtd_and_reports_offsets() {
        assert!(
            parse(b"<!DOCTYPE a><a/>")
                .unwrap_err()
                .message()
                .contains("DTD")
        );
        let e = parse(b"<a><b></a>").unwrap_err();
        assert!(e.offset() > 0, "{e:?}");
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "<a>é</a>".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(parse(&b).unwrap().root.text, "é");
    }

    #[test]
    fn cdata_splits_terminator() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
    }
}
