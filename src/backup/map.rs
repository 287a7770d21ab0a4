//! Mapping registry.pol entries back to the policies that write them, using
//! a loaded set of templates ([`Store`]): which policy, in which state, with
//! which element values — and which entries no policy explains.
//!
//! Each policy's footprint comes from [`crate::store::effects::policy_effects`]:
//! the fixed writes of its enabled and disabled states and where its elements
//! write. Keys and value names are compared without regard to case, as the
//! registry does. An entry whose data equals a fixed write decides the state;
//! an entry at an element's place marks the policy enabled with that value; a
//! `**del.` entry marks the state whose writes delete that value (or, for an
//! element, disabled). When several policies share a footprint (the same
//! setting in two template versions) the first in store order wins.

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use crate::model::{PolicyElement, Value};
use crate::pol::{self, Data, Directive, Entry, PolFile};
pub use crate::policy::PolicyState;
use crate::policy::value_of;
use crate::store::effects::{RegOp, RegValue, policy_effects};
use crate::store::{PolicyId, Store};

use super::model::Side;

/// One element value of a mapped policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ElementValue {
    /// Element `id`.
    pub id: String,
    /// The label of its control in the policy's presentation (ADML), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The value as shown (enum item display name, checked/unchecked, number, text).
    pub value: String,
}

/// A policy the entries set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MappedPolicy {
    /// `prefix:name`.
    pub policy: String,
    /// Display name in the chosen culture (the name when the ADML lacks it).
    pub display_name: String,
    /// Category path, display names joined with `/`.
    pub category: String,
    /// State.
    pub state: PolicyState,
    /// Element values, in entry order.
    pub values: Vec<ElementValue>,
    /// Indices (0-based) of the entries this policy explains.
    pub entries: Vec<usize>,
}

/// The result of [`PolicyIndex::map`].
#[derive(Clone, Debug, Serialize)]
pub struct Mapping {
    /// Policies found, in the order of their first entry.
    pub policies: Vec<MappedPolicy>,
    /// Entries no policy explains, with their index.
    #[serde(serialize_with = "ser_entries")]
    pub unexplained: Vec<(usize, Entry)>,
    /// Number of entries looked at.
    pub total: usize,
    /// Number of entries some policy explains.
    pub mapped: usize,
}

fn ser_entries<S: Serializer>(v: &[(usize, Entry)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|(i, e)| {
        let mut o = pol::json::entry_to_value(e);
        if let Some(m) = o.as_object_mut() {
            m.insert("index".into(), (*i).into());
        }
        o
    }))
}

/// How strongly an entry says which state a policy is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Evidence {
    /// The entry equals the policy's own enabled or disabled value.
    Main(PolicyState),
    /// The entry equals a fixed write of this state (`enabledValue`, `disabledValue`, lists).
    Fixed(PolicyState),
    /// The entry suggests this state (an element's value, a `**del.` of an element's value).
    Hint(PolicyState),
    /// The entry fits both states (a check box value is written in both).
    Neutral,
}

#[derive(Clone, Debug)]
enum Print {
    /// `main`: the policy's own value (`enabledValue`/`disabledValue`), not a list item.
    Fixed {
        state: PolicyState,
        op: RegOp,
        main: bool,
    },
    Element {
        index: usize,
    },
    List {
        index: usize,
    },
}

#[derive(Clone, Debug)]
struct Footprint {
    policy: PolicyId,
    print: Print,
}

/// Display name and category path (display names joined with `/`) of a
/// policy in `culture`; names stand in for missing strings.
pub fn describe(store: &Store, id: PolicyId, culture: &str) -> (String, String) {
    let p = store.policy(id);
    let name = p
        .display_name
        .as_deref()
        .and_then(|d| store.text(id.admx, culture, d))
        .unwrap_or_else(|| p.name.clone().unwrap_or_default());
    let category = match store.policy_parent(id) {
        Ok(Some(c)) => store
            .category_chain(c)
            .into_iter()
            .map(|cid| {
                let cat = store.category(cid);
                cat.display_name
                    .as_deref()
                    .and_then(|d| store.text(cid.admx, culture, d))
                    .unwrap_or_else(|| cat.name.clone().unwrap_or_default())
            })
            .collect::<Vec<_>>()
            .join("/"),
        _ => String::new(),
    };
    (name, category)
}

