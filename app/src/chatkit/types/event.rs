//! Stream events: what a turn sends as SSE frames (`ThreadStreamEvent`), and the item updates
//! inside them, which the engine and the chat panel both apply.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{AssistantMessageContent, GeneratedImage, ItemKind, Thread, ThreadItem, WorkflowTask};
use crate::chatkit::widgets::find_component_mut;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ThreadStreamEvent {
    #[serde(rename = "thread.created")]
    ThreadCreated { thread: Thread },
    #[serde(rename = "thread.updated")]
    ThreadUpdated { thread: Thread },
    #[serde(rename = "thread.item.added")]
    ItemAdded { item: ThreadItem },
    #[serde(rename = "thread.item.updated")]
    ItemUpdated { item_id: String, update: ItemUpdate },
    #[serde(rename = "thread.item.done")]
    ItemDone { item: ThreadItem },
    #[serde(rename = "thread.item.removed")]
    ItemRemoved { item_id: String },
    #[serde(rename = "thread.item.replaced")]
    ItemReplaced { item: ThreadItem },
    #[serde(rename = "stream_options")]
    StreamOptions { stream_options: StreamOptions },
    #[serde(rename = "progress_update")]
    ProgressUpdate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        icon: Option<String>,
        text: String,
    },
    #[serde(rename = "client_effect")]
    ClientEffect {
        name: String,
        #[serde(default)]
        data: Map<String, Value>,
    },
    #[serde(rename = "error")]
    Error {
        #[serde(default = "custom_code")]
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default)]
        allow_retry: bool,
    },
    #[serde(rename = "notice")]
    Notice {
        level: NoticeLevel,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
}

fn custom_code() -> String {
    "custom".into()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamOptions {
    pub allow_cancel: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    Info,
    Warning,
    Danger,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ItemUpdate {
    #[serde(rename = "assistant_message.content_part.added")]
    ContentPartAdded {
        content_index: usize,
        content: AssistantMessageContent,
    },
    #[serde(rename = "assistant_message.content_part.text_delta")]
    TextDelta { content_index: usize, delta: String },
    #[serde(rename = "assistant_message.content_part.annotation_added")]
    AnnotationAdded {
        content_index: usize,
        annotation_index: usize,
        annotation: Value,
    },
    #[serde(rename = "assistant_message.content_part.done")]
    ContentPartDone {
        content_index: usize,
        content: AssistantMessageContent,
    },
    #[serde(rename = "widget.streaming_text.value_delta")]
    WidgetValueDelta {
        component_id: String,
        delta: String,
        done: bool,
    },
    #[serde(rename = "widget.root.updated")]
    WidgetRootUpdated { widget: Value },
    #[serde(rename = "widget.component.updated")]
    WidgetComponentUpdated {
        component_id: String,
        component: Value,
    },
    #[serde(rename = "workflow.task.added")]
    WorkflowTaskAdded {
        task_index: usize,
        task: WorkflowTask,
    },
    #[serde(rename = "workflow.task.updated")]
    WorkflowTaskUpdated {
        task_index: usize,
        task: WorkflowTask,
    },
    #[serde(rename = "generated_image.updated")]
    GeneratedImageUpdated {
        image: GeneratedImage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        progress: Option<f64>,
    },
}

impl ItemUpdate {
    /// Applies an update to an item: the engine tracks pending items with it (as the SDK does),
    /// the chat panel every item it shows.
    pub fn apply(&self, item: &mut ThreadItem) {
        match (self, &mut item.kind) {
            (
                ItemUpdate::TextDelta {
                    content_index,
                    delta,
                },
                ItemKind::AssistantMessage { content, .. },
            ) => {
                while content.len() <= *content_index {
                    content.push(AssistantMessageContent::text(""));
                }
                content[*content_index].text.push_str(delta);
            }
            (
                ItemUpdate::ContentPartAdded {
                    content_index,
                    content: part,
                }
                | ItemUpdate::ContentPartDone {
                    content_index,
                    content: part,
                },
                ItemKind::AssistantMessage { content, .. },
            ) => {
                while content.len() <= *content_index {
                    content.push(AssistantMessageContent::text(""));
                }
                content[*content_index] = part.clone();
            }
            (
                ItemUpdate::AnnotationAdded {
                    content_index,
                    annotation_index,
                    annotation,
                },
                ItemKind::AssistantMessage { content, .. },
            ) => {
                while content.len() <= *content_index {
                    content.push(AssistantMessageContent::text(""));
                }
                let anns = &mut content[*content_index].annotations;
                let at = (*annotation_index).min(anns.len());
                anns.insert(at, annotation.clone());
            }
            (
                ItemUpdate::WorkflowTaskAdded { task_index, task }
                | ItemUpdate::WorkflowTaskUpdated { task_index, task },
                ItemKind::Workflow { workflow },
            ) => {
                if *task_index < workflow.tasks.len() {
                    workflow.tasks[*task_index] = task.clone();
                } else {
                    workflow.tasks.push(task.clone());
                }
            }
            (ItemUpdate::WidgetRootUpdated { widget: w }, ItemKind::Widget { widget, .. }) => {
                *widget = w.clone();
            }
            (
                ItemUpdate::WidgetComponentUpdated {
                    component_id,
                    component,
                },
                ItemKind::Widget { widget, .. },
            ) => {
                if let Some(c) = find_component_mut(widget, component_id) {
                    *c = component.clone();
                }
            }
            (
                ItemUpdate::WidgetValueDelta {
                    component_id,
                    delta,
                    done,
                },
                ItemKind::Widget { widget, .. },
            ) => {
                if let Some(Value::Object(c)) = find_component_mut(widget, component_id) {
                    if let Value::String(text) = c.entry("value").or_insert_with(|| "".into()) {
                        text.push_str(delta);
                    }
                    c.insert("streaming".into(), Value::Bool(!done));
                }
            }
            _ => {}
        }
    }
}
