//! The MCP tool server: over stdio (the real `todokit mcp` binary, driven by rmcp's client),
//! over streamable HTTP at `/mcp` with and without a token, and the in-process duplex bridge.
//! Every test checks the database afterwards, including that other users' tasks are untouched.

mod common;

use std::process::Stdio;

use app::store::Db;
use app::tasks::model::{StatusFilter, TaskFilter};
use app::tools::mcp::McpTools;
use app::tools::{TaskTools, ToolError};
use rmcp::model::{CallToolRequestParams, CallToolResult, JsonObject};
use rmcp::ServiceExt;
use serde_json::{json, Value};

use common::*;

const TOOLS: [&str; 5] = [
    "add_task",
    "complete_task",
    "delete_task",
    "list_tasks",
    "update_task",
];

async fn user(db: &Db) -> (String, String) {
    let email = format!("{}@example.com", app::chatkit::store::new_id("u"));
    let u = db.create_user(&email, None, "x").await.unwrap();
    (u.id, email)
}

async fn titles(db: &Db, user_id: &str) -> Vec<(String, bool)> {
    let filter = TaskFilter {
        status: StatusFilter::All,
        ..Default::default()
    };
    let mut v: Vec<(String, bool)> = db
        .list_tasks(user_id, &filter, chrono::Utc::now())
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.title, t.completed))
        .collect();
    v.sort();
    v
}

fn args(v: Value) -> JsonObject {
    match v {
        Value::Object(o) => o,
        _ => panic!("not an object"),
    }
}

fn text_of(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

#[tokio::test]
async fn stdio_lists_and_calls_every_tool_for_the_named_user_only() {
    let dir = temp_dir();
    let url = database_url(&dir);
    let db = Db::connect(&url).await.unwrap();
    let (alice, alice_email) = user(&db).await;
    let (bob, _) = user(&db).await;
    let bobs = task_titled(&db, &bob, "bob's secret").await;

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_todokit"))
        .args(["mcp", "--user", &alice_email.to_uppercase()])
        .env("DATABASE_URL", &url)
        .env("TODOKIT_DATA_DIR", &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stdin = child.stdin.take().unwrap();
    let client = ().serve((stdout, stdin)).await.expect("MCP handshake");

    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    assert_eq!(names, TOOLS);

    let call =
        |name: &str, a: Value| CallToolRequestParams::new(name.to_string()).with_arguments(args(a));
    let added = client
        .call_tool(call(
            "add_task",
            json!({"title": "buy milk", "priority": "high", "due": "2026-12-01", "tags": ["home"]}),
        ))
        .await
        .unwrap();
    assert_ne!(added.is_error, Some(true), "{}", text_of(&added));
    let added = added.structured_content.unwrap();
    let id = added["added"]["id"].as_i64().unwrap();
    assert_eq!(added["added"]["title"], "buy milk");
    assert_eq!(added["added"]["priority"], "high");

    let listed = client
        .call_tool(call("list_tasks", json!({"status": "open"})))
        .await
        .unwrap()
        .structured_content
        .unwrap();
    assert_eq!(listed["count"], 1, "only alice's task: {listed}");
    assert_eq!(listed["tasks"][0]["id"], id);

    let updated = client
        .call_tool(call(
            "update_task",
            json!({"task_id": id, "title": "buy oat milk"}),
        ))
        .await
        .unwrap();
    assert_eq!(
        updated.structured_content.unwrap()["updated"]["title"],
        "buy oat milk"
    );
    let done = client
        .call_tool(call("complete_task", json!({"task_id": id})))
        .await
        .unwrap();
    assert_eq!(
        done.structured_content.unwrap()["completed"]["completed"],
        true
    );

    // Bob's task id is unknown to alice's server: a clear tool error, and nothing changes.
    for name in ["complete_task", "delete_task", "update_task"] {
        let r = client
            .call_tool(call(name, json!({"task_id": bobs, "title": "pwned"})))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true), "{name}");
        assert_eq!(text_of(&r), format!("no task with id {bobs}"), "{name}");
    }
    // Bad arguments are a tool error the model can read, not a crash.
    let bad = client
        .call_tool(call("add_task", json!({"priority": "high"})))
        .await
        .unwrap();
    assert_eq!(bad.is_error, Some(true));
    assert!(text_of(&bad).contains("title"), "{}", text_of(&bad));
    // An unknown tool is a protocol error.
    assert!(client
        .call_tool(call("drop_tables", json!({})))
        .await
        .is_err());

    assert_eq!(
        titles(&db, &alice).await,
        vec![("buy oat milk".into(), true)]
    );
    let deleted = client
        .call_tool(call("delete_task", json!({"task_id": id})))
        .await
        .unwrap();
    assert_eq!(deleted.structured_content.unwrap()["deleted"]["id"], id);
    client.cancel().await.unwrap();
    let _ = child.wait().await;

    assert!(titles(&db, &alice).await.is_empty());
    assert_eq!(
        titles(&db, &bob).await,
        vec![("bob's secret".into(), false)],
        "bob's task is untouched"
    );
}

