//! The default access list of a new GPO, rendered three ways: the
//! self-relative security descriptor Backup.xml stores (hex bytes), its SDDL
//! and the permission list gpreport.xml shows.
//!
//! The ACEs are those GPMC gives a new GPO (observed in every corpus backup):
//! Authenticated Users read + apply, Enterprise Domain Controllers read,
//! SYSTEM full control, CREATOR OWNER full control on children, and — only
//! when the domain SID is known — Domain Admins and Enterprise Admins full
//! control. Import-GPO does not take permissions from a backup (it imports
//! settings into the target GPO), so without a domain SID the domain
//! principals are left out rather than invented.

/// Full control on a GPO (`CCDCLCSWRPWPDTLOSDRCWDWO`).
const FULL: u32 = 0x000F_00FF;
/// Read (`LCRPLORC`).
const READ: u32 = 0x0002_0094;
/// Control access right (`CR`), used with the Apply-Group-Policy extended right.
const CONTROL_ACCESS: u32 = 0x0000_0100;
/// `edacfd8f-ffb3-11d1-b41d-00a0c968f939`: the Apply Group Policy extended right.
const APPLY_GROUP_POLICY: [u8; 16] = [
    0x8f, 0xfd, 0xac, 0xed, 0xb3, 0xff, 0xd1, 0x11, 0xb4, 0x1d, 0x00, 0xa0, 0xc9, 0x68, 0xf9, 0x39,
];

const CI: u8 = 0x02;
const IO: u8 = 0x08;

struct Ace {
    object: bool,
    flags: u8,
    mask: u32,
    sid: String,
}

/// The principals the default access list needs, given an optional domain SID.
fn aces(domain_sid: Option<&str>) -> Vec<Ace> {
    let ace = |object, flags, mask, sid: &str| Ace {
        object,
        flags,
        mask,
        sid: sid.to_string(),
    };
    let mut v = vec![ace(true, CI, CONTROL_ACCESS, "S-1-5-11")];
    if let Some(d) = domain_sid {
        v.push(ace(false, 0, FULL, &format!("{d}-512")));
        v.push(ace(false, CI, FULL, &format!("{d}-512")));
        v.push(ace(false, CI, FULL, &format!("{d}-519")));
    }
    v.push(ace(false, CI, READ, "S-1-5-9"));
    v.push(ace(false, CI, READ, "S-1-5-11"));
    v.push(ace(false, CI, FULL, "S-1-5-18"));
    v.push(ace(false, CI | IO, FULL, "S-1-3-0"));
    v
}

/// Checks `S-1-5-21-a-b-c`: a domain SID (three sub-authorities after 21).
pub fn is_domain_sid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 7
        && parts[..4] == ["S", "1", "5", "21"]
        && parts[4..].iter().all(|p| p.parse::<u32>().is_ok())
}

fn sid_bytes(sid: &str) -> Vec<u8> {
    let parts: Vec<&str> = sid.split('-').collect();
    let authority: u64 = parts[2].parse().unwrap_or(0);
    let subs: Vec<u32> = parts[3..].iter().map(|p| p.parse().unwrap_or(0)).collect();
    let mut b = vec![1u8, subs.len() as u8];
    b.extend_from_slice(&authority.to_be_bytes()[2..]);
    for s in subs {
        b.extend_from_slice(&s.to_le_bytes());
    }
    b
}

/// The self-relative security descriptor bytes (DACL only, protected, auto-inherited).
pub fn descriptor_bytes(domain_sid: Option<&str>) -> Vec<u8> {
    let mut acl_body = Vec::new();
    let list = aces(domain_sid);
    for a in &list {
        let sid = sid_bytes(&a.sid);
        let mut body = a.mask.to_le_bytes().to_vec();
        if a.object {
            body.extend_from_slice(&1u32.to_le_bytes());
            body.extend_from_slice(&APPLY_GROUP_POLICY);
        }
        body.extend_from_slice(&sid);
        let size = (4 + body.len()) as u16;
        acl_body.push(if a.object { 0x05 } else { 0x00 });
        acl_body.push(a.flags);
        acl_body.extend_from_slice(&size.to_le_bytes());
        acl_body.extend_from_slice(&body);
    }
    let mut b = vec![0x01, 0x00, 0x04, 0x9c];
    b.extend_from_slice(&[0u8; 12]);
    b.extend_from_slice(&20u32.to_le_bytes());
    b.extend_from_slice(&[0x04, 0x00]);
    b.extend_from_slice(&((8 + acl_body.len()) as u16).to_le_bytes());
    b.extend_from_slice(&(list.len() as u16).to_le_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&acl_body);
    b
}

/// Hex bytes separated by spaces, as Backup.xml `<SecurityDescriptor>` has them.
pub fn descriptor_hex(domain_sid: Option<&str>) -> String {
    descriptor_bytes(domain_sid)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sddl_rights(mask: u32) -> &'static str {
    match mask {
        FULL => "CCDCLCSWRPWPDTLOSDRCWDWO",
        READ => "LCRPLORC",
        _ => "CR",
    }
}

fn sddl_sid(sid: &str, domain_sid: Option<&str>) -> String {
    match sid {
        "S-1-5-11" => "AU".into(),
        "S-1-5-9" => "ED".into(),
        "S-1-5-18" => "SY".into(),
        "S-1-3-0" => "CO".into(),
        s if domain_sid.is_some_and(|d| s == format!("{d}-512")) => "DA".into(),
        s => s.to_string(),
    }
}

