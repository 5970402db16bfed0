//! `input.transcribe`: a clear "not configured" error by default; with an OpenAI-compatible
//! `/audio/transcriptions` endpoint (the scripted one on loopback), the audio goes there as
//! multipart and its text comes back; its failures become retryable 503s.

mod common;

use std::sync::Arc;
use std::time::Duration;

use app::agent::offline::OfflineAssistant;
use app::agent::task_assistant::TaskAssistant;
use app::agent::transcribe::{TranscribeSettings, Transcriber};
use app::agent::Agent;
use app::chatkit::types::TranscribeParams;
use common::llm::ScriptedLlm;
use common::*;
use serde_json::{json, Value};

/// "RIFF0000WAVE" and a few bytes, base64: what a browser would send after recording.
const AUDIO: &[u8] = b"RIFF0000WAVEfmt audio-bytes-\x00\x01\x02";

fn transcribe(audio: &[u8], mime: &str) -> Value {
    let p = TranscribeParams::new(audio, mime);
    req::transcribe(&p.audio_base64, &p.mime_type)
}

async fn app_with(url: &str) -> TestApp {
    let url = url.to_string();
    spawn_app_with_agent(move |db| {
        let mut agent = Agent::new(Arc::new(OfflineAssistant), TaskAssistant::new(db));
        agent.transcriber = Some(Transcriber::new(TranscribeSettings {
            base_url: url,
            api_key: Some("test-key".into()),
            model: "whisper-test".into(),
            timeout: Duration::from_secs(5),
        }));
        agent
    })
    .await
}

#[tokio::test]
async fn without_an_endpoint_speech_input_is_a_clear_not_configured_error() {
    let app = spawn_app().await;
    let (_, token) = app.user().await;
    let r = app.post(&token, transcribe(AUDIO, "audio/wav")).await;
    assert_eq!(r.status, 501, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "not_implemented");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("TRANSCRIBE_BASE_URL"));
}

#[tokio::test]
async fn audio_goes_to_the_endpoint_as_multipart_and_its_text_comes_back() {
    let llm = ScriptedLlm::start().await;
    llm.push_transcript(Ok(" buy milk tomorrow \n"));
    let app = app_with(&llm.url).await;
    let (_, token) = app.user().await;
    let r = app
        .http
        .post(app.url("/api/chatkit"))
        .bearer_auth(&token)
        .header("accept-language", "ur-PK,ur;q=0.9")
        .json(&transcribe(AUDIO, "audio/webm;codecs=opus"))
        .send()
        .await
        .unwrap();
    let r = Reply::read(r).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"text": "buy milk tomorrow"}));
    // The health report tells the panel to show its microphone.
    let health = app.get("/api/chatkit/health", None).await.json();
    assert_eq!(health["speech_input"], true);

    let uploads = llm.uploads();
    assert_eq!(uploads.len(), 1);
    let (content_type, body) = &uploads[0];
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let text = String::from_utf8_lossy(body);
    assert!(
        text.contains("name=\"file\"; filename=\"speech.webm\""),
        "{text}"
    );
    assert!(text.contains("Content-Type: audio/webm"), "{text}");
    assert!(
        body.windows(AUDIO.len()).any(|w| w == AUDIO),
        "the audio bytes are sent unchanged"
    );
    assert!(
        text.contains("name=\"model\"\r\n\r\nwhisper-test"),
        "{text}"
    );
    assert!(text.contains("name=\"language\"\r\n\r\nur"), "{text}");
}

#[tokio::test]
async fn a_failing_or_dead_endpoint_is_a_retryable_503_and_bad_audio_a_422() {
    let llm = ScriptedLlm::start().await;
    llm.push_transcript(Err(500));
    let app = app_with(&llm.url).await;
    let (_, token) = app.user().await;
    let r = app.post(&token, transcribe(AUDIO, "audio/wav")).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["error"]["allow_retry"], true);
    assert!(
        !r.body.contains("scripted"),
        "no upstream detail leaks: {}",
        r.body
    );

    // Nothing listens on this port once the listener is dropped.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/v1", l.local_addr().unwrap())
    };
    let app = app_with(&dead).await;
    let (_, token) = app.user().await;
    let r = app.post(&token, transcribe(AUDIO, "audio/wav")).await;
    assert_eq!(r.status, 503, "{}", r.body);

    let r = app.post(&token, transcribe(AUDIO, "text/html")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app.post(&token, transcribe(b"", "audio/wav")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app.post(&token, req::transcribe("***", "audio/wav")).await;
    assert_eq!(r.status, 422, "{}", r.body);
}
