//! The schema layer: an "XSD-lite" of Microsoft's ADMX schema (MS-GPREG §7,
//! `PolicyDefinitionFiles.xsd` with `multiText`/`multiTextBox`), as tables.
//!
//! Every element the schema knows is an [`ElemDef`]: its attributes with
//! their simple types and whether they are required, and its content model
//! (empty, text, or a sequence of particles, each a set of alternative child
//! elements with a cardinality — enough for every model in the schema). A
//! walker runs over the XML events of the decoded text, so it sees order,
//! unknown attributes and stray text, and reports with byte spans.
//!
//! Where libxml2 (the schema oracle) and the XSD text disagree, this follows
//! libxml2: `unsignedInt` takes no surrounding whitespace, tokens
//! (`versionString`, `class`, booleans, `language`) are whitespace-collapsed.
//! The documented extensions `longDecimal` and `longDecimalTextBox` (and a
//! `longDecimal` value) are accepted under the `windows` profile and are
//! `SCH003` under `strict`, since the published schema lacks them.

use std::borrow::Cow;

use crate::xml::reader::{
    Event, EventObserver, ParseError, Tag, Text, XmlReader, attr_span, duplicate, name_words,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::namespaces;
use crate::span::Span;

use super::rules::rule;

/// Simple types of attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Version,
    StringRef,
    PresRef,
    /// itemName / resourceID: letters, digits, underscore.
    Ident,
    ItemRef,
    Guid,
    UInt,
    ULong,
    Bool,
    Class,
    Language,
    AnyUri,
}

/// A name as a few words, compared without a call: its length and
/// [`name_words`]. Two names of at most 16 bytes are equal exactly when
/// their keys are; longer ones must be compared too (see [`Key::is`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    len: usize,
    head: u64,
    tail: u64,
}

/// `n` (at most 8) bytes of `b` from `at`, little-endian.
const fn load(b: &[u8], at: usize, n: usize) -> u64 {
    let mut x = 0;
    let mut i = 0;
    while i < n {
        x |= (b[at + i] as u64) << (8 * i);
        i += 1;
    }
    x
}

impl Key {
    /// The key of a table name (as [`Key::of`]).
    const fn of_const(s: &str) -> Key {
        let b = s.as_bytes();
        let n = b.len();
        let (head, tail) = if n > 8 {
            (load(b, 0, 8), load(b, n - 8, 8))
        } else if n == 8 {
            (load(b, 0, 8), 0)
        } else if n >= 4 {
            (load(b, 0, 4) | (load(b, n - 4, 4) << 32), 0)
        } else if n >= 2 {
            (load(b, 0, 2) | (load(b, n - 2, 2) << 16), 0)
        } else if n == 1 {
            (b[0] as u64, 0)
        } else {
            (0, 0)
        };
        Key { len: n, head, tail }
    }

    /// The key of `s`.
    #[inline(always)]
    fn of(s: &str) -> Key {
        let (head, tail) = name_words(s);
        Key {
            len: s.len(),
            head,
            tail,
        }
    }

    /// `a` (with this key) is `b` (with key `kb`).
    #[inline(always)]
    fn is(&self, a: &str, kb: &Key, b: &str) -> bool {
        *self == *kb && (self.len <= 16 || a == b)
    }
}

/// One attribute declaration.
#[derive(Debug)]
pub(crate) struct AttrDef {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    key: Key,
}

/// Content model.
#[derive(Debug)]
pub(crate) enum Content {
    /// No children, no text (not even whitespace).
    Empty,
    /// Text only (comments allowed); `Some(n)`: at most `n` characters.
    Text(Option<usize>),
    /// Element-only content: particles in order.
    Seq(&'static [Particle]),
    /// Mixed content with exactly one element of any kind (`Annotation`).
    AnyOne,
}

/// A set of alternative children with a cardinality.
#[derive(Debug)]
pub(crate) struct Particle {
    pub alts: &'static [&'static ElemDef],
    pub min: u32,
    /// `u32::MAX` = unbounded.
    pub max: u32,
}

/// An element declaration.
#[derive(Debug)]
pub(crate) struct ElemDef {
    pub name: &'static str,
    pub attrs: &'static [AttrDef],
    pub content: Content,
    /// Documented by Microsoft but absent from the published schema.
    pub extension: bool,
    /// Bit `i`: `attrs[i]` is required.
    pub required: u32,
    key: Key,
}

/// The required-attribute bits of `attrs` (see [`ElemDef::required`]).
const fn required_bits(attrs: &[AttrDef]) -> u32 {
    let mut bits = 0;
    let mut i = 0;
    while i < attrs.len() {
        if attrs[i].required {
            bits |= 1 << i;
        }
        i += 1;
    }
    bits
}

const N: u32 = u32::MAX;

const fn a(name: &'static str, ty: Ty) -> AttrDef {
    AttrDef {
        name,
        ty,
        required: false,
        key: Key::of_const(name),
    }
}
const fn r(name: &'static str, ty: Ty) -> AttrDef {
    AttrDef {
        name,
        ty,
        required: true,
        key: Key::of_const(name),
    }
}
const fn p(alts: &'static [&'static ElemDef], min: u32, max: u32) -> Particle {
    Particle { alts, min, max }
}
const fn el(name: &'static str, attrs: &'static [AttrDef], content: Content) -> ElemDef {
    ElemDef {
        name,
        attrs,
        content,
        extension: false,
        required: required_bits(attrs),
        key: Key::of_const(name),
    }
}
const fn ext(name: &'static str, attrs: &'static [AttrDef], content: Content) -> ElemDef {
    ElemDef {
        name,
        attrs,
        content,
        extension: true,
        required: required_bits(attrs),
        key: Key::of_const(name),
    }
}

use Ty::*;

// ---------------------------------------------------------------- shared
static ANNOTATION: ElemDef = el("annotation", &[r("application", Str)], Content::AnyOne);
static PARENT_CATEGORY: ElemDef = el("parentCategory", &[r("ref", ItemRef)], Content::Empty);
static SEE_ALSO: ElemDef = el("seeAlso", &[], Content::Text(None));
static KEYWORDS: ElemDef = el("keywords", &[], Content::Text(None));

// ---------------------------------------------------------------- values
static V_DELETE: ElemDef = el("delete", &[], Content::Empty);
static V_DECIMAL: ElemDef = el("decimal", &[r("value", UInt)], Content::Empty);
static V_LONG: ElemDef = ext("longDecimal", &[r("value", ULong)], Content::Empty);
static V_STRING: ElemDef = el("string", &[], Content::Text(Some(255)));
static VALUE_P: [Particle; 1] = [p(&[&V_DELETE, &V_DECIMAL, &V_STRING, &V_LONG], 1, 1)];
const VALUE: Content = Content::Seq(&VALUE_P);
static ENABLED_VALUE: ElemDef = el("enabledValue", &[], VALUE);
static DISABLED_VALUE: ElemDef = el("disabledValue", &[], VALUE);
static TRUE_VALUE: ElemDef = el("trueValue", &[], VALUE);
static FALSE_VALUE: ElemDef = el("falseValue", &[], VALUE);
static ITEM_VALUE: ElemDef = el("value", &[], VALUE);
static VALUE_ITEM: ElemDef = el(
    "item",
    &[a("key", Str), r("valueName", Str)],
    Content::Seq(&[p(&[&ITEM_VALUE], 1, 1)]),
);
static VALUE_LIST_P: [Particle; 1] = [p(&[&VALUE_ITEM], 1, N)];
const VALUE_LIST: Content = Content::Seq(&VALUE_LIST_P);
const VALUE_LIST_ATTRS: &[AttrDef] = &[a("defaultKey", Str)];
static ENABLED_LIST: ElemDef = el("enabledList", VALUE_LIST_ATTRS, VALUE_LIST);
static DISABLED_LIST: ElemDef = el("disabledList", VALUE_LIST_ATTRS, VALUE_LIST);
static TRUE_LIST: ElemDef = el("trueList", VALUE_LIST_ATTRS, VALUE_LIST);
static FALSE_LIST: ElemDef = el("falseList", VALUE_LIST_ATTRS, VALUE_LIST);
static VALUE_LIST_EL: ElemDef = el("valueList", VALUE_LIST_ATTRS, VALUE_LIST);

