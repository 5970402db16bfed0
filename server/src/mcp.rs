//! `/mcp`: the task tools for outside MCP clients over streamable HTTP, behind the same bearer
//! JWT as `/api/chatkit`; the verified user is handed to the MCP session, never taken from args.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;

use app::auth::session::{authenticate, bearer, AuthError};
use app::state::AppState;
use app::tools::mcp::{http_service, McpUser};

/// The `/mcp` route, ready to merge into the app router.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route_service("/mcp", http_service(state.db.clone()))
        .layer(middleware::from_fn_with_state(state.clone(), require_user))
}

async fn require_user(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let refused = |status: StatusCode, message: String| {
        (
            status,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": message})),
        )
            .into_response()
    };
    let Some(token) = bearer(req.headers()) else {
        return refused(StatusCode::UNAUTHORIZED, AuthError::Missing.to_string());
    };
    match authenticate(&state, &token).await {
        Ok(user) => {
            req.extensions_mut().insert(McpUser(user.id));
            next.run(req).await
        }
        Err(AuthError::Store) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "account store unavailable"})),
        )
            .into_response(),
        Err(e) => refused(StatusCode::UNAUTHORIZED, e.to_string()),
    }
}
