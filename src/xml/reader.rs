//! Span-tracking event reader over decoded text.
//!
//! [`XmlReader`] is a hand-written tokenizer over the decoded `&str` that
//! gives what template reading needs: byte spans for every event, text with
//! references resolved and line ends normalised as XML requires, attribute
//! values normalised the same way, the well-formedness checks (one root, no
//! text outside it, matching end tags, no undefined entities or illegal
//! character references, unique attribute names), a nesting limit, and the
//! refusal of document type declarations ("DTD is prohibited", as Windows
//! says), so no entity expansion can happen. Errors are [`ParseError`]s with
//! a position; nothing here panics on bad input.
//!
//! Like MSXML and quick-xml before it, the reader accepts `--` inside a
//! comment (only `-->` ends one) and does not check the content of
//! processing instructions or of the XML declaration.
//!
//! Elements are matched by local name by the callers; prefixes are kept as
//! written in [`Tag::name`].

use std::borrow::Cow;
use std::cell::Cell;

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
    /// Only XML whitespace (found while scanning).
    blank: bool,
}

impl<'a> Text<'a> {
    /// `true` when the text is only XML whitespace (nothing to decode).
    pub fn is_blank(&self) -> bool {
        self.blank
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
    /// The tokenizer found the attributes well-formed and their values
    /// plain (no reference or whitespace to normalise).
    clean: bool,
    text: &'a str,
    /// Where the tokenizer noted the attributes of the last clean tag (see
    /// [`AttrMarks`]), if the reader keeps such notes.
    marks: Option<&'a AttrMarks<'a>>,
}

impl<'a> Tag<'a> {
    /// Qualified name as written (`policy`, `pd:policy`).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Local name (after the last `:`).
    pub fn local_name(&self) -> &'a str {
        // (Mostly no prefix: the name as it is.)
        if self.local_at == 0 {
            return self.name;
        }
        self.name.get(self.local_at as usize..).unwrap_or("")
    }

    /// The attributes in order: (qualified name, normalised value).
    pub fn attributes(&self) -> Attributes<'a> {
        let mut scan = Scanner::new(
            self.text,
            self.span.start() + 1 + self.name.len(),
            self.attrs_end as usize,
        );
        scan.trusted = self.clean;
        Attributes {
            scan,
            seen: [0; SEEN],
            count: 0,
        }
    }

    /// For a tag whose attributes the tokenizer found well-formed with
    /// plain values: those attributes as written, `(name, where the name
    /// starts, value)`, in order, *without* the duplicate check of
    /// [`Tag::attributes`] (the caller makes it, see [`duplicate`]).
    /// `None` for any other tag.
    pub(crate) fn plain_attributes(&self) -> Option<PlainAttributes<'a>> {
        if !self.clean {
            return None;
        }
        let mut scan = Scanner::new(
            self.text,
            self.span.start() + 1 + self.name.len(),
            self.attrs_end as usize,
        );
        scan.trusted = true;
        // The tokenizer's notes, while they are this tag's.
        let (marks, count) = match self.marks {
            Some(m) if m.tag.get() == self.span.start + 1 => (Some(m), m.count.get()),
            _ => (None, 0),
        };
        Some(PlainAttributes {
            scan,
            marks,
            key: self.span.start + 1,
            next: 0,
            count,
            all: marks.is_some() && count < MARKS,
        })
    }

    /// The whole text the tag is in (what [`duplicate`] takes).
    pub(crate) fn doc_text(&self) -> &'a str {
        self.text
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
    /// [`name_words`] of the names so far, folded (equal names, equal
    /// values; a match is confirmed by comparing the names).
    seen: [u64; SEEN],
    count: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<(&'a str, Cow<'a, str>), ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        // The trusted scan inline, on its own path: no `Option<Result<..>>`
        // or attribute built in memory and read back.
        if self.scan.trusted {
            let a = self.scan.next_trusted()?;
            if let Err(e) = self.note(a.name, a.name_at) {
                return Some(Err(e));
            }
            return Some(Ok((a.name, Cow::Borrowed(a.raw))));
        }
        let a = match self.scan.next_checked()? {
            Ok(a) => a,
            Err(e) => return Some(Err(e)),
        };
        if let Err(e) = self.note(a.name, a.name_at) {
            return Some(Err(e));
        }
        if a.plain {
            return Some(Ok((a.name, Cow::Borrowed(a.raw))));
        }
        Some(attr_value(self.scan.text, a.raw, a.value_at).map(|v| (a.name, v)))
    }
}

impl<'a> Attributes<'a> {
    /// Records the attribute `name` (at `name_at`); an error if the tag had it before.
    #[inline(always)]
    fn note(&mut self, name: &'a str, name_at: usize) -> Result<(), ParseError> {
        let (head, tail) = name_words(name);
        let print = head ^ tail.rotate_left(32) ^ (name.len() as u64).wrapping_mul(FOLD);
        let dup = if self.count < SEEN {
            self.seen[..self.count].contains(&print) && self.seen_before(name, name_at)
        } else {
            // Rare: many attributes; rescan the ones before.
            Scanner::new(self.scan.text, self.scan.start, name_at)
                .filter_map(Result::ok)
                .any(|b| b.name == name)
        };
        if dup {
            return Err(duplicate(self.scan.text, name, name_at));
        }
        if self.count < SEEN {
            self.seen[self.count] = print;
        }
        self.count += 1;
        Ok(())
    }

    /// The tag has the attribute `name` before `name_at`.
    #[cold]
    #[inline(never)]
    fn seen_before(&self, name: &str, name_at: usize) -> bool {
        Scanner::new(self.scan.text, self.scan.start, name_at)
            .filter_map(Result::ok)
            .any(|b| b.name == name)
    }
}

/// Mixes the length into a fingerprint.
const FOLD: u64 = 0x9E37_79B9_7F4A_7C15;

/// A name as two words for comparisons without a call: the first 8 bytes
/// (or, for shorter names, the first and last 4, 2 or 1 bytes, together),
/// and the last 8 bytes when there are more than 8 (else 0). With the
/// length, they are the whole name when it has at most 16 bytes.
#[inline(always)]
pub(crate) fn name_words(s: &str) -> (u64, u64) {
    let b = s.as_bytes();
    let n = b.len();
    let w8 = |i: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(a)
    };
    let w4 = |i: usize| {
        let mut a = [0u8; 4];
        a.copy_from_slice(&b[i..i + 4]);
        u64::from(u32::from_le_bytes(a))
    };
    let w2 = |i: usize| u64::from(u16::from_le_bytes([b[i], b[i + 1]]));
    if n > 8 {
        (w8(0), w8(n - 8))
    } else if n == 8 {
        (w8(0), 0)
    } else if n >= 4 {
        (w4(0) | (w4(n - 4) << 32), 0)
    } else if n >= 2 {
        (w2(0) | (w2(n - 2) << 16), 0)
    } else if n == 1 {
        (u64::from(b[0]), 0)
    } else {
        (0, 0)
    }
}

