//! The edges: each subcommand turns a parsed CLI into work on the library and
//! an exit code. User mistakes become one clear line and exit code 2.
//! `replay` lives in replay.rs, `send-test` and `demo` in send_test.rs.

/// `print!` for command output, in a function that returns `AppError`: when
/// the reader has gone (`hookcatch list | head`) the command stops with
/// [`AppError::OutputClosed`] instead of the panic `print!` gives.
macro_rules! out {
    ($($arg:tt)*) => { $crate::app::emit(format_args!($($arg)*))? };
}

/// `println!` with the same care as [`out!`].
macro_rules! outln {
    () => { $crate::app::emit(format_args!("\n"))? };
    ($($arg:tt)*) => {{ $crate::app::emit(format_args!($($arg)*))?; $crate::app::emit(format_args!("\n"))?; }};
}

mod delete;
mod export;
mod import;
mod list;
mod relay;
mod replay;
mod send_test;
mod serve;
mod shell;
mod show;
mod shutdown;
mod startup;
mod stats;

use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::{Cli, Command, GlobalArgs, ListenArgs};
use crate::config::{self, ConfigError};
use crate::inspect::AuthConfig;
use crate::model::RequestId;
use crate::store::postgres::snapshot::Scope;
use crate::store::{Location, StoreError};

/// Write command output to stdout. A reader that has gone is
/// [`AppError::OutputClosed`], which `main` ends with exit code 0, as a Unix
/// tool killed by SIGPIPE would; any other failure to write is exit code 1.
pub fn emit(args: std::fmt::Arguments<'_>) -> Result<(), AppError> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_fmt(args)
        .and_then(|()| stdout.flush())
        .map_err(AppError::from_output)
}

/// Output from work whose steps cannot pass an error up with `?` (the
/// attempts of a retry ladder return a `Step`): the first failure to write
/// stops the work (see [`StepOutput::until_failed`]) and becomes the
/// command's error.
#[derive(Default)]
pub(crate) struct StepOutput {
    failed: std::sync::Mutex<Option<AppError>>,
    stop: tokio_util::sync::CancellationToken,
}

impl StepOutput {
    /// [`emit`] now; await what it returns. After a failure nothing more is
    /// written and that future never ends, so the step that printed never
    /// finishes either (no retry is scheduled for a reader that has gone):
    /// [`StepOutput::until_failed`] drops it.
    pub(crate) fn emit(
        &self,
        args: std::fmt::Arguments<'_>,
    ) -> impl std::future::Future<Output = ()> + use<> {
        let failed = self.stop.is_cancelled()
            || match emit(args) {
                Ok(()) => false,
                Err(e) => {
                    self.failed
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .get_or_insert(e);
                    self.stop.cancel();
                    true
                }
            };
        async move {
            if failed {
                std::future::pending::<()>().await;
            }
        }
    }

    /// `work` to its end, or the failure to write that cut it short
    /// (`work` is dropped then, so no step runs for a reader that has gone).
    pub(crate) async fn until_failed<T>(
        &self,
        work: impl std::future::Future<Output = T>,
    ) -> Result<T, AppError> {
        let done = tokio::select! {
            done = work => Some(done),
            () = self.stop.cancelled() => None,
        };
        // The work may end in the very poll whose output failed.
        let failed = self
            .failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match (failed, done) {
            (Some(e), _) => Err(e),
            (None, Some(done)) => Ok(done),
            (None, None) => Err(AppError::OutputClosed),
        }
    }
}

/// Why hookcatch stopped with an error, and which exit code that earns.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user's input was wrong: exit 2.
    #[error("{0}")]
    Usage(String),
    /// A mistake in the flags, environment or config file: exit 2.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Something failed at run time: exit 1.
    #[error("{0:#}")]
    Failed(#[from] anyhow::Error),
    /// The reader of stdout has gone (`hookcatch list | head -1`): what was
    /// asked for is not wanted any more. Exit 0, and nothing on stderr.
    #[error("the reader of the output has gone")]
    OutputClosed,
    /// stdout cannot be written for another reason (a full disk): exit 1.
    #[error("cannot write output: {0}")]
    Output(std::io::Error),
}

