//! The offline assistant: deterministic rules that read everyday task commands and drive the
//! same agent loop and tools a real model would, so the app works with no model configured.

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use futures::stream;
use serde_json::{json, Value};

use super::{ChatMessage, Model, ModelError, ModelEvent, ModelRequest, ModelStream, ToolCall};

/// Which task a command points at.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskRef {
    Id(i64),
    Title(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    Add {
        title: String,
        due: Option<DateTime<Utc>>,
    },
    List {
        status: &'static str,
    },
    Complete(TaskRef),
    Delete(TaskRef),
    Help,
}

fn end_of_day(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive()
        .and_time(NaiveTime::from_hms_opt(23, 59, 0).expect("valid time"))
        .and_utc()
}

/// Strips a trailing date word ("tomorrow", "today") and returns the due time it names.
fn split_due(text: &str, now: DateTime<Utc>) -> (String, Option<DateTime<Utc>>) {
    let lower = text.to_lowercase();
    for (word, days) in [(" tomorrow", 1), (" today", 0)] {
        if let Some(rest) = lower.strip_suffix(word) {
            return (
                text[..rest.len()].trim().to_string(),
                Some(end_of_day(now + Duration::days(days))),
            );
        }
    }
    (text.trim().to_string(), None)
}

fn task_ref(rest: &str) -> TaskRef {
    let r = rest
        .trim()
        .trim_start_matches("task")
        .trim()
        .trim_start_matches('#')
        .trim();
    match r.parse::<i64>() {
        Ok(id) => TaskRef::Id(id),
        Err(_) => TaskRef::Title(r.trim_start_matches("the ").trim().to_string()),
    }
}

/// Reads one user message.
pub fn parse(text: &str, now: DateTime<Utc>) -> Intent {
    let t = text.trim().trim_end_matches(['.', '!', '?']).trim();
    let lower = t.to_lowercase();
    for prefix in ["add ", "create ", "new task ", "remind me to "] {
        if lower.starts_with(prefix) {
            let (title, due) = split_due(&t[prefix.len()..], now);
            if !title.is_empty() {
                return Intent::Add { title, due };
            }
        }
    }
    for prefix in ["complete ", "finish ", "done ", "mark "] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let rest = rest
                .trim_end_matches(" as done")
                .trim_end_matches(" done")
                .trim_end_matches(" complete");
            return Intent::Complete(task_ref(rest));
        }
    }
    for prefix in ["delete ", "remove "] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return Intent::Delete(task_ref(rest));
        }
    }
    if [
        "list",
        "show",
        "what's left",
        "whats left",
        "what is left",
        "tasks",
        "my tasks",
    ]
    .iter()
    .any(|w| lower.starts_with(w))
    {
        let status =
            if lower.contains("left") || lower.contains("open") || lower.contains("pending") {
                "open"
            } else {
                "all"
            };
        return Intent::List { status };
    }
    Intent::Help
}

/// The assistant as a [`Model`]: a user message becomes tool calls; tool results become text.
pub struct OfflineAssistant;

fn call(name: &str, args: Value) -> ModelEvent {
    ModelEvent::ToolCall(ToolCall {
        id: format!("call_{}", uuid::Uuid::new_v4().simple()),
        name: name.to_string(),
        arguments: args.to_string(),
    })
}

fn text(s: String) -> Vec<ModelEvent> {
    // Stream in word-sized pieces, as a model would.
    let mut out = Vec::new();
    let mut piece = String::new();
    for ch in s.chars() {
        piece.push(ch);
        if ch == ' ' && piece.len() > 12 {
            out.push(ModelEvent::TextDelta(std::mem::take(&mut piece)));
        }
    }
    if !piece.is_empty() {
        out.push(ModelEvent::TextDelta(piece));
    }
    out
}

fn task_line(t: &Value) -> String {
    let title = t["title"].as_str().unwrap_or("");
    let mut line = format!("**{}** (#{})", title, t["id"]);
    if let Some(due) = t["due"].as_str() {
        line.push_str(&format!(", due {due}"));
    }
    line
}

/// What to say after the tools of this turn ran.
fn reply(results: &[(String, Value)], pending: &ChatMessage) -> Vec<ModelEvent> {
    let _ = pending;
    let mut lines = Vec::new();
    for (name, r) in results {
        if let Some(err) = r.get("error").and_then(Value::as_str) {
            lines.push(format!("Sorry, I couldn't do that: {err}."));
            continue;
        }
        match name.as_str() {
            "add_task" => lines.push(format!("Added {}.", task_line(&r["added"]))),
            "complete_task" => {
                lines.push(format!("Marked {} as done.", task_line(&r["completed"])))
            }
            "delete_task" => lines.push(format!("Deleted {}.", task_line(&r["deleted"]))),
            "update_task" => lines.push(format!("Updated {}.", task_line(&r["updated"]))),
            "list_tasks" => {
                let tasks = r["tasks"].as_array().cloned().unwrap_or_default();
                if tasks.is_empty() {
                    lines.push("You have no tasks here.".into());
                } else {
                    lines.push(format!(
                        "You have {} task{}:",
                        tasks.len(),
                        if tasks.len() == 1 { "" } else { "s" }
                    ));
                    for t in &tasks {
                        let mark = if t["completed"].as_bool() == Some(true) {
                            "~~"
                        } else {
                            ""
                        };
                        lines.push(format!("- {mark}{}{mark}", task_line(t)));
                    }
                }
            }
            _ => {}
        }
    }
    text(lines.join("\n"))
}

