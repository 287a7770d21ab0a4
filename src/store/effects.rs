//! What a policy writes to the registry in each state, derived from its
//! definition alone.
//!
//! The fixed values (`valueName` with `enabledValue`/`disabledValue`,
//! `enabledList`/`disabledList`, with the editor's defaults REG_DWORD 1 /
//! delete) come from [`crate::policy::effects`]; this module adds where the
//! policy's `<elements>` write:
//! - when enabled, each element writes the admin's input to its own key
//!   (else the policy key) and value name: [`ElementTarget`];
//! - (when disabled, element values are deleted and list keys emptied: that
//!   part is in [`crate::policy::effects`] too).
//!
//! Keys are kept as written in the ADMX (gpedit keeps their case); hives
//! come from the policy class ([`crate::store::Store::hives`]).
//!
//! [`RegValue`] is [`crate::policy::RegValue`]; a deletion is [`RegOp::DeleteValue`], never `Set(Delete)`.

use std::fmt;

use serde::Serialize;

use crate::model::{Policy, PolicyElement, Value, ValueSlot, parse_xsd_bool};
pub use crate::policy::RegValue;
use crate::policy::{PolicyState, effects, value_of};

/// What happens to a registry value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "value", rename_all = "snake_case")]
pub enum RegOp {
    /// The value is set (never [`RegValue::Delete`]: that is [`RegOp::DeleteValue`]).
    Set(RegValue),
    /// The value is deleted (`**del.<name>` in registry.pol).
    DeleteValue,
    /// Every value of the key is deleted (`**delvals.` in registry.pol).
    DeleteAllValues,
}

/// One registry write of a policy state, as the store shows it: a set,
/// a value deletion or a key clearing ([`crate::policy::RegistryAction`]
/// carries the same facts as the registry.pol codec wants them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryChange {
    /// The key, as written in the ADMX (no hive).
    pub key: String,
    /// The value name (`None` for [`RegOp::DeleteAllValues`]).
    pub value_name: Option<String>,
    /// What happens (serialised flat: `"op": "set", "value": {...}`).
    #[serde(flatten)]
    pub op: RegOp,
}

impl RegistryChange {
    /// From an action of [`crate::policy::effects`].
    pub fn from_policy(a: crate::policy::RegistryAction) -> RegistryChange {
        let (value_name, op) = match a.value {
            RegValue::Delete => (Some(a.value_name), RegOp::DeleteValue),
            RegValue::DeleteAllValues => (None, RegOp::DeleteAllValues),
            v => (Some(a.value_name), RegOp::Set(v)),
        };
        RegistryChange {
            key: a.key,
            value_name,
            op,
        }
    }
}

impl fmt::Display for RegistryChange {
    /// `key\name = REG_DWORD 1`, `key\name = delete`, `key\* = delete all values`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.value_name.as_deref().unwrap_or("");
        match &self.op {
            RegOp::Set(v) => write!(f, "{}\\{name} = {v}", self.key),
            RegOp::DeleteValue => write!(f, "{}\\{name} = delete", self.key),
            RegOp::DeleteAllValues => write!(f, "{}\\* = delete all values", self.key),
        }
    }
}

/// Where an element writes the value the admin enters (policy enabled).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ElementTarget {
    /// The element's `id`.
    pub id: String,
    /// The element kind (`boolean`, `decimal`, `text`, `enum`, `list`, ...).
    pub element: String,
    /// The key (the element's own, else the policy's).
    pub key: String,
    /// The value name (`None` for list elements: names come from the entries).
    pub value_name: Option<String>,
    /// The registry type written (`REG_DWORD`, `REG_SZ`, ...).
    pub reg_type: String,
    /// How the value is formed (checked/unchecked values, range, enum values,
    /// list naming), when useful.
    pub detail: Option<String>,
}

/// Everything a policy writes, per state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PolicyEffects {
    /// Fixed writes when the policy is enabled.
    pub enabled: Vec<RegistryChange>,
    /// Fixed writes when the policy is disabled (element values deleted and
    /// list keys emptied included).
    pub disabled: Vec<RegistryChange>,
    /// Values written from the elements when the policy is enabled.
    pub elements: Vec<ElementTarget>,
}

fn flag(v: &Option<String>) -> bool {
    v.as_deref().and_then(parse_xsd_bool).unwrap_or(false)
}

fn reg_type_of(v: Option<&Value>) -> &'static str {
    match v {
        Some(Value::LongDecimal { .. }) => "REG_QWORD",
        Some(Value::String { .. }) => "REG_SZ",
        _ => "REG_DWORD",
    }
}

fn slot_text(s: Option<&ValueSlot>) -> String {
    match s.and_then(|s| s.value.as_ref()) {
        None => "no value".to_owned(),
        Some(v) => value_of(v).map_or_else(|| "invalid value".to_owned(), |r| r.to_string()),
    }
}

