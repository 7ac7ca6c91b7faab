//! Pingara, the first sender hookcatch serves, from the sending side: sample
//! events for `send-test`, how send-test sends them, and the demo's story.
//! (Checking what Pingara sends is `inspect::event`'s job.)

pub mod demo;
pub mod events;
pub mod generate;
pub mod payload;
pub mod send_test;
