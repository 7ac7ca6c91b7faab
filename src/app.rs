//! The edges: each subcommand turns a parsed CLI into work on the library and
//! an exit code. User mistakes become one clear line and exit code 2.
//! `replay` lives in replay.rs, `send-test` and `demo` in send_test.rs.

/// `print!` for command output: when the reader has gone (`hookcatch list |
/// head`), stop quietly like a Unix tool killed by SIGPIPE, instead of the
/// panic `print!` gives.
macro_rules! out {
    ($($arg:tt)*) => { $crate::app::emit(format_args!($($arg)*)) };
}

/// `println!` with the same care as [`out!`].
macro_rules! outln {
    () => { $crate::app::emit(format_args!("\n")) };
    ($($arg:tt)*) => {{ $crate::app::emit(format_args!($($arg)*)); $crate::app::emit(format_args!("\n")); }};
}

mod export;
mod import;
mod replay;
mod send_test;
mod serve;
mod shell;
mod stats;

use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::{Cli, Command, DeleteArgs, GlobalArgs, ListArgs, ListenArgs, ShowArgs};
use crate::config::{self, ConfigError};
use crate::export::json::{request_json_with_deliveries, request_line};
use crate::export::text::{deliveries_text, request_text};
use crate::inspect::{self, AuthConfig};
use crate::model::RequestId;
use crate::secrets::Masking;
use crate::store::{Location, StoreError, deliveries, query};
use crate::text::{human_size, sanitize};

/// Write command output to stdout; a closed pipe ends the process with 0.
pub fn emit(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("hookcatch: cannot write output: {e}");
        std::process::exit(1);
    }
}

/// Why hookcatch stopped with an error, and which exit code that earns.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user's input was wrong: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Something failed at run time: exit 1.
    #[error("{0:#}")]
    Failed(#[from] anyhow::Error),
}

impl AppError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            AppError::Usage(_) => ExitCode::from(2),
            AppError::Failed(_) => ExitCode::from(1),
        }
    }
}

impl From<ConfigError> for AppError {
    fn from(e: ConfigError) -> Self {
        AppError::Usage(e.0)
    }
}

pub fn run(cli: Cli) -> Result<ExitCode, AppError> {
    let global = cli.global.clone();
    run_command(cli).map_err(|e| damaged_store(&global, e))
}

/// A store that turns out damaged while being read (a malformed page deep
/// in the file) is named as such, whichever command found it.
fn damaged_store(global: &GlobalArgs, e: AppError) -> AppError {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    let AppError::Failed(inner) = &e else {
        return e;
    };
    let Some(why) = inner
        .chain()
        .filter_map(|cause| cause.downcast_ref::<rusqlite::Error>())
        .find(|sqlite| {
            matches!(
                sqlite.sqlite_error_code(),
                Some(DatabaseCorrupt | NotADatabase)
            )
        })
        .map(ToString::to_string)
    else {
        return e;
    };
    let path = config::read_file(global.config.as_deref())
        .ok()
        .and_then(|(file, _)| config::store_location(global, &file, false).ok())
        .map_or_else(|| "the store".into(), |l| l.describe());
    AppError::Failed(anyhow::Error::new(StoreError::Corrupted { path, why }))
}

fn run_command(cli: Cli) -> Result<ExitCode, AppError> {
    match cli.command {
        None => listen(&cli.global, &cli.listen),
        Some(Command::Listen(args)) => listen(&cli.global, &args),
        Some(Command::List(args)) => list(&cli.global, &args),
        Some(Command::Show(args)) => show(&cli.global, &args),
        Some(Command::Delete(args)) => delete(&cli.global, &args),
        Some(Command::Export(args)) => export::run(&cli.global, &args),
        Some(Command::Import(args)) => import::run(&cli.global, &args),
        Some(Command::Themes) => {
            out!("{}", crate::tui::theme_list());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config(args)) => {
            out!("{}", config::load(&cli.global, &args)?.render());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Replay(args)) => replay::run(&cli.global, &args),
        Some(Command::SendTest(args)) => send_test::run(&cli.global, &args),
        Some(Command::Demo(args)) => send_test::demo(&cli.global, &args),
        Some(Command::Prune(args)) => stats::prune(&cli.global, &args),
        Some(Command::Stats(args)) => stats::stats(&cli.global, &args),
        Some(Command::Completions(args)) => shell::completions(&args),
        Some(Command::Man) => shell::man(),
    }
}

