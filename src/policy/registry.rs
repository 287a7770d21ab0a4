//! Registry actions → registry.pol: the one place where the policy layer
//! meets the registry.pol codec ([`crate::pol`]).

use crate::pol::{self, Entry, PolFile};

use super::effects::{RegValue, RegistryAction};

/// The registry.pol entry of one action. A deletion is gpedit's
/// `**del.<name>` marker, clearing a key is `**delvals.` (both REG_SZ `" "`,
/// formats.md §4.5).
pub fn pol_entry(action: &RegistryAction) -> Entry {
    let (key, name) = (action.key.as_str(), action.value_name.as_str());
    match &action.value {
        RegValue::Dword(n) => Entry::dword(key, name, *n),
        RegValue::Qword(n) => Entry::qword(key, name, *n),
        RegValue::Sz(s) => Entry::sz(key, name, s.as_str()),
        RegValue::ExpandSz(s) => Entry::expand_sz(key, name, s.as_str()),
        RegValue::MultiSz(items) => Entry::multi_sz(key, name, items.iter().map(String::as_str)),
        RegValue::Delete => Entry::delete_marker(key, name),
        RegValue::DeleteAllValues => Entry::delete_all_values(key),
    }
}

/// The registry.pol model of `actions`, in the order gpedit writes a file:
/// entries grouped by key, keys sorted case-insensitively component by
/// component, the entries of one key in the order of `actions`.
pub fn pol_file(actions: &[RegistryAction]) -> PolFile {
    PolFile::new_sorted(actions.iter().map(pol_entry).collect())
}

/// The complete registry.pol bytes of `actions` ([`pol_file`] encoded). No
/// actions give the 8-byte header-only file that means "nothing configured
/// on this side".
pub fn registry_pol(actions: &[RegistryAction]) -> Vec<u8> {
    pol::to_vec(&pol_file(actions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(key: &str, name: &str, value: RegValue) -> RegistryAction {
        RegistryAction {
            key: key.into(),
            value_name: name.into(),
            value,
        }
    }

    #[test]
    fn nothing_is_the_header_only_file() {
        assert_eq!(registry_pol(&[]), b"PReg\x01\x00\x00\x00");
    }

    #[test]
    fn delete_is_a_del_entry_holding_a_space() {
        let b = registry_pol(&[act("K", "V", RegValue::Delete)]);
        let expect: Vec<u8> = [
            &b"PReg\x01\0\0\0"[..],
            b"[\0K\0\0\0;\0*\0*\0d\0e\0l\0.\0V\0\0\0;\0",
            &1u32.to_le_bytes(),
            b";\0",
            &4u32.to_le_bytes(),
            b";\0 \0\0\0]\0",
        ]
        .concat();
        assert_eq!(b, expect);
    }

    #[test]
    fn every_value_kind_round_trips_through_the_codec() {
        let actions = [
            act(r"a\b", "d", RegValue::Dword(7)),
            act(r"a\b", "q", RegValue::Qword(1 << 40)),
            act(r"a\b", "s", RegValue::Sz("text".into())),
            act(r"a\b", "e", RegValue::ExpandSz("%SystemRoot%".into())),
            act(r"a\b", "m", RegValue::MultiSz(vec!["x".into(), "y".into()])),
            act(r"a\b", "gone", RegValue::Delete),
            act(r"a\b", "", RegValue::DeleteAllValues),
        ];
        let file = pol::from_slice(&registry_pol(&actions)).unwrap();
        let expected: Vec<Entry> = actions.iter().map(pol_entry).collect();
        assert_eq!(file.entries, expected);
        assert_eq!(file.entries[5].value_name, "**del.gone");
        assert_eq!(file.entries[6].value_name, "**delvals.");
    }

    #[test]
    fn keys_come_out_in_gpedit_order_values_in_action_order() {
        let actions = [
            act(
                r"Software\Policies\Microsoft\Windows Defender",
                "b",
                RegValue::Dword(1),
            ),
            act(
                r"Software\Policies\Microsoft\Windows\X",
                "z",
                RegValue::Dword(1),
            ),
            act(
                r"Software\Policies\Microsoft\Windows Defender",
                "a",
                RegValue::Dword(1),
            ),
        ];
        let names: Vec<String> = pol_file(&actions)
            .entries
            .into_iter()
            .map(|e| e.value_name)
            .collect();
        assert_eq!(
            names,
            ["z", "b", "a"],
            r"'\' sorts before ' ' (formats.md §4.6)"
        );
    }
}
