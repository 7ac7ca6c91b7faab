//! The hostile corpus: what no well-behaved client sends, over raw sockets,
//! against the real binary and a real store. Every case asserts that the
//! listener still answers a normal request after it; every table asserts
//! that the store passes `PRAGMA integrity_check`, that every `2xx`
//! answered is a stored request, and that nothing raw reached stdout or
//! stderr (see `harness`).

#[path = "../common/mod.rs"]
mod common;

mod framing;
mod h2;
mod harness;
mod limits;
mod load;
mod slow;
mod wire;

use harness::run_table;

const QUICK: &[&str] = &["--header-timeout", "2", "--body-timeout", "2"];

#[test]
fn http1_framing() {
    let mut cases = framing::request_lines();
    cases.extend(framing::control_bytes());
    cases.extend(framing::smuggling());
    cases.extend(framing::chunks());
    cases.extend(framing::expect());
    run_table(QUICK, cases);
}

#[test]
fn header_floods_and_bodies_over_the_limit() {
    let mut cases = limits::floods();
    cases.extend(limits::over_limit());
    run_table(&["--max-body", "64k", "--header-timeout", "2"], cases);
}

#[test]
fn bodies_that_expand_when_decoded() {
    run_table(&["--max-body", "32m"], limits::expanding());
}

#[test]
fn slow_and_vanishing_clients() {
    run_table(QUICK, slow::cases());
}

#[test]
fn h2c_floods_and_broken_frames() {
    let mut cases = h2::cases();
    cases.push(h2::bad_preface());
    run_table(QUICK, cases);
}

#[test]
fn many_connections_and_pipelining() {
    run_table(&[], load::cases());
}

#[test]
fn silent_and_idle_connections_are_cut() {
    let mut args = QUICK.to_vec();
    args.extend(["--idle-timeout", "2"]);
    run_table(&args, slow::silent());
}

#[test]
fn malformed_chunked_bodies_get_400_and_are_recorded_malformed() {
    let records = run_table(QUICK, framing::malformed_chunks_answered());
    for r in records
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/c/")))
    {
        let text = r.to_string().to_ascii_lowercase();
        assert!(text.contains("malformed"), "{r}");
        assert!(!text.contains("went away"), "{r}");
        assert_eq!(r["response"]["status"], 400, "{r}");
    }
}

#[test]
fn no_raw_del_c1_or_bidi_in_json_output() {
    harness::run_strict(QUICK, framing::control_bytes());
}