/// A multi-threaded runtime for a command.
fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?)
}

fn listen(global: &GlobalArgs, args: &ListenArgs) -> Result<ExitCode, AppError> {
    let config = config::load(global, args)?;
    runtime()?.block_on(serve::serve(config, None))
}

/// A store that cannot be opened, in one line: what failed, which store,
/// and what to do about it.
fn store_usage_error(location: &Location, e: StoreError) -> AppError {
    // A damaged file is no mistake in the flags: exit 1, and no advice to
    // pick a writable place.
    if let StoreError::Corrupted { .. } = e {
        return AppError::Failed(anyhow::Error::new(e));
    }
    let what = e.to_string().replace('\n', " ");
    let store = location.describe();
    let which = if what.contains(store.as_str()) {
        String::new()
    } else {
        format!(" (store: {store})")
    };
    AppError::Usage(format!(
        "{what}{which}; pass --store PATH to a writable file, or --ephemeral to keep requests in memory"
    ))
}

/// Open an existing store for a read or delete command.
fn open_existing(
    global: &GlobalArgs,
) -> Result<(rusqlite::Connection, AuthConfig, Location), AppError> {
    let (conn, config) = open_existing_with_config(global)?;
    Ok((conn, config.auth, config.store))
}

/// The store to read, and the settings it was found by.
fn open_existing_with_config(
    global: &GlobalArgs,
) -> Result<(rusqlite::Connection, config::Config), AppError> {
    // Secrets come from the environment and config file here too, so `list`
    // and `show` give the same verdicts the listener does.
    open_store_of(config::load(global, &ListenArgs::from_env())?)
}

/// Open the existing store `config` names (see [`open_existing_with_config`]).
fn open_store_of(
    config: config::Config,
) -> Result<(rusqlite::Connection, config::Config), AppError> {
    if !config.store.exists() {
        // Nothing wrong with how hookcatch was called: there is nothing to
        // read yet. A runtime failure (1), not a usage error (2).
        return Err(AppError::Failed(anyhow::anyhow!(
            "no store at {}: nothing captured yet (run `hookcatch` first, or pass --store PATH)",
            config.store.describe()
        )));
    }
    let conn = config
        .store
        .open_reader()
        .map_err(|e| store_usage_error(&config.store, e))?;
    Ok((conn, config))
}

/// `--filter EXPR`, parsed, or a usage error that points at the mistake.
fn parse_filter(expr: Option<&str>) -> Result<Option<crate::filter::Filter>, AppError> {
    expr.map(|expr| {
        crate::filter::parse(expr)
            .map_err(|e| AppError::Usage(format!("--filter: {e}\n{}", e.pointer(expr))))
    })
    .transpose()
}

fn parse_id(text: &str) -> Result<RequestId, AppError> {
    text.trim_start_matches('#')
        .parse::<RequestId>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            AppError::Usage(format!(
                "{text:?} is not a request id (ids are positive numbers, see `hookcatch list`)"
            ))
        })
}

