//! Keys and mouse to actions. Pure: the same key means different things in
//! the list, the detail pane, the tree view, a text input or the help
//! overlay, so the mapping takes a [`Context`] the app describes itself with.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::app::Tab;
use super::app::copy::CopyFormat;

/// What the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// Close what is open: overlay, zoom, search, detail focus.
    Escape,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Tab / Shift-Tab: list <-> detail.
    SwitchPane,
    NextTab,
    PrevTab,
    Tab(Tab),
    /// Enter: open the detail, zoom it, or fold a tree node.
    Enter,
    ToggleFollow,
    OpenFilter,
    Copy,
    /// `Y`: the copy menu.
    CopyMenu,
    /// A choice in the copy menu.
    CopyAs(CopyFormat),
    Delete,
    /// `X`: delete every request (asks first).
    ClearAll,
    /// Answer to "delete #n?" (or "delete all?").
    Confirm(bool),
    Reveal,
    /// `A`: show the auth verdict judged with the current secrets.
    Recheck,
    Wrap,
    /// `H` / `L` (or Shift-← / Shift-→): scroll long lines sideways.
    ScrollLeft,
    ScrollRight,
    Original,
    /// `J`: the JSON tree view of the body.
    Tree,
    /// `t`: the other built-in theme (dark <-> light).
    Theme,
    Search,
    SearchNext,
    SearchPrev,
    Fold,
    /// `z` then a digit: show that many levels.
    FoldDepth(u16),
    /// `z` was pressed; a digit follows.
    FoldPrefix,
    FoldAll,
    UnfoldAll,
    /// `r`: replay the selected request to the default target.
    Replay,
    /// `T`: replay to a URL typed in a prompt.
    ReplayTo,
    /// `R`: run Pingara's retry ladder.
    Ladder,
    /// `e`: edit in `$EDITOR`, then replay.
    EditReplay,
    /// `c`: cancel a running ladder.
    CancelLadder,
    /// `m`: the next live response mode.
    CycleMode,
    /// `M`: the custom answer's form.
    CustomAnswer,
    /// `^x` in that form: turn the custom answer off.
    CustomAnswerOff,
    /// `E`: write the requests shown to a file (HAR, JSON lines, curl).
    Export,
    /// `d`: what changed between two deliveries' answers.
    Diff,
    Edit(Edit),
    Click {
        column: u16,
        row: u16,
    },
    Wheel {
        down: bool,
        column: u16,
        row: u16,
    },
    Resize(u16, u16),
}

/// Editing a one-line input (filter, search).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Char(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    ClearLine,
    DeleteWord,
    /// ↑ / Ctrl-P: the entry submitted before (history).
    Older,
    /// ↓ / Ctrl-N: back toward what was being typed.
    Newer,
    Submit,
    Cancel,
}

/// Where the keys go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Normal,
    Input,
    Help,
    Confirm,
    /// After `z`.
    FoldPrefix,
    /// The copy menu (`Y`) is open.
    CopyMenu,
    /// The custom answer's form (`M`) is open.
    AnswerForm,
}

pub fn key(ctx: Context, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c' | 'C')) {
        return Some(Action::Quit);
    }
    match ctx {
        Context::Input => input_key(key, ctrl).map(Action::Edit),
        Context::AnswerForm => match key.code {
            KeyCode::Char('x') if ctrl => Some(Action::CustomAnswerOff),
            KeyCode::Tab => Some(Action::Edit(Edit::Newer)),
            KeyCode::BackTab => Some(Action::Edit(Edit::Older)),
            _ => input_key(key, ctrl).map(Action::Edit),
        },
        Context::Help => match key.code {
            KeyCode::Char('?' | 'q') | KeyCode::Esc | KeyCode::Enter => Some(Action::ToggleHelp),
            KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
            KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
            KeyCode::PageDown | KeyCode::Char(' ') => Some(Action::PageDown),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::Char('g') | KeyCode::Home => Some(Action::Top),
            KeyCode::Char('G') | KeyCode::End => Some(Action::Bottom),
            _ => None,
        },
        Context::Confirm => Some(Action::Confirm(matches!(
            key.code,
            KeyCode::Char('y' | 'Y' | 'x')
        ))),
        Context::FoldPrefix => Some(match key.code {
            KeyCode::Char(c @ '0'..='9') => Action::FoldDepth(c as u16 - '0' as u16),
            KeyCode::Char('a') => Action::Fold,
            KeyCode::Char('M') => Action::FoldAll,
            KeyCode::Char('R') => Action::UnfoldAll,
            _ => Action::Escape,
        }),
        Context::CopyMenu => Some(match key.code {
            KeyCode::Char(c) => CopyFormat::from_key(c).map_or(Action::Escape, Action::CopyAs),
            _ => Action::Escape,
        }),
        Context::Normal => normal_key(key, ctrl),
    }
}

