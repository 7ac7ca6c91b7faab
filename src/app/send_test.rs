//! `hookcatch send-test` (Pingara's Send Test button) and `hookcatch demo`
//! (a listener fed by a stream of generated events).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::replay::{Parts, answer_text, exit_for, run_ladder, send_settings};
use super::serve::serve;
use super::{AppError, StepOutput, runtime};
use crate::cli::{DemoArgs, GlobalArgs, SendTestArgs};
use crate::config;
use crate::pingara::generate::{self, EVENTS};
use crate::pingara::send_test::{self as st, Auth, DEFAULT_PATH};
use crate::replay::ladder::Step;
use crate::replay::send::{SendOptions, Sender};
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
    let url = match &args.to {
        Some(url) => url.trim().to_string(),
        None => format!("{}{DEFAULT_PATH}", crate::replay::own_url(config.addr)),
    };
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
/// fed by [`DemoStream`]. In memory unless `--store` is given; the shared
/// secret is `demo-secret` unless one is configured.
pub(super) fn demo(global: &GlobalArgs, args: &DemoArgs) -> Result<ExitCode, AppError> {
    let mut listen = args.listen.clone();
    if global.store.is_none() {
        listen.ephemeral = true;
    }
    let mut config = config::load(global, &listen)?;
    // Only when no layer (flag, HOOKCATCH_SECRET, file) configured one.
    if config.auth.secret.is_none() {
        config.auth.secret = Some(DEMO_SECRET.into());
    }
    let stream = DemoStream {
        secret: config
            .auth
            .secret
            .clone()
            .unwrap_or_else(|| DEMO_SECRET.into()),
        secret_header: config.auth.secret_header.clone(),
        interval: Duration::from_millis(args.interval.unwrap_or(1500).max(1)),
        count: args.count,
    };
    eprintln!(
        "hookcatch: demo: a Pingara event every ~{} ms with {}: {}; some with a wrong secret, \
         some sent again as retries",
        stream.interval.as_millis(),
        sanitize(&stream.secret_header),
        if stream.secret == DEMO_SECRET {
            DEMO_SECRET
        } else {
            crate::secrets::MASK
        }
    );
    runtime()?.block_on(serve(config, Some(stream)))
}

pub const DEMO_SECRET: &str = "demo-secret";

/// A background stream of realistic Pingara events posted to the listener:
/// a mix of all eight types, incidents that later update and resolve, some
/// retries of an earlier delivery (same bytes: marked duplicates) and some
/// with a wrong secret (auth verdict invalid).
pub(super) struct DemoStream {
    pub secret: String,
    pub secret_header: String,
    pub interval: Duration,
    pub count: Option<u64>,
}

impl DemoStream {
    pub async fn run(self, listen_url: String, options: SendOptions, shutdown: CancellationToken) {
        let sender = Sender::new(options);
        let url = format!("{listen_url}{DEFAULT_PATH}");
        let mut rng = fastrand::Rng::new();
        let mut open: Vec<generate::Subject> = Vec::new();
        let mut sent: Vec<(Vec<u8>, Auth)> = Vec::new();
        let mut n = 0u64;
        while self.count.is_none_or(|c| n < c) {
            let (body, auth) = self.next(&mut rng, &mut open, &sent);
            if let Ok(out) = st::outgoing(&url, body.clone(), &auth) {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = sender.send(&out) => {}
                }
            }
            sent.push((body, auth));
            if sent.len() > 20 {
                sent.remove(0);
            }
            n += 1;
            let wait = self.interval.mul_f64(0.5 + rng.f64());
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn next(
        &self,
        rng: &mut fastrand::Rng,
        open: &mut Vec<generate::Subject>,
        sent: &[(Vec<u8>, Auth)],
    ) -> (Vec<u8>, Auth) {
        let good = Auth::Secret {
            header: self.secret_header.clone(),
            value: self.secret.clone(),
        };
        let now = Utc::now();
        let roll = rng.u8(..100);
        // A retry: Pingara sends the same event again after a failure.
        if roll < 12 && !sent.is_empty() {
            return sent[rng.usize(..sent.len())].clone();
        }
        let auth = if roll < 22 {
            Auth::Secret {
                header: self.secret_header.clone(),
                value: "wrong-secret".into(),
            }
        } else {
            good
        };
        let value = if roll >= 60 && !open.is_empty() {
            let i = rng.usize(..open.len());
            let event = if rng.bool() {
                "incident.resolved"
            } else {
                "incident.updated"
            };
            let subject = if event == "incident.resolved" {
                open.remove(i)
            } else {
                open[i].clone()
            };
            generate::generate_for(event, &subject, now, rng)
        } else {
            let event = EVENTS[rng.usize(..EVENTS.len())];
            let subject = generate::Subject::fresh(rng, now);
            if event == "incident.created" && open.len() < 6 {
                open.push(subject.clone());
            }
            generate::generate_for(event, &subject, now, rng)
        };
        let body = value.map_or_else(|| b"{}".to_vec(), |p| p.to_bytes());
        (body, auth)
    }
}
