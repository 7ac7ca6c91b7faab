//! Keeping a store for months: `hookcatch prune` (the retention rules,
//! once) and `hookcatch stats` (what the store holds).

use std::process::ExitCode;

use anyhow::Context as _;

use std::collections::BTreeMap;

use super::{AppError, open_store_of};
use crate::cli::{GlobalArgs, ListenArgs, PruneArgs, StatsArgs};
use crate::config;
use crate::store::{retention, stats::collect};
use crate::text::{human_size, sanitize};

/// `hookcatch stats [--json]`.
pub(super) fn stats(global: &GlobalArgs, args: &StatsArgs) -> Result<ExitCode, AppError> {
    // Not on PostgreSQL: its size on disk is the server's to say.
    let (conn, config) = open_store_of(config::load(global, &ListenArgs::from_env())?, None)?;
    let stats = collect(&conn).context("cannot read the store")?;
    let size = config.store.size_on_disk();
    if args.json {
        let line = serde_json::json!({
            "store": config.store.describe(),
            "size_on_disk": size,
            "requests": stats.requests,
            "bytes": stats.bytes,
            "oldest": stats.oldest,
            "newest": stats.newest,
            "by_sender": stats.by_sender,
            "by_event": stats.by_event,
            "by_verdict": stats.by_verdict,
        });
        outln!("{line}");
        return Ok(ExitCode::SUCCESS);
    }
    let on_disk = size.map_or("in memory".into(), |s| format!("{} on disk", human_size(s)));
    outln!(
        "store       {} ({on_disk})",
        sanitize(&config.store.describe())
    );
    outln!("requests    {}", stats.requests);
    outln!("bytes       {} ({})", stats.bytes, human_size(stats.bytes));
    outln!(
        "oldest      {}",
        stats.oldest.as_deref().map_or("-".into(), sanitize)
    );
    outln!(
        "newest      {}",
        stats.newest.as_deref().map_or("-".into(), sanitize)
    );
    outln!("by sender   {}", counts(&stats.by_sender));
    outln!("by event    {}", counts(&stats.by_event));
    outln!("by verdict  {}", counts(&stats.by_verdict));
    Ok(ExitCode::SUCCESS)
}

/// `pingara 8, github 2`: largest first; names come from captured bodies,
/// so they are made safe for the terminal.
fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "-".into();
    }
    let mut pairs: Vec<(&String, &u64)> = map.iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    pairs
        .iter()
        .map(|(name, n)| format!("{} {n}", sanitize(name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `hookcatch prune [--keep N] [--keep-days D] [--vacuum]`.
pub(super) fn prune(global: &GlobalArgs, args: &PruneArgs) -> Result<ExitCode, AppError> {
    // The flags sit on top of HOOKCATCH_KEEP / the file's `keep`, as for `listen`.
    let mut listen = ListenArgs::from_env();
    listen.keep = args.keep;
    listen.keep_days = args.keep_days;
    let config = config::load(global, &listen)?;
    let rules = config.retention;
    if !rules.is_active() && !args.vacuum {
        return Err(AppError::Usage(
            "nothing to prune by: pass --keep N or --keep-days D (or set keep / keep_days in \
             the config file), or --vacuum to only compact the store"
                .into(),
        ));
    }
    let (mut conn, config) = open_store_of(config, None)?;
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
