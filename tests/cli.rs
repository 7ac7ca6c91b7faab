//! The command line: list, show, delete, config, and the one-line errors
//! for the user's mistakes (exit code 2, never a panic).

mod common;

use common::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A store with three requests in it, made by the real listener.
fn populated(dir: &std::path::Path) -> std::path::PathBuf {
    let hc = Hookcatch::start(dir, &[]);
    for (i, path) in ["/one", "/two?x=1", "/three"].iter().enumerate() {
        let answer = raw_exchange(
            &hc.addr,
            format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{{\"n\":{i}}} ").as_bytes(),
        );
        assert!(answer.starts_with("HTTP/1.1 200"));
        hc.next_json();
    }
    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    store
}

#[test]
fn list_show_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let store = populated(dir.path());

    let out = cli_store(dir.path(), &store, &["list"]);
    assert!(out.status.success());
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].contains("ID")
            && lines[0].contains("METHOD")
            && lines[0].contains("STATUS")
            && lines[0].contains("SIZE")
    );
    assert_eq!(lines.len(), 4);
    assert!(
        lines[1].contains("POST")
            && lines[1].contains("/one")
            && lines[1].contains("200")
            && lines[1].contains("8 B")
    );

    let out = cli_store(dir.path(), &store, &["list", "--limit", "2", "--json"]);
    let ids: Vec<i64> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, [2, 3], "the newest N, oldest first");

    let out = cli_store(dir.path(), &store, &["show", "2"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("POST /two?x=1 HTTP/1.1"), "{text}");
    assert!(text.contains("content-type: application/json"));
    assert!(text.contains("\"n\": 1"), "pretty JSON body: {text}");

    let out = cli_store(dir.path(), &store, &["show", "99"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no request #99"));
    assert_usage_error(
        &cli_store(dir.path(), &store, &["show", "abc"]),
        "not a request id",
    );

    let out = cli_store(dir.path(), &store, &["delete", "1", "3"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("deleted 2 requests"));
    let left: Vec<i64> = list_json(dir.path(), &store)
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    assert_eq!(left, [2]);
    // A missing id fails (exit 1) after the others are deleted.
    let out = cli_store(dir.path(), &store, &["delete", "2", "2", "99"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("deleted 1 request\n"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("1 of the ids given did not exist"));
    assert!(list_json(dir.path(), &store).is_empty());
    assert!(
        cli_store(dir.path(), &store, &["delete", "--all"])
            .status
            .success()
    );
    assert!(list_json(dir.path(), &store).is_empty());
    assert_usage_error(&cli_store(dir.path(), &store, &["delete"]), "required");
}

#[test]
fn list_works_while_a_listener_writes() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    for i in 0..5 {
        raw_exchange(
            &hc.addr,
            format!("GET /live{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        hc.next_json();
        assert_eq!(list_json(dir.path(), &hc.store).len(), i + 1);
    }
}

#[test]
fn mistakes_get_one_clear_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let s = store.to_str().unwrap();
    assert_usage_error(
        &cli(
            dir.path(),
            &["listen", "--headless", "--store", s, "--max-body", "ten"],
        ),
        "--max-body",
    );
    assert_usage_error(
        &cli(
            dir.path(),
            &["listen", "--headless", "--store", s, "--status", "1000"],
        ),
        "--status 1000",
    );
    assert_usage_error(
        &cli(
            dir.path(),
            &["listen", "--headless", "--store", s, "--bind", "nope"],
        ),
        "not an IP address",
    );
    assert_usage_error(
        &cli(
            dir.path(),
            &[
                "listen",
                "--headless",
                "--store",
                s,
                "--response-header",
                "broken",
            ],
        ),
        "Name: value",
    );
    assert_usage_error(
        &cli(
            dir.path(),
            &[
                "listen",
                "--headless",
                "--store",
                s,
                "--response-body",
                "@/no/such/file",
            ],
        ),
        "cannot read",
    );
    assert_usage_error(
        &cli(
            dir.path(),
            &["listen", "--headless", "--store", s, "--port", "70000"],
        ),
        "70000",
    );
    // A store that does not exist is a runtime failure (1), not a usage error.
    let missing = cli(
        dir.path(),
        &[
            "list",
            "--store",
            dir.path().join("missing.db").to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no store at") && err.contains("nothing captured yet"),
        "{err}"
    );

    // Port in use.
    let hc = Hookcatch::start(dir.path(), &[]);
    let port = hc.addr.rsplit(':').next().unwrap().to_string();
    let other = dir.path().join("other.db");
    let out = cli(
        dir.path(),
        &[
            "listen",
            "--headless",
            "--port",
            &port,
            "--store",
            other.to_str().unwrap(),
        ],
    );
    assert_usage_error(&out, "already in use");
    drop(hc);

    // A store path that cannot be created.
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a dir").unwrap();
    let out = cli(
        dir.path(),
        &[
            "listen",
            "--headless",
            "--port",
            "0",
            "--store",
            blocker.join("x.db").to_str().unwrap(),
        ],
    );
    assert_usage_error(&out, "--store");

    // A config file with a typo.
    std::fs::write(dir.path().join("hookcatch.toml"), "prot = 1\n").unwrap();
    assert_usage_error(&cli(dir.path(), &["config"]), "prot");
}

#[test]
fn config_precedence_is_flag_env_file_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hookcatch.toml"),
        "port = 1111\nstatus = 201\ndelay = 5\nsecret = \"file-secret-value\"\n[verify]\ngithub = \"gh-file-secret\"\n",
    )
    .unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = command(dir.path());
        cmd.arg("config").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let from_file = run(&[], &[]);
    assert!(from_file.contains("port = 1111"));
    assert!(from_file.contains("status = 201"));
    assert!(from_file.contains("delay = 5"));
    assert!(from_file.contains("config file: hookcatch.toml"));
    assert!(
        !from_file.contains("file-secret-value"),
        "secrets are masked: {from_file}"
    );
    assert!(!from_file.contains("gh-file-secret"));
    assert!(from_file.contains("github = "));

    let from_env = run(
        &[],
        &[("HOOKCATCH_PORT", "2222"), ("HOOKCATCH_STATUS", "202")],
    );
    assert!(
        from_env.contains("port = 2222")
            && from_env.contains("status = 202")
            && from_env.contains("delay = 5")
    );

    let from_flag = run(&["--port", "3333"], &[("HOOKCATCH_PORT", "2222")]);
    assert!(from_flag.contains("port = 3333"));

    let explicit = dir.path().join("other.toml");
    std::fs::write(&explicit, "port = 4444\n").unwrap();
    let from_other = run(&["--config", explicit.to_str().unwrap()], &[]);
    assert!(from_other.contains("port = 4444"));
    assert!(
        from_other.contains("status = 200"),
        "defaults fill the rest"
    );
}

#[test]
fn help_names_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["listen", "--help"]);
    let help = stdout(&out);
    for flag in [
        "--bind",
        "--port",
        "--store",
        "--ephemeral",
        "--fsync",
        "--headless",
        "--status",
        "--response-body",
        "--response-header",
        "--delay",
        "--max-body",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn a_non_loopback_bind_warns() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    let mut child = command(dir.path())
        .args([
            "listen",
            "--headless",
            "--bind",
            "0.0.0.0",
            "--port",
            "0",
            "--store",
        ])
        .arg(&store)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    for line in stderr.lines().map_while(Result::ok) {
        let done = line.contains("listening on");
        seen.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = seen.join("\n");
    assert!(
        text.contains("warning") && text.contains("anyone who can reach this machine"),
        "{text}"
    );
}

#[test]
fn an_unknown_theme_is_a_usage_error_before_the_port_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    // The port is busy: were the theme checked after binding, the error
    // would be about the port.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    for extra in [&["--headless"][..], &[][..]] {
        let mut args = vec!["listen", "--port", &port, "--theme", "no-such-theme"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--store", store.to_str().unwrap()]);
        let out = cli(dir.path(), &args);
        assert_usage_error(&out, "unknown theme \"no-such-theme\"");
        let err = stderr(&out);
        assert!(
            err.contains("hookcatch-dark") && err.contains("hookcatch-light"),
            "the names are listed: {err}"
        );
        assert!(!err.contains("already in use"), "{err}");
    }
    assert!(!store.exists(), "nothing was started");
}

/// `list --follow` beside a running listener: the existing requests first,
/// then each new one as it is committed, filtered like the listing.
#[test]
fn list_follow_prints_new_requests_as_they_come() {
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let store = populated(dir.path());
    let hc = Hookcatch::start_with(dir.path(), &store, &[], |_| {});
    let mut follower = command(dir.path())
        .args([
            "list",
            "--json",
            "--follow",
            "--filter",
            "!method:GET",
            "--store",
        ])
        .arg(&store)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn list --follow");
    let lines = lines_of(follower.stdout.take().unwrap());
    let next = || -> serde_json::Value {
        let line = lines.recv_timeout(WAIT).expect("a line from list --follow");
        serde_json::from_str(&line).expect("JSON line")
    };
    let first: Vec<i64> = (0..3).map(|_| next()["id"].as_i64().unwrap()).collect();
    assert_eq!(first, [1, 2, 3], "what is stored already comes first");

    for (method, path) in [("GET", "/skipped"), ("PUT", "/followed")] {
        let answer = raw_exchange(
            &hc.addr,
            format!("{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    let line = next();
    assert_eq!(line["id"], 5, "the GET (#4) is filtered out");
    assert_eq!(line["path"], "/followed");
    assert!(
        lines
            .recv_timeout(std::time::Duration::from_millis(500))
            .is_err(),
        "nothing else"
    );
    let _ = follower.kill();
    let _ = follower.wait();
    assert_eq!(hc.stop().code(), Some(0));
}
