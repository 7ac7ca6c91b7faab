//! The relay's routes on the listener's accept loop:
//!
//! - `/c/CHANNEL/...` (any method): captured exactly as `listen` captures,
//!   stored with its channel, answered once stored (or, in hold mode, with
//!   the first subscriber's answer);
//! - `GET /_hookcatch/v1/c/CHANNEL/stream`: the channel's SSE stream;
//! - `POST /_hookcatch/v1/c/CHANNEL/answer/ID`: a subscriber's answer;
//! - anything else: 404 with a JSON error.
//!
//! Reading needs the token; a wrong or missing one gets the same 401
//! whether or not anything was ever posted to the channel.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::channels::{Channels, Rate};
use super::hold::{Holds, Taken};
use super::readers::Readers;
use super::stream::{self, StreamCtx};
use super::wire::WireAnswer;
use super::{API_PREFIX, API_ROOT, valid_channel};
use crate::capture::arrive::{self, Awaiter};
use crate::capture::server::{Conn, Dropped, read_request};

pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The statuses a subscriber may answer with: a final answer (a 1xx is not
/// one), and one HTTP defines a class for.
const ANSWER_STATUSES: std::ops::RangeInclusive<u16> = 200..=599;

/// Bytes a subscriber's answer may take, beyond `--max-body` (base64 and JSON).
const ANSWER_OVERHEAD: u64 = 64 * 1024;

/// What every relay route shares.
pub struct Relay {
    /// Reads any channel.
    pub token: String,
    /// `[relay.tokens]`: channel = token, read that channel (as well as `token`).
    pub channel_tokens: BTreeMap<String, String>,
    pub channels: Arc<Channels>,
    pub readers: Arc<Readers>,
    pub holds: Option<Arc<Holds>>,
    pub rate: Option<Rate>,
    pub keepalive: Duration,
    /// The store's identity, sent in each stream's hello.
    pub store_id: Arc<str>,
    /// This relay process among others on the same PostgreSQL database
    /// (a random id; see store/postgres/hold.rs).
    pub instance: Arc<str>,
}

impl Relay {
    /// Does someone follow `channel`: here, or (on PostgreSQL, in hold
    /// mode) on another relay on the same database?
    async fn followed(&self, channel: &str) -> bool {
        if self.channels.streams(channel) > 0 {
            return true;
        }
        match (self.readers.postgres(), &self.holds) {
            (Some(pg), Some(_)) => pg
                .followed_elsewhere(&self.instance, channel)
                .await
                .unwrap_or(false),
            _ => false,
        }
    }
}

fn json_answer(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())).boxed_unsync());
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn not_found() -> Response<Body> {
    json_answer(
        StatusCode::NOT_FOUND,
        &json!({
            "error": "not found",
            "hint": "post to /c/CHANNEL/ANY/PATH (CHANNEL: 1-64 of A-Z a-z 0-9 _ -)",
        }),
    )
}

/// A URL under `/_hookcatch/` that is none of the API's.
fn api_not_found() -> Response<Body> {
    json_answer(
        StatusCode::NOT_FOUND,
        &json!({ "error": "no such API URL", "hint": API_HINT }),
    )
}

/// The API's URLs, for its errors.
const API_HINT: &str = "GET /_hookcatch/v1/c/CHANNEL/stream or \
     POST /_hookcatch/v1/c/CHANNEL/answer/ID, with Authorization: Bearer TOKEN \
     (CHANNEL: 1-64 of A-Z a-z 0-9 _ -; ID: a request id, 1 or more)";

fn unauthorized() -> Response<Body> {
    let mut response = json_answer(
        StatusCode::UNAUTHORIZED,
        &json!({ "error": "unauthorized: send Authorization: Bearer TOKEN" }),
    );
    response.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        http::HeaderValue::from_static("Bearer"),
    );
    response
}

/// Equal tokens, compared in time that depends on neither (digests of
/// equal length, compared in constant time).
fn same_token(given: &[u8], expected: &str) -> bool {
    let a = Sha256::digest(given);
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}

impl Relay {
    /// The request carries a token that may read `channel`.
    fn authorized(&self, req: &Request<Incoming>, channel: &str) -> bool {
        let Some(given) = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(http::HeaderValue::as_bytes)
            .and_then(|v| {
                v.get(..7)
                    .filter(|p| p.eq_ignore_ascii_case(b"bearer "))
                    .map(|_| v[7..].trim_ascii())
            })
        else {
            return false;
        };
        // Both compared whatever the first gives: the time says nothing of
        // which token matched, or whether the channel has one of its own.
        let global = same_token(given, &self.token);
        let own = self
            .channel_tokens
            .get(channel)
            .is_some_and(|t| same_token(given, t));
        global | own
    }
}

