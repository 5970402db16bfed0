//! The per-user task change feed (`GET /api/tasks/events`): a nudge for every change to the
//! caller's tasks, whichever path made it (chat, the task tools MCP serves, the store), and
//! nothing for other users' changes.

mod common;

use std::time::Duration;

use app::tools::TaskTools;
use common::*;
use serde_json::json;

/// Opens the feed with a session cookie of `user_id`, as the tasks page's `EventSource` does,
/// and reads its opening comment (from then on the subscription is live).
async fn open_feed(app: &TestApp, user_id: &str) -> reqwest::Response {
    let cookie = app.session_cookie(user_id).await;
    let mut res = app
        .http
        .get(app.url("/api/tasks/events"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let first = res.chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], b": listening\n\n");
    res
}

/// Reads until `n` nudges have arrived (bounded in time); returns all that was read.
async fn read_nudges(res: &mut reqwest::Response, n: usize) -> String {
    let mut seen = String::new();
    while seen.matches("data: changed\n\n").count() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .expect("a nudge arrives")
            .unwrap()
            .expect("the feed stays open");
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    seen
}

/// Nothing more is waiting: every change above was made (and its nudge sent) before this.
async fn assert_quiet(res: &mut reqwest::Response) {
    let more = tokio::time::timeout(Duration::from_millis(300), res.chunk()).await;
    assert!(more.is_err(), "unexpected frame: {more:?}");
}

#[tokio::test]
async fn each_change_to_my_tasks_nudges_my_feed_and_nobody_elses() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.user().await;
    let (bob, bob_token) = app.user().await;
    let mut feed = open_feed(&app, &alice).await;
    let mut bobs = open_feed(&app, &bob).await;

    // Bob's change first: had it leaked, Alice's feed would hold two nudges, not one.
    app.create_thread(&bob_token, "add bob's secret plan").await;
    app.create_thread(&alice_token, "add buy milk").await;
    let seen = read_nudges(&mut feed, 1).await;
    assert_eq!(seen, "data: changed\n\n", "one nudge, and no task data");
    assert_quiet(&mut feed).await;
    assert_eq!(read_nudges(&mut bobs, 1).await, "data: changed\n\n");
    assert_quiet(&mut bobs).await;

    // The task tools (what MCP clients call) and the store nudge too.
    let task = app
        .state
        .db
        .list_tasks(&alice, &Default::default(), chrono::Utc::now())
        .await
        .unwrap()[0]
        .clone();
    TaskTools::new(app.state.db.clone(), alice.clone())
        .call("complete_task", json!({"task_id": task.id}))
        .await
        .unwrap();
    assert_eq!(read_nudges(&mut feed, 1).await, "data: changed\n\n");
    app.state.db.delete_task(&alice, task.id).await.unwrap();
    assert_eq!(read_nudges(&mut feed, 1).await, "data: changed\n\n");
    assert_quiet(&mut feed).await;
    assert_quiet(&mut bobs).await;
}

#[tokio::test]
async fn the_feed_needs_a_valid_session() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(app.url("/api/tasks/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .http
        .get(app.url("/api/tasks/events"))
        .header("cookie", "todokit_session=not.a.jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // API clients may use the bearer token instead of the cookie.
    let (_, token) = app.user().await;
    let r = app
        .http
        .get(app.url("/api/tasks/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Instances share PostgreSQL: a change made through another instance (its own `Db`, its own
/// pool) reaches this instance's feed through `LISTEN/NOTIFY`. A SQLite file has one server, so
/// nothing relays between two `Db`s on it: there the feed follows the server's own `Db`.
#[tokio::test]
async fn another_instances_changes_reach_the_feed_on_postgres_and_not_on_sqlite() {
    let app = spawn_app().await;
    let (alice, _) = app.user().await;
    let mut feed = open_feed(&app, &alice).await;
    let other_instance = app::store::Db::connect(&app.state.config.database_url)
        .await
        .unwrap();
    task_titled(&other_instance, &alice, "made elsewhere").await;
    if app.state.db.kind() == "postgres" {
        assert_eq!(read_nudges(&mut feed, 1).await, "data: changed\n\n");
    } else {
        assert_quiet(&mut feed).await;
        // The feed is live all the same: the server's own changes arrive.
        task_titled(&app.state.db, &alice, "made here").await;
        assert_eq!(read_nudges(&mut feed, 1).await, "data: changed\n\n");
    }
    assert_quiet(&mut feed).await;
}
