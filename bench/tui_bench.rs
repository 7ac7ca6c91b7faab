//! TUI benchmark: 100,000 stored requests, a 200x50 screen.
//!
//! Measures the time to the first full frame (ids read, visible rows built,
//! the selected request's body loaded and highlighted), the time the UI
//! thread spends per frame (handle the key or the loader's answer, prepare,
//! render list + highlighted body), and resident memory. Store reads and
//! highlighting run untimed between frames, as they do off the UI thread in
//! the real loop; their cost is reported on its own line.
//!
//! Run: `cargo bench --bench tui_bench` (`HOOKCATCH_BENCH_REQUESTS=N` changes the
//! count, `HOOKCATCH_BENCH_NO_RECORD=1` skips writing RESULTS.md).
//! Results are printed and appended to `bench/RESULTS.md` under "## TUI".

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use crossterm::event::KeyCode;
use hookcatch::inspect::{self, AuthConfig};
use hookcatch::model::{CapturedRequest, CapturedResponse, HeaderField};
use hookcatch::store::{Location, NewRequest, StoreWriter};
use hookcatch::tui::highlight;
use hookcatch::tui::inbox::{Cmd, Msg};
use hookcatch::tui::testkit::Harness;
use hookcatch::tui::theme::Theme;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;
const SECRET: &str = "bench-shared-secret";
const GENERATE: &str = "HOOKCATCH_BENCH_GENERATE";

