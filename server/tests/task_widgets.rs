//! The agent's task widgets end to end over HTTP with the offline assistant: a listing comes
//! with a card whose Done buttons complete tasks in place, and an uncertain delete waits for
//! Confirm/Cancel. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.

mod common;

use app::tasks::model::{StatusFilter, TaskFilter, TaskPatch};
use common::*;
use serde_json::{json, Value};

async fn say(app: &TestApp, token: &str, thread: &str, text: &str) -> Vec<Value> {
    let r = app.post(token, req::add_message(thread, text)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.events()
}

async fn act(app: &TestApp, token: &str, thread: &str, item: &str, action: Value) -> Reply {
    app.post(token, req::custom_action(thread, item, action))
        .await
}

/// The widgets a turn finished with.
fn widgets(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["type"] == "thread.item.done" && e["item"]["type"] == "widget")
        .map(|e| e["item"].clone())
        .collect()
}

/// Every component of a widget tree, depth first.
fn components(node: &Value) -> Vec<Value> {
    let mut out = vec![node.clone()];
    if let Some(children) = node["children"].as_array() {
        for c in children {
            out.extend(components(c));
        }
    }
    out
}

fn buttons(widget: &Value) -> Vec<Value> {
    components(widget)
        .into_iter()
        .filter(|c| c["type"] == "Button")
        .collect()
}

