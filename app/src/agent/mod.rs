//! The task agent: a runner that alternates model turns and tool calls (at most `max_turns`),
//! streaming text, tool badges (a `workflow` item) and titles through the ChatKit engine.
//! The model is any [`Model`]: the offline assistant or an OpenAI-compatible endpoint.

pub mod offline;

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
}

pub struct Agent {
    db: Db,
    model: Arc<dyn Model>,
    pub max_turns: usize,
    pub turn_timeout: Duration,
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
            max_turns: 10,
            turn_timeout: Duration::from_secs(30),
        }
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
        let today = chrono::Utc::now().format("%A %Y-%m-%d").to_string();
        let mut out = vec![ChatMessage::System(INSTRUCTIONS.replace("{today}", &today))];
        for item in page.data.iter().rev() {
            match &item.kind {
                ItemKind::UserMessage { .. } => {
                    out.push(ChatMessage::User(item.user_text().unwrap_or_default()))
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
                            TaskKind::Custom { title, .. } => title.clone(),
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
        let task = Task {
            status_indicator: status,
            kind: TaskKind::Custom {
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

#[async_trait]
impl Responder for Agent {
    async fn respond(
        &self,
        stream: &mut ThreadStream,
        input: Option<ThreadItem>,
    ) -> Result<(), ChatKitError> {
        let tools = TaskTools::new(self.db.clone(), stream.ctx.user_id.clone());
        let specs = TaskTools::specs();
        let mut messages = self.history(stream).await?;
        let locale = stream.ctx.locale.clone();
        let mut badges: Option<Badges> = None;
        let mut badge_index = 0;

        for _turn in 0..self.max_turns {
            let request = ModelRequest {
                messages: &messages,
                tools: &specs,
                locale: locale.as_deref(),
            };
            let mut events = tokio::time::timeout(self.turn_timeout, self.model.stream(request))
                .await
                .map_err(|_| timeout_error())?
                .map_err(model_error)?;
            let mut writer: Option<MessageWriter> = None;
            let mut calls: Vec<ToolCall> = Vec::new();
            let deadline = tokio::time::Instant::now() + self.turn_timeout;
            loop {
                let next = tokio::time::timeout_at(deadline, events.next())
                    .await
                    .map_err(|_| timeout_error());
                let next = match next {
                    Ok(n) => n,
                    Err(e) => {
                        if let Some(w) = writer.take() {
                            w.finish(stream).await?;
                        }
                        return Err(e);
                    }
                };
                match next {
                    None => break,
                    Some(Ok(ModelEvent::TextDelta(delta))) => {
                        if writer.is_none() {
                            if let Some(b) = badges.take() {
                                b.close(stream).await?;
                            }
                            writer = Some(stream.begin_message().await?);
                        }
                        if let Some(w) = writer.as_mut() {
                            w.push(stream, delta).await?;
                        }
                    }
                    Some(Ok(ModelEvent::ToolCall(call))) => calls.push(call),
                    Some(Err(e)) => {
                        if let Some(w) = writer.take() {
                            w.finish(stream).await?;
                        }
                        return Err(model_error(e));
                    }
                }
            }
            let text = match writer.take() {
                Some(w) => {
                    let text = w.text().to_string();
                    w.finish(stream).await?;
                    text
                }
                None => String::new(),
            };
            if calls.is_empty() {
                break;
            }
            messages.push(ChatMessage::Assistant {
                text,
                tool_calls: calls.clone(),
            });
            for call in calls {
                if badges.is_none() {
                    badges = Some(Badges::open(stream).await?);
                }
                let b = badges.as_mut().expect("opened above");
                let index = badge_index;
                badge_index += 1;
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
                    Ok(args) => match tools.call(&call.name, args).await {
                        Ok(out) => (out.result, out.label),
                        Err(e) => (
                            json!({"error": e.to_string()}),
                            format!("{}: {e}", call.name),
                        ),
                    },
                };
                b.set(stream, index, label, StatusIndicator::Complete)
                    .await?;
                messages.push(ChatMessage::Tool {
                    call_id: call.id,
                    content: content.to_string(),
                });
            }
        }
        if let Some(b) = badges.take() {
            b.close(stream).await?;
        }
        if stream.thread().title.is_none() {
            if let Some(text) = input.as_ref().and_then(ThreadItem::user_text) {
                stream.set_title(title_from(&text));
            }
        }
        Ok(())
    }
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
        ModelError::Failed(m) => {
            tracing::warn!("model failed: {m}");
            ChatKitError::unavailable("The assistant's model returned an error. Please try again.")
        }
    }
}
