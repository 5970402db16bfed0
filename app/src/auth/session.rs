//! Who is asking: the bearer token (API clients, the page's API token) or the session cookie
//! (pages, its session checked on every use), verified and turned into a user.

use http::header::{AUTHORIZATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue};
use leptos::prelude::*;

use super::token::{Claims, API_TYPE, SESSION_TYPE};
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

/// The session cookie's token.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    super::request_cookie(headers, COOKIE_NAME)
}

/// The user of a bearer token: another service's token (provisioning a new `sub`), the
/// CLI's, or the page's API token while its session lives. The session cookie's own token is
/// refused here, so a copied cookie is no API credential.
pub async fn authenticate_bearer(state: &AppState, token: &str) -> Result<User, AuthError> {
    let claims = verify(state, token)?;
    match (claims.typ.as_deref(), claims.sid.as_deref()) {
        (Some(SESSION_TYPE), _) => Err(AuthError::Invalid(
            "a session cookie is not an API token: use the page's API token".into(),
        )),
        (Some(API_TYPE), Some(sid)) => live_session(state, sid, &claims.sub).await,
        (Some(API_TYPE), None) => Err(AuthError::Invalid("the token names no session".into())),
        _ => {
            let email = claims.email.as_deref().map(|e| e.trim().to_lowercase());
            state
                .db
                .ensure_user(&claims.sub, email.as_deref(), claims.name.as_deref())
                .await
                .map_err(|_| AuthError::Store)
        }
    }
}

/// The user and session id of a session cookie: only our session token, while its session
/// is neither signed out nor expired.
pub async fn authenticate_cookie(
    state: &AppState,
    token: &str,
) -> Result<(User, String), AuthError> {
    let claims = verify(state, token)?;
    match (claims.typ.as_deref(), claims.sid) {
        (Some(SESSION_TYPE), Some(sid)) => {
            let user = live_session(state, &sid, &claims.sub).await?;
            Ok((user, sid))
        }
        _ => Err(AuthError::Invalid("not a session: sign in again".into())),
    }
}

fn verify(state: &AppState, token: &str) -> Result<Claims, AuthError> {
    state
        .keys
        .verify(token)
        .map_err(|e| AuthError::Invalid(e.to_string()))
}

async fn live_session(state: &AppState, sid: &str, user_id: &str) -> Result<User, AuthError> {
    match state.db.session_user(sid, user_id).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(AuthError::Invalid(
            "this session has ended: sign in again".into(),
        )),
        Err(_) => Err(AuthError::Store),
    }
}

/// The user and session id behind the page's session cookie, if any (for server functions).
pub async fn page_session() -> Result<Option<(User, String)>, AppError> {
    let state = expect_context::<AppState>();
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Ok(None);
    };
    let Some(token) = cookie(&parts.headers) else {
        return Ok(None);
    };
    match authenticate_cookie(&state, &token).await {
        Ok(found) => Ok(Some(found)),
        Err(AuthError::Store) => Err(AppError::Server("account store unavailable".into())),
        Err(_) => Ok(None),
    }
}

/// The user behind the page's session cookie, if any.
pub async fn page_user() -> Result<Option<User>, AppError> {
    Ok(page_session().await?.map(|(user, _)| user))
}

/// The client's address, for per-address limits: the connection's peer, or behind a proxy
/// (`TRUST_FORWARDED_FOR=1`) the last `X-Forwarded-For` entry, the one our proxy wrote.
pub fn client_address(state: &AppState) -> String {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return "unknown".into();
    };
    if state.config.limits.trust_forwarded_for {
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|a| !a.is_empty());
        if let Some(a) = forwarded {
            return a.to_string();
        }
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
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

/// Opens a server-side session and sets its HttpOnly, SameSite=Lax cookie.
pub async fn start(state: &AppState, user: &User) -> Result<(), AppError> {
    let ttl = state.config.session_ttl_secs;
    let sid = state.db.create_session(&user.id, ttl).await?;
    let token =
        state
            .keys
            .issue_in_session(&user.id, user.email.as_deref(), ttl, SESSION_TYPE, &sid);
    set_cookie(format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl}{}",
        secure_flag()
    ));
    Ok(())
}

/// Clears the session cookie (the caller has ended the session on the server).
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
        if let AppError::RateLimited {
            retry_after_secs, ..
        } = &e
        {
            res.insert_header(
                http::header::RETRY_AFTER,
                HeaderValue::from(*retry_after_secs),
            );
        }
        res.set_status(match &e {
            AppError::Invalid(_) => http::StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => http::StatusCode::UNAUTHORIZED,
            AppError::NotFound => http::StatusCode::NOT_FOUND,
            AppError::Conflict(_) => http::StatusCode::CONFLICT,
            AppError::RateLimited { .. } => http::StatusCode::TOO_MANY_REQUESTS,
            AppError::Server(_) => http::StatusCode::INTERNAL_SERVER_ERROR,
        });
    }
    e
}
