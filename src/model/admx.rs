use serde::{Deserialize, Serialize};

use super::raw::{List, Node, SourceInfo, TextElement};

/// An ADMX file: `<policyDefinitions>`.
#[doc(alias = "policyDefinitions")]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PolicyDefinitions {
    /// Encoding, declaration, root namespace.
    #[serde(default)]
    pub source: SourceInfo,
    /// The root element.
    #[serde(default)]
    pub node: Node,
    /// `revision` (versionString, required).
    pub revision: Option<String>,
    /// `schemaVersion` (versionString, required).
    pub schema_version: Option<String>,
    /// `<policyNamespaces>` (required).
    pub policy_namespaces: Option<PolicyNamespaces>,
    /// `<supersededAdm>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded_adm: Vec<SupersededAdm>,
    /// `<annotation>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// `<resources>` (required).
    pub resources: Option<AdmxResources>,
    /// `<supportedOn>` (products and definitions).
    pub supported_on: Option<SupportedOnTable>,
    /// `<categories>`.
    pub categories: Option<List<Category>>,
    /// `<policies>`.
    pub policies: Option<List<Policy>>,
}

impl PolicyDefinitions {
    /// The target namespace declaration, if any.
    pub fn target(&self) -> Option<&NamespaceDecl> {
        self.policy_namespaces.as_ref()?.target.as_ref()
    }

    /// The `using` declarations.
    pub fn usings(&self) -> &[NamespaceDecl] {
        self.policy_namespaces.as_ref().map_or(&[], |n| &n.using)
    }

    /// All categories (empty when there is no `<categories>`).
    pub fn categories(&self) -> &[Category] {
        self.categories.as_ref().map_or(&[], |l| &l.items)
    }

    /// All policies (empty when there is no `<policies>`).
    pub fn policies(&self) -> &[Policy] {
        self.policies.as_ref().map_or(&[], |l| &l.items)
    }

    /// All supportedOn definitions.
    pub fn supported_on_definitions(&self) -> &[SupportedOnDefinition] {
        self.supported_on
            .as_ref()
            .and_then(|s| s.definitions.as_ref())
            .map_or(&[], |l| &l.items)
    }

    /// All products.
    pub fn products(&self) -> &[Product] {
        self.supported_on
            .as_ref()
            .and_then(|s| s.products.as_ref())
            .map_or(&[], |l| &l.items)
    }
}

/// `<policyNamespaces>`: one `target`, any number of `using`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PolicyNamespaces {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `<target>`.
    pub target: Option<NamespaceDecl>,
    /// `<using>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub using: Vec<NamespaceDecl>,
}

/// `<target>` or `<using>`: a prefix bound to a namespace.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NamespaceDecl {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `prefix`.
    pub prefix: Option<String>,
    /// `namespace`.
    pub namespace: Option<String>,
}

/// `<supersededAdm fileName="...">`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SupersededAdm {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `fileName`.
    pub file_name: Option<String>,
}

/// `<annotation application="...">` with free content.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Annotation {
    /// The element; its content (text and any elements) is kept in `node.unknown_children()`.
    #[serde(default)]
    pub node: Node,
    /// `application`.
    pub application: Option<String>,
}

/// ADMX `<resources>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AdmxResources {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `minRequiredRevision` (required).
    pub min_required_revision: Option<String>,
    /// `fallbackCulture` (default `en-US`).
    pub fallback_culture: Option<String>,
}

/// `<supportedOn>` at file level: products and definitions.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SupportedOnTable {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `<products>`.
    pub products: Option<List<Product>>,
    /// `<definitions>`.
    pub definitions: Option<List<SupportedOnDefinition>>,
}

/// `<product>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Product {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `name`.
    pub name: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `<majorVersion>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub major_versions: Vec<MajorVersion>,
}

/// `<majorVersion>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MajorVersion {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `name`.
    pub name: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `versionIndex`.
    pub version_index: Option<String>,
    /// `<minorVersion>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minor_versions: Vec<MinorVersion>,
}

