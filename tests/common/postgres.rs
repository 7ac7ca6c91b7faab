//! A throwaway PostgreSQL cluster for one test: `initdb` into a fresh
//! directory under /tmp, `pg_ctl start` on a free loopback port with its
//! unix socket in that directory, stopped (`-m immediate`) and removed on
//! drop. The server binaries come from Debian's `postgresql` package
//! (`/usr/lib/postgresql/VERSION/bin`), which `.ci/run` installs.
//!
//! `initdb` refuses to run as root: as root, the cluster is made and run
//! as the `postgres` user (`runuser`), in a directory that user owns.
//!
//! Without the binaries a test may skip only outside CI (`CI` unset), and
//! says so loudly on stderr; under CI a missing PostgreSQL fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// A running cluster, stopped and removed when dropped.
pub struct Postgres {
    bin: PathBuf,
    /// The cluster's directory: `data/`, the server log and the socket.
    pub dir: PathBuf,
    pub port: u16,
    /// The user to run the server binaries as (`postgres` when we are root).
    run_as: Option<String>,
}

/// The newest `/usr/lib/postgresql/*/bin` with an `initdb`.
fn server_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn check(what: &str, out: std::io::Result<Output>) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Postgres {
    /// Start a cluster, or `None` (after saying so loudly) when PostgreSQL
    /// is not installed and this is not CI. Under CI, no PostgreSQL panics.
    pub fn start(test: &str) -> Option<Postgres> {
        let Some(bin) = server_bin() else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "{test}: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and CI is set: .ci/run installs it"
                );
            }
            eprintln!(
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 !!! SKIPPED {test}: PostgreSQL is not installed\n\
                 !!! (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)\n\
                 !!! Under CI this test fails instead of skipping.\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
            );
            return None;
        };
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = PathBuf::from(format!(
            "/tmp/hookcatch-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).expect("cluster dir");
        let run_as = is_root().then(|| "postgres".to_string());
        if let Some(user) = &run_as {
            check(
                "chown the cluster dir",
                Command::new("chown").arg(user).arg(&dir).output(),
            );
        }
        let pg = Postgres {
            bin,
            dir,
            port: free_port(),
            run_as,
        };
        check(
            "initdb",
            pg.server_cmd("initdb")
                .arg("-D")
                .arg(pg.dir.join("data"))
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
                .output(),
        );
        pg.start_again();
        Some(pg)
    }

    /// A server binary, run as the cluster's owner.
    fn server_cmd(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        };
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Start the server (again, after [`stop_immediate`](Self::stop_immediate)),
    /// waiting until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            self.dir.display(),
            self.port
        );
        check(
            "pg_ctl start",
            self.server_cmd("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .arg("-l")
                .arg(self.dir.join("server.log"))
                .args(["-o", &options, "-w", "-t", "60", "start"])
                .stdout(Stdio::null())
                .output(),
        );
    }

    /// `pg_ctl stop -m immediate`: the server is gone at once, as in a crash.
    pub fn stop_immediate(&self) {
        check(
            "pg_ctl stop",
            self.server_cmd("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .output(),
        );
    }

    /// Create database `name` and give its TCP URL (`postgres://postgres@127.0.0.1:PORT/name`).
    pub fn database(&self, name: &str) -> String {
        self.sql("postgres", &format!("CREATE DATABASE \"{name}\""));
        self.url(name)
    }

    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The same database by its unix socket: `postgres:///name?host=DIR&port=PORT`.
    pub fn socket_url(&self, name: &str) -> String {
        format!(
            "postgres:///{name}?host={}&port={}&user=postgres",
            self.dir.display(),
            self.port
        )
    }

    /// Run SQL with `psql` in `db`; its unaligned, tuples-only output.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let out = check(
            &format!("psql {sql}"),
            Command::new(self.bin.join("psql"))
                .args([
                    "-X",
                    "-q",
                    "-A",
                    "-t",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-U",
                    "postgres",
                ])
                .arg("-h")
                .arg(&self.dir)
                .args(["-p", &self.port.to_string(), "-d", db, "-c", sql])
                .stdin(Stdio::null())
                .output(),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .server_cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
