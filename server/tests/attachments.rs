//! Attachments over real HTTP on loopback: `attachments.create`, the multipart upload to the
//! descriptor's URL, the preview route, messages carrying attachments, and deletes.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use app::agent::offline::OfflineAssistant;
use common::llm::{text_reply, ScriptedLlm};
use common::*;
use serde_json::{json, Value};

/// A valid 1×1 RGBA PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

const BOUNDARY: &str = "todokit-test-boundary";

/// A multipart body with one `file` field, as the official client sends it.
fn form(file_name: &str, mime: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: {mime}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

trait AttachmentApi {
    async fn create(&self, token: &str, name: &str, size: i64, mime: &str) -> Reply;
    async fn create_ok(&self, token: &str, name: &str, size: i64, mime: &str) -> Value;
    async fn upload(&self, token: Option<&str>, url: &str, bytes: &[u8]) -> Reply;
    async fn preview(&self, token: Option<&str>, id: &str) -> reqwest::Response;
    async fn delete(&self, token: &str, id: &str) -> Reply;
    async fn upload_path(&self, token: Option<&str>, id: &str, bytes: &[u8]) -> Reply;
}

impl AttachmentApi for TestApp {
    async fn create(&self, token: &str, name: &str, size: i64, mime: &str) -> Reply {
        self.post(token, req::create_attachment(name, size, mime))
            .await
    }

    async fn create_ok(&self, token: &str, name: &str, size: i64, mime: &str) -> Value {
        let r = self.create(token, name, size, mime).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    async fn upload(&self, token: Option<&str>, url: &str, bytes: &[u8]) -> Reply {
        let mut req = self
            .http
            .post(url)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(form("upload.bin", "application/octet-stream", bytes));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::read(req.send().await.unwrap()).await
    }

    async fn upload_path(&self, token: Option<&str>, id: &str, bytes: &[u8]) -> Reply {
        let url = self.url(&app::attachments::upload_path(id));
        self.upload(token, &url, bytes).await
    }

    async fn preview(&self, token: Option<&str>, id: &str) -> reqwest::Response {
        let mut req = self.http.get(self.url(&app::attachments::preview_path(id)));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    async fn delete(&self, token: &str, id: &str) -> Reply {
        self.post(token, req::delete_attachment(id)).await
    }
}

/// Where the bytes of an attachment live.
fn stored(app: &TestApp, user_id: &str, id: &str) -> PathBuf {
    app.state
        .config
        .data_dir
        .join("attachments")
        .join(user_id)
        .join(id)
}

/// The files in a user's attachment folder (finished or partial).
fn files_of(app: &TestApp, user_id: &str) -> Vec<String> {
    let dir = app.state.config.data_dir.join("attachments").join(user_id);
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// An object's keys in the order they were written.
fn keys_of(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn id_of(attachment: &Value) -> String {
    attachment["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_image_goes_from_create_to_upload_to_a_message_and_is_deleted_with_its_bytes() {
    let app = spawn_app().await;
    let (user_id, token) = app.user().await;

    let r = app
        .create(&token, "pixel.png", PNG.len() as i64, "image/png")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.content_type, "application/json");
    let created = r.json();
    let id = id_of(&created);
    assert!(id.starts_with("atc_") && id.len() == 4 + 32, "{id}");
    // The SDK's field order, no metadata, absolute URLs of our routes.
    let keys = keys_of(&created);
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "mime_type",
            "upload_descriptor",
            "type",
            "preview_url"
        ]
    );
    let upload_url = app.url(&format!("/api/chatkit/attachments/{id}/upload"));
    let preview_url = app.url(&format!("/api/chatkit/attachments/{id}/preview"));
    assert_eq!(
        created["upload_descriptor"],
        json!({"url": upload_url, "method": "POST", "headers": {}})
    );
    assert_eq!(created["type"], "image");
    assert_eq!(created["preview_url"], preview_url.as_str());

    // Nothing to show before the upload.
    assert_eq!(app.preview(Some(&token), &id).await.status(), 404);

    let r = app.upload(Some(&token), &upload_url, PNG).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"id": id, "name": "pixel.png", "mime_type": "image/png", "type": "image", "preview_url": preview_url})
    );
    assert_eq!(std::fs::read(stored(&app, &user_id, &id)).unwrap(), PNG);

    let res = app.preview(Some(&token), &id).await;
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["cache-control"].to_str().unwrap().starts_with("private"));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    // The page's session cookie works too (an <img> sends no bearer token).
    let res = app
        .http
        .get(&preview_url)
        .header("cookie", app.session_cookie(&user_id).await)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let r = app
        .post(&token, req::create_with("add buy milk", &[&id]))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let events = r.events();
    let thread_id = events[0]["thread"]["id"].as_str().unwrap().to_string();
    let embedded = json!({"id": id, "name": "pixel.png", "mime_type": "image/png", "thread_id": thread_id, "type": "image", "preview_url": preview_url});
    assert_eq!(events[1]["item"]["attachments"], json!([embedded]));

    let r = app.get_thread(&token, &thread_id).await;
    let thread = r.json();
    let user_item = &thread["items"]["data"][0];
    assert_eq!(user_item["type"], "user_message");
    assert_eq!(user_item["attachments"], json!([embedded]));
    // Key order of the embedded attachment, as the SDK writes it.
    let keys = keys_of(&user_item["attachments"][0]);
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "mime_type",
            "thread_id",
            "type",
            "preview_url"
        ]
    );

    let r = app.delete(&token, &id).await;
    assert_eq!((r.status, r.body.as_str()), (200, "{}"));
    assert_eq!(app.preview(Some(&token), &id).await.status(), 404);
    assert!(!stored(&app, &user_id, &id).exists(), "the bytes are gone");
    assert_eq!(app.delete(&token, &id).await.status, 404);
}

