//! The verdict machinery every HMAC scheme shares. A scheme file parses its
//! headers into a [`SignedMessage`]; this file computes, compares and writes
//! the explanation, so every sender's failure reads the same way.

use chrono::{DateTime, Utc};

use super::support::{
    RESERIALIZED_BODY_HINT, Tolerance, decode_base64, describe_age, encode_base64, hmac_sha256,
    shorten, signature_matches, skew_problem, timestamp_as_date,
};
use super::{AuthVerdict, Verdict, mask};

/// How a sender writes its signature in the header.
#[derive(Clone, Copy, Debug)]
pub(super) enum SignatureEncoding {
    Hex,
    Base64,
}

impl SignatureEncoding {
    fn encode(self, bytes: &[u8]) -> String {
        match self {
            SignatureEncoding::Hex => hex::encode(bytes),
            SignatureEncoding::Base64 => encode_base64(bytes),
        }
    }
}

/// One signature the request carries, as text and (when well-formed) bytes.
/// `text` is the part that compares with the computed signature (no
/// `sha256=` or `v1,` prefix) when the entry is well-formed, so the
/// received and computed lines of a diagnosis line up.
pub(super) struct ReceivedSignature {
    pub text: String,
    pub bytes: Result<Vec<u8>, String>,
}

/// A key to try, labelled (masked) so a diagnosis can say which one it was.
pub(super) struct SigningKey {
    pub label: String,
    pub bytes: Vec<u8>,
}

impl SigningKey {
    /// The configured secret's own bytes are the key (GitHub, Stripe, Slack, Shopify).
    pub fn raw(secret: &str) -> Self {
        Self {
            label: mask(secret),
            bytes: secret.as_bytes().to_vec(),
        }
    }
}

/// The sender's timestamp, already parsed, with the window it must fall in.
pub(super) struct SignedTimestamp {
    pub seconds: i64,
    pub tolerance: Tolerance,
}

/// Everything needed to check one request against one HMAC scheme.
pub(super) struct SignedMessage {
    pub scheme: &'static str,
    /// The header as people write it, e.g. `X-Hub-Signature-256`.
    pub header: &'static str,
    pub presented: String,
    /// The recipe shown to the developer, e.g. `HMAC-SHA256(secret, "<t>.<raw body>")`.
    pub recipe: String,
    /// The bytes signed before the body; every scheme here ends with the raw body.
    pub signed_prefix: Vec<u8>,
    pub encoding: SignatureEncoding,
    pub received: Vec<ReceivedSignature>,
    pub keys: Vec<SigningKey>,
    pub timestamp: Option<SignedTimestamp>,
    /// Scheme-specific lines (ignored entries, key decoding) shown in every case.
    pub notes: Vec<String>,
    /// Keys a sender might have used by mistake, each with what it would mean.
    /// Tried only after a mismatch, to turn "does not match" into a cause.
    pub mistaken_keys: Vec<(Vec<u8>, String)>,
}

/// Decode a hex signature of exactly one SHA-256 output, or say why not.
/// Only lowercase hex, nothing around it: GitHub's, Stripe's and Slack's
/// own libraries compare the lowercase hex string exactly, so `ABCD…` or a
/// stray space fails there and must not pass here.
pub(super) fn decode_hex_signature(text: &str) -> Result<Vec<u8>, String> {
    if text.is_empty() {
        return Err("the signature is empty".into());
    }
    let bytes = hex::decode(text).map_err(|_| format!("{:?} is not hex", shorten(text)))?;
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(
            "uppercase hex: the sender's own verifiers compare the lowercase hex string exactly"
                .into(),
        );
    }
    expect_sha256_length(bytes, "64 hex chars")
}

/// Decode a base64 signature of exactly one SHA-256 output, or say why not.
/// Only the canonical padded form: Standard Webhooks' and Shopify's own
/// libraries compare the base64 string exactly, so an unpadded or otherwise
/// re-encoded signature fails there and must not pass here.
pub(super) fn decode_base64_signature(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    if text.is_empty() {
        return Err("the signature is empty".into());
    }
    let bytes = decode_base64(text).ok_or_else(|| format!("{:?} is not base64", shorten(text)))?;
    if base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_err()
    {
        return Err(
            "not canonical padded base64: the sender's own verifiers compare the base64 string exactly"
                .into(),
        );
    }
    expect_sha256_length(bytes, "44 base64 chars")
}

fn expect_sha256_length(bytes: Vec<u8>, expected: &str) -> Result<Vec<u8>, String> {
    if bytes.len() == 32 {
        Ok(bytes)
    } else {
        Err(format!(
            "{} bytes where HMAC-SHA256 gives 32 ({expected}): truncated or another algorithm",
            bytes.len()
        ))
    }
}

/// The verdict for a signature header that cannot be read at all.
pub(super) fn malformed_header(
    scheme: &str,
    header: &str,
    presented: String,
    reason: &str,
    expected_format: &str,
) -> AuthVerdict {
    AuthVerdict::for_signed_scheme(
        scheme,
        Verdict::Invalid,
        format!("malformed {header}: {reason}"),
    )
    .with_diagnosis(vec![
        format!("read {header}: {presented}"),
        reason.to_owned(),
        format!("expected {header}: {expected_format}"),
    ])
    .with_presented(format!("{header}: {presented}"))
}

/// How many received signatures a diagnosis lists before summarising.
const LISTED_SIGNATURES: usize = 5;

