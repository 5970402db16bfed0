//! `/mcp`: the task tools for outside MCP clients over streamable HTTP, behind the same bearer
//! JWT as `/api/chatkit`; the verified user is handed to the MCP session, never taken from args.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;

use app::state::AppState;
use app::tools::mcp::{http_service, McpUser};

use crate::caller::BearerUser;
use crate::error::ApiError;

/// The `/mcp` route, ready to merge into the app router.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route_service("/mcp", http_service(state.db.clone()))
        .layer(middleware::from_fn_with_state(state.clone(), require_user))
}

/// MCP clients get the refusal as `{"error": message}`, a 401 with `WWW-Authenticate: Bearer`.
async fn require_user(
    user: Result<BearerUser, ApiError>,
    mut req: Request,
    next: Next,
) -> Response {
    let error = match user {
        Ok(BearerUser(user)) => {
            req.extensions_mut().insert(McpUser(user.id));
            return next.run(req).await;
        }
        Err(ApiError { error, .. }) => error,
    };
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, Json(json!({"error": error.message}))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    res
}
