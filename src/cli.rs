//! Command-line flags. Every listener flag also has a `HOOKCATCH_*`
//! environment variable and a `hookcatch.toml` key, both read by `config.rs`
//! (not by clap, so a bad variable is blamed on the variable, not on a flag).

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
    /// SQLite store file [default: hookcatch.db in $XDG_DATA_HOME/hookcatch when set, else
    /// the platform data dir, e.g. ~/.local/share/hookcatch/hookcatch.db]
    #[arg(long, global = true, value_name = "PATH", env = "HOOKCATCH_STORE")]
    pub store: Option<PathBuf>,
    /// `--store` was given on the command line, not only HOOKCATCH_STORE:
    /// `demo` uses a file only then (set by [`Cli::parse_or_usage_line`]).
    #[arg(skip)]
    pub store_flag: bool,
    /// Read settings from this file instead of ./hookcatch.toml or hookcatch.toml in the config
    /// dir ($XDG_CONFIG_HOME/hookcatch when set, else the platform's, e.g. ~/.config/hookcatch)
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
    /// Write captured requests out: JSON lines, HAR 1.2, or a curl script
    Export(ExportArgs),
    /// Read requests from an export (JSON lines) or a HAR file into the store
    Import(ImportArgs),
    /// Print the effective configuration (secrets masked) and where it came from
    Config(ListenArgs),
    /// List the colour themes (built in, and from the user theme directory)
    Themes,
    /// Send a captured request again and print the answer (exit 0 on 2xx, 1 otherwise)
    Replay(ReplayArgs),
    /// Pingara's "Send Test" button: post a realistic sample event to your receiver
    #[command(name = "send-test")]
    SendTest(SendTestArgs),
    /// A listener plus the guide's story posted to itself: incidents, a monitor degrading and
    /// recovering, a receiver that is down retried on Pingara's schedule (demos, screenshots)
    Demo(DemoArgs),
    /// A public relay: catch what senders post to /c/CHANNEL/..., keep it, and stream it to
    /// every `hookcatch listen --from URL --token TOKEN` following the channel
    Relay(RelayArgs),
    /// Delete what the retention rules do not keep, once, and say how many
    Prune(PruneArgs),
    /// What the store holds: requests, bytes, time span, counts by sender, event
    /// type and auth verdict (as stored at arrival), size on disk
    Stats(StatsArgs),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell
    Completions(CompletionsArgs),
    /// Print the man page (roff), every subcommand included: `hookcatch man | man -l -`
    Man,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Keep the newest N requests [default: `keep` from HOOKCATCH_KEEP or the config file]
    #[arg(long, value_name = "N")]
    pub keep: Option<u64>,
    /// Keep requests received in the last D days [default: `keep_days` from
    /// HOOKCATCH_KEEP_DAYS or the config file]
    #[arg(long, value_name = "D")]
    pub keep_days: Option<u64>,
    /// Then rebuild the database file so the space freed goes back to the disk
    /// (needs as much free space as the store; a listener beside it waits)
    #[arg(long)]
    pub vacuum: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// One JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for (see README "Shell completions" for where each one looks)
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The flags of `listen` (and `config`, `demo`): the capture flags every
/// listener shares with `relay`, and those only a local listener uses.
#[derive(Debug, Clone, Default, Args)]
#[command(after_help = ENV_HELP)]
pub struct ListenArgs {
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Print one JSON object per captured request on stdout instead of the TUI
    #[arg(long)]
    pub headless: bool,
    /// Headless lines: mask secret headers, URL passwords and query tokens (for sharing)
    #[arg(long)]
    pub mask_secrets: bool,
    /// Ring the terminal bell when requests arrive (TUI only: at most once a screen update)
    #[arg(long)]
    pub bell: bool,
    /// Colour theme for the TUI (see `hookcatch themes`) [default: hookcatch-dark]
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Also send every captured request to your app at URL (the captured path and query
    /// are appended to URL's path), recorded as a delivery
    #[arg(long, value_name = "URL")]
    pub forward: Option<String>,
    /// proxy: the sender gets your app's answer (502 when it is down, 504 when slower than
    /// --timeout); async: the sender gets hookcatch's answer and the forward runs in the
    /// background [default: proxy]
    #[arg(
        long,
        value_name = "proxy|async",
        value_enum,
        ignore_case = true,
        hide_possible_values = true
    )]
    pub forward_mode: Option<crate::replay::forward::ForwardMode>,
    /// Seconds to wait for the forward target's answer, fractions allowed [default: 10, Pingara's limit]
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Accept self-signed certificates from an https forward target or an https relay (--from)
    #[arg(long)]
    pub insecure: bool,
    /// Also catch what a relay caught: subscribe to http(s)://HOST[:PORT]/c/CHANNEL and store
    /// each of its requests here as sent (needs --token)
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
}

