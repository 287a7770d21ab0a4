//! `gpforge rules` and `gpforge explain CODE`.

use std::io::Write;

use anyhow::bail;

use super::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The code, e.g. REF001.
    code: String,
}

pub fn rules(args: RulesArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let all: Vec<_> = gpforge::rules::all().collect();
    if args.format == "json" {
        serde_json::to_writer_pretty(&mut *out, &all)?;
        writeln!(out)?;
    } else {
        for r in all {
            writeln!(
                out,
                "{:<8} {:<8} {:<10} {:<34} {}",
                r.code, r.severity, r.group, r.name, r.summary
            )?;
        }
    }
    Ok(ExitStatus::Clean)
}

pub fn explain(args: ExplainArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let Some(r) = gpforge::rules::find(&args.code) else {
        bail!("unknown code '{}' (see `gpforge rules`)", args.code);
    };
    writeln!(out, "{} ({}): {}", r.code, r.name, r.summary)?;
    writeln!(out, "default severity: {}; group: {}", r.severity, r.group)?;
    writeln!(out)?;
    writeln!(out, "{}", r.explanation.trim())?;
    Ok(ExitStatus::Clean)
}
