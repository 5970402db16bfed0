//! `GET /metrics`: the registry of `app::metrics` in the Prometheus text format, the database
//! pool read at scrape time; who may read it is `METRICS` (off, loopback, bearer:<token>).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use app::auth::session::bearer;
use app::metrics::{render, Access, PoolUse};
use app::state::AppState;

pub async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    // The TCP peer, never `X-Forwarded-For`: behind a proxy, that header is the client's word.
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let token = bearer(req.headers());
    match state.config.metrics.allows(peer, token.as_deref()) {
        Access::Granted => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            )],
            render(PoolUse::of(&state.db)),
        )
            .into_response(),
        Access::Hidden => (StatusCode::NOT_FOUND, "not found\n").into_response(),
        Access::Forbidden => (
            StatusCode::FORBIDDEN,
            "metrics are served to loopback peers only\n",
        )
            .into_response(),
        Access::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            "metrics need the bearer token\n",
        )
            .into_response(),
    }
}
