//! `gpforge backup create` and `gpforge backup inspect`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use gpforge::backup::create::{self, CreateOptions};
use gpforge::backup::inspect::{self, Inspection};
use gpforge::backup::layout;
use gpforge::backup::time::Timestamp;
use gpforge::pol::{Data, Entry};
use gpforge::policy::PolicyState;
use gpforge::store::{Lookup, Store};
use gpforge::{LineIndex, Severity};

use super::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[command(subcommand)]
    command: BackupCommand,
}

// Parsed once per run: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
enum BackupCommand {
    /// Write a GPMC backup (importable with Import-GPO) of a GPO setting the built-in LinkedIn policy (or --policy).
    Create(CreateArgs),
    /// Read a backup folder or backup root: GPO, sides, extensions, settings, findings.
    Inspect(InspectArgs),
}

#[derive(Debug, clap::Args)]
struct CreateArgs {
    /// State of the policy: enabled or disabled.
    #[arg(long)]
    state: String,
    /// GPO display name.
    #[arg(long)]
    name: String,
    /// DNS domain name, e.g. contoso.com.
    #[arg(long)]
    domain: String,
    /// Backup root folder (the backup goes into OUT/{BackupId}/; OUT/manifest.xml gains an entry).
    #[arg(long)]
    out: PathBuf,
    /// Pin the backup id (folder name) instead of a new GUID.
    #[arg(long)]
    backup_id: Option<String>,
    /// Pin the GPO id instead of a new GUID.
    #[arg(long)]
    gpo_id: Option<String>,
    /// Domain GUID (unknown: the nil GUID).
    #[arg(long)]
    domain_guid: Option<String>,
    /// Domain controller recorded as the source (default: the domain name).
    #[arg(long)]
    domain_controller: Option<String>,
    /// Domain SID (S-1-5-21-...): adds Domain Admins / Enterprise Admins to the GPO's permissions.
    #[arg(long)]
    domain_sid: Option<String>,
    /// Backup time, yyyy-MM-ddTHH:mm:ss (UTC; default: now).
    #[arg(long)]
    time: Option<String>,
    /// Backup comment.
    #[arg(long, default_value = "")]
    comment: String,
    /// Culture of the display strings in gpreport.xml.
    #[arg(long, default_value = "en-US")]
    culture: String,
    /// Templates to take --policy from (default: the built-in LinkedIn template).
    #[arg(long)]
    store: Option<PathBuf>,
    /// Policy to set, `NAME` or `prefix:NAME`, optionally `=enabled|disabled`; repeatable.
    #[arg(long)]
    policy: Vec<String>,
    /// Replace an existing backup folder with the same id.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct InspectArgs {
    /// A backup folder ({BackupId}), a backup root, or a folder holding backup roots (all are inspected).
    path: PathBuf,
    /// PolicyDefinitions folder (or template file) to map settings back to policies; repeat to combine several.
    #[arg(long)]
    store: Vec<PathBuf>,
    /// Culture of the display strings.
    #[arg(long, default_value = "en-US")]
    culture: String,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

pub fn backup(args: BackupArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match args.command {
        BackupCommand::Create(a) => create_cmd(a, out),
        BackupCommand::Inspect(a) => inspect_cmd(a, out),
    }
}

fn guid(flag: &str, s: &Option<String>) -> anyhow::Result<Option<uuid::Uuid>> {
    match s {
        None => Ok(None),
        Some(v) => match layout::parse_guid(v) {
            Some(u) => Ok(Some(u)),
            None => bail!(
                "--{flag}: expected a GUID like {{54F23253-53A3-4F97-AD3A-8ABD21F88B2F}}, found '{v}'"
            ),
        },
    }
}

fn create_cmd(a: CreateArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let state: PolicyState = a.state.parse()?;
    let time = match &a.time {
        None => None,
        Some(t) => match Timestamp::parse(t) {
            Some(t) => Some(t),
            None => bail!("--time: expected yyyy-MM-ddTHH:mm:ss, found '{t}'"),
        },
    };
    let store = match &a.store {
        Some(p) => {
            Store::open(p).with_context(|| format!("loading templates from {}", p.display()))?
        }
        None => create::builtin_store(),
    };
    let wanted: Vec<(String, PolicyState)> = if a.policy.is_empty() {
        vec![(
            format!(
                "{}:{}",
                gpforge::policy::TARGET_PREFIX,
                gpforge::policy::POLICY_NAME
            ),
            state,
        )]
    } else {
        a.policy
            .iter()
            .map(|p| match p.rsplit_once('=') {
                Some((n, s)) => Ok((n.to_string(), s.parse::<PolicyState>()?)),
                None => Ok((p.clone(), state)),
            })
            .collect::<anyhow::Result<_>>()?
    };
    let mut opts = CreateOptions {
        name: a.name,
        domain: a.domain,
        backup_id: guid("backup-id", &a.backup_id)?,
        gpo_id: guid("gpo-id", &a.gpo_id)?,
        domain_guid: guid("domain-guid", &a.domain_guid)?,
        domain_controller: a.domain_controller,
        domain_sid: a.domain_sid,
        time,
        comment: a.comment,
        ..CreateOptions::default()
    };
    for (name, st) in &wanted {
        let id = match store.find_policy(name) {
            Lookup::Found(id) => id,
            Lookup::NotFound => bail!(
                "--policy: expected a policy of the templates, found no policy named '{name}'"
            ),
            Lookup::Ambiguous(ids) => bail!(
                "--policy: '{name}' names {} policies ({}); qualify it as prefix:NAME",
                ids.len(),
                ids.iter()
                    .map(|i| store.qualified_name(*i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        for (side, file, line) in create::policy_setting(&store, id, *st, &a.culture)? {
            opts.settings.push((side, file));
            opts.report.push((side, line));
        }
    }
    let (nb, dir) = create::create(&a.out, &opts, a.force)?;
    writeln!(
        out,
        "wrote backup {} of GPO '{}' ({}) to {}",
        nb.backup.id,
        nb.backup.gpo.name,
        nb.backup.gpo.id,
        dir.display()
    )?;
    for (rel, bytes) in create::files(&nb) {
        writeln!(out, "  {rel} ({} bytes)", bytes.len())?;
    }
    writeln!(
        out,
        "updated {}",
        a.out.join(layout::MANIFEST_XML).display()
    )?;
    writeln!(
        out,
        "import on a domain controller: Import-GPO -Path <root> -BackupId {} -TargetName \"{}\" -CreateIfNeeded",
        nb.backup.id, nb.backup.gpo.name
    )?;
    Ok(ExitStatus::Clean)
}

fn inspect_cmd(a: InspectArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    // A backup folder, a root, or a folder holding roots (a repository of backups).
    let mut all = inspect::inspect_tree(&a.path)?;
    if !a.store.is_empty() {
        let store = open_stores(&a.store)?;
        for ins in &mut all {
            ins.map_policies(&store, &a.culture);
        }
    }
    let tree = all.len() != 1 || all[0].path != a.path;
    if a.format == "json" {
        if tree {
            serde_json::to_writer_pretty(&mut *out, &all)?;
        } else {
            serde_json::to_writer_pretty(&mut *out, &all[0])?;
        }
        writeln!(out)?;
    } else {
        for ins in &all {
            if tree {
                writeln!(out, "root {}", ins.path.display())?;
            }
            render_text(ins, out)?;
        }
    }
    let failing = all
        .iter()
        .map(|i| i.count_at_least(Severity::Warning))
        .sum::<usize>();
    Ok(if failing > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// The templates of `--store` ([`Store::open_all`]).
fn open_stores(paths: &[PathBuf]) -> anyhow::Result<Store> {
    let store = Store::open_all(paths);
    match paths {
        [one] => store.with_context(|| format!("loading templates from {}", one.display())),
        _ => Ok(store?),
    }
}

fn entry_text(e: &Entry) -> String {
    let data = match &e.data {
        Data::None => "(no data)".to_string(),
        Data::String(s) => format!("{s:?}"),
        Data::Dword(n) => format!("{n} (0x{n:08x})"),
        Data::Qword(n) => n.to_string(),
        Data::MultiString(v) => format!("{v:?}"),
        Data::Bytes(b) => format!("hex:{}", gpforge::pol::json::hex(b)),
    };
    format!("{}\\{} = {} {}", e.key, e.value_name, e.reg_type, data)
}

fn render_text(ins: &Inspection, out: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(m) = &ins.manifest {
        writeln!(out, "manifest.xml: {} entries", m.len())?;
    }
    for b in &ins.backups {
        writeln!(out, "backup {}", b.folder_name)?;
        if let Some(flag) = b.in_manifest {
            writeln!(
                out,
                "  manifest: {}",
                if flag { "listed" } else { "not listed" }
            )?;
        }
        let (name, gpo, domain) = match (&b.info, &b.scheme) {
            (Some(i), _) => (
                i.gpo_display_name.clone(),
                i.gpo_guid.clone(),
                i.gpo_domain.clone(),
            ),
            (None, Some(s)) => (s.display_name.clone(), s.gpo_id.clone(), s.domain.clone()),
            _ => Default::default(),
        };
        writeln!(out, "  gpo: {name} {gpo}")?;
        writeln!(out, "  domain: {domain}")?;
        if let Some(i) = &b.info {
            writeln!(out, "  time: {}", i.backup_time)?;
            if !i.comment.is_empty() {
                writeln!(out, "  comment: {}", i.comment)?;
            }
        }
        if let Some(s) = &b.scheme {
            let other: Vec<String> = s
                .extensions
                .iter()
                .map(|x| format!("{} {}", x.desc_name, x.id))
                .collect();
            writeln!(out, "  extensions: {}", other.join(", "))?;
        }
        for sv in &b.sides {
            let groups: Vec<String> = sv
                .extensions
                .iter()
                .map(|g| format!("[{}]", g.concat()))
                .collect();
            writeln!(
                out,
                "  {}: version {} ({}/{}), {}, extensions {}",
                sv.side,
                sv.version,
                sv.version >> 16,
                sv.version & 0xFFFF,
                if sv.enabled { "enabled" } else { "disabled" },
                if groups.is_empty() {
                    "none".to_string()
                } else {
                    groups.concat()
                }
            )?;
            match (&sv.registry_pol, &sv.settings, &sv.damage) {
                (None, _, _) => {}
                (Some(loc), Some(f), _) => {
                    writeln!(out, "    {loc}: {} entries", f.entries.len())?;
                    for e in &f.entries {
                        writeln!(out, "      {}", entry_text(e))?;
                    }
                }
                (Some(loc), None, Some(d)) => writeln!(out, "    {loc}: {d}")?,
                (Some(loc), None, None) => writeln!(out, "    {loc}: unreadable")?,
            }
            if let Some(m) = &sv.mapping {
                writeln!(
                    out,
                    "    policies ({} of {} entries mapped):",
                    m.mapped, m.total
                )?;
                for p in &m.policies {
                    writeln!(
                        out,
                        "      {:?}  {}  [{}]  ({})",
                        p.state, p.display_name, p.category, p.policy
                    )?;
                    for v in &p.values {
                        writeln!(
                            out,
                            "        {} = {}",
                            v.label.as_deref().unwrap_or(&v.id),
                            v.value
                        )?;
                    }
                }
                if !m.unexplained.is_empty() {
                    writeln!(out, "    entries no policy explains:")?;
                    for (i, e) in &m.unexplained {
                        writeln!(out, "      [{i}] {}", entry_text(e))?;
                    }
                }
            }
        }
    }
    if !ins.findings.is_empty() {
        writeln!(out, "findings:")?;
        for d in &ins.findings {
            let at = match (&d.file, d.span) {
                (Some(f), Some(sp))
                    if f.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")) =>
                {
                    let text = std::fs::read(f).ok().and_then(|b| decode_text(&b));
                    match text {
                        Some(t) => {
                            let lc = LineIndex::new(&t).line_col(&t, sp.start().min(t.len()));
                            format!("{}:{}:{}", f.display(), lc.line, lc.column)
                        }
                        None => f.display().to_string(),
                    }
                }
                (Some(f), Some(sp)) => format!("{}:byte {}", f.display(), sp.start()),
                (Some(f), None) => f.display().to_string(),
                _ => String::new(),
            };
            writeln!(out, "  {at}: {} {}: {}", d.code, d.severity, d.message)?;
            if let Some(h) = &d.help {
                writeln!(out, "    help: {h}")?;
            }
        }
    }
    let errors = ins.count_at_least(Severity::Error);
    let warnings = ins.count_at_least(Severity::Warning) - errors;
    let infos = ins.findings.len() - errors - warnings;
    writeln!(
        out,
        "{} backup(s); {errors} error(s), {warnings} warning(s), {infos} note(s)",
        ins.backups.len()
    )?;
    Ok(())
}

fn decode_text(b: &[u8]) -> Option<String> {
    if let Some(rest) = b.strip_prefix(&[0xFF, 0xFE]) {
        let (t, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(rest);
        return Some(t.into_owned());
    }
    let b = b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b);
    String::from_utf8(b.to_vec()).ok()
}
