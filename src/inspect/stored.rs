//! Findings kept with a request (`model::findings`) and inspection's own
//! types, both ways. Readers go through [`summary`] and [`inspection`]: they
//! show what was decided at arrival and judge only requests stored before
//! verdicts were kept, saying so ([`Judged::OnRead`]). [`recheck`] is the
//! one way to judge a stored request again with the current secrets; its
//! result is shown beside the stored verdict, never instead of it.

use super::auth::{self, AuthConfig, AuthVerdict, Verdict};
use super::event::{self, Event, Provider};
use super::{Inspection, Summary, body};
use crate::model::CapturedRequest;
use crate::model::findings::{Judged, StoredAuth, StoredEvent, StoredFindings};

/// What the store keeps of an inspection made at arrival (or at import).
pub fn to_stored(summary: &Summary, judged: Judged) -> StoredFindings {
    StoredFindings {
        judged,
        auth: stored_auth(&summary.auth),
        event: summary.event.as_ref().map(stored_event),
    }
}

pub fn stored_auth(a: &AuthVerdict) -> StoredAuth {
    StoredAuth {
        scheme: a.scheme.clone(),
        verdict: a.verdict.as_str().into(),
        detail: a.detail.clone(),
        diagnosis: a.diagnosis.clone(),
        presented: a.presented.clone(),
        signed: a.signed,
    }
}

fn stored_event(e: &Event) -> StoredEvent {
    StoredEvent {
        provider: e.provider.as_str().into(),
        kind: e.kind.clone(),
        action: e.action.clone(),
        summary: e.summary.clone(),
        problems: e.problems.clone(),
    }
}

/// A verdict word as [`Verdict::as_str`] writes it.
pub fn parse_verdict(word: &str) -> Option<Verdict> {
    [
        Verdict::Valid,
        Verdict::Invalid,
        Verdict::Missing,
        Verdict::Unconfigured,
    ]
    .into_iter()
    .find(|v| v.as_str() == word)
}

fn auth_from(s: &StoredAuth) -> Option<AuthVerdict> {
    Some(AuthVerdict {
        scheme: s.scheme.clone(),
        verdict: parse_verdict(&s.verdict)?,
        detail: s.detail.clone(),
        diagnosis: s.diagnosis.clone(),
        presented: s.presented.clone(),
        signed: s.signed,
    })
}

fn event_from(s: &StoredEvent) -> Option<Event> {
    Some(Event {
        provider: Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s.provider)?,
        kind: s.kind.clone(),
        action: s.action.clone(),
        summary: s.summary.clone(),
        problems: s.problems.clone(),
        fields: Vec::new(),
    })
}

/// The stored findings in inspection's types, when this version can read
/// them: `(when judged, auth, event)`.
fn from_stored(s: &StoredFindings) -> Option<(Judged, AuthVerdict, Option<Event>)> {
    let event = match &s.event {
        Some(e) => Some(event_from(e)?),
        None => None,
    };
    Some((s.judged, auth_from(&s.auth)?, event))
}

/// What lists and JSON output show of a stored request: the findings kept
/// at arrival; judged now with `auth_config` only when there are none.
/// `duplicate_key` is left empty (the store decided duplicates already).
pub fn summary(
    req: &CapturedRequest,
    stored: Option<&StoredFindings>,
    auth_config: &AuthConfig,
) -> Summary {
    match stored.and_then(from_stored) {
        Some((judged, auth, event)) => Summary {
            slow_answer: event::slow_answer(req, event.as_ref()),
            auth,
            event,
            duplicate_key: None,
            judged,
        },
        None => Summary {
            judged: Judged::OnRead,
            ..super::summarize(req, auth_config, req.received_at)
        },
    }
}

/// [`summary`] plus what the detail views need: the body decoded, the
/// event's field list and the idempotency key, all read from the body (they
/// depend on no secret).
pub fn inspection(
    req: &CapturedRequest,
    stored: Option<&StoredFindings>,
    auth_config: &AuthConfig,
) -> Inspection {
    match stored.and_then(from_stored) {
        Some((judged, auth, mut event)) => {
            let (decoded, duplicate_key) = event::decode_and_key(req);
            if let Some(e) = event.as_mut()
                && let Some(decoded) = decoded.filter(|d| d.provider == e.provider)
            {
                e.fields = decoded.fields;
            }
            Inspection {
                body: body::decode(req),
                slow_answer: event::slow_answer(req, event.as_ref()),
                auth,
                event,
                duplicate_key,
                judged,
            }
        }
        None => Inspection {
            judged: Judged::OnRead,
            ..super::inspect(req, auth_config, req.received_at)
        },
    }
}

/// A second verdict with the current secrets (`show --recheck`, `A` in the
/// TUI), judged as of the time the request arrived. Shown beside the stored
/// verdict, never stored.
pub fn recheck(req: &CapturedRequest, auth_config: &AuthConfig) -> AuthVerdict {
    auth::verify(req, auth_config, req.received_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HeaderField;

    fn pingara(secret: &str) -> CapturedRequest {
        CapturedRequest::new(
            "POST",
            "/hook",
            vec![
                HeaderField::new("content-type", b"application/json".to_vec()),
                HeaderField::new("x-pingara-secret", secret.as_bytes().to_vec()),
            ],
            include_bytes!("../../tests/fixtures/pingara/guide-incident-created.json").to_vec(),
        )
    }

    fn with_secret(secret: &str) -> AuthConfig {
        AuthConfig {
            secret: Some(secret.into()),
            ..AuthConfig::default()
        }
    }

    /// The stored verdict wins over whatever the reader has configured.
    #[test]
    fn a_stored_verdict_is_read_not_judged_again() {
        let req = pingara("s3cret");
        let at_arrival = super::super::summarize(&req, &with_secret("s3cret"), req.received_at);
        assert_eq!(at_arrival.auth.verdict, Verdict::Valid);
        let stored = to_stored(&at_arrival, Judged::AtArrival);
        for reader in [AuthConfig::default(), with_secret("rotated")] {
            let read = summary(&req, Some(&stored), &reader);
            assert_eq!(read.auth, at_arrival.auth);
            assert_eq!(read.judged, Judged::AtArrival);
            let whole = inspection(&req, Some(&stored), &reader);
            assert_eq!(whole.auth, at_arrival.auth);
            assert!(!whole.event.unwrap().fields.is_empty(), "fields decoded");
            assert_eq!(
                recheck(&req, &with_secret("rotated")).verdict,
                Verdict::Invalid
            );
        }
    }

    #[test]
    fn without_stored_findings_the_reader_judges_and_says_so() {
        let req = pingara("s3cret");
        let read = summary(&req, None, &AuthConfig::default());
        assert_eq!(read.judged, Judged::OnRead);
        assert_eq!(read.auth.verdict, Verdict::Unconfigured);
        let mut unreadable = to_stored(
            &super::super::summarize(&req, &AuthConfig::default(), req.received_at),
            Judged::AtArrival,
        );
        unreadable.auth.verdict = "maybe".into();
        let read = summary(&req, Some(&unreadable), &with_secret("s3cret"));
        assert_eq!(
            (read.judged, read.auth.verdict),
            (Judged::OnRead, Verdict::Valid)
        );
    }
}
