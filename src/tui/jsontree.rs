//! A collapsible tree of a JSON document, for the Body tab's tree view.
//!
//! Built from the tokens of the one JSON scanner (`inspect::body::tokens`),
//! not from `serde_json::Value`, whose map would sort the keys: key order,
//! duplicate keys and number text stay as sent, and the grammar is checked in
//! one place. The scanner is iterative, so nesting depth cannot overflow the
//! stack. Strings are decoded (a `\u001b` becomes a real ESC) and then
//! sanitized: every string in the tree is safe to display.
//!
//! [`JsonTree`] is immutable and shared; [`TreeView`] is the UI state (which
//! nodes are folded, where the cursor is).

use crate::inspect::body::{Token, TokensError, tokens};
use crate::text::sanitize;

/// Trees stop growing here; the view says the document was too large.
pub const MAX_NODES: usize = 500_000;
/// Longer string values are clipped for display.
const MAX_VALUE_CHARS: usize = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub depth: u16,
    /// The parent's index (the root is its own parent).
    pub parent: u32,
    /// Object member name, decoded and sanitized.
    pub key: Option<String>,
    /// Position in the parent array.
    pub index: Option<u32>,
    pub kind: NodeKind,
    /// Scalars: decoded, sanitized, clipped text (strings without quotes).
    pub value: String,
    /// Direct children of a container.
    pub children: u32,
    /// One past the last descendant: folding skips to here.
    pub end: u32,
}