impl SignedMessage {
    fn verdict(&self, verdict: Verdict, detail: String, diagnosis: Vec<String>) -> AuthVerdict {
        AuthVerdict::for_signed_scheme(self.scheme, verdict, detail)
            .with_presented(self.presented.clone())
            .with_diagnosis(diagnosis)
    }

    /// Compute, compare and explain.
    pub fn conclude(self, body: &[u8], now: DateTime<Utc>) -> AuthVerdict {
        let mut diagnosis = vec![format!("read {}", self.presented)];
        diagnosis.push(format!(
            "signed string: {}, over the raw body of {} bytes exactly as received",
            self.recipe,
            body.len()
        ));
        diagnosis.extend(self.notes.iter().cloned());

        let well_formed: Vec<&[u8]> = self
            .received
            .iter()
            .filter_map(|r| r.bytes.as_deref().ok())
            .collect();
        for (index, received) in self.received.iter().enumerate().take(LISTED_SIGNATURES) {
            diagnosis.push(match &received.bytes {
                Ok(_) => format!("received: {}", shorten(&received.text)),
                Err(problem) => format!(
                    "received: {} (malformed: {problem})",
                    shorten(&received.text)
                ),
            });
            if index + 1 == LISTED_SIGNATURES && self.received.len() > LISTED_SIGNATURES {
                diagnosis.push(format!(
                    "… and {} more",
                    self.received.len() - LISTED_SIGNATURES
                ));
            }
        }
        if well_formed.is_empty() {
            let problem = self
                .received
                .iter()
                .find_map(|r| r.bytes.as_ref().err().cloned())
                .unwrap_or_else(|| "no signature in it".into());
            return self.verdict(
                Verdict::Invalid,
                format!("malformed {}: {problem}", self.header),
                diagnosis,
            );
        }

        let matching_key = self.keys.iter().find(|key| {
            let computed = hmac_sha256(&key.bytes, &[&self.signed_prefix, body]);
            well_formed
                .iter()
                .any(|received| signature_matches(received, &computed))
        });
        let skew = self
            .timestamp
            .as_ref()
            .and_then(|t| skew_problem(t.seconds, now, t.tolerance));
        if let Some(t) = &self.timestamp {
            diagnosis.push(format!(
                "timestamp {} ({}), {}",
                t.seconds,
                timestamp_as_date(t.seconds),
                describe_age(t.seconds, now)
            ));
        }

        if let Some(key) = matching_key {
            diagnosis.push(format!("matches the secret {}", key.label));
            return match skew {
                None => {
                    let age = self
                        .timestamp
                        .as_ref()
                        .map(|t| format!("; {}", describe_age(t.seconds, now)))
                        .unwrap_or_default();
                    self.verdict(
                        Verdict::Valid,
                        format!("signed: {} matches{age}", self.header),
                        diagnosis,
                    )
                }
                Some(skew) => {
                    diagnosis.push(format!("{skew}: the signature is right, the timing is not"));
                    diagnosis.push(
                        "a timestamp outside the window means a replayed or long-delayed delivery \
                         (replaying an old capture does this too), or a sender clock that is off"
                            .into(),
                    );
                    self.verdict(
                        Verdict::Invalid,
                        format!("{} matches but {skew}", self.header),
                        diagnosis,
                    )
                }
            };
        }

        for key in &self.keys {
            let computed = hmac_sha256(&key.bytes, &[&self.signed_prefix, body]);
            diagnosis.push(format!(
                "computed: {} (secret {})",
                shorten(&self.encoding.encode(&computed)),
                key.label
            ));
        }
        if let Some(skew) = &skew {
            diagnosis.push(format!("also: {skew}"));
        }
        diagnosis.extend(self.mistake_hints(&well_formed, body));
        diagnosis.push(
            "no match: the sender signs with a different secret, or the body changed after it was signed".into(),
        );
        diagnosis.push(RESERIALIZED_BODY_HINT.into());
        let also = skew.map(|s| format!("; also {s}")).unwrap_or_default();
        self.verdict(
            Verdict::Invalid,
            format!(
                "{} does not match: wrong secret or body changed{also}",
                self.header
            ),
            diagnosis,
        )
    }

    /// Explanations for near misses: a known wrong key, or a body that
    /// gained or lost a trailing newline on the way.
    fn mistake_hints(&self, well_formed: &[&[u8]], body: &[u8]) -> Vec<String> {
        let matches = |key: &[u8], body: &[u8]| {
            let computed = hmac_sha256(key, &[&self.signed_prefix, body]);
            well_formed
                .iter()
                .any(|received| signature_matches(received, &computed))
        };
        let mut hints: Vec<String> = self
            .mistaken_keys
            .iter()
            .filter(|(key, _)| matches(key, body))
            .map(|(_, meaning)| meaning.clone())
            .collect();
        let with_newline = [body, b"\n"].concat();
        let trimmed = body
            .strip_suffix(b"\n")
            .map(|b| b.strip_suffix(b"\r").unwrap_or(b));
        for key in &self.keys {
            if matches(&key.bytes, &with_newline) {
                hints.push("it matches the body plus a trailing newline: something stripped one in transit".into());
            }
            if trimmed.is_some_and(|t| matches(&key.bytes, t)) {
                hints.push("it matches the body without its trailing newline: something appended one in transit".into());
            }
        }
        hints
    }
}
