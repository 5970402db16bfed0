//! The agent: a loop that alternates model turns and tool calls (at most `max_turns`),
//! streaming text, tool badges (a `workflow` item) and titles through the ChatKit engine.
//! The model is any [`Model`] (the offline assistant or an OpenAI-compatible endpoint); the
//! toolbox (MCP), the agents and the policy around tool calls come from a [`Plugin`]
//! ([`task_assistant::TaskAssistant`]). Agents-SDK ideas, kept small: an [`AgentSpec`]
//! (instructions + tools + handoffs), a handoff as a `transfer_to_<name>` tool, and input
//! guardrails run before the model is asked.

pub mod language;
mod model;
pub mod offline;
pub mod openai;
mod plugin;
pub mod task_assistant;
pub mod task_widgets;
pub mod transcribe;
mod turns;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

pub use model::{ChatMessage, Model, ModelError, ModelEvent, ModelRequest, ModelStream, ToolCall};
pub use plugin::{Exchange, Held, Plugin};

use crate::chatkit::types::*;
use crate::chatkit::{ChatKitError, Responder, ThreadStream};
use crate::tools::ToolSpec;
use turns::{last_exchange, TurnState};

/// One agent: what it is told, which tools it may call, and whom it may hand the turn to.
#[derive(Clone, Debug)]
pub struct AgentSpec {
    pub name: &'static str,
    /// The system prompt; `{today}` becomes the current date.
    pub instructions: String,
    pub tools: Vec<ToolSpec>,
    pub handoffs: Vec<Handoff>,
}

/// A handoff, shown to the model as a tool without arguments.
#[derive(Clone, Debug)]
pub struct Handoff {
    pub to: &'static str,
    pub tool: ToolSpec,
}

impl Handoff {
    /// `tool` must be `transfer_to_<to>` (spelt out because tool names are static strings).
    pub fn new(to: &'static str, tool: &'static str, description: &'static str) -> Handoff {
        assert_eq!(tool, format!("transfer_to_{to}"), "handoff tool name");
        Handoff {
            to,
            tool: ToolSpec {
                name: tool,
                description,
                parameters: json!({"type": "object", "properties": {}}),
            },
        }
    }
}

impl AgentSpec {
    /// What the model is offered: the agent's tools, then one tool per handoff.
    pub fn tool_specs(&self) -> Vec<ToolSpec> {
        let handoffs = self.handoffs.iter().map(|h| h.tool.clone());
        self.tools.iter().cloned().chain(handoffs).collect()
    }

    fn system_prompt(&self) -> ChatMessage {
        let today = chrono::Utc::now().format("%A %Y-%m-%d").to_string();
        ChatMessage::System(self.instructions.replace("{today}", &today))
    }
}

/// Lists every tool the agents may call in the metrics, so each series exists (at 0) before
/// its first call.
fn register_tools(agents: &[AgentSpec]) {
    for tool in agents.iter().flat_map(AgentSpec::tool_specs) {
        crate::metrics::METRICS.tool_calls.register(tool.name);
    }
}

/// Checks the user's text before the model sees it. `Some(message)` trips the wire: the turn
/// ends with that message as the assistant's answer and the model is not asked.
#[async_trait]
pub trait InputGuardrail: Send + Sync + 'static {
    async fn check(&self, input: &str) -> Option<String>;
}

#[async_trait]
impl<F> InputGuardrail for F
where
    F: Fn(&str) -> Option<String> + Send + Sync + 'static,
{
    async fn check(&self, input: &str) -> Option<String> {
        self(input)
    }
}

pub struct Agent {
    model: Arc<dyn Model>,
    plugin: Arc<dyn Plugin>,
    /// The first one starts every turn; the others are reached by handoff.
    agents: Vec<AgentSpec>,
    guardrails: Vec<Arc<dyn InputGuardrail>>,
    pub max_turns: usize,
    pub turn_timeout: Duration,
    /// While the model has not answered, a `progress_update` this often (local models can
    /// spend many seconds on a prompt before the first token).
    pub progress_every: Duration,
    /// Speech input, when a transcription endpoint is configured.
    pub transcriber: Option<transcribe::Transcriber>,
}

impl Agent {
    /// An agent running `model` with the plug-in's toolbox, agents and policy.
    pub fn new(model: Arc<dyn Model>, plugin: impl Plugin) -> Self {
        let agents = plugin.agents();
        register_tools(&agents);
        Agent {
            model,
            agents,
            plugin: Arc::new(plugin),
            guardrails: Vec::new(),
            max_turns: 10,
            turn_timeout: Duration::from_secs(30),
            progress_every: Duration::from_secs(3),
            transcriber: None,
        }
    }

