//! `hookcatch send-test` (Pingara's Send Test button) and `hookcatch demo`
//! (a listener fed by a stream of generated events).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::replay::{Parts, answer_text, exit_for, run_ladder, say_if_guessed, send_settings};
use super::serve::serve;
use super::{AppError, StepOutput, runtime};
use crate::cli::{DemoArgs, GlobalArgs, SendTestArgs};
use crate::config;
use crate::config::check_scale;
pub(super) use crate::pingara::demo::DemoStream;
use crate::pingara::demo::{self, DEMO_SECRET};
use crate::pingara::generate::{self, EVENTS};
use crate::pingara::send_test::{self as st, Auth};
use crate::replay::ladder::Step;
use crate::replay::send::Sender;
use crate::text::{sanitize, sanitize_multiline};

fn event_list() -> String {
    let mut out = String::new();
    for event in EVENTS {
        let _ = writeln!(out, "{event:<18} {}", generate::trigger(event));
    }
    out
}

pub(super) fn run(global: &GlobalArgs, args: &SendTestArgs) -> Result<ExitCode, AppError> {
    if args.list {
        out!("{}", event_list());
        return Ok(ExitCode::SUCCESS);
    }
    let event = args.event.as_deref().unwrap_or_default().trim();
    if !EVENTS.contains(&event) {
        return Err(AppError::Usage(format!(
            "unknown event type {:?}; Pingara sends:\n{}",
            sanitize(event),
            event_list().trim_end()
        )));
    }
    let auth = Auth::choose(
        args.secret.clone(),
        args.secret_header.clone(),
        args.bearer.clone(),
        args.basic.clone(),
    )
    .map_err(AppError::Usage)?;
    let config = config::load(global, &crate::cli::ListenArgs::from_env())?;
    let port = args.port.map(crate::replay::port_url);
    let chosen = crate::replay::cli_target(
        &[args.to.as_deref(), port.as_deref()],
        &config.store,
        config.addr,
    );
    if !args.print {
        say_if_guessed(&chosen, &config.store);
    }
    let url = chosen.url;
    let mut rng = fastrand::Rng::new();
    let payload = generate::generate(event, Utc::now(), &mut rng)
        .ok_or_else(|| AppError::Usage(format!("unknown event type {event:?}")))?;
    let body = payload.to_bytes();
    let out = st::outgoing(&url, body.clone(), &auth)
        .map_err(|e| AppError::Usage(format!("--to: {e}")))?;

    if args.print {
        outln!("POST {}", sanitize(&crate::secrets::mask_url(&out.url)));
        // The credential header is printed once, below, masked.
        for h in out
            .headers
            .iter()
            .filter(|h| auth.header().is_none_or(|a| a.name != h.name))
        {
            outln!("{}: {}", sanitize(&h.name), sanitize(&h.value_str()));
        }
        if let Some(masked) = auth.masked() {
            outln!("{}", sanitize(&masked));
        }
        outln!("\n{}", sanitize_multiline(&payload.to_pretty()));
        return Ok(ExitCode::SUCCESS);
    }

    let (options, scale) = send_settings(&args.send, &config)?;
    let request = st::request(&out.path, body, &auth);
    runtime()?.block_on(async move {
        let sender = Sender::new(options);
        let output = StepOutput::default();
        let send = |n: u32| {
            let (sender, out, request, output) = (&sender, &out, &request, &output);
            async move {
                let answer = sender.send(out).await;
                if n > 1 {
                    output
                        .emit(format_args!(
                            "attempt {n} of {}:\n",
                            crate::replay::ladder::MAX_ATTEMPTS
                        ))
                        .await;
                }
                output
                    .emit(format_args!(
                        "{}",
                        answer_text(request, &parts(out, &answer), None)
                    ))
                    .await;
                Step {
                    attempt: n,
                    success: answer.is_success(),
                    label: answer.error.as_ref().map_or_else(
                        || answer.status.unwrap_or(0).to_string(),
                        |e| e.kind.as_str().into(),
                    ),
                    latency_ms: answer.latency_ms,
                    delivery_id: None,
                }
            }
        };
        let success = if args.send.ladder {
            let cancel = CancellationToken::new();
            let outcome = output
                .until_failed(run_ladder(scale, &cancel, send))
                .await?;
            matches!(outcome, crate::replay::LadderOutcome::Succeeded { .. })
        } else {
            output.until_failed(send(1)).await?.success
        };
        Ok(exit_for(success))
    })
}

