//! The HTTP kit both cloud clients share: the reqwest client they build, the body limit,
//! what a transport failure is ([`TransportKind`]) and how it is told without its URL, and
//! the RFC 3986 percent-encoding of a URL component.

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// A failure below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Connect or request timeout.
    Timeout,
    /// The connection could not be made.
    Connect,
    /// The connection broke mid-request.
    Reset,
    /// The server's TLS certificate was refused: final, never retried.
    Certificate,
    /// Anything else.
    Other,
}

impl TransportKind {
    /// The kind of failure for every caller: a refused certificate is final, anything else
    /// below HTTP is transient.
    pub fn error_kind(self) -> crate::cloud::ErrorKind {
        match self {
            TransportKind::Certificate => crate::cloud::ErrorKind::Permanent,
            _ => crate::cloud::ErrorKind::Transient,
        }
    }
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timeout",
            TransportKind::Connect => "connection failed",
            TransportKind::Reset => "connection reset",
            TransportKind::Certificate => "TLS certificate refused",
            TransportKind::Other => "network error",
        })
    }
}

/// Everything but `A-Za-z0-9-_.~` is escaped (RFC 3986), as Alibaba requires.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one name or value: UTF-8, RFC 3986, uppercase hex; space is `%20`.
pub fn pe(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Installs the ring TLS provider once (reqwest is built without a default provider, to
/// avoid compiling aws-lc). Call before building any other `reqwest::Client`.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Longest silence between two reads of one answer.
pub const READ_TIMEOUT: Duration = Duration::from_secs(15);

/// A reqwest client with the given timeouts that follows no redirect and sends no Referer.
pub(crate) fn client(connect: Duration, request: Duration) -> reqwest::Result<reqwest::Client> {
    install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(connect)
        .timeout(request)
        // A server that accepted and then went silent is as dead as one that refuses.
        .read_timeout(request.min(READ_TIMEOUT))
        .user_agent(concat!("tilink/", env!("CARGO_PKG_VERSION")))
        // Signed requests carry credentials (Alibaba's V3 token header and V1 query, TiDB's
        // digest): they go to the host they were signed for and nowhere else, and never leak
        // in a Referer.
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .build()
}

/// Largest answer body tilink reads (API answers are kilobytes; a hostile or broken server
/// must not exhaust memory).
pub const MAX_BODY: usize = 32 << 20;

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// The transport failed mid-body.
    Http(reqwest::Error),
    /// Past [`MAX_BODY`].
    TooLarge,
}

/// Reads a response body, at most [`MAX_BODY`] bytes, chunk by chunk.
pub(crate) async fn read_bounded(mut resp: reqwest::Response) -> Result<bytes::Bytes, BodyError> {
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Http)? {
        if out.len() + chunk.len() > MAX_BODY {
            return Err(BodyError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.into())
}

/// True when the failure is a TLS certificate the client refused: final, never retried.
/// The rustls error sits inside I/O errors nested by the connector (`io::Error(Other,
/// io::Error(InvalidData, rustls::Error))`), which `source()` skips, so each I/O error is
/// opened with `get_ref`.
pub(crate) fn is_certificate(e: &reqwest::Error) -> bool {
    fn refused(r: &rustls::Error) -> bool {
        matches!(
            r,
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
        )
    }
    fn inside(mut cause: &(dyn std::error::Error + 'static)) -> bool {
        loop {
            if let Some(r) = cause.downcast_ref::<rustls::Error>() {
                return refused(r);
            }
            match cause
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
            {
                Some(inner) => cause = inner,
                None => return false,
            }
        }
    }
    use std::error::Error as _;
    let mut src = e.source();
    while let Some(cause) = src {
        if inside(cause) {
            return true;
        }
        src = cause.source();
    }
    false
}

/// What failed below HTTP.
pub(crate) fn transport_kind(e: &reqwest::Error) -> TransportKind {
    if is_certificate(e) {
        TransportKind::Certificate
    } else if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_connect() {
        TransportKind::Connect
    } else if e.is_request() || e.is_body() {
        TransportKind::Reset
    } else {
        TransportKind::Other
    }
}

/// A reqwest error without its URL (a V1 URL carries the STS token) but with its causes.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut out = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut src = e.source();
    while let Some(cause) = src {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        src = cause.source();
    }
    out
}