    /// Replaces the agents; the first starts every turn. Handoffs name agents in the list.
    pub fn with_agents(mut self, agents: Vec<AgentSpec>) -> Self {
        assert!(!agents.is_empty(), "at least one agent");
        register_tools(&agents);
        self.agents = agents;
        self
    }

    pub fn with_guardrail(mut self, guardrail: impl InputGuardrail) -> Self {
        self.guardrails.push(Arc::new(guardrail));
        self
    }

    pub fn describe(&self) -> String {
        self.model.describe()
    }

    /// The model's title for the first exchange, or the first message's first line.
    async fn title(&self, first_message: &str, reply: &str) -> String {
        let limit = self.turn_timeout.min(Duration::from_secs(10));
        let asked = tokio::time::timeout(limit, self.model.title(first_message, reply)).await;
        let suggested = match asked {
            Ok(Ok(Some(t))) => clean_title(&t),
            Ok(Err(e)) => {
                tracing::warn!("title request failed: {e}");
                None
            }
            Err(_) => {
                tracing::warn!("title request timed out");
                None
            }
            Ok(Ok(None)) => None,
        };
        suggested.unwrap_or_else(|| title_from(first_message))
    }
}

#[async_trait]
impl Responder for Agent {
    async fn transcribe(
        &self,
        ctx: &crate::chatkit::RespondContext,
        audio: Vec<u8>,
        mime_type: &str,
    ) -> Result<String, ChatKitError> {
        let Some(t) = &self.transcriber else {
            return Err(ChatKitError::not_implemented(
                "Speech input is not configured on this server (set TRANSCRIBE_BASE_URL).",
            ));
        };
        let language = ctx
            .locale
            .as_deref()
            .and_then(|l| l.split('-').next())
            .filter(|l| l.len() == 2);
        t.transcribe(audio, mime_type, language).await
    }

    /// A widget's button, handled by the plug-in.
    async fn action(
        &self,
        stream: &mut ThreadStream,
        action: Action,
        sender: Option<ThreadItem>,
    ) -> Result<(), ChatKitError> {
        let exchange = last_exchange(&self.history(stream).await?);
        let tools = self.plugin.connect(&stream.ctx.user_id).await?;
        let result = self
            .plugin
            .action(stream, &tools, &action, &sender, &exchange.user_text)
            .await;
        tools.close().await;
        result
    }

    async fn respond(
        &self,
        stream: &mut ThreadStream,
        input: Option<ThreadItem>,
    ) -> Result<(), ChatKitError> {
        let first_message = input.as_ref().and_then(ThreadItem::user_text);
        let needs_title = stream.thread().title.is_none();
        if let Some(text) = &first_message {
            for guardrail in &self.guardrails {
                if let Some(message) = guardrail.check(text).await {
                    stream.assistant_message([message]).await?;
                    if needs_title {
                        stream.set_title(title_from(text));
                    }
                    return Ok(());
                }
            }
        }
        let mut state = TurnState::default();
        let result = self.run_turns(stream, &mut state).await;
        // Tools that ran stay visible (and saved) even when the model failed afterwards.
        if let Some(b) = state.badges.take() {
            b.close(stream).await?;
        }
        if result.is_ok() {
            let last = state
                .last_result
                .as_ref()
                .map(|(name, out)| (name.as_str(), out));
            let user_text = first_message.as_deref().unwrap_or_default();
            self.plugin.turn_done(stream, last, user_text).await?;
        }
        if let (true, Some(text)) = (needs_title, &first_message) {
            let title = match result {
                Ok(()) => self.title(text, &state.reply).await,
                Err(_) => title_from(text),
            };
            stream.set_title(title);
        }
        result
    }
}

/// A model's title made safe to show: one line, no quotes or markdown, at most 60 characters.
fn clean_title(raw: &str) -> Option<String> {
    let line = raw.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line
        .trim_start_matches("Title:")
        .trim_matches(|c: char| "\"'`*#“”‘’".contains(c) || c.is_whitespace())
        .trim_end_matches('.');
    (!line.is_empty()).then(|| title_from(line))
}

/// A thread title from the first message: its first line, at most 60 characters.
pub fn title_from(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut t: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        t.push('…');
    }
    let mut chars = t.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => "New chat".into(),
    }
}
