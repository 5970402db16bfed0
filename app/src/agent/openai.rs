//! The OpenAI-compatible Chat Completions provider (OpenAI, Ollama, vLLM, llama.cpp, OpenRouter):
//! streamed text and tool calls over SSE, parsed leniently, failures mapped to `ModelError`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ChatMessage, Model, ModelError, ModelEvent, ModelRequest, ModelStream, ToolCall};
use crate::tools::ToolSpec;

/// Where the model lives, from `LLM_BASE_URL`, `LLM_API_KEY` and `LLM_MODEL`.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmSettings {
    /// Up to and including the version, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
}

pub struct OpenAiCompatible {
    http: reqwest::Client,
    settings: LlmSettings,
}

impl OpenAiCompatible {
    pub fn new(settings: LlmSettings) -> Self {
        // Only the connection gets its own limit: the agent bounds each turn as a whole.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("the HTTP client builds");
        OpenAiCompatible { http, settings }
    }

    fn endpoint(&self) -> String {
        format!(
            "{}/chat/completions",
            self.settings.base_url.trim_end_matches('/')
        )
    }

    async fn post(&self, body: &Value) -> Result<reqwest::Response, ModelError> {
        let mut req = self.http.post(self.endpoint()).json(body);
        if let Some(key) = &self.settings.api_key {
            req = req.bearer_auth(key);
        }
        let res = req.send().await.map_err(transport_error)?;
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        let detail: String = res
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect();
        let message = format!("HTTP {status}: {detail}");
        // 429 is "try later", like a 5xx; any other 4xx will not improve by retrying.
        if status.is_server_error() || status.as_u16() == 429 {
            Err(ModelError::Unavailable(message))
        } else {
            Err(ModelError::Failed(message))
        }
    }
}

fn transport_error(e: reqwest::Error) -> ModelError {
    ModelError::Unavailable(e.to_string())
}

/// The request body's `messages`, in the wire format.
pub fn wire_messages(messages: &[ChatMessage]) -> Vec<Value> {
    messages
        .iter()
        .map(|m| match m {
            ChatMessage::System(text) => json!({"role": "system", "content": text}),
            ChatMessage::User(text) => json!({"role": "user", "content": text}),
            ChatMessage::Assistant { text, tool_calls } if tool_calls.is_empty() => {
                json!({"role": "assistant", "content": text})
            }
            ChatMessage::Assistant { text, tool_calls } => json!({
                "role": "assistant",
                // Some servers reject an empty string beside tool calls; null is the norm.
                "content": if text.is_empty() { Value::Null } else { json!(text) },
                "tool_calls": tool_calls.iter().map(|c| json!({
                    "id": c.id,
                    "type": "function",
                    "function": {
                        "name": c.name,
                        "arguments": if c.arguments.trim().is_empty() { "{}" } else { &c.arguments },
                    },
                })).collect::<Vec<_>>(),
            }),
            ChatMessage::Tool { call_id, content } => {
                json!({"role": "tool", "tool_call_id": call_id, "content": content})
            }
        })
        .collect()
}

/// The request body's `tools`.
pub fn wire_tools(tools: &[ToolSpec]) -> Vec<Value> {
    tools
        .iter()
        .map(|t| {
            json!({"type": "function", "function": {
                "name": t.name, "description": t.description, "parameters": t.parameters,
            }})
        })
        .collect()
}

// One streamed chunk. Everything is optional: servers differ in what they leave out
// (`usage`, `finish_reason`, ids) and add (`reasoning_content`, ignored by not naming it).
#[derive(Deserialize, Default)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize, Default)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallDelta>>,
}

#[derive(Deserialize, Default)]
struct ToolCallDelta {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Deserialize, Default)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

/// Tool calls as they arrive: pieces keyed by `index`, names and arguments concatenated.
#[derive(Default)]
struct PendingCalls(BTreeMap<usize, ToolCall>);

impl PendingCalls {
    fn add(&mut self, position: usize, d: ToolCallDelta) {
        let call = self
            .0
            .entry(d.index.unwrap_or(position))
            .or_insert_with(|| ToolCall {
                id: String::new(),
                name: String::new(),
                arguments: String::new(),
            });
        if let Some(id) = d.id.filter(|id| !id.is_empty()) {
            call.id = id;
        }
        if let Some(f) = d.function {
            call.name.push_str(f.name.as_deref().unwrap_or(""));
            call.arguments
                .push_str(f.arguments.as_deref().unwrap_or(""));
        }
    }

    /// Finished calls in order; a server that sent no id gets one, so results can refer to it.
    fn finish(self) -> Vec<ToolCall> {
        self.0
            .into_values()
            .filter(|c| !c.name.is_empty())
            .map(|mut c| {
                if c.id.is_empty() {
                    c.id = crate::chatkit::store::new_id("call");
                }
                c
            })
            .collect()
    }
}

fn chunk_error(error: &Value) -> ModelError {
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| error.to_string());
    ModelError::Failed(message)
}

/// Sent after tool results: answer now unless another tool is really needed.
const AFTER_TOOLS: &str = "The tool calls above have run and their results are shown. Now \
answer the user briefly, unless another tool call is really needed.";

/// A BCP 47-looking tag (`en`, `ur-PK`); anything else from the header is not sent on.
fn is_language_tag(tag: &str) -> bool {
    (2..=35).contains(&tag.len())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag.chars().take(2).all(|c| c.is_ascii_alphabetic())
}

#[async_trait]
impl Model for OpenAiCompatible {
    fn describe(&self) -> String {
        format!("openai-compatible:{}", self.settings.model)
    }

