//! The request list as data: every id in the store (8 bytes a request), the
//! ids a filter lets through, the selection (an id, never a row index), the
//! scroll offset and a small cache of rows for the visible window.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::data::Row;
use crate::filter::Filter;
use crate::model::RequestId;

/// An applied filter and what its scan found so far.
#[derive(Clone, Debug)]
pub struct FilterView {
    pub text: String,
    pub filter: Arc<Filter>,
    pub generation: u64,
    /// Matching ids, ascending.
    pub ids: Vec<RequestId>,
    pub scanning: bool,
    /// Requests examined by the scan so far.
    pub examined: usize,
    /// The scan covers ids up to here; newer ones are tested as they arrive.
    pub upto: RequestId,
}

#[derive(Debug, Default)]
pub struct Listing {
    /// Every id in the store, ascending.
    pub ids: Vec<RequestId>,
    pub filter: Option<FilterView>,
    pub selected: Option<RequestId>,
    /// First row shown.
    pub offset: usize,
    /// Auto-select the newest request.
    pub follow: bool,
    pub rows: HashMap<RequestId, Row>,
    pending: HashSet<RequestId>,
}

/// Insert ascending ids into an ascending vector, skipping duplicates.
pub fn merge_sorted(into: &mut Vec<RequestId>, new: &[RequestId]) {
    if new.is_empty() {
        return;
    }
    if into.last().is_none_or(|last| *last < new[0]) && new.is_sorted() {
        into.extend_from_slice(new);
        return;
    }
    into.extend_from_slice(new);
    into.sort_unstable();
    into.dedup();
}

impl Listing {
    pub fn new() -> Listing {
        Listing {
            follow: true,
            ..Listing::default()
        }
    }

    /// The ids the list shows, ascending (newest at the bottom).
    pub fn view(&self) -> &[RequestId] {
        self.filter.as_ref().map_or(&self.ids, |f| &f.ids)
    }

