//! What a policy writes to the registry in each state, for ANY ADMX policy
//! (not only the built-in one), the way the Group Policy editor does it.
//!
//! [`effects`] covers the parts of a policy that need no input from the
//! admin: `valueName` with `enabledValue`/`disabledValue`,
//! `enabledList`/`disabledList`, and the deletions of element values when the
//! policy is disabled. The values policy `<elements>` (boolean, decimal, text,
//! enum, list ...) write when ENABLED depend on what the admin entered, so
//! callers that have those values add their own actions; [`value_of`] and
//! [`list_effects`] convert the fixed values an element declares
//! (`trueValue`, enum item values and value lists ...).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::{Policy, PolicyElement, Value, ValueList};

/// The three states an admin can give a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyState {
    /// "Enabled".
    Enabled,
    /// "Disabled".
    Disabled,
    /// "Not configured": the GPO holds nothing for the policy.
    NotConfigured,
}

impl PolicyState {
    /// Every state, in the editor's order.
    pub const ALL: [PolicyState; 3] = [
        PolicyState::Enabled,
        PolicyState::Disabled,
        PolicyState::NotConfigured,
    ];

    /// Command-line spelling: `enabled`, `disabled`, `not-configured`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyState::Enabled => "enabled",
            PolicyState::Disabled => "disabled",
            PolicyState::NotConfigured => "not-configured",
        }
    }
}

impl fmt::Display for PolicyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`PolicyState::from_str`]; its message lists the accepted spellings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected state enabled, disabled or not-configured, found '{0}'")]
pub struct UnknownState(pub String);

impl FromStr for PolicyState {
    type Err = UnknownState;

    /// Accepts `enabled`, `disabled`, `not-configured` (also `notconfigured`,
    /// `not_configured`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "enabled" => Ok(PolicyState::Enabled),
            "disabled" => Ok(PolicyState::Disabled),
            "not-configured" | "notconfigured" | "not_configured" => Ok(PolicyState::NotConfigured),
            _ => Err(UnknownState(s.to_string())),
        }
    }
}

/// A registry value to write, or a deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum RegValue {
    /// REG_DWORD (`<decimal>`).
    #[doc(alias = "REG_DWORD")]
    Dword(u32),
    /// REG_QWORD (`<longDecimal>`).
    #[doc(alias = "REG_QWORD")]
    Qword(u64),
    /// REG_SZ (`<string>`).
    #[doc(alias = "REG_SZ")]
    Sz(String),
    /// REG_EXPAND_SZ (a `<text expandable="true">` element).
    #[doc(alias = "REG_EXPAND_SZ")]
    ExpandSz(String),
    /// REG_MULTI_SZ (a `<multiText>` element).
    #[doc(alias = "REG_MULTI_SZ")]
    MultiSz(Vec<String>),
    /// Delete the value (`<delete/>`; `**del.<name>` in registry.pol).
    Delete,
    /// Delete every value of the key (`**delvals.` in registry.pol; the
    /// action's `value_name` is empty). Written for list elements of a
    /// disabled policy.
    DeleteAllValues,
}

impl fmt::Display for RegValue {
    /// `REG_DWORD 1`, `REG_SZ "x"`, `delete`, `delete all values`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegValue::Dword(n) => write!(f, "REG_DWORD {n}"),
            RegValue::Qword(n) => write!(f, "REG_QWORD {n}"),
            RegValue::Sz(s) => write!(f, "REG_SZ {s:?}"),
            RegValue::ExpandSz(s) => write!(f, "REG_EXPAND_SZ {s:?}"),
            RegValue::MultiSz(v) => write!(f, "REG_MULTI_SZ {v:?}"),
            RegValue::Delete => f.write_str("delete"),
            RegValue::DeleteAllValues => f.write_str("delete all values"),
        }
    }
}

/// One registry change: set (or delete) `value_name` under `key`. The hive
/// is not part of it: it follows the policy's class (User → HKCU / the GPO's
/// `User` side, Machine → HKLM / `Machine`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryAction {
    /// Key below the hive, as written in the ADMX (case kept).
    pub key: String,
    /// Value name.
    pub value_name: String,
    /// What to write.
    pub value: RegValue,
}

/// Converts a schema value to a registry value. `None` when the number does
/// not parse (`<decimal value="x"/>`); the validator reports such values.
/// Decimals accept the unsigned range and, as Windows does, negative numbers
/// down to `i32::MIN`, stored as their two's complement.
pub fn value_of(v: &Value) -> Option<RegValue> {
    match v {
        Value::Delete { .. } => Some(RegValue::Delete),
        Value::Decimal { value, .. } => {
            let s = value.as_deref()?.trim();
            s.parse::<u32>()
                .ok()
                .or_else(|| s.parse::<i32>().ok().map(|n| n as u32))
                .map(RegValue::Dword)
        }
        Value::LongDecimal { value, .. } => {
            let s = value.as_deref()?.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| s.parse::<i64>().ok().map(|n| n as u64))
                .map(RegValue::Qword)
        }
        Value::String { text, .. } => Some(RegValue::Sz(text.clone())),
    }
}

