//! Replay to an https target with a self-signed certificate, as a local app
//! behind TLS has: refused (with the hint) without --insecure, delivered with
//! it, body unchanged.

mod common;

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// What the https target received.
struct Received {
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// An https server on 127.0.0.1:0 with a fresh self-signed certificate; every
/// request it receives goes to the returned channel.
async fn self_signed_target() -> (String, mpsc::UnboundedReceiver<Received>) {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let tx = tx.clone();
                    async move {
                        let target = req.uri().to_string();
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(n, v)| {
                                (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into())
                            })
                            .collect();
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let _ = tx.send(Received {
                            target,
                            headers,
                            body: body.to_vec(),
                        });
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                            b"secure ok",
                        ))))
                    }
                });
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (url, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_to_a_self_signed_https_target_needs_insecure() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let body = b"{\"event\":\"monitor.paused\",\"n\":1}";
    let request = format!(
        "POST /a/../pingara-webhook?x=%20 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Pingara-Secret: s\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let answer = raw_exchange(&hc.addr, &[request.as_bytes(), body].concat());
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    hc.next_json();
    let (url, mut received) = self_signed_target().await;

    let replay = |extra: &'static [&'static str]| {
        let (dir, store, url) = (dir.path().to_path_buf(), hc.store.clone(), url.clone());
        tokio::task::spawn_blocking(move || {
            let mut args = vec!["replay", "1", "--to", url.as_str(), "--timeout", "5"];
            args.extend_from_slice(extra);
            cli_store(&dir, &store, &args)
        })
    };
    let refused = replay(&[]).await.unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let text = String::from_utf8_lossy(&refused.stdout).to_string()
        + &String::from_utf8_lossy(&refused.stderr);
    assert!(
        text.contains("--insecure"),
        "the failure says how to get past it: {text}"
    );
    assert!(received.try_recv().is_err(), "nothing was delivered");

    let accepted = replay(&["--insecure"]).await.unwrap();
    let text = String::from_utf8_lossy(&accepted.stdout).to_string();
    assert_eq!(
        accepted.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    assert!(text.contains("secure ok"), "{text}");
    let got = tokio::time::timeout(WAIT, received.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.body, body, "the body crossed TLS unchanged");
    assert_eq!(
        got.target, "/a/../pingara-webhook?x=%20",
        "the path as captured, not normalised"
    );
    let names: Vec<&str> = got.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["host", "content-type", "x-pingara-secret", "content-length"],
        "the captured headers in order, nothing added (no Accept)"
    );
}
