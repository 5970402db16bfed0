//! Test support: a real server on a loopback port over a real database (a fresh SQLite file,
//! or the PostgreSQL named by TEST_DATABASE_URL), HTTP helpers and typed ChatKit requests (`req`).
#![allow(dead_code)]

pub mod binary;
pub mod llm;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use app::agent::task_assistant::TaskAssistant;
use app::agent::{offline::OfflineAssistant, Agent, Model};
use app::chatkit::store::new_id;
use app::state::{AppState, Config};
use app::store::Db;
use serde_json::Value;

pub const SECRET: &str = "test-secret-0123456789abcdef-0123456789";

/// TEST_DATABASE_URL when set (PostgreSQL in CI), else a new SQLite file.
pub fn database_url(dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => format!("sqlite://{}", dir.join("test.db").display()),
    }
}

pub fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("todokit-test-{}", new_id("d")));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub async fn test_db() -> Db {
    Db::connect(&database_url(&temp_dir()))
        .await
        .expect("test database opens")
}

/// A new open task with only a title; returns its id.
pub async fn task_titled(db: &Db, user_id: &str, title: &str) -> i64 {
    db.create_task(
        user_id,
        app::tasks::model::NewTask {
            title: title.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub http: reqwest::Client,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Arc::new(OfflineAssistant)).await
}

/// The app with the conformance fixture (`ScriptedResponder`) answering chat requests.
pub async fn spawn_app_scripted() -> TestApp {
    spawn_app_inner(
        |db| Agent::new(Arc::new(OfflineAssistant), TaskAssistant::new(db)),
        Some(Arc::new(app::chatkit::scripted::ScriptedResponder)),
        |_| {},
    )
    .await
}

/// The app with a test's own `Responder` answering chat requests.
pub async fn spawn_app_responding(responder: Arc<dyn app::chatkit::Responder>) -> TestApp {
    spawn_app_inner(
        |db| Agent::new(Arc::new(OfflineAssistant), TaskAssistant::new(db)),
        Some(responder),
        |_| {},
    )
    .await
}

pub async fn spawn_app_with(model: Arc<dyn Model>) -> TestApp {
    spawn_app_inner(|db| Agent::new(model, TaskAssistant::new(db)), None, |_| {}).await
}

/// A server around an agent built here (guardrails, limits, agents).
pub async fn spawn_app_with_agent(build: impl FnOnce(Db) -> Agent) -> TestApp {
    spawn_app_inner(build, None, |_| {}).await
}

/// Like [`spawn_app_with`], with a model turn timing out after `timeout`.
pub async fn spawn_app_timing_out(model: Arc<dyn Model>, timeout: std::time::Duration) -> TestApp {
    spawn_app_with_agent(|db| {
        let mut agent = Agent::new(model, TaskAssistant::new(db));
        agent.turn_timeout = timeout;
        agent
    })
    .await
}

/// Like [`spawn_app_with`], with the test's changes to the configuration applied.
pub async fn spawn_app_configured(
    model: Arc<dyn Model>,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_app_inner(|db| Agent::new(model, TaskAssistant::new(db)), None, adjust).await
}

async fn spawn_app_inner(
    build: impl FnOnce(Db) -> Agent,
    responder: Option<Arc<dyn app::chatkit::Responder>>,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    let dir = temp_dir();
    let mut config = Config {
        data_dir: dir.clone(),
        database_url: database_url(&dir),
        jwt_secret: SECRET.as_bytes().to_vec(),
        jwt_issuer: None,
        jwt_audience: None,
        session_ttl_secs: 3600,
        max_message_chars: 16_000,
        llm: None,
        llm_timeout: std::time::Duration::from_secs(30),
        rate_limit_per_minute: 1000,
        rate_limit_window_secs: 60,
        transcription: None,
        max_attachment_bytes: 10 * 1024 * 1024,
        public_url: None,
        limits: Default::default(),
        metrics: Default::default(),
        run_lease: std::time::Duration::from_secs(15),
    };
    adjust(&mut config);
    let db = Db::connect(&config.database_url)
        .await
        .expect("test database opens");
    let agent = build(db.clone());
    let mut state = AppState::with_agent(config, todokit_server::leptos_options(), db, agent);
    if let Some(r) = responder {
        state = state.with_responder(r);
    }
    // Each test app is a deployment of its own: allowances shared through the database would
    // mix the apps of every test (all of them on 127.0.0.1) and outlive the run.
    // `instances.rs` runs the shared limiter, across two real instances.
    state.limiter = state.limiter.unshared();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = todokit_server::router(state.clone());
    let router = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    TestApp {
        addr,
        state,
        http: reqwest::Client::new(),
    }
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    /// Status, content type and body of a response.
    pub async fn read(res: reqwest::Response) -> Reply {
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        Reply {
            status,
            content_type,
            body: res.text().await.unwrap(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Parses an SSE body framed as `data: <json>\n\n`, failing on anything else.
    pub fn events(&self) -> Vec<Value> {
        assert!(
            self.content_type.starts_with("text/event-stream"),
            "{}",
            self.content_type
        );
        assert!(
            self.body.is_empty() || self.body.ends_with("\n\n"),
            "unterminated frame: {:?}",
            self.body
        );
        self.body
            .split_terminator("\n\n")
            .map(|frame| {
                let data = frame
                    .strip_prefix("data: ")
                    .unwrap_or_else(|| panic!("bad frame {frame:?}"));
                assert!(!data.contains('\n'), "one line per event");
                serde_json::from_str(data).unwrap()
            })
            .collect()
    }
}

/// The text of a message item.
pub fn item_text(item: &Value) -> String {
    item["content"]
        .as_array()
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<String>()
        })
        .unwrap_or_default()
}

pub fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let t = e["type"].as_str().unwrap().to_string();
            match t.as_str() {
                "thread.item.updated" => format!("{t}:{}", e["update"]["type"].as_str().unwrap()),
                "thread.item.added" | "thread.item.done" => {
                    format!("{t}:{}", e["item"]["type"].as_str().unwrap())
                }
                _ => t,
            }
        })
        .collect()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A new signed-up user and a bearer token for them.
    pub async fn user(&self) -> (String, String) {
        let email = format!("{}@example.com", new_id("u"));
        let user = self.state.db.create_user(&email, None, "x").await.unwrap();
        let token = self.state.keys.issue(&user.id, Some(&email), 3600);
        (user.id, token)
    }

    /// A signed-in browser's session cookie for `user_id` (`name=value`), with its server-side
    /// session, as signing in sets it.
    pub async fn session_cookie(&self, user_id: &str) -> String {
        let sid = self.state.db.create_session(user_id, 3600).await.unwrap();
        let token = self.state.keys.issue_in_session(
            user_id,
            None,
            3600,
            app::auth::token::SESSION_TYPE,
            &sid,
        );
        format!("{}={token}", app::auth::session::COOKIE_NAME)
    }

    pub async fn post_raw(&self, token: Option<&str>, body: &str) -> Reply {
        let mut req = self
            .http
            .post(self.url("/api/chatkit"))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::read(req.send().await.unwrap()).await
    }

    pub async fn post(&self, token: &str, body: Value) -> Reply {
        self.post_raw(Some(token), &body.to_string()).await
    }

    /// `threads.get_by_id`: the thread with its visible items.
    pub async fn get_thread(&self, token: &str, thread_id: &str) -> Reply {
        self.post(token, req::get_thread(thread_id)).await
    }

    /// A GET of `path`, with the bearer token if given, read to its end.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Reply::read(req.send().await.unwrap()).await
    }

    /// Creates a thread with one message and returns its id and events.
    pub async fn create_thread(&self, token: &str, text: &str) -> (String, Vec<Value>) {
        let r = self.post(token, req::create(text)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let events = r.events();
        let id = events[0]["thread"]["id"].as_str().unwrap().to_string();
        (id, events)
    }
}

