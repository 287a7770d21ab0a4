//! gpreport.xml: the settings report GPMC stores beside a backup (what the
//! GPMC "Settings" tab and `Get-GPOReport -ReportType Xml` show). UTF-16LE with
//! BOM, CRLF, two-space indentation, namespaces as .NET's XmlSerializer
//! writes them; no line end after `</GPO>`.
//!
//! Only the Registry extension (Administrative Templates) is written: policy
//! name, state, explain text, supported-on text and category path, all
//! taken from the ADMX/ADML the policy comes from. Element values of
//! policies with `<elements>` are not written yet (the built-in LinkedIn
//! policy has none).

use serde::{Deserialize, Serialize};

use super::layout::{NS_SETTINGS, NS_SETTINGS_REGISTRY, NS_TYPES, NS_TYPES_SECURITY};
use super::security;
use super::time::Timestamp;
use super::xmlfile::escape_text;

/// One Administrative Templates policy as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPolicy {
    /// Display name (ADML string).
    pub name: String,
    /// `Enabled` or `Disabled`.
    pub state: String,
    /// Explain text (ADML string).
    pub explain: String,
    /// Supported-on display text, when the template names one.
    pub supported: Option<String>,
    /// Category path, display names joined with `/` (`Microsoft Office 2016/Miscellaneous`).
    pub category: String,
}

/// One half of the GPO in the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSide {
    /// Version (directory and SYSVOL are written equal).
    pub version: u16,
    /// Whether this half is enabled (GPO `Options`).
    pub enabled: bool,
    /// Administrative Templates policies set in this half.
    pub policies: Vec<ReportPolicy>,
}

/// Everything gpreport.xml says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// GPO id in braces.
    pub gpo_id: String,
    /// DNS domain.
    pub domain: String,
    /// GPO display name.
    pub name: String,
    /// Created / modified / read time.
    pub time: Timestamp,
    /// Domain SID, when known (adds the domain principals to the permissions).
    pub domain_sid: Option<String>,
    /// NetBIOS domain name for principal names.
    pub netbios: String,
    /// Computer half.
    pub computer: ReportSide,
    /// User half.
    pub user: ReportSide,
}

struct W {
    s: String,
}

impl W {
    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.s.push_str("  ");
        }
        self.s.push_str(text);
        self.s.push_str("\r\n");
    }

    fn leaf(&mut self, depth: usize, name: &str, ns: Option<&str>, value: &str) {
        let open = match ns {
            Some(n) => format!("<{name} xmlns=\"{n}\">"),
            None => format!("<{name}>"),
        };
        let v = escape_text(value)
            .replace("\r\n", "\n")
            .replace('\n', "\r\n");
        self.line(depth, &format!("{open}{v}</{name}>"));
    }
}

fn side(w: &mut W, tag: &str, s: &ReportSide) {
    w.line(1, &format!("<{tag}>"));
    w.leaf(2, "VersionDirectory", None, &s.version.to_string());
    w.leaf(2, "VersionSysvol", None, &s.version.to_string());
    w.leaf(2, "Enabled", None, if s.enabled { "true" } else { "false" });
    if !s.policies.is_empty() {
        w.line(2, "<ExtensionData>");
        w.line(
            3,
            &format!(
                "<Extension xmlns:q1=\"{NS_SETTINGS_REGISTRY}\" xsi:type=\"q1:RegistrySettings\">"
            ),
        );
        for p in &s.policies {
            w.line(4, "<q1:Policy>");
            w.leaf(5, "q1:Name", None, &p.name);
            w.leaf(5, "q1:State", None, &p.state);
            w.leaf(5, "q1:Explain", None, &p.explain);
            if let Some(sup) = &p.supported {
                w.leaf(5, "q1:Supported", None, sup);
            }
            w.leaf(5, "q1:Category", None, &p.category);
            w.line(4, "</q1:Policy>");
        }
        w.leaf(4, "q1:Blocked", None, "false");
        w.line(3, "</Extension>");
        w.leaf(3, "Name", None, "Registry");
        w.line(2, "</ExtensionData>");
    }
    w.line(1, &format!("</{tag}>"));
}

