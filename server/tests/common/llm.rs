//! A scripted OpenAI-compatible Chat Completions server on loopback (the one test double, at the
//! LLM edge): it records every request and answers with the next scripted reply or failure.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::agent::openai::{LlmSettings, OpenAiCompatible};
use app::agent::Model;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use serde_json::{json, Value};

/// One scripted answer to a streamed request.
pub enum Script {
    /// These chunks as SSE `data:` lines, then `data: [DONE]`.
    Stream(Vec<Value>),
    /// An HTTP error status with a JSON error body.
    Status(u16),
    /// Waits, then answers with the inner script.
    Slow(Duration, Box<Script>),
    /// These chunks, then the connection closes mid-stream.
    Cut(Vec<Value>),
    /// These chunks, then a line that is not JSON (and more chunks after it).
    Garbage(Vec<Value>),
    /// The inner script's chunks with this pause between them (a slow model, mid-stream).
    Paced(Duration, Box<Script>),
    /// HTTP 200 with this content type and body as is (a proxy's page, a truncated JSON).
    Raw(&'static str, String),
}

#[derive(Default)]
struct Inner {
    scripts: Mutex<VecDeque<Script>>,
    requests: Mutex<Vec<Value>>,
    /// The answer to title requests (`stream: false`); `None` answers HTTP 500.
    title: Mutex<Option<String>>,
    /// Answers to `/audio/transcriptions`: the text, or an HTTP status.
    transcripts: Mutex<VecDeque<Result<String, u16>>>,
    /// Each transcription request: its content type and raw (multipart) body.
    uploads: Mutex<Vec<(String, Vec<u8>)>>,
}

pub struct ScriptedLlm {
    /// The base URL, ending in `/v1`.
    pub url: String,
    inner: Arc<Inner>,
}

impl ScriptedLlm {
    pub async fn start() -> ScriptedLlm {
        let inner = Arc::new(Inner::default());
        *inner.title.lock().unwrap() = Some("Scripted title".into());
        let router = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(completions))
            .route(
                "/v1/audio/transcriptions",
                axum::routing::post(transcriptions),
            )
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        ScriptedLlm {
            url: format!("http://{addr}/v1"),
            inner,
        }
    }

    /// A provider pointed at this server, as `LLM_BASE_URL` etc. would configure it.
    pub fn model(&self) -> Arc<dyn Model> {
        Arc::new(OpenAiCompatible::new(LlmSettings {
            base_url: self.url.clone(),
            api_key: Some("test-key".into()),
            model: "scripted-model".into(),
        }))
    }

    pub fn push(&self, script: Script) -> &Self {
        self.inner.scripts.lock().unwrap().push_back(script);
        self
    }

    pub fn set_title(&self, title: Option<&str>) {
        *self.inner.title.lock().unwrap() = title.map(str::to_string);
    }

    /// Streamed (turn) requests, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.all_requests()
            .into_iter()
            .filter(|r| r["stream"] == true)
            .collect()
    }

    pub fn title_requests(&self) -> Vec<Value> {
        self.all_requests()
            .into_iter()
            .filter(|r| r["stream"] != true)
            .collect()
    }

    fn all_requests(&self) -> Vec<Value> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// The next transcription answers `text` (`Ok`) or fails with a status (`Err`).
    pub fn push_transcript(&self, answer: Result<&str, u16>) {
        self.inner
            .transcripts
            .lock()
            .unwrap()
            .push_back(answer.map(str::to_string));
    }

    /// Transcription requests so far: (content type, body).
    pub fn uploads(&self) -> Vec<(String, Vec<u8>)> {
        self.inner.uploads.lock().unwrap().clone()
    }

    pub fn scripts_left(&self) -> usize {
        self.inner.scripts.lock().unwrap().len()
    }

    /// Drops the scripts nobody asked for (turns that never reached the model).
    pub fn clear(&self) {
        self.inner.scripts.lock().unwrap().clear();
    }
}

async fn completions(
    State(inner): State<Arc<Inner>>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    assert_eq!(
        headers.get("authorization").and_then(|v| v.to_str().ok()),
        Some("Bearer test-key"),
        "the API key is sent as a bearer token"
    );
    let streamed = body["stream"] == true;
    inner.requests.lock().unwrap().push(body);
    if !streamed {
        let title = inner.title.lock().unwrap().clone();
        return match title {
            Some(t) => Json(json!({
                "id": "cmpl-title", "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}],
            }))
            .into_response(),
            None => error_status(500),
        };
    }
    let script = inner.scripts.lock().unwrap().pop_front();
    match script {
        Some(s) => answer(s).await,
        None => error_status(500),
    }
}

async fn transcriptions(
    State(inner): State<Arc<Inner>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    inner
        .uploads
        .lock()
        .unwrap()
        .push((content_type, body.to_vec()));
    match inner.transcripts.lock().unwrap().pop_front() {
        Some(Ok(text)) => Json(json!({ "text": text })).into_response(),
        Some(Err(status)) => error_status(status),
        None => error_status(500),
    }
}

