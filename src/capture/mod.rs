//! The listener: accept, read each request within limits, store it, answer
//! by the live mode, the rules, the forward target or the default answer.

pub mod arrive;
pub mod body;
pub mod custom;
pub mod mode;
pub mod nofile;
pub mod recovery;
pub mod respond;
pub mod rules;
pub mod server;
pub mod settings;
pub mod watch;

pub use custom::CustomAnswer;
pub use mode::{Mode, ResponseMode};
pub use rules::Rule;
pub use server::{CaptureSettings, Listener};