    async fn stream(&self, request: ModelRequest<'_>) -> Result<ModelStream, ModelError> {
        let mut messages = wire_messages(request.messages);
        if let Some(locale) = request.locale.filter(|l| is_language_tag(l)) {
            // After the instructions: a hint for replies to messages with no clear language.
            let at = usize::from(matches!(
                request.messages.first(),
                Some(ChatMessage::System(_))
            ));
            messages.insert(
                at,
                json!({"role": "system", "content": format!(
                    "The user's interface language is {locale}. Reply in the language of the \
                     user's last message; when that is unclear, reply in {locale}."
                )}),
            );
        }
        if matches!(request.messages.last(), Some(ChatMessage::Tool { .. })) {
            // Small local models otherwise tend to call the same tool again.
            messages.push(json!({"role": "system", "content": AFTER_TOOLS}));
        }
        let mut body = json!({
            "model": self.settings.model,
            "messages": messages,
            "stream": true,
        });
        if !request.tools.is_empty() {
            body["tools"] = json!(wire_tools(request.tools));
        }
        let res = self.post(&body).await?;
        let mut events = res.bytes_stream().eventsource();
        let stream = async_stream::stream! {
            let mut calls = PendingCalls::default();
            let mut finished = false;
            while let Some(event) = events.next().await {
                let event = match event {
                    Ok(e) => e,
                    Err(e) => {
                        yield Err(ModelError::Unavailable(format!("the answer stream broke: {e}")));
                        return;
                    }
                };
                let data = event.data.trim();
                if data.is_empty() {
                    continue;
                }
                if data == "[DONE]" {
                    finished = true;
                    break;
                }
                let chunk: Chunk = match serde_json::from_str(data) {
                    Ok(c) => c,
                    Err(e) => {
                        let head: String = data.chars().take(80).collect();
                        yield Err(ModelError::Failed(format!("unreadable chunk ({e}): {head}")));
                        return;
                    }
                };
                if let Some(error) = &chunk.error {
                    yield Err(chunk_error(error));
                    return;
                }
                for choice in chunk.choices {
                    if choice.finish_reason.as_deref().is_some_and(|r| !r.is_empty()) {
                        finished = true;
                    }
                    let Some(delta) = choice.delta else { continue };
                    if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                        yield Ok(ModelEvent::TextDelta(text));
                    }
                    for (position, d) in delta.tool_calls.unwrap_or_default().into_iter().enumerate() {
                        calls.add(position, d);
                    }
                }
            }
            // A stream that stops without `[DONE]` or a finish reason was cut: its tool calls
            // may be incomplete, so none of them run.
            if !finished {
                yield Err(ModelError::Unavailable("the answer stream ended early".into()));
                return;
            }
            for call in calls.finish() {
                yield Ok(ModelEvent::ToolCall(call));
            }
        };
        Ok(Box::pin(stream))
    }

    async fn title(&self, first_message: &str, reply: &str) -> Result<Option<String>, ModelError> {
        let body = json!({
            "model": self.settings.model,
            "stream": false,
            "messages": [
                {"role": "system", "content": TITLE_INSTRUCTIONS},
                {"role": "user", "content": format!("User: {first_message}\nAssistant: {reply}")},
            ],
        });
        let res = self.post(&body).await?;
        let answer: Value = res.json().await.map_err(transport_error)?;
        Ok(answer["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_string))
    }
}

const TITLE_INSTRUCTIONS: &str = "Write a title of at most six words for this conversation, \
in the user's language. Reply with the title only: no quotes, no punctuation at the end.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_call_pieces_join_by_index_and_get_ids() {
        let mut calls = PendingCalls::default();
        let piece = |index, id: Option<&str>, name: Option<&str>, args: &str| ToolCallDelta {
            index: Some(index),
            id: id.map(str::to_string),
            function: Some(FunctionDelta {
                name: name.map(str::to_string),
                arguments: Some(args.to_string()),
            }),
        };
        calls.add(0, piece(0, Some("call_a"), Some("add_task"), "{\"ti"));
        calls.add(0, piece(1, None, Some("list_tasks"), ""));
        calls.add(0, piece(0, None, None, "tle\":\"x\"}"));
        calls.add(0, piece(1, None, None, "{}"));
        let done = calls.finish();
        assert_eq!(done.len(), 2);
        assert_eq!(
            (done[0].id.as_str(), done[0].name.as_str()),
            ("call_a", "add_task")
        );
        assert_eq!(done[0].arguments, "{\"title\":\"x\"}");
        assert_eq!(done[1].name, "list_tasks");
        assert!(done[1].id.starts_with("call_"), "{}", done[1].id);
    }

    #[test]
    fn chunks_without_usage_or_finish_reason_and_with_reasoning_parse() {
        let c: Chunk = serde_json::from_str(
            r#"{"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":"hmm"},"finish_reason":""}]}"#,
        )
        .unwrap();
        let d = c.choices[0].delta.as_ref().unwrap();
        assert_eq!(d.content, None);
        assert_eq!(c.choices[0].finish_reason.as_deref(), Some(""));
    }

    #[test]
    fn assistant_tool_calls_and_tool_results_keep_their_ids_on_the_wire() {
        let wire = wire_messages(&[
            ChatMessage::Assistant {
                text: String::new(),
                tool_calls: vec![ToolCall {
                    id: "call_1".into(),
                    name: "list_tasks".into(),
                    arguments: String::new(),
                }],
            },
            ChatMessage::Tool {
                call_id: "call_1".into(),
                content: "{}".into(),
            },
        ]);
        assert_eq!(wire[0]["content"], Value::Null);
        assert_eq!(wire[0]["tool_calls"][0]["id"], "call_1");
        assert_eq!(wire[0]["tool_calls"][0]["function"]["arguments"], "{}");
        assert_eq!(
            wire[1],
            json!({"role":"tool","tool_call_id":"call_1","content":"{}"})
        );
    }
}
