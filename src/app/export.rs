//! `hookcatch export`: captured requests written out whole as JSON lines,
//! HAR 1.2 or a curl script, to stdout or a private file (the writing itself
//! is `export::write_requests`, shared with the TUI's `E`).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{AppError, open_existing_with_config, parse_filter, parse_id};
use crate::cli::{ExportArgs, ExportFormat, GlobalArgs};
use crate::export::{self, ExportError, Format};
use crate::model::RequestId;
use crate::secrets::Masking;
use crate::store::postgres::snapshot::Scope;
use crate::store::query;

pub fn run(global: &GlobalArgs, args: &ExportArgs) -> Result<ExitCode, AppError> {
    let asked = args
        .ids
        .iter()
        .map(|s| parse_id(s))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = parse_filter(args.filter.as_deref())?;
    let (conn, config) = open_existing_with_config(global, Scope::All)?;
    // Where `replay` would send: the running listener's URL from the
    // store's meta before the configured port.
    let base_url = args.base_url.clone().unwrap_or_else(|| {
        crate::replay::cli_target(
            &[config.forward.as_deref(), config.replay_to.as_deref()],
            &config.store,
            config.addr,
        )
        .url
    });
    let ids: Vec<RequestId> = match (&filter, asked.is_empty()) {
        (Some(filter), _) => {
            crate::filter::scan::matching_ids(&conn, filter, &config.auth, chrono::Utc::now())
                .context("cannot read the store")?
        }
        (None, true) => query::all_ids(&conn).context("cannot read the store")?,
        (None, false) => asked,
    };
    let format = match args.format {
        ExportFormat::Ndjson => Format::Ndjson,
        ExportFormat::Har => Format::Har,
        ExportFormat::Curl => Format::Curl,
    };

    let mut out = open_output(args.output.as_deref())?;
    let masking = Masking::new(&config.auth.secret_header, args.mask_secrets);
    let result = export::write_requests(
        &conn,
        &ids,
        format,
        &config.auth,
        &base_url,
        &masking,
        &mut out,
    );
    let written = match result {
        Ok(written) => written,
        Err(ExportError::Store(e)) => {
            return Err(AppError::Failed(
                anyhow::Error::new(e).context("cannot read the store"),
            ));
        }
        // stdout went away (`| head`): what was asked for is not wanted any more.
        Err(ExportError::Write(e))
            if args.output.is_none() && e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            return Err(AppError::OutputClosed);
        }
        Err(ExportError::Write(e)) => {
            let to = args
                .output
                .as_deref()
                .map_or_else(|| "output".to_string(), |p| p.display().to_string());
            return Err(AppError::Failed(anyhow::anyhow!("cannot write {to}: {e}")));
        }
    };

    if let Some(path) = &args.output {
        eprintln!(
            "hookcatch: exported {} request{} to {}",
            written.count,
            if written.count == 1 { "" } else { "s" },
            path.display()
        );
    }
    if written.missing.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let list: Vec<String> = written.missing.iter().map(|id| format!("#{id}")).collect();
    eprintln!(
        "hookcatch: not in {}: {}",
        config.store.describe(),
        list.join(", ")
    );
    Ok(ExitCode::from(1))
}

/// stdout, or `path` created private (see [`export::create_private`]).
fn open_output(path: Option<&Path>) -> Result<Box<dyn Write>, AppError> {
    let Some(path) = path else {
        return Ok(Box::new(BufWriter::new(std::io::stdout().lock())));
    };
    let file = export::create_private(path).map_err(|e| {
        AppError::Usage(format!(
            "cannot write {}: {e} (pick another path with --output)",
            path.display()
        ))
    })?;
    Ok(Box::new(BufWriter::new(file)))
}
