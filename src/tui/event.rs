//! The inbox and the outbox. Everything that happens reaches the app as one
//! [`Msg`] through one channel: terminal input, store notices, loader results,
//! finished highlight jobs, finished deletes. Everything the app wants done
//! leaves as a [`Cmd`], which the run loop dispatches after the update; the
//! app itself never does IO.

use crossterm::event::Event as TermEvent;

use super::highlight;
use super::loader::{LoadCmd, Loaded};
use crate::model::{Notice, RequestId};

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key, mouse or resize event.
    Term(TermEvent),
    /// The store committed something.
    Notice(Notice),
    /// Notices were dropped (a burst outran the channel): re-read from the store.
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
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
}
