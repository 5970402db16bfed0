//! The task agent: a runner that alternates model turns and tool calls (at most `max_turns`),
//! streaming text, tool badges (a `workflow` item) and titles through the ChatKit engine.
//! The model is any [`Model`]: the offline assistant or an OpenAI-compatible endpoint.
//! Agents-SDK ideas, kept small: an [`AgentSpec`] (instructions + tools + handoffs), a handoff
//! as a `transfer_to_<name>` tool, and input guardrails run before the model is asked.

pub mod offline;
pub mod openai;
pub mod task_widgets;
pub mod transcribe;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde_json::{json, Value};

use crate::chatkit::server::MessageWriter;
use crate::chatkit::types::*;
use crate::chatkit::{ChatKitError, Responder, ThreadStream};
use crate::store::Db;
use crate::tools::mcp::McpTools;
use crate::tools::{TaskTools, ToolSpec};

/// One message of model input, in Chat Completions terms.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatMessage {
    System(String),
    User(String),
    Assistant {
        text: String,
        tool_calls: Vec<ToolCall>,
    },
    Tool {
        call_id: String,
        content: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// JSON text, as models send it.
    pub arguments: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ModelEvent {
    TextDelta(String),
    ToolCall(ToolCall),
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("the model is unreachable: {0}")]
    Unavailable(String),
    #[error("the model answered with an error: {0}")]
    Failed(String),
}

pub type ModelStream = BoxStream<'static, Result<ModelEvent, ModelError>>;

pub struct ModelRequest<'a> {
    pub messages: &'a [ChatMessage],
    pub tools: &'a [ToolSpec],
    pub locale: Option<&'a str>,
}

#[async_trait]
pub trait Model: Send + Sync + 'static {
    /// A short description for the health report, e.g. "offline" or "openai:gpt-4o-mini".
    fn describe(&self) -> String;
    async fn stream(&self, request: ModelRequest<'_>) -> Result<ModelStream, ModelError>;

    /// A short thread title for the first exchange; `None` means "use the first message".
    async fn title(
        &self,
        _first_message: &str,
        _reply: &str,
    ) -> Result<Option<String>, ModelError> {
        Ok(None)
    }
}

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

