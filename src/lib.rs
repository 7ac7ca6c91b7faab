//! hookcatch: catch webhooks on your own machine.
//!
//! Data flows one way: `capture` (the listener) -> `store` (SQLite) ->
//! `inspect` (pure) -> the TUI or headless output.

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
pub mod replay;
pub mod secrets;
pub mod store;
pub mod text;
pub mod tui;