// ---------------------------------------------------------------- policy elements
static E_BOOLEAN: ElemDef = el(
    "boolean",
    &[
        r("id", Str),
        a("clientExtension", Guid),
        a("key", Str),
        a("valueName", Str),
    ],
    Content::Seq(&[
        p(&[&TRUE_VALUE], 0, 1),
        p(&[&FALSE_VALUE], 0, 1),
        p(&[&TRUE_LIST], 0, 1),
        p(&[&FALSE_LIST], 0, 1),
    ]),
);
static E_DECIMAL: ElemDef = el(
    "decimal",
    &[
        r("id", Str),
        a("clientExtension", Guid),
        a("key", Str),
        a("valueName", Str),
        a("required", Bool),
        a("minValue", UInt),
        a("maxValue", UInt),
        a("storeAsText", Bool),
        a("soft", Bool),
    ],
    Content::Empty,
);
static E_LONG_DECIMAL: ElemDef = ext(
    "longDecimal",
    &[
        r("id", Str),
        a("clientExtension", Guid),
        a("key", Str),
        a("valueName", Str),
        a("required", Bool),
        a("minValue", ULong),
        a("maxValue", ULong),
        a("storeAsText", Bool),
        a("soft", Bool),
    ],
    Content::Empty,
);
static E_TEXT: ElemDef = el(
    "text",
    &[
        r("id", Str),
        a("clientExtension", Guid),
        a("key", Str),
        a("valueName", Str),
        a("required", Bool),
        a("maxLength", UInt),
        a("expandable", Bool),
        a("soft", Bool),
    ],
    Content::Empty,
);
static ENUM_ITEM: ElemDef = el(
    "item",
    &[r("displayName", StringRef)],
    Content::Seq(&[p(&[&ITEM_VALUE], 1, 1), p(&[&VALUE_LIST_EL], 0, 1)]),
);
static E_ENUM: ElemDef = el(
    "enum",
    &[
        r("id", Str),
        a("clientExtension", Guid),
        a("key", Str),
        a("valueName", Str),
        a("required", Bool),
    ],
    Content::Seq(&[p(&[&ENUM_ITEM], 0, N)]),
);
static E_LIST: ElemDef = el(
    "list",
    &[
        r("id", Str),
        a("clientExtension", Guid),
        a("key", Str),
        a("valuePrefix", Str),
        a("additive", Bool),
        a("expandable", Bool),
        a("explicitValue", Bool),
    ],
    Content::Empty,
);
static E_MULTI_TEXT: ElemDef = el(
    "multiText",
    &[
        r("id", Str),
        a("clientExtension", Guid),
        a("key", Str),
        a("valueName", Str),
        a("required", Bool),
        a("maxLength", UInt),
        a("maxStrings", UInt),
        a("soft", Bool),
    ],
    Content::Empty,
);
static ELEMENTS: ElemDef = el(
    "elements",
    &[],
    Content::Seq(&[p(
        &[
            &E_BOOLEAN,
            &E_DECIMAL,
            &E_TEXT,
            &E_ENUM,
            &E_LIST,
            &E_MULTI_TEXT,
            &E_LONG_DECIMAL,
        ],
        1,
        N,
    )]),
);

// ---------------------------------------------------------------- policies, categories, supportedOn
static POLICY_SUPPORTED_ON: ElemDef = el("supportedOn", &[r("ref", ItemRef)], Content::Empty);
static POLICY: ElemDef = el(
    "policy",
    &[
        r("name", Ident),
        r("class", Class),
        r("displayName", StringRef),
        a("explainText", StringRef),
        a("presentation", PresRef),
        r("key", Str),
        a("valueName", Str),
    ],
    Content::Seq(&[
        p(&[&ANNOTATION], 0, N),
        p(&[&PARENT_CATEGORY], 0, 1),
        p(&[&SEE_ALSO], 0, N),
        p(&[&KEYWORDS], 0, 1),
        p(&[&POLICY_SUPPORTED_ON], 1, 1),
        p(&[&ENABLED_VALUE], 0, 1),
        p(&[&DISABLED_VALUE], 0, 1),
        p(&[&ENABLED_LIST], 0, 1),
        p(&[&DISABLED_LIST], 0, 1),
        p(&[&ELEMENTS], 0, 1),
    ]),
);
static POLICIES: ElemDef = el("policies", &[], Content::Seq(&[p(&[&POLICY], 1, N)]));
static CATEGORY: ElemDef = el(
    "category",
    &[
        r("name", Ident),
        r("displayName", StringRef),
        a("explainText", StringRef),
    ],
    Content::Seq(&[
        p(&[&ANNOTATION], 0, N),
        p(&[&PARENT_CATEGORY], 0, 1),
        p(&[&SEE_ALSO], 0, N),
        p(&[&KEYWORDS], 0, 1),
    ]),
);
static CATEGORIES: ElemDef = el("categories", &[], Content::Seq(&[p(&[&CATEGORY], 1, N)]));
static MINOR: ElemDef = el(
    "minorVersion",
    &[
        r("displayName", StringRef),
        r("name", Ident),
        r("versionIndex", UInt),
    ],
    Content::Empty,
);
static MAJOR: ElemDef = el(
    "majorVersion",
    &[
        r("name", Ident),
        r("displayName", StringRef),
        r("versionIndex", UInt),
    ],
    Content::Seq(&[p(&[&MINOR], 0, N)]),
);
static PRODUCT: ElemDef = el(
    "product",
    &[r("name", Ident), r("displayName", StringRef)],
    Content::Seq(&[p(&[&MAJOR], 0, N)]),
);
static PRODUCTS: ElemDef = el("products", &[], Content::Seq(&[p(&[&PRODUCT], 1, N)]));
static RANGE: ElemDef = el(
    "range",
    &[
        r("ref", ItemRef),
        a("minVersionIndex", UInt),
        a("maxVersionIndex", UInt),
    ],
    Content::Empty,
);
static REFERENCE: ElemDef = el("reference", &[r("ref", ItemRef)], Content::Empty);
static OR: ElemDef = el("or", &[], Content::Seq(&[p(&[&RANGE, &REFERENCE], 1, N)]));
static AND: ElemDef = el("and", &[], Content::Seq(&[p(&[&RANGE, &REFERENCE], 1, N)]));
static DEFINITION: ElemDef = el(
    "definition",
    &[r("name", Ident), r("displayName", StringRef)],
    Content::Seq(&[p(&[&OR, &AND], 0, 1)]),
);
static DEFINITIONS: ElemDef = el("definitions", &[], Content::Seq(&[p(&[&DEFINITION], 1, N)]));
static SUPPORTED_ON_TABLE: ElemDef = el(
    "supportedOn",
    &[],
    Content::Seq(&[p(&[&PRODUCTS], 0, 1), p(&[&DEFINITIONS], 0, 1)]),
);

// ---------------------------------------------------------------- ADMX root
static NS_DECL_TARGET: ElemDef = el(
    "target",
    &[r("prefix", Ident), r("namespace", AnyUri)],
    Content::Empty,
);
static NS_DECL_USING: ElemDef = el(
    "using",
    &[r("prefix", Ident), r("namespace", AnyUri)],
    Content::Empty,
);
static POLICY_NAMESPACES: ElemDef = el(
    "policyNamespaces",
    &[],
    Content::Seq(&[p(&[&NS_DECL_TARGET], 1, 1), p(&[&NS_DECL_USING], 0, N)]),
);
static SUPERSEDED: ElemDef = el("supersededAdm", &[r("fileName", Str)], Content::Empty);
static ADMX_RESOURCES: ElemDef = el(
    "resources",
    &[
        r("minRequiredRevision", Version),
        a("fallbackCulture", Language),
    ],
    Content::Empty,
);
/// `<policyDefinitions>`.
pub(crate) static ADMX_ROOT: ElemDef = el(
    "policyDefinitions",
    &[r("revision", Version), r("schemaVersion", Version)],
    Content::Seq(&[
        p(&[&POLICY_NAMESPACES], 1, 1),
        p(&[&SUPERSEDED], 0, N),
        p(&[&ANNOTATION], 0, N),
        p(&[&ADMX_RESOURCES], 1, 1),
        p(&[&SUPPORTED_ON_TABLE], 0, 1),
        p(&[&CATEGORIES], 0, 1),
        p(&[&POLICIES], 0, 1),
    ]),
);

