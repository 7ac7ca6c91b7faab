//! The Deliveries tab's state changes: picking a delivery (`j`/`k` when the
//! detail has the focus), marking the other side of a diff (Space), showing
//! the diff (`d`), and asking the loader for the picked answer or the diff
//! before a frame needs it.

use super::{App, Focus, Tab};
use crate::tui::delivery_data::{DiffDoc, ResponseDoc};
use crate::tui::inbox::Cmd;
use crate::tui::loader::LoadCmd;

impl App {
    /// The detail pane has the keys and shows the Deliveries tab.
    pub(super) fn on_deliveries(&self) -> bool {
        self.focus == Focus::Detail && self.detail.tab == Tab::Deliveries
    }

    /// Pick another delivery; `delta` of `isize::MIN / 2` or `MAX / 2` goes to an end.
    pub(super) fn pick_delivery(&mut self, delta: isize) {
        self.detail.pick_delivery(delta);
    }

    /// Space on the Deliveries tab: the picked delivery becomes (or stops
    /// being) the other side of the diff.
    pub(super) fn mark_base(&mut self) {
        let Some(picked) = self.detail.picked().map(|l| l.id) else {
            return self.complain("no deliveries to compare yet");
        };
        let view = &mut self.detail.deliveries;
        if view.base == Some(picked) {
            view.base = None;
            self.say("diff base cleared: d compares with the delivery before");
        } else {
            view.base = Some(picked);
            self.say("diff base marked: pick another delivery, then d");
        }
    }

    /// `d`: what changed between two answers, or back to the answer.
    pub(super) fn toggle_diff(&mut self) {
        self.detail.tab = Tab::Deliveries;
        if self.detail.deliveries.diff {
            self.detail.deliveries.diff = false;
        } else if self.detail.diff_pair().is_some() {
            self.detail.deliveries.diff = true;
        } else if self.detail.delivery_lines().is_empty() {
            return self.complain("no deliveries yet: r replays");
        } else {
            return self.complain("only one delivery: nothing to compare it with yet");
        }
        self.detail.set_scroll(0);
    }

    /// Before a frame: read the picked answer or the diff if the tab shows it.
    pub(super) fn request_deliveries(&mut self) {
        if self.detail.tab != Tab::Deliveries {
            return;
        }
        let Some(request) = self.detail.loaded.as_ref().map(|d| d.request.id) else {
            return;
        };
        if self.detail.deliveries.diff {
            let Some((before, after)) = self.detail.diff_pair() else {
                return;
            };
            if self.detail.diff_doc().is_none()
                && self.detail.deliveries.requested_diff != Some((before, after))
            {
                self.detail.deliveries.requested_diff = Some((before, after));
                self.outbox.push(Cmd::Load(LoadCmd::Diff {
                    request,
                    before,
                    after,
                }));
            }
        } else if let Some(delivery) = self.detail.picked().map(|l| l.id)
            && self.detail.response().is_none()
            && self.detail.deliveries.requested_response != Some(delivery)
        {
            self.detail.deliveries.requested_response = Some(delivery);
            self.outbox
                .push(Cmd::Load(LoadCmd::Response { request, delivery }));
        }
    }

    pub(super) fn response_loaded(
        &mut self,
        request: i64,
        delivery: i64,
        doc: Option<Box<ResponseDoc>>,
    ) {
        let view = &mut self.detail.deliveries;
        if self.detail.id != Some(request) || view.requested_response != Some(delivery) {
            return;
        }
        match doc {
            Some(doc) => view.response = Some(doc),
            None => self.complain(format!("delivery {delivery} is gone")),
        }
    }

    pub(super) fn diff_loaded(
        &mut self,
        request: i64,
        pair: (i64, i64),
        doc: Option<Box<DiffDoc>>,
    ) {
        let view = &mut self.detail.deliveries;
        if self.detail.id != Some(request) || view.requested_diff != Some(pair) {
            return;
        }
        match doc {
            Some(doc) => view.diff_doc = Some(doc),
            None => self.complain("one of the deliveries is gone"),
        }
    }
}
