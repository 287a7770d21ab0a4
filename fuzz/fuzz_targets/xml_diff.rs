//! Differential fuzz target: gpforge's own XML tokenizer
//! (`gpforge::xml::reader::XmlReader`) against the quick-xml based reader it
//! replaced (kept here, condensed to what decides events, spans and errors).
//! Both must give the same events with the same spans, and fail at the same
//! place; messages must be equal except where quick-xml's own syntax
//! messages ("malformed XML: ...") were replaced by ours.
//!
//! Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run xml_diff corpus/admx_read -- -dict=admx.dict -max_len=16384`
//! (`-runs=0` replays a folder once, e.g. the shared corpus).
#![no_main]

use std::borrow::Cow;

use gpforge::span::Span;
use gpforge::xml::decode::decode;
use gpforge::xml::reader::{Event, XmlReader};
use libfuzzer_sys::fuzz_target;
use quick_xml::events::Event as QEvent;

#[derive(Debug, PartialEq)]
enum Ev {
    Start(Span, String, bool, usize),
    End(Span, usize),
    Text(Span),
    CData(Span, String),
    Comment(Span, String),
    Pi(Span, String),
    Decl(Span),
    Eof,
    Err(Span, String),
}

fn new_events(text: &str) -> Vec<Ev> {
    let mut r = XmlReader::new(text);
    let mut out = Vec::new();
    loop {
        let e = match r.next_event() {
            Ok(Event::Start(t)) => Ev::Start(t.span, t.name().to_owned(), t.empty, r.depth()),
            Ok(Event::End(s)) => Ev::End(s, r.depth()),
            Ok(Event::Text(t)) => {
                assert_eq!(&text[t.span.start()..t.span.end()], t.raw);
                let _ = t.value().expect("a text event decodes");
                Ev::Text(t.span)
            }
            Ok(Event::CData(c, s)) => Ev::CData(s, c.into_owned()),
            Ok(Event::Comment(c, s)) => Ev::Comment(s, c.to_owned()),
            Ok(Event::Pi(c, s)) => Ev::Pi(s, c.to_owned()),
            Ok(Event::Decl(s)) => Ev::Decl(s),
            Ok(Event::Eof) => Ev::Eof,
            Err(e) => Ev::Err(e.span(), e.message().to_owned()),
        };
        let stop = matches!(e, Ev::Eof | Ev::Err(..));
        out.push(e);
        if stop {
            // After an error or the end, only `Eof`.
            assert!(matches!(r.next_event(), Ok(Event::Eof)));
            return out;
        }
    }
}

// ---- The old reader (quick-xml 0.39 underneath), as it was. ----

const MAX_DEPTH: usize = 256;

fn is_xml_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

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

fn name_ok(name: &str) -> bool {
    let b = name.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    !(first.is_ascii_digit() || first == b'-' || first == b'.')
        && b.iter().all(|&c| !NOT_IN_NAME[c as usize])
}

fn first_char(s: &str) -> String {
    s.chars()
        .next()
        .map_or_else(|| "end of tag".to_owned(), |c| c.to_string())
}

fn xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

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

/// The old reference check of a text run (its `unescape`, errors only).
fn old_refs(raw: &str, at: usize) -> Result<(), (Span, String)> {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'&', &b[i..]) {
        let amp = i + k;
        let Some(semi) = memchr::memchr(b';', &b[amp + 1..]) else {
            return Err((
                Span::new(at + amp, at + amp + 1),
                "`&` does not start a reference (write &amp;)".to_owned(),
            ));
        };
        if let Err(m) = resolve_ref(&raw[amp + 1..amp + 1 + semi]) {
            return Err((Span::new(at + amp, at + amp + semi + 2), m));
        }
        i = amp + semi + 2;
    }
    Ok(())
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

struct Old<'a> {
    r: quick_xml::Reader<&'a [u8]>,
    base: usize,
    text: &'a str,
    pending: Option<(QEvent<'a>, Span)>,
    open: Vec<u32>,
    root_seen: bool,
}

type R<T> = Result<T, (Span, String)>;

