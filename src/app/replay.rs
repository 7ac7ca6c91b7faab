//! `hookcatch replay ID [--to URL | --port N] [--ladder [--ladder-scale F]]`: send a
//! captured request again, record the delivery, print the target's answer.
//! Exit 0 on a 2xx, 1 on any other status or a delivery error.

use std::fmt::Write as _;
use std::process::ExitCode;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{AppError, StepOutput, parse_id, runtime, store_usage_error};
use crate::cli::{GlobalArgs, ReplayArgs, SendArgs};
use crate::config::{self, Config, check_scale, parse_timeout};
use crate::model::{CapturedRequest, HeaderField};
use crate::replay::ladder::{self, LadderEvent, LadderOutcome, Step};
use crate::replay::send::SendOptions;
use crate::replay::{Edits, ReplayError, Replayer, Target, diff};
use crate::store::{DeliveryError, DeliveryKind, StoreWriter};
use crate::text::{sanitize, sanitize_multiline};

pub(super) fn run(global: &GlobalArgs, args: &ReplayArgs) -> Result<ExitCode, AppError> {
    let id = parse_id(&args.id)?;
    let config = config::load(global, &crate::cli::ListenArgs::from_env())?;
    let (options, scale) = send_settings(&args.send, &config)?;
    let port = args.port.map(crate::replay::port_url);
    let chosen = crate::replay::cli_target(
        &[
            args.to.as_deref(),
            port.as_deref(),
            config.forward.as_deref(),
            config.replay_to.as_deref(),
        ],
        &config.store,
        config.addr,
    );
    let target = Target::parse(&chosen.url).map_err(|e| AppError::Usage(format!("--to: {e}")))?;
    // A replay's delivery is written by SQLite-only code.
    config
        .store
        .sqlite_only("replay")
        .map_err(|e| AppError::Usage(e.to_string()))?;
    if !config.store.exists() || matches!(config.store, crate::store::Location::Memory(_)) {
        return Err(AppError::Usage(format!(
            "no store at {}: nothing to replay (an --ephemeral listener's requests live only in its TUI)",
            config.store.describe()
        )));
    }
    say_if_guessed(&chosen, &config.store);
    let location = config.store.clone();
    runtime()?.block_on(async move {
        let (writer, thread) =
            StoreWriter::spawn(&location, false).map_err(|e| store_usage_error(&location, e))?;
        let result = replay(
            &location,
            writer,
            id,
            &target,
            options,
            args.send.ladder,
            scale,
        )
        .await;
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .ok();
        result
    })
}

async fn replay(
    location: &crate::store::Location,
    writer: StoreWriter,
    id: i64,
    target: &Target,
    options: SendOptions,
    use_ladder: bool,
    scale: f64,
) -> Result<ExitCode, AppError> {
    let replayer = Replayer::new(location.clone(), writer, options);
    let req = match replayer.load(id).await {
        Ok(req) => req,
        Err(ReplayError::NotFound(_)) => {
            eprintln!("hookcatch: no request #{id} in {}", location.describe());
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(AppError::Failed(e.into())),
    };
    if !use_ladder {
        let delivery = replayer
            .deliver_loaded(&req, target, DeliveryKind::Replay, &Edits::default())
            .await
            .map_err(|e| AppError::Failed(e.into()))?;
        out!(
            "{}",
            answer_text(&req, &delivery_parts(&delivery), Some(delivery.id))
        );
        return Ok(exit_for(delivery.is_success()));
    }
    let cancel = CancellationToken::new();
    let output = StepOutput::default();
    let ladder = run_ladder(scale, &cancel, |n| {
        let (replayer, req, output) = (&replayer, &req, &output);
        async move {
            match replayer
                .deliver_loaded(req, target, DeliveryKind::Ladder, &Edits::default())
                .await
            {
                Ok(d) => {
                    output
                        .emit(format_args!("attempt {n} of {}:\n", ladder::MAX_ATTEMPTS))
                        .await;
                    output
                        .emit(format_args!(
                            "{}",
                            answer_text(req, &delivery_parts(&d), Some(d.id))
                        ))
                        .await;
                    Step {
                        attempt: n,
                        success: d.is_success(),
                        label: d.outcome_label(),
                        latency_ms: d.latency_ms,
                        delivery_id: Some(d.id),
                    }
                }
                Err(e) => {
                    eprintln!("hookcatch: attempt {n}: {e}");
                    Step {
                        attempt: n,
                        success: false,
                        label: "error".into(),
                        latency_ms: 0.0,
                        delivery_id: None,
                    }
                }
            }
        }
    });
    let outcome = output.until_failed(ladder).await?;
    Ok(exit_for(matches!(outcome, LadderOutcome::Succeeded { .. })))
}

/// No target was given and no listener runs on the store: say where the
/// send goes instead, since nothing may answer there.
pub(super) fn say_if_guessed(chosen: &crate::replay::CliTarget, store: &crate::store::Location) {
    if chosen.guessed {
        eprintln!(
            "hookcatch: no listener is running on {}; trying {} (pass --to URL or --port N)",
            store.describe(),
            chosen.url
        );
    }
}

/// The send options and ladder scale: flags over the configuration.
pub(super) fn send_settings(
    args: &SendArgs,
    config: &Config,
) -> Result<(SendOptions, f64), AppError> {
    let options = SendOptions {
        timeout: match args.timeout {
            Some(secs) => parse_timeout(secs)?,
            None => config.timeout,
        },
        insecure: args.insecure || config.insecure,
    };
    let scale = match args.ladder_scale {
        Some(scale) => check_scale(scale)?,
        None => config.ladder_scale,
    };
    Ok((options, scale))
}

/// Run the ladder with `attempt`, printing waits on stderr; Ctrl-C cancels.
pub(super) async fn run_ladder<F, Fut>(
    scale: f64,
    cancel: &CancellationToken,
    attempt: F,
) -> LadderOutcome
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Step>,
{
    let (tx, mut events) = mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                LadderEvent::Waiting {
                    attempt,
                    delay,
                    next_at,
                } => eprintln!(
                    "hookcatch: not a 2xx; retry {} of {} in {} (at {} UTC), Ctrl-C cancels",
                    attempt - 1,
                    ladder::MAX_ATTEMPTS - 1,
                    crate::replay::send::seconds(delay),
                    next_at.format("%H:%M:%S%.3f")
                ),
                LadderEvent::Finished(outcome) => {
                    eprintln!("hookcatch: ladder {}", outcome.label());
                }
                _ => {}
            }
        }
    });
    let watcher = tokio::spawn(cancel_on_interrupt(cancel.clone()));
    let outcome = ladder::run(scale, cancel, &tx, attempt).await;
    drop(tx);
    let _ = printer.await;
    watcher.abort();
    outcome
}

