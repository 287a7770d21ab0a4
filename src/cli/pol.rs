//! `gpforge pol ...`: dump, build, edit, compare and check registry.pol files.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use gpforge::pol::text::Scope;
use gpforge::pol::{self, Change, Data, Entry, ParseOptions, PolFile, RegType};

use super::ExitStatus;

/// Arguments of `gpforge pol`.
#[derive(Debug, clap::Args)]
pub struct PolArgs {
    #[command(subcommand)]
    command: PolCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PolCommand {
    /// Print a registry.pol as LGPO text, JSON or JSON Lines.
    Dump(DumpArgs),
    /// Write a registry.pol from LGPO text, JSON or JSON Lines.
    Build(BuildArgs),
    /// Set a value (or the built-in LinkedIn policy) in a registry.pol, in place.
    Set(SetArgs),
    /// Remove a value from a registry.pol, or mark it for deletion (--mark), in place.
    Delete(DeleteArgs),
    /// Show added, removed and changed entries between two files (exit 1 when they differ).
    Diff(DiffArgs),
    /// Diagnose files: damage (exit 1) and findings.
    Check(CheckArgs),
    /// Write the sound entries before the damage of a file to a new file.
    Salvage(SalvageArgs),
}

#[derive(Debug, clap::Args)]
struct DumpArgs {
    /// The registry.pol file.
    file: PathBuf,
    /// Output format: LGPO text (as `LGPO.exe /parse`; QWORD:, DWORDBE:, LINK:, BINARY:, RAW:<type>:<hex> and `@`
    /// for the default value are gpforge extensions), a JSON array, or one JSON object per line.
    #[arg(long, value_parser = ["text", "json", "jsonl"], default_value = "text")]
    format: String,
    /// Side named in LGPO text (default: from a Machine/User folder in the path, else computer).
    #[arg(long, value_parser = ["computer", "user"])]
    scope: Option<String>,
    /// Also read a wrong version number and invalid UTF-16 names (lossily).
    #[arg(long)]
    permissive: bool,
}

#[derive(Debug, clap::Args)]
struct BuildArgs {
    /// LGPO text, a JSON array or JSON Lines (`-` for standard input).
    input: PathBuf,
    /// The registry.pol to write.
    #[arg(long, short)]
    out: PathBuf,
    /// Input format (default: from the extension, else from the content).
    #[arg(long, value_parser = ["text", "json"])]
    format: Option<String>,
    /// Put the entries in gpedit's key order instead of the input's order.
    #[arg(long)]
    sort: bool,
    /// Overwrite an existing, different output file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct SetArgs {
    /// The registry.pol file (created when missing).
    file: PathBuf,
    /// Registry key below the hive, e.g. `Software\Policies\Microsoft\Windows\System`.
    #[arg(long, required_unless_present = "policy", conflicts_with = "policy")]
    key: Option<String>,
    /// Value name (empty for the default value).
    #[arg(long, required_unless_present = "policy")]
    value: Option<String>,
    /// Value type: dword, qword, sz, expand_sz, multi_sz, binary, dword_big_endian, link, none, or a number.
    #[arg(long = "type", default_value = "dword")]
    reg_type: String,
    /// The data: a number, text, hex for binary; repeat for each multi_sz item.
    #[arg(long)]
    data: Vec<String>,
    /// A built-in policy instead of --key/--value: `linkedin`.
    #[arg(long, requires = "state")]
    policy: Option<String>,
    /// State of the built-in policy.
    #[arg(long, value_parser = ["enabled", "disabled", "not-configured"])]
    state: Option<String>,
}

#[derive(Debug, clap::Args)]
struct DeleteArgs {
    /// The registry.pol file.
    file: PathBuf,
    /// Registry key.
    #[arg(long)]
    key: String,
    /// Value name.
    #[arg(long)]
    value: String,
    /// Replace the value by a `**del.` marker (Windows deletes the value) instead of removing it.
    #[arg(long)]
    mark: bool,
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// The old file.
    a: PathBuf,
    /// The new file.
    b: PathBuf,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The registry.pol files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

#[derive(Debug, clap::Args)]
struct SalvageArgs {
    /// The damaged registry.pol.
    file: PathBuf,
    /// Where to write the sound part.
    #[arg(long, short)]
    out: PathBuf,
    /// Overwrite an existing, different output file.
    #[arg(long)]
    force: bool,
}

/// Runs `gpforge pol ...`.
pub fn pol(args: PolArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match args.command {
        PolCommand::Dump(a) => dump(a, out),
        PolCommand::Build(a) => build(a, out),
        PolCommand::Set(a) => set(a, out),
        PolCommand::Delete(a) => delete(a, out),
        PolCommand::Diff(a) => diff(a, out),
        PolCommand::Check(a) => check(a, out),
        PolCommand::Salvage(a) => salvage(a, out),
    }
}

fn entries_word(n: usize) -> String {
    if n == 1 {
        "1 entry".to_string()
    } else {
        format!("{n} entries")
    }
}

fn read_pol(path: &Path, options: &ParseOptions) -> anyhow::Result<PolFile> {
    let bytes = gpforge::fsutil::read(path)?;
    pol::from_slice_with(&bytes, options)
        .map_err(gpforge::Error::Pol)
        .with_context(|| {
            format!(
                "{}: cannot read (`gpforge pol check` shows the diagnosis)",
                path.display()
            )
        })
}

fn scope_of(arg: Option<&str>, path: &Path) -> Scope {
    match arg {
        Some("user") => Scope::User,
        Some(_) => Scope::Computer,
        None => Scope::from_path(path).unwrap_or(Scope::Computer),
    }
}

fn dump(a: DumpArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let mode = if a.permissive {
        pol::Mode::Permissive
    } else {
        pol::Mode::Strict
    };
    let file = read_pol(&a.file, &ParseOptions { mode })?;
    let text = match a.format.as_str() {
        "json" => pol::json::to_json(&file),
        "jsonl" => pol::json::to_jsonl(&file),
        _ => {
            let scope = scope_of(a.scope.as_deref(), &a.file);
            pol::text::to_text(&file, scope, Some(&a.file.display().to_string()))
                .with_context(|| format!("{}: cannot be written as LGPO text", a.file.display()))?
        }
    };
    out.write_all(text.as_bytes())?;
    Ok(ExitStatus::Clean)
}

fn parse_input(text: &str, path: &Path, format: Option<&str>) -> anyhow::Result<PolFile> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let json = match (format, ext.as_deref()) {
        (Some(f), _) => f == "json",
        (None, Some("json" | "jsonl" | "ndjson")) => true,
        (None, Some("txt" | "lgpo")) => false,
        _ => text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(['{', '[']),
    };
    let name = path.display();
    if json {
        Ok(pol::json::from_str(text).with_context(|| format!("{name}: not registry.pol JSON"))?)
    } else {
        Ok(pol::text::from_text(text)
            .with_context(|| format!("{name}: not LGPO text"))?
            .0)
    }
}

/// Writes `bytes` to `path` unless a different file is there and `force` is off.
fn write_new(path: &Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    if !force && path.exists() {
        let old = gpforge::fsutil::read(path)?;
        if old != bytes {
            return Err(gpforge::Error::WouldOverwrite {
                path: path.to_path_buf(),
            }
            .into());
        }
    }
    gpforge::fsutil::write_atomic(path, bytes)?;
    Ok(())
}

fn build(a: BuildArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let text = if a.input.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        let bytes = gpforge::fsutil::read(&a.input)?;
        String::from_utf8(bytes)
            .with_context(|| format!("{}: not UTF-8 text", a.input.display()))?
    };
    let mut file = parse_input(&text, &a.input, a.format.as_deref())?;
    if a.sort {
        file.sort_keys();
    }
    let bytes = pol::to_vec(&file);
    write_new(&a.out, &bytes, a.force)?;
    writeln!(
        out,
        "wrote {}: {}, {} bytes",
        a.out.display(),
        entries_word(file.len()),
        bytes.len()
    )?;
    Ok(ExitStatus::Clean)
}