/// The state the evidence of one policy's entries points to: the policy's own
/// value decides (the last such entry, as entries apply in order), then other fixed writes (gpedit writes the disabled value even when element values are
/// still stored); otherwise element values mean enabled and deleted element
/// values mean disabled; with no evidence at all, enabled.
fn decide(ev: &[Evidence]) -> PolicyState {
    // Entries apply in order, so at each level the last one counts.
    let last = |pick: fn(&Evidence) -> Option<PolicyState>| ev.iter().rev().find_map(pick);
    last(|e| match e {
        Evidence::Main(s) => Some(*s),
        _ => None,
    })
    .or_else(|| {
        last(|e| match e {
            Evidence::Fixed(s) => Some(*s),
            _ => None,
        })
    })
    .or_else(|| {
        // Any element value means the policy was enabled; deletions alone mean disabled.
        ev.contains(&Evidence::Hint(PolicyState::Enabled))
            .then_some(PolicyState::Enabled)
    })
    .or_else(|| {
        ev.contains(&Evidence::Hint(PolicyState::Disabled))
            .then_some(PolicyState::Disabled)
    })
    .unwrap_or(PolicyState::Enabled)
}

/// Footprints of every policy of one side of a store, ready for lookups.
#[derive(Debug)]
pub struct PolicyIndex<'s> {
    store: &'s Store,
    culture: String,
    by_value: HashMap<(String, String), Vec<Footprint>>,
    by_key: HashMap<String, Vec<Footprint>>,
}

fn lc(s: &str) -> String {
    s.to_lowercase()
}

fn same_value(v: &RegValue, e: &Entry) -> bool {
    match (v, &e.data) {
        (RegValue::Dword(a), Data::Dword(b)) => a == b,
        (RegValue::Qword(a), Data::Qword(b)) => a == b,
        (RegValue::Sz(a), Data::String(b)) => a == b,
        _ => false,
    }
}

fn data_text(e: &Entry) -> String {
    match &e.data {
        Data::None => String::new(),
        Data::String(s) => s.clone(),
        Data::Dword(n) => n.to_string(),
        Data::Qword(n) => n.to_string(),
        Data::MultiString(v) => v.join("; "),
        Data::Bytes(b) => pol::json::hex(b),
    }
}

/// Whether `e` holds the value a schema value writes ([`value_of`]: the
/// conversion the effects use, so `-1` matches the DWORD 0xFFFFFFFF it writes).
fn value_matches(v: Option<&Value>, e: &Entry) -> bool {
    v.and_then(value_of).is_some_and(|r| same_value(&r, e))
}

