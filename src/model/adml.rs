use serde::{Deserialize, Serialize};

use super::admx::Annotation;
use super::raw::{List, Node, SourceInfo, TextElement};

/// An ADML file: `<policyDefinitionResources>`.
#[doc(alias = "policyDefinitionResources")]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PolicyDefinitionResources {
    /// Encoding, declaration, root namespace.
    #[serde(default)]
    pub source: SourceInfo,
    /// The root element.
    #[serde(default)]
    pub node: Node,
    /// `revision` (required).
    pub revision: Option<String>,
    /// `schemaVersion` (required).
    pub schema_version: Option<String>,
    /// `<displayName>` (required; unused by Windows).
    pub display_name: Option<TextElement>,
    /// `<description>` (required; unused by Windows).
    pub description: Option<TextElement>,
    /// `<annotation>` elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// `<resources>` (required).
    pub resources: Option<AdmlResources>,
}

impl PolicyDefinitionResources {
    /// All strings (empty when there is no string table).
    pub fn strings(&self) -> &[StringEntry] {
        self.resources
            .as_ref()
            .and_then(|r| r.string_table.as_ref())
            .map_or(&[], |t| &t.items)
    }

    /// All presentations (empty when there is no presentation table).
    pub fn presentations(&self) -> &[Presentation] {
        self.resources
            .as_ref()
            .and_then(|r| r.presentation_table.as_ref())
            .map_or(&[], |t| &t.items)
    }

    /// The first string with this id.
    pub fn string(&self, id: &str) -> Option<&StringEntry> {
        self.strings().iter().find(|s| s.id.as_deref() == Some(id))
    }

    /// The first presentation with this id.
    pub fn presentation(&self, id: &str) -> Option<&Presentation> {
        self.presentations()
            .iter()
            .find(|p| p.id.as_deref() == Some(id))
    }
}

/// ADML `<resources>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AdmlResources {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `<stringTable>`.
    pub string_table: Option<List<StringEntry>>,
    /// `<presentationTable>`.
    pub presentation_table: Option<List<Presentation>>,
}

/// `<string id="...">text</string>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StringEntry {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `id`.
    pub id: Option<String>,
    /// Text (unescaped; line ends normalised to `\n`).
    pub text: String,
}

/// `<presentation id="...">` with its controls.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Presentation {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `id`.
    pub id: Option<String>,
    /// Controls in document order.
    #[serde(default)]
    pub controls: Vec<Control>,
}

/// A presentation control.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "control", rename_all = "camelCase")]
pub enum Control {
    /// `<text>label</text>`: a static label.
    Text {
        /// The element.
        #[serde(default)]
        node: Node,
        /// The label.
        text: String,
    },
    /// `<checkBox refId defaultChecked>label</checkBox>` ↔ boolean.
    CheckBox {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `refId`.
        ref_id: Option<String>,
        /// `defaultChecked`.
        default_checked: Option<String>,
        /// Text content.
        label: String,
    },
    /// `<textBox refId><label/><defaultValue/></textBox>` ↔ text.
    TextBox {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `refId`.
        ref_id: Option<String>,
        /// `<label>` (required, first).
        label: Option<TextElement>,
        /// `<defaultValue>`.
        default_value: Option<TextElement>,
    },
    /// `<decimalTextBox refId defaultValue spin spinStep>label</decimalTextBox>` ↔ decimal.
    DecimalTextBox(NumericTextBox),
    /// `<longDecimalTextBox ...>label</longDecimalTextBox>` ↔ longDecimal.
    LongDecimalTextBox(NumericTextBox),
    /// `<dropdownList refId noSort defaultItem>label</dropdownList>` ↔ enum.
    DropdownList {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `refId`.
        ref_id: Option<String>,
        /// `noSort`.
        no_sort: Option<String>,
        /// `defaultItem` (0-based).
        default_item: Option<String>,
        /// Text content.
        label: String,
    },
    /// `<listBox refId>label</listBox>` ↔ list.
    ListBox {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `refId`.
        ref_id: Option<String>,
        /// Text content.
        label: String,
    },
    /// `<comboBox refId noSort><label/><default/><suggestion/>*</comboBox>` ↔ text.
    ComboBox {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `refId`.
        ref_id: Option<String>,
        /// `noSort`.
        no_sort: Option<String>,
        /// `<label>`.
        label: Option<TextElement>,
        /// `<default>`.
        default: Option<TextElement>,
        /// `<suggestion>` elements.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        suggestions: Vec<TextElement>,
    },
    /// `<multiTextBox refId showAsDialog defaultHeight/>` ↔ multiText.
    MultiTextBox {
        /// The element.
        #[serde(default)]
        node: Node,
        /// `refId`.
        ref_id: Option<String>,
        /// `showAsDialog`.
        show_as_dialog: Option<String>,
        /// `defaultHeight`.
        default_height: Option<String>,
        /// Text content (empty per the XSD; real files put a label here).
        label: String,
    },
}

/// Shape shared by `decimalTextBox` and `longDecimalTextBox`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NumericTextBox {
    /// The element.
    #[serde(default)]
    pub node: Node,
    /// `refId`.
    pub ref_id: Option<String>,
    /// `defaultValue`.
    pub default_value: Option<String>,
    /// `spin`.
    pub spin: Option<String>,
    /// `spinStep`.
    pub spin_step: Option<String>,
    /// Text content.
    pub label: String,
}

impl Control {
    /// The element of this control.
    pub fn node(&self) -> &Node {
        match self {
            Control::Text { node, .. }
            | Control::CheckBox { node, .. }
            | Control::TextBox { node, .. }
            | Control::DropdownList { node, .. }
            | Control::ListBox { node, .. }
            | Control::ComboBox { node, .. }
            | Control::MultiTextBox { node, .. } => node,
            Control::DecimalTextBox(b) | Control::LongDecimalTextBox(b) => &b.node,
        }
    }

    /// `refId`, for controls bound to an element.
    pub fn ref_id(&self) -> Option<&str> {
        match self {
            Control::Text { .. } => None,
            Control::CheckBox { ref_id, .. }
            | Control::TextBox { ref_id, .. }
            | Control::DropdownList { ref_id, .. }
            | Control::ListBox { ref_id, .. }
            | Control::ComboBox { ref_id, .. }
            | Control::MultiTextBox { ref_id, .. } => ref_id.as_deref(),
            Control::DecimalTextBox(b) | Control::LongDecimalTextBox(b) => b.ref_id.as_deref(),
        }
    }

    /// The XML element name.
    pub fn tag(&self) -> &'static str {
        match self {
            Control::Text { .. } => "text",
            Control::CheckBox { .. } => "checkBox",
            Control::TextBox { .. } => "textBox",
            Control::DecimalTextBox(_) => "decimalTextBox",
            Control::LongDecimalTextBox(_) => "longDecimalTextBox",
            Control::DropdownList { .. } => "dropdownList",
            Control::ListBox { .. } => "listBox",
            Control::ComboBox { .. } => "comboBox",
            Control::MultiTextBox { .. } => "multiTextBox",
        }
    }
}
