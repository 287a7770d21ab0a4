//! Building a new backup from settings and writing it into a backup root.
//!
//! What gpforge writes where GPMC's behaviour or Import-GPO's needs are not
//! known for certain (formats.md §5.7) is documented in `docs/backup.md`.

use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::fsutil;
use crate::pol::PolFile;

use super::layout::{self, CSE_REGISTRY};
use super::model::{
    Backup, BackupInst, Extension, FsKind, FsObject, GpoInfo, Side, SideInfo, SideSettings,
};
use super::report::{Report, ReportPolicy, ReportSide};
use super::security;
use super::time::Timestamp;
use super::{Error, read, write};

/// Version 1 in both halves (directory and SYSVOL): a side edited once.
pub const VERSION_ONE: u32 = 0x0001_0001;

/// Everything `create` needs. Ids and time are optional: new GUIDs and the
/// current time by default, pinned values for reproducible output.
#[derive(Clone, Debug, Default)]
pub struct CreateOptions {
    /// GPO display name.
    pub name: String,
    /// DNS domain name (`contoso.com`).
    pub domain: String,
    /// Backup id (folder name); a new GUID when `None`.
    pub backup_id: Option<Uuid>,
    /// GPO id; a new GUID when `None`.
    pub gpo_id: Option<Uuid>,
    /// Domain GUID; the nil GUID when `None` (unknown).
    pub domain_guid: Option<Uuid>,
    /// Domain controller; the domain name when `None` (`\\contoso.com\sysvol\...` is a valid SYSVOL path).
    pub domain_controller: Option<String>,
    /// Domain SID (`S-1-5-21-a-b-c`): adds Domain Admins / Enterprise Admins to the ACL and SecurityGroups.
    pub domain_sid: Option<String>,
    /// Backup time; now when `None`.
    pub time: Option<Timestamp>,
    /// Backup comment.
    pub comment: String,
    /// The registry settings, per side. Several entries for one side are merged in order.
    pub settings: Vec<(Side, PolFile)>,
    /// What gpreport.xml lists, per side (display strings from the ADML).
    pub report: Vec<(Side, ReportPolicy)>,
}

/// A backup ready to be written: the model, its report and the time used.
#[derive(Clone, Debug)]
pub struct NewBackup {
    /// The backup.
    pub backup: Backup,
    /// gpreport.xml content.
    pub report: Report,
}

fn netbios_of(domain: &str) -> String {
    domain
        .split('.')
        .next()
        .unwrap_or(domain)
        .to_ascii_uppercase()
}

