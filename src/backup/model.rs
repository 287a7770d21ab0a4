//! Plain data: what a GPMC backup says, with serde and no I/O.
//!
//! Two levels:
//! - [`Backup`]: one GPO backup as a whole (what `create` builds and
//!   `inspect` shows).
//! - The file-level records it is made of: [`BackupInst`] (bkupInfo.xml and
//!   each manifest.xml entry) and [`BackupScheme`] (Backup.xml). They keep
//!   every value as written (strings, not parsed GUIDs) so reading and
//!   writing a real GPMC file is lossless.

use serde::{Deserialize, Serialize, Serializer};

use crate::pol::{self, PolFile};

use super::layout;

/// A GPO half. GPMC calls the computer half `Machine` in files and paths and
/// `Computer` in gpreport.xml.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Side {
    /// The computer half (`HKLM`, `Machine\`, `%GPO_MACH_FSPATH%`).
    Machine,
    /// The user half (`HKCU`, `User\`, `%GPO_USER_FSPATH%`).
    User,
}

impl Side {
    /// Both sides, machine first (the order GPMC lists them in Backup.xml).
    pub const ALL: [Side; 2] = [Side::Machine, Side::User];

    /// The sides a policy of `class` writes to, machine first (none for an
    /// unknown class).
    pub fn of_class(class: Option<crate::model::PolicyClass>) -> &'static [Side] {
        use crate::model::PolicyClass;
        match class {
            Some(PolicyClass::User) => &[Side::User],
            Some(PolicyClass::Machine) => &[Side::Machine],
            Some(PolicyClass::Both) => &Side::ALL,
            None => &[],
        }
    }

    /// `Machine` or `User`: the SYSVOL folder name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Machine => "Machine",
            Side::User => "User",
        }
    }

    /// Parses `machine`/`computer`/`user` (any case).
    pub fn parse(s: &str) -> Option<Side> {
        match s.to_ascii_lowercase().as_str() {
            "machine" | "computer" => Some(Side::Machine),
            "user" => Some(Side::User),
            _ => None,
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The GPO a backup was taken of.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpoInfo {
    /// GPO GUID in braces, as written (`{2E363664-...}`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// DNS domain name.
    pub domain: String,
    /// Domain GUID in braces (GPMC writes it lower-case); empty when unknown.
    pub domain_guid: String,
    /// Domain controller the backup was read from; empty when unknown.
    pub domain_controller: String,
}

/// Per-side core settings of Backup.xml.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideInfo {
    /// `UserVersionNumber` / `MachineVersionNumber`: two 16-bit halves
    /// (GPMC writes the same number in both).
    pub version: u32,
    /// `UserExtensionGuids` / `MachineExtensionGuids` as written: `None` for
    /// the empty element, otherwise the CDATA text (`[{CSE}{tool}...]...`).
    pub extension_guids: Option<String>,
}

impl SideInfo {
    /// The version as a GPO editor counts it (upper half).
    pub fn version_upper(&self) -> u16 {
        (self.version >> 16) as u16
    }

    /// The lower half.
    pub fn version_lower(&self) -> u16 {
        (self.version & 0xFFFF) as u16
    }

    /// The extension groups: each `[...]` group as a list of GUIDs (upper-case, in braces).
    pub fn extension_groups(&self) -> Vec<Vec<String>> {
        layout::parse_extension_guids(self.extension_guids.as_deref().unwrap_or(""))
    }

    /// True when the client-side extension `cse` (in braces) heads a group.
    pub fn lists_cse(&self, cse: &str) -> bool {
        self.extension_groups()
            .iter()
            .any(|g| g.first().is_some_and(|f| f.eq_ignore_ascii_case(cse)))
    }
}

/// One `<Group>` under `<SecurityGroups>`: a principal GPMC found in the DACL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// `bkp:Source` (`FromDACL`), when present.
    pub source: Option<String>,
    /// `Sid` (`None` for an empty element).
    pub sid: Option<String>,
    /// `SamAccountName`.
    pub sam_account_name: Option<String>,
    /// `Type` (`UniversalGroup`, `GlobalGroup`, `Unknown`, ...).
    pub kind: Option<String>,
    /// `NetBIOSDomainName`.
    pub netbios_domain_name: Option<String>,
    /// `DnsDomainName`.
    pub dns_domain_name: Option<String>,
    /// `UPN`.
    pub upn: Option<String>,
}

/// A file or folder an extension owns (`<FSObjectFile>` / `<FSObjectDir>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FsObject {
    /// File or folder.
    pub kind: FsKind,
    /// `bkp:Path`: the SYSVOL path with a token (`%GPO_USER_FSPATH%\registry.pol`).
    pub path: String,
    /// `bkp:SourceExpandedPath`: the UNC path it was read from.
    pub source_expanded_path: String,
    /// `bkp:ReEvaluateFunction`: a hook GPMC names for some files (`SecurityValidateSettings` on GptTmpl.inf).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub re_evaluate_function: Option<String>,
    /// `bkp:Location`: where the copy is, relative to the backup folder
    /// (`DomainSysvol\GPO\User\registry.pol`); `None` when nothing was copied (`Adm\*.*`).
    pub location: Option<String>,
}