// ---------------------------------------------------------------- ADML
static LABEL: ElemDef = el("label", &[], Content::Text(None));
static DEFAULT_VALUE: ElemDef = el("defaultValue", &[], Content::Text(None));
static COMBO_DEFAULT: ElemDef = el("default", &[], Content::Text(None));
static SUGGESTION: ElemDef = el("suggestion", &[], Content::Text(None));
static C_TEXT: ElemDef = el("text", &[], Content::Text(None));
static C_DECIMAL: ElemDef = el(
    "decimalTextBox",
    &[
        r("refId", Str),
        a("defaultValue", UInt),
        a("spin", Bool),
        a("spinStep", UInt),
    ],
    Content::Text(None),
);
static C_LONG_DECIMAL: ElemDef = ext(
    "longDecimalTextBox",
    &[
        r("refId", Str),
        a("defaultValue", ULong),
        a("spin", Bool),
        a("spinStep", UInt),
    ],
    Content::Text(None),
);
static C_TEXTBOX: ElemDef = el(
    "textBox",
    &[r("refId", Str)],
    Content::Seq(&[p(&[&LABEL], 1, 1), p(&[&DEFAULT_VALUE], 0, 1)]),
);
static C_CHECKBOX: ElemDef = el(
    "checkBox",
    &[r("refId", Str), a("defaultChecked", Bool)],
    Content::Text(None),
);
static C_COMBOBOX: ElemDef = el(
    "comboBox",
    &[r("refId", Str), a("noSort", Bool)],
    Content::Seq(&[
        p(&[&LABEL], 1, 1),
        p(&[&COMBO_DEFAULT], 0, 1),
        p(&[&SUGGESTION], 0, N),
    ]),
);
static C_DROPDOWN: ElemDef = el(
    "dropdownList",
    &[r("refId", Str), a("noSort", Bool), a("defaultItem", UInt)],
    Content::Text(None),
);
static C_LISTBOX: ElemDef = el("listBox", &[r("refId", Str)], Content::Text(None));
static C_MULTI: ElemDef = el(
    "multiTextBox",
    &[
        r("refId", Str),
        a("showAsDialog", Bool),
        a("defaultHeight", UInt),
    ],
    Content::Text(None),
);
static PRESENTATION: ElemDef = el(
    "presentation",
    &[r("id", Ident)],
    Content::Seq(&[p(
        &[
            &C_TEXT,
            &C_DECIMAL,
            &C_TEXTBOX,
            &C_CHECKBOX,
            &C_COMBOBOX,
            &C_DROPDOWN,
            &C_LISTBOX,
            &C_MULTI,
            &C_LONG_DECIMAL,
        ],
        0,
        N,
    )]),
);
static STRING: ElemDef = el("string", &[r("id", Ident)], Content::Text(None));
static STRING_TABLE: ElemDef = el("stringTable", &[], Content::Seq(&[p(&[&STRING], 1, N)]));
static PRESENTATION_TABLE: ElemDef = el(
    "presentationTable",
    &[],
    Content::Seq(&[p(&[&PRESENTATION], 1, N)]),
);
static ADML_RESOURCES: ElemDef = el(
    "resources",
    &[],
    Content::Seq(&[p(&[&STRING_TABLE], 0, 1), p(&[&PRESENTATION_TABLE], 0, 1)]),
);
static ADML_DISPLAY_NAME: ElemDef = el("displayName", &[], Content::Text(None));
static ADML_DESCRIPTION: ElemDef = el("description", &[], Content::Text(None));
/// `<policyDefinitionResources>`.
pub(crate) static ADML_ROOT: ElemDef = el(
    "policyDefinitionResources",
    &[r("revision", Version), r("schemaVersion", Version)],
    Content::Seq(&[
        p(&[&ADML_DISPLAY_NAME], 1, 1),
        p(&[&ADML_DESCRIPTION], 1, 1),
        p(&[&ANNOTATION], 0, N),
        p(&[&ADML_RESOURCES], 1, 1),
    ]),
);

// ================================================================ simple types

/// `s.split_once(':')` for the short names and values of tags (a plain
/// byte loop; the general searcher costs more than the search here).
#[inline]
fn split_colon(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == b':')?;
    Some((&s[..i], &s[i + 1..]))
}

/// ASCII letters, digits and underscore (indexed by byte: no bounds check).
static ASCII_IDENT: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_';
        c += 1;
    }
    t
};

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// `(\p{L}|\p{N}|_)+`.
pub(crate) fn is_ident(s: &str) -> bool {
    // ASCII first (nearly every id); the Unicode test decides the rest
    !s.is_empty()
        && (s.bytes().fold(true, |ok, b| ok & ASCII_IDENT[b as usize])
            || s.chars().all(is_ident_char))
}

/// Identifier that is valid except for hyphens (which Windows tolerates).
fn is_hyphen_ident(s: &str) -> bool {
    !s.is_empty() && s.contains('-') && s.chars().all(|c| c == '-' || is_ident_char(c))
}