/// `<minorVersion>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MinorVersion {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `name`.
    pub name: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `versionIndex`.
    pub version_index: Option<String>,
}

/// `<definition>` inside `<supportedOn><definitions>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SupportedOnDefinition {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `name`.
    pub name: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `<or>` / `<and>` (absent in definitions converted from ADM).
    pub logic: Option<SupportedLogic>,
}

/// `<or>` or `<and>` of references and ranges.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SupportedLogic {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// Which operator.
    pub kind: LogicKind,
    /// Operands in order.
    #[serde(default)]
    pub items: Vec<SupportedItem>,
}

/// `or` / `and`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogicKind {
    /// `<or>`.
    #[default]
    Or,
    /// `<and>`.
    And,
}

/// `<reference ref=...>` or `<range ref=... minVersionIndex=... maxVersionIndex=...>`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SupportedItem {
    /// `<reference>`.
    Reference {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `ref`.
        #[serde(rename = "ref")]
        ref_: Option<String>,
    },
    /// `<range>`.
    Range {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `ref`.
        #[serde(rename = "ref")]
        ref_: Option<String>,
        /// `minVersionIndex`.
        min_version_index: Option<String>,
        /// `maxVersionIndex`.
        max_version_index: Option<String>,
    },
}

/// A reference element with a `ref` attribute (`<parentCategory>`, policy `<supportedOn>`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ItemRef {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `ref` (`name` or `prefix:name`).
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
}

impl ItemRef {
    /// A reference with no span.
    pub fn new(r: impl Into<String>) -> ItemRef {
        ItemRef {
            node: Node::default(),
            ref_: Some(r.into()),
        }
    }
}

/// `<category>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Category {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `name`.
    pub name: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `explainText`.
    pub explain_text: Option<String>,
    /// `<annotation>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// `<parentCategory>`.
    pub parent_category: Option<ItemRef>,
    /// `<seeAlso>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub see_also: Vec<TextElement>,
    /// `<keywords>`.
    pub keywords: Option<Box<TextElement>>,
}

/// `<policy>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Policy {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `name`.
    pub name: Option<String>,
    /// `class` (`User`, `Machine`, `Both`).
    pub class: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `explainText`.
    pub explain_text: Option<String>,
    /// `presentation`.
    pub presentation: Option<String>,
    /// `key`.
    pub key: Option<String>,
    /// `valueName`.
    pub value_name: Option<String>,
    /// `clientExtension` (not in the XSD for `<policy>`, but Windows ships it).
    pub client_extension: Option<String>,
    /// `<annotation>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// `<parentCategory>`.
    pub parent_category: Option<ItemRef>,
    /// `<seeAlso>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub see_also: Vec<TextElement>,
    /// `<keywords>`.
    pub keywords: Option<Box<TextElement>>,
    /// `<supportedOn>` (required).
    pub supported_on: Option<ItemRef>,
    /// `<enabledValue>`.
    pub enabled_value: Option<ValueSlot>,
    /// `<disabledValue>`.
    pub disabled_value: Option<ValueSlot>,
    /// `<enabledList>`.
    pub enabled_list: Option<Box<ValueList>>,
    /// `<disabledList>`.
    pub disabled_list: Option<Box<ValueList>>,
    /// `<elements>`.
    pub elements: Option<List<PolicyElement>>,
}

/// `User`, `Machine` or `Both`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyClass {
    /// HKCU; a GPO's `User` side.
    User,
    /// HKLM; a GPO's `Machine` side.
    Machine,
    /// Both sides.
    Both,
}

impl PolicyClass {
    /// Parses the exact schema spelling.
    pub fn parse(s: &str) -> Option<PolicyClass> {
        match s {
            "User" => Some(PolicyClass::User),
            "Machine" => Some(PolicyClass::Machine),
            "Both" => Some(PolicyClass::Both),
            _ => None,
        }
    }