/// Read as the capture flags themselves (`args.port`): `config::load`
/// reads one set of flags whichever command gave them.
impl std::ops::Deref for ListenArgs {
    type Target = CaptureArgs;
    fn deref(&self) -> &CaptureArgs {
        &self.capture
    }
}

impl std::ops::DerefMut for ListenArgs {
    fn deref_mut(&mut self) -> &mut CaptureArgs {
        &mut self.capture
    }
}

/// What `listen` and `relay` both take: where to listen, the store, limits,
/// answers, auth, rules, the relay token and retention. A flag only a local
/// listener uses (the TUI's, headless output, forwarding, following a relay)
/// belongs in [`ListenArgs`], so `relay` refuses it instead of ignoring it.
#[derive(Debug, Clone, Default, Args)]
pub struct CaptureArgs {
    /// Address to listen on; a non-loopback address lets anyone on the network post [default: 127.0.0.1]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Port to listen on; 0 picks a free one [default: 9797]
    #[arg(long, short = 'p', value_name = "N")]
    pub port: Option<u16>,
    /// Keep everything in memory; nothing is written to disk
    #[arg(long)]
    pub ephemeral: bool,
    /// Sync every commit to disk (survives power loss, slower)
    #[arg(long)]
    pub fsync: bool,
    /// Status code of the default answer [default: 200]
    #[arg(long, value_name = "CODE")]
    pub status: Option<u16>,
    /// Body of the default answer: text, or @FILE [default: {"received": true}]
    #[arg(long, value_name = "TEXT|@FILE")]
    pub response_body: Option<String>,
    /// Extra header on every answer, 'Name: value' (repeatable)
    #[arg(
        long = "response-header",
        value_name = "'NAME: VALUE'",
        value_delimiter = '\n'
    )]
    pub response_headers: Vec<String>,
    /// Wait this long before answering, in milliseconds
    #[arg(long, value_name = "MS")]
    pub delay: Option<u64>,
    /// Largest body accepted, e.g. 512k, 10m; larger ones get 413 (and are recorded) [default: 10m]
    #[arg(long, value_name = "SIZE")]
    pub max_body: Option<String>,
    /// Seconds a client may take to send its headers [default: 10]
    #[arg(long, value_name = "SECS")]
    pub header_timeout: Option<u64>,
    /// Seconds an open connection may sit idle (no request in flight) before it is closed [default: 30]
    #[arg(long, value_name = "SECS")]
    pub idle_timeout: Option<u64>,
    /// Seconds a client may take to send its body; slower ones get 408 [default: 30]
    #[arg(long, value_name = "SECS")]
    pub body_timeout: Option<u64>,

    /// Shared secret expected in the X-Pingara-Secret header (prefer the env var or config file: flags show in `ps`)
    #[arg(long, value_name = "SECRET")]
    pub secret: Option<String>,
    /// Header that carries the shared secret [default: X-Pingara-Secret]
    #[arg(long, value_name = "NAME")]
    pub secret_header: Option<String>,
    /// Expected token in 'Authorization: Bearer TOKEN'
    #[arg(long, value_name = "TOKEN")]
    pub bearer: Option<String>,
    /// Expected Basic credentials, 'user:pass'
    #[arg(long, value_name = "USER:PASS")]
    pub basic: Option<String>,
    #[arg(long, value_name = "PROVIDER=SECRET", help = verify_help())]
    pub verify: Vec<String>,
    /// Answer 2xx only to requests with a valid credential of a configured scheme; all others get 401 (still captured)
    #[arg(long)]
    pub enforce_auth: bool,

    #[arg(
        long = "rule",
        value_name = "'[METHOD] PATH -> STATUS ...'",
        value_delimiter = '\n',
        help = crate::capture::rules::RULE_HELP
    )]
    pub rules: Vec<String>,
    /// Start in a response mode (the TUI cycles it live): normal, 500, 401, 429 (with
    /// Retry-After), slow (answer after 12 s, past the sender's 10 s limit), drop (close
    /// the connection without answering; the request is still stored) [default: normal]
    #[arg(
        long,
        value_name = "MODE",
        value_enum,
        ignore_case = true,
        hide_possible_values = true
    )]
    pub mode: Option<crate::capture::Mode>,
    /// The relay's token: `relay` lets it read channels, `listen --from` reads with it
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Keep only the newest N requests: older ones are pruned in the background
    /// while the listener runs (deliveries go with their requests)
    #[arg(long, value_name = "N")]
    pub keep: Option<u64>,
    /// Keep only requests received in the last D days, pruned in the background
    #[arg(long, value_name = "D")]
    pub keep_days: Option<u64>,
}

