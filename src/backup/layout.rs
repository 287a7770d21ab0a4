//! Every path, name and GUID convention of a GPMC backup, in one place.
//!
//! ```text
//! ROOT/
//!   manifest.xml                       list of backups in this root (optional for Import-GPO -BackupId)
//!   {BackupId}/                        folder name = backup id (upper-case GUID in braces)
//!     Backup.xml                       GroupPolicyBackupScheme 2.0, UTF-8 without BOM, CRLF
//!     bkupInfo.xml                     BackupInst, UTF-8 without BOM, one line + CRLF
//!     gpreport.xml                     settings report, UTF-16LE with BOM, CRLF
//!     DomainSysvol/GPO/{Machine,User}/registry.pol
//! ```

use std::path::{Path, PathBuf};

use uuid::Uuid;

use super::model::Side;

/// `Backup.xml`.
pub const BACKUP_XML: &str = "Backup.xml";
/// `bkupInfo.xml`.
pub const BKUPINFO_XML: &str = "bkupInfo.xml";
/// `gpreport.xml`.
pub const GPREPORT_XML: &str = "gpreport.xml";
/// `manifest.xml` (in the backup root).
pub const MANIFEST_XML: &str = "manifest.xml";
/// `registry.pol`.
pub const REGISTRY_POL: &str = "registry.pol";

/// Namespace of Backup.xml.
pub const NS_GPO_OPERATIONS: &str = "http://www.microsoft.com/GroupPolicy/GPOOperations";
/// Namespace of bkupInfo.xml and manifest.xml.
pub const NS_MANIFEST: &str = "http://www.microsoft.com/GroupPolicy/GPOOperations/Manifest";
/// Default namespace of gpreport.xml.
pub const NS_SETTINGS: &str = "http://www.microsoft.com/GroupPolicy/Settings";
/// Namespace of gpreport.xml `Identifier`/`Domain`/`SID`/`Name`.
pub const NS_TYPES: &str = "http://www.microsoft.com/GroupPolicy/Types";
/// Namespace of gpreport.xml security descriptor parts.
pub const NS_TYPES_SECURITY: &str = "http://www.microsoft.com/GroupPolicy/Types/Security";
/// Namespace of the Registry extension data in gpreport.xml (prefix `q1`).
pub const NS_SETTINGS_REGISTRY: &str = "http://www.microsoft.com/GroupPolicy/Settings/Registry";

/// Registry client-side extension (Administrative Templates).
pub const CSE_REGISTRY: &str = "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}";
/// Security client-side extension.
pub const CSE_SECURITY: &str = "{827D319E-6EAC-11D2-A4EA-00C04F79F83A}";
/// The GPMC "Unknown Extension" bucket (comments: GPO.cmt, comment.cmtx, other files).
pub const EXT_UNKNOWN: &str = "{F15C46CD-82A0-4C2D-A210-5D0D3182A418}";
/// Administrative Templates tool extension, user side.
pub const TOOL_ADMIN_TEMPLATES_USER: &str = "{D02B1F73-3407-48AE-BA88-E8213C6761F1}";
/// Administrative Templates tool extension, computer side.
pub const TOOL_ADMIN_TEMPLATES_MACHINE: &str = "{D02B1F72-3407-48AE-BA88-E8213C6761F1}";

/// SYSVOL path token of the whole GPO.
pub const TOKEN_GPO: &str = "%GPO_FSPATH%";

/// `Machine` / `User` folder under `DomainSysvol\GPO`.
pub fn side_folder(side: Side) -> &'static str {
    side.as_str()
}

/// SYSVOL path token of one side (`%GPO_MACH_FSPATH%`, `%GPO_USER_FSPATH%`).
pub fn side_token(side: Side) -> &'static str {
    match side {
        Side::Machine => "%GPO_MACH_FSPATH%",
        Side::User => "%GPO_USER_FSPATH%",
    }
}

/// The Administrative Templates tool extension GUID of one side.
pub fn admin_templates_tool(side: Side) -> &'static str {
    match side {
        Side::Machine => TOOL_ADMIN_TEMPLATES_MACHINE,
        Side::User => TOOL_ADMIN_TEMPLATES_USER,
    }
}

/// `{BackupId}` folder of a backup inside a root.
pub fn backup_dir(root: &Path, id: &str) -> PathBuf {
    root.join(id)
}

/// `bkp:Path` of a side's registry.pol (`%GPO_USER_FSPATH%\registry.pol`).
pub fn registry_pol_token_path(side: Side) -> String {
    format!("{}\\{REGISTRY_POL}", side_token(side))
}

/// `bkp:Location` of a side's registry.pol (`DomainSysvol\GPO\User\registry.pol`).
pub fn registry_pol_location(side: Side) -> String {
    format!("DomainSysvol\\GPO\\{}\\{REGISTRY_POL}", side_folder(side))
}

/// `bkp:Path` of the Adm folder entry GPMC lists under the Registry extension.
pub fn adm_token_path() -> String {
    format!("{TOKEN_GPO}\\Adm\\*.*")
}

/// The SYSVOL folder of a GPO as a UNC path: `\\DC\sysvol\DOMAIN\Policies\{GPO}`.
pub fn sysvol_gpo_path(dc: &str, domain: &str, gpo_id: &str) -> String {
    format!("\\\\{dc}\\sysvol\\{domain}\\Policies\\{gpo_id}")
}

/// Expands a `bkp:Path` token path against a GPO's SYSVOL folder (for `bkp:SourceExpandedPath`).
pub fn expand_token_path(token_path: &str, sysvol_gpo: &str) -> String {
    for (token, sub) in [
        (TOKEN_GPO, ""),
        (side_token(Side::Machine), "\\Machine"),
        (side_token(Side::User), "\\User"),
    ] {
        if let Some(rest) = token_path.strip_prefix(token) {
            return format!("{sysvol_gpo}{sub}{rest}");
        }
    }
    token_path.to_string()
}

