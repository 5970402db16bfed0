//! Conformance fixture, not a product feature: the scripted `Responder` that the differential
//! test (`conformance/`) runs on both our server and the official Python SDK. Selected only with
//! `TODOKIT_RESPONDER=scripted`; its branches mirror `conformance/responder.py` exactly.

use async_trait::async_trait;
use serde_json::{json, Value};

use super::error::ChatKitError;
use super::server::{RespondContext, Responder, ThreadStream};
use super::types::*;
use super::widgets::{ActionConfig, Button, Card, Text};

pub struct ScriptedResponder;

/// The text of the first `input_text` part ("" when there is none or no input).
fn first_text(input: Option<&ThreadItem>) -> String {
    match input.map(|i| &i.kind) {
        Some(ItemKind::UserMessage { content, .. }) => content
            .iter()
            .find_map(|c| match c {
                UserMessageContent::InputText { text } => Some(text.clone()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// `Card([Text(id="t1", value), Button("Toggle", onClickAction=toggle {n:1})])`.
fn widget(text_value: &str) -> Value {
    Card::new()
        .child(Text::new(text_value).id("t1"))
        .child(Button::new("Toggle").on_click(ActionConfig::new("toggle").payload(json!({"n": 1}))))
        .into()
}

/// A copy of a widget item in which every `Text` component says "Toggled".
fn toggled(sender: &ThreadItem) -> ThreadItem {
    fn walk(node: &mut Value) {
        if node.get("type").and_then(Value::as_str) == Some("Text") {
            if let Some(v) = node.get_mut("value") {
                *v = json!("Toggled");
            }
        }
        match node.get_mut("children") {
            Some(Value::Array(children)) => children.iter_mut().for_each(walk),
            Some(child @ Value::Object(_)) => walk(child),
            _ => {}
        }
    }
    let mut item = sender.clone();
    if let ItemKind::Widget { widget, .. } = &mut item.kind {
        walk(widget);
    }
    item
}

fn choice(id: &str, question: &str, options: &[&str], multiple: bool) -> Value {
    let options: Vec<Value> = options.iter().map(|v| json!({ "value": v })).collect();
    json!({"id": id, "question": question, "type": "multiple_choice", "options": options,
           "multiple": multiple})
}

fn stream_error() -> ChatKitError {
    ChatKitError::stream_error()
}

#[async_trait]
impl Responder for ScriptedResponder {
    async fn respond(
        &self,
        stream: &mut ThreadStream,
        input: Option<ThreadItem>,
    ) -> Result<(), ChatKitError> {
        let t = first_text(input.as_ref());
        if input.is_some() && stream.thread().title.is_none() && !t.is_empty() {
            stream.set_title(t.chars().take(40).collect::<String>());
        }
        if input.is_none() {
            stream.assistant_message(["Thanks"]).await?;
            return Ok(());
        }
        match t.as_str() {
            "boom" => {
                stream.begin_message().await?;
                Err(stream_error())
            }
            "custom error" => Err(ChatKitError::new(500, "custom", "Nope")),
            "slow" => {
                let mut w = stream.begin_message().await?;
                w.push(stream, "Partial".into()).await?;
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                Ok(())
            }
            // Rust tests only: a turn that goes on after a pause (re-attach after a reload).
            "paced" => {
                let mut w = stream.begin_message().await?;
                w.push(stream, "Partial".into()).await?;
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                w.push(stream, " and the rest".into()).await?;
                w.finish(stream).await?;
                Ok(())
            }
            "widget" => {
                let item = stream.new_item(ItemKind::Widget {
                    widget: widget("Toggle me"),
                    copy_text: None,
                });
                stream.emit(ThreadStreamEvent::ItemDone { item }).await?;
                stream.assistant_message(["Here is a widget"]).await?;
                Ok(())
            }
            "workflow" => {
                let step = |s| WorkflowTask {
                    status_indicator: s,
                    kind: WorkflowTaskKind::Custom {
                        title: Some("Step 1".into()),
                        icon: None,
                        content: None,
                    },
                };
                let mut wf = stream.new_item(ItemKind::Workflow {
                    workflow: Workflow {
                        kind: WorkflowKind::Custom,
                        tasks: vec![],
                        summary: None,
                        expanded: false,
                    },
                });
                let id = wf.id.clone();
                stream
                    .emit(ThreadStreamEvent::ItemAdded { item: wf.clone() })
                    .await?;
                stream
                    .emit(ThreadStreamEvent::ItemUpdated {
                        item_id: id.clone(),
                        update: ItemUpdate::WorkflowTaskAdded {
                            task_index: 0,
                            task: step(StatusIndicator::Loading),
                        },
                    })
                    .await?;
                stream
                    .emit(ThreadStreamEvent::ItemUpdated {
                        item_id: id,
                        update: ItemUpdate::WorkflowTaskUpdated {
                            task_index: 0,
                            task: step(StatusIndicator::Complete),
                        },
                    })
                    .await?;
                wf.kind = ItemKind::Workflow {
                    workflow: Workflow {
                        kind: WorkflowKind::Custom,
                        tasks: vec![step(StatusIndicator::Complete)],
                        summary: Some(json!({"title": "Did 1 step"})),
                        expanded: false,
                    },
                };
                stream
                    .emit(ThreadStreamEvent::ItemDone { item: wf })
                    .await?;
                stream.assistant_message(["Done"]).await?;
                Ok(())
            }
            "progress" => {
                stream
                    .emit(ThreadStreamEvent::ProgressUpdate {
                        icon: None,
                        text: "Working".into(),
                    })
                    .await?;
                stream
                    .emit(ThreadStreamEvent::ClientEffect {
                        name: "noop".into(),
                        data: Default::default(),
                    })
                    .await?;
                stream.assistant_message(["Ok"]).await?;
                Ok(())
            }
            "hidden" => {
                let item = stream.new_item(ItemKind::HiddenContextItem {
                    content: json!("secret"),
                });
                stream.emit(ThreadStreamEvent::ItemDone { item }).await?;
                stream.assistant_message(["Ok"]).await?;
                Ok(())
            }
            "client tool" => {
                let mut arguments = serde_json::Map::new();
                arguments.insert("tz".into(), json!("UTC"));
                let item = stream.new_item(ItemKind::ClientToolCall {
                    status: ClientToolCallStatus::Pending,
                    call_id: "call_1".into(),
                    name: "get_time".into(),
                    arguments,
                    output: None,
                });
                stream.emit(ThreadStreamEvent::ItemDone { item }).await
            }
            "ask" => {
                let item = stream.new_item(ItemKind::StructuredInput {
                    status: StructuredInputStatus::Pending,
                    inputs: vec![choice("q1", "Pick one", &["a", "b"], false)],
                });
                stream.emit(ThreadStreamEvent::ItemDone { item }).await
            }
            "ask many" => {
                let item = stream.new_item(ItemKind::StructuredInput {
                    status: StructuredInputStatus::Pending,
                    inputs: vec![
                        choice("q1", "Pick some", &["a", "b", "c"], true),
                        json!({"id": "q2", "question": "Anything else?", "type": "freeform",
                               "description": "Free text"}),
                    ],
                });
                stream.emit(ThreadStreamEvent::ItemDone { item }).await
            }
            _ => {
                stream
                    .assistant_message(["You said: ".to_string(), t])
                    .await?;
                Ok(())
            }
        }
    }

    async fn action(
        &self,
        stream: &mut ThreadStream,
        action: Action,
        sender: Option<ThreadItem>,
    ) -> Result<(), ChatKitError> {
        match sender {
            Some(sender) if action.kind == "toggle" => {
                stream
                    .emit(ThreadStreamEvent::ItemReplaced {
                        item: toggled(&sender),
                    })
                    .await?;
                stream.assistant_message(["Toggled"]).await?;
                Ok(())
            }
            _ => Err(stream_error()),
        }
    }

    async fn sync_action(
        &self,
        _ctx: &RespondContext,
        _thread: &ThreadMetadata,
        action: Action,
        sender: Option<ThreadItem>,
    ) -> Result<Option<ThreadItem>, ChatKitError> {
        Ok(match sender {
            Some(sender) if action.kind == "toggle" => Some(toggled(&sender)),
            _ => None,
        })
    }
}
