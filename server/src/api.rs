//! JSON/SSE routes: `POST /api/chatkit` (bearer token → engine), the per-user task change feed
//! and the health report; every refusal is an `ApiError`.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use leptos::prelude::provide_context;
use serde_json::json;

use app::chatkit::types::ChatKitRequest;
use app::chatkit::{ChatKitError, ProcessResult};
use app::metrics::OpenStream;
use app::state::AppState;

use crate::caller::{BearerUser, CurrentUser};
use crate::error::ApiError;
use crate::rate_limit::{admit_request, refused};

/// Largest request body accepted anywhere (a 16 000-character message is well under it).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

fn first_language(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let tag = v.split(',').next()?.split(';').next()?.trim();
    (!tag.is_empty() && tag != "*").then(|| tag.to_string())
}

/// The origin clients reach us at, for absolute URLs in answers: `PUBLIC_URL`, else the request's
/// `Host` with `X-Forwarded-Proto` (or http). `None` (root-relative URLs) for an odd `Host`.
pub fn public_origin(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(url) = &state.config.public_url {
        return Some(url.clone());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    if !plain {
        return None;
    }
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|s| *s == "https")
        .unwrap_or("http");
    Some(format!("{scheme}://{host}"))
}

/// `POST /api/chatkit`: the bearer token's user, the body parsed once, the per-user limits on
/// the parsed request (and the attachment quota), then the engine: one JSON answer or an SSE
/// stream.
pub async fn chatkit(
    State(state): State<AppState>,
    BearerUser(user): BearerUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let started = std::time::Instant::now();
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ChatKitError::too_large("the request body is too large"),
        _ => ChatKitError::bad_request(e.body_text()),
    })?;
    let request = ChatKitRequest::parse(&body).map_err(ChatKitError::from)?;
    crate::observe::record("request_type", request.kind());
    // A turn's wait for its first frame is timed; a resume's replay is not a turn.
    let first_event_from = request.starts_turn().then_some(started);
    admit_request(&state, &user.id, &request).await?;
    if let ChatKitRequest::CreateAttachment(p) = &request {
        crate::attachments::within_quota(&state, &user.id, u64::try_from(p.size).unwrap_or(0))
            .await?;
    }
    let answer = state
        .chatkit
        .process(
            request,
            &user.id,
            first_language(&headers),
            public_origin(&state, &headers),
        )
        .await?;
    Ok(match answer {
        ProcessResult::Json(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        ProcessResult::Stream(rx) => {
            // Rides in the stream's state: counted open until the response body is dropped.
            let open = OpenStream::open("chat", first_event_from);
            sse(futures::stream::unfold(
                (rx, open),
                |(mut rx, mut open)| async move {
                    let frame = rx.recv().await?;
                    open.frame();
                    Some((Ok::<_, Infallible>(Bytes::from(frame)), (rx, open)))
                },
            ))
        }
    })
}

/// A `text/event-stream` response that proxies do not buffer.
fn sse(
    frames: impl futures::Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-accel-buffering", "no")
        .body(Body::from_stream(frames))
        .expect("static headers are valid")
}

/// How often an idle change feed sends a comment, so proxies keep it open.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(25);

/// `GET /api/tasks/events`: `data: changed` whenever the caller's tasks change through this
/// instance (a page, the chat, an MCP client); the tasks page refetches on it. No task data
/// goes through the feed, only the nudge. A user holds at most `TASK_FEEDS_PER_USER` open
/// at once (429 above); a closed connection frees its slot.
pub async fn task_events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, ApiError> {
    let slot = state.limiter.open_feed(&user.id).map_err(refused)?;
    let changes = state.db.task_changes();
    let open = OpenStream::open("task_feed", None);
    let hello = futures::stream::once(async { Ok(Bytes::from_static(b": listening\n\n")) });
    // The slot (and the open-stream count) rides in the stream's state: freed when the
    // response body is dropped.
    let nudges = futures::stream::unfold(
        (changes, user.id, (slot, open)),
        |(mut rx, uid, slot)| async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                let frame: &'static [u8] = match tokio::time::timeout(KEEP_ALIVE, rx.recv()).await {
                    Err(_) => b": keep-alive\n\n",
                    Ok(Ok(u)) if u == uid => b"data: changed\n\n",
                    Ok(Ok(_)) => continue,
                    // Missed some: one nudge covers them all.
                    Ok(Err(RecvError::Lagged(_))) => b"data: changed\n\n",
                    Ok(Err(RecvError::Closed)) => return None,
                };
                return Some((Ok(Bytes::from_static(frame)), (rx, uid, slot)));
            }
        },
    );
    Ok(sse(futures::StreamExt::chain(hello, nudges)))
}

pub async fn health(State(state): State<AppState>) -> Response {
    let db_ok = state.db.ping().await.is_ok();
    let body = json!({
        "status": if db_ok { "ok" } else { "degraded" },
        "database": state.db.kind(),
        "agent": state.agent.describe(),
        // The panel shows its microphone only when speech can be transcribed.
        "speech_input": state.agent.transcriber.is_some(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

pub async fn server_fn(state: AppState, req: Request) -> Response {
    leptos_axum::handle_server_fns_with_context(move || provide_context(state.clone()), req)
        .await
        .into_response()
}

pub async fn not_found() -> ApiError {
    ChatKitError::new(404, "not_found", "no such endpoint").into()
}
