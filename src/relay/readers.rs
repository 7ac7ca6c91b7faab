//! A few read connections shared by every stream: a thousand idle streams
//! need no connection at all, and a stream holds one only while it reads
//! a chunk (on a blocking thread, never on the async workers).

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::store::{Location, StoreError};

/// Connections kept open between reads, at most.
const KEEP: usize = 4;

pub struct Readers {
    location: Location,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub fn new(location: Location) -> Arc<Readers> {
        Arc::new(Readers {
            location,
            idle: Mutex::new(Vec::new()),
        })
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