#[tokio::test]
async fn stdio_refuses_an_unknown_user_with_a_clear_error() {
    let dir = temp_dir();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_todokit"))
        .args(["mcp", "--user", "nobody@example.com"])
        .env("DATABASE_URL", database_url(&dir))
        .env("TODOKIT_DATA_DIR", &dir)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no user with email 'nobody@example.com'"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing on the protocol channel");

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_todokit"))
        .args(["mcp"])
        .env("TODOKIT_DATA_DIR", &dir)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--user EMAIL"));
}

/// A raw streamable-HTTP MCP client: JSON-RPC POSTs, answers read from JSON or SSE bodies.
struct Http<'a> {
    app: &'a TestApp,
    token: Option<String>,
    session: Option<String>,
    next_id: i64,
}

impl<'a> Http<'a> {
    fn new(app: &'a TestApp, token: Option<&str>) -> Self {
        Http {
            app,
            token: token.map(str::to_string),
            session: None,
            next_id: 1,
        }
    }

    async fn post(&mut self, body: Value) -> (u16, Option<Value>) {
        let mut req = self
            .app
            .http
            .post(self.app.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(s) = &self.session {
            req = req.header("mcp-session-id", s);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        if let Some(s) = res.headers().get("mcp-session-id") {
            self.session = Some(s.to_str().unwrap().to_string());
        }
        let text = res.text().await.unwrap();
        let value = serde_json::from_str::<Value>(&text).ok().or_else(|| {
            text.lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
                .find(|v| v.get("id").is_some())
        });
        (status, value)
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let (status, v) = self
            .post(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        assert_eq!(status, 200, "{method}: {v:?}");
        v.unwrap_or_else(|| panic!("{method}: no JSON-RPC answer"))
    }

    async fn initialize(&mut self) {
        let r = self
            .request(
                "initialize",
                json!({"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
            )
            .await;
        assert_eq!(r["result"]["serverInfo"]["name"], "todokit", "{r}");
        let (status, _) = self
            .post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        assert_eq!(status, 202);
    }

    async fn call(&mut self, name: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
            .await
    }
}

#[tokio::test]
async fn http_without_a_valid_token_is_refused_and_does_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.user().await;
    let expired = app.state.keys.issue(&alice, None, -120);
    for token in [None, Some("not-a-jwt"), Some(expired.as_str())] {
        let mut c = Http::new(&app, token);
        let (status, body) = c
            .post(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add_task", "arguments": {"title": "sneaky"}}}))
            .await;
        assert_eq!(status, 401, "{token:?}");
        assert!(body.unwrap()["error"].as_str().is_some());
    }
    assert!(titles(&app.state.db, &alice).await.is_empty());
}

#[tokio::test]
async fn http_lists_and_calls_every_tool_as_the_token_user() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.user().await;
    let (bob, _) = app.user().await;
    let bobs = task_titled(&app.state.db, &bob, "bob's secret").await;

    let mut c = Http::new(&app, Some(&alice_token));
    c.initialize().await;
    let listed = c.request("tools/list", json!({})).await;
    let mut names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, TOOLS);
    let add_schema = &listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "add_task")
        .unwrap()["inputSchema"];
    assert_eq!(add_schema["required"], json!(["title"]));
    assert!(add_schema["properties"].get("user_id").is_none());

    let r = c.call("add_task", json!({"title": "call mom"})).await;
    let id = r["result"]["structuredContent"]["added"]["id"]
        .as_i64()
        .unwrap();
    let r = c.call("list_tasks", json!({"query": "mom"})).await;
    assert_eq!(r["result"]["structuredContent"]["count"], 1, "{r}");
    let r = c
        .call("update_task", json!({"task_id": id, "priority": "urgent"}))
        .await;
    assert_eq!(
        r["result"]["structuredContent"]["updated"]["priority"],
        "urgent"
    );
    let r = c.call("complete_task", json!({"task_id": id})).await;
    assert_eq!(
        r["result"]["structuredContent"]["completed"]["completed"],
        true
    );

    for name in ["complete_task", "delete_task", "update_task"] {
        let r = c
            .call(name, json!({"task_id": bobs, "title": "pwned"}))
            .await;
        assert_eq!(r["result"]["isError"], true, "{name}: {r}");
        assert_eq!(
            r["result"]["content"][0]["text"],
            format!("no task with id {bobs}")
        );
    }
    let extra = task_titled(&app.state.db, &alice, "to delete").await;
    let r = c.call("delete_task", json!({"task_id": extra})).await;
    assert_eq!(
        r["result"]["structuredContent"]["deleted"]["title"],
        "to delete"
    );

    assert_eq!(
        titles(&app.state.db, &alice).await,
        vec![("call mom".into(), true)]
    );
    assert_eq!(
        titles(&app.state.db, &bob).await,
        vec![("bob's secret".into(), false)]
    );
}

#[tokio::test]
async fn an_http_session_stays_with_the_user_who_opened_it() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.user().await;
    let (bob, bob_token) = app.user().await;
    let mut c = Http::new(&app, Some(&alice_token));
    c.initialize().await;
    c.call("add_task", json!({"title": "alice's"})).await;
    // Bob presents a valid token with alice's session id.
    c.token = Some(bob_token);
    let (status, r) = c
        .post(json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": "add_task", "arguments": {"title": "bob in alice's session"}}}))
        .await;
    let r = r.unwrap_or_default();
    assert!(
        status != 200
            || r["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("another user"),
        "{status} {r}"
    );
    assert_eq!(
        titles(&app.state.db, &alice).await,
        vec![("alice's".into(), false)]
    );
    assert!(titles(&app.state.db, &bob).await.is_empty());
}

#[tokio::test]
async fn the_in_process_bridge_gives_what_task_tools_give() {
    let db = test_db().await;
    let (alice, _) = user(&db).await;
    let (bob, _) = user(&db).await;
    let bobs = task_titled(&db, &bob, "bob's").await;
    let direct = TaskTools::new(db.clone(), alice.clone());
    let started = std::time::Instant::now();
    let bridge = McpTools::connect(TaskTools::new(db.clone(), alice.clone()))
        .await
        .unwrap();
    let connect_ms = started.elapsed().as_millis();

    let via_mcp = bridge
        .call("add_task", json!({"title": "buy milk", "tags": ["home"]}))
        .await
        .unwrap();
    assert_eq!(via_mcp.label, "Added task 'buy milk'");
    assert_eq!(via_mcp.tasks.len(), 1);
    assert_eq!(via_mcp.tasks[0].title, "buy milk");
    let listed_direct = direct.call("list_tasks", json!({})).await.unwrap();
    let listed_mcp = bridge.call("list_tasks", json!({})).await.unwrap();
    assert_eq!(listed_mcp, listed_direct, "same result, label and tasks");

    assert_eq!(
        bridge.call("complete_task", json!({"task_id": bobs})).await,
        Err(ToolError::UnknownTask(bobs))
    );
    assert!(matches!(
        bridge.call("add_task", json!({})).await,
        Err(ToolError::InvalidArguments(_))
    ));
    assert_eq!(
        bridge.call("drop_tables", json!({})).await,
        Err(ToolError::UnknownTool("drop_tables".into()))
    );
    assert!(matches!(
        bridge.call("list_tasks", json!([1])).await,
        Err(ToolError::InvalidArguments(_))
    ));
    bridge.close().await;
    eprintln!("in-process MCP connect took {connect_ms} ms");
    assert_eq!(titles(&db, &bob).await, vec![("bob's".into(), false)]);
    assert_eq!(titles(&db, &alice).await, vec![("buy milk".into(), false)]);
}

/// `/mcp` POSTs count against the user's `MCP_REQUESTS_PER_MINUTE`: spent is 429 with
/// `Retry-After` and a clear message, nothing is done, and other users keep their allowance.
#[tokio::test]
async fn http_requests_are_limited_per_user() {
    let app = spawn_app_configured(
        std::sync::Arc::new(app::agent::offline::OfflineAssistant),
        |c| {
            c.limits.mcp_requests_per_minute = 4;
        },
    )
    .await;
    let (alice, alice_token) = app.user().await;
    let (_, bob_token) = app.user().await;
    let mut c = Http::new(&app, Some(&alice_token));
    c.initialize().await; // two POSTs
    c.call("add_task", json!({"title": "one"})).await;
    c.call("add_task", json!({"title": "two"})).await;
    let (status, body) = c
        .post(json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": "add_task", "arguments": {"title": "three"}}}))
        .await;
    assert_eq!(status, 429);
    let message = body.unwrap()["error"].as_str().unwrap().to_string();
    assert!(message.contains("Too many MCP requests"), "{message}");
    assert!(message.contains("Please wait"), "{message}");
    let res = app
        .http
        .post(app.url("/mcp"))
        .bearer_auth(&alice_token)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&wait), "Retry-After {wait}");
    assert_eq!(
        titles(&app.state.db, &alice).await,
        vec![("one".into(), false), ("two".into(), false)]
    );
    let mut b = Http::new(&app, Some(&bob_token));
    b.initialize().await;
}

/// One validation bounds every task write: a tag longer than 40 characters, or more than 20
/// tags, is a clear tool error over MCP and for the chat's tools, and nothing is stored.
#[tokio::test]
async fn tags_are_bounded_for_the_tools_over_mcp_and_in_process() {
    let app = spawn_app().await;
    let (alice, token) = app.user().await;
    let long = "x".repeat(900);
    let mut c = Http::new(&app, Some(&token));
    c.initialize().await;
    let r = c
        .call("add_task", json!({"title": "t", "tags": [long]}))
        .await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    let text = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("a tag can be at most 40 characters"),
        "{text}"
    );
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let r = c
        .call("add_task", json!({"title": "t", "tags": many}))
        .await;
    assert!(r["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("at most 20 tags"));
    let id = task_titled(&app.state.db, &alice, "kept").await;
    let r = c
        .call(
            "update_task",
            json!({"task_id": id, "tags": ["y".repeat(41)]}),
        )
        .await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    // The chat's path: the tools through the in-process MCP bridge.
    let tools = McpTools::connect(TaskTools::new(app.state.db.clone(), alice.clone()))
        .await
        .unwrap();
    let e = tools
        .call("add_task", json!({"title": "t", "tags": ["z".repeat(41)]}))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ToolError::InvalidArguments(m) if m.contains("at most 40")),
        "{e:?}"
    );
    tools.close().await;
    assert_eq!(
        titles(&app.state.db, &alice).await,
        vec![("kept".into(), false)]
    );
    assert!(app.state.db.task(&alice, id).await.unwrap().tags.is_empty());
}
