//! `gpforge store plan|apply|add-builtin|check|rollback`: render what
//! `gpforge::deploy` did.

use std::io::Write;
use std::path::{Path, PathBuf};

use gpforge::deploy::{
    self, Action, ApplyOptions, ApplyReport, CheckReport, Outcome, Plan, PlanOptions,
};

use gpforge::Severity;

use super::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(Debug, clap::Subcommand)]
enum StoreCommand {
    /// Show what `apply` would do with each file: add, replace, skip or refuse (and why).
    Plan(PlanArgs),
    /// Validate the incoming templates, then copy them into the store as one transaction.
    Apply(ApplyArgs),
    /// Install the built-in LinkedIn template (never over a fuller office16.admx).
    AddBuiltin(BuiltinArgs),
    /// Validate a whole store and show which templates lack which culture.
    Check(CheckArgs),
    /// Undo the last run (or every run from a named one on) from its backup.
    Rollback(RollbackArgs),
}

#[derive(Debug, clap::Args)]
struct Common {
    /// The central store (a PolicyDefinitions folder, e.g. on a mounted SYSVOL share).
    #[arg(long, value_name = "DEST")]
    store: PathBuf,
    /// Cultures to install besides the fallback culture and those the store has (e.g. en-US,nl-NL).
    #[arg(long, value_name = "CULTURES", value_delimiter = ',')]
    lang: Vec<String>,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

#[derive(Debug, clap::Args)]
struct PlanArgs {
    /// Folders (e.g. an extracted Microsoft download) or .admx/.adml files.
    #[arg(required = true, value_name = "SRC")]
    sources: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
    /// Allow downgrades (each one is named).
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct ApplyArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// Only show the plan; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Accept findings of this validation code, rule name or group in incoming templates (repeatable).
    #[arg(long, value_name = "CODE")]
    allow: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct BuiltinArgs {
    #[command(flatten)]
    common: Common,
    /// Only show the plan; change nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The central store.
    #[arg(value_name = "DEST")]
    store: PathBuf,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

#[derive(Debug, clap::Args)]
struct RollbackArgs {
    /// The central store.
    #[arg(value_name = "DEST")]
    store: PathBuf,
    /// Undo every run from this one (a folder name in DEST/.gpforge/backup) on, newest first.
    #[arg(long, value_name = "TIMESTAMP")]
    to: Option<String>,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

pub fn store(args: StoreArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match args.command {
        StoreCommand::Plan(a) => {
            let opts = PlanOptions {
                langs: a.common.lang.clone(),
                force: a.force,
            };
            let plan = deploy::plan(&a.sources, &a.common.store, &opts)?;
            if a.common.format == "json" {
                serde_json::to_writer_pretty(&mut *out, &plan)?;
                writeln!(out)?;
            } else {
                render_plan(&plan, out)?;
            }
            Ok(if plan.has_refusals() {
                ExitStatus::Findings
            } else {
                ExitStatus::Clean
            })
        }
        StoreCommand::Apply(a) => {
            let opts = ApplyOptions {
                plan: PlanOptions {
                    langs: a.plan.common.lang.clone(),
                    force: a.plan.force,
                },
                dry_run: a.dry_run,
                allow: a.allow,
            };
            let report = deploy::apply(&a.plan.sources, &a.plan.common.store, &opts)?;
            finish(&report, &a.plan.common, out)
        }
        StoreCommand::AddBuiltin(a) => {
            let opts = ApplyOptions {
                plan: PlanOptions {
                    langs: a.common.lang.clone(),
                    force: false,
                },
                dry_run: a.dry_run,
                allow: Vec::new(),
            };
            let report = deploy::add_builtin(&a.common.store, &opts)?;
            finish(&report, &a.common, out)
        }
        StoreCommand::Check(a) => {
            let report = deploy::check(&a.store)?;
            if a.format == "json" {
                serde_json::to_writer_pretty(&mut *out, &report)?;
                writeln!(out)?;
            } else {
                render_check(&report, &a.store, out)?;
            }
            Ok(if report.has_errors() {
                ExitStatus::Findings
            } else {
                ExitStatus::Clean
            })
        }
        StoreCommand::Rollback(a) => {
            let runs = deploy::rollback(&a.store, a.to.as_deref())?;
            if a.format == "json" {
                serde_json::to_writer_pretty(&mut *out, &runs)?;
                writeln!(out)?;
                return Ok(ExitStatus::Clean);
            }
            for r in runs {
                let how = if r.was == deploy::RunState::InProgress {
                    " (interrupted run)"
                } else {
                    ""
                };
                writeln!(out, "rolled back run {}{how}", r.id)?;
                for p in &r.restored {
                    writeln!(out, "  restored  {p}")?;
                }
                for p in &r.removed {
                    writeln!(out, "  removed   {p}")?;
                }
            }
            Ok(ExitStatus::Clean)
        }
    }
}

fn finish(
    report: &ApplyReport,
    common: &Common,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    if common.format == "json" {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
    } else {
        for r in &report.recovered {
            writeln!(
                out,
                "rolled back interrupted run {} first ({} restored, {} removed)",
                r.id,
                r.restored.len(),
                r.removed.len()
            )?;
        }
        render_plan(&report.plan, out)?;
        // Errors block the run and are shown; warnings only counted (`gpforge validate` shows them).
        let mut errors = report.validation.clone();
        errors.diagnostics.retain(|d| d.severity == Severity::Error);
        render_validation(&errors, out)?;
        let warnings = report.validation.count(Severity::Warning);
        if warnings > 0 {
            writeln!(
                out,
                "incoming templates: {warnings} warning(s) that do not block the run (`gpforge validate` shows them)"
            )?;
        }
        match &report.outcome {
            Outcome::DryRun => writeln!(out, "dry run: nothing was written")?,
            Outcome::Refused => writeln!(
                out,
                "nothing was written: the plan refuses {} file(s)",
                report.plan.count(Action::Refuse)
            )?,
            Outcome::Invalid => writeln!(
                out,
                "nothing was written: incoming templates have errors (--allow CODE accepts a known quirk)"
            )?,
            Outcome::NothingToDo => writeln!(out, "nothing to do: the store is up to date")?,
            Outcome::AlreadyCovered { reason } => writeln!(out, "nothing installed: {reason}")?,
            Outcome::Applied { id } => {
                for e in report.plan.forced() {
                    writeln!(out, "forced downgrade: {} ({})", e.path, e.reason)?;
                }
                writeln!(
                    out,
                    "applied: {} added, {} replaced; backup and journal in {}",
                    report.plan.count(Action::Add),
                    report.plan.count(Action::Replace),
                    deploy::Journal::root(&common.store).join(id).display()
                )?;
            }
        }
    }
    Ok(if report.has_findings() {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

fn render_plan(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "plan for {}", plan.store.display())?;
    let width = plan
        .entries
        .iter()
        .map(|e| e.path.chars().count())
        .max()
        .unwrap_or(0);
    for e in &plan.entries {
        writeln!(
            out,
            "  {:<7}  {:<width$}  {}",
            e.action.as_str(),
            e.path,
            e.reason
        )?;
    }
    for n in &plan.notes {
        writeln!(out, "note: {n}")?;
    }
    writeln!(
        out,
        "{} to add, {} to replace, {} skipped, {} refused",
        plan.count(Action::Add),
        plan.count(Action::Replace),
        plan.count(Action::Skip),
        plan.count(Action::Refuse)
    )
}

fn render_validation(
    report: &gpforge::validate::Report,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if !report.diagnostics.is_empty() {
        out.write_all(gpforge::validate::render::human(report).as_bytes())?;
    }
    Ok(())
}

fn render_check(r: &CheckReport, store: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    render_validation(&r.validation, out)?;
    let n = r.templates.len();
    let cultures = if r.cultures.is_empty() {
        "none".to_string()
    } else {
        r.cultures.join(", ")
    };
    writeln!(
        out,
        "store {}: {n} template{}, cultures: {cultures}",
        store.display(),
        if n == 1 { "" } else { "s" }
    )?;
    let incomplete: Vec<_> = r.incomplete().collect();
    if incomplete.is_empty() {
        writeln!(out, "every template has an ADML in every culture")?;
    } else {
        let width = r
            .cultures
            .iter()
            .map(|c| c.len())
            .max()
            .unwrap_or(0)
            .max("culture".len());
        writeln!(out, "{:<width$}  templates with an ADML", "culture")?;
        for c in &r.cultures {
            let have = r.templates.iter().filter(|t| t.present.contains(c)).count();
            writeln!(out, "{c:<width$}  {have} of {n}")?;
        }
        let width = incomplete
            .iter()
            .map(|t| t.template.chars().count())
            .max()
            .unwrap_or(0)
            .max("template".len());
        writeln!(out, "{:<width$}  missing cultures", "template")?;
        for t in incomplete {
            let mark = if t.lacks_fallback() {
                "  (fallback culture missing: Windows cannot show it)"
            } else {
                ""
            };
            writeln!(
                out,
                "{:<width$}  {}{mark}",
                t.template,
                t.missing.join(", ")
            )?;
        }
    }
    for o in &r.orphans {
        writeln!(out, "orphan ADML (no ADMX): {o}")?;
    }
    for id in &r.interrupted {
        writeln!(
            out,
            "run {id} is interrupted (or still running): `gpforge store rollback` undoes an interrupted run"
        )?;
    }
    Ok(())
}