impl Node {
    pub fn is_container(&self) -> bool {
        matches!(self.kind, NodeKind::Object | NodeKind::Array)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonTree {
    pub nodes: Vec<Node>,
}

impl JsonTree {
    /// Build the tree of a JSON document. Errors say where the text stops
    /// being JSON.
    pub fn parse(text: &str) -> Result<JsonTree, String> {
        let tokens = tokens(text, MAX_NODES).map_err(|e| match e {
            TokensError::TooMany(_) => {
                format!("more than {MAX_NODES} values: too large for the tree view")
            }
            TokensError::Json(e) => e.to_string(),
        })?;
        Ok(build(&tokens))
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// An open container while building: its node and its children so far.
struct Open {
    node: usize,
    object: bool,
    count: u32,
}

/// The nodes of a token stream the scanner has checked (balanced, keys only
/// in objects).
fn build(tokens: &[Token<'_>]) -> JsonTree {
    let mut nodes: Vec<Node> = Vec::with_capacity(tokens.len());
    let mut stack: Vec<Open> = Vec::new();
    let mut pending_key: Option<String> = None;
    for token in tokens {
        let (kind, value) = match *token {
            Token::Key(raw) => {
                pending_key = Some(string(raw));
                continue;
            }
            Token::Close => {
                if let Some(open) = stack.pop() {
                    let end = nodes.len() as u32;
                    let node = &mut nodes[open.node];
                    node.children = open.count;
                    node.end = end;
                }
                continue;
            }
            Token::Open { object: true } => (NodeKind::Object, String::new()),
            Token::Open { object: false } => (NodeKind::Array, String::new()),
            Token::Scalar(raw) => scalar(raw),
        };
        let (parent, depth, index) = match stack.last_mut() {
            Some(top) => {
                let index = (!top.object).then_some(top.count);
                top.count += 1;
                (
                    top.node as u32,
                    u16::try_from(stack.len()).unwrap_or(u16::MAX),
                    index,
                )
            }
            None => (0, 0, None),
        };
        let me = nodes.len();
        nodes.push(Node {
            depth,
            parent,
            key: pending_key.take(),
            index,
            kind,
            value,
            children: 0,
            end: me as u32 + 1,
        });
        if let Token::Open { object } = *token {
            stack.push(Open {
                node: me,
                object,
                count: 0,
            });
        }
    }
    JsonTree { nodes }
}

/// A scalar token's kind and its text for display.
fn scalar(raw: &str) -> (NodeKind, String) {
    match raw.as_bytes().first() {
        Some(b'"') => (NodeKind::String, string(raw)),
        Some(b't' | b'f') => (NodeKind::Bool, raw.to_string()),
        Some(b'n') => (NodeKind::Null, raw.to_string()),
        _ => (NodeKind::Number, clip(&sanitize(raw))),
    }
}

/// A string token (quotes and escapes as sent), decoded and sanitized.
fn string(raw: &str) -> String {
    // serde_json decodes the escapes; a lone surrogate falls back to the text as sent.
    let decoded = serde_json::from_str::<String>(raw)
        .unwrap_or_else(|_| raw.get(1..raw.len() - 1).unwrap_or_default().to_string());
    clip(&sanitize(&decoded))
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_VALUE_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Which nodes are folded, the rows that shows, and the cursor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TreeView {
    folded: Vec<bool>,
    /// Node indexes of the visible rows, in order.
    pub visible: Vec<u32>,
    /// Index into `visible`.
    pub cursor: usize,
}

impl TreeView {
    /// Small documents open fully; large ones open two levels deep.
    pub fn new(tree: &JsonTree) -> TreeView {
        let mut view = TreeView {
            folded: vec![false; tree.len()],
            visible: Vec::new(),
            cursor: 0,
        };
        if tree.len() > 2_000 {
            view.fold_to_depth(tree, 2);
        } else {
            view.refresh(tree);
        }
        view
    }

    fn refresh(&mut self, tree: &JsonTree) {
        let keep = self.current();
        self.visible.clear();
        let mut i = 0usize;
        while i < tree.len() {
            self.visible.push(i as u32);
            let node = &tree.nodes[i];
            i = if node.is_container() && self.folded[i] {
                node.end as usize
            } else {
                i + 1
            };
        }
        self.place_cursor(tree, keep);
    }

    /// Put the cursor on `node`, or on its nearest visible ancestor.
    fn place_cursor(&mut self, tree: &JsonTree, node: Option<u32>) {
        let Some(mut node) = node else {
            self.cursor = 0;
            return;
        };
        loop {
            if let Ok(pos) = self.visible.binary_search(&node) {
                self.cursor = pos;
                return;
            }
            let parent = tree.nodes.get(node as usize).map_or(0, |n| n.parent);
            if parent == node {
                self.cursor = 0;
                return;
            }
            node = parent;
        }
    }

    /// The node under the cursor.
    pub fn current(&self) -> Option<u32> {
        self.visible.get(self.cursor).copied()
    }

    pub fn is_folded(&self, node: u32) -> bool {
        self.folded.get(node as usize).copied().unwrap_or(false)
    }

    /// Fold or unfold the container under the cursor (a scalar folds its parent).
    pub fn toggle(&mut self, tree: &JsonTree) {
        let Some(node) = self.current() else { return };
        let target = if tree.nodes[node as usize].is_container() {
            node
        } else {
            tree.nodes[node as usize].parent
        };
        if let Some(f) = self.folded.get_mut(target as usize) {
            *f = !*f;
        }
        self.refresh(tree);
        if target != node {
            self.place_cursor(tree, Some(target));
        }
    }

    /// Show `depth` levels: containers at that depth or deeper are folded.
    pub fn fold_to_depth(&mut self, tree: &JsonTree, depth: u16) {
        for (i, node) in tree.nodes.iter().enumerate() {
            self.folded[i] = node.is_container() && node.depth >= depth;
        }
        self.refresh(tree);
    }

    pub fn unfold_all(&mut self, tree: &JsonTree) {
        self.folded.iter_mut().for_each(|f| *f = false);
        self.refresh(tree);
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.visible.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
    }

    pub fn to_end(&mut self) {
        self.cursor = self.visible.len().saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"b": 1, "a": {"x": [true, null, "s"], "y": -1.50e3}, "b": "\u001b[31m"}"#;

    #[test]
    fn keeps_order_duplicates_and_number_text() {
        let tree = JsonTree::parse(DOC).unwrap();
        let keys: Vec<_> = tree
            .nodes
            .iter()
            .map(|n| n.key.clone().unwrap_or_default())
            .collect();
        assert_eq!(keys, ["", "b", "a", "x", "", "", "", "y", "b"]);
        assert_eq!(tree.nodes[7].value, "-1.50e3");
        assert_eq!(tree.nodes[3].children, 3);
        assert_eq!(tree.nodes[6].index, Some(2));
        assert_eq!(tree.nodes[2].end, 8);
    }

    #[test]
    fn decoded_strings_are_sanitized() {
        let tree = JsonTree::parse(DOC).unwrap();
        assert_eq!(tree.nodes[8].value, "\\x1b[31m");
        assert!(
            tree.nodes
                .iter()
                .all(|n| !n.value.chars().any(crate::text::is_unsafe))
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let tree = JsonTree::parse(&deep).unwrap();
        assert_eq!(tree.len(), 100_000);
    }

    #[test]
    fn rejects_broken_documents() {
        for bad in ["{", "[1,", r#"{"a" 1}"#, "[1] x", "{1:2}", "nul"] {
            assert!(JsonTree::parse(bad).is_err(), "{bad}");
        }
    }

    /// The tree takes the scanner's grammar, so what the Body tab calls
    /// invalid JSON the tree does not draw as valid.
    #[test]
    fn the_tree_and_the_body_agree_on_the_grammar() {
        for bad in ["[01]", "[1.2.3]", "[-]", "[1,]", r#"{"a":1,}"#, "[\"\t\"]"] {
            assert!(JsonTree::parse(bad).is_err(), "{bad}");
            assert!(crate::inspect::body::pretty_json(bad).is_err(), "{bad}");
        }
        let tree = JsonTree::parse(r#"{"n":1.0e400,"a":[true,null,"\u0041"]}"#).unwrap();
        let values: Vec<&str> = tree.nodes.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(values, ["", "1.0e400", "", "true", "null", "A"]);
    }

    #[test]
    fn fold_and_unfold_keep_the_cursor() {
        let tree = JsonTree::parse(DOC).unwrap();
        let mut view = TreeView::new(&tree);
        assert_eq!(view.visible.len(), 9);
        view.cursor = 4; // `true` inside a.x
        view.toggle(&tree); // folds a.x, cursor moves to it
        assert_eq!(view.current(), Some(3));
        assert_eq!(view.visible.len(), 6);
        view.fold_to_depth(&tree, 1);
        assert_eq!(view.visible, [0, 1, 2, 8]);
        assert_eq!(view.current(), Some(2));
        view.fold_to_depth(&tree, 0);
        assert_eq!(view.visible, [0]);
        view.unfold_all(&tree);
        assert_eq!(view.visible.len(), 9);
    }
}
