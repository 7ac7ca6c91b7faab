//! Drive the app without a terminal: a [`TestBackend`], the real loader
//! called synchronously, highlight jobs run in place. Used by the TUI's
//! tests and the benchmark; not part of the stable API.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::app::App;
use super::event::{Cmd, Msg};
use super::highlight;
use super::loader::Loader;
use super::theme::Theme;
use super::ui;
use crate::inspect::AuthConfig;
use crate::model::Notice;
use crate::store::{Location, query};

pub struct Harness {
    pub app: App,
    pub loader: Loader,
    pub terminal: Terminal<TestBackend>,
    /// What `y` put on the clipboard.
    pub copied: Vec<String>,
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
        }
    }

    /// Run every pending command (reads, scans, highlighting, deletes) until
    /// nothing is left, as the real loop would in the background.
    pub fn pump(&mut self) {
        for _ in 0..10_000 {
            self.app.prepare();
            let commands = self.app.take_commands();
            if commands.is_empty() {
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
                self.app.handle(Msg::Notice(Notice::Deleted));
            }
            Cmd::Copy(text) => self.copied.push(text),
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

    pub fn notice(&mut self, notice: Notice) {
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
