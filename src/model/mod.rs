//! Plain-data model of ADMX and ADML files (the whole ADMX schema), with
//! serde derives and no I/O. Codecs in [`crate::admx`] turn bytes into this
//! model and back.
//!
//! Conventions:
//! - Types are named after the schema elements (`doc(alias)` gives the XML name).
//! - Every attribute is kept as the raw string that was read (`None` when
//!   absent), so nothing is lost or normalised; typed accessors
//!   ([`Policy::class`], [`parse_string_ref`], ...) interpret it.
//! - Every element carries a [`Node`]: its byte span in the decoded text plus
//!   whatever the reader did not recognise there (unknown attributes such as
//!   Office's `Area`, unknown or misplaced child elements, stray text,
//!   comments), in document order, so a rewrite carries them.
//! - Large children that templates rarely have (`<keywords>`, enabled and
//!   disabled lists, boolean true/false lists, an enum item's value list) are
//!   boxed, so that the structs read by the thousand stay small; boxes are
//!   invisible in the serialised form and in `Debug` output.
//! - Spans are provenance, not content: they are not serialised, and model
//!   equality in round-trip tests is checked on the serialised form.

mod adml;
mod admx;
mod raw;

pub use adml::*;
pub use admx::*;
pub use raw::*;

/// `$(string.ID)` → `Some("ID")`.
pub fn parse_string_ref(s: &str) -> Option<&str> {
    s.trim().strip_prefix("$(string.")?.strip_suffix(')')
}

/// `$(presentation.ID)` → `Some("ID")`.
pub fn parse_presentation_ref(s: &str) -> Option<&str> {
    s.trim().strip_prefix("$(presentation.")?.strip_suffix(')')
}

/// `prefix:name` → `(Some("prefix"), "name")`; `name` → `(None, "name")`.
pub fn split_item_ref(s: &str) -> (Option<&str>, &str) {
    match s.split_once(':') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    }
}