async fn open_titles(app: &TestApp, user: &str) -> Vec<String> {
    let filter = TaskFilter {
        status: StatusFilter::Open,
        ..Default::default()
    };
    let mut titles: Vec<String> = app
        .state
        .db
        .list_tasks(user, &filter, chrono::Utc::now())
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn a_listing_shows_a_card_whose_done_button_completes_the_task_in_place() {
    let app = spawn_app().await;
    let (user, token) = app.user().await;
    let milk = task_titled(&app.state.db, &user, "buy milk").await;
    let bread = task_titled(&app.state.db, &user, "buy <b>bread</b>").await;
    let (thread, events) = app.create_thread(&token, "what's left?").await;

    let cards = widgets(&events);
    assert_eq!(cards.len(), 1, "{events:?}");
    let card = &cards[0];
    // A ListView root (the SDK allows no ListView inside a Card), the count in its status.
    assert_eq!(card["widget"]["type"], "ListView");
    assert_eq!(card["widget"]["status"]["text"], "Tasks · 2");
    let texts: Vec<String> = components(&card["widget"])
        .iter()
        .filter(|c| c["type"] == "Text")
        .map(|c| c["value"].as_str().unwrap().to_string())
        .collect();
    assert!(texts.contains(&format!("buy milk (#{milk})")), "{texts:?}");
    assert!(
        texts.contains(&format!("buy <b>bread</b> (#{bread})")),
        "{texts:?}"
    );
    let done = buttons(&card["widget"]);
    assert_eq!(done.len(), 2);
    let milk_button = done
        .iter()
        .find(|b| b["onClickAction"]["payload"]["task_id"] == milk)
        .unwrap();
    assert_eq!(milk_button["onClickAction"]["type"], "task.complete");
    // The text answer is there too, for clients that show no widgets.
    assert!(types(&events).contains(&"thread.item.done:assistant_message".to_string()));

    let item_id = card["id"].as_str().unwrap();
    let r = act(
        &app,
        &token,
        &thread,
        item_id,
        milk_button["onClickAction"].clone(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let events = r.events();
    let replaced: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "thread.item.replaced")
        .collect();
    assert_eq!(replaced.len(), 1, "{events:?}");
    assert_eq!(
        replaced[0]["item"]["id"], item_id,
        "the same widget, updated"
    );
    let after = &replaced[0]["item"]["widget"];
    assert_eq!(buttons(after).len(), 1, "milk's row lost its button");
    assert_eq!(
        buttons(after)[0]["onClickAction"]["payload"]["task_id"],
        bread
    );
    assert!(components(after)
        .iter()
        .any(|c| c["value"] == format!("buy milk (#{milk})") && c["lineThrough"] == true));
    assert_eq!(open_titles(&app, &user).await, vec!["buy <b>bread</b>"]);

    // The replacement is saved: reopening the thread shows the updated card, and the hidden
    // note for the model stays hidden.
    let r = app.get_thread(&token, &thread).await;
    let items = r.json()["items"]["data"].as_array().unwrap().clone();
    let saved = items.iter().find(|i| i["id"] == item_id).unwrap();
    assert_eq!(buttons(&saved["widget"]).len(), 1);
    assert!(items.iter().all(|i| i["type"] != "hidden_context_item"));
}

#[tokio::test]
async fn an_uncertain_delete_waits_for_confirm_and_cancel_keeps_the_task() {
    let app = spawn_app().await;
    let (user, token) = app.user().await;
    let id = task_titled(&app.state.db, &user, "buy groceries").await;
    let (thread, events) = app.create_thread(&token, "delete the groceries").await;
    assert_eq!(
        open_titles(&app, &user).await,
        vec!["buy groceries"],
        "not deleted yet"
    );
    let cards = widgets(&events);
    assert_eq!(cards.len(), 1, "{events:?}");
    // A Card with its own Confirm and Cancel actions.
    let card = &cards[0]["widget"];
    assert_eq!(card["type"], "Card");
    assert_eq!(card["confirm"]["label"], "Confirm");
    assert_eq!(card["cancel"]["label"], "Cancel");
    let confirm = card["confirm"]["action"].clone();
    let cancel = card["cancel"]["action"].clone();
    assert_eq!(confirm["type"], "task.delete");
    assert_eq!(cancel["type"], "task.delete.cancel");
    assert_eq!(confirm["payload"]["task_id"], id);
    assert_eq!(cancel["payload"]["task_id"], id);
    let card_id = cards[0]["id"].as_str().unwrap().to_string();
    // The words say what happens next, for clients without widgets.
    let said = events
        .iter()
        .rfind(|e| e["type"] == "thread.item.done" && e["item"]["type"] == "assistant_message")
        .unwrap();
    assert!(said.to_string().contains("Confirm"), "{said}");

    // Cancel: kept, and the card says so without actions.
    let r = act(&app, &token, &thread, &card_id, cancel).await;
    let replaced = r
        .events()
        .into_iter()
        .find(|e| e["type"] == "thread.item.replaced")
        .unwrap();
    assert!(replaced["item"]["widget"]["confirm"].is_null());
    assert!(replaced["item"]["widget"].to_string().contains("Kept"));
    assert_eq!(open_titles(&app, &user).await, vec!["buy groceries"]);

    // Ask again and confirm: deleted.
    let events = say(&app, &token, &thread, "delete the groceries").await;
    let card = widgets(&events).remove(0);
    let card_id = card["id"].as_str().unwrap().to_string();
    let confirm = card["widget"]["confirm"]["action"].clone();
    let r = act(&app, &token, &thread, &card_id, confirm.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(open_titles(&app, &user).await.is_empty());
    // A second press finds nothing to delete and says so.
    let r = act(&app, &token, &thread, &card_id, confirm).await;
    let replaced = r
        .events()
        .into_iter()
        .find(|e| e["type"] == "thread.item.replaced")
        .unwrap();
    assert!(replaced["item"]["widget"]
        .to_string()
        .contains("no longer exists"));
}

#[tokio::test]
async fn a_delete_that_names_the_task_runs_without_asking() {
    let app = spawn_app().await;
    let (user, token) = app.user().await;
    let id = task_titled(&app.state.db, &user, "buy groceries").await;
    task_titled(&app.state.db, &user, "call mom").await;
    let (_, events) = app
        .create_thread(&token, &format!("delete task {id}"))
        .await;
    assert!(widgets(&events).is_empty(), "{events:?}");
    assert_eq!(open_titles(&app, &user).await, vec!["call mom"]);
}

#[tokio::test]
async fn a_widget_action_cannot_reach_another_users_task() {
    let app = spawn_app().await;
    let (user, token) = app.user().await;
    let (other, _) = app.user().await;
    task_titled(&app.state.db, &user, "mine").await;
    let theirs = task_titled(&app.state.db, &other, "theirs").await;
    let (thread, events) = app.create_thread(&token, "what's left?").await;
    let card = widgets(&events).remove(0);
    let forged = json!({"type": "task.complete", "payload": {"task_id": theirs}});
    let r = act(&app, &token, &thread, card["id"].as_str().unwrap(), forged).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.body.clone();
    assert!(!body.contains("theirs"), "{body}");
    assert_eq!(open_titles(&app, &other).await, vec!["theirs"]);
    // A payload without a task id is refused clearly, nothing changes.
    let r = act(
        &app,
        &token,
        &thread,
        card["id"].as_str().unwrap(),
        json!({"type": "task.complete", "payload": {}}),
    )
    .await;
    let error = r
        .events()
        .into_iter()
        .find(|e| e["type"] == "error")
        .expect("an error event");
    assert!(error.to_string().contains("task_id"), "{error}");
    assert_eq!(open_titles(&app, &user).await, vec!["mine"]);
}

#[tokio::test]
async fn a_delete_past_the_longest_listing_still_waits_for_confirm() {
    let app = spawn_app().await;
    let (user, token) = app.user().await;
    // Done, so listed after 100 open tasks: past what one `list_tasks` call returns.
    let id = task_titled(&app.state.db, &user, "buy groceries").await;
    let done = TaskPatch {
        completed: Some(true),
        ..Default::default()
    };
    app.state.db.update_task(&user, id, done).await.unwrap();
    for n in 0..100 {
        task_titled(&app.state.db, &user, &format!("chore {n}")).await;
    }
    let (thread, _) = app.create_thread(&token, "show done tasks").await;
    let events = say(&app, &token, &thread, "delete the first one").await;
    let cards = widgets(&events);
    assert_eq!(cards.len(), 1, "{events:?}");
    let card = &cards[0]["widget"];
    assert_eq!(
        card["confirm"]["action"]["payload"]["task_id"], id,
        "{card}"
    );
    assert!(card.to_string().contains(&format!("(#{id})")), "{card}");
    assert!(
        app.state.db.task(&user, id).await.is_ok(),
        "not deleted yet"
    );
}