impl<'s> PolicyIndex<'s> {
    /// Indexes the policies of `store` that apply to `side`; display text in `culture`.
    pub fn new(store: &'s Store, side: Side, culture: &str) -> PolicyIndex<'s> {
        let mut by_value: HashMap<(String, String), Vec<Footprint>> = HashMap::new();
        let mut by_key: HashMap<String, Vec<Footprint>> = HashMap::new();
        for id in store.policies() {
            let p = store.policy(id);
            if !Side::of_class(p.class()).contains(&side) {
                continue;
            }
            let fx = policy_effects(p);
            for (state, actions) in [
                (PolicyState::Enabled, &fx.enabled),
                (PolicyState::Disabled, &fx.disabled),
            ] {
                for a in actions {
                    let print = Print::Fixed {
                        state,
                        op: a.op.clone(),
                        // The policy's own value (enabledValue/disabledValue or the
                        // editor's default), as opposed to list items and elements.
                        main: a.value_name.is_some()
                            && a.value_name.as_deref() == p.value_name.as_deref()
                            && p.key
                                .as_deref()
                                .is_some_and(|k| k.eq_ignore_ascii_case(&a.key)),
                    };
                    match &a.value_name {
                        Some(v) => by_value
                            .entry((lc(&a.key), lc(v)))
                            .or_default()
                            .push(Footprint { policy: id, print }),
                        None => by_key
                            .entry(lc(&a.key))
                            .or_default()
                            .push(Footprint { policy: id, print }),
                    }
                }
            }
            for (index, t) in fx.elements.iter().enumerate() {
                match &t.value_name {
                    Some(v) => by_value
                        .entry((lc(&t.key), lc(v)))
                        .or_default()
                        .push(Footprint {
                            policy: id,
                            print: Print::Element { index },
                        }),
                    None => by_key.entry(lc(&t.key)).or_default().push(Footprint {
                        policy: id,
                        print: Print::List { index },
                    }),
                }
            }
        }
        PolicyIndex {
            store,
            culture: culture.to_string(),
            by_value,
            by_key,
        }
    }

    /// True when no policy of the store applies to this side (nothing can be mapped).
    pub fn is_empty(&self) -> bool {
        self.by_value.is_empty() && self.by_key.is_empty()
    }

    fn element_value(&self, id: PolicyId, index: usize, e: &Entry) -> ElementValue {
        let p = self.store.policy(id);
        let Some(el) = p.elements().get(index) else {
            return ElementValue {
                id: String::new(),
                label: None,
                value: data_text(e),
            };
        };
        let eid = el.common().id.clone().unwrap_or_default();
        let value = match el {
            PolicyElement::Enum(en) => en
                .items
                .iter()
                .find(|i| value_matches(i.value.as_ref().and_then(|s| s.value.as_ref()), e))
                .and_then(|i| i.display_name.as_deref())
                .and_then(|d| self.store.text(id.admx, &self.culture, d))
                .unwrap_or_else(|| data_text(e)),
            PolicyElement::Boolean(b) => {
                let t = b.true_value.as_ref().and_then(|s| s.value.as_ref());
                let f = b.false_value.as_ref().and_then(|s| s.value.as_ref());
                if value_matches(t, e) || (t.is_none() && matches!(e.data, Data::Dword(1))) {
                    "checked".into()
                } else if value_matches(f, e) || (f.is_none() && matches!(e.data, Data::Dword(0))) {
                    "unchecked".into()
                } else {
                    data_text(e)
                }
            }
            _ => data_text(e),
        };
        ElementValue {
            label: self.label(id, &eid),
            id: eid,
            value,
        }
    }

    /// Display name and category path of a policy.
    pub fn describe(&self, id: PolicyId) -> (String, String) {
        describe(self.store, id, &self.culture)
    }

    /// Maps the entries of one registry.pol.
    pub fn map(&self, file: &PolFile) -> Mapping {
        // (entry index, policy, evidence, element value)
        let mut hits: Vec<(usize, PolicyId, Evidence, Option<ElementValue>)> = Vec::new();
        let mut unexplained = Vec::new();
        for (i, e) in file.entries.iter().enumerate() {
            let key = lc(&e.key);
            let found = match e.directive() {
                Some(Directive::Delete(name)) => {
                    self.by_value.get(&(key.clone(), lc(name))).and_then(|fps| {
                        fps.iter().find_map(|f| match &f.print {
                            Print::Fixed {
                                state,
                                op: RegOp::DeleteValue,
                                main,
                            } if *main
                                || !fps.iter().any(|g| {
                                    g.policy == f.policy && matches!(g.print, Print::Element { .. })
                                }) =>
                            {
                                let ev = if *main {
                                    Evidence::Main(*state)
                                } else {
                                    Evidence::Fixed(*state)
                                };
                                Some((f.policy, ev, None))
                            }
                            Print::Element { index } => {
                                // An unchecked check box may be written as a deletion too.
                                let boolean = matches!(
                                    self.store.policy(f.policy).elements().get(*index),
                                    Some(PolicyElement::Boolean(_))
                                );
                                let ev = if boolean {
                                    Evidence::Neutral
                                } else {
                                    Evidence::Hint(PolicyState::Disabled)
                                };
                                Some((f.policy, ev, None))
                            }
                            _ => None,
                        })
                    })
                }
                Some(Directive::DeleteAllValues) => self.by_key.get(&key).and_then(|fps| {
                    fps.iter().find_map(|f| match &f.print {
                        Print::List { .. }
                        | Print::Fixed {
                            op: RegOp::DeleteAllValues,
                            ..
                        } => {
                            let more = file.entries[i + 1..]
                                .iter()
                                .any(|x| lc(&x.key) == key && x.directive().is_none());
                            let state = if more {
                                PolicyState::Enabled
                            } else {
                                PolicyState::Disabled
                            };
                            Some((f.policy, Evidence::Hint(state), None))
                        }
                        _ => None,
                    })
                }),
                Some(Directive::Soft(name)) => self.lookup_value(&key, name, e),
                Some(_) => None,
                None if e.value_name.is_empty() && matches!(e.data, Data::None) => self
                    .by_key
                    .get(&key)
                    .or_else(|| self.key_has_values(&key))
                    .and_then(|fps| fps.first())
                    .map(|f| (f.policy, Evidence::Neutral, None)),
                None => self.lookup_value(&key, &e.value_name, e),
            };
            match found {
                Some((p, s, v)) => hits.push((i, p, s, v)),
                None => unexplained.push((i, e.clone())),
            }
        }
        let mut policies: Vec<MappedPolicy> = Vec::new();
        let mut order: Vec<PolicyId> = Vec::new();
        let mut states: HashMap<PolicyId, Vec<Evidence>> = HashMap::new();
        for (i, p, s, v) in hits.iter().cloned() {
            let idx = match order.iter().position(|x| *x == p) {
                Some(n) => n,
                None => {
                    order.push(p);
                    let (display_name, category) = self.describe(p);
                    policies.push(MappedPolicy {
                        policy: self.store.qualified_name(p),
                        display_name,
                        category,
                        state: PolicyState::Enabled,
                        values: Vec::new(),
                        entries: Vec::new(),
                    });
                    order.len() - 1
                }
            };
            states.entry(p).or_default().push(s);
            policies[idx].entries.push(i);
            if let Some(v) = v {
                policies[idx].values.push(v);
            }
        }
        for (n, p) in order.iter().enumerate() {
            policies[n].state = decide(states.get(p).map_or(&[][..], |v| v.as_slice()));
        }
        let total = file.entries.len();
        Mapping {
            policies,
            mapped: total - unexplained.len(),
            unexplained,
            total,
        }
    }

    fn key_has_values(&self, key: &str) -> Option<&Vec<Footprint>> {
        self.by_value
            .iter()
            .find(|((k, _), _)| k == key)
            .map(|(_, v)| v)
    }

    fn lookup_value(
        &self,
        key: &str,
        name: &str,
        e: &Entry,
    ) -> Option<(PolicyId, Evidence, Option<ElementValue>)> {
        if let Some(fps) = self.by_value.get(&(key.to_string(), lc(name))) {
            // Exact fixed value first, then elements, then any fixed write of that value.
            let exact: Vec<&Footprint> = fps
                .iter()
                .filter(|f| matches!(&f.print, Print::Fixed { op: RegOp::Set(v), .. } if same_value(v, e)))
                .collect();
            if let Some(first) = exact.first() {
                // The same data in both states (an enabledList and a disabledList item) says nothing.
                let states: Vec<(PolicyState, bool)> = exact
                    .iter()
                    .filter(|f| f.policy == first.policy)
                    .filter_map(|f| match f.print {
                        Print::Fixed { state, main, .. } => Some((state, main)),
                        _ => None,
                    })
                    .collect();
                let ev = match states.as_slice() {
                    [(state, true), ..] if states.iter().all(|(s, _)| s == state) => {
                        Evidence::Main(*state)
                    }
                    [(state, _), ..] if states.iter().all(|(s, _)| s == state) => {
                        Evidence::Fixed(*state)
                    }
                    _ => Evidence::Neutral,
                };
                return Some((first.policy, ev, None));
            }
            if let Some(f) = fps
                .iter()
                .find(|f| matches!(f.print, Print::Element { .. }))
            {
                if let Print::Element { index } = f.print {
                    // A check box value is written whether the policy is enabled or not.
                    let boolean = matches!(
                        self.store.policy(f.policy).elements().get(index),
                        Some(PolicyElement::Boolean(_))
                    );
                    let ev = if boolean {
                        Evidence::Neutral
                    } else {
                        Evidence::Hint(PolicyState::Enabled)
                    };
                    return Some((f.policy, ev, Some(self.element_value(f.policy, index, e))));
                }
            }
            if let Some(f) = fps.first() {
                return Some((f.policy, Evidence::Neutral, None));
            }
        }
        let fps = self.by_key.get(key)?;
        let f = fps.iter().find(|f| matches!(f.print, Print::List { .. }))?;
        let Print::List { index } = f.print else {
            return None;
        };
        let id = self
            .store
            .policy(f.policy)
            .elements()
            .get(index)
            .and_then(|el| el.common().id.clone())
            .unwrap_or_default();
        Some((
            f.policy,
            Evidence::Hint(PolicyState::Enabled),
            Some(ElementValue {
                label: self.label(f.policy, &id),
                id,
                value: format!("{} = {}", e.value_name, data_text(e)),
            }),
        ))
    }

    /// The label of the presentation control bound to element `element_id`.
    fn label(&self, id: PolicyId, element_id: &str) -> Option<String> {
        use crate::model::Control;
        let attr = self.store.policy(id).presentation.as_deref()?;
        let pres = self.store.presentation(id.admx, &self.culture, attr)?;
        let c = pres
            .controls
            .iter()
            .find(|c| c.ref_id() == Some(element_id))?;
        let text = match c {
            Control::CheckBox { label, .. }
            | Control::DropdownList { label, .. }
            | Control::ListBox { label, .. }
            | Control::MultiTextBox { label, .. } => label.clone(),
            Control::DecimalTextBox(b) | Control::LongDecimalTextBox(b) => b.label.clone(),
            Control::TextBox { label, .. } | Control::ComboBox { label, .. } => {
                label.as_ref().map(|l| l.text.clone()).unwrap_or_default()
            }
            Control::Text { .. } => String::new(),
        };
        let t = text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(s: &str) -> Value {
        Value::Decimal {
            node: Default::default(),
            value: Some(s.into()),
        }
    }

    #[test]
    fn values_match_what_the_effects_write() {
        let e = Entry::dword("k", "v", u32::MAX);
        assert!(value_matches(Some(&decimal("-1")), &e));
        assert!(value_matches(Some(&decimal("4294967295")), &e));
        assert!(!value_matches(Some(&decimal("1")), &e));
        assert!(!value_matches(Some(&decimal("x")), &e));
        assert!(!value_matches(None, &e));
    }
}
