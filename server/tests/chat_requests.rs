//! The non-chat requests over HTTP on the configured database: retry after an item, feedback,
//! and thread pages at their edges. Driven by the conformance fixture responder.

mod common;

use app::chatkit::types::{FeedbackKind, ListParams, Order};
use common::*;
use serde_json::{json, Value};

fn items(thread: &Value) -> Vec<(String, String)> {
    thread["items"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let text = i["content"][0]["text"].as_str().unwrap_or_default();
            (i["id"].as_str().unwrap().to_string(), text.to_string())
        })
        .collect()
}

async fn get(app: &TestApp, token: &str, tid: &str) -> Value {
    let r = app.get_thread(token, tid).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn retry_after_an_item_drops_what_followed_and_answers_again() {
    let app = spawn_app_scripted().await;
    let (_, token) = app.user().await;
    let (_, mallory) = app.user().await;
    let (tid, _) = app.create_thread(&token, "one").await;
    let r = app.post(&token, req::add_message(&tid, "two")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = items(&get(&app, &token, &tid).await);
    let texts: Vec<&str> = before.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, ["one", "You said: one", "two", "You said: two"]);
    let (first_user, first_answer) = (&before[0].0, &before[1].0);

    // Only a user message can be retried; another user's ids are not found.
    let r = app.post(&token, req::retry_after(&tid, first_answer)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app.post(&mallory, req::retry_after(&tid, first_user)).await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(!r.body.contains("You said"));

    let r = app.post(&token, req::retry_after(&tid, first_user)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let streamed = types(&r.events());
    assert!(
        streamed.contains(&"thread.item.done:assistant_message".to_string()),
        "{streamed:?}"
    );
    let after = items(&get(&app, &token, &tid).await);
    let texts: Vec<&str> = after.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, ["one", "You said: one"]);
    assert_eq!(&after[0].0, first_user, "the retried message stays");
    assert_ne!(&after[1].0, first_answer, "the answer is a new one");
}

#[tokio::test]
async fn feedback_is_stored_per_item_and_the_last_rating_counts() {
    let app = spawn_app_scripted().await;
    let (user, token) = app.user().await;
    let (_, mallory) = app.user().await;
    let (tid, _) = app.create_thread(&token, "rate me").await;
    let (other_tid, _) = app.create_thread(&token, "elsewhere").await;
    let list = items(&get(&app, &token, &tid).await);
    let answer = list[1].0.clone();
    let feedback = |thread: &str, kind| req::feedback(thread, &[&answer], kind);

    let r = app
        .post(&token, feedback(&tid, FeedbackKind::Positive))
        .await;
    assert_eq!((r.status, r.json()), (200, json!({})));
    let r = app
        .post(&token, feedback(&tid, FeedbackKind::Negative))
        .await;
    assert_eq!((r.status, r.json()), (200, json!({})));
    assert_eq!(
        app.state.db.feedback(&user, &tid).await.unwrap(),
        [(answer.clone(), "negative".to_string())]
    );

    // The item is not in that thread; the thread is not Mallory's; "meh" is no kind.
    let r = app
        .post(&token, feedback(&other_tid, FeedbackKind::Positive))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = app
        .post(&mallory, feedback(&tid, FeedbackKind::Positive))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let meh = json!({"type":"items.feedback","params":{"thread_id":tid,"item_ids":[answer],"kind":"meh"}});
    let r = app.post(&token, meh).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(app.state.db.feedback(&user, &tid).await.unwrap().len(), 1);
    assert!(app
        .state
        .db
        .feedback(&user, &other_tid)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn thread_pages_at_their_edges_in_both_orders() {
    let app = spawn_app_scripted().await;
    let (_, token) = app.user().await;
    let list = |params: ListParams| {
        let app = &app;
        let token = token.clone();
        async move {
            let r = app.post(&token, req::list_threads(params)).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()
        }
    };
    let ids = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };

    let empty = list(ListParams::default()).await;
    assert_eq!(empty["data"], json!([]));
    assert_eq!(empty["has_more"], false);
    assert!(empty.get("after").is_none_or(Value::is_null), "{empty}");

    let mut created = Vec::new();
    for text in ["a", "b", "c"] {
        created.push(app.create_thread(&token, text).await.0);
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    // An exact page: everything, and no more.
    let exact = list(ListParams {
        limit: Some(3),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&exact), newest_first);
    assert_eq!(exact["has_more"], false);

    for (order, expected) in [
        (Order::Desc, newest_first.clone()),
        (Order::Asc, created.clone()),
    ] {
        let page = |after: Option<&str>| ListParams {
            limit: Some(2),
            order,
            after: after.map(String::from),
        };
        let first = list(page(None)).await;
        assert_eq!(ids(&first), expected[..2], "{order:?}");
        assert_eq!(first["has_more"], true);
        assert_eq!(first["after"], json!(expected[1]));
        let rest = list(page(first["after"].as_str())).await;
        assert_eq!(ids(&rest), expected[2..], "{order:?}");
        assert_eq!(rest["has_more"], false);
        // A cursor at the end: an empty page.
        let end = list(page(Some(&expected[2]))).await;
        assert_eq!(ids(&end), Vec::<String>::new(), "{order:?}");
        assert_eq!(end["has_more"], false);
    }
}
