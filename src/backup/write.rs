//! Records → bytes, formatted as GPMC formats them (the mirror of
//! [`super::read`]).
//!
//! Backup.xml is written the way GPMC fills its template: UTF-8 without BOM,
//! CRLF line ends, the core settings on one line, ten extension slots
//! (Registry first, Security sixth, the others empty lines), then every other
//! extension ("Unknown Extension") compact on one line, and no line end after
//! the closing root tag. bkupInfo.xml is one line plus CRLF; manifest.xml is
//! one line without a line end. All values are CDATA except the security
//! descriptor.
//!
//! Deliberate difference: GPMC puts Microsoft's copyright comment after the
//! XML declaration of Backup.xml; gpforge does not claim Microsoft's
//! copyright on files it writes, so the comment is left out (it is not part
//! of the document's structure).

use super::layout::{self, CSE_REGISTRY, CSE_SECURITY, NS_GPO_OPERATIONS, NS_MANIFEST};
use super::model::{BackupInst, BackupScheme, Extension, FsKind, FsObject, SecurityGroup, Side};
use super::xmlfile::{cdata, escape_attr, escape_text};

const CRLF: &str = "\r\n";
/// Number of extension slots GPMC's template has before the "unknown" line.
const SLOTS: usize = 10;
/// Slot of the Registry extension.
const SLOT_REGISTRY: usize = 0;
/// Slot of the Security extension.
const SLOT_SECURITY: usize = 5;

fn el(name: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("<{name}>{}</{name}>", cdata(v)),
        None => format!("<{name}/>"),
    }
}

fn group(g: &SecurityGroup) -> String {
    let mut s = match &g.source {
        Some(src) => format!("<Group bkp:Source=\"{}\">", escape_attr(src)),
        None => "<Group>".to_string(),
    };
    s.push_str(&el("Sid", g.sid.as_deref()));
    s.push_str(&el("SamAccountName", g.sam_account_name.as_deref()));
    s.push_str(&el("Type", g.kind.as_deref()));
    s.push_str(&el("NetBIOSDomainName", g.netbios_domain_name.as_deref()));
    s.push_str(&el("DnsDomainName", g.dns_domain_name.as_deref()));
    s.push_str(&el("UPN", g.upn.as_deref()));
    s.push_str("</Group>");
    s
}

fn fs_object(o: &FsObject) -> String {
    let tag = match o.kind {
        FsKind::File => "FSObjectFile",
        FsKind::Dir => "FSObjectDir",
    };
    let mut s = format!(
        "<{tag} bkp:Path=\"{}\" bkp:SourceExpandedPath=\"{}\"",
        escape_attr(&o.path),
        escape_attr(&o.source_expanded_path)
    );
    if let Some(f) = &o.re_evaluate_function {
        s.push_str(&format!(" bkp:ReEvaluateFunction=\"{}\"", escape_attr(f)));
    }
    if let Some(l) = &o.location {
        s.push_str(&format!(" bkp:Location=\"{}\"", escape_attr(l)));
    }
    s.push_str("/>");
    s
}

fn ext_open(x: &Extension) -> String {
    format!(
        "<GroupPolicyExtension bkp:ID=\"{}\" bkp:DescName=\"{}\">",
        escape_attr(&x.id),
        escape_attr(&x.desc_name)
    )
}

/// The Registry slot: one line per side's registry.pol (machine, then user;
/// an indented empty line when absent), then the other objects (`Adm\*.*`).
fn registry_block(x: &Extension) -> String {
    let mut s = format!("        {}{CRLF}", ext_open(x));
    let is_pol = |o: &FsObject, side: Side| {
        o.path
            .eq_ignore_ascii_case(&layout::registry_pol_token_path(side))
    };
    for side in Side::ALL {
        match x.objects.iter().find(|o| is_pol(o, side)) {
            Some(o) => s.push_str(&format!("            {}{CRLF}", fs_object(o))),
            None => s.push_str(&format!("            {CRLF}")),
        }
    }
    for o in x
        .objects
        .iter()
        .filter(|o| !Side::ALL.iter().any(|&sd| is_pol(o, sd)))
    {
        s.push_str(&format!("            {}{CRLF}", fs_object(o)));
    }
    s.push_str(&format!("        </GroupPolicyExtension>{CRLF}"));
    s
}

fn slot_block(x: &Extension) -> String {
    let mut s = format!("        {}{CRLF}", ext_open(x));
    for o in &x.objects {
        s.push_str(&format!("            {}{CRLF}", fs_object(o)));
    }
    s.push_str(&format!("        </GroupPolicyExtension>{CRLF}"));
    s
}

