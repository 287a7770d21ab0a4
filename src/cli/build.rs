//! `gpforge build`: the built-in LinkedIn templates plus `User/registry.pol`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::anyhow;
use gpforge::policy::{self, BuildOptions, PolicyState};

use super::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// State of "LinkedIn features in Office apps" in the GPO: enabled, disabled or not-configured.
    // A plain string, checked here, so that a wrong value gives a one-line error.
    #[arg(long, value_name = "enabled|disabled|not-configured")]
    state: String,
    /// ADML cultures to write, comma-separated (default: all built in: en-US, de-DE, fr-FR, nl-NL).
    #[arg(long, value_delimiter = ',', value_name = "CULTURE,...")]
    lang: Vec<String>,
    /// Output folder; receives PolicyDefinitions/ and User/registry.pol.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Overwrite existing files that differ from what would be written.
    #[arg(long)]
    force: bool,
}

pub fn build(args: BuildArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let dir = args.out.display().to_string();
    let state: PolicyState = args
        .state
        .parse()
        .map_err(|e| anyhow!("{dir}: --state: {e}"))?;
    let opts = BuildOptions {
        state,
        cultures: args.lang,
        out_dir: args.out,
        force: args.force,
    };
    let report = policy::build(&opts).map_err(|e| match e {
        // Errors without a path of their own get the output folder.
        gpforge::Error::Invalid(msg) => anyhow!("{dir}: {msg}"),
        // The library's message already names the path and the OS error; a
        // chained source would repeat the OS error.
        e => anyhow!("{e}"),
    })?;
    for f in &report.files {
        writeln!(
            out,
            "{:<9} {} ({} bytes)",
            f.outcome.as_str(),
            f.path.display(),
            f.len
        )?;
    }
    writeln!(out, "policy L_AllowLinkedInFeatures: {state} (User side)")?;
    Ok(ExitStatus::Clean)
}
