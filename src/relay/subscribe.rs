//! `listen --from URL --token TOKEN`: follow a relay channel's stream and
//! capture each request in this listener's store, through the same path a
//! request arriving on the local port takes (judged with this listener's
//! secrets, rules, mode and `--forward`).
//!
//! Requests are stored one after another, in the relay's order; each
//! copy's transaction also moves the cursor (the last relay id stored for
//! this relay and channel), so a restart resumes after it: nothing lost,
//! nothing twice. Answers run beside the stream; a held request's answer is
//! posted back to the relay.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::events::{Event, Events};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::wire::{WireAnswer, WireRequest};
use crate::capture::CaptureSettings;
use crate::capture::arrive::{self, Arrival, answer_parts};
use crate::model::{RelayRef, RequestId};
use crate::replay::send::{SendOptions, Sender};
use crate::store::{StoreWriter, query};

/// The first wait before reconnecting; it doubles up to [`BACKOFF_MAX`].
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A stream that sends no byte this long is taken for dead (the relay
/// sends a comment every 15 s).
pub const SILENCE: Duration = Duration::from_secs(45);

/// A relay channel: `http(s)://HOST[:PORT][/PREFIX]/c/CHANNEL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Everything before `/c/CHANNEL` (a reverse proxy may add a prefix).
    pub base: String,
    pub channel: String,
}

/// What a relay channel's URL looks like, for every message about one.
const SHAPE: &str = "expected http(s)://HOST[:PORT]/c/CHANNEL (CHANNEL: 1-64 of A-Z a-z 0-9 _ -)";

impl Source {
    /// Parse and normalize a relay channel's URL: the scheme and host
    /// lowercased and a default port dropped, so every spelling of one
    /// relay is shown, and finds its cursor, the same way. A user and
    /// password in the URL are dropped here: the relay reads `--token`,
    /// and the base is stored with every copied request and shown
    /// everywhere, so it must never carry a password.
    pub fn parse(url: &str) -> Result<Source, String> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(SHAPE.into());
        };
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(SHAPE.into()),
        };
        if url.contains(['?', '#']) {
            return Err(SHAPE.into());
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        // A host that no request could be sent to (`http://[::1/c/x`) is a
        // usage error now, not a reconnect loop later.
        let host = format!("{scheme}://{host_port}/")
            .parse::<http::Uri>()
            .ok()
            .and_then(|uri| {
                let host = uri.host().filter(|h| !h.is_empty())?.to_ascii_lowercase();
                Some(match uri.port_u16() {
                    Some(port) if port != default_port => format!("{host}:{port}"),
                    _ => host,
                })
            })
            .ok_or_else(|| format!("the host is not valid; {SHAPE}"))?;
        let path = path.strip_suffix('/').unwrap_or(path);
        let Some(at) = path.rfind("/c/") else {
            return Err(SHAPE.into());
        };
        let (prefix, channel) = (&path[..at], &path[at + 3..]);
        // `http://h//c/x` would pass and then 404: an empty segment is
        // never part of a relay's path.
        if prefix.split('/').skip(1).any(str::is_empty) {
            return Err(format!("the path has an empty segment; {SHAPE}"));
        }
        // The relay answers 404 for such a name: said here, before connecting.
        if !super::valid_channel(channel) {
            return Err(format!(
                "the channel name \"{}\" is invalid: a channel is 1-64 of [A-Za-z0-9_-]",
                crate::text::sanitize(channel)
            ));
        }
        Ok(Source {
            base: format!("{scheme}://{host}{prefix}"),
            channel: channel.to_string(),
        })
    }

    fn stream_url(&self, after: RequestId) -> String {
        format!(
            "{}{}{}/stream?after={after}",
            self.base,
            super::API_PREFIX,
            self.channel
        )
    }

    fn answer_url(&self, id: RequestId) -> String {
        format!(
            "{}{}{}/answer/{id}",
            self.base,
            super::API_PREFIX,
            self.channel
        )
    }
}

