//! Span-tracking event reader over decoded text.
//!
//! [`XmlReader`] wraps quick-xml's tokenizer and adds what template reading
//! needs: byte spans for every event, text with references resolved and line
//! ends normalised as XML requires, attribute values normalised the same way,
//! well-formedness checks quick-xml leaves out (one root, no text outside it,
//! no undefined entities, unique attribute names), a nesting limit, and the
//! refusal of document type declarations ("DTD is prohibited", as Windows
//! says), so no entity expansion can happen. Errors are [`ParseError`]s with
//! a position; nothing here panics on bad input.
//!
//! Elements are matched by local name by the callers; prefixes are kept as
//! written in [`Tag::name`].

use std::borrow::Cow;

use quick_xml::events::Event as QEvent;

use crate::model::{RawAttribute, RawElement, RawNode};
use crate::span::{LineCol, LineIndex, Span};

/// Deepest element nesting accepted (real templates nest about 10 deep).
pub const MAX_DEPTH: usize = 256;

/// A malformed document: where and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}: {message}", line_col.line, line_col.column)]
pub struct ParseError {
    span: Span,
    line_col: LineCol,
    message: String,
}

impl ParseError {
    /// An error at `span` of `text` (line:column is computed now, once).
    pub fn in_text(text: &str, span: Span, message: impl Into<String>) -> ParseError {
        let line_col = LineIndex::new(text).line_col(text, span.start());
        ParseError {
            span,
            line_col,
            message: message.into(),
        }
    }

    /// Byte span in the decoded text (for encoding errors: the offset where
    /// the decodable prefix ends).
    pub fn span(&self) -> Span {
        self.span
    }

    /// Byte offset where the problem starts.
    pub fn offset(&self) -> usize {
        self.span.start()
    }

    /// 1-based line and column (in characters) of [`ParseError::offset`].
    pub fn line_col(&self) -> LineCol {
        self.line_col
    }

    /// The message (lowercase, no position).
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// One event with its span.
#[derive(Debug)]
pub enum Event<'a> {
    /// A start tag or an empty-element tag.
    Start(Tag<'a>),
    /// An end tag (its span).
    End(Span),
    /// Character data between markup (decoded on demand with [`Text::value`]).
    Text(Text<'a>),
    /// `<![CDATA[..]]>` content (line ends normalised).
    CData(Cow<'a, str>, Span),
    /// `<!--..-->` content.
    Comment(&'a str, Span),
    /// `<?..?>` content (other than the XML declaration).
    Pi(&'a str, Span),
    /// The XML declaration (only ever at offset 0).
    Decl(Span),
    /// End of input (only after the root element closed).
    Eof,
}

/// A run of character data and references, as written.
#[derive(Clone, Copy, Debug)]
pub struct Text<'a> {
    /// The text as written (references not resolved, line ends as in the file).
    pub raw: &'a str,
    /// Its span.
    pub span: Span,
    doc: &'a str,
}

impl<'a> Text<'a> {
    /// `true` when the text is only XML whitespace (nothing to decode).
    pub fn is_blank(&self) -> bool {
        self.raw.bytes().all(is_ws)
    }

    /// The character data: references resolved, CR LF and lone CR turned into LF.
    pub fn value(&self) -> Result<Cow<'a, str>, ParseError> {
        unescape(self.doc, self.raw, self.span.start(), false)
    }
}

/// A start tag (`<a ...>` or `<a .../>`).
#[derive(Clone, Copy, Debug)]
pub struct Tag<'a> {
    /// Span of the tag itself (for the whole element see the caller's node).
    pub span: Span,
    /// `true` for `<a/>`.
    pub empty: bool,
    // Kept small (it is moved through every event): the name, where its
    // local part starts, and where the attributes end (they start right
    // after the name).
    name: &'a str,
    local_at: u32,
    attrs_end: u32,
    text: &'a str,
}

impl<'a> Tag<'a> {
    /// Qualified name as written (`policy`, `pd:policy`).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Local name (after the last `:`).
    pub fn local_name(&self) -> &'a str {
        self.name.get(self.local_at as usize..).unwrap_or("")
    }

    /// The attributes in order: (qualified name, normalised value).
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes {
            scan: Scanner::new(
                self.text,
                self.span.start() + 1 + self.name.len(),
                self.attrs_end as usize,
            ),
            seen: [""; SEEN],
            count: 0,
        }
    }