/// The SDDL of the descriptor as gpreport.xml shows it.
pub fn sddl(domain_sid: Option<&str>) -> String {
    let mut s = String::new();
    if domain_sid.is_some() {
        s.push_str("O:DAG:DA");
    }
    s.push_str("D:PAI");
    for a in aces(domain_sid) {
        let flags = match a.flags {
            0 => "",
            CI => "CI",
            _ => "CIIO",
        };
        let sid = sddl_sid(&a.sid, domain_sid);
        if a.object {
            s.push_str(&format!(
                "(OA;{flags};CR;edacfd8f-ffb3-11d1-b41d-00a0c968f939;;{sid})"
            ));
        } else {
            s.push_str(&format!("(A;{flags};{};;;{sid})", sddl_rights(a.mask)));
        }
    }
    s
}

/// One trustee line of the gpreport.xml permission list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trustee {
    /// SID string.
    pub sid: String,
    /// `DOMAIN\name`.
    pub name: String,
    /// GPMC's grouped access label.
    pub access: &'static str,
}

/// The trustees GPMC's report lists for the default access list, in its order.
pub fn trustees(domain_sid: Option<&str>, netbios: &str) -> Vec<Trustee> {
    let t = |sid: String, name: String, access| Trustee { sid, name, access };
    let mut v = Vec::new();
    if let Some(d) = domain_sid {
        v.push(t(
            format!("{d}-519"),
            format!("{netbios}\\Enterprise Admins"),
            "Edit, delete, modify security",
        ));
    }
    v.push(t(
        "S-1-5-9".into(),
        "NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS".into(),
        "Read",
    ));
    v.push(t(
        "S-1-5-18".into(),
        "NT AUTHORITY\\SYSTEM".into(),
        "Edit, delete, modify security",
    ));
    v.push(t(
        "S-1-5-11".into(),
        "NT AUTHORITY\\Authenticated Users".into(),
        "Apply Group Policy",
    ));
    if let Some(d) = domain_sid {
        v.push(t(
            format!("{d}-512"),
            format!("{netbios}\\Domain Admins"),
            "Edit, delete, modify security",
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The descriptor GPMC wrote for a GPO in domain S-1-5-21-1919661418-4284097610-952411612
    /// (nsacyber Office 2016 user backup).
    const OBSERVED: &str = "01 00 04 9c 00 00 00 00 00 00 00 00 00 00 00 00 14 00 00 00 04 00 ec 00 08 00 00 00 05 02 28 00 00 01 00 00 01 00 00 00 8f fd ac ed b3 ff d1 11 b4 1d 00 a0 c9 68 f9 39 01 01 00 00 00 00 00 05 0b 00 00 00 00 00 24 00 ff 00 0f 00 01 05 00 00 00 00 00 05 15 00 00 00 6a b5 6b 72 4a 24 5a ff dc a5 c4 38 00 02 00 00 00 02 24 00 ff 00 0f 00 01 05 00 00 00 00 00 05 15 00 00 00 6a b5 6b 72 4a 24 5a ff dc a5 c4 38 00 02 00 00 00 02 24 00 ff 00 0f 00 01 05 00 00 00 00 00 05 15 00 00 00 6a b5 6b 72 4a 24 5a ff dc a5 c4 38 07 02 00 00 00 02 14 00 94 00 02 00 01 01 00 00 00 00 00 05 09 00 00 00 00 02 14 00 94 00 02 00 01 01 00 00 00 00 00 05 0b 00 00 00 00 02 14 00 ff 00 0f 00 01 01 00 00 00 00 00 05 12 00 00 00 00 0a 14 00 ff 00 0f 00 01 01 00 00 00 00 00 03 00 00 00 00";

    #[test]
    fn matches_the_descriptor_gpmc_writes() {
        assert_eq!(
            descriptor_hex(Some("S-1-5-21-1919661418-4284097610-952411612")),
            OBSERVED
        );
    }

    #[test]
    fn sddl_matches_the_dacl_gpmc_reports() {
        let d = "S-1-5-21-1919661418-4284097610-952411612";
        assert_eq!(
            sddl(Some(d)),
            format!(
                "O:DAG:DAD:PAI(OA;CI;CR;edacfd8f-ffb3-11d1-b41d-00a0c968f939;;AU)(A;;CCDCLCSWRPWPDTLOSDRCWDWO;;;DA)(A;CI;CCDCLCSWRPWPDTLOSDRCWDWO;;;DA)(A;CI;CCDCLCSWRPWPDTLOSDRCWDWO;;;{d}-519)(A;CI;LCRPLORC;;;ED)(A;CI;LCRPLORC;;;AU)(A;CI;CCDCLCSWRPWPDTLOSDRCWDWO;;;SY)(A;CIIO;CCDCLCSWRPWPDTLOSDRCWDWO;;;CO)"
            )
        );
    }

    #[test]
    fn without_domain_sid_only_well_known_principals() {
        let b = descriptor_bytes(None);
        assert_eq!(
            b[22] as usize + ((b[23] as usize) << 8),
            b.len() - 20,
            "ACL size covers the ACEs"
        );
        assert_eq!(b[24], 5, "five ACEs");
        assert!(is_domain_sid("S-1-5-21-1-2-3"));
        assert!(!is_domain_sid("S-1-5-18"));
    }
}