#[derive(Debug, Clone, Default, Args)]
#[command(after_help = RELAY_ENV_HELP)]
pub struct RelayArgs {
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// While a subscriber follows the channel, keep the sender waiting up to SECS for the
    /// first subscriber's answer; else (or then) the relay answers itself
    // Negative numbers are taken as values, so `--hold -1` is refused by the
    // range check (naming the flag), not as an unknown option.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub hold: Option<f64>,
    /// At most N requests a second per channel (N/s or N/m); more get 429 with Retry-After
    #[arg(long, value_name = "N/s")]
    pub rate: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM), with --tls-key
    // No clap `requires`: the other half may come from the environment or
    // the config file; config checks the pair.
    #[arg(long, value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) for --tls-cert
    #[arg(long, value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
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
    /// Keep running and print each new request as it is captured (like
    /// `tail -f`; works beside a running listener), until Ctrl-C
    #[arg(long, short)]
    pub follow: bool,
    /// List the requests the listener refused as malformed (hyper answered 400 before
    /// hookcatch saw a request): time, remote address and hyper's reason, the newest
    /// --limit of the last 1,000 kept
    #[arg(long, conflicts_with_all = ["filter", "follow"])]
    pub refused: bool,
    #[command(flatten)]
    pub secrets: SecretsArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Request id (as in `hookcatch list`)
    #[arg(allow_negative_numbers = true)]
    pub id: String,
    /// Print the request as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Also judge the auth again with the current secrets and print that
    /// beside the verdict stored at arrival (which it never replaces)
    #[arg(long)]
    pub recheck: bool,
    #[command(flatten)]
    pub secrets: SecretsArgs,
}

/// Masking of what a person reads (README "Secrets in output"): human
/// output masks secret headers, URL passwords and query tokens unless
/// `--reveal`; JSON keeps exact values unless `--mask-secrets`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct SecretsArgs {
    /// Show secret headers, URL passwords and query tokens in the human output (masked by default)
    #[arg(long, conflicts_with = "mask_secrets")]
    pub reveal: bool,
    /// Mask secrets in --json output too, for sharing (JSON keeps exact values by default)
    #[arg(long)]
    pub mask_secrets: bool,
}

