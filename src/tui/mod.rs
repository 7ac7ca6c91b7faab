//! The terminal interface: a live request list, a detail pane with tabs,
//! highlighted bodies, a JSON tree, themes.
//!
//! One loop owns the [`App`](app::App): it waits for anything (a key, a store
//! notice, a loader result, a finished highlight job), drains everything else
//! that is pending, dispatches what the app asked for, and draws at most once
//! per frame interval, so a burst of ten thousand captures costs a few frames.
//! Store reads run on the loader thread, highlighting in `spawn_blocking`,
//! deletes through the store writer, replays and retry ladders as tasks
//! ([`send_tasks`]); the loop itself never does IO beyond drawing. The one pause:
//! `e` hands the terminal to `$EDITOR` and awaits it (the listener keeps
//! capturing meanwhile).
//!
//! The terminal (raw mode, alternate screen, mouse capture) is restored on
//! quit, Ctrl-C (a key in raw mode), SIGTERM (`ctx.shutdown`) and panic.

pub mod app;
pub mod data;
pub mod delivery_data;
pub mod editor;
pub mod export_task;
pub mod highlight;
pub mod history;
pub mod inbox;
pub mod input;
pub mod jsontree;
pub mod keys;
pub mod listing;
pub mod loader;
pub mod send_tasks;
#[doc(hidden)]
pub mod testkit;
pub mod theme;
pub mod ui;
pub mod watch;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
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
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use self::app::App;
use self::inbox::{Cmd, Msg, SendCmd};
use self::loader::Loader;
use self::send_tasks::{Sends, Suspend};
use self::theme::Theme;
use crate::capture::ResponseMode;
use crate::export::curl;
use crate::inspect::AuthConfig;
use crate::model::RequestId;
use crate::replay::ReplayKit;
use crate::store::events::{Received, Subscription};
use crate::store::{Location, StoreWriter};

pub use self::theme::theme_list;

/// Everything the interface needs from the running listener.
pub struct TuiContext {
    pub listen_url: String,
    pub store: Location,
    pub writer: StoreWriter,
    pub events: Subscription,
    pub auth: AuthConfig,
    pub theme: Option<String>,
    /// Ring the terminal bell when requests arrive (`--bell`).
    pub bell: bool,
    /// Cancelled on SIGTERM; the TUI also returns when the user quits.
    pub shutdown: CancellationToken,
    /// Replay (`r`), the retry ladder (`R`) and edited replay (`e`).
    pub replay: ReplayKit,
    /// The listener's live response mode (`m` cycles it).
    pub response_mode: Arc<ResponseMode>,
    /// Where every captured request is also sent (`--forward`), for the status bar.
    pub forward: Option<String>,
    /// True while `$EDITOR` has the terminal: Ctrl-C then belongs to the
    /// editor, and the SIGINT the terminal also sends hookcatch is ignored.
    pub editing: Arc<AtomicBool>,
    /// `listen --from`: the relay subscription's state, for the status bar.
    pub relay: Option<tokio::sync::watch::Receiver<String>>,
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

