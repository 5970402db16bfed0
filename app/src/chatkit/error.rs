//! One error type for the protocol layer: each carries the HTTP status used before a stream
//! starts and the protocol code used in an `error` event after it has.

use super::types::{ErrorBody, ErrorDetail, RequestError, ThreadStreamEvent};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ChatKitError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub allow_retry: bool,
}

impl ChatKitError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ChatKitError {
            status,
            code,
            message: message.into(),
            allow_retry: false,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not_found", format!("{what} not found"))
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(413, "too_large", message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(422, "invalid_request", message)
    }
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self {
            allow_retry: true,
            ..Self::new(429, "rate_limited", message)
        }
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            allow_retry: true,
            ..Self::new(503, "unavailable", message)
        }
    }
    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(501, "not_implemented", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            allow_retry: true,
            ..Self::new(500, "internal", message)
        }
    }
    /// An unexpected failure inside a turn: the SDK's bare `stream.error` event (no message,
    /// retry allowed).
    pub fn stream_error() -> Self {
        Self {
            allow_retry: true,
            ..Self::new(500, "stream.error", "the response failed")
        }
    }
    /// Whether this is a `not_found` (a store's missing or foreign record).
    pub fn is_not_found(&self) -> bool {
        self.code == "not_found"
    }
    pub fn retryable(mut self) -> Self {
        self.allow_retry = true;
        self
    }

    /// JSON body for an error answered before any stream began.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                allow_retry: self.allow_retry,
            },
        }
    }

    /// The in-stream form: `custom` with a message the client shows as is, or the SDK's bare
    /// `stream.error` for unexpected failures.
    pub fn event(&self) -> ThreadStreamEvent {
        if self.code == "stream.error" {
            return ThreadStreamEvent::Error {
                code: "stream.error".into(),
                message: None,
                allow_retry: self.allow_retry,
            };
        }
        ThreadStreamEvent::Error {
            code: "custom".into(),
            message: Some(self.message.clone()),
            allow_retry: self.allow_retry,
        }
    }
}

impl From<RequestError> for ChatKitError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Malformed(_) => ChatKitError::bad_request(e.to_string()),
            RequestError::UnknownType(_) => ChatKitError::bad_request(e.to_string()),
            RequestError::Invalid { .. } => ChatKitError::invalid(e.to_string()),
        }
    }
}
