//! The detail pane's state: which request, which tab, how each tab is
//! scrolled, the body's view options (wrap, original bytes, tree), the body
//! search, the highlight cache, and the Deliveries tab's picked delivery,
//! answer and diff.

use std::sync::Arc;

use super::scroll::VerticalScroll;
use crate::model::RequestId;
use crate::tui::data::{Detail, TextDoc};
use crate::tui::delivery_data::{DeliveryLine, DiffDoc, ResponseDoc};
use crate::tui::highlight::{Cache, DocKey};
use crate::tui::jsontree::{JsonTree, TreeView};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tab {
    #[default]
    Overview,
    Headers,
    Body,
    Auth,
    Event,
    Deliveries,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Overview,
        Tab::Headers,
        Tab::Body,
        Tab::Auth,
        Tab::Event,
        Tab::Deliveries,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Headers => "Headers",
            Tab::Body => "Body",
            Tab::Auth => "Auth",
            Tab::Event => "Event",
            Tab::Deliveries => "Deliveries",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }

    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// The Deliveries tab: which delivery is picked, the diff, and what was read.
#[derive(Debug, Default)]
pub struct DeliveriesView {
    /// The delivery picked with j/k; `None` follows the newest.
    pub picked: Option<i64>,
    /// The other side of the diff, marked with Space; `None`: the one before.
    pub base: Option<i64>,
    /// Show what changed instead of the picked answer (`d`).
    pub diff: bool,
    pub response: Option<Box<ResponseDoc>>,
    pub diff_doc: Option<Box<DiffDoc>>,
    /// Asked the loader for this answer / diff (once each).
    pub requested_response: Option<i64>,
    pub requested_diff: Option<(i64, i64)>,
}

/// A match of the body search: byte range in a (sanitized) line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    pub matches: Vec<Match>,
    pub current: usize,
    /// More matches exist than are kept.
    pub capped: bool,
}

const MAX_MATCHES: usize = 50_000;

impl Search {
    /// Find `query` in the lines: case-insensitive unless it has capitals (smart case).
    pub fn run(query: &str, lines: &[String]) -> Search {
        let mut search = Search {
            query: query.to_string(),
            ..Search::default()
        };
        if query.is_empty() {
            return search;
        }
        let fold = !query.chars().any(char::is_uppercase);
        let needle = query.as_bytes();
        'lines: for (n, line) in lines.iter().enumerate() {
            let hay = line.as_bytes();
            let mut at = 0;
            while at + needle.len() <= hay.len() {
                let window = &hay[at..at + needle.len()];
                let hit = if fold {
                    window.eq_ignore_ascii_case(needle)
                } else {
                    window == needle
                };
                if hit && line.is_char_boundary(at) && line.is_char_boundary(at + needle.len()) {
                    if search.matches.len() == MAX_MATCHES {
                        search.capped = true;
                        break 'lines;
                    }
                    search.matches.push(Match {
                        line: n,
                        start: at,
                        end: at + needle.len(),
                    });
                    at += needle.len();
                } else {
                    at += 1;
                }
            }
        }
        search
    }

    pub fn current(&self) -> Option<Match> {
        self.matches.get(self.current).copied()
    }
}

#[derive(Debug, Default)]
pub struct DetailState {
    /// The request shown (the list's selection).
    pub id: Option<RequestId>,
    pub loaded: Option<Box<Detail>>,
    pub tab: Tab,
    scrolls: [VerticalScroll; 6],
    /// Columns hidden at the left of unwrapped text (`H`/`L`).
    pub hscroll: usize,
    pub wrap: bool,
    /// Show the bytes as received instead of the decoded view.
    pub original: bool,
    pub tree_mode: bool,
    pub tree: Option<TreeView>,
    /// Show secrets (headers, the target's query tokens) unmasked.
    pub reveal: bool,
    /// Show the verdict judged with the current secrets (`A`) beside the stored one.
    pub recheck: bool,
    pub search: Option<Search>,
    pub highlight: Option<Cache>,
    pub deliveries: DeliveriesView,
}

impl DetailState {
    /// The masking the detail applies now: on until `v` reveals.
    pub fn masking(&self, secret_header: &str) -> crate::secrets::Masking {
        crate::secrets::Masking::new(secret_header, !self.reveal)
    }

    /// Show another request: per-request state resets (secrets mask again),
    /// view preferences (tab, wrap, original, tree) stay.
    pub fn select(&mut self, id: Option<RequestId>) -> bool {
        if self.id == id {
            return false;
        }
        self.id = id;
        self.loaded = None;
        for s in &self.scrolls {
            s.reset();
        }
        self.hscroll = 0;
        self.tree = None;
        self.reveal = false;
        self.recheck = false;
        self.search = None;
        self.highlight = None;
        self.deliveries = DeliveriesView::default();
        true
    }

    pub fn set_loaded(&mut self, mut detail: Box<Detail>) {
        if let Some(old) = self
            .loaded
            .take()
            .filter(|old| old.request.id == detail.request.id)
        {
            // The same request read again (its answer or deliveries changed):
            // captured bytes never change, so the body views, tree, search and
            // highlighting stay as they are.
            detail.body = old.body;
            self.loaded = Some(detail);
            return;
        }
        self.tree = match &detail.body.tree {
            Some(Ok(tree)) => Some(TreeView::new(tree)),
            _ => None,
        };
        self.search = None;
        self.loaded = Some(detail);
        self.highlight = None;
    }

    pub fn scroll(&self) -> usize {
        self.scrolls[self.tab.index()].get()
    }

