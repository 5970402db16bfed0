//! Response hardening and CSRF: security headers (a per-request CSP nonce shared with Leptos'
//! inline hydration script) on every response, and an Origin check on every non-GET request.

use app::auth::{self, session};
use app::chatkit::ChatKitError;
use app::state::AppState;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

use crate::error::ApiError;

/// The nonce of this request's inline scripts; the page shell hands it to Leptos.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Adds the CSP (with a fresh nonce) unless the handler set one, nosniff, Referrer-Policy and
/// framing headers.
pub async fn headers(mut req: Request, next: Next) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    let h = res.headers_mut();
    // A handler's own policy is stricter (attachment bytes: `sandbox`); keep it.
    if let (Ok(v), false) = (
        HeaderValue::from_str(&csp),
        h.contains_key(header::CONTENT_SECURITY_POLICY),
    ) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// `scheme://host[:port]` → `host[:port]`; `None` for `null` or anything unparsable.
fn authority(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    let end = rest.find('/').unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty())
}

/// Whether a state-changing request comes from a page of ours: its Origin (or Referer) names
/// the `Host` it was sent to, or `PUBLIC_URL` (behind a proxy that rewrites `Host`). Requests
/// without Origin and Referer (curl, API clients with bearer tokens) carry no ambient browser
/// credentials risk.
pub fn same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(from) = from else {
        return true;
    };
    let Some(from_authority) = authority(from) else {
        return false;
    };
    let public = public_url.and_then(|u| Some((scheme(u)?, authority(u)?)));
    host.is_some_and(|h| from_authority.eq_ignore_ascii_case(h))
        || public.is_some_and(|(s, a)| {
            scheme(from).is_some_and(|f| f.eq_ignore_ascii_case(s))
                && from_authority.eq_ignore_ascii_case(a)
        })
}

/// `scheme://…` → `scheme`.
fn scheme(url: &str) -> Option<&str> {
    url.split_once("://").map(|(s, _)| s)
}

/// Rejects cross-site non-GET requests with 403 before any handler runs.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || same_origin(req.headers(), state.config.public_url.as_deref()) {
        return next.run(req).await;
    }
    ApiError::from(ChatKitError::new(
        403,
        "forbidden",
        "cross-site request refused",
    ))
    .into_response()
}

/// Page-level sign-in: a protected page without a valid session cookie answers 303 to
/// `/signin?next=…` before any rendering (works without JavaScript); a signed-in user asking
/// for the sign-in or sign-up page goes where they were headed instead.
pub async fn sign_in_gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let protected = auth::is_protected(path);
    let auth_page = matches!(path, "/signin" | "/signup");
    if !protected && !auth_page {
        return next.run(req).await;
    }
    let user = match session::cookie(req.headers()) {
        Some(token) => session::authenticate_cookie(&state, &token).await.ok(),
        None => None,
    };
    match (user.is_some(), protected) {
        (false, true) => {
            let here = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or(path);
            Redirect::to(&auth::sign_in_url(here)).into_response()
        }
        (true, false) => {
            let query = Query::<HashMap<String, String>>::try_from_uri(req.uri()).ok();
            let next = query
                .as_ref()
                .and_then(|q| q.get("next"))
                .map(String::as_str);
            Redirect::to(auth::safe_next(next)).into_response()
        }
        _ => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn origin_must_match_the_host() {
        let same = |pairs: &[(&'static str, &str)]| same_origin(&h(pairs), None);
        assert!(same(&[("host", "a.test:3000")]));
        assert!(same(&[
            ("host", "a.test:3000"),
            ("origin", "http://a.test:3000")
        ]));
        assert!(!same(&[
            ("host", "a.test:3000"),
            ("origin", "http://evil.test")
        ]));
        assert!(!same(&[("host", "a.test"), ("origin", "null")]));
        assert!(!same(&[
            ("host", "a.test"),
            ("referer", "https://evil.test/x")
        ]));
        assert!(same(&[
            ("host", "a.test"),
            ("referer", "https://a.test/tasks?x=1")
        ]));
    }

    #[test]
    fn origin_may_name_the_public_url_behind_a_proxy() {
        let public = Some("https://todo.example.com");
        let proxied = |origin: &str| {
            same_origin(
                &h(&[("host", "127.0.0.1:3000"), ("origin", origin)]),
                public,
            )
        };
        assert!(proxied("https://todo.example.com"));
        assert!(proxied("https://TODO.example.com"));
        assert!(!proxied("http://todo.example.com"), "another scheme");
        assert!(!proxied("https://todo.example.com.evil.test"));
        assert!(!proxied("https://evil.test"));
        let with_port = Some("https://todo.example.com:8443");
        let r = h(&[
            ("host", "backend"),
            ("origin", "https://todo.example.com:8443"),
        ]);
        assert!(same_origin(&r, with_port));
        let r = h(&[("host", "backend"), ("origin", "https://todo.example.com")]);
        assert!(!same_origin(&r, with_port));
    }
}
