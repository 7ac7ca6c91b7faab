//! The terminal interface: a live request list, a detail pane with tabs,
//! highlighted bodies, a JSON tree, themes.
//!
//! One loop owns the [`App`](app::App): it waits for anything (a key, a store
//! notice, a loader result, a finished highlight job), drains everything else
//! that is pending, dispatches what the app asked for, and draws at most once
//! per frame interval, so a burst of ten thousand captures costs a few frames.
//! Store reads run on the loader thread, highlighting in `spawn_blocking`,
//! deletes through the store writer; the loop itself never does IO beyond
//! drawing.
//!
//! The terminal (raw mode, alternate screen, mouse capture) is restored on
//! quit, Ctrl-C (a key in raw mode), SIGTERM (`ctx.shutdown`) and panic.

pub mod app;
pub mod curl;
pub mod data;
pub mod detail;
pub mod event;
pub mod highlight;
pub mod input;
pub mod jsontree;
pub mod keys;
pub mod listing;
pub mod loader;
#[doc(hidden)]
pub mod testkit;
pub mod theme;
pub mod ui;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt as _;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use self::app::App;
use self::event::{Cmd, Msg};
use self::loader::Loader;
use self::theme::Theme;
use crate::inspect::AuthConfig;
use crate::model::Notice;
use crate::store::{Location, StoreWriter, query};

pub use self::theme::theme_list;

/// Everything the interface needs from the running listener.
pub struct TuiContext {
    pub listen_url: String,
    pub store: Location,
    pub writer: StoreWriter,
    pub notices: broadcast::Receiver<Notice>,
    pub auth: AuthConfig,
    pub theme: Option<String>,
    /// Cancelled on SIGTERM; the TUI also returns when the user quits.
    pub shutdown: CancellationToken,
}

/// At most one frame this often (~60 fps).
const FRAME: Duration = Duration::from_millis(16);
/// Relative times and the rate refresh this often when nothing happens.
const TICK: Duration = Duration::from_secs(1);

pub async fn run(ctx: TuiContext) -> anyhow::Result<()> {
    // Everything that can fail for a plain reason fails before the terminal changes.
    let theme = Theme::load(ctx.theme.as_deref())?;
    let loader = Loader::open(&ctx.store, ctx.auth.clone()).context("cannot read the store")?;
    let (inbox_tx, inbox) = mpsc::unbounded_channel::<Msg>();
    let (load_tx, load_rx) = std::sync::mpsc::channel();
    let loader_inbox = inbox_tx.clone();
    loader
        .spawn(load_rx, move |loaded| {
            loader_inbox.send(Msg::Loaded(loaded)).is_ok()
        })
        .context("cannot start the store reader")?;

    let guard = TerminalGuard::enter().context("cannot set up the terminal")?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let size = terminal.size()?;
    let mut app = App::new(
        &ctx.listen_url,
        &ctx.store.describe(),
        theme,
        Utc::now(),
        Rect::new(0, 0, size.width, size.height),
    );
    app.secret_header = ctx.auth.secret_header.clone();
    let outcome = event_loop(
        &mut terminal,
        &mut app,
        Channels {
            inbox_tx,
            inbox,
            load_tx,
            notices: ctx.notices,
        },
        &ctx.writer,
        &ctx.shutdown,
    )
    .await;
    drop(terminal);
    guard.restore();
    outcome
}

