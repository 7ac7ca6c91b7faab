//! Thin entry point: parse the command line, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = hookcatch::cli::Cli::parse();
    match hookcatch::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hookcatch: error: {e}");
            e.exit_code()
        }
    }
}
