//! The TUI without a terminal: the state machine (key -> action -> state)
//! and whole-screen snapshots on a fixed `TestBackend` with a fixed clock.

mod auth_tab;
mod copy_menu;
mod custom_answer;
mod deliveries;
mod encoded;
mod fixtures;
mod list;
mod live;
mod overview;
mod relay;
mod snapshots;
mod state;
/// The same real target server the integration tests use.
#[path = "../../../tests/support/target.rs"]
mod target;
mod verdicts;
