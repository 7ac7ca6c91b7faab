//! The listener: accept, read each request within limits, store it, answer.

pub mod respond;
pub mod server;

pub use server::{CaptureSettings, Listener};
