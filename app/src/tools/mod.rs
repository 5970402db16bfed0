//! The task tools (add/list/complete/delete/update), bound to one user. The agent and outside
//! clients call the same code; the user id is fixed at construction, never a tool argument.

pub mod mcp;

use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::store::{Db, StoreError};
use crate::tasks::model::*;

/// A tool's schema in the shape Chat Completions and MCP both understand.
#[derive(Clone, Debug)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

/// What a call produced: data for the model, and a short label for the person.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolOutput {
    pub result: Value,
    pub label: String,
    pub tasks: Vec<Task>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ToolError {
    /// Bad arguments: returned to the model so it can correct itself.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    #[error("no task with id {0}")]
    UnknownTask(i64),
    #[error("unknown tool '{0}'")]
    UnknownTool(String),
    #[error("{0}")]
    Store(String),
}

impl From<StoreError> for ToolError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(m) | StoreError::Conflict(m) => ToolError::InvalidArguments(m),
            other => ToolError::Store(other.to_string()),
        }
    }
}

#[derive(Clone)]
pub struct TaskTools {
    db: Db,
    user_id: String,
}

#[derive(Deserialize)]
struct AddArgs {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    due: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct ListArgs {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    due: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

#[derive(Deserialize)]
struct IdArgs {
    task_id: i64,
}

#[derive(Deserialize)]
struct UpdateArgs {
    task_id: i64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    /// An ISO date/time, or "" / "none" to clear.
    #[serde(default)]
    due: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    completed: Option<bool>,
}

fn args<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ToolError> {
    let v = if v.is_null() { json!({}) } else { v };
    serde_json::from_value(v).map_err(|e| ToolError::InvalidArguments(e.to_string()))
}

fn priority(p: &Option<String>) -> Result<Option<Priority>, ToolError> {
    match p.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Priority::parse(s).map(Some).ok_or_else(|| {
            ToolError::InvalidArguments(format!(
                "priority must be low, normal, high or urgent, not '{s}'"
            ))
        }),
    }
}

fn task_json(t: &Task) -> Value {
    json!({
        "id": t.id,
        "title": t.title,
        "completed": t.completed,
        "priority": t.priority.as_str(),
        "due": t.due_at.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()),
        "tags": t.tags,
    })
}

impl TaskTools {
    pub fn new(db: Db, user_id: impl Into<String>) -> Self {
        TaskTools {
            db,
            user_id: user_id.into(),
        }
    }

    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    pub fn specs() -> Vec<ToolSpec> {
        vec![
            ToolSpec {
                name: "add_task",
                description: "Create a task for the user.",
                parameters: json!({"type":"object","properties":{
                    "title":{"type":"string","description":"Short title"},
                    "description":{"type":"string","description":"Optional details (markdown)"},
                    "priority":{"type":"string","enum":["low","normal","high","urgent"]},
                    "due":{"type":"string","description":"Due date YYYY-MM-DD or RFC 3339 time"},
                    "tags":{"type":"array","items":{"type":"string"}}},
                    "required":["title"]}),
            },
            ToolSpec {
                name: "list_tasks",
                description: "List the user's tasks, optionally filtered.",
                parameters: json!({"type":"object","properties":{
                    "status":{"type":"string","enum":["all","open","done"]},
                    "due":{"type":"string","enum":["overdue","today","week"]},
                    "tag":{"type":"string"},
                    "priority":{"type":"string","enum":["low","normal","high","urgent"]},
                    "query":{"type":"string","description":"Words to find in title or description"},
                    "limit":{"type":"integer","minimum":1,"maximum":100}}}),
            },
            ToolSpec {
                name: "complete_task",
                description: "Mark a task as done, by id.",
                parameters: json!({"type":"object","properties":{"task_id":{"type":"integer"}},"required":["task_id"]}),
            },
            ToolSpec {
                name: "delete_task",
                description: "Delete a task, by id.",
                parameters: json!({"type":"object","properties":{"task_id":{"type":"integer"}},"required":["task_id"]}),
            },
            ToolSpec {
                name: "update_task",
                description:
                    "Change a task's title, description, priority, due date, tags or done state.",
                parameters: json!({"type":"object","properties":{
                    "task_id":{"type":"integer"},
                    "title":{"type":"string"},
                    "description":{"type":"string"},
                    "priority":{"type":"string","enum":["low","normal","high","urgent"]},
                    "due":{"type":"string","description":"YYYY-MM-DD, RFC 3339, or \"none\" to clear"},
                    "tags":{"type":"array","items":{"type":"string"}},
                    "completed":{"type":"boolean"}},
                    "required":["task_id"]}),
            },
        ]
    }

