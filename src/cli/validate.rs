//! `gpforge validate PATH...`: check templates and central stores.

use std::io::Write;
use std::path::PathBuf;

use anyhow::anyhow;
use gpforge::Severity;
use gpforge::validate::{Options, Profile, render};

use super::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// ADMX or ADML files, or folders (a folder is checked as a central store).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// `windows`: errors for what the Group Policy editor refuses, warnings for what it
    /// tolerates; `strict`: everything Microsoft's schema rejects is an error.
    #[arg(long, value_parser = ["windows", "strict"])]
    profile: Option<String>,
    /// Output format.
    #[arg(long, value_parser = ["human", "json", "sarif"], default_value = "human")]
    format: String,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_parser = ["error", "warning", "info"], default_value = "error")]
    fail_on: String,
    /// Drop findings of this code, rule name or group (repeatable).
    #[arg(long, value_name = "CODE")]
    allow: Vec<String>,
    /// Make findings of this code, rule name or group errors (repeatable).
    #[arg(long, value_name = "CODE")]
    deny: Vec<String>,
    /// Ignore `.gpforge.json` config files.
    #[arg(long)]
    no_config: bool,
}

pub fn validate(args: ValidateArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    for c in args.allow.iter().chain(&args.deny) {
        let known = gpforge::validate::RULES.iter().any(|r| {
            r.code.eq_ignore_ascii_case(c)
                || r.name.eq_ignore_ascii_case(c)
                || r.group.eq_ignore_ascii_case(c)
        });
        if !known {
            return Err(anyhow!(
                "unknown code '{c}' in --allow/--deny (see `gpforge rules`)"
            ));
        }
    }
    let opts = Options {
        profile: args.profile.as_deref().and_then(Profile::parse),
        allow: args.allow,
        deny: args.deny,
        no_config: args.no_config,
    };
    let report = gpforge::validate::validate_paths(&args.paths, &opts)?;
    let format = render::Format::parse(&args.format).unwrap_or_default();
    let rendered = render::render(&report, format);
    out.write_all(rendered.as_bytes())?;
    let threshold = Severity::parse(&args.fail_on).unwrap_or(Severity::Error);
    let status = if report.max_severity().is_some_and(|s| s >= threshold) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    };
    // The process ends right after this: freeing the kept lines of every file
    // and the findings one by one would only delay the exit.
    std::mem::forget(rendered);
    std::mem::forget(report);
    Ok(status)
}
