//! The PostgreSQL backend: several relays (and readers) on one existing
//! database. `--store postgres://USER[:PASSWORD]@HOST:PORT/DB` (also
//! `postgresql://`, and the socket form `postgres:///DB?host=/run/postgresql`).
//!
//! The client is tokio-postgres: it is what the writer needs and no more
//! (a pipelined async client, LISTEN/NOTIFY as messages on the connection,
//! no compile-time query checks, so building needs no database); its
//! dependencies are a few small crates beside the tokio we already have.
//!
//! What lives here: the target and its masked spelling (this module),
//! the schema and its migrations (`schema.rs`), the one writer task with
//! group commit (`writer.rs`), the reads a relay stream makes
//! (`read.rs`), and the copy of rows into a private SQLite snapshot that
//! lets `list`, `show` and `export` run the same code on both backends
//! (`snapshot.rs`).

pub mod hold;
pub mod notify;
pub mod read;
pub mod schema;
pub mod snapshot;
pub mod writer;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, NoTls};

/// How long a connection attempt may take before the store counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The LISTEN/NOTIFY channel every committing writer notifies: its payload
/// is the newest id committed for a relay channel, and the channel (see
/// `notify.rs`).
pub const NOTIFY_CHANNEL: &str = "hookcatch_requests";

/// The LISTEN/NOTIFY channel a relay notifies when it has stored a
/// subscriber's answer for a held request (see `hold.rs`).
pub const ANSWERS_CHANNEL: &str = "hookcatch_answers";

/// A PostgreSQL database to store in. Its `Debug` and `Display` never show
/// a password: they go through the one masking policy (`secrets::mask_url`).
#[derive(Clone)]
pub struct PgTarget {
    /// As given (it may hold a password: never printed as it is).
    url: String,
    config: tokio_postgres::Config,
}

impl PartialEq for PgTarget {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
    }
}
impl Eq for PgTarget {}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgTarget({})", self.masked())
    }
}

impl fmt::Display for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("{url} is not a PostgreSQL URL hookcatch can use: {why}")]
    BadUrl { url: String, why: String },
    #[error("cannot connect to PostgreSQL at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("PostgreSQL: {0}")]
    Query(#[from] tokio_postgres::Error),
    #[error(
        "the PostgreSQL store was written by a newer hookcatch (schema v{found}, this one knows v{known}); upgrade hookcatch"
    )]
    TooNew { found: i64, known: i64 },
    #[error("PostgreSQL: {0}")]
    Runtime(std::io::Error),
}

impl PgTarget {
    /// Does `--store` name a PostgreSQL database rather than a file?
    pub fn is_url(text: &str) -> bool {
        let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
        lower.starts_with("postgres://") || lower.starts_with("postgresql://")
    }

    pub fn parse(url: &str) -> Result<PgTarget, PgError> {
        let bad = |why: &str| PgError::BadUrl {
            url: crate::secrets::mask_url(url).into_owned(),
            why: why.to_string(),
        };
        // tokio-postgres's own message may quote the URL: say what is
        // wrong in our words, never with the password.
        // The scheme in any case (`POSTGRES://`), as for other URLs.
        let lowered = match url.split_once("://") {
            Some((scheme, rest)) => format!("{}://{rest}", scheme.to_ascii_lowercase()),
            None => url.to_string(),
        };
        let mut config = tokio_postgres::Config::from_str(&lowered).map_err(|_| {
            bad("expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE or postgres:///DATABASE?host=/socket/dir")
        })?;
        if config.get_hosts().is_empty() {
            return Err(bad(
                "no host: give HOST[:PORT], or ?host=/socket/dir for a unix socket",
            ));
        }
        if config.get_dbname().is_none_or(str::is_empty) {
            return Err(bad("no database: end the URL with /DATABASE"));
        }
        if config.get_ssl_mode() == SslMode::Require {
            return Err(bad(
                "sslmode=require: this hookcatch speaks to PostgreSQL without TLS (a unix socket, \
                 loopback, or a private network or tunnel); drop sslmode",
            ));
        }
        config.ssl_mode(SslMode::Disable);
        config.application_name("hookcatch");
        config.connect_timeout(CONNECT_TIMEOUT);
        // A dead server behind a live route is noticed, not waited on forever.
        config.keepalives_idle(Duration::from_secs(30));
        Ok(PgTarget {
            url: url.to_string(),
            config,
        })
    }

    /// The URL with its password (and any secret parameter) masked.
    pub fn masked(&self) -> String {
        crate::secrets::mask_url(&self.url).into_owned()
    }

    /// Connect; the connection runs on its own task until the client is
    /// dropped or the server goes away. Needs a tokio runtime.
    pub async fn connect(&self) -> Result<Client, PgError> {
        let (client, connection) =
            self.config
                .connect(NoTls)
                .await
                .map_err(|source| PgError::Connect {
                    target: self.masked(),
                    source,
                })?;
        tokio::spawn(async move {
            // Ends with an error when the server goes; the client's next
            // query says so to whoever asks.
            let _ = connection.await;
        });
        Ok(client)
    }

    /// Connect for notifications: the client, and the connection to be
    /// polled by the caller (LISTEN/NOTIFY arrive as its messages).
    pub async fn connect_raw(
        &self,
    ) -> Result<
        (
            Client,
            tokio_postgres::Connection<tokio_postgres::Socket, tokio_postgres::tls::NoTlsStream>,
        ),
        PgError,
    > {
        self.config
            .connect(NoTls)
            .await
            .map_err(|source| PgError::Connect {
                target: self.masked(),
                source,
            })
    }

    /// Run `f` with a fresh, migrated connection on a runtime of its own:
    /// for the commands that are not async (`list`, `show`, `delete`...).
    pub fn blocking<T>(
        &self,
        f: impl AsyncFnOnce(&Client) -> Result<T, PgError>,
    ) -> Result<T, PgError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(PgError::Runtime)?;
        runtime.block_on(async {
            let mut client = self.connect().await?;
            schema::migrate(&mut client).await?;
            f(&client).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_three_spellings() {
        for url in [
            "postgres://hc@db.example.com:5433/hooks",
            "postgresql://hc:pw@10.0.0.5/hooks",
            "postgres:///hooks?host=/run/postgresql&user=hc",
            "POSTGRES://hc@localhost/hooks",
        ] {
            assert!(PgTarget::is_url(url), "{url}");
            PgTarget::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
        assert!(!PgTarget::is_url("/var/lib/hookcatch/relay.db"));
        assert!(!PgTarget::is_url("postgres.db"));
    }

    #[test]
    fn a_password_is_never_shown() {
        let t = PgTarget::parse("postgres://hc:hunter2@db:5432/hooks").unwrap();
        for shown in [t.to_string(), format!("{t:?}"), t.masked()] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("hc:"), "{shown}");
        }
        let t = PgTarget::parse("postgres://hc@db/hooks?password=hunter2").unwrap();
        assert!(!t.to_string().contains("hunter2"));
        // A bad URL's error does not quote the password either.
        let e = PgTarget::parse("postgres://hc:hunter2@db:notaport/hooks").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = PgTarget::parse("postgres://hc:hunter2@db/hooks?sslmode=require").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for (url, why) in [
            ("postgres://hc@db", "no database"),
            ("postgres:///hooks", "no host"),
            ("postgres://hc@db/hooks?sslmode=require", "TLS"),
        ] {
            let e = PgTarget::parse(url).unwrap_err().to_string();
            assert!(e.contains(why), "{url}: {e}");
        }
    }
}