    /// All attributes as owned [`RawAttribute`]s.
    pub fn raw_attributes(&self) -> Result<Vec<RawAttribute>, ParseError> {
        let mut out = Vec::new();
        for a in self.attributes() {
            let (name, value) = a?;
            out.push(RawAttribute {
                name: name.to_owned(),
                value: value.into_owned(),
            });
        }
        Ok(out)
    }
}

/// Local part of a qualified name.
pub fn local(name: &str) -> &str {
    match memchr::memrchr(b':', name.as_bytes()) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

const SEEN: usize = 12;

/// Iterator over a tag's attributes; see [`Tag::attributes`].
#[derive(Debug)]
pub struct Attributes<'a> {
    scan: Scanner<'a>,
    seen: [&'a str; SEEN],
    count: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<(&'a str, Cow<'a, str>), ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let a = match self.scan.next()? {
            Ok(a) => a,
            Err(e) => return Some(Err(e)),
        };
        let text = self.scan.text;
        let dup = if self.count < SEEN {
            self.seen[..self.count].contains(&a.name)
        } else {
            // Rare: many attributes; rescan the ones before.
            Scanner::new(text, self.scan.start, a.name_at)
                .filter_map(Result::ok)
                .any(|b| b.name == a.name)
        };
        if dup {
            return Some(Err(ParseError::in_text(
                text,
                Span::new(a.name_at, a.name_at + a.name.len()),
                format!(
                    "expected each attribute once, found duplicate attribute {}",
                    a.name
                ),
            )));
        }
        if self.count < SEEN {
            self.seen[self.count] = a.name;
        }
        self.count += 1;
        if a.plain {
            return Some(Ok((a.name, Cow::Borrowed(a.raw))));
        }
        Some(attr_value(text, a.raw, a.value_at).map(|v| (a.name, v)))
    }
}

/// One attribute found by the scanner.
#[derive(Clone, Copy, Debug)]
struct RawAttr<'a> {
    name: &'a str,
    name_at: usize,
    raw: &'a str,
    value_at: usize,
    /// No reference or whitespace to normalise: the value is `raw`.
    plain: bool,
}

/// Scans `name="value"` pairs in `text[pos..end]`.
#[derive(Clone, Debug)]
struct Scanner<'a> {
    text: &'a str,
    start: usize,
    pos: usize,
    end: usize,
    failed: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// XML whitespace (space, tab, CR, LF): not Unicode whitespace such as U+00A0.
pub fn is_xml_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// `s` without leading and trailing XML whitespace.
pub fn trim_xml_ws(s: &str) -> &str {
    s.trim_matches(is_xml_ws)
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, pos: usize, end: usize) -> Scanner<'a> {
        Scanner {
            text,
            start: pos,
            pos,
            end,
            failed: false,
        }
    }

    fn err(&mut self, at: usize, msg: String) -> Option<Result<RawAttr<'a>, ParseError>> {
        self.failed = true;
        Some(Err(ParseError::in_text(
            self.text,
            Span::new(at, at + 1),
            msg,
        )))
    }
}

