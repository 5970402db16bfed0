//! The store on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL): threads and
//! items round-trip exactly, pages are keyset pages, and every call is scoped by user.

mod common;

use app::chatkit::store::{new_id, new_thread, ThreadStore};
use app::chatkit::types::*;
use app::chatkit::ChatKitError;
use chrono::{Duration, Utc};
use common::test_db;

async fn user(db: &app::store::Db) -> String {
    db.create_user(&format!("{}@example.com", new_id("u")), None, "x")
        .await
        .unwrap()
        .id
}

fn message(thread_id: &str, text: &str, offset_ms: i64) -> ThreadItem {
    ThreadItem {
        id: new_id("msg"),
        thread_id: thread_id.into(),
        created_at: Utc::now() + Duration::milliseconds(offset_ms),
        kind: ItemKind::AssistantMessage {
            content: vec![AssistantMessageContent::text(text)],
            cut_off: false,
        },
    }
}

#[tokio::test]
async fn thread_and_items_round_trip_exactly() {
    let db = test_db().await;
    let uid = user(&db).await;
    let mut t = new_thread();
    t.metadata
        .insert("k".into(), serde_json::json!({"nested": [1, "two"]}));
    db.create_thread(&uid, &t, None).await.unwrap();
    let loaded = db.load_thread(&uid, &t.id).await.unwrap();
    assert_eq!(loaded.id, t.id);
    assert_eq!(loaded.metadata, t.metadata);
    assert_eq!(
        app::chatkit::types::timestamp::format(&loaded.created_at),
        app::chatkit::types::timestamp::format(&t.created_at)
    );

    let user_item = ThreadItem {
        id: new_id("msg"),
        thread_id: t.id.clone(),
        created_at: Utc::now(),
        kind: ItemKind::UserMessage {
            content: vec![UserMessageContent::InputText {
                text: "héllo ✓ '; DROP TABLE threads; --".into(),
            }],
            attachments: vec![],
            quoted_text: Some(String::new()),
            inference_options: InferenceOptions::default(),
        },
    };
    db.add_thread_item(&uid, &user_item).await.unwrap();
    let back = db.load_item(&uid, &t.id, &user_item.id).await.unwrap();
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        serde_json::to_string(&user_item).unwrap()
    );

    // Title changes update the same row.
    t.title = Some("Renamed".into());
    db.save_thread(&uid, &t).await.unwrap();
    assert_eq!(
        db.load_thread(&uid, &t.id).await.unwrap().title.as_deref(),
        Some("Renamed")
    );

    // Adding the same item twice is refused; saving it is an upsert.
    assert!(matches!(
        db.add_thread_item(&uid, &user_item).await,
        Err(ChatKitError {
            code: "conflict",
            ..
        })
    ));
    db.save_item(&uid, &user_item).await.unwrap();

    db.delete_thread(&uid, &t.id).await.unwrap();
    assert_eq!(
        db.load_thread(&uid, &t.id).await,
        Err(ChatKitError::not_found("thread"))
    );
    assert_eq!(
        db.load_item(&uid, &t.id, &user_item.id).await,
        Err(ChatKitError::not_found("item"))
    );
}

#[tokio::test]
async fn item_pages_walk_both_orders_without_gaps() {
    let db = test_db().await;
    let uid = user(&db).await;
    let t = new_thread();
    db.create_thread(&uid, &t, None).await.unwrap();
    let empty = db
        .load_thread_items(&uid, &t.id, None, 2, Order::Asc)
        .await
        .unwrap();
    assert_eq!(
        (empty.data.len(), empty.has_more, empty.after),
        (0, false, None)
    );
    let mut ids = Vec::new();
    for i in 0..5 {
        let it = message(&t.id, &format!("m{i}"), i);
        ids.push(it.id.clone());
        db.add_thread_item(&uid, &it).await.unwrap();
    }
    for order in [Order::Asc, Order::Desc] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = db
                .load_thread_items(&uid, &t.id, after.as_deref(), 2, order)
                .await
                .unwrap();
            seen.extend(page.data.iter().map(|i| i.id.clone()));
            assert_eq!(page.after.is_some(), page.has_more);
            if !page.has_more {
                break;
            }
            after = page.after;
        }
        let mut expected = ids.clone();
        if order == Order::Desc {
            expected.reverse();
        }
        assert_eq!(seen, expected, "{order:?}");
    }
    // An exact page says there is no more; a cursor at the end gives an empty page.
    let exact = db
        .load_thread_items(&uid, &t.id, None, 5, Order::Asc)
        .await
        .unwrap();
    assert_eq!((exact.data.len(), exact.has_more), (5, false));
    let end = db
        .load_thread_items(&uid, &t.id, Some(&ids[4]), 5, Order::Asc)
        .await
        .unwrap();
    assert!(end.data.is_empty() && !end.has_more);
}