/// The entries a built-in policy writes in `state` (through `gpforge::policy`),
/// and the (key, value) pairs it can write in any state (what "not
/// configured" removes).
#[allow(clippy::type_complexity)]
fn builtin_policy(name: &str, state: &str) -> anyhow::Result<(Vec<Entry>, Vec<(String, String)>)> {
    use gpforge::policy::{PolicyState, effects, linkedin_policy, pol_entry};
    if !name.eq_ignore_ascii_case("linkedin") {
        bail!("unknown built-in policy '{name}' (known: linkedin)");
    }
    let policy = linkedin_policy();
    let state: PolicyState = state.parse()?;
    let entries = effects(&policy, state).iter().map(pol_entry).collect();
    let mut targets: Vec<(String, String)> = Vec::new();
    for s in [PolicyState::Enabled, PolicyState::Disabled] {
        for a in effects(&policy, s) {
            let t = (a.key.clone(), a.value_name.clone());
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
    }
    Ok((entries, targets))
}

fn data_from_args(t: RegType, data: &[String]) -> anyhow::Result<Data> {
    let one = || -> anyhow::Result<&str> {
        match data {
            [d] => Ok(d.as_str()),
            [] => bail!("expected --data for {t}"),
            _ => bail!("expected one --data for {t}, found {}", data.len()),
        }
    };
    let number = |s: &str, max: u64| -> anyhow::Result<u64> {
        let t = s.trim();
        let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => t.parse::<u64>().ok(),
        };
        v.filter(|&v| v <= max)
            .with_context(|| format!("expected a number from 0 to {max}, found {t:?}"))
    };
    Ok(match t {
        RegType::Dword | RegType::DwordBigEndian => {
            Data::Dword(number(one()?, u64::from(u32::MAX))? as u32)
        }
        RegType::Qword => Data::Qword(number(one()?, u64::MAX)?),
        RegType::Sz | RegType::ExpandSz | RegType::Link => Data::String(one()?.to_string()),
        RegType::MultiSz => Data::MultiString(data.to_vec()),
        RegType::None if data.is_empty() => Data::None,
        _ => {
            let b = pol::json::unhex(one()?).map_err(anyhow::Error::msg)?;
            let d = pol::data_bytes(t, &Data::Bytes(b));
            if d.is_empty() {
                Data::None
            } else {
                Data::Bytes(d)
            }
        }
    })
}