/// Backup.xml bytes.
pub fn backup_xml(b: &BackupScheme) -> Vec<u8> {
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    s.push_str(&format!(
        "<GroupPolicyBackupScheme bkp:version=\"2.0\" bkp:type=\"GroupPolicyBackupTemplate\" xmlns:bkp=\"{NS_GPO_OPERATIONS}\" xmlns=\"{NS_GPO_OPERATIONS}\">{CRLF}"
    ));
    s.push_str("    <GroupPolicyObject>");
    if b.security_groups.is_empty() {
        s.push_str("<SecurityGroups/>");
    } else {
        s.push_str("<SecurityGroups>");
        for g in &b.security_groups {
            s.push_str(&group(g));
        }
        s.push_str("</SecurityGroups>");
    }
    s.push_str("<FilePaths/><GroupPolicyCoreSettings>");
    s.push_str(&el("ID", Some(&b.gpo_id)));
    s.push_str(&el("Domain", Some(&b.domain)));
    match &b.security_descriptor {
        Some(sd) => s.push_str(&format!(
            "<SecurityDescriptor>{}</SecurityDescriptor>",
            escape_text(sd)
        )),
        None => s.push_str("<SecurityDescriptor/>"),
    }
    s.push_str(&el("DisplayName", Some(&b.display_name)));
    s.push_str(&el("Options", Some(&b.options.to_string())));
    s.push_str(&el("UserVersionNumber", Some(&b.user.version.to_string())));
    s.push_str(&el(
        "MachineVersionNumber",
        Some(&b.machine.version.to_string()),
    ));
    s.push_str(&el(
        "MachineExtensionGuids",
        b.machine.extension_guids.as_deref(),
    ));
    s.push_str(&el("UserExtensionGuids", b.user.extension_guids.as_deref()));
    s.push_str(&el("WMIFilter", b.wmi_filter.as_deref()));
    if let Some(n) = &b.wmi_filter_name {
        s.push_str(&el("WMIFilterName", Some(n)));
    }
    s.push_str(&format!("</GroupPolicyCoreSettings> {CRLF}"));

    let slot_of = |x: &Extension| {
        if x.id.eq_ignore_ascii_case(CSE_REGISTRY) {
            Some(SLOT_REGISTRY)
        } else if x.id.eq_ignore_ascii_case(CSE_SECURITY) {
            Some(SLOT_SECURITY)
        } else {
            None
        }
    };
    for slot in 0..SLOTS {
        match b.extensions.iter().find(|x| slot_of(x) == Some(slot)) {
            Some(x) if slot == SLOT_REGISTRY => s.push_str(&registry_block(x)),
            Some(x) => s.push_str(&slot_block(x)),
            None => s.push_str(&format!("        {CRLF}")),
        }
    }
    s.push_str("    ");
    for x in b.extensions.iter().filter(|x| slot_of(x).is_none()) {
        s.push_str(&ext_open(x));
        for o in &x.objects {
            s.push_str(&fs_object(o));
        }
        s.push_str("</GroupPolicyExtension>");
    }
    s.push_str(&format!(
        "</GroupPolicyObject>{CRLF}</GroupPolicyBackupScheme>"
    ));
    s.into_bytes()
}

fn inst_children(i: &BackupInst) -> String {
    [
        el("GPOGuid", Some(&i.gpo_guid)),
        el("GPODomain", Some(&i.gpo_domain)),
        el("GPODomainGuid", Some(&i.gpo_domain_guid)),
        el("GPODomainController", Some(&i.gpo_domain_controller)),
        el("BackupTime", Some(&i.backup_time)),
        el("ID", Some(&i.id)),
        el("Comment", Some(&i.comment)),
        el("GPODisplayName", Some(&i.gpo_display_name)),
    ]
    .concat()
}

/// bkupInfo.xml bytes: one line, CRLF, no XML declaration.
pub fn bkupinfo_xml(i: &BackupInst) -> Vec<u8> {
    format!(
        "<BackupInst xmlns=\"{NS_MANIFEST}\">{}</BackupInst>{CRLF}",
        inst_children(i)
    )
    .into_bytes()
}

/// manifest.xml bytes: one line, no line end, no XML declaration.
pub fn manifest_xml(entries: &[BackupInst]) -> Vec<u8> {
    let mut s = format!(
        "<Backups xmlns=\"{NS_MANIFEST}\" xmlns:mfst=\"{NS_MANIFEST}\" mfst:version=\"1.0\">"
    );
    for e in entries {
        s.push_str(&format!("<BackupInst>{}</BackupInst>", inst_children(e)));
    }
    s.push_str("</Backups>");
    s.into_bytes()
}
