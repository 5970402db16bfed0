//! Fault tests: the real `todokit` binary killed with SIGKILL mid-turn, a private PostgreSQL
//! stopped and started under load, and a model endpoint that fails in every way a real one does.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::binary::{events_until_cut, free_port, Server};
use common::llm::{role_chunk, text_chunk, text_reply, tool_call_chunks, Script, ScriptedLlm};
use common::*;
use serde_json::{json, Value};

/// A reply long enough (and slow enough) to be mid-stream when the server dies.
const REPLY: &str = "Noted. This answer arrives slowly, one word at a time, so that the server \
                     is killed while many turns are still streaming their words to the client.";

/// What a SIGKILL left: the restarted server, a token, the accepted turns (their number and
/// thread) and every thread of the user as `threads.get_by_id` answers it.
struct AfterKill {
    server: Server,
    llm: ScriptedLlm,
    token: String,
    accepted: Vec<(usize, String)>,
    threads: Vec<(String, Vec<Value>)>,
}

/// 50 streaming turns on the real binary, SIGKILL in the middle, a restart on the same database.
async fn kill_during_fifty_turns() -> AfterKill {
    let dir = temp_dir();
    let db_url = database_url(&dir);
    let llm = ScriptedLlm::start().await;
    for _ in 0..50 {
        llm.push(Script::Paced(
            Duration::from_millis(25),
            Box::new(text_reply(REPLY)),
        ));
    }
    let mut server = Server::start(&dir, &db_url, &llm).await;
    let db = app::store::Db::connect(&db_url).await.unwrap();
    let email = format!("{}@example.com", app::chatkit::store::new_id("kill"));
    let user = db.create_user(&email, None, "x").await.unwrap();
    let token = app::auth::token::TokenKeys::new(SECRET.as_bytes(), None, None).issue(
        &user.id,
        Some(&email),
        3600,
    );

    // 50 turns started 12 ms apart: when the kill comes, some are done, some are streaming,
    // some wait for the model, some never reached the server.
    let mut turns = Vec::new();
    for n in 0..50 {
        let text = format!("message number {n}");
        turns.push(tokio::spawn(events_until_cut(
            server.url("/api/chatkit"),
            token.clone(),
            req::create(&text),
        )));
        tokio::time::sleep(Duration::from_millis(12)).await;
    }
    tokio::time::sleep(Duration::from_millis(250)).await;
    server.kill();

    // Accepted: the user item's `thread.item.done` arrived.
    let mut accepted = Vec::new();
    let mut completed = 0;
    for (n, turn) in turns.into_iter().enumerate() {
        let events = turn.await.unwrap();
        let done: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "thread.item.done")
            .map(|e| &e["item"])
            .collect();
        if let Some(user_item) = done.iter().find(|i| i["type"] == "user_message") {
            accepted.push((n, user_item["thread_id"].as_str().unwrap().to_string()));
        }
        completed += done
            .iter()
            .filter(|i| i["type"] == "assistant_message")
            .count();
    }
    println!(
        "{} of 50 turns accepted, {completed} completed before the kill",
        accepted.len()
    );
    assert!(
        accepted.len() > completed,
        "some accepted turns were still running when the server died"
    );

    llm.clear();
    let server = Server::start(&dir, &db_url, &llm).await;
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = server
            .post(
                &token,
                req::list_threads(app::chatkit::types::ListParams {
                    limit: Some(100),
                    after: after.take(),
                    ..Default::default()
                }),
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let page = page.json();
        ids.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string()),
        );
        match (page["has_more"].as_bool(), page["after"].as_str()) {
            (Some(true), Some(next)) => after = Some(next.to_string()),
            _ => break,
        }
    }
    let mut threads = Vec::new();
    for id in ids {
        let r = server.post(&token, req::get_thread(&id)).await;
        assert_eq!(r.status, 200, "every thread loads: {}", r.body);
        let items = r.json()["items"]["data"].as_array().unwrap().clone();
        threads.push((id, items));
    }
    AfterKill {
        server,
        llm,
        token,
        accepted,
        threads,
    }
}

