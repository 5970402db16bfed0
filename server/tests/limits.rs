//! Per-user limits over real HTTP on loopback: each bucket (transcriptions, attachments and
//! uploads, feedback, task-writing server functions) answers 429 with `Retry-After` once spent,
//! open task feeds are capped, attachment bytes have a per-user quota; task writes are bounded
//! in size and atomic.

mod common;

use std::sync::Arc;

use app::agent::offline::OfflineAssistant;
use app::chatkit::types::FeedbackKind;
use app::tasks::model::{Priority, TaskPatch};
use common::*;
use leptos::server_fn::ServerFn;

/// A server whose per-minute allowances (besides chat turns) are all `n`.
async fn app_allowing(n: u32) -> TestApp {
    spawn_app_configured(Arc::new(OfflineAssistant), move |c| {
        c.limits.transcriptions_per_minute = n;
        c.limits.attachments_per_minute = n;
        c.limits.feedback_per_minute = n;
        c.limits.task_writes_per_minute = n;
        c.limits.task_feeds_per_user = n as usize;
    })
    .await
}

/// A 429 as the API answers it: code, a message that says to wait, and `Retry-After`.
fn assert_limited(r: &Reply, what: &str) {
    assert_eq!(r.status, 429, "{what}: {}", r.body);
    let v = r.json();
    assert_eq!(v["error"]["code"], "rate_limited", "{what}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains(what), "{message}");
    assert!(message.contains("Please wait"), "{message}");
}

async fn post_with_retry_after(
    app: &TestApp,
    token: &str,
    body: serde_json::Value,
) -> (Reply, u64) {
    let res = app
        .http
        .post(app.url("/api/chatkit"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let wait = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap())
        .unwrap_or(0);
    (Reply::read(res).await, wait)
}

#[tokio::test]
async fn transcriptions_attachments_and_feedback_have_their_own_allowance() {
    let app = app_allowing(2).await;
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    // Speech input is off here (501), but every request still counts.
    for _ in 0..2 {
        let r = app
            .post(&alice, req::transcribe("AAAA", "audio/webm"))
            .await;
        assert_eq!(r.status, 501, "{}", r.body);
    }
    let (r, wait) =
        post_with_retry_after(&app, &alice, req::transcribe("AAAA", "audio/webm")).await;
    assert_limited(&r, "voice messages");
    assert!((1..=30).contains(&wait), "Retry-After {wait}");

    let (thread_id, events) = app.create_thread(&alice, "hello").await;
    let item_id = events[1]["item"]["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let r = app
            .post(
                &alice,
                req::feedback(&thread_id, &[&item_id], FeedbackKind::Positive),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let (r, wait) = post_with_retry_after(
        &app,
        &alice,
        req::feedback(&thread_id, &[&item_id], FeedbackKind::Negative),
    )
    .await;
    assert_limited(&r, "feedback");
    assert!(wait >= 1);

    // attachments.create and uploads share one allowance.
    let created = app
        .post(&alice, req::create_attachment("a.txt", 5, "text/plain"))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let url = created.json()["upload_descriptor"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let r = upload(&app, &alice, &url, b"hello").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (r, _) = post_with_retry_after(
        &app,
        &alice,
        req::create_attachment("b.txt", 5, "text/plain"),
    )
    .await;
    assert_limited(&r, "attachments");

    // Bob is untouched by Alice's use.
    let r = app
        .post(&bob, req::create_attachment("c.txt", 5, "text/plain"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post(&bob, req::transcribe("AAAA", "audio/webm")).await;
    assert_eq!(r.status, 501);
}

const BOUNDARY: &str = "limits-boundary";

async fn upload(app: &TestApp, token: &str, url: &str, bytes: &[u8]) -> Reply {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let res = app
        .http
        .post(url)
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    Reply::read(res).await
}

#[tokio::test]
async fn attachment_bytes_have_a_per_user_quota() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.limits.attachment_bytes_per_user = 1000;
    })
    .await;
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let created = app
        .post(&alice, req::create_attachment("a.txt", 600, "text/plain"))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let url = created.json()["upload_descriptor"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(upload(&app, &alice, &url, &[b'a'; 600]).await.status, 200);
    // 600 kept + 600 more is over the 1000 allowed: refused at create, with how much is used.
    let r = app
        .post(&alice, req::create_attachment("b.txt", 600, "text/plain"))
        .await;
    assert_eq!(r.status, 413, "{}", r.body);
    let message = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("already take"), "{message}");
    // Two creates that each fit, uploaded one after the other: the second upload is refused.
    let small = app
        .post(&alice, req::create_attachment("c.txt", 300, "text/plain"))
        .await;
    let other = app
        .post(&alice, req::create_attachment("d.txt", 300, "text/plain"))
        .await;
    let url_of = |r: &Reply| {
        r.json()["upload_descriptor"]["url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        upload(&app, &alice, &url_of(&small), &[b'c'; 300])
            .await
            .status,
        200
    );
    let r = upload(&app, &alice, &url_of(&other), &[b'd'; 300]).await;
    assert_eq!(r.status, 413, "{}", r.body);
    // Another user has their own quota.
    let r = app
        .post(&bob, req::create_attachment("e.txt", 900, "text/plain"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Task-writing server functions count against `TASK_WRITES_PER_MINUTE`; reads do not.
#[tokio::test]
async fn task_writes_from_the_page_are_limited_per_user() {
    let app = app_allowing(3).await;
    let (user_id, _) = app.user().await;
    let cookie = app.session_cookie(&user_id).await;
    let call = |path: &'static str, form: String| post_server_fn(&app, path, Some(&cookie), form);
    let create = || {
        call(
            app::tasks::CreateTask::PATH,
            "title=t&description=&priority=low&due=&tags=".into(),
        )
    };
    for _ in 0..2 {
        assert_eq!(create().await.status(), 200);
    }
    let id = app
        .state
        .db
        .list_tasks(&user_id, &Default::default(), chrono::Utc::now())
        .await
        .unwrap()[0]
        .id;
    let r = call(app::tasks::SetTaskDone::PATH, format!("id={id}&done=true")).await;
    assert_eq!(r.status(), 200);
    let r = create().await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body = r.text().await.unwrap();
    assert!(body.contains("Too many task changes"), "{body}");
    let r = call(app::tasks::DeleteTask::PATH, format!("id={id}")).await;
    assert_eq!(r.status(), 429);
    assert!(
        app.state.db.task(&user_id, id).await.is_ok(),
        "nothing deleted"
    );
    let r = call(
        app::tasks::ListTasks::PATH,
        "filter[status]=all&sort=smart".into(),
    )
    .await;
    assert_eq!(r.status(), 200, "reads are not counted");
}

/// A user holds at most `TASK_FEEDS_PER_USER` open task feeds; closing one frees its slot.
#[tokio::test]
async fn open_task_feeds_are_capped_per_user() {
    let app = app_allowing(2).await;
    let (alice, token) = app.user().await;
    let (_, bob) = app.user().await;
    let open = |t: &str| {
        app.http
            .get(app.url("/api/tasks/events"))
            .bearer_auth(t.to_string())
            .send()
    };
    let first = open(&token).await.unwrap();
    let second = open(&token).await.unwrap();
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open(&token).await.unwrap();
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));
    let body = third.text().await.unwrap();
    assert!(body.contains("live task feeds open"), "{body}");
    assert_eq!(open(&bob).await.unwrap().status(), 200);
    drop(first);
    // The server notices the closed connection when it next writes or polls; wait for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.state.limiter.open_feeds(&alice) > 1 {
        assert!(std::time::Instant::now() < deadline, "the slot came back");
        task_titled(&app.state.db, &alice, "nudge").await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(open(&token).await.unwrap().status(), 200);
}

/// Tags are bounded on the tasks page too: 422 with the reason, nothing stored.
#[tokio::test]
async fn task_fields_are_bounded_for_the_tasks_page() {
    let app = spawn_app().await;
    let (user_id, _) = app.user().await;
    let cookie = app.session_cookie(&user_id).await;
    let call = |path: &'static str, form: String| post_server_fn(&app, path, Some(&cookie), form);
    let huge = "x".repeat(900_000);
    let r = call(
        app::tasks::CreateTask::PATH,
        format!("title=t&description=&priority=low&due=&tags={huge}"),
    )
    .await;
    assert_eq!(r.status(), 422, "a 900 KB tag");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("a tag can be at most 40 characters"));
    let r = call(
        app::tasks::CreateTask::PATH,
        format!(
            "title=t&description=&priority=low&due=&tags={}",
            "x".repeat(41)
        ),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("a tag can be at most 40 characters"));
    let id = task_titled(&app.state.db, &user_id, "kept").await;
    let r = call(
        app::tasks::UpdateTask::PATH,
        format!(
            "id={id}&title=kept&description=&priority=low&due=&tags={}",
            (0..21)
                .map(|i| format!("t{i}"))
                .collect::<Vec<_>>()
                .join("+")
        ),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at most 20 tags"));
    assert!(app
        .state
        .db
        .task(&user_id, id)
        .await
        .unwrap()
        .tags
        .is_empty());
}

/// Two edits of different fields of one task at the same moment both land (the page sets the
/// priority while the chat renames it, say).
#[tokio::test]
async fn concurrent_edits_of_different_fields_keep_both() {
    let db = test_db().await;
    let user = db
        .create_user(
            &format!("{}@example.com", app::chatkit::store::new_id("c")),
            None,
            "x",
        )
        .await
        .unwrap();
    for round in 0..40 {
        let id = task_titled(&db, &user.id, "before").await;
        let title = format!("renamed {round}");
        let rename = db.update_task(
            &user.id,
            id,
            TaskPatch {
                title: Some(title.clone()),
                ..Default::default()
            },
        );
        let reprioritise = db.update_task(
            &user.id,
            id,
            TaskPatch {
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
        );
        let complete = db.update_task(
            &user.id,
            id,
            TaskPatch {
                completed: Some(true),
                tags: Some(vec!["home".into()]),
                ..Default::default()
            },
        );
        let (a, b, c) = tokio::join!(rename, reprioritise, complete);
        a.unwrap();
        b.unwrap();
        c.unwrap();
        let t = db.task(&user.id, id).await.unwrap();
        assert_eq!(t.title, title, "round {round}");
        assert_eq!(t.priority, Priority::Urgent, "round {round}");
        assert!(t.completed && t.completed_at.is_some(), "round {round}");
        assert_eq!(t.tags, vec!["home".to_string()], "round {round}");
    }
    // A patch keeps what it does not name, and completing twice keeps the first time.
    let id = task_titled(&db, &user.id, "once").await;
    let done = TaskPatch {
        completed: Some(true),
        ..Default::default()
    };
    let first = db.update_task(&user.id, id, done.clone()).await.unwrap();
    let second = db.update_task(&user.id, id, done).await.unwrap();
    assert_eq!(first.completed_at, second.completed_at);
    let reopened = db
        .update_task(
            &user.id,
            id,
            TaskPatch {
                completed: Some(false),
                due_at: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((reopened.completed, reopened.completed_at), (false, None));
    assert_eq!(reopened.title, "once");
    let e = db
        .update_task(&user.id, id + 10_000, TaskPatch::default())
        .await
        .unwrap_err();
    assert_eq!(e, app::store::StoreError::NotFound("task"));
}