impl SecretsArgs {
    /// Whether an output masks: human output unless `--reveal`, JSON only
    /// with `--mask-secrets`.
    pub fn masks(self, json: bool) -> bool {
        if json {
            self.mask_secrets
        } else {
            !self.reveal
        }
    }
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["ids", "all"]))]
pub struct DeleteArgs {
    /// Request ids to delete
    #[arg(allow_negative_numbers = true)]
    pub ids: Vec<String>,
    /// Delete every captured request
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Request ids to export [default: every request, oldest first]
    #[arg(conflicts_with = "filter")]
    pub ids: Vec<String>,
    /// ndjson: one JSON object per line, as `show --json` (with deliveries);
    /// har: HAR 1.2 for browser dev tools, mitmproxy, Insomnia, Postman;
    /// curl: a bash script with one curl command per request, each sending
    /// exactly the captured method, target, headers and body once
    #[arg(long, value_enum, default_value_t = ExportFormat::Ndjson)]
    pub format: ExportFormat,
    /// Only requests matching this filter (the syntax of `list --filter` and the TUI's `/`)
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Write to FILE (created with mode 0600: captures carry secrets) instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// curl: where the commands send (a URL with a path is used as given, one
    /// without gets each request's own path and query, as for replay)
    /// [default: the replay target: forward target, else `replay_to`, else
    /// the listener running on the store]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Mask secret headers, URL passwords and query tokens (for sharing; the
    /// export then no longer replays or imports as captured)
    #[arg(long)]
    pub mask_secrets: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files written by `hookcatch export` (JSON lines or HAR), or HAR files
    /// from browser dev tools, mitmproxy, Charles, Insomnia...
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Ndjson,
    Har,
    Curl,
}

impl ListenArgs {
    /// The listener settings of a command that takes no listener flags: none.
    /// `config::load` reads the `HOOKCATCH_*` variables and the config file
    /// under them, so such commands judge requests as the listener does.
    pub fn from_env() -> ListenArgs {
        ListenArgs::default()
    }
}

/// Shown after the listener flags in `--help`.
/// The footer of `listen --help` (and the start of `relay --help`'s).
macro_rules! env_help {
    () => {
        "Every listener flag also reads the environment variable HOOKCATCH_<NAME> \
    (HOOKCATCH_PORT, HOOKCATCH_MAX_BODY, HOOKCATCH_RESPONSE_HEADER and HOOKCATCH_RULE one per \
    line, HOOKCATCH_VERIFY_GITHUB, ...) and the config file key <name> (max_body, \
    response_headers, [verify] github, ...). Flags win over the environment, the environment \
    over the file. Switches (HOOKCATCH_EPHEMERAL, HOOKCATCH_FSYNC, ...) take true/false, 1/0, \
    yes/no or on/off."
    };
}
const ENV_HELP: &str = env_help!();
const RELAY_ENV_HELP: &str = concat!(
    env_help!(),
    " The relay's own flags read HOOKCATCH_HOLD, HOOKCATCH_RATE, HOOKCATCH_TLS_CERT and \
    HOOKCATCH_TLS_KEY, and the keys hold, rate, tls_cert and tls_key of the config file's \
    [relay] table."
);

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Request id (as in `hookcatch list`)
    #[arg(allow_negative_numbers = true)]
    pub id: String,
    /// Where to send it. A URL with no path (or /) gets the captured path and query; a URL
    /// with a path is used as given [default: the forward target, else `replay_to` from the
    /// config file (or HOOKCATCH_REPLAY_TO), else the listener running on the store, where
    /// the new capture is marked as a duplicate (a retry) of the original, else port 9797
    /// (or HOOKCATCH_PORT) on 127.0.0.1]
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Send to hookcatch on this port: short for --to http://127.0.0.1:N
    #[arg(long, value_name = "N", conflicts_with = "to")]
    pub port: Option<u16>,
    #[command(flatten)]
    pub send: SendArgs,
}