fn collapse(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.bytes().any(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(collapse_owned(s))
}

fn collapse_owned(s: &str) -> String {
    s.split([' ', '\t', '\n', '\r'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_version(s: &str) -> bool {
    let Some((a, b)) = s.split_once('.') else {
        return false;
    };
    (1..=4).contains(&a.len())
        && (1..=5).contains(&b.len())
        && a.bytes().all(|c| c.is_ascii_digit())
        && b.bytes().all(|c| c.is_ascii_digit())
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 38 || b[0] != b'{' || b[37] != b'}' {
        return false;
    }
    b[1..37].iter().enumerate().all(|(i, &c)| match i {
        8 | 13 | 18 | 23 => c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

fn is_language(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').enumerate().all(|(i, part)| {
            (1..=8).contains(&part.len())
                && if i == 0 {
                    part.bytes().all(|c| c.is_ascii_alphabetic())
                } else {
                    part.bytes().all(|c| c.is_ascii_alphanumeric())
                }
        })
}

/// `s` is a non-empty run of ASCII letters, digits and underscores.
#[inline(always)]
fn ascii_ident(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().fold(true, |ok, &b| ok & ASCII_IDENT[b as usize])
}

/// The usual valid values, known valid without [`check_value`]'s work
/// (for which it finds nothing): plain ASCII identifiers and references,
/// the exact tokens, short unsigned numbers. `false` says nothing.
#[inline(always)]
fn plainly_valid(ty: Ty, v: &str) -> bool {
    let b = v.as_bytes();
    match ty {
        StringRef => b
            .strip_prefix(b"$(string.")
            .and_then(|x| x.strip_suffix(b")"))
            .is_some_and(ascii_ident),
        PresRef => b
            .strip_prefix(b"$(presentation.")
            .and_then(|x| x.strip_suffix(b")"))
            .is_some_and(ascii_ident),
        Ident => ascii_ident(b),
        ItemRef => match split_colon(v) {
            Some((p, n)) => ascii_ident(p.as_bytes()) && ascii_ident(n.as_bytes()),
            None => ascii_ident(b),
        },
        Bool => matches!(b, b"true" | b"false" | b"1" | b"0"),
        Class => matches!(b, b"User" | b"Machine" | b"Both"),
        UInt => (1..=9).contains(&b.len()) && b.iter().all(u8::is_ascii_digit),
        ULong => (1..=19).contains(&b.len()) && b.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// What is wrong with an attribute value, as (code, message).
fn check_value(ty: Ty, elem: &str, attr: &str, v: &str) -> Option<(&'static str, String)> {
    if matches!(ty, Ident | ItemRef | StringRef | PresRef) {
        // (no copy unless there is something to trim)
        let item_ref = if ty == ItemRef { split_colon(v) } else { None };
        let trims = match item_ref {
            Some((p, n)) => p.trim().len() != p.len() || n.trim().len() != n.len(),
            None => v.trim().len() != v.len(),
        };
        let trimmed = || match item_ref {
            Some((p, n)) => format!("{}:{}", p.trim(), n.trim()),
            None => v.trim().to_string(),
        };
        if trims && check_value_inner(ty, elem, attr, &trimmed()).is_none() {
            return Some((
                "SCH019",
                format!(
                    "expected no spaces in `{attr}` of `<{elem}>`, found `{}`",
                    short(v)
                ),
            ));
        }
    }
    check_value_inner(ty, elem, attr, v)
}

fn check_value_inner(ty: Ty, elem: &str, attr: &str, v: &str) -> Option<(&'static str, String)> {
    match ty {
        Str | AnyUri => None,
        Version => (!is_version(&collapse(v))).then(|| {
            (
                "SCH007",
                format!(
                    "expected a version like `1.0` in `{attr}` of `<{elem}>`, found `{}`",
                    short(v)
                ),
            )
        }),
        StringRef | PresRef => {
            let (kind, code, prefix) = if ty == StringRef {
                ("string", "SCH008", "$(string.")
            } else {
                ("presentation", "SCH009", "$(presentation.")
            };
            let id = v.strip_prefix(prefix).and_then(|x| x.strip_suffix(')'));
            match id {
                Some(id) if is_ident(id) => None,
                Some(id) if is_hyphen_ident(id) => Some((
                    "SCH011",
                    format!(
                        "expected letters, digits and underscores in `{attr}` of `<{elem}>`, found the hyphenated id `{id}`"
                    ),
                )),
                _ => Some((
                    code,
                    format!(
                        "expected `$({kind}.ID)` in `{attr}` of `<{elem}>`, found `{}`",
                        short(v)
                    ),
                )),
            }
        }
        Ident => {
            if is_ident(v) {
                None
            } else if is_hyphen_ident(v) {
                Some((
                    "SCH011",
                    format!(
                        "expected letters, digits and underscores in `{attr}` of `<{elem}>`, found the hyphenated id `{}`",
                        short(v)
                    ),
                ))
            } else {
                Some((
                    "SCH010",
                    format!(
                        "expected letters, digits and underscores in `{attr}` of `<{elem}>`, found `{}`",
                        short(v)
                    ),
                ))
            }
        }
        ItemRef => {
            let parts = split_colon(v);
            let idents = match parts {
                Some((p, n)) => is_ident(p) && is_ident(n),
                None => is_ident(v),
            };
            if idents {
                // (and `v.split(':')` is those parts)
                return None;
            }
            let ok = |s: &str| is_ident(s) || is_hyphen_ident(s);
            let valid = match parts {
                Some((p, n)) => ok(p) && ok(n),
                None => ok(v),
            };
            if !valid {
                Some((
                    "SCH012",
                    format!(
                        "expected `name` or `prefix:name` in `{attr}` of `<{elem}>`, found `{}`",
                        short(v)
                    ),
                ))
            } else if !v.split(':').all(is_ident) {
                Some((
                    "SCH011",
                    format!(
                        "expected letters, digits and underscores in `{attr}` of `<{elem}>`, found the hyphenated reference `{}`",
                        short(v)
                    ),
                ))
            } else {
                None
            }
        }
        Guid => (!is_guid(v)).then(|| {
            (
                "SCH013",
                format!(
                    "expected a braced GUID in `{attr}` of `<{elem}>`, found `{}`",
                    short(v)
                ),
            )
        }),
        UInt | ULong => {
            if v.is_empty() {
                return Some((
                    "SCH017",
                    format!("expected a number in `{attr}` of `<{elem}>`, found an empty value"),
                ));
            }
            let ok = v.bytes().all(|c| c.is_ascii_digit())
                && if ty == UInt {
                    v.parse::<u32>().is_ok()
                } else {
                    v.parse::<u64>().is_ok()
                };
            (!ok).then(|| {
                let range = if ty == UInt { "0..=4294967295" } else { "0..=18446744073709551615" };
                ("SCH006", format!("expected an unsigned integer in {range} in `{attr}` of `<{elem}>`, found `{}`", short(v)))
            })
        }
        Bool => (!matches!(&*collapse(v), "true" | "false" | "1" | "0")).then(|| {
            (
                "SCH014",
                format!(
                    "expected `true` or `false` in `{attr}` of `<{elem}>`, found `{}`",
                    short(v)
                ),
            )
        }),
        Class => (!matches!(&*collapse(v), "User" | "Machine" | "Both")).then(|| {
            (
                "SCH005",
                format!(
                    "expected `User`, `Machine` or `Both` in `class` of `<{elem}>`, found `{}`",
                    short(v)
                ),
            )
        }),
        Language => (!is_language(&collapse(v))).then(|| {
            (
                "SCH018",
                format!(
                    "expected a culture name like `en-US` in `{attr}` of `<{elem}>`, found `{}`",
                    short(v)
                ),
            )
        }),
    }
}

/// A value shortened for messages.
pub(crate) fn short(v: &str) -> String {
    let mut s: String = v.chars().take(60).collect();
    if s.len() < v.len() {
        s.push('…');
    }
    s.replace(['\n', '\r', '\t'], " ")
}

// ================================================================ walker

/// Result of the schema walk of one file.
#[derive(Debug, Default)]
pub(crate) struct SchemaOutcome {
    /// Findings (file and schema layers).
    pub diagnostics: Vec<Diagnostic>,
    /// The text is well-formed XML with a template root (the model layers may run).
    pub well_formed: bool,
    /// Local name of the root element.
    pub root: Option<String>,
}

struct Frame {
    def: Option<&'static ElemDef>,
    start: usize,
    /// Particle index and count in it.
    pi: usize,
    count: u32,
    /// Text characters seen (for `Text(Some(max))`).
    chars: usize,
    text_reported: bool,
    /// Number of xmlns declarations pushed by this element.
    ns_pushed: usize,
    /// Number of child elements (for `AnyOne`).
    children: u32,
}

/// Diagnostic with the rule's default severity.
pub(crate) fn diag(code: &'static str, message: String, span: Span) -> Diagnostic {
    let sev = rule(code).map_or(Severity::Error, |r| r.severity);
    Diagnostic::new(code, sev, message).with_span(span)
}

/// Where a [`Checker`] is in the event stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting more events.
    Running,
    /// Stopped at a well-formedness problem or a foreign root: later events
    /// change nothing.
    Stopped,
    /// Saw the end of the document: the text is well-formed.
    Finished,
}

/// The schema walker, fed event by event ([`EventObserver`]): it rides
/// along the model reader (one pass over the text) or runs alone ([`check`]).
pub(crate) struct Checker {
    strict: bool,
    out: SchemaOutcome,
    state: State,
    stack: Vec<Frame>,
    /// (prefix or "" for default, uri)
    ns: Vec<(String, String)>,
    root_ns: Option<String>,
    root_decls: usize,
    seen_root: bool,
    /// Memory for the attributes of a tag.
    attr_buf: Vec<Attr<'static>>,
    /// Tests: `false` sends every tag the general way.
    #[cfg(test)]
    usual: bool,
}

impl Checker {
    /// A checker; `strict`: reject the documented extensions (`longDecimal`, ...).
    pub(crate) fn new(strict: bool) -> Checker {
        Checker {
            strict,
            out: SchemaOutcome::default(),
            state: State::Running,
            stack: Vec::new(),
            ns: Vec::new(),
            root_ns: None,
            root_decls: 0,
            seen_root: false,
            attr_buf: Vec::new(),
            #[cfg(test)]
            usual: true,
        }
    }

    /// The outcome, once the event stream reached its end, an error, or a
    /// point where the walk stops; `None` while more events are needed.
    pub(crate) fn finish(self) -> Option<SchemaOutcome> {
        match self.state {
            State::Running => None,
            State::Stopped => Some(self.out),
            State::Finished => {
                let mut out = self.out;
                out.well_formed = true;
                Some(out)
            }
        }
    }

    /// Ends the walk at a well-formedness problem: findings before a
    /// syntax error are not reliable, so only the file layer's are kept.
    fn stop_malformed(&mut self, d: Diagnostic) {
        self.out.diagnostics.retain(|d| d.code.starts_with("XML"));
        self.out.diagnostics.push(d);
        self.state = State::Stopped;
    }

    #[inline(never)]
    fn start(&mut self, text: &str, tag: &Tag<'_>) {
        if !self.start_usual(tag) {
            self.start_any(text, tag);
        }
    }

    /// The usual start tag (clean, unprefixed, no namespace declarations,
    /// where its parent expects it, its attributes declared, each once,
    /// with usual valid values) checked in one pass over its attributes.
    /// `false`, with nothing changed, for any other tag
    /// ([`Checker::start_any`] checks it).
    #[inline(always)]
    fn start_usual(&mut self, tag: &Tag<'_>) -> bool {
        #[cfg(test)]
        if !self.usual {
            return false;
        }
        let Some(attrs) = tag.plain_attributes() else {
            return false;
        };
        // The whole name: a prefixed one is no declared element's (none
        // has a `:`), so it is not found below and goes the general way.
        let local = tag.name();
        // (no namespace declared below the root, or no default one)
        if !self.seen_root || (self.ns.len() != self.root_decls && !self.prefixed_below_root()) {
            return false;
        }
        let Some(parent) = self.stack.last() else {
            return false;
        };
        let Some(pdef) = parent.def else {
            return false;
        };
        let Content::Seq(parts) = pdef.content else {
            return false;
        };
        // Its place: in the current particle or after optional ones (as
        // `child` finds it).
        let key = Key::of(local);
        let mut i = parent.pi;
        let mut count = parent.count;
        let mut found = None;
        while i < parts.len() {
            let part = &parts[i];
            if let Some(d) = part.alts.iter().find(|d| d.key.is(d.name, &key, local)) {
                if count < part.max {
                    found = Some(*d);
                }
                break;
            }
            if count < part.min {
                break;
            }
            i += 1;
            count = 0;
        }
        let Some(d) = found else {
            return false;
        };
        // Its attributes: each declared, once, with a usual valid value (a
        // tag with anything to report about one is checked the general way).
        let mut seen = 0u32;
        // (attributes mostly come in the order declared: each search
        // starts after the declaration found last)
        let mut from = 0;
        for (n, _, v) in attrs {
            let Some(j) = attr_index(d, &Key::of(n), n, from) else {
                return false;
            };
            let def = &d.attrs[j];
            if seen & (1 << j) != 0 || !(matches!(def.ty, Str | AnyUri) || plainly_valid(def.ty, v))
            {
                return false;
            }
            seen |= 1 << j;
            from = j + 1;
        }
        // The reports in `start_any`'s order: the element, its missing
        // attributes.
        let tspan = tag.span;
        let out = &mut self.out.diagnostics;
        // (the span of its name only for the rare report)
        if self.strict && d.extension {
            ext_found(out, d, head_of(tspan, tag.name()));
        }
        if seen & d.required != d.required {
            missing_attrs(out, d, seen, tspan);
        }
        let parent = self.stack.last_mut().expect("parent");
        parent.children += 1;
        parent.pi = i;
        parent.count = count + 1;
        let frame = Frame {
            def: Some(d),
            start: tspan.start(),
            pi: 0,
            count: 0,
            chars: 0,
            text_reported: false,
            ns_pushed: 0,
            children: 0,
        };
        if tag.empty {
            finish(out, frame, tspan.end());
        } else {
            self.stack.push(frame);
        }
        true
    }

    /// An end tag.
    #[inline(never)]
    fn end(&mut self, span: Span) {
        let Some(frame) = self.stack.pop() else {
            self.state = State::Finished;
            return;
        };
        let pushed = frame.ns_pushed;
        finish(&mut self.out.diagnostics, frame, span.end());
        if pushed != 0 {
            self.drop_ns(pushed);
        }
    }

    /// Forgets the last `n` namespace declarations (rare: an element
    /// below the root that declares namespaces ends).
    #[cold]
    #[inline(never)]
    fn drop_ns(&mut self, n: usize) {
        self.ns.truncate(self.ns.len() - n);
    }

    /// Text (other than the kinds [`Checker::on_event`] passes by).
    #[inline(never)]
    fn text(&mut self, t: &Text<'_>) {
        // References are resolved (and checked); line ends are left
        // as written: TextRun counts CR LF as the one LF it means.
        let value;
        let blank = t.is_blank();
        let s: &str = if !blank && t.raw.contains('&') {
            match t.value() {
                Ok(v) => {
                    value = v;
                    &value
                }
                Err(e) => {
                    self.stop_malformed(diag("XML001", wf_message(e.message()), e.span()));
                    return;
                }
            }
        } else {
            t.raw
        };
        if let Some(f) = self.stack.last_mut() {
            text_in(
                &mut self.out.diagnostics,
                f,
                TextRun::Text(s),
                blank,
                t.span,
            );
        }
    }

    /// Every namespace declared below the root has a prefix.
    #[cold]
    #[inline(never)]
    fn prefixed_below_root(&self) -> bool {
        self.ns
            .iter()
            .skip(self.root_decls)
            .all(|(p, _)| !p.is_empty())
    }

    /// Any start tag.
    #[inline(never)]
    fn start_any(&mut self, text: &str, tag: &Tag<'_>) {
        let qname = tag.name();
        let local = tag.local_name();
        let tspan = tag.span;
        // The attributes (in the vector of the last tag, emptied).
        let mut attrs: Vec<Attr<'_>> = reuse(std::mem::take(&mut self.attr_buf));
        let mut xmlns = false;
        if let Some(plain) = tag.plain_attributes() {
            // The usual tag: its values as written, each name checked
            // here against the ones before (as `Tag::attributes` would).
            for (n, at, v) in plain {
                let key = Key::of(n);
                if attrs.iter().any(|a| key.is(n, &a.key, a.name)) {
                    let e = duplicate(text, n, at);
                    self.stop_malformed(diag("XML001", wf_message(e.message()), e.span()));
                    return;
                }
                xmlns |= n.starts_with("xmlns");
                attrs.push(Attr {
                    name: n,
                    key,
                    value: Cow::Borrowed(v),
                });
            }
        } else {
            for a in tag.attributes() {
                match a {
                    Ok((n, v)) => {
                        xmlns |= n.starts_with("xmlns");
                        attrs.push(Attr {
                            name: n,
                            key: Key::of(n),
                            value: v,
                        });
                    }
                    Err(e) => {
                        self.stop_malformed(diag("XML001", wf_message(e.message()), e.span()));
                        return;
                    }
                }
            }
        }
        let ns = &mut self.ns;
        let mut ns_pushed = 0;
        if xmlns {
            for a in &attrs {
                let (n, v) = (a.name, &*a.value);
                if n == "xmlns" {
                    ns.push((String::new(), v.to_string()));
                    ns_pushed += 1;
                } else if let Some(pfx) = n.strip_prefix("xmlns:") {
                    ns.push((pfx.to_string(), v.to_string()));
                    ns_pushed += 1;
                }
            }
        }
        // (the local name is the whole name unless there is a `:`)
        let prefix = if local.len() == qname.len() {
            ""
        } else {
            split_colon(qname).map_or("", |(p, _)| p)
        };
        // fast path: unprefixed element and no default namespace declared below the root
        let plain = prefix.is_empty()
            && self.seen_root
            && ns_pushed == 0
            && ns.iter().skip(self.root_decls).all(|(p, _)| !p.is_empty());
        let elem_ns = if plain {
            self.root_ns.as_deref().filter(|u| !u.is_empty())
        } else {
            lookup_ns(ns, prefix)
        };
        if !prefix.is_empty() && elem_ns.is_none() {
            self.stop_malformed(diag(
                "XML001",
                format!("expected a declared namespace prefix, found undeclared `{prefix}`"),
                tspan,
            ));
            return;
        }
        let out = &mut self.out;
        let def: Option<&'static ElemDef>;
        if !self.seen_root {
            self.seen_root = true;
            out.root = Some(local.to_string());
            def = match local {
                "policyDefinitions" => Some(&ADMX_ROOT),
                "policyDefinitionResources" => Some(&ADML_ROOT),
                _ => None,
            };
            if def.is_none() {
                let (code, msg) = if local.eq_ignore_ascii_case("html") {
                    (
                        "XML002",
                        "expected an ADMX/ADML template, found an HTML page".to_string(),
                    )
                } else {
                    (
                        "XML005",
                        format!(
                            "expected root element `<policyDefinitions>` or `<policyDefinitionResources>`, found `<{qname}>`"
                        ),
                    )
                };
                out.diagnostics.push(diag(code, msg, head_of(tspan, qname)));
                self.state = State::Stopped;
                return;
            }
            let uri = elem_ns.unwrap_or_default().to_string();
            if !(uri.is_empty() || uri == namespaces::SCHEMAS_2006 || uri == namespaces::WWW) {
                let span = attr_span(text, tspan, "xmlns").unwrap_or(tspan);
                out.diagnostics.push(diag(
                    "XML004",
                    format!(
                        "expected root namespace `{}`, `{}` or none, found `{}`",
                        namespaces::SCHEMAS_2006,
                        namespaces::WWW,
                        short(&uri)
                    ),
                    span,
                ));
            }
            self.root_ns = Some(uri);
            self.root_decls = ns.len();
        } else {
            let parent = self.stack.last_mut().expect("inside root");
            // (a plain element is in the root's namespace)
            let same_ns =
                plain || elem_ns.unwrap_or_default() == self.root_ns.as_deref().unwrap_or_default();
            def = if same_ns {
                child(
                    &mut out.diagnostics,
                    parent,
                    local,
                    head_of(tspan, qname),
                    self.strict,
                )
            } else {
                if let Some(pdef) = parent.def {
                    out.diagnostics.push(diag(
                        "SCH003",
                        format!(
                            "expected elements in the root's namespace inside `<{}>`, found `<{qname}>` in namespace `{}`",
                            pdef.name,
                            short(elem_ns.unwrap_or_default())
                        ),
                        head_of(tspan, qname),
                    ));
                }
                None
            };
        }
        if let Some(d) = def {
            check_attrs(&mut out.diagnostics, text, d, &attrs, ns, tspan);
        }
        attrs.clear();
        self.attr_buf = reuse(attrs);
        let frame = Frame {
            def,
            start: tspan.start(),
            pi: 0,
            count: 0,
            chars: 0,
            text_reported: false,
            ns_pushed,
            children: 0,
        };
        if tag.empty {
            finish(&mut out.diagnostics, frame, tspan.end());
            ns.truncate(ns.len() - ns_pushed);
        } else {
            self.stack.push(frame);
        }
    }
}

impl EventObserver for Checker {
    fn on_event(&mut self, text: &str, ev: &Event<'_>) {
        if self.state != State::Running {
            return;
        }
        match ev {
            Event::Eof => self.state = State::Finished,
            Event::Decl(_) | Event::Pi(..) | Event::Comment(..) => {}
            Event::Start(tag) => self.start(text, tag),
            Event::Text(t) => {
                // Text in an element that takes any text, whitespace
                // between elements: nothing to look at (the reader checked
                // the references of text before it returned it).
                if let Some(Frame { def: Some(d), .. }) = self.stack.last() {
                    match d.content {
                        Content::Text(None) | Content::AnyOne => return,
                        Content::Seq(_) if t.is_blank() => return,
                        _ => {}
                    }
                }
                self.text(t);
            }
            Event::End(span) => self.end(*span),
            Event::CData(t, span) => {
                if let Some(f) = self.stack.last_mut() {
                    text_in(
                        &mut self.out.diagnostics,
                        f,
                        TextRun::CData(t),
                        false,
                        *span,
                    );
                }
            }
        }
    }

    fn on_error(&mut self, text: &str, e: &ParseError) {
        if self.state != State::Running {
            return;
        }
        let code = if e.message().starts_with("DTD") {
            "XML002"
        } else {
            "XML001"
        };
        let msg = if code == "XML002" {
            "expected an ADMX/ADML template, found a document type declaration (`<!DOCTYPE`); this is likely an HTML page saved as a template".to_string()
        } else {
            wf_message(e.message())
        };
        let s = e.span();
        let s = if s.is_empty() {
            Span::new(s.start(), (s.start() + 1).min(text.len()))
        } else {
            s
        };
        self.stop_malformed(diag(code, msg, s));
    }
}

/// An attribute of the start tag being checked.
struct Attr<'t> {
    name: &'t str,
    key: Key,
    value: Cow<'t, str>,
}

/// The empty vector `v` for other attributes (its memory kept: no
/// allocation per tag).
fn reuse<'b>(mut v: Vec<Attr<'_>>) -> Vec<Attr<'b>> {
    v.clear();
    v.into_iter().map(|_| unreachable!("empty")).collect()
}

/// Walks `text` (decoded) alone and checks it against the schema tables.
/// `strict`: reject the documented extensions (`longDecimal`, ...).
pub(crate) fn check(text: &str, strict: bool) -> SchemaOutcome {
    let mut checker = Checker::new(strict);
    let mut reader = XmlReader::new(text);
    while checker.state == State::Running {
        match reader.next_event() {
            Ok(ev) => checker.on_event(text, &ev),
            Err(e) => checker.on_error(text, &e),
        }
    }
    checker.finish().unwrap_or_default()
}

/// The reader's message in "expected X, found Y" form.
fn wf_message(m: &str) -> String {
    if m.starts_with("expected") {
        m.to_string()
    } else {
        format!("expected well-formed XML, found {m}")
    }
}

/// The `<name` part of a start tag.
fn head_of(tag: Span, qname: &str) -> Span {
    Span::new(tag.start(), (tag.start() + 1 + qname.len()).min(tag.end()))
}

fn lookup_ns<'n>(ns: &'n [(String, String)], prefix: &str) -> Option<&'n str> {
    ns.iter()
        .rev()
        .find(|(p, _)| p == prefix)
        .map(|(_, u)| u.as_str())
        .filter(|u| !(prefix.is_empty() && u.is_empty()))
}

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn check_attrs(
    out: &mut Vec<Diagnostic>,
    text: &str,
    d: &ElemDef,
    attrs: &[Attr<'_>],
    ns: &[(String, String)],
    tag: Span,
) {
    // the attribute declarations seen (bit i: d.attrs[i]; fewer than 32)
    let mut seen = 0u32;
    for at in attrs {
        // (a declared name never starts with `xmlns` nor has a prefix: the
        // attributes skipped by `undeclared_attr` match none)
        match d
            .attrs
            .iter()
            .position(|x| x.key.is(x.name, &at.key, at.name))
        {
            None => undeclared_attr(out, text, d, at.name, ns, tag),
            Some(i) => {
                seen |= 1 << i;
                let def = &d.attrs[i];
                if matches!(def.ty, Str | AnyUri) || plainly_valid(def.ty, &at.value) {
                    continue; // any value, or a usual valid one
                }
                bad_value(out, text, d, def, (at.name, &at.value), tag);
            }
        }
    }
    if seen & d.required != d.required {
        missing_attrs(out, d, seen, tag);
    }
}

/// The index of the declaration of the attribute `name` (key `k`) of `d`,
/// the declarations from `from` on searched first (the names of `d.attrs`
/// differ: the same index either way).
#[inline(always)]
fn attr_index(d: &ElemDef, k: &Key, name: &str, from: usize) -> Option<usize> {
    let n = d.attrs.len();
    let mut j = from;
    while j < n {
        let x = &d.attrs[j];
        if x.key.is(x.name, k, name) {
            return Some(j);
        }
        j += 1;
    }
    let mut j = 0;
    while j < from.min(n) {
        let x = &d.attrs[j];
        if x.key.is(x.name, k, name) {
            return Some(j);
        }
        j += 1;
    }
    None
}

/// Checks the value of the attribute `at` (declared by `def`) of `d`.
#[inline(never)]
fn bad_value(
    out: &mut Vec<Diagnostic>,
    text: &str,
    d: &ElemDef,
    def: &AttrDef,
    (name, value): (&str, &str),
    tag: Span,
) {
    if let Some((code, msg)) = check_value(def.ty, d.name, def.name, value) {
        let span = attr_span(text, tag, name).unwrap_or(tag);
        out.push(diag(code, msg, span));
    }
}

/// The attribute `name` that `d` does not declare (namespace declarations
/// and the schema-location attributes aside).
#[cold]
#[inline(never)]
fn undeclared_attr(
    out: &mut Vec<Diagnostic>,
    text: &str,
    d: &ElemDef,
    name: &str,
    ns: &[(String, String)],
    tag: Span,
) {
    if name == "xmlns" || name.starts_with("xmlns:") {
        return;
    }
    if let Some((pfx, local)) = split_colon(name) {
        if lookup_ns(ns, pfx) == Some(XSI)
            && matches!(local, "schemaLocation" | "noNamespaceSchemaLocation")
        {
            return;
        }
    }
    let value_span = attr_span(text, tag, name).unwrap_or(tag);
    // point at the attribute's name
    let before = &text[tag.start()..value_span.start().max(tag.start())];
    let span = before.rfind(name).map_or(value_span, |k| {
        Span::new(tag.start() + k, tag.start() + k + name.len())
    });
    out.push(diag(
        "SCH004",
        format!(
            "expected no attribute `{name}` on `<{}>` (the schema does not define it)",
            d.name
        ),
        span,
    ))
}

/// The required attributes of `d` not `seen`.
#[cold]
#[inline(never)]
fn missing_attrs(out: &mut Vec<Diagnostic>, d: &ElemDef, seen: u32, tag: Span) {
    for (i, def) in d.attrs.iter().enumerate() {
        if def.required && seen & (1 << i) == 0 {
            let name_end = tag.start() + 1 + d.name.len();
            out.push(diag(
                "SCH001",
                format!(
                    "expected attribute `{}` on `<{}>`, found none",
                    def.name, d.name
                ),
                Span::new(tag.start(), name_end.min(tag.end())),
            ));
        }
    }
}

fn names(p: &Particle) -> String {
    p.alts
        .iter()
        .filter(|d| !d.extension)
        .map(|d| format!("`<{}>`", d.name))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Matches a child element against the parent's content model.
fn child(
    out: &mut Vec<Diagnostic>,
    parent: &mut Frame,
    local: &str,
    tag: Span,
    strict: bool,
) -> Option<&'static ElemDef> {
    parent.children += 1;
    let pdef = parent.def?;
    let parts = match &pdef.content {
        Content::Seq(parts) => *parts,
        Content::AnyOne => return None,
        Content::Empty | Content::Text(_) => {
            out.push(diag(
                "SCH003",
                format!(
                    "expected no child elements in `<{}>`, found `<{local}>`",
                    pdef.name
                ),
                tag,
            ));
            return None;
        }
    };
    let key = Key::of(local);
    let find = |p: &Particle| {
        p.alts
            .iter()
            .copied()
            .find(|d| d.key.is(d.name, &key, local))
    };
    // current particle
    let mut i = parent.pi;
    let mut count = parent.count;
    while i < parts.len() {
        if let Some(d) = find(&parts[i]) {
            if count < parts[i].max {
                parent.pi = i;
                parent.count = count + 1;
                return Some(ext_check(out, d, tag, strict));
            }
            out.push(diag(
                "SCH003",
                format!(
                    "expected at most {} `<{local}>` in `<{}>`, found another",
                    parts[i].max, pdef.name
                ),
                tag,
            ));
            return Some(d);
        }
        if count < parts[i].min {
            // a required particle is skipped: is the child further on?
            if let Some(j) = (i + 1..parts.len()).find(|&j| find(&parts[j]).is_some()) {
                for part in &parts[i..j] {
                    let have = if std::ptr::eq(part, &parts[i]) {
                        count
                    } else {
                        0
                    };
                    if have < part.min {
                        out.push(diag(
                            "SCH002",
                            format!(
                                "expected {} in `<{}>` before `<{local}>`, found none",
                                names(part),
                                pdef.name
                            ),
                            tag,
                        ));
                    }
                }
                parent.pi = j;
                parent.count = 1;
                return find(&parts[j]).map(|d| ext_check(out, d, tag, strict));
            }
            break;
        }
        i += 1;
        count = 0;
    }
    // not acceptable here: known elsewhere in this parent (order) or unknown
    if let Some(d) = parts.iter().find_map(find) {
        let expected = parts[parent.pi..]
            .iter()
            .enumerate()
            .filter(|(k, p)| !(*k == 0 && parent.count >= p.max))
            .map(|(_, p)| names(p))
            .filter(|s| !s.is_empty())
            .take(3)
            .collect::<Vec<_>>()
            .join(", ");
        let exp = if expected.is_empty() {
            format!("the end of `<{}>`", pdef.name)
        } else {
            expected
        };
        out.push(diag(
            "SCH003",
            format!(
                "expected {exp} in `<{}>`, found `<{local}>` out of order",
                pdef.name
            ),
            tag,
        ));
        return Some(d);
    }
    let allowed = parts
        .iter()
        .map(names)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    out.push(diag(
        "SCH003",
        format!(
            "expected one of {allowed} in `<{}>`, found unknown `<{local}>`",
            pdef.name
        ),
        tag,
    ));
    None
}

#[inline(always)]
fn ext_check(
    out: &mut Vec<Diagnostic>,
    d: &'static ElemDef,
    tag: Span,
    strict: bool,
) -> &'static ElemDef {
    if strict && d.extension {
        ext_found(out, d, tag);
    }
    d
}

#[cold]
#[inline(never)]
fn ext_found(out: &mut Vec<Diagnostic>, d: &'static ElemDef, tag: Span) {
    out.push(diag(
        "SCH003",
        format!("expected elements of Microsoft's published schema, found `<{}>` (documented, but not in the schema)", d.name),
        tag,
    ));
}

/// Character data for [`text_in`].
enum TextRun<'t> {
    /// Text with references resolved, line ends as written (CR LF, lone CR
    /// or LF: one character each).
    Text(&'t str),
    /// A CDATA section (never counts as whitespace).
    CData(&'t str),
}

impl TextRun<'_> {
    /// Only XML whitespace.
    fn is_blank(&self) -> bool {
        match self {
            // (whitespace is ASCII: a byte test is a character test)
            TextRun::Text(s) => s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
            TextRun::CData(_) => false,
        }
    }

    /// Characters after line-end normalisation.
    fn chars(&self) -> usize {
        match self {
            TextRun::Text(s) => {
                let crlf = if s.contains('\r') {
                    s.matches("\r\n").count()
                } else {
                    0
                };
                s.chars().count() - crlf
            }
            TextRun::CData(s) => s.chars().count(),
        }
    }
}

/// Character data `t` inside the element of `f`; `blank`: known to be only
/// whitespace (else `t` is tested when it matters).
#[inline(always)]
fn text_in(out: &mut Vec<Diagnostic>, f: &mut Frame, t: TextRun<'_>, blank: bool, span: Span) {
    let Some(d) = f.def else { return };
    match d.content {
        // only a length limit needs the characters counted
        Content::Text(Some(_)) => f.chars += t.chars(),
        Content::Text(None) => {}
        Content::AnyOne => {}
        Content::Seq(_) if blank || t.is_blank() => {}
        Content::Empty | Content::Seq(_) => {
            if !f.text_reported {
                f.text_reported = true;
                let what = if matches!(d.content, Content::Empty) {
                    "no content"
                } else {
                    "only elements"
                };
                out.push(diag(
                    "SCH016",
                    format!("expected {what} in `<{}>`, found text", d.name),
                    span,
                ));
            }
        }
    }
}

#[inline(always)]
fn finish(out: &mut Vec<Diagnostic>, f: Frame, end: usize) {
    let Some(d) = f.def else { return };
    let complete = match &d.content {
        Content::Seq(parts) => parts
            .iter()
            .enumerate()
            .skip(f.pi)
            .all(|(k, part)| (if k == f.pi { f.count } else { 0 }) >= part.min),
        Content::AnyOne => f.children == 1,
        Content::Text(Some(max)) => f.chars <= *max,
        Content::Text(None) | Content::Empty => true,
    };
    if !complete {
        incomplete(out, f, end);
    }
}

/// [`finish`] for an element that misses something.
#[cold]
#[inline(never)]
fn incomplete(out: &mut Vec<Diagnostic>, f: Frame, end: usize) {
    let Some(d) = f.def else { return };
    let span = Span::new(f.start, end);
    let head = Span::new(f.start, (f.start + 1 + d.name.len()).min(end));
    match &d.content {
        Content::Seq(parts) => {
            let mut missing = Vec::new();
            for (k, part) in parts.iter().enumerate().skip(f.pi) {
                let have = if k == f.pi { f.count } else { 0 };
                if have < part.min {
                    missing.push(names(part));
                }
            }
            if !missing.is_empty() {
                out.push(diag(
                    "SCH002",
                    format!(
                        "expected {} in `<{}>`, found none",
                        missing.join(" and "),
                        d.name
                    ),
                    head,
                ));
            }
        }
        Content::AnyOne if f.children != 1 => {
            out.push(diag(
                "SCH002",
                format!(
                    "expected exactly one element inside `<{}>`, found {}",
                    d.name, f.children
                ),
                head,
            ));
        }
        Content::Text(Some(max)) if f.chars > *max => {
            out.push(diag(
                "SCH015",
                format!(
                    "expected at most {max} characters in `<{}>`, found {}",
                    d.name, f.chars
                ),
                span,
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str, strict: bool) -> Vec<String> {
        check(text, strict)
            .diagnostics
            .into_iter()
            .map(|d| d.code)
            .collect()
    }

    const OK: &str = r#"<policyDefinitions revision="1.0" schemaVersion="1.0">
  <policyNamespaces><target prefix="a" namespace="A.B"/></policyNamespaces>
  <resources minRequiredRevision="1.0"/>
  <policies><policy name="p" class="User" displayName="$(string.p)" key="k"><supportedOn ref="s"/>
  <enabledValue><decimal value="1"/></enabledValue></policy></policies>
</policyDefinitions>"#;

    /// The checker riding along the model reader finds what it finds alone
    /// (whenever the reader read to the end or the checker stopped).
    #[test]
    fn riding_along_the_model_reader_is_walking_alone() {
        let texts = [
            OK.to_string(),
            OK.replace(r#"<supportedOn ref="s"/>"#, ""),
            OK.replace(r#"class="User""#, r#"class="user" Area="x""#),
            OK.replace("<resources", "<foo/><resources"),
            OK.replace("policyNamespaces>", "pn:policyNamespaces>"),
            OK.replace(r#"key="k""#, r#"key="k" key="j""#),
            OK.replace("</policies>", ""),
            OK.replace(r#"revision="1.0""#, r#"revision="&bad;""#),
            OK.replace("policyDefinitions", "html"),
            OK.replace(
                "<enabledValue>",
                "text &amp; more\r\n<enabledValue><string>a\r\nb</string>",
            ),
            format!("<!DOCTYPE x>{OK}"),
            "<policyDefinitionResources revision=\"1.0\" schemaVersion=\"1.0\"/>".to_string(),
        ];
        let mut ridden = 0;
        for (i, text) in texts.iter().enumerate() {
            for strict in [false, true] {
                let mut checker = Checker::new(strict);
                let dec = crate::xml::decode::decode(text.as_bytes()).expect("decodes");
                let _ = crate::admx::parse_admx_observed(dec, &mut checker);
                let Some(riding) = checker.finish() else {
                    continue;
                };
                ridden += 1;
                let alone = check(text, strict);
                assert_eq!(riding.diagnostics, alone.diagnostics, "text {i}");
                assert_eq!(riding.well_formed, alone.well_formed, "text {i}");
                assert_eq!(riding.root, alone.root, "text {i}");
            }
        }
        assert!(ridden >= 16, "{ridden}");
    }

    /// The keys of table names are the keys of the same names read.
    #[test]
    fn keys() {
        let names = [
            "",
            "a",
            "id",
            "key",
            "name",
            "class",
            "string",
            "keyword",
            "elements",
            "valueName",
            "displayName",
            "presentation",
            "clientExtension",
            "schemaLocation",
            "minVersionIndex",
            "dropdownList",
            "longDecimalTextBox",
            "minRequiredRevision",
            "policyDefinitionResources",
            "é",
            "ké",
            "clé",
        ];
        for a in names {
            assert_eq!(Key::of(a), Key::of_const(a), "{a}");
            for b in names {
                let (ka, kb) = (Key::of(a), Key::of(b));
                assert_eq!(ka.is(a, &kb, b), a == b, "{a} {b}");
            }
        }
        // same ends, other lengths
        let (a, b) = ("aaaaaaaaa", "aaaaaaaaaa");
        assert!(!Key::of(a).is(a, &Key::of(b), b));
        let (a, b) = (
            "abcdefgh_long_middle_x_ijklmnop",
            "abcdefgh_long_middle_y_ijklmnop",
        );
        assert!(!Key::of(a).is(a, &Key::of(b), b));
    }

    /// The usual tags checked on their own path are checked as any tag.
    #[test]
    fn usual_tags_are_any_tags() {
        let policy = r#"<policy name="p" class="User" displayName="$(string.p)" key="k">"#;
        let swaps = [
            (
                policy,
                r#"<policy name="p" class="User" displayName="$(string.p)" key="k" key="j">"#,
            ),
            (
                policy,
                r#"<policy name="p" class="User" name="q" displayName="$(string.p)" key="k">"#,
            ),
            (
                policy,
                r#"<policy name="p" class="User" xmlns:a="urn:a" displayName="$(string.p)" key="k">"#,
            ),
            (
                policy,
                r#"<policy name="p" class="User" xmlns="urn:a" displayName="$(string.p)" key="k">"#,
            ),
            (
                policy,
                r#"<policy name="p" class="User" a="1" b="2" c="3" d="4" e="5" key="k" displayName="x">"#,
            ),
            (
                policy,
                r#"<policy name="p" class="User" a="1" b="2" a="3" key="k">"#,
            ),
            (
                policy,
                r#"<policy class="User" displayName="$(string.p)" key="k">"#,
            ),
            (
                policy,
                r#"<policy name="p" class="User" a="1" displayName="$(string.p)" b="2" key="k">"#,
            ),
            (
                policy,
                r#"<policy name="p-q" class="user" displayName="$(string.p q)" key="k" valueName="v">"#,
            ),
            (
                policy,
                r#"<policy name=" p " class="User" displayName=" $(string.p)" key="k">"#,
            ),
            (
                policy,
                r#"<policy class="User" key="k" xsi:schemaLocation="x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            ),
            (
                policy,
                r#"<policy name="p" class="User" displayName="$(string.p)" key="k" explainText="&amp;">"#,
            ),
            (
                policy,
                r#"<policy key="k" displayName="$(string.p)" class="User" name="p">"#,
            ),
            (
                policy,
                r#"<policy name="p" class=" User " displayName="$(string.p)" key="k" valueName="v">"#,
            ),
            (
                r#"<decimal value="1"/>"#,
                r#"<decimal value="4294967296"/><decimal value="1"/>"#,
            ),
            (r#"<decimal value="1"/>"#, r#"<longDecimal value="1"/>"#),
            (
                r#"<decimal value="1"/>"#,
                r#"<longDecimal value="18446744073709551616"/>"#,
            ),
            (
                r#"<decimal value="1"/>"#,
                r#"<string>x</string><decimal value="1"/>"#,
            ),
            (
                r#"<decimal value="1"/>"#,
                r#"<pd:decimal value="1" xmlns:pd="urn:x"/>"#,
            ),
            (
                r#"<supportedOn ref="s"/>"#,
                r#"<supportedOn ref="a:b"/><supportedOn ref="s"/>"#,
            ),
            (
                r#"<supportedOn ref="s"/>"#,
                r#"<seeAlso/><supportedOn ref="s" a="1"/><annotation application="a"><x/></annotation>"#,
            ),
            (
                r#"<supportedOn ref="s"/>"#,
                r#"<keywords a="b">k</keywords><supportedOn ref=" s"/>"#,
            ),
            (
                r#"<target prefix="a" namespace="A.B"/>"#,
                r#"<target prefix="a" namespace="A.B" prefix="b"/>"#,
            ),
            (
                r#"<resources minRequiredRevision="1.0"/>"#,
                r#"<resources minRequiredRevision="1.0x" fallbackCulture="en_US"/>"#,
            ),
            // prefixed elements in the root's namespace (valid) and not
            (
                "revision=\"1.0\" schemaVersion=\"1.0\">\n  <policyNamespaces><target prefix=\"a\" namespace=\"A.B\"/></policyNamespaces>",
                "xmlns:pd=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\" xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\" revision=\"1.0\" schemaVersion=\"1.0\">\n  <pd:policyNamespaces><pd:target prefix=\"a\" namespace=\"A.B\"/><pd:target prefix=\"b\" namespace=\"C\" a=\"1\"/></pd:policyNamespaces>",
            ),
            (
                "revision=\"1.0\" schemaVersion=\"1.0\">\n  <policyNamespaces><target prefix=\"a\" namespace=\"A.B\"/></policyNamespaces>",
                "xmlns:pd=\"urn:x\" revision=\"1.0\" schemaVersion=\"1.0\">\n  <policyNamespaces><pd:target prefix=\"a\" namespace=\"A.B\"/><target prefix=\"b\" namespace=\"C\"/></policyNamespaces>",
            ),
        ];
        for (i, (from, to)) in swaps.iter().enumerate() {
            let text = OK.replace(from, to);
            assert_ne!(text, OK, "swap {i}");
            for strict in [false, true] {
                let walk = |usual| {
                    let mut checker = Checker::new(strict);
                    checker.usual = usual;
                    let mut reader = XmlReader::new(&text);
                    while checker.state == State::Running {
                        match reader.next_event() {
                            Ok(ev) => checker.on_event(&text, &ev),
                            Err(e) => checker.on_error(&text, &e),
                        }
                    }
                    checker.finish().unwrap_or_default()
                };
                let (usual, any) = (walk(true), walk(false));
                assert_eq!(usual.diagnostics, any.diagnostics, "swap {i}");
                assert_eq!(usual.well_formed, any.well_formed, "swap {i}");
            }
        }
    }

    #[test]
    fn valid_minimal_admx() {
        assert!(codes(OK, true).is_empty(), "{:?}", codes(OK, true));
    }

    #[test]
    fn order_missing_unknown() {
        let t = OK
            .replace(r#"<supportedOn ref="s"/>"#, "")
            .replace("<resources", "<foo/><resources");
        assert_eq!(codes(&t, true), ["SCH003", "SCH002"]);
        let t = OK.replace(r#"class="User""#, r#"class="user" Area="x""#);
        let mut c = codes(&t, true);
        c.sort();
        assert_eq!(c, ["SCH004", "SCH005"]);
    }

    #[test]
    fn simple_types() {
        assert!(is_version("1234.12345") && !is_version("1.04.0") && !is_version("1"));
        assert!(is_guid("{3610eda5-77ef-11d2-8dc5-00c04fa31a66}"));
        assert!(is_language("en-US") && !is_language("en_US"));
        assert_eq!(
            check_value(UInt, "e", "a", " 5").map(|x| x.0),
            Some("SCH006")
        );
        assert_eq!(check_value(UInt, "e", "a", "").map(|x| x.0), Some("SCH017"));
        assert_eq!(check_value(Bool, "e", "a", " true "), None);
        // what passes the shortcut passes the whole check
        for (ty, v) in [
            (StringRef, "$(string.a_B9)"),
            (PresRef, "$(presentation.P)"),
            (Ident, "x_1"),
            (ItemRef, "win:SUPPORTED_1"),
            (ItemRef, "c"),
            (Bool, "false"),
            (Class, "Machine"),
            (UInt, "999999999"),
            (ULong, "9999999999999999999"),
        ] {
            assert!(plainly_valid(ty, v), "{v}");
            assert_eq!(check_value(ty, "e", "a", v), None, "{v}");
        }
        for (ty, v) in [
            (StringRef, "$(string.)"),
            (StringRef, "$(string.a-b)"),
            (ItemRef, "a:b:c"),
            (ItemRef, ":b"),
            (Bool, " true"),
            (UInt, "4294967296"),
            (UInt, ""),
            (Ident, "é"),
        ] {
            assert!(!plainly_valid(ty, v), "{v}");
        }
        assert_eq!(
            check_value(StringRef, "e", "a", "$(string.a-b)").map(|x| x.0),
            Some("SCH011")
        );
        assert_eq!(
            check_value(StringRef, "e", "a", "$(string.a b)").map(|x| x.0),
            Some("SCH008")
        );
    }
}
