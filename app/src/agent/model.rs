//! The model interface: Chat Completions-shaped messages in, streamed text and tool calls out.
//! Implemented by the offline assistant and the OpenAI-compatible provider.

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::tools::ToolSpec;

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
