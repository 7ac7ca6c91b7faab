//! Accept loop and per-request handling on hyper 1.x.
//!
//! A request is read whole (within `--max-body` and the body timeout), handed
//! to the store writer, and answered only once its transaction has committed
//! (in drop mode the connection is closed instead; in forward proxy mode the
//! answer waits for the app's). Whatever a client sends, the worst outcome is
//! an error answer and a record of what went wrong; the accept loop never
//! stops for a client's sake.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulConnection;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::body::read_body;
use super::mode::ResponseMode;
use super::nofile::AcceptPause;
use super::respond::{Decision, Planned, plan};
use super::rules::Rule;
use super::settings::{Limits, ResponseConfig};
use super::watch::{self, ConnWatch, Watched};
use crate::inspect::{self, AuthConfig};
use crate::model::{CapturedRequest, HeaderField, Outcome, PENDING};
use crate::replay::forward::Forwarder;
use crate::store::{NewRequest, StoreWriter};

/// How long in-flight requests get to finish after Ctrl-C, SIGTERM or quit
/// (see [`InFlight`]).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Everything the request path needs, shared by all connections.
pub struct CaptureSettings {
    pub response: ResponseConfig,
    pub limits: Limits,
    pub auth: AuthConfig,
    pub enforce_auth: bool,
    /// Response rules, first match wins; `response` is the default rule.
    pub rules: Vec<Rule>,
    /// The live override, shared with whoever switches it (the TUI).
    pub mode: Arc<ResponseMode>,
    /// `--forward`: where every accepted request is also sent.
    pub forward: Option<Forwarder>,
}

impl CaptureSettings {
    /// Only the default answer: no rules, normal mode, no forwarding.
    pub fn new(response: ResponseConfig, limits: Limits, auth: AuthConfig) -> Self {
        CaptureSettings {
            response,
            limits,
            auth,
            enforce_auth: false,
            rules: Vec::new(),
            mode: Arc::new(ResponseMode::default()),
            forward: None,
        }
    }
}

/// The answer in drop mode: no answer. hyper closes the connection when a
/// service fails, without writing a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped (response mode drop)")]
pub struct Dropped;

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error(
        "port {port} on {ip} is already in use; pick another with --port N (0 picks a free one)"
    )]
    InUse { ip: std::net::IpAddr, port: u16 },
    #[error("cannot listen on {addr}: {source}{hint}")]
    Other {
        addr: SocketAddr,
        source: std::io::Error,
        hint: &'static str,
    },
}

/// A bound listening socket, not yet serving.
pub struct Listener {
    tcp: TcpListener,
    pub local_addr: SocketAddr,
}

impl Listener {
    pub async fn bind(addr: SocketAddr) -> Result<Listener, BindError> {
        let tcp = TcpListener::bind(addr)
            .await
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AddrInUse => BindError::InUse {
                    ip: addr.ip(),
                    port: addr.port(),
                },
                std::io::ErrorKind::PermissionDenied => BindError::Other {
                    addr,
                    source,
                    hint: " (ports below 1024 need privileges; try --port 9797)",
                },
                _ => BindError::Other {
                    addr,
                    source,
                    hint: " (is --bind an address of this machine?)",
                },
            })?;
        let local_addr = tcp.local_addr().map_err(|source| BindError::Other {
            addr,
            source,
            hint: "",
        })?;
        Ok(Listener { tcp, local_addr })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Serve until `shutdown` is cancelled. Then the socket is closed and
    /// every connection is asked to finish the request it is on and close
    /// (idle ones close at once); what is still open is returned, for the
    /// caller to wait on within [`SHUTDOWN_GRACE`] and then cut.
    pub async fn serve(
        self,
        settings: Arc<CaptureSettings>,
        writer: StoreWriter,
        shutdown: CancellationToken,
    ) -> InFlight {
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            // Off: it also runs between keep-alive requests, cutting idle
            // connections at the header timeout; the watchdog times heads.
            .header_read_timeout(None)
            .max_headers(settings.limits.max_headers)
            .max_buf_size(settings.limits.max_header_bytes)
            .keep_alive(true);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(settings.limits.max_header_bytes as u32);
        let in_flight = InFlight::default();
        let mut pause = AcceptPause::default();
        let timeouts = (settings.limits.header_timeout, settings.limits.idle_timeout);

        loop {
            let (stream, remote) = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = self.tcp.accept() => match accepted {
                    Ok(pair) => {
                        pause.resumed();
                        pair
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: a pause, not
                        // a crash; the connections already open are served.
                        let wait = pause.failed(&e);
                        tokio::select! {
                            () = shutdown.cancelled() => break,
                            () = tokio::time::sleep(wait) => continue,
                        }
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let watch = ConnWatch::new();
            let settings = settings.clone();
            let writer = writer.clone();
            let requests = in_flight.requests.clone();
            let cut = in_flight.cut.clone();
            let on_conn = watch.clone();
            let service = service_fn(move |req| {
                // Counted from the head read until the answer is handed to
                // hyper (or the request is cut off).
                let busy = (Busy::enter(&requests), watch::Busy::enter(&on_conn));
                let answer = handle(req, remote, settings.clone(), writer.clone(), cut.clone());
                async move {
                    let _busy = busy;
                    answer.await
                }
            });
            let io = TokioIo::new(Watched::new(stream, watch.clone()));
            let conn = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            let silent = async move { watch.expired(timeouts.0, timeouts.1).await };
            in_flight.tracker.spawn(connection(
                conn,
                silent,
                shutdown.clone(),
                in_flight.cut.clone(),
            ));
        }
        drop(self.tcp);
        in_flight.tracker.close();
        in_flight
    }
}

/// One connection: served until it closes, or until `silent` says it has
/// been quiet too long (see [`watch`](super::watch)); once `shutdown` comes it
/// finishes the request it is on and closes; `cut` drops it wherever it is
/// (its handler too, and with it the handler's store handle).
async fn connection<C: GracefulConnection>(
    conn: C,
    silent: impl std::future::Future<Output = ()>,
    shutdown: CancellationToken,
    cut: CancellationToken,
) {
    let mut conn = std::pin::pin!(conn);
    // Malformed requests end here too: hyper has answered 400 and closed.
    // Only one token is watched while serving (each is polled on every wake
    // of the connection); `cut` always comes after `shutdown`.
    tokio::select! {
        _ = conn.as_mut() => return,
        () = silent => {
            // Nothing is in flight: close now (HTTP/2 gets a GOAWAY first).
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SILENT_CLOSE, conn).await;
            return;
        }
        () = shutdown.cancelled() => conn.as_mut().graceful_shutdown(),
    }
    tokio::select! {
        _ = conn => {}
        () = cut.cancelled() => {}
    }
}

