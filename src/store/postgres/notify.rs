//! Following the commits of every writer on the database (every relay):
//! the committing transaction notifies `NOTIFY_CHANNEL` with the newest id
//! it stored per relay channel, and each relay LISTENs. A notification is
//! only a wake-up: a stream woken reads the store by id, so one missed
//! costs nothing. Those sent while this connection was down are gone, so
//! each (re)connection first says [`Committed::Resumed`]: look again at
//! everything.

use std::time::Duration;

use futures::StreamExt as _;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;
use tokio_util::sync::CancellationToken;

use super::{ANSWERS_CHANNEL, NOTIFY_CHANNEL, PgTarget};
use crate::model::RequestId;

/// What a notification (or its absence) says.
#[derive(Debug, PartialEq, Eq)]
pub enum Committed {
    /// Requests up to `id` were committed for relay channel `channel`.
    Stored { channel: String, id: RequestId },
    /// A subscriber's answer to held request `id` of `channel` was stored
    /// (by any relay; see `hold.rs`).
    Answered { channel: String, id: RequestId },
    /// Listening (again): what was committed meanwhile was not notified here.
    Resumed,
}

/// The payload a writer sends for `channel`'s newest id in a commit.
pub(super) fn payload(channel: &str, id: RequestId) -> String {
    format!("{id} {channel}")
}

fn parse(payload: &str) -> Option<Committed> {
    let (id, channel) = payload.split_once(' ')?;
    Some(Committed::Stored {
        channel: channel.to_string(),
        id: id.parse().ok()?,
    })
}

/// The longest pause between attempts to listen again.
const PAUSE_MAX: Duration = Duration::from_secs(5);

/// LISTEN on `target` until `shutdown`, calling `on` for every commit
/// notified, reconnecting (with backoff) whenever the connection goes.
pub async fn follow(
    target: PgTarget,
    shutdown: CancellationToken,
    mut on: impl FnMut(Committed) + Send,
) {
    let mut pause = Duration::from_millis(100);
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        if let Ok((client, mut connection)) = target.connect_raw().await {
            let (tx, mut rx) = mpsc::unbounded_channel();
            // The connection's messages: notifications among them.
            let messages = tokio::spawn(async move {
                let mut stream = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
                while let Some(Ok(message)) = stream.next().await {
                    if let AsyncMessage::Notification(n) = message {
                        let answer = n.channel() == ANSWERS_CHANNEL;
                        if tx.send((answer, n.payload().to_string())).is_err() {
                            return;
                        }
                    }
                }
            });
            let listen = format!("LISTEN {NOTIFY_CHANNEL}; LISTEN {ANSWERS_CHANNEL}");
            if client.batch_execute(&listen).await.is_ok() {
                pause = Duration::from_millis(100);
                on(Committed::Resumed);
                loop {
                    tokio::select! {
                        () = shutdown.cancelled() => {
                            messages.abort();
                            return;
                        }
                        payload = rx.recv() => match payload {
                            Some((answer, payload)) => match parse(&payload) {
                                Some(Committed::Stored { channel, id }) if answer => {
                                    on(Committed::Answered { channel, id });
                                }
                                Some(committed) => on(committed),
                                None => {}
                            },
                            // The connection ended: listen again.
                            None => break,
                        }
                    }
                }
            }
            messages.abort();
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(PAUSE_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        assert_eq!(
            parse(&payload("pay-ments_1", 42)),
            Some(Committed::Stored {
                channel: "pay-ments_1".into(),
                id: 42
            })
        );
        assert_eq!(
            parse(&payload("", 7)),
            Some(Committed::Stored {
                channel: String::new(),
                id: 7
            })
        );
        assert_eq!(parse("nonsense"), None);
    }
}
