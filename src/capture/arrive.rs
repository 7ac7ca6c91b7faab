//! The capture path after the bytes are in: inspect once, plan the answer,
//! store, and only then answer. The listener calls it for what hyper read;
//! the relay for what was posted to a channel; a subscriber (`listen
//! --from`) for what a relay streamed to it. One path, so limits, rules,
//! modes, forwarding and "stored before answered" hold for all three.
//!
//! It runs in two steps: [`store`] returns once the request has committed
//! (or failed to), [`Answering::answer`] then gives the answer (waiting for
//! a delay, the forward app or a held answer). A subscriber stores its
//! stream in order and lets the answers run beside it.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use http::Response;
use http_body_util::Full;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::respond::{Decision, Planned, plan};
use super::server::{CaptureSettings, Dropped};
use crate::inspect;
use crate::model::{CapturedRequest, CapturedResponse, HeaderField, PENDING, RelayRef, RequestId};
use crate::replay::forward::Forwarder;
use crate::store::{NewRequest, StoreWriter};

/// Asked once the request is stored: someone else's answer (a relay
/// subscriber in hold mode), or why there is none (the caller's own answer
/// then goes out, and the reason is recorded with it).
pub type Awaiter =
    Box<dyn FnOnce(RequestId) -> BoxFuture<'static, Result<CapturedResponse, String>> + Send>;

/// How a request arrived, beyond its bytes.
pub struct Arrival {
    pub started: Instant,
    pub method: http::Method,
    pub version: http::Version,
    /// The client asked to close the connection after this request.
    pub close: bool,
    /// The client left mid-body: nothing can be sent to it.
    pub client_left: bool,
    /// On a relay: the channel it was posted to.
    pub channel: Option<String>,
    /// On a subscriber: the relay request this is a copy of.
    pub relay: Option<RelayRef>,
    /// On a relay in hold mode with a subscriber connected.
    pub hold: Option<Awaiter>,
    /// Recorded with an answer given at once: why it is the one given (a
    /// relay in hold mode with no subscriber connected).
    pub note: Option<String>,
    /// On a subscriber: the answer the relay already gave the sender, and
    /// why. It is the record (not this listener's answer, which then goes
    /// nowhere); `--forward` still forwards.
    pub given: Option<(CapturedResponse, String)>,
}

impl Arrival {
    pub fn new(started: Instant, method: http::Method, version: http::Version) -> Self {
        Arrival {
            started,
            method,
            version,
            close: false,
            client_left: false,
            channel: None,
            relay: None,
            hold: None,
            note: None,
            given: None,
        }
    }
}

/// A request that went through [`store`]: its id, and the answer to come.
pub struct Answering {
    pub id: Option<RequestId>,
    next: Next,
}

enum Next {
    /// Not stored (the store failed, or dropped): this and nothing else.
    Now(Result<Response<Full<Bytes>>, Dropped>),
    Stored(Box<Pending>),
}

struct Pending {
    id: RequestId,
    writer: StoreWriter,
    started: Instant,
    unsent: Option<Unsent>,
    forwarding: Option<(Forwarder, CapturedRequest)>,
    proxy: bool,
    response: Option<Response<Full<Bytes>>>,
    /// The answer's record when it goes out later than the commit.
    later: Option<CapturedResponse>,
    delay: Duration,
    hold: Option<Awaiter>,
}

