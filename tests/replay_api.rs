//! The library API the TUI drives: `Replayer` (replay once, edited replay,
//! the ladder with its progress events and cancel token), deliveries in the
//! store, and the diff between two answers. A real SQLite file, a real target.

#[path = "support/target.rs"]
mod target;

use std::time::{Duration, Instant};

use hookcatch::model::{CapturedRequest, HeaderField};
use hookcatch::replay::diff::{self, DiffLine};
use hookcatch::replay::{Edits, LadderEvent, LadderOutcome, Replayer, SendOptions};
use hookcatch::store::events::Received;
use hookcatch::store::{
    DeliveryErrorKind, DeliveryKind, Location, NewRequest, StoreEvent, StoreWriter, Subscription,
    deliveries,
};
use target::{Behaviour, Target, WAIT, closed_port_url};

struct Fixture {
    _dir: tempfile::TempDir,
    location: Location,
    writer: StoreWriter,
    events: Subscription,
    id: i64,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("api.db"));
    let (writer, _thread) = StoreWriter::spawn(&location, false).unwrap();
    let req = CapturedRequest::new(
        "POST",
        "/hook?a=1",
        vec![
            HeaderField::new("content-type", b"application/json".to_vec()),
            HeaderField::new("x-bytes", vec![b'a', 0xff, b'z']),
        ],
        br#"{"n":1}"#.to_vec(),
    );
    let id = writer
        .insert(NewRequest::from_captured(
            req,
            Instant::now(),
            Duration::ZERO,
            hookcatch::model::RequestKeys::default(),
        ))
        .await
        .unwrap();
    let events = writer.subscribe();
    Fixture {
        _dir: dir,
        location,
        writer,
        events,
        id,
    }
}

