//! Fuzz target for the ADMX and ADML readers: any bytes, no panic, and every
//! span of a parsed document lies inside its text on character boundaries.
//!
//! Run from the repository root:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run admx_read -- -dict=fuzz/admx.dict -max_total_time=600`
//! (seed `fuzz/corpus/admx_read/` with `fixtures/admx/**` and, if present,
//! `../shared/corpus/admx/**` first; neither is committed here).
#![no_main]

use gpforge::admx::{parse_adml, parse_admx};
use gpforge::model::{Node, RawNode};
use gpforge::span::{LineIndex, Span};
use gpforge::xml::decode::declaration_conflict;
use gpforge::xml::reader::{attr_span, read_document};
use libfuzzer_sys::fuzz_target;

fn check_span(text: &str, span: Span) {
    assert!(
        span.start() <= span.end() && span.end() <= text.len(),
        "span {span:?} outside text of {}",
        text.len()
    );
    assert!(text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()));
}

fn check_node(text: &str, node: &Node) {
    check_span(text, node.span);
    if node.span.end() > node.span.start() {
        assert!(text[node.span.start()..].starts_with('<'));
        for a in node.unknown_attributes() {
            let s = attr_span(text, node.span, &a.name).expect("unknown attribute is found again");
            check_span(text, s);
        }
    }
    for c in node.unknown_children() {
        if let RawNode::Element(e) = c {
            check_span(text, e.span);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match parse_admx(data) {
        Ok(p) => {
            check_node(&p.text, &p.doc.node);
            let _ = declaration_conflict(p.doc.source.encoding, p.doc.source.declaration.as_ref());
            for pol in p.doc.policies() {
                check_node(&p.text, &pol.node);
                for e in pol.elements() {
                    check_node(&p.text, &e.common().node);
                }
            }
            for c in p.doc.categories() {
                check_node(&p.text, &c.node);
            }
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(e.span().start() <= e.span().end());
        }
    }
    match parse_adml(data) {
        Ok(p) => {
            check_node(&p.text, &p.doc.node);
            for s in p.doc.strings() {
                check_node(&p.text, &s.node);
            }
            for pr in p.doc.presentations() {
                check_node(&p.text, &pr.node);
                for c in &pr.controls {
                    check_node(&p.text, c.node());
                }
            }
            let idx = LineIndex::new(&p.text);
            let _ = idx.line_col(&p.text, p.doc.node.span.start());
        }
        Err(e) => {
            let _ = e.line_col();
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = read_document(text);
    }
});