/// How `replay` and `send-test` send: the retry ladder, TLS, the timeout.
#[derive(Debug, Clone, Default, Args)]
pub struct SendArgs {
    /// After a non-2xx answer or a failure, retry on Pingara's schedule: 30 s, 2 min,
    /// 10 min, 30 min, then failed. A 2xx stops it; Ctrl-C cancels
    #[arg(long)]
    pub ladder: bool,
    /// Multiply the ladder's waits by F (0.01 waits 0.3 s, 1.2 s, 6 s, 18 s) [default: 1,
    /// or HOOKCATCH_LADDER_SCALE, or ladder_scale in the config file]
    #[arg(long, value_name = "F")]
    pub ladder_scale: Option<f64>,
    /// Accept a self-signed certificate from an https target [also HOOKCATCH_INSECURE]
    #[arg(long)]
    pub insecure: bool,
    /// Seconds to wait for the answer, fractions allowed [default: HOOKCATCH_TIMEOUT, the
    /// config file's timeout, else 10, Pingara's limit]
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
}

#[derive(Debug, Args)]
pub struct SendTestArgs {
    #[arg(required_unless_present = "list", help = event_help())]
    pub event: Option<String>,
    /// Your receiver's URL. A URL with no path (or /) gets /pingara-webhook, the path the
    /// guide's receivers use; a URL with a path is used as given [default: the listener
    /// running on the store, else port 9797 (or HOOKCATCH_PORT) on 127.0.0.1]
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Send to hookcatch on this port: short for --to http://127.0.0.1:N
    #[arg(long, value_name = "N", conflicts_with = "to")]
    pub port: Option<u16>,
    /// Send this shared secret in X-Pingara-Secret (or --secret-header)
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
    /// Send 'Authorization: Bearer TOKEN'
    #[arg(
        long,
        value_name = "TOKEN",
        env = "HOOKCATCH_BEARER",
        hide_env_values = true
    )]
    pub bearer: Option<String>,
    /// Send Basic credentials 'user:pass' (as Pingara does for https://user:pass@host URLs)
    #[arg(
        long,
        value_name = "USER:PASS",
        env = "HOOKCATCH_BASIC",
        hide_env_values = true
    )]
    pub basic: Option<String>,
    #[command(flatten)]
    pub send: SendArgs,
    /// List the event types and exit
    #[arg(long, conflicts_with_all = ["event", "print"])]
    pub list: bool,
    /// Print the request (headers, secrets masked, and JSON payload) without sending it
    #[arg(long)]
    pub print: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub listen: ListenArgs,
    /// Milliseconds between demo events [default: 1500]
    #[arg(long, value_name = "MS")]
    pub interval: Option<u64>,
    /// Stop sending after N events (the listener keeps running; retries go on)
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Multiply Pingara's retry waits (30 s, 2 min, 10 min, 30 min) by F [default: 1/60,
    /// seconds for minutes: 0.5 s, 2 s, 10 s, 30 s]
    #[arg(long, value_name = "F")]
    pub ladder_scale: Option<f64>,
}

impl Cli {
    /// Parse the process's arguments. `--help` and `--version` print and exit
    /// as usual; a mistake comes back as one line for `hookcatch: error: `.
    pub fn parse_or_usage_line() -> Result<Cli, String> {
        use clap::{CommandFactory as _, FromArgMatches as _};
        let parsed = Cli::command().try_get_matches().and_then(|matches| {
            let mut cli = Cli::from_arg_matches(&matches)?;
            cli.global.store_flag = on_command_line(&matches, "store");
            Ok(cli)
        });
        parsed.map_err(|e| {
            if !e.use_stderr()
                || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            {
                e.exit();
            }
            let argv: Vec<String> = std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            usage_line(&e.render().to_string(), &argv)
        })
    }
}