fn main() {
    if let Ok(path) = std::env::var(GENERATE) {
        generate(Path::new(&path), count());
        return;
    }
    // `cargo bench` passes `--bench`; anything else that looks like a filter is ignored.
    let count = count();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    // Fill the store in a child process, so this process's memory is the TUI's alone.
    let started = Instant::now();
    let status = std::process::Command::new(std::env::current_exe().expect("own path"))
        .env(GENERATE, &db)
        .status()
        .expect("run the generator");
    assert!(status.success(), "store generation failed");
    println!(
        "stored {count} requests in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let results = measure(&Location::File(db), count);
    println!("{}", results.table());
    if std::env::var_os("HOOKCATCH_BENCH_NO_RECORD").is_some() {
        return;
    }
    if let Err(e) = record(&results) {
        eprintln!("could not update bench/RESULTS.md: {e}");
    }
}

fn count() -> usize {
    std::env::var("HOOKCATCH_BENCH_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

fn auth() -> AuthConfig {
    AuthConfig {
        secret: Some(SECRET.into()),
        ..AuthConfig::default()
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// A Pingara event of about 2 KiB (pretty: about 70 lines), with a valid secret.
fn request(i: usize) -> CapturedRequest {
    let regions: Vec<String> = (0..12)
        .map(|r| format!("\"region-{r}-{}\"", i % 7))
        .collect();
    let checks: Vec<String> = (0..16)
        .map(|c| {
            format!(
                "{{\"at\":\"2026-11-29T10:{:02}:00Z\",\"ms\":{},\"ok\":{}}}",
                c,
                100 + (i * 7 + c) % 900,
                c % 3 != 0
            )
        })
        .collect();
    let body = format!(
        "{{\"event\":\"incident.created\",\"timestamp\":\"2026-11-29T10:00:00.000Z\",\
         \"monitor\":{{\"id\":\"m_{i}\",\"name\":\"Service {i}\",\"url\":\"https://svc{i}.example.com/health\",\"status\":\"down\"}},\
         \"incident\":{{\"id\":\"inc_{i}\",\"status\":\"investigating\",\"startedAt\":\"2026-11-29T09:59:00.000Z\",\"resolvedAt\":null,\
         \"errorType\":\"timeout\",\"errorMessage\":\"Connection timeout after 30000ms\",\"affectedRegions\":[{}],\"checks\":[{}]}}}}",
        regions.join(","),
        checks.join(",")
    );
    let secret = if i.is_multiple_of(10) {
        "wrong"
    } else {
        SECRET
    };
    CapturedRequest::new(
        "POST",
        &format!("/pingara/{}", i % 50),
        vec![
            HeaderField::new("host", b"127.0.0.1:9797".to_vec()),
            HeaderField::new("content-type", b"application/json".to_vec()),
            HeaderField::new("x-pingara-secret", secret.as_bytes().to_vec()),
        ],
        body.into_bytes(),
    )
}

/// The one large request: a JSON body of about 5 MB.
fn big_request() -> CapturedRequest {
    let mut body = String::from("{\"event\":\"bulk.export\",\"items\":[");
    let mut n = 0;
    while body.len() < 5 << 20 {
        if n > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            "{{\"id\":{n},\"name\":\"item {n}\",\"tags\":[\"alpha\",\"beta\"],\"price\":{}.{:02}}}",
            n % 1000,
            n % 100
        ));
        n += 1;
    }
    body.push_str("]}");
    CapturedRequest::new(
        "POST",
        "/export",
        vec![HeaderField::new(
            "content-type",
            b"application/json".to_vec(),
        )],
        body.into_bytes(),
    )
}

fn generate(path: &Path, count: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let location = Location::File(path.to_path_buf());
    let (writer, thread) = StoreWriter::spawn(&location, false).expect("store");
    runtime.block_on(async {
        let start = now() - TimeDelta::seconds(count as i64);
        for chunk in (0..count).collect::<Vec<_>>().chunks(4096) {
            let inserts = chunk.iter().map(|&i| {
                let mut req = if i == count / 2 {
                    big_request()
                } else {
                    request(i)
                };
                req.received_at = start + TimeDelta::seconds(i as i64);
                let summary = inspect::summarize(&req, &auth(), req.received_at);
                req.response = Some(CapturedResponse {
                    status: 200,
                    headers: Vec::new(),
                    body: b"{}".to_vec(),
                    latency_ms: 0.4,
                });
                let new =
                    NewRequest::from_captured(req, Instant::now(), Duration::ZERO, summary.keys());
                let writer = writer.clone();
                async move { writer.insert(new).await.expect("insert") }
            });
            futures::future::join_all(inserts).await;
        }
    });
    drop(writer);
    thread.join();
}

struct Results {
    count: usize,
    first_frame: Duration,
    key_frames: Vec<Duration>,
    all_frames: Vec<Duration>,
    background: Vec<Duration>,
    scans: Vec<(&'static str, Duration, usize)>,
    big_load: Duration,
    big_frame: Duration,
    big_search: Duration,
    rss_browsing_kib: u64,
    rss_kib: u64,
    hwm_kib: u64,
    /// Median time to render a bare ratatui frame of the same size in this
    /// run: the yardstick the key->frame figure is divided by.
    baseline_frame: Duration,
}

/// Run every pending command untimed (the loader thread's and highlight
/// tasks' work); return the messages they produced.
fn background(h: &mut Harness) -> (Vec<Msg>, Duration) {
    let start = Instant::now();
    let mut out = Vec::new();
    for cmd in h.app.take_commands() {
        match cmd {
            Cmd::Load(load) => out.extend(h.loader.handle(load).map(Msg::Loaded)),
            Cmd::Highlight(job) => {
                let (doc, ticket) = (job.doc, job.ticket);
                out.push(Msg::Highlighted {
                    doc,
                    ticket,
                    done: highlight::run(job),
                });
            }
            Cmd::Delete(_) | Cmd::Copy(_) | Cmd::Bell | Cmd::Export { .. } => {}
        }
    }
    (out, start.elapsed())
}

/// The baseline, measured in the same run so noise hits both: a plain
/// ratatui list of 50 rows (no hookcatch code) drawn on the same TestBackend.
fn baseline_frame() -> Duration {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::{Block, Borders, List};
    let rows: Vec<String> = (0..HEIGHT)
        .map(|i| format!("{i:>6}  12:00:00  POST  /pingara-webhook  200  1.2 KiB  pingara/incident.created  valid"))
        .collect();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    let mut samples = Vec::with_capacity(1000);
    for frame in 0..1000 {
        let start = Instant::now();
        terminal
            .draw(|f| {
                let items = rows.iter().skip(frame % 3).map(String::as_str);
                f.render_widget(
                    List::new(items).block(Block::default().borders(Borders::ALL)),
                    f.area(),
                );
            })
            .expect("draw");
        samples.push(start.elapsed());
    }
    percentile(&samples, 0.5)
}

/// One UI-thread frame: handle messages, prepare, render.
fn frame(h: &mut Harness, msgs: Vec<Msg>) -> Duration {
    let start = Instant::now();
    for msg in msgs {
        h.app.handle(msg);
    }
    h.draw();
    start.elapsed()
}

/// Frames until no background work is left, as the loop would draw them.
fn settle(h: &mut Harness, r: &mut Results) {
    for _ in 0..16 {
        h.app.prepare();
        let (msgs, spent) = background(h);
        if msgs.is_empty() {
            return;
        }
        r.background.push(spent);
        let t = frame(h, msgs);
        r.all_frames.push(t);
    }
}

fn measure(location: &Location, count: usize) -> Results {
    let theme = Theme::builtin("hookcatch-dark").expect("theme");
    let mut r = Results {
        count,
        first_frame: Duration::ZERO,
        key_frames: Vec::new(),
        all_frames: Vec::new(),
        background: Vec::new(),
        scans: Vec::new(),
        big_load: Duration::ZERO,
        big_frame: Duration::ZERO,
        big_search: Duration::ZERO,
        rss_browsing_kib: 0,
        rss_kib: 0,
        hwm_kib: 0,
        baseline_frame: baseline_frame(),
    };
    let start = Instant::now();
    let mut h = Harness::new(location, auth(), theme, now(), WIDTH, HEIGHT);
    h.press(KeyCode::Char('3')); // the Body tab: frames render a highlighted body
    h.pump();
    h.draw();
    r.first_frame = start.elapsed();
    assert_eq!(h.app.list.ids.len(), count);

    // Walk up the list: every step selects another request (rows, body, highlight load behind).
    for _ in 0..600 {
        timed_key(&mut h, &mut r, KeyCode::Char('k'));
    }
    // Page through the list.
    for _ in 0..100 {
        timed_key(&mut h, &mut r, KeyCode::PageUp);
    }
    timed_key(&mut h, &mut r, KeyCode::Char('G'));
    // Scroll the highlighted body.
    timed_key(&mut h, &mut r, KeyCode::Tab);
    for i in 0..400 {
        timed_key(
            &mut h,
            &mut r,
            if i % 40 < 20 {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            },
        );
    }
    // Memory after browsing 100,000 requests (no large body open yet).
    let (rss, _) = memory();
    r.rss_browsing_kib = rss;
    // Filter the whole store (loader work, chunk by chunk).
    for (name, text) in [
        ("headers and path only", "path:/pingara/7 !header:x-none"),
        ("reads every body", "body:region-3-5"),
    ] {
        let start = Instant::now();
        h.app.apply_filter(text);
        h.pump();
        let matched = h.app.list.view().len();
        r.scans.push((name, start.elapsed(), matched));
    }
    h.app.apply_filter("");
    h.pump();
    // A 5 MB body: loaded and inspected off the UI thread, then drawn and searched on it.
    h.app.list.follow = false;
    let big: i64 = h
        .loader
        .connection()
        .query_row(
            "SELECT id FROM requests WHERE body_size > 1000000",
            [],
            |row| row.get(0),
        )
        .expect("the large request");
    h.app.list.selected = Some(big);
    h.app.prepare();
    let (msgs, spent) = background(&mut h);
    r.big_load = spent;
    r.big_frame = frame(&mut h, msgs);
    settle(&mut h, &mut r);
    let start = Instant::now();
    h.press(KeyCode::Char('s'));
    for c in "item 7777".chars() {
        h.press(KeyCode::Char(c));
    }
    h.press(KeyCode::Enter);
    h.draw();
    r.big_search = start.elapsed();
    let found = h.app.detail.search.as_ref().map_or(0, |s| s.matches.len());
    let lines = h.app.detail.doc().map_or(0, |d| d.lines.len());
    assert_eq!(h.app.detail.id, Some(big));
    println!("5 MB body: {lines} lines; the search found {found}");
    let (rss, hwm) = memory();
    r.rss_kib = rss;
    r.hwm_kib = hwm;
    r
}

/// A key and its frame, timed; then the background work and the frames it brings.
fn timed_key(h: &mut Harness, r: &mut Results, key: KeyCode) {
    let start = Instant::now();
    h.press(key);
    h.draw();
    let t = start.elapsed();
    r.key_frames.push(t);
    r.all_frames.push(t);
    settle(h, r);
}

fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

impl Results {
    fn table(&self) -> String {
        let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
        let key_median = percentile(&self.key_frames, 0.5);
        let key_p99 = percentile(&self.key_frames, 0.99);
        let all_median = percentile(&self.all_frames, 0.5);
        let all_p99 = percentile(&self.all_frames, 0.99);
        let rss_mb = self.rss_kib as f64 / 1024.0;
        format!(
            "requests stored: {count} · screen {WIDTH}x{HEIGHT} · list + highlighted JSON body (Body tab)\n\n\
             | measure | result | target | |\n\
             |---|---|---|---|\n\
             | first full frame (ids, visible rows, selected body highlighted) | {first} | < 500 ms | {v1} |\n\
             | key -> frame, median ({nk} keys) | {km} | < 2 ms | {v2} |\n\
             | key -> frame, p99 | {kp} | < 10 ms | {v3} |\n\
             | any UI frame (keys and loader answers), median / p99 ({na} frames) | {am} / {ap} | | |\n\
             | baseline: bare ratatui list frame, same size, same run (median) | {base} | | |\n\
             | key -> frame median / baseline | {ratio:.1}x | | |\n\
             | resident memory after browsing (VmRSS) | {browse_mb:.1} MB | < 150 MB | {v4} |\n\
             | resident memory with the 5 MB body open (VmRSS; peak VmHWM {hwm:.1} MB) | {rss_mb:.1} MB | < 150 MB | {v5} |\n\
             | off the UI thread: loader + highlight per step, median / p99 | {bm} / {bp} | | |\n\
             {scans}\
             | 5 MB JSON body: read + inspect + pretty + tree (off the UI thread) | {bl} | | |\n\
             | 5 MB JSON body: first UI frame / search typed and run (UI thread) | {bf} / {bs} | | |\n",
            count = self.count,
            first = ms(self.first_frame),
            v1 = verdict(self.first_frame < Duration::from_millis(500)),
            nk = self.key_frames.len(),
            km = ms(key_median),
            v2 = verdict(key_median < Duration::from_millis(2)),
            kp = ms(key_p99),
            v3 = verdict(key_p99 < Duration::from_millis(10)),
            na = self.all_frames.len(),
            am = ms(all_median),
            ap = ms(all_p99),
            base = ms(self.baseline_frame),
            ratio = key_median.as_secs_f64() / self.baseline_frame.as_secs_f64().max(1e-9),
            hwm = self.hwm_kib as f64 / 1024.0,
            browse_mb = self.rss_browsing_kib as f64 / 1024.0,
            v4 = verdict((self.rss_browsing_kib as f64 / 1024.0) < 150.0),
            v5 = verdict(rss_mb < 150.0),
            bm = ms(percentile(&self.background, 0.5)),
            bp = ms(percentile(&self.background, 0.99)),
            scans = self
                .scans
                .iter()
                .map(|(name, t, n)| format!(
                    "| filter scan of the whole store, {name} ({n} matches) | {} | | |\n",
                    ms(*t)
                ))
                .collect::<String>(),
            bl = ms(self.big_load),
            bf = ms(self.big_frame),
            bs = ms(self.big_search),
        )
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("nproc {cpus}, {model}")
}

/// Append under "## TUI" in bench/RESULTS.md, leaving other sections alone.
fn record(results: &Results) -> std::io::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/RESULTS.md");
    let existing =
        std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmark results\n".into());
    let entry = format!(
        "\n### {} — {}\n\n`cargo bench --bench tui_bench`\n\n{}",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine(),
        results.table()
    );
    let updated = match existing.find("\n## TUI") {
        Some(start) => {
            let body = start + "\n## TUI".len();
            let end = existing[body..]
                .find("\n## ")
                .map_or(existing.len(), |i| body + i);
            let mut text = existing[..end].trim_end().to_string();
            text.push('\n');
            text.push_str(&entry);
            text.push_str(&existing[end..]);
            text
        }
        None => format!("{}\n\n## TUI\n{entry}", existing.trim_end()),
    };
    std::fs::write(path, updated)
}
