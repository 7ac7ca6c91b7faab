//! Actions: what each key and click does to the state. Pure state changes;
//! anything that needs IO goes to the outbox.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use ratatui::layout::{Position, Rect};

use super::{App, Focus, Overlay, Prompt, PromptKind, Tab};
use crate::filter;
use crate::text::sanitize;
use crate::tui::inbox::{Cmd, SendCmd};
use crate::tui::input::{LineInput, Outcome};
use crate::tui::jsontree::{JsonTree, TreeView};
use crate::tui::keys::{Action, Edit};
use crate::tui::listing::FilterView;
use crate::tui::loader::LoadCmd;
use crate::tui::ui;

/// Columns one `H`/`L` moves.
const HSCROLL_STEP: usize = 8;

impl App {
    pub fn update(&mut self, action: Action) {
        if !matches!(action, Action::Resize(..) | Action::Wheel { .. }) {
            self.message = None;
        }
        if self.fold_prefix {
            self.fold_prefix = false;
        }
        if self.answer_form.is_some() {
            match action {
                Action::Edit(edit) => self.answer_form_edit(edit),
                Action::CustomAnswerOff => self.turn_off_custom_answer(),
                Action::Quit => self.should_quit = true,
                _ => {}
            }
            return;
        }
        match self.overlay {
            Overlay::Help { scroll } => return self.help_action(action, scroll),
            Overlay::ConfirmDelete(id) => {
                self.overlay = Overlay::None;
                if action == Action::Confirm(true) {
                    self.outbox.push(Cmd::Delete(vec![id]));
                    self.say(format!("deleting #{id}…"));
                } else if action == Action::Quit {
                    self.should_quit = true;
                }
                return;
            }
            Overlay::ConfirmClearAll(n) => {
                self.overlay = Overlay::None;
                if action == Action::Confirm(true) {
                    // Every request the store held when the user said yes;
                    // what arrives after stays.
                    self.outbox.push(Cmd::Delete(self.list.ids.clone()));
                    self.say(format!("deleting all {n} requests…"));
                } else if action == Action::Quit {
                    self.should_quit = true;
                }
                return;
            }
            Overlay::CopyMenu => {
                self.overlay = Overlay::None;
                match action {
                    Action::CopyAs(format) => self.copy_as(format),
                    Action::Quit => self.should_quit = true,
                    _ => {}
                }
                return;
            }
            Overlay::None => {}
        }
        match action {
            Action::Quit => self.should_quit = true,
            Action::ToggleHelp => self.overlay = Overlay::Help { scroll: 0 },
            Action::Escape => self.escape(),
            // On the Deliveries tab the arrows pick a delivery; pages scroll its answer.
            Action::Up if self.on_deliveries() => self.pick_delivery(-1),
            Action::Down if self.on_deliveries() => self.pick_delivery(1),
            Action::Top if self.on_deliveries() => self.pick_delivery(isize::MIN / 2),
            Action::Bottom if self.on_deliveries() => self.pick_delivery(isize::MAX / 2),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page() as isize)),
            Action::PageDown => self.move_by(self.page() as isize),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::SwitchPane => {
                self.focus = if self.focus == Focus::List {
                    Focus::Detail
                } else {
                    Focus::List
                };
                if self.focus == Focus::List {
                    self.zoom = false;
                }
            }
            Action::NextTab => self.set_tab(self.detail.tab.next()),
            Action::PrevTab => self.set_tab(self.detail.tab.prev()),
            Action::Tab(tab) => self.set_tab(tab),
            Action::Enter => self.enter(),
            Action::ToggleFollow => {
                self.list.follow = !self.list.follow;
                self.list.fix_selection();
                self.say(if self.list.follow {
                    "follow on: the newest request is selected"
                } else {
                    "follow off"
                });
            }
            Action::OpenFilter => {
                let text = self
                    .list
                    .filter
                    .as_ref()
                    .map_or("", |f| f.text.as_str())
                    .to_string();
                let error = filter::parse(&text).err();
                self.filter_history.reset();
                self.prompt = Some(Prompt {
                    kind: PromptKind::Filter,
                    input: LineInput::new(&text),
                    error,
                });
            }
            Action::Copy => self.copy(),
            Action::CopyMenu => self.open_copy_menu(),
            Action::CopyAs(_) => {}
            Action::Delete => match self.list.selected {
                Some(id) => self.overlay = Overlay::ConfirmDelete(id),
                None => self.complain("nothing selected"),
            },
            Action::ClearAll => match self.list.ids.len() {
                0 => self.complain("nothing to clear"),
                n => self.overlay = Overlay::ConfirmClearAll(n),
            },
            Action::Confirm(_) => {}
            Action::Reveal => {
                self.detail.reveal = !self.detail.reveal;
                self.say(if self.detail.reveal {
                    "secrets revealed (v to mask)"
                } else {
                    "secrets masked"
                });
            }
            Action::Recheck => {
                self.detail.recheck = !self.detail.recheck;
                if self.detail.recheck {
                    self.set_tab(Tab::Auth);
                    self.say(
                        "recheck: the verdict with the current secrets, beside the stored one",
                    );
                }
            }
            Action::Wrap => {
                self.detail.wrap = !self.detail.wrap;
                self.detail.hscroll = 0;
                self.say(if self.detail.wrap {
                    "wrap on: long lines continue on the next rows (w)"
                } else {
                    "wrap off: long lines are cut at the pane's edge (w)"
                });
            }
            Action::ScrollLeft => {
                self.detail.hscroll = self.detail.hscroll.saturating_sub(HSCROLL_STEP);
            }
            Action::ScrollRight => {
                if self.detail.wrap {
                    self.say("lines are wrapped (w to unwrap and scroll sideways)");
                } else {
                    // The Body tab stops at its widest line; answers on the
                    // Deliveries tab are shown clipped at theirs.
                    let widest = match self.detail.tab {
                        Tab::Body => self.detail.doc().map_or(0, |d| d.widest),
                        _ => usize::MAX,
                    };
                    let limit = widest.saturating_sub(HSCROLL_STEP);
                    if self.detail.hscroll < limit {
                        self.detail.hscroll = (self.detail.hscroll + HSCROLL_STEP).min(limit);
                    }
                }
            }
            Action::Original => {
                self.detail.toggle_original();
                self.set_tab(Tab::Body);
            }
            Action::Tree => self.toggle_tree(),
            Action::Theme => self.toggle_theme(),
            Action::Search => {
                self.set_tab(Tab::Body);
                if self.detail.showing_tree() {
                    self.detail.tree_mode = false;
                }
                let query = self
                    .detail
                    .search
                    .as_ref()
                    .map_or("", |s| s.query.as_str())
                    .to_string();
                self.search_history.reset();
                self.prompt = Some(Prompt {
                    kind: PromptKind::Search,
                    input: LineInput::new(&query),
                    error: None,
                });
            }
            Action::SearchNext | Action::SearchPrev => {
                self.step_match(action == Action::SearchNext)
            }
            Action::Fold if self.on_deliveries() => self.mark_base(),
            Action::Fold => self.tree_op(|view, tree| view.toggle(tree)),
            Action::FoldPrefix => self.fold_prefix = self.detail.showing_tree(),
            Action::FoldDepth(depth) => self.tree_op(|view, tree| view.fold_to_depth(tree, depth)),
            Action::FoldAll => self.tree_op(|view, tree| view.fold_to_depth(tree, 1)),
            Action::UnfoldAll => self.tree_op(|view, tree| view.unfold_all(tree)),
            Action::Edit(edit) => self.edit(edit),
            Action::Replay => self.send_selected(SendCmd::Replay),
            Action::ReplayTo => self.open_replay_to(),
            Action::Ladder => self.send_selected(SendCmd::Ladder),
            Action::EditReplay => self.send_selected(SendCmd::Edit),
            Action::CancelLadder => self.cancel_ladder(),
            Action::CycleMode => self.cycle_mode(),
            Action::CustomAnswer => self.open_answer_form(),
            Action::CustomAnswerOff => {}
            Action::Export => self.open_export(),
            Action::Diff => self.toggle_diff(),
            Action::Click { column, row } => self.click(column, row),
            Action::Wheel { down, column, row } => self.wheel(down, column, row),
            Action::Resize(w, h) => self.area = Rect::new(0, 0, w, h),
        }
    }

    fn help_action(&mut self, action: Action, scroll: usize) {
        let scroll = match action {
            Action::Quit => {
                self.should_quit = true;
                return;
            }
            Action::ToggleHelp | Action::Escape => {
                self.overlay = Overlay::None;
                return;
            }
            Action::Down => scroll + 1,
            Action::Up => scroll.saturating_sub(1),
            Action::PageDown => scroll + 10,
            Action::PageUp => scroll.saturating_sub(10),
            Action::Top => 0,
            Action::Bottom => usize::MAX / 2,
            Action::Resize(w, h) => {
                self.area = Rect::new(0, 0, w, h);
                scroll
            }
            _ => scroll,
        };
        self.overlay = Overlay::Help {
            scroll: scroll.min(self.help_scroll.limit()),
        };
    }

    fn escape(&mut self) {
        if self.detail.search.is_some() && self.focus == Focus::Detail {
            self.detail.search = None;
        } else if self.zoom {
            self.zoom = false;
        } else if self.focus == Focus::Detail {
            self.focus = Focus::List;
        }
    }

    fn enter(&mut self) {
        match self.focus {
            Focus::List => {
                if self.list.selected.is_some() {
                    self.focus = Focus::Detail;
                }
            }
            Focus::Detail if self.detail.tab == Tab::Body && self.detail.showing_tree() => {
                self.tree_op(|view, tree| view.toggle(tree));
            }
            Focus::Detail => self.zoom = !self.zoom,
        }
    }

    fn set_tab(&mut self, tab: Tab) {
        self.detail.tab = tab;
    }

    /// Rows a page moves: the list's or the detail's visible height.
    fn page(&self) -> usize {
        let areas = self.areas();
        let rows = match self.focus {
            Focus::List => areas.list_rows.height,
            Focus::Detail => areas.detail_content.height,
        };
        usize::from(rows.saturating_sub(1)).max(1)
    }

    fn move_by(&mut self, delta: isize) {
        match self.focus {
            Focus::List => self.list.move_by(delta),
            Focus::Detail if self.detail.tab == Tab::Body && self.detail.showing_tree() => {
                if let Some(view) = self.detail.tree.as_mut() {
                    view.move_by(delta);
                }
            }
            Focus::Detail => {
                let next = self.detail.scroll().saturating_add_signed(delta);
                self.detail.set_scroll(next.min(self.max_scroll()));
            }
        }
    }

    /// How far the current tab scrolls, as its last draw recorded.
    pub fn max_scroll(&self) -> usize {
        self.detail.scroller().limit()
    }

    /// `t`: the built-in theme of the other kind (a user theme counts by
    /// its kind). Highlighting starts over in the new colours.
    fn toggle_theme(&mut self) {
        match self.theme.other() {
            Ok(theme) => {
                self.theme = theme;
                self.detail.highlight = None;
                self.hl_current.fetch_add(1, Ordering::Relaxed);
                let note = if self.theme.color {
                    ""
                } else {
                    " (colours off: NO_COLOR)"
                };
                self.say(format!("theme: {}{note}", self.theme.name));
            }
            Err(e) => self.complain(e.to_string()),
        }
    }

    fn toggle_tree(&mut self) {
        self.set_tab(Tab::Body);
        match &self.detail.loaded {
            Some(d) => match &d.body.tree {
                Some(Ok(_)) => {
                    self.detail.tree_mode = !self.detail.tree_mode;
                    if self.detail.original && self.detail.tree_mode {
                        self.detail.toggle_original();
                    }
                }
                Some(Err(why)) => self.complain(format!("no tree view: {why}")),
                None => self.complain("the tree view is for JSON bodies"),
            },
            None => self.detail.tree_mode = !self.detail.tree_mode,
        }
    }

    fn tree_op(&mut self, op: impl FnOnce(&mut TreeView, &JsonTree)) {
        if !self.detail.showing_tree() {
            return;
        }
        self.set_tab(Tab::Body);
        let Some(tree) = self.detail.json_tree().cloned() else {
            return;
        };
        if let Some(view) = self.detail.tree.as_mut() {
            op(view, &tree);
        }
    }

    fn step_match(&mut self, forward: bool) {
        match self.detail.step_match(forward) {
            Some(line) => {
                let height = usize::from(self.areas().detail_content.height);
                self.detail
                    .set_scroll(line.saturating_sub(height / 3).min(self.max_scroll()));
                self.show_match_column();
            }
            None if self.detail.search.is_some() => self.complain("no matches"),
            None => self.complain("no search yet: press s"),
        }
    }

    fn copy(&mut self) {
        self.copy_as(super::copy::CopyFormat::Curl);
    }

    fn edit(&mut self, edit: Edit) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        let mut history = match prompt.kind {
            PromptKind::Filter => Some(&mut self.filter_history),
            PromptKind::Search => Some(&mut self.search_history),
            PromptKind::Export => None,
            PromptKind::ReplayTo => Some(&mut self.target_history),
        };
        if let Edit::Older | Edit::Newer = edit {
            let recalled = history
                .as_mut()
                .and_then(|h| h.step(edit == Edit::Older, &prompt.input.text));
            if let Some(text) = recalled {
                prompt.input = LineInput::new(&text);
                if prompt.kind == PromptKind::Filter {
                    prompt.error = filter::parse(&text).err();
                }
            }
            return;
        }
        match prompt.input.apply(edit) {
            Outcome::Unchanged => {}
            Outcome::Changed => {
                prompt.error = match prompt.kind {
                    PromptKind::Filter => filter::parse(&prompt.input.text).err(),
                    // Said on submit; gone once the text changes.
                    _ => None,
                };
            }
            Outcome::Cancel => {
                if let Some(history) = history {
                    history.reset();
                }
                self.prompt = None;
            }
            Outcome::Submit => {
                let prompt = prompt.clone();
                match prompt.kind {
                    PromptKind::Filter => {
                        if prompt.error.is_none() {
                            if let Some(history) = history {
                                history.push(&prompt.input.text);
                            }
                            self.prompt = None;
                            self.apply_filter(&prompt.input.text);
                        }
                    }
                    PromptKind::Search => {
                        if let Some(history) = history {
                            history.push(&prompt.input.text);
                        }
                        self.prompt = None;
                        self.run_search(&prompt.input.text);
                    }
                    PromptKind::Export => self.export_to(prompt.input.text.trim()),
                    PromptKind::ReplayTo => self.replay_to(&prompt.input.text),
                }
            }
        }
    }

    /// `E`: ask where to write the requests shown (filtered, or all).
    fn open_export(&mut self) {
        if self.list.view().is_empty() {
            return self.complain("nothing to export");
        }
        let name = format!("hookcatch-{}.har", self.now.format("%Y%m%d-%H%M%S"));
        self.prompt = Some(Prompt {
            kind: PromptKind::Export,
            input: LineInput::new(&name),
            error: None,
        });
    }

    /// The export prompt was submitted: the format comes from the extension;
    /// a name without a known one keeps the prompt open (its hint says why).
    fn export_to(&mut self, name: &str) {
        let path = std::path::PathBuf::from(name);
        // The prompt's hint already says which extensions work.
        let Some(format) = crate::export::Format::from_path(&path) else {
            return;
        };
        self.prompt = None;
        let ids = self.list.view().to_vec();
        self.say(format!("exporting {} to {}…", ids.len(), sanitize(name)));
        self.outbox.push(Cmd::Export { ids, path, format });
    }

    /// Filter the whole store: the scan runs in the loader, matches arrive in chunks.
    pub fn apply_filter(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            if self.list.filter.take().is_some() {
                self.outbox.push(Cmd::Load(LoadCmd::StopScan));
            }
            self.list.fix_selection();
            return;
        }
        let parsed = match filter::parse(text) {
            Ok(f) => Arc::new(f),
            Err(e) => return self.complain(format!("filter: {e}")),
        };
        self.generation += 1;
        let upto = self.list.last_known();
        self.list.filter = Some(FilterView {
            text: text.to_string(),
            filter: Arc::clone(&parsed),
            generation: self.generation,
            ids: Vec::new(),
            scanning: true,
            examined: 0,
            upto,
        });
        self.outbox.push(Cmd::Load(LoadCmd::Scan {
            generation: self.generation,
            filter: parsed,
            upto,
            now: self.now,
        }));
    }

    fn run_search(&mut self, query: &str) {
        if query.is_empty() {
            self.detail.search = None;
            return;
        }
        self.detail.search(query);
        let found = self.detail.search.as_ref().map_or(0, |s| s.matches.len());
        if found == 0 {
            self.complain(format!("not found: {}", sanitize(query)));
        } else {
            self.focus = Focus::Detail;
            if let Some(line) = self
                .detail
                .search
                .as_ref()
                .and_then(|s| s.current())
                .map(|m| m.line)
            {
                let height = usize::from(self.areas().detail_content.height);
                self.detail
                    .set_scroll(line.saturating_sub(height / 3).min(self.max_scroll()));
                self.show_match_column();
            }
        }
    }

    /// Unwrapped text: scroll sideways so the current match is on screen.
    fn show_match_column(&mut self) {
        if self.detail.wrap {
            return;
        }
        let Some(m) = self.detail.search.as_ref().and_then(|s| s.current()) else {
            return;
        };
        let Some(doc) = self.detail.doc() else { return };
        let Some(line) = doc.lines.get(m.line) else {
            return;
        };
        let columns =
            |end: usize| ratatui::text::Span::raw(line.get(..end).unwrap_or(line)).width();
        let (start, end) = (columns(m.start), columns(m.end));
        let width = usize::from(self.areas().detail_content.width)
            .saturating_sub(ui::detail::body::gutter_width(doc.lines.len()))
            .max(1);
        if start < self.detail.hscroll || end > self.detail.hscroll + width {
            self.detail.hscroll = start.saturating_sub(width / 4);
        }
    }

    fn click(&mut self, column: u16, row: u16) {
        let areas = self.areas();
        let at = Position::new(column, row);
        if areas.list_rows.contains(at) {
            self.focus = Focus::List;
            self.list
                .select_index(self.list.offset + usize::from(row - areas.list_rows.y));
        } else if areas.detail_tabs.contains(at) {
            self.focus = Focus::Detail;
            if let Some(tab) = ui::detail::tab_at(areas.detail_tabs, column) {
                self.set_tab(tab);
            }
        } else if areas.detail.contains(at) {
            self.focus = Focus::Detail;
        } else if areas.list.contains(at) {
            self.focus = Focus::List;
        }
    }

    fn wheel(&mut self, down: bool, column: u16, row: u16) {
        let areas = self.areas();
        let at = Position::new(column, row);
        let delta = if down { 3 } else { -3 };
        let focus = self.focus;
        if areas.list.contains(at) {
            self.focus = Focus::List;
        } else if areas.detail.contains(at) {
            self.focus = Focus::Detail;
        } else {
            return;
        }
        self.move_by(delta);
        self.focus = focus;
    }
}