fn parts<'a>(out: &'a crate::replay::Outgoing, answer: &'a crate::replay::Answer) -> Parts<'a> {
    Parts {
        method: &out.method,
        url: &out.url,
        status: answer.status,
        latency_ms: answer.latency_ms,
        error: answer.error.as_ref(),
        headers: &answer.headers,
        body: &answer.body,
    }
}

/// `hookcatch demo`: the listener (TUI, or headless when not a terminal),
/// fed by [`DemoStream`]. In memory unless `--store` is given on the
/// command line: a HOOKCATCH_STORE set for everyday use is not the demo's to
/// fill (nor to lock while a listener holds it). The shared secret is
/// `demo-secret` unless one is configured.
pub(super) fn demo(global: &GlobalArgs, args: &DemoArgs) -> Result<ExitCode, AppError> {
    let mut listen = args.listen.clone();
    let mut global = global.clone();
    if !global.store_flag {
        global.store = None;
        listen.ephemeral = true;
    }
    let mut config = config::load(&global, &listen)?;
    // Only when no layer (flag, HOOKCATCH_SECRET, file) configured one.
    if config.auth.secret.is_none() {
        config.auth.secret = Some(DEMO_SECRET.into());
    }
    // After the user's own rules: the receiver that is down answers 503.
    config
        .rules
        .push(demo::down_rule().map_err(|e| AppError::Failed(anyhow::anyhow!(e)))?);
    let scale = match args.ladder_scale {
        Some(scale) => check_scale(scale)?,
        None => demo::DEFAULT_SCALE,
    };
    let stream = DemoStream {
        secret: config
            .auth
            .secret
            .clone()
            .unwrap_or_else(|| DEMO_SECRET.into()),
        secret_header: config.auth.secret_header.clone(),
        interval: Duration::from_millis(args.interval.unwrap_or(1500).max(1)),
        count: args.count,
        scale,
    };
    eprintln!(
        "hookcatch: demo: Pingara's story, an event every {} ms with {}: {}; incidents \
         created, updated and resolved, a monitor degrading and recovering, a receiver at {} \
         answering 503 and retried on Pingara's schedule scaled by {} until it is back for \
         the third retry, one event with a wrong secret",
        stream.interval.as_millis(),
        sanitize(&stream.secret_header),
        if stream.secret == DEMO_SECRET {
            DEMO_SECRET
        } else {
            crate::secrets::MASK
        },
        demo::DOWN_PATH,
        describe_scale(scale)
    );
    runtime()?.block_on(serve(config, Some(stream)))
}

/// A ladder scale as a person reads it: `1/60` rather than `0.016666666666666666`.
fn describe_scale(scale: f64) -> String {
    let inverse = 1.0 / scale;
    if scale < 1.0 && (inverse - inverse.round()).abs() < 1e-6 {
        format!("1/{}", inverse.round())
    } else {
        format!("{scale}")
    }
}

#[cfg(test)]
mod tests {
    use super::describe_scale;

    #[test]
    fn a_scale_reads_as_a_fraction_when_it_is_one() {
        assert_eq!(describe_scale(1.0 / 60.0), "1/60");
        assert_eq!(describe_scale(0.5), "1/2");
        assert_eq!(describe_scale(0.3), "0.3");
        assert_eq!(describe_scale(2.0), "2");
    }
}