    let history_path = history::default_path();
    let guard = TerminalGuard::enter().context("cannot set up the terminal")?;
    // A frame leaves in one write: the terminal never shows half of one.
    let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let mut terminal = Terminal::new(CrosstermBackend::new(out))?;
    let size = terminal.size()?;
    let mut app = App::new(
        &ctx.listen_url,
        &ctx.store.describe(),
        theme,
        Utc::now(),
        Rect::new(0, 0, size.width, size.height),
    );
    app.secret_header = ctx.auth.secret_header.clone();
    app.bell = ctx.bell;
    app.auth = ctx.auth.clone();
    if let Some(path) = &history_path {
        (app.filter_history, app.search_history) = history::load(path);
    }
    let targets_before = crate::store::meta::replay_targets(&ctx.store);
    for target in &targets_before {
        app.target_history.push(target);
    }
    app.set_response_mode(ctx.response_mode);
    app.set_replay(
        &ctx.replay.target,
        ctx.replay.ladder_scale,
        ctx.forward.as_deref(),
    );
    let sends = Sends {
        kit: ctx.replay,
        inbox: inbox_tx.clone(),
        editor: editor::editor_command(),
        temp_dir: std::env::temp_dir(),
    };
    let outcome = event_loop(
        &mut terminal,
        &mut app,
        Channels {
            inbox_tx,
            inbox,
            load_tx,
            events: ctx.events,
        },
        Outside {
            writer: &ctx.writer,
            store: &ctx.store,
            auth: &ctx.auth,
            sends: &sends,
            shutdown: &ctx.shutdown,
            editing: &ctx.editing,
            relay: ctx.relay.as_ref(),
        },
    )
    .await;
    // A ladder may wait half an hour: stop them, so the store writer can finish.
    app.cancel_ladders();
    drop(terminal);
    guard.restore();
    // `T`'s history stays with the store (see `store::meta`).
    let targets = app.target_history.entries().to_vec();
    if targets != targets_before
        && let Err(e) = crate::store::meta::record_replay_targets(&ctx.writer, targets).await
    {
        eprintln!("hookcatch: could not keep the URLs T replayed to in the store: {e}");
    }
    if let Some(path) = &history_path
        && let Err(e) = history::save(path, &app.filter_history, &app.search_history)
    {
        eprintln!(
            "hookcatch: could not save the prompt history to {}: {e}",
            path.display()
        );
    }
    outcome
}

struct Channels {
    inbox_tx: mpsc::UnboundedSender<Msg>,
    inbox: mpsc::UnboundedReceiver<Msg>,
    load_tx: std::sync::mpsc::Sender<loader::LoadCmd>,
    events: Subscription,
}

/// What the loop hands work to.
struct Outside<'a> {
    writer: &'a StoreWriter,
    /// For work with its own connection (exports).
    store: &'a Location,
    auth: &'a AuthConfig,
    sends: &'a Sends,
    shutdown: &'a CancellationToken,
    editing: &'a AtomicBool,
    relay: Option<&'a tokio::sync::watch::Receiver<String>>,
}

type Term = Terminal<CrosstermBackend<std::io::BufWriter<std::io::Stdout>>>;