#[tokio::test]
async fn a_file_is_a_download_and_mime_parameters_are_dropped() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let text = "# Groceries\n- milk\n";
    let created = app
        .create_ok(
            &token,
            "list é.md",
            text.len() as i64,
            "Text/Markdown; charset=utf-8",
        )
        .await;
    let keys = keys_of(&created);
    assert_eq!(
        keys,
        ["id", "name", "mime_type", "upload_descriptor", "type"]
    );
    assert_eq!(created["mime_type"], "text/markdown");
    assert_eq!(created["type"], "file");
    let id = id_of(&created);

    let url = created["upload_descriptor"]["url"].as_str().unwrap();
    let r = app.upload(Some(&token), url, text.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json().get("upload_descriptor").is_none());

    let res = app.preview(Some(&token), &id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"list _.md\"; filename*=UTF-8''list%20%C3%A9.md"
    );
    assert_eq!(res.text().await.unwrap(), text);
}

#[tokio::test]
async fn sizes_over_the_limit_are_413_at_create_and_at_upload_and_leave_no_file() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.max_attachment_bytes = 1000
    })
    .await;
    let (user_id, token) = app.user().await;

    let r = app.create(&token, "big.txt", 1001, "text/plain").await;
    assert_eq!(r.status, 413, "{}", r.body);
    let message = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("limit"), "{message}");
    for size in [0, -5] {
        assert_eq!(
            app.create(&token, "empty.txt", size, "text/plain")
                .await
                .status,
            413
        );
    }

    // More bytes than declared.
    let id = id_of(&app.create_ok(&token, "a.txt", 100, "text/plain").await);
    let r = app.upload_path(Some(&token), &id, &[b'x'; 200]).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(files_of(&app, &user_id), Vec::<String>::new());
    // Refused bytes do not spend the attachment: the right ones still go up.
    let r = app.upload_path(Some(&token), &id, &[b'x'; 100]).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // More bytes than the limit, announced (Content-Length) …
    let id = id_of(&app.create_ok(&token, "b.txt", 1000, "text/plain").await);
    let r = app.upload_path(Some(&token), &id, &[b'x'; 100_000]).await;
    assert_eq!(r.status, 413, "{}", r.body);
    // … or streamed without a length.
    let whole = form("b.txt", "text/plain", &[b'x'; 1200]);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        whole.chunks(400).map(|c| Ok(c.to_vec())).collect();
    let res = app
        .http
        .post(app.url(&app::attachments::upload_path(&id)))
        .bearer_auth(&token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let mut files = files_of(&app, &user_id);
    files.sort();
    assert_eq!(files.len(), 1, "only the finished a.txt: {files:?}");
    assert_eq!(app.preview(Some(&token), &id).await.status(), 404);
}