#[tokio::test]
async fn sigkill_during_fifty_streaming_turns_loses_no_accepted_message() {
    let AfterKill {
        server,
        llm,
        token,
        accepted,
        threads,
    } = kill_during_fifty_turns().await;
    assert!(!accepted.is_empty());
    for (n, thread_id) in &accepted {
        let items = server.post(&token, req::list_items(thread_id)).await;
        assert_eq!(items.status, 200, "{}", items.body);
        let items = items.json()["data"].as_array().unwrap().clone();
        let user_items: Vec<&Value> = items
            .iter()
            .filter(|i| i["type"] == "user_message")
            .collect();
        assert_eq!(user_items.len(), 1, "{items:?}");
        assert_eq!(item_text(user_items[0]), format!("message number {n}"));
    }
    assert!(threads.len() >= accepted.len(), "{} threads", threads.len());
    // Every stored item is whole: a reply is stored complete or not at all.
    for (_, items) in &threads {
        for item in items {
            if item["type"] == "assistant_message" {
                assert_eq!(item_text(item), REPLY, "no half-written reply");
            }
        }
    }
    // The restarted server serves a new turn, on a new thread and on an old one.
    llm.push(text_reply("Back again."));
    let r = server.post(&token, req::create("after the restart")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Back again."), "{}", r.body);
    llm.push(text_reply("Still here."));
    let (_, old) = &accepted[0];
    let r = server.post(&token, req::add_message(old, "go on")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Still here."), "{}", r.body);
}

// `threads.create` stores the thread with its first message in one transaction: a kill never
// leaves an empty thread in the list (before that, 1 in 50 turns did).
#[tokio::test]
async fn sigkill_during_thread_creation_leaves_no_empty_thread() {
    let after = kill_during_fifty_turns().await;
    let empty: Vec<&String> = after
        .threads
        .iter()
        .filter(|(_, items)| items.first().map(|i| &i["type"]) != Some(&json!("user_message")))
        .map(|(id, _)| id)
        .collect();
    assert!(
        empty.is_empty(),
        "threads without their user message: {empty:?}"
    );
}

/// A PostgreSQL cluster of the test's own (the machine's shared one is never restarted), as the
/// `postgres` user when the test runs as root (initdb refuses root).
struct PrivatePostgres {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
}

impl PrivatePostgres {
    /// Why not, when the Debian binaries are missing or do not start.
    fn start() -> Result<PrivatePostgres, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no /usr/lib/postgresql: {e}"))?
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .find(|b| b.join("initdb").exists())
            .ok_or("no initdb under /usr/lib/postgresql")?;
        let dir = temp_dir().join("pg");
        std::fs::create_dir_all(&dir).unwrap();
        let pg = PrivatePostgres {
            bin,
            dir,
            port: free_port(),
        };
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(&pg.dir)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err("cannot hand the cluster's folder to the postgres user".into());
            }
        }
        let data = pg.dir.join("data");
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
            ],
        )?;
        pg.ctl("start")?;
        Ok(pg)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        let out = cmd
            .args(args)
            .output()
            .map_err(|e| format!("{tool}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// `pg_ctl start` (waiting until it accepts connections) or an immediate `stop` (a crash, as
    /// far as clients can tell).
    fn ctl(&self, action: &str) -> Result<(), String> {
        let data = self.dir.join("data");
        let log = self.dir.join("log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        match action {
            "start" => self.run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-o",
                    &opts,
                    "-l",
                    log.to_str().unwrap(),
                    "-w",
                    "start",
                ],
            ),
            _ => self.run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            ),
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.ctl("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Status and body of a request that must answer within 15 s whatever the database does.
async fn bounded(app: &TestApp, token: &str, body: Value) -> Reply {
    let res = tokio::time::timeout(Duration::from_secs(15), app.post(token, body))
        .await
        .expect("an answer while the database is down, not a hang");
    res
}

#[tokio::test]
async fn postgres_stopped_under_load_gives_clean_errors_and_recovers_without_a_restart() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.trim().is_empty()) {
        println!("skipped: TEST_DATABASE_URL is not set (this fault is PostgreSQL's)");
        return;
    }
    let pg = match PrivatePostgres::start() {
        Ok(pg) => pg,
        Err(why) => {
            println!("skipped: no private PostgreSQL cluster: {why}");
            return;
        }
    };
    let llm = ScriptedLlm::start().await;
    let url = pg.url();
    let app = spawn_app_configured(llm.model(), |c| c.database_url = url).await;
    let (_, token) = app.user().await;
    llm.push(text_reply("Before."));
    let (thread_id, events) = app.create_thread(&token, "before the outage").await;
    assert!(error_free(&events), "{events:?}");

    // A turn in flight when the database goes: its model answers after the stop.
    llm.push(Script::Slow(
        Duration::from_millis(1500),
        Box::new(text_reply("Too late to save.")),
    ));
    let in_flight = {
        let (http, url, token, thread_id) = (
            app.http.clone(),
            app.url("/api/chatkit"),
            token.clone(),
            thread_id.clone(),
        );
        tokio::spawn(async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .json(&req::add_message(&thread_id, "in flight"))
                .timeout(Duration::from_secs(15))
                .send()
                .await
                .unwrap();
            Reply::read(res).await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Load while it is down: reads and turns at once, three rounds of each.
    pg.ctl("stop").unwrap();
    let mut down = Vec::new();
    let asked = Instant::now();
    let rounds = (0..3).map(|_| {
        let (app, token, thread_id) = (&app, &token, &thread_id);
        async move {
            let (list, get, turn) = futures::join!(
                bounded(app, token, req::list_threads(Default::default())),
                bounded(app, token, req::get_thread(thread_id)),
                bounded(app, token, req::add_message(thread_id, "during")),
            );
            [
                ("threads.list", list),
                ("threads.get_by_id", get),
                ("threads.add_user_message", turn),
            ]
        }
    });
    for (what, r) in futures::future::join_all(rounds)
        .await
        .into_iter()
        .flatten()
    {
        if r.status == 200 && what == "threads.add_user_message" {
            let events = r.events();
            assert!(
                events.iter().any(
                    |e| e["type"] == "error" && !e["message"].as_str().unwrap_or("").is_empty()
                ),
                "a turn without its database ends with an error event: {events:?}"
            );
        } else {
            down.push((what, r.status, r.body));
        }
    }
    println!(
        "9 requests answered within {:?} while PostgreSQL was down",
        asked.elapsed()
    );
    let in_flight = in_flight.await.unwrap();
    assert_eq!(in_flight.status, 200, "{}", in_flight.body);
    let events = in_flight.events();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "error" && !e["message"].as_str().unwrap_or("").is_empty()),
        "the turn caught by the outage ends with an error event: {events:?}"
    );
    llm.clear();
    for (what, status, body) in &down {
        assert_eq!(*status, 503, "{what} while the database is down: {body}");
        let error: Value = serde_json::from_str(body).expect("a JSON error");
        assert!(
            error["error"].is_object() || error["message"].is_string(),
            "{body}"
        );
    }
    let health = app.get("/api/chatkit/health", None).await;
    assert_eq!(health.status, 503, "{}", health.body);

    pg.ctl("start").unwrap();
    // The pool reconnects by itself: no restart of todokit.
    let restarted = Instant::now();
    let deadline = restarted + Duration::from_secs(20);
    loop {
        let r = bounded(&app, &token, req::get_thread(&thread_id)).await;
        if r.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no recovery: {} {}",
            r.status,
            r.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "serving again {:?} after PostgreSQL came back",
        restarted.elapsed()
    );
    llm.push(text_reply("After."));
    let r = bounded(
        &app,
        &token,
        req::add_message(&thread_id, "after the outage"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let events = r.events();
    assert!(error_free(&events), "{events:?}");
    assert!(r.body.contains("After."));
    let items = app.get_thread(&token, &thread_id).await.json()["items"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "user_message")
        .map(item_text)
        .collect::<Vec<_>>();
    assert_eq!(items.first().map(String::as_str), Some("before the outage"));
    assert_eq!(items.last().map(String::as_str), Some("after the outage"));
}

fn error_free(events: &[Value]) -> bool {
    !events.iter().any(|e| e["type"] == "error")
}

/// Each way a model endpoint fails: the user sees an `error` event with a message, their message
/// is stored, and the next message on the same thread works.
#[tokio::test]
async fn after_each_model_failure_the_message_is_kept_and_the_next_one_works() {
    let llm = ScriptedLlm::start().await;
    let model = llm.model();
    let app = spawn_app_timing_out(model, Duration::from_millis(700)).await;
    let (_, token) = app.user().await;
    let mut cut_in_tool_call = vec![role_chunk(), text_chunk("Adding it.")];
    cut_in_tool_call
        .push(tool_call_chunks(&[("c1", "add_task", json!({"title": "Milk"}))])[0].clone());
    let failures: Vec<(&str, Script)> = vec![
        ("HTTP 500", Script::Status(500)),
        (
            "a hang past the timeout",
            Script::Slow(Duration::from_secs(5), Box::new(text_reply("too late"))),
        ),
        (
            "a stream cut inside a tool call",
            Script::Cut(cut_in_tool_call),
        ),
        (
            "invalid JSON mid-stream",
            Script::Garbage(vec![role_chunk(), text_chunk("Partial")]),
        ),
        (
            "a JSON body cut short instead of a stream",
            Script::Raw("application/json", r#"{"choices": [{"delta": "#.into()),
        ),
        (
            "an HTML page from a proxy",
            Script::Raw("text/html", "<html><body>Bad gateway</body></html>".into()),
        ),
    ];
    for (what, failure) in failures {
        llm.clear();
        llm.push(failure);
        let text = format!("add milk ({what})");
        let (thread_id, events) = app.create_thread(&token, &text).await;
        let error = events
            .iter()
            .find(|e| e["type"] == "error")
            .unwrap_or_else(|| panic!("{what}: no error event in {events:?}"));
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.len() > 10 && !message.contains("panicked"),
            "{what}: a clear message, not {error}"
        );
        let items = app.get_thread(&token, &thread_id).await.json()["items"]["data"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(items[0]["type"], "user_message", "{what}");
        assert_eq!(item_text(&items[0]), text, "{what}: the message is kept");

        llm.clear();
        llm.push(text_reply("All good now."));
        let r = app
            .post(&token, req::add_message(&thread_id, "try again"))
            .await;
        assert_eq!(r.status, 200, "{what}: {}", r.body);
        let events = r.events();
        assert!(error_free(&events), "{what}: {events:?}");
        assert!(r.body.contains("All good now."), "{what}: {}", r.body);
    }
}