    /// Runs one tool by name.
    pub async fn call(&self, name: &str, arguments: Value) -> Result<ToolOutput, ToolError> {
        let uid = self.user_id.as_str();
        match name {
            "add_task" => {
                let a: AddArgs = args(arguments)?;
                let new = NewTask {
                    title: a.title,
                    description: a.description.unwrap_or_default(),
                    priority: priority(&a.priority)?.unwrap_or_default(),
                    due_at: match &a.due {
                        Some(d) => parse_due(d).map_err(ToolError::InvalidArguments)?,
                        None => None,
                    },
                    tags: a.tags.unwrap_or_default(),
                };
                let t = self.db.create_task(uid, new).await?;
                Ok(ToolOutput {
                    result: json!({"added": task_json(&t)}),
                    label: format!("Added task '{}'", t.title),
                    tasks: vec![t],
                })
            }
            "list_tasks" => {
                let a: ListArgs = args(arguments)?;
                let filter = TaskFilter {
                    status: match a.status.as_deref() {
                        None | Some("") | Some("all") => StatusFilter::All,
                        Some("open") => StatusFilter::Open,
                        Some("done") => StatusFilter::Done,
                        Some(s) => {
                            return Err(ToolError::InvalidArguments(format!(
                                "status must be all, open or done, not '{s}'"
                            )))
                        }
                    },
                    due: match a.due.as_deref() {
                        None | Some("") => None,
                        Some("overdue") => Some(DueFilter::Overdue),
                        Some("today") => Some(DueFilter::Today),
                        Some("week") => Some(DueFilter::Week),
                        Some(s) => {
                            return Err(ToolError::InvalidArguments(format!(
                                "due must be overdue, today or week, not '{s}'"
                            )))
                        }
                    },
                    tag: a.tag.filter(|t| !t.trim().is_empty()),
                    priority: priority(&a.priority)?,
                    query: a.query,
                    limit: Some(a.limit.unwrap_or(50).clamp(1, 100)),
                };
                let tasks = self.db.list_tasks(uid, &filter, Utc::now()).await?;
                Ok(ToolOutput {
                    result: json!({"count": tasks.len(), "tasks": tasks.iter().map(task_json).collect::<Vec<_>>()}),
                    label: format!(
                        "Listed {} task{}",
                        tasks.len(),
                        if tasks.len() == 1 { "" } else { "s" }
                    ),
                    tasks,
                })
            }
            "complete_task" => {
                let a: IdArgs = args(arguments)?;
                let t = self
                    .update(
                        a.task_id,
                        TaskPatch {
                            completed: Some(true),
                            ..Default::default()
                        },
                    )
                    .await?;
                Ok(ToolOutput {
                    result: json!({"completed": task_json(&t)}),
                    label: format!("Completed '{}'", t.title),
                    tasks: vec![t],
                })
            }
            "delete_task" => {
                let a: IdArgs = args(arguments)?;
                let t = self
                    .db
                    .delete_task(uid, a.task_id)
                    .await
                    .map_err(|e| not_found(e, a.task_id))?;
                Ok(ToolOutput {
                    result: json!({"deleted": task_json(&t)}),
                    label: format!("Deleted '{}'", t.title),
                    tasks: vec![t],
                })
            }
            "update_task" => {
                let a: UpdateArgs = args(arguments)?;
                let patch = TaskPatch {
                    title: a.title,
                    description: a.description,
                    priority: priority(&a.priority)?,
                    due_at: match &a.due {
                        Some(d) => Some(parse_due(d).map_err(ToolError::InvalidArguments)?),
                        None => None,
                    },
                    tags: a.tags,
                    completed: a.completed,
                };
                let t = self.update(a.task_id, patch).await?;
                Ok(ToolOutput {
                    result: json!({"updated": task_json(&t)}),
                    label: format!("Updated '{}'", t.title),
                    tasks: vec![t],
                })
            }
            other => Err(ToolError::UnknownTool(other.to_string())),
        }
    }

    async fn update(&self, id: i64, patch: TaskPatch) -> Result<Task, ToolError> {
        self.db
            .update_task(&self.user_id, id, patch)
            .await
            .map_err(|e| not_found(e, id))
    }
}

fn not_found(e: StoreError, id: i64) -> ToolError {
    match e {
        StoreError::NotFound(_) => ToolError::UnknownTask(id),
        other => other.into(),
    }
}
