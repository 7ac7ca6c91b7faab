//! Store reads off the UI thread. The loader owns a read connection on its
//! own thread, takes [`LoadCmd`]s, and answers with [`Loaded`] messages in the
//! order asked. A filter scan runs a chunk at a time between other commands,
//! so scrolling stays quick while a scan of a large store goes on, and a new
//! filter replaces the running scan.
//!
//! [`Loader::handle`] is synchronous and thread-free, so tests and the
//! benchmark drive it directly.

use std::sync::Arc;
use std::sync::mpsc::{self, TryRecvError};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::data::{Detail, Row};
use crate::filter::Filter;
use crate::filter::scan::{self, Scan, Step};
use crate::inspect::AuthConfig;
use crate::model::RequestId;
use crate::store::{Location, StoreError, query};

/// A read the UI wants.
#[derive(Debug)]
pub enum LoadCmd {
    /// Every id (start, and after deletes).
    AllIds,
    /// Ids above this one (after capture notices).
    IdsAfter(RequestId),
    /// List rows for these ids.
    Rows(Vec<RequestId>),
    /// The request whole, inspected.
    Detail(RequestId),
    /// Start filtering ids up to `upto`, replacing any running scan.
    Scan {
        generation: u64,
        filter: Arc<Filter>,
        upto: RequestId,
        now: DateTime<Utc>,
    },
    /// Which of these (newly arrived) ids pass the filter.
    Test {
        generation: u64,
        filter: Arc<Filter>,
        ids: Vec<RequestId>,
        now: DateTime<Utc>,
    },
    /// Drop the running scan (the filter was cleared).
    StopScan,
}

/// A read's answer.
#[derive(Debug)]
pub enum Loaded {
    AllIds(Vec<RequestId>),
    NewIds(Vec<RequestId>),
    /// Rows read, and ids that no longer exist.
    Rows {
        rows: Vec<Row>,
        missing: Vec<RequestId>,
    },
    /// `None`: the request is gone.
    Detail {
        id: RequestId,
        detail: Option<Box<Detail>>,
    },
    Scanned {
        generation: u64,
        step: Step,
    },
    Tested {
        generation: u64,
        matched: Vec<RequestId>,
    },
    Failed(String),
}

pub struct Loader {
    conn: Connection,
    auth: AuthConfig,
    scan: Option<(u64, Scan)>,
}

impl Loader {
    pub fn open(location: &Location, auth: AuthConfig) -> Result<Loader, StoreError> {
        Ok(Loader {
            conn: location.open_reader()?,
            auth,
            scan: None,
        })
    }

    pub fn from_connection(conn: Connection, auth: AuthConfig) -> Loader {
        Loader {
            conn,
            auth,
            scan: None,
        }
    }

    /// The read connection (tests delete through it).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn scanning(&self) -> bool {
        self.scan.is_some()
    }

    /// Answer one command. Scans only start here; [`Loader::scan_step`] runs them.
    pub fn handle(&mut self, cmd: LoadCmd) -> Option<Loaded> {
        let result = match cmd {
            LoadCmd::AllIds => query::all_ids(&self.conn).map(Loaded::AllIds),
            LoadCmd::IdsAfter(after) => query::ids_after(&self.conn, after).map(Loaded::NewIds),
            LoadCmd::Rows(ids) => self.rows(&ids),
            LoadCmd::Detail(id) => query::get(&self.conn, id).map(|stored| Loaded::Detail {
                id,
                detail: stored.map(|s| Box::new(Detail::build(s, &self.auth))),
            }),
            LoadCmd::Scan {
                generation,
                filter,
                upto,
                now,
            } => {
                self.scan = Some((generation, Scan::new(filter, self.auth.clone(), now, upto)));
                return None;
            }
            LoadCmd::Test {
                generation,
                filter,
                ids,
                now,
            } => scan::filter_ids(&self.conn, &filter, &self.auth, now, &ids).map(|matched| {
                Loaded::Tested {
                    generation,
                    matched,
                }
            }),
            LoadCmd::StopScan => {
                self.scan = None;
                return None;
            }
        };
        Some(result.unwrap_or_else(|e| Loaded::Failed(format!("cannot read the store: {e}"))))
    }

    fn rows(&self, ids: &[RequestId]) -> rusqlite::Result<Loaded> {
        let mut rows = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for &id in ids {
            // Whole, because signature verdicts need the body; dropped right after.
            match query::get(&self.conn, id)? {
                Some(stored) => rows.push(Row::build(&stored, &self.auth)),
                None => missing.push(id),
            }
        }
        Ok(Loaded::Rows { rows, missing })
    }

    /// Run one chunk of the current scan.
    pub fn scan_step(&mut self) -> Option<Loaded> {
        let (generation, scan) = self.scan.as_mut()?;
        let generation = *generation;
        let result = match scan.step(&self.conn) {
            Ok(step) => {
                if step.done {
                    self.scan = None;
                }
                Loaded::Scanned { generation, step }
            }
            Err(e) => {
                self.scan = None;
                Loaded::Failed(format!("filter scan failed: {e}"))
            }
        };
        Some(result)
    }

    /// Run on a thread until the command channel closes or `send` refuses.
    pub fn spawn(
        mut self,
        commands: mpsc::Receiver<LoadCmd>,
        mut send: impl FnMut(Loaded) -> bool + Send + 'static,
    ) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("hookcatch-tui-loader".into())
            .spawn(move || {
                loop {
                    let mut batch = Vec::new();
                    if !self.scanning() {
                        match commands.recv() {
                            Ok(cmd) => batch.push(cmd),
                            Err(_) => return,
                        }
                    }
                    loop {
                        match commands.try_recv() {
                            Ok(cmd) => batch.push(cmd),
                            Err(TryRecvError::Empty) => break,
                            Err(TryRecvError::Disconnected) => return,
                        }
                    }
                    for cmd in coalesce(batch) {
                        if let Some(out) = self.handle(cmd)
                            && !send(out)
                        {
                            return;
                        }
                    }
                    if let Some(out) = self.scan_step()
                        && !send(out)
                    {
                        return;
                    }
                }
            })
    }
}

/// Only the last detail request matters when several queued up (a held key).
fn coalesce(batch: Vec<LoadCmd>) -> Vec<LoadCmd> {
    let last_detail = batch.iter().rposition(|c| matches!(c, LoadCmd::Detail(_)));
    batch
        .into_iter()
        .enumerate()
        .filter(|(i, c)| !matches!(c, LoadCmd::Detail(_)) || Some(*i) == last_detail)
        .map(|(_, c)| c)
        .collect()
}