impl<'a> Old<'a> {
    fn raw_next(&mut self) -> R<(QEvent<'a>, Span)> {
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
                Err((Span::new(at, at + 1), quick_message(&e)))
            }
        }
    }

    fn next(&mut self) -> R<Ev> {
        let (ev, span) = self.raw_next()?;
        let empty = matches!(ev, QEvent::Empty(_));
        match ev {
            QEvent::Start(s) | QEvent::Empty(s) => {
                if self.open.is_empty() {
                    if self.root_seen {
                        return Err((span, "expected one root element, found a second root element".into()));
                    }
                    self.root_seen = true;
                }
                let name_len = s.name().as_ref().len();
                let name_at = span.start() + 1;
                let name = self.text.get(name_at..name_at + name_len).unwrap_or("");
                if !name_ok(name) {
                    return Err((span, format!("expected an element name after `<`, found {:?}", first_char(&self.text[name_at..]))));
                }
                if !empty {
                    if self.open.len() >= MAX_DEPTH {
                        return Err((span, format!("elements nested deeper than {MAX_DEPTH} levels")));
                    }
                    self.open.push(span.start() as u32);
                }
                Ok(Ev::Start(span, name.to_owned(), empty, self.open.len()))
            }
            QEvent::End(_) => {
                self.open.pop();
                Ok(Ev::End(span, self.open.len()))
            }
            QEvent::Text(_) | QEvent::GeneralRef(_) => {
                let mut end = span.end();
                loop {
                    let (next, s) = self.raw_next()?;
                    if matches!(next, QEvent::Text(_) | QEvent::GeneralRef(_)) {
                        end = s.end();
                    } else {
                        self.pending = Some((next, s));
                        break;
                    }
                }
                let span = Span::new(span.start(), end);
                let raw = self.text.get(span.start()..span.end()).unwrap_or("");
                if self.open.is_empty() && !raw.trim_matches(is_xml_ws).is_empty() {
                    let at = span.start() + (raw.len() - raw.trim_start_matches(is_xml_ws).len());
                    let what = if self.root_seen { "after" } else { "before" };
                    return Err((Span::new(at, at + 1), format!("expected only markup {what} the root element, found text")));
                }
                old_refs(raw, span.start())?;
                Ok(Ev::Text(span))
            }
            QEvent::CData(_) => {
                if self.open.is_empty() {
                    return Err((span, "CDATA section outside the root element".into()));
                }
                let raw = &self.text[span.start() + 9..span.end() - 3];
                let v: Cow<'_, str> = if raw.contains('\r') { Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n")) } else { Cow::Borrowed(raw) };
                Ok(Ev::CData(span, v.into_owned()))
            }
            QEvent::Comment(_) => Ok(Ev::Comment(span, self.text[span.start() + 4..span.end() - 3].to_owned())),
            QEvent::PI(_) => Ok(Ev::Pi(span, self.text[span.start() + 2..span.end() - 2].to_owned())),
            QEvent::Decl(_) => {
                if span.start() != 0 {
                    return Err((span, "the XML declaration must be at the very start of the file".into()));
                }
                Ok(Ev::Decl(span))
            }
            QEvent::DocType(_) => Err((span, "DTD is prohibited: templates may not contain <!DOCTYPE> (this is often an HTML page saved as a template)".into())),
            QEvent::Eof => {
                if let Some(&start) = self.open.last() {
                    let name = self.text[start as usize + 1..]
                        .split(|c: char| is_xml_ws(c) || c == '>' || c == '/')
                        .next()
                        .unwrap_or("");
                    let at = self.text.len();
                    return Err((Span::new(at, at), format!("expected </{name}>, found the end of the file: <{name}> is not closed")));
                }
                if !self.root_seen {
                    let at = self.text.len();
                    return Err((Span::new(at, at), "expected a root element, found no root element".into()));
                }
                Ok(Ev::Eof)
            }
        }
    }
}

fn old_events(text: &str) -> Vec<Ev> {
    let base = text.len() - text.trim_start_matches('\u{FEFF}').len();
    let mut r = quick_xml::Reader::from_str(&text[base..]);
    let c = r.config_mut();
    c.trim_text(false);
    c.expand_empty_elements = false;
    c.check_end_names = true;
    c.allow_dangling_amp = false;
    c.allow_unmatched_ends = false;
    let mut old = Old {
        r,
        base,
        text,
        pending: None,
        open: Vec::new(),
        root_seen: false,
    };
    let mut out = Vec::new();
    loop {
        match old.next() {
            Ok(e) => {
                let stop = e == Ev::Eof;
                out.push(e);
                if stop {
                    return out;
                }
            }
            Err((s, m)) => {
                out.push(Ev::Err(s, m));
                return out;
            }
        }
    }
}

fn compare(text: &str) {
    let old = old_events(text);
    let new = new_events(text);
    let n = old.len().min(new.len());
    // A DOCTYPE is refused by both, but the old reader found its end (or
    // that it has none, or no name) with quick-xml's DTD scanner and
    // refused an unclosed or nameless one before the checks of the text
    // run in front of it; the new one refuses every DOCTYPE after them,
    // with a span that may end elsewhere in a malformed internal subset.
    if matches!(old.last(), Some(Ev::Err(_, m)) if m.contains("DOCTYPE")) {
        assert_eq!(old[..n - 1], new[..n - 1], "events before the last differ");
        let Some(Ev::Err(ns, nm)) = new.last() else {
            panic!("old refused a DOCTYPE, new accepted: {new:?}");
        };
        // (quick-xml put a missing name at the `>`; the new error is at `<`.)
        if let Some(Ev::Err(os, om)) = old.last()
            && nm.starts_with("DTD")
            && !om.contains("name of a document type")
        {
            assert_eq!(os.start(), ns.start());
        }
        return;
    }
    assert_eq!(old[..n - 1], new[..n - 1], "events before the last differ");
    match (&old[n - 1], &new[n - 1]) {
        (Ev::Err(os, om), Ev::Err(ns, nm)) => {
            // quick-xml's own syntax messages are ours now.
            let replaced = om.starts_with("malformed XML");
            assert!(
                (os == ns || replaced && os.start() == ns.start()) && (om == nm || replaced),
                "old error {os:?} {om:?}, new error {ns:?} {nm:?}"
            );
        }
        (o, n) => assert_eq!(o, n),
    }
    assert_eq!(old.len(), new.len());
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        compare(text);
    }
    if let Ok(d) = decode(data) {
        compare(&d.text);
    }
});