/// Well-formed ChatKit requests, written by the protocol's own types. Tests that send malformed,
/// unknown or byte-exact requests on purpose write their JSON by hand instead.
pub mod req {
    use app::chatkit::types::{
        Action, AddUserMessageParams, AttachmentIdParams, ChatKitRequest, CreateAttachmentParams,
        CreateThreadParams, CustomActionParams, FeedbackKind, FeedbackParams, ListItemsParams,
        ListParams, ThreadIdParams, ThreadItemParams, TranscribeParams, UpdateThreadParams,
        UserMessageInput,
    };
    use serde_json::Value;

    fn json(request: ChatKitRequest) -> Value {
        serde_json::to_value(request).expect("a request serialises")
    }

    fn thread(thread_id: &str) -> ThreadIdParams {
        ThreadIdParams {
            thread_id: thread_id.into(),
        }
    }

    /// `text` with the ids of uploaded attachments.
    fn message(text: &str, attachments: &[&str]) -> UserMessageInput {
        UserMessageInput {
            attachments: attachments.iter().map(|a| a.to_string()).collect(),
            ..UserMessageInput::text(text)
        }
    }

    pub fn create(text: &str) -> Value {
        create_with(text, &[])
    }

    /// `threads.create` with a message carrying these attachments.
    pub fn create_with(text: &str, attachments: &[&str]) -> Value {
        json(ChatKitRequest::CreateThread(CreateThreadParams {
            input: message(text, attachments),
        }))
    }

