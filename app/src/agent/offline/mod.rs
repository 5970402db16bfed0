//! The offline assistant: deterministic rules that read everyday task commands (English, Urdu
//! script, Roman Urdu) and drive the same agent loop and tools a real model would.

pub mod lexicon;
pub mod replies;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream;
use serde_json::{json, Value};

use super::language::{language, normalize, Lang};
use super::{ChatMessage, Model, ModelError, ModelEvent, ModelRequest, ModelStream, ToolCall};
pub use lexicon::{Changes, Intent, TaskRef};

/// Reads one user message (normalized first); a new task keeps the user's own spelling.
pub fn parse(text: &str, now: DateTime<Utc>) -> Intent {
    match lexicon::parse(&normalize(text), now) {
        Intent::Add {
            title,
            due,
            priority,
            tags,
        } => Intent::Add {
            title: as_typed(&title, text),
            due,
            priority,
            tags,
        },
        other => other,
    }
}

/// `title` (normalized words) with each word as the user typed it ("Meeting prep", "Café"):
/// the typed words are matched in order by their normalized form.
fn as_typed(title: &str, typed: &str) -> String {
    let typed: Vec<&str> = typed.split_whitespace().collect();
    let mut from = 0;
    let words: Vec<String> = title
        .split_whitespace()
        .map(|word| {
            let found = typed[from..].iter().position(|t| {
                let n = normalize(t);
                n == word || n.trim_matches(['\'', '"', '“', '”']) == word
            });
            match found {
                Some(i) => {
                    let t = typed[from + i];
                    from += i + 1;
                    // Keep what the normalized word kept: no edge quotes or end punctuation.
                    let core = t
                        .trim_start_matches(['\'', '"', '“'])
                        .trim_end_matches(['\'', '"', '”', '.', '!', '?', '؟', '۔', ',', '،']);
                    match normalize(core) == word {
                        true => core.to_string(),
                        false => word.to_string(),
                    }
                }
                None => word.to_string(),
            }
        })
        .collect();
    words.join(" ")
}

/// The assistant as a [`Model`]: a user message becomes tool calls; tool results become text.
pub struct OfflineAssistant;

#[async_trait]
impl Model for OfflineAssistant {
    fn describe(&self) -> String {
        "offline".into()
    }

    async fn stream(&self, request: ModelRequest<'_>) -> Result<ModelStream, ModelError> {
        let events = plan_for(request.messages, Utc::now(), request.locale);
        Ok(Box::pin(stream::iter(events.into_iter().map(Ok))))
    }
}

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

/// Task ids in the order an assistant text shows them ("(#12)").
fn ids_in(text: &str) -> Vec<i64> {
    text.split("(#")
        .skip(1)
        .filter_map(|s| s.split(')').next()?.parse().ok())
        .collect()
}

fn last_user(messages: &[ChatMessage]) -> Option<(usize, &str)> {
    messages
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, m)| match m {
            ChatMessage::User(u) => Some((i, u.as_str())),
            _ => None,
        })
}

/// The assistant text just before message `before` (the previous turn's answer).
fn previous_answer(messages: &[ChatMessage], before: usize) -> Option<(usize, &str)> {
    messages[..before]
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, m)| match m {
            ChatMessage::Assistant { text, .. } if !text.trim().is_empty() => {
                Some((i, text.as_str()))
            }
            ChatMessage::User(_) => Some((i, "")),
            _ => None,
        })
        .filter(|(_, t)| !t.is_empty())
}

/// The ids of the last listing shown before message `before`, if any.
fn last_listing(messages: &[ChatMessage], before: usize) -> Option<Vec<i64>> {
    messages[..before].iter().rev().find_map(|m| match m {
        ChatMessage::Assistant { text, .. } => Some(ids_in(text)).filter(|ids| !ids.is_empty()),
        _ => None,
    })
}

/// Title matching: case- and diacritic-insensitive substring, or every word of the query.
fn matches(tasks: &[Value], query: &str) -> Vec<Value> {
    let q = normalize(query);
    let title = |t: &Value| normalize(t["title"].as_str().unwrap_or(""));
    let exact: Vec<Value> = tasks.iter().filter(|t| title(t) == q).cloned().collect();
    if !exact.is_empty() {
        return exact;
    }
    let words: Vec<&str> = q.split_whitespace().collect();
    tasks
        .iter()
        .filter(|t| {
            let tt = title(t);
            tt.contains(&q) || (!words.is_empty() && words.iter().all(|w| tt.contains(w)))
        })
        .cloned()
        .collect()
}

