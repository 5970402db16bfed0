//! Test support: a real server on a loopback port over a real database (a fresh SQLite file,
//! or the PostgreSQL named by TEST_DATABASE_URL), and raw HTTP helpers.
#![allow(dead_code)]

pub mod llm;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

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
        |db| Agent::new(db, Arc::new(OfflineAssistant)),
        Some(Arc::new(app::chatkit::scripted::ScriptedResponder)),
        |_| {},
    )
    .await
}

pub async fn spawn_app_with(model: Arc<dyn Model>) -> TestApp {
    spawn_app_inner(|db| Agent::new(db, model), None, |_| {}).await
}

/// A server around an agent built here (guardrails, limits, agents).
pub async fn spawn_app_with_agent(build: impl FnOnce(Db) -> Agent) -> TestApp {
    spawn_app_inner(build, None, |_| {}).await
}

/// Like [`spawn_app_with`], with the test's changes to the configuration applied.
pub async fn spawn_app_configured(
    model: Arc<dyn Model>,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_app_inner(|db| Agent::new(db, model), None, adjust).await
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = todokit_server::router(state.clone());
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

    /// Creates a thread with one message and returns its id and events.
    pub async fn create_thread(&self, token: &str, text: &str) -> (String, Vec<Value>) {
        let r = self
            .post(
                token,
                serde_json::json!({"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":text}],"attachments":[],"inference_options":{}}}}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let events = r.events();
        let id = events[0]["thread"]["id"].as_str().unwrap().to_string();
        (id, events)
    }
}