/// Iterator over the attributes of a clean tag; see [`Tag::plain_attributes`].
#[derive(Debug)]
pub(crate) struct PlainAttributes<'a> {
    scan: Scanner<'a>,
    /// The tokenizer's notes on this tag's attributes (read while they are
    /// still this tag's: `key`), for the first `count` of them.
    marks: Option<&'a AttrMarks<'a>>,
    key: u32,
    next: usize,
    count: usize,
    /// The notes hold all of the tag's attributes (none after the last).
    all: bool,
}

impl<'a> Iterator for PlainAttributes<'a> {
    type Item = (&'a str, usize, &'a str);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.next < self.count {
            if let Some(m) = self.marks.filter(|m| m.tag.get() == self.key) {
                let (name, name_at, raw, value_end) = m.at[self.next].get();
                self.next += 1;
                // The scan goes on from here if the notes run out.
                self.scan.pos = value_end as usize + 1;
                return Some((name, name_at as usize, raw));
            }
            // The notes went to a later tag: scan the rest.
            self.count = 0;
            self.all = false;
        } else if self.all {
            return None;
        }
        let a = self.scan.next_trusted()?;
        Some((a.name, a.name_at, a.raw))
    }
}

/// How many attributes of a tag [`AttrMarks`] notes (later ones are scanned).
const MARKS: usize = 12;

/// Where the attributes of the last clean start tag are, noted by the
/// tokenizer while it checked them, so that the readers of the tag's
/// attributes (a model reader, a checker riding along) need not find them
/// again. Owned by whoever runs the reader ([`XmlReader::with_marks`]).
#[derive(Debug, Default)]
pub(crate) struct AttrMarks<'a> {
    /// The start of the tag the notes are for, plus one (0: none).
    tag: Cell<u32>,
    /// How many attributes are noted (at most [`MARKS`]).
    count: Cell<usize>,
    /// Each one's name, where it starts, value (as written) and where the
    /// value's closing quote is (sliced once here, not by each reader).
    at: [Cell<(&'a str, u32, &'a str, u32)>; MARKS],
}

/// The error [`Tag::attributes`] gives for the attribute `name` at
/// `name_at` of `text` when the tag had it before.
#[cold]
#[inline(never)]
pub(crate) fn duplicate(text: &str, name: &str, name_at: usize) -> ParseError {
    ParseError::in_text(
        text,
        Span::new(name_at, name_at + name.len()),
        format!("expected each attribute once, found duplicate attribute {name}"),
    )
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
    /// Known well-formed with plain values: no checks needed.
    trusted: bool,
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
            trusted: false,
        }
    }

    /// The next attribute of a tag the tokenizer found well-formed, with
    /// plain values.
    #[inline(always)]
    fn next_trusted(&mut self) -> Option<RawAttr<'a>> {
        let b = self.text.as_bytes();
        while self.pos < self.end && is_ws(b[self.pos]) {
            self.pos += 1;
        }
        if self.pos >= self.end || b[self.pos] == b'>' || b[self.pos] == b'/' {
            return None;
        }
        let name_at = self.pos;
        let eq = find_byte(&b[..self.end], name_at, b'=');
        let mut name_end = eq;
        while name_end > name_at && is_ws(b[name_end - 1]) {
            name_end -= 1;
        }
        let name = self.text.get(name_at..name_end)?;
        self.pos = eq + 1;
        while self.pos < self.end && is_ws(b[self.pos]) {
            self.pos += 1;
        }
        let q = *b.get(self.pos)?;
        let value_at = self.pos + 1;
        let close = find_byte(&b[..self.end], value_at, q);
        self.pos = close + 1;
        Some(RawAttr {
            name,
            name_at,
            raw: self.text.get(value_at..close)?,
            value_at,
            plain: true,
        })
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
        if self.trusted {
            return self.next_trusted().map(Ok);
        }
        self.next_checked()
    }
}

