//! The user's mistakes, wherever they were made (a flag, a `HOOKCATCH_*`
//! variable, the config file), each reported by the real binary in exactly
//! one line that names where the bad value came from, with exit code 2.

mod common;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Exit 2 and exactly one line on stderr, `hookcatch: error: ...`, holding
/// every one of `needles`: no usage block, no hint line, no panic.
fn assert_one_line_error(out: &Output, needles: &[&str]) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line, got {}: {err:?}", lines.len());
    let line = lines[0];
    assert!(line.starts_with("hookcatch: error: "), "{line}");
    for needle in needles {
        assert!(line.contains(needle), "expected {needle:?} in {line:?}");
    }
    assert!(
        !line.contains("panicked") && !line.contains("Usage:") && !line.contains("hint:"),
        "{line}"
    );
    line.to_string()
}

/// `hookcatch ARGS` in `dir` with these `HOOKCATCH_*` variables and no
/// others, to its end; one that has not ended within [`WAIT`] (a listener
/// that started when it should have refused) is killed.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(dir);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run hookcatch");
    let deadline = Instant::now() + WAIT;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("hookcatch output")
}

/// A config file holding `text`, and its path as a string.
fn config_file(dir: &Path, text: &str) -> String {
    let path = dir.join("settings.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_bad_value_names_the_flag_the_variable_or_the_file_key_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // (flag, variable, file line, what the error must say besides the place)
    type Case<'a> = (&'a [&'a str], (&'a str, &'a str), &'a str, &'a str);
    let cases: [Case; 6] = [
        (
            &["--status", "99"],
            ("HOOKCATCH_STATUS", "99"),
            "status = 99",
            "not an HTTP status code",
        ),
        (
            &["--bind", "nope"],
            ("HOOKCATCH_BIND", "nope"),
            "bind = \"nope\"",
            "not an IP address",
        ),
        (
            &["--max-body", "lots"],
            ("HOOKCATCH_MAX_BODY", "lots"),
            "max_body = \"lots\"",
            "512k",
        ),
        (
            &["--timeout", "0"],
            ("HOOKCATCH_TIMEOUT", "nan"),
            "timeout = -1.5",
            "seconds",
        ),
        (
            &["--header-timeout", "0"],
            ("HOOKCATCH_HEADER_TIMEOUT", "0"),
            "header_timeout = 0",
            "at least 1 second",
        ),
        (
            &["--idle-timeout", "0"],
            ("HOOKCATCH_IDLE_TIMEOUT", "0"),
            "idle_timeout = 0",
            "at least 1 second",
        ),
    ];
    for (flag, (var, value), file_line, why) in cases {
        let mut args = vec!["config"];
        args.extend_from_slice(flag);
        let line = assert_one_line_error(&run(d, &args, &[]), &[&flag.join(" "), why]);
        assert!(!line.contains("HOOKCATCH_"), "{line}");

        let line = assert_one_line_error(
            &run(d, &["config"], &[(var, value)]),
            &[&format!("{var}={value}"), why],
        );
        assert!(!line.contains(" --"), "no flag was given: {line}");

        let path = config_file(d, &format!("{file_line}\n"));
        let line = assert_one_line_error(
            &run(d, &["config", "--config", &path], &[]),
            &[&format!("{path}: {file_line}"), why],
        );
        assert!(
            !line.contains(" --") && !line.contains("HOOKCATCH_"),
            "{line}"
        );
    }

    // Flags over the environment over the file, also when the lower layer is wrong.
    let path = config_file(d, "status = 99\n");
    let out = run(
        d,
        &["config", "--config", &path],
        &[("HOOKCATCH_STATUS", "201")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("status = 201"));
}

#[test]
fn a_variable_that_does_not_parse_is_one_line_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let line = assert_one_line_error(
        &run(d, &["config"], &[("HOOKCATCH_PORT", "abc")]),
        &["HOOKCATCH_PORT=abc", "port"],
    );
    assert!(!line.contains("--port"), "{line}");
    // Every command that reads the configuration says the same.
    assert_one_line_error(
        &run(d, &["list"], &[("HOOKCATCH_DELAY", "soon")]),
        &["HOOKCATCH_DELAY=soon"],
    );
    assert_one_line_error(
        &run(d, &["config"], &[("HOOKCATCH_FSYNC", "maybe")]),
        &["HOOKCATCH_FSYNC=maybe", "true or false"],
    );
}

#[test]
fn switches_take_the_usual_boolish_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = |env: &[(&str, &str)], file: &str| {
        let path = config_file(d, file);
        let out = run(d, &["config", "--config", &path], env);
        assert!(
            out.status.success(),
            "{env:?} {file:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out)
    };
    let on = config(
        &[
            ("HOOKCATCH_EPHEMERAL", "1"),
            ("HOOKCATCH_FSYNC", "yes"),
            ("HOOKCATCH_HEADLESS", "ON"),
            ("HOOKCATCH_ENFORCE_AUTH", "True"),
            ("HOOKCATCH_INSECURE", "y"),
            ("HOOKCATCH_BELL", "1"),
        ],
        "",
    );
    for line in [
        "store = \"ephemeral\"",
        "fsync = true",
        "headless = true",
        "enforce_auth = true",
        "insecure = true",
        "bell = true",
    ] {
        assert!(on.contains(line), "{line} in {on}");
    }
    // The environment's 0 / off beats the file's on.
    let off = config(
        &[("HOOKCATCH_FSYNC", "0"), ("HOOKCATCH_HEADLESS", "off")],
        "fsync = true\nheadless = true\ninsecure = \"yes\"\nenforce_auth = 1\nbell = true\n",
    );
    for line in [
        "fsync = false",
        "headless = false",
        "insecure = true",
        "enforce_auth = true",
        "bell = true",
    ] {
        assert!(off.contains(line), "{line} in {off}");
    }
    let flag = stdout(&run(d, &["config", "--bell"], &[]));
    assert!(flag.contains("bell = true"), "{flag}");
}

#[test]
fn an_unknown_provider_in_the_environment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [&["config"][..], &["list"][..]] {
        assert_one_line_error(
            &run(d, args, &[("HOOKCATCH_VERIFY_FOO", "x")]),
            &[
                "HOOKCATCH_VERIFY_FOO",
                "unknown signature provider",
                "HOOKCATCH_VERIFY_GITHUB",
                "HOOKCATCH_VERIFY_STANDARD_WEBHOOKS",
            ],
        );
    }
    assert_one_line_error(
        &run(d, &["config", "--verify", "foo=x"], &[]),
        &["--verify", "github"],
    );
    let path = config_file(d, "[verify]\nfoo = \"x\"\n");
    assert_one_line_error(
        &run(d, &["config", "--config", &path], &[]),
        &[&format!("{path}: [verify] foo"), "github"],
    );
    // A known provider, however it is spelled, still works.
    let out = run(
        d,
        &["config"],
        &[(
            "HOOKCATCH_VERIFY_STANDARD_WEBHOOKS",
            "whsec_abcdefghijklmnop",
        )],
    );
    assert!(out.status.success());
    assert!(stdout(&out).contains("standard-webhooks = "));
}

#[test]
fn flag_mistakes_are_one_line_and_help_still_prints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["listen", "--status", "abc"],
            &["'abc'", "--status", "hookcatch listen --help"],
        ),
        (
            &["list", "--limit", "abc"],
            &["'abc'", "--limit", "hookcatch list --help"],
        ),
        (
            &["list", "--bogus"],
            &["'--bogus'", "hookcatch list --help"],
        ),
        (&["show", "-1"], &["\"-1\" is not a request id"]),
        (
            &["delete", "--all", "3"],
            &["--all", "hookcatch delete --help"],
        ),
        (
            &["delete"],
            &["required arguments were not provided: <IDS|--all>"],
        ),
        (
            &["export", "--format", "xml"],
            &["'xml'", "ndjson, har, curl", "hookcatch export --help"],
        ),
        (&["--port", "99999"], &["99999", "(hookcatch --help)"]),
    ];
    for (args, needles) in cases {
        assert_one_line_error(&run(d, args, &[]), needles);
    }
    for args in [
        &["--help"][..],
        &["list", "--help"],
        &["--version"],
        &["-h"],
    ] {
        let out = run(d, args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}");
        assert!(stdout(&out).contains("hookcatch"), "{args:?}");
    }
    assert!(stdout(&run(d, &["listen", "--help"], &[])).contains("Usage:"));
}