    /// Schema spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyClass::User => "User",
            PolicyClass::Machine => "Machine",
            PolicyClass::Both => "Both",
        }
    }
}

impl Policy {
    /// The class, when it is one of the three schema values.
    pub fn class(&self) -> Option<PolicyClass> {
        PolicyClass::parse(self.class.as_deref()?)
    }

    /// The policy's elements (empty when there are none).
    pub fn elements(&self) -> &[PolicyElement] {
        self.elements.as_ref().map_or(&[], |l| &l.items)
    }
}

/// A slot holding one value (`<enabledValue>`, `<disabledValue>`, `<trueValue>`, `<falseValue>`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ValueSlot {
    /// The slot element.
    #[serde(default)]
    pub node: Node,
    /// The value (`None` when the slot is empty, which the editor refuses).
    pub value: Option<Value>,
}

impl ValueSlot {
    /// A slot with a value and no span.
    pub fn new(value: Value) -> ValueSlot {
        ValueSlot {
            node: Node::default(),
            value: Some(value),
        }
    }
}

/// A registry value as the schema's `Value` type.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Value {
    /// `<delete/>`: delete the value (`**del.` in registry.pol).
    Delete {
        /// The element.
        #[serde(default)]
        node: Node,
    },
    /// `<decimal value="N"/>`: REG_DWORD.
    Decimal {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `value` as written.
        value: Option<String>,
    },
    /// `<longDecimal value="N"/>`: REG_QWORD.
    LongDecimal {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `value` as written.
        value: Option<String>,
    },
    /// `<string>text</string>`: REG_SZ.
    String {
        /// The element.
        #[serde(default)]
        node: Node,
        /// Text content.
        text: String,
    },
}

impl Value {
    /// The element of this value.
    pub fn node(&self) -> &Node {
        match self {
            Value::Delete { node }
            | Value::Decimal { node, .. }
            | Value::LongDecimal { node, .. }
            | Value::String { node, .. } => node,
        }
    }

    /// `<decimal value="n"/>` with no span.
    pub fn decimal(n: u32) -> Value {
        Value::Decimal {
            node: Node::default(),
            value: Some(n.to_string()),
        }
    }
}

/// A list of values written together (`<enabledList>`, `<trueList>`, enum `<valueList>`, ...).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ValueList {
    /// The list element.
    #[serde(default)]
    pub node: Node,
    /// `defaultKey`.
    pub default_key: Option<String>,
    /// `<item>` elements.
    #[serde(default)]
    pub items: Vec<ValueItem>,
}

/// `<item key? valueName>` holding one value.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ValueItem {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `key` (falls back to the list's `defaultKey`, then the policy key).
    pub key: Option<String>,
    /// `valueName`.
    pub value_name: Option<String>,
    /// The value.
    pub value: Option<Value>,
    /// The `<value>` element around the value, as read: its span and what
    /// is unknown on or in it. `None` in a model built in code (the writer
    /// then writes a plain wrapper around [`ValueItem::value`]).
    #[serde(default, skip_serializing_if = "Node::is_plain_opt")]
    pub value_node: Option<Node>,
}

/// Attributes every policy element has.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ElementCommon {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `id`.
    pub id: Option<String>,
    /// `clientExtension`.
    pub client_extension: Option<String>,
    /// `key` (defaults to the policy's key).
    pub key: Option<String>,
    /// `valueName`.
    pub value_name: Option<String>,
}

/// A child of `<elements>`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
// Plain data read once per element; boxing the boolean variant would only
// complicate every match for a few hundred bytes per element.
#[allow(clippy::large_enum_variant)]
pub enum PolicyElement {
    /// `<boolean>`.
    Boolean(BooleanElement),
    /// `<decimal>`.
    Decimal(DecimalElement),
    /// `<longDecimal>`.
    LongDecimal(DecimalElement),
    /// `<text>`.
    Text(TextElementDef),
    /// `<multiText>`.
    MultiText(MultiTextElement),
    /// `<enum>`.
    Enum(EnumElement),
    /// `<list>`.
    List(ListElement),
}

