//! The task assistant: the plug-in that gives the agent loop the user's task tools (in-process
//! MCP), its agents, and the task policy: confirm uncertain deletes, a list card, the buttons.

use async_trait::async_trait;
use serde_json::{json, Value};

use super::language::urdu_ui;
use super::plugin::{Exchange, Held, Plugin};
use super::{task_widgets, AgentSpec, Handoff};
use crate::chatkit::types::{Action, ItemKind, ThreadItem, ThreadStreamEvent};
use crate::chatkit::{ChatKitError, ThreadStream};
use crate::store::Db;
use crate::tasks::model::Task;
use crate::tools::mcp::McpTools;
use crate::tools::{TaskTools, ToolOutput};

const INSTRUCTIONS: &str = "You are todokit's assistant. You manage the user's tasks with the tools \
you have: add, list, complete, delete and update tasks. Use task ids from tool results. Answer briefly \
in the user's language; use markdown lists for several tasks. Today is {today} (UTC).";

/// The most tasks one `list_tasks` call returns.
const LIST_LIMIT: usize = 100;

pub struct TaskAssistant {
    db: Db,
}

impl TaskAssistant {
    pub fn new(db: Db) -> Self {
        TaskAssistant { db }
    }
}

#[async_trait]
impl Plugin for TaskAssistant {
    /// The task assistant, which hands Urdu conversations to an Urdu specialist.
    fn agents(&self) -> Vec<AgentSpec> {
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

    /// The user's task tools, reached over in-process MCP like any MCP client.
    async fn connect(&self, user_id: &str) -> Result<McpTools, ChatKitError> {
        McpTools::connect(TaskTools::new(self.db.clone(), user_id))
            .await
            .map_err(|e| {
                tracing::error!("task tools: {e}");
                ChatKitError::unavailable("The task tools are unavailable. Please try again.")
            })
    }

    fn running_label(&self, tool: &str, locale: Option<&str>) -> String {
        let (en, ur) = match tool {
            "add_task" => ("Adding task…", "کام شامل ہو رہا ہے…"),
            "list_tasks" => ("Looking up tasks…", "کام دیکھے جا رہے ہیں…"),
            "complete_task" => ("Completing task…", "کام مکمل ہو رہا ہے…"),
            "delete_task" => ("Deleting task…", "کام حذف ہو رہا ہے…"),
            "update_task" => ("Updating task…", "کام بدلا جا رہا ہے…"),
            _ => ("Working…", "کام جاری ہے…"),
        };
        match urdu_ui(locale) {
            true => ur.to_string(),
            false => en.to_string(),
        }
    }

    fn done_label(&self, tool: &str, out: &ToolOutput, locale: Option<&str>) -> String {
        if !urdu_ui(locale) {
            return out.label.clone();
        }
        let title = out
            .tasks
            .first()
            .map(|t| t.title.as_str())
            .unwrap_or_default();
        match tool {
            "add_task" => format!("کام شامل کیا: '{title}'"),
            "list_tasks" => format!("{} کام ملے", out.tasks.len()),
            "complete_task" => format!("مکمل کیا: '{title}'"),
            "delete_task" => format!("حذف کیا: '{title}'"),
            "update_task" => format!("بدل دیا: '{title}'"),
            _ => out.label.clone(),
        }
    }

    /// A delete the user's words did not make certain is not run: a Confirm/Cancel widget is
    /// shown instead, and the model hears that the user was asked.
    async fn hold(
        &self,
        stream: &mut ThreadStream,
        tools: &McpTools,
        tool: &str,
        args: &Value,
        exchange: &Exchange,
    ) -> Result<Option<Held>, ChatKitError> {
        if tool != "delete_task" {
            return Ok(None);
        }
        let Some(id) = args["task_id"].as_i64() else {
            return Ok(None); // the tool itself reports the bad arguments
        };
        // Looked up through the tools, like any MCP client would.
        let listed = tools
            .call("list_tasks", json!({"status": "all", "limit": LIST_LIMIT}))
            .await
            .map(|out| out.tasks)
            .unwrap_or_default();
        let title = match listed.iter().find(|t| t.id == id) {
            Some(t) => t.title.clone(),
            None if listed.len() < LIST_LIMIT => return Ok(None), // unknown task: the tool says so
            // Past the longest listing: still asked, by id alone.
            None => String::new(),
        };
        let Exchange {
            user_text,
            previous_answer,
        } = exchange;
        if task_widgets::explicit_delete(user_text, previous_answer, id, &title) {
            return Ok(None);
        }
        let card = stream.new_item(ItemKind::Widget {
            widget: task_widgets::confirm_card(id, &title, user_text),
            copy_text: None,
        });
        stream
            .emit(ThreadStreamEvent::ItemDone { item: card })
            .await?;
        let label = match (urdu_ui(stream.ctx.locale.as_deref()), title.is_empty()) {
            (false, false) => format!("Asked to confirm deleting '{title}'"),
            (false, true) => format!("Asked to confirm deleting task #{id}"),
            (true, false) => format!("حذف کرنے کی تصدیق مانگی: '{title}'"),
            (true, true) => format!("حذف کرنے کی تصدیق مانگی: کام #{id}"),
        };
        Ok(Some((
            json!({
                "awaiting_confirmation": {"id": id, "title": title},
                "note": "Not deleted yet: the user was shown Confirm and Cancel buttons. \
                         Ask them to confirm; do not call delete_task again for this task.",
            }),
            label,
        )))
    }

    /// A listing that no later tool call acted on is shown as a card with Done buttons.
    async fn turn_done(
        &self,
        stream: &mut ThreadStream,
        last_result: Option<(&str, &ToolOutput)>,
        user_text: &str,
    ) -> Result<(), ChatKitError> {
        match last_result {
            Some(("list_tasks", out)) => show_list(stream, &out.tasks, user_text).await,
            _ => Ok(()),
        }
    }

    /// The task widgets' buttons: complete, confirm or cancel a delete.
    async fn action(
        &self,
        stream: &mut ThreadStream,
        tools: &McpTools,
        action: &Action,
        sender: &Option<ThreadItem>,
        user_text: &str,
    ) -> Result<(), ChatKitError> {
        task_widgets::handle(stream, tools, action, sender, user_text).await
    }
}

/// A `list_tasks` result as a card with Done buttons, beside the model's own words.
async fn show_list(
    stream: &mut ThreadStream,
    tasks: &[Task],
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
