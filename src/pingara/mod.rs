//! Pingara, the first sender hookcatch serves, from the sending side: sample
//! events for `send-test` and the demo stream, and how send-test sends them.
//! (Checking what Pingara sends is `inspect::event`'s job.)

pub mod events;
pub mod generate;
pub mod payload;
pub mod send_test;
