//! A real HTTP target for replay and forwarding tests: hyper on 127.0.0.1:0,
//! recording every request it receives exactly as hyper parsed it, answering
//! with a behaviour the test can change while it runs.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub const WAIT: Duration = Duration::from_secs(20);

/// One request as the target saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// In order, names lowercase.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    pub fn all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
            .collect()
    }
}

/// How the target answers.
#[derive(Clone, Debug)]
pub struct Behaviour {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Behaviour {
    pub fn status(status: u16) -> Self {
        Behaviour {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: format!(r#"{{"target":"says {status}"}}"#),
            delay: Duration::ZERO,
        }
    }
}

pub struct Target {
    pub addr: SocketAddr,
    pub url: String,
    behaviour: Arc<Mutex<Behaviour>>,
    received: mpsc::UnboundedReceiver<Received>,
    task: tokio::task::JoinHandle<()>,
}

impl Target {
    pub async fn start(behaviour: Behaviour) -> Target {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind target");
        let addr = listener.local_addr().expect("addr");
        let behaviour = Arc::new(Mutex::new(behaviour));
        let (tx, received) = mpsc::unbounded_channel();
        let shared = behaviour.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (tx, shared) = (tx.clone(), shared.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(req, tx.clone(), shared.clone()));
                    let _ = Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Target {
            addr,
            url: format!("http://{addr}"),
            behaviour,
            received,
            task,
        }
    }

    pub fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().expect("lock") = behaviour;
    }

    /// The next request the target received, within [`WAIT`].
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(WAIT, self.received.recv())
            .await
            .expect("the target received nothing in time")
            .expect("target channel open")
    }

    pub fn try_next(&mut self) -> Option<Received> {
        self.received.try_recv().ok()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    req: Request<Incoming>,
    tx: mpsc::UnboundedSender<Received>,
    behaviour: Arc<Mutex<Behaviour>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let received = Received {
        method: parts.method.to_string(),
        target: parts.uri.path_and_query().map_or_else(
            || parts.uri.path().to_string(),
            |pq| pq.as_str().to_string(),
        ),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
            .collect(),
        body,
    };
    let _ = tx.send(received);
    let b = behaviour.lock().expect("lock").clone();
    if !b.delay.is_zero() {
        tokio::time::sleep(b.delay).await;
    }
    let mut response = Response::new(Full::new(Bytes::from(b.body)));
    *response.status_mut() = http::StatusCode::from_u16(b.status).expect("status");
    for (n, v) in b.headers {
        response.headers_mut().append(
            http::HeaderName::from_bytes(n.as_bytes()).expect("name"),
            http::HeaderValue::from_str(&v).expect("value"),
        );
    }
    Ok(response)
}

/// A port nothing listens on (bound, then closed).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}
