//! The app state, with one owner. [`App::handle`] takes every [`Msg`] from
//! the inbox, [`App::update`] every [`Action`]; neither does IO: reads, highlight jobs,
//! deletes and clipboard writes leave through the outbox ([`App::take_commands`]),
//! replays, ladders and edits through the send outbox ([`App::take_sends`]).
//! [`App::prepare`] runs before each frame: it scrolls the selection into
//! view and asks for what the frame will need (rows, the detail, highlighting).
//! Rendering (`ui`) is a pure function of `&App`.

mod actions;
pub mod answer_form;
pub mod copy;
mod deliveries_tab;
pub mod detail_state;
mod rate;
mod replay_to;
pub mod scroll;
mod sends;

pub use rate::Rate;
pub use sends::{LadderView, countdown};

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use crossterm::event::Event as TermEvent;
use ratatui::layout::Rect;

use super::inbox::{Cmd, Msg, SendCmd};
use super::input::{History, LineInput};
use super::keys::{self, Action, Context};
use super::listing::{Listing, merge_sorted};
use super::loader::{LoadCmd, Loaded};
use super::theme::Theme;
use super::ui::{self, Areas};
use crate::capture::{Mode, ResponseMode};
use crate::filter::FilterError;
use crate::inspect::AuthConfig;
use crate::model::RequestId;
use crate::store::{StoreEvent, StoredRequest};
use crate::text::sanitize;
use crate::tui::data::Row;
use detail_state::DetailState;
pub use detail_state::Tab;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help {
        scroll: usize,
    },
    ConfirmDelete(RequestId),
    /// "Delete all N requests?" (`X`).
    ConfirmClearAll(usize),
    /// `Y`: which form to copy the selected request in.
    CopyMenu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Search,
    /// The file `E` writes the shown requests to.
    Export,
    /// The URL `T` replays to.
    ReplayTo,
}

/// A text prompt at the bottom line.
#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: LineInput,
    /// Why the text does not parse (for the filter, also where).
    pub error: Option<FilterError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub listen_url: String,
    pub store_label: String,
    /// The live response mode, shared with the listener (`m` cycles it).
    pub response_mode: Arc<ResponseMode>,
    /// Its value as last set, for drawing.
    pub mode: Mode,
    /// `M`: the custom answer's form while it is open.
    pub answer_form: Option<answer_form::AnswerForm>,
    /// What the form held when last applied (it opens with this).
    pub answer_draft: [String; answer_form::HEADER_LINES + 2],
    /// The status of the custom answer in force, for drawing.
    pub custom_status: Option<u16>,
    /// Where every captured request is forwarded (`--forward`), sanitized.
    pub forward: Option<String>,
    /// `listen --from`: the relay subscription's state (`relay: connected`).
    pub relay: Option<String>,
    /// Where `r`, `R` and `e` send, sanitized (for messages).
    pub replay_target: String,
    /// The same target unmasked, for what `y` and `Y` copy (never drawn).
    pub copy_target: String,
    /// The retry ladder's time scale (`--ladder-scale`).
    pub ladder_scale: f64,
    pub theme: Theme,
    /// The configured shared-secret header, masked like the well-known ones.
    pub secret_header: String,
    /// The listener's authentication settings: rows built from a commit's
    /// event judge a request stored without findings the way the loader does.
    pub auth: AuthConfig,
    /// Ring the terminal bell when requests arrive (`--bell`).
    pub bell: bool,
    /// When it last rang: at most once per [`BELL_GAP`].
    last_bell: Option<DateTime<Utc>>,
    /// "Now" for relative times and filters; the run loop sets it, tests fix it.
    pub now: DateTime<Utc>,
    pub list: Listing,
    pub detail: DetailState,
    pub focus: Focus,
    pub zoom: bool,
    pub overlay: Overlay,
    /// The help overlay's scroll limit, as its last draw recorded.
    pub help_scroll: scroll::VerticalScroll,
    pub prompt: Option<Prompt>,
    /// Filters and searches submitted, this run and earlier ones (↑/↓ in the prompt).
    pub filter_history: History,
    /// URLs `T` replayed to, this session and earlier ones (kept in the store).
    pub target_history: History,
    pub search_history: History,
    pub store_error: Option<String>,
    /// Requests hyper refused as malformed since the TUI started (the status bar's `refused N`).
    pub refused: u32,
    pub message: Option<Message>,
    pub rate: Rate,
    /// The ids have been read once.
    pub loaded: bool,
    pub area: Rect,
    pub should_quit: bool,
    fold_prefix: bool,
    outbox: Vec<Cmd>,
    generation: u64,
    fetching: bool,
    fetch_again: bool,
    detail_requested: Option<RequestId>,
    /// The shown request changed in the store: read it again.
    detail_stale: bool,
    hl_current: Arc<AtomicU64>,
    /// Requests to send, for the run loop (apart from `outbox`: they need the replay kit).
    sends: Vec<SendCmd>,
    /// Retry ladders by request, running or finished.
    ladders: HashMap<RequestId, LadderView>,
    /// Replays in flight by request.
    sending: HashMap<RequestId, u32>,
}

