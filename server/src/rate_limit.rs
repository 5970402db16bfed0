//! Per-user limit on chat turns: `RATE_LIMIT_PER_MINUTE` turns per window, refilled evenly
//! (governor's GCRA). The chat route asks `admit` with the parsed request; spent is 429.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use app::chatkit::types::ChatKitRequest;
use app::chatkit::ChatKitError;

use crate::error::ApiError;

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

    /// Counts a request that starts a turn against the user's allowance; once it is spent,
    /// 429 with `Retry-After` (whole seconds, at least 1). Other requests pass uncounted.
    pub fn admit(&self, user_id: &str, request: &ChatKitRequest) -> Result<(), ApiError> {
        if !request.starts_turn() {
            return Ok(());
        }
        let Err(not_until) = self.limiter.check_key(&user_id.to_string()) else {
            return Ok(());
        };
        let wait = not_until.wait_time_from(self.limiter.clock().now());
        let wait = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        let error = ChatKitError::rate_limited(format!(
            "You have sent {} messages in a short time. Please wait {wait} s and try again.",
            self.per_window
        ));
        Err(ApiError::from(error).retry_after(wait))
    }
}
