//! The writer's unit tests: batching, answers after COMMIT, events.

use super::*;

/// `run` answers after COMMIT: another connection sees the write at once.
#[test]
fn run_answers_after_commit() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("w.db"));
    let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
    let reader = location.open_reader().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for i in 1..=20 {
        let req = CapturedRequest::new("POST", "/x", vec![], b"b".to_vec());
        let new =
            NewRequest::from_captured(req, Instant::now(), Duration::ZERO, RequestKeys::default());
        let id = runtime.block_on(writer.insert(new)).unwrap();
        let deleted = runtime
            .block_on(writer.run(move |conn| super::super::query::delete(conn, &[id])))
            .unwrap();
        assert_eq!(deleted, 1);
        assert_eq!(super::super::query::count(&reader).unwrap(), 0, "round {i}");
    }
    drop(writer);
    thread.join();
}

/// A closer ends the thread while another handle (a forward still
/// waiting for its app) lives: what was stored stays, later writes are
/// refused instead of waiting for a thread that is gone.
#[test]
fn a_closer_ends_the_writer_while_handles_live() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("w.db"));
    let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let new = || {
        let req = CapturedRequest::new("POST", "/x", vec![], b"b".to_vec());
        NewRequest::from_captured(req, Instant::now(), Duration::ZERO, RequestKeys::default())
    };
    runtime.block_on(writer.insert(new())).unwrap();
    let lingering = writer.clone();
    let closer = writer.closer();
    drop(writer);
    assert_eq!(closer.handles(), 1);
    runtime.block_on(closer.close());
    thread.join();
    assert!(matches!(
        runtime.block_on(lingering.insert(new())),
        Err(StoreError::WriterGone)
    ));
    let reader = location.open_reader().unwrap();
    assert_eq!(super::super::query::count(&reader).unwrap(), 1);
}

/// One event per commit, after it, carrying the stored form: the
/// findings decided at arrival, the duplicate found at insert; then the
/// answer, the delivery and the delete; the stream ends with the writer
/// thread even while a handle lives.
#[test]
fn committed_events_carry_the_stored_form_in_commit_order() {
    use crate::model::findings::{Judged, StoredAuth};
    use events::Received;
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("w.db"));
    let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
    let mut events = writer.subscribe();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let findings = StoredFindings {
        judged: Judged::AtArrival,
        auth: StoredAuth {
            scheme: "none".into(),
            verdict: "unconfigured".into(),
            detail: String::new(),
            diagnosis: vec![],
            presented: None,
            signed: false,
        },
        event: None,
    };
    let keyed = |key: &str| {
        let mut req = CapturedRequest::new("POST", "/x", vec![], b"b".to_vec());
        req.response_reason = Some(crate::model::PENDING.into());
        let keys = RequestKeys {
            dup_key: Some(key.into()),
            ..RequestKeys::default()
        };
        NewRequest::from_captured(req, Instant::now(), Duration::ZERO, keys)
            .with_findings(findings.clone())
    };
    let first = runtime.block_on(writer.insert(keyed("k"))).unwrap();
    let second = runtime.block_on(writer.insert(keyed("k"))).unwrap();
    let response = CapturedResponse {
        status: 201,
        headers: vec![],
        body: b"ok".to_vec(),
        latency_ms: 1.0,
    };
    runtime.block_on(writer.set_response(first, response.clone()));
    runtime.block_on(writer.set_no_answer(second, "gone".into()));
    let deleted = runtime.block_on(writer.delete(vec![second])).unwrap();
    assert_eq!(deleted, 1);
    let lingering = writer.clone();
    let closer = writer.closer();
    drop(writer);
    runtime.block_on(closer.close());
    thread.join();

    let mut got = Vec::new();
    while let Some(received) = runtime.block_on(events.recv()) {
        match received {
            Received::Event(event) => got.push(event),
            Received::Lagged => panic!("16 events cannot lag"),
        }
    }
    let StoreEvent::Captured(batch) = &got[0] else {
        panic!("{got:?}");
    };
    assert_eq!(batch[0].request.id, first);
    assert_eq!(batch[0].findings.as_ref(), Some(&findings));
    assert_eq!(batch[0].duplicate_of, None);
    let StoreEvent::Captured(batch) = &got[1] else {
        panic!("{got:?}");
    };
    assert_eq!(batch[0].duplicate_of, Some(first), "decided at insert");
    assert_eq!(
        got[2..],
        [
            StoreEvent::Answered(first, Arc::new(Answer::Sent(response))),
            StoreEvent::Answered(second, Arc::new(Answer::NotSent("gone".into()))),
            StoreEvent::Deleted(vec![second].into()),
        ]
    );
    drop(lingering);
}

fn page_size(location: &Location) -> i64 {
    let reader = location.open_reader().unwrap();
    reader
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .unwrap()
}

/// A new store gets the larger pages (a 100 KB body is 7 WAL frames, not
/// 25); a store made with SQLite's default 4 KiB pages keeps them and still
/// takes requests, with every body read back whole.
#[test]
fn new_stores_get_larger_pages_and_old_ones_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let body = vec![b'x'; 100 * 1024];
    let old = dir.path().join("old.db");
    {
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(
            "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x);",
        )
        .unwrap();
    }
    for (location, pages) in [
        (
            Location::File(dir.path().join("new.db")),
            super::super::PAGE_SIZE,
        ),
        (Location::File(old), 4096),
    ] {
        let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
        for _ in 0..3 {
            let req = CapturedRequest::new("POST", "/big", vec![], body.clone());
            let new = NewRequest::from_captured(
                req,
                Instant::now(),
                Duration::ZERO,
                RequestKeys::default(),
            );
            runtime.block_on(writer.insert(new)).unwrap();
        }
        drop(writer);
        thread.join();
        assert_eq!(page_size(&location), pages);
        let reader = location.open_reader().unwrap();
        for id in 1..=3 {
            let stored = super::super::query::get(&reader, id).unwrap().unwrap();
            assert_eq!(stored.request.body, body);
        }
    }
}