fn load_or_new(path: &Path) -> anyhow::Result<PolFile> {
    if path.exists() {
        read_pol(path, &ParseOptions::default())
    } else {
        Ok(PolFile::new())
    }
}

fn describe(e: &Entry) -> String {
    let data = match &e.data {
        Data::None => "(no data)".to_string(),
        Data::String(s) => format!("{s:?}"),
        Data::Dword(v) => v.to_string(),
        Data::Qword(v) => v.to_string(),
        Data::MultiString(v) => format!("{v:?}"),
        Data::Bytes(b) => format!("hex {}", pol::json::hex(b)),
    };
    format!("{}\\{} = {} {data}", e.key, e.value_name, e.reg_type)
}

fn set(a: SetArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let mut file = load_or_new(&a.file)?;
    let entry = if let Some(p) = &a.policy {
        let state = a.state.as_deref().unwrap_or("not-configured");
        let (entries, targets) = builtin_policy(p, state)?;
        if entries.is_empty() {
            let n: usize = targets.iter().map(|(k, v)| file.delete(k, v)).sum();
            gpforge::fsutil::write_atomic(&a.file, &pol::to_vec(&file))?;
            writeln!(
                out,
                "{}: {p} not configured ({} removed)",
                a.file.display(),
                entries_word(n)
            )?;
            return Ok(ExitStatus::Clean);
        }
        let mut lines = Vec::new();
        for e in entries {
            e.validate().map_err(anyhow::Error::msg)?;
            lines.push(describe(&e));
            file.set(e);
        }
        gpforge::fsutil::write_atomic(&a.file, &pol::to_vec(&file))?;
        for l in lines {
            writeln!(out, "{}: set {l}", a.file.display())?;
        }
        return Ok(ExitStatus::Clean);
    } else {
        let t = RegType::parse(&a.reg_type)
            .with_context(|| format!("unknown registry type '{}'", a.reg_type))?;
        let key = a.key.unwrap_or_default();
        let data = data_from_args(t, &a.data)?;
        Entry::new(key, a.value.unwrap_or_default(), t, data)
    };
    entry.validate().map_err(anyhow::Error::msg)?;
    let line = describe(&entry);
    file.set(entry);
    gpforge::fsutil::write_atomic(&a.file, &pol::to_vec(&file))?;
    writeln!(out, "{}: set {line}", a.file.display())?;
    Ok(ExitStatus::Clean)
}