fn normal_key(key: KeyEvent, ctrl: bool) -> Option<Action> {
    if ctrl {
        return match key.code {
            KeyCode::Char('f') => Some(Action::Search),
            KeyCode::Char('d') => Some(Action::PageDown),
            KeyCode::Char('u') => Some(Action::PageUp),
            _ => None,
        };
    }
    if key.modifiers.contains(KeyModifiers::SHIFT) {
        match key.code {
            KeyCode::Left => return Some(Action::ScrollLeft),
            KeyCode::Right => return Some(Action::ScrollRight),
            _ => {}
        }
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('H') => Action::ScrollLeft,
        KeyCode::Char('L') => Action::ScrollRight,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Esc => Action::Escape,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::Tab | KeyCode::BackTab => Action::SwitchPane,
        KeyCode::Char('l') | KeyCode::Right => Action::NextTab,
        KeyCode::Char('h') | KeyCode::Left => Action::PrevTab,
        KeyCode::Char(c @ '1'..='6') => Action::Tab(Tab::ALL[c as usize - '1' as usize]),
        KeyCode::Enter => Action::Enter,
        KeyCode::Char(' ') => Action::Fold,
        KeyCode::Char('f') => Action::ToggleFollow,
        KeyCode::Char('/') => Action::OpenFilter,
        KeyCode::Char('y') => Action::Copy,
        KeyCode::Char('Y') => Action::CopyMenu,
        KeyCode::Char('x') | KeyCode::Delete => Action::Delete,
        KeyCode::Char('X') => Action::ClearAll,
        KeyCode::Char('v') => Action::Reveal,
        KeyCode::Char('A') => Action::Recheck,
        KeyCode::Char('w') => Action::Wrap,
        KeyCode::Char('o') => Action::Original,
        KeyCode::Char('J') => Action::Tree,
        KeyCode::Char('t') => Action::Theme,
        KeyCode::Char('s') => Action::Search,
        KeyCode::Char('n') => Action::SearchNext,
        KeyCode::Char('N') => Action::SearchPrev,
        KeyCode::Char('z') => Action::FoldPrefix,
        KeyCode::Char('-') => Action::FoldAll,
        KeyCode::Char('+' | '=') => Action::UnfoldAll,
        KeyCode::Char('r') => Action::Replay,
        KeyCode::Char('T') => Action::ReplayTo,
        KeyCode::Char('R') => Action::Ladder,
        KeyCode::Char('e') => Action::EditReplay,
        KeyCode::Char('E') => Action::Export,
        KeyCode::Char('c') => Action::CancelLadder,
        KeyCode::Char('m') => Action::CycleMode,
        KeyCode::Char('M') => Action::CustomAnswer,
        KeyCode::Char('d') => Action::Diff,
        _ => return None,
    })
}

fn input_key(key: KeyEvent, ctrl: bool) -> Option<Edit> {
    if ctrl {
        return match key.code {
            KeyCode::Char('u') => Some(Edit::ClearLine),
            KeyCode::Char('w') | KeyCode::Backspace => Some(Edit::DeleteWord),
            KeyCode::Char('a') => Some(Edit::Home),
            KeyCode::Char('e') => Some(Edit::End),
            KeyCode::Char('p') => Some(Edit::Older),
            KeyCode::Char('n') => Some(Edit::Newer),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char(c) => Edit::Char(c),
        KeyCode::Up => Edit::Older,
        KeyCode::Down => Edit::Newer,
        KeyCode::Backspace => Edit::Backspace,
        KeyCode::Delete => Edit::Delete,
        KeyCode::Left => Edit::Left,
        KeyCode::Right => Edit::Right,
        KeyCode::Home => Edit::Home,
        KeyCode::End => Edit::End,
        KeyCode::Enter => Edit::Submit,
        KeyCode::Esc => Edit::Cancel,
        _ => return None,
    })
}

pub fn mouse(event: MouseEvent) -> Option<Action> {
    let (column, row) = (event.column, event.row);
    match event.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { column, row }),
        MouseEventKind::ScrollDown => Some(Action::Wheel {
            down: true,
            column,
            row,
        }),
        MouseEventKind::ScrollUp => Some(Action::Wheel {
            down: false,
            column,
            row,
        }),
        _ => None,
    }
}

