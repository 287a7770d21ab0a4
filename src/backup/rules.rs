//! The GPO codes: consistency findings about backup folders and roots.

use crate::diagnostic::{Rule, Severity};

macro_rules! rule {
    ($code:literal, $name:literal, $sev:ident, $summary:literal, $explanation:literal) => {
        Rule {
            code: $code,
            name: $name,
            group: "backup",
            severity: Severity::$sev,
            summary: $summary,
            explanation: $explanation,
        }
    };
}

/// Codes for backup findings.
pub const RULES: &[Rule] = &[
    rule!(
        "GPO001",
        "missing-backup-file",
        Error,
        "a backup folder lacks Backup.xml or bkupInfo.xml",
        "**What it checks.** Every `{BackupId}` folder of a backup root holds `Backup.xml` (the GPO's core settings and the list of files to restore) and `bkupInfo.xml` (the backup's id, GPO name, domain and time).\n\n**Why it matters.** `Import-GPO` and `Restore-GPO` read the file list and extension GUIDs from Backup.xml; GPMC's \"Manage Backups\" and `-BackupGpoName` find backups through bkupInfo.xml. Without them the folder cannot be imported.\n\n**Example.** A folder copied by hand with only `DomainSysvol\\GPO\\User\\registry.pol` in it.\n\n**Fix.** Take the backup again with `Backup-GPO`, or write a complete one with `gpforge backup create`."
    ),
    rule!(
        "GPO002",
        "unreadable-backup-xml",
        Error,
        "Backup.xml, bkupInfo.xml or manifest.xml is not the expected XML",
        "**What it checks.** That Backup.xml (`<GroupPolicyBackupScheme>`), bkupInfo.xml (`<BackupInst>`) and the root's manifest.xml (`<Backups>`) are well-formed and have the expected root element and core children.\n\n**Why it matters.** GPMC refuses a backup whose XML it cannot parse; an edited file with a stray `&` or a truncated end makes the whole backup unusable.\n\n**Example.** `Backup.xml:3:120: expected </GroupPolicyCoreSettings>, found the end of the file`.\n\n**Fix.** Restore the file from the original backup, or recreate the backup. Escape `&` and `<` in values, or keep values in CDATA as GPMC does."
    ),
    rule!(
        "GPO003",
        "backup-id-mismatch",
        Warning,
        "the backup folder name differs from the id in bkupInfo.xml",
        "**What it checks.** That the folder name `{BackupId}` equals the `ID` in bkupInfo.xml.\n\n**Why it matters.** `Import-GPO -BackupId` selects the folder by that id; when the two disagree, GPMC lists one id and imports from another folder, or does not find the backup at all.\n\n**Example.** A backup folder copied to a new name `{11111111-...}` while bkupInfo.xml still says `{54F23253-...}`.\n\n**Fix.** Rename the folder back to the id in bkupInfo.xml (or fix the `ID` element and the manifest entry together)."
    ),
    rule!(
        "GPO004",
        "gpo-id-mismatch",
        Warning,
        "Backup.xml and bkupInfo.xml name different GPOs",
        "**What it checks.** That the GPO GUID in Backup.xml (`GroupPolicyCoreSettings/ID`) equals `GPOGuid` in bkupInfo.xml, and that both name the same display name.\n\n**Why it matters.** The two files were written together by GPMC; a difference means files from two backups were mixed, so the settings restored may not be the ones the listing shows.\n\n**Example.** bkupInfo.xml from one backup copied into another backup's folder.\n\n**Fix.** Take the backup again, or put the matching bkupInfo.xml back."
    ),
    rule!(
        "GPO005",
        "listed-file-missing",
        Error,
        "a file Backup.xml lists is not in the backup",
        "**What it checks.** Every `<FSObjectFile>` with a `bkp:Location` in Backup.xml points at a file that exists in the backup folder (names compared without regard to case, as on Windows).\n\n**Why it matters.** Import-GPO copies exactly the files Backup.xml lists into the target GPO's SYSVOL folder; a missing one makes the import fail or leaves the extension without its settings.\n\n**Example.** `DomainSysvol\\GPO\\Machine\\registry.pol` listed, but the file was deleted from the folder.\n\n**Fix.** Put the file back, or take the backup again."
    ),
    rule!(
        "GPO006",
        "listed-folder-missing",
        Info,
        "a folder Backup.xml lists is not in the backup",
        "**What it checks.** Every `<FSObjectDir>` with a `bkp:Location` points at a folder of the backup.\n\n**Why it matters.** Usually harmless: GPMC lists the GPO's empty folders (`Applications`, `Scripts\\Startup`) and version control systems such as git do not keep empty folders, so a backup checked out from a repository lacks them. Import-GPO then cannot recreate those empty folders, which nothing needs.\n\n**Example.** `DomainSysvol\\GPO\\User\\Applications` listed, absent after `git clone`.\n\n**Fix.** Nothing is needed for registry-based GPOs; to keep the folders in git, add a placeholder file or recreate them before importing."
    ),
    rule!(
        "GPO007",
        "unlisted-file",
        Warning,
        "a file in the backup is not listed in Backup.xml",
        "**What it checks.** That every file under `DomainSysvol` is listed by some extension in Backup.xml.\n\n**Why it matters.** Import-GPO copies only listed files; a file added to the folder by hand (a registry.pol for the other side, a Preferences XML) is silently not imported.\n\n**Example.** `DomainSysvol\\GPO\\Machine\\registry.pol` added to a user-only backup.\n\n**Fix.** Add an `<FSObjectFile>` for it under the right extension and the extension GUIDs to the side (or create the backup with a tool that does both), or delete the file."
    ),
    rule!(
        "GPO008",
        "extension-without-file",
        Warning,
        "a side lists the Registry extension but has no registry.pol",
        "**What it checks.** When `UserExtensionGuids`/`MachineExtensionGuids` names the Registry client-side extension `{35378EAC-683F-11D2-A89A-00C04FBBCFA2}`, the backup has `DomainSysvol\\GPO\\User\\registry.pol` (or `Machine\\`).\n\n**Why it matters.** Clients run the extension for that side and find nothing; more often it means the registry.pol was lost from the backup.\n\n**Example.** `UserExtensionGuids` = `[{35378EAC-...}{D02B1F73-...}]`, no `User\\registry.pol` in the folder.\n\n**Fix.** Restore the registry.pol, or remove the group from the extension list."
    ),
    rule!(
        "GPO009",
        "file-without-extension",
        Warning,
        "a registry.pol with settings is not announced in the side's extension GUIDs",
        "**What it checks.** A side whose registry.pol has entries lists the Registry client-side extension `{35378EAC-683F-11D2-A89A-00C04FBBCFA2}` in its extension GUIDs (`UserExtensionGuids` / `MachineExtensionGuids`).\n\n**Why it matters.** Windows decides from these GUIDs which client-side extensions process a GPO. Without the Registry CSE the Administrative Templates settings are in SYSVOL but never applied. (An empty, header-only registry.pol without the GUID is normal and not reported.)\n\n**Example.** A registry.pol copied into `DomainSysvol\\GPO\\User\\` of a backup whose `UserExtensionGuids` is empty.\n\n**Fix.** Add `[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F73-3407-48AE-BA88-E8213C6761F1}]` (user) or `...{D02B1F72-...}` (computer) to the list, keeping groups sorted."
    ),
    rule!(
        "GPO010",
        "damaged-registry-pol",
        Error,
        "a registry.pol in the backup cannot be read completely",
        "**What it checks.** Every `registry.pol` in the backup decodes as a whole (signature `PReg`, version 1, complete `[key;value;type;size;data]` records). The finding carries the codec's diagnosis: the POL code, the byte offset of the damage and how many entries before it are sound.\n\n**Why it matters.** The Windows client refuses a damaged registry.pol as a whole: none of the side's Administrative Templates settings apply after the import.\n\n**Example.** A file truncated in the middle of an entry: `damaged from byte 612 on: 7 sound entries before it`.\n\n**Fix.** Restore the file from the GPO, or rebuild it (`gpforge pol salvage` keeps the sound entries)."
    ),
    rule!(
        "GPO011",
        "version-halves-disagree",
        Warning,
        "the two 16-bit halves of a version number differ",
        "**What it checks.** GPMC writes `UserVersionNumber` and `MachineVersionNumber` as two equal 16-bit halves (0x00050005 = 327685): the GPO's version in Active Directory and in SYSVOL at backup time.\n\n**Why it matters.** Unequal halves mean the GPO's directory and SYSVOL parts were out of step when it was backed up (replication in progress, a hand-edited GPT.INI), so the backup may hold settings that do not match its version; hand-made backups with a wrong number show up here too.\n\n**Example.** `UserVersionNumber` 196610 (0x00030002).\n\n**Fix.** Take the backup again once replication has settled; in generated backups write the same value in both halves."
    ),
    rule!(
        "GPO012",
        "manifest-entry-missing-folder",
        Warning,
        "manifest.xml lists a backup whose folder is not in the root",
        "**What it checks.** Every `<BackupInst>` of the root's manifest.xml has a `{ID}` folder beside it.\n\n**Why it matters.** GPMC keeps entries of deleted backups in manifest.xml; `Import-GPO -BackupGpoName` and \"Manage Backups\" then offer backups that cannot be restored.\n\n**Example.** A manifest.xml copied from the parent folder, listing backups stored elsewhere.\n\n**Fix.** Remove the stale `<BackupInst>` entries (gpforge keeps the others intact when it adds a backup), or restore the folders."
    ),
    rule!(
        "GPO013",
        "folder-not-in-manifest",
        Info,
        "a backup folder is not listed in the root's manifest.xml",
        "**What it checks.** When a backup root has a manifest.xml, every backup folder in it has an entry.\n\n**Why it matters.** `Import-GPO -BackupId` does not need the manifest, but GPMC's \"Manage Backups\" list and name-based lookups may miss the backup.\n\n**Example.** A backup folder copied into a root that already had a manifest.\n\n**Fix.** Add the folder's bkupInfo.xml content as a `<BackupInst>` to manifest.xml (`gpforge backup create` does this for the backups it writes)."
    ),
    rule!(
        "GPO014",
        "cpassword-in-preferences",
        Error,
        "a Group Policy Preferences file stores a password (cpassword)",
        "**What it checks.** Group Policy Preferences XML files in the backup (`Preferences\\...\\*.xml`) for a non-empty `cpassword` attribute.\n\n**Why it matters.** `cpassword` is encrypted with an AES key Microsoft published (MS14-025); anyone who can read SYSVOL, or this backup, recovers the password. Importing the backup puts the password back into SYSVOL for every domain user to read.\n\n**Example.** `Groups.xml` with `<Properties ... cpassword=\"(base64 text)\"/>` for a local administrator account.\n\n**Fix.** Delete the item or the file before importing, change the password it held, and use LAPS for local administrator passwords."
    ),
    rule!(
        "GPO015",
        "settings-without-version",
        Warning,
        "a side has settings but its version number is 0",
        "**What it checks.** A side whose registry.pol has entries has a non-zero `UserVersionNumber` / `MachineVersionNumber`.\n\n**Why it matters.** Group Policy clients treat a side with version 0 as empty and skip it (MS-GPOL), so a GPO restored with that version applies none of the side's settings until someone edits it.\n\n**Example.** A hand-made Backup.xml with `<UserVersionNumber><![CDATA[0]]></UserVersionNumber>` and a user registry.pol.\n\n**Fix.** Set the version to 65537 (version 1 in both halves) or higher."
    ),
];