/// Resolves a `bkp:Location` (backslashes, Windows case rules) below a backup
/// folder: each component is matched exactly first, then case-insensitively.
/// Returns the path even when it does not exist (for messages).
pub fn resolve_location(backup_dir: &Path, location: &str) -> PathBuf {
    let mut p = backup_dir.to_path_buf();
    for part in location.split(['\\', '/']).filter(|s| !s.is_empty()) {
        let exact = p.join(part);
        if exact.exists() {
            p = exact;
            continue;
        }
        let found = std::fs::read_dir(&p).ok().and_then(|rd| {
            rd.flatten()
                .map(|e| e.file_name())
                .find(|n| n.to_string_lossy().eq_ignore_ascii_case(part))
        });
        p = match found {
            Some(n) => p.join(n),
            None => exact,
        };
    }
    p
}

/// The path of a file below a backup folder as a `bkp:Location` (backslashes).
pub fn location_of(backup_dir: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(backup_dir).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("\\"))
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`: how GPMC writes GPO and backup ids.
pub fn guid_upper(u: Uuid) -> String {
    format!("{{{}}}", u.hyphenated().to_string().to_ascii_uppercase())
}

/// `{xxxxxxxx-...}`: how GPMC writes the domain GUID.
pub fn guid_lower(u: Uuid) -> String {
    format!("{{{}}}", u.hyphenated())
}

/// Parses a GUID with or without braces.
pub fn parse_guid(s: &str) -> Option<Uuid> {
    let t = s.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    if t.len() != 36 {
        return None;
    }
    Uuid::parse_str(t).ok()
}

/// True when a folder name looks like a backup id (`{GUID}`).
pub fn is_backup_folder_name(name: &str) -> bool {
    name.starts_with('{') && name.ends_with('}') && parse_guid(name).is_some()
}

/// Splits `[{A}{B}][{C}{D}]` into groups of GUIDs (upper-cased). Text outside
/// brackets (GPMC sometimes writes a single space) is ignored.
pub fn parse_extension_guids(s: &str) -> Vec<Vec<String>> {
    let mut groups = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let inner = &after[..close];
        let mut g = Vec::new();
        let mut r = inner;
        while let Some(a) = r.find('{') {
            let Some(b) = r[a..].find('}') else { break };
            g.push(r[a..a + b + 1].to_ascii_uppercase());
            r = &r[a + b + 1..];
        }
        groups.push(g);
        rest = &after[close + 1..];
    }
    groups
}

/// Writes extension groups the way GPMC orders them: groups sorted by their
/// first GUID (the NULL GUID first), tool GUIDs sorted inside a group.
pub fn format_extension_guids(groups: &[Vec<String>]) -> String {
    let mut gs: Vec<Vec<String>> = groups
        .iter()
        .filter(|g| !g.is_empty())
        .map(|g| {
            let mut tools: Vec<String> = g[1..].iter().map(|s| s.to_ascii_uppercase()).collect();
            tools.sort();
            tools.dedup();
            let mut v = vec![g[0].to_ascii_uppercase()];
            v.extend(tools);
            v
        })
        .collect();
    gs.sort_by(|a, b| a[0].cmp(&b[0]));
    gs.dedup_by(|a, b| a[0] == b[0]);
    gs.iter().map(|g| format!("[{}]", g.concat())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_guid_lists_round_trip() {
        let s = "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F73-3407-48AE-BA88-E8213C6761F1}]";
        let g = parse_extension_guids(s);
        assert_eq!(g.len(), 1);
        assert_eq!(format_extension_guids(&g), s);
        assert!(parse_extension_guids(" ").is_empty());
        let two = vec![
            vec!["{B}".to_string()],
            vec![
                "{00000000-0000-0000-0000-000000000000}".to_string(),
                "{Z}".into(),
                "{A}".into(),
            ],
        ];
        assert_eq!(
            format_extension_guids(&two),
            "[{00000000-0000-0000-0000-000000000000}{A}{Z}][{B}]"
        );
    }

    #[test]
    fn paths_follow_gpmc_conventions() {
        assert_eq!(
            registry_pol_location(Side::User),
            "DomainSysvol\\GPO\\User\\registry.pol"
        );
        assert_eq!(
            registry_pol_token_path(Side::Machine),
            "%GPO_MACH_FSPATH%\\registry.pol"
        );
        let sv = sysvol_gpo_path("dc1.contoso.com", "contoso.com", "{A}");
        assert_eq!(
            expand_token_path("%GPO_USER_FSPATH%\\registry.pol", &sv),
            "\\\\dc1.contoso.com\\sysvol\\contoso.com\\Policies\\{A}\\User\\registry.pol"
        );
        assert_eq!(
            expand_token_path(&adm_token_path(), &sv),
            format!("{sv}\\Adm\\*.*")
        );
        let u = Uuid::parse_str("54f23253-53a3-4f97-ad3a-8abd21f88b2f").unwrap();
        assert_eq!(guid_upper(u), "{54F23253-53A3-4F97-AD3A-8ABD21F88B2F}");
        assert_eq!(
            parse_guid("{54F23253-53A3-4F97-AD3A-8ABD21F88B2F}"),
            Some(u)
        );
        assert!(is_backup_folder_name(
            "{54F23253-53A3-4F97-AD3A-8ABD21F88B2F}"
        ));
        assert!(!is_backup_folder_name("User"));
    }
}
