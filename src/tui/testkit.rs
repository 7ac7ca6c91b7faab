//! Drive the app without a terminal: a [`TestBackend`], the real loader
//! called synchronously, highlight jobs run in place. Sends (`r`, `R`, `e`)
//! are kept in [`Harness::sent`], or run for real on a runtime once
//! [`Harness::attach`] gave the harness a replay kit; their results and the
//! store's events then arrive through an inbox that [`Harness::pump`]
//! drains and [`Harness::wait_for`] waits on (with a deadline). Used by the
//! TUI's tests and the benchmark; not part of the stable API.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use tokio::sync::mpsc;

use super::app::App;
use super::highlight;
use super::inbox::{Cmd, Msg, SendCmd};
use super::loader::Loader;
use super::send_tasks::{NoTerminal, Sends};
use super::theme::Theme;
use super::ui;
use crate::inspect::AuthConfig;
use crate::replay::ReplayKit;
use crate::store::events::{Received, Subscription};
use crate::store::{Location, StoreEvent, query};

pub struct Harness {
    pub app: App,
    pub loader: Loader,
    pub terminal: Terminal<TestBackend>,
    /// What `y` put on the clipboard.
    pub copied: Vec<String>,
    /// Times the app asked for the terminal bell.
    pub bells: usize,
    /// Sends the app asked for while no replay kit is attached.
    pub sent: Vec<SendCmd>,
    live: Option<Live>,
}

/// Sends run for real: the runtime, the starter, the inbox, the store's events.
struct Live {
    runtime: tokio::runtime::Handle,
    sends: Sends,
    inbox: mpsc::UnboundedReceiver<Msg>,
    events: Subscription,
}

impl Harness {
    /// An app over the store at `location`, with a fixed clock and size.
    pub fn new(
        location: &Location,
        auth: AuthConfig,
        theme: Theme,
        now: DateTime<Utc>,
        width: u16,
        height: u16,
    ) -> Harness {
        let loader = Loader::open(location, auth.clone()).expect("open the store for reading");
        let mut app = App::new(
            "http://127.0.0.1:9797",
            &location.describe(),
            theme,
            now,
            Rect::new(0, 0, width, height),
        );
        app.secret_header = auth.secret_header.clone();
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        Harness {
            app,
            loader,
            terminal,
            copied: Vec::new(),
            bells: 0,
            sent: Vec::new(),
            live: None,
        }
    }

    /// Run sends for real with `kit` on `runtime`, editing with `editor`
    /// (a command), and watch the store's `events` as the run loop does.
    pub fn attach(
        &mut self,
        kit: ReplayKit,
        runtime: tokio::runtime::Handle,
        editor: &str,
        events: Subscription,
    ) {
        let (tx, inbox) = mpsc::unbounded_channel();
        self.app.set_replay(&kit.target, kit.ladder_scale, None);
        self.live = Some(Live {
            runtime,
            sends: Sends {
                kit,
                inbox: tx,
                editor: editor.to_string(),
                temp_dir: std::env::temp_dir(),
            },
            inbox,
            events,
        });
    }

    /// Handle whatever arrived in the inbox or from the store; true if anything did.
    fn drain(&mut self) -> bool {
        let Some(live) = self.live.as_mut() else {
            return false;
        };
        let mut msgs = Vec::new();
        while let Ok(msg) = live.inbox.try_recv() {
            msgs.push(msg);
        }
        loop {
            match live.events.try_recv() {
                Ok(Some(Received::Event(event))) => msgs.push(Msg::Notice(event)),
                Ok(Some(Received::Lagged)) => msgs.push(Msg::NoticesLagged),
                Ok(None) | Err(_) => break,
            }
        }
        let any = !msgs.is_empty();
        for msg in msgs {
            self.app.handle(msg);
        }
        any
    }

    fn send(&mut self, cmd: SendCmd) {
        let Some(live) = self.live.as_ref() else {
            self.sent.push(cmd);
            return;
        };
        let _guard = live.runtime.enter();
        match cmd {
            SendCmd::Edit(id) => live.runtime.block_on(live.sends.edit(id, &mut NoTerminal)),
            other => live.sends.start(other),
        }
    }

