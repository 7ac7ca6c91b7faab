//! Thin entry point: parse the command line, run, map errors to exit codes.
//! Every mistake is one line on stderr and exit code 2; a reader of stdout
//! that has gone (`| head -1`) ends hookcatch quietly with exit code 0.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match hookcatch::cli::Cli::parse_or_usage_line() {
        Ok(cli) => cli,
        Err(line) => {
            eprintln!("hookcatch: error: {line}");
            return ExitCode::from(2);
        }
    };
    match hookcatch::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.is_reported() {
                eprintln!("hookcatch: error: {e}");
            }
            e.exit_code()
        }
    }
}
