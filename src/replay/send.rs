//! The HTTP client behind replay, forwarding, the ladder and send-test.
//!
//! One hyper-util client for `http://` and `https://` (rustls with ring, the
//! platform's certificate store), which sends exactly the headers it is
//! given, in order, and the path as captured (no normalisation). HTTP/1.1
//! only. Redirects are never followed and proxy variables are ignored: the
//! answer recorded is the target's own.
//!
//! One timeout (10 s by default, Pingara's limit) covers connecting, sending
//! and reading the whole answer. Failures are classified as refused, timeout,
//! tls or other.

use std::error::Error as StdError;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{ConfigBuilderExt, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::build::Outgoing;
use crate::model::HeaderField;
use crate::store::{DeliveryError, DeliveryErrorKind};

/// Pingara waits 10 s for an answer; so do we, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Larger answers are cut here (the attempt is then an `other` error).
pub const MAX_RESPONSE_BODY: usize = 10 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SendOptions {
    pub timeout: Duration,
    /// Accept any certificate (self-signed local https).
    pub insecure: bool,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            insecure: false,
        }
    }
}

/// What came back from one attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub status: Option<u16>,
    pub headers: Vec<HeaderField>,
    pub body: Vec<u8>,
    pub latency_ms: f64,
    pub error: Option<DeliveryError>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A cheap, cloneable client (connection pools are shared).
#[derive(Clone)]
pub struct Sender {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    options: SendOptions,
}

/// rustls needs a process-wide crypto provider; install ring once.
pub fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Sender {
    pub fn new(options: SendOptions) -> Sender {
        install_crypto();
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(options.timeout));
        connector.set_nodelay(true);
        // The https connector hands http:// URLs to the plain one.
        connector.enforce_http(false);
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(options.insecure))
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Sender { client, options }
    }

    pub fn options(&self) -> SendOptions {
        self.options
    }

    /// The client itself, for a caller that reads an answer as it streams
    /// (a relay subscriber) instead of whole within the timeout.
    pub fn client(&self) -> &Client<HttpsConnector<HttpConnector>, Full<Bytes>> {
        &self.client
    }

    /// Send and wait for the whole answer, within the timeout. Never fails:
    /// a failure is an [`Answer`] with `error` set.
    pub async fn send(&self, out: &Outgoing) -> Answer {
        let started = Instant::now();
        let exchange = self.exchange(out);
        let result = tokio::time::timeout(self.options.timeout, exchange).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let failed = |error| Answer {
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
            latency_ms,
            error: Some(error),
        };
        match result {
            Err(_) => failed(DeliveryError {
                kind: DeliveryErrorKind::Timeout,
                message: format!(
                    "no complete answer from {} within {}",
                    out.authority,
                    seconds(self.options.timeout)
                ),
            }),
            Ok(Err(error)) => failed(error),
            Ok(Ok((status, headers, body))) => {
                let error = (body.len() > MAX_RESPONSE_BODY).then(|| DeliveryError {
                    kind: DeliveryErrorKind::Other,
                    message: format!("answer body larger than {MAX_RESPONSE_BODY} bytes; cut"),
                });
                let mut body = body;
                body.truncate(MAX_RESPONSE_BODY);
                Answer {
                    status: Some(status),
                    headers,
                    body,
                    latency_ms,
                    error,
                }
            }
        }
    }

    async fn exchange(&self, out: &Outgoing) -> Result<Wire, DeliveryError> {
        let uri: http::Uri = out
            .url
            .parse()
            .map_err(|e| other(format!("cannot send to {}: {e}", out.url)))?;
        let method = http::Method::from_bytes(out.method.as_bytes())
            .map_err(|_| other(format!("{:?} is not a valid method", out.method)))?;
        let mut request = http::Request::new(Full::new(Bytes::from(out.body.clone())));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        put_headers(request.headers_mut(), &out.headers);
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| classify(&e, &out.authority))?;
        let (parts, body) = response.into_parts();
        let bytes = Limited::new(body, MAX_RESPONSE_BODY + 1)
            .collect()
            .await
            .map_err(|e| classify(e.as_ref(), &out.authority))?
            .to_bytes();
        Ok((
            parts.status.as_u16(),
            fields(&parts.headers),
            bytes.to_vec(),
        ))
    }
}