/// Everything a subscriber needs.
pub struct Subscriber {
    pub source: Source,
    pub token: String,
    pub settings: Arc<CaptureSettings>,
    pub writer: StoreWriter,
    pub shutdown: CancellationToken,
    pub cut: CancellationToken,
    /// `relay: connected` and the like, for the TUI's status bar.
    pub status: watch::Sender<String>,
    /// Also say each status on stderr (headless).
    pub log: bool,
    pub options: SendOptions,
}

/// Why a stream ended.
type Why = String;

/// Why a relayed request was not taken.
enum NotTaken {
    /// The relay sent an event this subscriber cannot read: reconnecting
    /// reads it again, so the backoff keeps growing.
    Unreadable(Why),
    /// This store refused it: retried after reconnecting.
    Refused(Why),
}

/// At most this much of an unreadable event's id is said.
const ID_SHOWN: usize = 40;

/// An unreadable event, by its id (sanitized, cut short), and why.
fn unreadable(event: &Event, why: impl std::fmt::Display) -> NotTaken {
    let id: String = event
        .id
        .as_deref()
        .unwrap_or("(none)")
        .chars()
        .take(ID_SHOWN)
        .collect();
    NotTaken::Unreadable(format!(
        "cannot read the relay's event id {}: {why}",
        crate::text::sanitize(&id)
    ))
}

/// Said when the relay's store is not the one the cursor counts in.
const REPLACED: &str = "relay store was replaced: starting again from its first request";

/// Where this subscriber is in the relay's channel: the last relay id
/// stored here, and which relay store those ids are of.
struct Cursor {
    last: RequestId,
    store: Option<String>,
}

impl Subscriber {
    fn report(&self, line: String) {
        if self.log {
            eprintln!("hookcatch: {}", crate::text::sanitize(&line));
        }
        self.status.send_replace(line);
    }