/// How long a connection closed for silence gets to say goodbye.
const SILENT_CLOSE: Duration = Duration::from_secs(1);

/// The connections still open after the listener stopped accepting, and
/// the requests among them still being handled.
#[derive(Default)]
pub struct InFlight {
    tracker: TaskTracker,
    cut: CancellationToken,
    requests: Arc<AtomicUsize>,
}

impl InFlight {
    /// Requests read (or being read) and not yet answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Connections still open (each request in flight holds one).
    pub fn connections(&self) -> usize {
        self.tracker.len()
    }

    /// Resolves once every connection has closed by itself.
    pub async fn finished(&self) {
        self.tracker.wait().await;
    }

    /// Close every connection now, whatever it is doing: a request still
    /// arriving is dropped unrecorded and unanswered; one already stored
    /// stays stored. Resolves once they are all gone.
    pub async fn cut(&self) {
        self.cut.cancel();
        self.tracker.wait().await;
    }
}

/// Counts one request in flight while it lives.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn enter(count: &Arc<AtomicUsize>) -> Busy {
        count.fetch_add(1, Ordering::SeqCst);
        Busy(count.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `HTTP/1.1` and so on, as `http::Version`'s Debug form writes them
/// (stored and shown as is), without running the formatter per request.
fn version_label(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_11 => "HTTP/1.1",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/?",
    }
}

/// The target as sent: origin-form path and query, or the absolute URI a
/// proxy-style client sent; HTTP/2 carries only path and query.
fn request_target(parts: &http::request::Parts) -> String {
    let uri = &parts.uri;
    if parts.version != http::Version::HTTP_2 && uri.authority().is_some() {
        return uri.to_string();
    }
    uri.path_and_query()
        .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string())
}