/// The platform's certificate store, or with `--insecure` any certificate
/// (a self-signed local https app); signatures are still checked.
fn tls_config(insecure: bool) -> rustls::ClientConfig {
    if insecure {
        return rustls::ClientConfig::builder()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate::new()))
            .with_no_client_auth();
    }
    match rustls::ClientConfig::builder().try_with_platform_verifier() {
        Ok(builder) => builder.with_no_client_auth(),
        // No certificate store at all (a bare container): http targets still
        // work, and an https one fails its handshake with a TLS error that
        // names --insecure.
        Err(_) => rustls::ClientConfig::builder()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    }
}

/// `--insecure`: accepts any certificate chain and name, but still checks
/// that the server holds the key of the certificate it sent.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl AnyCertificate {
    fn new() -> Self {
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        AnyCertificate(provider)
    }
}

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

type Wire = (u16, Vec<HeaderField>, Vec<u8>);

/// Header fields onto an `http` map, in order. A field the `http` crate
/// refuses (it cannot have come through hyper's parser) is skipped.
fn put_headers(map: &mut http::HeaderMap, headers: &[HeaderField]) {
    for h in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(h.name.as_bytes()),
            http::HeaderValue::from_bytes(&h.value),
        ) {
            map.append(name, value);
        }
    }
}

pub(crate) fn fields(map: &http::HeaderMap) -> Vec<HeaderField> {
    map.iter()
        .map(|(n, v)| HeaderField::new(n.as_str(), v.as_bytes()))
        .collect()
}

fn other(message: String) -> DeliveryError {
    DeliveryError {
        kind: DeliveryErrorKind::Other,
        message,
    }
}

/// `10 s`, `0.5 s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{s} s")
    }
}

/// Every message in an error's source chain, joined.
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// What an error chain's text says it was, for causes hidden behind a box.
fn classify_text(detail: &str) -> DeliveryErrorKind {
    let text = detail.to_ascii_lowercase();
    if text.contains("certificate") || text.contains("handshake") || text.contains("tls") {
        DeliveryErrorKind::Tls
    } else if text.contains("connection refused") {
        DeliveryErrorKind::Refused
    } else if text.contains("timed out") {
        DeliveryErrorKind::Timeout
    } else {
        DeliveryErrorKind::Other
    }
}

/// Refused, timeout, TLS or other, from anywhere in the source chain.
pub(crate) fn classify(e: &(dyn StdError + 'static), authority: &str) -> DeliveryError {
    let mut kind = DeliveryErrorKind::Other;
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = source {
        if err.downcast_ref::<rustls::Error>().is_some() {
            kind = DeliveryErrorKind::Tls;
            break;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
            {
                kind = DeliveryErrorKind::Tls;
                break;
            }
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    kind = DeliveryErrorKind::Refused;
                    break;
                }
                std::io::ErrorKind::TimedOut => {
                    kind = DeliveryErrorKind::Timeout;
                    break;
                }
                _ => {}
            }
        }
        source = err.source();
    }
    let detail = chain(e);
    // Some layers box their cause as a `Box<dyn Error>` value, which hides it
    // from `downcast_ref`; the rendered chain still names it.
    if kind == DeliveryErrorKind::Other {
        kind = classify_text(&detail);
    }
    let message = match kind {
        DeliveryErrorKind::Refused => {
            format!("connection refused: is anything listening on {authority}?")
        }
        DeliveryErrorKind::Tls => format!(
            "TLS handshake with {authority} failed: {detail} (use --insecure for a self-signed certificate)"
        ),
        _ => format!("{authority}: {detail}"),
    };
    DeliveryError { kind, message }
}
