//! One `respond` call's model turns: history → model → tool calls (badges in a `workflow`
//! item) → streamed text, with progress updates while the model is silent and a deadline.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};
use tracing::Instrument;

use super::{Agent, ChatMessage, Exchange, ModelError, ModelEvent, ModelRequest, ToolCall};
use crate::chatkit::server::MessageWriter;
use crate::chatkit::types::*;
use crate::chatkit::{ChatKitError, ThreadStream};
use crate::metrics::{millis, ToolOutcome, METRICS, UNKNOWN_TOOL};
use crate::tools::mcp::McpTools;
use crate::tools::{ToolError, ToolOutput};

/// How many earlier items the model sees.
const HISTORY_ITEMS: usize = 40;

/// What one `respond` call has shown so far, kept across model turns and failures.
#[derive(Default)]
pub(super) struct TurnState {
    pub badges: Option<Badges>,
    badge_count: usize,
    /// The last assistant text streamed, for the title.
    pub reply: String,
    /// The latest tool call's name and output, unless it was held or failed; the plug-in sees
    /// it at the end of the turn.
    pub last_result: Option<(String, ToolOutput)>,
}

impl Agent {
    pub(super) async fn history(
        &self,
        stream: &ThreadStream,
    ) -> Result<Vec<ChatMessage>, ChatKitError> {
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

    /// Connects to the user's tools, then runs the model turns.
    pub(super) async fn run_turns(
        &self,
        stream: &mut ThreadStream,
        state: &mut TurnState,
    ) -> Result<(), ChatKitError> {
        let tools = self.plugin.connect(&stream.ctx.user_id).await?;
        let result = self.model_turns(stream, state, &tools).await;
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
    async fn model_turns(
        &self,
        stream: &mut ThreadStream,
        state: &mut TurnState,
        tools: &McpTools,
    ) -> Result<(), ChatKitError> {
        let mut messages = self.history(stream).await?;
        let exchange = last_exchange(&messages);
        let locale = stream.ctx.locale.clone();
        let mut current = &self.agents[0];

        for round in 0..self.max_turns {
            let asked = Instant::now();
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
                            if let Some(b) = state.badges.take() {
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
                // Keep what was already streamed, marked cut off; run none of this turn's tools.
                if let Some(w) = writer.take() {
                    w.cut_off(stream).await?;
                }
                return Err(failure);
            }
            tracing::debug!(
                round,
                tool_calls = calls.len(),
                duration_ms = millis(asked.elapsed()),
                "model turn"
            );
            let text = match writer.take() {
                Some(w) => {
                    let text = w.text().to_string();
                    w.finish(stream).await?;
                    state.reply = text.clone();
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
                            tool_done(handoff.tool.name, ToolOutcome::Ok, Duration::ZERO);
                            json!({"assistant": next.name})
                        }
                        None => {
                            tool_done(handoff.tool.name, ToolOutcome::Error, Duration::ZERO);
                            json!({"error": format!("no agent named '{}'", handoff.to)})
                        }
                    };
                    messages.push(ChatMessage::Tool {
                        call_id: call.id,
                        content: content.to_string(),
                    });
                    continue;
                }
                if state.badges.is_none() {
                    state.badges = Some(Badges::open(stream).await?);
                }
                let b = state.badges.as_mut().expect("opened above");
                let index = state.badge_count;
                state.badge_count += 1;
                b.set(
                    stream,
                    index,
                    self.plugin
                        .running_label(&call.name, stream.ctx.locale.as_deref()),
                    StatusIndicator::Loading,
                )
                .await?;
                let parsed: Result<Value, _> = if call.arguments.trim().is_empty() {
                    Ok(json!({}))
                } else {
                    serde_json::from_str(&call.arguments)
                };
                // The tool's name as our spec spells it (a name the model made up is not a
                // metrics label).
                let offered = specs.iter().find(|t| t.name == call.name).map(|t| t.name);
                let tool = offered.unwrap_or(UNKNOWN_TOOL);
                let started = Instant::now();
                let (content, label) = match parsed {
                    Err(e) => {
                        tool_done(tool, ToolOutcome::InvalidArguments, started.elapsed());
                        (
                            json!({"error": format!("arguments are not valid JSON: {e}")}),
                            format!("{}: invalid arguments", call.name),
                        )
                    }
                    // Only the tools this agent was offered; the model hears about any other.
                    Ok(_) if offered.is_none() => {
                        tool_done(tool, ToolOutcome::Error, started.elapsed());
                        let e = ToolError::UnknownTool(call.name.clone());
                        (
                            json!({"error": e.to_string()}),
                            format!("{}: {e}", call.name),
                        )
                    }
                    Ok(args) => {
                        state.last_result = None;
                        let held = self
                            .plugin
                            .hold(stream, tools, &call.name, &args, &exchange)
                            .await?;
                        let span = tracing::info_span!("tool_call", tool);
                        let (shown, outcome) = match held {
                            Some(held) => (held, ToolOutcome::Held),
                            None => match tools.call(&call.name, args).instrument(span).await {
                                Ok(out) => {
                                    let label = self.plugin.done_label(
                                        &call.name,
                                        &out,
                                        stream.ctx.locale.as_deref(),
                                    );
                                    let shown = (out.result.clone(), label);
                                    state.last_result = Some((call.name.clone(), out));
                                    (shown, ToolOutcome::Ok)
                                }
                                Err(e) => (
                                    (
                                        json!({"error": e.to_string()}),
                                        format!("{}: {e}", call.name),
                                    ),
                                    ToolOutcome::Error,
                                ),
                            },
                        };
                        tool_done(tool, outcome, started.elapsed());
                        shown
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
        if let Some(b) = state.badges.take() {
            b.close(stream).await?;
        }
        let text = format!(
            "I stopped after {} steps without finishing. What I did so far is saved (see the \
             steps above); tell me how to continue.",
            self.max_turns
        );
        stream.assistant_message([text.clone()]).await?;
        state.reply = text;
        Ok(())
    }
}

/// The tool-badge workflow of one turn, opened at the first tool call.
pub(super) struct Badges {
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

    pub(super) async fn close(mut self, stream: &mut ThreadStream) -> Result<(), ChatKitError> {
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

/// The latest user message and the assistant's answer before it.
pub(super) fn last_exchange(messages: &[ChatMessage]) -> Exchange {
    let at = messages
        .iter()
        .rposition(|m| matches!(m, ChatMessage::User(_)));
    let Some(at) = at else {
        return Exchange::default();
    };
    let user_text = match &messages[at] {
        ChatMessage::User(u) => u.clone(),
        _ => String::new(),
    };
    let previous_answer = messages[..at]
        .iter()
        .rev()
        .find_map(|m| match m {
            ChatMessage::Assistant { text, .. } if !text.is_empty() => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_default();
    Exchange {
        user_text,
        previous_answer,
    }
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

/// "Thinking…", then how long it has been, in the user's interface language.
fn progress_text(locale: Option<&str>, secs: u64) -> String {
    let urdu = super::language::urdu_ui(locale);
    match (urdu, secs) {
        (false, 0..=4) => "Thinking…".into(),
        (false, s) => format!("Still thinking… {s} s"),
        (true, 0..=4) => "سوچ رہا ہوں…".into(),
        (true, s) => format!("ابھی سوچ رہا ہوں… {s} سیکنڈ"),
    }
}

/// Counts and logs one tool call (never its arguments or result: they hold the user's words).
fn tool_done(tool: &'static str, outcome: ToolOutcome, took: Duration) {
    METRICS.tool_calls.record(tool, outcome);
    tracing::info!(
        tool,
        outcome = outcome.label(),
        duration_ms = millis(took),
        "tool call"
    );
}

fn timeout_error() -> ChatKitError {
    METRICS.model_errors.inc("timeout");
    ChatKitError::unavailable("The assistant took too long to answer. Please try again.")
}

fn model_error(e: ModelError) -> ChatKitError {
    match e {
        ModelError::Unavailable(m) => {
            METRICS.model_errors.inc("unavailable");
            tracing::warn!("model unavailable: {m}");
            ChatKitError::unavailable(
                "The assistant's model is unreachable right now. Please try again.",
            )
        }
        // Retrying the same request will not help: a bad key, a rejected request, garbage.
        ModelError::Failed(m) => {
            METRICS.model_errors.inc("failed");
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