async fn handle(
    req: Request<Incoming>,
    remote: SocketAddr,
    settings: Arc<CaptureSettings>,
    writer: StoreWriter,
    cut: CancellationToken,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let started = Instant::now();
    let received_at = Utc::now();
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (body, outcome, client_left) = read_body(body, declared, &settings.limits, started).await;
    let mut captured = CapturedRequest {
        id: 0,
        received_at,
        remote_addr: remote.to_string(),
        method: parts.method.as_str().to_string(),
        target: request_target(&parts),
        http_version: version_label(parts.version).to_string(),
        headers: request_headers(&parts),
        body_size: match &outcome {
            Outcome::TooLarge { seen, .. } => *seen,
            _ => body.len() as u64,
        },
        body,
        outcome,
        response: None,
        response_reason: None,
    };

    let summary = inspect::summarize(&captured, &settings.auth, received_at);
    let decision = plan(
        &captured,
        &settings,
        settings.mode.get(),
        summary.auth.verdict,
    );
    let proxy = decision == Decision::Proxy;
    // A client that left mid-body can be sent nothing: recorded unanswered.
    let dropping = client_left || matches!(decision, Decision::Drop { .. });
    let (planned, forward) = match decision {
        _ if client_left => (None, false),
        Decision::Answer { planned, forward } => (Some(planned), forward),
        Decision::Drop { forward } => (None, forward),
        Decision::Proxy => (None, true),
    };
    let delay = planned.as_ref().map_or(Duration::ZERO, |p| p.delay);
    // Built now so the record is what goes out; a proxied request gets the
    // app's answer once it has one.
    let mut later = None;
    let response = planned.map(|mut p| {
        // hyper answers `Connection: close` in kind; set here, it is recorded.
        p.close |= asks_to_close(&parts.headers);
        let (response, record) = p.into_response(&parts.method, parts.version);
        if delay.is_zero() {
            captured.response = Some(record);
        } else {
            // Not sent yet: stored pending, recorded when it goes out.
            later = Some(record);
        }
        response
    });
    let forwarding = settings
        .forward
        .as_ref()
        .filter(|_| forward)
        .map(|f| (f, captured.clone()));
    // Proxied: the app's answer is recorded once it comes.
    let awaiting_answer = (proxy && forwarding.is_some()) || later.is_some();
    captured.response_reason = if awaiting_answer {
        Some(PENDING.to_string())
    } else if client_left {
        Some("client went away mid-body".to_string())
    } else if response.is_none() {
        Some(Dropped.to_string())
    } else {
        None
    };
    let new = NewRequest::from_captured(captured, started, delay, summary.keys())
        // The verdict is decided here, once, with the listener's secrets, and
        // stored: no reader judges this request again.
        .with_findings(inspect::stored::to_stored(
            &summary,
            crate::model::findings::Judged::AtArrival,
        ));

    let id = match writer.insert(new).await {
        Ok(id) => id,
        Err(e) => {
            if dropping {
                return Err(Dropped);
            }
            // Never 2xx for what was not stored; the writer tells watchers why.
            let message = format!("hookcatch could not store this request: {e}");
            let (response, _) = Planned::error(503, &message, json!({}))
                .into_response(&parts.method, parts.version);
            return Ok(response);
        }
    };
    // Stored pending: if this future is dropped before the answer goes out
    // (the client hung up, or shutdown cut it), the record says so.
    let unsent = awaiting_answer.then(|| Unsent {
        writer: writer.clone(),
        id,
        started,
        cut,
        armed: true,
    });
    if let Some((forwarder, mut copy)) = forwarding {
        copy.id = id;
        if proxy {
            let response = forwarder.proxy(&writer, id, &copy, started).await;
            if let Some(unsent) = unsent {
                unsent.disarm();
            }
            return Ok(response);
        }
        forwarder.spawn(writer.clone(), copy);
    }
    let Some(response) = response else {
        return Err(Dropped);
    };
    if let Some(mut record) = later {
        tokio::time::sleep(delay).await;
        if let Some(unsent) = unsent {
            unsent.disarm();
        }
        record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        writer.set_response(id, record).await;
    }
    Ok(response)
}

/// A request stored pending whose answer has not gone out. Dropped armed
/// (its handler dropped: hyper saw the client close, or shutdown cut it),
/// it records that no answer was sent, and why.
struct Unsent {
    writer: StoreWriter,
    id: crate::model::RequestId,
    started: Instant,
    cut: CancellationToken,
    armed: bool,
}

impl Unsent {
    /// The answer is on its way; nothing to record here.
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Unsent {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let reason = if self.cut.is_cancelled() {
            "listener stopped before answering".to_string()
        } else {
            format!(
                "client gave up after {:.1} s",
                self.started.elapsed().as_secs_f64()
            )
        };
        // Synchronous: queued before this handler's store handle goes, so
        // it commits even when shutdown ends the writer next.
        self.writer.try_set_no_answer(self.id, reason);
    }
}

/// The client said `Connection: close` (any token of any Connection header).
fn asks_to_close(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("close"))
}

/// The request's headers as received. HTTP/2 carries the host in the
/// `:authority` pseudo-header, which hyper keeps in the URI: it is recorded
/// as `host`, first, unless the client also sent a `host` header.
fn request_headers(parts: &http::request::Parts) -> Vec<HeaderField> {
    let authority = parts
        .uri
        .authority()
        .filter(|_| parts.version == http::Version::HTTP_2)
        .filter(|_| !parts.headers.contains_key(http::header::HOST));
    authority
        .map(|a| HeaderField::new("host", a.as_str()))
        .into_iter()
        .chain(
            parts
                .headers
                .iter()
                .map(|(name, value)| HeaderField::new(name.as_str(), value.as_bytes())),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stores written before `version_label` hold the Debug form; keep it.
    #[test]
    fn version_label_matches_the_stored_debug_form() {
        for v in [
            http::Version::HTTP_09,
            http::Version::HTTP_10,
            http::Version::HTTP_11,
            http::Version::HTTP_2,
            http::Version::HTTP_3,
        ] {
            assert_eq!(version_label(v), format!("{v:?}"));
        }
    }
}