impl<'a> Iterator for Scanner<'a> {
    type Item = Result<RawAttr<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let b = self.text.as_bytes();
        let before = self.pos;
        while self.pos < self.end && is_ws(b[self.pos]) {
            self.pos += 1;
        }
        if self.pos >= self.end || b[self.pos] == b'>' || b[self.pos] == b'/' {
            return None;
        }
        if self.pos == before && before != self.start {
            return self.err(self.pos, "expected whitespace between attributes".into());
        }
        let name_at = self.pos;
        while self.pos < self.end && !NOT_IN_NAME[b[self.pos] as usize] {
            self.pos += 1;
        }
        let name = &self.text[name_at..self.pos];
        if name.is_empty() || !name_start_ok(name) {
            return self.err(
                name_at,
                format!(
                    "expected an attribute name, found {:?}",
                    first_char(&self.text[name_at..])
                ),
            );
        }
        while self.pos < self.end && is_ws(b[self.pos]) {
            self.pos += 1;
        }
        if self.pos >= self.end || b[self.pos] != b'=' {
            return self.err(
                name_at,
                format!("attribute {name} has no value (expected `=`)"),
            );
        }
        self.pos += 1;
        while self.pos < self.end && is_ws(b[self.pos]) {
            self.pos += 1;
        }
        let q = if self.pos < self.end { b[self.pos] } else { 0 };
        if q != b'"' && q != b'\'' {
            return self.err(
                self.pos.min(self.end),
                format!("expected a quoted value for attribute {name}"),
            );
        }
        let value_at = self.pos + 1;
        // One pass over the (short) value: the closing quote, any `<`, and
        // whether something needs decoding.
        let quote_class = if q == b'"' { 1 } else { 2 };
        let mut i = skip_plain(b, value_at, self.end, q);
        let mut plain = true;
        loop {
            if i >= self.end {
                return self.err(self.pos, format!("value of attribute {name} is not closed"));
            }
            match VALUE_CLASS[b[i] as usize] {
                0 => {}
                3 => {
                    return self.err(
                        i,
                        format!("`<` is not allowed in the value of attribute {name}"),
                    );
                }
                4 => plain = false,
                c if c == quote_class => break,
                _ => {}
            }
            i += 1;
        }
        let raw = &self.text[value_at..i];
        self.pos = i + 1;
        Some(Ok(RawAttr {
            name,
            name_at,
            raw,
            value_at,
            plain,
        }))
    }
}

fn first_char(s: &str) -> String {
    s.chars()
        .next()
        .map_or_else(|| "end of tag".to_owned(), |c| c.to_string())
}

/// Bytes that cannot occur in an XML name (markup punctuation, controls).
const NOT_IN_NAME: [bool; 256] = {
    let mut t = [false; 256];
    let bad = b"<>&\"'=/;!?()[]{},*+#$%@^`|~\\ \t\r\n";
    let mut i = 0;
    while i < bad.len() {
        t[bad[i] as usize] = true;
        i += 1;
    }
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t
};

/// Classes of bytes in attribute values: 0 plain, 1 `"`, 2 `'`, 3 `<`,
/// 4 needs decoding (`&`, tab, LF, CR).
const VALUE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = 1;
    t[b'\'' as usize] = 2;
    t[b'<' as usize] = 3;
    t[b'&' as usize] = 4;
    t[b'\t' as usize] = 4;
    t[b'\n' as usize] = 4;
    t[b'\r' as usize] = 4;
    t
};

/// Skips 8 bytes at a time while none of them is the quote `q`, `<`, `&`
/// or a control character (tab, LF, CR, ...); returns where the byte-wise
/// scan must go on.
fn skip_plain(b: &[u8], mut i: usize, end: usize, q: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let (quote, lt, amp) = (
        LO * u64::from(q),
        LO * u64::from(b'<'),
        LO * u64::from(b'&'),
    );
    while i + 8 <= end {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(w);
        let hit =
            zero(w ^ quote) | zero(w ^ lt) | zero(w ^ amp) | (w.wrapping_sub(LO * 0x20) & !w & HI);
        if hit != 0 {
            break;
        }
        i += 8;
    }
    i
}

/// A name may not start with a digit, `-` or `.`.
fn name_start_ok(name: &str) -> bool {
    let first = name.as_bytes()[0];
    !first.is_ascii_digit() && first != b'-' && first != b'.'
}