#[tokio::test]
async fn uploads_are_not_held_to_the_app_wide_1_mib_body_limit() {
    let app = spawn_app().await;
    let (user_id, token) = app.user().await;
    let csv = "a,b\n".repeat(750_000); // 3 MB
    let id = id_of(
        &app.create_ok(&token, "big.csv", csv.len() as i64, "text/csv")
            .await,
    );
    let r = app.upload_path(Some(&token), &id, csv.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let on_disk = std::fs::metadata(stored(&app, &user_id, &id))
        .unwrap()
        .len();
    assert_eq!(on_disk, csv.len() as u64);
}

#[tokio::test]
async fn types_off_the_list_and_bad_names_are_422() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    for mime in ["image/svg+xml", "application/octet-stream", "text/html", ""] {
        let r = app.create(&token, "x", 10, mime).await;
        assert_eq!(r.status, 422, "{mime}: {}", r.body);
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("image/png") && message.contains("application/pdf"),
            "{message}"
        );
    }
    let long = "n".repeat(256);
    for name in ["", "   ", long.as_str(), "two\nlines.txt"] {
        let r = app.create(&token, name, 10, "text/plain").await;
        assert_eq!(r.status, 422, "{name:?}: {}", r.body);
    }
}

#[tokio::test]
async fn an_image_whose_bytes_are_not_that_image_is_422() {
    let app = spawn_app().await;
    let (user_id, token) = app.user().await;
    let id = id_of(&app.create_ok(&token, "pixel.png", 100, "image/png").await);
    for bytes in [
        &b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"[..],
        b"GIF89a\x01\x00",
    ] {
        let r = app.upload_path(Some(&token), &id, bytes).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("image/png"), "{}", r.body);
    }
    assert_eq!(files_of(&app, &user_id), Vec::<String>::new());
    assert_eq!(app.upload_path(Some(&token), &id, PNG).await.status, 200);
}

#[tokio::test]
async fn another_users_attachment_is_not_found_anywhere_and_nothing_names_it() {
    let app = spawn_app().await;
    let (alice_id, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let id = id_of(
        &app.create_ok(&alice, "secret.png", PNG.len() as i64, "image/png")
            .await,
    );

    let r = app.upload_path(Some(&bob), &id, PNG).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains(&id), "{}", r.body);
    assert!(files_of(&app, &alice_id).is_empty());

    assert_eq!(app.upload_path(Some(&alice), &id, PNG).await.status, 200);
    let res = app.preview(Some(&bob), &id).await;
    assert_eq!(res.status(), 404);
    assert!(!res.text().await.unwrap().contains(&id));
    let r = app.delete(&bob, &id).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains(&id), "{}", r.body);
    let r = app.post(&bob, req::create_with("mine now", &[&id])).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains(&id), "{}", r.body);
    let threads = app
        .post(&bob, req::list_threads(Default::default()))
        .await
        .json();
    assert_eq!(threads["data"], json!([]), "no thread was left behind");

    // Alice still has it.
    assert_eq!(app.preview(Some(&alice), &id).await.status(), 200);
    assert!(stored(&app, &alice_id, &id).exists());
}

