//! The reads a thread outside the runtime makes while following the
//! stream of committed events (the headless printer): the newest id, one
//! request, and what follows an id. On SQLite a connection of its own; on
//! PostgreSQL the shared reader, driven on the runtime.

use std::sync::Arc;

use rusqlite::Connection;
use tokio::runtime::Handle;

use super::postgres::read::PgReader;
use super::{Location, StoreError, StoredRequest, query};
use crate::model::RequestId;

pub enum Reader {
    Sqlite(Connection),
    Postgres(Arc<PgReader>, Handle),
}

impl Reader {
    /// Open a reader on `location`; `runtime` drives PostgreSQL's client.
    pub fn open(location: &Location, runtime: &Handle) -> Result<Reader, StoreError> {
        match location {
            Location::Postgres(target) => Ok(Reader::Postgres(
                Arc::new(PgReader::new((**target).clone())),
                runtime.clone(),
            )),
            _ => location.open_reader().map(Reader::Sqlite),
        }
    }

    pub fn max_id(&self) -> Result<RequestId, StoreError> {
        match self {
            Reader::Sqlite(conn) => Ok(query::max_id(conn)?),
            // Asked on the runtime's own thread too (where the printer is
            // set up): a runtime cannot block on itself, so from a thread
            // of its own.
            Reader::Postgres(pg, rt) => std::thread::scope(|s| {
                s.spawn(|| rt.block_on(pg.max_id()))
                    .join()
                    .unwrap_or(Err(StoreError::WriterGone))
            }),
        }
    }

    pub fn get(&self, id: RequestId) -> Result<Option<StoredRequest>, StoreError> {
        match self {
            Reader::Sqlite(conn) => Ok(query::get(conn, id)?),
            Reader::Postgres(pg, rt) => rt.block_on(pg.get(id)),
        }
    }

    /// Catching up by id (see [`super::events::catch_up`]).
    pub fn catch_up(
        &self,
        last: RequestId,
        limit: usize,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        match self {
            Reader::Sqlite(conn) => Ok(super::events::catch_up(conn, last, limit)?),
            Reader::Postgres(pg, rt) => rt.block_on(pg.after(last, limit)),
        }
    }
}