/// The task assistant, which hands Urdu conversations to an Urdu specialist.
pub fn default_agents() -> Vec<AgentSpec> {
    vec![
        AgentSpec {
            name: "task_assistant",
            instructions: format!(
                "{INSTRUCTIONS} If the user writes in Urdu (Urdu script or Roman Urdu), \
                 call transfer_to_urdu_assistant first."
            ),
            tools: TaskTools::specs(),
            handoffs: vec![Handoff::new(
                "urdu_assistant",
                "transfer_to_urdu_assistant",
                "Hand the conversation to the Urdu-speaking assistant. Use it when the user \
                 writes in Urdu script or Roman Urdu.",
            )],
        },
        AgentSpec {
            name: "urdu_assistant",
            instructions: format!(
                "{INSTRUCTIONS} Always answer in Urdu: in Urdu script, or in Roman Urdu when \
                 the user writes Roman Urdu. Keep task titles as the user wrote them."
            ),
            tools: TaskTools::specs(),
            handoffs: vec![],
        },
    ]
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
    db: Db,
    model: Arc<dyn Model>,
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

const INSTRUCTIONS: &str = "You are todokit's assistant. You manage the user's tasks with the tools \
you have: add, list, complete, delete and update tasks. Use task ids from tool results. Answer briefly \
in the user's language; use markdown lists for several tasks. Today is {today} (UTC).";

/// How many earlier items the model sees.
const HISTORY_ITEMS: usize = 40;

impl Agent {
    pub fn new(db: Db, model: Arc<dyn Model>) -> Self {
        Agent {
            db,
            model,
            agents: default_agents(),
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

    async fn history(&self, stream: &ThreadStream) -> Result<Vec<ChatMessage>, ChatKitError> {
        let ctx = &stream.ctx;
        let page = ctx
            .store
            .load_thread_items(
                &ctx.user_id,
                &stream.thread().id,
                None,
                HISTORY_ITEMS,
                Order::Desc,
            )
            .await?;
        let mut out = vec![self.agents[0].system_prompt()];
        for item in page.data.iter().rev() {
            match &item.kind {
                ItemKind::UserMessage { attachments, .. } => {
                    out.push(ChatMessage::User(item.user_text().unwrap_or_default()));
                    // Beside the words, not in them: the offline assistant reads the words only.
                    if let Some(note) = attachment_note(attachments) {
                        out.push(ChatMessage::System(note));
                    }
                }
                ItemKind::AssistantMessage { .. } => out.push(ChatMessage::Assistant {
                    text: item.assistant_text().unwrap_or_default(),
                    tool_calls: vec![],
                }),
                ItemKind::HiddenContextItem { content } => out.push(ChatMessage::System(format!(
                    "<HiddenContext>{content}</HiddenContext>"
                ))),
                ItemKind::SdkHiddenContext { content } => out.push(ChatMessage::System(format!(
                    "<HiddenContext>{content}</HiddenContext>"
                ))),
                ItemKind::Workflow { workflow } => {
                    let steps: Vec<String> = workflow
                        .tasks
                        .iter()
                        .filter_map(|t| match &t.kind {
                            WorkflowTaskKind::Custom { title, .. } => title.clone(),
                            _ => None,
                        })
                        .collect();
                    if !steps.is_empty() {
                        out.push(ChatMessage::System(format!(
                            "<HiddenContext>Tools already run: {}</HiddenContext>",
                            steps.join("; ")
                        )));
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// The tool-badge workflow of one turn, opened at the first tool call.
struct Badges {
    item: ThreadItem,
    count: usize,
}

impl Badges {
    async fn open(stream: &mut ThreadStream) -> Result<Badges, ChatKitError> {
        let item = stream.new_item(ItemKind::Workflow {
            workflow: Workflow {
                kind: WorkflowKind::Custom,
                tasks: vec![],
                summary: None,
                expanded: false,
            },
        });
        stream
            .emit(ThreadStreamEvent::ItemAdded { item: item.clone() })
            .await?;
        Ok(Badges { item, count: 0 })
    }

    async fn set(
        &mut self,
        stream: &mut ThreadStream,
        index: usize,
        title: String,
        status: StatusIndicator,
    ) -> Result<(), ChatKitError> {
        let task = WorkflowTask {
            status_indicator: status,
            kind: WorkflowTaskKind::Custom {
                title: Some(title),
                icon: Some("check".into()),
                content: None,
            },
        };
        let update = if index >= self.count {
            self.count = index + 1;
            ItemUpdate::WorkflowTaskAdded {
                task_index: index,
                task,
            }
        } else {
            ItemUpdate::WorkflowTaskUpdated {
                task_index: index,
                task,
            }
        };
        update.apply(&mut self.item);
        stream
            .emit(ThreadStreamEvent::ItemUpdated {
                item_id: self.item.id.clone(),
                update,
            })
            .await
    }

    async fn close(mut self, stream: &mut ThreadStream) -> Result<(), ChatKitError> {
        if let ItemKind::Workflow { workflow } = &mut self.item.kind {
            let n = workflow.tasks.len();
            workflow.summary =
                Some(json!({"title": format!("Used {n} tool{}", if n == 1 { "" } else { "s" })}));
        }
        stream
            .emit(ThreadStreamEvent::ItemDone { item: self.item })
            .await
    }
}

/// What one `respond` call has shown so far, kept across model turns and failures.
#[derive(Default)]
struct Run {
    badges: Option<Badges>,
    badge_count: usize,
    /// The last assistant text streamed, for the title.
    reply: String,
    /// The tasks of a `list_tasks` call that no later tool call followed: shown as a card.
    listing: Option<Vec<crate::tasks::model::Task>>,
}

impl Agent {
    /// The signed-in user's task tools, reached over in-process MCP like any MCP client.
    async fn tools(&self, stream: &ThreadStream) -> Result<McpTools, ChatKitError> {
        McpTools::connect(TaskTools::new(self.db.clone(), stream.ctx.user_id.clone()))
            .await
            .map_err(|e| {
                tracing::error!("task tools: {e}");
                ChatKitError::unavailable("The task tools are unavailable. Please try again.")
            })
    }

    /// Connects to the task tools, then runs the turns.
    async fn run(&self, stream: &mut ThreadStream, run: &mut Run) -> Result<(), ChatKitError> {
        let tools = self.tools(stream).await?;
        let result = self.turns(stream, run, &tools).await;
        tools.close().await;
        result
    }

    /// Awaits `fut` until `deadline`, telling the user every `progress_every` that the
    /// assistant is still working.
    async fn waiting<T>(
        &self,
        stream: &mut ThreadStream,
        deadline: tokio::time::Instant,
        fut: impl std::future::Future<Output = T>,
    ) -> Result<T, ChatKitError> {
        tokio::pin!(fut);
        let started = tokio::time::Instant::now();
        let mut next = started + self.progress_every;
        loop {
            tokio::select! {
                out = &mut fut => return Ok(out),
                _ = tokio::time::sleep_until(deadline) => return Err(timeout_error()),
                _ = tokio::time::sleep_until(next) => {
                    let secs = started.elapsed().as_secs();
                    stream
                        .emit(ThreadStreamEvent::ProgressUpdate {
                            icon: Some("sparkle".into()),
                            text: progress_text(stream.ctx.locale.as_deref(), secs),
                        })
                        .await?;
                    next += self.progress_every;
                }
            }
        }
    }

    /// Model turns and tool calls until the model answers without tools (or `max_turns`).
    async fn turns(
        &self,
        stream: &mut ThreadStream,
        run: &mut Run,
        tools: &McpTools,
    ) -> Result<(), ChatKitError> {
        let mut messages = self.history(stream).await?;
        let (user_text, previous_answer) = last_exchange(&messages);
        let locale = stream.ctx.locale.clone();
        let mut current = &self.agents[0];

        for _turn in 0..self.max_turns {
            let specs = current.tool_specs();
            let request = ModelRequest {
                messages: &messages,
                tools: &specs,
                locale: locale.as_deref(),
            };
            // One deadline for the whole model turn: connecting, waiting and streaming.
            let deadline = tokio::time::Instant::now() + self.turn_timeout;
            let mut events = self
                .waiting(stream, deadline, self.model.stream(request))
                .await?
                .map_err(model_error)?;
            let mut writer: Option<MessageWriter> = None;
            let mut calls: Vec<ToolCall> = Vec::new();
            loop {
                // Progress only until something visible streams.
                let next = match writer.is_none() && calls.is_empty() {
                    true => self.waiting(stream, deadline, events.next()).await,
                    false => tokio::time::timeout_at(deadline, events.next())
                        .await
                        .map_err(|_| timeout_error()),
                };
                let failure = match next {
                    Ok(None) => break,
                    Ok(Some(Ok(ModelEvent::TextDelta(delta)))) => {
                        if writer.is_none() {
                            if let Some(b) = run.badges.take() {
                                b.close(stream).await?;
                            }
                            writer = Some(stream.begin_message().await?);
                        }
                        if let Some(w) = writer.as_mut() {
                            w.push(stream, delta).await?;
                        }
                        continue;
                    }
                    Ok(Some(Ok(ModelEvent::ToolCall(call)))) => {
                        calls.push(call);
                        continue;
                    }
                    Ok(Some(Err(e))) => model_error(e),
                    Err(e) => e,
                };
                // Keep what was already streamed; run none of this turn's tool calls.
                if let Some(w) = writer.take() {
                    w.finish(stream).await?;
                }
                return Err(failure);
            }
            let text = match writer.take() {
                Some(w) => {
                    let text = w.text().to_string();
                    w.finish(stream).await?;
                    run.reply = text.clone();
                    text
                }
                None => String::new(),
            };
            if calls.is_empty() {
                return Ok(());
            }
            messages.push(ChatMessage::Assistant {
                text,
                tool_calls: calls.clone(),
            });
            for call in calls {
                if let Some(handoff) = current.handoffs.iter().find(|h| h.tool.name == call.name) {
                    let content = match self.agents.iter().find(|a| a.name == handoff.to) {
                        Some(next) => {
                            current = next;
                            messages[0] = next.system_prompt();
                            json!({"assistant": next.name})
                        }
                        None => json!({"error": format!("no agent named '{}'", handoff.to)}),
                    };
                    messages.push(ChatMessage::Tool {
                        call_id: call.id,
                        content: content.to_string(),
                    });
                    continue;
                }
                if run.badges.is_none() {
                    run.badges = Some(Badges::open(stream).await?);
                }
                let b = run.badges.as_mut().expect("opened above");
                let index = run.badge_count;
                run.badge_count += 1;
                b.set(
                    stream,
                    index,
                    running_label(&call.name),
                    StatusIndicator::Loading,
                )
                .await?;
                let parsed: Result<Value, _> = if call.arguments.trim().is_empty() {
                    Ok(json!({}))
                } else {
                    serde_json::from_str(&call.arguments)
                };
                let (content, label) = match parsed {
                    Err(e) => (
                        json!({"error": format!("arguments are not valid JSON: {e}")}),
                        format!("{}: invalid arguments", call.name),
                    ),
                    // Only the tools this agent was offered; the model hears about any other.
                    Ok(_) if !specs.iter().any(|t| t.name == call.name) => {
                        let e = crate::tools::ToolError::UnknownTool(call.name.clone());
                        (
                            json!({"error": e.to_string()}),
                            format!("{}: {e}", call.name),
                        )
                    }
                    Ok(args) => {
                        run.listing = None;
                        let held = match call.name.as_str() {
                            "delete_task" => {
                                self.hold_delete(stream, &args, &user_text, &previous_answer)
                                    .await?
                            }
                            _ => None,
                        };
                        match held {
                            Some(asked) => asked,
                            None => match tools.call(&call.name, args).await {
                                Ok(out) => {
                                    // Shown at the end unless a later call acts on what it found.
                                    if call.name == "list_tasks" {
                                        run.listing = Some(out.tasks.clone());
                                    }
                                    (out.result, out.label)
                                }
                                Err(e) => (
                                    json!({"error": e.to_string()}),
                                    format!("{}: {e}", call.name),
                                ),
                            },
                        }
                    }
                };
                b.set(stream, index, label, StatusIndicator::Complete)
                    .await?;
                messages.push(ChatMessage::Tool {
                    call_id: call.id,
                    content: content.to_string(),
                });
            }
        }
        // Out of turns: everything the tools did is saved; say so instead of going silent.
        if let Some(b) = run.badges.take() {
            b.close(stream).await?;
        }
        let text = format!(
            "I stopped after {} steps without finishing. What I did so far is saved (see the \
             steps above); tell me how to continue.",
            self.max_turns
        );
        stream.assistant_message([text.clone()]).await?;
        run.reply = text;
        Ok(())
    }

    /// A delete the user's words did not make certain is not run: a Confirm/Cancel widget is
    /// shown instead, and the model hears that the user was asked.
    async fn hold_delete(
        &self,
        stream: &mut ThreadStream,
        args: &Value,
        user_text: &str,
        previous_answer: &str,
    ) -> Result<Option<(Value, String)>, ChatKitError> {
        let Some(id) = args["task_id"].as_i64() else {
            return Ok(None); // the tool itself reports the bad arguments
        };
        let task = match self.db.task(&stream.ctx.user_id, id).await {
            Ok(t) => t,
            Err(_) => return Ok(None), // unknown task: the tool says so
        };
        if task_widgets::explicit_delete(user_text, previous_answer, &task) {
            return Ok(None);
        }
        let card = stream.new_item(ItemKind::Widget {
            widget: task_widgets::confirm_card(&task, user_text),
            copy_text: None,
        });
        stream
            .emit(ThreadStreamEvent::ItemDone { item: card })
            .await?;
        Ok(Some((
            json!({
                "awaiting_confirmation": {"id": task.id, "title": task.title},
                "note": "Not deleted yet: the user was shown Confirm and Cancel buttons. \
                         Ask them to confirm; do not call delete_task again for this task.",
            }),
            format!("Asked to confirm deleting '{}'", task.title),
        )))
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

/// The latest user message and the assistant's answer before it (for confirmations).
fn last_exchange(messages: &[ChatMessage]) -> (String, String) {
    let at = messages
        .iter()
        .rposition(|m| matches!(m, ChatMessage::User(_)));
    let Some(at) = at else {
        return (String::new(), String::new());
    };
    let user = match &messages[at] {
        ChatMessage::User(u) => u.clone(),
        _ => String::new(),
    };
    let before = messages[..at]
        .iter()
        .rev()
        .find_map(|m| match m {
            ChatMessage::Assistant { text, .. } if !text.is_empty() => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_default();
    (user, before)
}

/// What the model is told of a message's attachments (their names and types, not contents):
/// `[attached: report.pdf (application/pdf)]`, one per line.
fn attachment_note(attachments: &[Attachment]) -> Option<String> {
    (!attachments.is_empty()).then(|| {
        attachments
            .iter()
            .map(|a| format!("[attached: {} ({})]", a.name, a.mime_type))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// A `list_tasks` result as a card with Done buttons, beside the model's own words.
async fn show_list(
    stream: &mut ThreadStream,
    tasks: &[crate::tasks::model::Task],
    user_text: &str,
) -> Result<(), ChatKitError> {
    let copy: Vec<String> = tasks
        .iter()
        .map(|t| format!("- {} (#{})", t.title, t.id))
        .collect();
    let item = stream.new_item(ItemKind::Widget {
        widget: task_widgets::list_card(tasks, user_text),
        copy_text: Some(copy.join("\n")),
    });
    stream.emit(ThreadStreamEvent::ItemDone { item }).await
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

    /// The task widgets' buttons: complete, confirm or cancel a delete.
    async fn action(
        &self,
        stream: &mut ThreadStream,
        action: Action,
        sender: Option<ThreadItem>,
    ) -> Result<(), ChatKitError> {
        let (user_text, _) = last_exchange(&self.history(stream).await?);
        let tools = self.tools(stream).await?;
        let result = task_widgets::handle(stream, &tools, &action, &sender, &user_text).await;
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
        let mut run = Run::default();
        let result = self.run(stream, &mut run).await;
        // Tools that ran stay visible (and saved) even when the model failed afterwards.
        if let Some(b) = run.badges.take() {
            b.close(stream).await?;
        }
        if let (Ok(()), Some(tasks)) = (&result, run.listing.take()) {
            show_list(stream, &tasks, first_message.as_deref().unwrap_or_default()).await?;
        }
        if let (true, Some(text)) = (needs_title, &first_message) {
            let title = match result {
                Ok(()) => self.title(text, &run.reply).await,
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

fn running_label(tool: &str) -> String {
    match tool {
        "add_task" => "Adding task…",
        "list_tasks" => "Looking up tasks…",
        "complete_task" => "Completing task…",
        "delete_task" => "Deleting task…",
        "update_task" => "Updating task…",
        _ => "Working…",
    }
    .to_string()
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

/// "Thinking…", then how long it has been, in the user's interface language.
fn progress_text(locale: Option<&str>, secs: u64) -> String {
    let urdu = locale.is_some_and(|l| l.starts_with("ur"));
    match (urdu, secs) {
        (false, 0..=4) => "Thinking…".into(),
        (false, s) => format!("Still thinking… {s} s"),
        (true, 0..=4) => "سوچ رہا ہوں…".into(),
        (true, s) => format!("ابھی سوچ رہا ہوں… {s} سیکنڈ"),
    }
}

fn timeout_error() -> ChatKitError {
    ChatKitError::unavailable("The assistant took too long to answer. Please try again.")
}

fn model_error(e: ModelError) -> ChatKitError {
    match e {
        ModelError::Unavailable(m) => {
            tracing::warn!("model unavailable: {m}");
            ChatKitError::unavailable(
                "The assistant's model is unreachable right now. Please try again.",
            )
        }
        // Retrying the same request will not help: a bad key, a rejected request, garbage.
        ModelError::Failed(m) => {
            tracing::warn!("model failed: {m}");
            ChatKitError::new(
                502,
                "model_error",
                "The assistant's model returned an error or an unreadable answer. \
                 The details are in the server log.",
            )
        }
    }
}
