//! Reading backups as they are on disk: one backup folder or a whole root
//! (manifest.xml plus every `{GUID}` folder), with consistency findings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::diagnostic::{Diagnostic, Severity};
use crate::pol::{self, PolFile};
use crate::span::LineIndex;

use super::layout::{self, CSE_REGISTRY};
use super::map::{Mapping, PolicyIndex};
use super::model::{BackupInst, BackupScheme, FsKind, Side};
use super::{Error, RULES, read, xmlfile};

/// What was inspected: one backup folder, or a root holding backups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// A `{BackupId}` folder.
    Backup,
    /// A folder holding backup folders (and usually manifest.xml).
    Root,
}

/// The result of [`inspect`].
#[derive(Debug, Serialize)]
pub struct Inspection {
    /// The path given.
    pub path: PathBuf,
    /// Backup folder or root.
    pub target: Target,
    /// manifest.xml entries (root with a readable manifest), in file order.
    pub manifest: Option<Vec<BackupInst>>,
    /// Every backup found, sorted by folder name.
    pub backups: Vec<BackupView>,
    /// Consistency findings (GPO codes, plus POL codes of damaged files).
    pub findings: Vec<Diagnostic>,
}

impl Inspection {
    /// Maps every side's settings back to the policies of `store` (display text in `culture`).
    pub fn map_policies(&mut self, store: &crate::store::Store, culture: &str) {
        for side in Side::ALL {
            let index = PolicyIndex::new(store, side, culture);
            for b in &mut self.backups {
                for sv in b.sides.iter_mut().filter(|s| s.side == side) {
                    if let Some(f) = &sv.settings {
                        sv.mapping = Some(index.map(f));
                    }
                }
            }
        }
    }

    /// (entries, entries mapped) over every side of every backup, after [`Inspection::map_policies`].
    pub fn mapped_counts(&self) -> (usize, usize) {
        let mut t = (0, 0);
        for m in self
            .backups
            .iter()
            .flat_map(|b| &b.sides)
            .filter_map(|s| s.mapping.as_ref())
        {
            t.0 += m.total;
            t.1 += m.mapped;
        }
        t
    }

    /// Findings at or above `severity`.
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|d| d.severity >= severity)
            .count()
    }
}

/// One backup folder as read.
#[derive(Debug, Serialize)]
pub struct BackupView {
    /// The folder.
    pub folder: PathBuf,
    /// Its name (the backup id when GPMC wrote it).
    pub folder_name: String,
    /// `Some(true/false)` when the root has a manifest: whether it lists this backup.
    pub in_manifest: Option<bool>,
    /// bkupInfo.xml, when readable.
    pub info: Option<BackupInst>,
    /// Backup.xml, when readable.
    pub scheme: Option<BackupScheme>,
    /// Both sides: machine, then user.
    pub sides: Vec<SideView>,
}

/// One side of a backup.
#[derive(Debug, Serialize)]
pub struct SideView {
    /// Which side.
    pub side: Side,
    /// Whether GPO `Options` leave this side enabled.
    pub enabled: bool,
    /// Version number from Backup.xml (0 when unknown).
    pub version: u32,
    /// Extension GUID groups from Backup.xml.
    pub extensions: Vec<Vec<String>>,
    /// The side's registry.pol (relative to the backup folder), when present.
    pub registry_pol: Option<String>,
    /// Its entries, when it decodes.
    #[serde(serialize_with = "ser_pol")]
    pub settings: Option<PolFile>,
    /// The codec's one-line diagnosis when it does not decode.
    pub damage: Option<String>,
    /// With a template store: the policies the settings map back to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
}

fn ser_pol<S: Serializer>(p: &Option<PolFile>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        None => s.serialize_none(),
        Some(f) => s.collect_seq(f.entries.iter().map(pol::json::entry_to_value)),
    }
}

fn finding(code: &str, file: &Path, message: String) -> Diagnostic {
    let severity = RULES
        .iter()
        .find(|r| r.code == code)
        .map_or(Severity::Warning, |r| r.severity);
    Diagnostic::new(code, severity, message).with_file(file)
}

fn has_file(dir: &Path, name: &str) -> bool {
    layout::resolve_location(dir, name).is_file()
}

