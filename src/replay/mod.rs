//! Sending captured requests again: replay (`hookcatch replay`, `r`), edited
//! replay (`e`), Pingara's retry ladder (`--ladder`, `R`) and forwarding to
//! the user's app (`--forward`). Every attempt becomes a [`Delivery`] stored
//! beside the request; the request itself is never changed.
//!
//! ```text
//! CapturedRequest + target ──build (pure)──▶ Outgoing ──send──▶ Answer ──▶ Delivery (stored)
//! ```
//!
//! The TUI uses [`Replayer`]: `replay_once`, `replay_edited`, `ladder`.

pub mod build;
pub mod diff;
pub mod forward;
pub mod ladder;
pub mod send;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use chrono::Utc;

pub use build::{BuildError, Edits, Outgoing, Target};
pub use ladder::{LadderEvent, LadderHandle, LadderOutcome};
pub use send::{Answer, SendOptions, Sender};

use crate::model::{CapturedRequest, RequestId};
use crate::store::{Delivery, DeliveryKind, Location, StoreError, StoreWriter, deliveries, query};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("no request #{0} in the store")]
    NotFound(RequestId),
    #[error("cannot replay: {0}")]
    Build(#[from] BuildError),
    #[error("cannot read the store: {0}")]
    Read(#[source] ReadError),
    #[error("cannot record the delivery: {0}")]
    Store(#[from] StoreError),
}

/// Why the request to replay could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Open(StoreError),
    #[error(transparent)]
    Query(rusqlite::Error),
    /// The blocking read panicked or was cancelled.
    #[error(transparent)]
    Task(tokio::task::JoinError),
}

/// Where a replay goes when no `--to` is given: the forward target, else the
/// config's `replay_to`, else hookcatch's own listener (where the new capture
/// is marked as a retry of the original by duplicate detection).
pub fn choose_target(
    to: Option<&str>,
    forward: Option<&str>,
    replay_to: Option<&str>,
    listen: SocketAddr,
) -> String {
    [to, forward, replay_to]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|t| !t.is_empty())
        .map_or_else(|| own_url(listen), str::to_string)
}

/// Where `replay` and `send-test` send, and how that was decided.
#[derive(Debug, PartialEq, Eq)]
pub struct CliTarget {
    pub url: String,
    /// Nothing was given and no listener runs on the store: `url` is only
    /// the configured port, where nothing may answer.
    pub guessed: bool,
}

/// Where `replay` and `send-test` send: the first of `given` (in order: for
/// `replay` `--to`, `--port`, the forward target and `replay_to`; for
/// `send-test` `--to` and `--port`), else the listener running on `store`
/// (its URL as it recorded it when it started), else the configured
/// `listen` address as a last resort.
pub fn cli_target(given: &[Option<&str>], store: &Location, listen: SocketAddr) -> CliTarget {
    if let Some(url) = given
        .iter()
        .flatten()
        .map(|t| t.trim())
        .find(|t| !t.is_empty())
    {
        return CliTarget {
            url: url.to_string(),
            guessed: false,
        };
    }
    match crate::store::meta::running_listener(store) {
        Some(url) => CliTarget {
            url,
            guessed: false,
        },
        None => CliTarget {
            url: own_url(listen),
            guessed: true,
        },
    }
}

/// `--port N`: hookcatch on this machine.
pub fn port_url(port: u16) -> String {
    own_url(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
}

/// The listener's URL as a client reaches it (`0.0.0.0` means loopback).
pub fn own_url(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, listen.port()))
}

/// Everything an interface needs for replay (`r`), edited replay (`e`) and
/// the ladder (`R`): the replayer, where a replay goes when the user does not
/// choose (see [`choose_target`]), and the ladder's scale. Cheap to clone.
#[derive(Clone)]
pub struct ReplayKit {
    pub replayer: Replayer,
    pub target: String,
    pub ladder_scale: f64,
}

/// What replay is configured with: where a replay goes by default, how long
/// it waits, whether it trusts self-signed certificates, and the ladder's
/// scale. Owned here; the wiring (`app/`) fills it from the configuration.
#[derive(Clone, Debug)]
pub struct ReplaySettings {
    pub target: String,
    pub send: SendOptions,
    pub ladder_scale: f64,
}

impl ReplayKit {
    /// A kit over the store at `location`, recording through `writer`.
    pub fn new(settings: ReplaySettings, location: Location, writer: StoreWriter) -> ReplayKit {
        ReplayKit {
            replayer: Replayer::new(location, writer, settings.send),
            target: settings.target,
            ladder_scale: settings.ladder_scale,
        }
    }
}

/// Replays requests from one store and records their deliveries. Cheap to
/// clone; clones share the HTTP connection pools.
#[derive(Clone)]
pub struct Replayer {
    location: Location,
    writer: StoreWriter,
    sender: Sender,
}

