//! The widgets the agent shows for tasks, and the actions they send back: a list card whose
//! rows have a Done button (`task.complete`), and a delete confirmation (`task.delete`,
//! `task.delete.cancel`). A handled action replaces its widget in place (`thread.item.replaced`)
//! and leaves a hidden note so the model knows what the user did.

use serde_json::{json, Value};

use super::language::{is_yes, language, normalize, Lang};
use crate::chatkit::types::*;
use crate::chatkit::widgets::*;
use crate::chatkit::{ChatKitError, ThreadStream};
use crate::tasks::model::{Priority, Task};
use crate::tools::mcp::McpTools;

pub const COMPLETE: &str = "task.complete";
pub const DELETE: &str = "task.delete";
pub const KEEP: &str = "task.delete.cancel";

/// Rows a list card shows; the rest are counted in a caption.
const MAX_ROWS: usize = 50;

/// The few words a widget shows, in the language the user writes in.
struct Words {
    lang: Lang,
}

impl Words {
    fn for_message(text: &str) -> Words {
        Words {
            lang: language(text),
        }
    }

    fn pick(&self, en: &'static str, ur: &'static str, roman: &'static str) -> &'static str {
        match self.lang {
            Lang::English => en,
            Lang::Urdu => ur,
            Lang::RomanUrdu => roman,
        }
    }

    fn tasks(&self) -> &'static str {
        self.pick("Tasks", "کام", "Tasks")
    }
    fn none(&self) -> &'static str {
        self.pick(
            "No tasks match.",
            "کوئی کام نہیں ملا۔",
            "Koi task nahi mila.",
        )
    }
    fn done(&self) -> &'static str {
        self.pick("Done", "مکمل", "Ho gaya")
    }
    fn due(&self) -> &'static str {
        self.pick("due", "آخری تاریخ", "due")
    }
    fn confirm(&self) -> &'static str {
        self.pick("Confirm", "تصدیق", "Confirm")
    }
    fn cancel(&self) -> &'static str {
        self.pick("Cancel", "منسوخ", "Cancel")
    }
    fn delete_question(&self) -> &'static str {
        self.pick(
            "Delete this task?",
            "یہ کام حذف کر دوں؟",
            "Ye task delete kar doon?",
        )
    }
    fn deleted(&self) -> &'static str {
        self.pick("Deleted", "حذف ہو گیا", "Delete ho gaya")
    }
    fn kept(&self) -> &'static str {
        self.pick("Kept", "رکھ لیا", "Rakh liya")
    }
    fn gone(&self) -> &'static str {
        self.pick(
            "This task no longer exists.",
            "یہ کام اب موجود نہیں۔",
            "Ye task ab mojood nahi.",
        )
    }
}

fn priority_color(p: Priority) -> BadgeColor {
    match p {
        Priority::Low => BadgeColor::Secondary,
        Priority::Normal => BadgeColor::Info,
        Priority::High => BadgeColor::Warning,
        Priority::Urgent => BadgeColor::Danger,
    }
}

fn action(kind: &str, task_id: i64) -> ActionConfig {
    ActionConfig::new(kind).payload(json!({ "task_id": task_id }))
}

fn row_key(id: i64) -> String {
    format!("task-{id}")
}

/// One list row: title (struck through when done), due and priority, and a Done button.
fn task_row(t: &Task, w: &Words) -> ListViewItem {
    let mut meta = Row::new()
        .gap(2)
        .child(Badge::new(t.priority.as_str()).color(priority_color(t.priority)));
    if let Some(due) = t.due_at {
        meta = meta.child(Caption::new(format!(
            "{} {}",
            w.due(),
            due.format("%Y-%m-%d %H:%M")
        )));
    }
    let end: WidgetComponent = if t.completed {
        Badge::new(w.done()).color(BadgeColor::Success).into()
    } else {
        Button::new(w.done())
            .size(ControlSize::Sm)
            .variant(ControlVariant::Outline)
            .on_click(action(COMPLETE, t.id))
            .into()
    };
    ListViewItem::new()
        .key(row_key(t.id))
        .gap(3)
        .align(Alignment::Center)
        .child(
            Col::new()
                .gap(1)
                .child(Text::new(format!("{} (#{})", t.title, t.id)).line_through(t.completed))
                .child(meta),
        )
        .child(Spacer::new())
        .child(end)
}

