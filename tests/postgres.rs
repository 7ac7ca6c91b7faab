//! The PostgreSQL store: the real binary against a real, throwaway
//! PostgreSQL cluster (tests/common/postgres.rs), over real sockets.
//! Without PostgreSQL installed these skip loudly, and only outside CI.

mod common;

use common::postgres::Postgres;

macro_rules! postgres_or_skip {
    ($name:expr) => {
        match Postgres::start($name) {
            Some(pg) => pg,
            None => return,
        }
    };
}

#[test]
fn a_throwaway_cluster_starts_stops_and_starts_again() {
    let pg = postgres_or_skip!("a_throwaway_cluster_starts_stops_and_starts_again");
    pg.database("t");
    assert_eq!(pg.sql("t", "SELECT 40 + 2"), "42");
    pg.stop_immediate();
    pg.start_again();
    assert_eq!(pg.sql("t", "SELECT 'back'"), "back");
}
