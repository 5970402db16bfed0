//! Turns that fail, collide or lose their thread, over HTTP on the configured database: a
//! panicking responder, two turns on one thread, a delete mid-turn, a reply cut off by the
//! model, message sizes and id widths.

mod common;

use std::sync::Arc;
use std::time::Duration;

use app::chatkit::types::{ItemKind, ThreadItem, UserMessageContent};
use app::chatkit::{async_trait, ChatKitError, Responder, ThreadStream};
use common::llm::{role_chunk, text_chunk, text_reply, Script, ScriptedLlm};
use common::*;
use serde_json::{json, Value};

/// Panics on purpose when the message says "panic" (after streaming half an answer), and
/// echoes anything else.
struct Panicky;

#[async_trait]
impl Responder for Panicky {
    async fn respond(
        &self,
        stream: &mut ThreadStream,
        input: Option<ThreadItem>,
    ) -> Result<(), ChatKitError> {
        let text = match input.as_ref().map(|i| &i.kind) {
            Some(ItemKind::UserMessage { content, .. }) => match content.first() {
                Some(UserMessageContent::InputText { text }) => text.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        if text == "panic" {
            let mut w = stream.begin_message().await?;
            w.push(stream, "Half".into()).await?;
            panic!("a responder bug, on purpose");
        }
        stream.assistant_message([format!("Echo: {text}")]).await?;
        Ok(())
    }
}

/// The rest of a response, which must end within 10 s.
async fn read_to_end(res: reqwest::Response) -> Reply {
    tokio::time::timeout(Duration::from_secs(10), Reply::read(res))
        .await
        .expect("the stream ends")
}

fn sse_events(body: &str) -> Vec<Value> {
    body.split_terminator("\n\n")
        .map(|f| serde_json::from_str(f.strip_prefix("data: ").unwrap()).unwrap())
        .collect()
}

/// The visible items of a thread as (type, text).
async fn items(app: &TestApp, token: &str, tid: &str) -> Vec<(String, String)> {
    let r = app.get_thread(token, tid).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["items"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let text = i["content"][0]["text"].as_str().unwrap_or_default();
            (i["type"].as_str().unwrap().to_string(), text.to_string())
        })
        .collect()
}

#[tokio::test]
async fn a_panicking_responder_ends_its_turn_with_an_error_and_the_thread_goes_on() {
    let app = spawn_app_responding(Arc::new(Panicky)).await;
    let (_, token) = app.user().await;
    let (tid, _) = app.create_thread(&token, "hello").await;

    let r = tokio::time::timeout(
        Duration::from_secs(10),
        app.post(&token, req::add_message(&tid, "panic")),
    )
    .await
    .expect("a panicking turn still ends");
    assert_eq!(r.status, 200, "{}", r.body);
    let events = r.events();
    let last = events.last().unwrap();
    assert_eq!(last["type"], "error", "{events:?}");
    assert_eq!(last["allow_retry"], true);
    assert!(
        last["message"].as_str().unwrap().contains("try again"),
        "{last}"
    );

    // Nothing is left running: a resume ends at once, a stop finds nothing to stop.
    let resumed = app
        .http
        .post(app.url("/api/chatkit"))
        .bearer_auth(&token)
        .json(&req::resume(&tid))
        .send()
        .await
        .unwrap();
    assert_eq!(read_to_end(resumed).await.body, "");
    let stop = app.post(&token, req::cancel(&tid)).await;
    assert_eq!(stop.json(), json!({"cancelled": false}));

    // The message is kept and the thread takes the next one.
    let r = app.post(&token, req::add_message(&tid, "again")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let texts: Vec<String> = items(&app, &token, &tid)
        .await
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        texts,
        ["hello", "Echo: hello", "panic", "again", "Echo: again"]
    );

    // A panic in the very first turn too.
    let r = app.post(&token, req::create("panic")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let events = r.events();
    assert_eq!(events.last().unwrap()["type"], "error", "{events:?}");
    let new_tid = events[0]["thread"]["id"].as_str().unwrap();
    let r = app.post(&token, req::add_message(new_tid, "fine")).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_second_turn_on_a_busy_thread_is_409_and_changes_nothing() {
    let llm = ScriptedLlm::start().await;
    llm.push(text_reply("First."));
    let app = spawn_app_with(llm.model()).await;
    let (_, token) = app.user().await;
    let (tid, _) = app.create_thread(&token, "one").await;
    let before = items(&app, &token, &tid).await;
    assert_eq!(before.len(), 2, "{before:?}");
    let first_user_id = app.get_thread(&token, &tid).await.json()["items"]["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A request refused after the thread was reserved frees it again.
    let r = app.post(&token, req::add_message(&tid, " ")).await;
    assert_eq!(r.status, 422, "{}", r.body);

    llm.push(Script::Slow(
        Duration::from_secs(2),
        Box::new(text_reply("Second.")),
    ));
    let (_, running) = open_until(
        &app,
        &token,
        req::add_message(&tid, "two"),
        "stream_options",
    )
    .await;

    // A second message, and a retry that would delete items, are both refused up front.
    let r = app.post(&token, req::add_message(&tid, "three")).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("still answering"), "{}", r.body);
    let r = app
        .post(&token, req::retry_after(&tid, &first_user_id))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);

    // The first turn is unharmed and what is stored is what was accepted.
    let rest = read_to_end(running).await;
    assert!(rest.body.contains("Second."), "{}", rest.body);
    let texts: Vec<String> = items(&app, &token, &tid)
        .await
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(texts, ["one", "First.", "two", "Second."]);

    // Once it is over the thread takes a message again.
    llm.push(text_reply("Third."));
    let r = app.post(&token, req::add_message(&tid, "three")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(items(&app, &token, &tid).await.len(), 6);
}

#[tokio::test]
async fn a_thread_deleted_during_its_first_turn_stays_deleted() {
    let llm = ScriptedLlm::start().await;
    llm.push(Script::Slow(
        Duration::from_secs(2),
        Box::new(text_reply("Too late.")),
    ));
    let app = spawn_app_with(llm.model()).await;
    let (_, token) = app.user().await;
    let (seen, running) =
        open_until(&app, &token, req::create("plan my week"), "stream_options").await;
    let tid = sse_events(&seen)[0]["thread"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let r = app.post(&token, req::delete_thread(&tid)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The turn stops with the delete; its end writes nothing back.
    read_to_end(running).await;
    assert_eq!(app.get_thread(&token, &tid).await.status, 404);
    let list = app
        .post(&token, req::list_threads(Default::default()))
        .await
        .json();
    assert_eq!(list["data"], json!([]), "{list}");
    let stop = app.post(&token, req::cancel(&tid)).await;
    assert_eq!(stop.status, 404, "{}", stop.body);
}

#[tokio::test]
async fn a_reply_cut_off_by_the_model_is_stored_marked() {
    let llm = ScriptedLlm::start().await;
    llm.push(Script::Cut(vec![
        role_chunk(),
        text_chunk("The first half"),
        text_chunk(" of an answer"),
    ]));
    llm.push(text_reply("A whole answer."));
    let app = spawn_app_with(llm.model()).await;
    let (_, token) = app.user().await;
    let (tid, events) = app.create_thread(&token, "tell me everything").await;
    let error = events.iter().find(|e| e["type"] == "error");
    assert_eq!(error.unwrap()["allow_retry"], true, "{events:?}");
    let done = events
        .iter()
        .find(|e| e["type"] == "thread.item.done" && e["item"]["type"] == "assistant_message")
        .expect("the partial answer is done");
    assert_eq!(done["item"]["todokit_cut_off"], true, "{done}");

    let r = app.post(&token, req::add_message(&tid, "go on")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let thread = app.get_thread(&token, &tid).await.json();
    let answers: Vec<&Value> = thread["items"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "assistant_message")
        .collect();
    assert_eq!(answers.len(), 2, "{thread}");
    assert_eq!(
        answers[0]["content"][0]["text"],
        "The first half of an answer"
    );
    assert_eq!(answers[0]["todokit_cut_off"], true, "{}", answers[0]);
    // A whole answer carries no mark at all (the SDK's item, byte for byte).
    assert_eq!(answers[1]["content"][0]["text"], "A whole answer.");
    assert!(
        answers[1].get("todokit_cut_off").is_none(),
        "{}",
        answers[1]
    );
}

/// A `threads.create` body with `extra` merged into its input.
fn create_with_input(extra: Value) -> Value {
    let mut body = req::create("hi");
    for (k, v) in extra.as_object().unwrap() {
        body["params"]["input"][k] = v.clone();
    }
    body
}

#[tokio::test]
async fn quoted_text_and_tag_data_count_against_the_message_limit() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let big = "x".repeat(16_000);
    let r = app
        .post(&token, create_with_input(json!({"quoted_text": big})))
        .await;
    assert_eq!(r.status, 413, "{}", r.body);
    let tag = json!([{"type": "input_text", "text": "hi "},
        {"type": "input_tag", "id": "t1", "text": "tag", "data": {"blob": big}, "interactive": false}]);
    let r = app
        .post(&token, create_with_input(json!({"content": tag})))
        .await;
    assert_eq!(r.status, 413, "{}", r.body);
    // Nothing was created; within the limit both are fine.
    let list = app
        .post(&token, req::list_threads(Default::default()))
        .await
        .json();
    assert_eq!(list["data"], json!([]));
    let r = app
        .post(
            &token,
            create_with_input(json!({"quoted_text": "x".repeat(15_000)})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn ids_carry_128_random_bits() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let (_, events) = app.create_thread(&token, "hello").await;
    let attachment = app
        .post(&token, req::create_attachment("a.txt", 3, "text/plain"))
        .await
        .json();
    let ids = [
        events[0]["thread"]["id"].as_str().unwrap(),
        events[1]["item"]["id"].as_str().unwrap(),
        attachment["id"].as_str().unwrap(),
    ];
    for (id, prefix) in ids.iter().zip(["thr_", "msg_", "atc_"]) {
        let token = id.strip_prefix(prefix).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(token.len(), 32, "{id}");
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
}
