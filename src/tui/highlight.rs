//! Syntax highlighting of bodies, off the UI thread (yazi's way).
//!
//! Only the visible window plus a margin is highlighted. Parsing must start
//! from a known state, so each job resumes from the nearest cached
//! checkpoint (parse + highlight state every [`CHECKPOINT_EVERY`] lines) and
//! returns new checkpoints with its lines; the cache lives in the detail
//! state, per request and view. A job checks its ticket every few lines and
//! stops when the user has moved on. Bodies over [`MAX_HIGHLIGHT_BYTES`] and
//! single lines over [`MAX_LINE_BYTES`] stay plain text.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use syntect::highlighting::{
    FontStyle, HighlightIterator, HighlightState, Highlighter, Theme as SynTheme,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

use crate::model::RequestId;

/// Bodies larger than this are shown as plain text.
pub const MAX_HIGHLIGHT_BYTES: usize = 1 << 20;
/// Lines longer than this are shown plain (and not parsed).
pub const MAX_LINE_BYTES: usize = 5_000;
/// Lines highlighted beyond each edge of the visible window.
pub const MARGIN: usize = 120;
const CHECKPOINT_EVERY: usize = 256;
const TICKET_CHECK_EVERY: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syntax {
    Json,
    Xml,
    Html,
}

impl Syntax {
    fn extension(self) -> &'static str {
        match self {
            Syntax::Json => "json",
            Syntax::Xml => "xml",
            Syntax::Html => "html",
        }
    }
}

/// Which text a cache belongs to: a request and one of its body views, or
/// the answer to one of its deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DocKey {
    pub id: RequestId,
    pub original: bool,
    /// The delivery whose answer this is; `None` for the request's body.
    pub delivery: Option<i64>,
}

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Parser and highlighter state at the start of a line.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    line: usize,
    parse: ParseState,
    highlight: HighlightState,
}

/// One piece of highlighting work.
pub struct Job {
    pub doc: DocKey,
    pub ticket: u64,
    pub lines: Arc<Vec<String>>,
    pub syntax: Syntax,
    pub theme: Arc<SynTheme>,
    pub start: usize,
    pub end: usize,
    from: Option<Checkpoint>,
    current: Arc<AtomicU64>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("doc", &self.doc)
            .field("start", &self.start)
            .field("end", &self.end)
            .finish()
    }
}

/// What a job produced.
#[derive(Debug)]
pub struct Done {
    pub doc: DocKey,
    pub ticket: u64,
    pub start: usize,
    pub lines: Vec<Line<'static>>,
    checkpoints: Vec<Checkpoint>,
}

/// Run a job to completion; `None` when it went stale or the syntax is unknown.
pub fn run(job: Job) -> Option<Done> {
    let set = syntax_set();
    let syntax = set.find_syntax_by_extension(job.syntax.extension())?;
    let highlighter = Highlighter::new(&job.theme);
    let (mut line_no, mut parse, mut state) = match job.from {
        Some(cp) => (cp.line, cp.parse, cp.highlight),
        None => (
            0,
            ParseState::new(syntax),
            HighlightState::new(&highlighter, ScopeStack::new()),
        ),
    };
    let mut out = Vec::with_capacity(job.end.saturating_sub(job.start));
    let mut checkpoints = Vec::new();
    let mut buf = String::new();
    while line_no < job.end.min(job.lines.len()) {
        if line_no % TICKET_CHECK_EVERY == 0 && job.current.load(Ordering::Relaxed) != job.ticket {
            return None;
        }
        if line_no % CHECKPOINT_EVERY == 0 && line_no > 0 {
            checkpoints.push(Checkpoint {
                line: line_no,
                parse: parse.clone(),
                highlight: state.clone(),
            });
        }
        let text = &job.lines[line_no];
        let keep = line_no >= job.start;
        if text.len() > MAX_LINE_BYTES {
            if keep {
                out.push(Line::raw(text.clone()));
            }
        } else {
            buf.clear();
            buf.push_str(text);
            buf.push('\n');
            match parse.parse_line(&buf, set) {
                Ok(ops) => {
                    let spans = HighlightIterator::new(&mut state, &ops, &buf, &highlighter);
                    if keep {
                        out.push(to_line(spans));
                    } else {
                        spans.for_each(drop);
                    }
                }
                Err(_) => {
                    if keep {
                        out.push(Line::raw(text.clone()));
                    }
                }
            }
        }
        line_no += 1;
    }
    Some(Done {
        doc: job.doc,
        ticket: job.ticket,
        start: job.start,
        lines: out,
        checkpoints,
    })
}