/// The least time between two rings of `--bell`: a burst rings once.
const BELL_GAP: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// Rows built from one commit's event, newest first: more than a screen
/// holds; older ones are read from the store if scrolled to.
const ROWS_FROM_EVENT: usize = 256;

impl App {
    pub fn new(
        listen_url: &str,
        store_label: &str,
        theme: Theme,
        now: DateTime<Utc>,
        area: Rect,
    ) -> App {
        App {
            listen_url: sanitize(listen_url).into_owned(),
            store_label: sanitize(store_label).into_owned(),
            response_mode: Arc::new(ResponseMode::default()),
            mode: Mode::Normal,
            answer_form: None,
            answer_draft: answer_form::first_draft(),
            custom_status: None,
            forward: None,
            relay: None,
            replay_target: sanitize(listen_url).into_owned(),
            copy_target: listen_url.to_string(),
            ladder_scale: 1.0,
            theme,
            secret_header: crate::inspect::auth::PINGARA_SECRET_HEADER.to_string(),
            auth: AuthConfig::default(),
            bell: false,
            last_bell: None,
            now,
            list: Listing::new(),
            detail: DetailState::default(),
            focus: Focus::List,
            zoom: false,
            overlay: Overlay::None,
            help_scroll: scroll::VerticalScroll::default(),
            prompt: None,
            filter_history: History::default(),
            target_history: History::default(),
            search_history: History::default(),
            store_error: None,
            refused: 0,
            message: None,
            rate: Rate::default(),
            loaded: false,
            area,
            should_quit: false,
            fold_prefix: false,
            outbox: vec![Cmd::Load(LoadCmd::AllIds)],
            generation: 0,
            fetching: false,
            fetch_again: false,
            detail_requested: None,
            detail_stale: false,
            hl_current: Arc::new(AtomicU64::new(0)),
            sends: Vec::new(),
            ladders: HashMap::new(),
            sending: HashMap::new(),
        }
    }

    pub fn take_commands(&mut self) -> Vec<Cmd> {
        std::mem::take(&mut self.outbox)
    }

    /// Requests to send (replay, ladder, edit), for the run loop.
    pub fn take_sends(&mut self) -> Vec<SendCmd> {
        std::mem::take(&mut self.sends)
    }

    /// Share the listener's live response mode.
    pub fn set_response_mode(&mut self, mode: Arc<ResponseMode>) {
        self.mode = mode.get();
        self.custom_status = mode.custom().map(|c| c.status);
        self.response_mode = mode;
    }

    /// Where replays go, the ladder's scale, and the forward target (if any).
    pub fn set_replay(&mut self, target: &str, ladder_scale: f64, forward: Option<&str>) {
        // Both are only shown (the replay kit holds the real target): a
        // password or query token in the URL is masked.
        self.replay_target = shown_url(target);
        self.copy_target = target.to_string();
        self.ladder_scale = ladder_scale;
        self.forward = forward.map(shown_url);
    }

    pub fn areas(&self) -> Areas {
        ui::layout(self.area, self.zoom)
    }

