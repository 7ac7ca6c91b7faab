//! Replay from the app's side: `r`, `R`, `e`, `c` (cancel a ladder) and `m`
//! (cycle the live response mode), and the inbox messages that report how
//! sends went. Pure state: the sends themselves leave through the send
//! outbox ([`App::take_sends`]) and run on the runtime.

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::{App, Tab, shown_url};
use crate::model::RequestId;
use crate::replay::ladder::{LadderEvent, LadderOutcome, MAX_ATTEMPTS, Step, delays};
use crate::store::DeliveryKind;
use crate::text::sanitize;
use crate::tui::inbox::{EditEnd, SendCmd, Sent};

/// A retry ladder as the Deliveries tab shows it.
#[derive(Clone, Debug)]
pub struct LadderView {
    pub cancel: CancellationToken,
    /// Attempt going out now.
    pub sending: Option<u32>,
    /// The last attempt that came back.
    pub last: Option<Step>,
    /// Waiting for this attempt, due then.
    pub next: Option<(u32, DateTime<Utc>)>,
    pub finished: Option<LadderOutcome>,
    /// `c` was pressed; the ladder has not confirmed yet.
    pub cancelling: bool,
}

impl LadderView {
    fn new(cancel: CancellationToken) -> LadderView {
        LadderView {
            cancel,
            sending: None,
            last: None,
            next: None,
            finished: None,
            cancelling: false,
        }
    }

    pub fn running(&self) -> bool {
        self.finished.is_none()
    }

    /// One line: "attempt 2 failed (500) · next in 1m 52s".
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        if let Some(outcome) = self.finished {
            return outcome.label();
        }
        if self.cancelling {
            return "cancelling…".into();
        }
        if let Some(n) = self.sending {
            return format!("sending attempt {n} of {MAX_ATTEMPTS}…");
        }
        let mut out = match &self.last {
            Some(step) => format!(
                "attempt {} {} ({})",
                step.attempt,
                if step.success { "succeeded" } else { "failed" },
                sanitize(&step.label)
            ),
            None => "starting".into(),
        };
        if let Some((_, at)) = self.next {
            out.push_str(&format!(" · next in {}", countdown(now, at)));
        }
        out
    }
}

/// `1m 52s`, `45s`, `1h 05m`: whole seconds left, rounded up.
pub fn countdown(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let ms = (at - now).num_milliseconds().max(0);
    let secs = (ms + 999) / 1000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
    }
}

/// `30s`, `2m`, `0.3s`, `1m 30s`: a wait of the ladder.
fn short_duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 10_000 && !ms.is_multiple_of(1000) {
        return format!("{:.1}s", d.as_secs_f64());
    }
    let secs = d.as_secs();
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m {s}s"),
    }
}

impl App {
    /// `r`, `R`, `e`: send the selected request.
    pub(super) fn send_selected(&mut self, make: impl FnOnce(RequestId) -> SendCmd) {
        let Some(id) = self.list.selected else {
            return self.complain("nothing selected");
        };
        let cmd = make(id);
        let target = self.replay_target.clone();
        match &cmd {
            SendCmd::Ladder(_) if self.ladders.get(&id).is_some_and(LadderView::running) => {
                return self.complain(format!("a ladder already runs for #{id} (c cancels it)"));
            }
            SendCmd::Replay(_) => {
                *self.sending.entry(id).or_default() += 1;
                self.say(format!("replaying #{id} to {target}…"));
            }
            SendCmd::ReplayTo(_, url) => {
                *self.sending.entry(id).or_default() += 1;
                self.say(format!("replaying #{id} to {}…", shown_url(url)));
            }
            SendCmd::Ladder(_) => {
                let waits: Vec<String> = delays(self.ladder_scale)
                    .iter()
                    .map(|d| short_duration(*d))
                    .collect();
                self.say(format!(
                    "retry ladder for #{id} to {target}: waits {} · c cancels",
                    waits.join(", ")
                ));
            }
            SendCmd::Edit(_) => self.say(format!("editing #{id}…")),
        }
        // Stay on this request to watch its deliveries.
        self.list.follow = false;
        self.detail.tab = Tab::Deliveries;
        self.detail.deliveries.picked = None;
        self.detail.deliveries.diff = false;
        self.sends.push(cmd);
    }

