//! `gpforge fmt PATH... [--check] [--out DIR] [--keep-encoding]`: rewrite
//! ADMX/ADML templates in the canonical form. The work is done by
//! [`gpforge::admx::format_file`]; this file only renders.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use gpforge::admx::{FormatOptions, FormatTarget, find_templates, format_file};

use super::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// ADMX/ADML files, or folders searched recursively for them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Change nothing; list the files that are not canonical and exit 1 if there are any.
    #[arg(long, conflicts_with = "out")]
    check: bool,
    /// Write the formatted files under DIR (keeping their paths relative to each PATH) instead of in place.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write UTF-16LE with BOM where the source was UTF-16 (default: always UTF-8).
    #[arg(long)]
    keep_encoding: bool,
}

pub fn fmt(args: FmtArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let files = find_templates(&args.paths)?;
    if files.is_empty() {
        bail!("no .admx or .adml file found in the given paths");
    }
    let mut changed = 0usize;
    let mut failed = 0usize;
    for f in &files {
        let target = match (&args.out, args.check) {
            (_, true) => FormatTarget::Check,
            (Some(dir), false) => FormatTarget::To(dir.join(&f.relative)),
            (None, false) => FormatTarget::InPlace,
        };
        let options = FormatOptions {
            keep_encoding: args.keep_encoding,
            target,
        };
        match format_file(&f.path, &options) {
            Ok(outcome) => {
                if outcome.changed {
                    changed += 1;
                }
                match (&outcome.written, outcome.changed, args.check) {
                    (_, true, true) => writeln!(out, "would reformat {}", f.path.display())?,
                    (Some(w), _, false) if args.out.is_some() => {
                        writeln!(out, "wrote {}", w.display())?
                    }
                    (Some(w), true, false) => writeln!(out, "reformatted {}", w.display())?,
                    _ => {}
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("gpforge: error: {e}");
            }
        }
    }
    let total = files.len();
    let done = total - failed;
    if args.check {
        writeln!(out, "{changed} of {done} files would be reformatted")?;
    } else {
        writeln!(out, "{changed} of {done} files reformatted")?;
    }
    if failed > 0 {
        bail!("{failed} of {total} files could not be formatted");
    }
    Ok(if args.check && changed > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
