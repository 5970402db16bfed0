#![recursion_limit = "512"]
//! The HTTP surface: the ChatKit endpoint, health, server functions and the Leptos pages,
//! all sharing one `AppState`.

mod api;
mod attachments;
mod caller;
pub mod cli;
mod error;
mod mcp;
mod metrics;
pub mod observe;
pub mod rate_limit;
pub mod security;

use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list_with_exclusions_and_ssg_and_context, LeptosRoutes};

use app::state::AppState;
use app::{shell, App};

pub use api::MAX_BODY_BYTES;

/// Leptos options: cargo-leptos's environment when it launched us, else the workspace defaults.
pub fn leptos_options() -> LeptosOptions {
    if std::env::var("LEPTOS_OUTPUT_NAME").is_ok() {
        if let Ok(conf) = get_configuration(None) {
            return conf.leptos_options;
        }
    }
    let addr: std::net::SocketAddr = std::env::var("LEPTOS_SITE_ADDR")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| "127.0.0.1:3000".parse().expect("valid address"));
    LeptosOptions::builder()
        .output_name("todokit")
        .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

pub fn router(state: AppState) -> Router {
    let page_state = state.clone();
    // Listing the routes renders the app once; its session resource needs the state too.
    let list_state = state.clone();
    let (routes, _) =
        generate_route_list_with_exclusions_and_ssg_and_context(App, None, move || {
            provide_context(list_state.clone())
        });
    let fn_state = state.clone();
    let limited = Router::new()
        .route("/api/chatkit", post(api::chatkit))
        .route("/api/chatkit/health", get(api::health))
        .route("/api/tasks/events", get(api::task_events))
        .route("/metrics", get(metrics::metrics))
        .merge(mcp::routes(&state))
        .route(
            "/api/{*fn_name}",
            post(move |req| api::server_fn(fn_state.clone(), req)).get(api::not_found),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(page_state.clone());
                provide_nonce_from_request();
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_nonce_from_request, shell))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ));
    // Attachment uploads carry their own, larger limit, so they sit beside the 1 MiB one.
    Router::new()
        .merge(attachments::routes(&state))
        .merge(limited)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::sign_in_gate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        // Outermost: every request, refusals included, runs in its span and gets an id.
        .layer(axum::middleware::from_fn(observe::request_span))
        .with_state(state)
}

/// Hands the nonce of `security::headers`' CSP to Leptos for its inline scripts.
fn provide_nonce_from_request() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<security::CspNonce>().cloned());
    if let Some(n) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(n.0));
    }
}
