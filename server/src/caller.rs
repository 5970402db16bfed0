//! Who is calling an API route: one check from credentials to a user, as axum extractors that
//! refuse with 401 (no or bad credentials) or 503 (the account store is down).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use app::auth::session::{authenticate, bearer, cookie, AuthError};
use app::chatkit::ChatKitError;
use app::state::AppState;
use app::store::User;

use crate::error::ApiError;

/// The caller by bearer token (API clients, our panel) or session cookie (pages, `<img>`,
/// `EventSource`, which cannot send headers): the task feed and the attachment bytes.
pub struct CurrentUser(pub User);

/// The caller by bearer token only (`/api/chatkit`, `/mcp`): a cookie does not count there.
pub struct BearerUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).or_else(|| cookie(&parts.headers));
        Ok(CurrentUser(verify(state, token).await?))
    }
}

impl FromRequestParts<AppState> for BearerUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(BearerUser(verify(state, bearer(&parts.headers)).await?))
    }
}

/// The one mapping from credentials to a user or the error to answer.
async fn verify(state: &AppState, token: Option<String>) -> Result<User, ChatKitError> {
    let token = token.ok_or_else(|| ChatKitError::unauthorized(AuthError::Missing.to_string()))?;
    authenticate(state, &token).await.map_err(|e| match e {
        AuthError::Store => ChatKitError::unavailable(e.to_string()),
        e => ChatKitError::unauthorized(e.to_string()),
    })
}