#[tokio::test]
async fn without_credentials_the_byte_routes_answer_401() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let id = id_of(
        &app.create_ok(&token, "pixel.png", PNG.len() as i64, "image/png")
            .await,
    );
    assert_eq!(app.upload_path(None, &id, PNG).await.status, 401);
    assert_eq!(
        app.upload_path(Some("not-a-jwt"), &id, PNG).await.status,
        401
    );
    assert_eq!(app.preview(None, &id).await.status(), 401);
    let r = app
        .post_raw(
            None,
            &req::create_attachment("a.txt", 1, "text/plain").to_string(),
        )
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    for id in ["atc_00000000", "atc_..", "thr_00000000"] {
        assert_eq!(
            app.upload_path(Some(&token), id, PNG).await.status,
            404,
            "{id}"
        );
        assert_eq!(app.preview(Some(&token), id).await.status(), 404, "{id}");
        assert_eq!(app.delete(&token, id).await.status, 404, "{id}");
    }
    let r = app
        .post(&token, req::create_with("x", &["atc_00000000"]))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test]
async fn a_message_needs_uploaded_bytes_and_a_second_upload_is_409() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let id = id_of(
        &app.create_ok(&token, "pixel.png", PNG.len() as i64, "image/png")
            .await,
    );
    let r = app.post(&token, req::create_with("look", &[&id])).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("not been uploaded"), "{}", r.body);

    assert_eq!(app.upload_path(Some(&token), &id, PNG).await.status, 200);
    let r = app.upload_path(Some(&token), &id, PNG).await;
    assert_eq!(r.status, 409, "{}", r.body);

    // An attachment-only message is fine; it then belongs to that conversation.
    let r = app.post(&token, req::create_with("", &[&id])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post(&token, req::create_with("again", &[&id])).await;
    assert_eq!(r.status, 409, "{}", r.body);
}

#[tokio::test]
async fn deleting_a_thread_deletes_its_attachment_bytes() {
    let app = spawn_app().await;
    let (user_id, token) = app.user().await;
    let id = id_of(
        &app.create_ok(&token, "pixel.png", PNG.len() as i64, "image/png")
            .await,
    );
    assert_eq!(app.upload_path(Some(&token), &id, PNG).await.status, 200);
    let (thread_id, _) = {
        let r = app
            .post(&token, req::create_with("keep this", &[&id]))
            .await;
        let events = r.events();
        (
            events[0]["thread"]["id"].as_str().unwrap().to_string(),
            events,
        )
    };
    assert!(stored(&app, &user_id, &id).exists());
    let r = app.post(&token, req::delete_thread(&thread_id)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!stored(&app, &user_id, &id).exists());
    assert_eq!(app.preview(Some(&token), &id).await.status(), 404);
}

#[tokio::test]
async fn the_model_is_told_of_attachments_by_name_and_type() {
    let llm = ScriptedLlm::start().await;
    llm.push(text_reply("Noted."));
    let app = spawn_app_with(llm.model()).await;
    let (_, token) = app.user().await;
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    let id = id_of(
        &app.create_ok(&token, "report.pdf", pdf.len() as i64, "application/pdf")
            .await,
    );
    assert_eq!(app.upload_path(Some(&token), &id, pdf).await.status, 200);
    let r = app
        .post(&token, req::create_with("what is this?", &[&id]))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.events();
    let messages = llm.requests()[0]["messages"].clone();
    let n = messages.as_array().unwrap().len();
    assert_eq!(
        messages[n - 2],
        json!({"role": "user", "content": "what is this?"})
    );
    assert_eq!(
        messages[n - 1],
        json!({"role": "system", "content": "[attached: report.pdf (application/pdf)]"})
    );
}