#[test]
fn a_store_that_cannot_be_opened_is_one_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let blocker = d.join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let under_a_file = blocker.join("x.db");
    let s = under_a_file.to_str().unwrap();
    assert_one_line_error(
        &run(
            d,
            &["listen", "--headless", "--port", "0", "--store", s],
            &[],
        ),
        &[s, "--ephemeral"],
    );
    // A file that is no database is damaged, not a wrong place: one line
    // that says so, exit 1 (a runtime failure, not a mistake in the flags).
    let junk = d.join("junk.db");
    std::fs::write(&junk, "this is not a SQLite database, not even close").unwrap();
    std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o600)).unwrap();
    let j = junk.to_str().unwrap();
    for args in [
        &["listen", "--headless", "--port", "0", "--store", j][..],
        &["list", "--store", j],
    ] {
        let out = run(d, args, &[]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(j) && err.contains("is corrupted"), "{err}");
    }
}

#[test]
fn config_masks_the_password_of_a_forward_url() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run(
        d,
        &[
            "config",
            "--forward",
            "http://user:pw-hunter2@localhost:3000/x",
        ],
        &[],
    );
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("forward = \"http://user:••••@localhost:3000/x\""),
        "{text}"
    );
    let path = config_file(
        d,
        "replay_to = \"https://ann:s3cret-pass@example.com/hook\"\n",
    );
    let out = run(
        d,
        &["config", "--config", &path],
        &[("HOOKCATCH_FORWARD", "https://tok3n-value@example.com/")],
    );
    let text = stdout(&out);
    assert!(out.status.success());
    assert!(
        !text.contains("s3cret-pass") && !text.contains("tok3n-value"),
        "{text}"
    );
    assert!(text.contains("ann:••••@example.com/hook"), "{text}");
    // A bad URL is reported masked too.
    let line = assert_one_line_error(
        &run(d, &["config", "--forward", "ftp://u:hunter2@x/"], &[]),
        &["--forward", "u:••••@x", "http://"],
    );
    assert!(!line.contains("hunter2"), "{line}");
}