/// Builds the backup model (no I/O).
pub fn build(opts: &CreateOptions) -> Result<NewBackup, Error> {
    if opts.name.trim().is_empty() {
        return Err(Error::Invalid(
            "expected a GPO name, found an empty string".into(),
        ));
    }
    if opts.domain.trim().is_empty() || opts.domain.contains(['\\', '/', ' ']) {
        return Err(Error::Invalid(format!(
            "expected a DNS domain name, found '{}'",
            opts.domain
        )));
    }
    if let Some(sid) = &opts.domain_sid {
        if !security::is_domain_sid(sid) {
            return Err(Error::Invalid(format!(
                "expected a domain SID like S-1-5-21-1-2-3, found '{sid}'"
            )));
        }
    }
    let time = opts.time.unwrap_or_else(Timestamp::now);
    let backup_id = layout::guid_upper(opts.backup_id.unwrap_or_else(Uuid::new_v4));
    let gpo_id = layout::guid_upper(opts.gpo_id.unwrap_or_else(Uuid::new_v4));
    let dc = opts
        .domain_controller
        .clone()
        .unwrap_or_else(|| opts.domain.clone());
    let sysvol = layout::sysvol_gpo_path(&dc, &opts.domain, &gpo_id);

    let mut settings: Vec<SideSettings> = Vec::new();
    for (side, file) in &opts.settings {
        match settings.iter_mut().find(|s| s.side == *side) {
            Some(s) => s.pol.entries.extend(file.entries.iter().cloned()),
            None => settings.push(SideSettings {
                side: *side,
                pol: file.clone(),
            }),
        }
    }
    settings.sort_by_key(|s| s.side);
    for s in &settings {
        s.pol
            .validate()
            .map_err(|(i, m)| Error::Invalid(format!("{} settings, entry {i}: {m}", s.side)))?;
    }

    let side_info = |side: Side| -> SideInfo {
        if settings.iter().any(|s| s.side == side) {
            SideInfo {
                version: VERSION_ONE,
                extension_guids: Some(layout::format_extension_guids(&[vec![
                    CSE_REGISTRY.to_string(),
                    layout::admin_templates_tool(side).to_string(),
                ]])),
            }
        } else {
            SideInfo {
                version: 0,
                extension_guids: None,
            }
        }
    };
    let mut objects = Vec::new();
    for s in &settings {
        let token = layout::registry_pol_token_path(s.side);
        objects.push(FsObject {
            kind: FsKind::File,
            source_expanded_path: layout::expand_token_path(&token, &sysvol),
            path: token,
            re_evaluate_function: None,
            location: Some(layout::registry_pol_location(s.side)),
        });
    }
    let adm = layout::adm_token_path();
    objects.push(FsObject {
        kind: FsKind::File,
        source_expanded_path: layout::expand_token_path(&adm, &sysvol),
        path: adm,
        re_evaluate_function: None,
        location: None,
    });
    let extensions = vec![Extension {
        id: CSE_REGISTRY.to_string(),
        desc_name: "Registry".into(),
        objects,
    }];

    let security_groups = match &opts.domain_sid {
        Some(sid) => {
            let netbios = netbios_of(&opts.domain);
            [
                ("519", "Enterprise Admins", "UniversalGroup"),
                ("512", "Domain Admins", "GlobalGroup"),
            ]
            .iter()
            .map(|(rid, name, kind)| super::model::SecurityGroup {
                source: Some("FromDACL".into()),
                sid: Some(format!("{sid}-{rid}")),
                sam_account_name: Some((*name).into()),
                kind: Some((*kind).into()),
                netbios_domain_name: Some(netbios.clone()),
                dns_domain_name: Some(opts.domain.clone()),
                upn: Some(format!("{name}@{}", opts.domain)),
            })
            .collect()
        }
        None => Vec::new(),
    };

    let backup = Backup {
        id: backup_id,
        gpo: GpoInfo {
            id: gpo_id.clone(),
            name: opts.name.clone(),
            domain: opts.domain.clone(),
            domain_guid: layout::guid_lower(opts.domain_guid.unwrap_or(Uuid::nil())),
            domain_controller: dc,
        },
        backup_time: time.to_backup_time(),
        comment: opts.comment.clone(),
        options: 0,
        user: side_info(Side::User),
        machine: side_info(Side::Machine),
        security_groups,
        security_descriptor: Some(security::descriptor_hex(opts.domain_sid.as_deref())),
        extensions,
        settings,
    };
    let report_side = |side: Side| ReportSide {
        version: backup.side(side).version_upper(),
        enabled: true,
        policies: opts
            .report
            .iter()
            .filter(|(s, _)| *s == side)
            .map(|(_, p)| p.clone())
            .collect(),
    };
    let report = Report {
        gpo_id,
        domain: opts.domain.clone(),
        name: opts.name.clone(),
        time,
        domain_sid: opts.domain_sid.clone(),
        netbios: netbios_of(&opts.domain),
        computer: report_side(Side::Machine),
        user: report_side(Side::User),
    };
    Ok(NewBackup { backup, report })
}

/// The files of a backup folder: (path relative to the folder with `/`, bytes), in write order.
pub fn files(nb: &NewBackup) -> Vec<(String, Vec<u8>)> {
    super::folder_files(&nb.backup, Some(&nb.report))
}

/// Adds (or replaces, by id) an entry in a manifest's entries.
pub fn upsert_entry(entries: &mut Vec<BackupInst>, entry: BackupInst) {
    match entries
        .iter_mut()
        .find(|e| e.id.eq_ignore_ascii_case(&entry.id))
    {
        Some(e) => *e = entry,
        None => entries.push(entry),
    }
}