/// The registry actions of `policy` in `state`, in the order the editor
/// writes them:
///
/// - **Enabled**: the policy's `valueName` set to `enabledValue` (REG_DWORD 1
///   when there is no `enabledValue`), then every `enabledList` item.
/// - **Disabled**: `valueName` set to `disabledValue` (deleted when there is
///   no `disabledValue`), then every `disabledList` item, then, as the editor
///   does, each element's value deleted ([`RegValue::Delete`] of the
///   element's `valueName`) and each list element's key cleared
///   ([`RegValue::DeleteAllValues`]); elements write under their own `key`,
///   else the policy's.
/// - **Not configured**: nothing.
///
/// List items use their own `key`, else the list's `defaultKey`, else the
/// policy's `key`. Items or values that cannot be converted (no value, a
/// number that does not parse) are left out. What elements write when the
/// policy is enabled is not covered: it needs the admin's input, so callers
/// add those actions.
pub fn effects(policy: &Policy, state: PolicyState) -> Vec<RegistryAction> {
    let key = policy.key.clone().unwrap_or_default();
    let (slot, list, default) = match state {
        PolicyState::NotConfigured => return Vec::new(),
        PolicyState::Enabled => (
            &policy.enabled_value,
            &policy.enabled_list,
            RegValue::Dword(1),
        ),
        PolicyState::Disabled => (
            &policy.disabled_value,
            &policy.disabled_list,
            RegValue::Delete,
        ),
    };
    let mut out = Vec::new();
    if let Some(name) = policy.value_name.as_deref() {
        let value = match slot.as_ref().and_then(|s| s.value.as_ref()) {
            Some(v) => value_of(v),
            None => Some(default),
        };
        if let Some(value) = value {
            out.push(RegistryAction {
                key: key.clone(),
                value_name: name.to_string(),
                value,
            });
        }
    }
    if let Some(list) = list {
        out.extend(list_effects(list, &key));
    }
    if state == PolicyState::Disabled {
        for element in policy.elements() {
            let common = element.common();
            let key = common.key.clone().unwrap_or_else(|| key.clone());
            match (element, common.value_name.as_deref()) {
                (PolicyElement::List(_), _) => {
                    out.push(RegistryAction {
                        key,
                        value_name: String::new(),
                        value: RegValue::DeleteAllValues,
                    });
                }
                (_, Some(name)) => {
                    out.push(RegistryAction {
                        key,
                        value_name: name.to_string(),
                        value: RegValue::Delete,
                    });
                }
                (_, None) => {}
            }
        }
    }
    out
}

