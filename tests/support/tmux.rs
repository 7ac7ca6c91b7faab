//! The tmux harness of the TUI's end-to-end tests: a private tmux server
//! running the real binary in a 160x48 pane, read back with `capture-pane`.
//! Every wait polls the pane with a deadline; nothing sleeps to synchronise.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_hookcatch");
pub const WAIT: Duration = Duration::from_secs(30);
pub const SECRET: &str = "tmux-e2e-shared-secret";

/// A private tmux server, killed when the test ends however it ends.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tmux")
    }

    pub fn pane(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "hc"]).stdout).into_owned()
    }

    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["display-message", "-p", "-t", "hc", format])
                .stdout,
        )
        .trim()
        .to_string()
    }

    /// Poll the pane until `ready` says yes; panic with the pane after `WAIT`.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_within(what, WAIT, ready)
    }

    /// [`Tmux::wait_for`] with a bound of its own (a correctness bound).
    pub fn wait_within(&self, what: &str, bound: Duration, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + bound;
        loop {
            let pane = self.pane();
            if ready(&pane) {
                return pane;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the pane shows:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A named key (`Enter`, `Up`, `F12`), as tmux spells it.
    pub fn press(&self, key: &str) {
        let out = self.cmd(&["send-keys", "-t", "hc", key]);
        assert!(out.status.success(), "send-keys {key}");
    }

    pub fn keys(&self, keys: &str) {
        let out = self.cmd(&["send-keys", "-t", "hc", "-l", keys]);
        assert!(
            out.status.success(),
            "send-keys: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

pub fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The script the pane runs: hookcatch with a clean environment (plus
/// `extra_env`, `NAME='value'` pairs), then a marker with its exit status and
/// the terminal's line discipline (`icanon echo isig` once raw mode is off),
/// then `cat` to keep the pane open.
pub fn write_script(dir: &Path, extra_env: &str) -> std::path::PathBuf {
    // A backtrace (RUST_BACKTRACE set where the tests run) would push the
    // panic message and the tty line off the 48-line pane.
    let mut unset = String::from(" -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE");
    for (key, _) in std::env::vars() {
        if key.starts_with("HOOKCATCH_") || key == "NO_COLOR" {
            unset.push_str(&format!(" -u {key}"));
        }
    }
    let d = dir.display();
    let script = format!(
        "#!/bin/sh\ncd '{d}'\ntrap : INT\n\
         env{unset} HOME='{d}' XDG_CONFIG_HOME='{d}/config' XDG_DATA_HOME='{d}/data' TERM=xterm-256color \
         HOOKCATCH_SECRET='{SECRET}' {extra_env} '{BIN}' --port 0 --store '{d}/hookcatch.db'\n\
         echo \"hookcatch exited with $?\"\n\
         echo \"tty: $(stty -a | tr -s ' ;\\n' '\\n' | grep -E -x -- '-?(icanon|echo|isig)' | tr '\\n' ' ')\"\n\
         exec cat\n"
    );
    let path = dir.join("run.sh");
    std::fs::write(&path, script).expect("write script");
    path
}

/// A tmux server running `script` in a 160x48 pane named `hc`.
pub fn start(name: &str, script: &Path) -> Tmux {
    let tmux = Tmux {
        socket: format!("hookcatch-e2e-{name}-{}", std::process::id()),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-x",
        "160",
        "-y",
        "48",
        "-s",
        "hc",
        "sh",
        &script.display().to_string(),
    ]);
    assert!(
        started.status.success(),
        "tmux new-session: {}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux
}

/// After hookcatch has gone: the alternate screen is left, the cursor is
/// back, mouse capture is off and the line discipline is cooked again.
pub fn assert_restored(tmux: &Tmux, pane: &str) {
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "alternate screen left:\n{pane}"
    );
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "cursor shown again");
    assert_eq!(
        tmux.display("#{mouse_any_flag}"),
        "0",
        "mouse capture released"
    );
    let tty = pane
        .lines()
        .find_map(|l| l.strip_prefix("tty: "))
        .unwrap_or_else(|| panic!("the script prints the tty state:\n{pane}"));
    let modes: Vec<&str> = tty.split_whitespace().collect();
    for mode in ["icanon", "echo", "isig"] {
        assert!(
            modes.contains(&mode),
            "raw mode is off ({mode} set), stty shows: {tty}\n{pane}"
        );
    }
}

pub fn listen_url(pane: &str) -> Option<String> {
    let start = pane.find("http://127.0.0.1:")?;
    let rest = &pane[start..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    let url = rest[..end].trim_end_matches('/');
    url["http://127.0.0.1:".len()..]
        .parse::<u16>()
        .ok()
        .map(|_| url.to_string())
}

/// Wait until the TUI shows its empty list on the alternate screen.
pub fn wait_for_tui(tmux: &Tmux) {
    tmux.wait_for("the TUI", |p| {
        p.contains("captured") && p.contains("Waiting for requests")
    });
    assert_eq!(tmux.display("#{alternate_on}"), "1", "the TUI is up");
}

/// Wait for the script's exit marker; the pane, once it shows `status`.
pub fn wait_for_exit(tmux: &Tmux, status: i32) -> String {
    // The tty line comes right after the status: wait for both.
    let pane = tmux.wait_for("hookcatch to exit", |p| {
        p.contains("hookcatch exited with") && p.contains("tty: ")
    });
    assert!(
        pane.contains(&format!("hookcatch exited with {status}")),
        "exit status {status} expected:\n{pane}"
    );
    pane
}

/// The pid of the process the pane's shell is running (hookcatch: `env`
/// execs it), from the shell's children in /proc.
pub fn hookcatch_pid(tmux: &Tmux) -> String {
    let shell = tmux.display("#{pane_pid}");
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
        .unwrap_or_else(|e| panic!("children of the pane's shell {shell}: {e}"));
    children
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("the pane's shell {shell} has no child"))
        .to_string()
}