fn is_backup_folder(dir: &Path) -> bool {
    has_file(dir, layout::BACKUP_XML) || has_file(dir, layout::BKUPINFO_XML)
}

/// Inspects a backup folder or a backup root.
///
/// Fails only when the path cannot be read or is neither; everything wrong
/// inside a backup is a finding.
pub fn inspect(path: &Path) -> Result<Inspection, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_dir() {
        return Err(Error::NotABackup {
            path: path.to_path_buf(),
        });
    }
    let mut findings = Vec::new();
    if is_backup_folder(path) {
        let view = inspect_folder(path, None, &mut findings);
        return Ok(Inspection {
            path: path.to_path_buf(),
            target: Target::Backup,
            manifest: None,
            backups: vec![view],
            findings,
        });
    }
    let mut folders: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::io(path, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && (is_backup_folder(p)
                    || p.file_name()
                        .is_some_and(|n| layout::is_backup_folder_name(&n.to_string_lossy())))
        })
        .collect();
    folders.sort();
    let manifest_path = layout::resolve_location(path, layout::MANIFEST_XML);
    let manifest = if manifest_path.is_file() {
        let bytes = std::fs::read(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
        match read::read_manifest(&manifest_path, &bytes) {
            Ok(m) => Some(m),
            Err(e) => {
                findings.push(finding("GPO002", &manifest_path, e.detail()));
                None
            }
        }
    } else {
        None
    };
    if folders.is_empty() && manifest.is_none() && !manifest_path.is_file() {
        return Err(Error::NotABackup {
            path: path.to_path_buf(),
        });
    }
    let names: BTreeSet<String> = folders
        .iter()
        .filter_map(|f| {
            f.file_name()
                .map(|n| n.to_string_lossy().to_ascii_uppercase())
        })
        .collect();
    if let Some(m) = &manifest {
        for e in m {
            if !names.contains(&e.id.to_ascii_uppercase()) {
                findings.push(finding(
                    "GPO012",
                    &manifest_path,
                    format!(
                        "expected a folder {} for the manifest entry of '{}' ({}), found none",
                        e.id, e.gpo_display_name, e.backup_time
                    ),
                ));
            }
        }
    }
    let mut backups = Vec::new();
    for f in &folders {
        let listed = manifest.as_ref().map(|m| {
            let n = f
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            m.iter().any(|e| e.id.eq_ignore_ascii_case(&n))
        });
        if listed == Some(false) {
            findings.push(finding(
                "GPO013",
                &manifest_path,
                format!(
                    "expected an entry for backup folder {}, found none",
                    f.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
            ));
        }
        backups.push(inspect_folder(f, listed, &mut findings));
    }
    Ok(Inspection {
        path: path.to_path_buf(),
        target: Target::Root,
        manifest,
        backups,
        findings,
    })
}

fn read_file(path: &Path, findings: &mut Vec<Diagnostic>) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) => {
            findings.push(finding(
                "GPO002",
                path,
                format!("expected a readable file, found an I/O error: {e}"),
            ));
            None
        }
    }
}

