//! Every ChatKit wire type and nothing else, shared by the server and the WASM client.
//! Field order and `None` omission follow the Python SDK's pydantic models (see docs/chatkit-compat.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub type Metadata = Map<String, Value>;

/// Timestamps: written like pydantic writes an aware UTC datetime (`…T…[.ffffff]Z`), read from
/// any ISO-8601 form (with or without offset) or a unix timestamp, as pydantic accepts.
pub mod timestamp {
    use chrono::{DateTime, NaiveDateTime, TimeZone, Timelike, Utc};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn format(t: &DateTime<Utc>) -> String {
        if t.nanosecond() / 1000 == 0 {
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        } else {
            t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        }
    }

    pub fn parse(s: &str) -> Option<DateTime<Utc>> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.with_timezone(&Utc));
        }
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|n| Utc.from_utc_datetime(&n))
    }

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(f64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(s) => parse(&s).ok_or_else(|| D::Error::custom("invalid datetime")),
            Raw::Number(n) => DateTime::from_timestamp_micros((n * 1e6) as i64)
                .ok_or_else(|| D::Error::custom("invalid timestamp")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Threads and pages

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            data: Vec::new(),
            has_more: false,
            after: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThreadStatus {
    Active,
    Locked {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Closed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

/// A thread without its items, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub id: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    pub status: ThreadStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_image_domains: Option<Vec<String>>,
    #[serde(default)]
    pub metadata: Metadata,
}

/// A thread as the client sees it: metadata is always emptied, items are a page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub id: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    pub status: ThreadStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_image_domains: Option<Vec<String>>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub items: Page<ThreadItem>,
}

impl Thread {
    /// The client-facing form of a stored thread (the SDK's `_to_thread_response`).
    pub fn from_metadata(meta: &ThreadMetadata, items: Page<ThreadItem>) -> Thread {
        Thread {
            title: meta.title.clone(),
            id: meta.id.clone(),
            created_at: meta.created_at,
            status: meta.status.clone(),
            allowed_image_domains: meta.allowed_image_domains.clone(),
            metadata: Metadata::new(),
            items,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Items

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadItem {
    pub id: String,
    pub thread_id: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: ItemKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    UserMessage {
        content: Vec<UserMessageContent>,
        #[serde(default)]
        attachments: Vec<Attachment>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quoted_text: Option<String>,
        #[serde(default)]
        inference_options: InferenceOptions,
    },
    AssistantMessage {
        content: Vec<AssistantMessageContent>,
    },
    ClientToolCall {
        #[serde(default)]
        status: ClientToolCallStatus,
        call_id: String,
        name: String,
        arguments: Map<String, Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<Value>,
    },
    Widget {
        widget: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        copy_text: Option<String>,
    },
    GeneratedImage {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image: Option<GeneratedImage>,
    },
    StructuredInput {
        #[serde(default)]
        status: StructuredInputStatus,
        inputs: Vec<Value>,
    },
    Workflow {
        workflow: Workflow,
    },
    Task {
        task: Task,
    },
    EndOfTurn {},
    HiddenContextItem {
        content: Value,
    },
    SdkHiddenContext {
        content: String,
    },
}

impl ThreadItem {
    /// Hidden items are stored for the model but never sent to the client.
    pub fn is_hidden(&self) -> bool {
        matches!(
            self.kind,
            ItemKind::HiddenContextItem { .. } | ItemKind::SdkHiddenContext { .. }
        )
    }

    /// The text a user typed, for user messages.
    pub fn user_text(&self) -> Option<String> {
        match &self.kind {
            ItemKind::UserMessage { content, .. } => Some(
                content
                    .iter()
                    .map(|c| match c {
                        UserMessageContent::InputText { text } => text.clone(),
                        UserMessageContent::InputTag { text, .. } => format!("@{text}"),
                    })
                    .collect::<Vec<_>>()
                    .join(""),
            ),
            _ => None,
        }
    }

    /// The text of an assistant message.
    pub fn assistant_text(&self) -> Option<String> {
        match &self.kind {
            ItemKind::AssistantMessage { content } => Some(
                content
                    .iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>()
                    .join(""),
            ),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientToolCallStatus {
    #[default]
    Pending,
    Completed,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredInputStatus {
    #[default]
    Pending,
    Answered,
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratedImage {
    pub id: String,
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserMessageContent {
    InputText {
        text: String,
    },
    InputTag {
        id: String,
        text: String,
        #[serde(default)]
        data: Map<String, Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        #[serde(default)]
        interactive: bool,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InferenceOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolChoice {
    pub id: String,
}

/// `{"annotations":[],"text":…,"type":"output_text"}`: the type tag comes last on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssistantMessageContent {
    #[serde(default)]
    pub annotations: Vec<Value>,
    pub text: String,
    #[serde(rename = "type", default)]
    pub kind: OutputText,
}

impl AssistantMessageContent {
    pub fn text(text: impl Into<String>) -> Self {
        AssistantMessageContent {
            annotations: Vec::new(),
            text: text.into(),
            kind: OutputText::OutputText,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputText {
    #[default]
    OutputText,
}

// ---------------------------------------------------------------------------------------------
// Workflows and tasks

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    #[serde(rename = "type")]
    pub kind: WorkflowKind,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Value>,
    #[serde(default)]
    pub expanded: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowKind {
    Custom,
    Reasoning,
}

/// A workflow step; `status_indicator` precedes the type tag on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    #[serde(default)]
    pub status_indicator: StatusIndicator,
    #[serde(flatten)]
    pub kind: TaskKind,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusIndicator {
    #[default]
    None,
    Loading,
    Complete,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskKind {
    Custom {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        icon: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
    },
    Thought {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        content: String,
    },
    WebSearch {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title_query: Option<String>,
        #[serde(default)]
        queries: Vec<String>,
        #[serde(default)]
        sources: Vec<Value>,
    },
    File {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default)]
        sources: Vec<Value>,
    },
    Image {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
}

// ---------------------------------------------------------------------------------------------
// Attachments

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    /// Set until the bytes are uploaded (two-phase upload), then cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_descriptor: Option<UploadDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    #[serde(flatten)]
    pub kind: AttachmentKind,
    /// The server's own notes (the declared size); stored, never sent, like the SDK's.
    #[serde(skip)]
    pub metadata: Metadata,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AttachmentKind {
    File,
    Image { preview_url: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadDescriptor {
    pub url: String,
    pub method: String,
    #[serde(default)]
    pub headers: Map<String, Value>,
}

// ---------------------------------------------------------------------------------------------
// Stream events

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
    WorkflowTaskAdded { task_index: usize, task: Task },
    #[serde(rename = "workflow.task.updated")]
    WorkflowTaskUpdated { task_index: usize, task: Task },
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
                ItemKind::AssistantMessage { content },
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
                ItemKind::AssistantMessage { content },
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
                ItemKind::AssistantMessage { content },
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
                if let Some(c) = super::widgets::find_component_mut(widget, component_id) {
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
                if let Some(Value::Object(c)) =
                    super::widgets::find_component_mut(widget, component_id)
                {
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

// ---------------------------------------------------------------------------------------------
// Requests

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserMessageInput {
    pub content: Vec<UserMessageContent>,
    /// Required, as in the SDK (the official client always sends it).
    pub attachments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_text: Option<String>,
    pub inference_options: InferenceOptions,
}

impl UserMessageInput {
    pub fn text(text: impl Into<String>) -> Self {
        UserMessageInput {
            content: vec![UserMessageContent::InputText { text: text.into() }],
            attachments: Vec::new(),
            quoted_text: None,
            inference_options: InferenceOptions::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Asc,
    #[default]
    Desc,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The SDK accepts an action without a type; it then matches no handler.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub payload: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    Positive,
    Negative,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateThreadParams {
    pub input: UserMessageInput,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddUserMessageParams {
    pub thread_id: String,
    pub input: UserMessageInput,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddClientToolOutputParams {
    pub thread_id: String,
    pub result: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddStructuredInputParams {
    pub thread_id: String,
    pub item_id: String,
    pub input: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadItemParams {
    pub thread_id: String,
    pub item_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomActionParams {
    pub thread_id: String,
    #[serde(default)]
    pub item_id: Option<String>,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadIdParams {
    pub thread_id: String,
}

/// Integers as pydantic reads them in lax mode: `2`, `2.0` and `"2"` are all 2.
mod lax_int {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_i64(*n),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let bad = || D::Error::custom("expected an integer");
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Ok(Some(i)),
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9e15 => Ok(Some(f as i64)),
                _ => Err(bad()),
            },
            Value::String(s) => s.trim().parse().map(Some).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }

    /// The same for a required integer (`"size": "2048"` is 2048).
    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        deserialize(d)?.ok_or_else(|| D::Error::custom("expected an integer"))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListParams {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "lax_int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub order: Order,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListItemsParams {
    pub thread_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "lax_int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub order: Order,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateThreadParams {
    pub thread_id: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedbackParams {
    pub thread_id: String,
    pub item_ids: Vec<String>,
    pub kind: FeedbackKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateAttachmentParams {
    pub name: String,
    #[serde(deserialize_with = "lax_int::required")]
    pub size: i64,
    pub mime_type: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentIdParams {
    pub attachment_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscribeParams {
    pub audio_base64: String,
    pub mime_type: String,
}

/// Every request: `{"type": …, "params": {…}, "metadata": {…}}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "params")]
pub enum ChatKitRequest {
    #[serde(rename = "threads.create")]
    CreateThread(CreateThreadParams),
    #[serde(rename = "threads.add_user_message")]
    AddUserMessage(AddUserMessageParams),
    #[serde(rename = "threads.add_client_tool_output")]
    AddClientToolOutput(AddClientToolOutputParams),
    #[serde(rename = "threads.add_structured_input")]
    AddStructuredInput(AddStructuredInputParams),
    #[serde(rename = "threads.retry_after_item")]
    RetryAfterItem(ThreadItemParams),
    #[serde(rename = "threads.custom_action")]
    CustomAction(CustomActionParams),
    #[serde(rename = "threads.sync_custom_action")]
    SyncCustomAction(CustomActionParams),
    #[serde(rename = "threads.get_by_id")]
    GetThread(ThreadIdParams),
    #[serde(rename = "threads.list")]
    ListThreads(ListParams),
    #[serde(rename = "threads.update")]
    UpdateThread(UpdateThreadParams),
    #[serde(rename = "threads.delete")]
    DeleteThread(ThreadIdParams),
    #[serde(rename = "items.list")]
    ListItems(ListItemsParams),
    #[serde(rename = "items.feedback")]
    Feedback(FeedbackParams),
    #[serde(rename = "attachments.create")]
    CreateAttachment(CreateAttachmentParams),
    #[serde(rename = "attachments.delete")]
    DeleteAttachment(AttachmentIdParams),
    #[serde(rename = "input.transcribe")]
    Transcribe(TranscribeParams),
    /// Ours, not the SDK's: stop the run in flight on a thread (see docs/chatkit-compat.md).
    #[serde(rename = "todokit.threads.cancel")]
    CancelRun(ThreadIdParams),
    /// Ours: re-attach to the run in flight on a thread, e.g. after a reload: its events so
    /// far, then the rest as they come (see docs/chatkit-compat.md).
    #[serde(rename = "todokit.threads.resume")]
    ResumeRun(ThreadIdParams),
}

/// Why a request body could not be understood; the engine maps these to 400/422.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error("request body is not valid JSON: {0}")]
    Malformed(String),
    #[error("unknown request type '{0}'")]
    UnknownType(String),
    #[error("invalid params for '{kind}': {reason}")]
    Invalid { kind: String, reason: String },
}

impl ChatKitRequest {
    /// Parses a request leniently (unknown keys ignored) with an error that names what is wrong.
    pub fn parse(body: &[u8]) -> Result<ChatKitRequest, RequestError> {
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(rename = "type")]
            kind: Option<Value>,
            params: Option<Value>,
        }
        // Through `Value` first so a repeated key keeps its last value, as Python's json does.
        let value: Value =
            serde_json::from_slice(body).map_err(|e| RequestError::Malformed(e.to_string()))?;
        let env: Envelope =
            serde_json::from_value(value).map_err(|e| RequestError::Malformed(e.to_string()))?;
        let kind = match env.kind {
            Some(Value::String(s)) => s,
            Some(other) => return Err(RequestError::UnknownType(other.to_string())),
            None => {
                return Err(RequestError::Invalid {
                    kind: String::new(),
                    reason: "missing field `type`".into(),
                })
            }
        };
        let Some(params) = env.params else {
            return if Self::is_known(&kind) {
                Err(RequestError::Invalid {
                    kind,
                    reason: "missing field `params`".into(),
                })
            } else {
                Err(RequestError::UnknownType(kind))
            };
        };
        fn p<T: serde::de::DeserializeOwned>(kind: &str, v: Value) -> Result<T, RequestError> {
            serde_json::from_value(v).map_err(|e| RequestError::Invalid {
                kind: kind.to_string(),
                reason: e.to_string(),
            })
        }
        let k = kind.as_str();
        Ok(match k {
            "threads.create" => Self::CreateThread(p(k, params)?),
            "threads.add_user_message" => Self::AddUserMessage(p(k, params)?),
            "threads.add_client_tool_output" => Self::AddClientToolOutput(p(k, params)?),
            "threads.add_structured_input" => Self::AddStructuredInput(p(k, params)?),
            "threads.retry_after_item" => Self::RetryAfterItem(p(k, params)?),
            "threads.custom_action" => Self::CustomAction(p(k, params)?),
            "threads.sync_custom_action" => Self::SyncCustomAction(p(k, params)?),
            "threads.get_by_id" => Self::GetThread(p(k, params)?),
            "threads.list" => Self::ListThreads(p(k, params)?),
            "threads.update" => Self::UpdateThread(p(k, params)?),
            "threads.delete" => Self::DeleteThread(p(k, params)?),
            "items.list" => Self::ListItems(p(k, params)?),
            "items.feedback" => Self::Feedback(p(k, params)?),
            "attachments.create" => Self::CreateAttachment(p(k, params)?),
            "attachments.delete" => Self::DeleteAttachment(p(k, params)?),
            "input.transcribe" => Self::Transcribe(p(k, params)?),
            "todokit.threads.cancel" => Self::CancelRun(p(k, params)?),
            "todokit.threads.resume" => Self::ResumeRun(p(k, params)?),
            _ => return Err(RequestError::UnknownType(kind)),
        })
    }

    /// The request types answered with an SSE stream (each starts a turn).
    pub const STREAMING_TYPES: [&'static str; 6] = [
        "threads.create",
        "threads.add_user_message",
        "threads.add_client_tool_output",
        "threads.add_structured_input",
        "threads.retry_after_item",
        "threads.custom_action",
    ];

    fn is_known(kind: &str) -> bool {
        Self::TYPES.contains(&kind)
    }

    pub const TYPES: [&'static str; 18] = [
        "threads.create",
        "threads.add_user_message",
        "threads.add_client_tool_output",
        "threads.add_structured_input",
        "threads.retry_after_item",
        "threads.custom_action",
        "threads.sync_custom_action",
        "threads.get_by_id",
        "threads.list",
        "threads.update",
        "threads.delete",
        "items.list",
        "items.feedback",
        "attachments.create",
        "attachments.delete",
        "input.transcribe",
        "todokit.threads.cancel",
        "todokit.threads.resume",
    ];

    /// Streaming requests answer with SSE; the others with one JSON body.
    pub fn is_streaming(&self) -> bool {
        matches!(
            self,
            Self::CreateThread(_)
                | Self::AddUserMessage(_)
                | Self::AddClientToolOutput(_)
                | Self::AddStructuredInput(_)
                | Self::RetryAfterItem(_)
                | Self::CustomAction(_)
                | Self::ResumeRun(_)
        )
    }
}

/// The JSON error body our server sends before a stream begins (the SDK has none; see compat doc).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub allow_retry: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_01_user_item_round_trips_byte_for_byte() {
        let line = r#"{"id":"msg_195be3d8","thread_id":"thr_609964f5","created_at":"2026-11-21T23:11:26.128190Z","type":"user_message","content":[{"type":"input_text","text":"Hi there"}],"attachments":[],"quoted_text":"","inference_options":{}}"#;
        let item: ThreadItem = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_string(&item).unwrap(), line);
    }

    #[test]
    fn assistant_content_writes_type_last() {
        let c = AssistantMessageContent::text("Hello");
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"annotations":[],"text":"Hello","type":"output_text"}"#
        );
    }

    #[test]
    fn naive_timestamps_are_read_as_utc_and_whole_seconds_drop_the_fraction() {
        let t = timestamp::parse("2026-11-21T23:11:26").unwrap();
        assert_eq!(timestamp::format(&t), "2026-11-21T23:11:26Z");
        let t = timestamp::parse("2026-11-21T23:11:26.000100+00:00").unwrap();
        assert_eq!(timestamp::format(&t), "2026-11-21T23:11:26.000100Z");
    }

    #[test]
    fn unknown_request_type_is_named_in_the_error() {
        let err = ChatKitRequest::parse(br#"{"type":"threads.explode","params":{}}"#).unwrap_err();
        assert_eq!(err, RequestError::UnknownType("threads.explode".into()));
    }

    #[test]
    fn unknown_keys_are_ignored_and_params_are_required() {
        let ok = ChatKitRequest::parse(
            br#"{"type":"threads.list","params":{"limit":3,"extra":1},"metadata":{"x":1},"more":true}"#,
        )
        .unwrap();
        assert_eq!(
            ok,
            ChatKitRequest::ListThreads(ListParams {
                limit: Some(3),
                order: Order::Desc,
                after: None
            })
        );
        assert!(matches!(
            ChatKitRequest::parse(br#"{"type":"threads.list"}"#),
            Err(RequestError::Invalid { .. })
        ));
        assert!(matches!(
            ChatKitRequest::parse(b"{not json"),
            Err(RequestError::Malformed(_))
        ));
    }

    #[test]
    fn attachments_write_the_sdk_field_order_and_never_their_metadata() {
        let mut a = Attachment {
            id: "atc_1".into(),
            name: "p.png".into(),
            mime_type: "image/png".into(),
            upload_descriptor: Some(UploadDescriptor {
                url: "http://h/u".into(),
                method: "POST".into(),
                headers: Map::new(),
            }),
            thread_id: Some("thr_1".into()),
            kind: AttachmentKind::Image {
                preview_url: "http://h/p".into(),
            },
            metadata: Map::new(),
        };
        a.metadata.insert("size".into(), 3.into());
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"id":"atc_1","name":"p.png","mime_type":"image/png","upload_descriptor":{"url":"http://h/u","method":"POST","headers":{}},"thread_id":"thr_1","type":"image","preview_url":"http://h/p"}"#
        );
        let lax = ChatKitRequest::parse(
            br#"{"type":"attachments.create","params":{"name":"p.png","size":"2048","mime_type":"image/png"}}"#,
        )
        .unwrap();
        assert!(matches!(lax, ChatKitRequest::CreateAttachment(p) if p.size == 2048));
    }

    #[test]
    fn requests_serialize_in_the_wire_envelope() {
        let req = ChatKitRequest::GetThread(ThreadIdParams {
            thread_id: "thr_1".into(),
        });
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"type":"threads.get_by_id","params":{"thread_id":"thr_1"}}"#
        );
    }
}
