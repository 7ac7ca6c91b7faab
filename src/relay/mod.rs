//! The public relay (`hookcatch relay`) and its subscriber side
//! (`hookcatch listen --from URL`).
//!
//! Senders post to `/c/CHANNEL/...` on the relay, which captures and stores
//! each request as `listen` does (with its channel) and answers once stored.
//! Subscribers read `GET /_hookcatch/v1/c/CHANNEL/stream` (Server-Sent
//! Events, resumable by id) and capture each request again in their own
//! store, judged there as if it had arrived directly.

pub mod channels;
pub mod events;
pub mod hold;
pub mod readers;
pub mod server;
pub mod stream;
pub mod subscribe;
pub mod tls;
pub mod wire;

/// Where the relay's own API lives; senders never post here.
pub const API_ROOT: &str = "/_hookcatch/";
/// The API's channel URLs (`API_PREFIX` CHANNEL `/stream`, ... `/answer/ID`).
pub const API_PREFIX: &str = "/_hookcatch/v1/c/";

/// A channel name: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub fn valid_channel(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names() {
        assert!(valid_channel("a"));
        assert!(valid_channel("team-A_1"));
        assert!(valid_channel(&"x".repeat(64)));
        assert!(!valid_channel(&"x".repeat(65)));
        for bad in ["", "..", "a.b", "a%2F", "é", "a b", "a/b"] {
            assert!(!valid_channel(bad), "{bad:?}");
        }
    }
}
