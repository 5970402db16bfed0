//! Per-user limit on chat turns (the streaming ChatKit requests): `RATE_LIMIT_PER_MINUTE` turns
//! per window, refilled evenly (governor's GCRA), answered with 429 + Retry-After when spent.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::json;

use app::auth::session::bearer;
use app::state::AppState;

/// Request types that start a model turn (the streaming ones); reads are not limited.
const TURN_TYPES: [&str; 6] = app::chatkit::types::ChatKitRequest::STREAMING_TYPES;

#[derive(Clone)]
pub struct ChatLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    per_window: u32,
}

impl ChatLimiter {
    /// `per_window` turns per `window`; a burst of the whole allowance is permitted.
    pub fn new(per_window: u32, window: Duration) -> Self {
        let n = NonZeroU32::new(per_window.max(1)).expect("at least one");
        let quota = Quota::with_period(window / n.get())
            .expect("a non-zero period")
            .allow_burst(n);
        ChatLimiter {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            per_window: n.get(),
        }
    }

    /// `Err(seconds to wait)` when the user's allowance is spent.
    pub fn check(&self, user_id: &str) -> Result<(), u64> {
        self.limiter
            .check_key(&user_id.to_string())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
            })
            .map(|_| ())
    }
}

/// Peeks at the body (already size-limited) for the request type; only turns by a verified
/// user are counted, everything else passes through to the handler's own checks.
pub async fn limit_chat(
    State((state, limiter)): State<(AppState, ChatLimiter)>,
    req: Request,
    next: Next,
) -> Response {
    let Some(user_id) = bearer(req.headers())
        .and_then(|t| state.keys.verify(&t).ok())
        .map(|c| c.sub)
    else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({"error": {"code": "payload_too_large", "message": "the request body is too large", "allow_retry": false}})),
        )
            .into_response();
    };
    let kind = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string));
    if kind.is_some_and(|k| TURN_TYPES.contains(&k.as_str())) {
        if let Err(wait) = limiter.check(&user_id) {
            let wait = wait.max(1);
            let mut res = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"error": {
                    "code": "rate_limited",
                    "message": format!(
                        "You have sent {} messages in a short time. Please wait {wait} s and try again.",
                        limiter.per_window
                    ),
                    "allow_retry": true,
                }})),
            )
                .into_response();
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&wait.to_string()).expect("digits"),
            );
            return res;
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