/// A light check of XML name characters (no markup punctuation, not empty,
/// not starting with a digit, `-` or `.`) that also finds where the local
/// part starts (after the last `:`), in one pass. `None` for a bad name.
fn name_check(name: &str) -> Option<usize> {
    let b = name.as_bytes();
    let first = *b.first()?;
    if first.is_ascii_digit() || first == b'-' || first == b'.' {
        return None;
    }
    let mut local_at = 0;
    for (i, &c) in b.iter().enumerate() {
        if NOT_IN_NAME[c as usize] {
            return None;
        }
        if c == b':' {
            local_at = i + 1;
        }
    }
    Some(local_at)
}

/// Whether a code point is an XML 1.0 `Char`.
fn xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Resolves the reference `&name;` (name without `&` and `;`).
fn resolve_ref(name: &str) -> Result<char, String> {
    Ok(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x") {
                u32::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| !hex.is_empty() && !hex.starts_with('+'))
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok().filter(|_| !dec.starts_with('+'))
            } else {
                return Err(format!(
                    "expected one of the five XML entities or a character reference, found undefined entity &{name};"
                ));
            };
            match code.filter(|c| xml_char(*c)).and_then(char::from_u32) {
                Some(c) => c,
                None => {
                    return Err(format!(
                        "character reference &{name}; is not a legal XML character"
                    ));
                }
            }
        }
    })
}

/// Decodes `raw` (at `at` in `text`): references resolved; with `attr`,
/// whitespace characters become spaces (attribute-value normalisation),
/// otherwise CR LF and lone CR become LF. Borrowed when nothing changes.
fn unescape<'a>(
    text: &str,
    raw: &'a str,
    at: usize,
    attr: bool,
) -> Result<Cow<'a, str>, ParseError> {
    let b = raw.as_bytes();
    let next_special = |from: usize| -> Option<usize> {
        if attr {
            b[from..]
                .iter()
                .position(|&c| matches!(c, b'&' | b'\t' | b'\n' | b'\r'))
                .map(|p| from + p)
        } else {
            memchr::memchr2(b'&', b'\r', &b[from..]).map(|p| from + p)
        }
    };
    let Some(mut i) = next_special(0) else {
        return Ok(Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    let mut run = 0;
    loop {
        out.push_str(&raw[run..i]);
        match b[i] {
            b'&' => {
                let Some(semi) = memchr::memchr(b';', &b[i + 1..]) else {
                    return Err(ParseError::in_text(
                        text,
                        Span::new(at + i, at + i + 1),
                        "`&` does not start a reference (write &amp;)",
                    ));
                };
                let name = &raw[i + 1..i + 1 + semi];
                match resolve_ref(name) {
                    Ok(ch) => out.push(ch),
                    Err(m) => {
                        return Err(ParseError::in_text(
                            text,
                            Span::new(at + i, at + i + semi + 2),
                            m,
                        ));
                    }
                }
                i += semi + 2;
            }
            b'\r' => {
                out.push(if attr { ' ' } else { '\n' });
                i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            }
            _ => {
                out.push(' ');
                i += 1;
            }
        }
        run = i;
        match next_special(i) {
            Some(n) => i = n,
            None => break,
        }
    }
    out.push_str(&raw[run..]);
    Ok(Cow::Owned(out))
}

fn attr_value<'a>(text: &str, raw: &'a str, at: usize) -> Result<Cow<'a, str>, ParseError> {
    unescape(text, raw, at, true)
}

/// Span of the value (inside the quotes) of attribute `attr_name` (qualified
/// name, exact) of the start tag that begins at `element_span.start`, found
/// by re-scanning the tag. `None` when the attribute is absent or the span
/// does not point at a start tag.
pub fn attr_span(text: &str, element_span: Span, attr_name: &str) -> Option<Span> {
    let start = element_span.start();
    let rest = text.get(start..)?;
    if !rest.starts_with('<') {
        return None;
    }
    let b = text.as_bytes();
    let mut pos = start + 1;
    while pos < b.len() && !is_ws(b[pos]) && b[pos] != b'>' && b[pos] != b'/' {
        pos += 1;
    }
    // The scanner stops at `>` or `/`, which cannot occur unquoted inside a tag.
    let scan = Scanner::new(text, pos, text.len());
    for a in scan {
        let a = a.ok()?;
        if a.name == attr_name {
            return Some(Span::new(a.value_at, a.value_at + a.raw.len()));
        }
    }
    None
}