/// Ctrl-C cancels. The handler is registered before this returns its future
/// (not on first poll), so no early Ctrl-C is missed.
fn cancel_on_interrupt(cancel: CancellationToken) -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let mut interrupt =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        let got = match interrupt.as_mut() {
            Some(signal) => signal.recv().await.is_some(),
            None => tokio::signal::ctrl_c().await.is_ok(),
        };
        #[cfg(not(unix))]
        let got = tokio::signal::ctrl_c().await.is_ok();
        if got {
            cancel.cancel();
        }
    }
}

pub(super) fn exit_for(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// What an answer printout needs, from a delivery or a send-test answer.
pub(super) struct Parts<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub status: Option<u16>,
    pub latency_ms: f64,
    pub error: Option<&'a DeliveryError>,
    pub headers: &'a [HeaderField],
    pub body: &'a [u8],
}

fn delivery_parts(d: &crate::store::Delivery) -> Parts<'_> {
    Parts {
        method: &d.method,
        url: &d.target,
        status: d.status,
        latency_ms: d.latency_ms,
        error: d.error.as_ref(),
        headers: &d.response_headers,
        body: &d.response_body,
    }
}

/// The request line (its URL masked), then the answer: status and latency,
/// headers, the decoded body. Everything from the wire is sanitized.
pub(super) fn answer_text(req: &CapturedRequest, p: &Parts<'_>, delivery: Option<i64>) -> String {
    let mut out = String::new();
    let recorded = delivery.map_or(String::new(), |d| {
        format!("  (replay of #{}, delivery #{d})", req.id)
    });
    let _ = writeln!(
        out,
        "> {} {}{recorded}",
        sanitize(p.method),
        // The user gave the URL; its password and query tokens stay off screen.
        sanitize(&crate::secrets::mask_url(p.url))
    );
    if let Some(e) = p.error {
        let _ = writeln!(
            out,
            "< {}: {}  ({:.1} ms)",
            e.kind.as_str(),
            sanitize(&e.message),
            p.latency_ms
        );
        if p.status.is_none() {
            return out;
        }
    }
    if let Some(status) = p.status {
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let _ = writeln!(out, "< {status} {reason}  ({:.1} ms)", p.latency_ms);
    }
    for h in p.headers {
        let _ = writeln!(out, "< {}: {}", sanitize(&h.name), sanitize(&h.value_str()));
    }
    let view = diff::response_view(p.headers, p.body);
    let body = view.to_text();
    if !body.is_empty() {
        let _ = writeln!(out, "\n{}", sanitize_multiline(&body));
    }
    for note in &view.notes {
        let _ = writeln!(out, "[body: {}]", sanitize(note));
    }
    out
}
