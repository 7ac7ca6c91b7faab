//! `--forward`: hookcatch in front of the user's app (a real target server),
//! observed by a real client. Proxy mode passes the app's answer through
//! (502 when it is down, 504 when slow); async mode answers at once.

mod common;
#[path = "support/target.rs"]
mod target;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use target::{Behaviour, Target, closed_port_url};

/// `show --json` until `done` holds, bounded.
fn show_until(
    dir: &std::path::Path,
    store: &std::path::Path,
    id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = show_json(dir, store, id);
        if done(&shown) {
            return shown;
        }
        assert!(Instant::now() < deadline, "never became true: {shown:#}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_mode_passes_the_apps_answer_through() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Target::start(Behaviour {
        status: 201,
        headers: vec![
            ("content-type".into(), "text/plain".into()),
            ("x-app".into(), "yes".into()),
        ],
        body: "created by the app".into(),
        delay: Duration::ZERO,
    })
    .await;
    let forward = format!("{}/app", app.url);
    let hc = Hookcatch::start(dir.path(), &["--forward", &forward]);
    let resp = client()
        .post(format!("{}/hook?a=1&b=%20", hc.url))
        .header("X-Pingara-Secret", "s")
        .body("payload bytes")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["x-app"], "yes");
    assert_eq!(resp.text().await.unwrap(), "created by the app");

    let got = app.next().await;
    assert_eq!(got.method, "POST");
    assert_eq!(got.target, "/app/hook?a=1&b=%20", "path and query appended");
    assert_eq!(got.body, b"payload bytes");
    assert_eq!(got.header("x-pingara-secret"), Some("s"));

    let line = hc.next_json();
    assert_eq!(
        line["response"]["status"], 201,
        "the headless line waits for the app's answer: {line}"
    );
    let shown = tokio::task::spawn_blocking({
        let (dir, store) = (dir.path().to_path_buf(), hc.store.clone());
        move || show_json(&dir, &store, "1")
    })
    .await
    .unwrap();
    assert_eq!(
        shown["response"]["status"], 201,
        "the stored answer is the app's"
    );
    assert_eq!(shown["response"]["body"], "created by the app");
    let d = &shown["deliveries"][0];
    assert_eq!(d["kind"], "forward");
    assert_eq!(d["status"], 201);
    assert_eq!(d["target"], format!("{forward}/hook?a=1&b=%20"));
    assert_eq!(hc.stop().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_mode_answers_at_once_and_forwards_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Target::start(Behaviour {
        delay: Duration::from_millis(1500),
        ..Behaviour::status(500)
    })
    .await;
    let hc = Hookcatch::start(
        dir.path(),
        &["--forward", &app.url, "--forward-mode", "async"],
    );
    let started = Instant::now();
    let resp = client()
        .post(format!("{}/hook", hc.url))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), r#"{"received": true}"#);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "did not wait for the app"
    );
    assert_eq!(app.next().await.target, "/hook");
    let (dir_path, store) = (dir.path().to_path_buf(), hc.store.clone());
    let shown = tokio::task::spawn_blocking(move || {
        show_until(&dir_path, &store, "1", |v| {
            v["deliveries"].as_array().is_some_and(|d| !d.is_empty())
        })
    })
    .await
    .unwrap();
    assert_eq!(
        shown["response"]["status"], 200,
        "hookcatch's own answer stays"
    );
    assert_eq!(shown["deliveries"][0]["status"], 500);
    assert_eq!(hc.stop().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_down_is_502_and_slow_is_504_recorded_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let down = closed_port_url();
    let hc = Hookcatch::start(dir.path(), &["--forward", &down]);
    let resp = client()
        .post(format!("{}/x", hc.url))
        .body("a")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"], "the app could not be reached");
    assert_eq!(hc.next_json()["response"]["status"], 502);
    let shown = show_json(dir.path(), &hc.store, "1");
    assert_eq!(shown["response"]["status"], 502);
    assert_eq!(shown["deliveries"][0]["error"]["kind"], "refused");
    assert_eq!(hc.stop().code(), Some(0));

    let dir = tempfile::tempdir().unwrap();
    let slow = Target::start(Behaviour {
        delay: Duration::from_secs(5),
        ..Behaviour::status(200)
    })
    .await;
    let hc = Hookcatch::start(dir.path(), &["--forward", &slow.url, "--timeout", "0.4"]);
    let started = Instant::now();
    let resp = client()
        .post(format!("{}/x", hc.url))
        .body("a")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 504);
    assert!(started.elapsed() < Duration::from_secs(4));
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"], "the app did not answer within 0.4 s");
    assert_eq!(hc.next_json()["response"]["status"], 504);
    let shown = show_json(dir.path(), &hc.store, "1");
    assert_eq!(shown["response"]["status"], 504);
    assert_eq!(shown["deliveries"][0]["error"]["kind"], "timeout");
    assert_eq!(hc.stop().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_answer_while_the_forward_still_happens() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Target::start(Behaviour::status(200)).await;
    let hc = Hookcatch::start(
        dir.path(),
        &["--forward", &app.url, "--rule", "POST /fail* -> 503"],
    );
    let resp = client()
        .post(format!("{}/fail", hc.url))
        .body("a")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(app.next().await.target, "/fail");
    assert_eq!(hc.stop().code(), Some(0));
}