fn to_line<'a>(
    spans: impl Iterator<Item = (syntect::highlighting::Style, &'a str)>,
) -> Line<'static> {
    let spans: Vec<Span<'static>> = spans
        .filter_map(|(style, text)| {
            let text = text.strip_suffix('\n').unwrap_or(text);
            (!text.is_empty()).then(|| Span::styled(text.to_string(), convert(style)))
        })
        .collect();
    Line::from(spans)
}

fn convert(style: syntect::highlighting::Style) -> Style {
    let mut out = Style::new();
    if style.foreground.a > 0 {
        out = out.fg(Color::Rgb(
            style.foreground.r,
            style.foreground.g,
            style.foreground.b,
        ));
    }
    if style.font_style.contains(FontStyle::BOLD) {
        out = out.add_modifier(Modifier::BOLD);
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        out = out.add_modifier(Modifier::ITALIC);
    }
    if style.font_style.contains(FontStyle::UNDERLINE) {
        out = out.add_modifier(Modifier::UNDERLINED);
    }
    out
}

/// Highlighted lines of one document, filled window by window.
#[derive(Debug)]
pub struct Cache {
    pub doc: DocKey,
    pub syntax: Syntax,
    lines: Vec<Option<Line<'static>>>,
    checkpoints: Vec<Checkpoint>,
    /// A job for this document is running.
    pub pending: bool,
}

impl Cache {
    pub fn new(doc: DocKey, syntax: Syntax, len: usize) -> Cache {
        Cache {
            doc,
            syntax,
            lines: vec![None; len],
            checkpoints: Vec::new(),
            pending: false,
        }
    }