fn delete(a: DeleteArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let mut file = read_pol(&a.file, &ParseOptions::default())?;
    if a.mark {
        file.delete_and_mark(&a.key, &a.value);
        gpforge::fsutil::write_atomic(&a.file, &pol::to_vec(&file))?;
        writeln!(
            out,
            "{}: marked {}\\{} for deletion (**del.)",
            a.file.display(),
            a.key,
            a.value
        )?;
    } else {
        let n = file.delete(&a.key, &a.value);
        if n > 0 {
            gpforge::fsutil::write_atomic(&a.file, &pol::to_vec(&file))?;
        }
        writeln!(
            out,
            "{}: removed {} for {}\\{}",
            a.file.display(),
            entries_word(n),
            a.key,
            a.value
        )?;
    }
    Ok(ExitStatus::Clean)
}

fn diff(a: DiffArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let x = read_pol(&a.a, &ParseOptions::default())?;
    let y = read_pol(&a.b, &ParseOptions::default())?;
    let changes = pol::diff(&x, &y);
    if a.format == "json" {
        let items: Vec<serde_json::Value> = changes
            .iter()
            .map(|c| match c {
                Change::Added(e) => {
                    serde_json::json!({"change": "added", "entry": pol::json::entry_to_value(e)})
                }
                Change::Removed(e) => {
                    serde_json::json!({"change": "removed", "entry": pol::json::entry_to_value(e)})
                }
                Change::Changed { before, after } => serde_json::json!({
                    "change": "changed",
                    "before": pol::json::entry_to_value(before),
                    "after": pol::json::entry_to_value(after),
                }),
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &items)?;
        writeln!(out)?;
    } else {
        for c in &changes {
            match c {
                Change::Added(e) => writeln!(out, "+ {}", describe(e))?,
                Change::Removed(e) => writeln!(out, "- {}", describe(e))?,
                Change::Changed { before, after } => {
                    writeln!(out, "~ {}\n  → {}", describe(before), describe(after))?;
                }
            }
        }
        let (mut add, mut del, mut chg) = (0, 0, 0);
        for c in &changes {
            match c {
                Change::Added(_) => add += 1,
                Change::Removed(_) => del += 1,
                Change::Changed { .. } => chg += 1,
            }
        }
        writeln!(out, "{add} added, {del} removed, {chg} changed")?;
    }
    Ok(if changes.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    })
}

fn check(a: CheckArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let mut damaged = false;
    let mut reports = Vec::new();
    for path in &a.files {
        let bytes = gpforge::fsutil::read(path)?;
        let d = pol::diagnose(&bytes);
        damaged |= d.is_damaged();
        let diags: Vec<_> = d
            .diagnostics()
            .into_iter()
            .map(|x| x.with_file(path))
            .collect();
        if a.format == "json" {
            reports.push(serde_json::json!({
                "file": path,
                "damaged": d.is_damaged(),
                "entries": d.sound_entries(),
                "sound_bytes": d.sound_len,
                "bytes": d.len,
                "diagnostics": diags,
            }));
            continue;
        }
        for x in &diags {
            writeln!(
                out,
                "{}: {} {}: {}",
                path.display(),
                x.severity,
                x.code,
                x.message
            )?;
            if let Some(h) = &x.help {
                writeln!(out, "  help: {h}")?;
            }
        }
        writeln!(out, "{}: {}", path.display(), d.summary())?;
    }
    if a.format == "json" {
        serde_json::to_writer_pretty(&mut *out, &reports)?;
        writeln!(out)?;
    }
    Ok(if damaged {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

fn salvage(a: SalvageArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let bytes = gpforge::fsutil::read(&a.file)?;
    let d = pol::diagnose(&bytes);
    let saved = d.salvaged_bytes();
    write_new(&a.out, &saved, a.force)?;
    writeln!(out, "{}: {}", a.file.display(), d.summary())?;
    writeln!(
        out,
        "wrote {}: {}, {} bytes",
        a.out.display(),
        entries_word(d.sound_entries()),
        saved.len()
    )?;
    Ok(ExitStatus::Clean)
}
