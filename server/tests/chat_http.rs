//! The ChatKit endpoint over real HTTP on loopback: raw JSON in, SSE or JSON out.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn threads_create_streams_the_turn_and_stores_the_task() {
    let app = spawn_app().await;
    let (user_id, token) = app.user().await;
    // The exact body shape the official web component sends.
    let body = r#"{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"add buy milk"}],"quoted_text":"","attachments":[],"inference_options":{}}}}"#;
    let r = app.post_raw(Some(&token), body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.content_type, "text/event-stream; charset=utf-8");
    let events = r.events();
    let t = types(&events);
    assert_eq!(
        t,
        vec![
            "thread.created",
            "thread.item.done:user_message",
            "stream_options",
            "thread.item.added:workflow",
            "thread.item.updated:workflow.task.added",
            "thread.item.updated:workflow.task.updated",
            "thread.item.done:workflow",
            "thread.item.added:assistant_message",
            "thread.item.updated:assistant_message.content_part.added",
        ]
        .into_iter()
        .chain(
            t[9..t.len() - 3]
                .iter()
                .map(|_| "thread.item.updated:assistant_message.content_part.text_delta")
        )
        .chain([
            "thread.item.updated:assistant_message.content_part.done",
            "thread.item.done:assistant_message",
            "thread.updated",
        ])
        .map(String::from)
        .collect::<Vec<_>>()
    );
    assert!(t.len() > 12, "text arrives in several deltas");
    let thread_id = events[0]["thread"]["id"].as_str().unwrap();
    assert!(thread_id.starts_with("thr_") && thread_id.len() == 4 + 32);
    assert_eq!(events[1]["item"]["content"][0]["text"], "add buy milk");
    assert_eq!(events[2]["stream_options"]["allow_cancel"], true);
    assert_eq!(
        events[6]["item"]["workflow"]["tasks"][0]["title"],
        "Added task 'buy milk'"
    );
    assert_eq!(
        events[6]["item"]["workflow"]["tasks"][0]["status_indicator"],
        "complete"
    );
    let n = events.len();
    let reply = events[n - 2]["item"]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(reply.starts_with("Added **buy milk**"), "{reply}");
    let deltas: String = events
        .iter()
        .filter(|e| e["update"]["type"] == "assistant_message.content_part.text_delta")
        .map(|e| e["update"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, reply, "the deltas add up to the final text");
    assert_eq!(events[n - 1]["thread"]["title"], "Add buy milk");

    let tasks = app
        .state
        .db
        .list_tasks(&user_id, &Default::default(), chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        tasks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
        vec!["buy milk"]
    );

    // Reload: the thread comes back with its visible items, oldest first.
    let r = app.get_thread(&token, thread_id).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json");
    let thread = r.json();
    assert_eq!(thread["title"], "Add buy milk");
    assert_eq!(thread["metadata"], json!({}));
    let kinds: Vec<&str> = thread["items"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["user_message", "workflow", "assistant_message"]);
}

#[tokio::test]
async fn a_second_message_continues_the_thread() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let (thread_id, _) = app.create_thread(&token, "add call mom").await;
    let r = app
        .post(&token, req::add_message(&thread_id, "what's left?"))
        .await;
    let events = r.events();
    assert_eq!(types(&events)[0], "thread.item.done:user_message");
    let reply = events
        .iter()
        .rfind(|e| e["item"]["type"] == "assistant_message")
        .unwrap()["item"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reply.contains("**call mom**"), "{reply}");
    // After the words, the same tasks as a card with a Done button.
    let last = &events.last().unwrap()["item"];
    assert_eq!(last["type"], "widget", "{events:?}");
    assert!(last["widget"].to_string().contains("call mom"));
    assert!(
        !types(&events).contains(&"thread.updated".to_string()),
        "the title is set once"
    );
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused_with_nothing_done() {
    let app = spawn_app().await;
    let body = &req::list_threads(Default::default()).to_string();
    let r = app.post_raw(None, body).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "unauthorized");
    let r = app.post_raw(Some("not.a.jwt"), body).await;
    assert_eq!(r.status, 401);
    let expired = app.state.keys.issue("someone", None, -3600);
    let r = app.post_raw(Some(&expired), body).await;
    assert_eq!(r.status, 401);
    assert!(
        app.state.db.user_by_id("someone").await.unwrap().is_none(),
        "no user provisioned"
    );
}

#[tokio::test]
async fn bad_bodies_get_clear_errors() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let r = app.post_raw(Some(&token), "{not json").await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let r = app
        .post_raw(Some(&token), r#"{"type":"threads.explode","params":{}}"#)
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"]["message"],
        "unknown request type 'threads.explode'"
    );
    let r = app
        .post_raw(Some(&token), r#"{"type":"threads.get_by_id","params":{}}"#)
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(app.post(&token, req::create("   ")).await.status, 422);
    let huge = "x".repeat(16_001);
    let r = app.post(&token, req::create(&huge)).await;
    assert_eq!(r.status, 413);
    let listed = app
        .post(&token, req::list_threads(Default::default()))
        .await
        .json();
    assert_eq!(
        listed["data"],
        json!([]),
        "nothing was created by refused requests"
    );
}

#[tokio::test]
async fn another_users_thread_is_not_found() {
    let app = spawn_app().await;
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let (thread_id, _) = app.create_thread(&alice, "add secret plan").await;
    for body in [
        req::get_thread(&thread_id),
        req::list_items(&thread_id),
        req::update_thread(&thread_id, "mine now"),
        req::delete_thread(&thread_id),
        req::add_message(&thread_id, "hi"),
    ] {
        let r = app.post(&bob, body.clone()).await;
        assert_eq!(r.status, 404, "{body}: {}", r.body);
        assert!(!r.body.contains("secret"), "nothing leaks: {}", r.body);
    }
    let r = app.get_thread(&alice, &thread_id).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["title"],
        "Add secret plan",
        "bob's rename did not land"
    );
}

#[tokio::test]
async fn health_names_the_database_agent_and_version() {
    let app = spawn_app().await;
    let res = app.get("/api/chatkit/health", None).await;
    assert_eq!(res.status, 200);
    let body = res.json();
    let expected_db = if std::env::var("TEST_DATABASE_URL")
        .map(|u| u.starts_with("postgres"))
        .unwrap_or(false)
    {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected_db);
    assert_eq!(body["agent"], "offline");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    // No transcription endpoint: the panel hides its microphone.
    assert_eq!(body["speech_input"], false);
}