    pub fn line(&self, n: usize) -> Option<&Line<'static>> {
        self.lines.get(n).and_then(Option::as_ref)
    }

    /// A job for `[from, to)` when some of it is not highlighted yet and no job runs.
    pub fn job_for(
        &mut self,
        from: usize,
        to: usize,
        lines: &Arc<Vec<String>>,
        theme: &Arc<SynTheme>,
        ticket: u64,
        current: &Arc<AtomicU64>,
    ) -> Option<Job> {
        let to = to.min(self.lines.len());
        if self.pending || from >= to || self.lines[from..to].iter().all(Option::is_some) {
            return None;
        }
        let start = from.saturating_sub(MARGIN);
        let end = (to + MARGIN).min(self.lines.len());
        let resume = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.line <= start)
            .cloned();
        self.pending = true;
        Some(Job {
            doc: self.doc,
            ticket,
            lines: Arc::clone(lines),
            syntax: self.syntax,
            theme: Arc::clone(theme),
            start,
            end,
            from: resume,
            current: Arc::clone(current),
        })
    }

    /// Take a finished job's lines and checkpoints.
    pub fn apply(&mut self, done: Done) {
        self.pending = false;
        for (i, line) in done.lines.into_iter().enumerate() {
            if let Some(slot) = self.lines.get_mut(done.start + i) {
                *slot = Some(line);
            }
        }
        for cp in done.checkpoints {
            if let Err(pos) = self.checkpoints.binary_search_by_key(&cp.line, |c| c.line) {
                self.checkpoints.insert(pos, cp);
            }
        }
    }

    /// A job went stale or failed: allow a new one.
    pub fn release(&mut self) {
        self.pending = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme() -> Arc<SynTheme> {
        crate::tui::theme::Theme::builtin("hookcatch-dark")
            .unwrap()
            .syntax
            .unwrap()
    }

    #[test]
    fn highlights_json_window_and_resumes_from_checkpoints() {
        let text: Vec<String> = (0..1000).map(|i| format!("  \"k{i}\": {i},")).collect();
        let lines = Arc::new(text);
        let doc = DocKey {
            id: 1,
            original: false,
            delivery: None,
        };
        let current = Arc::new(AtomicU64::new(7));
        let mut cache = Cache::new(doc, Syntax::Json, lines.len());
        let job = cache
            .job_for(600, 650, &lines, &theme(), 7, &current)
            .unwrap();
        assert!(
            cache
                .job_for(600, 650, &lines, &theme(), 7, &current)
                .is_none(),
            "one job at a time"
        );
        let done = run(job).unwrap();
        cache.apply(done);
        let line = cache.line(620).unwrap();
        assert_eq!(line.to_string(), "  \"k620\": 620,");
        assert!(line.spans.len() > 2, "coloured spans: {line:?}");
        assert!(cache.line(100).is_none());
        assert!(!cache.checkpoints.is_empty());
        let job = cache
            .job_for(900, 950, &lines, &theme(), 7, &current)
            .unwrap();
        assert_eq!(job.from.as_ref().map(|c| c.line), Some(768));
    }

    #[test]
    fn json_scopes_get_their_theme_colours() {
        let lines = Arc::new(vec![
            "{".to_string(),
            "  \"event\": \"x\",".to_string(),
            "  \"n\": 12, \"t\": true".to_string(),
            "}".to_string(),
        ]);
        let current = Arc::new(AtomicU64::new(1));
        let mut cache = Cache::new(
            DocKey {
                id: 1,
                original: false,
                delivery: None,
            },
            Syntax::Json,
            4,
        );
        let done = run(cache.job_for(0, 4, &lines, &theme(), 1, &current).unwrap()).unwrap();
        let color_of = |line: usize, text: &str| {
            done.lines[line]
                .spans
                .iter()
                .find(|s| s.content == text)
                .and_then(|s| s.style.fg)
        };
        assert_eq!(
            color_of(1, "event"),
            Some(Color::Rgb(0x79, 0xb8, 0xd9)),
            "key: {:?}",
            done.lines[1]
        );
        assert_eq!(
            color_of(1, "x"),
            Some(Color::Rgb(0xa6, 0xc9, 0x8a)),
            "string"
        );
        assert_eq!(
            color_of(2, "12"),
            Some(Color::Rgb(0xd8, 0xa0, 0x6b)),
            "number"
        );
        assert_eq!(
            color_of(2, "true"),
            Some(Color::Rgb(0xc5, 0x94, 0xc5)),
            "constant.language"
        );
    }

    #[test]
    fn stale_ticket_cancels() {
        let lines = Arc::new(vec!["{}".to_string(); 100]);
        let current = Arc::new(AtomicU64::new(2));
        let mut cache = Cache::new(
            DocKey {
                id: 1,
                original: false,
                delivery: None,
            },
            Syntax::Json,
            100,
        );
        let job = cache.job_for(0, 10, &lines, &theme(), 1, &current).unwrap();
        assert!(run(job).is_none());
    }

    #[test]
    fn long_lines_stay_plain() {
        let long = format!("\"{}\"", "x".repeat(MAX_LINE_BYTES + 10));
        let lines = Arc::new(vec![long.clone()]);
        let current = Arc::new(AtomicU64::new(1));
        let mut cache = Cache::new(
            DocKey {
                id: 1,
                original: false,
                delivery: None,
            },
            Syntax::Json,
            1,
        );
        let done = run(cache.job_for(0, 1, &lines, &theme(), 1, &current).unwrap()).unwrap();
        assert_eq!(done.lines[0].spans.len(), 1);
        assert_eq!(done.lines[0].to_string(), long);
    }
}