/// The event reader; see the module documentation.
pub struct XmlReader<'a> {
    r: quick_xml::Reader<&'a [u8]>,
    /// Offset of quick-xml's input in `text` (past a leading BOM).
    base: usize,
    text: &'a str,
    pending: Option<(QEvent<'a>, Span)>,
    /// Start offsets of the open elements.
    open: Vec<u32>,
    root_seen: bool,
    done: bool,
    /// Sees every event and error [`XmlReader::next_event`] returns.
    observer: Option<&'a mut dyn EventObserver>,
}

/// A consumer that watches the event stream of an [`XmlReader`] read by
/// someone else (e.g. a checker riding along a model reader: one pass).
pub trait EventObserver {
    /// An event [`XmlReader::next_event`] is returning (`text`: the whole text).
    fn on_event(&mut self, text: &str, event: &Event<'_>);
    /// The error [`XmlReader::next_event`] is returning.
    fn on_error(&mut self, text: &str, error: &ParseError);
}

impl<'a> XmlReader<'a> {
    /// This reader with `observer` watching its events from now on.
    pub fn with_observer(mut self, observer: &'a mut dyn EventObserver) -> XmlReader<'a> {
        self.observer = Some(observer);
        self
    }

    /// A reader over decoded text (without BOM).
    pub fn new(text: &'a str) -> XmlReader<'a> {
        // quick-xml skips a leading UTF-8 BOM by itself, which would shift its
        // offsets; give it the text after any leading BOMs (all skipped) and
        // add their length back.
        let base = text.len() - text.trim_start_matches('\u{FEFF}').len();
        let mut r = quick_xml::Reader::from_str(&text[base..]);
        let c = r.config_mut();
        c.trim_text(false);
        c.expand_empty_elements = false;
        c.check_end_names = true;
        c.allow_dangling_amp = false;
        c.allow_unmatched_ends = false;
        XmlReader {
            r,
            base,
            text,
            pending: None,
            open: Vec::new(),
            root_seen: false,
            done: false,
            observer: None,
        }
    }

    /// The text being read.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Current nesting depth (number of open elements).
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// The content of markup at `span` without `open` leading and `close`
    /// trailing delimiter bytes (empty if the markup is shorter than that).
    fn inner(&self, span: Span, open: usize, close: usize) -> &'a str {
        let (a, b) = (span.start() + open, span.end().saturating_sub(close));
        if a <= b {
            self.text.get(a..b).unwrap_or("")
        } else {
            ""
        }
    }

    /// An error at `span` of this text.
    pub fn error(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError::in_text(self.text, span, message)
    }

    fn raw_next(&mut self) -> Result<(QEvent<'a>, Span), ParseError> {
        if let Some(p) = self.pending.take() {
            return Ok(p);
        }
        let before = self.base + self.r.buffer_position() as usize;
        match self.r.read_event() {
            Ok(e) => Ok((
                e,
                Span::new(before, self.base + self.r.buffer_position() as usize),
            )),
            Err(e) => {
                let at = (self.base + self.r.error_position() as usize).min(self.text.len());
                Err(self.error(Span::new(at, at + 1), quick_message(&e)))
            }
        }
    }

    /// The next event. After an error or [`Event::Eof`] the reader keeps
    /// returning `Eof`.
    pub fn next_event(&mut self) -> Result<Event<'a>, ParseError> {
        if self.done {
            return Ok(Event::Eof);
        }
        let r = self.next_inner();
        if r.is_err() {
            self.done = true;
        }
        if let Some(o) = self.observer.as_deref_mut() {
            match &r {
                Ok(ev) => o.on_event(self.text, ev),
                Err(e) => o.on_error(self.text, e),
            }
        }
        r
    }

