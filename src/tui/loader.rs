//! Store reads off the UI thread, and a look about once a second for other
//! processes' writes ([`super::watch`]). The loader owns a read connection on its
//! own thread, takes [`LoadCmd`]s, and answers with [`Loaded`] messages in the
//! order asked. A filter scan runs a chunk at a time between other commands,
//! so scrolling stays quick while a scan of a large store goes on, and a new
//! filter replaces the running scan.
//!
//! [`Loader::handle`] is synchronous and thread-free, so tests and the
//! benchmark drive it directly.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::thread::JoinHandle;
use std::time::Instant;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::data::{Detail, Row};
use super::delivery_data::{DeliveryLine, DiffDoc, ResponseDoc};
use super::watch::{self, Watch};
use crate::filter::Filter;
use crate::filter::scan::{self, Scan, Step};
use crate::inspect::AuthConfig;
use crate::model::RequestId;
use crate::store::{Location, StoreError, deliveries, query};

/// A read the UI wants.
#[derive(Debug)]
pub enum LoadCmd {
    /// Every id (start, and after deletes).
    AllIds,
    /// Ids above this one (after capture notices).
    IdsAfter(RequestId),
    /// Every id, with the largest ever issued (another process deleted some).
    Present,
    /// List rows (with their delivery marks) for these ids.
    Rows(Vec<RequestId>),
    /// The request whole, inspected, with its deliveries.
    Detail(RequestId),
    /// One delivery's answer, decoded.
    Response { request: RequestId, delivery: i64 },
    /// What changed between two deliveries' answers.
    Diff {
        request: RequestId,
        before: i64,
        after: i64,
    },
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
    /// Every id there is, read with the largest id ever issued: a listed id
    /// at or below `issued` that is not among them was deleted.
    Present {
        ids: Vec<RequestId>,
        issued: RequestId,
    },
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
    /// `None`: the delivery is gone.
    Response {
        request: RequestId,
        delivery: i64,
        doc: Option<Box<ResponseDoc>>,
    },
    /// `None`: one of the deliveries is gone.
    Diff {
        request: RequestId,
        before: i64,
        after: i64,
        doc: Option<Box<DiffDoc>>,
    },
    Scanned {
        generation: u64,
        step: Step,
    },
    Tested {
        generation: u64,
        matched: Vec<RequestId>,
    },
    /// Another process (or this one's writer) committed: deliveries it added.
    StoreChanged(super::watch::Changes),
    Failed(String),
}

pub struct Loader {
    conn: Connection,
    auth: AuthConfig,
    scan: Option<(u64, Scan)>,
    /// Started on the first look, from the store as it is then.
    watch: Option<Watch>,
}

impl Loader {
    pub fn open(location: &Location, auth: AuthConfig) -> Result<Loader, StoreError> {
        Ok(Loader {
            conn: location.open_reader()?,
            auth,
            scan: None,
            watch: None,
        })
    }

    pub fn from_connection(conn: Connection, auth: AuthConfig) -> Loader {
        Loader {
            conn,
            auth,
            scan: None,
            watch: None,
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
            LoadCmd::Present => self.present(),
            LoadCmd::Rows(ids) => self.rows(&ids),
            LoadCmd::Detail(id) => self.detail(id),
            LoadCmd::Response { request, delivery } => {
                deliveries::get(&self.conn, delivery).map(|d| Loaded::Response {
                    request,
                    delivery,
                    doc: d
                        .filter(|d| d.request_id == request)
                        .map(|d| Box::new(ResponseDoc::build(&d))),
                })
            }
            LoadCmd::Diff {
                request,
                before,
                after,
            } => self.diff(request, before, after),
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
        // One query for the window's delivery marks.
        let marks = deliveries::marks(&self.conn, ids)?;
        for row in &mut rows {
            row.delivered = marks.get(&row.id).copied();
        }
        Ok(Loaded::Rows { rows, missing })
    }

    fn detail(&self, id: RequestId) -> rusqlite::Result<Loaded> {
        let Some(stored) = query::get(&self.conn, id)? else {
            return Ok(Loaded::Detail { id, detail: None });
        };
        let mut detail = Detail::build(stored, &self.auth);
        detail.deliveries = deliveries::list_for(&self.conn, id)?
            .iter()
            .map(DeliveryLine::build)
            .collect();
        Ok(Loaded::Detail {
            id,
            detail: Some(Box::new(detail)),
        })
    }

    fn diff(&self, request: RequestId, before: i64, after: i64) -> rusqlite::Result<Loaded> {
        let pair = (
            deliveries::get(&self.conn, before)?,
            deliveries::get(&self.conn, after)?,
        );
        let doc = match pair {
            (Some(a), Some(b)) if a.request_id == request && b.request_id == request => {
                Some(Box::new(DiffDoc::build(&a, &b)))
            }
            _ => None,
        };
        Ok(Loaded::Diff {
            request,
            before,
            after,
            doc,
        })
    }

    /// The ids and the census's bound, from one read transaction.
    fn present(&self) -> rusqlite::Result<Loaded> {
        let tx = self.conn.unchecked_transaction()?;
        let ids = query::all_ids(&tx)?;
        let issued = watch::Census::read(&tx)?.issued;
        tx.finish()?;
        Ok(Loaded::Present { ids, issued })
    }

    /// Has anything been committed since the last look? See [`super::watch`].
    pub fn look(&mut self) -> Option<Loaded> {
        let result = match self.watch.as_mut() {
            None => Watch::start(&self.conn).map(|w| {
                self.watch = Some(w);
                None
            }),
            Some(watch) => watch
                .look(&self.conn)
                .map(|changes| changes.map(Loaded::StoreChanged)),
        };
        result.unwrap_or_else(|e| Some(Loaded::Failed(format!("cannot read the store: {e}"))))
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
                // The first look only notes where the store is now.
                let mut looked = Instant::now();
                let _ = self.look();
                loop {
                    let mut batch = Vec::new();
                    if !self.scanning() {
                        match commands.recv_timeout(watch::EVERY) {
                            Ok(cmd) => batch.push(cmd),
                            Err(RecvTimeoutError::Timeout) => {}
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    if looked.elapsed() >= watch::EVERY {
                        looked = Instant::now();
                        if let Some(out) = self.look()
                            && !send(out)
                        {
                            return;
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

/// Only the last detail (answer, diff) request matters when several queued
/// up (a held key).
fn coalesce(batch: Vec<LoadCmd>) -> Vec<LoadCmd> {
    let slot = |c: &LoadCmd| match c {
        LoadCmd::Detail(_) => Some(0),
        LoadCmd::Response { .. } => Some(1),
        LoadCmd::Diff { .. } => Some(2),
        _ => None,
    };
    let mut last = [None; 3];
    for (i, c) in batch.iter().enumerate() {
        if let Some(k) = slot(c) {
            last[k] = Some(i);
        }
    }
    batch
        .into_iter()
        .enumerate()
        .filter(|(i, c)| slot(c).is_none_or(|k| last[k] == Some(*i)))
        .map(|(_, c)| c)
        .collect()
}
