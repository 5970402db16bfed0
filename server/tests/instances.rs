//! Two instances of the real binary on one PostgreSQL database act as one: a turn started on A
//! resumes on B, a stop sent to B stops it on A, a rate limit holds across both, B's task feed
//! hears a write through A, and a turn whose instance is killed does not hold its thread.
//! PostgreSQL only (TEST_DATABASE_URL): on SQLite the app is one process.

mod common;

use std::time::{Duration, Instant};

use common::binary::{Open, Server};
use common::llm::{text_reply, tool_reply, Script, ScriptedLlm};
use common::*;
use serde_json::{json, Value};

/// A reply slow enough to act on mid-stream: 40 words, 60 ms apart.
fn slow_reply() -> (String, Script) {
    paced_reply(Duration::from_millis(60))
}

fn paced_reply(pace: Duration) -> (String, Script) {
    let text: String = (1..=40).map(|i| format!("word{i} ")).collect();
    let script = Script::Paced(pace, Box::new(text_reply(&text)));
    (text, script)
}

/// Sends `text` to `thread` on `server` until it is no longer 409 (at most 10 s); the answer
/// and how long it took.
async fn send_when_free(
    server: &Server,
    token: &str,
    thread: &str,
    text: &str,
) -> (Reply, Duration) {
    let start = Instant::now();
    loop {
        let r = server.post(token, req::add_message(thread, text)).await;
        if r.status != 409 || start.elapsed() > Duration::from_secs(10) {
            return (r, start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Two instances (A, B) on the test database, a user and their token.
struct Pair {
    a: Server,
    b: Server,
    token: String,
    llm: ScriptedLlm,
}

/// `None` (and a note) when the tests run on SQLite.
async fn pair(env: &[(&str, &str)]) -> Option<Pair> {
    let Ok(db_url) = std::env::var("TEST_DATABASE_URL") else {
        println!("skipped: TEST_DATABASE_URL is not set (instances share PostgreSQL)");
        return None;
    };
    if db_url.trim().is_empty() {
        println!("skipped: TEST_DATABASE_URL is empty (instances share PostgreSQL)");
        return None;
    }
    let dir = temp_dir();
    let llm = ScriptedLlm::start().await;
    let a = Server::start_with(&dir, &db_url, Some(&llm), env).await;
    let b = Server::start_with(&dir, &db_url, Some(&llm), env).await;
    let db = app::store::Db::connect(&db_url).await.unwrap();
    let email = format!("{}@example.com", app::chatkit::store::new_id("pair"));
    let user = db.create_user(&email, None, "x").await.unwrap();
    let token = app::auth::token::TokenKeys::new(SECRET.as_bytes(), None, None).issue(
        &user.id,
        Some(&email),
        3600,
    );
    Some(Pair { a, b, token, llm })
}

impl Pair {
    /// A turn on A answered by `script`, read until `word` has streamed: its open stream
    /// and its thread.
    async fn turn_on_a(&self, script: Script, message: &str, word: &str) -> (Open, String) {
        self.llm.push(script);
        let mut on_a = self.a.open(&self.token, req::create(message)).await;
        let thread = thread_of(on_a.until(DELTA).await);
        on_a.until(word).await;
        (on_a, thread)
    }
}

/// The thread id a turn's stream announced first.
fn thread_of(body: &str) -> String {
    let start = body
        .find(r#""thread":{"id":""#)
        .expect("thread.created first")
        + 16;
    body[start..].split('"').next().unwrap().to_string()
}

const DELTA: &str = "assistant_message.content_part.text_delta";

#[tokio::test]
async fn a_turn_started_on_a_resumes_on_b_from_its_first_frame_exactly_once() {
    let Some(p) = pair(&[]).await else { return };
    let (text, script) = slow_reply();
    let (on_a, thread) = p.turn_on_a(script, "tell me a long story", "word5 ").await;

    let resumed = p.b.post(&p.token, req::resume(&thread)).await;
    let whole = on_a.rest().await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert!(whole.contains(r#""type":"thread.item.done""#), "{whole}");
    // The same frames, byte for byte: from the first, none twice, none missing, in order.
    assert_eq!(resumed.body, whole);
    let items = p.b.post(&p.token, req::list_items(&thread)).await.json();
    let answer = items["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "assistant_message")
        .expect("the answer is saved");
    assert_eq!(item_text(answer), text);
}

#[tokio::test]
async fn stop_sent_to_b_stops_the_turn_on_a_and_keeps_the_partial_answer() {
    let Some(p) = pair(&[]).await else { return };
    let (text, script) = slow_reply();
    let (on_a, thread) = p.turn_on_a(script, "tell me a long story", "word3 ").await;

    // One turn per thread across instances.
    let second =
        p.b.post(&p.token, req::add_message(&thread, "and another"))
            .await;
    assert_eq!(second.status, 409, "{}", second.body);

    let stop = p.b.post(&p.token, req::cancel(&thread)).await;
    assert_eq!(stop.json(), json!({"cancelled": true}));
    let body = on_a.rest().await;
    assert!(!body.contains("word40"), "the turn stopped: {body}");

    let items = p.b.post(&p.token, req::list_items(&thread)).await.json();
    let answers: Vec<&Value> = items["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "assistant_message")
        .collect();
    assert_eq!(answers.len(), 1, "{items}");
    let partial = item_text(answers[0]);
    assert!(partial.starts_with("word1 word2 word3"), "{partial:?}");
    assert!(partial.len() < text.len(), "{partial:?}");
    // Nothing runs there any more: a stop is false, and the thread takes a new turn on B.
    let again = p.a.post(&p.token, req::cancel(&thread)).await;
    assert_eq!(again.json(), json!({"cancelled": false}));
    p.llm.push(text_reply("Next."));
    let next = p.b.post(&p.token, req::add_message(&thread, "go on")).await;
    assert_eq!(next.status, 200, "{}", next.body);
}

#[tokio::test]
async fn twenty_turns_a_minute_hold_across_both_instances() {
    let Some(p) = pair(&[("RATE_LIMIT_PER_MINUTE", "20")]).await else {
        return;
    };
    for _ in 0..21 {
        p.llm.push(text_reply("Ok."));
    }
    for n in 0..20 {
        let server = if n % 2 == 0 { &p.a } else { &p.b };
        let r = server
            .post(&p.token, req::create(&format!("turn {n}")))
            .await;
        assert_eq!(r.status, 200, "turn {n}: {}", r.body);
    }
    for server in [&p.a, &p.b] {
        let r = server.post(&p.token, req::create("one too many")).await;
        assert_eq!(r.status, 429, "{}", r.body);
        assert!(r.body.contains("at most 20 per minute"), "{}", r.body);
    }
    // The allowance refills evenly: one turn back every 3 s, on either instance.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let r = p.b.post(&p.token, req::create("after a pause")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = p.a.post(&p.token, req::create("and one more")).await;
    assert_eq!(r.status, 429, "{}", r.body);
}

#[tokio::test]
async fn the_task_feed_on_b_hears_a_task_written_through_a() {
    let Some(p) = pair(&[]).await else { return };
    let mut feed = reqwest::Client::new()
        .get(p.b.url("/api/tasks/events"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    let hello = feed.chunk().await.unwrap().unwrap();
    assert_eq!(&hello[..], b": listening\n\n");

    p.llm.push(tool_reply(&[(
        "call_1",
        "add_task",
        json!({"title": "buy milk"}),
    )]));
    p.llm.push(text_reply("Added."));
    let r = p.a.post(&p.token, req::create("add buy milk")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Added."), "{}", r.body);

    let nudge = tokio::time::timeout(Duration::from_secs(10), feed.chunk())
        .await
        .expect("B hears the change within 10 s")
        .unwrap()
        .unwrap();
    assert_eq!(&nudge[..], b"data: changed\n\n");
}

#[tokio::test]
async fn a_killed_instances_turn_does_not_hold_its_thread() {
    let lease = 2.0;
    let Some(mut p) = pair(&[("RUN_LEASE_SECS", "2")]).await else {
        return;
    };
    let (_, script) = slow_reply();
    let (on_a, thread) = p.turn_on_a(script, "remember this message", "word4 ").await;
    // A client following the turn on B: told when the turn is lost with A.
    let mut follower = p.b.open(&p.token, req::resume(&thread)).await;
    // A mirrors a turn's frames from the moment B asks for them.
    follower.until("remember this message").await;
    p.a.kill();
    let killed = Instant::now();

    // B replays what A sent (as far as A mirrored it before it died: the mirror trails the
    // client), then ends with an error saying the answer was lost.
    let sent_by_a = on_a.rest().await;
    let followed = tokio::time::timeout(Duration::from_secs(10), follower.rest())
        .await
        .expect("the follower's stream ends");
    let (replayed, _) = followed
        .trim_end()
        .rsplit_once("\n\n")
        .expect("frames, then the error");
    assert!(sent_by_a.starts_with(replayed), "{followed}");
    assert!(replayed.contains("remember this message"), "{replayed}");
    let last = Reply {
        status: 200,
        content_type: "text/event-stream".into(),
        body: followed.clone(),
    }
    .events()
    .pop()
    .unwrap();
    assert_eq!(last["type"], "error", "{followed}");
    assert_eq!(last["allow_retry"], true);

    // The thread takes a new turn on B within the bound.
    p.llm.clear();
    p.llm.push(text_reply("Here again."));
    let (next, _) = send_when_free(&p.b, &p.token, &thread, "still there?").await;
    let took = killed.elapsed();
    println!("thread usable from B {took:?} after the kill (lease {lease} s)");
    assert_eq!(next.status, 200, "{}", next.body);
    assert!(next.body.contains("Here again."), "{}", next.body);
    assert!(took < Duration::from_secs_f64(lease + 1.0), "{took:?}");

    // The user's message is kept; no half answer is (newest first).
    let items = p.b.post(&p.token, req::list_items(&thread)).await.json();
    let texts: Vec<(String, String)> = items["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["type"].as_str().unwrap().to_string(), item_text(i)))
        .collect();
    let kinds: Vec<&str> = texts.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["assistant_message", "user_message", "user_message"],
        "{texts:?}"
    );
    assert_eq!(texts[0].1, "Here again.", "{texts:?}");
    assert_eq!(texts[2].1, "remember this message", "{texts:?}");
}

#[tokio::test]
async fn a_hung_instances_turn_is_taken_over_after_the_lease_and_dropped_when_it_wakes() {
    let Some(p) = pair(&[("RUN_LEASE_SECS", "1")]).await else {
        return;
    };
    let (_, script) = paced_reply(Duration::from_millis(100));
    let (on_a, thread) = p.turn_on_a(script, "remember this message", "word2 ").await;
    // Alive to the database (its connection stays open) but silent: only the lease tells.
    p.a.signal("STOP");
    p.llm.push(text_reply("Taken over."));
    let (next, took) = send_when_free(&p.b, &p.token, &thread, "still there?").await;
    println!("thread taken over from a hung instance after {took:?} (lease 1 s)");
    assert_eq!(next.status, 200, "{}", next.body);
    assert!(next.body.contains("Taken over."), "{}", next.body);
    assert!(
        took >= Duration::from_millis(700),
        "not before the lease: {took:?}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");

    // A wakes, finds its turn ended by the others, and drops it: one answer in the thread.
    p.a.signal("CONT");
    let rest = tokio::time::timeout(Duration::from_secs(10), on_a.rest())
        .await
        .expect("A's stream ends once A sees its turn taken over");
    assert!(!rest.contains("word40"), "{rest}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let items = p.b.post(&p.token, req::list_items(&thread)).await.json();
    let answers: Vec<String> = items["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "assistant_message")
        .map(item_text)
        .collect();
    assert_eq!(answers, ["Taken over."]);
}