fn list(global: &GlobalArgs, args: &ListArgs) -> Result<ExitCode, AppError> {
    let filter = parse_filter(args.filter.as_deref())?;
    let (conn, auth, _) = open_existing(global)?;
    let limit = args.limit.unwrap_or(50);
    // Following starts after the newest request at this moment; read first,
    // so one committed while the listing is read is printed once, by follow.
    let mut last = query::max_id(&conn).context("cannot read the store")?;
    let mut rows = match &filter {
        None => recent_whole(&conn, &auth, limit)?,
        Some(filter) => matching(&conn, filter, &auth, limit)?,
    };
    if args.follow {
        rows.retain(|(s, _)| s.request.id <= last);
    }
    let masking = Masking::new(&auth.secret_header, args.secrets.masks(args.json));
    mask_rows(&mut rows, &masking);
    if !args.json {
        out!(
            "{:>6}  {:<19}  {:<7} {:<32} {:>6} {:>9}  {:<28} {}\n",
            "ID",
            "TIME (UTC)",
            "METHOD",
            "PATH",
            "STATUS",
            "SIZE",
            "EVENT",
            "AUTH"
        );
    }
    out!("{}", list_rows(&conn, &rows, args.json)?);
    if !args.follow {
        return Ok(ExitCode::SUCCESS);
    }
    loop {
        std::thread::sleep(FOLLOW_POLL);
        let ids = query::ids_after(&conn, last).context("cannot read the store")?;
        // A burst is printed a chunk at a time: bodies are not all held at once.
        for chunk in ids.chunks(FOLLOW_CHUNK) {
            let mut rows = Vec::with_capacity(chunk.len());
            for &id in chunk {
                last = id;
                let Some(stored) = query::get(&conn, id).context("cannot read the store")? else {
                    continue; // deleted since
                };
                let req = &stored.request;
                let wanted = filter.as_ref().is_none_or(|f| {
                    crate::filter::scan::matches(
                        f,
                        req,
                        stored.duplicate_of,
                        stored.findings.as_ref(),
                        &auth,
                        chrono::Utc::now(),
                    )
                });
                if wanted {
                    let inspection = judged(&stored, &auth);
                    rows.push((stored, inspection));
                }
            }
            mask_rows(&mut rows, &masking);
            out!("{}", list_rows(&conn, &rows, args.json)?);
        }
    }
}

/// Mask the rows about to be printed; after inspection, which needs the
/// exact values.
fn mask_rows(rows: &mut [Inspected], masking: &Masking) {
    for (stored, _) in rows {
        masking.request(&mut stored.request);
    }
}

/// How often `list --follow` looks for new requests. A WAL reader sees a
/// commit on its next query; a tenth of a second is "at once" to a person
/// and nothing to the listener.
const FOLLOW_POLL: std::time::Duration = std::time::Duration::from_millis(100);
const FOLLOW_CHUNK: usize = 64;

/// The table rows (or JSON lines) of `list`.
fn list_rows(
    conn: &rusqlite::Connection,
    rows: &[Inspected],
    json: bool,
) -> Result<String, AppError> {
    let mut out = String::new();
    let ids: Vec<RequestId> = rows.iter().map(|(s, _)| s.request.id).collect();
    let marks = deliveries::marks(conn, &ids).context("cannot read the store")?;
    for (stored, inspection) in rows {
        if json {
            out.push_str(&crate::text::json_string(&request_line(stored, inspection)));
            out.push('\n');
            continue;
        }
        let req = &stored.request;
        let event = inspection.event.as_ref().map_or_else(
            || "-".to_string(),
            |e| format!("{}/{}", e.provider.as_str(), e.kind),
        );
        let mut dup = stored
            .duplicate_of
            .map_or(String::new(), |d| format!(" dup of #{d}"));
        if let Some(mark) = marks.get(&req.id) {
            dup.push_str(&format!(
                " sent {}x, last {}",
                mark.count,
                mark.last_label()
            ));
        }
        out.push_str(&format!(
            "{:>6}  {:<19}  {:<7} {:<32} {:>6} {:>9}  {:<28} {}{}\n",
            req.id,
            req.received_at.format("%Y-%m-%d %H:%M:%S"),
            sanitize(&req.method),
            clip(&sanitize(req.path()), 32),
            match &req.response {
                Some(r) => r.status.to_string(),
                None if req.is_pending() => crate::model::PENDING.to_string(),
                None => "-".to_string(),
            },
            human_size(req.body_size),
            clip(&sanitize(&event), 28),
            verdict_label(inspection),
            dup,
        ));
    }
    Ok(out)
}

type Inspected = (crate::store::StoredRequest, inspect::Inspection);

/// A stored request with the findings decided at arrival; `auth` (the
/// reading process's secrets) judges only a request stored without them.
fn judged(stored: &crate::store::StoredRequest, auth: &AuthConfig) -> inspect::Inspection {
    inspect::stored::inspection(&stored.request, stored.findings.as_ref(), auth)
}

