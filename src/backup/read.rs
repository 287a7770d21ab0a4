//! Bytes → records: Backup.xml, bkupInfo.xml, manifest.xml. The mirror of
//! [`super::write`]. Readers are lenient about whitespace, namespaces and
//! element order and strict about the elements a backup cannot do without.

use std::path::Path;

use crate::span::LineIndex;

use super::Error;
use super::model::{
    BackupInst, BackupScheme, Extension, FsKind, FsObject, SecurityGroup, SideInfo,
};
use super::xmlfile::{self, Element};

/// Parses XML bytes of a backup file into an element tree, naming `path` in errors.
pub(crate) fn parse_xml(path: &Path, bytes: &[u8]) -> Result<xmlfile::Document, Error> {
    xmlfile::parse(bytes).map_err(|e| {
        let lc = e.line_col();
        Error::Xml {
            path: path.to_path_buf(),
            position: format!("{}:{}", lc.line, lc.column),
            message: e.message().to_owned(),
        }
    })
}

fn format_error(path: &Path, doc: &xmlfile::Document, el: &Element, message: String) -> Error {
    let lc = LineIndex::new(&doc.text).line_col(&doc.text, el.span.start().min(doc.text.len()));
    Error::Format {
        path: path.to_path_buf(),
        position: format!("{}:{}", lc.line, lc.column),
        message,
    }
}

fn expect_root(path: &Path, doc: &xmlfile::Document, name: &str) -> Result<(), Error> {
    if doc.root.name == name {
        Ok(())
    } else {
        Err(format_error(
            path,
            doc,
            &doc.root,
            format!("expected root element <{name}>, found <{}>", doc.root.name),
        ))
    }
}

fn opt_text(el: &Element, name: &str) -> Option<String> {
    el.child(name).and_then(|c| {
        if c.text.is_empty() && !c.cdata {
            None
        } else {
            Some(c.text.clone())
        }
    })
}

fn inst_from(el: &Element) -> BackupInst {
    let t = |n: &str| el.child_text(n).unwrap_or_default().to_string();
    BackupInst {
        gpo_guid: t("GPOGuid"),
        gpo_domain: t("GPODomain"),
        gpo_domain_guid: t("GPODomainGuid"),
        gpo_domain_controller: t("GPODomainController"),
        backup_time: t("BackupTime"),
        id: t("ID"),
        comment: t("Comment"),
        gpo_display_name: t("GPODisplayName"),
    }
}

/// Reads bkupInfo.xml (`<BackupInst>`).
pub fn read_bkupinfo(path: &Path, bytes: &[u8]) -> Result<BackupInst, Error> {
    let doc = parse_xml(path, bytes)?;
    expect_root(path, &doc, "BackupInst")?;
    if doc.root.child("ID").is_none() {
        return Err(format_error(
            path,
            &doc,
            &doc.root,
            "expected an <ID> element in <BackupInst>, found none".into(),
        ));
    }
    Ok(inst_from(&doc.root))
}

/// Reads manifest.xml (`<Backups>` with one `<BackupInst>` per backup).
pub fn read_manifest(path: &Path, bytes: &[u8]) -> Result<Vec<BackupInst>, Error> {
    let doc = parse_xml(path, bytes)?;
    expect_root(path, &doc, "Backups")?;
    Ok(doc
        .root
        .children_named("BackupInst")
        .map(inst_from)
        .collect())
}

fn side_info(core: &Element, version: &str, guids: &str) -> SideInfo {
    SideInfo {
        version: core
            .child_text(version)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0),
        extension_guids: opt_text(core, guids),
    }
}

/// Reads Backup.xml (`<GroupPolicyBackupScheme>`).
pub fn read_backup_xml(path: &Path, bytes: &[u8]) -> Result<BackupScheme, Error> {
    let doc = parse_xml(path, bytes)?;
    expect_root(path, &doc, "GroupPolicyBackupScheme")?;
    let root = &doc.root;
    let gpo = root.child("GroupPolicyObject").ok_or_else(|| {
        format_error(
            path,
            &doc,
            root,
            "expected <GroupPolicyObject> in <GroupPolicyBackupScheme>, found none".into(),
        )
    })?;
    let core = gpo.child("GroupPolicyCoreSettings").ok_or_else(|| {
        format_error(
            path,
            &doc,
            gpo,
            "expected <GroupPolicyCoreSettings> in <GroupPolicyObject>, found none".into(),
        )
    })?;
    for (name, el) in [("UserVersionNumber", core), ("MachineVersionNumber", core)] {
        if let Some(v) = el.child(name) {
            if v.text.trim().parse::<u32>().is_err() {
                return Err(format_error(
                    path,
                    &doc,
                    v,
                    format!("expected a 32-bit number in <{name}>, found '{}'", v.text),
                ));
            }
        }
    }
    let options = match core.child("Options") {
        Some(o) => o.text.trim().parse::<u32>().map_err(|_| {
            format_error(
                path,
                &doc,
                o,
                format!("expected a number in <Options>, found '{}'", o.text),
            )
        })?,
        None => 0,
    };
    let security_groups = gpo
        .child("SecurityGroups")
        .map(|sg| {
            sg.children_named("Group")
                .map(|g| SecurityGroup {
                    source: g.attr("Source").map(str::to_string),
                    sid: opt_text(g, "Sid"),
                    sam_account_name: opt_text(g, "SamAccountName"),
                    kind: opt_text(g, "Type"),
                    netbios_domain_name: opt_text(g, "NetBIOSDomainName"),
                    dns_domain_name: opt_text(g, "DnsDomainName"),
                    upn: opt_text(g, "UPN"),
                })
                .collect()
        })
        .unwrap_or_default();
    let extensions = gpo
        .children_named("GroupPolicyExtension")
        .map(|x| Extension {
            id: x.attr("ID").unwrap_or_default().to_string(),
            desc_name: x.attr("DescName").unwrap_or_default().to_string(),
            objects: x
                .children
                .iter()
                .filter_map(|o| {
                    let kind = match o.name.as_str() {
                        "FSObjectFile" => FsKind::File,
                        "FSObjectDir" => FsKind::Dir,
                        _ => return None,
                    };
                    Some(FsObject {
                        kind,
                        path: o.attr("Path").unwrap_or_default().to_string(),
                        source_expanded_path: o
                            .attr("SourceExpandedPath")
                            .unwrap_or_default()
                            .to_string(),
                        re_evaluate_function: o.attr("ReEvaluateFunction").map(str::to_string),
                        location: o.attr("Location").map(str::to_string),
                    })
                })
                .collect(),
        })
        .collect();
    Ok(BackupScheme {
        security_groups,
        gpo_id: core.child_text("ID").unwrap_or_default().to_string(),
        domain: core.child_text("Domain").unwrap_or_default().to_string(),
        security_descriptor: opt_text(core, "SecurityDescriptor"),
        display_name: core
            .child_text("DisplayName")
            .unwrap_or_default()
            .to_string(),
        options,
        user: side_info(core, "UserVersionNumber", "UserExtensionGuids"),
        machine: side_info(core, "MachineVersionNumber", "MachineExtensionGuids"),
        wmi_filter: opt_text(core, "WMIFilter"),
        wmi_filter_name: opt_text(core, "WMIFilterName"),
        extensions,
    })
}
