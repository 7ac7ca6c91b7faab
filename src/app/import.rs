//! `hookcatch import FILE…`: requests from exports (JSON lines) or HAR files
//! stored as new requests, through the store writer like a capture (so they
//! are inspected, and retries of stored events are marked as duplicates).
//! They keep their time, sender address, recorded answer and the auth verdict
//! the export carried; ids are new.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::{AppError, runtime, store_usage_error};
use crate::cli::{GlobalArgs, ImportArgs, ListenArgs};
use crate::config;
use crate::export::import;
use crate::inspect;
use crate::model::findings::{Judged, StoredFindings};
use crate::store::{NewRequest, StoreWriter};

/// Requests handed to the writer at once: they share commits.
const CHUNK: usize = 512;

pub fn run(global: &GlobalArgs, args: &ImportArgs) -> Result<ExitCode, AppError> {
    let config = config::load(global, &ListenArgs::from_env())?;
    if matches!(config.store, crate::store::Location::Memory(_)) {
        return Err(AppError::Usage(
            "import needs a store file: an --ephemeral store ends with this command".into(),
        ));
    }
    let mut requests = Vec::new();
    let mut problems = 0usize;
    for file in &args.files {
        let bytes = std::fs::read(file)
            .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", file.display())))?;
        let (read, skipped) = import::parse_records(&String::from_utf8_lossy(&bytes));
        for p in &skipped {
            eprintln!(
                "hookcatch: {}:{}: skipped: {}",
                file.display(),
                p.line,
                // The reason may quote the file's hostile text.
                crate::text::sanitize(&p.message)
            );
        }
        problems += skipped.len();
        requests.extend(read);
    }
    if requests.is_empty() {
        eprintln!("hookcatch: nothing to import");
        return Ok(if problems == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }

    let (writer, thread) = StoreWriter::spawn(&config.store, config.fsync)
        .map_err(|e| store_usage_error(&config.store, e))?;
    let count = requests.len();
    let ids = runtime()?.block_on(async {
        let mut ids = Vec::with_capacity(count);
        let mut pending = requests.into_iter().peekable();
        while pending.peek().is_some() {
            let chunk: Vec<_> = pending.by_ref().take(CHUNK).collect();
            let inserts = chunk.into_iter().map(|imported| {
                let req = imported.request;
                // The event and key depend on no secret: read from the body.
                let summary = inspect::summarize(&req, &config.auth, req.received_at);
                let findings = match imported.verdict {
                    // Decided when it arrived, elsewhere: kept as it was.
                    Some((judged, auth)) => StoredFindings {
                        judged,
                        auth,
                        ..inspect::stored::to_stored(&summary, judged)
                    },
                    // Nothing carried (another tool's HAR): judged now, as
                    // of its arrival time, with this process's secrets.
                    None => inspect::stored::to_stored(&summary, Judged::AtImport),
                };
                let new =
                    NewRequest::from_captured(req, Instant::now(), Duration::ZERO, summary.keys())
                        .with_findings(findings)
                        .with_known_latency();
                writer.insert(new)
            });
            for id in futures::future::join_all(inserts).await {
                ids.push(id.context("cannot store an imported request")?);
            }
        }
        Ok::<_, anyhow::Error>(ids)
    })?;
    drop(writer);
    thread.join();
    let (first, last) = (ids.iter().min(), ids.iter().max());
    if let (Some(first), Some(last)) = (first, last) {
        eprintln!(
            "hookcatch: imported {count} request{} into {} (#{first}-#{last})",
            if count == 1 { "" } else { "s" },
            config.store.describe()
        );
    }
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
