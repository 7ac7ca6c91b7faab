//! hookcatch: catch webhooks on your own machine.
//!
//! # Module map
//!
//! Data flows one way (ARCHITECTURE.md draws it):
//!
//! ```text
//! socket -> capture -> store (commit) -> one stream of committed events
//!                                          -> tui | headless | relay stream
//! ```
//!
//! | part | what it does | never imports |
//! |------|--------------|---------------|
//! | [`model`] | the shared nouns: `CapturedRequest`, `HeaderField`, findings | any other part |
//! | [`capture`] | the hyper listener: limits, modes, response rules; answers only after commit | `tui` |
//! | [`store`] | SQLite: schema, one writer (group commit), queries, deliveries | `tui`, `inspect`, `capture`, `replay`, `relay` |
//! | [`inspect`] | pure: body decoding, auth verdicts, webhook events, the [`inspect::Provider`] enum | `tui`, `store`, `capture` |
//! | [`pingara`] | Pingara's event table (`pingara::events`), sample events, `send-test` | |
//! | [`replay`] | build (pure), send, retry ladder, forward, answer diff | `tui` |
//! | [`export`] | JSON, human text, HAR, curl; import | |
//! | [`filter`] | the filter language (`/`, `list --filter`) | |
//! | [`secrets`] | the one masking policy: secret headers, URL passwords, query tokens | |
//! | [`text`] | the one sanitizer for untrusted text, and the one size format | |
//! | [`headless`] | one JSON line per committed request on stdout | |
//! | [`tui`] | the terminal UI: `inbox` (messages), `app/` (state), `ui/` (drawing), run loop | |
//! | [`cli`], [`config`] | flags, environment and file, merged, each mistake a [`config::ConfigError`]; only wiring imports `config` | |
//! | [`app`] | wiring: one file per subcommand; `listen` and `relay` share `app/startup.rs` and `app/shutdown.rs`; imported by no part | |
//!
//! `tests/architecture.rs` fails when an import in the right column appears,
//! and when anything but `main.rs` ends the process: the library returns
//! its errors ([`app::AppError`]) and `main` maps them to exit codes.

pub mod app;
pub mod capture;
pub mod cli;
pub mod config;
pub mod dirs;
pub mod export;
pub mod filter;
pub mod headless;
pub mod inspect;
pub mod model;
pub mod pingara;
pub mod relay;
pub mod replay;
pub mod secrets;
pub mod store;
pub mod text;
pub mod tui;