    fn next_inner(&mut self) -> Result<Event<'a>, ParseError> {
        let (ev, span) = self.raw_next()?;
        let empty = matches!(ev, QEvent::Empty(_));
        match ev {
            QEvent::Start(s) | QEvent::Empty(s) => {
                if self.open.is_empty() {
                    if self.root_seen {
                        return Err(self.error(span, "expected one root element, found a second root element"));
                    }
                    self.root_seen = true;
                }
                let name_len = s.name().as_ref().len();
                let name_at = span.start() + 1;
                let name = self.text.get(name_at..name_at + name_len).unwrap_or("");
                // One pass over the name: its validity and where the local part starts.
                let Some(local_at) = name_check(name) else {
                    return Err(self.error(span, format!("expected an element name after `<`, found {:?}", first_char(&self.text[name_at..]))));
                };
                let attrs_end = span.end().saturating_sub(if empty { 2 } else { 1 }).max(name_at + name_len);
                if !empty {
                    if self.open.len() >= MAX_DEPTH {
                        return Err(self.error(span, format!("elements nested deeper than {MAX_DEPTH} levels")));
                    }
                    self.open.push(span.start);
                }
                Ok(Event::Start(Tag { span, empty, name, local_at: local_at as u32, attrs_end: attrs_end as u32, text: self.text }))
            }
            QEvent::End(_) => {
                self.open.pop();
                Ok(Event::End(span))
            }
            QEvent::Text(_) | QEvent::GeneralRef(_) => {
                // Merge the run of text and references into one event.
                let mut end = span.end;
                loop {
                    let (next, s) = self.raw_next()?;
                    if matches!(next, QEvent::Text(_) | QEvent::GeneralRef(_)) {
                        end = s.end;
                    } else {
                        self.pending = Some((next, s));
                        break;
                    }
                }
                let span = Span { start: span.start, end };
                let raw = self.text.get(span.start()..span.end()).unwrap_or("");
                if self.open.is_empty() && !trim_xml_ws(raw).is_empty() {
                    let at = span.start() + (raw.len() - raw.trim_start_matches(is_xml_ws).len());
                    let what = if self.root_seen { "after" } else { "before" };
                    return Err(self.error(Span::new(at, at + 1), format!("expected only markup {what} the root element, found text")));
                }
                // Check references now, so that a bad one is an error wherever it is.
                if memchr::memchr(b'&', raw.as_bytes()).is_some() {
                    unescape(self.text, raw, span.start(), false)?;
                }
                Ok(Event::Text(Text { raw, span, doc: self.text }))
            }
            QEvent::CData(_) => {
                if self.open.is_empty() {
                    return Err(self.error(span, "CDATA section outside the root element"));
                }
                let raw = self.inner(span, 9, 3);
                let v = if raw.contains('\r') { Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n")) } else { Cow::Borrowed(raw) };
                Ok(Event::CData(v, span))
            }
            QEvent::Comment(_) => Ok(Event::Comment(self.inner(span, 4, 3), span)),
            QEvent::PI(_) => Ok(Event::Pi(self.inner(span, 2, 2), span)),
            QEvent::Decl(_) => {
                if span.start != 0 {
                    return Err(self.error(span, "the XML declaration must be at the very start of the file"));
                }
                Ok(Event::Decl(span))
            }
            QEvent::DocType(_) => Err(self.error(
                span,
                "DTD is prohibited: templates may not contain <!DOCTYPE> (this is often an HTML page saved as a template)",
            )),
            QEvent::Eof => {
                if let Some(&start) = self.open.last() {
                    let name = self.text[start as usize + 1..]
                        .split(|c: char| is_xml_ws(c) || c == '>' || c == '/')
                        .next()
                        .unwrap_or("");
                    let at = self.text.len();
                    return Err(self.error(Span::new(at, at), format!("expected </{name}>, found the end of the file: <{name}> is not closed")));
                }
                if !self.root_seen {
                    let at = self.text.len();
                    return Err(self.error(Span::new(at, at), "expected a root element, found no root element"));
                }
                self.done = true;
                Ok(Event::Eof)
            }
        }
    }