/// Writes `nb` into `root`: `{BackupId}/...`, then adds its entry to
/// `root/manifest.xml` keeping every existing entry. Each file is written
/// atomically; an unreadable manifest stops the work before anything is written.
/// An existing backup folder with the same id is refused unless `overwrite`.
pub fn write_into(root: &Path, nb: &NewBackup, overwrite: bool) -> Result<PathBuf, Error> {
    let manifest_path = root.join(layout::MANIFEST_XML);
    let mut entries = if manifest_path.is_file() {
        let bytes = std::fs::read(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
        read::read_manifest(&manifest_path, &bytes)?
    } else {
        Vec::new()
    };
    let dir = layout::backup_dir(root, &nb.backup.id);
    if dir.exists() && !overwrite {
        return Err(Error::Exists { path: dir });
    }
    super::write_dir(&nb.backup, Some(&nb.report), &dir)?;
    upsert_entry(&mut entries, nb.backup.inst());
    fsutil::write_atomic(&manifest_path, &write::manifest_xml(&entries))
        .map_err(|e| Error::Write(Box::new(e)))?;
    Ok(dir)
}

/// [`build`] then [`write_into`].
pub fn create(
    root: &Path,
    opts: &CreateOptions,
    overwrite: bool,
) -> Result<(NewBackup, PathBuf), Error> {
    let nb = build(opts)?;
    let dir = write_into(root, &nb, overwrite)?;
    Ok((nb, dir))
}

/// The supported-on text of `windows:SUPPORTED_Windows7` (Windows.adml), used
/// when the templates at hand do not include Windows.admx (the built-in
/// template references it without shipping it).
pub const SUPPORTED_WINDOWS7: &str = "At least Windows Server 2008 R2 or Windows 7";

/// The settings and report lines of one policy of `store` in `state`:
/// one `(side, registry.pol entries, report line)` per side its class covers.
/// Policies with `<elements>` can only be disabled here (enabled needs values).
pub fn policy_setting(
    store: &crate::store::Store,
    id: crate::store::PolicyId,
    state: crate::policy::PolicyState,
    culture: &str,
) -> Result<Vec<(Side, PolFile, ReportPolicy)>, Error> {
    use crate::policy::PolicyState;
    let p = store.policy(id);
    let qname = store.qualified_name(id);
    let sides = Side::of_class(p.class());
    if sides.is_empty() {
        return Err(Error::Invalid(format!(
            "{qname}: expected class User, Machine or Both, found {:?}",
            p.class.as_deref().unwrap_or("")
        )));
    }
    let state_text = match state {
        PolicyState::Enabled => "Enabled",
        PolicyState::Disabled => "Disabled",
        PolicyState::NotConfigured => return Ok(Vec::new()),
    };
    if state == PolicyState::Enabled && !p.elements().is_empty() {
        return Err(Error::Invalid(format!(
            "{qname}: expected a policy without elements to enable, found {} element(s) that need values",
            p.elements().len()
        )));
    }
    // policy::effects covers the disabled state completely (element values deleted too).
    let mut file = PolFile::new();
    for a in crate::policy::effects(p, state) {
        file.entries.push(crate::policy::pol_entry(&a));
    }
    if file.entries.is_empty() {
        return Err(Error::Invalid(format!(
            "{qname}: expected registry writes for state {state}, found none"
        )));
    }
    let (name, category) = super::map::describe(store, id, culture);
    let explain = p
        .explain_text
        .as_deref()
        .and_then(|e| store.text(id.admx, culture, e))
        .unwrap_or_default();
    let supported = store.supported_on_text(id, culture).or_else(|| {
        let r = p.supported_on.as_ref()?.ref_.as_deref()?;
        (r.ends_with(":SUPPORTED_Windows7") || r == "SUPPORTED_Windows7")
            .then(|| SUPPORTED_WINDOWS7.to_string())
    });
    let line = ReportPolicy {
        name,
        state: state_text.into(),
        explain,
        supported,
        category,
    };
    Ok(sides
        .iter()
        .map(|&s| (s, file.clone(), line.clone()))
        .collect())
}

/// A store holding only the built-in LinkedIn template (every built-in culture).
pub fn builtin_store() -> crate::store::Store {
    let mut b = crate::store::Store::builder().admx_doc(
        crate::policy::ADMX_FILE,
        crate::policy::definitions(),
        String::new(),
    );
    for c in crate::policy::culture_names() {
        if let Some(r) = crate::policy::resources(c) {
            b = b.adml_doc(
                format!("{c}/{}", crate::policy::ADML_FILE),
                c,
                r,
                String::new(),
            );
        }
    }
    b.build()
}
