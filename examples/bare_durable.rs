//! The durability baseline: the least a catcher that commits before it
//! answers must do. hyper http1 reads the whole request and hands method,
//! target, headers (one text column, in order) and body (a blob) to one
//! writer thread, which commits whatever is waiting (up to 512 rows) in one
//! transaction, SQLite in WAL mode with `synchronous=NORMAL`, and answers
//! `200 {"received": true}` only after COMMIT. No inspection, no output.
//! `cargo run --release --example bare_durable -- 127.0.0.1:9899 /tmp/bare.db`

use std::convert::Infallible;
use std::sync::mpsc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The most rows one transaction takes; what is left waits for the next.
const BATCH: usize = 512;

struct Row {
    method: String,
    target: String,
    headers: String,
    body: Bytes,
    committed: oneshot::Sender<bool>,
}

fn writer(path: &str, rows: mpsc::Receiver<Row>) -> rusqlite::Result<()> {
    let mut db = rusqlite::Connection::open(path)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS requests (
            id INTEGER PRIMARY KEY, method TEXT, target TEXT, headers TEXT, body BLOB)",
    )?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Ok(first) = rows.recv() {
        batch.push(first);
        while batch.len() < BATCH {
            match rows.try_recv() {
                Ok(row) => batch.push(row),
                Err(_) => break,
            }
        }
        let tx = db.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO requests (method, target, headers, body) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for r in &batch {
                insert.execute((&r.method, &r.target, &r.headers, &r.body[..]))?;
            }
        }
        let ok = tx.commit().is_ok();
        for r in batch.drain(..) {
            let _ = r.committed.send(ok);
        }
    }
    Ok(())
}

async fn answer(
    req: Request<Incoming>,
    rows: mpsc::Sender<Row>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(status(StatusCode::BAD_REQUEST, b"{}")),
    };
    let mut headers = String::new();
    for (name, value) in &parts.headers {
        headers.push_str(name.as_str());
        headers.push_str(": ");
        headers.push_str(&String::from_utf8_lossy(value.as_bytes()));
        headers.push('\n');
    }
    let (committed, done) = oneshot::channel();
    let row = Row {
        method: parts.method.to_string(),
        target: parts.uri.to_string(),
        headers,
        body,
        committed,
    };
    if rows.send(row).is_err() {
        return Ok(status(StatusCode::SERVICE_UNAVAILABLE, b"{}"));
    }
    Ok(match done.await {
        Ok(true) => status(StatusCode::OK, br#"{"received": true}"#),
        _ => status(StatusCode::SERVICE_UNAVAILABLE, b"{}"),
    })
}

fn status(code: StatusCode, body: &'static [u8]) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from_static(body)));
    *resp.status_mut() = code;
    resp.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9899".into());
    let path = args.next().unwrap_or_else(|| "bare_durable.db".into());
    let (rows, waiting) = mpsc::channel();
    std::thread::spawn(move || {
        // A store that cannot be opened or written says why; senders then get 503.
        if let Err(e) = writer(&path, waiting) {
            eprintln!("bare durable: store: {e}");
        }
    });
    let listener = TcpListener::bind(&addr).await?;
    eprintln!(
        "bare durable listening on http://{}",
        listener.local_addr()?
    );
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let rows = rows.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| answer(req, rows.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
