//! `/mcp`: the task tools for outside MCP clients over streamable HTTP, behind the same bearer
//! JWT as `/api/chatkit`; the verified user is handed to the MCP session, never taken from args.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;

use app::rate_limit::Bucket;
use app::state::AppState;
use app::tools::mcp::{http_service, McpUser};

use crate::caller::BearerUser;
use crate::error::ApiError;
use crate::rate_limit::admit;

/// The `/mcp` route, ready to merge into the app router.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route_service("/mcp", http_service(state.db.clone()))
        .layer(middleware::from_fn_with_state(state.clone(), require_user))
}

/// MCP clients get the refusal as `{"error": message}`: a 401 with `WWW-Authenticate: Bearer`,
/// or a 429 with `Retry-After` once the user's `/mcp` allowance is spent.
async fn require_user(
    State(state): State<AppState>,
    user: Result<BearerUser, ApiError>,
    mut req: Request,
    next: Next,
) -> Response {
    let user = match user {
        // The session's closing DELETE and the stream GET are not counted, only POSTs.
        Ok(BearerUser(user)) if req.method() == Method::POST => {
            admit(&state, Bucket::Mcp, &user.id).await.map(|()| user)
        }
        Ok(BearerUser(user)) => Ok(user),
        Err(e) => Err(e),
    };
    let (error, retry_after) = match user {
        Ok(user) => {
            req.extensions_mut().insert(McpUser(user.id));
            return next.run(req).await;
        }
        Err(e) => {
            let retry_after = e.retry_after_secs();
            (e.error, retry_after)
        }
    };
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, Json(json!({"error": error.message}))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if let Some(s) = retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    res
}
