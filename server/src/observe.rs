//! Logs: the subscriber (`LOG_FORMAT=json` for one JSON object per line, else today's human
//! format, both on stderr) and one span per HTTP request with its id, method and path; the
//! handlers add the user id and the ChatKit request type, never a message's text.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use app::metrics::millis;

/// The header a request id comes in and goes back out in.
pub const REQUEST_ID: &str = "x-request-id";

/// The longest incoming request id honoured; a longer (or odd) one is replaced.
const MAX_REQUEST_ID: usize = 64;

/// How log lines are written (`LOG_FORMAT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Unset or `text`: human-readable lines.
    Text,
    /// `json`: one JSON object per line (tracing-subscriber's `json` format, event fields at
    /// the top level, the request's spans in `spans`).
    Json,
}

impl LogFormat {
    pub fn parse(value: Option<&str>) -> Result<LogFormat, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!("LOG_FORMAT is '{other}': use json or text")),
        }
    }
}

/// Installs the global subscriber on stderr (stdout stays free: `todokit mcp` speaks MCP
/// there): `RUST_LOG` if set, else `default_filter`, in `LOG_FORMAT`.
pub fn init_logging(default_filter: &str) -> Result<(), String> {
    let format = LogFormat::parse(std::env::var("LOG_FORMAT").ok().as_deref())?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| default_filter.into());
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    Ok(())
}

/// An incoming `X-Request-Id` worth keeping: short, visible ASCII only (no spaces or control
/// characters that could forge a log line or a header).
fn incoming_id(headers: &HeaderMap) -> Option<&str> {
    let id = headers.get(REQUEST_ID)?.to_str().ok()?;
    let ok =
        !id.is_empty() && id.len() <= MAX_REQUEST_ID && id.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(id)
}

/// Runs the request in a span `request{request_id, method, path, user_id, request_type}`,
/// logs its status and latency (to the response head; a chat turn logs its own duration) and
/// echoes the request id in `X-Request-Id`.
pub async fn request_span(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = match incoming_id(req.headers()) {
        Some(id) => id.to_string(),
        None => uuid::Uuid::new_v4().simple().to_string(),
    };
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        // The path only: a query string can carry anything.
        path = %req.uri().path(),
        user_id = tracing::field::Empty,
        request_type = tracing::field::Empty,
    );
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            target: "todokit::http",
            status,
            latency_ms = millis(started.elapsed()),
            "request"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    res
}

/// Adds a field declared by [`request_span`] to the current request's span.
pub fn record(field: &'static str, value: &str) {
    tracing::Span::current().record(field, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_id(id: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(REQUEST_ID, HeaderValue::from_bytes(id).unwrap());
        h
    }

    #[test]
    fn only_short_visible_request_ids_are_kept() {
        assert_eq!(incoming_id(&with_id(b"abc-123_X")), Some("abc-123_X"));
        assert_eq!(incoming_id(&HeaderMap::new()), None);
        assert_eq!(incoming_id(&with_id(b"")), None);
        assert_eq!(incoming_id(&with_id(b"has space")), None);
        assert_eq!(incoming_id(&with_id(b"tab\there")), None);
        assert_eq!(incoming_id(&with_id("ünï".as_bytes())), None);
        let long = "a".repeat(MAX_REQUEST_ID + 1);
        assert_eq!(incoming_id(&with_id(long.as_bytes())), None);
        let most = "a".repeat(MAX_REQUEST_ID);
        assert_eq!(incoming_id(&with_id(most.as_bytes())), Some(most.as_str()));
    }

    #[test]
    fn log_format_from_the_environment() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("text")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("json")), Ok(LogFormat::Json));
        assert!(LogFormat::parse(Some("xml")).is_err());
    }
}
