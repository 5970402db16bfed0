//! Thread items and what they carry: messages and their content, workflows and their tasks,
//! attachments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{timestamp, Metadata};

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
        /// Ours: the model failed mid-answer, so the text ends early. Only sent when true;
        /// the official client and the SDK ignore a key they do not know.
        #[serde(
            default,
            skip_serializing_if = "std::ops::Not::not",
            rename = "todokit_cut_off"
        )]
        cut_off: bool,
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
        task: WorkflowTask,
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
            ItemKind::AssistantMessage { content, .. } => Some(
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
    pub tasks: Vec<WorkflowTask>,
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
pub struct WorkflowTask {
    #[serde(default)]
    pub status_indicator: StatusIndicator,
    #[serde(flatten)]
    pub kind: WorkflowTaskKind,
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
pub enum WorkflowTaskKind {
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
