//! Runs in flight: an explicit stop keeps the partial answer and tells the model; a dropped
//! connection does not stop the turn. Driven by the conformance fixture responder.

mod common;

use std::time::Duration;

use app::chatkit::types::{ItemKind, Order};
use common::*;
use serde_json::{json, Value};

fn thread_id(sse: &str) -> String {
    let first = sse.split("\n\n").next().unwrap();
    let v: Value = serde_json::from_str(first.strip_prefix("data: ").unwrap()).unwrap();
    v["thread"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn stop_keeps_the_partial_answer_and_adds_the_hidden_cancel_note() {
    let app = spawn_app_scripted().await;
    let (user, token) = app.user().await;
    let (seen, res) = open_until(&app, &token, req::create("slow"), "Partial").await;
    let tid = thread_id(&seen);

    let r = app.post(&token, req::cancel(&tid)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"cancelled": true}));
    // The stream ends after the stop, with nothing more sent.
    assert_eq!(read_to_end(res).await, "");

    let thread = app.get_thread(&token, &tid).await.json();
    let items = thread["items"]["data"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{thread}");
    assert_eq!(items[1]["type"], "assistant_message");
    assert_eq!(items[1]["content"][0]["text"], "Partial");

    let stored = app
        .state
        .chatkit
        .store()
        .load_thread_items(&user, &tid, None, 10, Order::Asc)
        .await
        .unwrap();
    let last = stored.data.last().unwrap();
    assert_eq!(
        last.kind,
        ItemKind::SdkHiddenContext {
            content: "The user cancelled the stream. Stop responding to the prior request.".into()
        }
    );
    assert!(last.id.starts_with("shcx_"));

    // A second stop finds nothing running.
    let again = app.post(&token, req::cancel(&tid)).await;
    assert_eq!(again.json(), json!({"cancelled": false}));
}

#[tokio::test]
async fn another_users_stop_is_not_found_and_the_run_goes_on() {
    let app = spawn_app_scripted().await;
    let (_, token) = app.user().await;
    let (_, mallory) = app.user().await;
    let (seen, _res) = open_until(&app, &token, req::create("slow"), "Partial").await;
    let tid = thread_id(&seen);
    let r = app.post(&mallory, req::cancel(&tid)).await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(!r.body.contains(&tid));
    let mine = app.post(&token, req::cancel(&tid)).await;
    assert_eq!(mine.json(), json!({"cancelled": true}));
}

#[tokio::test]
async fn a_dropped_connection_does_not_stop_the_turn() {
    let app = spawn_app_scripted().await;
    let (_, token) = app.user().await;
    // Read only the first frame (thread.created), then hang up.
    let (seen, res) = open_until(&app, &token, req::create("workflow"), "thread.created").await;
    drop(res);
    let tid = thread_id(&seen);
    let mut last = Value::Null;
    // Generous: the machine may be busy with builds.
    for _ in 0..200 {
        last = app.get_thread(&token, &tid).await.json();
        // The thread and its items are two reads: wait for both to show the finished turn.
        if last["items"]["data"].as_array().unwrap().len() == 3 && last["title"] == "workflow" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let items = last["items"]["data"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["user_message", "workflow", "assistant_message"],
        "{last}"
    );
    assert_eq!(items[2]["content"][0]["text"], "Done");
    assert_eq!(last["title"], "workflow");
}

/// The rest of a response, which must end within 10 s.
async fn read_to_end(res: reqwest::Response) -> String {
    tokio::time::timeout(Duration::from_secs(10), Reply::read(res))
        .await
        .expect("stream ends")
        .body
}

#[tokio::test]
async fn a_reloaded_client_reattaches_to_the_run_in_flight() {
    let app = spawn_app_scripted().await;
    let (_, token) = app.user().await;
    // The first tab reads up to the partial answer, then reloads (hangs up).
    let (seen, res) = open_until(&app, &token, req::create("paced"), "Partial").await;
    drop(res);
    let tid = thread_id(&seen);

    // Re-attached: the turn so far is replayed, then the rest arrives live, then it ends.
    let (replayed, res) = open_until(&app, &token, req::resume(&tid), "Partial").await;
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let all = replayed + &read_to_end(res).await;
    let events: Vec<Value> = all
        .split("\n\n")
        .filter(|f| !f.is_empty())
        .map(|f| serde_json::from_str(f.strip_prefix("data: ").unwrap()).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "thread.created", "{kinds:?}");
    assert!(kinds.contains(&"thread.item.added"), "{kinds:?}");
    let done = events
        .iter()
        .rfind(|e| e["type"] == "thread.item.done")
        .expect("the answer finishes on the resumed stream");
    assert_eq!(done["item"]["content"][0]["text"], "Partial and the rest");
    // Each frame once, in the order the run sent them.
    let deltas: Vec<&str> = events
        .iter()
        .filter_map(|e| e["update"]["delta"].as_str())
        .collect();
    assert_eq!(deltas, ["Partial", " and the rest"]);

    // Once the run is over, a resume has nothing to send and ends at once.
    let again = app
        .http
        .post(app.url("/api/chatkit"))
        .bearer_auth(&token)
        .json(&req::resume(&tid))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(read_to_end(again).await, "");
}

#[tokio::test]
async fn a_resumed_stream_ends_when_the_run_is_stopped_and_others_cannot_resume() {
    let app = spawn_app_scripted().await;
    let (_, token) = app.user().await;
    let (_, mallory) = app.user().await;
    let (seen, _first) = open_until(&app, &token, req::create("slow"), "Partial").await;
    let tid = thread_id(&seen);

    let theirs = app.post(&mallory, req::resume(&tid)).await;
    assert_eq!(theirs.status, 404, "{}", theirs.body);
    assert!(!theirs.body.contains("Partial"));

    let (_, res) = open_until(&app, &token, req::resume(&tid), "Partial").await;
    let stop = app.post(&token, req::cancel(&tid)).await;
    assert_eq!(stop.json(), json!({"cancelled": true}));
    // The re-attached stream closes with the run, with nothing more sent.
    assert_eq!(read_to_end(res).await, "");
}
