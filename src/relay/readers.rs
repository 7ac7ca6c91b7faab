//! A few read connections shared by every stream: a thousand idle streams
//! need no connection at all, and a stream holds one only while it reads
//! a chunk (on a blocking thread, never on the async workers). On
//! PostgreSQL, one shared client (store/postgres/read.rs) instead.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::model::RequestId;
use crate::store::postgres::read::PgReader;
use crate::store::{Location, StoreError, StoredRequest, query};

/// Connections kept open between reads, at most.
const KEEP: usize = 4;

pub struct Readers {
    location: Location,
    idle: Mutex<Vec<Connection>>,
    pg: Option<PgReader>,
}

impl Readers {
    pub fn new(location: Location) -> Arc<Readers> {
        let pg = match &location {
            Location::Postgres(target) => Some(PgReader::new((**target).clone())),
            _ => None,
        };
        Arc::new(Readers {
            location,
            idle: Mutex::new(Vec::new()),
            pg,
        })
    }

    /// The PostgreSQL client, on a PostgreSQL store.
    pub fn postgres(&self) -> Option<&PgReader> {
        self.pg.as_ref()
    }

    /// How many requests posted to `channel` follow `after`.
    pub async fn channel_count_after(
        self: &Arc<Self>,
        channel: String,
        after: RequestId,
    ) -> Result<u64, StoreError> {
        match &self.pg {
            Some(pg) => pg.channel_count_after(&channel, after).await,
            None => {
                self.read(move |c| query::channel_count_after(c, &channel, after))
                    .await
            }
        }
    }

    /// The ids of what follows `after` in `channel`, oldest first.
    pub async fn channel_ids_after(
        self: &Arc<Self>,
        channel: String,
        after: RequestId,
        limit: usize,
    ) -> Result<Vec<RequestId>, StoreError> {
        match &self.pg {
            Some(pg) => pg.channel_ids_after(&channel, after, limit).await,
            None => {
                self.read(move |c| query::channel_ids_after(c, &channel, after, limit))
                    .await
            }
        }
    }

    /// One request, its body left out when over `whole` bytes (see
    /// `query::get_in_pieces`).
    pub async fn get_in_pieces(
        self: &Arc<Self>,
        id: RequestId,
        whole: usize,
    ) -> Result<Option<(StoredRequest, Option<usize>)>, StoreError> {
        match &self.pg {
            Some(pg) => pg.get_in_pieces(id, whole).await,
            None => self.read(move |c| query::get_in_pieces(c, id, whole)).await,
        }
    }

    /// A piece of a body sent in pieces.
    pub async fn body_piece(
        self: &Arc<Self>,
        id: RequestId,
        at: usize,
        n: usize,
    ) -> Result<Vec<u8>, StoreError> {
        match &self.pg {
            Some(pg) => pg.body_piece(id, at, n).await,
            None => self.read(move |c| query::body_piece(c, id, at, n)).await,
        }
    }

    /// The store's identity (see `query::store_id`).
    pub async fn store_id(self: &Arc<Self>) -> Result<String, StoreError> {
        match &self.pg {
            Some(pg) => pg.store_id().await,
            None => self.read(query::store_id).await,
        }
    }

    fn take(&self) -> Result<Connection, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.location.open_reader(),
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < KEEP {
            idle.push(conn);
        }
    }

    /// Run a read on a pooled connection, off the async workers.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = this.take()?;
            let result = f(&conn);
            if result.is_ok() {
                this.give_back(conn);
            }
            result.map_err(StoreError::from)
        })
        .await
        .map_err(|_| StoreError::WriterGone)?
    }
}
