//! What the agent loop asks of the assistant it runs: the user's toolbox, the agents, and the
//! policy at the few points of a turn where tools meet people. `TaskAssistant` is the one in use.

use async_trait::async_trait;
use serde_json::Value;

use super::AgentSpec;
use crate::chatkit::types::{Action, ThreadItem};
use crate::chatkit::{ChatKitError, ThreadStream};
use crate::tools::mcp::McpTools;
use crate::tools::ToolOutput;

/// The latest user message and the assistant's answer before it (for confirmations).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exchange {
    pub user_text: String,
    pub previous_answer: String,
}

/// A held tool call: the result the model hears instead, and the badge's label.
pub type Held = (Value, String);

#[async_trait]
pub trait Plugin: Send + Sync + 'static {
    /// The agents; the first starts every turn.
    fn agents(&self) -> Vec<AgentSpec>;

    /// The signed-in user's toolbox, for one turn or one widget action.
    async fn connect(&self, user_id: &str) -> Result<McpTools, ChatKitError>;

    /// The badge shown while `tool` runs, in the panel's language (`locale`).
    fn running_label(&self, tool: &str, locale: Option<&str>) -> String;

    /// The badge once `tool` has run; the tool's own (English) label unless overridden.
    fn done_label(&self, _tool: &str, out: &ToolOutput, _locale: Option<&str>) -> String {
        out.label.clone()
    }

    /// Before `tool` runs: `Some` holds the call (after showing the user whatever they must
    /// decide), `None` lets it run.
    async fn hold(
        &self,
        stream: &mut ThreadStream,
        tools: &McpTools,
        tool: &str,
        args: &Value,
        exchange: &Exchange,
    ) -> Result<Option<Held>, ChatKitError>;

    /// After a turn that ended well, with the result the turn's tool calls ended on (the
    /// latest call's, unless it was held or failed) and the message that started the turn.
    async fn turn_done(
        &self,
        stream: &mut ThreadStream,
        last_result: Option<(&str, &ToolOutput)>,
        user_text: &str,
    ) -> Result<(), ChatKitError>;

    /// A widget's button; `user_text` is the thread's latest user message.
    async fn action(
        &self,
        stream: &mut ThreadStream,
        tools: &McpTools,
        action: &Action,
        sender: &Option<ThreadItem>,
        user_text: &str,
    ) -> Result<(), ChatKitError>;
}
