//! Who is asking: the bearer token (API clients) or the session cookie (pages), verified and
//! turned into a user. A valid token for an unknown `sub` provisions that user.

use http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue};
use leptos::prelude::*;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::User;

pub const COOKIE_NAME: &str = "todokit_session";

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials: send Authorization: Bearer <token>")]
    Missing,
    #[error("{0}")]
    Invalid(String),
    #[error("account store unavailable")]
    Store,
}

pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';').find_map(|kv| {
                let (k, val) = kv.trim().split_once('=')?;
                (k == COOKIE_NAME && !val.is_empty()).then(|| val.to_string())
            })
        })
}

/// Verifies a token and returns its user, creating one for a new `sub`.
pub async fn authenticate(state: &AppState, token: &str) -> Result<User, AuthError> {
    let claims = state
        .keys
        .verify(token)
        .map_err(|e| AuthError::Invalid(e.to_string()))?;
    let email = claims.email.as_deref().map(|e| e.trim().to_lowercase());
    state
        .db
        .ensure_user(&claims.sub, email.as_deref(), claims.name.as_deref())
        .await
        .map_err(|_| AuthError::Store)
}

/// The user behind the page's session cookie, if any (for server functions).
pub async fn page_user() -> Result<Option<User>, AppError> {
    let state = expect_context::<AppState>();
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Ok(None);
    };
    let Some(token) = cookie(&parts.headers) else {
        return Ok(None);
    };
    match authenticate(&state, &token).await {
        Ok(u) => Ok(Some(u)),
        Err(AuthError::Store) => Err(AppError::Server("account store unavailable".into())),
        Err(_) => Ok(None),
    }
}

/// Like [`page_user`], but signing in is required.
pub async fn require_user() -> Result<User, AppError> {
    page_user().await?.ok_or(AppError::Unauthorized)
}

fn set_cookie(value: String) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(v) = HeaderValue::from_str(&value) {
            res.append_header(SET_COOKIE, v);
        }
    }
}

fn secure_flag() -> &'static str {
    if std::env::var("COOKIE_SECURE")
        .map(|v| v == "1" || v == "true")
        .unwrap_or(false)
    {
        "; Secure"
    } else {
        ""
    }
}

/// Sets the HttpOnly, SameSite=Lax session cookie.
pub fn start(state: &AppState, user: &User) {
    let ttl = state.config.session_ttl_secs;
    let token = state.keys.issue(&user.id, user.email.as_deref(), ttl);
    set_cookie(format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl}{}",
        secure_flag()
    ));
}

pub fn end() {
    set_cookie(format!(
        "{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure_flag()
    ));
}

pub fn normalize_email(email: &str) -> Result<String, AppError> {
    let e = email.trim().to_lowercase();
    let valid = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !e.chars().any(char::is_whitespace);
    if valid {
        Ok(e)
    } else {
        Err(AppError::Invalid(
            "Please enter a valid email address.".into(),
        ))
    }
}

/// Sets the status matching a server function's error (401, 404, 422…) for API callers.
/// Plain form posts keep the framework's redirect back to the page, which shows the error.
pub fn fail(e: impl Into<AppError>) -> AppError {
    let e = e.into();
    let plain_form = use_context::<http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    if let (false, Some(res)) = (plain_form, use_context::<leptos_axum::ResponseOptions>()) {
        res.set_status(match &e {
            AppError::Invalid(_) => http::StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => http::StatusCode::UNAUTHORIZED,
            AppError::NotFound => http::StatusCode::NOT_FOUND,
            AppError::Conflict(_) => http::StatusCode::CONFLICT,
            AppError::RateLimited => http::StatusCode::TOO_MANY_REQUESTS,
            AppError::Server(_) => http::StatusCode::INTERNAL_SERVER_ERROR,
        });
    }
    e
}