impl Replayer {
    pub fn new(location: Location, writer: StoreWriter, options: SendOptions) -> Replayer {
        Replayer {
            location,
            writer,
            sender: Sender::new(options),
        }
    }

    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    pub fn writer(&self) -> &StoreWriter {
        &self.writer
    }

    /// Read a captured request (on a blocking thread).
    pub async fn load(&self, id: RequestId) -> Result<CapturedRequest, ReplayError> {
        let location = self.location.clone();
        let read = tokio::task::spawn_blocking(move || {
            let conn = location.open_reader().map_err(ReadError::Open)?;
            query::get(&conn, id).map_err(ReadError::Query)
        })
        .await
        .map_err(|e| ReplayError::Read(ReadError::Task(e)))?;
        match read.map_err(ReplayError::Read)? {
            Some(stored) => Ok(stored.request),
            None => Err(ReplayError::NotFound(id)),
        }
    }

    /// Send the request to `target` as it came and record the delivery.
    pub async fn replay_once(&self, id: RequestId, target: &str) -> Result<Delivery, ReplayError> {
        self.deliver(id, target, DeliveryKind::Replay, &Edits::default())
            .await
    }

    /// Send an edited copy (the original stays untouched); recorded as `edited`.
    pub async fn replay_edited(
        &self,
        id: RequestId,
        target: &str,
        edits: &Edits,
    ) -> Result<Delivery, ReplayError> {
        self.deliver(id, target, DeliveryKind::Edited, edits).await
    }

    /// Load, send, record. The returned delivery carries its stored id.
    pub async fn deliver(
        &self,
        id: RequestId,
        target: &str,
        kind: DeliveryKind,
        edits: &Edits,
    ) -> Result<Delivery, ReplayError> {
        let target = Target::parse(target)?;
        let req = self.load(id).await?;
        self.deliver_loaded(&req, &target, kind, edits).await
    }

    /// Send an already loaded request and record the delivery.
    pub async fn deliver_loaded(
        &self,
        req: &CapturedRequest,
        target: &Target,
        kind: DeliveryKind,
        edits: &Edits,
    ) -> Result<Delivery, ReplayError> {
        let mut delivery = attempt(&self.sender, req, target, kind, edits).await?;
        delivery.id = deliveries::insert(&self.writer, delivery.clone()).await?;
        Ok(delivery)
    }

    /// Start Pingara's retry schedule for a request (see [`ladder`]).
    pub fn ladder(&self, id: RequestId, target: &str, scale: f64) -> LadderHandle {
        ladder::start_replay(self.clone(), id, target.to_string(), scale)
    }
}

/// Build and send once; the delivery is not stored (id 0).
pub async fn attempt(
    sender: &Sender,
    req: &CapturedRequest,
    target: &Target,
    kind: DeliveryKind,
    edits: &Edits,
) -> Result<Delivery, BuildError> {
    let edited;
    let source = if edits.is_empty() {
        req
    } else {
        edited = edits.apply(req);
        &edited
    };
    let path = match kind {
        DeliveryKind::Forward => target.for_forward(&source.target),
        _ => target.for_replay(&source.target),
    };
    let out = build::build(source, target, &path)?;
    let at = Utc::now();
    let answer = sender.send(&out).await;
    Ok(delivery_from(req.id, kind, &out, answer, at, edits))
}

/// The record of one attempt.
pub fn delivery_from(
    request_id: RequestId,
    kind: DeliveryKind,
    out: &Outgoing,
    answer: Answer,
    at: chrono::DateTime<Utc>,
    edits: &Edits,
) -> Delivery {
    Delivery {
        id: 0,
        request_id,
        at,
        kind,
        target: out.url.clone(),
        method: out.method.clone(),
        path: out.path.clone(),
        status: answer.status,
        latency_ms: answer.latency_ms,
        error: answer.error,
        response_headers: answer.headers,
        response_body: answer.body,
        sent_headers: edits.headers.as_ref().map(|_| out.headers.clone()),
        sent_body: edits.body.clone(),
    }
}

/// `hookcatch replay` as a library call: open a client, replay once, record.
pub async fn replay_once(
    store: &Location,
    writer: &StoreWriter,
    request_id: RequestId,
    target: &str,
    options: SendOptions,
) -> Result<Delivery, ReplayError> {
    let replayer = Replayer::new(store.clone(), writer.clone(), options);
    replayer.replay_once(request_id, target).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_precedence() {
        let listen: SocketAddr = "0.0.0.0:9797".parse().unwrap();
        assert_eq!(
            choose_target(Some("http://a"), Some("http://b"), Some("http://c"), listen),
            "http://a"
        );
        assert_eq!(
            choose_target(None, Some("http://b"), Some("http://c"), listen),
            "http://b"
        );
        assert_eq!(
            choose_target(None, None, Some("http://c"), listen),
            "http://c"
        );
        assert_eq!(
            choose_target(None, None, None, listen),
            "http://127.0.0.1:9797"
        );
        let v6: SocketAddr = "[::]:1".parse().unwrap();
        assert_eq!(own_url(v6), "http://[::1]:1");
    }
}