    pub fn add_message(thread_id: &str, text: &str) -> Value {
        json(ChatKitRequest::AddUserMessage(AddUserMessageParams {
            thread_id: thread_id.into(),
            input: message(text, &[]),
        }))
    }

    pub fn get_thread(thread_id: &str) -> Value {
        json(ChatKitRequest::GetThread(thread(thread_id)))
    }

    /// `threads.list`; `Default::default()` for the first page.
    pub fn list_threads(params: ListParams) -> Value {
        json(ChatKitRequest::ListThreads(params))
    }

    pub fn list_items(thread_id: &str) -> Value {
        json(ChatKitRequest::ListItems(ListItemsParams {
            thread_id: thread_id.into(),
            limit: None,
            order: Default::default(),
            after: None,
        }))
    }

    pub fn update_thread(thread_id: &str, title: &str) -> Value {
        json(ChatKitRequest::UpdateThread(UpdateThreadParams {
            thread_id: thread_id.into(),
            title: title.into(),
        }))
    }

    pub fn delete_thread(thread_id: &str) -> Value {
        json(ChatKitRequest::DeleteThread(thread(thread_id)))
    }

    pub fn retry_after(thread_id: &str, item_id: &str) -> Value {
        json(ChatKitRequest::RetryAfterItem(ThreadItemParams {
            thread_id: thread_id.into(),
            item_id: item_id.into(),
        }))
    }

    pub fn feedback(thread_id: &str, item_ids: &[&str], kind: FeedbackKind) -> Value {
        json(ChatKitRequest::Feedback(FeedbackParams {
            thread_id: thread_id.into(),
            item_ids: item_ids.iter().map(|i| i.to_string()).collect(),
            kind,
        }))
    }

    /// `threads.custom_action` from a widget item, with the action as the widget carries it.
    pub fn custom_action(thread_id: &str, item_id: &str, action: Value) -> Value {
        json(ChatKitRequest::CustomAction(CustomActionParams {
            thread_id: thread_id.into(),
            item_id: Some(item_id.into()),
            action: serde_json::from_value::<Action>(action).expect("an action"),
        }))
    }

    pub fn cancel(thread_id: &str) -> Value {
        json(ChatKitRequest::CancelRun(thread(thread_id)))
    }

    pub fn resume(thread_id: &str) -> Value {
        json(ChatKitRequest::ResumeRun(thread(thread_id)))
    }

    pub fn create_attachment(name: &str, size: i64, mime_type: &str) -> Value {
        json(ChatKitRequest::CreateAttachment(CreateAttachmentParams {
            name: name.into(),
            size,
            mime_type: mime_type.into(),
        }))
    }

    pub fn delete_attachment(attachment_id: &str) -> Value {
        json(ChatKitRequest::DeleteAttachment(AttachmentIdParams {
            attachment_id: attachment_id.into(),
        }))
    }

    pub fn transcribe(audio_base64: &str, mime_type: &str) -> Value {
        json(ChatKitRequest::Transcribe(TranscribeParams {
            audio_base64: audio_base64.into(),
            mime_type: mime_type.into(),
        }))
    }
}

/// Posts a server function the way the hydrated page does (url-encoded form, JSON answer, a
/// same-origin `Origin`); `cookie` is `name=value`.
pub async fn post_server_fn(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    form: impl Into<String>,
) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("origin", format!("http://{}", app.addr))
        .body(form.into());
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

/// Starts a streaming request and reads until `needle` has arrived; returns what was read and
/// the still-open response.
pub async fn open_until(
    app: &TestApp,
    token: &str,
    body: Value,
    needle: &str,
) -> (String, reqwest::Response) {
    let mut res = app
        .http
        .post(app.url("/api/chatkit"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut seen = String::new();
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), res.chunk())
            .await
            .expect("stream progresses")
            .unwrap()
            .unwrap_or_else(|| panic!("stream ended before {needle:?}: {seen}"));
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    (seen, res)
}
