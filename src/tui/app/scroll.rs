//! How far a view scrolls, as its last draw measured it (gitui's
//! `VerticalScroll`): the draw knows the lines and the area, so it records
//! the limit and keeps the position within it; actions read the recorded
//! limit and never call a renderer. Until a view has been drawn its limit is
//! unknown and scrolling is not clamped (the next draw clamps it).

use std::cell::Cell;

/// One view's scroll position and the limit its last draw recorded.
#[derive(Debug, Default, Clone)]
pub struct VerticalScroll {
    top: Cell<usize>,
    max: Cell<Option<usize>>,
}

impl VerticalScroll {
    pub fn get(&self) -> usize {
        self.top.get()
    }

    pub fn set(&self, top: usize) {
        self.top.set(top.min(self.limit()));
    }

    /// The furthest the view scrolls, as last drawn.
    pub fn limit(&self) -> usize {
        self.max.get().unwrap_or(usize::MAX)
    }

    /// Called by the draw: record the limit and keep the position within it.
    pub fn update(&self, max: usize) {
        self.max.set(Some(max));
        if self.top.get() > max {
            self.top.set(max);
        }
    }

    /// A new document: back to the top, the limit unknown until drawn.
    pub fn reset(&self) {
        self.top.set(0);
        self.max.set(None);
    }
}
