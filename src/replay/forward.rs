//! `--forward URL`: every captured request is also sent to the user's app
//! (the captured path and query appended to the URL's path) and recorded as a
//! `forward` delivery.
//!
//! - `proxy` (the default): hookcatch is an inspecting proxy in front of the
//!   app. The request is stored first, then forwarded; the sender gets the
//!   app's answer (status, headers minus hop-by-hop ones, body) and the
//!   request's stored answer becomes it. App down: `502`; no answer within the
//!   timeout: `504`; recorded either way.
//! - `async`: the sender gets hookcatch's own answer at once and the forward
//!   happens in the background.
//!
//! When a response rule or a live response mode decides the answer, the
//! request is still forwarded, in the background.

use std::time::Instant;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde_json::json;

use super::build::is_hop_by_hop;
use super::send::{SendOptions, Sender, seconds};
use super::{Edits, Target, attempt};
use crate::model::{CapturedRequest, CapturedResponse, HeaderField, RequestId};
use crate::store::{Delivery, DeliveryErrorKind, DeliveryKind, StoreWriter, deliveries};

/// `--forward-mode`, a clap value (help and completions list it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ForwardMode {
    /// The sender gets your app's answer.
    #[default]
    Proxy,
    /// The sender gets hookcatch's answer; the forward runs in the background.
    Async,
}

impl ForwardMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardMode::Proxy => "proxy",
            ForwardMode::Async => "async",
        }
    }

    pub fn parse(text: &str) -> Option<ForwardMode> {
        <ForwardMode as clap::ValueEnum>::from_str(text.trim(), true).ok()
    }
}

impl std::str::FromStr for ForwardMode {
    type Err = String;
    fn from_str(text: &str) -> Result<ForwardMode, String> {
        ForwardMode::parse(text).ok_or_else(|| format!("{text:?} is not proxy or async"))
    }
}

/// The forwarding half of the listener. Cheap to clone.
#[derive(Clone)]
pub struct Forwarder {
    target: Target,
    url: String,
    mode: ForwardMode,
    sender: Sender,
}

impl Forwarder {
    pub fn new(url: &str, mode: ForwardMode, options: SendOptions) -> Result<Forwarder, String> {
        let target = Target::parse(url).map_err(|e| format!("--forward: {e}"))?;
        let sender = Sender::new(options);
        Ok(Forwarder {
            target,
            url: url.trim().to_string(),
            mode,
            sender,
        })
    }

    pub fn mode(&self) -> ForwardMode {
        self.mode
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Send a request to the app; the delivery is not stored yet.
    async fn send(&self, req: &CapturedRequest) -> Delivery {
        let kind = DeliveryKind::Forward;
        match attempt(&self.sender, req, &self.target, kind, &Edits::default()).await {
            Ok(d) => d,
            Err(e) => failed_build(req.id, &self.url, &req.method, &e.to_string()),
        }
    }

    /// Forward a stored request and record the delivery (errors are recorded
    /// in the delivery; a request deleted meanwhile just loses its record).
    pub async fn forward(&self, writer: &StoreWriter, req: &CapturedRequest) -> Delivery {
        let mut delivery = self.send(req).await;
        if let Ok(id) = deliveries::insert(writer, delivery.clone()).await {
            delivery.id = id;
        }
        delivery
    }

    /// Forward in the background (async mode, or when a rule answered).
    pub fn spawn(&self, writer: StoreWriter, req: CapturedRequest) {
        let this = self.clone();
        tokio::spawn(async move {
            this.forward(&writer, &req).await;
        });
    }

    /// Proxy mode: forward, record the answer given and the delivery, and
    /// return that answer for the sender. Both records have committed when
    /// this returns (the writer commits in queue order, and the delivery
    /// insert waits for its commit).
    pub async fn proxy(
        &self,
        writer: &StoreWriter,
        id: RequestId,
        req: &CapturedRequest,
        started: Instant,
    ) -> Response<Full<Bytes>> {
        let delivery = self.send(req).await;
        let answer = proxy_answer(&delivery, &self.sender.options());
        let record = CapturedResponse {
            status: answer.0,
            headers: answer.1.clone(),
            body: answer.2.clone(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        writer.set_response(id, record).await;
        let _ = deliveries::insert(writer, delivery).await;
        into_response(answer)
    }
}

type AnswerParts = (u16, Vec<HeaderField>, Vec<u8>);

/// Whether a header of an answer goes on to the next hop: the app's answer
/// to the sender (proxy mode), a relay subscriber's answer to its held
/// sender. Hop-by-hop headers describe the hop the answer came over, and
/// each hop frames the body itself (Content-Length).
pub fn passes_on(name: &str) -> bool {
    !is_hop_by_hop(name) && !name.eq_ignore_ascii_case("content-length")
}

/// What the sender gets for a forwarded request: the app's answer, or
/// 502/504 when there was none.
pub fn proxy_answer(delivery: &Delivery, options: &SendOptions) -> AnswerParts {
    match (&delivery.error, delivery.status) {
        (None, Some(status)) => (
            status,
            delivery
                .response_headers
                .iter()
                .filter(|h| passes_on(&h.name))
                .cloned()
                .collect(),
            delivery.response_body.clone(),
        ),
        (error, _) => {
            let timeout = error
                .as_ref()
                .is_some_and(|e| e.kind == DeliveryErrorKind::Timeout);
            let (status, what) = if timeout {
                (
                    504,
                    format!("the app did not answer within {}", seconds(options.timeout)),
                )
            } else {
                (502, "the app could not be reached".to_string())
            };
            let body = json!({
                "error": what,
                "target": delivery.target,
                "detail": error.as_ref().map(|e| e.message.clone()),
            });
            (
                status,
                vec![HeaderField::new(
                    "content-type",
                    b"application/json".to_vec(),
                )],
                body.to_string().into_bytes(),
            )
        }
    }
}

pub(crate) fn into_response((status, headers, body): AnswerParts) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    for h in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(h.name.as_bytes()),
            HeaderValue::from_bytes(&h.value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}

fn failed_build(request_id: RequestId, url: &str, method: &str, message: &str) -> Delivery {
    Delivery {
        id: 0,
        request_id,
        at: chrono::Utc::now(),
        kind: DeliveryKind::Forward,
        target: url.to_string(),
        method: method.to_string(),
        path: String::new(),
        status: None,
        latency_ms: 0.0,
        error: Some(crate::store::DeliveryError {
            kind: DeliveryErrorKind::Other,
            message: message.to_string(),
        }),
        response_headers: Vec::new(),
        response_body: Vec::new(),
        sent_headers: None,
        sent_body: None,
    }
}