#[tokio::test]
async fn another_users_rows_are_invisible() {
    let db = test_db().await;
    let alice = user(&db).await;
    let bob = user(&db).await;
    let t = new_thread();
    db.create_thread(&alice, &t, None).await.unwrap();
    let it = message(&t.id, "private", 0);
    db.add_thread_item(&alice, &it).await.unwrap();

    assert_eq!(
        db.load_thread(&bob, &t.id).await,
        Err(ChatKitError::not_found("thread"))
    );
    assert_eq!(
        db.load_item(&bob, &t.id, &it.id).await,
        Err(ChatKitError::not_found("item"))
    );
    assert!(db
        .load_thread_items(&bob, &t.id, None, 10, Order::Asc)
        .await
        .unwrap()
        .data
        .is_empty());
    assert!(db
        .load_threads(&bob, 10, None, Order::Desc)
        .await
        .unwrap()
        .data
        .is_empty());
    // Bob cannot write into Alice's thread, nor take it over with an upsert.
    let intruder = message(&t.id, "intruder", 1);
    assert_eq!(
        db.add_thread_item(&bob, &intruder).await,
        Err(ChatKitError::not_found("thread"))
    );
    let mut hijack = t.clone();
    hijack.title = Some("bob's".into());
    assert_eq!(
        db.save_thread(&bob, &hijack).await,
        Err(ChatKitError::not_found("thread"))
    );
    assert!(matches!(
        db.create_thread(&bob, &hijack, None).await,
        Err(ChatKitError {
            code: "conflict",
            ..
        })
    ));
    assert_eq!(db.load_thread(&alice, &t.id).await.unwrap().title, None);
    assert_eq!(
        db.delete_thread(&bob, &t.id).await,
        Err(ChatKitError::not_found("thread"))
    );
    assert!(db.load_thread(&alice, &t.id).await.is_ok());
}

#[tokio::test]
async fn a_deleted_thread_is_never_written_back() {
    let db = test_db().await;
    let uid = user(&db).await;
    let mut t = new_thread();
    db.create_thread(&uid, &t, None).await.unwrap();
    db.delete_thread(&uid, &t.id).await.unwrap();
    // A turn that ends after the delete sets its title: an update of nothing.
    t.title = Some("Late title".into());
    assert_eq!(
        db.save_thread(&uid, &t).await,
        Err(ChatKitError::not_found("thread"))
    );
    assert_eq!(
        db.load_thread(&uid, &t.id).await,
        Err(ChatKitError::not_found("thread"))
    );
    assert!(db
        .load_threads(&uid, 10, None, Order::Desc)
        .await
        .unwrap()
        .data
        .is_empty());
}

fn user_message(thread_id: &str, attachments: Vec<Attachment>) -> ThreadItem {
    ThreadItem {
        id: new_id("msg"),
        thread_id: thread_id.into(),
        created_at: Utc::now(),
        kind: ItemKind::UserMessage {
            content: vec![UserMessageContent::InputText {
                text: "hello".into(),
            }],
            attachments,
            quoted_text: None,
            inference_options: InferenceOptions::default(),
        },
    }
}

fn attachment(thread_id: Option<&str>) -> Attachment {
    Attachment {
        id: new_id("atc"),
        name: "notes.txt".into(),
        mime_type: "text/plain".into(),
        thread_id: thread_id.map(str::to_string),
        kind: AttachmentKind::File,
        upload_descriptor: None,
        metadata: Default::default(),
    }
}

#[tokio::test]
async fn a_thread_is_created_with_its_first_message_and_attachments_or_not_at_all() {
    let db = test_db().await;
    let uid = user(&db).await;
    let loose = attachment(None);
    db.save_attachment(&uid, &loose).await.unwrap();

    // The message fails to go in (its id is taken on that thread): nothing of it is stored.
    let t = new_thread();
    let mut taken = attachment(Some(&t.id));
    taken.id = loose.id.clone();
    let first = user_message(&t.id, vec![taken.clone()]);
    db.create_thread(&uid, &t, Some(&first)).await.unwrap();
    let t2 = new_thread();
    let mut moved = taken.clone();
    moved.thread_id = Some(t2.id.clone());
    let mut clash = user_message(&t2.id, vec![moved]);
    clash.id = first.id.clone();
    clash.thread_id = t.id.clone();
    assert!(db.create_thread(&uid, &t2, Some(&clash)).await.is_err());
    assert_eq!(
        db.load_thread(&uid, &t2.id).await,
        Err(ChatKitError::not_found("thread"))
    );
    // The attachment stays on the first thread: the failed creation moved nothing.
    assert_eq!(
        db.load_attachment(&uid, &loose.id).await.unwrap().thread_id,
        Some(t.id.clone())
    );

    // The good one: thread, message and attachment, all visible.
    let items = db
        .load_thread_items(&uid, &t.id, None, 10, Order::Asc)
        .await
        .unwrap();
    let ids: Vec<&str> = items.data.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [first.id.as_str()]);
}

#[tokio::test]
async fn the_items_after_one_go_at_once_and_the_rest_stay() {
    let db = test_db().await;
    let uid = user(&db).await;
    let (t, other) = (new_thread(), new_thread());
    db.create_thread(&uid, &t, None).await.unwrap();
    db.create_thread(&uid, &other, None).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..6 {
        // Two items per millisecond: the order within a timestamp is the insertion order.
        let it = message(&t.id, &format!("m{i}"), i / 2);
        ids.push(it.id.clone());
        db.add_thread_item(&uid, &it).await.unwrap();
    }
    let elsewhere = message(&other.id, "elsewhere", 10);
    db.add_thread_item(&uid, &elsewhere).await.unwrap();

    // Another user cannot delete anything.
    let bob = user(&db).await;
    db.delete_items_after(&bob, &t.id, &ids[0]).await.unwrap();
    db.delete_items_after(&uid, &t.id, &ids[2]).await.unwrap();
    let left: Vec<String> = db
        .load_thread_items(&uid, &t.id, None, 10, Order::Asc)
        .await
        .unwrap()
        .data
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(left, ids[..3]);
    assert!(db.load_item(&uid, &other.id, &elsewhere.id).await.is_ok());
}