fn error_status(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (
        status,
        Json(json!({"error": {"message": format!("scripted {status}"), "type": "server_error"}})),
    )
        .into_response()
}

/// An SSE response of these `data:` payloads; `cut` ends it with a broken connection.
fn sse(payloads: Vec<String>, cut: bool) -> Response {
    paced_sse(payloads, cut, Duration::from_millis(2))
}

/// [`sse`] with `pace` between frames.
fn paced_sse(payloads: Vec<String>, cut: bool, pace: Duration) -> Response {
    let mut frames: Vec<Result<Bytes, std::io::Error>> = payloads
        .into_iter()
        .map(|p| Ok(Bytes::from(format!("data: {p}\n\n"))))
        .collect();
    if cut {
        frames.push(Err(std::io::Error::other("connection cut")));
    }
    // Small pauses so the client really receives the chunks one by one.
    let body = futures::stream::iter(frames).then(move |f| async move {
        tokio::time::sleep(pace).await;
        f
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(body))
        .unwrap()
}

fn payloads(chunks: Vec<Value>) -> Vec<String> {
    chunks.into_iter().map(|c| c.to_string()).collect()
}

fn answer(script: Script) -> futures::future::BoxFuture<'static, Response> {
    Box::pin(async move {
        match script {
            Script::Stream(chunks) => {
                let mut p = payloads(chunks);
                p.push("[DONE]".into());
                sse(p, false)
            }
            Script::Status(code) => error_status(code),
            Script::Slow(wait, inner) => {
                tokio::time::sleep(wait).await;
                answer(*inner).await
            }
            Script::Cut(chunks) => sse(payloads(chunks), true),
            Script::Garbage(chunks) => {
                let mut p = payloads(chunks);
                p.push("{\"choices\": [{\"delta\": {\"content\": \"oops\"".into());
                p.push(text_chunk(" never shown").to_string());
                p.push("[DONE]".into());
                sse(p, false)
            }
            Script::Paced(pace, inner) => match *inner {
                Script::Stream(chunks) => {
                    let mut p = payloads(chunks);
                    p.push("[DONE]".into());
                    paced_sse(p, false, pace)
                }
                Script::Cut(chunks) => paced_sse(payloads(chunks), true, pace),
                other => answer(other).await,
            },
            Script::Raw(content_type, body) => Response::builder()
                .header("content-type", content_type)
                .body(Body::from(body))
                .unwrap(),
        }
    })
}

// Chunk builders, shaped like real servers' output (llama.cpp, vLLM, OpenAI): no `usage`,
// `finish_reason` null or "" until the end, an opening role chunk with `reasoning_content`.

fn chunk(delta: Value, finish_reason: Value) -> Value {
    json!({
        "id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 1, "model": "scripted-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    })
}

pub fn role_chunk() -> Value {
    chunk(
        json!({"role": "assistant", "content": null, "reasoning_content": "Let me think."}),
        Value::Null,
    )
}

pub fn text_chunk(text: &str) -> Value {
    chunk(json!({"content": text}), json!(""))
}

pub fn finish_chunk(reason: &str) -> Value {
    chunk(json!({}), json!(reason))
}

/// A text answer in several deltas (one per word).
pub fn text_reply(text: &str) -> Script {
    let mut chunks = vec![role_chunk()];
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    chunks.extend(words.into_iter().map(text_chunk));
    chunks.push(finish_chunk("stop"));
    Script::Stream(chunks)
}

/// The chunks of tool calls `(id, name, arguments)`: each call's arguments split in two
/// pieces, the pieces of different calls interleaved, joined again only by `index`.
pub fn tool_call_chunks(calls: &[(&str, &str, Value)]) -> Vec<Value> {
    let mut firsts = Vec::new();
    let mut rests = Vec::new();
    for (index, (id, name, args)) in calls.iter().enumerate() {
        // A JSON string is sent as is (to script malformed arguments).
        let args = match args {
            Value::String(raw) => raw.clone(),
            v => v.to_string(),
        };
        let mid = (0..=args.len() / 2)
            .rev()
            .find(|i| args.is_char_boundary(*i))
            .unwrap();
        let (a, b) = args.split_at(mid);
        firsts.push(chunk(
            json!({"tool_calls": [{"index": index, "id": id, "type": "function",
                "function": {"name": name, "arguments": a}}]}),
            Value::Null,
        ));
        rests.push(chunk(
            json!({"tool_calls": [{"index": index, "function": {"arguments": b}}]}),
            Value::Null,
        ));
    }
    firsts.into_iter().chain(rests).collect()
}

/// A response that only calls tools.
pub fn tool_reply(calls: &[(&str, &str, Value)]) -> Script {
    let mut chunks = vec![role_chunk()];
    chunks.extend(tool_call_chunks(calls));
    chunks.push(finish_chunk("tool_calls"));
    Script::Stream(chunks)
}