/// The actions of a value list (`enabledList`, a boolean's `trueList`, an
/// enum item's `valueList` ...): each item under its own `key`, else the
/// list's `defaultKey`, else `fallback_key`.
pub fn list_effects(list: &ValueList, fallback_key: &str) -> Vec<RegistryAction> {
    list.items
        .iter()
        .filter_map(|item| {
            let value = value_of(item.value.as_ref()?)?;
            let key = item
                .key
                .as_deref()
                .or(list.default_key.as_deref())
                .unwrap_or(fallback_key);
            Some(RegistryAction {
                key: key.to_string(),
                value_name: item.value_name.clone().unwrap_or_default(),
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ValueItem, ValueSlot};

    fn act(key: &str, name: &str, value: RegValue) -> RegistryAction {
        RegistryAction {
            key: key.into(),
            value_name: name.into(),
            value,
        }
    }

    fn item(key: Option<&str>, name: &str, value: Value) -> ValueItem {
        ValueItem {
            key: key.map(String::from),
            value_name: Some(name.into()),
            value: Some(value),
            ..ValueItem::default()
        }
    }

    #[test]
    fn linkedin_writes_dword_1_0_and_nothing() {
        let p = super::super::linkedin_policy();
        let k = r"software\policies\microsoft\office\16.0\common";
        assert_eq!(
            effects(&p, PolicyState::Enabled),
            vec![act(k, "linkedin", RegValue::Dword(1))]
        );
        assert_eq!(
            effects(&p, PolicyState::Disabled),
            vec![act(k, "linkedin", RegValue::Dword(0))]
        );
        assert_eq!(effects(&p, PolicyState::NotConfigured), vec![]);
    }

    #[test]
    fn value_name_without_values_is_dword_1_or_delete() {
        let p = Policy {
            key: Some("K".into()),
            value_name: Some("V".into()),
            ..Policy::default()
        };
        assert_eq!(
            effects(&p, PolicyState::Enabled),
            vec![act("K", "V", RegValue::Dword(1))]
        );
        assert_eq!(
            effects(&p, PolicyState::Disabled),
            vec![act("K", "V", RegValue::Delete)]
        );
    }

    #[test]
    fn no_value_name_and_no_lists_writes_nothing() {
        let p = Policy {
            key: Some("K".into()),
            ..Policy::default()
        };
        assert!(effects(&p, PolicyState::Enabled).is_empty());
        assert!(effects(&p, PolicyState::Disabled).is_empty());
    }

    #[test]
    fn lists_use_item_key_then_default_key_then_policy_key() {
        let p = Policy {
            key: Some("P".into()),
            enabled_list: Some(Box::new(ValueList {
                default_key: Some("D".into()),
                items: vec![
                    item(Some("I"), "a", Value::decimal(5)),
                    item(
                        None,
                        "b",
                        Value::String {
                            node: Default::default(),
                            text: "x".into(),
                        },
                    ),
                ],
                ..ValueList::default()
            })),
            disabled_list: Some(Box::new(ValueList {
                items: vec![item(
                    None,
                    "c",
                    Value::Delete {
                        node: Default::default(),
                    },
                )],
                ..ValueList::default()
            })),
            ..Policy::default()
        };
        assert_eq!(
            effects(&p, PolicyState::Enabled),
            vec![
                act("I", "a", RegValue::Dword(5)),
                act("D", "b", RegValue::Sz("x".into()))
            ]
        );
        assert_eq!(
            effects(&p, PolicyState::Disabled),
            vec![act("P", "c", RegValue::Delete)]
        );
        assert!(effects(&p, PolicyState::NotConfigured).is_empty());
    }

    #[test]
    fn value_then_list_in_that_order() {
        let p = Policy {
            key: Some("P".into()),
            value_name: Some("main".into()),
            enabled_value: Some(ValueSlot::new(Value::LongDecimal {
                node: Default::default(),
                value: Some("5000000000".into()),
            })),
            enabled_list: Some(Box::new(ValueList {
                items: vec![item(None, "extra", Value::decimal(2))],
                ..ValueList::default()
            })),
            ..Policy::default()
        };
        assert_eq!(
            effects(&p, PolicyState::Enabled),
            vec![
                act("P", "main", RegValue::Qword(5_000_000_000)),
                act("P", "extra", RegValue::Dword(2))
            ]
        );
    }

    #[test]
    fn disabling_deletes_element_values_and_clears_list_keys() {
        use crate::model::{DecimalElement, ElementCommon, List, ListElement, PolicyElement};
        let common = |id: &str, key: Option<&str>, name: Option<&str>| ElementCommon {
            id: Some(id.into()),
            key: key.map(String::from),
            value_name: name.map(String::from),
            ..ElementCommon::default()
        };
        let p = Policy {
            key: Some("P".into()),
            value_name: Some("on".into()),
            elements: Some(List::new(vec![
                PolicyElement::Decimal(DecimalElement {
                    common: common("n", None, Some("N")),
                    ..Default::default()
                }),
                PolicyElement::List(ListElement {
                    common: common("l", Some(r"P\List"), None),
                    ..Default::default()
                }),
                PolicyElement::Decimal(DecimalElement {
                    common: common("x", None, None),
                    ..Default::default()
                }),
            ])),
            ..Policy::default()
        };
        assert_eq!(
            effects(&p, PolicyState::Disabled),
            vec![
                act("P", "on", RegValue::Delete),
                act("P", "N", RegValue::Delete),
                act(r"P\List", "", RegValue::DeleteAllValues),
            ]
        );
        // Enabled: element values need the admin's input; only the fixed value is written.
        assert_eq!(
            effects(&p, PolicyState::Enabled),
            vec![act("P", "on", RegValue::Dword(1))]
        );
    }

    #[test]
    fn decimals_parse_like_windows_and_bad_numbers_are_left_out() {
        let d = |s: &str| Value::Decimal {
            node: Default::default(),
            value: Some(s.into()),
        };
        assert_eq!(value_of(&d("4294967295")), Some(RegValue::Dword(u32::MAX)));
        assert_eq!(value_of(&d("-1")), Some(RegValue::Dword(u32::MAX)));
        assert_eq!(value_of(&d("x")), None);
        assert_eq!(value_of(&d("4294967296")), None);
        let p = Policy {
            key: Some("K".into()),
            value_name: Some("V".into()),
            enabled_value: Some(ValueSlot::new(d("x"))),
            ..Policy::default()
        };
        assert!(effects(&p, PolicyState::Enabled).is_empty());
    }

    #[test]
    fn states_parse_and_print() {
        for s in PolicyState::ALL {
            assert_eq!(s.as_str().parse::<PolicyState>(), Ok(s));
        }
        assert_eq!(
            "Not_Configured".parse::<PolicyState>(),
            Ok(PolicyState::NotConfigured)
        );
        let e = "on".parse::<PolicyState>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected state enabled, disabled or not-configured, found 'on'"
        );
    }
}
