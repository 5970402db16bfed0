//! Who is calling an API route: one check from credentials to a user, as axum extractors that
//! refuse with 401 (no or bad credentials) or 503 (the account store is down). The user's id
//! goes on the request's log span.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use app::auth::session::{authenticate_bearer, authenticate_cookie, bearer, cookie, AuthError};
use app::chatkit::ChatKitError;
use app::state::AppState;
use app::store::User;

use crate::error::ApiError;

/// The caller by bearer token (API clients, our panel) or session cookie (pages, `<img>`,
/// `EventSource`, which cannot send headers): the task feed and the attachment bytes. A bearer
/// token, when sent, decides; the cookie only counts as a live session's.
pub struct CurrentUser(pub User);

/// The caller by bearer token only (`/api/chatkit`, `/mcp`): a cookie does not count there.
pub struct BearerUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = match (bearer(&parts.headers), cookie(&parts.headers)) {
            (Some(token), _) => authenticate_bearer(state, &token).await,
            (None, Some(token)) => authenticate_cookie(state, &token).await.map(|(u, _)| u),
            (None, None) => Err(AuthError::Missing),
        };
        let user = user.map_err(refusal)?;
        crate::observe::record("user_id", &user.id);
        Ok(CurrentUser(user))
    }
}

impl FromRequestParts<AppState> for BearerUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = match bearer(&parts.headers) {
            Some(token) => authenticate_bearer(state, &token).await,
            None => Err(AuthError::Missing),
        };
        let user = user.map_err(refusal)?;
        crate::observe::record("user_id", &user.id);
        Ok(BearerUser(user))
    }
}

/// The one mapping from a failed check to the error to answer.
fn refusal(e: AuthError) -> ApiError {
    match e {
        AuthError::Store => ChatKitError::unavailable(e.to_string()),
        e => ChatKitError::unauthorized(e.to_string()),
    }
    .into()
}
