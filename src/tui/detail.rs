//! The detail pane's state: which request, which tab, how each tab is
//! scrolled, the body's view options (wrap, original bytes, tree), the body
//! search, the highlight cache and the deliveries seam.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::data::{Detail, TextDoc};
use super::highlight::{Cache, DocKey};
use super::jsontree::{JsonTree, TreeView};
use crate::model::RequestId;

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

/// One replay or forward attempt. Empty until the replay feature fills it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryLine {
    pub at: DateTime<Utc>,
    /// Where it went, sanitized.
    pub target: String,
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    /// Why it failed, sanitized.
    pub error: Option<String>,
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
    scrolls: [usize; 6],
    pub wrap: bool,
    /// Show the bytes as received instead of the decoded view.
    pub original: bool,
    pub tree_mode: bool,
    pub tree: Option<TreeView>,
    /// Show secret-bearing headers unmasked.
    pub reveal: bool,
    pub search: Option<Search>,
    pub highlight: Option<Cache>,
    /// Replay and forward attempts (filled by the replay feature).
    pub deliveries: Vec<DeliveryLine>,
}

impl DetailState {
    /// Show another request: per-request state resets (secrets mask again),
    /// view preferences (tab, wrap, original, tree) stay.
    pub fn select(&mut self, id: Option<RequestId>) -> bool {
        if self.id == id {
            return false;
        }
        self.id = id;
        self.loaded = None;
        self.scrolls = [0; 6];
        self.tree = None;
        self.reveal = false;
        self.search = None;
        self.highlight = None;
        self.deliveries.clear();
        true
    }

    pub fn set_loaded(&mut self, detail: Box<Detail>) {
        self.tree = match &detail.body.tree {
            Some(Ok(tree)) => Some(TreeView::new(tree)),
            _ => None,
        };
        // Matches point into the old text; the highlight cache too.
        if self.loaded.is_some() {
            self.search = None;
        }
        self.loaded = Some(detail);
        self.highlight = None;
    }

    pub fn scroll(&self) -> usize {
        self.scrolls[self.tab.index()]
    }

    pub fn set_scroll(&mut self, value: usize) {
        self.scrolls[self.tab.index()] = value;
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
        })
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
