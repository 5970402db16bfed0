//! `/metrics` and the logs: a chat turn, a tool call and a 429 move their series; `METRICS`
//! decides who reads them (off, loopback by the TCP peer, bearer); `LOG_FORMAT=json` writes one
//! JSON object per line with the request's id, user and request type, never the message text.
//!
//! The registry is per process and these tests run side by side: they compare a series before
//! and after, never its absolute value.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::agent::offline::OfflineAssistant;
use app::metrics::MetricsAccess;
use common::*;
use serde_json::Value;

/// The value of one series (`name{labels}` exactly as written), failing if it is missing.
fn sample(body: &str, series: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no series {series} in:\n{body}"))
        .parse()
        .unwrap()
}

async fn scrape(app: &TestApp) -> String {
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    r.body
}

#[tokio::test]
async fn a_chat_turn_moves_the_turn_first_event_and_tool_series() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let turns = "todokit_chat_turns_total{outcome=\"ok\"}";
    let first = "todokit_chat_first_event_seconds_count";
    let took = "todokit_chat_turn_duration_seconds_count";
    let added = "todokit_tool_calls_total{tool=\"add_task\",outcome=\"ok\"}";
    let before = scrape(&app).await;

    let (_, events) = app.create_thread(&token, "add call the plumber").await;
    assert!(
        types(&events).contains(&"thread.item.done:workflow".to_string()),
        "the offline assistant ran a tool: {events:?}"
    );

    let after = scrape(&app).await;
    for series in [turns, first, took, added] {
        assert!(
            sample(&after, series) >= sample(&before, series) + 1.0,
            "{series} did not move:\n{after}"
        );
    }
    // The pool is read at scrape time: this app's pool has a connection open.
    assert!(sample(&after, "todokit_db_pool_size") >= 1.0, "{after}");
    assert!(sample(&after, "todokit_db_pool_max") >= 1.0, "{after}");
    // The turn's stream was closed and counted back.
    assert!(sample(&after, "todokit_open_streams{kind=\"chat\"}") >= 0.0);
}

#[tokio::test]
async fn a_refused_turn_moves_the_refusal_counter() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.rate_limit_per_minute = 1;
    })
    .await;
    let (_, token) = app.user().await;
    let refused = "todokit_rate_limit_refusals_total{bucket=\"chat_turns\"}";
    let before = sample(&scrape(&app).await, refused);
    app.create_thread(&token, "hello").await;
    let r = app.post(&token, req::create("hello again")).await;
    assert_eq!(r.status, 429, "{}", r.body);
    let after = sample(&scrape(&app).await, refused);
    assert!(after >= before + 1.0, "{before} → {after}");
}

#[tokio::test]
async fn metrics_off_is_not_found() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.metrics = MetricsAccess::Off;
    })
    .await;
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(!r.body.contains("todokit_"), "{}", r.body);
}

#[tokio::test]
async fn bearer_mode_needs_the_right_token() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.metrics = MetricsAccess::Bearer("metrics-token-7f3a".into());
    })
    .await;
    for token in [None, Some("wrong-token"), Some("metrics-token-7f3")] {
        let res = app
            .http
            .get(app.url("/metrics"))
            .header(
                "authorization",
                token.map_or(String::new(), |t| format!("Bearer {t}")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{token:?}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert!(!res.text().await.unwrap().contains("todokit_"));
    }
    let r = app.get("/metrics", Some("metrics-token-7f3a")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("# TYPE todokit_chat_turns_total counter"));
}

#[tokio::test]
async fn loopback_mode_serves_a_loopback_peer() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.limits.trust_forwarded_for = true;
    })
    .await;
    // The peer decides, not what a proxy (or anyone) writes in X-Forwarded-For.
    let res = app
        .http
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("todokit_open_streams"));
}