    /// Pump until `ready` holds, waiting on the inbox; panic after `timeout`.
    pub fn wait_for(&mut self, what: &str, timeout: Duration, ready: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if ready(&self.app) {
                return;
            }
            let now = Instant::now();
            assert!(now < deadline, "timed out waiting for {what}");
            let Some(live) = self.live.as_mut() else {
                panic!("waiting for {what} needs attach()");
            };
            // Block until something arrives (or the deadline), then pump again.
            let (inbox, events) = (&mut live.inbox, &mut live.events);
            let got = live.runtime.block_on(async {
                tokio::time::timeout(deadline - now, async {
                    tokio::select! {
                        Some(msg) = inbox.recv() => Some(msg),
                        received = events.recv() => match received {
                            Some(Received::Event(event)) => Some(Msg::Notice(event)),
                            Some(Received::Lagged) => Some(Msg::NoticesLagged),
                            None => None,
                        },
                    }
                })
                .await
            });
            if let Ok(Some(msg)) = got {
                self.app.handle(msg);
            }
        }
    }

    /// Run every pending command (reads, scans, highlighting, deletes) until
    /// nothing is left, as the real loop would in the background.
    pub fn pump(&mut self) {
        for _ in 0..10_000 {
            self.app.prepare();
            for send in self.app.take_sends() {
                self.send(send);
            }
            let arrived = self.drain();
            let commands = self.app.take_commands();
            if commands.is_empty() && !arrived {
                match self.loader.scan_step() {
                    Some(loaded) => {
                        self.app.handle(Msg::Loaded(loaded));
                        continue;
                    }
                    None => return,
                }
            }
            for cmd in commands {
                self.run(cmd);
            }
        }
        panic!("the app never settled");
    }

    fn run(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Load(load) => {
                if let Some(loaded) = self.loader.handle(load) {
                    self.app.handle(Msg::Loaded(loaded));
                }
            }
            Cmd::Highlight(job) => {
                let (doc, ticket) = (job.doc, job.ticket);
                let done = highlight::run(job);
                self.app.handle(Msg::Highlighted { doc, ticket, done });
            }
            Cmd::Delete(ids) => {
                let result =
                    query::delete(self.loader.connection(), &ids).map_err(|e| e.to_string());
                self.app.handle(Msg::Deleted(result));
                self.app
                    .handle(Msg::Notice(StoreEvent::Deleted(ids.into())));
            }
            Cmd::Copy(text) => self.copied.push(text),
            Cmd::Bell => self.bells += 1,
            Cmd::Export { ids, path, format } => {
                let result = super::export_task::write(
                    self.loader.connection(),
                    &ids,
                    &path,
                    format,
                    &AuthConfig::default(),
                    &self.app.listen_url,
                );
                self.app.handle(Msg::Exported(result));
            }
        }
    }

    /// Handle only the key (what the UI thread does before drawing).
    pub fn press(&mut self, code: KeyCode) {
        self.press_with(code, KeyModifiers::NONE);
    }

    pub fn press_with(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.app
            .handle(Msg::Term(TermEvent::Key(KeyEvent::new(code, modifiers))));
    }

    /// Press a key and let the background work finish.
    pub fn key(&mut self, code: KeyCode) {
        self.press(code);
        self.pump();
    }

    /// Type each character as a key press, then settle.
    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
            self.pump();
        }
    }

    pub fn notice(&mut self, notice: StoreEvent) {
        self.app.handle(Msg::Notice(notice));
        self.pump();
    }

    /// Draw a frame (after `prepare`, like the real loop).
    pub fn draw(&mut self) -> &Buffer {
        self.app.prepare();
        let app = &self.app;
        self.terminal
            .draw(|frame| ui::render(frame, app))
            .expect("draw");
        self.terminal.backend().buffer()
    }

    /// Settle, draw, and return the screen as text, one line per row.
    pub fn screen(&mut self) -> String {
        self.pump();
        self.draw();
        buffer_text(self.terminal.backend().buffer())
    }
}

/// A buffer's symbols, one line per row, trailing spaces trimmed.
pub fn buffer_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Measure `f` once.
pub fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = std::time::Instant::now();
    let out = f();
    (out, start.elapsed())
}
