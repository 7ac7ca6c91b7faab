//! `hookcatch export`: captured requests written out whole, oldest first, as
//! JSON lines, HAR 1.2 or a curl script, to stdout or a private file. Streams
//! one request at a time, so a store of any size exports in little memory.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{AppError, open_existing_with_config, parse_filter, parse_id};
use crate::cli::{ExportArgs, ExportFormat, GlobalArgs};
use crate::export::json::request_json_with_deliveries;
use crate::export::{curl, har};
use crate::inspect;
use crate::model::RequestId;
use crate::store::{deliveries, query};

pub fn run(global: &GlobalArgs, args: &ExportArgs) -> Result<ExitCode, AppError> {
    let asked = args
        .ids
        .iter()
        .map(|s| parse_id(s))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = parse_filter(args.filter.as_deref())?;
    let (conn, config) = open_existing_with_config(global)?;
    let base_url = args.base_url.clone().unwrap_or_else(|| {
        crate::replay::choose_target(
            None,
            config.forward.as_deref(),
            config.replay_to.as_deref(),
            config.addr,
        )
    });
    let ids: Vec<RequestId> = match (&filter, asked.is_empty()) {
        (Some(filter), _) => {
            crate::filter::scan::matching_ids(&conn, filter, &config.auth, chrono::Utc::now())
                .context("cannot read the store")?
        }
        (None, true) => query::all_ids(&conn).context("cannot read the store")?,
        (None, false) => asked,
    };

    let (mut out, file) = open_output(args.output.as_deref())?;
    let write_failed = |e: std::io::Error| match &file {
        Some(path) => AppError::Failed(anyhow::anyhow!("cannot write {}: {e}", path.display())),
        // stdout went away (`| head`): what was asked for is not wanted any more.
        None if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        None => AppError::Failed(anyhow::anyhow!("cannot write output: {e}")),
    };
    match args.format {
        ExportFormat::Har => out.write_all(har::head().as_bytes()),
        ExportFormat::Curl => out.write_all(CURL_HEAD.as_bytes()),
        ExportFormat::Ndjson => Ok(()),
    }
    .map_err(write_failed)?;

    let mut written = 0usize;
    let mut missing = Vec::new();
    for id in ids {
        let Some(stored) = query::get(&conn, id).context("cannot read the store")? else {
            missing.push(id);
            continue;
        };
        let req = &stored.request;
        let piece = match args.format {
            ExportFormat::Ndjson => {
                // The verdicts are all the JSON object holds; the body view is not needed.
                let summary = inspect::summarize(req, &config.auth, req.received_at);
                let sent = deliveries::list_for(&conn, id).context("cannot read the store")?;
                format!(
                    "{}\n",
                    request_json_with_deliveries(&stored, &summary, &sent)
                )
            }
            ExportFormat::Har => {
                let summary = inspect::summarize(req, &config.auth, req.received_at);
                let comma = if written == 0 { "" } else { "," };
                format!("{comma}\n{}", har::entry(&stored, &summary))
            }
            ExportFormat::Curl => format!(
                "\n# #{id} {} {} {}\n{}\n",
                req.received_at.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
                crate::text::sanitize(&req.method),
                crate::text::sanitize(&req.target),
                curl::curl_command(req, &base_url)
            ),
        };
        out.write_all(piece.as_bytes()).map_err(write_failed)?;
        written += 1;
    }
    if args.format == ExportFormat::Har {
        out.write_all(har::TAIL.as_bytes()).map_err(write_failed)?;
    }
    out.flush().map_err(write_failed)?;

    if let Some(path) = &file {
        eprintln!(
            "hookcatch: exported {written} request{} to {}",
            if written == 1 { "" } else { "s" },
            path.display()
        );
    }
    if missing.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let list: Vec<String> = missing.iter().map(|id| format!("#{id}")).collect();
    eprintln!(
        "hookcatch: not in {}: {}",
        config.store.describe(),
        list.join(", ")
    );
    Ok(ExitCode::from(1))
}

/// The first lines of a curl export: bash, because bodies that are not
/// printable UTF-8 are written as `$'…'`.
const CURL_HEAD: &str = "#!/usr/bin/env bash\n\
    # Captured requests exported by hookcatch, oldest first. Each command sends\n\
    # one again: method, path and query, headers and body bytes as captured.\n\
    set -u\n";

/// stdout, or `path` created (or truncated) with mode 0600.
fn open_output(path: Option<&Path>) -> Result<(Box<dyn Write>, Option<&Path>), AppError> {
    let Some(path) = path else {
        return Ok((Box::new(BufWriter::new(std::io::stdout().lock())), None));
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let cannot = |e: std::io::Error| {
        AppError::Usage(format!(
            "cannot write {}: {e} (pick another path with --output)",
            path.display()
        ))
    };
    let file = options.open(path).map_err(cannot)?;
    // The mode above applies to a new file only; an old one is narrowed too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(cannot)?;
    }
    Ok((Box::new(BufWriter::new(file)), Some(path)))
}