/// Reads and checks one backup folder.
fn inspect_folder(
    dir: &Path,
    in_manifest: Option<bool>,
    findings: &mut Vec<Diagnostic>,
) -> BackupView {
    let folder_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut info = None;
    let mut scheme = None;
    for name in [layout::BACKUP_XML, layout::BKUPINFO_XML] {
        let p = layout::resolve_location(dir, name);
        if !p.is_file() {
            findings.push(finding(
                "GPO001",
                dir,
                format!("expected {name} in the backup folder, found none"),
            ));
            continue;
        }
        let Some(bytes) = read_file(&p, findings) else {
            continue;
        };
        if name == layout::BACKUP_XML {
            match read::read_backup_xml(&p, &bytes) {
                Ok(s) => scheme = Some(s),
                Err(e) => findings.push(finding("GPO002", &p, e.detail())),
            }
        } else {
            match read::read_bkupinfo(&p, &bytes) {
                Ok(i) => info = Some(i),
                Err(e) => findings.push(finding("GPO002", &p, e.detail())),
            }
        }
    }
    if let Some(i) = &info {
        if !i.id.eq_ignore_ascii_case(&folder_name) {
            findings.push(finding(
                "GPO003",
                &dir.join(layout::BKUPINFO_XML),
                format!(
                    "expected ID {folder_name} (the folder name), found {}",
                    i.id
                ),
            ));
        }
    }
    if let (Some(i), Some(s)) = (&info, &scheme) {
        if !i.gpo_guid.eq_ignore_ascii_case(&s.gpo_id) {
            findings.push(finding(
                "GPO004",
                &dir.join(layout::BKUPINFO_XML),
                format!(
                    "expected GPOGuid {} (as in Backup.xml), found {}",
                    s.gpo_id, i.gpo_guid
                ),
            ));
        } else if i.gpo_display_name != s.display_name {
            findings.push(finding(
                "GPO004",
                &dir.join(layout::BKUPINFO_XML),
                format!(
                    "expected GPODisplayName '{}' (as in Backup.xml), found '{}'",
                    s.display_name, i.gpo_display_name
                ),
            ));
        }
    }
    let backup_xml = dir.join(layout::BACKUP_XML);
    let mut listed: BTreeSet<String> = BTreeSet::new();
    if let Some(s) = &scheme {
        for x in &s.extensions {
            for o in &x.objects {
                let Some(loc) = &o.location else { continue };
                let p = layout::resolve_location(dir, loc);
                match o.kind {
                    FsKind::File => {
                        listed.insert(loc.to_ascii_lowercase());
                        if !p.is_file() {
                            findings.push(finding(
                                "GPO005",
                                &backup_xml,
                                format!(
                                    "expected file {loc} listed by extension {} ({}), found none",
                                    x.desc_name, x.id
                                ),
                            ));
                        }
                    }
                    FsKind::Dir => {
                        if !p.is_dir() {
                            findings.push(finding(
                                "GPO006",
                                &backup_xml,
                                format!(
                                    "expected folder {loc} listed by extension {} ({}), found none",
                                    x.desc_name, x.id
                                ),
                            ));
                        }
                    }
                }
            }
        }
        for (side, si) in [(Side::User, &s.user), (Side::Machine, &s.machine)] {
            if si.version_upper() != si.version_lower() {
                findings.push(finding(
                    "GPO011",
                    &backup_xml,
                    format!(
                        "expected equal halves in {side}VersionNumber, found {} = 0x{:04X} / 0x{:04X}",
                        si.version,
                        si.version_upper(),
                        si.version_lower()
                    ),
                ));
            }
        }
        // Every file under DomainSysvol should be listed.
        let sysvol = layout::resolve_location(dir, "DomainSysvol");
        for f in crate::fsutil::files_under(&sysvol) {
            if let Some(loc) = layout::location_of(dir, &f) {
                if !listed.contains(&loc.to_ascii_lowercase()) {
                    findings.push(finding(
                        "GPO007",
                        &f,
                        format!("expected {loc} to be listed in Backup.xml, found it unlisted (Import-GPO will not copy it)"),
                    ));
                }
            }
        }
    }
    // cpassword in any XML under DomainSysvol.
    for f in crate::fsutil::files_under(&layout::resolve_location(dir, "DomainSysvol")) {
        if f.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")) {
            check_cpassword(&f, findings);
        }
    }
    let mut sides = Vec::new();
    for side in Side::ALL {
        let si = scheme
            .as_ref()
            .map(|s| s.side(side).clone())
            .unwrap_or_default();
        let enabled = scheme.as_ref().is_none_or(|s| {
            let bit = if side == Side::User { 1 } else { 2 };
            s.options & bit == 0
        });
        let loc = layout::registry_pol_location(side);
        let p = layout::resolve_location(dir, &loc);
        let (mut settings, mut damage, mut present) = (None, None, false);
        if p.is_file() {
            present = true;
            if let Some(bytes) = read_file(&p, findings) {
                let d = pol::diagnose(&bytes);
                if d.is_damaged() {
                    let mut diag = finding(
                        "GPO010",
                        &p,
                        format!("expected a readable registry.pol, found {}", d.summary()),
                    );
                    if let Some(first) = d.diagnostics().into_iter().next() {
                        diag.message =
                            format!("{}: {} {}", diag.message, first.code, first.message);
                        if let Some(span) = first.span {
                            diag = diag.with_span(span);
                        }
                        if let Some(h) = first.help {
                            diag = diag.with_help(h);
                        }
                    }
                    findings.push(diag);
                    damage = Some(d.summary());
                } else {
                    // The codec's findings about sound entries (hive prefixes, duplicates, ...).
                    findings.extend(d.findings.iter().cloned().map(|f| f.with_file(&p)));
                    settings = Some(d.salvage());
                }
            }
        }
        if scheme.is_some() {
            let lists = si.lists_cse(CSE_REGISTRY);
            let has_entries =
                settings.as_ref().is_some_and(|f| !f.entries.is_empty()) || damage.is_some();
            if lists && !present {
                findings.push(finding(
                    "GPO008",
                    &backup_xml,
                    format!("expected {loc} because {side}ExtensionGuids lists the Registry extension, found none"),
                ));
            }
            if has_entries && !lists {
                findings.push(finding(
                    "GPO009",
                    &backup_xml,
                    format!(
                        "expected the Registry extension {CSE_REGISTRY} in {side}ExtensionGuids because {loc} has settings, found {}",
                        si.extension_guids.as_deref().map_or("an empty list".to_string(), |g| format!("'{g}'"))
                    ),
                ));
            }
            if has_entries && si.version == 0 {
                findings.push(finding(
                    "GPO015",
                    &backup_xml,
                    format!("expected a non-zero {side}VersionNumber because {loc} has settings, found 0"),
                ));
            }
        }
        sides.push(SideView {
            side,
            enabled,
            version: si.version,
            extensions: si.extension_groups(),
            registry_pol: present.then_some(loc),
            settings,
            damage,
            mapping: None,
        });
    }
    BackupView {
        folder: dir.to_path_buf(),
        folder_name,
        in_manifest,
        info,
        scheme,
        sides,
    }
}

