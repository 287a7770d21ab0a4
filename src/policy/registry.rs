//! Registry actions → registry.pol bytes: the one place where the policy
//! layer meets the registry.pol format.
//!
//! TEMPORARY: until the shared codec (`crate::pol`, branch `pol`) lands, this
//! module encodes the few entry shapes actions produce itself, following
//! formats.md §4.2-§4.5. It is replaced by a call to the codec as soon as that
//! is on main.

use super::effects::{RegValue, RegistryAction};

const REG_SZ: u32 = 1;
const REG_EXPAND_SZ: u32 = 2;
const REG_DWORD: u32 = 4;
const REG_MULTI_SZ: u32 = 7;
const REG_QWORD: u32 = 11;

/// The complete registry.pol file (`PReg` header, version 1, then one entry
/// per action in order). No actions give the 8-byte header-only file that
/// means "nothing configured on this side".
pub fn registry_pol(actions: &[RegistryAction]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + actions.len() * 128);
    out.extend_from_slice(b"PReg");
    out.extend_from_slice(&1u32.to_le_bytes());
    for a in actions {
        let (name, ty, data) = match &a.value {
            RegValue::Dword(n) => (a.value_name.clone(), REG_DWORD, n.to_le_bytes().to_vec()),
            RegValue::Qword(n) => (a.value_name.clone(), REG_QWORD, n.to_le_bytes().to_vec()),
            RegValue::Sz(s) => (a.value_name.clone(), REG_SZ, utf16z(s)),
            RegValue::ExpandSz(s) => (a.value_name.clone(), REG_EXPAND_SZ, utf16z(s)),
            RegValue::MultiSz(items) => {
                let mut d: Vec<u8> = items.iter().flat_map(|s| utf16z(s)).collect();
                d.extend_from_slice(&[0, 0]);
                (a.value_name.clone(), REG_MULTI_SZ, d)
            }
            // What gpedit writes for a deletion: REG_SZ " " (formats.md §4.5).
            RegValue::Delete => (format!("**del.{}", a.value_name), REG_SZ, utf16z(" ")),
        };
        push_utf16(&mut out, "[");
        out.extend_from_slice(&utf16z(&a.key));
        push_utf16(&mut out, ";");
        out.extend_from_slice(&utf16z(&name));
        push_utf16(&mut out, ";");
        out.extend_from_slice(&ty.to_le_bytes());
        push_utf16(&mut out, ";");
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        push_utf16(&mut out, ";");
        out.extend_from_slice(&data);
        push_utf16(&mut out, "]");
    }
    out
}

fn push_utf16(out: &mut Vec<u8>, s: &str) {
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

/// UTF-16LE with a terminating NUL.
fn utf16z(s: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() * 2 + 2);
    push_utf16(&mut v, s);
    v.extend_from_slice(&[0, 0]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_the_header_only_file() {
        assert_eq!(registry_pol(&[]), b"PReg\x01\x00\x00\x00");
    }

    #[test]
    fn delete_is_a_del_entry_holding_a_space() {
        let a = RegistryAction {
            key: "K".into(),
            value_name: "V".into(),
            value: RegValue::Delete,
        };
        let b = registry_pol(&[a]);
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
}