/// The widget for a `list_tasks` result: a ListView (a root, like Card: the SDK does not
/// allow one inside the other) with the count in its status line.
pub fn list_card(tasks: &[Task], user_text: &str) -> Value {
    let w = Words::for_message(user_text);
    let status = WidgetStatus::new(format!("{} · {}", w.tasks(), tasks.len()));
    let rows: Vec<ListViewItem> = if tasks.is_empty() {
        vec![ListViewItem::new().child(Text::new(w.none()))]
    } else {
        tasks
            .iter()
            .take(MAX_ROWS)
            .map(|t| task_row(t, &w))
            .collect()
    };
    let mut list = ListView::new().status(status).children(rows);
    if tasks.len() > MAX_ROWS {
        let more = format!("+{}", tasks.len() - MAX_ROWS);
        list = list.child(ListViewItem::new().child(Caption::new(more)));
    }
    list.into()
}

/// Confirm/Cancel (the card's own action buttons) for a delete the user's words did not make
/// certain; `title` is empty when the lookup could not tell it.
pub fn confirm_card(id: i64, title: &str, user_text: &str) -> Value {
    let w = Words::for_message(user_text);
    Card::new()
        .size(CardSize::Sm)
        .child(Title::new(w.delete_question()).size(TitleSize::Sm))
        .child(Text::new(format!("{title} (#{id})").trim_start()))
        .confirm(w.confirm(), action(DELETE, id))
        .cancel(w.cancel(), action(KEEP, id))
        .into()
}

/// What a confirmation card becomes once answered.
fn answered_card(line: String) -> Value {
    Card::new().size(CardSize::Sm).child(Text::new(line)).into()
}

/// Whether the user's words leave no doubt which task to delete: its id ("delete task 3",
/// "#3", Urdu digits too), its whole title, or a "yes" to a question that named it.
pub fn explicit_delete(user_text: &str, previous_answer: &str, id: i64, title: &str) -> bool {
    let said = normalize(user_text);
    let id_text = id.to_string();
    let names_id = said
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word == id_text);
    let title = normalize(title);
    let names_title = title.chars().count() >= 3 && said.contains(&title);
    let confirms = is_yes(user_text) && previous_answer.contains(&format!("(#{id})"));
    names_id || names_title || confirms
}

/// Replaces the component whose `key` is `key`, anywhere in the tree.
fn replace_keyed(node: &mut Value, key: &str, new: &Value) -> bool {
    if node.get("key").and_then(Value::as_str) == Some(key) {
        *node = new.clone();
        return true;
    }
    match node.get_mut("children").and_then(Value::as_array_mut) {
        Some(children) => children.iter_mut().any(|c| replace_keyed(c, key, new)),
        None => false,
    }
}

fn task_id(action: &Action) -> Result<i64, ChatKitError> {
    action.payload["task_id"]
        .as_i64()
        .ok_or_else(|| ChatKitError::invalid("the action's payload has no task_id"))
}

/// The widget the action came from, with its latest user message for the language.
fn widget_of(sender: &Option<ThreadItem>) -> Result<(ThreadItem, Value), ChatKitError> {
    match sender {
        Some(item) => match &item.kind {
            ItemKind::Widget { widget, .. } => Ok((item.clone(), widget.clone())),
            _ => Err(ChatKitError::invalid("only a widget can send this action")),
        },
        None => Err(ChatKitError::invalid(
            "this action needs the widget that sent it",
        )),
    }
}

