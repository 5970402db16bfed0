//! The HTTP layer's one error: a `ChatKitError` answered with its status and JSON body
//! (`{"error": {code, message, allow_retry}}`), and `Retry-After` when it says when to retry.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use app::chatkit::ChatKitError;

#[derive(Debug)]
pub struct ApiError {
    pub error: ChatKitError,
    /// Seconds until a retry can succeed (a spent limit's 429).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after
    }
}

impl From<ChatKitError> for ApiError {
    fn from(error: ChatKitError) -> Self {
        ApiError {
            error,
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(self.error.body())).into_response();
        if let Some(seconds) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}
