//! The task as users, pages, tools and the store all see it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub completed: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub due_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a new task needs; everything but the title has a default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A partial update: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub due_at: Option<Option<DateTime<Utc>>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub completed: Option<bool>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    #[default]
    All,
    Open,
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueFilter {
    Overdue,
    Today,
    Week,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskFilter {
    #[serde(default)]
    pub status: StatusFilter,
    #[serde(default)]
    pub due: Option<DueFilter>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Limits on task fields, checked by `NewTask::validated` / `TaskPatch::validated`, which the
/// store calls for every write (tasks page, chat, MCP).
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 40;

impl NewTask {
    /// The task with its title and tags normalised, or why it cannot be stored (shown to the
    /// person or the model as is).
    pub fn validated(self) -> Result<NewTask, String> {
        Ok(NewTask {
            title: clean_title(&self.title)?,
            description: clean_description(self.description)?,
            tags: clean_tags(&self.tags)?,
            ..self
        })
    }
}

impl TaskPatch {
    /// The patch with the same checks as [`NewTask::validated`] on each field it sets.
    pub fn validated(self) -> Result<TaskPatch, String> {
        Ok(TaskPatch {
            title: self.title.as_deref().map(clean_title).transpose()?,
            description: self.description.map(clean_description).transpose()?,
            tags: self.tags.as_deref().map(clean_tags).transpose()?,
            ..self
        })
    }
}

fn clean_description(d: String) -> Result<String, String> {
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "a description can be at most {MAX_DESCRIPTION_CHARS} characters"
        ));
    }
    Ok(d)
}

/// Normalises and checks a title; the error is shown to users as is.
pub fn clean_title(title: &str) -> Result<String, String> {
    let t = title.trim();
    if t.is_empty() {
        return Err("a task needs a title".into());
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(format!(
            "a title can be at most {MAX_TITLE_CHARS} characters"
        ));
    }
    Ok(t.to_string())
}

pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().trim_start_matches('#');
        let n = t.chars().count();
        if n > MAX_TAG_CHARS {
            let start: String = t.chars().take(12).collect();
            return Err(format!(
                "a tag can be at most {MAX_TAG_CHARS} characters ('{start}…' has {n})"
            ));
        }
        let t = t.to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
        if out.len() > MAX_TAGS {
            return Err(format!("a task can have at most {MAX_TAGS} tags"));
        }
    }
    Ok(out)
}

/// How the tasks page orders its list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskSort {
    /// Open first, then by due date (undated last), newest first.
    #[default]
    Smart,
    Priority,
    Created,
    Title,
}

impl TaskSort {
    pub const ALL: [TaskSort; 4] = [
        TaskSort::Smart,
        TaskSort::Priority,
        TaskSort::Created,
        TaskSort::Title,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskSort::Smart => "smart",
            TaskSort::Priority => "priority",
            TaskSort::Created => "created",
            TaskSort::Title => "title",
        }
    }

    pub fn parse(s: &str) -> TaskSort {
        TaskSort::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .unwrap_or_default()
    }
}

/// Counts and the next open tasks, for the dashboard.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub open: usize,
    pub due_today: usize,
    pub overdue: usize,
    pub next: Vec<Task>,
}

/// "a, #b c" → ["a", "b", "c"] (cleaned further by `clean_tags`).
pub fn split_tags(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// A due date as the tasks page, the chat and MCP clients write it. A plain date
/// (`<input type="date">`, "2026-01-31") means the end of that day, 23:59:59 UTC, so the task is
/// "due today" all day and overdue from the next; an RFC 3339 time (without an offset: UTC) is
/// kept as given. Empty, "none" or "null" mean no due date.
pub fn parse_due(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("none") || s.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(23, 59, 59).expect("a valid time"))
        })
        .map(|t| Some(t.and_utc()))
        .map_err(|_| format!("due must be a date like 2026-01-31, not '{s}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_check_bounds_title_description_and_tags() {
        let new = |title: &str, description: &str, tags: Vec<String>| NewTask {
            title: title.into(),
            description: description.into(),
            tags,
            ..Default::default()
        };
        let ok = new(" a ", "", vec!["#Work".into(), "work".into(), " ".into()]);
        let ok = ok.validated().unwrap();
        assert_eq!(
            (ok.title.as_str(), ok.tags),
            ("a", vec!["work".to_string()])
        );
        let long_tag = "x".repeat(MAX_TAG_CHARS + 1);
        let e = new("a", "", vec![long_tag.clone()])
            .validated()
            .unwrap_err();
        assert_eq!(
            e,
            "a tag can be at most 40 characters ('xxxxxxxxxxxx…' has 41)"
        );
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        let e = new("a", "", many.clone()).validated().unwrap_err();
        assert_eq!(e, "a task can have at most 20 tags");
        assert!(new("", "", vec![]).validated().is_err());
        assert!(new(&"t".repeat(201), "", vec![]).validated().is_err());
        assert!(new("a", &"d".repeat(10_001), vec![]).validated().is_err());
        let patch = TaskPatch {
            tags: Some(vec![long_tag]),
            ..Default::default()
        };
        assert!(patch.validated().unwrap_err().contains("at most 40"));
        let patch = TaskPatch {
            tags: Some(many),
            ..Default::default()
        };
        assert!(patch.validated().is_err());
        assert_eq!(TaskPatch::default().validated(), Ok(TaskPatch::default()));
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_bare_date_is_the_end_of_that_day_and_a_time_is_kept() {
        assert_eq!(
            parse_due(" 2026-01-31 "),
            Ok(Some(utc("2026-01-31T23:59:59Z")))
        );
        assert_eq!(
            parse_due("2026-01-31T08:30:00+05:00"),
            Ok(Some(utc("2026-01-31T03:30:00Z")))
        );
        assert_eq!(
            parse_due("2026-01-31T08:30:00"),
            Ok(Some(utc("2026-01-31T08:30:00Z")))
        );
        for none in ["", "  ", "none", "NULL"] {
            assert_eq!(parse_due(none), Ok(None), "{none:?}");
        }
        assert!(parse_due("31/01/2026")
            .unwrap_err()
            .contains("'31/01/2026'"));
    }

    /// The chat and MCP clients reach tasks through the task tools; they store what the tasks
    /// page (whose server functions call `parse_due` itself) stores for the same text.
    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn the_task_tools_store_the_due_date_the_tasks_page_would() {
        use crate::tools::TaskTools;
        let dir = std::env::temp_dir().join(format!("todokit-due-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("test.db").display());
        let db = crate::store::Db::connect(&url).await.unwrap();
        let user = db.create_user("due@example.com", None, "x").await.unwrap();
        let tools = TaskTools::new(db, user.id);

        let added = tools
            .call(
                "add_task",
                serde_json::json!({"title": "pay rent", "due": "2026-01-31"}),
            )
            .await
            .unwrap();
        let due = added.tasks[0].due_at;
        assert_eq!(due, Some(utc("2026-01-31T23:59:59Z")));
        assert_eq!(due, parse_due("2026-01-31").unwrap());

        let updated = tools
            .call(
                "update_task",
                serde_json::json!({"task_id": added.tasks[0].id, "due": "2026-02-01T09:15:00Z"}),
            )
            .await
            .unwrap();
        let due = updated.tasks[0].due_at;
        assert_eq!(due, Some(utc("2026-02-01T09:15:00Z")));
        assert_eq!(due, parse_due("2026-02-01T09:15:00Z").unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