/// The tool call for an intent whose task is known by id.
fn act(intent: &Intent, id: i64) -> Option<ModelEvent> {
    Some(match intent {
        Intent::Complete(_) => call("complete_task", json!({"task_id": id})),
        Intent::Delete(_) => call("delete_task", json!({"task_id": id})),
        Intent::Update(_, c) => {
            let mut args = json!({"task_id": id});
            if let Some(t) = &c.title {
                args["title"] = json!(t);
            }
            if let Some(p) = c.priority {
                args["priority"] = json!(p);
            }
            if let Some(d) = &c.due {
                args["due"] = json!(d);
            }
            call("update_task", args)
        }
        _ => return None,
    })
}

fn with_ref(intent: &Intent, r: TaskRef) -> Intent {
    match intent {
        Intent::Complete(_) => Intent::Complete(r),
        Intent::Delete(_) => Intent::Delete(r),
        Intent::Update(_, c) => Intent::Update(r, c.clone()),
        other => other.clone(),
    }
}

fn target(intent: &Intent) -> Option<&TaskRef> {
    match intent {
        Intent::Complete(r) | Intent::Delete(r) | Intent::Update(r, _) => Some(r),
        _ => None,
    }
}

/// Decides the next step from the conversation so far.
pub fn plan(messages: &[ChatMessage], now: DateTime<Utc>) -> Vec<ModelEvent> {
    plan_for(messages, now, None)
}

/// [`plan`], answering in the interface language (`locale`) when the message has no words
/// to tell by ("2", "۳").
pub fn plan_for(
    messages: &[ChatMessage],
    now: DateTime<Utc>,
    locale: Option<&str>,
) -> Vec<ModelEvent> {
    let urdu_ui = super::language::urdu_ui(locale);
    let Some((user_at, user)) = last_user(messages) else {
        return text(replies::help(if urdu_ui {
            Lang::Urdu
        } else {
            Lang::English
        }));
    };
    let lang = match user.chars().any(char::is_alphabetic) {
        false if urdu_ui => Lang::Urdu,
        _ => language(user),
    };
    // Tool results since the last assistant tool call: answer, or follow up a title lookup.
    let tail = messages
        .iter()
        .rev()
        .take_while(|m| matches!(m, ChatMessage::Tool { .. }))
        .count();
    if tail > 0 {
        return after_tools(messages, tail, user, lang, now);
    }
    let intent = parse(user, now);
    let previous = previous_answer(messages, user_at);

    // Answers to the two questions the assistant asks.
    if let Some((_, asked)) = previous {
        if replies::CONFIRM_MARKERS.iter().any(|m| asked.contains(m)) {
            match (&intent, ids_in(asked).as_slice()) {
                (Intent::Yes, [id]) => return vec![call("delete_task", json!({"task_id": id}))],
                (Intent::No, _) => return text(replies::kept(lang)),
                _ => {}
            }
        }
        if replies::WHICH_MARKERS.iter().any(|m| asked.contains(m)) {
            if let Some(chosen) = pick(user, &ids_in(asked)) {
                // The command that led to the question is the user message before it.
                let (asked_at, _) = previous.expect("matched above");
                if let Some((_, original)) = last_user(&messages[..asked_at]) {
                    let original = parse(original, now);
                    if let Some(e) = act(&original, chosen) {
                        return vec![e];
                    }
                }
            }
        }
    }

    match &intent {
        Intent::Add {
            title,
            due,
            priority,
            tags,
        } => {
            let mut args = json!({ "title": title });
            if let Some(d) = due {
                args["due"] = json!(d);
            }
            if let Some(p) = priority {
                args["priority"] = json!(p);
            }
            if !tags.is_empty() {
                args["tags"] = json!(tags);
            }
            vec![call("add_task", args)]
        }
        Intent::List {
            status,
            due,
            priority,
            tag,
        } => {
            let mut args = json!({ "status": status });
            if let Some(d) = due {
                args["due"] = json!(d);
            }
            if let Some(p) = priority {
                args["priority"] = json!(p);
            }
            if let Some(t) = tag {
                args["tag"] = json!(t);
            }
            vec![call("list_tasks", args)]
        }
        Intent::Complete(r) | Intent::Delete(r) | Intent::Update(r, _) => match r {
            TaskRef::Id(id) => act(&intent, *id).into_iter().collect(),
            TaskRef::Ordinal(n) => match last_listing(messages, user_at) {
                None => text(replies::no_listing(lang)),
                Some(ids) => {
                    let id = if *n == 0 { ids.last() } else { ids.get(n - 1) };
                    match id {
                        Some(id) => act(&intent, *id).into_iter().collect(),
                        None => text(replies::out_of_range(*n, ids.len(), lang)),
                    }
                }
            },
            TaskRef::Title(_) => {
                // Look the title up first; the follow-up step matches and acts.
                let status = if matches!(intent, Intent::Complete(_)) {
                    "open"
                } else {
                    "all"
                };
                vec![call("list_tasks", json!({"status": status, "limit": 100}))]
            }
        },
        Intent::Yes | Intent::No | Intent::Help => text(replies::help(lang)),
    }
}

