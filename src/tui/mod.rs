//! The terminal interface arrives in its own change; until then `hookcatch`
//! without --headless says so and stops.
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::inspect::AuthConfig;
use crate::model::Notice;
use crate::store::{Location, StoreWriter};

/// Everything the interface needs from the running listener.
pub struct TuiContext {
    pub listen_url: String,
    pub store: Location,
    pub writer: StoreWriter,
    pub notices: broadcast::Receiver<Notice>,
    pub auth: AuthConfig,
    pub theme: Option<String>,
    /// Cancelled on SIGTERM; the TUI also returns when the user quits.
    pub shutdown: CancellationToken,
}

pub async fn run(_ctx: TuiContext) -> anyhow::Result<()> {
    anyhow::bail!("the terminal interface is not built yet; use --headless")
}

/// `hookcatch themes`: one theme a line.
pub fn theme_list() -> String {
    String::new()
}