#[tokio::test]
async fn replay_once_records_a_delivery_and_notifies() {
    let mut f = fixture().await;
    let mut target = Target::start(Behaviour::status(500)).await;
    let replayer = Replayer::new(f.location.clone(), f.writer.clone(), SendOptions::default());
    while let Ok(Some(_)) = f.events.try_recv() {}

    let failed = replayer.replay_once(f.id, &target.url).await.unwrap();
    assert!(failed.id > 0);
    assert_eq!(
        (failed.status, failed.kind),
        (Some(500), DeliveryKind::Replay)
    );
    let got = target.next().await;
    assert_eq!(got.target, "/hook?a=1");
    assert_eq!(got.all("x-bytes"), [b"a\xffz".as_slice()]);
    let event = tokio::time::timeout(WAIT, f.events.recv()).await.unwrap();
    let Some(Received::Event(event)) = event else {
        panic!("{event:?}");
    };
    assert_eq!(
        event,
        StoreEvent::DeliveryAdded {
            request: f.id,
            delivery: failed.id
        }
    );

    target.set(Behaviour {
        body: r#"{"ok":true}"#.into(),
        ..Behaviour::status(200)
    });
    let edits = Edits {
        body: Some(br#"{"n":2}"#.to_vec()),
        ..Edits::default()
    };
    let fixed = replayer
        .replay_edited(f.id, &target.url, &edits)
        .await
        .unwrap();
    assert!(fixed.is_success());
    assert_eq!(target.next().await.body, br#"{"n":2}"#);

    let conn = f.location.open_reader().unwrap();
    let all = deliveries::list_for(&conn, f.id).unwrap();
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[1].kind, DeliveryKind::Edited);
    assert_eq!(all[1].sent_body.as_deref(), Some(br#"{"n":2}"#.as_slice()));
    let marks = deliveries::marks(&conn, &[f.id]).unwrap();
    assert_eq!(
        (marks[&f.id].count, marks[&f.id].last_status),
        (2, Some(200))
    );
    // The original request is untouched.
    let stored = hookcatch::store::query::get(&conn, f.id).unwrap().unwrap();
    assert_eq!(stored.request.body, br#"{"n":1}"#);

    let d = diff::diff(&all[0], &all[1]);
    assert_eq!(d.status, Some(("500".into(), "200".into())));
    assert!(d.body.contains(&DiffLine::Added("  \"ok\": true".into())));

    let refused = replayer
        .replay_once(f.id, &closed_port_url())
        .await
        .unwrap();
    assert_eq!(refused.error.unwrap().kind, DeliveryErrorKind::Refused);
}

#[tokio::test]
async fn slow_targets_time_out() {
    let f = fixture().await;
    let target = Target::start(Behaviour {
        delay: Duration::from_secs(5),
        ..Behaviour::status(200)
    })
    .await;
    let options = SendOptions {
        timeout: Duration::from_millis(300),
        insecure: false,
    };
    let replayer = Replayer::new(f.location.clone(), f.writer.clone(), options);
    let started = Instant::now();
    let d = replayer.replay_once(f.id, &target.url).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(d.error.unwrap().kind, DeliveryErrorKind::Timeout);
    assert_eq!(d.status, None);
}

#[tokio::test]
async fn https_without_insecure_is_a_tls_error() {
    let f = fixture().await;
    // A plain-HTTP server spoken to over TLS: the handshake fails.
    let target = Target::start(Behaviour::status(200)).await;
    let replayer = Replayer::new(f.location.clone(), f.writer.clone(), SendOptions::default());
    let url = format!("https://{}", target.addr);
    let d = replayer.replay_once(f.id, &url).await.unwrap();
    let error = d.error.unwrap();
    assert!(
        matches!(
            error.kind,
            DeliveryErrorKind::Tls | DeliveryErrorKind::Other
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn ladder_reports_progress_and_stops_on_2xx() {
    let f = fixture().await;
    let mut target = Target::start(Behaviour::status(500)).await;
    let replayer = Replayer::new(f.location.clone(), f.writer.clone(), SendOptions::default());
    let mut handle = replayer.ladder(f.id, &target.url, 0.01);
    target.next().await;
    // A countdown: the next attempt is announced with its due time.
    let waiting = loop {
        let ev = tokio::time::timeout(WAIT, handle.events.recv())
            .await
            .unwrap()
            .unwrap();
        if let LadderEvent::Waiting {
            attempt,
            delay,
            next_at,
        } = ev
        {
            break (attempt, delay, next_at);
        }
    };
    assert_eq!(waiting.0, 2);
    assert_eq!(waiting.1, Duration::from_millis(300));
    assert!(waiting.2 > chrono::Utc::now() - chrono::Duration::seconds(1));
    target.set(Behaviour::status(202));
    let outcome = tokio::time::timeout(WAIT, handle.task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome, LadderOutcome::Succeeded { attempt: 2 });
    let conn = f.location.open_reader().unwrap();
    let kinds: Vec<_> = deliveries::list_for(&conn, f.id)
        .unwrap()
        .iter()
        .map(|d| (d.kind, d.status))
        .collect();
    assert_eq!(
        kinds,
        [
            (DeliveryKind::Ladder, Some(500)),
            (DeliveryKind::Ladder, Some(202))
        ]
    );
}

#[tokio::test]
async fn ladder_cancel_stops_it() {
    let f = fixture().await;
    let mut target = Target::start(Behaviour::status(500)).await;
    let replayer = Replayer::new(f.location.clone(), f.writer.clone(), SendOptions::default());
    let mut handle = replayer.ladder(f.id, &target.url, 1.0);
    target.next().await;
    loop {
        let ev = tokio::time::timeout(WAIT, handle.events.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(ev, LadderEvent::Waiting { .. }) {
            break;
        }
    }
    handle.cancel.cancel();
    let outcome = tokio::time::timeout(WAIT, handle.task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome, LadderOutcome::Cancelled { attempts: 1 });
    let last = tokio::time::timeout(WAIT, handle.events.recv())
        .await
        .unwrap();
    assert_eq!(
        last,
        Some(LadderEvent::Finished(LadderOutcome::Cancelled {
            attempts: 1
        }))
    );
    assert!(target.try_next().is_none());
}