async fn event_loop(
    terminal: &mut Term,
    app: &mut App,
    mut ch: Channels,
    out: Outside<'_>,
) -> anyhow::Result<()> {
    let shutdown = out.shutdown;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut notices_open = true;
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    let mut edits = Vec::new();
    loop {
        edits.extend(dispatch(app, &ch, &out, terminal));
        for id in edits.drain(..) {
            // The stream's reader thread would take the editor's keys: stop
            // it (a fresh stream starts reading only when polled again).
            events = EventStream::new();
            hand_over(id, out.sends, terminal, out.editing, shutdown).await;
            dirty = true;
        }
        if app.should_quit {
            return Ok(());
        }
        if dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            app.now = Utc::now();
            // Read once a frame (the tick redraws at least every second).
            app.relay = out.relay.map(|r| r.borrow().clone());
            app.prepare();
            edits.extend(dispatch(app, &ch, &out, terminal));
            terminal.draw(|frame| ui::render(frame, app))?;
            last_draw = Some(Instant::now());
            dirty = false;
            if !edits.is_empty() {
                continue;
            }
        }
        let next_frame =
            tokio::time::Instant::from_std(last_draw.map_or_else(Instant::now, |t| t + FRAME));
        tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ok(()),
            event = events.next() => match event {
                Some(Ok(event)) => {
                    #[cfg(debug_assertions)]
                    panic_if_asked(&event);
                    app.handle(Msg::Term(event));
                }
                Some(Err(e)) => return Err(e).context("cannot read the terminal"),
                None => return Ok(()),
            },
            received = ch.events.recv(), if notices_open => match received {
                Some(Received::Event(event)) => app.handle(Msg::Notice(event)),
                Some(Received::Lagged) => app.handle(Msg::NoticesLagged),
                None => notices_open = false,
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
                match ch.events.try_recv() {
                    Ok(Some(Received::Event(event))) => app.handle(Msg::Notice(event)),
                    Ok(Some(Received::Lagged)) => app.handle(Msg::NoticesLagged),
                    Ok(None) | Err(_) => break,
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

/// Fault injection for the end-to-end test that a panic of the UI thread
/// leaves the terminal usable (tests/tui_tmux.rs): with
/// `HOOKCATCH_TEST_PANIC_KEY` set, F12 panics. Debug builds only: release
/// builds (what `cargo install` makes) do not contain it.
#[cfg(debug_assertions)]
fn panic_if_asked(event: &crossterm::event::Event) {
    use crossterm::event::{Event, KeyCode, KeyEventKind};
    if let Event::Key(key) = event
        && key.code == KeyCode::F(12)
        && key.kind == KeyEventKind::Press
        && std::env::var_os("HOOKCATCH_TEST_PANIC_KEY").is_some()
    {
        panic!("deliberate panic: F12 with HOOKCATCH_TEST_PANIC_KEY set (fault injection)");
    }
}

/// `e`: give the terminal to the editor, take it back, send what was saved.
async fn hand_over(
    id: RequestId,
    sends: &Sends,
    terminal: &mut Term,
    editing: &AtomicBool,
    shutdown: &CancellationToken,
) {
    editing.store(true, Ordering::SeqCst);
    let mut screen = Handover { terminal };
    tokio::select! {
        () = sends.edit(id, &mut screen) => {}
        // SIGTERM: the editor is killed with its future; the guard restores.
        () = shutdown.cancelled() => {}
    }
    editing.store(false, Ordering::SeqCst);
}

/// The TUI's terminal, handed to an editor and taken back.
struct Handover<'a> {
    terminal: &'a mut Term,
}

impl Suspend for Handover<'_> {
    fn suspend(&mut self) -> std::io::Result<()> {
        restore_terminal();
        Ok(())
    }

    fn resume(&mut self) -> std::io::Result<()> {
        enter_screen()?;
        // The alternate screen comes back blank: make ratatui's idea of it
        // blank too, so the next frame draws everything. (`Terminal::clear`
        // would ask the terminal for the cursor position, and the answer
        // races the input reader.)
        crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        self.terminal
            .draw(|frame| frame.render_widget(ratatui::widgets::Clear, frame.area()))
            .map(|_| ())
    }
}

/// Send the app's commands where they go; returns the requests to edit
/// (which need the terminal, so the loop runs them).
fn dispatch(
    app: &mut App,
    ch: &Channels,
    out: &Outside<'_>,
    terminal: &mut Term,
) -> Vec<RequestId> {
    let writer = out.writer;
    let mut edits = Vec::new();
    for send in app.take_sends() {
        match send {
            SendCmd::Edit(id) => edits.push(id),
            other => out.sends.start(other),
        }
    }
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
                    let result = writer.delete(ids).await.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Deleted(result));
                });
            }
            Cmd::Export { ids, path, format } => {
                let tx = ch.inbox_tx.clone();
                let (store, auth) = (out.store.clone(), out.auth.clone());
                let base_url = out.sends.kit.target.clone();
                tokio::task::spawn_blocking(move || {
                    let result = store
                        .open_reader()
                        .map_err(|e| format!("cannot read the store: {e}"))
                        .and_then(|conn| {
                            export_task::write(&conn, &ids, &path, format, &auth, &base_url)
                        });
                    let _ = tx.send(Msg::Exported(result));
                });
            }
            Cmd::Bell => {
                if ring(terminal.backend_mut()).is_err() {
                    app.complain("could not write to the terminal");
                }
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
    edits
}

/// The terminal bell: one BEL byte, a control the terminal itself owns
/// (nothing captured goes with it).
fn ring(out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"\x07")?;
    out.flush()
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
        let guard = TerminalGuard;
        enter_screen()?;
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

/// Raw mode, alternate screen, mouse capture, no cursor.
fn enter_screen() -> std::io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    crossterm::execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        crossterm::cursor::Hide
    )
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

#[cfg(test)]
mod ring_tests {
    #[test]
    fn the_bell_is_one_bel_byte() {
        let mut out = Vec::new();
        super::ring(&mut out).unwrap();
        assert_eq!(out, b"\x07");
    }
}