/// Was the argument `id` given on the command line (at any level of
/// subcommands, for a global one), not taken from the environment?
fn on_command_line(matches: &clap::ArgMatches, id: &str) -> bool {
    matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        || matches
            .subcommand()
            .is_some_and(|(_, sub)| on_command_line(sub, id))
}

/// clap's error message in one line: the `error:` prefix, the `Usage:` block
/// and the "For more information" line dropped, detail lines (missing
/// arguments, tips) joined on, and where to look: `(hookcatch list --help)`.
pub fn usage_line(rendered: &str, argv: &[String]) -> String {
    let mut line = String::new();
    let mut listing = false;
    let mut in_usage = false;
    for raw in rendered.lines() {
        let part = raw.trim();
        if part.is_empty() {
            in_usage = false;
            continue;
        }
        if part.starts_with("Usage:") {
            in_usage = true;
            continue;
        }
        if in_usage || part.starts_with("For more information") {
            continue;
        }
        let part = part.strip_prefix("error:").unwrap_or(part).trim();
        if line.is_empty() {
            line.push_str(part);
        } else if part.starts_with('[') {
            line.push(' ');
            line.push_str(part);
        } else if part.starts_with("tip:") {
            line.push_str("; ");
            line.push_str(part);
            listing = false;
        } else if line.ends_with(':') {
            line.push(' ');
            line.push_str(part);
            listing = true;
        } else if listing {
            line.push_str(", ");
            line.push_str(part);
        } else {
            line.push_str("; ");
            line.push_str(part);
        }
    }
    format!("{line} ({} --help)", command_path(argv))
}

/// `hookcatch` and the subcommand named in `argv`, if any.
fn command_path(argv: &[String]) -> String {
    use clap::CommandFactory as _;
    let command = Cli::command();
    let sub = argv
        .iter()
        .take_while(|a| *a != "--")
        .find_map(|a| command.find_subcommand(a).map(|c| c.get_name().to_string()));
    match sub {
        Some(sub) => format!("hookcatch {sub}"),
        None => "hookcatch".to_string(),
    }
}

/// `--verify`'s help: the provider names are the provider enum's.
fn verify_help() -> String {
    format!(
        "Verify a sender's HMAC signature: PROVIDER=SECRET, providers {} \
         (repeatable; env HOOKCATCH_VERIFY_GITHUB=...)",
        crate::inspect::Provider::verified_names()
    )
}

/// `send-test EVENT`'s help: the names are the table of Pingara events'.
fn event_help() -> String {
    format!("Event type: {}", crate::pingara::events::NAMES.join(", "))
}

#[cfg(test)]
mod tests {
    use super::usage_line;

    #[test]
    fn clap_errors_become_one_line() {
        let argv = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let missing = "error: the following required arguments were not provided:\n  <A>\n  <B>\n\n\
                       Usage: hookcatch show <A>\n       hookcatch show <B>\n\n\
                       For more information, try '--help'.\n";
        assert_eq!(
            usage_line(missing, &argv(&["--store", "x.db", "show"])),
            "the following required arguments were not provided: <A>, <B> (hookcatch show --help)"
        );
        let tip = "error: unexpected argument '--limitt' found\n\n  \
                   tip: a similar argument exists: '--limit'\n\nUsage: hookcatch list [OPTIONS]\n\n\
                   For more information, try '--help'.\n";
        assert_eq!(
            usage_line(tip, &argv(&["list", "--limitt"])),
            "unexpected argument '--limitt' found; tip: a similar argument exists: '--limit' \
             (hookcatch list --help)"
        );
        let plain = "error: invalid value 'x' for '--port <N>': invalid digit found in string\n\n\
                     For more information, try '--help'.\n";
        assert_eq!(
            usage_line(plain, &argv(&["--port", "x"])),
            "invalid value 'x' for '--port <N>': invalid digit found in string (hookcatch --help)"
        );
    }
}