fn element_target(e: &PolicyElement, policy_key: &str) -> ElementTarget {
    let c = e.common();
    let key = c.key.clone().unwrap_or_else(|| policy_key.to_owned());
    let mut value_name = c.value_name.clone();
    let (reg_type, detail): (&str, Option<String>) = match e {
        PolicyElement::Boolean(b) => {
            let t = b
                .true_value
                .as_ref()
                .map_or_else(|| "REG_DWORD 1".to_owned(), |s| slot_text(Some(s)));
            let f = b
                .false_value
                .as_ref()
                .map_or_else(|| "delete".to_owned(), |s| slot_text(Some(s)));
            let ty = reg_type_of(b.true_value.as_ref().and_then(|s| s.value.as_ref()));
            let mut d = format!("checked: {t}; unchecked: {f}");
            if b.true_list.is_some() || b.false_list.is_some() {
                d.push_str("; plus trueList/falseList values");
            }
            (ty, Some(d))
        }
        PolicyElement::Decimal(d) | PolicyElement::LongDecimal(d) => {
            let ty = if flag(&d.store_as_text) {
                "REG_SZ"
            } else if matches!(e, PolicyElement::LongDecimal(_)) {
                "REG_QWORD"
            } else {
                "REG_DWORD"
            };
            let min = d.min_value.as_deref().unwrap_or("0");
            let max = d.max_value.as_deref().unwrap_or("9999");
            (ty, Some(format!("range {min}..{max}")))
        }
        PolicyElement::Text(t) => (
            if flag(&t.expandable) {
                "REG_EXPAND_SZ"
            } else {
                "REG_SZ"
            },
            None,
        ),
        PolicyElement::MultiText(_) => ("REG_MULTI_SZ", None),
        PolicyElement::Enum(en) => {
            let first = en
                .items
                .first()
                .and_then(|i| i.value.as_ref())
                .and_then(|s| s.value.as_ref());
            let vals: Vec<String> = en
                .items
                .iter()
                .map(|i| slot_text(i.value.as_ref()))
                .collect();
            let lists = if en.items.iter().any(|i| i.value_list.is_some()) {
                "; plus valueList values"
            } else {
                ""
            };
            (
                reg_type_of(first),
                Some(format!("one of: {}{lists}", vals.join(", "))),
            )
        }
        PolicyElement::List(l) => {
            value_name = None;
            let ty = if flag(&l.expandable) {
                "REG_EXPAND_SZ"
            } else {
                "REG_SZ"
            };
            let naming = if flag(&l.explicit_value) {
                "value names entered by the admin".to_owned()
            } else if let Some(p) = &l.value_prefix {
                format!("value names {p}1, {p}2, ...")
            } else {
                "value name = entered text".to_owned()
            };
            let mode = if flag(&l.additive) {
                "added to existing values"
            } else {
                "replaces existing values"
            };
            (ty, Some(format!("{naming}; {mode}")))
        }
    };
    ElementTarget {
        id: c.id.clone().unwrap_or_default(),
        element: e.tag().to_owned(),
        key,
        value_name,
        reg_type: reg_type.to_owned(),
        detail,
    }
}

/// The registry effects of `policy` (see the module documentation).
pub fn policy_effects(policy: &Policy) -> PolicyEffects {
    let key = policy.key.as_deref().unwrap_or("");
    let convert = |state| {
        effects(policy, state)
            .into_iter()
            .map(RegistryChange::from_policy)
            .collect()
    };
    PolicyEffects {
        enabled: convert(PolicyState::Enabled),
        disabled: convert(PolicyState::Disabled),
        elements: policy
            .elements()
            .iter()
            .map(|e| element_target(e, key))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DecimalElement, ElementCommon, List, ListElement};

    fn policy() -> Policy {
        Policy {
            name: Some("P".into()),
            class: Some("User".into()),
            key: Some(r"software\policies\fixture".into()),
            ..Default::default()
        }
    }

    #[test]
    fn fixed_values_come_from_policy_effects() {
        let mut p = crate::policy::linkedin_policy();
        p.elements = None;
        let fx = policy_effects(&p);
        let k = r"software\policies\microsoft\office\16.0\common";
        assert_eq!(
            fx.enabled[0].to_string(),
            format!("{k}\\linkedin = REG_DWORD 1")
        );
        assert_eq!(fx.disabled[0].op, RegOp::Set(RegValue::Dword(0)));
        assert!(fx.elements.is_empty());
    }

    #[test]
    fn elements_target_their_key_and_are_cleared_when_disabled() {
        let mut p = policy();
        p.elements = Some(List::new(vec![
            PolicyElement::Decimal(DecimalElement {
                common: ElementCommon {
                    id: Some("N".into()),
                    value_name: Some("n".into()),
                    ..Default::default()
                },
                store_as_text: Some("true".into()),
                ..Default::default()
            }),
            PolicyElement::List(ListElement {
                common: ElementCommon {
                    id: Some("L".into()),
                    key: Some("k\\list".into()),
                    ..Default::default()
                },
                value_prefix: Some(String::new()),
                ..Default::default()
            }),
        ]));
        let fx = policy_effects(&p);
        assert!(fx.enabled.is_empty());
        assert_eq!(fx.elements[0].reg_type, "REG_SZ");
        assert_eq!(fx.elements[0].key, p.key.clone().unwrap());
        assert_eq!(fx.elements[1].key, "k\\list");
        assert_eq!(fx.elements[1].value_name, None);
        assert_eq!(fx.disabled.len(), 2);
        assert_eq!(
            (fx.disabled[0].value_name.as_deref(), &fx.disabled[0].op),
            (Some("n"), &RegOp::DeleteValue)
        );
        assert_eq!(
            (fx.disabled[1].key.as_str(), &fx.disabled[1].op),
            ("k\\list", &RegOp::DeleteAllValues)
        );
        assert_eq!(fx.disabled[1].to_string(), "k\\list\\* = delete all values");
    }
}
