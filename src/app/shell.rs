//! `hookcatch completions SHELL` and `hookcatch man`: what a packager (or a
//! user's dotfiles) installs beside the binary, generated from the same clap
//! definition as `--help`, so they never drift from the flags.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::CommandFactory as _;

use super::AppError;
use crate::cli::{Cli, CompletionsArgs};

/// Print the completion script for one shell.
pub(super) fn completions(args: &CompletionsArgs) -> Result<ExitCode, AppError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "hookcatch", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(ExitCode::SUCCESS)
}

/// Print one roff page: the top-level command, then every subcommand as a
/// section of its own (synopsis, description, options), so `man hookcatch`
/// documents the whole tool without a page per subcommand to install.
pub(super) fn man() -> Result<ExitCode, AppError> {
    out!("{}", man_page().context("cannot render the man page")?);
    Ok(ExitCode::SUCCESS)
}

fn man_page() -> std::io::Result<String> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    for sub in command.get_subcommands() {
        let name = format!("hookcatch {}", sub.get_name());
        page.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let man = clap_mangen::Man::new(sub.clone().bin_name(&name));
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        man.render_description_section(&mut section)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut section)?;
        }
        // The subcommand's own headings become subsections of its section.
        let section = String::from_utf8_lossy(&section).replace("\n.SH ", "\n.SS ");
        let section = section
            .strip_prefix(".SH ")
            .map_or(section.clone(), |rest| format!(".SS {rest}"));
        page.extend_from_slice(section.as_bytes());
    }
    Ok(String::from_utf8_lossy(&page).into_owned())
}
