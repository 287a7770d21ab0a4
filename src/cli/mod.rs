//! The command-line layer. Declared only from `main.rs` (never from `lib.rs`):
//! it is private to the binary. Each command lives in its own file and
//! turns library results into text on `out` and an [`ExitStatus`].

use std::io::Write;

use clap::{Parser, Subcommand};

mod backup;
mod build;
mod fmt;
mod pol;
mod rules;
mod show;
mod store;
mod validate;

/// How the process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, nothing found.
    Clean,
    /// 1: done, findings at or above the threshold.
    Findings,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        match s {
            ExitStatus::Clean => std::process::ExitCode::SUCCESS,
            ExitStatus::Findings => std::process::ExitCode::from(1),
        }
    }
}

/// gpforge: Group Policy administrative templates, registry.pol and GPO backups.
#[derive(Debug, Parser)]
#[command(name = "gpforge", version, about, propagate_version = true)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the built-in LinkedIn templates (PolicyDefinitions) and User/registry.pol.
    Build(build::BuildArgs),
    /// Check ADMX/ADML files and central stores for what Windows and Microsoft's schema refuse.
    Validate(validate::ValidateArgs),
    /// Show a store or template: namespaces, categories, policies, or one policy in full.
    Show(show::ShowArgs),
    /// Rewrite ADMX/ADML templates in the canonical form (or check that they are).
    Fmt(fmt::FmtArgs),
    /// Read, write, edit, compare and check registry.pol files.
    Pol(pol::PolArgs),
    /// Prepare and update a central store as a checked transaction (plan, apply, add-builtin, check, rollback).
    Store(store::StoreArgs),
    /// GPO backups: create one Import-GPO restores, or inspect existing ones.
    Backup(backup::BackupArgs),
    /// List every diagnostic code gpforge can report.
    Rules(rules::RulesArgs),
    /// Explain one diagnostic code: what it checks, why it matters, how to fix it.
    Explain(rules::ExplainArgs),
}

/// Runs one command, writing its output to `out`.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match args.command {
        Command::Build(a) => build::build(a, out),
        Command::Validate(a) => validate::validate(a, out),
        Command::Show(a) => show::show(a, out),
        Command::Fmt(a) => fmt::fmt(a, out),
        Command::Pol(a) => pol::pol(a, out),
        Command::Store(a) => store::store(a, out),
        Command::Backup(a) => backup::backup(a, out),
        Command::Rules(a) => rules::rules(a, out),
        Command::Explain(a) => rules::explain(a, out),
    }
}