/// The AUTH column: the verdict, and when it was not reached at arrival, that.
fn verdict_label(inspection: &inspect::Inspection) -> String {
    let verdict = inspection.auth.verdict.as_str();
    match inspection.judged.caveat() {
        Some(caveat) => format!("{verdict} ({caveat})"),
        None => verdict.to_string(),
    }
}

/// The newest `limit` requests, oldest first, inspected.
fn recent_whole(
    conn: &rusqlite::Connection,
    auth: &AuthConfig,
    limit: usize,
) -> Result<Vec<Inspected>, AppError> {
    let summaries = query::recent(conn, limit).context("cannot read the store")?;
    let mut rows = Vec::with_capacity(summaries.len());
    for summary in summaries {
        if let Some(stored) = query::get(conn, summary.id).context("cannot read the store")? {
            let inspection = judged(&stored, auth);
            rows.push((stored, inspection));
        }
    }
    Ok(rows)
}

/// The newest `limit` requests of the whole store that match `filter`, with
/// exactly the semantics of the TUI's `/` (one scan for both).
fn matching(
    conn: &rusqlite::Connection,
    filter: &crate::filter::Filter,
    auth: &AuthConfig,
    limit: usize,
) -> Result<Vec<Inspected>, AppError> {
    let ids = crate::filter::scan::matching_ids(conn, filter, auth, chrono::Utc::now())
        .context("cannot read the store")?;
    let mut rows = Vec::with_capacity(limit.min(ids.len()));
    for id in &ids[ids.len().saturating_sub(limit)..] {
        if let Some(stored) = query::get(conn, *id).context("cannot read the store")? {
            let inspection = judged(&stored, auth);
            rows.push((stored, inspection));
        }
    }
    Ok(rows)
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

fn show(global: &GlobalArgs, args: &ShowArgs) -> Result<ExitCode, AppError> {
    let id = parse_id(&args.id)?;
    let (conn, auth, location) = open_existing(global)?;
    let Some(mut stored) = query::get(&conn, id).context("cannot read the store")? else {
        eprintln!("hookcatch: no request #{id} in {}", location.describe());
        return Ok(ExitCode::from(1));
    };
    let inspection = judged(&stored, &auth);
    // Asked for only: the stored verdict is the answer, this is a second opinion.
    let recheck = args
        .recheck
        .then(|| inspect::stored::recheck(&stored.request, &auth));
    // Judged above on the exact values; masked from here on for printing.
    let masking = Masking::new(&auth.secret_header, args.secrets.masks(args.json));
    masking.request(&mut stored.request);
    let mut sent = deliveries::list_for(&conn, id).context("cannot read the store")?;
    for delivery in &mut sent {
        masking.delivery(delivery);
    }
    if args.json {
        outln!(
            "{}",
            request_json_with_deliveries(&stored, &inspection, &sent, recheck.as_ref())
        );
    } else {
        out!("{}", request_text(&stored, &inspection, recheck.as_ref()));
        out!("{}", deliveries_text(&sent));
    }
    Ok(ExitCode::SUCCESS)
}

fn delete(global: &GlobalArgs, args: &DeleteArgs) -> Result<ExitCode, AppError> {
    let mut ids = args
        .ids
        .iter()
        .map(|s| parse_id(s))
        .collect::<Result<Vec<_>, _>>()?;
    // `delete 3 3` names one request, not two.
    ids.sort_unstable();
    ids.dedup();
    let (conn, _, _) = open_existing(global)?;
    let deleted = if args.all {
        query::delete_all(&conn)
    } else {
        query::delete(&conn, &ids)
    }
    .context("cannot delete from the store")?;
    eprintln!(
        "hookcatch: deleted {deleted} request{}",
        if deleted == 1 { "" } else { "s" }
    );
    if !args.all && deleted < ids.len() {
        // Like `show` and `export`: a missing id is a failure scripts can see.
        eprintln!(
            "hookcatch: {} of the ids given did not exist",
            ids.len() - deleted
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
