//! `listen --from`: the status bar says how the relay subscription is doing,
//! and anything but `relay: connected` stands out.

use super::fixtures::{harness, mixed, store};

#[test]
fn the_status_bar_shows_the_relay_state() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 200, 30);
    for (state, warns) in [
        ("relay: reconnecting in 0.4 s (connection refused)", true),
        ("relay: catching up, 12 behind", true),
        ("relay: connected", false),
    ] {
        h.app.relay = Some(state.to_string());
        let buffer = h.draw().clone();
        let top = crate::tui::testkit::buffer_text(&buffer)
            .lines()
            .next()
            .unwrap()
            .to_string();
        let Some(at) = top.find(state) else {
            panic!("{state:?} not in {top:?}");
        };
        let col = top[..at].chars().count() as u16;
        let warning = h.app.theme.warning().fg.unwrap();
        assert_eq!(buffer[(col, 0)].fg == warning, warns, "{state}");
    }
}