    /// `c`: cancel the selected request's ladder, or the only one running.
    pub(super) fn cancel_ladder(&mut self) {
        let running: Vec<RequestId> = self
            .ladders
            .iter()
            .filter(|(_, l)| l.running())
            .map(|(id, _)| *id)
            .collect();
        let id = match self.list.selected.filter(|id| running.contains(id)) {
            Some(id) => id,
            None if running.len() == 1 => running[0],
            None if running.is_empty() => return self.complain("no retry ladder is running"),
            None => {
                return self.complain(format!(
                    "ladders run for {}: select one, then c",
                    running
                        .iter()
                        .map(|id| format!("#{id}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        };
        if let Some(ladder) = self.ladders.get_mut(&id) {
            ladder.cancel.cancel();
            ladder.cancelling = true;
        }
        self.say(format!("cancelling the ladder for #{id}"));
    }

    /// Cancel every running ladder (on quit).
    pub fn cancel_ladders(&mut self) {
        for ladder in self.ladders.values_mut().filter(|l| l.running()) {
            ladder.cancel.cancel();
            ladder.cancelling = true;
        }
    }

    /// `m`: the next live response mode, for every request from now on.
    pub(super) fn cycle_mode(&mut self) {
        self.mode = self.response_mode.cycle();
        self.say(format!(
            "response mode {}: {}",
            self.mode.label(),
            self.mode.describe()
        ));
    }

    pub(super) fn sent(&mut self, id: RequestId, kind: DeliveryKind, result: Result<Sent, String>) {
        if let Some(n) = self.sending.get_mut(&id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.sending.remove(&id);
            }
        }
        let what = if kind == DeliveryKind::Edited {
            "edited replay"
        } else {
            "replay"
        };
        match result {
            Ok(sent) => {
                let text = format!(
                    "{what} of #{id} → {}: {} in {:.1} ms",
                    sanitize(&crate::secrets::mask_url(&sent.target)),
                    sanitize(&sent.label),
                    sent.latency_ms
                );
                if sent.success {
                    self.say(text);
                } else {
                    self.complain(text);
                }
            }
            Err(why) => self.complain(format!("{what} of #{id} failed: {}", sanitize(&why))),
        }
    }

    pub(super) fn ladder_started(&mut self, id: RequestId, cancel: CancellationToken) {
        self.ladders.insert(id, LadderView::new(cancel));
    }

    pub(super) fn ladder_event(&mut self, id: RequestId, event: LadderEvent) {
        let Some(ladder) = self.ladders.get_mut(&id) else {
            return;
        };
        match event {
            LadderEvent::Sending { attempt } => {
                ladder.sending = Some(attempt);
                ladder.next = None;
            }
            LadderEvent::Attempted(step) => {
                ladder.sending = None;
                ladder.last = Some(step);
            }
            LadderEvent::Waiting {
                attempt, next_at, ..
            } => ladder.next = Some((attempt, next_at)),
            LadderEvent::Finished(outcome) => {
                ladder.sending = None;
                ladder.next = None;
                ladder.cancelling = false;
                ladder.finished = Some(outcome);
                let text = format!("ladder for #{id}: {}", outcome.label());
                match outcome {
                    LadderOutcome::Succeeded { .. } => self.say(text),
                    LadderOutcome::Cancelled { .. } => self.say(text),
                    LadderOutcome::Failed { .. } => self.complain(text),
                }
            }
        }
    }

    pub(super) fn edit_ended(&mut self, end: EditEnd) {
        match end {
            EditEnd::Sending(id) => {
                *self.sending.entry(id).or_default() += 1;
                self.say(format!(
                    "sending the edited #{id} to {}…",
                    self.replay_target
                ));
            }
            EditEnd::Unchanged(id) => {
                self.say(format!("#{id} was not changed: nothing sent"));
            }
            EditEnd::Invalid(why) | EditEnd::Failed(why) => {
                self.complain(sanitize(&why).into_owned());
            }
        }
    }

    /// Running ladders, oldest request first.
    pub fn running_ladders(&self) -> impl Iterator<Item = (RequestId, &LadderView)> {
        let mut running: Vec<(RequestId, &LadderView)> = self
            .ladders
            .iter()
            .filter(|(_, l)| l.running())
            .map(|(id, l)| (*id, l))
            .collect();
        running.sort_by_key(|(id, _)| *id);
        running.into_iter()
    }

    /// The ladder of request `id`, running or finished.
    pub fn ladder(&self, id: RequestId) -> Option<&LadderView> {
        self.ladders.get(&id)
    }

    /// Sends of request `id` still waiting for their answer.
    pub fn sending(&self, id: RequestId) -> u32 {
        self.sending.get(&id).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_rounds_up_to_whole_seconds() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let at = |ms| now + chrono::Duration::milliseconds(ms);
        assert_eq!(countdown(now, at(112_000)), "1m 52s");
        assert_eq!(countdown(now, at(300)), "1s");
        assert_eq!(countdown(now, at(-5)), "0s");
        assert_eq!(countdown(now, at(3_900_000)), "1h 05m");
    }

    #[test]
    fn ladder_waits_read_short() {
        let waits: Vec<String> = delays(1.0).iter().map(|d| short_duration(*d)).collect();
        assert_eq!(waits, ["30s", "2m", "10m", "30m"]);
        let waits: Vec<String> = delays(0.01).iter().map(|d| short_duration(*d)).collect();
        assert_eq!(waits, ["0.3s", "1.2s", "6s", "18s"]);
    }
}