    pub fn last_known(&self) -> RequestId {
        self.ids.last().copied().unwrap_or(0)
    }

    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected?;
        self.view().binary_search(&id).ok()
    }

    /// Keep the selection meaningful after the view changed: the newest when
    /// following, else the same id, else its nearest neighbour.
    pub fn fix_selection(&mut self) {
        let view = self.view();
        if view.is_empty() {
            let scanning = self.filter.as_ref().is_some_and(|f| f.scanning);
            if !scanning {
                self.selected = None;
            }
            return;
        }
        if self.follow {
            self.selected = view.last().copied();
            return;
        }
        self.selected = Some(match self.selected {
            Some(id) => match view.binary_search(&id) {
                Ok(_) => id,
                Err(pos) => view[pos.min(view.len() - 1)],
            },
            None => view[view.len() - 1],
        });
    }

    /// Move the selection by `delta` rows (negative: up). Turns follow off.
    pub fn move_by(&mut self, delta: isize) {
        let len = self.view().len();
        if len == 0 {
            return;
        }
        self.follow = false;
        let index = self.selected_index().unwrap_or(len - 1);
        let next = index.saturating_add_signed(delta).min(len - 1);
        self.selected = Some(self.view()[next]);
    }

    pub fn select_index(&mut self, index: usize) {
        if let Some(id) = self.view().get(index).copied() {
            self.follow = false;
            self.selected = Some(id);
        }
    }

    /// Scroll so the selection is visible in `height` rows; following pins the bottom.
    pub fn scroll_into_view(&mut self, height: usize) {
        let len = self.view().len();
        let height = height.max(1);
        let max_offset = len.saturating_sub(height);
        match self.selected_index() {
            Some(index) => {
                if index < self.offset {
                    self.offset = index;
                } else if index >= self.offset + height {
                    self.offset = index + 1 - height;
                }
            }
            None if self.follow => self.offset = max_offset,
            None => {}
        }
        self.offset = self.offset.min(max_offset);
    }

    /// New ids from the store (ascending, all newer than what we had).
    pub fn add_ids(&mut self, new: &[RequestId]) {
        merge_sorted(&mut self.ids, new);
    }

    /// The store's complete id list (after deletes): drop what is gone.
    pub fn replace_ids(&mut self, ids: Vec<RequestId>) {
        self.ids = ids;
        let all = &self.ids;
        if let Some(f) = self.filter.as_mut() {
            f.ids.retain(|id| all.binary_search(id).is_ok());
        }
        self.rows.retain(|id, _| all.binary_search(id).is_ok());
    }

    /// How many listed ids are at or below `issued`.
    pub fn known_up_to(&self, issued: RequestId) -> i64 {
        i64::try_from(self.ids.partition_point(|id| *id <= issued)).unwrap_or(i64::MAX)
    }

    /// Drop the listed ids at or below `issued` that are not `present`
    /// (deleted, by this process or another); newer ones arrived after that
    /// read and stay. How many were dropped.
    pub fn drop_deleted(&mut self, present: &[RequestId], issued: RequestId) -> usize {
        let gone = |id: &RequestId| *id <= issued && present.binary_search(id).is_err();
        let before = self.ids.len();
        self.ids.retain(|id| !gone(id));
        if let Some(f) = self.filter.as_mut() {
            f.ids.retain(|id| !gone(id));
        }
        self.rows.retain(|id, _| !gone(id));
        before - self.ids.len()
    }

    /// Ids in the window (plus `margin` rows each side) without a row yet;
    /// they are marked pending so they are asked for once.
    pub fn missing_rows(&mut self, height: usize, margin: usize) -> Vec<RequestId> {
        let view = self.view();
        let start = self.offset.saturating_sub(margin);
        let end = (self.offset + height + margin).min(view.len());
        let wanted: Vec<RequestId> = view[start.min(end)..end]
            .iter()
            .copied()
            .filter(|id| !self.rows.contains_key(id) && !self.pending.contains(id))
            .collect();
        self.pending.extend(wanted.iter().copied());
        wanted
    }

    pub fn take_rows(&mut self, rows: Vec<Row>, missing: &[RequestId]) {
        for id in missing {
            self.pending.remove(id);
        }
        for row in rows {
            self.pending.remove(&row.id);
            self.rows.insert(row.id, row);
        }
    }

    /// Forget a row so it is read again (its request changed).
    pub fn invalidate(&mut self, id: RequestId) {
        self.rows.remove(&id);
        self.pending.remove(&id);
    }

    /// Forget every cached row (changes were missed): read again when shown.
    pub fn invalidate_all(&mut self) {
        self.rows.clear();
        self.pending.clear();
    }

    /// Keep the row cache to a few windows around the visible one.
    pub fn prune(&mut self, height: usize) {
        let keep = 4 * height.max(16);
        if self.rows.len() <= keep * 2 {
            return;
        }
        let view = self.view();
        let start = self.offset.saturating_sub(keep);
        let end = (self.offset + height + keep).min(view.len());
        let (lo, hi) = match (view.get(start), view.get(end.saturating_sub(1))) {
            (Some(lo), Some(hi)) => (*lo, *hi),
            _ => return,
        };
        self.rows.retain(|id, _| (lo..=hi).contains(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids newer than the read are not judged by it: they arrived after.
    #[test]
    fn deletes_drop_only_ids_the_read_could_see() {
        let mut list = Listing::new();
        list.add_ids(&[1, 2, 3, 4, 5]);
        assert_eq!(list.known_up_to(3), 3);
        assert_eq!(list.drop_deleted(&[1, 3], 3), 1);
        assert_eq!(list.ids, [1, 3, 4, 5]);
        assert_eq!(list.drop_deleted(&[], 5), 4, "clear all");
        assert!(list.ids.is_empty());
    }

    #[test]
    fn selection_follows_the_id_not_the_row() {
        let mut list = Listing::new();
        list.add_ids(&[1, 2, 3, 4]);
        list.fix_selection();
        assert_eq!(list.selected, Some(4), "follow selects the newest");
        list.move_by(-2);
        assert!(!list.follow);
        assert_eq!(list.selected, Some(2));
        list.add_ids(&[5, 6]);
        list.fix_selection();
        assert_eq!(list.selected, Some(2));
        list.replace_ids(vec![1, 3, 4, 5, 6]);
        list.fix_selection();
        assert_eq!(
            list.selected,
            Some(3),
            "a deleted selection moves to its neighbour"
        );
        list.follow = true;
        list.fix_selection();
        assert_eq!(list.selected, Some(6));
    }

    #[test]
    fn window_and_offset() {
        let mut list = Listing::new();
        list.add_ids(&(1..=100).collect::<Vec<_>>());
        list.fix_selection();
        list.scroll_into_view(10);
        assert_eq!(list.offset, 90);
        list.move_by(-20);
        list.scroll_into_view(10);
        assert_eq!((list.selected, list.offset), (Some(80), 79));
        let missing = list.missing_rows(10, 0);
        assert_eq!(missing, (80..=89).collect::<Vec<_>>());
        assert!(list.missing_rows(10, 0).is_empty(), "asked once");
    }

    #[test]
    fn merge_keeps_order() {
        let mut ids = vec![1, 5, 9];
        merge_sorted(&mut ids, &[3, 4]);
        merge_sorted(&mut ids, &[10, 11]);
        merge_sorted(&mut ids, &[11]);
        assert_eq!(ids, [1, 3, 4, 5, 9, 10, 11]);
    }
}