/// This machine's address on its default route, if it has one that is not loopback.
fn non_loopback_address() -> Option<IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    probe.connect("192.0.2.1:80").ok()?;
    let ip = probe.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn loopback_mode_refuses_another_peer_whatever_x_forwarded_for_says() {
    let Some(ip) = non_loopback_address() else {
        println!("skipped: no non-loopback address here (the policy's unit test covers it)");
        return;
    };
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.limits.trust_forwarded_for = true;
    })
    .await;
    // The same app, served on the non-loopback address: a client there is not loopback.
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = todokit_server::router(app.state.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let res = reqwest::Client::builder()
        .local_address(ip)
        .build()
        .unwrap()
        .get(format!("http://{addr}/metrics"))
        .header("x-forwarded-for", "127.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(!res.text().await.unwrap().contains("todokit_"));
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(app.url("/api/chatkit/health"))
        .header("x-request-id", "client-id-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "client-id-42");
    for sent in [None, Some("a".repeat(65))] {
        let mut req = app.http.get(app.url("/api/chatkit/health"));
        if let Some(id) = &sent {
            req = req.header("x-request-id", id);
        }
        let res = req.send().await.unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn json_logs_carry_the_request_and_never_the_message_text() {
    let dir = temp_dir();
    let db_url = database_url(&dir);
    let db = app::store::Db::connect(&db_url).await.unwrap();
    let email = format!("{}@example.com", app::chatkit::store::new_id("log"));
    let user = db.create_user(&email, None, "x").await.unwrap();
    let token = app::auth::token::TokenKeys::new(SECRET.as_bytes(), None, None).issue(
        &user.id,
        Some(&email),
        3600,
    );
    let port = free_port();
    let log_path = dir.join("todokit.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_todokit"))
        .env("TODOKIT_DATA_DIR", &dir)
        .env("DATABASE_URL", &db_url)
        .env("JWT_SECRET", SECRET)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .env_remove("LLM_BASE_URL")
        .env_remove("METRICS")
        .env_remove("JWT_ISSUER")
        .env_remove("JWT_AUDIENCE")
        .env_remove("LEPTOS_OUTPUT_NAME")
        .env_remove("TODOKIT_RESPONDER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http
        .get(url("/api/chatkit/health"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(Instant::now() < deadline, "todokit did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let secret_words = "add water the ficus-7q2z tomorrow";
    let res = http
        .post(url("/api/chatkit"))
        .bearer_auth(&token)
        .header("x-request-id", "json-log-test-1")
        .json(&req::create(secret_words))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "json-log-test-1");
    let body = res.text().await.unwrap();
    assert!(body.contains("ficus-7q2z"), "the turn ran: {body}");
    let scrape = http.get(url("/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    // The request span is the outermost of an event's spans.
    let request_span = |line: &Value| -> Option<Value> {
        let spans = line["spans"].as_array()?;
        spans.iter().find(|s| s["name"] == "request").cloned()
    };
    let request = lines
        .iter()
        .find(|l| {
            l["message"] == "request"
                && request_span(l).is_some_and(|s| s["request_id"] == "json-log-test-1")
        })
        .unwrap_or_else(|| panic!("no request line for json-log-test-1:\n{log}"));
    let span = request_span(request).unwrap();
    assert_eq!(span["method"], "POST", "{request}");
    assert_eq!(span["path"], "/api/chatkit", "{request}");
    assert_eq!(span["user_id"], user.id.as_str(), "{request}");
    assert_eq!(span["request_type"], "threads.create", "{request}");
    assert_eq!(request["status"], 200, "{request}");
    assert!(request["latency_ms"].as_f64().is_some(), "{request}");
    // The turn and its tool call are logged inside the request, with their durations.
    let in_request = |message: &str| {
        lines
            .iter()
            .find(|l| {
                l["message"] == message
                    && request_span(l).is_some_and(|s| s["request_id"] == "json-log-test-1")
            })
            .unwrap_or_else(|| panic!("no {message:?} line in the request:\n{log}"))
    };
    let turn = in_request("turn finished");
    assert_eq!(turn["outcome"], "ok", "{turn}");
    assert!(turn["duration_ms"].as_f64().is_some(), "{turn}");
    let tool = in_request("tool call");
    assert_eq!(tool["tool"], "add_task", "{tool}");
    assert_eq!(tool["outcome"], "ok", "{tool}");
    // Every other request has its line too (the scrape).
    assert!(
        lines.iter().any(|l| l["message"] == "request"
            && request_span(l).is_some_and(|s| s["path"] == "/metrics")),
        "{log}"
    );
    // Not a word of the message: not the text, not the task title made of it.
    assert!(
        !log.contains("ficus"),
        "the message text is in the log:\n{log}"
    );
}
