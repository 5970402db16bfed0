//! The HTTP face of the one limiter (`app::rate_limit`): which bucket a ChatKit request
//! counts against, and a refusal as 429 with `Retry-After`.

use app::chatkit::types::ChatKitRequest;
use app::chatkit::ChatKitError;
use app::rate_limit::{Bucket, Limited};
use app::state::AppState;

use crate::error::ApiError;

/// A spent allowance as the API answers it.
pub fn refused(l: Limited) -> ApiError {
    ApiError::from(ChatKitError::rate_limited(l.message)).retry_after(l.retry_after_secs)
}

/// Counts one use of `bucket` by `user_id`, or the 429 to answer.
pub async fn admit(state: &AppState, bucket: Bucket, user_id: &str) -> Result<(), ApiError> {
    state.limiter.check(bucket, user_id).await.map_err(refused)
}

/// Counts a ChatKit request against its bucket: turns, transcriptions, new attachments and
/// feedback; reads and the rest pass uncounted.
pub async fn admit_request(
    state: &AppState,
    user_id: &str,
    request: &ChatKitRequest,
) -> Result<(), ApiError> {
    let bucket = match request {
        r if r.starts_turn() => Bucket::ChatTurns,
        ChatKitRequest::Transcribe(_) => Bucket::Transcriptions,
        ChatKitRequest::CreateAttachment(_) => Bucket::Attachments,
        ChatKitRequest::Feedback(_) => Bucket::Feedback,
        _ => return Ok(()),
    };
    admit(state, bucket, user_id).await
}
