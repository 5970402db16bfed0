//! Opt-in: one add-task turn through a real local OpenAI-compatible server (see
//! ../shared/local-llm.md). Skipped unless LOCAL_LLM_URL is set, e.g. http://127.0.0.1:8090/v1.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::agent::openai::{LlmSettings, OpenAiCompatible};
use common::*;

#[tokio::test]
async fn a_real_local_model_adds_a_task() {
    let Some(url) = std::env::var("LOCAL_LLM_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        eprintln!("skipped: set LOCAL_LLM_URL to run against a real local model");
        return;
    };
    let model = Arc::new(OpenAiCompatible::new(LlmSettings {
        base_url: url,
        api_key: Some("none".into()),
        model: "local".into(),
    }));
    // A 0.5 B model on two cores takes 2–10 s per call.
    let app = spawn_app_timing_out(model, Duration::from_secs(120)).await;
    let (user_id, token) = app.user().await;
    let started = Instant::now();
    let (_, events) = app
        .create_thread(&token, "Add a task to buy milk tomorrow")
        .await;
    eprintln!(
        "turn took {:?}; events: {}",
        started.elapsed(),
        types(&events).join(", ")
    );
    let tasks = app
        .state
        .db
        .list_tasks(&user_id, &Default::default(), chrono::Utc::now())
        .await
        .unwrap();
    eprintln!(
        "tasks: {:?}",
        tasks.iter().map(|t| &t.title).collect::<Vec<_>>()
    );
    assert!(
        tasks
            .iter()
            .any(|t| t.title.to_lowercase().contains("milk")),
        "{events:?}"
    );
    // The turn ends with the model's words, not an error.
    let kinds = types(&events);
    assert!(!kinds.contains(&"error".to_string()), "{kinds:?}");
    assert!(
        kinds.contains(&"thread.item.done:assistant_message".to_string()),
        "{kinds:?}"
    );
}