    /// How the keyboard is interpreted right now.
    pub fn context(&self) -> Context {
        if self.answer_form.is_some() {
            Context::AnswerForm
        } else if self.prompt.is_some() {
            Context::Input
        } else if matches!(self.overlay, Overlay::Help { .. }) {
            Context::Help
        } else if matches!(
            self.overlay,
            Overlay::ConfirmDelete(_) | Overlay::ConfirmClearAll(_)
        ) {
            Context::Confirm
        } else if self.overlay == Overlay::CopyMenu {
            Context::CopyMenu
        } else if self.fold_prefix {
            Context::FoldPrefix
        } else {
            Context::Normal
        }
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    pub fn complain(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }

    // ---- the inbox ----

    pub fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Term(TermEvent::Key(key)) => {
                if let Some(action) = keys::key(self.context(), key) {
                    self.update(action);
                }
            }
            Msg::Term(TermEvent::Mouse(mouse)) => {
                if let Some(action) = keys::mouse(mouse) {
                    self.update(action);
                }
            }
            Msg::Term(TermEvent::Resize(w, h)) => self.update(Action::Resize(w, h)),
            Msg::Term(_) => {}
            Msg::Notice(notice) => self.notice(notice),
            Msg::NoticesLagged => self.missed_events(),
            Msg::Loaded(loaded) => self.loaded(loaded),
            Msg::Highlighted { doc, ticket, done } => {
                let current = self.hl_current.load(Ordering::Relaxed);
                if let Some(cache) = self.detail.highlight.as_mut().filter(|c| c.doc == doc) {
                    match done {
                        Some(done) if ticket == current => cache.apply(done),
                        _ => cache.release(),
                    }
                }
            }
            Msg::Deleted(Ok(n)) => self.say(format!(
                "deleted {n} request{}",
                if n == 1 { "" } else { "s" }
            )),
            Msg::Deleted(Err(e)) => self.complain(format!("delete failed: {}", sanitize(&e))),
            Msg::Exported(Ok(done)) => {
                let mut text = format!(
                    "exported {} request{} to {}",
                    done.count,
                    if done.count == 1 { "" } else { "s" },
                    sanitize(&done.path.display().to_string())
                );
                if done.missing > 0 {
                    text.push_str(&format!(" ({} deleted meanwhile)", done.missing));
                }
                self.say(text);
            }
            Msg::Exported(Err(e)) => self.complain(format!("export failed: {}", sanitize(&e))),
            Msg::Sent { id, kind, result } => self.sent(id, kind, result),
            Msg::LadderStarted { id, cancel } => self.ladder_started(id, cancel),
            Msg::Ladder { id, event } => self.ladder_event(id, event),
            Msg::Edit(end) => self.edit_ended(end),
        }
    }

    fn notice(&mut self, event: StoreEvent) {
        match event {
            StoreEvent::Captured(batch) => {
                let count = u32::try_from(batch.len()).unwrap_or(u32::MAX);
                self.rate.record(self.now, count);
                self.captured(&batch);
                // One ring for everything that arrived before the loop
                // dispatches, and at most one a second: a burst the store
                // commits in several batches (drawn in several frames) is
                // one bell, not one a frame.
                let quiet = self
                    .last_bell
                    .is_none_or(|t| self.now.signed_duration_since(t) >= BELL_GAP || self.now < t);
                if self.bell && quiet && !self.outbox.iter().any(|c| matches!(c, Cmd::Bell)) {
                    self.outbox.push(Cmd::Bell);
                    self.last_bell = Some(self.now);
                }
            }
            StoreEvent::Answered(id, _) | StoreEvent::DeliveryAdded { request: id, .. } => {
                self.list.invalidate(id);
                if self.detail.id == Some(id) {
                    // Read it again; the view (tab, scroll, reveal) stays.
                    self.detail_stale = true;
                }
            }
            StoreEvent::Deleted(_) => self.outbox.push(Cmd::Load(LoadCmd::AllIds)),
            StoreEvent::WriteFailed(why) => {
                self.store_error = Some(sanitize(&why.to_string()).into_owned());
            }
            StoreEvent::WriteRecovered => self.store_error = None,
            StoreEvent::Refused(_) => self.refused = self.refused.saturating_add(1),
        }
    }

    /// Events were missed (answers, deliveries and deletes among them):
    /// everything shown is read again from the store.
    fn missed_events(&mut self) {
        self.list.invalidate_all();
        if self.detail.id.is_some() {
            self.detail_stale = true;
        }
        self.outbox.push(Cmd::Load(LoadCmd::AllIds));
        self.fetch_new();
    }

    /// Something committed that this process may not have heard of (another
    /// process replayed or captured): as if each delivery's event had come,
    /// and newer requests are asked for.
    fn store_changed(&mut self, changes: crate::tui::watch::Changes) {
        for (request, delivery) in changes.deliveries {
            self.notice(StoreEvent::DeliveryAdded { request, delivery });
        }
        // More listed ids than the store holds up to its last issued id:
        // some were deleted (e.g. `hookcatch delete` in another terminal).
        let census = changes.census;
        if self.loaded && self.list.known_up_to(census.issued) > census.count {
            self.outbox.push(Cmd::Load(LoadCmd::Present));
        }
        self.fetch_new();
    }

    /// A commit of this process's writer: when it continues the list, its
    /// ids and rows are taken from the event itself, so the next frame shows
    /// the requests (a read from the store took two or three frames more).
    /// Otherwise (the first read or another in flight, or ids another process
    /// committed in between) the store is asked.
    fn captured(&mut self, batch: &[StoredRequest]) {
        let continues = batch.first().map(|s| s.request.id) == Some(self.list.last_known() + 1);
        if !self.loaded || self.fetching || !continues {
            self.fetch_new();
            return;
        }
        let rows = batch
            .iter()
            .rev()
            .take(ROWS_FROM_EVENT)
            .map(|stored| Row::build(stored, &self.auth))
            .collect();
        self.list.take_rows(rows, &[]);
        self.add_new_ids(batch.iter().map(|s| s.request.id).collect());
    }

    /// Ask for ids newer than the newest known; one read in flight at a time.
    fn fetch_new(&mut self) {
        if self.fetching || !self.loaded {
            self.fetch_again = true;
            return;
        }
        self.fetching = true;
        self.outbox
            .push(Cmd::Load(LoadCmd::IdsAfter(self.list.last_known())));
    }

    /// Ids newer than every known one: listed, and tested against the filter.
    fn add_new_ids(&mut self, new: Vec<RequestId>) {
        self.list.add_ids(&new);
        if let Some(f) = &self.list.filter
            && !new.is_empty()
        {
            self.outbox.push(Cmd::Load(LoadCmd::Test {
                generation: f.generation,
                filter: Arc::clone(&f.filter),
                ids: new,
                now: self.now,
            }));
        }
        self.list.fix_selection();
    }

    fn loaded(&mut self, loaded: Loaded) {
        match loaded {
            Loaded::AllIds(ids) => {
                let first = !self.loaded;
                self.loaded = true;
                self.list.replace_ids(ids);
                self.list.fix_selection();
                if first && self.fetch_again {
                    self.fetch_again = false;
                    self.fetch_new();
                }
            }
            Loaded::Present { ids, issued } => {
                if self.list.drop_deleted(&ids, issued) > 0 {
                    self.list.fix_selection();
                }
            }
            Loaded::NewIds(ids) => {
                self.fetching = false;
                let last = self.list.last_known();
                self.add_new_ids(ids.into_iter().filter(|id| *id > last).collect());
                if std::mem::take(&mut self.fetch_again) {
                    self.fetch_new();
                }
            }
            Loaded::Rows { rows, missing } => self.list.take_rows(rows, &missing),
            Loaded::Detail { id, detail } => {
                if self.detail.id == Some(id) && self.detail_requested == Some(id) {
                    match detail {
                        Some(detail) => self.detail.set_loaded(detail),
                        None => self.complain(format!("request #{id} is gone")),
                    }
                }
            }
            Loaded::Response {
                request,
                delivery,
                doc,
            } => self.response_loaded(request, delivery, doc),
            Loaded::Diff {
                request,
                before,
                after,
                doc,
            } => self.diff_loaded(request, (before, after), doc),
            Loaded::Scanned { generation, step } => {
                if let Some(f) = self
                    .list
                    .filter
                    .as_mut()
                    .filter(|f| f.generation == generation)
                {
                    merge_sorted(&mut f.ids, &step.matched);
                    f.examined += step.examined;
                    f.scanning = !step.done;
                    self.list.fix_selection();
                }
            }
            Loaded::Tested {
                generation,
                matched,
            } => {
                if let Some(f) = self
                    .list
                    .filter
                    .as_mut()
                    .filter(|f| f.generation == generation)
                {
                    merge_sorted(&mut f.ids, &matched);
                    self.list.fix_selection();
                }
            }
            Loaded::StoreChanged(changes) => self.store_changed(changes),
            Loaded::Failed(why) => self.complain(sanitize(&why).into_owned()),
        }
    }

    // ---- before each frame ----

    /// Scroll, then ask for whatever the next frame needs and nobody asked for yet.
    pub fn prepare(&mut self) {
        let areas = self.areas();
        let height = usize::from(areas.list_rows.height);
        self.list.scroll_into_view(height);
        let missing = self.list.missing_rows(height, height / 2 + 1);
        if !missing.is_empty() {
            self.outbox.push(Cmd::Load(LoadCmd::Rows(missing)));
        }
        self.list.prune(height);
        if self.detail.select(self.list.selected) {
            self.hl_current.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(id) = self.detail.id
            && ((self.detail.loaded.is_none() && self.detail_requested != Some(id))
                || self.detail_stale)
        {
            self.detail_stale = false;
            self.detail_requested = Some(id);
            self.outbox.push(Cmd::Load(LoadCmd::Detail(id)));
        }
        if self.detail.tab == Tab::Body && self.detail.showing_tree() {
            // Keep the tree's cursor on screen.
            let rows = usize::from(areas.detail_content.height)
                .saturating_sub(
                    ui::detail::body::header_lines(self, usize::from(areas.detail_content.width))
                        .len(),
                )
                .max(1);
            let cursor = self.detail.tree.as_ref().map_or(0, |t| t.cursor);
            let top = self.detail.scroll();
            if cursor < top {
                self.detail.set_scroll(cursor);
            } else if cursor >= top + rows {
                self.detail.set_scroll(cursor + 1 - rows);
            }
        }
        self.request_deliveries();
        self.request_highlight(areas);
    }

    fn request_highlight(&mut self, areas: Areas) {
        let Some(theme) = self.theme.syntax.clone() else {
            return;
        };
        // The text on screen: the request's body, or the picked delivery's answer.
        let (key, doc, top) = match self.detail.tab {
            Tab::Body if !self.detail.showing_tree() => {
                let (Some(key), Some(doc)) = (self.detail.doc_key(), self.detail.doc()) else {
                    return;
                };
                (key, doc, self.detail.scroll())
            }
            // The overview shows the body's first lines.
            Tab::Overview => {
                let (Some(id), Some(detail)) = (self.detail.id, self.detail.loaded.as_deref())
                else {
                    return;
                };
                let key = super::highlight::DocKey {
                    id,
                    original: false,
                    delivery: None,
                };
                (key, &detail.body.pretty, 0)
            }
            Tab::Deliveries if !self.detail.deliveries.diff => {
                let (Some(id), Some(response)) = (self.detail.id, self.detail.response()) else {
                    return;
                };
                let key = super::highlight::DocKey {
                    id,
                    original: false,
                    delivery: Some(response.delivery),
                };
                let top = ui::detail::deliveries::body_top(self, areas.detail_content);
                (key, &response.body, top)
            }
            _ => return,
        };
        let Some(syntax) = doc.syntax else { return };
        let lines = Arc::clone(&doc.lines);
        if self.detail.highlight.as_ref().is_none_or(|c| c.doc != key) {
            // Another text: jobs for the previous one stop at their next check.
            self.hl_current.fetch_add(1, Ordering::Relaxed);
            self.detail.highlight = Some(super::highlight::Cache::new(key, syntax, lines.len()));
        }
        let bottom = top + usize::from(areas.detail_content.height);
        let ticket = self.hl_current.load(Ordering::Relaxed);
        let current = Arc::clone(&self.hl_current);
        if let Some(cache) = self.detail.highlight.as_mut()
            && let Some(job) = cache.job_for(top, bottom, &lines, &theme, ticket, &current)
        {
            self.outbox.push(Cmd::Highlight(job));
        }
    }
}

/// A URL as the TUI shows it: escaped, its password and query tokens masked.
pub(crate) fn shown_url(url: &str) -> String {
    sanitize(&crate::secrets::mask_url(url)).into_owned()
}