    /// Reads the rest of the element `tag` (just returned by [`XmlReader::next_event`])
    /// as a verbatim tree. Whitespace-only text is not kept; other text is kept
    /// as written (after reference resolution).
    pub fn read_raw_element(&mut self, tag: Tag<'a>) -> Result<RawElement, ParseError> {
        let mut cur = raw_start(&tag)?;
        if tag.empty {
            return Ok(cur);
        }
        let mut stack: Vec<RawElement> = Vec::new();
        loop {
            match self.next_event()? {
                Event::Start(t) => {
                    let el = raw_start(&t)?;
                    if t.empty {
                        cur.children.push(RawNode::Element(el));
                    } else {
                        stack.push(std::mem::replace(&mut cur, el));
                    }
                }
                Event::End(span) => {
                    cur.span.end = span.end;
                    match stack.pop() {
                        None => return Ok(cur),
                        Some(parent) => {
                            let done = std::mem::replace(&mut cur, parent);
                            cur.children.push(RawNode::Element(done));
                        }
                    }
                }
                Event::Text(t) => {
                    if !t.is_blank() {
                        let s = t.value()?;
                        if !trim_xml_ws(&s).is_empty() {
                            cur.children.push(RawNode::Text {
                                text: s.into_owned(),
                            });
                        }
                    }
                }
                Event::CData(s, _) => cur.children.push(RawNode::CData {
                    text: s.into_owned(),
                }),
                Event::Comment(s, _) => cur.children.push(RawNode::Comment { text: s.to_owned() }),
                Event::Pi(s, _) => cur
                    .children
                    .push(RawNode::ProcessingInstruction { text: s.to_owned() }),
                Event::Decl(span) => return Err(self.error(span, "unexpected XML declaration")),
                Event::Eof => {
                    let at = self.text.len();
                    return Err(self.error(Span::new(at, at), "unexpected end of file"));
                }
            }
        }
    }
}

fn raw_start(tag: &Tag<'_>) -> Result<RawElement, ParseError> {
    Ok(RawElement {
        span: tag.span,
        name: tag.name().to_owned(),
        attributes: tag.raw_attributes()?,
        children: Vec::new(),
    })
}

fn quick_message(e: &quick_xml::Error) -> String {
    use quick_xml::errors::IllFormedError as I;
    match e {
        quick_xml::Error::IllFormed(I::MismatchedEndTag { expected, found }) => {
            format!("expected </{expected}>, found </{found}>")
        }
        quick_xml::Error::IllFormed(I::UnmatchedEndTag(n)) => {
            format!("expected a start tag before </{n}>, found an end tag without one")
        }
        quick_xml::Error::IllFormed(I::MissingEndTag(n)) => {
            format!("expected </{n}>, found the end of the file: <{n}> is not closed")
        }
        quick_xml::Error::IllFormed(I::UnclosedReference) => {
            "`&` does not start a reference (write &amp;)".to_owned()
        }
        other => {
            let s = other.to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => format!("malformed XML: {}{}", f.to_lowercase(), c.as_str()),
                None => "malformed XML".to_owned(),
            }
        }
    }
}

/// A whole document read verbatim: the root and what lies outside it.
#[derive(Clone, Debug, Default)]
pub struct RawDocument {
    /// The root element.
    pub root: RawElement,
    /// Comments and processing instructions before and after the root, in order.
    pub outside_root: Vec<RawNode>,
}

