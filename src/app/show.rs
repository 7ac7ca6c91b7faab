//! `hookcatch show`: one request whole, as text or JSON.

use std::process::ExitCode;

use anyhow::Context as _;

use super::list::judged;
use super::{AppError, open_existing, parse_id};
use crate::cli::{GlobalArgs, ShowArgs};
use crate::export::json::request_json_with_deliveries;
use crate::export::text::{deliveries_text, request_text};
use crate::inspect;
use crate::secrets::Masking;
use crate::store::postgres::snapshot::Scope;
use crate::store::{deliveries, query};

pub(super) fn show(global: &GlobalArgs, args: &ShowArgs) -> Result<ExitCode, AppError> {
    let id = parse_id(&args.id)?;
    let (conn, auth, location) = open_existing(global, Scope::One(id))?;
    let Some(mut stored) = query::get(&conn, id).context("cannot read the store")? else {
        eprintln!("hookcatch: no request #{id} in {}", location.describe());
        return Ok(ExitCode::from(1));
    };
    let inspection = judged(&stored, &auth);
    // Asked for only: the stored verdict is the answer, this is a second opinion.
    let recheck = args
        .recheck
        .then(|| inspect::stored::recheck(&stored.request, &auth));
    // Judged above on the exact values; masked from here on for printing.
    let masking = Masking::new(&auth.secret_header, args.secrets.masks(args.json));
    masking.request(&mut stored.request);
    let mut sent = deliveries::list_for(&conn, id).context("cannot read the store")?;
    for delivery in &mut sent {
        masking.delivery(delivery);
    }
    if args.json {
        outln!(
            "{}",
            request_json_with_deliveries(&stored, &inspection, &sent, recheck.as_ref())
        );
    } else {
        out!("{}", request_text(&stored, &inspection, recheck.as_ref()));
        out!("{}", deliveries_text(&sent));
    }
    Ok(ExitCode::SUCCESS)
}
