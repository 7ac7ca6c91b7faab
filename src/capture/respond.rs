//! What hookcatch answers. Pure: given the settings and what was captured,
//! decide status, headers, body and delay. The server only carries it out.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::config::ResponseConfig;
use crate::model::{CapturedResponse, HeaderField};

/// An answer decided but not yet sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Close the connection after answering (a body was left unread).
    pub close: bool,
}

impl Planned {
    /// The configured default answer.
    pub fn default_answer(config: &ResponseConfig) -> Self {
        Planned {
            status: config.status,
            headers: config.headers.clone(),
            body: config.body.clone(),
            delay: config.delay,
            close: false,
        }
    }

    /// A JSON error of hookcatch's own (413, 408, 401, 503...).
    pub fn error(status: u16, message: &str, extra: serde_json::Value) -> Self {
        let mut body = serde_json::json!({ "error": message });
        if let (Some(obj), serde_json::Value::Object(more)) = (body.as_object_mut(), extra) {
            obj.extend(more);
        }
        Planned {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
            close: false,
        }
    }

    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    /// The record of this answer kept with the request (latency set by the store).
    pub fn record(&self) -> CapturedResponse {
        CapturedResponse {
            status: self.status,
            headers: self
                .headers
                .iter()
                .map(|(n, v)| HeaderField::new(n.to_ascii_lowercase(), v.as_bytes()))
                .collect(),
            body: self.body.clone(),
            latency_ms: 0.0,
        }
    }

    /// Build the hyper response. Header names/values were validated with the
    /// config; any that still fail are skipped rather than failing the answer.
    pub fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(Bytes::from(self.body)));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(n, v);
            }
        }
        if self.close {
            headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_json() {
        let p = Planned::error(413, "body too large", serde_json::json!({"limit": 10}));
        let v: serde_json::Value = serde_json::from_slice(&p.body).unwrap();
        assert_eq!(v["error"], "body too large");
        assert_eq!(v["limit"], 10);
        assert_eq!(p.into_response().status(), 413);
    }

    #[test]
    fn closing_sets_connection_close() {
        let r = Planned::error(408, "slow", serde_json::Value::Null)
            .closing()
            .into_response();
        assert_eq!(r.headers()["connection"], "close");
    }
}
