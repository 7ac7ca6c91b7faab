//! A running `hookcatch relay` on loopback, for the relay's tests and its
//! subscribers' tests alike.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::{WAIT, command, lines_of};

/// The token every test relay is started with.
pub const TOKEN: &str = "relay-token-7f3a";

/// A running `hookcatch relay`.
pub struct Relay {
    pub child: Child,
    pub url: String,
    pub store: PathBuf,
    /// What it wrote to stderr before it listened (warnings about its settings).
    pub early_stderr: Vec<String>,
    /// Kept so the relay never writes to a closed pipe.
    _stderr: mpsc::Receiver<String>,
}

impl Relay {
    pub fn start(dir: &Path, store: &Path, port: u16, args: &[&str]) -> Relay {
        Relay::start_env(dir, store, port, args, &[])
    }

    /// [`Relay::start`] with these environment variables too.
    pub fn start_env(
        dir: &Path,
        store: &Path,
        port: u16,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Relay {
        let mut cmd = command(dir);
        cmd.args(["relay", "--port", &port.to_string(), "--store"])
            .arg(store)
            .args(["--token", TOKEN])
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn relay");
        let stderr = lines_of(child.stderr.take().expect("stderr"));
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        let url = loop {
            match stderr.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    if let Some(rest) = line.split("relay listening on ").nth(1) {
                        break rest.split_whitespace().next().expect("url").to_string();
                    }
                    seen.push(line);
                }
                Err(_) => panic!("relay did not start: {seen:?} {:?}", child.try_wait()),
            }
        };
        Relay {
            child,
            url,
            store: store.to_path_buf(),
            early_stderr: seen,
            _stderr: stderr,
        }
    }

    /// The first stderr line after it listened that contains `needle`.
    #[allow(dead_code)] // not every test file reads it
    pub fn wait_stderr(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            match self
                ._stderr
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => panic!("the relay never said {needle:?}: {seen:?}"),
            }
        }
    }

    /// A relay serving https with a fresh self-signed certificate for
    /// localhost and 127.0.0.1 (its PEM files written in `dir`).
    pub fn start_tls(dir: &Path, store: &Path) -> Relay {
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .expect("certificate");
        let key = certified.signing_key.serialize_der();
        Self::start_tls_with(dir, store, certified.cert.der(), &key)
    }

    /// As [`Relay::start_tls`], the certificate marked as a CA: what a
    /// hand-made self-signed certificate often is.
    pub fn start_tls_ca(dir: &Path, store: &Path) -> Relay {
        let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
            .expect("certificate params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("certificate");
        Self::start_tls_with(dir, store, cert.der(), &key.serialize_der())
    }

    fn start_tls_with(dir: &Path, store: &Path, cert_der: &[u8], key_der: &[u8]) -> Relay {
        let name = store.file_stem().unwrap_or_default().to_string_lossy();
        let cert = dir.join(format!("{name}-cert.pem"));
        let key = dir.join(format!("{name}-key.pem"));
        std::fs::write(&cert, pem("CERTIFICATE", cert_der)).expect("cert.pem");
        std::fs::write(&key, pem("PRIVATE KEY", key_der)).expect("key.pem");
        let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
        Relay::start(dir, store, 0, &["--tls-cert", &cert, "--tls-key", &key])
    }

    pub fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn channel(&self, channel: &str) -> String {
        format!("{}/c/{channel}", self.url)
    }

    pub fn kill9(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    pub fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// DER as PEM (rcgen is built without its PEM writer here).
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}