struct Channels {
    inbox_tx: mpsc::UnboundedSender<Msg>,
    inbox: mpsc::UnboundedReceiver<Msg>,
    load_tx: std::sync::mpsc::Sender<loader::LoadCmd>,
    notices: broadcast::Receiver<Notice>,
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    app: &mut App,
    mut ch: Channels,
    writer: &StoreWriter,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut notices_open = true;
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    loop {
        dispatch(app, &ch, writer, terminal);
        if app.should_quit {
            return Ok(());
        }
        if dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            app.now = Utc::now();
            app.prepare();
            dispatch(app, &ch, writer, terminal);
            terminal.draw(|frame| ui::render(frame, app))?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        let next_frame =
            tokio::time::Instant::from_std(last_draw.map_or_else(Instant::now, |t| t + FRAME));
        tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ok(()),
            event = events.next() => match event {
                Some(Ok(event)) => app.handle(Msg::Term(event)),
                Some(Err(e)) => return Err(e).context("cannot read the terminal"),
                None => return Ok(()),
            },
            notice = ch.notices.recv(), if notices_open => match notice {
                Ok(notice) => app.handle(Msg::Notice(notice)),
                Err(broadcast::error::RecvError::Lagged(_)) => app.handle(Msg::NoticesLagged),
                Err(broadcast::error::RecvError::Closed) => notices_open = false,
            },
            Some(msg) = ch.inbox.recv() => app.handle(msg),
            _ = tick.tick() => app.now = Utc::now(),
            () = tokio::time::sleep_until(next_frame), if dirty => {}
        }
        dirty = true;
        // Drain whatever else is pending, then draw once for all of it.
        loop {
            let mut any = false;
            while let Ok(msg) = ch.inbox.try_recv() {
                app.handle(msg);
                any = true;
            }
            loop {
                match ch.notices.try_recv() {
                    Ok(notice) => app.handle(Msg::Notice(notice)),
                    Err(broadcast::error::TryRecvError::Lagged(_)) => {
                        app.handle(Msg::NoticesLagged)
                    }
                    Err(_) => break,
                }
                any = true;
            }
            // Terminal events are not drained here: polling crossterm's EventStream
            // with a no-op waker (`now_or_never`) would leave its wake task holding
            // that waker, and later keys would wait for the next tick. They arrive
            // one per wake-up instead; draws stay capped at one per frame.
            if !any || app.should_quit {
                break;
            }
        }
    }
}

/// Send the app's commands where they go.
fn dispatch(
    app: &mut App,
    ch: &Channels,
    writer: &StoreWriter,
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
) {
    for cmd in app.take_commands() {
        match cmd {
            Cmd::Load(load) => {
                if ch.load_tx.send(load).is_err() {
                    app.complain("the store reader stopped; restart hookcatch");
                }
            }
            Cmd::Highlight(job) => {
                let tx = ch.inbox_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let (doc, ticket) = (job.doc, job.ticket);
                    let done = highlight::run(job);
                    let _ = tx.send(Msg::Highlighted { doc, ticket, done });
                });
            }
            Cmd::Delete(ids) => {
                let tx = ch.inbox_tx.clone();
                let writer = writer.clone();
                tokio::spawn(async move {
                    let result = writer
                        .run(Some(Notice::Deleted), move |conn| query::delete(conn, &ids))
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Deleted(result));
                });
            }
            Cmd::Copy(text) => {
                // The user's explicit copy: base64 inside OSC 52, nothing raw.
                let out = terminal.backend_mut();
                if out
                    .write_all(curl::osc52(&text).as_bytes())
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    app.complain("could not write to the terminal");
                }
            }
        }
    }
}

static ACTIVE: AtomicBool = AtomicBool::new(false);
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

/// Raw mode, alternate screen and mouse capture, undone on drop and on a
/// panic of the UI thread.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> std::io::Result<TerminalGuard> {
        install_panic_hook();
        if let Ok(mut t) = UI_THREAD.lock() {
            *t = Some(std::thread::current().id());
        }
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let guard = TerminalGuard;
        crossterm::execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            crossterm::cursor::Hide
        )?;
        Ok(guard)
    }

    fn restore(self) {
        drop(self);
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = crossterm::execute!(
            std::io::stdout(),
            DisableMouseCapture,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = disable_raw_mode();
    }
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ui = UI_THREAD.lock().ok().and_then(|t| *t);
            // Tasks on other threads may panic without taking the screen down
            // (the UI reports what stopped); the UI thread restores first so
            // the message is readable.
            if ui.is_none_or(|id| id == std::thread::current().id()) {
                restore_terminal();
            }
            previous(info);
        }));
    });
}