#[test]
fn framing_headers_are_refused_wherever_they_are_given() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = d.join("s.db");
    let s = store.to_str().unwrap();
    let says = |name: &str| vec![name.to_string(), "hookcatch sets it itself".to_string()];
    let check = |out: Output, place: &str, name: &str| {
        let mut needles = says(name);
        needles.push(place.to_string());
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        assert_one_line_error(&out, &needles);
    };
    check(
        run(
            d,
            &[
                "listen",
                "--headless",
                "--port",
                "0",
                "--store",
                s,
                "--response-header",
                "Content-Length: 999",
                "--response-body",
                "<a/>",
            ],
            &[],
        ),
        "--response-header 'Content-Length: 999'",
        "Content-Length",
    );
    assert!(!store.exists(), "the listener never started");
    check(
        run(
            d,
            &["config"],
            &[("HOOKCATCH_RESPONSE_HEADER", "Transfer-Encoding: chunked")],
        ),
        "HOOKCATCH_RESPONSE_HEADER=",
        "Transfer-Encoding",
    );
    check(
        run(
            d,
            &["config"],
            &[("HOOKCATCH_RESPONSE_HEADERS", "X-Ok: 1\nUpgrade: h2c")],
        ),
        "HOOKCATCH_RESPONSE_HEADERS=",
        "Upgrade",
    );
    let path = config_file(
        d,
        "response_headers = [\"X-Ok: 1\", \"content-length: 5\"]\n",
    );
    check(
        run(d, &["config", "--config", &path], &[]),
        &format!("{path}: response_headers"),
        "content-length",
    );
    check(
        run(
            d,
            &[
                "config",
                "--rule",
                "/x -> 200 header=Content-Length:3 body=abc",
            ],
            &[],
        ),
        "--rule",
        "Content-Length",
    );
    check(
        run(
            d,
            &["config"],
            &[(
                "HOOKCATCH_RULE",
                "/x -> 200 header=Transfer-Encoding:chunked",
            )],
        ),
        "HOOKCATCH_RULE=",
        "Transfer-Encoding",
    );
    let path = config_file(
        d,
        "[[rules]]\npath = \"/x\"\nheaders = [\"Content-Length: 1\"]\nbody = \"abc\"\n",
    );
    check(
        run(d, &["config", "--config", &path], &[]),
        &format!("{path}: [[rules]] #1"),
        "Content-Length",
    );
    // Other headers still pass.
    let out = run(
        d,
        &["config", "--response-header", "X-Caught-By: hookcatch"],
        &[],
    );
    assert!(out.status.success());
}

#[test]
fn relay_settings_that_belong_elsewhere_or_do_not_parse_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let relay = ["relay", "--port", "0", "--ephemeral", "--token", "t"];
    let cases: [(&[&str], &[&str]); 4] = [
        // The relay takes no listen-only flag: clap refuses them by name.
        (
            &["--from", "http://127.0.0.1:9/c/a"],
            &["unexpected argument '--from'", "hookcatch relay --help"],
        ),
        (
            &["--forward", "http://127.0.0.1:9/hook"],
            &["unexpected argument '--forward'", "hookcatch relay --help"],
        ),
        (
            &["--hold", "0"],
            &["--hold 0: expected seconds from 0.1 to 300"],
        ),
        (
            &["--rate", "fast"],
            &["--rate fast: expected requests per second"],
        ),
    ];
    for (extra, needles) in cases {
        let mut args = relay.to_vec();
        args.extend_from_slice(extra);
        assert_one_line_error(&run(d, &args, &[]), needles);
    }
}