/// Route one request (see the module docs).
pub async fn route(
    relay: Arc<Relay>,
    req: Request<Incoming>,
    conn: Conn,
) -> Result<Response<Body>, Dropped> {
    let path = req.uri().path().to_string();
    if path == API_ROOT.trim_end_matches('/') || path.starts_with(API_ROOT) {
        return Ok(api(&relay, req, conn, &path).await);
    }
    let Some(channel) = path
        .strip_prefix("/c/")
        .map(|rest| rest.split('/').next().unwrap_or(rest))
        .filter(|c| valid_channel(c))
        .map(str::to_string)
    else {
        return Ok(not_found());
    };
    if let Some(rate) = relay.rate
        && let Err(wait) = relay.channels.admit(&channel, rate, Instant::now())
    {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        let mut response = json_answer(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({ "error": "too many requests for this channel", "retry_after": secs }),
        );
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        return Ok(response);
    }
    capture(&relay, req, conn, channel).await
}

/// A post to a channel: the capture path, with the channel, and in hold
/// mode the first subscriber's answer.
async fn capture(
    relay: &Arc<Relay>,
    req: Request<Incoming>,
    conn: Conn,
    channel: String,
) -> Result<Response<Body>, Dropped> {
    let (captured, mut arrival) = read_request(req, conn.remote, &conn.settings).await;
    arrival.channel = Some(channel.clone());
    // Held only while someone follows the channel; else the relay answers
    // at once (and says why in the record).
    let followed = relay.holds.is_some() && relay.followed(&channel).await;
    let holding = relay.holds.clone().filter(|_| followed);
    // Reserved before it is stored: an early answer is kept only for a
    // request that may still become its id (see hold.rs).
    let reservation = holding.as_ref().map(|holds| holds.reserve(&channel));
    let registered = Arc::new(std::sync::Mutex::new(None));
    if let Some(holds) = &holding {
        let (holds, channel, slot) = (holds.clone(), channel.clone(), registered.clone());
        // A stopping relay ends every hold at once with its own answer.
        let stopping = conn.shutdown.clone();
        let awaiter: Awaiter = Box::new(move |id| {
            Box::pin(async move {
                let rx = slot
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                match rx {
                    Some(rx) => holds.wait(&channel, id, rx, &stopping).await,
                    None => Err("relay's own answer: not held".to_string()),
                }
            })
        });
        arrival.hold = Some(awaiter);
    } else if relay.holds.is_some() {
        arrival.note = Some("relay's own answer: no subscriber connected".to_string());
    }
    let answering = arrive::store(
        captured,
        arrival,
        &conn.settings,
        &conn.writer,
        conn.cut.clone(),
    )
    .await;
    if let Some(id) = answering.id {
        // Registered before the streams are woken, so an answer is never
        // missed; then the streams read it from the store. What the relay
        // answers itself (a limit, an auth refusal) is not held.
        match reservation {
            Some(reservation) if answering.held() => {
                let rx = reservation.register(id);
                *registered
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(rx);
            }
            Some(reservation) => reservation.not_held(id),
            None => {
                if let Some(holds) = &relay.holds {
                    holds.seen(id);
                }
            }
        }
        relay.channels.stored(&channel, id);
    }
    let response = answering.answer().await?;
    Ok(response.map(BodyExt::boxed_unsync))
}

/// `/_hookcatch/v1/c/CHANNEL/stream` and `/_hookcatch/v1/c/CHANNEL/answer/ID`;
/// anything else under `/_hookcatch/` gets the API's own 404 (or 400 for an
/// ID that is not a request id).
async fn api(relay: &Arc<Relay>, req: Request<Incoming>, conn: Conn, path: &str) -> Response<Body> {
    let Some(rest) = path.strip_prefix(API_PREFIX) else {
        return api_not_found();
    };
    let mut parts = rest.splitn(3, '/');
    let (Some(channel), Some(action)) = (parts.next(), parts.next()) else {
        return api_not_found();
    };
    let id = parts.next();
    if !valid_channel(channel) {
        return api_not_found();
    }
    match (req.method(), action, id) {
        (&Method::GET, "stream", None) => {
            if !relay.authorized(&req, channel) {
                return unauthorized();
            }
            open_stream(relay, &req, conn, channel)
        }
        (&Method::POST, "answer", Some(id)) => {
            if !relay.authorized(&req, channel) {
                return unauthorized();
            }
            let Some(id) = id.parse().ok().filter(|id: &i64| *id > 0) else {
                return json_answer(
                    StatusCode::BAD_REQUEST,
                    &json!({
                        "error": "ID must be a request id (a whole number, 1 or more)",
                        "hint": API_HINT,
                    }),
                );
            };
            take_answer(relay, req, &conn, channel, id).await
        }
        _ => api_not_found(),
    }
}

