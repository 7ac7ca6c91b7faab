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
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::arrive::Arrival;
use super::body::read_body;
use super::mode::ResponseMode;
use super::nofile::AcceptPause;
use super::rules::Rule;
use super::settings::{Limits, ResponseConfig};
use super::watch::{self, ConnWatch, Watched};
use crate::inspect::AuthConfig;
use crate::model::{CapturedRequest, HeaderField, Outcome};
use crate::replay::forward::Forwarder;
use crate::store::StoreWriter;

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
        self.serve_with(settings, writer, shutdown, handle).await
    }

    /// [`serve`](Self::serve), with every request handed to `route` (the
    /// relay routes channels, streams and answers; `listen` captures all).
    pub async fn serve_with<R, F, B>(
        self,
        settings: Arc<CaptureSettings>,
        writer: StoreWriter,
        shutdown: CancellationToken,
        route: R,
    ) -> InFlight
    where
        R: Fn(Request<Incoming>, Conn) -> F + Clone + Send + Sync + 'static,
        F: std::future::Future<Output = Result<Response<B>, Dropped>> + Send + 'static,
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.serve_inner(settings, writer, shutdown, route, None)
            .await
    }

    /// [`serve_with`](Self::serve_with) over TLS: each connection's
    /// handshake must finish within the header timeout.
    pub async fn serve_tls<R, F, B>(
        self,
        settings: Arc<CaptureSettings>,
        writer: StoreWriter,
        shutdown: CancellationToken,
        route: R,
        tls: tokio_rustls::TlsAcceptor,
    ) -> InFlight
    where
        R: Fn(Request<Incoming>, Conn) -> F + Clone + Send + Sync + 'static,
        F: std::future::Future<Output = Result<Response<B>, Dropped>> + Send + 'static,
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.serve_inner(settings, writer, shutdown, route, Some(tls))
            .await
    }

    async fn serve_inner<R, F, B>(
        self,
        settings: Arc<CaptureSettings>,
        writer: StoreWriter,
        shutdown: CancellationToken,
        route: R,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> InFlight
    where
        R: Fn(Request<Incoming>, Conn) -> F + Clone + Send + Sync + 'static,
        F: std::future::Future<Output = Result<Response<B>, Dropped>> + Send + 'static,
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
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
            let refused = RefusalTrace {
                writer: writer.clone(),
                remote,
            };
            let requests = in_flight.requests.clone();
            let cut = in_flight.cut.clone();
            let conn_ctx = Conn {
                remote,
                settings,
                writer,
                cut,
                shutdown: shutdown.clone(),
                watch: watch.clone(),
            };
            let route = route.clone();
            let service = service_fn(move |req| {
                // Counted from the head read until the answer is handed to
                // hyper (or the request is cut off).
                let busy = (Busy::enter(&requests), conn_ctx.busy());
                let answer = route(req, conn_ctx.clone());
                async move {
                    let _busy = busy;
                    answer.await
                }
            });
            let watched = Watched::new(stream, watch.clone());
            let silent = async move { watch.expired(timeouts.0, timeouts.1).await };
            let (shutdown, cut) = (shutdown.clone(), in_flight.cut.clone());

            match &tls {
                None => {
                    let conn = builder
                        .serve_connection_with_upgrades(TokioIo::new(watched), service)
                        .into_owned();
                    in_flight
                        .tracker
                        .spawn(connection(conn, silent, shutdown, cut, refused));
                }
                Some(tls) => {
                    let (tls, builder) = (tls.clone(), builder.clone());
                    in_flight.tracker.spawn(async move {
                        let handshake = tokio::time::timeout(timeouts.0, tls.accept(watched));
                        let stream = tokio::select! {
                            done = handshake => match done {
                                Ok(Ok(stream)) => stream,
                                _ => return,
                            },
                            () = cut.cancelled() => return,
                        };
                        let conn = builder
                            .serve_connection_with_upgrades(TokioIo::new(stream), service)
                            .into_owned();
                        connection(conn, silent, shutdown, cut, refused).await;
                    });
                }
            }
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
async fn connection<C>(
    conn: C,
    silent: impl std::future::Future<Output = ()>,
    shutdown: CancellationToken,
    cut: CancellationToken,
    refused: RefusalTrace,
) where
    C: GracefulConnection<Error = Box<dyn std::error::Error + Send + Sync>>,
{
    let mut conn = std::pin::pin!(conn);
    // Malformed requests end here too: hyper has answered 400 and closed,
    // and the refusal leaves its trace. Only one token is watched while
    // serving (each is polled on every wake of the connection); `cut`
    // always comes after `shutdown`.
    tokio::select! {
        ended = conn.as_mut() => return refused.check(ended).await,
        () = silent => {
            // Nothing is in flight: close now (HTTP/2 gets a GOAWAY first).
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SILENT_CLOSE, conn).await;
            return;
        }
        () = shutdown.cancelled() => conn.as_mut().graceful_shutdown(),
    }
    tokio::select! {
        ended = conn => refused.check(ended).await,
        () = cut.cancelled() => {}
    }
}

/// Where a connection's refusal goes: hyper answers a malformed request
/// itself (400, or 431 for a head too large) and ends the connection with
/// a parse error, so no handler ever sees it; the store logs who, when and
/// why (see [`crate::store::refused`]).
struct RefusalTrace {
    writer: StoreWriter,
    remote: SocketAddr,
}

impl RefusalTrace {
    async fn check(self, ended: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
        let Err(e) = ended else { return };
        let Some(e) = e.downcast_ref::<hyper::Error>().filter(|e| e.is_parse()) else {
            return;
        };
        // The store may be failing or closing; the 400 went out regardless.
        let _ = crate::store::refused::record(&self.writer, self.remote.to_string(), e.to_string())
            .await;
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

/// What a route gets besides the request: who sent it and what the
/// listener shares.
#[derive(Clone)]
pub struct Conn {
    pub remote: SocketAddr,
    pub settings: Arc<CaptureSettings>,
    pub writer: StoreWriter,
    /// Cancelled when shutdown stops waiting and cuts connections.
    pub cut: CancellationToken,
    /// Cancelled when the listener stops accepting.
    pub shutdown: CancellationToken,
    watch: Arc<ConnWatch>,
}

impl Conn {
    /// Keeps the connection from counting as idle while held: for an
    /// answer whose body keeps streaming after the handler returned.
    pub fn busy(&self) -> watch::Busy {
        watch::Busy::enter(&self.watch)
    }
}

/// The listener's route: every request is captured.
pub async fn handle(req: Request<Incoming>, conn: Conn) -> Result<Response<Full<Bytes>>, Dropped> {
    let (captured, arrival) = read_request(req, conn.remote, &conn.settings).await;
    super::arrive::store(captured, arrival, &conn.settings, &conn.writer, conn.cut)
        .await
        .answer()
        .await
}

/// Read a request whole within the limits: what arrived, and how.
pub async fn read_request(
    req: Request<Incoming>,
    remote: SocketAddr,
    settings: &CaptureSettings,
) -> (CapturedRequest, Arrival) {
    let started = Instant::now();
    let received_at = Utc::now();
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (body, outcome, client_left) = read_body(body, declared, &settings.limits, started).await;
    let captured = CapturedRequest {
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
    let mut arrival = Arrival::new(started, parts.method, parts.version);
    arrival.close = asks_to_close(&parts.headers);
    arrival.client_left = client_left;
    (captured, arrival)
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
