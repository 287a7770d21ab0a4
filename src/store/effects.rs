//! What a policy writes to the registry in each state, derived from its
//! definition alone (no user input): the fixed values of the enabled and
//! disabled states, and where each element writes when the policy is enabled.
//!
//! Defaults follow the Group Policy editor: a policy with a `valueName` and no
//! `<enabledValue>` writes REG_DWORD 1 when enabled; with no `<disabledValue>`
//! it deletes the value when disabled (a `**del.` entry in registry.pol).
//! Disabling a policy with elements deletes each element's value, and clears
//! the key of each list element (`**delvals.`).
//! Keys are kept as written in the ADMX (gpedit keeps their case); hives
//! come from the policy class ([`crate::store::Store::hives`]).

use std::fmt;

use serde::Serialize;

use crate::model::{Policy, PolicyElement, Value, ValueList, ValueSlot, parse_xsd_bool};

/// Registry data of a fixed value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "data")]
pub enum RegValue {
    /// REG_DWORD from `<decimal value>`.
    #[serde(rename = "REG_DWORD")]
    Dword(u32),
    /// REG_QWORD from `<longDecimal value>`.
    #[serde(rename = "REG_QWORD")]
    Qword(u64),
    /// REG_SZ from `<string>`.
    #[serde(rename = "REG_SZ")]
    Sz(String),
    /// A number that does not parse (kept as written).
    #[serde(rename = "invalid")]
    Invalid {
        /// `decimal` or `longDecimal`.
        element: String,
        /// The `value` attribute as written (empty when absent).
        raw: String,
    },
}

impl fmt::Display for RegValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegValue::Dword(n) => write!(f, "REG_DWORD {n}"),
            RegValue::Qword(n) => write!(f, "REG_QWORD {n}"),
            RegValue::Sz(s) => write!(f, "REG_SZ {s:?}"),
            RegValue::Invalid { element, raw } => write!(f, "invalid <{element} value={raw:?}>"),
        }
    }
}

/// What happens to a registry value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "value", rename_all = "snake_case")]
pub enum RegOp {
    /// The value is set.
    Set(RegValue),
    /// The value is deleted (`**del.<name>` in registry.pol).
    DeleteValue,
    /// Every value of the key is deleted (`**delvals.` in registry.pol).
    DeleteAllValues,
}

/// One registry write of a policy state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryAction {
    /// The key, as written in the ADMX (no hive).
    pub key: String,
    /// The value name (`None` for [`RegOp::DeleteAllValues`]).
    pub value_name: Option<String>,
    /// What happens.
    pub op: RegOp,
    /// Where it comes from: `enabledValue`, `disabledValue`, `default`,
    /// `enabledList`, `disabledList`, or `element:<id>`.
    pub origin: String,
}

impl fmt::Display for RegistryAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.op, &self.value_name) {
            (RegOp::Set(v), Some(n)) => write!(f, "{}\\{n} = {v}", self.key),
            (RegOp::Set(v), None) => write!(f, "{} (default) = {v}", self.key),
            (RegOp::DeleteValue, n) => {
                write!(f, "{}\\{} deleted", self.key, n.as_deref().unwrap_or(""))
            }
            (RegOp::DeleteAllValues, _) => write!(f, "{}\\* all values deleted", self.key),
        }
    }
}

/// Where an element writes the value the user enters (policy enabled).
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
    /// The registry type written.
    pub reg_type: String,
    /// How the value is formed (checked/unchecked values, range, list naming), when useful.
    pub detail: Option<String>,
}

/// Everything a policy writes, per state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PolicyEffects {
    /// Fixed writes when the policy is enabled.
    pub enabled: Vec<RegistryAction>,
    /// Fixed writes when the policy is disabled.
    pub disabled: Vec<RegistryAction>,
    /// Values written from the elements when the policy is enabled.
    pub elements: Vec<ElementTarget>,
}