/// Handles a widget action; `user_text` is the thread's latest user message (for language).
pub async fn handle(
    stream: &mut ThreadStream,
    tools: &McpTools,
    action: &Action,
    sender: &Option<ThreadItem>,
    user_text: &str,
) -> Result<(), ChatKitError> {
    let (mut item, mut widget) = widget_of(sender)?;
    let id = task_id(action)?;
    let w = Words::for_message(user_text);
    let tool = match action.kind.as_str() {
        COMPLETE => "complete_task",
        DELETE => "delete_task",
        KEEP => "",
        other => {
            return Err(ChatKitError::not_implemented(format!(
                "action '{other}' is not supported"
            )))
        }
    };
    let outcome = match tool {
        "" => Ok(None),
        name => tools.call(name, json!({ "task_id": id })).await.map(Some),
    };
    let (note, replacement) = match (action.kind.as_str(), outcome) {
        (COMPLETE, Ok(Some(out))) => {
            let t = out.tasks.first().cloned();
            let row = t.as_ref().map(|t| Value::from(task_row(t, &w)));
            let title = t.map(|t| t.title).unwrap_or_default();
            (
                format!("The user marked task #{id} '{title}' done from the task list."),
                row,
            )
        }
        (DELETE, Ok(Some(out))) => {
            let title = out
                .tasks
                .first()
                .map(|t| t.title.clone())
                .unwrap_or_default();
            widget = answered_card(format!("{}: {title} (#{id})", w.deleted()));
            (
                format!("The user confirmed; task #{id} '{title}' was deleted."),
                None,
            )
        }
        (_, Ok(_)) => {
            widget = answered_card(format!("{}: #{id}", w.kept()));
            (
                format!("The user cancelled deleting task #{id}; it was kept."),
                None,
            )
        }
        (_, Err(crate::tools::ToolError::UnknownTask(_))) => {
            let gone = answered_card(w.gone().to_string());
            if !replace_keyed(&mut widget, &row_key(id), &gone) || action.kind != COMPLETE {
                widget = gone;
            }
            (format!("Task #{id} no longer exists."), None)
        }
        (_, Err(e)) => return Err(ChatKitError::invalid(e.to_string())),
    };
    if let Some(row) = replacement {
        replace_keyed(&mut widget, &row_key(id), &row);
    }
    if let ItemKind::Widget { widget: w, .. } = &mut item.kind {
        *w = widget;
    }
    stream
        .emit(ThreadStreamEvent::ItemReplaced { item })
        .await?;
    let note = stream.new_item(ItemKind::HiddenContextItem {
        content: Value::String(note),
    });
    stream
        .emit(ThreadStreamEvent::ItemDone { item: note })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn task(id: i64, title: &str) -> Task {
        Task {
            id,
            title: title.into(),
            description: String::new(),
            completed: false,
            completed_at: None,
            priority: Priority::Normal,
            due_at: None,
            tags: vec![],
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn only_clear_words_delete_without_asking() {
        let t = (3, "buy groceries");
        let explicit = |said: &str, before: &str| explicit_delete(said, before, t.0, t.1);
        assert!(explicit("delete task 3", ""));
        assert!(explicit("delete #3", ""));
        assert!(explicit("ٹاسک ۳ حذف کرو", ""));
        assert!(explicit("please delete Buy Groceries", ""));
        assert!(explicit("yes", "Delete **buy groceries** (#3)?"));
        assert!(!explicit("delete the groceries", ""));
        assert!(!explicit("delete task 33", ""));
        assert!(!explicit("yes", "Delete **milk** (#4)?"));
        assert!(!explicit("delete the second one", ""));
    }

    #[test]
    fn a_row_is_replaced_by_key_and_others_stay() {
        let mut a = task(1, "a");
        let b = task(2, "b <script>");
        let mut card = list_card(&[a.clone(), b.clone()], "what's left?");
        a.completed = true;
        a.completed_at = Some(Utc::now());
        let w = Words::for_message("");
        assert!(replace_keyed(&mut card, "task-1", &task_row(&a, &w).into()));
        let rows = card["children"].as_array().unwrap();
        assert_eq!(
            rows[0]["children"][2]["type"], "Badge",
            "done row: no button"
        );
        assert_eq!(rows[0]["children"][0]["children"][0]["lineThrough"], true);
        assert_eq!(
            rows[1]["children"][2]["onClickAction"]["payload"]["task_id"],
            2
        );
        // Titles are data, never markup: they travel as plain strings.
        assert_eq!(
            rows[1]["children"][0]["children"][0]["value"],
            "b <script> (#2)"
        );
        assert!(!replace_keyed(&mut card, "task-9", &Value::Null));
    }
}
