//! The `gpforge` command: parse arguments, call the library, render, exit.
//! Exit codes: 0 clean, 1 findings, 2 the tool itself failed.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    use clap::Parser;
    let args = cli::Args::parse();
    let mut out = std::io::stdout().lock();
    match cli::run(args, &mut out) {
        Ok(status) => status.into(),
        Err(err) => {
            // A closed pipe (`gpforge ... | head`) is not a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("gpforge: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
