//! `hookcatch delete`: requests by id, or all of them.

use std::process::ExitCode;

use anyhow::Context as _;

use super::{AppError, open_store_of, parse_id};
use crate::cli::{DeleteArgs, GlobalArgs};
use crate::store::postgres::snapshot::Scope;
use crate::store::{Location, postgres, query};

pub(super) fn delete(global: &GlobalArgs, args: &DeleteArgs) -> Result<ExitCode, AppError> {
    let mut ids = args
        .ids
        .iter()
        .map(|s| parse_id(s))
        .collect::<Result<Vec<_>, _>>()?;
    // `delete 3 3` names one request, not two.
    ids.sort_unstable();
    ids.dedup();
    let config = crate::config::load(global, &crate::cli::ListenArgs::from_env())?;
    let deleted = match &config.store {
        // Deleted in the database itself: a copy would not do.
        Location::Postgres(target) => {
            postgres::snapshot::delete(target, (!args.all).then_some(ids.as_slice()))
                .map_err(|e| super::store_usage_error(&config.store, e))?
        }
        _ => {
            let (conn, _) = open_store_of(config, Some(Scope::All))?;
            if args.all {
                query::delete_all(&conn)
            } else {
                query::delete(&conn, &ids)
            }
            .context("cannot delete from the store")?
        }
    };
    eprintln!(
        "hookcatch: deleted {deleted} request{}",
        if deleted == 1 { "" } else { "s" }
    );
    if !args.all && deleted < ids.len() {
        // Like `show` and `export`: a missing id is a failure scripts can see.
        eprintln!(
            "hookcatch: {} of the ids given did not exist",
            ids.len() - deleted
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
