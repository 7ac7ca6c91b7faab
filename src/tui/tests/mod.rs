//! The TUI without a terminal: the state machine (key -> action -> state)
//! and whole-screen snapshots on a fixed `TestBackend` with a fixed clock.

mod fixtures;
mod snapshots;
mod state;