/// `FSObjectFile` or `FSObjectDir`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FsKind {
    /// `<FSObjectFile>`.
    File,
    /// `<FSObjectDir>`.
    Dir,
}

/// One `<GroupPolicyExtension>` of Backup.xml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// `bkp:ID`: the client-side extension GUID in braces.
    pub id: String,
    /// `bkp:DescName` (`Registry`, `Security`, `Unknown Extension`).
    pub desc_name: String,
    /// Its files and folders, in order.
    pub objects: Vec<FsObject>,
}

/// The content of Backup.xml (`GroupPolicyBackupScheme` version 2.0).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupScheme {
    /// `SecurityGroups`.
    pub security_groups: Vec<SecurityGroup>,
    /// `ID`: the GPO GUID.
    pub gpo_id: String,
    /// `Domain`.
    pub domain: String,
    /// `SecurityDescriptor`: hex bytes separated by spaces (self-relative SD);
    /// `None` for an empty element.
    pub security_descriptor: Option<String>,
    /// `DisplayName`.
    pub display_name: String,
    /// `Options`: 0 enabled, 1 user half disabled, 2 computer half disabled, 3 both.
    pub options: u32,
    /// User core settings.
    pub user: SideInfo,
    /// Machine core settings.
    pub machine: SideInfo,
    /// `WMIFilter` text; `None` for the empty element.
    pub wmi_filter: Option<String>,
    /// `WMIFilterName`, when present.
    pub wmi_filter_name: Option<String>,
    /// Extensions in file order.
    pub extensions: Vec<Extension>,
}

impl BackupScheme {
    /// Core settings of one side.
    pub fn side(&self, side: Side) -> &SideInfo {
        match side {
            Side::Machine => &self.machine,
            Side::User => &self.user,
        }
    }
}

/// bkupInfo.xml, and one `<BackupInst>` of manifest.xml.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupInst {
    /// `GPOGuid`.
    pub gpo_guid: String,
    /// `GPODomain`.
    pub gpo_domain: String,
    /// `GPODomainGuid`.
    pub gpo_domain_guid: String,
    /// `GPODomainController`.
    pub gpo_domain_controller: String,
    /// `BackupTime` (`yyyy-MM-ddTHH:mm:ss`, no zone).
    pub backup_time: String,
    /// `ID`: the backup id (= folder name).
    pub id: String,
    /// `Comment`.
    pub comment: String,
    /// `GPODisplayName`.
    pub gpo_display_name: String,
}

/// The registry.pol of one side.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SideSettings {
    /// Which side.
    pub side: Side,
    /// Its entries (serialised as Samba-style JSON objects).
    #[serde(serialize_with = "ser_pol")]
    pub pol: PolFile,
}

fn ser_pol<S: Serializer>(p: &PolFile, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(p.entries.iter().map(pol::json::entry_to_value))
}

/// One GPO backup as a whole.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Backup {
    /// Backup id in braces, upper-case (the folder name).
    pub id: String,
    /// The GPO.
    pub gpo: GpoInfo,
    /// `yyyy-MM-ddTHH:mm:ss`.
    pub backup_time: String,
    /// Backup comment.
    pub comment: String,
    /// GPO status flags (Backup.xml `Options`).
    pub options: u32,
    /// User core settings.
    pub user: SideInfo,
    /// Machine core settings.
    pub machine: SideInfo,
    /// Principals and security descriptor.
    pub security_groups: Vec<SecurityGroup>,
    /// Hex SD as Backup.xml writes it.
    pub security_descriptor: Option<String>,
    /// Extensions and their files.
    pub extensions: Vec<Extension>,
    /// registry.pol per side (several policies may set values in one side).
    pub settings: Vec<SideSettings>,
}

impl Backup {
    /// bkupInfo.xml / manifest entry of this backup.
    pub fn inst(&self) -> BackupInst {
        BackupInst {
            gpo_guid: self.gpo.id.clone(),
            gpo_domain: self.gpo.domain.clone(),
            gpo_domain_guid: self.gpo.domain_guid.clone(),
            gpo_domain_controller: self.gpo.domain_controller.clone(),
            backup_time: self.backup_time.clone(),
            id: self.id.clone(),
            comment: self.comment.clone(),
            gpo_display_name: self.gpo.name.clone(),
        }
    }

    /// Backup.xml of this backup.
    pub fn scheme(&self) -> BackupScheme {
        BackupScheme {
            security_groups: self.security_groups.clone(),
            gpo_id: self.gpo.id.clone(),
            domain: self.gpo.domain.clone(),
            security_descriptor: self.security_descriptor.clone(),
            display_name: self.gpo.name.clone(),
            options: self.options,
            user: self.user.clone(),
            machine: self.machine.clone(),
            wmi_filter: None,
            wmi_filter_name: None,
            extensions: self.extensions.clone(),
        }
    }

    /// Core settings of one side.
    pub fn side(&self, side: Side) -> &SideInfo {
        match side {
            Side::Machine => &self.machine,
            Side::User => &self.user,
        }
    }

    /// The registry.pol of one side, if the backup has one.
    pub fn pol(&self, side: Side) -> Option<&PolFile> {
        self.settings
            .iter()
            .find(|s| s.side == side)
            .map(|s| &s.pol)
    }
}