/// Inspect, plan, store. Returns once the request has committed (or the
/// store refused it); the answer comes from [`Answering::answer`].
pub async fn store(
    mut captured: CapturedRequest,
    mut arrival: Arrival,
    settings: &CaptureSettings,
    writer: &StoreWriter,
    cut: CancellationToken,
) -> Answering {
    let started = arrival.started;
    let client_left = arrival.client_left;
    let summary = inspect::summarize(&captured, &settings.auth, captured.received_at);
    let custom = settings.mode.custom();
    let decision = plan(
        &captured,
        settings,
        settings.mode.get(),
        custom.as_deref(),
        summary.auth.verdict,
    );
    let given = arrival.given.take();
    // The sender's answer is known already: the app is forwarded to, not
    // proxied (its answer would go nowhere and must not become the record).
    let proxy = decision == Decision::Proxy && given.is_none();
    // A client that left mid-body can be sent nothing: recorded unanswered.
    let dropping = client_left || matches!(decision, Decision::Drop { .. });
    // Only an ordinary answer (a rule's or the default) waits for a
    // subscriber: limits, modes and auth refusals are the relay's own
    // business, given at once.
    let (planned, forward, holdable) = match decision {
        _ if client_left => (None, false, false),
        Decision::Answer {
            planned,
            forward,
            own,
        } => (Some(planned), forward, !own),
        Decision::Drop { forward } => (None, forward, false),
        Decision::Proxy => (None, true, false),
    };
    let offered = arrival.hold.is_some();
    let hold = arrival.hold.take().filter(|_| holdable);
    if offered && hold.is_none() && !client_left && arrival.note.is_none() {
        arrival.note = Some("relay's own answer: its own verdict, never held".to_string());
    }
    let delay = planned.as_ref().map_or(Duration::ZERO, |p| p.delay);
    // Built now so the record is what goes out; a proxied or held request
    // gets its real answer once it has one.
    let mut later = None;
    let response = planned.map(|mut p| {
        // hyper answers `Connection: close` in kind; set here, it is recorded.
        p.close |= arrival.close;
        let (response, record) = p.into_response(&arrival.method, arrival.version);
        if delay.is_zero() && hold.is_none() {
            captured.response = Some(record);
        } else {
            // Not sent yet: stored pending, recorded when it goes out.
            later = Some(record);
        }
        response
    });
    if let Some((record, _)) = &given {
        captured.response = Some(record.clone());
        later = None;
    }
    let forwarding = settings
        .forward
        .as_ref()
        .filter(|_| forward)
        .map(|f| (f.clone(), captured.clone()));
    // Proxied: the app's answer is recorded once it comes.
    let awaiting_answer = (proxy && forwarding.is_some()) || later.is_some();
    captured.response_reason = if let Some((_, why)) = given {
        Some(why)
    } else if awaiting_answer {
        Some(PENDING.to_string())
    } else if client_left {
        Some("client went away mid-body".to_string())
    } else if response.is_none() {
        Some(Dropped.to_string())
    } else {
        arrival.note.take()
    };
    let new = NewRequest::from_captured(captured, started, delay, summary.keys())
        // The verdict is decided here, once, with the listener's secrets, and
        // stored: no reader judges this request again.
        .with_findings(inspect::stored::to_stored(
            &summary,
            crate::model::findings::Judged::AtArrival,
        ))
        .on_channel(arrival.channel.take())
        .relayed(arrival.relay.take());

    let id = match writer.insert(new).await {
        Ok(id) => id,
        Err(e) => {
            if dropping {
                return Answering {
                    id: None,
                    next: Next::Now(Err(Dropped)),
                };
            }
            // Never 2xx for what was not stored; the writer tells watchers why.
            let message = format!("hookcatch could not store this request: {e}");
            let (response, _) = Planned::error(503, &message, json!({}))
                .into_response(&arrival.method, arrival.version);
            return Answering {
                id: None,
                next: Next::Now(Ok(response)),
            };
        }
    };
    // Stored pending: if the answer is dropped before it goes out (the
    // client hung up, or shutdown cut it), the record says so.
    let unsent = awaiting_answer.then(|| Unsent {
        writer: writer.clone(),
        id,
        started,
        cut,
        armed: true,
    });
    Answering {
        id: Some(id),
        next: Next::Stored(Box::new(Pending {
            id,
            writer: writer.clone(),
            started,
            unsent,
            forwarding,
            proxy,
            response,
            later,
            delay,
            hold,
        })),
    }
}

impl Answering {
    /// Whether the answer waits for someone else's (the [`Arrival::hold`]
    /// given was kept: the request is stored and its answer is not the
    /// listener's own verdict).
    pub fn held(&self) -> bool {
        matches!(&self.next, Next::Stored(p) if p.hold.is_some())
    }

    /// Give the answer: at once, after the planned delay, the forward
    /// app's (proxy mode) or a subscriber's (hold mode), and record it.
    pub async fn answer(self) -> Result<Response<Full<Bytes>>, Dropped> {
        let p = match self.next {
            Next::Now(answer) => return answer,
            Next::Stored(pending) => *pending,
        };
        if let Some((forwarder, mut copy)) = p.forwarding {
            copy.id = p.id;
            if p.proxy {
                let response = forwarder.proxy(&p.writer, p.id, &copy, p.started).await;
                if let Some(unsent) = p.unsent {
                    unsent.disarm();
                }
                return Ok(response);
            }
            forwarder.spawn(p.writer.clone(), copy);
        }
        let Some(response) = p.response else {
            return Err(Dropped);
        };
        let Some(mut record) = p.later else {
            return Ok(response);
        };
        let mut reason = None;
        let mut response = response;
        if let Some(hold) = p.hold {
            match hold(p.id).await {
                Ok(theirs) => (response, record) = super::respond::relayed_answer(theirs),
                Err(why) => reason = Some(why),
            }
        }
        tokio::time::sleep(p.delay).await;
        if let Some(unsent) = p.unsent {
            unsent.disarm();
        }
        record.latency_ms = p.started.elapsed().as_secs_f64() * 1000.0;
        match reason {
            None => p.writer.set_response(p.id, record).await,
            Some(why) => p.writer.set_response_because(p.id, record, why).await,
        }
        Ok(response)
    }
}

/// A request stored pending whose answer has not gone out. Dropped armed
/// (its handler dropped: hyper saw the client close, or shutdown cut it),
/// it records that no answer was sent, and why.
struct Unsent {
    writer: StoreWriter,
    id: RequestId,
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

/// The parts of an answer as a subscriber posts them back to its relay.
pub fn answer_parts(response: &Response<Full<Bytes>>, body: &[u8]) -> CapturedResponse {
    CapturedResponse {
        status: response.status().as_u16(),
        // Framing belongs to each hop: the relay's hyper frames its own.
        headers: response
            .headers()
            .iter()
            .filter(|(n, _)| crate::replay::forward::passes_on(n.as_str()))
            .map(|(n, v)| HeaderField::new(n.as_str(), v.as_bytes()))
            .collect(),
        body: body.to_vec(),
        latency_ms: 0.0,
    }
}