/// A reply to "which one?": an ordinal, a position number or one of the ids shown.
fn pick(reply: &str, shown: &[i64]) -> Option<i64> {
    let t = normalize(reply);
    let t = t.trim_start_matches('#');
    if let Ok(n) = t.parse::<i64>() {
        if shown.contains(&n) {
            return Some(n);
        }
        return usize::try_from(n)
            .ok()
            .filter(|n| *n >= 1)
            .and_then(|n| shown.get(n - 1).copied());
    }
    match lexicon::task_ref(t)? {
        TaskRef::Ordinal(0) => shown.last().copied(),
        TaskRef::Ordinal(n) => shown.get(n - 1).copied(),
        TaskRef::Id(id) => shown.contains(&id).then_some(id),
        TaskRef::Title(_) => None,
    }
}

fn after_tools(
    messages: &[ChatMessage],
    tail: usize,
    user: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Vec<ModelEvent> {
    let Some(ChatMessage::Assistant { tool_calls, .. }) = messages.get(messages.len() - tail - 1)
    else {
        return text("OK.".into());
    };
    let results: Vec<(String, Value)> = tool_calls
        .iter()
        .zip(&messages[messages.len() - tail..])
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
    let intent = parse(user, now);
    // A lookup made for a complete/delete/update by title: act on one match, else ask.
    if let ([(name, r)], Some(TaskRef::Title(q))) = (results.as_slice(), target(&intent)) {
        if name == "list_tasks" && r.get("error").is_none() {
            let tasks = r["tasks"].as_array().cloned().unwrap_or_default();
            let found = matches(&tasks, q);
            return match found.as_slice() {
                [] => text(replies::not_found(q, lang)),
                // A delete by title goes ahead: the agent asks for confirmation (Confirm/Cancel)
                // unless the words named the task exactly.
                [one] => act(
                    &with_ref(&intent, TaskRef::Id(one["id"].as_i64().unwrap_or(0))),
                    one["id"].as_i64().unwrap_or(0),
                )
                .into_iter()
                .collect(),
                many => text(replies::which(many, lang)),
            };
        }
    }
    let mut lines = Vec::new();
    for (name, r) in &results {
        if let Some(err) = r.get("error").and_then(Value::as_str) {
            lines.push(replies::failed(err, lang));
            continue;
        }
        match name.as_str() {
            "add_task" => lines.push(replies::added(&r["added"], lang)),
            "complete_task" => lines.push(replies::completed(&r["completed"], lang)),
            "delete_task" => match r.get("awaiting_confirmation") {
                Some(t) => lines.push(replies::confirm_delete(t, lang)),
                None => lines.push(replies::deleted(&r["deleted"], lang)),
            },
            "update_task" => lines.push(replies::updated(&r["updated"], lang)),
            "list_tasks" => {
                let tasks = r["tasks"].as_array().cloned().unwrap_or_default();
                lines.push(replies::listing(&tasks, lang));
            }
            _ => {}
        }
    }
    text(lines.join("\n"))
}