fn check_cpassword(path: &Path, findings: &mut Vec<Diagnostic>) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let Ok(doc) = xmlfile::parse(&bytes) else {
        return;
    };
    let index = LineIndex::new(&doc.text);
    let mut stack = vec![&doc.root];
    while let Some(el) = stack.pop() {
        if let Some(v) = el.attr("cpassword") {
            if !v.is_empty() {
                let lc = index.line_col(&doc.text, el.span.start());
                let owner = el
                    .attr("userName")
                    .or_else(|| el.attr("accountName"))
                    .or_else(|| el.attr("runAs"));
                findings.push(
                    finding(
                        "GPO014",
                        path,
                        format!(
                            "expected no stored password, found cpassword on <{}> at {}:{}{}",
                            el.name,
                            lc.line,
                            lc.column,
                            owner.map_or(String::new(), |u| format!(" (account '{u}')"))
                        ),
                    )
                    .with_span(el.span),
                );
            }
        }
        stack.extend(el.children.iter().rev());
    }
}

/// Every backup root (a folder that [`inspect`] accepts as a root) below
/// `dir`, searched to a depth of 8 folders, sorted. Backup folders themselves
/// are not descended into.
pub fn find_roots(dir: &Path) -> Vec<PathBuf> {
    fn visit(d: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        if depth > 8 || is_backup_folder(d) {
            return;
        }
        let Ok(rd) = std::fs::read_dir(d) else { return };
        let mut subs: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subs.sort();
        let holds_backups = subs.iter().any(|s| is_backup_folder(s))
            || layout::resolve_location(d, layout::MANIFEST_XML).is_file();
        if holds_backups {
            out.push(d.to_path_buf());
        }
        for s in subs.iter().filter(|s| !is_backup_folder(s)) {
            visit(s, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    visit(dir, 0, &mut out);
    out
}

/// [`inspect`] of `path` itself when it is a backup folder or a root,
/// otherwise of every root below it ([`find_roots`]). Fails when there is none.
pub fn inspect_tree(path: &Path) -> Result<Vec<Inspection>, Error> {
    match inspect(path) {
        Err(Error::NotABackup { .. }) if path.is_dir() => {
            let roots = find_roots(path);
            if roots.is_empty() {
                return Err(Error::NotABackup {
                    path: path.to_path_buf(),
                });
            }
            roots.iter().map(|r| inspect(r)).collect()
        }
        other => other.map(|i| vec![i]),
    }
}