/// Reads any XML text into a verbatim tree (for files without a typed model).
pub fn read_document(text: &str) -> Result<RawDocument, ParseError> {
    let mut x = XmlReader::new(text);
    let mut doc = RawDocument::default();
    loop {
        match x.next_event()? {
            Event::Start(t) => doc.root = x.read_raw_element(t)?,
            Event::Comment(s, _) => doc
                .outside_root
                .push(RawNode::Comment { text: s.to_owned() }),
            Event::Pi(s, _) => doc
                .outside_root
                .push(RawNode::ProcessingInstruction { text: s.to_owned() }),
            Event::Text(..) | Event::Decl(_) => {}
            Event::End(span) | Event::CData(_, span) => {
                return Err(x.error(span, "expected only comments or processing instructions outside the root element, found other markup"));
            }
            Event::Eof => return Ok(doc),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_text_and_refs() {
        let text = "<a x='1 &amp;\r\n2'>t&lt;u\r\nv<b/><!--c--></a>";
        let mut r = XmlReader::new(text);
        let Event::Start(a) = r.next_event().unwrap() else {
            panic!()
        };
        assert_eq!(&text[a.span.start()..a.span.end()], "<a x='1 &amp;\r\n2'>");
        let attrs: Vec<_> = a.attributes().map(Result::unwrap).collect();
        assert_eq!(attrs, vec![("x", Cow::Borrowed("1 & 2"))]);
        let Event::Text(t) = r.next_event().unwrap() else {
            panic!()
        };
        assert_eq!(t.value().unwrap(), "t<u\nv");
        assert_eq!(&text[t.span.start()..t.span.end()], "t&lt;u\r\nv");
        assert!(matches!(
            r.next_event().unwrap(),
            Event::Start(Tag { empty: true, .. })
        ));
        assert!(matches!(r.next_event().unwrap(), Event::Comment("c", _)));
        assert!(matches!(r.next_event().unwrap(), Event::End(_)));
        assert!(matches!(r.next_event().unwrap(), Event::Eof));
        assert_eq!(
            attr_span(text, a.span, "x").map(|s| &text[s.start()..s.end()]),
            Some("1 &amp;\r\n2")
        );
        assert_eq!(attr_span(text, a.span, "y"), None);
    }

    #[test]
    fn refuses_bad_documents() {
        let cases = [
            ("<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", "DTD is prohibited"),
            ("<a>&x;</a>", "undefined entity"),
            ("<a b='1' b='2'/>", "duplicate attribute"),
            ("<a/><b/>", "second root"),
            ("<a>", "not closed"),
            ("<a></b>", "expected </a>"),
            ("x<a/>", "before the root element, found text"),
            ("", "no root"),
            ("<a>&#0;</a>", "not a legal"),
            ("<a b='<'/>", "not allowed"),
        ];
        for (text, want) in cases {
            let mut r = XmlReader::new(text);
            let err = loop {
                match r.next_event() {
                    Ok(Event::Eof) => panic!("{text:?} was accepted"),
                    Ok(Event::Start(t)) => {
                        if let Err(e) = t.raw_attributes() {
                            break e;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => break e,
                }
            };
            assert!(err.message().contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn long_attribute_values_decode_wherever_the_special_byte_is() {
        for at in 0..20 {
            let pad = "x".repeat(at);
            let text = format!("<a v='{pad}&amp;{pad}\t{pad}' w=\"{pad}'{pad}\" z='{pad}é{pad}'/>");
            let mut r = XmlReader::new(&text);
            let Event::Start(t) = r.next_event().unwrap() else {
                panic!()
            };
            let attrs: Vec<_> = t.attributes().map(Result::unwrap).collect();
            assert_eq!(attrs[0].1, format!("{pad}&{pad} {pad}"));
            assert_eq!(attrs[1].1, format!("{pad}'{pad}"));
            assert_eq!(attrs[2].1, format!("{pad}é{pad}"));
            let bad = format!("<a v='{pad}<{pad}'/>");
            let mut r = XmlReader::new(&bad);
            let Event::Start(t) = r.next_event().unwrap() else {
                panic!()
            };
            assert!(t.attributes().next().unwrap().is_err());
        }
    }

    #[test]
    fn leading_bom_in_text_keeps_spans_right() {
        let text = "\u{FEFF}\u{FEFF}\r\n<!-- c --><a x='1'/>";
        let doc = read_document(text).unwrap();
        assert_eq!(
            &text[doc.root.span.start()..doc.root.span.end()],
            "<a x='1'/>"
        );
        assert!(matches!(&doc.outside_root[0], RawNode::Comment { text } if text == " c "));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = "<a>".repeat(MAX_DEPTH + 5);
        assert!(
            read_document(&text)
                .unwrap_err()
                .message()
                .contains("nested deeper")
        );
    }
}