    /// Scroll the current tab, within the limit its last draw recorded.
    pub fn set_scroll(&mut self, value: usize) {
        self.scrolls[self.tab.index()].set(value);
    }

    /// The current tab's scroll, for the draw to record its limit in.
    pub fn scroller(&self) -> &VerticalScroll {
        &self.scrolls[self.tab.index()]
    }

    /// The body text in the current view (decoded or original).
    pub fn doc(&self) -> Option<&TextDoc> {
        let detail = self.loaded.as_ref()?;
        Some(if self.original {
            &detail.body.original
        } else {
            &detail.body.pretty
        })
    }

    pub fn doc_key(&self) -> Option<DocKey> {
        Some(DocKey {
            id: self.loaded.as_ref()?.request.id,
            original: self.original,
            delivery: None,
        })
    }

    /// The request's deliveries, oldest first.
    pub fn delivery_lines(&self) -> &[DeliveryLine] {
        self.loaded.as_ref().map_or(&[], |d| &d.deliveries)
    }

    /// Where the picked delivery sits (the newest unless one was picked).
    pub fn picked_index(&self) -> Option<usize> {
        let lines = self.delivery_lines();
        let last = lines.len().checked_sub(1)?;
        Some(
            self.deliveries
                .picked
                .and_then(|id| lines.iter().position(|l| l.id == id))
                .unwrap_or(last),
        )
    }

    pub fn picked(&self) -> Option<&DeliveryLine> {
        self.delivery_lines().get(self.picked_index()?)
    }

    /// Pick another delivery: `delta` rows, or the first / last.
    pub fn pick_delivery(&mut self, delta: isize) {
        let Some(index) = self.picked_index() else {
            return;
        };
        let lines = self.delivery_lines();
        let next = index.saturating_add_signed(delta).min(lines.len() - 1);
        self.deliveries.picked = if next + 1 == lines.len() {
            None
        } else {
            Some(lines[next].id)
        };
        if next != index {
            self.set_scroll(0);
        }
    }

    /// The two deliveries the diff compares, older first: the picked one and
    /// the marked base, else the one before it.
    pub fn diff_pair(&self) -> Option<(i64, i64)> {
        let index = self.picked_index()?;
        let lines = self.delivery_lines();
        let picked = lines[index].id;
        let other = match self.deliveries.base {
            Some(base) if base != picked && lines.iter().any(|l| l.id == base) => base,
            _ => lines.get(index.checked_sub(1)?)?.id,
        };
        Some((picked.min(other), picked.max(other)))
    }

    /// The picked delivery's answer, when it has been read.
    pub fn response(&self) -> Option<&ResponseDoc> {
        let id = self.picked()?.id;
        self.deliveries
            .response
            .as_deref()
            .filter(|r| r.delivery == id)
    }

    /// The diff of [`DetailState::diff_pair`], when it has been read.
    pub fn diff_doc(&self) -> Option<&DiffDoc> {
        let (before, after) = self.diff_pair()?;
        self.deliveries
            .diff_doc
            .as_deref()
            .filter(|d| d.before == before && d.after == after)
    }

    pub fn json_tree(&self) -> Option<&Arc<JsonTree>> {
        match &self.loaded.as_ref()?.body.tree {
            Some(Ok(tree)) => Some(tree),
            _ => None,
        }
    }

    /// The tree view is on and there is a tree to show.
    pub fn showing_tree(&self) -> bool {
        self.tree_mode && !self.original && self.tree.is_some()
    }

    /// Rows of the body's scrollable part.
    pub fn body_len(&self) -> usize {
        if self.showing_tree() {
            self.tree.as_ref().map_or(0, |t| t.visible.len())
        } else {
            self.doc().map_or(0, |d| d.lines.len())
        }
    }

    pub fn toggle_original(&mut self) {
        self.original = !self.original;
        self.highlight = None;
        self.search = None;
        self.set_scroll(0);
    }

    /// Run the search over the current text view and jump to the first match
    /// at or below the top line.
    pub fn search(&mut self, query: &str) {
        let Some(doc) = self.doc() else { return };
        let mut search = Search::run(query, &doc.lines);
        let top = self.scroll();
        search.current = search
            .matches
            .iter()
            .position(|m| m.line >= top)
            .unwrap_or(0);
        self.search = Some(search);
    }

    /// Step through matches; returns the line to show.
    pub fn step_match(&mut self, forward: bool) -> Option<usize> {
        let search = self.search.as_mut()?;
        let n = search.matches.len();
        if n == 0 {
            return None;
        }
        search.current = if forward {
            (search.current + 1) % n
        } else {
            (search.current + n - 1) % n
        };
        search.current().map(|m| m.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_is_smart_case_and_wraps() {
        let lines: Vec<String> = ["Timeout here", "no", "timeout TIMEOUT"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = Search::run("timeout", &lines);
        assert_eq!(s.matches.len(), 3);
        let s = Search::run("TIMEOUT", &lines);
        assert_eq!(
            s.matches,
            [Match {
                line: 2,
                start: 8,
                end: 15
            }]
        );
        let mut detail = DetailState {
            search: Some(Search::run("timeout", &lines)),
            ..DetailState::default()
        };
        assert_eq!(detail.step_match(false), Some(2));
        assert_eq!(detail.step_match(true), Some(0));
    }

    #[test]
    fn tabs_cycle() {
        assert_eq!(Tab::Overview.prev(), Tab::Deliveries);
        assert_eq!(Tab::Deliveries.next(), Tab::Overview);
    }
}