#[async_trait]
impl Model for OfflineAssistant {
    fn describe(&self) -> String {
        "offline".into()
    }

    async fn stream(&self, request: ModelRequest<'_>) -> Result<ModelStream, ModelError> {
        let events = plan(request.messages, Utc::now());
        Ok(Box::pin(stream::iter(events.into_iter().map(Ok))))
    }
}

/// Decides the next step from the conversation so far.
pub fn plan(messages: &[ChatMessage], now: DateTime<Utc>) -> Vec<ModelEvent> {
    // Tool results since the last assistant tool call: answer, or follow up a title lookup.
    let tail: Vec<&ChatMessage> = messages
        .iter()
        .rev()
        .take_while(|m| matches!(m, ChatMessage::Tool { .. }))
        .collect();
    if !tail.is_empty() {
        let Some(ChatMessage::Assistant { tool_calls, .. }) =
            messages.get(messages.len() - tail.len() - 1)
        else {
            return text("Done.".into());
        };
        let results: Vec<(String, Value)> = tool_calls
            .iter()
            .zip(tail.iter().rev())
            .map(|(c, m)| {
                let content = match m {
                    ChatMessage::Tool { content, .. } => {
                        serde_json::from_str(content).unwrap_or(Value::Null)
                    }
                    _ => Value::Null,
                };
                (c.name.clone(), content)
            })
            .collect();
        // A lookup by title made for a complete/delete: act on a single match, else ask.
        if let [(name, r)] = results.as_slice() {
            if name == "list_tasks" {
                if let Some(ChatMessage::User(user)) = messages
                    .iter()
                    .rev()
                    .find(|m| matches!(m, ChatMessage::User(_)))
                {
                    let action = match parse(user, now) {
                        Intent::Complete(TaskRef::Title(_)) => Some("complete_task"),
                        Intent::Delete(TaskRef::Title(_)) => Some("delete_task"),
                        _ => None,
                    };
                    if let Some(action) = action {
                        let tasks = r["tasks"].as_array().cloned().unwrap_or_default();
                        return match tasks.as_slice() {
                            [one] => vec![call(action, json!({"task_id": one["id"]}))],
                            [] => text("I couldn't find a task like that.".into()),
                            many => {
                                let mut s = String::from("Which one do you mean?\n");
                                for t in many {
                                    s.push_str(&format!("- {}\n", task_line(t)));
                                }
                                text(s.trim_end().to_string())
                            }
                        };
                    }
                }
            }
        }
        return reply(&results, tail[0]);
    }
    let Some(ChatMessage::User(user)) = messages.last() else {
        return text("How can I help with your tasks?".into());
    };
    match parse(user, now) {
        Intent::Add { title, due } => {
            let mut args = json!({ "title": title });
            if let Some(d) = due {
                args["due"] = json!(crate::chatkit::types::timestamp::format(&d));
            }
            vec![call("add_task", args)]
        }
        Intent::List { status } => vec![call("list_tasks", json!({ "status": status }))],
        Intent::Complete(TaskRef::Id(id)) => vec![call("complete_task", json!({ "task_id": id }))],
        Intent::Delete(TaskRef::Id(id)) => vec![call("delete_task", json!({ "task_id": id }))],
        Intent::Complete(TaskRef::Title(q)) | Intent::Delete(TaskRef::Title(q)) => {
            vec![call("list_tasks", json!({ "query": q, "status": "open" }))]
        }
        Intent::Help => text(
            "I can manage your tasks. Try \"add buy milk tomorrow\", \"what's left?\", \"mark buy milk done\" or \"delete task 3\"."
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_with_tomorrow_sets_a_due_date() {
        let now = Utc::now();
        match parse("add buy milk tomorrow", now) {
            Intent::Add { title, due } => {
                assert_eq!(title, "buy milk");
                assert_eq!(
                    due.unwrap().date_naive(),
                    (now + Duration::days(1)).date_naive()
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn completes_by_id_or_title() {
        let now = Utc::now();
        assert_eq!(
            parse("mark task 3 done", now),
            Intent::Complete(TaskRef::Id(3))
        );
        assert_eq!(
            parse("mark the groceries done", now),
            Intent::Complete(TaskRef::Title("groceries".into()))
        );
    }
}