fn principal(w: &mut W, tag: &str, sid: &str, name: &str) {
    w.line(2, &format!("<{tag} xmlns=\"{NS_TYPES_SECURITY}\">"));
    w.leaf(3, "SID", Some(NS_TYPES), sid);
    w.leaf(3, "Name", Some(NS_TYPES), name);
    w.line(2, &format!("</{tag}>"));
}

/// The report as text (before UTF-16 encoding).
pub fn report_text(r: &Report) -> String {
    let mut w = W { s: String::new() };
    w.line(0, "<?xml version=\"1.0\" encoding=\"utf-16\"?>");
    w.line(
        0,
        &format!(
            "<GPO xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"{NS_SETTINGS}\">"
        ),
    );
    w.line(1, "<Identifier>");
    w.leaf(2, "Identifier", Some(NS_TYPES), &r.gpo_id);
    w.leaf(2, "Domain", Some(NS_TYPES), &r.domain);
    w.line(1, "</Identifier>");
    w.leaf(1, "Name", None, &r.name);
    w.leaf(1, "IncludeComments", None, "true");
    w.leaf(1, "CreatedTime", None, &r.time.to_backup_time());
    w.leaf(1, "ModifiedTime", None, &r.time.to_backup_time());
    w.leaf(1, "ReadTime", None, &r.time.to_read_time());
    w.line(1, "<SecurityDescriptor>");
    let dsid = r.domain_sid.as_deref();
    w.leaf(2, "SDDL", Some(NS_TYPES_SECURITY), &security::sddl(dsid));
    if let Some(d) = dsid {
        let da = format!("{}\\Domain Admins", r.netbios);
        principal(&mut w, "Owner", &format!("{d}-512"), &da);
        principal(&mut w, "Group", &format!("{d}-512"), &da);
    }
    w.leaf(2, "PermissionsPresent", Some(NS_TYPES_SECURITY), "true");
    w.line(2, &format!("<Permissions xmlns=\"{NS_TYPES_SECURITY}\">"));
    w.leaf(3, "InheritsFromParent", None, "false");
    for t in security::trustees(dsid, &r.netbios) {
        w.line(3, "<TrusteePermissions>");
        w.line(4, "<Trustee>");
        w.leaf(5, "SID", Some(NS_TYPES), &t.sid);
        w.leaf(5, "Name", Some(NS_TYPES), &t.name);
        w.line(4, "</Trustee>");
        w.line(4, "<Type xsi:type=\"PermissionType\">");
        w.leaf(5, "PermissionType", None, "Allow");
        w.line(4, "</Type>");
        w.leaf(4, "Inherited", None, "false");
        w.line(4, "<Applicability>");
        w.leaf(5, "ToSelf", None, "true");
        w.leaf(5, "ToDescendantObjects", None, "false");
        w.leaf(5, "ToDescendantContainers", None, "true");
        w.leaf(5, "ToDirectDescendantsOnly", None, "false");
        w.line(4, "</Applicability>");
        w.line(4, "<Standard>");
        w.leaf(5, "GPOGroupedAccessEnum", None, t.access);
        w.line(4, "</Standard>");
        w.leaf(4, "AccessMask", None, "0");
        w.line(3, "</TrusteePermissions>");
    }
    w.line(2, "</Permissions>");
    w.leaf(2, "AuditingPresent", Some(NS_TYPES_SECURITY), "false");
    w.line(1, "</SecurityDescriptor>");
    w.leaf(1, "FilterDataAvailable", None, "true");
    side(&mut w, "Computer", &r.computer);
    side(&mut w, "User", &r.user);
    w.s.push_str("</GPO>");
    w.s
}

/// gpreport.xml bytes: UTF-16LE with BOM.
pub fn gpreport_xml(r: &Report) -> Vec<u8> {
    let text = report_text(r);
    let mut b = Vec::with_capacity(2 + text.len() * 2);
    b.extend_from_slice(&[0xFF, 0xFE]);
    for u in text.encode_utf16() {
        b.extend_from_slice(&u.to_le_bytes());
    }
    b
}