impl PolicyElement {
    /// The common attributes.
    pub fn common(&self) -> &ElementCommon {
        match self {
            PolicyElement::Boolean(e) => &e.common,
            PolicyElement::Decimal(e) | PolicyElement::LongDecimal(e) => &e.common,
            PolicyElement::Text(e) => &e.common,
            PolicyElement::MultiText(e) => &e.common,
            PolicyElement::Enum(e) => &e.common,
            PolicyElement::List(e) => &e.common,
        }
    }

    /// The XML element name (`boolean`, `decimal`, ...).
    pub fn tag(&self) -> &'static str {
        match self {
            PolicyElement::Boolean(_) => "boolean",
            PolicyElement::Decimal(_) => "decimal",
            PolicyElement::LongDecimal(_) => "longDecimal",
            PolicyElement::Text(_) => "text",
            PolicyElement::MultiText(_) => "multiText",
            PolicyElement::Enum(_) => "enum",
            PolicyElement::List(_) => "list",
        }
    }
}

/// `<boolean>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BooleanElement {
    /// Common attributes.
    #[serde(flatten)]
    pub common: ElementCommon,
    /// `<trueValue>`.
    pub true_value: Option<ValueSlot>,
    /// `<falseValue>`.
    pub false_value: Option<ValueSlot>,
    /// `<trueList>`.
    pub true_list: Option<Box<ValueList>>,
    /// `<falseList>`.
    pub false_list: Option<Box<ValueList>>,
}

/// `<decimal>` or `<longDecimal>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DecimalElement {
    /// Common attributes.
    #[serde(flatten)]
    pub common: ElementCommon,
    /// `required`.
    pub required: Option<String>,
    /// `minValue` (default 0).
    pub min_value: Option<String>,
    /// `maxValue` (default 9999).
    pub max_value: Option<String>,
    /// `storeAsText`.
    pub store_as_text: Option<String>,
    /// `soft`.
    pub soft: Option<String>,
}

/// `<text>` (named `TextElementDef` to keep `TextElement` for text-content elements).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TextElementDef {
    /// Common attributes.
    #[serde(flatten)]
    pub common: ElementCommon,
    /// `required`.
    pub required: Option<String>,
    /// `maxLength` (default 1023).
    pub max_length: Option<String>,
    /// `expandable` (REG_EXPAND_SZ).
    pub expandable: Option<String>,
    /// `soft`.
    pub soft: Option<String>,
}

/// `<multiText>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MultiTextElement {
    /// Common attributes.
    #[serde(flatten)]
    pub common: ElementCommon,
    /// `required`.
    pub required: Option<String>,
    /// `maxLength`.
    pub max_length: Option<String>,
    /// `maxStrings`.
    pub max_strings: Option<String>,
    /// `soft`.
    pub soft: Option<String>,
}

/// `<enum>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EnumElement {
    /// Common attributes.
    #[serde(flatten)]
    pub common: ElementCommon,
    /// `required`.
    pub required: Option<String>,
    /// `<item>` elements.
    #[serde(default)]
    pub items: Vec<EnumItem>,
}

/// `<item displayName>` of an enum, with its value and optional value list.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EnumItem {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `<value>` holding one value.
    pub value: Option<ValueSlot>,
    /// `<valueList>`.
    pub value_list: Option<Box<ValueList>>,
}

/// `<list>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ListElement {
    /// Common attributes (`valueName` is not in the XSD for lists).
    #[serde(flatten)]
    pub common: ElementCommon,
    /// `valuePrefix`.
    pub value_prefix: Option<String>,
    /// `additive`.
    pub additive: Option<String>,
    /// `expandable`.
    pub expandable: Option<String>,
    /// `explicitValue`.
    pub explicit_value: Option<String>,
}

/// Parses an XSD boolean (`true`, `false`, `1`, `0`).
pub fn parse_xsd_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}