impl AppError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            AppError::Usage(_) | AppError::Config(_) => ExitCode::from(2),
            AppError::Failed(_) | AppError::Output(_) => ExitCode::from(1),
            AppError::OutputClosed => ExitCode::SUCCESS,
        }
    }

    /// A failure to write stdout: [`AppError::OutputClosed`] when the reader
    /// has gone (a broken pipe), else [`AppError::Output`].
    pub fn from_output(e: std::io::Error) -> AppError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            AppError::OutputClosed
        } else {
            AppError::Output(e)
        }
    }

    /// Whether `main` says why on stderr: not when the reader has gone,
    /// since there is nobody to tell and nothing went wrong.
    pub fn is_reported(&self) -> bool {
        !matches!(self, AppError::OutputClosed)
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
        Some(Command::List(args)) => list::list(&cli.global, &args),
        Some(Command::Show(args)) => show::show(&cli.global, &args),
        Some(Command::Delete(args)) => delete::delete(&cli.global, &args),
        Some(Command::Export(args)) => export::run(&cli.global, &args),
        Some(Command::Import(args)) => import::run(&cli.global, &args),
        Some(Command::Themes) => {
            out!("{}", crate::tui::theme_list());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config(args)) => {
            let (config, relay) = config::load_shown(&cli.global, &args)?;
            out!("{}", config.render(&relay));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Replay(args)) => replay::run(&cli.global, &args),
        Some(Command::SendTest(args)) => send_test::run(&cli.global, &args),
        Some(Command::Demo(args)) => send_test::demo(&cli.global, &args),
        Some(Command::Prune(args)) => stats::prune(&cli.global, &args),
        Some(Command::Stats(args)) => stats::stats(&cli.global, &args),
        Some(Command::Completions(args)) => shell::completions(&args),
        Some(Command::Man) => shell::man(),
        Some(Command::Relay(args)) => relay::run(&cli.global, &args),
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
    // Only the flag: a token in HOOKCATCH_TOKEN or the config file may be
    // there for `relay` or a later `--from`.
    if args.token.is_some() && config.from.is_none() {
        eprintln!("hookcatch: warning: --token is only used with --from (a relay to follow)");
    }
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
    if location.is_postgres() {
        let which = if what.contains(store.as_str()) {
            String::new()
        } else {
            format!(" (store: {store})")
        };
        return AppError::Usage(format!("{what}{which}"));
    }
    let which = if what.contains(store.as_str()) {
        String::new()
    } else {
        format!(" (store: {store})")
    };
    AppError::Usage(format!(
        "{what}{which}; pass --store PATH to a writable file, or --ephemeral to keep requests in memory"
    ))
}

/// Open an existing store for a read command. On PostgreSQL, `scope`
/// says which requests the command reads: they are copied into a private
/// SQLite snapshot it reads as it would a file (store/postgres/snapshot.rs).
fn open_existing(
    global: &GlobalArgs,
    scope: Scope,
) -> Result<(rusqlite::Connection, AuthConfig, Location), AppError> {
    let (conn, config) = open_existing_with_config(global, scope)?;
    Ok((conn, config.auth, config.store))
}

/// The store to read, and the settings it was found by.
fn open_existing_with_config(
    global: &GlobalArgs,
    scope: Scope,
) -> Result<(rusqlite::Connection, config::Config), AppError> {
    // Secrets come from the environment and config file here too, so `list`
    // and `show` give the same verdicts the listener does.
    open_store_of(config::load(global, &ListenArgs::from_env())?, Some(scope))
}

/// Open the existing store `config` names (see [`open_existing_with_config`]).
/// `scope` `None`: the command changes the store through this connection,
/// so a PostgreSQL store is refused (a copy would take the change).
fn open_store_of(
    config: config::Config,
    scope: Option<Scope>,
) -> Result<(rusqlite::Connection, config::Config), AppError> {
    if let Location::Postgres(target) = &config.store {
        let conn = match scope {
            Some(scope) => crate::store::postgres::snapshot::copy(target, scope),
            None => Err(StoreError::sqlite_only("this command", target)),
        }
        .map_err(|e| store_usage_error(&config.store, e))?;
        return Ok((conn, config));
    }
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
