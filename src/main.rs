//! Thin entry point: parse the command line, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

/// Capture moves every request body between threads (listener, store writer,
/// printer); glibc's allocator spent ~10% of capture CPU on that (perf, see
/// bench/RESULTS.md), mimalloc a fraction of it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