fn value_op(v: Option<&Value>) -> RegOp {
    match v {
        None | Some(Value::Delete { .. }) => RegOp::DeleteValue,
        Some(Value::Decimal { value, .. }) => {
            let raw = value.as_deref().unwrap_or("");
            raw.trim().parse().map_or_else(
                |_| {
                    RegOp::Set(RegValue::Invalid {
                        element: "decimal".into(),
                        raw: raw.to_owned(),
                    })
                },
                |n| RegOp::Set(RegValue::Dword(n)),
            )
        }
        Some(Value::LongDecimal { value, .. }) => {
            let raw = value.as_deref().unwrap_or("");
            raw.trim().parse().map_or_else(
                |_| {
                    RegOp::Set(RegValue::Invalid {
                        element: "longDecimal".into(),
                        raw: raw.to_owned(),
                    })
                },
                |n| RegOp::Set(RegValue::Qword(n)),
            )
        }
        Some(Value::String { text, .. }) => RegOp::Set(RegValue::Sz(text.clone())),
    }
}

fn slot_op(s: &ValueSlot) -> RegOp {
    value_op(s.value.as_ref())
}

fn list_actions(list: &ValueList, policy_key: &str, origin: &str, out: &mut Vec<RegistryAction>) {
    for item in &list.items {
        let key = item
            .key
            .as_deref()
            .or(list.default_key.as_deref())
            .unwrap_or(policy_key);
        out.push(RegistryAction {
            key: key.to_owned(),
            value_name: Some(item.value_name.clone().unwrap_or_default()),
            op: value_op(item.value.as_ref()),
            origin: origin.to_owned(),
        });
    }
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

fn op_text(op: &RegOp) -> String {
    match op {
        RegOp::Set(v) => v.to_string(),
        RegOp::DeleteValue => "deleted".to_owned(),
        RegOp::DeleteAllValues => "all values deleted".to_owned(),
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
                .map_or(RegOp::Set(RegValue::Dword(1)), slot_op);
            let f = b.false_value.as_ref().map_or(RegOp::DeleteValue, slot_op);
            let ty = reg_type_of(b.true_value.as_ref().and_then(|s| s.value.as_ref()));
            let mut d = format!("checked: {}; unchecked: {}", op_text(&t), op_text(&f));
            if b.true_list.is_some() || b.false_list.is_some() {
                d.push_str("; plus trueList/falseList values");
            }
            (ty, Some(d))
        }
        PolicyElement::Decimal(d) | PolicyElement::LongDecimal(d) => {
            let long = matches!(e, PolicyElement::LongDecimal(_));
            let ty = if flag(&d.store_as_text) {
                "REG_SZ"
            } else if long {
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
                .map(|i| {
                    i.value
                        .as_ref()
                        .map_or_else(|| "no value".to_owned(), |s| op_text(&slot_op(s)))
                })
                .collect();
            (
                reg_type_of(first),
                Some(format!("one of: {}", vals.join(", "))),
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
                "value names entered by the user".to_owned()
            } else if let Some(p) = &l.value_prefix {
                format!("value names {p}1, {p}2, ...")
            } else {
                "value name = entered text".to_owned()
            };
            let mode = if flag(&l.additive) {
                "; added to existing values"
            } else {
                "; replaces existing values"
            };
            (ty, Some(format!("{naming}{mode}")))
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
    let mut fx = PolicyEffects::default();
    if let Some(name) = &policy.value_name {
        let (op, origin) = match &policy.enabled_value {
            Some(s) => (slot_op(s), "enabledValue"),
            None => (RegOp::Set(RegValue::Dword(1)), "default"),
        };
        fx.enabled.push(RegistryAction {
            key: key.to_owned(),
            value_name: Some(name.clone()),
            op,
            origin: origin.into(),
        });
        let (op, origin) = match &policy.disabled_value {
            Some(s) => (slot_op(s), "disabledValue"),
            None => (RegOp::DeleteValue, "default"),
        };
        fx.disabled.push(RegistryAction {
            key: key.to_owned(),
            value_name: Some(name.clone()),
            op,
            origin: origin.into(),
        });
    }
    if let Some(l) = &policy.enabled_list {
        list_actions(l, key, "enabledList", &mut fx.enabled);
    }
    if let Some(l) = &policy.disabled_list {
        list_actions(l, key, "disabledList", &mut fx.disabled);
    }
    for e in policy.elements() {
        let t = element_target(e, key);
        let origin = format!("element:{}", t.id);
        match e {
            PolicyElement::List(_) => fx.disabled.push(RegistryAction {
                key: t.key.clone(),
                value_name: None,
                op: RegOp::DeleteAllValues,
                origin,
            }),
            _ => fx.disabled.push(RegistryAction {
                key: t.key.clone(),
                value_name: Some(t.value_name.clone().unwrap_or_default()),
                op: RegOp::DeleteValue,
                origin,
            }),
        }
        fx.elements.push(t);
    }
    fx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DecimalElement, ElementCommon, List, ListElement, ValueItem};

    fn linkedin() -> Policy {
        Policy {
            name: Some("L_AllowLinkedInFeatures".into()),
            class: Some("User".into()),
            key: Some(r"software\policies\microsoft\office\16.0\common".into()),
            value_name: Some("linkedin".into()),
            enabled_value: Some(ValueSlot::new(Value::decimal(1))),
            disabled_value: Some(ValueSlot::new(Value::decimal(0))),
            ..Default::default()
        }
    }

    #[test]
    fn linkedin_writes_dword_one_and_zero() {
        let fx = policy_effects(&linkedin());
        assert_eq!(fx.enabled.len(), 1);
        assert_eq!(fx.enabled[0].op, RegOp::Set(RegValue::Dword(1)));
        assert_eq!(fx.disabled[0].op, RegOp::Set(RegValue::Dword(0)));
        assert_eq!(fx.disabled[0].value_name.as_deref(), Some("linkedin"));
        assert_eq!(
            fx.enabled[0].to_string(),
            r"software\policies\microsoft\office\16.0\common\linkedin = REG_DWORD 1"
        );
    }

    #[test]
    fn defaults_are_dword_one_and_delete() {
        let mut p = linkedin();
        p.enabled_value = None;
        p.disabled_value = None;
        let fx = policy_effects(&p);
        assert_eq!(
            (fx.enabled[0].op.clone(), fx.enabled[0].origin.as_str()),
            (RegOp::Set(RegValue::Dword(1)), "default")
        );
        assert_eq!(fx.disabled[0].op, RegOp::DeleteValue);
    }

    #[test]
    fn lists_use_item_key_then_default_key_then_policy_key() {
        let mut p = linkedin();
        p.value_name = None;
        p.enabled_list = Some(ValueList {
            default_key: Some("dk".into()),
            items: vec![
                ValueItem {
                    key: Some("ik".into()),
                    value_name: Some("a".into()),
                    value: Some(Value::decimal(1)),
                    ..Default::default()
                },
                ValueItem {
                    value_name: Some("b".into()),
                    value: Some(Value::String {
                        node: Default::default(),
                        text: "x".into(),
                    }),
                    ..Default::default()
                },
            ],
            ..Default::default()
        });
        p.disabled_list = Some(ValueList {
            items: vec![ValueItem {
                value_name: Some("c".into()),
                value: None,
                ..Default::default()
            }],
            ..Default::default()
        });
        let fx = policy_effects(&p);
        assert_eq!(
            fx.enabled
                .iter()
                .map(|a| a.key.as_str())
                .collect::<Vec<_>>(),
            ["ik", "dk"]
        );
        assert_eq!(fx.enabled[1].op, RegOp::Set(RegValue::Sz("x".into())));
        assert_eq!(fx.disabled[0].key, p.key.clone().unwrap());
        assert_eq!(fx.disabled[0].op, RegOp::DeleteValue);
    }

    #[test]
    fn elements_target_their_key_and_are_cleared_when_disabled() {
        let mut p = linkedin();
        p.value_name = None;
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
        assert_eq!(fx.elements[1].key, "k\\list");
        assert_eq!(fx.elements[1].value_name, None);
        assert_eq!(fx.disabled[1].op, RegOp::DeleteAllValues);
        assert_eq!(fx.disabled[0].value_name.as_deref(), Some("n"));
    }

    #[test]
    fn bad_numbers_are_kept_as_written() {
        let mut p = linkedin();
        p.enabled_value = Some(ValueSlot::new(Value::Decimal {
            node: Default::default(),
            value: Some("-1".into()),
        }));
        let fx = policy_effects(&p);
        assert_eq!(
            fx.enabled[0].op,
            RegOp::Set(RegValue::Invalid {
                element: "decimal".into(),
                raw: "-1".into()
            })
        );
    }
}
