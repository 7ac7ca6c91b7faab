//! The run loop's side of replay: start what the app asked for
//! ([`SendCmd`]) as tasks on the runtime and report back through the inbox.
//! Nothing here runs on the UI thread for long: a replay and a ladder are
//! spawned; an edit awaits the editor (the interface is suspended meanwhile,
//! through [`Suspend`]) and then spawns the send.
//!
//! Every attempt is stored by the replayer; its `StoreEvent::DeliveryAdded` makes the
//! app read the request's deliveries again, so the inbox messages here only
//! say how it went.

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use super::editor::{self, EditFile};
use super::inbox::{EditEnd, Msg, SendCmd, Sent};
use crate::model::{CapturedRequest, RequestId};
use crate::replay::{Edits, ReplayError, ReplayKit, Target};
use crate::store::{Delivery, DeliveryKind};

/// Hands the terminal to the editor and takes it back.
pub trait Suspend {
    fn suspend(&mut self) -> std::io::Result<()>;
    fn resume(&mut self) -> std::io::Result<()>;
}

/// No terminal to hand over (tests).
pub struct NoTerminal;

impl Suspend for NoTerminal {
    fn suspend(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn resume(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts sends; call from inside the runtime.
pub struct Sends {
    pub kit: ReplayKit,
    pub inbox: UnboundedSender<Msg>,
    /// The editor command for `e` (`$EDITOR`, else `vi`).
    pub editor: String,
    /// Where edit files go (the system's temporary directory).
    pub temp_dir: PathBuf,
}

fn report(id: RequestId, kind: DeliveryKind, result: Result<Delivery, ReplayError>) -> Msg {
    Msg::Sent {
        id,
        kind,
        result: result
            .map(|d| Sent {
                label: d.outcome_label(),
                success: d.is_success(),
                latency_ms: d.latency_ms,
                target: d.target,
            })
            .map_err(|e| e.to_string()),
    }
}

impl Sends {
    /// Start a replay or a ladder; `Edit` needs [`Sends::edit`] (it takes the terminal).
    pub fn start(&self, cmd: SendCmd) {
        match cmd {
            SendCmd::Replay(id) => {
                let (kit, inbox) = (self.kit.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    let result = kit.replayer.replay_once(id, &kit.target).await;
                    let _ = inbox.send(report(id, DeliveryKind::Replay, result));
                });
            }
            SendCmd::ReplayTo(id, url) => {
                let (kit, inbox) = (self.kit.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    let result = kit.replayer.replay_once(id, &url).await;
                    let _ = inbox.send(report(id, DeliveryKind::Replay, result));
                });
            }
            SendCmd::Ladder(id) => self.ladder(id),
            SendCmd::Edit(id) => {
                let _ = self.inbox.send(Msg::Edit(EditEnd::Failed(format!(
                    "#{id}: editing needs the terminal"
                ))));
            }
        }
    }

    fn ladder(&self, id: RequestId) {
        let kit = &self.kit;
        let mut handle = kit.replayer.ladder(id, &kit.target, kit.ladder_scale);
        let _ = self.inbox.send(Msg::LadderStarted {
            id,
            cancel: handle.cancel.clone(),
        });
        let inbox = self.inbox.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    event = handle.events.recv() => match event {
                        Some(event) => {
                            if inbox.send(Msg::Ladder { id, event }).is_err() {
                                break;
                            }
                        }
                        None => return,
                    },
                    () = inbox.closed() => break,
                }
            }
            // Nobody watches any more (the interface quit): stop retrying, so
            // a half-hour wait does not keep the store open.
            handle.cancel.cancel();
        });
    }

    /// Edit request `id` in the editor (the terminal handed over through
    /// `term` meanwhile), then send the result as an `edited` delivery.
    pub async fn edit(&self, id: RequestId, term: &mut dyn Suspend) {
        match self.edit_file(id, term).await {
            Ok((req, edits)) => {
                let _ = self.inbox.send(Msg::Edit(EditEnd::Sending(id)));
                self.send_edited(req, edits);
            }
            Err(end) => {
                let _ = self.inbox.send(Msg::Edit(end));
            }
        }
    }

    async fn edit_file(
        &self,
        id: RequestId,
        term: &mut dyn Suspend,
    ) -> Result<(CapturedRequest, Edits), EditEnd> {
        let failed = |e: &dyn std::fmt::Display| EditEnd::Failed(e.to_string());
        let req = self.kit.replayer.load(id).await.map_err(|e| failed(&e))?;
        let (dir, bytes) = (self.temp_dir.clone(), editor::render(&req));
        let file =
            tokio::task::spawn_blocking(move || EditFile::create(&dir, &id.to_string(), &bytes))
                .await
                .map_err(|e| failed(&e))?
                .map_err(|e| EditEnd::Failed(format!("cannot write the edit file: {e}")))?;
        term.suspend()
            .map_err(|e| EditEnd::Failed(format!("cannot hand the terminal over: {e}")))?;
        let ran = editor::run(&self.editor, file.path()).await;
        let resumed = term.resume();
        ran.map_err(EditEnd::Failed)?;
        resumed.map_err(|e| EditEnd::Failed(format!("cannot take the terminal back: {e}")))?;
        let path = file.path().to_path_buf();
        let read = tokio::task::spawn_blocking(move || {
            let bytes = std::fs::read(&path);
            drop(file);
            bytes
        })
        .await
        .map_err(|e| failed(&e))?
        .map_err(|e| EditEnd::Failed(format!("cannot read the edit file back: {e}")))?;
        match editor::parse(&read, &req) {
            Ok(Some(edits)) => Ok((req, edits)),
            Ok(None) | Err(editor::EditError::Empty) => Err(EditEnd::Unchanged(id)),
            Err(e) => Err(EditEnd::Invalid(format!("#{id}: {e}; nothing sent"))),
        }
    }

    fn send_edited(&self, req: CapturedRequest, edits: Edits) {
        let (kit, inbox) = (self.kit.clone(), self.inbox.clone());
        tokio::spawn(async move {
            let id = req.id;
            let result = match Target::parse(&kit.target) {
                Ok(target) => {
                    kit.replayer
                        .deliver_loaded(&req, &target, DeliveryKind::Edited, &edits)
                        .await
                }
                Err(e) => Err(e.into()),
            };
            let _ = inbox.send(report(id, DeliveryKind::Edited, result));
        });
    }
}