    /// Follow the channel until shutdown, reconnecting with backoff.
    pub async fn run(self) {
        let sender = Sender::new(self.options);
        let (base, channel) = (self.source.base.clone(), self.source.channel.clone());
        let mut cursor = match self
            .writer
            .run(move |c| query::relay_cursor(c, &base, &channel))
            .await
        {
            Ok((last, store)) => Cursor { last, store },
            Err(e) => {
                self.report(format!("relay: stopped (cannot read the cursor: {e})"));
                return;
            }
        };
        let mut backoff = BACKOFF_START;
        loop {
            let (mut connected, mut bad_event) = (false, false);
            let why = tokio::select! {
                () = self.shutdown.cancelled() => return,
                why = self.session(&sender, &mut cursor, &mut connected, &mut bad_event) => why,
            };
            if self.shutdown.is_cancelled() {
                return;
            }
            // A stream that ended on an event this subscriber cannot read
            // would end on it again: only a good stream starts over fast.
            if connected && !bad_event {
                backoff = BACKOFF_START;
            }
            self.report(format!(
                "relay: reconnecting in {} s ({why})",
                backoff.as_secs_f64()
            ));
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    /// One connection to the stream: returns why it ended.
    async fn session(
        &self,
        sender: &Sender,
        cursor: &mut Cursor,
        connected: &mut bool,
        bad_event: &mut bool,
    ) -> Why {
        let request = Request::get(self.source.stream_url(cursor.last))
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", self.token),
            )
            .header(http::header::ACCEPT, "text/event-stream")
            .header("last-event-id", cursor.last.to_string())
            .body(Full::new(Bytes::new()));
        let request = match request {
            Ok(r) => r,
            Err(e) => return format!("bad request: {e}"),
        };
        let response = match tokio::time::timeout(SILENCE, sender.client().request(request)).await {
            Err(_) => return format!("no answer for {} s", SILENCE.as_secs()),
            Ok(Err(e)) => return self.connect_error(&e),
            Ok(Ok(r)) => r,
        };
        match response.status() {
            StatusCode::OK => {}
            StatusCode::UNAUTHORIZED => return "401 unauthorized: check --token".into(),
            StatusCode::NOT_FOUND => {
                return "404: not a hookcatch relay channel; the URL must look like \
                        http(s)://HOST[:PORT]/c/CHANNEL, as the relay printed it"
                    .into();
            }
            // A proxy's 502 or a relay's 429 says nothing of what is behind.
            other if !other.is_success() => return format!("HTTP {}", other.as_u16()),
            _ => {}
        }
        // Anything that answers is not yet a relay (a plain listener
        // answers 200 to any path): only a relay's event stream counts.
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_else(|| "(none)".into());
        if response.status() != StatusCode::OK
            || !content_type
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
        {
            return format!(
                "not a hookcatch relay stream at {}/c/{} (got {} content-type {content_type})",
                self.source.base,
                self.source.channel,
                response.status().as_u16()
            );
        }
        let mut body = response.into_body();
        let mut events = Events::new(self.settings.limits.max_body);
        let mut behind: u64 = 0;
        loop {
            let frame = match tokio::time::timeout(SILENCE, body.frame()).await {
                Err(_) => return format!("no byte for {} s", SILENCE.as_secs()),
                Ok(None) => return "the relay closed the stream".into(),
                Ok(Some(Err(e))) => return format!("stream broke: {e}"),
                Ok(Some(Ok(frame))) => frame,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            events.push(&data);
            loop {
                let event = match events.next_event() {
                    Ok(Some(event)) => event,
                    Ok(None) => break,
                    Err(why) => {
                        *bad_event = true;
                        return why;
                    }
                };
                match event.kind.as_str() {
                    "hello" => {
                        // The stream's own first event: now it is a relay.
                        if !*connected {
                            *connected = true;
                            self.report("relay: connected".into());
                        }
                        let hello = serde_json::from_str::<serde_json::Value>(&event.data)
                            .unwrap_or_default();
                        if let Some(store) = hello.get("store_id").and_then(|v| v.as_str())
                            && let Err(why) = self.same_store(cursor, store).await
                        {
                            return why;
                        }
                        behind = hello
                            .get("behind")
                            .and_then(serde_json::Value::as_u64)
                            .unwrap_or(0);
                        if behind > 0 {
                            self.report(format!("relay: catching up, {behind} behind"));
                        }
                    }
                    "message" => {
                        let stored = match self.take(sender, &event, cursor).await {
                            Ok(stored) => stored,
                            Err(NotTaken::Refused(why)) => return why,
                            Err(NotTaken::Unreadable(why)) => {
                                *bad_event = true;
                                return why;
                            }
                        };
                        if stored && behind > 0 {
                            behind -= 1;
                            if behind == 0 {
                                // Back to the status bar's `connected`; the
                                // log said it once for this connection.
                                self.status.send_replace("relay: connected".into());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Count the cursor in the relay's store (its identity, from the
    /// hello): the cursor belongs to that store and channel, whatever
    /// spelling of the URL reached it. A relay given a new store (ids
    /// start again at 1) restarts at 0; one given back a store this
    /// subscriber followed before resumes where it was left; another
    /// spelling of a relay followed before resumes too. When the resume
    /// point differs from the one this stream was opened after, the session
    /// ends so the next one opens there: nothing skipped, nothing twice.
    async fn same_store(&self, cursor: &mut Cursor, store: &str) -> Result<(), Why> {
        if cursor.store.as_deref() == Some(store) {
            return Ok(());
        }
        let switched = cursor.store.is_some();
        let (url, channel, id) = (
            self.source.base.clone(),
            self.source.channel.clone(),
            store.to_string(),
        );
        let last = self
            .writer
            .run(move |c| query::switch_relay_store(c, &url, &channel, &id))
            .await
            .map_err(|e| format!("cannot keep the relay store's identity: {e}"))?;
        cursor.store = Some(store.to_string());
        if switched {
            if last == 0 {
                self.report(format!("warning: {REPLACED}"));
            } else {
                self.report(format!(
                    "warning: relay store changed to one followed before: resuming after #{last}"
                ));
            }
        }
        if std::mem::replace(&mut cursor.last, last) == last {
            return Ok(());
        }
        Err("resuming where this relay store was left".into())
    }

    /// Capture one relayed request (unless already stored); `Err` ends
    /// the session (the store refused it: retried after reconnecting).
    async fn take(
        &self,
        sender: &Sender,
        event: &Event,
        cursor: &mut Cursor,
    ) -> Result<bool, NotTaken> {
        let mut wire: WireRequest =
            serde_json::from_str(&event.data).map_err(|e| unreadable(event, e))?;
        let id = wire.id;
        if id <= cursor.last {
            return Ok(false);
        }
        let hold = wire.hold;
        let given = match wire.answered.take() {
            Some(g) => {
                let reason = g.reason;
                let answer = g.answer.into_response().map_err(|e| unreadable(event, e))?;
                Some((answer, reason))
            }
            None => None,
        };
        let mut captured = wire.into_captured().map_err(|e| unreadable(event, e))?;
        let max = self.settings.limits.max_body;
        let too_large = event.dropped > 0 || captured.body_size > max;
        if too_large {
            self.too_large(id, &mut captured, max);
        }
        let method = Method::from_bytes(captured.method.as_bytes()).unwrap_or(Method::POST);
        let mut arrival = Arrival::new(Instant::now(), method, version(&captured.http_version));
        arrival.relay = Some(RelayRef {
            url: self.source.base.clone(),
            channel: self.source.channel.clone(),
            id,
        });
        arrival.given = given;
        let answering = arrive::store(
            captured,
            arrival,
            &self.settings,
            &self.writer,
            self.cut.clone(),
        )
        .await;
        let Some(local) = answering.id else {
            return Err(NotTaken::Refused("this store refused the request".into()));
        };
        cursor.last = id;
        let (sender, token, url, writer) = (
            sender.clone(),
            self.token.clone(),
            self.source.answer_url(id),
            self.writer.clone(),
        );
        tokio::spawn(async move {
            let Ok(response) = answering.answer().await else {
                return; // drop mode: the relay answers itself when its hold ends
            };
            if !hold {
                return;
            }
            if too_large {
                // The relay took the body: this listener's 413 is about its
                // own --max-body, not the sender's request. No answer is
                // posted; the relay gives its own when the hold ends.
                writer
                    .set_no_answer(local, NOT_POSTED_TOO_LARGE.into())
                    .await;
                return;
            }
            let status = response.status().as_u16();
            if post_answer(&sender, &token, url, response).await == Some(false) {
                // The sender got the relay's answer (its own, or another
                // subscriber's): this one's record must not claim it went out.
                writer
                    .set_no_answer(
                        local,
                        format!("{NOT_USED} (this listener answered {status})"),
                    )
                    .await;
            }
        });
        Ok(true)
    }
}

impl Subscriber {
    /// Keep a relayed request over the local `--max-body` as a request
    /// arriving here over it is kept (refused by its declared size: no
    /// body), and say so once, with the way to keep such bodies.
    fn too_large(&self, id: RequestId, captured: &mut crate::model::CapturedRequest, max: u64) {
        let size = captured.body_size;
        captured.body = Vec::new();
        captured.body_size = 0;
        captured.outcome = crate::model::Outcome::TooLarge {
            declared: Some(size),
            seen: 0,
        };
        self.report(format!(
            "warning: relay request #{id} has a {size}-byte body, over --max-body ({max} bytes): \
             stored as too large, without its body; raise --max-body to keep such bodies"
        ));
    }
}

/// The record of a held request over this listener's `--max-body`.
pub const NOT_POSTED_TOO_LARGE: &str = "no answer posted: over this listener's --max-body \
     (the relay accepted it and answers the sender itself when the hold ends)";

/// The record of a held request whose answer the relay did not use.
pub const NOT_USED: &str = "not used: the relay answered the sender itself";

/// Send the local answer to the relay that holds the sender; the relay's
/// `used` when it said (`None`: no readable word from it).
async fn post_answer(
    sender: &Sender,
    token: &str,
    url: String,
    response: http::Response<Full<Bytes>>,
) -> Option<bool> {
    let (parts, body) = response.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes());
    let response = http::Response::from_parts(parts, Full::new(Bytes::new()));
    let answer = WireAnswer::from_response(&answer_parts(&response, &body));
    let Ok(request) = Request::post(url)
        .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(crate::text::json_string(&answer))))
    else {
        return None;
    };
    let timeout = sender.options().timeout;
    let Ok(Ok(response)) = tokio::time::timeout(timeout, sender.client().request(request)).await
    else {
        return None;
    };
    let said = tokio::time::timeout(timeout, response.into_body().collect())
        .await
        .ok()?
        .ok()?
        .to_bytes();
    serde_json::from_slice::<serde_json::Value>(&said)
        .ok()?
        .get("used")?
        .as_bool()
}

fn version(label: &str) -> http::Version {
    match label {
        "HTTP/1.0" => http::Version::HTTP_10,
        "HTTP/2.0" => http::Version::HTTP_2,
        _ => http::Version::HTTP_11,
    }
}

impl Subscriber {
    /// Why the relay could not be reached, as `replay` says it (a TLS
    /// failure names `--insecure`), plus the way that needs no flag.
    fn connect_error(&self, e: &hyper_util::client::legacy::Error) -> Why {
        let authority = self
            .source
            .base
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.authority().map(ToString::to_string))
            .unwrap_or_default();
        let error = crate::replay::send::classify(e, &authority);
        // The TLS library's words, said as the fix they call for.
        let said = |needle: &str| error.message.contains(needle);
        if said("InvalidContentType") {
            return format!("the relay at {authority} does not speak TLS: use http://");
        }
        if said("invalid HTTP version parsed") {
            return format!("the relay at {authority} speaks TLS: use https://");
        }
        if said("CaUsedAsEndEntity") {
            return format!(
                "the relay at {authority}: certificate is self-signed (CA used as end entity): \
                 pass --insecure or trust its CA"
            );
        }
        if said("UnknownIssuer") {
            return format!(
                "the relay at {authority}: certificate is from an unknown issuer \
                 (self-signed or a private CA): pass --insecure or trust its CA"
            );
        }
        match error.kind {
            crate::model::DeliveryErrorKind::Tls => format!(
                "{}; or trust the relay's certificate (its CA) in this system's certificate store",
                error.message
            ),
            _ => error.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        let s = Source::parse("http://127.0.0.1:8080/c/team_1").unwrap();
        assert_eq!(s.base, "http://127.0.0.1:8080");
        assert_eq!(s.channel, "team_1");
        let s = Source::parse("https://relay.example/hooks/c/a-b/").unwrap();
        assert_eq!(s.base, "https://relay.example/hooks");
        let s = Source::parse("HTTP://u:topsecret@LocalHost:80/c/x").unwrap();
        assert_eq!(s.base, "http://localhost");
        let s = Source::parse("https://[::1]:8443/c/x").unwrap();
        assert_eq!(s.base, "https://[::1]:8443");
        for bad in [
            "ftp://x/c/a",
            "http://x/c/",
            "http://x/c/a?b",
            "http://x/a",
            "http:///c/a",
            "http://x/c/a.b",
            "http://[::1/c/x",
            "http://a b/c/x",
            "http://x//c/a",
            "http://x/p//c/a",
        ] {
            assert!(Source::parse(bad).is_err(), "{bad}");
        }
    }
}
