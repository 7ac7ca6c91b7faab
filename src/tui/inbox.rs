//! The inbox and the outboxes. Everything that happens reaches the app as
//! one [`Msg`] through one channel: terminal input, store notices, loader
//! results, finished highlight jobs, finished deletes, replay results and
//! ladder steps. Everything the app wants done leaves as a [`Cmd`] (local
//! reads and writes) or a [`SendCmd`] (requests sent over the network, which
//! need the replay kit only the run loop holds); the run loop dispatches both
//! after the update, and the app itself never does IO.

use crossterm::event::Event as TermEvent;
use tokio_util::sync::CancellationToken;

use super::highlight;
use super::loader::{LoadCmd, Loaded};
use crate::model::RequestId;
use crate::replay::LadderEvent;
use crate::store::{DeliveryKind, StoreEvent};

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key, mouse or resize event.
    Term(TermEvent),
    /// The store committed something (or could not).
    Notice(StoreEvent),
    /// Events were missed (a burst outran the stream): re-read from the store.
    NoticesLagged,
    /// A loader result.
    Loaded(Loaded),
    /// A highlight job finished (`None`: it went stale or could not run).
    Highlighted {
        doc: highlight::DocKey,
        ticket: u64,
        done: Option<highlight::Done>,
    },
    /// A delete through the store writer finished: how many rows went, or why not.
    Deleted(Result<usize, String>),
    /// A replay (`r`) or an edited replay (`e`) came back: the delivery is
    /// stored (its `StoreEvent::DeliveryAdded` follows), or why nothing was sent.
    Sent {
        id: RequestId,
        kind: DeliveryKind,
        result: Result<Sent, String>,
    },
    /// A retry ladder (`R`) started for `id`; cancelling the token stops it.
    /// Always before that ladder's events.
    LadderStarted {
        id: RequestId,
        cancel: CancellationToken,
    },
    /// A step of the ladder running for `id`.
    Ladder { id: RequestId, event: LadderEvent },
    /// The editor (`e`) is done; what happens next.
    Edit(EditEnd),
    /// An export (`E`) finished: what it wrote where, or why it could not.
    Exported(Result<Exported, String>),
}

/// What an export (`E`) wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub path: std::path::PathBuf,
    pub count: usize,
    /// Requests deleted between the keypress and the export.
    pub missing: usize,
}

/// One attempt's outcome, in a few words (the delivery itself is in the store).
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    /// `200`, `refused`.
    pub label: String,
    pub success: bool,
    pub latency_ms: f64,
    /// Where it went.
    pub target: String,
}

/// How an edit before a replay ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditEnd {
    /// The edited request is on its way (a [`Msg::Sent`] follows).
    Sending(RequestId),
    /// The file was saved unchanged, or emptied: nothing sent.
    Unchanged(RequestId),
    /// The file does not parse: nothing sent.
    Invalid(String),
    /// The editor could not run, or failed.
    Failed(String),
}

/// Requests to send: the run loop spawns them on the runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendCmd {
    /// Replay once to the default target (`r`).
    Replay(RequestId),
    /// Replay once to this URL (`T`), by the one target rule.
    ReplayTo(RequestId, String),
    /// Run Pingara's retry ladder against the default target (`R`).
    Ladder(RequestId),
    /// Suspend the interface, edit the request in `$EDITOR`, send the result
    /// as an `edited` delivery (`e`).
    Edit(RequestId),
}

/// Something the app wants done, outside the UI thread's hands.
#[derive(Debug)]
pub enum Cmd {
    /// A store read, for the loader thread.
    Load(LoadCmd),
    /// Highlighting, for a blocking task.
    Highlight(highlight::Job),
    /// Delete requests through the store writer.
    Delete(Vec<RequestId>),
    /// Ring the terminal bell (`--bell`): requests arrived.
    Bell,
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// Write these requests to `path` (`E`), off the UI thread.
    Export {
        ids: Vec<RequestId>,
        path: std::path::PathBuf,
        format: crate::export::Format,
    },
}
