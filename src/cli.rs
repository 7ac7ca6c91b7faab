//! Command-line flags. Every listener flag also reads a `HOOKCATCH_*`
//! environment variable (clap gives flags precedence over the environment);
//! `config.rs` then fills what is still unset from `hookcatch.toml`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "hookcatch",
    version,
    about = "Catch webhooks on your own machine: capture, inspect, verify and replay them.",
    long_about = "Catch webhooks on your own machine.\n\n\
        Every request that reaches the listener (any method, any path) is stored in SQLite \
        before it is answered, inspected (body, auth, webhook event) and shown in a terminal UI, \
        or as JSON lines with --headless.\n\n\
        With no subcommand, hookcatch runs `listen`.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub listen: ListenArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// SQLite store file [default: platform data dir, e.g. ~/.local/share/hookcatch/hookcatch.db]
    #[arg(long, global = true, value_name = "PATH", env = "HOOKCATCH_STORE")]
    pub store: Option<PathBuf>,
    /// Read settings from this file instead of ./hookcatch.toml or the platform config dir
    #[arg(long, global = true, value_name = "PATH", env = "HOOKCATCH_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the listener (the default): the TUI, or JSON lines with --headless
    Listen(ListenArgs),
    /// List captured requests
    List(ListArgs),
    /// Show one captured request whole
    Show(ShowArgs),
    /// Delete captured requests
    Delete(DeleteArgs),
    /// Print the effective configuration (secrets masked) and where it came from
    Config(ListenArgs),
    /// List the colour themes (built in, and from the user theme directory)
    Themes,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ListenArgs {
    /// Address to listen on; a non-loopback address lets anyone on the network post [default: 127.0.0.1]
    #[arg(long, value_name = "ADDR", env = "HOOKCATCH_BIND")]
    pub bind: Option<String>,
    /// Port to listen on; 0 picks a free one [default: 9797]
    #[arg(long, short = 'p', value_name = "N", env = "HOOKCATCH_PORT")]
    pub port: Option<u16>,
    /// Keep everything in memory; nothing is written to disk
    #[arg(long, env = "HOOKCATCH_EPHEMERAL")]
    pub ephemeral: bool,
    /// Sync every commit to disk (survives power loss, slower)
    #[arg(long, env = "HOOKCATCH_FSYNC")]
    pub fsync: bool,
    /// Print one JSON object per captured request on stdout instead of the TUI
    #[arg(long, env = "HOOKCATCH_HEADLESS")]
    pub headless: bool,
    /// Status code of the default answer [default: 200]
    #[arg(long, value_name = "CODE", env = "HOOKCATCH_STATUS")]
    pub status: Option<u16>,
    /// Body of the default answer: text, or @FILE [default: {"received": true}]
    #[arg(long, value_name = "TEXT|@FILE", env = "HOOKCATCH_RESPONSE_BODY")]
    pub response_body: Option<String>,
    /// Extra header on every answer, 'Name: value' (repeatable)
    #[arg(
        long = "response-header",
        value_name = "'NAME: VALUE'",
        env = "HOOKCATCH_RESPONSE_HEADER",
        value_delimiter = '\n'
    )]
    pub response_headers: Vec<String>,
    /// Wait this long before answering, in milliseconds
    #[arg(long, value_name = "MS", env = "HOOKCATCH_DELAY")]
    pub delay: Option<u64>,
    /// Largest body accepted, e.g. 512k, 10m; larger ones get 413 (and are recorded) [default: 10m]
    #[arg(long, value_name = "SIZE", env = "HOOKCATCH_MAX_BODY")]
    pub max_body: Option<String>,
    /// Seconds a client may take to send its headers [default: 10]
    #[arg(long, value_name = "SECS", env = "HOOKCATCH_HEADER_TIMEOUT")]
    pub header_timeout: Option<u64>,
    /// Seconds a client may take to send its body; slower ones get 408 [default: 30]
    #[arg(long, value_name = "SECS", env = "HOOKCATCH_BODY_TIMEOUT")]
    pub body_timeout: Option<u64>,

    /// Shared secret expected in the X-Pingara-Secret header (prefer the env var or config file: flags show in `ps`)
    #[arg(
        long,
        value_name = "SECRET",
        env = "HOOKCATCH_SECRET",
        hide_env_values = true
    )]
    pub secret: Option<String>,
    /// Header that carries the shared secret [default: X-Pingara-Secret]
    #[arg(long, value_name = "NAME", env = "HOOKCATCH_SECRET_HEADER")]
    pub secret_header: Option<String>,
    /// Expected token in 'Authorization: Bearer TOKEN'
    #[arg(
        long,
        value_name = "TOKEN",
        env = "HOOKCATCH_BEARER",
        hide_env_values = true
    )]
    pub bearer: Option<String>,
    /// Expected Basic credentials, 'user:pass'
    #[arg(
        long,
        value_name = "USER:PASS",
        env = "HOOKCATCH_BASIC",
        hide_env_values = true
    )]
    pub basic: Option<String>,
    /// Verify a sender's HMAC signature: PROVIDER=SECRET, providers github, stripe,
    /// standard-webhooks, slack, shopify, gitlab (repeatable; env HOOKCATCH_VERIFY_GITHUB=...)
    #[arg(long, value_name = "PROVIDER=SECRET")]
    pub verify: Vec<String>,
    /// Colour theme for the TUI (see `hookcatch themes`) [default: hookcatch-dark]
    #[arg(long, value_name = "NAME", env = "HOOKCATCH_THEME")]
    pub theme: Option<String>,
    /// Answer 401 to requests whose auth verdict is invalid or missing (they are still captured)
    #[arg(long, env = "HOOKCATCH_ENFORCE_AUTH")]
    pub enforce_auth: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// One JSON object per line instead of a table
    #[arg(long)]
    pub json: bool,
    /// Show at most the newest N requests [default: 50]
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Only requests matching this filter, searched over the whole store,
    /// e.g. 'method:POST event:incident.* auth:invalid' (see README "Filter")
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Request id (as in `hookcatch list`)
    pub id: String,
    /// Print the request as one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["ids", "all"]))]
pub struct DeleteArgs {
    /// Request ids to delete
    pub ids: Vec<String>,
    /// Delete every captured request
    #[arg(long)]
    pub all: bool,
}

impl ListenArgs {
    /// The listener settings given only through `HOOKCATCH_*` variables, for
    /// commands that take no listener flags but must judge requests the same way.
    pub fn from_env() -> ListenArgs {
        use clap::{CommandFactory as _, FromArgMatches as _};
        #[derive(Parser)]
        struct EnvOnly {
            #[command(flatten)]
            listen: ListenArgs,
        }
        EnvOnly::command()
            .try_get_matches_from(["hookcatch"])
            .ok()
            .and_then(|m| ListenArgs::from_arg_matches(&m).ok())
            .unwrap_or_default()
    }
}