fn open_stream(
    relay: &Arc<Relay>,
    req: &Request<Incoming>,
    conn: Conn,
    channel: &str,
) -> Response<Body> {
    let from_header = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let from_query = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("after=")));
    let after = match from_header.or(from_query).map(str::parse::<i64>) {
        None => 0,
        Some(Ok(id)) if id >= 0 => id,
        Some(_) => {
            return json_answer(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "Last-Event-ID and ?after= take a request id (0 or more)" }),
            );
        }
    };
    let ctx = StreamCtx {
        channel: channel.to_string(),
        store_id: relay.store_id.clone(),
        after,
        readers: relay.readers.clone(),
        following: relay.channels.follow(channel),
        last_out: relay.holds.as_ref().map(|holds| super::hold::LastOut {
            holds: holds.clone(),
            channels: relay.channels.clone(),
            channel: channel.to_string(),
            stopping: conn.shutdown.clone(),
        }),
        shutdown: conn.shutdown.clone(),
        busy: conn.busy(),
        hold: relay.holds.as_ref().map(|h| h.secs),
        keepalive: relay.keepalive,
    };
    let mut response = Response::new(stream::body(ctx));
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-cache"),
    );
    // nginx buffers proxied answers unless told not to.
    headers.insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    response
}

/// A header HTTP can carry as it is: a valid name, and a value without CR,
/// LF or another control character but tab.
fn carried(h: &crate::model::HeaderField) -> bool {
    http::HeaderName::from_bytes(h.name.as_bytes()).is_ok()
        && http::HeaderValue::from_bytes(&h.value).is_ok()
}

async fn take_answer(
    relay: &Arc<Relay>,
    req: Request<Incoming>,
    conn: &Conn,
    channel: &str,
    id: i64,
) -> Response<Body> {
    let Some(holds) = &relay.holds else {
        return json_answer(
            StatusCode::NOT_FOUND,
            &json!({
                "error": "this relay does not hold answers",
                "hint": "start it with --hold SECS (or HOOKCATCH_HOLD, or hold in [relay])",
            }),
        );
    };
    let limit = conn.settings.limits.max_body.saturating_mul(2) + ANSWER_OVERHEAD;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let bytes = match Limited::new(req.into_body(), limit).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return json_answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                &json!({ "error": "answer too large or cut short" }),
            );
        }
    };
    let answer = serde_json::from_slice::<WireAnswer>(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|a| a.into_response().map_err(|e| e.to_string()));
    let answer = match answer {
        Ok(answer) if !ANSWER_STATUSES.contains(&answer.status) => {
            return json_answer(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "status must be 200-599" }),
            );
        }
        Ok(answer) if let Some(at) = answer.headers.iter().position(|h| !carried(h)) => {
            // Dropped silently, the sender would get less than was answered.
            return json_answer(
                StatusCode::BAD_REQUEST,
                &json!({
                    "error": format!(
                        "header {} (counting from 0) cannot be sent over HTTP: \
                         its name is not a token or its value holds CR, LF or \
                         another control character",
                        at
                    ),
                }),
            );
        }
        Ok(answer) => answer,
        Err(why) => {
            return json_answer(
                StatusCode::BAD_REQUEST,
                &json!({ "error": format!("not an answer: {why}") }),
            );
        }
    };
    // On PostgreSQL the sender may be held by another relay: the answer
    // goes through the database, and the holding relay hears of it.
    let used = match relay.readers.postgres() {
        Some(pg) => match pg.post_answer(channel, id, &answer).await {
            Ok(used) => used,
            Err(e) => {
                return json_answer(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &json!({ "error": format!("could not store the answer: {e}") }),
                );
            }
        },
        None => holds.answer(channel, id, answer) == Taken::Used,
    };
    json_answer(StatusCode::OK, &json!({ "used": used }))
}