impl<'a> Scanner<'a> {
    /// The next attribute, with every check.
    #[inline(never)]
    fn next_checked(&mut self) -> Option<Result<RawAttr<'a>, ParseError>> {
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

/// Bytes that stop the search for the end of a tag: `>` and the quotes.
const TAG_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b'>' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
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
#[inline]
fn skip_plain(b: &[u8], mut i: usize, end: usize, q: u8) -> usize {
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

/// The usual attributes of a start tag, from `i` (whitespace after the
/// name) to its `>` (returned; of `/>`, the `>`), in one pass: each
/// attribute after whitespace, a valid name, `=` (whitespace around it
/// allowed), a quoted value without `<` and with nothing to normalise.
/// `None` for anything else (the tag is then scanned the general way and
/// its attributes checked when read).
fn clean_attributes<'a>(
    text: &'a str,
    mut i: usize,
    marks: Option<&AttrMarks<'a>>,
) -> Option<usize> {
    let b = text.as_bytes();
    let mut count = 0;
    // (Running off the end of the text is `None`.)
    // (Mostly no or one byte to skip: a plain loop, no search set up.)
    let skip_ws = |mut i: usize| -> Option<usize> {
        while is_ws(*b.get(i)?) {
            i += 1;
        }
        Some(i)
    };
    loop {
        let ws_at = i;
        i = skip_ws(i)?;
        match b[i] {
            b'>' => {
                if let Some(m) = marks {
                    m.count.set(count);
                }
                return Some(i);
            }
            b'/' => {
                if let Some(m) = marks {
                    m.count.set(count);
                }
                return (b.get(i + 1) == Some(&b'>')).then_some(i + 1);
            }
            _ if i == ws_at => return None,
            c if c.is_ascii_digit() || c == b'-' || c == b'.' => return None,
            _ => {}
        }
        let name_at = i;
        i = skip_letters(b, i);
        while !NOT_IN_NAME[*b.get(i)? as usize] {
            i += 1;
        }
        if i == name_at {
            return None;
        }
        let name_end = i;
        // (Mostly no whitespace around `=`: looked for only when needed.)
        if b[i] != b'=' {
            i = skip_ws(i)?;
            if b[i] != b'=' {
                return None;
            }
        }
        i += 1;
        let mut q = *b.get(i)?;
        if q != b'"' && q != b'\'' {
            i = skip_ws(i)?;
            q = b[i];
            if q != b'"' && q != b'\'' {
                return None;
            }
        }
        let value_at = i + 1;
        i = plain_value_end(b, value_at, q)?;
        if let Some(m) = marks.filter(|_| count < MARKS) {
            // (Every end is at an ASCII byte: the slices cannot fail.)
            let name = text.get(name_at..name_end)?;
            let value = text.get(value_at..i)?;
            m.at[count].set((name, name_at as u32, value, i as u32));
            count += 1;
        }
        i += 1;
    }
}

/// Byte lanes of a 64-bit word, for the scans that take 8 bytes at a time:
/// the low bit of each byte, the high bit of each byte, and the low seven
/// bits of each byte.
const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The first byte at or after `i` that is not an ASCII letter, or a place
/// before it (the end of the last whole word of letters); 8 bytes at a time.
#[inline(always)]
fn skip_letters(b: &[u8], mut i: usize) -> usize {
    // The high bit of each byte whose low seven bits are at least `k` (exact:
    // no carry crosses bytes).
    let ge = |x: u64, k: u8| ((x & LOW7) + LO * u64::from(0x80 - k)) & HI;
    while let Some(w) = b.get(i..i + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let w = u64::from_le_bytes(a);
        // Letters in lower case; any byte with the high bit set is no letter.
        let y = w | (LO * 0x20);
        let letter = ge(y, b'a') & !ge(y, b'z' + 1) & !w;
        let other = !letter & HI;
        if other != 0 {
            return i + (other.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// The closing quote `q` of a value starting at `i`, if the value has no
/// `<`, `&` or control character (tab, LF, CR, ...) before it; 8 bytes at
/// a time.
fn plain_value_end(b: &[u8], mut i: usize, q: u8) -> Option<usize> {
    let lt = LO * u64::from(b'<');
    // Flags every byte below 0x28 (the quotes, `&`, controls, and also
    // space, `!`, `#`, `$`, `%`) and `<`; the lowest flag is a real one
    // (only bytes above a real hit can be flagged falsely). The flagged
    // byte is then looked at: harmless ones (space, `$`, the other quote,
    // ...) only restart the search after them.
    loop {
        while let Some(w) = b.get(i..i + 8) {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            let w = u64::from_le_bytes(a);
            let x = w ^ lt;
            let hit = (w.wrapping_sub(LO * 0x28) & !w & HI) | (x.wrapping_sub(LO) & !x & HI);
            if hit != 0 {
                i += (hit.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        let c = *b.get(i)?;
        if c == q {
            return Some(i);
        }
        if c == b'<' || c == b'&' || c < 0x20 {
            return None;
        }
        i += 1;
    }
}

/// The first byte at or after `i` in `b` that is not XML whitespace (or
/// `b.len()`).
#[inline(always)]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// [`skip_ws`] for the runs between tags (a line end and an indent): 8
/// bytes at a time, each byte compared exactly with the four whitespace
/// bytes.
#[inline(always)]
fn skip_ws_run(b: &[u8], mut i: usize) -> usize {
    while let Some(w) = b.get(i..i + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let w = u64::from_le_bytes(a);
        // The low seven bits of each byte, once; a byte with the high bit
        // set is no whitespace whatever they are.
        let low = w & LOW7;
        // The high bit of each byte whose low seven bits are not `p` (`p`
        // below 0x80: each sum stays within its byte).
        let ne = |p: u8| (low ^ (LO * u64::from(p))) + LOW7;
        let not_ws = ((ne(b' ') & ne(b'\n') & ne(b'\r') & ne(b'\t')) | w) & HI;
        if not_ws != 0 {
            return i + (not_ws.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    skip_ws(b, i)
}

/// The first `q` at or after `i` in `b` (or `b.len()`), 8 bytes at a time.
#[inline(always)]
fn find_byte(b: &[u8], mut i: usize, q: u8) -> usize {
    let pat = LO * u64::from(q);
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let x = u64::from_le_bytes(w) ^ pat;
        let hit = x.wrapping_sub(LO) & !x & HI;
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != q {
        i += 1;
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

/// Checks every reference of the text run `raw` (at `at` in `text`); each
/// `&` is known to have its `;`.
fn check_refs(text: &str, raw: &str, at: usize) -> Result<(), ParseError> {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'&', &b[i..]) {
        let amp = i + k;
        let Some(semi) = memchr::memchr(b';', &b[amp + 1..]) else {
            return Err(ParseError::in_text(
                text,
                Span::new(at + amp, at + amp + 1),
                "`&` does not start a reference (write &amp;)",
            ));
        };
        if let Err(m) = resolve_ref(&raw[amp + 1..amp + 1 + semi]) {
            return Err(ParseError::in_text(
                text,
                Span::new(at + amp, at + amp + semi + 2),
                m,
            ));
        }
        i = amp + semi + 2;
    }
    Ok(())
}

/// The `>` that ends a document type declaration whose name starts at
/// `from`: quoted strings and the internal subset `[..]` (with its
/// comments, processing instructions and quoted declarations) skipped.
fn doctype_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    // Before the internal subset.
    loop {
        let k = b[i..]
            .iter()
            .position(|&c| matches!(c, b'"' | b'\'' | b'[' | b'>'))?;
        let at = i + k;
        match b[at] {
            b'>' => return Some(at),
            b'[' => {
                i = at + 1;
                break;
            }
            q => i = at + 1 + memchr::memchr(q, &b[at + 1..])? + 1,
        }
    }
    // Inside the internal subset.
    loop {
        let at = i + memchr::memchr2(b']', b'<', &b[i..])?;
        if b[at] == b']' {
            return memchr::memchr(b'>', &b[at + 1..]).map(|k| at + 1 + k);
        }
        let rest = &b[at + 1..];
        i = if rest.starts_with(b"?") {
            at + 2 + memchr::memmem::find(&rest[1..], b"?>")? + 2
        } else if rest.starts_with(b"!--") {
            at + 4 + memchr::memmem::find(&rest[3..], b"-->")? + 3
        } else {
            // A declaration: to its `>`, quoted strings skipped.
            let mut j = at + 1;
            loop {
                let k = j + memchr::memchr3(b'>', b'"', b'\'', &b[j..])?;
                if b[k] == b'>' {
                    break k + 1;
                }
                j = k + 1 + memchr::memchr(b[k], &b[k + 1..])? + 1;
            }
        };
    }
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

/// Markup whose syntax has been checked, not yet returned as an event: the
/// reader scans the markup after a text run before it returns the text (a
/// broken tag right after a text is reported before the text's own errors).
#[derive(Clone, Copy, Debug)]
enum Markup {
    Start {
        span: Span,
        name_len: u32,
        /// Where the local part of the name starts, or [`UNCHECKED`].
        local_at: u32,
        empty: bool,
        /// The attributes are well-formed, with plain values.
        clean: bool,
    },
    End(Span),
    CData(Span),
    Comment(Span),
    Pi(Span),
    Decl(Span),
    DocType(Span),
    Eof,
}

/// The name of a start tag has not been checked yet.
const UNCHECKED: u32 = u32::MAX;

/// Classes of bytes in element names, see [`NAME_CLASS`].
const NAME_CHAR: u8 = 0;
const NAME_COLON: u8 = 1;
const NAME_WS: u8 = 2;
const NAME_GT: u8 = 3;
const NAME_SLASH: u8 = 4;
const NAME_OTHER: u8 = 5;

/// Bytes of an element name and what may end one.
const NAME_CLASS: [u8; 256] = {
    let mut t = [NAME_CHAR; 256];
    let mut i = 0;
    while i < 256 {
        if NOT_IN_NAME[i] {
            t[i] = NAME_OTHER;
        }
        i += 1;
    }
    t[b':' as usize] = NAME_COLON;
    t[b' ' as usize] = NAME_WS;
    t[b'\t' as usize] = NAME_WS;
    t[b'\r' as usize] = NAME_WS;
    t[b'\n' as usize] = NAME_WS;
    t[b'>' as usize] = NAME_GT;
    t[b'/' as usize] = NAME_SLASH;
    t
};

const DTD_PROHIBITED: &str = "DTD is prohibited: templates may not contain <!DOCTYPE> (this is often an HTML page saved as a template)";

/// The event reader; see the module documentation.
pub struct XmlReader<'a> {
    text: &'a str,
    /// Where scanning goes on.
    pos: usize,
    /// The open elements: where each one's name starts and ends.
    open: Vec<(u32, u32)>,
    /// Markup scanned after a text run, returned next.
    pending: Option<Markup>,
    root_seen: bool,
    done: bool,
    /// Sees every event and error [`XmlReader::next_event`] returns.
    observer: Option<&'a mut dyn EventObserver>,
    /// Where the tokenizer notes the attributes of clean tags, if anywhere.
    marks: Option<&'a AttrMarks<'a>>,
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
        // Leading BOMs (a decoder may leave one) are skipped; spans stay
        // offsets in `text`.
        let pos = text.len() - text.trim_start_matches('\u{FEFF}').len();
        XmlReader {
            text,
            pos,
            open: Vec::new(),
            pending: None,
            root_seen: false,
            done: false,
            observer: None,
            marks: None,
        }
    }

    /// This reader noting the attributes of each clean start tag in
    /// `marks` (read back by [`Tag::plain_attributes`]).
    pub(crate) fn with_marks(mut self, marks: &'a AttrMarks<'a>) -> XmlReader<'a> {
        self.marks = Some(marks);
        self
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

    /// An error at `span`, after which the reader is done.
    #[cold]
    #[inline(never)]
    fn fail_at(&mut self, span: Span, message: impl Into<String>) -> ParseError {
        self.done = true;
        self.error(span, message)
    }

    /// An error at the one byte at `at`.
    fn error_at(&self, at: usize, message: impl Into<String>) -> ParseError {
        self.error(Span::new(at, at + 1), message)
    }

    /// The next event. After an error or [`Event::Eof`] the reader keeps
    /// returning `Eof`.
    #[inline(always)]
    pub fn next_event(&mut self) -> Result<Event<'a>, ParseError> {
        let r = self.next_unobserved();
        self.observe(&r);
        r
    }

    /// [`XmlReader::next_event`] without showing the outcome to the
    /// observer: the caller passes it to [`XmlReader::observe`] right away,
    /// where it keeps it (the event is then not copied from a value the
    /// observer saw into one returned).
    #[inline(always)]
    pub(crate) fn next_unobserved(&mut self) -> Result<Event<'a>, ParseError> {
        if self.done {
            return Ok(Event::Eof);
        }
        self.next_inner()
    }

    /// Shows `r` (just returned by [`XmlReader::next_unobserved`]) to the
    /// observer, if there is one.
    #[inline(always)]
    pub(crate) fn observe(&mut self, r: &Result<Event<'a>, ParseError>) {
        if let Some(o) = self.observer.as_deref_mut() {
            match r {
                Ok(ev) => o.on_event(self.text, ev),
                Err(e) => Self::notify_error(o, self.text, e),
            }
        }
    }

    /// Shows the error `e` to the observer `o` (once per text at most).
    #[cold]
    #[inline(never)]
    fn notify_error(o: &mut dyn EventObserver, text: &str, e: &ParseError) {
        o.on_error(text, e);
    }

    /// Marks the reader done (it returns `Eof` from now on) and hands `e` back.
    #[cold]
    #[inline(never)]
    fn fail(&mut self, e: ParseError) -> ParseError {
        self.done = true;
        e
    }

    /// The next event; every error goes through [`XmlReader::fail`].
    #[inline(always)]
    fn next_inner(&mut self) -> Result<Event<'a>, ParseError> {
        let m = match self.pending.take() {
            Some(m) => m,
            None => {
                let pos = self.pos;
                match self.text.as_bytes().get(pos) {
                    None => Markup::Eof,
                    Some(b'<') => return self.markup_event(pos),
                    Some(_) => return self.text_run(pos),
                }
            }
        };
        self.deliver(m)
    }

    /// The event of the markup at `pos`: each usual kind scanned and
    /// delivered on its own straight path (no markup value merged from
    /// several paths through memory).
    #[inline(always)]
    fn markup_event(&mut self, start: usize) -> Result<Event<'a>, ParseError> {
        let m = match self.text.as_bytes().get(start + 1) {
            Some(b'/') => match self.end_tag_fast(start) {
                Some(span) => {
                    self.open.pop();
                    return Ok(Event::End(span));
                }
                None => self.end_tag_slow(start),
            },
            Some(b'?' | b'!') | None => self.markup(start),
            Some(_) => match self.start_tag(start) {
                Ok(m) => return self.deliver(m),
                Err(e) => Err(e),
            },
        };
        match m {
            Ok(m) => self.deliver(m),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// The text run from `pos` (not at `<`) to the next `<` or the end.
    #[inline(always)]
    fn text_run(&mut self, pos: usize) -> Result<Event<'a>, ParseError> {
        let b = self.text.as_bytes();
        // Most runs are the whitespace between tags: no search needed.
        let mut i = skip_ws_run(b, pos);
        let blank = i == b.len() || b[i] == b'<';
        let mut refs = false;
        let end = if blank {
            i
        } else {
            loop {
                let Some(k) = memchr::memchr2(b'<', b'&', &b[i..]) else {
                    break b.len();
                };
                let at = i + k;
                if b[at] == b'<' {
                    break at;
                }
                // A reference ends at a `;` before any other `&` or `<`.
                match memchr::memchr3(b';', b'&', b'<', &b[at + 1..]) {
                    Some(n) if b[at + 1 + n] == b';' => {
                        refs = true;
                        i = at + 2 + n;
                    }
                    _ => {
                        let e = self.error_at(at, "`&` does not start a reference (write &amp;)");
                        return Err(self.fail(e));
                    }
                }
            }
        };
        self.pos = end;
        if end < b.len() {
            if let Err(e) = self.scan_pending(end) {
                return Err(self.fail(e));
            }
        }
        let span = Span::new(pos, end);
        let raw = &self.text[pos..end];
        if self.open.is_empty() && !blank {
            let trimmed = raw.trim_start_matches(is_xml_ws);
            if !trimmed.is_empty() {
                let at = end - trimmed.len();
                let what = if self.root_seen { "after" } else { "before" };
                let e = self.error_at(
                    at,
                    format!("expected only markup {what} the root element, found text"),
                );
                return Err(self.fail(e));
            }
        }
        // Check references now, so that a bad one is an error wherever it is.
        if refs {
            if let Err(e) = check_refs(self.text, raw, pos) {
                return Err(self.fail(e));
            }
        }
        Ok(Event::Text(Text {
            raw,
            span,
            doc: self.text,
            blank,
        }))
    }

    /// Scans the markup at `start` (at `<`): finds its end, checks its
    /// syntax and, for an end tag, that it closes the open element.
    #[inline(never)]
    fn markup(&mut self, start: usize) -> Result<Markup, ParseError> {
        let b = self.text.as_bytes();
        match b.get(start + 1) {
            None => {
                Err(self.error_at(start, "expected a tag after `<`, found the end of the file"))
            }
            Some(b'/') => self.end_tag(start),
            Some(b'?') => self.pi(start),
            Some(b'!') => self.bang(start),
            Some(_) => self.start_tag(start),
        }
    }

    /// [`XmlReader::markup`] into `self.pending`, stored by each kind of
    /// markup itself (not built in a temporary and copied: the copy's wide
    /// loads of narrow fresh stores stall).
    #[inline(always)]
    fn scan_pending(&mut self, start: usize) -> Result<(), ParseError> {
        let b = self.text.as_bytes();
        match b.get(start + 1) {
            None => {
                return Err(
                    self.error_at(start, "expected a tag after `<`, found the end of the file")
                );
            }
            Some(b'/') => match self.end_tag_fast(start) {
                Some(span) => self.pending = Some(Markup::End(span)),
                None => self.pending = Some(self.end_tag_slow(start)?),
            },
            Some(b'?') => self.pending = Some(self.pi(start)?),
            Some(b'!') => self.pending = Some(self.bang(start)?),
            Some(_) => self.pending = Some(self.start_tag(start)?),
        }
        Ok(())
    }

    /// A start tag at `start`.
    #[inline(always)]
    fn start_tag(&mut self, start: usize) -> Result<Markup, ParseError> {
        let b = self.text.as_bytes();
        // The usual case in one pass: a valid name (noting where its
        // local part starts), then whitespace, `>` or `/>`.
        let name_at = start + 1;
        let mut n = name_at;
        let mut local_at = 0;
        // (At the end of the text the tag is unclosed: `NAME_OTHER` sends
        // it to the general scan, which says so.)
        let stop = loop {
            // Letters a word at a time first (names are mostly letters).
            n = skip_letters(b, n);
            let rest = b.get(n..).unwrap_or_default();
            match rest
                .iter()
                .position(|&c| NAME_CLASS[c as usize] != NAME_CHAR)
            {
                Some(k) => {
                    n += k;
                    let s = NAME_CLASS[b[n] as usize];
                    if s != NAME_COLON {
                        break s;
                    }
                    n += 1;
                    local_at = n - name_at;
                }
                None => {
                    n = b.len();
                    break NAME_OTHER;
                }
            }
        };
        let valid_start = n > name_at && name_start_ok(&self.text[name_at..n]);
        let (gt, name_ok, clean) = match stop {
            NAME_WS => {
                // The notes of an earlier tag are overwritten now.
                if let Some(m) = self.marks {
                    m.tag.set(0);
                }
                match clean_attributes(self.text, n, self.marks) {
                    Some(gt) => {
                        if let Some(m) = self.marks {
                            m.tag.set(start as u32 + 1);
                        }
                        (gt, valid_start, valid_start)
                    }
                    None => (self.tag_end(start, n)?, valid_start, false),
                }
            }
            NAME_GT => (n, valid_start, valid_start),
            NAME_SLASH if b.get(n + 1) == Some(&b'>') => (n + 1, valid_start, valid_start),
            _ => (self.tag_end(start, name_at)?, false, false),
        };
        self.pos = gt + 1;
        let empty = b[gt - 1] == b'/' && gt - 1 > start;
        if !name_ok {
            // Whatever it is, up to the first whitespace (checked when returned).
            let content_end = if empty { gt - 1 } else { gt };
            n = name_at;
            while n < content_end && !is_ws(b[n]) {
                n += 1;
            }
        }
        Ok(Markup::Start {
            span: Span::new(start, gt + 1),
            name_len: (n - name_at) as u32,
            local_at: if name_ok { local_at as u32 } else { UNCHECKED },
            empty,
            clean,
        })
    }

    /// The `>` ending the tag at `start`, scanning from `from`; `>` inside
    /// quotes does not count.
    #[inline(never)]
    fn tag_end(&self, start: usize, from: usize) -> Result<usize, ParseError> {
        // Byte loops: tags and their values are short, a search call costs more.
        let b = self.text.as_bytes();
        let mut i = from;
        loop {
            while i < b.len() && !TAG_STOP[b[i] as usize] {
                i += 1;
            }
            let Some(&q) = b.get(i) else {
                return Err(self.error_at(
                    start,
                    "expected `>` closing the tag, found the end of the file",
                ));
            };
            if q == b'>' {
                return Ok(i);
            }
            i = find_byte(b, i + 1, q);
            if i == b.len() {
                let q = q as char;
                return Err(self.error_at(
                    start,
                    format!(
                        "expected `{q}` closing the attribute value, found the end of the file"
                    ),
                ));
            }
            i += 1;
        }
    }

    /// `</name>` at `start`.
    #[inline(always)]
    fn end_tag(&mut self, start: usize) -> Result<Markup, ParseError> {
        match self.end_tag_fast(start) {
            Some(span) => Ok(Markup::End(span)),
            None => self.end_tag_slow(start),
        }
    }

    /// The usual end tag: exactly the open element's name, then `>`.
    #[inline(always)]
    fn end_tag_fast(&mut self, start: usize) -> Option<Span> {
        let b = self.text.as_bytes();
        let name_at = start + 2;
        let &(s, e) = self.open.last()?;
        let open = &b[s as usize..e as usize];
        if b.len() > name_at + open.len()
            && b[name_at + open.len()] == b'>'
            && &b[name_at..name_at + open.len()] == open
        {
            let end = name_at + open.len() + 1;
            self.pos = end;
            return Some(Span::new(start, end));
        }
        None
    }

    /// [`XmlReader::end_tag`] when the name is not exactly the open one.
    #[inline(never)]
    fn end_tag_slow(&mut self, start: usize) -> Result<Markup, ParseError> {
        let b = self.text.as_bytes();
        let name_at = start + 2;
        let gt = self.tag_end(start, name_at)?;
        self.pos = gt + 1;
        // Trailing whitespace is not part of the name (unless there is
        // nothing else, then it is shown as written).
        let mut name_end = gt;
        while name_end > name_at && is_ws(b[name_end - 1]) {
            name_end -= 1;
        }
        if name_end == name_at {
            name_end = gt;
        }
        let found = &self.text[name_at..name_end];
        match self.open.last() {
            None => Err(self.error_at(
                start,
                format!("expected a start tag before </{found}>, found an end tag without one"),
            )),
            Some(&(s, e)) => {
                let expected = &self.text[s as usize..e as usize];
                if expected == found {
                    Ok(Markup::End(Span::new(start, gt + 1)))
                } else {
                    Err(self.error_at(start, format!("expected </{expected}>, found </{found}>")))
                }
            }
        }
    }

    /// `<?target ...?>` or the XML declaration at `start`.
    #[inline(never)]
    fn pi(&mut self, start: usize) -> Result<Markup, ParseError> {
        let b = self.text.as_bytes();
        let is_decl = |content: &[u8]| {
            content.starts_with(b"xml") && content.get(3).is_none_or(|&c| is_ws(c) || c == b'?')
        };
        // The first `>` after `<?` that follows a `?` (`<?>` included).
        let mut i = start + 2;
        let gt = loop {
            let Some(k) = memchr::memchr(b'>', &b[i..]) else {
                let what = if is_decl(&b[start + 2..]) {
                    "the XML declaration"
                } else {
                    "the processing instruction"
                };
                return Err(self.error_at(
                    start,
                    format!("expected `?>` closing {what}, found the end of the file"),
                ));
            };
            let at = i + k;
            if b[at - 1] == b'?' {
                break at;
            }
            i = at + 1;
        };
        if gt == start + 2 {
            return Err(self.error_at(start, "expected a processing instruction, found `<?>`"));
        }
        self.pos = gt + 1;
        let span = Span::new(start, gt + 1);
        let content = &b[start + 2..gt - 1];
        if content.starts_with(b"xml") && content.get(3).is_none_or(|&c| is_ws(c)) {
            Ok(Markup::Decl(span))
        } else {
            Ok(Markup::Pi(span))
        }
    }

    /// `<!--..-->`, `<![CDATA[..]]>` or `<!DOCTYPE ..>` at `start`.
    #[inline(never)]
    fn bang(&mut self, start: usize) -> Result<Markup, ParseError> {
        let b = self.text.as_bytes();
        let rest = &b[start..];
        if rest.starts_with(b"<!--") {
            let Some(k) = memchr::memmem::find(&rest[4..], b"-->") else {
                return Err(self.error_at(
                    start,
                    "expected `-->` closing the comment, found the end of the file",
                ));
            };
            let end = start + 4 + k + 3;
            self.pos = end;
            return Ok(Markup::Comment(Span::new(start, end)));
        }
        if rest.starts_with(b"<![CDATA[") {
            let Some(k) = memchr::memmem::find(&rest[9..], b"]]>") else {
                return Err(self.error_at(
                    start,
                    "expected `]]>` closing the CDATA section, found the end of the file",
                ));
            };
            let end = start + 9 + k + 3;
            self.pos = end;
            return Ok(Markup::CData(Span::new(start, end)));
        }
        if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
            // Refused when returned, like any markup after a text run (the
            // span runs to the end of the file if the declaration does not end).
            let end = doctype_end(b, start + 9).map_or(b.len(), |gt| gt + 1);
            self.pos = end;
            return Ok(Markup::DocType(Span::new(start, end)));
        }
        let shown: String = self.text[start..]
            .chars()
            .take_while(|c| !is_xml_ws(*c))
            .take(9)
            .collect();
        Err(self.error_at(
            start,
            format!("expected `<!--`, `<![CDATA[` or `<!DOCTYPE`, found `{shown}`"),
        ))
    }

    /// Returns the markup scanned before as an event, after the checks
    /// that depend on where it is.
    #[inline(always)]
    fn deliver(&mut self, m: Markup) -> Result<Event<'a>, ParseError> {
        match m {
            Markup::Start {
                span,
                name_len,
                local_at,
                empty,
                clean,
            } => {
                if self.open.is_empty() {
                    if self.root_seen {
                        return Err(self.fail_at(
                            span,
                            "expected one root element, found a second root element",
                        ));
                    }
                    self.root_seen = true;
                }
                let name_at = span.start() + 1;
                let name_end = name_at + name_len as usize;
                let name = &self.text[name_at..name_end];
                // Checked while scanning, or now (one pass: its validity and
                // where the local part starts).
                let checked = (local_at != UNCHECKED).then_some(local_at as usize);
                let Some(local_at) = checked.or_else(|| name_check(name)) else {
                    return Err(self.fail_at(
                        span,
                        format!(
                            "expected an element name after `<`, found {:?}",
                            first_char(&self.text[name_at..])
                        ),
                    ));
                };
                let attrs_end = span
                    .end()
                    .saturating_sub(if empty { 2 } else { 1 })
                    .max(name_end);
                if !empty {
                    if self.open.len() >= MAX_DEPTH {
                        return Err(self.fail_at(
                            span,
                            format!("elements nested deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                    self.open.push((name_at as u32, name_end as u32));
                }
                Ok(Event::Start(Tag {
                    span,
                    empty,
                    name,
                    local_at: local_at as u32,
                    attrs_end: attrs_end as u32,
                    clean,
                    text: self.text,
                    marks: self.marks,
                }))
            }
            Markup::End(span) => {
                self.open.pop();
                Ok(Event::End(span))
            }
            Markup::CData(span) => {
                if self.open.is_empty() {
                    return Err(self.fail_at(span, "CDATA section outside the root element"));
                }
                let raw = self.inner(span, 9, 3);
                let v = if raw.contains('\r') {
                    Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
                } else {
                    Cow::Borrowed(raw)
                };
                Ok(Event::CData(v, span))
            }
            Markup::Comment(span) => Ok(Event::Comment(self.inner(span, 4, 3), span)),
            Markup::Pi(span) => Ok(Event::Pi(self.inner(span, 2, 2), span)),
            Markup::Decl(span) => {
                if span.start() != 0 {
                    return Err(self.fail_at(
                        span,
                        "the XML declaration must be at the very start of the file",
                    ));
                }
                Ok(Event::Decl(span))
            }
            Markup::DocType(span) => Err(self.fail_at(span, DTD_PROHIBITED)),
            Markup::Eof => {
                if let Some(&(s, e)) = self.open.last() {
                    let name = &self.text[s as usize..e as usize];
                    let at = self.text.len();
                    return Err(self.fail_at(
                        Span::new(at, at),
                        format!(
                            "expected </{name}>, found the end of the file: <{name}> is not closed"
                        ),
                    ));
                }
                if !self.root_seen {
                    let at = self.text.len();
                    return Err(self.fail_at(
                        Span::new(at, at),
                        "expected a root element, found no root element",
                    ));
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

    /// The first error of `text` (from the events or a tag's attributes).
    fn first_error(text: &str) -> ParseError {
        let mut r = XmlReader::new(text);
        loop {
            match r.next_event() {
                Ok(Event::Eof) => panic!("{text:?} was accepted"),
                Ok(Event::Start(t)) => {
                    if let Err(e) = t.raw_attributes() {
                        return e;
                    }
                }
                Ok(Event::Text(t)) => {
                    if let Err(e) = t.value() {
                        return e;
                    }
                }
                Ok(_) => {}
                Err(e) => return e,
            }
        }
    }

    #[test]
    fn malformed_markup_gives_positioned_house_style_errors() {
        // (input, message, error offset)
        let cases: &[(&str, &str, usize)] = &[
            (
                "<a",
                "expected `>` closing the tag, found the end of the file",
                0,
            ),
            (
                "<a b='1'",
                "expected `>` closing the tag, found the end of the file",
                0,
            ),
            (
                "<r><a b='1>",
                "expected `'` closing the attribute value, found the end of the file",
                3,
            ),
            (
                "<a b=\"1/>",
                "expected `\"` closing the attribute value, found the end of the file",
                0,
            ),
            (
                "<a><",
                "expected a tag after `<`, found the end of the file",
                3,
            ),
            (
                "<a></a",
                "expected `>` closing the tag, found the end of the file",
                3,
            ),
            (
                "<a></",
                "expected `>` closing the tag, found the end of the file",
                3,
            ),
            (
                "<a><!-- x",
                "expected `-->` closing the comment, found the end of the file",
                3,
            ),
            (
                "<a><!-->",
                "expected `-->` closing the comment, found the end of the file",
                3,
            ),
            (
                "<a><!--->",
                "expected `-->` closing the comment, found the end of the file",
                3,
            ),
            (
                "<a><![CDATA[x]]",
                "expected `]]>` closing the CDATA section, found the end of the file",
                3,
            ),
            (
                "<a><?pi x",
                "expected `?>` closing the processing instruction, found the end of the file",
                3,
            ),
            (
                "<?xml version='1.0'",
                "expected `?>` closing the XML declaration, found the end of the file",
                0,
            ),
            (
                "<a><?></a>",
                "expected a processing instruction, found `<?>`",
                3,
            ),
            (
                "<a><!x></a>",
                "expected `<!--`, `<![CDATA[` or `<!DOCTYPE`, found `<!x></a>`",
                3,
            ),
            (
                "<a><!-x--></a>",
                "expected `<!--`, `<![CDATA[` or `<!DOCTYPE`, found `<!-x--></`",
                3,
            ),
            ("<a><![CDATA]]></a>", "found `<![CDATA]`", 3),
            (
                "<a><!",
                "expected `<!--`, `<![CDATA[` or `<!DOCTYPE`, found `<!`",
                3,
            ),
            ("<!DOCTYPE a", "DTD is prohibited", 0),
            ("<!doctype html><a/>", "DTD is prohibited", 0),
            ("<!DOCTYPE>", "DTD is prohibited", 0),
            (
                "<1a/>",
                "expected an element name after `<`, found \"1\"",
                0,
            ),
            (
                "< a/>",
                "expected an element name after `<`, found \" \"",
                0,
            ),
            (
                "<a/ >",
                "expected an element name after `<`, found \"a\"",
                0,
            ),
            ("<>", "expected an element name after `<`, found \">\"", 0),
            ("<a\"b\">", "expected an element name after `<`", 0),
            ("<a b=1/>", "expected a quoted value for attribute b", 5),
            ("<a b/>", "attribute b has no value (expected `=`)", 3),
            (
                "<a b='1'c='2'/>",
                "expected whitespace between attributes",
                8,
            ),
            ("<a =''/>", "expected an attribute name, found \"=\"", 3),
            (
                "<a b='>'/><",
                "expected a tag after `<`, found the end of the file",
                10,
            ),
            ("<a></b>", "expected </a>, found </b>", 3),
            ("<a></a x>", "expected </a>, found </a x>", 3),
            ("<a></ a>", "expected </a>, found </ a>", 3),
            ("<a></ >", "expected </a>, found </ >", 3),
            (
                "x</\n>",
                "expected a start tag before </\n>, found an end tag without one",
                1,
            ),
            (
                "</a>",
                "expected a start tag before </a>, found an end tag without one",
                0,
            ),
            (
                "<a/></a>",
                "expected a start tag before </a>, found an end tag without one",
                4,
            ),
            (
                "<a>&</a>",
                "`&` does not start a reference (write &amp;)",
                3,
            ),
            (
                "<a>x&a&b;</a>",
                "`&` does not start a reference (write &amp;)",
                4,
            ),
            (
                "<a>&amp</a>",
                "`&` does not start a reference (write &amp;)",
                3,
            ),
            (
                "<a>&amp;&",
                "`&` does not start a reference (write &amp;)",
                8,
            ),
            (
                "<a>&#xD800;</a>",
                "character reference &#xD800; is not a legal XML character",
                3,
            ),
            (
                "<a/>x",
                "expected only markup after the root element, found text",
                4,
            ),
            (
                "<a/> &amp;",
                "expected only markup after the root element, found text",
                5,
            ),
            (
                "<a/><![CDATA[x]]>",
                "CDATA section outside the root element",
                4,
            ),
            (
                " <?xml version='1.0'?><a/>",
                "the XML declaration must be at the very start",
                1,
            ),
            (
                "\u{FEFF}<?xml version='1.0'?><a/>",
                "the XML declaration must be at the very start",
                3,
            ),
            ("<a><b></a>", "expected </b>, found </a>", 6),
            (
                "<a><b>",
                "expected </b>, found the end of the file: <b> is not closed",
                6,
            ),
            ("  ", "expected a root element, found no root element", 2),
            // The markup after a text run is checked before the text.
            ("<a>&bad;</b>", "expected </a>, found </b>", 8),
            ("x<a", "expected `>` closing the tag", 1),
            (
                "x<!DOCTYPE a><a/>",
                "before the root element, found text",
                0,
            ),
            ("<a>&bad;<!DOCTYPE a></a>", "undefined entity &bad;", 3),
        ];
        for &(text, want, at) in cases {
            let e = first_error(text);
            assert!(e.message().contains(want), "{text:?}: {e}");
            assert_eq!(e.offset(), at, "{text:?}: {e}");
        }
    }

    #[test]
    fn odd_but_well_formed_markup_is_read() {
        let text = "<?xml version='1.0'?><!-- a -- b --><?pi x?><a x='>' y=\"'\"><!----><!-->--><b\t/><c\r\n></c \n><?xml-stylesheet x?><![CDATA[<&]]>&#x41;</a  ><!-- z -->";
        let mut r = XmlReader::new(text);
        let mut got = Vec::new();
        loop {
            let e = r.next_event().unwrap();
            let s = match &e {
                Event::Start(t) => {
                    let attrs: Vec<_> = t.attributes().map(Result::unwrap).collect();
                    format!("start {} {} {attrs:?} {}", t.name(), t.empty, r.depth())
                }
                Event::End(s) => format!("end {} {}", &text[s.start()..s.end()], r.depth()),
                Event::Text(t) => format!("text {:?} {}", t.value().unwrap(), t.is_blank()),
                Event::CData(c, _) => format!("cdata {c}"),
                Event::Comment(c, s) => format!("comment {c:?} {}", &text[s.start()..s.end()]),
                Event::Pi(c, _) => format!("pi {c}"),
                Event::Decl(s) => format!("decl {}", &text[s.start()..s.end()]),
                Event::Eof => break,
            };
            got.push(s);
        }
        assert_eq!(
            got,
            [
                "decl <?xml version='1.0'?>",
                "comment \" a -- b \" <!-- a -- b -->",
                "pi pi x",
                "start a false [(\"x\", \">\"), (\"y\", \"'\")] 1",
                "comment \"\" <!---->",
                "comment \">\" <!-->-->",
                "start b true [] 1",
                "start c false [] 2",
                "end </c \n> 1",
                "pi xml-stylesheet x",
                "cdata <&",
                "text \"A\" false",
                "end </a  > 0",
                "comment \" z \" <!-- z -->",
            ]
        );
    }

    #[test]
    fn text_runs_are_whole_and_know_when_they_are_blank() {
        let text = "\r\n<a> \t\r\n<b/>x &lt; y&amp;\r\n<c/>  </a>\n";
        let mut r = XmlReader::new(text);
        let mut runs = Vec::new();
        loop {
            match r.next_event().unwrap() {
                Event::Text(t) => runs.push((t.raw, t.is_blank(), t.value().unwrap().into_owned())),
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(
            runs,
            [
                ("\r\n", true, "\n".to_owned()),
                (" \t\r\n", true, " \t\n".to_owned()),
                ("x &lt; y&amp;\r\n", false, "x < y&\n".to_owned()),
                ("  ", true, "  ".to_owned()),
                ("\n", true, "\n".to_owned()),
            ]
        );
    }

    #[test]
    fn end_tags_compare_whole_names() {
        for (text, ok) in [
            ("<ab></a>", false),
            ("<a></ab>", false),
            ("<p:a></p:a>", true),
            ("<p:a></a>", false),
            ("<a></a\r\n>", true),
            ("<é></é>", true),
        ] {
            let r = read_document(text);
            assert_eq!(r.is_ok(), ok, "{text:?}: {r:?}");
        }
    }

    /// Every tag's attributes, read the trusted way where the tokenizer
    /// allows it, must equal the fully checked reading.
    fn attributes_agree(text: &str) {
        type Attr = Result<(String, String), (Span, String)>;
        let mut r = XmlReader::new(text);
        while let Ok(e) = r.next_event() {
            let Event::Start(t) = e else {
                if matches!(e, Event::Eof) {
                    break;
                }
                continue;
            };
            let collect = |a: Attributes<'_>| -> Vec<Attr> {
                a.map(|x| {
                    x.map(|(n, v)| (n.to_owned(), v.into_owned()))
                        .map_err(|e| (e.span(), e.message().to_owned()))
                })
                .collect()
            };
            let mut checked = t.attributes();
            checked.scan.trusted = false;
            assert_eq!(collect(t.attributes()), collect(checked), "{text:?}");
        }
        noted_attributes_agree(text);
    }

    /// The attributes of clean tags read from the tokenizer's notes equal
    /// the scanned ones, also for a tag read again after later tags (the
    /// notes are then another tag's) and past the number noted.
    fn noted_attributes_agree(text: &str) {
        type Plain = Vec<(String, usize, String)>;
        let plain = |t: &Tag<'_>| -> Option<Plain> {
            let p = t.plain_attributes()?;
            Some(
                p.map(|(n, at, v)| (n.to_owned(), at, v.to_owned()))
                    .collect(),
            )
        };
        let scanned = |t: &Tag<'_>| plain(&Tag { marks: None, ..*t });
        let marks = AttrMarks::default();
        let mut r = XmlReader::new(text).with_marks(&marks);
        let mut before: Vec<Tag<'_>> = Vec::new();
        // An iterator with one attribute read, finished after the next event.
        let mut half: Option<(Tag<'_>, PlainAttributes<'_>, Plain)> = None;
        while let Ok(e) = r.next_event() {
            if let Some((t, rest, mut got)) = half.take() {
                got.extend(rest.map(|(n, at, v)| (n.to_owned(), at, v.to_owned())));
                assert_eq!(Some(got), scanned(&t), "{text:?}");
            }
            let Event::Start(t) = e else {
                if matches!(e, Event::Eof) {
                    break;
                }
                continue;
            };
            for b in before.iter().chain([&t]) {
                assert_eq!(plain(b), scanned(b), "{text:?}");
            }
            if let Some(mut p) = t.plain_attributes() {
                let got = p
                    .next()
                    .map(|(n, at, v)| (n.to_owned(), at, v.to_owned()))
                    .into_iter()
                    .collect();
                half = Some((t, p, got));
            }
            before.push(t);
            if before.len() > 3 {
                before.remove(0);
            }
        }
    }

    #[test]
    fn trusted_attribute_reading_equals_the_checked_one() {
        let mut texts: Vec<String> = vec![
            "<a b = 'x' c=\"y'\" d='\u{e9}>' e='&amp;' f='a\tb'/>".into(),
            "<a\r\n b='1'\r\n/><x b='1'c='2'/>".into(),
            format!(
                "<a {}/><b x='1'><c/></b>",
                (0..MARKS + 3)
                    .map(|i| format!("a{i} = 'v{i}'"))
                    .collect::<Vec<_>>()
                    .join("\n ")
            ),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![
            root.join("fixtures/admx"),
            root.join("../shared/corpus/admx"),
        ];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if let Ok(d) = crate::xml::decode::decode(&std::fs::read(&p).unwrap()) {
                    texts.push(d.text);
                }
            }
        }
        // Also damaged copies: a few bytes replaced by markup characters.
        let mut seed = 0x2545_f491_u32;
        let n = texts.len();
        for i in 0..n.min(40) {
            let mut b = texts[i].clone().into_bytes();
            for _ in 0..b.len().min(4000) / 40 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let at = seed as usize % b.len().max(1);
                if b.get(at).is_some_and(u8::is_ascii) {
                    b[at] = b"<>'\"=/ &\t-:1"[(seed >> 24) as usize % 12];
                }
            }
            if let Ok(t) = String::from_utf8(b) {
                texts.push(t);
            }
        }
        for t in &texts {
            attributes_agree(t);
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
    fn letter_runs_end_at_the_first_other_byte() {
        for c in 0..=255u8 {
            for lead in 0..20 {
                let mut t = b"aZqyAzmN".repeat(3)[..lead].to_vec();
                t.push(c);
                t.extend_from_slice(b"abc=");
                for i in 0..=t.len() {
                    let end = skip_letters(&t, i);
                    let first_other = (i..t.len())
                        .find(|&k| !t[k].is_ascii_alphabetic())
                        .unwrap_or(t.len());
                    // At most that far, and all the way when a whole word
                    // is left to look at.
                    assert!(end >= i && end <= first_other, "{t:?} from {i}");
                    if first_other + 8 <= t.len() || end < t.len().saturating_sub(7) {
                        assert_eq!(end, first_other, "{t:?} from {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn whitespace_runs_end_where_the_plain_skip_ends() {
        // Every byte value next to every whitespace byte, at every offset
        // of a word, and runs longer than a word.
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for c in 0..=255u8 {
            for lead in 0..20 {
                for ws in [b' ', b'\t', b'\r', b'\n'] {
                    let mut t = vec![ws; lead];
                    t.push(c);
                    t.extend_from_slice(b"  \r\n x");
                    texts.push(t);
                }
            }
        }
        texts.push(b"\r\n                      ".to_vec());
        texts.push(Vec::new());
        for t in &texts {
            for i in 0..=t.len() {
                assert_eq!(skip_ws_run(t, i), skip_ws(t, i), "{t:?} from {i}");
            }
        }
    }

    #[test]
    fn text_line_ends_and_references_decode_as_written_rules_say() {
        // Every sequence of up to five pieces: line ends in every form,
        // references (one of them a CR), plain bytes.
        let pieces = ["a", "\r", "\n", "\r\n", "&amp;", "&#13;", " ", "\u{e9}"];
        let naive = |raw: &str| {
            let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
            raw.replace("&amp;", "&").replace("&#13;", "\r")
        };
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for t in &texts {
                for p in pieces {
                    next.push(format!("{t}{p}"));
                }
            }
            texts.extend(next);
            texts.sort();
            texts.dedup();
        }
        for raw in &texts {
            let got = unescape(raw, raw, 0, false).unwrap();
            assert_eq!(got, naive(raw), "{raw:?}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), !raw.contains(['\r', '&']));
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
