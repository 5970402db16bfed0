//! The attachment byte routes beside `/api/chatkit`: the two-phase upload target and the
//! preview/download. Both accept the bearer token or the session cookie and serve the owner
//! only; anyone else's attachment is as unknown as a made-up id.

use axum::body::Body;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use app::attachments::{is_image, DiskAttachments};
use app::chatkit::types::Attachment;
use app::chatkit::ChatKitError;
use app::state::AppState;

use crate::caller::CurrentUser;
use crate::error::ApiError;
use crate::rate_limit::admit;
use app::rate_limit::Bucket;

/// Room for the multipart framing around the file (boundary lines, part headers).
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// The routes, each with its own body limit (the app-wide 1 MiB does not apply to them).
pub fn routes(state: &AppState) -> Router<AppState> {
    let limit = state.attachments.max_bytes() + MULTIPART_OVERHEAD;
    Router::new()
        .route(
            "/api/chatkit/attachments/{id}/upload",
            post(upload).layer(DefaultBodyLimit::max(limit as usize)),
        )
        .route("/api/chatkit/attachments/{id}/preview", get(preview))
}

fn conflict(message: &str) -> ChatKitError {
    ChatKitError::new(409, "conflict", message)
}

/// Refuses (413) an attachment of `incoming` bytes that would take the user's attachments past
/// `MAX_ATTACHMENT_BYTES_PER_USER`.
pub async fn within_quota(state: &AppState, user_id: &str, incoming: u64) -> Result<(), ApiError> {
    let quota = state.config.limits.attachment_bytes_per_user;
    let used = state.attachments.bytes_used(user_id).await?;
    if used.saturating_add(incoming) <= quota {
        return Ok(());
    }
    let mb = |b: u64| format!("{:.1} MB", b as f64 / 1_048_576.0);
    Err(ChatKitError::too_large(format!(
        "Your attachments already take {} of the {} you may keep; delete some chats with \
         attachments before adding more.",
        mb(used),
        mb(quota)
    ))
    .into())
}

/// `POST …/{id}/upload`: multipart with a `file` field, as the official client sends it.
async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Attachment>, ApiError> {
    admit(&state, Bucket::Attachments, &user.id).await?;
    let store = state.chatkit.store();
    let mut attachment = store.load_attachment(&user.id, &id).await?;
    if attachment.upload_descriptor.is_none() {
        return Err(conflict("this attachment has already been uploaded").into());
    }
    let allowed = DiskAttachments::declared_size(&attachment)
        .unwrap_or(u64::MAX)
        .min(state.attachments.max_bytes());
    // A body announced as too large is refused before a byte of it is read.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > allowed + MULTIPART_OVERHEAD) {
        return Err(ChatKitError::too_large(format!(
            "the upload is larger than the {allowed} bytes allowed for this file"
        ))
        .into());
    }
    within_quota(&state, &user.id, allowed).await?;
    let mut multipart = multipart.map_err(|e| ChatKitError::bad_request(e.body_text()))?;
    let mut bytes = state
        .attachments
        .begin_upload(&user.id, &attachment)
        .await?;
    loop {
        let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? else {
            return Err(ChatKitError::invalid("the upload has no `file` field").into());
        };
        if field.name() != Some("file") {
            continue;
        }
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            bytes.write(&chunk).await?;
        }
        break;
    }
    bytes.finish().await?;
    attachment.upload_descriptor = None;
    store.save_attachment(&user.id, &attachment).await?;
    Ok(Json(attachment))
}

fn multipart_error(e: MultipartError) -> ChatKitError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ChatKitError::too_large("the upload is larger than allowed")
    } else {
        ChatKitError::bad_request(format!(
            "the upload is not valid multipart: {}",
            e.body_text()
        ))
    }
}

/// `GET …/{id}/preview`: the bytes with their stored type, inline for images and as a download
/// otherwise, under a CSP that lets nothing in them run.
async fn preview(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CurrentUser(user): CurrentUser,
    req: Request,
) -> Result<Response, ApiError> {
    let attachment = state.chatkit.store().load_attachment(&user.id, &id).await?;
    let path = state
        .attachments
        .path(&user.id, &id)
        .filter(|_| attachment.upload_descriptor.is_none())
        .ok_or_else(|| ChatKitError::not_found("attachment"))?;
    let res = match ServeFile::new(&path).oneshot(req).await {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    };
    if res.status() == StatusCode::NOT_FOUND {
        return Err(ChatKitError::not_found("attachment").into());
    }
    let mut res = res.into_response();
    let h = res.headers_mut();
    let content_type = if attachment.mime_type.starts_with("text/") {
        format!("{}; charset=utf-8", attachment.mime_type)
    } else {
        attachment.mime_type.clone()
    };
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_DISPOSITION, disposition(&attachment));
    // The bytes never change once uploaded; only their owner's browser may keep them.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(res)
}

/// `inline` for images, `attachment` otherwise, with the name as ASCII and as UTF-8.
fn disposition(a: &Attachment) -> HeaderValue {
    let kind = if is_image(&a.mime_type) {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = a
        .name
        .chars()
        .map(|c| match c {
            ' ' => ' ',
            '"' | '\\' => '_',
            c if c.is_ascii_graphic() => c,
            _ => '_',
        })
        .collect();
    let utf8 = app::url::encode(&a.name).replace('/', "%2F");
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}
