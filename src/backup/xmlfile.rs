//! The bytes of a backup's XML files (Backup.xml, bkupInfo.xml, manifest.xml,
//! gpreport.xml, Preferences XML): the encodings GPMC writes, decoding into
//! an element tree through [`crate::xml::tree`], and the escaping the writers
//! use. Byte offsets point into the decoded text.

pub(crate) use crate::xml::tree::Element;

/// A document: the decoded text and its root element.
#[derive(Clone, Debug)]
pub(crate) struct Document {
    /// Decoded text (UTF-8).
    pub(crate) text: String,
    /// The root element.
    pub(crate) root: Element,
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
    pub(crate) offset: usize,
    /// What went wrong.
    pub(crate) message: String,
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

/// Parses bytes into a [`Document`] (see [`crate::xml::tree`]: DTDs are refused).
pub(crate) fn parse(bytes: &[u8]) -> Result<Document, SyntaxError> {
    let (text, _) = decode(bytes)?;
    let root = crate::xml::tree::read_tree(&text).map_err(|e| SyntaxError {
        offset: e.offset(),
        message: e.message().to_owned(),
    })?;
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