/// Every key, for the help overlay: (keys, what they do), grouped.
pub const HELP: &[(&str, &[(&str, &str)])] = &[
    (
        "Move",
        &[
            ("j k ↓ ↑", "next / previous request (or scroll the detail)"),
            ("g G Home End", "first / last"),
            ("PgUp PgDn ^u ^d", "a page up / down"),
            ("Tab", "switch between list and detail"),
            ("h l ← →", "previous / next detail tab"),
            ("1-6", "Overview Headers Body Auth Event Deliveries"),
            ("Enter", "open the detail; zoom it; fold a tree node"),
            ("Esc", "back: close, unzoom, leave the detail"),
            ("f", "follow the newest request (moving turns it off)"),
            ("mouse", "click selects a row or tab, wheel scrolls"),
        ],
    ),
    (
        "Requests",
        &[
            ("/", "filter the whole store (syntax below)"),
            (
                "↑ ↓ ^p ^n",
                "in the filter or search prompt: earlier entries",
            ),
            ("y", "copy a curl command to the default target (OSC 52)"),
            ("Y", "copy menu: URL, body, headers, raw HTTP, curl, HTTPie"),
            ("E", "export the requests shown to .har, .ndjson or .sh"),
            ("x", "delete the request (asks first)"),
            (
                "X",
                "clear all: delete every request in the store (asks first)",
            ),
            ("v", "reveal / mask secrets (headers, URL tokens)"),
            (
                "A",
                "recheck auth with the current secrets (stored one stays)",
            ),
            (
                "r",
                "replay to the default target (forward, replay_to, or here)",
            ),
            ("T", "replay to a URL you type (↑ ↓ recall earlier ones)"),
            ("R", "replay on Pingara's retry ladder (30s 2m 10m 30m)"),
            (
                "e",
                "edit method, path, headers and body in $EDITOR, then send",
            ),
            ("m", "cycle the live response mode: 500 401 429 slow drop"),
            ("M", "custom answer: status, headers, body (^x in it: off)"),
            (
                "↻3 2→200",
                "list marks: a retry of #3; sent twice, last answer 200",
            ),
            (
                "⚠5",
                "list mark: five problems in the payload (has:problems)",
            ),
            ("≈", "list mark: verdict judged now, not at arrival"),
        ],
    ),
    (
        "Deliveries (tab 6)",
        &[
            ("j k g G", "pick a delivery (detail focused)"),
            ("PgUp PgDn", "scroll its answer"),
            ("d", "diff: what changed since the delivery before"),
            ("Space", "mark the other side of the diff"),
            ("c", "cancel the retry ladder"),
        ],
    ),
    (
        "Body",
        &[
            ("w", "wrap long lines (also Overview, Auth, Event)"),
            ("H L", "scroll long lines sideways (also Shift-← →)"),
            ("o", "original bytes / decoded view"),
            ("J", "JSON tree view"),
            ("Enter Space", "fold / unfold the node (tree)"),
            ("z0-z9", "fold the tree to that depth"),
            ("- +", "fold all / unfold all"),
            ("s ^f", "search the body; n N next / previous"),
        ],
    ),
    (
        "Other",
        &[
            ("t", "theme: dark / light"),
            ("?", "this help"),
            ("q ^c", "quit"),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in [
            Context::Normal,
            Context::Input,
            Context::Help,
            Context::Confirm,
            Context::FoldPrefix,
            Context::AnswerForm,
        ] {
            assert_eq!(key(ctx, ctrl_c), Some(Action::Quit));
        }
    }

    #[test]
    fn same_key_depends_on_context() {
        assert_eq!(
            key(Context::Normal, k(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(
            key(Context::Input, k(KeyCode::Char('q'))),
            Some(Action::Edit(Edit::Char('q')))
        );
        assert_eq!(
            key(Context::Help, k(KeyCode::Char('q'))),
            Some(Action::ToggleHelp)
        );
        assert_eq!(
            key(Context::FoldPrefix, k(KeyCode::Char('3'))),
            Some(Action::FoldDepth(3))
        );
        assert_eq!(
            key(Context::Confirm, k(KeyCode::Char('n'))),
            Some(Action::Confirm(false))
        );
        assert_eq!(
            key(Context::Normal, k(KeyCode::Char('r'))),
            Some(Action::Replay)
        );
        assert_eq!(
            key(Context::FoldPrefix, k(KeyCode::Char('R'))),
            Some(Action::UnfoldAll),
            "zR unfolds; R alone runs the ladder"
        );
        assert_eq!(
            key(Context::Normal, k(KeyCode::Char('R'))),
            Some(Action::Ladder)
        );
        assert_eq!(
            key(Context::Normal, k(KeyCode::Char('4'))),
            Some(Action::Tab(Tab::Auth))
        );
    }
}
