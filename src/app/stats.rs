//! Keeping a store for months: `hookcatch prune` (the retention rules,
//! once) and `hookcatch stats` (what the store holds).

use std::process::ExitCode;

use anyhow::Context as _;

use super::{AppError, open_store_of};
use crate::cli::{GlobalArgs, ListenArgs, PruneArgs};
use crate::config;
use crate::store::retention;
use crate::text::human_size;

/// `hookcatch prune [--keep N] [--keep-days D] [--vacuum]`.
pub(super) fn prune(global: &GlobalArgs, args: &PruneArgs) -> Result<ExitCode, AppError> {
    // The flags sit on top of HOOKCATCH_KEEP / the file's `keep`, as for `listen`.
    let listen = ListenArgs {
        keep: args.keep,
        keep_days: args.keep_days,
        ..ListenArgs::from_env()
    };
    let config = config::load(global, &listen)?;
    let rules = config.retention;
    if !rules.is_active() && !args.vacuum {
        return Err(AppError::Usage(
            "nothing to prune by: pass --keep N or --keep-days D (or set keep / keep_days in \
             the config file), or --vacuum to only compact the store"
                .into(),
        ));
    }
    let (mut conn, config) = open_store_of(config)?;
    let before = config.store.size_on_disk();
    let removed = retention::prune(&mut conn, &rules, chrono::Utc::now())
        .context("cannot prune the store")?;
    let left = crate::store::query::count(&conn).context("cannot read the store")?;
    if rules.is_active() {
        outln!(
            "pruned {removed} request{} (keeping {}); {left} left",
            if removed == 1 { "" } else { "s" },
            rules.describe()
        );
    }
    if args.vacuum {
        // VACUUM writes the compacted database through the log; the
        // checkpoint copies it back and truncates the log, so both files shrink.
        conn.execute_batch("VACUUM")
            .context("cannot vacuum the store")?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .context("cannot checkpoint the store")?;
        if let (Some(before), Some(after)) = (before, config.store.size_on_disk()) {
            outln!(
                "vacuumed {}: {} -> {}",
                config.store.describe(),
                human_size(before),
                human_size(after)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