#[tokio::test]
async fn the_sweep_deletes_attachments_nobody_sent_and_keeps_sent_and_newer_ones() {
    let app = spawn_app().await;
    let (user_id, token) = app.user().await;
    let upload = |name: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            let id = id_of(
                &app.create_ok(&token, name, PNG.len() as i64, "image/png")
                    .await,
            );
            assert_eq!(app.upload_path(Some(&token), &id, PNG).await.status, 200);
            id
        }
    };
    let abandoned = upload("abandoned.png").await;
    let sent = upload("sent.png").await;
    let r = app.post(&token, req::create_with("look", &[&sent])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cutoff = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let newer = upload("newer.png").await;

    // One user's sweep: the hourly one (None) would also reach tests running beside this one.
    let sweep = |cutoff| app.state.sweep_unsent_attachments(cutoff, Some(&user_id));
    assert_eq!(sweep(cutoff).await.unwrap(), 1);
    assert!(!stored(&app, &user_id, &abandoned).exists());
    assert_eq!(app.preview(Some(&token), &abandoned).await.status(), 404);
    for kept in [&sent, &newer] {
        assert!(stored(&app, &user_id, kept).exists(), "{kept}");
        assert_eq!(app.preview(Some(&token), kept).await.status(), 200);
    }
    // Nothing left to do the second time.
    assert_eq!(sweep(cutoff).await.unwrap(), 0);
}

#[tokio::test]
async fn a_part_file_left_by_a_dead_upload_does_not_block_the_id() {
    let app = spawn_app().await;
    let (user_id, token) = app.user().await;
    let id = id_of(
        &app.create_ok(&token, "pixel.png", PNG.len() as i64, "image/png")
            .await,
    );
    // What a process killed mid-upload leaves: a part file nobody writes to any more.
    let part = stored(&app, &user_id, &id).with_extension("part");
    std::fs::create_dir_all(part.parent().unwrap()).unwrap();
    std::fs::write(&part, b"\x89PNG half").unwrap();
    // Written just now, it is an upload in progress: 409.
    let r = app.upload_path(Some(&token), &id, PNG).await;
    assert_eq!(r.status, 409, "{}", r.body);
    let idle = std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&part)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - idle)
        .unwrap();
    let r = app.upload_path(Some(&token), &id, PNG).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(std::fs::read(stored(&app, &user_id, &id)).unwrap(), PNG);
    assert!(!part.exists());
}

#[tokio::test]
async fn attachment_ids_are_deduplicated_and_more_than_ten_is_422() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let mut ids = Vec::new();
    for i in 0..11 {
        let id = id_of(
            &app.create_ok(&token, &format!("p{i}.png"), PNG.len() as i64, "image/png")
                .await,
        );
        assert_eq!(app.upload_path(Some(&token), &id, PNG).await.status, 200);
        ids.push(id);
    }
    // One id 25 000 times (most of the 1 MiB a request may have) is one attachment.
    let many: Vec<&str> = std::iter::repeat_n(ids[0].as_str(), 25_000).collect();
    let r = app.post(&token, req::create_with("one file", &many)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let tid = r.events()[0]["thread"]["id"].as_str().unwrap().to_string();
    let thread = app.get_thread(&token, &tid).await.json();
    let sent = &thread["items"]["data"][0]["attachments"];
    assert_eq!(sent.as_array().unwrap().len(), 1, "{sent}");
    assert_eq!(sent[0]["id"], ids[0].as_str());

    // Eleven distinct ones are refused before anything is stored; ten are fine.
    let eleven: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut with_repeats = eleven.clone();
    with_repeats.extend(eleven.iter().copied());
    let before = app
        .post(&token, req::list_threads(Default::default()))
        .await
        .json();
    let r = app
        .post(&token, req::create_with("too many", &with_repeats))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("at most 10 attachments"), "{}", r.body);
    let after = app
        .post(&token, req::list_threads(Default::default()))
        .await
        .json();
    assert_eq!(before, after);
    let r = app
        .post(&token, req::create_with("ten", &eleven[1..]))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}
